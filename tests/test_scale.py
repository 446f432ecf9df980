"""Large ensembles: what is recorded, lazy results, streamed summaries, resuming a killed run, Dask.

No timing is asserted here (the machine is shared); ``make bench`` prints the speed and memory.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.dataset as pads
import pytest

import sanctionsim as ss
from sanctionsim.analysis.summary import summarize
from sanctionsim.atomic import resumable_sibling
from sanctionsim.metrics import key_metrics
from sanctionsim.results import load_results
from sanctionsim.results import tables as tables_module
from sanctionsim.results.tables import FULL_RECORD_RUNS, default_record

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "baseline.yaml"
CLI = [sys.executable, "-m", "sanctionsim.cli"]


def _cli(*args: object, **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *map(str, args)], capture_output=True, text=True, cwd=ROOT, **kwargs)  # type: ignore[call-overload, no-any-return]


def test_record_metrics_gives_the_metrics_table_of_full(tmp_path: Path) -> None:
    runs = {
        mode: ss.simulate(BASELINE, runs=6, months=8, seed=3, workers=1, out=tmp_path / mode, record=mode)
        for mode in ("full", "flows", "metrics")
    }
    full = runs["full"]
    for mode in ("flows", "metrics"):
        pd.testing.assert_frame_equal(runs[mode].metrics, full.metrics, check_exact=True)
        pd.testing.assert_frame_equal(runs[mode].events, full.events, check_exact=True)
    assert runs["metrics"].flows.empty and list(runs["metrics"].flows.columns) == list(full.flows.columns)
    compact = runs["flows"].flows
    assert (compact[["shipped", "delivered", "interdicted", "value"]].dtypes == np.float32).all()
    assert len(compact) == len(full.flows)
    np.testing.assert_allclose(compact["value"], full.flows["value"], rtol=1e-6)
    pd.testing.assert_frame_equal(
        compact[["src", "dst", "good", "route"]], full.flows[["src", "dst", "good", "route"]]
    )
    assert full.manifest["record"] == "full" and runs["metrics"].manifest["record"] == "metrics"
    # the folder of a metrics-only run is smaller
    size = {m: sum(p.stat().st_size for p in (tmp_path / m).rglob("*") if p.is_file()) for m in runs}
    assert size["metrics"] < size["flows"] < size["full"]


def test_default_recording_keeps_large_ensembles_small_and_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert default_record(FULL_RECORD_RUNS) == "full" and default_record(FULL_RECORD_RUNS + 1) == "metrics"
    small = _cli("run", BASELINE, "-n", "2", "-m", "3", "-w", "1", "-o", tmp_path / "small")
    assert small.returncode == 0, small.stderr
    assert f"recorded: metrics, events and every flow (float64): the default up to {FULL_RECORD_RUNS:,}" in (
        " ".join(small.stdout.split())
    )
    monkeypatch.setattr(tables_module, "FULL_RECORD_RUNS", 2)
    from typer.testing import CliRunner

    from sanctionsim.cli.app import app

    result = CliRunner().invoke(
        app, ["run", str(BASELINE), "-n", "3", "-m", "3", "-w", "1", "-o", str(tmp_path / "big")]
    )
    assert result.exit_code == 0, result.output
    assert "recorded: metrics and events, no flows: the default above" in " ".join(result.output.split())
    assert load_results(tmp_path / "big").manifest["record"] == "metrics"
    bad = _cli("run", BASELINE, "-n", "2", "--record", "everything", "-o", tmp_path / "bad")
    assert (
        bad.returncode == 2
        and "--record: got 'everything'; expected one of full, flows, metrics" in bad.stderr
    )


def test_results_are_read_on_demand_and_scanned_without_loading(tmp_path: Path) -> None:
    written = ss.simulate(BASELINE, runs=9, months=6, seed=5, workers=1, batch_size=4, out=tmp_path / "r")
    lazy = load_results(tmp_path / "r")
    assert not any(lazy.loaded(t) for t in ("metrics", "flows", "events"))
    assert lazy.rows("metrics") == 9 * 6 and not lazy.loaded("metrics")  # from the manifest
    assert "metrics=54 rows" in repr(lazy) and not lazy.loaded("metrics")
    early = lazy.scan(
        "metrics", columns=["replicate", "month", "leakage_ratio"], filter=pads.field("replicate") < 2
    )
    assert sorted(early["replicate"].unique()) == [0, 1] and list(early.columns) == [
        "replicate",
        "month",
        "leakage_ratio",
    ]
    assert not lazy.loaded("metrics")
    oil = lazy.dataset("flows").to_table(filter=pads.field("good") == "oil").to_pandas()
    assert len(oil) > 0 and set(oil["good"].astype(str)) == {"oil"}
    pd.testing.assert_frame_equal(lazy.metrics, written.metrics, check_exact=True)
    assert lazy.loaded("metrics") and not isinstance(lazy.flows["src"].dtype, pd.CategoricalDtype)
    assert len(list((tmp_path / "r" / "metrics.parquet").iterdir())) == 3  # one part per batch of 4, 4, 1
    # pandas reads the table folder as one table
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "r" / "metrics.parquet"), written.metrics)


def test_the_summary_is_streamed_from_the_batches(tmp_path: Path) -> None:
    res = ss.simulate(BASELINE, runs=12, months=8, seed=2, workers=1, batch_size=5)
    names = [m for m in key_metrics(res.manifest["actors"])]
    streamed = pd.DataFrame(res.manifest["summary"]).set_index("metric")
    direct = summarize(res.metrics, names, res.actors).set_index("metric")
    assert list(streamed.index) == names
    for col in ("p10", "median", "p90"):
        np.testing.assert_allclose(streamed[col], direct[col], rtol=1e-12)


def _records(out: Path) -> list[Path]:
    return sorted((resumable_sibling(out) / "_progress").glob("part-*.json"))


@pytest.mark.parametrize("how", ["sigkill", "ctrl-c"])
def test_a_killed_run_resumes_and_equals_an_uninterrupted_one(tmp_path: Path, how: str) -> None:
    out = tmp_path / "killed"
    args = ["run", BASELINE, "-n", "80", "-m", "36", "--seed", "9", "-w", "1", "--batch-size", "4", "-o", out]
    proc = subprocess.Popen(
        [*CLI, *map(str, args)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    deadline = time.monotonic() + 120
    while len(_records(out)) < 3 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    if how == "sigkill":  # no handler runs: what an out-of-memory killer does
        os.killpg(proc.pid, signal.SIGKILL)
    else:  # a terminal's Ctrl-C: the run stops and keeps its finished batches, saying so in one line
        os.killpg(proc.pid, signal.SIGINT)
    _, stderr = proc.communicate()
    kept = _records(out)
    if how == "ctrl-c":
        assert proc.returncode == 130
        message = stderr.decode().strip()
        assert message == (
            f"interrupted; {len(kept)} finished batches ({4 * len(kept)} runs) kept: "
            f"run the same command with --out {out} to finish them"
        ), message
    assert 3 <= len(kept) < 20, "the run was not killed partway"
    assert out.is_dir() and not any(out.iterdir())  # the claim stays, empty
    # a killed run's folder is not mistaken for results
    with pytest.raises(ValueError, match="--resume"):
        load_results(out)
    parts = {p: p.stat().st_ino for p in (resumable_sibling(out) / "metrics.parquet").glob("part-*.parquet")}
    # what a kill in the middle of writing a part leaves: a hidden temporary file
    (resumable_sibling(out) / "flows.parquet" / ".part-000019.parquet.abc.tmp").write_bytes(b"half")
    done = {json.loads(p.read_text())["index"] for p in kept}

    again = _cli(*args[:-2], "-o", out, "--resume", "--json")
    assert again.returncode == 0, again.stderr
    report = json.loads(again.stdout)
    assert report["batches_kept"] == len(kept)
    results = load_results(out)
    assert results.manifest["resumed"] == {"batches_kept": len(kept), "batches_run": 20 - len(kept)}
    # every batch once, and the kept ones were not written again
    assert results.manifest["batches"] == [[a, a + 4] for a in range(0, 80, 4)]
    for i in done:
        name = f"part-{i:06d}.parquet"
        before = next(ino for p, ino in parts.items() if p.name == name)
        assert (out / "metrics.parquet" / name).stat().st_ino == before
    assert not resumable_sibling(out).exists()

    whole = ss.simulate(BASELINE, runs=80, months=36, seed=9, workers=1, batch_size=4)
    for table in ("metrics", "flows", "events"):
        pd.testing.assert_frame_equal(getattr(results, table), getattr(whole, table), check_exact=True)
    assert results.manifest["summary"] == whole.manifest["summary"]
    nothing = _cli(*args[:-2], "-o", out, "--resume")
    assert nothing.returncode == 2 and "holds no unfinished run" in nothing.stderr


def test_a_rerun_into_the_same_folder_finishes_it_and_refuses_another_run(tmp_path: Path) -> None:
    out = tmp_path / "r"
    args = ["run", BASELINE, "-n", "60", "-m", "36", "-w", "1", "--batch-size", "4", "-o", out]
    proc = subprocess.Popen(
        [*CLI, *map(str, args)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    while len(_records(out)) < 2 and proc.poll() is None:
        time.sleep(0.01)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert len(_records(out)) >= 2
    other = _cli("run", BASELINE, "-n", "60", "-m", "36", "--seed", "1", "-w", "1", "-o", out)
    assert other.returncode == 2 and "unfinished results of another run" in other.stderr
    assert len(_records(out)) >= 2  # refused without touching what was kept
    again = _cli(*args)
    assert again.returncode == 0, again.stderr
    assert "resumed:" in again.stdout
    assert load_results(out).rows("metrics") == 60 * 36


distributed = pytest.importorskip("distributed")


def test_a_dask_local_cluster_streams_the_same_folder_as_a_local_run(tmp_path: Path) -> None:
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        on_dask = ss.simulate(
            BASELINE,
            runs=30,
            months=10,
            seed=8,
            executor=client.get_executor(),
            batch_size=7,
            out=tmp_path / "dask",
        )
    local = ss.simulate(BASELINE, runs=30, months=10, seed=8, workers=1, batch_size=7, out=tmp_path / "local")
    for table in ("metrics", "flows", "events"):
        pd.testing.assert_frame_equal(getattr(on_dask, table), getattr(local, table), check_exact=True)
    # the same bytes: every part's checksum is the same
    assert on_dask.manifest["table_sha256"] == local.manifest["table_sha256"]
    assert on_dask.manifest["summary"] == local.manifest["summary"]


def test_the_cli_runs_on_a_dask_scheduler(tmp_path: Path) -> None:
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None, host="127.0.0.1"
    ) as cluster:
        args = ["run", BASELINE, "-n", "12", "-m", "6", "--seed", "4", "--batch-size", "5"]
        done = _cli(*args, "--scheduler", cluster.scheduler_address, "-o", tmp_path / "dask", "--json")
    assert done.returncode == 0, done.stderr
    local = _cli(*args, "-w", "1", "-o", tmp_path / "local")
    assert local.returncode == 0, local.stderr
    on_dask, here = load_results(tmp_path / "dask"), load_results(tmp_path / "local")
    assert on_dask.manifest["table_sha256"] == here.manifest["table_sha256"]
    unreachable = _cli(*args, "--scheduler", "tcp://127.0.0.1:9", "-o", tmp_path / "never")
    assert unreachable.returncode == 2 and "cannot reach the Dask scheduler" in unreachable.stderr
    assert not (tmp_path / "never").exists()


def _where(shared: list[int], index: int) -> tuple[int, int]:
    time.sleep(0.05)  # long enough that both workers take batches
    shared.append(index)  # a worker that kept what it received sees its earlier batches here
    return os.getpid(), len(shared)


def test_pool_workers_receive_the_shared_plan_once() -> None:
    from sanctionsim.experiments.executor import run_tasks

    seen = list(
        run_tasks(_where, [(i,) for i in range(12)], executor=None, workers=2, shared=list(range(1000)))
    )
    by_worker: dict[int, list[int]] = {}
    for pid, length in seen:
        by_worker.setdefault(pid, []).append(length)
    assert 1 <= len(by_worker) <= 2
    for lengths in by_worker.values():  # received once: each batch finds the ones before it
        assert sorted(lengths) == list(range(1001, 1001 + len(lengths)))


def test_a_cluster_gets_the_plan_scattered_once_and_batches_carry_only_replicates() -> None:
    from concurrent.futures import ThreadPoolExecutor

    from sanctionsim.experiments.parts import RunPlan

    class Client:
        def __init__(self) -> None:
            self.scattered: list[object] = []

        def scatter(self, value: object, *, broadcast: bool, hash: bool) -> str:
            assert broadcast
            self.scattered.append(value)
            return "plan-future"

        def nthreads(self) -> dict[str, int]:
            return {"a": 1, "b": 1}

    class ClusterLike(ThreadPoolExecutor):
        def __init__(self) -> None:
            super().__init__(2)
            self._client = Client()
            self.batches: list[tuple[object, ...]] = []

        def submit(self, fn, /, *args, **kwargs):  # type: ignore[no-untyped-def, override]
            self.batches.append(args)
            assert args[0] == "plan-future"  # what a Dask worker resolves to the scattered plan
            return super().submit(fn, self._client.scattered[0], *args[1:])

    with ClusterLike() as cluster:
        res = ss.simulate(BASELINE, runs=9, months=3, seed=1, executor=cluster, batch_size=2)
    assert len(cluster._client.scattered) == 1 and isinstance(cluster._client.scattered[0], RunPlan)
    assert [b[1:] for b in cluster.batches] == [(i, 2 * i, min(2 * i + 2, 9)) for i in range(5)]
    assert res.rows("metrics") == 27
