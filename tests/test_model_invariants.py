"""Conservation of goods and non-negative stocks, property-based over random parameters."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sanctionsim.experiments.spec import run_spec
from sanctionsim.model.invariants import invariant_violations
from sanctionsim.model.model import SanctionsModel

# parameter path -> (low, high) for the random draws
RANGES = {
    "war.fire_rate": (0.0, 60000.0),
    "war.intensity": (0.0, 3.0),
    "actors.PRK.risk_tolerance": (0.0, 1.0),
    "actors.RUS.risk_tolerance": (0.0, 1.0),
    "actors.CHN.risk_tolerance": (0.0, 1.0),
    "actors.PRK.goods.shells.stock": (0.0, 2e7),
    "actors.PRK.goods.shells.production": (0.0, 5e5),
    "actors.RUS.goods.shells.stock": (0.0, 5e6),
    "actors.PRK.goods.oil.stock": (0.0, 5e6),
    "actors.PRK.goods.food.stock": (0.0, 5e6),
    "actors.PRK.goods.cash.stock": (0.0, 1e10),
    "actors.BLOC.enforcement_budget": (0.0, 5e9),
    "routes.covert_direct.capacity": (0.0, 5e9),
    "routes.rail.capacity": (0.0, 5e9),
    "routes.tanker_direct.capacity": (0.0, 1e9),
    "routes.covert_direct.kappa": (0.0, 20.0),
    "routes.alt_payments.capacity": (0.0, 1e9),
    "goods.shells.trade_rate": (0.0, 1.0),
    "goods.oil.eta": (0.0, 3.0),
    "compliance.intercept": (-5.0, 5.0),
    "sanctions.un_dprk.secondary": (0.0, 1.0),
    "enforcement.adaptation": (0.0, 1.0),
    "tie_dynamics.noise_sd": (0.0, 0.3),
    "tie_dynamics.unease": (0.0, 1.0),
    "war.path_sd": (0.0, 0.3),
    "compliance.derisking": (0.0, 1.0),
    "contracts.arms_for_goods.trust": (0.0, 1.0),
    "contracts.arms_for_goods.trust_speed": (0.0, 1.0),
    "contracts.arms_for_goods.terms": (0.0, 3.0),
    "contracts.arms_for_goods.payment.oil": (0.0, 0.3),
    "contracts.labour_for_oil.payment.oil": (0.0, 1.0),
    "deployments.prk_workers.speed": (0.0, 1.0),
    "deployments.prk_workers.rotation_months": (1.0, 60.0),
    "deployments.prk_troops.attrition": (0.0, 0.5),
    "actors.RUS.goods.workers.need": (0.0, 1e5),
    "actors.RUS.goods.troops.need": (0.0, 5e4),
    "actors.PRK.goods.shells.invest_share": (0.0, 1.0),
    "actors.PRK.goods.shells.capacity_cost": (0.0, 1e4),
    "actors.PRK.goods.shells.tech_gain": (0.0, 5000.0),
    "actors.RUS.goods.shells.ramp": (0.0, 1.0),
    "routes.rail.closed_below": (0.0, 1.0),
}

overrides = st.fixed_dictionaries(
    {
        **{k: st.floats(min_value=lo, max_value=hi, allow_nan=False) for k, (lo, hi) in RANGES.items()},
        "actors.PRK.goods.shells.build_months": st.integers(min_value=0, max_value=36),
    }
)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(values=overrides, seed=st.integers(min_value=0, max_value=2**32 - 1), adaptive=st.booleans())
def test_goods_are_conserved_and_stocks_stay_non_negative(baseline, values, seed, adaptive):
    sets = [f"{k}={v!r}" for k, v in values.items()] + [f"adaptive_policy.enabled={str(adaptive).lower()}"]
    spec = run_spec(baseline, overrides=sets, months=14)
    model = SanctionsModel(config=spec.config, seed=seed, replicates=range(4), keep_ledger=True)
    model.run()
    assert invariant_violations(model) == []
    assert (model.stock >= 0).all()


def test_baseline_invariants_over_full_horizon(baseline):
    model = SanctionsModel(config=baseline.config, seed=1, replicates=range(16), keep_ledger=True)
    model.run()
    assert invariant_violations(model) == []
    flows = model.recorder.flows_frame()
    assert (flows["interdicted"] > 0).any(), (
        "enforcement never interdicted anything: the test would be vacuous"
    )


def test_people_abroad_are_accounted_for(baseline):
    """Closing the rail bridge stops movements, not people: the checker sees every person."""
    from sanctionsim.model.invariants import personnel_violations

    closed = run_spec(baseline, overrides=["routes.rail.capacity=0"], months=12)
    model = SanctionsModel(config=closed.config, seed=2, replicates=range(4), keep_ledger=True)
    model.run()
    assert invariant_violations(model) == []
    model.world.ledger.stock[0, 0, 4] += 10.0  # ten workers nobody deployed appear in Russia
    assert personnel_violations(model)


def test_invariant_checker_detects_a_leak(baseline):
    model = SanctionsModel(config=baseline.config, seed=1, replicates=range(2), keep_ledger=True)
    model.run(3)
    model.world.ledger.months[1]["stock_after"][0, 1, 0] += 1000.0  # conjure 1000 shells
    problems = invariant_violations(model)
    assert problems and "PRK shells" in problems[0]
