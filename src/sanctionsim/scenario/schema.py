"""Typed schema of a scenario file.

Every model parameter is a field here, with its unit in the field description;
``docs/parameters.md`` is generated from these descriptions. Sources of the
baseline values are given beside them in ``scenarios/baseline.yaml``.
"""

from __future__ import annotations

import math
import re
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from sanctionsim.goods import GOOD_NAMES, PERSONNEL
from sanctionsim.scenario.fields import bounds_of, strip, unwrap, walk


class Kind(StrEnum):
    """What a numeric parameter is to the model: field metadata read by the model and the docs.

    Fields without a kind are ``DYNAMIC``.
    """

    DYNAMIC = "dynamic"  # events may change it per replicate; it may be drawn as an uncertainty
    INITIAL = "initial"  # initial state, read when the model is built: may be drawn, events cannot change it
    STRUCTURAL = "structural"  # fixes the model's structure: neither drawn nor changed by events


NonNeg = Annotated[float, Field(ge=0)]
Share = Annotated[float, Field(ge=0, le=1)]
Tie = Annotated[float, Field(ge=-1, le=1)]
MONTH_RE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


#: Years a calendar month may lie in (results hold dates as nanosecond timestamps, which end in 2262).
YEARS = (1900, 2199)


def _check_month(value: str) -> str:
    if not MONTH_RE.match(value):
        raise ValueError(f"a calendar month written YYYY-MM, got {value!r}")
    if not YEARS[0] <= int(value[:4]) <= YEARS[1]:
        raise ValueError(f"a calendar month from {YEARS[0]}-01 to {YEARS[1]}-12, got {value!r}")
    return value


class GoodHolding(_Model):
    """One actor's position in one good, and how its production capacity grows."""

    stock: Annotated[NonNeg, Kind.INITIAL] = Field(
        0.0, description="Initial stock; for personnel, the people at home ready to be sent [good unit]"
    )
    production: NonNeg = Field(
        0.0,
        description="Base production capacity; for personnel, people who become ready each month "
        "[good unit/month]",
    )
    need: NonNeg = Field(
        0.0,
        description="Monthly need (consumption demand); for personnel, the people a host wants deployed "
        "[good unit/month; persons for personnel]",
    )
    ceiling: NonNeg = Field(
        0.0, description="Most the capacity can grow to (0: no growth beyond the base) [good unit/month]"
    )
    ramp: Share = Field(
        0.0,
        description="Share of the gap between capacity and ceiling the state builds each month [1/month]",
    )
    invest_share: Share = Field(
        0.0, description="Share of the actor's export earnings invested in this capacity [share]"
    )
    capacity_cost: NonNeg = Field(
        0.0,
        description="Investment adding one unit a month of capacity (0: none) [USD per good unit/month]",
    )
    build_months: Annotated[int, Field(ge=0, le=36)] = Field(
        6, description="Months between investing and the capacity producing (time to build) [months]"
    )
    depreciation: Share = Field(0.0, description="Share of built capacity lost each month [1/month]")
    tech_gain: NonNeg = Field(
        0.0,
        description="Capacity added per technology unit received [good unit/month per transfer unit]",
    )


