"""Tests of the report (report/): storylines, HTML and Markdown output, input checks, CLI."""

from __future__ import annotations

import base64
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from sanctionsim.analysis.effects import Comparison
from sanctionsim.cli.app import app
from sanctionsim.experiments.compare import compare
from sanctionsim.experiments.ensemble import simulate
from sanctionsim.formatting import format_effect
from sanctionsim.metrics import KEY_METRICS
from sanctionsim.report import build_report, storylines
from sanctionsim.report.storylines import calendar_month
from sanctionsim.results import Results

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "baseline.yaml"
DATA = ROOT / "tests" / "data"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def comparison(tmp_path_factory: pytest.TempPathFactory) -> Comparison:
    """A small comparison folder: the baseline against two policies, 12 runs, 18 months, 4 metrics."""
    out = tmp_path_factory.mktemp("report") / "cmp"
    policies = [DATA / "shell_crisis.yaml", DATA / "enforce_x4.yaml"]
    metrics = ["shells_prk_to_rus", "leakage_ratio", "tie_rus_prk", "energy"]
    return compare(BASELINE, policies, runs=12, seed=11, months=18, metrics=metrics, out=out, workers=1)


# ---------------------------------------------------------------------------------------------
# Storylines
# ---------------------------------------------------------------------------------------------


def _events_run(rows: list[tuple[int, int, str, str]], *, runs: int, declared: list[dict]) -> Results:
    events = pd.DataFrame(rows, columns=["replicate", "month", "event", "kind"])
    events["date"] = [pd.Timestamp(calendar_month("2024-01", m) + "-01") for m in events["month"]]
    events["detail"] = "logged detail"
    manifest = {"scenario": "s", "runs": runs, "start": "2024-01", "config": {"events": declared}}
    metrics = pd.DataFrame({"replicate": np.arange(runs)})
    return Results(metrics=metrics, flows=pd.DataFrame(), events=events, manifest=manifest)


def test_storylines_shares_and_median_month() -> None:
    declared = [
        {"name": "summit", "at": "2024-02", "description": "a summit"},
        {"name": "crisis", "when": "x < 1", "description": "a crisis"},
        {"name": "never", "when": "x > 9", "description": "never happens"},
    ]
    rows = [(r, 1, "summit", "scheduled") for r in range(10)]
    rows += [(0, 3, "crisis", "conditional"), (4, 5, "crisis", "conditional")]
    rows += [(7, 8, "crisis", "conditional"), (9, 2, "crisis", "conditional")]
    rows += [(2, 4, "escalation", "conditional"), (2, 6, "escalation", "conditional")]
    table = storylines(_events_run(rows, runs=10, declared=declared)).set_index("event")
    assert list(table.index) == ["summit", "crisis", "never", "escalation"]
    assert table.loc["summit", "share"] == 1.0 and table.loc["summit", "median_date"] == "2024-02"
    crisis = table.loc["crisis"]
    # first months 2, 3, 5, 8: the median is the lower middle one, an observed month
    assert (crisis["kind"], crisis["replicates"], crisis["share"]) == ("conditional", 4, 0.4)
    assert (crisis["median_month"], crisis["median_date"]) == (3, "2024-04")
    assert (crisis["first_date"], crisis["last_date"]) == ("2024-03", "2024-09")
    never = table.loc["never"]
    assert (never["kind"], never["replicates"], never["share"], never["median_date"]) == (
        "conditional",
        0,
        0.0,
        "",
    )
    esc = table.loc["escalation"]  # logged by the model, not declared: repeats count once per replicate
    assert (esc["replicates"], esc["firings"], esc["median_month"]) == (1, 2, 4)
    assert esc["description"] == "logged detail"


