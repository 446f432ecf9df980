"""Scores against known values: fair CRPS, interval score, Brier score of a bound, PIT, coverage."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from scipy import stats

from sanctionsim.analysis.aggregates import Quantity
from sanctionsim.analysis.observations import Row, Target
from sanctionsim.analysis.scoring import (
    brier_bound,
    crps_fair,
    interval_score,
    jsonable,
    mid_rank,
    score_targets,
    summarize_scores,
)

Q = Quantity(metric="tech_prk", aggregate="last", start="2023-08", end="2023-12")


def target(tid: str, low: float, high: float) -> Target:
    row = Row(tid, "line 2", {}, None, None, None, Q, "range", 0.0, 1.0, tid)
    return Target(id=tid, rows=(row,), quantity=Q, low=low, high=high, rule="range", where="line 2")


def test_fair_crps_equals_its_definition():
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=25), 0.3
    n = x.size
    brute = np.abs(x - y).mean() - np.abs(x[:, None] - x[None, :]).sum() / (2 * n * (n - 1))
    assert crps_fair(x, y) == pytest.approx(brute, rel=1e-12)
    # vectorised over leading axes
    xs = rng.normal(size=(3, 4, 25))
    np.testing.assert_allclose(crps_fair(xs, 0.3)[1, 2], crps_fair(xs[1, 2], 0.3))


def test_fair_crps_of_a_large_normal_ensemble_matches_the_closed_form():
    """CRPS(N(0,1), y) = y(2Phi(y)-1) + 2phi(y) - 1/sqrt(pi) (Gneiting & Raftery 2007)."""
    x = stats.norm.ppf((np.arange(20_000) + 0.5) / 20_000)
    for y in (-1.0, 0.0, 0.7, 2.5):
        exact = y * (2 * stats.norm.cdf(y) - 1) + 2 * stats.norm.pdf(y) - 1 / math.sqrt(math.pi)
        assert crps_fair(x, y) == pytest.approx(exact, abs=2e-4)


def test_interval_score_at_a_point_and_averaged_over_a_range():
    # Gneiting & Raftery (2007) eq. 43 at a point, alpha = 0.2
    assert interval_score(np.array(1.0), np.array(3.0), 2.0, 2.0) == pytest.approx(2.0)
    assert interval_score(np.array(1.0), np.array(3.0), 4.0, 4.0) == pytest.approx(2.0 + 10 * 1.0)
    assert interval_score(np.array(1.0), np.array(3.0), 0.5, 0.5) == pytest.approx(2.0 + 10 * 0.5)
    # over a range: the average of the point scores
    ys = np.linspace(0.0, 5.0, 200_001)
    mc = (2.0 + 10 * (np.maximum(1.0 - ys, 0) + np.maximum(ys - 3.0, 0))).mean()
    assert interval_score(np.array(1.0), np.array(3.0), 0.0, 5.0) == pytest.approx(mc, rel=1e-4)
    # a band inside the range is penalised for the parts of the range it leaves out; a band that
    # matches the range's central 80% scores best among bands of that shape
    best = interval_score(np.array(0.5), np.array(4.5), 0.0, 5.0)
    for lo, hi in ((1.0, 4.0), (0.0, 5.0), (1.5, 4.5), (0.5, 3.0)):
        assert best < interval_score(np.array(lo), np.array(hi), 0.0, 5.0)


def test_brier_score_of_a_bound_and_pit():
    x = np.arange(10.0)
    assert brier_bound(x, 7.0, math.inf) == pytest.approx((1 - 0.3) ** 2)
    assert brier_bound(x, -math.inf, 100.0) == 0.0
    assert mid_rank(x, 4.0) == pytest.approx(0.45)
    assert mid_rank(x, 100.0) == 1.0 and mid_rank(x, -1.0) == 0.0


def test_score_targets_rows_and_summary():
    x = np.arange(100.0)
    targets = [target("point", 50.0, 50.0), target("range", 200.0, 300.0), target("bound", 85.0, math.inf)]
    table = score_targets(targets, {t.id: x for t in targets})
    by = table.set_index("id")
    assert by.loc["point", "score_kind"] == "crps" and by.loc["point", "overlap"]
    assert by.loc["point", "pit"] == pytest.approx(0.505)
    assert not by.loc["range", "overlap"] and by.loc["range", "pit"] == 1.0
    assert by.loc["bound", "overlap"] and not by.loc["bound", "covered_50"]
    assert by.loc["bound", "score"] == pytest.approx((1 - 0.15) ** 2)
    assert by.loc["point", "relative_score"] == pytest.approx(by.loc["point", "score"] / 50)
    summary = summarize_scores(table, unanswered=2)
    assert summary["answered"] == 3 and summary["unanswered"] == 2
    assert summary["coverage_80"] == pytest.approx(2 / 3) and summary["coverage_50"] == pytest.approx(1 / 3)
    assert summary["mean_brier"] == pytest.approx(0.7225)


def test_non_finite_values_are_left_out_and_json_has_no_nan():
    t = target("r", 0.0, 1.0)
    table = score_targets([t], {"r": np.array([np.nan, np.inf])})
    assert table.loc[0, "runs"] == 0 and not table.loc[0, "overlap"]
    text = json.dumps(jsonable(table.to_dict(orient="records")), allow_nan=False)
    assert json.loads(text)[0]["median"] is None
