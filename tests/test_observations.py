"""Observations files: the format, its rules, the shipped file, and bad input through the CLI."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import sanctionsim as ss
from sanctionsim.analysis.aggregates import Quantity
from sanctionsim.analysis.calibration import OBSERVATIONS
from sanctionsim.analysis.observations import SHIPPED, load_observations
from sanctionsim.cli.app import app
from tests.conftest import BASELINE

runner = CliRunner()
SHORT = ["--set", "months=12"]


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def invoke(*args: object) -> tuple[int, str, str]:
    result = runner.invoke(app, [str(a) for a in args])
    return result.exit_code, result.stdout, result.stderr


# ---------------------------------------------------------------------------------------------
# The shipped file
# ---------------------------------------------------------------------------------------------


def test_shipped_file_keeps_every_source_row_and_column_verbatim():
    with OBSERVATIONS.open(newline="") as fh:
        source = list(csv.DictReader(fh))
    with SHIPPED.open(newline="") as fh:
        shipped = list(csv.DictReader(fh))
    assert [r["id"] for r in shipped] == [r["id"] for r in source]
    for src, row in zip(source, shipped, strict=True):
        assert {k: row[k] for k in src} == src


def test_shipped_file_answers_or_lists_every_row():
    obs = load_observations(SHIPPED)
    answered = {r.id for t in obs.targets for r in t.rows}
    unanswered = {r.id for r in obs.unanswered}
    assert answered | unanswered == {r.id for r in obs.rows} and not answered & unanswered
    assert len(obs.rows) == 31
    # every unanswered row says why
    assert all(r.fields["model_note"].startswith("unanswered:") for r in obs.unanswered)
    # the old calibration targets are all there, with their ranges
    targets = {t.id: t for t in obs.targets}
    assert (targets["containers_by_feb2024"].low, targets["containers_by_feb2024"].high) == (5025, 12500)
    assert targets["shells_jun2024"].kind == "upper" and targets["shells_jun2024"].high == 4_800_000
    assert targets["un_cap_refined"].kind == "lower"
    assert targets["un_cap_refined"].low == pytest.approx(500_000 / 12 * 1.01)
    assert targets["explosives_c4ads"].low == pytest.approx(74_000 * 21.6)


# ---------------------------------------------------------------------------------------------
# Rules and the hand-written format
# ---------------------------------------------------------------------------------------------


def test_rules_turn_rows_into_observed_values_and_ranges(tmp_path):
    file = write(
        tmp_path / "rules.csv",
        "id,metric,aggregate,window_start,window_end,value,low,high,rule,slack,scale,target\n"
        "p,tech_prk,last,2023-08,2023-12,0.3,,,,,,\n"
        "r,tech_prk,last,2023-08,2023-12,,0.2,0.4,,,,\n"
        "lo,tech_prk,last,2023-08,2023-12,5,5,,,,,\n"
        "hi,tech_prk,last,2023-08,2023-12,,,8,,,,\n"
        "ar,tech_prk,last,2023-08,2023-12,10,,,around,0.5,1/10,\n"
        "al,tech_prk,last,2023-08,2023-12,10,,,at_least,0.1,,\n"
        "am,tech_prk,last,2023-08,2023-12,10,,,at_most,0.1,,\n"
        "h1,tech_prk,last,2023-08,2023-12,2,,,hull,0.5,,both\n"
        "h2,tech_prk,last,2023-08,2023-12,4,3,6,hull,0.5,,both\n",
    )
    obs = load_observations(file)
    got = {t.id: (t.kind, t.low, t.high) for t in obs.targets}
    assert got["p"] == ("point", 0.3, 0.3)
    assert got["r"] == ("interval", 0.2, 0.4)
    assert got["lo"] == ("lower", 5, math.inf)
    assert got["hi"] == ("upper", -math.inf, 8)
    assert got["ar"] == ("interval", 0.5, 1.5)
    assert got["al"] == ("lower", 9, math.inf)
    assert got["am"] == ("upper", -math.inf, pytest.approx(11))
    assert got["both"] == ("interval", 1, 9)
    assert [r.id for r in obs.rows] == ["p", "r", "lo", "hi", "ar", "al", "am", "h1", "h2"]


def test_a_hand_written_spreadsheet_file_validates_through_the_cli(tmp_path):
    """The simple columns of the issue, a comment line, a blank line, an unanswered row."""
    file = write(
        tmp_path / "mine.csv",
        "id,metric,aggregate,window_start,window_end,value,low,high,unit,source\n"
        "# shells and oil as I read the press\n"
        "shells,shells_prk_to_rus,sum,2023-08,2024-06,,1000000,6000000,rounds,my reading\n"
        "\n"
        "oil,oil_rus_to_prk,mean,2024-03,2024-06,150000,,,barrels/month,White House\n"
        "tech,tech_prk,change,2023-08,2024-07,,0,,index,assumption\n"
        "satellite,,,,,1,,,event,KCNA\n",
    )
    out = tmp_path / "fig.png"
    code, stdout, stderr = invoke(
        "validate", BASELINE, "--observations", file, "--runs", "30", "-w", "1", "--figure", out, *SHORT
    )
    assert code == 0, stderr
    for rid in ("shells", "oil", "tech"):
        assert rid in stdout
    assert "unanswered: 1 row (satellite)" in stdout
    assert "coverage:" in stdout and out.is_file()


def test_yaml_rows_and_expressions(tmp_path, baseline):
    file = write(
        tmp_path / "obs.yaml",
        "observations:\n"
        "  - id: ratio_of_windows\n"
        "    metric: oil_rus_to_prk\n"
        "    aggregate: ratio\n"
        "    window: ['2024-03', '2024-06']\n"
        "    base_start: '2023-08'\n"
        "    base_end: '2024-02'\n"
        "    low: 1.0\n"
        "  - id: as_expression\n"
        "    expr: mean(oil_rus_to_prk, '2024-03', '2024-06') / mean(oil_rus_to_prk, '2023-08', '2024-02')\n"
        "    low: 1.0\n"
        "  - id: growth\n"
        "    metric: gdp_prk\n"
        "    aggregate: growth\n"
        "    window: ['2023-08', '2024-07']\n"
        "    value: 0.01\n",
    )
    obs = load_observations(file)
    assert [t.kind for t in obs.targets] == ["lower", "lower", "point"]
    results = ss.simulate(baseline, runs=4, seed=1, months=12, workers=1)
    ratio, expr, growth = (t.quantity.evaluate(results.metrics) for t in obs.targets)
    np.testing.assert_allclose(ratio, expr)
    m = results.metrics.sort_values(["replicate", "month"])
    oil = m["oil_rus_to_prk"].to_numpy().reshape(4, 12)
    np.testing.assert_allclose(ratio, oil[:, 7:11].mean(axis=1) / oil[:, :7].mean(axis=1))
    gdp = m["gdp_prk"].to_numpy().reshape(4, 12)
    np.testing.assert_allclose(growth, gdp[:, -1] / gdp[:, 0] - 1)


def test_rows_are_dated_by_the_last_month_they_read():
    obs = load_observations(SHIPPED)
    early = obs.select(until="2024-01")
    late = obs.select(after="2024-01")
    assert {t.id for t in early.targets} | {t.id for t in late.targets} == {t.id for t in obs.targets}
    assert all(t.date <= "2024-01" for t in early.targets)
    assert all(t.date > "2024-01" for t in late.targets)
    assert "shells_jun2024" in {t.id for t in late.targets}
    assert (
        Quantity(
            metric="tech_prk",
            aggregate="ratio",
            start="2024-01",
            end="2024-02",
            base_start="2024-05",
            base_end="2024-06",
        ).last_month
        == "2024-06"
    )


# ---------------------------------------------------------------------------------------------
# Bad input: one line, the file, the row, a did-you-mean, exit code 2
# ---------------------------------------------------------------------------------------------

HEADER = "id,metric,aggregate,window_start,window_end,value,low,high,unit,source\n"
GOOD = "ok,shells_prk_to_rus,sum,2023-08,2024-06,2000000,,,rounds,x\n"


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (
            "bad,shels_prk_to_rus,sum,2023-08,2024-06,1,,,rounds,x\n",
            ["line 3 (row bad)", "unknown metric 'shels_prk_to_rus'", "Did you mean shells_prk_to_rus"],
        ),
        (
            "bad,shells_prk_to_rus,sum,2023-08,2027-06,1,,,rounds,x\n",
            ["line 3 (row bad)", "window 2023-08..2027-06 ends after the run (2023-08..2024-07)", "--until"],
        ),
        (
            "bad,shells_prk_to_rus,sum,2022-01,2023-12,1,,,rounds,x\n",
            ["line 3 (row bad)", "window 2022-01..2023-12 starts before the run", "starts earlier"],
        ),
        (
            "bad,shells_prk_to_rus,sum,2023-08,2024-06,1.2.3,,,rounds,x\n",
            ["line 3 (row bad)", "value '1.2.3' is not a number"],
        ),
        (
            "bad,shells_prk_to_rus,summ,2023-08,2024-06,1,,,rounds,x\n",
            ["line 3 (row bad)", "aggregate 'summ'", "Did you mean 'sum'"],
        ),
        ("bad,shells_prk_to_rus,sum,2023-8,2024-06,1,,,rounds,x\n", ["line 3 (row bad)", "window_start"]),
        ("ok,tech_prk,last,2023-08,2024-06,1,,,index,x\n", ["line 3 (row ok)", "id already used at line 2"]),
        (
            "bad,shells_prk_to_rus,sum,2023-08,2024-06,,,,rounds,x\n",
            ["line 3 (row bad)", "no value, low or high"],
        ),
    ],
    ids=[
        "unknown-metric",
        "window-after",
        "window-before",
        "malformed-number",
        "aggregate",
        "month",
        "duplicate",
        "empty",
    ],
)
def test_bad_rows_give_one_line_naming_the_file_and_row(tmp_path, row, expected):
    file = write(tmp_path / "obs.csv", HEADER + GOOD + row)
    code, stdout, stderr = invoke("validate", BASELINE, "-O", file, "--runs", "2", "-w", "1", *SHORT)
    assert code == 2, stdout
    line = stderr.strip()
    assert "\n" not in line and "Traceback" not in line
    assert "obs.csv" in line
    for part in expected:
        assert part in line
    assert not list(tmp_path.glob("*.png"))


def test_bad_column_and_rule_get_did_you_mean(tmp_path):
    file = write(tmp_path / "cols.csv", "id,metirc,value\nx,tech_prk,1\n")
    with pytest.raises(ValueError, match=r"cols.csv: line 1: unknown column 'metirc'.*Did you mean 'metric'"):
        load_observations(file)
    file = write(
        tmp_path / "rule.csv",
        "id,metric,aggregate,window_start,window_end,value,rule\nx,tech_prk,last,2023-08,2023-09,1,at_lest\n",
    )
    with pytest.raises(ValueError, match=r"line 2 \(row x\): rule 'at_lest'.*Did you mean 'at_least'"):
        load_observations(file)


def test_missing_file_and_bad_expression_exit_2(tmp_path):
    code, _, stderr = invoke("validate", BASELINE, "-O", tmp_path / "none.csv", *SHORT)
    assert code == 2 and "observations file not found" in stderr
    file = write(tmp_path / "expr.csv", "id,expr,value\nx,\"mean(tech_prk, '2023-08') + 1\",1\n")
    code, _, stderr = invoke("validate", BASELINE, "-O", file, *SHORT)
    assert code == 2 and "line 2 (row x)" in stderr and "expr" in stderr


def test_a_file_with_no_answerable_row_says_so(tmp_path):
    file = write(tmp_path / "none.csv", "id,value\nx,1\n")
    code, _, stderr = invoke("validate", BASELINE, "-O", file, "--runs", "2", *SHORT)
    assert code == 2 and "nothing to score" in stderr


def test_unanswered_rows_are_listed_in_json(tmp_path):
    file = write(tmp_path / "obs.csv", HEADER + GOOD + "later,,,,,5,,,x,y\n")
    result = runner.invoke(
        app,
        [
            "validate",
            str(BASELINE),
            "-O",
            str(file),
            "--runs",
            "4",
            "-w",
            "1",
            "--json",
            "--no-figure",
            *SHORT,
        ],
    )
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert [r["id"] for r in data["unanswered"]] == ["later"]
    assert data["summary"]["unanswered"] == 1
