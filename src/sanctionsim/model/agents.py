"""Actor: one state or bloc, a ``mesa.Agent`` whose decisions are vectorised over replicates.

What an actor chooses belongs to it: what it produces and needs, what it offers and holds back,
what it wants, with whom it is willing to trade, how much sanctioned risk it accepts, which
routes it sends by, and (for the roles that have one) its compliance and its policy. Each
decision is a method computing the actor's row for every replicate at once; the processes (the
market, the routes, the payment system: the environment) call them through ``model.agents``.
"""

from __future__ import annotations

import mesa
import numpy as np

from sanctionsim.constants import EPS, HEADROOM
from sanctionsim.goods import CASH, GOOD_INDEX, PERSONNEL
from sanctionsim.model import channels
from sanctionsim.model.pars import (
    ActorPars,
    AdaptivePolicyPars,
    CompliancePars,
    EconomyPars,
    GoodPars,
    PaymentPars,
    RouteChoicePars,
    RoutePars,
    SanctionPars,
    TieDynamicsPars,
    WarPars,
)
from sanctionsim.model.state import EconomyState, MilitaryState, TieState
from sanctionsim.model.world import World

SHELLS = GOOD_INDEX["shells"]
PEOPLE = [GOOD_INDEX[g] for g in PERSONNEL]
DAYS_PER_MONTH = 365.25 / 12
Array = np.ndarray