class Actor(_Model):
    """A state or bloc: one mesa.Agent."""

    name: str = Field(description="Display name [text]")
    gdp: Annotated[NonNeg, Kind.INITIAL] = Field(description="GDP at the start [USD/year]")
    trend_growth: float = Field(0.0, description="Trend real growth [1/year]")
    tech: Annotated[Share, Kind.INITIAL] = Field(0.5, description="Technology level [index 0-1]")
    capability: Annotated[NonNeg, Kind.INITIAL] = Field(
        1.0, description="Military capability [index, RUS 2023 = 1]"
    )
    risk_tolerance: Share = Field(
        0.0, description="Willingness to trade sanctioned goods despite detection risk [0-1]"
    )
    enforcer: Annotated[bool, Kind.STRUCTURAL] = Field(
        False, description="Spends on monitoring and interdiction of sanctioned flows [true/false]"
    )
    enforcement_budget: NonNeg = Field(0.0, description="Monitoring and interdiction spending [USD/month]")
    fx_income_share: Share = Field(
        0.02, description="Foreign currency earned each month outside modelled trade [share of monthly GDP]"
    )
    fx_import_share: Share = Field(
        0.02, description="Foreign currency spent each month on unmodelled imports [share of monthly GDP]"
    )
    trade_exposure_to_bloc: Share = Field(
        0.0,
        description="Share of the actor's trade with the bloc, which secondary sanctions put at risk [0-1]",
    )
    goods: dict[str, GoodHolding] = Field(
        default_factory=dict, description="Position per good [good name -> holding]"
    )
    ties: dict[str, Tie] = Field(default_factory=dict, description="Initial ties to other actors [-1, 1]")

    @field_validator("goods")
    @classmethod
    def _known_goods(cls, value: dict[str, GoodHolding]) -> dict[str, GoodHolding]:
        for g in value:
            if g not in GOOD_NAMES:
                raise ValueError(f"unknown good {g!r}; expected one of {', '.join(GOOD_NAMES)}")
        return value


class GoodParams(_Model):
    """Valuation of one good (Sugarscape-style marginal rate of substitution)."""

    unit_value: NonNeg = Field(description="Reference value of one unit [USD/good unit]")
    eta: NonNeg = Field(1.0, description="Elasticity of valuation to months of cover [-]")
    cover_months: NonNeg = Field(3.0, description="Months of need a buyer wants to hold (H) [months]")
    keep_months: NonNeg = Field(3.0, description="Months of need a seller keeps before exporting [months]")
    max_markup: NonNeg = Field(5.0, description="Cap on valuation relative to unit value [-]")
    trade_rate: Share = Field(0.5, description="Share of a gap or surplus traded per month [1/month]")
    per_container: NonNeg = Field(
        0.0, description="Units in one 20-foot container (0: not shipped in containers) [good unit/container]"
    )


class Route(_Model):
    """A channel for sanctioned goods (or cash) with capacity and detection."""

    capacity: NonNeg = Field(description="Capacity [USD/month of shipped value]")
    cost: NonNeg = Field(0.05, description="Transport and handling cost [share of value]")
    markup: NonNeg = Field(0.0, description="Intermediary markup [share of value]")
    kappa: NonNeg = Field(
        0.5, description="Detection efficiency: p = 1 - exp(-kappa * effort) [1/effort unit]"
    )
    lot_value: Annotated[float, Field(gt=0)] = Field(
        5e6, description="Typical value of one lot (ship, train, transfer) [USD]"
    )
    seize_share: Share = Field(0.8, description="Share of a detected lot that is seized [0-1]")
    designation_cut: Share = Field(
        0.05, description="Capacity lost per detected lot through designation of vessels or firms [share]"
    )
    rebuild_rate: Share = Field(0.05, description="Capacity recovered toward base per month [1/month]")
    closed_below: Share = Field(
        0.0, description="Health below which designations close the route until it is rebuilt [share]"
    )
    via: str | None = Field(
        None,
        description="The compliance actor, if the route runs through it and is throttled by it [actor code]",
    )
    cash: Annotated[bool, Kind.STRUCTURAL] = Field(
        False, description="A payment channel for cash rather than a physical route [true/false]"
    )
    goods: list[str] = Field(
        default_factory=list, description="Goods the route carries (empty: all physical) [good names]"
    )
    pairs: list[tuple[str, str]] = Field(
        default_factory=list,
        description="Unordered actor pairs the route connects (empty: any pair) [pairs of actor codes]",
    )


