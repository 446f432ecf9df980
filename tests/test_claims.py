"""Tests of claims: parsing and validation, window functions, verdicts, reasons and scoring runs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sanctionsim.analysis.claims import (
    NOT_SUPPORTED_AT,
    SUPPORTED_AT,
    WINDOW_FUNCTIONS,
    compile_claim,
    evaluate_claims,
    validate_claims,
    verdict,
)
from sanctionsim.experiments import check as check_module
from sanctionsim.experiments.check import check_claims
from sanctionsim.metrics import metric_names
from sanctionsim.results import Results
from sanctionsim.scenario import load_scenario
from sanctionsim.scenario.schema import Claim

REPO = Path(__file__).resolve().parents[1]
BASELINE = REPO / "scenarios" / "baseline.yaml"
ACTORS = ["RUS", "PRK", "CHN", "BLOC"]
KNOWN = metric_names(ACTORS)
RUNS = 5
MONTHS = 36
START = "2023-08"


def claim(expr: str, id: str = "c") -> Claim:
    return Claim(id=id, text=f"text of {id}", expr=expr, by="Tester")


def synthetic_metrics() -> pd.DataFrame:
    """5 replicates x 36 months from 2023-08; every metric 0 except three with known values.

    - ``tech_prk`` = month index (0..35), the same in every replicate;
    - ``shells_prk_to_rus`` = replicate index (0..4), constant over months;
    - ``threat_index`` = 1e6 * (replicate + 1).
    """
    dates = pd.date_range("2023-08-01", periods=MONTHS, freq="MS")
    rep = np.repeat(np.arange(RUNS), MONTHS)
    month = np.tile(np.arange(MONTHS), RUNS)
    frame = pd.DataFrame(
        {
            "replicate": rep.astype("int32"),
            "month": month.astype("int32"),
            "date": np.tile(dates.to_numpy(), RUNS),
        }
    )
    values = {name: np.zeros(len(frame)) for name in KNOWN}
    values["tech_prk"] = month.astype(float)
    values["shells_prk_to_rus"] = rep.astype(float)
    values["threat_index"] = 1e6 * (rep + 1.0)
    return pd.concat([frame, pd.DataFrame(values)], axis=1)


def score(*exprs: str) -> pd.DataFrame:
    items = [claim(e, id=f"c{i}") for i, e in enumerate(exprs)]
    return evaluate_claims(synthetic_metrics(), items, actors=ACTORS)


# ---------------------------------------------------------------------------------------------
# Window functions and verdicts
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "expr",
    [
        'sum(tech_prk, "2023-08", "2023-10") == 3',  # months 0 + 1 + 2
        'mean(tech_prk, "2023-09", "2023-11") == 2',
        'min(tech_prk, "2023-09", "2023-11") == 1',
        'max(tech_prk, "2023-09", "2023-11") == 3',
        'first(tech_prk, "2023-09", "2023-11") == 1',
        'last(tech_prk, "2023-09", "2023-11") == 3',
        'change(tech_prk, "2023-09", "2024-08") == 11',
        'last(tech_prk, "2026-07", "2026-07") == 35',  # the run's last month
        'sum(tech_prk, "2023-08", "2023-08") == 0 and first(tech_prk, "2024-01", "2024-12") == 5',
        'not (mean(tech_prk, "2023-08", "2023-10") > 1) or true',
        '-change(tech_prk, "2023-08", "2023-09") + 2 * 3 / 6 == 0',
    ],
)
def test_window_functions_compute_the_documented_aggregates(expr: str) -> None:
    table = score(expr)
    assert table.loc[0, "probability"] == 1.0


def test_every_window_function_is_documented_and_allowed() -> None:
    assert set(WINDOW_FUNCTIONS) == {"sum", "mean", "min", "max", "first", "last", "change"}
    for name in WINDOW_FUNCTIONS:
        compiled = compile_claim(claim(f'{name}(tech_prk, "2024-01", "2024-06") >= 0'), known=KNOWN)
        assert compiled.windows[0].function == name


def test_probability_is_the_share_of_replicates_and_verdicts_follow_thresholds() -> None:
    # shells = replicate index 0..4 in every month
    table = score(
        'mean(shells_prk_to_rus, "2024-01", "2024-06") >= 1',  # 4 of 5
        'mean(shells_prk_to_rus, "2024-01", "2024-06") >= 3',  # 2 of 5
        'mean(shells_prk_to_rus, "2024-01", "2024-06") >= 4',  # 1 of 5
    )
    assert table["probability"].tolist() == [0.8, 0.4, 0.2]
    assert table["verdict"].tolist() == ["supported", "contested", "not supported"]
    assert table["runs"].tolist() == [RUNS] * 3


def test_verdict_thresholds() -> None:
    assert (SUPPORTED_AT, NOT_SUPPORTED_AT) == (0.8, 0.2)
    assert verdict(1.0) == verdict(SUPPORTED_AT) == "supported"
    assert verdict(0.79) == verdict(0.5) == verdict(0.21) == "contested"
    assert verdict(NOT_SUPPORTED_AT) == verdict(0.0) == "not supported"


def test_table_columns_and_claim_fields() -> None:
    table = score('sum(tech_prk, "2023-08", "2023-10") == 3')
    assert list(table.columns) == ["id", "text", "by", "expr", "probability", "verdict", "reason", "runs"]
    row = table.iloc[0]
    assert (row["id"], row["text"], row["by"]) == ("c0", "text of c0", "Tester")


def test_reason_gives_the_medians_of_a_comparison() -> None:
    table = score(
        'sum(shells_prk_to_rus, "2023-08", "2023-09") > 1',  # sums 0, 2, 4, 6, 8
        'mean(threat_index, "2024-07", "2025-06") > mean(threat_index, "2023-08", "2024-06") + 2e6',
    )
    assert table.loc[0, "reason"] == "sum(shells_prk_to_rus, 2023-08..2023-09): median 4 vs 1"
    assert table.loc[1, "reason"] == "mean(threat_index, 2024-07..2025-06): median 3M vs 5M"


def test_reason_counts_replicates_when_not_a_comparison() -> None:
    table = score('mean(shells_prk_to_rus, "2024-01", "2024-06") >= 3 or false')
    assert table.loc[0, "reason"] == "holds in 2 of 5 replicates"


def test_nan_counts_as_not_holding() -> None:
    # 0 / 0 in every replicate
    table = score(
        'sum(stock_cash_bloc, "2024-01", "2024-02") / sum(stock_cash_bloc, "2024-01", "2024-02") > 0'
    )
    assert table.loc[0, "probability"] == 0.0
    assert "median n/a vs 0" in table.loc[0, "reason"]
    assert "not a number in 5 of 5 replicates" in table.loc[0, "reason"]


def test_division_by_zero_never_holds_and_the_reason_says_why() -> None:
    # shells_prk_to_rus is the replicate index 0..4: x / 0 is inf (or nan for replicate 0) everywhere
    zero = 'sum(stock_cash_bloc, "2024-01", "2024-02")'
    table = score(
        f'sum(shells_prk_to_rus, "2024-01", "2024-02") / {zero} > 5',
        f'not (sum(shells_prk_to_rus, "2024-01", "2024-02") / {zero} > 5)',
        f'sum(shells_prk_to_rus, "2024-01", "2024-02") / {zero} > 5 or true',
        f'sum(shells_prk_to_rus, "2024-01", "2024-02") / ({zero} + 1) > 5',
    )
    assert list(table["probability"]) == [0.0, 0.0, 0.0, 0.4]  # the last is finite: 2r > 5 for r = 3, 4
    assert list(table["verdict"][:3]) == ["not supported"] * 3
    first = table.loc[0, "reason"]
    assert "inf" not in first and "median n/a vs 5" in first
    assert "not a number in 5 of 5 replicates" in first
    assert "not a number" not in table.loc[3, "reason"]


def test_claims_default_to_the_manifest_config() -> None:
    metrics = synthetic_metrics()
    manifest = {
        "actors": ACTORS,
        "config": {"claims": [{"id": "m", "text": "t", "expr": 'max(tech_prk, "2024-01", "2024-03") == 7'}]},
    }
    results = Results(metrics=metrics, flows=pd.DataFrame(), events=pd.DataFrame(), manifest=manifest)
    table = evaluate_claims(results)
    assert table["id"].tolist() == ["m"]
    assert table.loc[0, "probability"] == 1.0


def test_bare_metrics_table_needs_actors() -> None:
    with pytest.raises(ValueError, match="actors"):
        evaluate_claims(synthetic_metrics(), [claim('sum(tech_prk, "2024-01", "2024-02") > 0')])


def test_incomplete_metrics_table_is_refused() -> None:
    metrics = synthetic_metrics().iloc[:-1]
    with pytest.raises(ValueError, match="one row per month"):
        evaluate_claims(metrics, [claim('sum(tech_prk, "2024-01", "2024-02") > 0')], actors=ACTORS)


# ---------------------------------------------------------------------------------------------
# Validation
# ---------------------------------------------------------------------------------------------


def compile_error(expr: str, **kwargs: object) -> str:
    with pytest.raises(ValueError) as info:
        compile_claim(claim(expr, id="bad_claim"), known=KNOWN, index=3, **kwargs)  # type: ignore[arg-type]
    return str(info.value)


def test_unknown_metric_lists_every_known_metric() -> None:
    message = compile_error('sum(shells_prk_to_rsu, "2024-07", "2025-06") > 0')
    assert message.startswith("claims[3] (bad_claim): unknown metric 'shells_prk_to_rsu'")
    assert "Did you mean shells_prk_to_rus" in message
    assert "Known metrics:" in message
    listed = message.split("Known metrics:")[1]
    assert all(name in listed for name in KNOWN)


def test_bare_metric_name_is_an_error() -> None:
    message = compile_error('tech_prk > 0.5 and sum(tech_prk, "2024-01", "2024-02") > 0')
    assert "bare metric name 'tech_prk' outside a window function" in message
    assert 'mean(tech_prk, "2024-07", "2025-06")' in message


def test_window_outside_the_run_names_claim_window_and_range() -> None:
    message = compile_error('sum(tech_prk, "2026-01", "2026-12") > 0', start=START, months=MONTHS)
    assert "claims[3] (bad_claim)" in message
    assert "window 2026-01..2026-12" in message
    assert "outside the run's range 2023-08..2026-07" in message
    message = compile_error('sum(tech_prk, "2023-07", "2023-09") > 0', start=START, months=MONTHS)
    assert "window 2023-07..2023-09" in message


def test_window_outside_the_run_fails_at_evaluation_too() -> None:
    with pytest.raises(ValueError, match=r"outside the run's range 2023-08\.\.2026-07"):
        score('mean(tech_prk, "2026-06", "2026-08") > 0')


@pytest.mark.parametrize(
    ("expr", "fragment"),
    [
        ('sum(tech_prk, "2024-07", "2025-06")', "must be true or false"),
        ('sum(tech_prk, "2024-07", "2025-06") + 1', "must be true or false"),
        ('sum(tech_prk, "2024-07", "2025-06") > 0 and 1', "must be true or false"),
        ('median(tech_prk, "2024-07", "2025-06") > 0', "unknown function 'median'; allowed: change, first"),
        ('sum(tech_prk, "2024-07") > 0', "function 'sum' takes 3 arguments, got 2"),
        ('sum(1, "2024-07", "2025-06") > 0', "takes a metric name as its first argument"),
        ('sum(tech_prk, 2024, "2025-06") > 0', "takes its window as two quoted months"),
        ('sum(tech_prk, "2024-13", "2025-06") > 0', "window month '2024-13'"),
        ('sum(tech_prk, "2024-7", "2025-06") > 0', "is not YYYY-MM"),
        ('sum(tech_prk, "2025-07", "2025-06") > 0', "starts after it ends"),
        ('sum(tech_prk, "2024-07", "2025-06") > "x"', "allowed only as window months"),
        ('sum(sum(tech_prk, "2024-07", "2025-06"), "2024-07", "2025-06") > 0', "first argument"),
        ('sum(tech_prk, "2024-07", "2025-06") >', "expected a value"),
        ('sum(tech_prk, "2024-07", "2025-06") > 0 > 1', "cannot be chained"),
    ],
)
def test_malformed_claims_are_explained(expr: str, fragment: str) -> None:
    message = compile_error(expr, start=START, months=MONTHS)
    assert message.startswith("claims[3] (bad_claim): ")
    assert fragment in message


def test_validate_claims_checks_the_whole_scenario() -> None:
    config = load_scenario(BASELINE).config
    good = claim('change(tech_prk, "2024-07", "2026-06") >= 0.1', id="ok")
    compiled = validate_claims(config, claims=[good])
    assert [str(w) for w in compiled[0].windows] == ["change(tech_prk, 2024-07..2026-06)"]
    with pytest.raises(ValueError, match=r"claims\[1\] \(ok\): the id is used by claims\[0\]"):
        validate_claims(config, claims=[good, good])
    late = claim('sum(tech_prk, "2026-07", "2026-08") > 0', id="late")
    with pytest.raises(ValueError, match=r"claims\[0\] \(late\): window 2026-07\.\.2026-08"):
        validate_claims(config, claims=[late])
    # the horizon follows the scenario's months
    longer = config.model_copy(update={"months": 48})
    validate_claims(longer, claims=[late])


# ---------------------------------------------------------------------------------------------
# Scoring a real ensemble
# ---------------------------------------------------------------------------------------------

TRUE_BY_CONSTRUCTION = {
    "flows_non_negative": 'min(shells_prk_to_rus, "2023-08", "2026-07") >= 0',
    "tech_never_falls": 'change(tech_prk, "2023-08", "2026-07") >= 0',
    "leakage_at_most_one": 'max(leakage_ratio, "2023-08", "2026-07") <= 1',
    "same_window_equal": 'sum(oil_rus_to_prk, "2024-01", "2024-12") == '
    'sum(oil_rus_to_prk, "2024-01", "2024-12")',
}
FALSE_BY_CONSTRUCTION = {
    "negative_shells": 'sum(shells_prk_to_rus, "2024-07", "2025-06") < 0',
    "compliance_above_one": 'max(compliance_chn, "2023-08", "2026-07") > 1',
    "contradiction": 'mean(tie_rus_prk, "2024-01", "2024-12") > 0 and '
    'not (mean(tie_rus_prk, "2024-01", "2024-12") > 0)',
}


def write_scenario(folder: Path, exprs: dict[str, str]) -> Path:
    lines = [f"extends: {BASELINE}", "title: Claims by construction", "claims:"]
    for cid, expr in exprs.items():
        lines += [f"  - id: {cid}", f"    text: {cid}", "    by: test", f"    expr: '{expr}'"]
    path = folder / "by-construction.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_check_gives_one_and_zero_for_claims_true_and_false_by_construction(tmp_path: Path) -> None:
    path = write_scenario(tmp_path, {**TRUE_BY_CONSTRUCTION, **FALSE_BY_CONSTRUCTION})
    check = check_claims(path, runs=6, seed=11, workers=1)
    probability = dict(zip(check.table["id"], check.table["probability"], strict=True))
    for cid in TRUE_BY_CONSTRUCTION:
        assert probability[cid] == 1.0, cid
    for cid in FALSE_BY_CONSTRUCTION:
        assert probability[cid] == 0.0, cid
    assert (check.runs, check.seed) == (6, 11)
    assert set(check.table["runs"]) == {6}


def test_check_is_reproducible_for_a_seed(tmp_path: Path) -> None:
    path = write_scenario(tmp_path, {"tie_up": 'change(tie_rus_prk, "2024-06", "2026-06") > 0.15'})
    a = check_claims(path, runs=10, seed=3, workers=1).table
    b = check_claims(path, runs=10, seed=3, workers=1).table
    pd.testing.assert_frame_equal(a, b)


def test_check_validates_claims_before_running(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_run(*args: object, **kwargs: object) -> None:
        raise AssertionError("simulate must not be called for bad claims")

    monkeypatch.setattr(check_module, "simulate", no_run)
    path = write_scenario(tmp_path, {"typo": 'sum(shells_prk_to_russia, "2024-07", "2025-06") > 0'})
    with pytest.raises(ValueError, match="Known metrics:"):
        check_claims(path, runs=4, workers=1)
    path = write_scenario(tmp_path, {"late": 'sum(shells_prk_to_rus, "2024-07", "2025-06") > 0'})
    with pytest.raises(ValueError, match=r"outside the run's range 2023-08\.\.2024-05"):
        check_claims(path, overrides=["months=10"], runs=4, workers=1)


def test_check_refuses_a_scenario_without_claims() -> None:
    with pytest.raises(ValueError, match="states no claims"):
        check_claims(BASELINE, runs=2, workers=1)