class Actor(mesa.Agent):
    """A state or bloc.

    Args:
        model: The Mesa model the agent belongs to.
        world: The batch's shared world (roles, streams, states); decisions get the parameters they
            use as arguments, from the process that asks.
        code: Upper-case actor code (RUS, PRK, CHN, BLOC, ...).
        index: Position on the actor axis of every (R, N, ...) array.
        name: Display name.
    """

    def __init__(self, model: mesa.Model, *, world: World, code: str, index: int, name: str) -> None:
        super().__init__(model)
        self.world = world
        self.code = code
        self.index = index
        self.name = name
        # the month's route weights, for the inputs they were computed from (a month's detection
        # probability is a new array each month; parameters change only between the steps that ask)
        self._route_memo: tuple[Array, RoutePars, RouteChoicePars, Array] | None = None

    def __repr__(self) -> str:
        return f"Actor({self.code!r}, R={self.world.n_replicates})"

    # ------------------------------------------------------------------ state
    @property
    def gdp(self) -> Array:
        """GDP at annual rate [USD/year], (R,)."""
        return self.world.state(EconomyState).gdp[:, self.index] * 12.0

    @property
    def stocks(self) -> Array:
        """Stocks of every good, (R, G), goods in ``goods.GOOD_NAMES`` order."""
        return self.world.ledger.stock[:, self.index, :]

    def stock(self, good: str) -> Array:
        """Stock of one good, (R,)."""
        return self.world.ledger.stock[:, self.index, GOOD_INDEX[good]]

    @property
    def reserves(self) -> Array:
        """Foreign-currency reserves [USD], (R,)."""
        return self.world.ledger.stock[:, self.index, CASH]

    @property
    def tech(self) -> Array:
        """Technology level in [0, 1], (R,)."""
        return self.world.state(MilitaryState).tech[:, self.index]

    @property
    def capability(self) -> Array:
        """Military capability index, (R,)."""
        return self.world.state(MilitaryState).capability[:, self.index]

    def tie(self, other: str) -> Array:
        """Tie to another actor in [-1, 1], (R,)."""
        return self.world.state(TieState).ties[:, self.index, self.world.roles.index(other)]

    # ------------------------------------------------------------- production
    def produce(
        self,
        t: int,
        gdp: Array,
        capacity: Array,
        intensity: Array,
        start: Array,
        *,
        actors: ActorPars,
        war: WarPars,
        economy: EconomyPars,
    ) -> tuple[Array, Array]:
        """This month's production and need of every good, each (R, G), given every actor's GDP (R, N),
        production capacity (R, N, G), the war's intensity this month (R,) and at the start (R,).

        Production is capacity times log-normal noise; cash is foreign-currency income
        (``fx_income_share`` of monthly GDP) and its need unmodelled imports (``fx_import_share``).
        The belligerent needs ``fire_rate * intensity * (1 + trend) ** years`` rounds a day, with
        log-normal noise, and its need for personnel scales with the intensity relative to the start:
        ``need * (intensity / start) ** personnel_elasticity`` (unscaled where the start is 0).
        """
        i = self.index
        produced = capacity[:, i, :].copy()
        need = actors.need[:, i, :].copy()
        z = self.world.streams.normal(f"production:{self.code}", t, produced.shape[1])
        sd = economy.production_noise_sd[:, None]
        produced *= np.exp(sd * z - 0.5 * sd**2)
        produced[:, CASH] = actors.fx_income_share[:, i] * gdp[:, i]
        need[:, CASH] = actors.fx_import_share[:, i] * gdp[:, i]
        if self.code == self.world.roles.war:
            zw = self.world.streams.normal("war_demand", t, 1)[:, 0]
            fire = war.fire_rate * intensity * (1.0 + war.trend) ** (t / 12.0)
            need[:, SHELLS] = fire * DAYS_PER_MONTH * np.exp(war.noise_sd * zw - 0.5 * war.noise_sd**2)
            relative = np.where(start > 0, intensity / np.maximum(start, EPS), 1.0)
            need[:, PEOPLE] *= (relative**war.personnel_elasticity)[:, None]
        return produced, need

    # ----------------------------------------------------------------- market
    def offer(self, stock: Array, need: Array, *, goods: GoodPars) -> Array:
        """What it offers of each good, (R, G): ``trade_rate`` of its stock above ``keep_months`` of need."""
        offer = goods.trade_rate * np.maximum(0.0, stock - goods.keep_months * need) * HEADROOM
        offer[:, CASH] = 0.0
        return offer

    def want(self, stock: Array, need: Array, *, goods: GoodPars) -> Array:
        """What it wants of each good, (R, G): ``trade_rate`` of its gap to ``cover_months`` of need."""
        want = goods.trade_rate * np.maximum(0.0, goods.cover_months * need - stock)
        want[:, CASH] = 0.0
        return want

    def willingness(
        self,
        ties: Array,
        arrears: Array,
        gdp: Array,
        *,
        tie_dynamics: TieDynamicsPars,
        payments: PaymentPars,
    ) -> Array:
        """Willingness to trade with each actor, (R, N), zero with itself.

        A logistic function of its tie to the other, halved when the other's arrears to it reach
        ``credit_limit`` months of its GDP. A third party that de-risks trades less with the
        partners both ways (see :meth:`derisk`).
        """
        i = self.index
        mid = tie_dynamics.willingness_midpoint[:, None]
        scale = tie_dynamics.willingness_scale[:, None]
        w = 1.0 / (1.0 + np.exp(-(ties[:, i, :] - mid) / scale))
        limit = payments.credit_limit[:, None] * gdp[:, i][:, None]
        w = w / (1.0 + arrears[:, i, :] / np.maximum(limit, EPS))
        w[:, i] = 0.0
        return w

    def derisk(self, compliance: Array, *, compliance_pars: CompliancePars) -> Array:
        """The share of its trade with the watched partners the third party keeps, (R,): at compliance
        ``c`` its firms and banks drop ``derisking * c`` of it, legal trade included, buying and
        selling alike (1 for any other actor)."""
        if self.code != self.world.roles.third:
            return np.ones_like(compliance)
        return 1.0 - compliance_pars.derisking * compliance

    def risk_tolerance(self, compliance: Array, *, actors: ActorPars) -> Array:
        """Share of a sanctioned deal it accepts, (R,): its ``risk_tolerance``, less its compliance."""
        own = compliance if self.code == self.world.roles.third else np.zeros_like(compliance)
        return actors.risk_tolerance[:, self.index] * (1.0 - own)

    # ----------------------------------------------------------------- routes
    def route_weights(self, detect_prob: Array, *, routes: RoutePars, route_choice: RouteChoicePars) -> Array:
        """Logit weights of the routes it sends sanctioned goods or cash by, (R, K); 0 on the open route.

        Utility is minus the expected cost share: cost + markup + ``risk_aversion`` x the share
        expected to be seized at last month's detection probability, over the logit ``scale``.
        """
        memo = self._route_memo
        if memo is not None and memo[0] is detect_prob and memo[1] is routes and memo[2] is route_choice:
            return memo[3]  # asked again this month (legality, then shipping of goods and cash)
        seized = channels.seized_share(detect_prob, routes)
        cost = routes.cost + routes.markup
        util = -(cost + route_choice.risk_aversion[:, None] * seized) / route_choice.scale[:, None]
        expu = np.exp(util - util.max(axis=1, keepdims=True))
        expu[:, 0] = 0.0
        expu.flags.writeable = False
        self._route_memo = (detect_prob, routes, route_choice, expu)
        return expu

    # ------------------------------------------------------ third party, bloc
    def comply(
        self, ties: Array, *, sanctions: SanctionPars, actors: ActorPars, compliance: CompliancePars
    ) -> tuple[Array, Array]:
        """The third party's compliance with the sanctions regime and the secondary sanctions it faces.

        ``c = logistic(intercept + w_secondary * exposure * secondary + w_closeness * max(0, tie
        between the partners) - w_ties * its mean tie to the partners)``, with ``secondary`` the
        strongest secondary sanctions among active regimes.

        Returns:
            Compliance (R,) in [0, 1], and secondary-sanctions strength (R,).
        """
        roles = self.world.roles
        a, b = roles.index(roles.war), roles.index(roles.partner)
        secondary = np.max(sanctions.secondary * sanctions.active, axis=1, initial=0.0)
        exposure = actors.trade_exposure_to_bloc[:, self.index]
        closeness = np.maximum(0.0, ties[:, a, b])
        own = 0.5 * (ties[:, self.index, a] + ties[:, self.index, b])
        c = compliance
        logit = (
            c.intercept + c.w_secondary * exposure * secondary + c.w_closeness * closeness - c.w_ties * own
        )
        return 1.0 / (1.0 + np.exp(-logit)), secondary

    def escalated_budget(self, now: Array, *, actors: ActorPars, policy: AdaptivePolicyPars) -> Array:
        """An enforcer's budget after an escalation in the replicates ``now`` (R,) [USD/month]."""
        budget = actors.enforcement_budget[:, self.index]
        return np.where(now, budget * (1.0 + policy.budget_step), budget)