class Sanction(_Model):
    """A sanctions regime: flows of these goods to or from a target are sanctioned."""

    targets: list[str] = Field(description="Actors whose trade in the goods is sanctioned [actor codes]")
    goods: list[str] = Field(description="Sanctioned goods [good names]")
    caps: dict[str, NonNeg] = Field(
        default_factory=dict, description="Legal allowance to the targets per good [good unit/month]"
    )
    active: bool = Field(True, description="Whether the regime is in force at the start [true/false]")
    secondary: Share = Field(0.0, description="Strength of secondary sanctions on third parties [0-1]")


class Enforcement(_Model):
    """How enforcers turn budget into detection effort."""

    effort_per_usd: NonNeg = Field(1e-8, description="Effort units bought per USD of budget [1/USD]")
    monitoring: NonNeg = Field(1.0, description="Monitoring capacity multiplier (UN panel = 1) [-]")
    adaptation: Share = Field(0.3, description="Speed at which effort follows observed flows [1/month]")
    third_party_effort: NonNeg = Field(
        2.0, description="Effort a fully compliant third party adds on routes through it [effort units]"
    )


class Compliance(_Model):
    """Logistic compliance of a third party (China) with the sanctions regime."""

    actor: str = Field("CHN", description="The third party [actor code]")
    intercept: float = Field(-1.5, description="Logit intercept [-]")
    w_secondary: float = Field(6.0, description="Weight of exposure x secondary sanctions strength [-]")
    w_closeness: float = Field(1.0, description="Weight of unease at the tie between the partners [-]")
    w_ties: float = Field(2.0, description="Weight of the third party's mean tie to the partners [-]")
    derisking: Share = Field(
        0.0,
        description="Share of the third party's trade with the partners its firms and banks drop at full "
        "compliance, legal trade included (de-risking) [0-1]",
    )
    partners: tuple[str, str] = Field(
        ("RUS", "PRK"), description="The partnership it watches [two actor codes]"
    )


class War(_Model):
    """The belligerent's war: its demand for artillery rounds and for personnel."""

    actor: str = Field("RUS", description="The belligerent [actor code]")
    fire_rate: NonNeg = Field(description="Rounds fired per day at the start [rounds/day]")
    intensity: NonNeg = Field(1.0, description="Multiplier on the fire rate (events change it) [-]")
    trend: float = Field(0.0, description="Change of the fire rate per year [1/year]")
    noise_sd: NonNeg = Field(0.1, description="Month-to-month log-normal noise on demand [-]")
    persistence: Annotated[float, Field(ge=0, lt=1)] = Field(
        0.9, description="AR(1) persistence of the war-intensity path from month to month [-]"
    )
    path_sd: NonNeg = Field(
        0.0, description="Monthly innovation of the log war-intensity path (0: no path uncertainty) [-]"
    )
    personnel_elasticity: NonNeg = Field(
        1.0,
        description="Elasticity of the belligerent's need for personnel (workers, troops) to the war's "
        "intensity relative to its start (0: a fixed need; 1: proportional) [-]",
    )
    manpower_shortfall: NonNeg = Field(
        0.0,
        description="Troops the belligerent lacks per unit of war intensity; what a mutual-assistance "
        "clause asks allies to fill [persons]",
    )


class Economy(_Model):
    """Monthly GDP growth: trend + export lift - shortfall - sanction costs."""

    export_lift: NonNeg = Field(0.5, description="Growth per unit of (export earnings / GDP) [-]")
    shortfall_penalty: NonNeg = Field(0.01, description="Monthly growth lost at full unmet need [1/month]")
    sanction_cost: NonNeg = Field(
        0.002, description="Monthly growth lost per active regime targeting [1/month]"
    )
    noise_sd: NonNeg = Field(0.002, description="Monthly growth noise [1/month]")
    production_noise_sd: NonNeg = Field(0.05, description="Log-normal noise on monthly production [-]")


class Military(_Model):
    """Technology absorption and Richardson-style capability dynamics."""

    psi: NonNeg = Field(
        0.0005, description="Technology absorbed per transfer unit received [1/transfer unit]"
    )
    adjustment: Share = Field(
        0.05, description="Speed at which capability moves to its sustainable level [1/month]"
    )
    reaction: NonNeg = Field(
        0.002, description="Richardson reaction: growth per unit of hostile capability [1/month]"
    )


