"""Tests of the results folder: round trips, atomic writes, refusals and the manifest."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from sanctionsim.results import Results, ResultsWriter, build_manifest, load_results, write_results
from sanctionsim.results.store import EVENTS_SCHEMA, FLOWS_SCHEMA, SCHEMA_VERSION, run_hash
from sanctionsim.scenario.loader import compute_config_hash

MONTHS = 3


def _keys(replicates: range, months: int = MONTHS) -> dict[str, np.ndarray]:
    replicate = np.repeat(np.array(replicates, dtype=np.int32), months)
    month = np.tile(np.arange(months, dtype=np.int32), len(replicates))
    dates = pd.date_range("2024-01-01", periods=months, freq="MS").values.astype("datetime64[ns]")
    return {"replicate": replicate, "month": month, "date": np.tile(dates, len(replicates))}


def _metrics(replicates: range) -> pd.DataFrame:
    frame = pd.DataFrame(_keys(replicates))
    rng = np.random.default_rng(replicates.start)
    frame["shells_prk_to_rus"] = rng.uniform(0, 1e6, len(frame))
    frame["leakage_ratio"] = rng.uniform(0, 1, len(frame))
    return frame


def _flows(replicates: range) -> pd.DataFrame:
    frame = pd.DataFrame(_keys(replicates))
    n = len(frame)
    frame["src"] = "prk"
    frame["dst"] = "rus"
    frame["good"] = "shells"
    frame["route"] = np.where(np.arange(n) % 2 == 0, "rail", "sea")
    frame["shipped"] = np.arange(1, n + 1, dtype=np.float64) * 1000.0
    frame["delivered"] = frame["shipped"] * 0.9
    frame["interdicted"] = frame["shipped"] * 0.1
    frame["value"] = frame["shipped"] * 1500.0
    return frame


def _events(replicates: range) -> pd.DataFrame:
    keys = _keys(replicates, months=1)
    return pd.DataFrame(
        {**keys, "event": "summit", "kind": "scheduled", "detail": "Putin visits Pyongyang"},
    )


def _inputs(replicates: range) -> pd.DataFrame:
    reps = np.array(replicates, dtype=np.int32)
    return pd.DataFrame(
        {
            "replicate": reps,
            "point": (reps // 2).astype(np.int32),
            "stream": (reps % 2).astype(np.int64),
            "war.fire_rate": 1e4 + reps * 1000.0,
        }
    )


def _manifest(**overrides: object) -> dict:
    args = {
        "scenario_name": "baseline",
        "config": {"name": "baseline", "start": dt.date(2024, 1, 1), "months": MONTHS},
        "config_hash": compute_config_hash({"name": "baseline", "start": "2024-01-01", "months": MONTHS}),
        "seed": 42,
        "runs": 4,
        "months": MONTHS,
        "start": "2024-01",
        "command": ["sanctionsim", "run", "scenarios/baseline.yaml", "--runs", "4"],
    }
    args.update(overrides)
    return build_manifest(**args)


def _empty(schema_names: list[str]) -> pd.DataFrame:
    return pd.DataFrame({name: [] for name in schema_names})


def test_streamed_round_trip_preserves_data_and_dtypes(tmp_path: Path) -> None:
    out = tmp_path / "run"
    batches = [range(0, 2), range(2, 4)]
    with ResultsWriter(out, manifest=_manifest()) as writer:
        for batch in batches:
            writer.write_batch(
                metrics=_metrics(batch), flows=_flows(batch), events=_events(batch), inputs=_inputs(batch)
            )
        assert out.is_dir() and not any(out.iterdir()), "the name is claimed; files appear only when complete"

    results = load_results(out)
    assert results.path == out
    expected_metrics = pd.concat([_metrics(b) for b in batches], ignore_index=True)
    pd.testing.assert_frame_equal(results.metrics, expected_metrics, check_dtype=True)
    assert results.metrics["replicate"].dtype == np.int32
    assert results.metrics["month"].dtype == np.int32
    assert results.metrics["date"].dtype == np.dtype("datetime64[ns]")
    assert (results.metrics.dtypes.iloc[3:] == np.float64).all()

    expected_flows = pd.concat([_flows(b) for b in batches], ignore_index=True)
    pd.testing.assert_frame_equal(results.flows, expected_flows)
    assert list(results.flows.columns) == FLOWS_SCHEMA.names
    expected_events = pd.concat([_events(b) for b in batches], ignore_index=True)
    pd.testing.assert_frame_equal(results.events, expected_events)
    assert results.events["replicate"].dtype == np.int32

    expected_inputs = pd.concat([_inputs(b) for b in batches], ignore_index=True)
    pd.testing.assert_frame_equal(results.inputs, expected_inputs, check_dtype=True)
    assert results.parameters == ["war.fire_rate"]

    assert results.manifest["tables"] == [
        "metrics.parquet",
        "flows.parquet",
        "events.parquet",
        "inputs.parquet",
    ]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]


def test_inputs_join_outcomes_by_replicate(tmp_path: Path) -> None:
    batch = range(0, 4)
    results = Results(_metrics(batch), _flows(batch), _events(batch), _manifest(), inputs=_inputs(batch))
    loaded = load_results(write_results(results, tmp_path / "run"))
    out = pd.Series([3.0, 2.0, 1.0, 0.0], index=pd.Index([3, 2, 1, 0], name="replicate"), name="y")
    table = loaded.joined(out)
    assert table["y"].tolist() == [0.0, 1.0, 2.0, 3.0]
    assert loaded.joined({"z": [5, 6, 7, 8]})["z"].tolist() == [5, 6, 7, 8]
    with pytest.raises(ValueError, match="cover 2 replicates"):
        loaded.joined(out.iloc[:2])


def test_a_folder_without_inputs_loads(tmp_path: Path) -> None:
    batch = range(0, 2)
    out = write_results(
        Results(_metrics(batch), _flows(batch), _events(batch), _manifest()), tmp_path / "old"
    )
    shutil.rmtree(out / "inputs.parquet")
    manifest = json.loads((out / "manifest.json").read_text())
    manifest["tables"] = manifest["tables"][:3]
    manifest["schema_version"] = 2  # the format before inputs (and before run_hash)
    del manifest["run_hash"]
    for name in [n for n in manifest["table_sha256"] if n.startswith("inputs.parquet/")]:
        del manifest["table_sha256"][name]
    (out / "manifest.json").write_text(json.dumps(manifest))
    old = load_results(out)
    assert old.inputs is None and old.parameters == []
    with pytest.raises(ValueError, match="predates inputs"):
        old.joined()


def test_one_part_file_per_batch(tmp_path: Path) -> None:
    out = tmp_path / "run"
    with ResultsWriter(out, manifest=_manifest()) as writer:
        for batch in (range(0, 1), range(1, 2), range(2, 3)):
            writer.write_batch(metrics=_metrics(batch), flows=_flows(batch), events=_events(batch))
    parts = sorted(p.name for p in (out / "metrics.parquet").iterdir())
    assert parts == ["part-000000.parquet", "part-000001.parquet", "part-000002.parquet"]
    assert pq.ParquetFile(out / "metrics.parquet" / parts[1]).metadata.num_rows == MONTHS
    assert pd.read_parquet(out / "metrics.parquet")["replicate"].tolist() == [0, 0, 0, 1, 1, 1, 2, 2, 2]
    assert writer.rows == {"metrics": 9, "flows": 9, "events": 3, "inputs": 0}
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["rows"] == {"metrics": 9, "flows": 9, "events": 3, "inputs": 0}
    assert manifest["batches"] == [[0, 1], [1, 2], [2, 3]]
    assert sorted(manifest["table_sha256"]) == sorted(
        f"{t}.parquet/{p}" for t in ("metrics", "flows", "events", "inputs") for p in parts
    )


def test_write_results_round_trip(tmp_path: Path) -> None:
    batch = range(0, 3)
    results = Results(
        metrics=_metrics(batch), flows=_flows(batch), events=_events(batch), manifest=_manifest()
    )
    out = write_results(results, tmp_path / "mem")
    loaded = load_results(out)
    pd.testing.assert_frame_equal(loaded.metrics, results.metrics)
    assert loaded.manifest["config_hash"] == results.manifest["config_hash"]
    assert "3 rows" in repr(
        Results(metrics=_metrics(range(1)), flows=_flows(range(0)), events=_events(range(0)), manifest={})
    )


def test_exception_mid_write_leaves_nothing(tmp_path: Path) -> None:
    out = tmp_path / "run"
    with pytest.raises(RuntimeError, match="boom"), ResultsWriter(out, manifest=_manifest()) as writer:
        writer.write_batch(metrics=_metrics(range(2)), flows=_flows(range(2)), events=_events(range(2)))
        assert writer.tmp_dir is not None and writer.tmp_dir.is_dir()
        assert writer.tmp_dir.parent == tmp_path and writer.tmp_dir.name.startswith(".run.tmp-")
        raise RuntimeError("boom")
    assert list(tmp_path.iterdir()) == []


def test_bad_batch_aborts_and_leaves_nothing(tmp_path: Path) -> None:
    out = tmp_path / "run"
    with pytest.raises(ValueError, match="metrics batch"), ResultsWriter(out, manifest=_manifest()) as w:
        w.write_batch(metrics=_metrics(range(1)), flows=_flows(range(1)), events=_events(range(1)))
        w.write_batch(
            metrics=_metrics(range(1, 2)).drop(columns="leakage_ratio"),
            flows=_flows(range(1, 2)),
            events=_events(range(1, 2)),
        )
    assert list(tmp_path.iterdir()) == []


def test_existing_out_dir_is_refused_and_untouched(tmp_path: Path) -> None:
    out = tmp_path / "run"
    out.mkdir()
    (out / "manifest.json").write_text("precious")
    with pytest.raises(FileExistsError, match="--out"):
        ResultsWriter(out, manifest=_manifest())
    with pytest.raises(FileExistsError, match="already exists"):
        write_results(Results(_metrics(range(1)), _flows(range(1)), _events(range(1)), _manifest()), out)
    assert (out / "manifest.json").read_text() == "precious"
    assert sorted(p.name for p in out.iterdir()) == ["manifest.json"]
    assert [p.name for p in tmp_path.iterdir()] == ["run"]


def test_empty_flows_and_events_keep_their_schema(tmp_path: Path) -> None:
    out = tmp_path / "run"
    with ResultsWriter(out, manifest=_manifest()) as writer:
        writer.write_batch(
            metrics=_metrics(range(1)), flows=pd.DataFrame(), events=_empty(EVENTS_SCHEMA.names)
        )
        writer.write_batch(
            metrics=_metrics(range(1, 2)), flows=_empty(FLOWS_SCHEMA.names), events=pd.DataFrame()
        )
    results = load_results(out)
    assert len(results.metrics) == 2 * MONTHS
    assert results.flows.empty and list(results.flows.columns) == FLOWS_SCHEMA.names
    assert results.events.empty and list(results.events.columns) == EVENTS_SCHEMA.names
    assert results.flows["replicate"].dtype == np.int32
    assert results.flows["date"].dtype == np.dtype("datetime64[ns]")
    assert results.flows["shipped"].dtype == np.float64


def test_manifest_records_versions_and_config_hash(tmp_path: Path) -> None:
    manifest = _manifest()
    for package in ("python", "sanctionsim", "mesa", "numpy", "pandas", "pyarrow"):
        assert manifest["versions"][package], package
    assert manifest["versions"]["numpy"] == np.__version__
    assert manifest["config_hash"] == compute_config_hash(manifest["config"])
    assert manifest["schema_version"] == SCHEMA_VERSION == 3
    assert manifest["replicate_seeds"] == "SeedSequence(seed, spawn_key=(replicate,))"
    assert manifest["command"] == "sanctionsim run scenarios/baseline.yaml --runs 4"
    assert dt.datetime.fromisoformat(manifest["created"]).utcoffset() == dt.timedelta(0)
    assert "git_revision" in manifest and "git_dirty" in manifest

    out = write_results(
        Results(_metrics(range(1)), _flows(range(1)), _events(range(1)), manifest), tmp_path / "run"
    )
    text = (out / "manifest.json").read_text()
    on_disk = json.loads(text)
    # key order is kept: the order of actors in the config fixes metric names and random streams;
    # the writer adds the tables' rows, the batches and the checksums of every part
    assert list(on_disk) == [*manifest, "rows", "batches", "table_sha256", "run_hash"]
    assert on_disk["run_hash"] == run_hash(on_disk)
    assert list(on_disk["config"]) == list(manifest["config"])
    assert on_disk["config_hash"] == manifest["config_hash"]
    assert on_disk["config"]["start"] == "2024-01-01"
    assert on_disk["versions"] == manifest["versions"]


def test_git_state_outside_a_repository(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))
    manifest = _manifest()
    assert manifest["git_revision"] is None
    assert manifest["git_dirty"] is None


def test_unserialisable_manifest_fails_before_any_work(tmp_path: Path) -> None:
    with pytest.raises(TypeError, match="not JSON serialisable"):
        ResultsWriter(tmp_path / "run", manifest={"bad": object()})
    assert list(tmp_path.iterdir()) == []


def test_load_names_the_folder_when_incomplete(tmp_path: Path) -> None:
    out = write_results(
        Results(_metrics(range(1)), _flows(range(1)), _events(range(1)), _manifest()), tmp_path / "run"
    )
    shutil.rmtree(out / "flows.parquet")
    with pytest.raises(FileNotFoundError, match=r"run.*flows\.parquet"):
        load_results(out)
    (out / "manifest.json").unlink()
    with pytest.raises(FileNotFoundError, match=r"run.*manifest\.json"):
        load_results(out)
    with pytest.raises(FileNotFoundError, match="No results folder"):
        load_results(tmp_path / "nowhere")
