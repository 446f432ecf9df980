"""`sanctionsim run` and `sanctionsim plot` as a user calls them, including bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import matplotlib.image as mpimg
import pandas as pd
import pytest

from tests.conftest import BASELINE, ROOT

EXE = [sys.executable, "-m", "sanctionsim.cli"]


def cli(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "120"}
    return subprocess.run([*EXE, *args], cwd=cwd, capture_output=True, text=True, env=env, timeout=300)


def test_run_writes_a_complete_results_folder(tmp_path):
    out = tmp_path / "res"
    proc = cli(
        "run", str(BASELINE), "--runs", "12", "--seed", "3", "--months", "14", "--out", str(out), "-w", "1"
    )
    assert proc.returncode == 0, proc.stderr
    assert "Artillery rounds delivered PRK to RUS" in proc.stdout and str(out) in proc.stdout
    assert "shells_prk_to_rus" not in proc.stdout  # readable labels in tables; names stay in --json
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["seed"] == 3 and manifest["runs"] == 12 and manifest["months"] == 14
    assert len(manifest["config_hash"]) == 64
    assert manifest["versions"]["mesa"].startswith("3.5")
    assert manifest["actors"] == ["RUS", "PRK", "CHN", "BLOC"]
    metrics = pd.read_parquet(out / "metrics.parquet")
    assert len(metrics) == 12 * 14
    flows = pd.read_parquet(out / "flows.parquet")
    assert {"src", "dst", "good", "route", "shipped", "delivered", "interdicted", "value"} <= set(
        flows.columns
    )
    events = pd.read_parquet(out / "events.parquet")
    assert set(events["event"]) >= {"summit_vostochny", "tanker_deliveries"}
    assert not list(tmp_path.glob(".*tmp*")), "temporary folder left behind"


def test_run_json_and_set_override(tmp_path):
    out = tmp_path / "res"
    proc = cli(
        "run", str(BASELINE), "--runs", "6", "--months", "12", "--set", "war.fire_rate=1000",
        "--out", str(out), "--json", "-w", "1",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["results"] == str(out)
    summary = data["summary"]["shells_prk_to_rus"]
    assert summary["p10"] <= summary["median"] <= summary["p90"]
    # a war at 1,000 rounds a day needs far fewer DPRK shells than the baseline's 20,000
    base = json.loads(cli("run", str(BASELINE), "--runs", "6", "--months", "12", "--json", "-w", "1",
                          "--out", str(tmp_path / "b")).stdout)  # fmt: skip
    assert summary["median"] < 0.5 * base["summary"]["shells_prk_to_rus"]["median"]


def test_plot_writes_figures(tmp_path):
    out = tmp_path / "res"
    assert (
        cli("run", str(BASELINE), "--runs", "5", "--months", "12", "--out", str(out), "-w", "1").returncode
        == 0
    )
    proc = cli("plot", str(out), "--metrics", "shells_prk_to_rus,tie_rus_prk")
    assert proc.returncode == 0, proc.stderr
    for name in ("metrics.png", "flows.png", "ties.png"):
        image = mpimg.imread(out / "figures" / name)
        assert image.shape[0] > 300 and image.shape[1] > 300
    bad = cli("plot", str(out), "--metrics", "shells_to_russia")
    assert bad.returncode == 2 and "unknown metric" in bad.stderr


BAD_INPUTS = {
    "malformed.yaml": ("title: [unclosed\nstart: 2023-08\n", "line"),
    "unknown_key.yaml": ("extends: {base}\nmonthz: 12\n", "Did you mean 'months'"),
    "wrong_type.yaml": ("extends: {base}\nmonths: twelve\n", "months"),
    "negative_stock.yaml": (
        "extends: {base}\nactors:\n  PRK:\n    goods:\n      shells: {{stock: -5}}\n",
        "stock",
    ),
    "loop_a.yaml": ("extends: loop_b.yaml\ntitle: a\n", "loop"),
    "event_out_of_range.yaml": (
        "extends: {base}\nevents:\n"
        "  - {{name: cut, at: '2024-01', scale: {{actors.BLOC.enforcement_budget: -2}}}}\n",
        "expected a value in [0, inf]",
    ),
    "event_set_out_of_range.yaml": (
        "extends: {base}\nevents:\n"
        "  - {{name: bold, at: '2024-01', set: {{actors.RUS.risk_tolerance: 3}}}}\n",
        "expected a value in [0, 1]",
    ),
    "function_call.yaml": (
        "extends: {base}\nevents:\n  - name: sneaky\n"
        "    when: \"open('x') > 0\"\n    set: {{war.intensity: 2}}\n",
        "function",
    ),
}


@pytest.mark.parametrize("name", sorted(BAD_INPUTS))
def test_bad_input_gives_one_line_error_and_exit_2(tmp_path, name):
    (tmp_path / "loop_b.yaml").write_text("extends: loop_a.yaml\ntitle: b\n")
    text, expected = BAD_INPUTS[name]
    path = tmp_path / name
    path.write_text(text.format(base=BASELINE))
    out = tmp_path / "never"
    proc = cli("run", str(path), "--runs", "2", "--out", str(out))
    assert proc.returncode == 2, proc.stdout + proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, proc.stderr
    assert expected.lower() in lines[0].lower()
    assert name.split(".")[0] in lines[0] or "loop" in name  # the file is named
    assert "Traceback" not in proc.stderr
    assert not out.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_existing_results_folder_is_not_touched(tmp_path):
    out = tmp_path / "res"
    out.mkdir()
    (out / "keep.txt").write_text("precious")
    proc = cli("run", str(BASELINE), "--runs", "2", "--months", "6", "--out", str(out))
    assert proc.returncode == 2 and "exists" in proc.stderr
    assert (out / "keep.txt").read_text() == "precious"
    assert sorted(p.name for p in out.iterdir()) == ["keep.txt"]


def test_replay_reproduces_a_run_from_its_manifest(tmp_path):
    first, second = tmp_path / "first", tmp_path / "second"
    assert cli("run", str(BASELINE), "--runs", "8", "--months", "10", "--seed", "4",
               "--set", "war.fire_rate=15000", "--out", str(first), "-w", "1").returncode == 0  # fmt: skip
    proc = cli("replay", str(first), "--out", str(second), "--json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["identical"] is True and all(data["tables"].values())
    assert json.loads((second / "manifest.json").read_text())["config"]["war"]["fire_rate"] == 15000
