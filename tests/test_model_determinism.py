"""Determinism and common random numbers, through the Python API."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import sanctionsim as ss
from sanctionsim.goods import GOOD_NAMES
from sanctionsim.model.model import SanctionsModel


def _run(baseline, **kw) -> ss.Results:
    return ss.simulate(baseline, workers=1, months=18, **kw)


def test_same_seed_gives_identical_results(baseline):
    a = _run(baseline, runs=20, seed=7)
    b = _run(baseline, runs=20, seed=7)
    pd.testing.assert_frame_equal(a.metrics, b.metrics, check_exact=True)
    pd.testing.assert_frame_equal(a.flows, b.flows, check_exact=True)
    pd.testing.assert_frame_equal(a.events, b.events, check_exact=True)


def test_different_seeds_differ(baseline):
    a = _run(baseline, runs=5, seed=7)
    b = _run(baseline, runs=5, seed=8)
    assert not np.array_equal(a.metrics["shells_prk_to_rus"], b.metrics["shells_prk_to_rus"])
    # replicates within one run differ from each other too
    by_rep = a.metrics.pivot(index="month", columns="replicate", values="war_demand_rus")
    assert by_rep.nunique(axis=1).min() == 5


@pytest.mark.parametrize("batch_size", [1, 7, 40])
def test_one_replicate_equals_replicate_zero_of_a_batch(baseline, batch_size):
    single = _run(baseline, runs=1, seed=11)
    batch = _run(baseline, runs=40, seed=11, batch_size=batch_size)
    rep0 = batch.metrics[batch.metrics["replicate"] == 0].reset_index(drop=True)
    pd.testing.assert_frame_equal(single.metrics, rep0, check_exact=True)
    flows0 = batch.flows[batch.flows["replicate"] == 0].reset_index(drop=True)
    pd.testing.assert_frame_equal(single.flows, flows0, check_exact=True)


def test_replicate_does_not_depend_on_its_neighbours(baseline):
    """Replicate 17 is the same whether it runs among 0..39 or alone."""
    alone = SanctionsModel(config=baseline.config, seed=3, replicates=[17])
    among = SanctionsModel(config=baseline.config, seed=3, replicates=range(40))
    alone.run(12)
    among.run(12)
    a = alone.recorder.metrics_frame().drop(columns="replicate")
    b = among.recorder.metrics_frame()
    b = b[b["replicate"] == 17].drop(columns="replicate").reset_index(drop=True)
    pd.testing.assert_frame_equal(a, b, check_exact=True)


def test_process_pool_matches_serial(baseline):
    serial = _run(baseline, runs=60, seed=5, batch_size=20)
    pooled = ss.simulate(baseline, months=18, runs=60, seed=5, batch_size=20, workers=2)
    pd.testing.assert_frame_equal(serial.metrics, pooled.metrics, check_exact=True)


def test_actors_are_mesa_agents_with_replicate_state(baseline):
    import mesa

    model = SanctionsModel(config=baseline.config, seed=1, replicates=range(8))
    model.run(3)
    assert len(model.agents) == 4
    prk = next(a for a in model.agents if a.code == "PRK")
    assert isinstance(prk, mesa.Agent)
    assert prk.gdp.shape == (8,)
    assert prk.stocks.shape == (8, len(GOOD_NAMES))
    assert prk.tie("RUS").shape == (8,)
    np.testing.assert_array_equal(prk.stock("shells"), model.stock[:, 1, 0])


def test_stock_metrics_report_the_model_stocks(baseline):
    from sanctionsim.goods import GOOD_INDEX

    model = SanctionsModel(config=baseline.config, seed=2, replicates=range(5))
    model.run(4)
    last = model.recorder.metrics_frame().query("month == 3").set_index("replicate")
    for good in ("shells", "oil", "cash"):
        for ai, code in enumerate(model.codes):
            expected = model.stock[:, ai, GOOD_INDEX[good]]
            np.testing.assert_array_equal(last[f"stock_{good}_{code.lower()}"].to_numpy(), expected)