class RouteChoice(_Model):
    """Logit choice of route for sanctioned flows."""

    scale: Annotated[float, Field(gt=0)] = Field(
        0.05, description="Logit scale: cost difference (share of value) that changes odds by e [-]"
    )
    risk_aversion: NonNeg = Field(1.0, description="Weight of last month's detection probability [-]")


class Payments(_Model):
    """Settlement of bilateral balances."""

    credit_limit: NonNeg = Field(
        2.0, description="Arrears at which a seller's willingness halves [months of the seller's GDP]"
    )


class TieDynamics(_Model):
    """Speeds of the forces on ties (all per month)."""

    speed: Share = Field(0.1, description="Share of the gap to the tie target closed per month [1/month]")
    trade_gain: NonNeg = Field(
        0.3, description="Largest target lift from trade; half of it at trade worth 2% of the smaller GDP [-]"
    )
    shared_adversary: NonNeg = Field(0.3, description="Target lift when both are hostile to a third [-]")
    entrapment: NonNeg = Field(0.05, description="Target drop from the partner's war burden [-]")
    abandonment: NonNeg = Field(0.3, description="Target drop at full unmet requests [-]")
    unease: NonNeg = Field(
        0.0, description="Target drop of the third party's ties to the partners per unit of their tie [-]"
    )
    noise_sd: NonNeg = Field(0.01, description="Monthly tie noise [-]")
    willingness_midpoint: Tie = Field(0.0, description="Tie at which partners trade at half willingness [-]")
    willingness_scale: Annotated[float, Field(gt=0)] = Field(
        0.15, description="Logistic scale of trade willingness in the tie [-]"
    )


class AdaptivePolicy(_Model):
    """The bloc escalates once detected flows cross a threshold, after a lag."""

    enabled: bool = Field(False, description="Whether the bloc adapts [true/false]")
    threshold: NonNeg = Field(
        5e7, description="Detected sanctioned value that triggers escalation [USD/month]"
    )
    lag: Annotated[int, Field(ge=0)] = Field(3, description="Months between trigger and escalation [months]")
    budget_step: NonNeg = Field(0.5, description="Budget increase per escalation [share of current]")
    secondary_step: Share = Field(0.1, description="Secondary sanctions strength added per escalation [-]")
    max_escalations: Annotated[int, Field(ge=0)] = Field(3, description="Most escalations in a run [count]")


class Contract(_Model):
    """A bilateral in-kind contract: the supplier delivers goods (or the services of people it has
    deployed) and the buyer pays a basket of goods, by value shares; cash settles the rest. Each side
    delivers in proportion to its trust that the other pays (relational contracting)."""

    supplier: str = Field(description="Actor delivering the goods [actor code]")
    buyer: str = Field(description="Actor paying for them [actor code]")
    goods: list[str] = Field(
        description="Goods the supplier delivers; personnel: their services [good names]"
    )
    payment: dict[str, Share] = Field(
        description="The buyer's in-kind payment by value share, at most 1 in all; cash settles the rest "
        "(a 'cash' entry documents its share) [good -> share]"
    )
    terms: NonNeg = Field(1.0, description="Price of the supplier's goods relative to the market price [-]")
    trust: Annotated[Share, Kind.INITIAL] = Field(
        0.8, description="Each side's trust in the other at the start [0-1]"
    )
    trust_speed: Share = Field(
        0.2, description="Share of the gap to the latest delivery ratio trust moves each month [1/month]"
    )


