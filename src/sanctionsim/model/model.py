"""SanctionsModel: the Mesa model, vectorised over R replicates.

State lives in numpy arrays whose first axis is the replicate. Actors are
``mesa.Agent``s that expose views of those arrays. One ``step()`` is one month
and runs the submodels in the fixed order documented in ``docs/model.md``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import mesa
import numpy as np
import pandas as pd

from sanctionsim.goods import GOOD_NAMES, GOODS
from sanctionsim.model.actor import Actor
from sanctionsim.model.params import ParamTable
from sanctionsim.model.record import Recorder
from sanctionsim.model.streams import Streams
from sanctionsim.model.structure import Structure
from sanctionsim.model.submodels import (
    compliance,
    economy,
    events,
    military,
    payments,
    policy,
    production,
    routes,
    ties,
    trade,
)
from sanctionsim.scenario.schema import ScenarioConfig


@dataclass
class MonthFlows:
    """This month's flows, indexed by the structure's flow combos (R, C)."""

    shipped: np.ndarray
    delivered: np.ndarray
    interdicted: np.ndarray
    value: np.ndarray
    detected_value: np.ndarray = field(default_factory=lambda: np.zeros(0))

    def delivered_value(self) -> np.ndarray:
        """Value of what was delivered [USD], (R, C): shipped value times the delivered share."""
        return self.value * self.delivered / np.maximum(self.shipped, 1e-9)


class SanctionsModel(mesa.Model):
    """Russia, the DPRK, China and the bloc, simulated for R replicates at once.

    Args:
        config: A validated scenario.
        seed: The run's seed; replicate ``r`` uses ``SeedSequence(seed, spawn_key=(r,))``.
        replicates: Global indices of the replicates to simulate (default ``range(config.runs)``);
            they label the output rows.
        streams: Random-stream index of each replicate (default: ``replicates``). Replicate ``i`` draws
            from ``SeedSequence(seed, spawn_key=(streams[i],))``; rows of a design that share a stream
            index share every random number (common random numbers across design points).
        design: Per-replicate parameter values, ``{path: array of len(replicates)}``, applied after
            the scenario's uncertainties are drawn (paths as in ``uncertainties``).
        keep_ledger: Keep per-month production and consumption for conservation checks.
    """

    def __init__(
        self,
        *,
        config: ScenarioConfig,
        seed: int | None = None,
        replicates: Sequence[int] | None = None,
        streams: Sequence[int] | None = None,
        design: Mapping[str, Sequence[float] | np.ndarray] | None = None,
        keep_ledger: bool = False,
    ) -> None:
        seed = config.seed if seed is None else seed
        super().__init__(rng=seed)
        self.config = config
        self.seed = seed
        reps = list(range(config.runs)) if replicates is None else list(replicates)
        if not reps:
            raise ValueError("replicates: at least one replicate index")
        self.replicates = np.asarray(reps, dtype=np.int64)
        self.n_replicates = len(reps)
        ids = reps if streams is None else [int(x) for x in streams]
        if len(ids) != len(reps):
            raise ValueError(f"streams: one stream index per replicate ({len(reps)}), got {len(ids)}")
        self.streams = Streams(seed=seed, replicates=ids)
        self.params = ParamTable(config=config, streams=self.streams, design=design)
        self.codes = list(config.actors)
        self.actor_index = {c: i for i, c in enumerate(self.codes)}
        self.structure = Structure(config=config, params=self.params)
        self.start = pd.Period(config.start, freq="M")
        self.month = 0  # index of the month being simulated
        self.actors = [
            Actor(self, code=c, index=i, name=config.actors[c].name) for i, c in enumerate(self.codes)
        ]
        self._init_state()
        compliance.update(self)  # month 0 trades under the compliance its starting ties imply
        self.events = events.EventEngine(model=self)
        self.recorder = Recorder(model=self, keep_ledger=keep_ledger)

    # ------------------------------------------------------------------ state
    def _init_state(self) -> None:
        r, n, g = self.n_replicates, len(self.codes), len(GOODS)
        p = self.params
        self.stock = np.zeros((r, n, g))
        for i, c in enumerate(self.codes):
            for k, name in enumerate(GOOD_NAMES):
                self.stock[:, i, k] = p.get(f"actors.{c}.goods.{name}.stock", 0.0)
        self.gdp = self.actor_param("gdp") / 12.0  # USD/month
        self.gdp_history: list[np.ndarray] = [self.gdp.copy()]
        self.tech = self.actor_param("tech").copy()
        self.tech0 = self.tech.copy()
        self.capability = self.actor_param("capability").copy()
        self.capability0 = self.capability.copy()
        self.ties = np.zeros((r, n, n))
        for i, a in enumerate(self.codes):
            for j in range(i + 1, n):
                t = p[f"ties.{a}.{self.codes[j]}"]
                self.ties[:, i, j] = t
                self.ties[:, j, i] = t
        k = len(self.structure.routes)
        self.route_health = np.ones((r, k))
        self.detect_prob = np.zeros((r, k))
        self.effort_share = np.tile(self.structure.enforceable.astype(float), (r, 1))
        self.effort_share /= np.maximum(self.effort_share.sum(axis=1, keepdims=True), 1.0)
        self.arrears = np.zeros((r, n, n))  # arrears[i, j]: j owes i
        self.compliance = np.zeros(r)
        self.shortfall0: np.ndarray | None = None
        self.escalations = np.zeros(r, dtype=np.int64)
        self.escalation_due = np.full(r, -1, dtype=np.int64)
        self.last_metrics: dict[str, np.ndarray] = {}
        # (active flags, mask) of the last sanctioned-flows mask: rebuilt only when a regime changes
        self.sanctioned_cache: tuple[np.ndarray, np.ndarray] | None = None
        self.need = np.zeros((r, n, g))
        self.effort = np.zeros((r, k))
        self.p_detect = np.zeros((r, k))
        self.enforcement_cost = np.zeros(r)
        self.detected_total = np.zeros(r)
        self.secondary = np.zeros(r)
        self.sufficiency = np.ones(r)
        self.energy = np.zeros(r)
        self.frustration = np.zeros(r)

    # ------------------------------------------------------------------- step
    def step(self) -> None:
        """Simulate one month for every replicate, in the documented order."""
        t = self.month
        self.events.fire(t)  # 1. scenario events
        prod = production.produce_and_consume(self, t)  # 2. production and consumption
        value = trade.valuation(self)  # 3. valuation
        deal = trade.deals(self, value)  # 4. deals (barter included via netting in 7)
        flows = routes.ship(self, deal, t)  # 5-6. channels and interdiction
        pay = payments.settle(self, deal, flows, t)  # 7. payments
        compliance.update(self)  # 8. third-party compliance
        econ = economy.update(self, prod, pay, t)  # 9. economy
        military.update(self, prod, flows)  # 10. military and technology
        ties.update(self, deal, flows, pay, t)  # 11. ties
        policy.adapt(self, flows, t)  # 12. adaptive policy
        production.end_of_month(self, prod)
        self.recorder.record(t, prod=prod, deal=deal, flows=flows, pay=pay, econ=econ)
        self.month += 1

    def run(self, months: int | None = None) -> None:
        """Run ``months`` steps (default: the scenario's horizon)."""
        for _ in range(self.config.months if months is None else months):
            self.step()

    # --------------------------------------------------------------- helpers
    def actor_param(self, field: str) -> np.ndarray:
        """Read-only (R, N) array of ``actors.<CODE>.<field>`` over actors in scenario order."""
        return self.params.stack(tuple(f"actors.{c}.{field}" for c in self.codes))

    def date(self, month: int) -> pd.Timestamp:
        """First day of simulated month ``month``."""
        return (self.start + month).to_timestamp()
