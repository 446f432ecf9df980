"""Ensembles on a Dask cluster: ``Client.get_executor()`` gives the same results as a local run."""

from __future__ import annotations

import pandas as pd
import pytest

import sanctionsim as ss

distributed = pytest.importorskip("distributed")


def test_dask_executor_matches_a_local_run(baseline):
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        on_dask = ss.simulate(baseline, runs=40, months=12, executor=client.get_executor(), batch_size=10)
    local = ss.simulate(baseline, runs=40, months=12, workers=1, batch_size=10)
    pd.testing.assert_frame_equal(on_dask.metrics, local.metrics, check_exact=True)
    pd.testing.assert_frame_equal(on_dask.flows, local.flows, check_exact=True)