class Deployment(_Model):
    """People a sender deploys to a host: a stock with rotation and attrition, filled at the host's
    request as far as the sender is willing."""

    sender: str = Field(description="Actor sending the people [actor code]")
    host: str = Field(description="Actor they serve [actor code]")
    good: str = Field(description="Which people: a personnel good (workers, troops) [good name]")
    deployed: Annotated[NonNeg, Kind.INITIAL] = Field(
        0.0, description="People deployed at the start [persons]"
    )
    rotation_months: Annotated[float, Field(gt=0)] = Field(
        24.0, description="Average stay before going home (contract length or rotation) [months]"
    )
    attrition: Share = Field(0.0, description="Share of the deployed lost each month (casualties) [1/month]")
    speed: Share = Field(0.2, description="Share of the host's unmet request sent each month [1/month]")
    assistance_invoked: bool = Field(
        False,
        description="The host has invoked a mutual-assistance clause with the sender: it also asks for "
        "a share of its manpower shortfall (events set it) [true/false]",
    )
    shortfall_share: Share = Field(
        0.0,
        description="Share of the host's manpower shortfall (war.manpower_shortfall times the war's "
        "intensity) it asks the sender to fill while the clause is invoked [share]",
    )

    @field_validator("good")
    @classmethod
    def _personnel(cls, value: str) -> str:
        if value not in PERSONNEL:
            raise ValueError(f"a personnel good, one of {', '.join(PERSONNEL)}; got {value!r}")
        return value


class Action(_Model):
    """Changes an event makes to event-settable parameters (see docs/model.md)."""

    set: dict[str, float] = Field(
        default_factory=dict, description="Parameter paths set to a value [path -> parameter unit]"
    )
    add: dict[str, float] = Field(
        default_factory=dict, description="Parameter paths changed by a delta [path -> parameter unit]"
    )
    scale: dict[str, float] = Field(
        default_factory=dict, description="Parameter paths multiplied by a factor [path -> factor]"
    )


class Event(Action):
    """Something that happens at a date or when a condition first holds."""

    name: str = Field(description="Event name, as written to the event log [text]")
    at: str | None = Field(None, description="Calendar month at which it fires [YYYY-MM]")
    when: str | None = Field(None, description="Condition in the safe expression grammar [expression]")
    description: str = Field("", description="What happened [text]")

    @field_validator("at")
    @classmethod
    def _month(cls, value: str | None) -> str | None:
        return None if value is None else _check_month(value)

    @field_validator("when")
    @classmethod
    def _condition(cls, value: str | None) -> str | None:
        if value is not None:
            from sanctionsim.scenario.expressions import parse

            parse(value, functions={})  # no function calls in conditions
        return value

    @model_validator(mode="after")
    def _one_trigger(self) -> Event:
        if (self.at is None) == (self.when is None):
            raise ValueError("exactly one of 'at' (YYYY-MM) or 'when' (a condition)")
        return self


class Uncertainty(_Model):
    """A parameter drawn per replicate (EMA Workbench's uncertainty)."""

    low: float = Field(description="Lower bound [parameter unit]")
    high: float = Field(description="Upper bound [parameter unit]")
    dist: Literal["uniform", "loguniform"] = Field(
        "uniform", description="Distribution between the bounds [uniform/loguniform]"
    )
    reason: str = Field("", description="Why this range: its source or the argument for it [text]")

    @model_validator(mode="after")
    def _ordered(self) -> Uncertainty:
        if self.high < self.low:
            raise ValueError("high >= low")
        if self.dist == "loguniform" and self.low <= 0:
            raise ValueError("low > 0 for a loguniform distribution")
        return self


class Claim(_Model):
    """An analyst's checkable prediction (scored by `sanctionsim check`)."""

    id: str = Field(description="Short identifier [text]")
    text: str = Field(description="The claim in words [text]")
    expr: str = Field(description="Expression over windowed metric aggregates [expression]")
    by: str = Field("", description="Who made it [text]")