def test_storylines_of_a_model_run_match_its_event_log() -> None:
    res = simulate(DATA / "shell_crisis.yaml", runs=30, seed=2, months=24, workers=1)
    table = storylines(res).set_index("event")
    crisis = table.loc["shell_crisis_response"]
    assert crisis["kind"] == "conditional"
    log = res.events[res.events["event"] == "shell_crisis_response"]
    first = log.groupby("replicate")["month"].min()
    assert crisis["replicates"] == len(first) and crisis["share"] == len(first) / 30
    if len(first):
        lower_median = int(np.sort(first.to_numpy())[(len(first) - 1) // 2])
        assert crisis["median_date"] == calendar_month("2023-08", lower_median)
    assert table.loc["treaty_signed", "share"] == 1.0
    assert table.loc["treaty_signed", "median_date"] == "2024-06"


# ---------------------------------------------------------------------------------------------
# HTML and Markdown
# ---------------------------------------------------------------------------------------------


def test_html_report_is_self_contained(comparison: Comparison, tmp_path: Path) -> None:
    assert comparison.path is not None
    out = build_report([comparison.path], out=tmp_path / "r.html")
    text = out.read_text(encoding="utf-8")
    assert not list(tmp_path.glob(".*tmp*")), "no temporary file is left behind"
    for forbidden in ("http://", "https://", "<script", "<link", "@import", "url("):
        assert forbidden not in text, f"the report must not fetch anything ({forbidden!r})"
    sources = re.findall(r'<img [^>]*src="([^"]+)"', text)
    assert len(sources) == 3
    for src in sources:
        assert src.startswith("data:image/png;base64,")
        assert base64.b64decode(src.split(",", 1)[1]).startswith(PNG_SIGNATURE)
    # Manifest summary, effects, storylines: the numbers and names are there, escaped.
    for name, res in comparison.results.items():
        assert f"<td>{name}</td>" in text
        assert res.manifest["config_hash"][:12] in text
    for row in comparison.effects.to_dict(orient="records"):
        for value in format_effect(row).values():
            assert value in text
    assert "shell_crisis_response" in text and "conditional" in text
    assert "&lt; 50% of need &amp; the bloc &lt;doubles&gt;" in text
    assert "<doubles>" not in text


def test_markdown_report_writes_figures_beside_it(comparison: Comparison, tmp_path: Path) -> None:
    assert comparison.path is not None
    out = build_report([comparison.path], out=tmp_path / "sub" / "r.md")
    text = out.read_text(encoding="utf-8")
    links = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", text)
    assert links == ["r_files/effects.png", "r_files/bands.png", "r_files/difference_fan.png"]
    for link in links:
        assert (out.parent / link).read_bytes().startswith(PNG_SIGNATURE)
    assert "| Policy | Metric |" in text
    row = comparison.effects.to_dict(orient="records")[0]
    assert format_effect(row)["interval"] in text
    build_report([comparison.path], out=out)  # rebuilding replaces the figures folder
    assert sorted(p.name for p in (out.parent / "r_files").iterdir()) == [
        "bands.png",
        "difference_fan.png",
        "effects.png",
    ]


def test_report_from_results_folders(comparison: Comparison, tmp_path: Path) -> None:
    folders = [res.path for res in comparison.results.values()]
    out = build_report(folders, out=tmp_path / "r.html")
    text = out.read_text(encoding="utf-8")
    for row in comparison.effects.to_dict(orient="records"):
        if row["metric"] in KEY_METRICS:  # plain results folders are compared on the key metrics
            assert format_effect(row)["median_diff"] in text
    assert "shells_prk_to_rus" in text and "threat_index" in text
    single = build_report(folders[:1], out=tmp_path / "one.html").read_text(encoding="utf-8")
    assert "Effects" not in single and single.count("<img ") == 1 and "Storylines" in single


def test_report_refuses_unpairable_runs(tmp_path: Path) -> None:
    a = simulate(BASELINE, runs=3, seed=1, months=4, out=tmp_path / "a", workers=1)
    b = simulate(BASELINE, runs=3, seed=2, months=4, out=tmp_path / "b", workers=1)
    with pytest.raises(ValueError, match=r"seed 1 vs 2"):
        build_report([a.path, b.path], out=tmp_path / "r.html")
    with pytest.raises(ValueError, match=r"\.html or \.md"):
        build_report([a.path], out=tmp_path / "r.pdf")
    result = CliRunner().invoke(app, ["report", str(a.path), str(b.path), "-o", str(tmp_path / "r.html")])
    assert result.exit_code == 2
    assert "same seed" in result.stderr
    assert not (tmp_path / "r.html").exists()


def test_cli_report(comparison: Comparison, tmp_path: Path) -> None:
    out = tmp_path / "cli.md"
    result = CliRunner().invoke(app, ["report", str(comparison.path), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert out.is_file() and (tmp_path / "cli_files" / "bands.png").is_file()
