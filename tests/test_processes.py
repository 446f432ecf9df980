"""Each process does what docs/model.md says: alone (on a world with no schedule) or through the API."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd

import sanctionsim as ss
from sanctionsim.model.context import Month, Production
from sanctionsim.model.model import SanctionsModel
from sanctionsim.model.processes.ties import landscape
from sanctionsim.model.processes.valuation import Valuation


def _median(results: ss.Results, metric: str, start: str, end: str) -> float:
    m = results.metrics
    part = m[(m["date"] >= pd.Timestamp(start)) & (m["date"] <= pd.Timestamp(end))]
    return float(part.groupby("replicate")[metric].mean().median())


def run(baseline, *sets: str, runs: int = 20, months: int = 24) -> ss.Results:
    return ss.simulate(baseline, runs=runs, seed=9, months=months, workers=1, overrides=list(sets))


def test_valuation_rises_as_cover_falls(baseline):
    """A process runs alone: a world without a schedule, a hand-made month context."""
    world = SanctionsModel(config=baseline.config, seed=1, replicates=range(3), schedule=()).world
    step = Valuation(world)
    world.ledger.stock[:, 0, 0] = [1e5, 1e6, 1e7]  # Russia's shells: little, some, plenty
    need = np.full(world.ledger.stock.shape, 1e6)
    m = Month(0)
    m.production = Production(produced=need * 0, need=need, consumed=need * 0, supply=need)
    step.step(m)
    v = m.valuation[:, 0, 0]
    assert v[0] > v[1] > v[2]


def test_landscape_frustration():
    balanced = np.array([[[0, 1, -1], [1, 0, -1], [-1, -1, 0]]], dtype=float)
    frustrated = np.array([[[0, -1, -1], [-1, 0, -1], [-1, -1, 0]]], dtype=float)
    energy_b, frus_b = landscape(balanced)
    _, frus_f = landscape(frustrated)
    assert frus_b[0] == 0.0 and energy_b[0] == -3.0
    assert frus_f[0] == 1 / 3  # one of three hostile ties must sit inside a coalition


def test_tanker_route_opening_lifts_russian_oil(baseline):
    res = run(baseline)
    before = _median(res, "oil_rus_to_prk", "2023-09", "2024-02")
    after = _median(res, "oil_rus_to_prk", "2024-03", "2024-08")
    assert after > 3 * before
    shut = run(baseline, "events.1.set={routes.tanker_direct.capacity: 0}")
    assert _median(shut, "oil_rus_to_prk", "2024-03", "2024-08") < 0.5 * after


def test_enforcement_budget_cuts_leakage_and_deliveries(baseline):
    base = run(baseline)
    strict = run(baseline, "actors.BLOC.enforcement_budget=2e9")
    assert _median(strict, "leakage_ratio", "2024-01", "2025-06") < _median(
        base, "leakage_ratio", "2024-01", "2025-06"
    )
    assert _median(strict, "interdicted_value", "2024-01", "2025-06") > _median(
        base, "interdicted_value", "2024-01", "2025-06"
    )


def test_secondary_sanctions_raise_china_compliance(baseline):
    base = run(baseline, months=12)
    hard = run(baseline, "sanctions.un_dprk.secondary=1.0", months=12)
    assert _median(hard, "compliance_chn", "2024-01", "2024-07") > _median(
        base, "compliance_chn", "2024-01", "2024-07"
    )


def test_ceasefire_event_cuts_war_demand_and_shells(baseline):
    ceasefire = "events=[{name: ceasefire, at: '2024-01', scale: {war.intensity: 0.2}}]"
    res = run(baseline, ceasefire)
    base = run(baseline)
    assert _median(res, "war_demand_rus", "2024-02", "2024-12") < 0.3 * _median(
        base, "war_demand_rus", "2024-02", "2024-12"
    )
    assert _median(res, "shells_prk_to_rus", "2024-06", "2025-06") < _median(
        base, "shells_prk_to_rus", "2024-06", "2025-06"
    )


def test_adaptive_policy_escalates_after_the_lag(baseline):
    res = run(
        baseline, "adaptive_policy.enabled=true", "adaptive_policy.threshold=1e6", "adaptive_policy.lag=2"
    )
    fired = res.events[res.events["event"] == "adaptive_escalation"]
    assert len(fired) > 0
    assert fired.groupby("replicate").size().max() <= 3  # max_escalations
    assert fired["month"].min() >= 2  # the lag
    assert _median(res, "enforcement_cost", "2025-01", "2025-06") > _median(
        run(baseline), "enforcement_cost", "2025-01", "2025-06"
    )


def test_conditional_event_fires_per_replicate(baseline):
    cond = "events=[{name: shells_pass_400k, when: 'shells_prk_to_rus > 400000', add: {ties.RUS.PRK: 0.1}}]"
    res = run(baseline, cond, runs=30)
    fired = res.events[res.events["event"] == "shells_pass_400k"]
    assert (fired["kind"] == "conditional").all()
    assert 0 < fired["replicate"].nunique() < 30  # fires in some replicates, not all
    assert fired.groupby("replicate").size().max() == 1  # at most once each


def test_technology_absorption_follows_transfers(baseline):
    res = run(baseline)
    none = run(baseline, "actors.RUS.goods.technology.production=0", "actors.RUS.goods.technology.stock=0",
               "events.0.add={ties.RUS.PRK: 0.1}")  # fmt: skip
    assert (
        _median(res, "tech_prk", "2025-07", "2025-07")
        > _median(none, "tech_prk", "2025-07", "2025-07") + 0.02
    )


def test_any_executor_gives_the_same_results(baseline):
    serial = ss.simulate(baseline, runs=30, seed=2, months=12, workers=1, batch_size=10)
    with ThreadPoolExecutor(max_workers=2) as pool:  # Dask's Client.get_executor() plugs in the same way
        other = ss.simulate(baseline, runs=30, seed=2, months=12, executor=pool, batch_size=10)
    pd.testing.assert_frame_equal(serial.metrics, other.metrics, check_exact=True)


def test_ties_respond_to_forces_even_when_close(baseline):
    """The tie target is tanh(atanh(affinity) + forces): a strong treaty still lifts a close tie."""
    base = run(baseline, months=36)
    strong = run(baseline, "events.3.add={treaty.RUS.PRK: 1.0}", months=36)
    before = _median(base, "tie_rus_prk", "2026-01", "2026-06")
    assert 0.5 < before < 0.95
    assert _median(strong, "tie_rus_prk", "2026-01", "2026-06") > before + 0.03


def test_events_respect_strict_bounds(baseline):
    """A parameter declared > 0 cannot be scaled to 0 by an event."""
    import pytest

    with pytest.raises(ValueError, match="expected a value > 0"):
        run(baseline, "events=[{name: z, at: '2024-01', scale: {routes.rail.lot_value: 0}}]", months=8)