class ScenarioConfig(_Model):
    """A whole scenario file after `extends` and overrides are resolved."""

    title: str = Field(description="One-line title [text]")
    description: str = Field("", description="What the scenario encodes [text]")
    claim: str = Field("", description="The quoted claim the scenario encodes [text]")
    by: str = Field("", description="Who made the claim [text]")
    start: str = Field(description="First simulated month [YYYY-MM]")
    months: Annotated[int, Field(ge=1, le=240)] = Field(description="Horizon [months]")
    runs: Annotated[int, Field(ge=1)] = Field(200, description="Default number of replicates [runs]")
    seed: Annotated[int, Field(ge=0)] = Field(42, description="Default seed [integer]")
    actors: dict[str, Actor] = Field(description="Actors keyed by upper-case code [code -> actor]")
    goods: dict[str, GoodParams] = Field(description="Valuation parameters per good [good -> parameters]")
    routes: dict[str, Route] = Field(description="Channels for sanctioned goods and cash [name -> route]")
    contracts: dict[str, Contract] = Field(
        default_factory=dict, description="Bilateral in-kind contracts [name -> contract]"
    )
    deployments: dict[str, Deployment] = Field(
        default_factory=dict, description="People deployed abroad [name -> deployment]"
    )
    sanctions: dict[str, Sanction] = Field(
        default_factory=dict, description="Sanctions regimes [name -> regime]"
    )
    enforcement: Enforcement = Field(default_factory=Enforcement, description="Enforcement effort [section]")
    compliance: Compliance = Field(default_factory=Compliance, description="Third-party compliance [section]")
    war: War = Field(description="War demand for shells [section]")
    economy: Economy = Field(default_factory=Economy, description="GDP growth [section]")
    military: Military = Field(default_factory=Military, description="Technology and capability [section]")
    route_choice: RouteChoice = Field(default_factory=RouteChoice, description="Route choice [section]")
    payments: Payments = Field(default_factory=Payments, description="Settlement [section]")
    tie_dynamics: TieDynamics = Field(default_factory=TieDynamics, description="Tie dynamics [section]")
    adaptive_policy: AdaptivePolicy = Field(
        default_factory=AdaptivePolicy, description="Adaptive bloc policy [section]"
    )
    events: list[Event] = Field(default_factory=list, description="Scenario events [list of events]")
    uncertainties: dict[str, Uncertainty] = Field(
        default_factory=dict, description="Parameters drawn per replicate [path -> range]"
    )
    claims: list[Claim] = Field(default_factory=list, description="Checkable predictions [list of claims]")
    reporting: dict[str, Share] = Field(
        default_factory=dict,
        description="Share of a pair's open trade in customs statistics, keyed 'A-B' (default 1) [0-1]",
    )
    sources: dict[str, str] = Field(
        default_factory=dict, description="Where parameter values come from [path -> text]"
    )

    @field_validator("start")
    @classmethod
    def _start(cls, value: str) -> str:
        return _check_month(value)

    @model_validator(mode="after")
    def _references(self) -> ScenarioConfig:
        codes = set(self.actors)
        if len(codes) < 2:
            raise ValueError("at least two actors")
        for code, actor in self.actors.items():
            for other in actor.ties:
                if other not in codes or other == code:
                    raise ValueError(
                        f"actors.{code}.ties.{other}: another actor's code, one of {sorted(codes)}"
                    )
        for g in GOOD_NAMES:
            if g not in self.goods:
                raise ValueError(f"goods.{g}: valuation parameters for every good ({', '.join(GOOD_NAMES)})")
        for name, route in self.routes.items():
            for pair in route.pairs:
                for code in pair:
                    if code not in codes:
                        raise ValueError(
                            f"routes.{name}.pairs: actor codes, one of {sorted(codes)}; got {code}"
                        )
            for g in route.goods:
                if g not in GOOD_NAMES:
                    raise ValueError(f"routes.{name}.goods: goods, one of {', '.join(GOOD_NAMES)}; got {g}")
            if route.via is not None and route.via != self.compliance.actor:
                raise ValueError(
                    f"routes.{name}.via: the compliance actor {self.compliance.actor!r}, or no via"
                )
        for name, regime in self.sanctions.items():
            for code in regime.targets:
                if code not in codes:
                    raise ValueError(f"sanctions.{name}.targets: actor codes, one of {sorted(codes)}")
            for g in [*regime.goods, *regime.caps]:
                if g not in GOOD_NAMES:
                    raise ValueError(f"sanctions.{name}.goods: goods, one of {', '.join(GOOD_NAMES)}")
        for name, c in self.contracts.items():
            for role, code in (("supplier", c.supplier), ("buyer", c.buyer)):
                if code not in codes:
                    raise ValueError(
                        f"contracts.{name}.{role}: an actor code, one of {sorted(codes)}; got {code}"
                    )
            if c.supplier == c.buyer:
                raise ValueError(f"contracts.{name}: supplier and buyer must differ")
            for key, goods in (("goods", c.goods), ("payment", list(c.payment))):
                for g in goods:
                    if g not in GOOD_NAMES:
                        raise ValueError(
                            f"contracts.{name}.{key}: goods, one of {', '.join(GOOD_NAMES)}; got {g}"
                        )
            if "cash" in c.goods:
                raise ValueError(f"contracts.{name}.goods: cash is the payment, not a good delivered")
            in_kind = sum(v for k, v in c.payment.items() if k != "cash")
            if in_kind > 1.0 + 1e-9:
                raise ValueError(
                    f"contracts.{name}.payment: in-kind value shares of at most 1 in all, got {in_kind:g}"
                )
        seen_deployments: dict[tuple[str, str, str], str] = {}
        for name, d in self.deployments.items():
            for role, code in (("sender", d.sender), ("host", d.host)):
                if code not in codes:
                    raise ValueError(
                        f"deployments.{name}.{role}: an actor code, one of {sorted(codes)}; got {code}"
                    )
            if d.sender == d.host:
                raise ValueError(f"deployments.{name}: sender and host must differ")
            key3 = (d.sender, d.host, d.good)
            if key3 in seen_deployments:
                raise ValueError(
                    f"deployments.{name}: the same people as deployments.{seen_deployments[key3]}"
                )
            seen_deployments[key3] = name
        for key in self.reporting:
            pair = key.split("-")
            if len(pair) != 2 or not set(pair) <= codes:
                raise ValueError(f"reporting.{key}: a pair of actor codes written A-B, from {sorted(codes)}")
        for role in (self.war.actor, self.compliance.actor, *self.compliance.partners):
            if role not in codes:
                raise ValueError(f"war/compliance actor {role!r}: one of {sorted(codes)}")
        return self


