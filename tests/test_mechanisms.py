"""Issue 8: the exchange is a mechanism. Linked deals, capacity that grows, deployed people, China's
channels, enforcement that bites. Every test pairs runs with common random numbers (same seed)."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

import sanctionsim as ss

RUNS = 40
SEED = 11


def run(*sets: str, runs: int = RUNS, months: int = 36) -> pd.DataFrame:
    return ss.simulate(
        "baseline", runs=runs, seed=SEED, months=months, workers=1, overrides=list(sets)
    ).metrics


def total(metrics: pd.DataFrame, metric: str, start: str | None = None, end: str | None = None) -> np.ndarray:
    m = metrics
    if start:
        m = m[m["date"] >= pd.Timestamp(start)]
    if end:
        m = m[m["date"] <= pd.Timestamp(end)]
    return m.groupby("replicate")[metric].sum().to_numpy()


def last(metrics: pd.DataFrame, metric: str) -> np.ndarray:
    return metrics.groupby("replicate")[metric].last().to_numpy()


@pytest.fixture(scope="module")
def base() -> pd.DataFrame:
    return run()


NO_ARMS = (
    "actors.PRK.goods.shells.stock=0",
    "actors.PRK.goods.shells.production=0",
    "actors.PRK.goods.missiles.stock=0",
    "actors.PRK.goods.missiles.production=0",
)


def test_without_dprk_arms_russia_pays_less(base: pd.DataFrame) -> None:
    none = run(*NO_ARMS)
    for metric in ("oil_rus_to_prk", "tech_rus_to_prk", "cash_rus_to_prk"):
        p = (total(none, metric) < total(base, metric)).mean()
        assert p >= 0.9, f"{metric}: falls in {p:.0%} of paired runs"


def test_cutting_russian_oil_cuts_dprk_workers(base: pd.DataFrame) -> None:
    cut = run("actors.RUS.goods.oil.stock=0", "actors.RUS.goods.oil.production=0")
    assert total(cut, "oil_rus_to_prk").max() == 0.0
    sent = (total(cut, "workers_sent_prk_to_rus") < total(base, "workers_sent_prk_to_rus")).mean()
    assert sent >= 0.9, f"workers sent fall in {sent:.0%} of paired runs"
    assert np.median(last(cut, "workers_prk_in_rus")) < np.median(last(base, "workers_prk_in_rus"))


def test_without_russian_technology_dprk_capacity_grows_more_slowly(base: pd.DataFrame) -> None:
    no_tech = run(
        "actors.RUS.goods.technology.stock=0",
        "actors.RUS.goods.technology.production=0",
        "events.0.add={ties.RUS.PRK: 0.1}",  # the summit no longer adds Russian technology output
    )
    assert total(no_tech, "tech_rus_to_prk").max() == 0.0
    # slower growth: less capacity added over the horizon (the integral: both may reach the ceiling)
    start = base.query("month == 0").set_index("replicate")["shell_capacity_prk"].to_numpy()
    grown = total(base, "shell_capacity_prk") - 36 * start
    grown_without = total(no_tech, "shell_capacity_prk") - 36 * start
    assert (grown_without < grown).mean() >= 0.9
    assert np.median(grown_without) < 0.8 * np.median(grown)


def test_shells_fall_monotonically_as_the_enforcement_budget_rises(base: pd.DataFrame) -> None:
    shells = [np.median(total(base, "shells_prk_to_rus", "2024-07"))]
    for factor in (3, 10, 100):
        m = run(f"actors.BLOC.enforcement_budget={5.0e7 * factor:g}")
        shells.append(np.median(total(m, "shells_prk_to_rus", "2024-07")))
    assert all(a > b for a, b in itertools.pairwise(shells)), shells


def test_the_blocs_levers_together_cut_shells_by_nine_tenths(base: pd.DataFrame) -> None:
    """policies/full-pressure documents the combination (docs/model.md, "What enforcement can do")."""
    pressed = ss.simulate("policies/full-pressure", runs=RUNS, seed=SEED, workers=1).metrics
    before = total(base, "shells_prk_to_rus", "2025-01", "2025-12")
    after = total(pressed, "shells_prk_to_rus", "2025-01", "2025-12")
    cut = 1.0 - np.median(after) / np.median(before)
    assert cut >= 0.9, f"shells cut by {cut:.0%}"


def test_secondary_sanctions_on_china_reach_the_partnership(base: pd.DataFrame) -> None:
    hard = run("sanctions.un_dprk.secondary=0.6", "sanctions.western_russia.secondary=0.6")
    assert np.median(total(hard, "compliance_chn", "2024-07")) > np.median(
        total(base, "compliance_chn", "2024-07")
    )
    cash = (total(hard, "cash_rus_to_prk", "2024-07") < total(base, "cash_rus_to_prk", "2024-07")).mean()
    trade = (
        total(hard, "prk_recorded_trade", "2024-07") < total(base, "prk_recorded_trade", "2024-07")
    ).mean()
    assert max(cash, trade) >= 0.9, f"cash falls in {cash:.0%}, recorded trade in {trade:.0%} of paired runs"


def test_closing_a_route_leaves_deployed_people_in_place(base: pd.DataFrame) -> None:
    closed = run("events=[{name: rail_closed, at: '2024-07', set: {routes.rail.capacity: 0}}]")
    before = base.query("date == '2024-06-01'").set_index("replicate")["workers_prk_in_rus"]
    after = closed.query("date == '2024-07-01'").set_index("replicate")["workers_prk_in_rus"]
    # only rotation home (1/36 a month) lowers the deployed stock; nobody new arrives
    np.testing.assert_allclose(after.to_numpy(), before.to_numpy() * (1 - 1 / 36), rtol=1e-9)
    assert total(closed, "workers_sent_prk_to_rus", "2024-07").sum() > 0  # sending goes on, and is stopped


def _claim_metrics(expr: str, names: set[str]) -> set[str]:
    import re

    return {w for w in re.findall(r"[a-z_]+", expr) if w in names}


def test_every_scenarios_story_moves_its_own_claims() -> None:
    """For each scenario, at least one metric its claims name differs from the baseline (paired)."""
    from pathlib import Path

    from sanctionsim.metrics import metric_names

    root = Path(__file__).resolve().parents[1] / "scenarios"
    base = ss.simulate("baseline", runs=8, seed=3, workers=1, months=48).metrics
    still = []
    for file in sorted(root.rglob("*.yaml")):
        name = file.relative_to(root).with_suffix("").as_posix()
        if name == "baseline":
            continue
        sc = ss.load_scenario(file)
        months = sc.config.months
        names = set(metric_names(sc.config))
        named = set().union(*(_claim_metrics(c.expr, names) for c in sc.config.claims))
        assert named, f"{name}: its claims name no metric"
        m = ss.simulate(sc, runs=8, seed=3, workers=1).metrics
        b = base[base["month"] < months].reset_index(drop=True)
        if all(np.allclose(m[c].to_numpy(), b[c].to_numpy(), rtol=1e-6, atol=1e-9) for c in named):
            still.append(name)
    assert not still, f"stories that move none of their own claims' metrics: {still}"