def describe_bounds(low: float, high: float) -> str:
    """Say what a range from :func:`field_bounds` allows: ``a value in [0, 1]``, ``a value > 0``."""
    lower = "> 0" if low == math.nextafter(0.0, math.inf) else None
    if lower is not None and high == math.inf:
        return f"a value {lower}"
    return f"a value in [{low:g}, {high:g}]"


def field_bounds(path: str) -> tuple[float, float]:
    """The [low, high] a numeric scenario value may take, from the schema (infinite when open).

    ``path`` is a dotted path into :class:`ScenarioConfig`, with mapping keys in place
    (``actors.PRK.goods.shells.stock``, ``sanctions.un_dprk.caps.oil``). Booleans are [0, 1].
    """
    _, annotation, _ = walk(ScenarioConfig, tuple(path.split(".")), union_markers=False)
    bare, constraints = unwrap(annotation)
    if strip(bare) is bool:
        return 0.0, 1.0
    return bounds_of(constraints)


def field_kind(path: str) -> Kind:
    """Whether the value at a dotted path is dynamic, initial state or structure (:class:`Kind`).

    ``path`` is as in :func:`field_bounds`; paths the schema does not know are ``DYNAMIC``.
    """
    _, annotation, _ = walk(ScenarioConfig, tuple(path.split(".")), union_markers=False)
    _, constraints = unwrap(annotation)
    kinds = [c for c in constraints if isinstance(c, Kind)]
    return kinds[0] if kinds else Kind.DYNAMIC
