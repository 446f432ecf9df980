"""Parameters as typed views over replicates, built once per batch.

Every numeric scenario value becomes a column of an array whose first axis is the replicate:
``pars.routes.kappa`` is (R, K), ``pars.actors.enforcement_budget`` is (R, N),
``pars.actors.production`` is (R, N, G), ``pars.war.fire_rate`` is (R,). Step code reads these
attributes; it never reads a parameter by a string path.

String paths (``routes.rail.capacity``) exist only where a scenario file names a parameter: its
``uncertainties`` (drawn per replicate), a design's values, and its events (which change values in
the replicates where they fire). :class:`Pars` resolves such a path once to the array cells it
names and writes them. What a path may be is the schema's field metadata
(:class:`~sanctionsim.scenario.schema.Kind`): dynamic, initial state or structure.

The arrays are read-only; only :meth:`Pars.set` and :meth:`Pars.assign` write them.
"""

from __future__ import annotations

import dataclasses
import difflib
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from pydantic import BaseModel

from sanctionsim.goods import GOOD_INDEX, GOOD_NAMES
from sanctionsim.model.streams import Streams
from sanctionsim.scenario import schema
from sanctionsim.scenario.fields import own_fields
from sanctionsim.scenario.schema import Kind, ScenarioConfig, describe_bounds, field_bounds, field_kind

Array = np.ndarray
Index = tuple[Any, ...]

#: Values of the open route (route 0: recorded legal trade, unlimited and not interdicted).
OPEN_ROUTE: Mapping[str, float] = {"capacity": math.inf, "lot_value": 1.0}


@dataclass(frozen=True)
class ActorPars:
    """Per-actor parameters, (R, N); holdings per actor and good, (R, N, G)."""

    gdp: Array
    trend_growth: Array
    tech: Array
    capability: Array
    risk_tolerance: Array
    enforcement_budget: Array
    fx_income_share: Array
    fx_import_share: Array
    trade_exposure_to_bloc: Array
    stock: Array
    production: Array
    need: Array
    ceiling: Array
    ramp: Array
    invest_share: Array
    capacity_cost: Array
    build_months: Array
    depreciation: Array
    tech_gain: Array


@dataclass(frozen=True)
class GoodPars:
    """Valuation parameters per good, (R, G)."""

    unit_value: Array
    eta: Array
    cover_months: Array
    keep_months: Array
    max_markup: Array
    trade_rate: Array
    per_container: Array


@dataclass(frozen=True)
class RoutePars:
    """Route parameters, (R, K); column 0 is the open route (:data:`OPEN_ROUTE`, else 0)."""

    capacity: Array
    cost: Array
    markup: Array
    kappa: Array
    lot_value: Array
    seize_share: Array
    designation_cut: Array
    rebuild_rate: Array
    closed_below: Array


@dataclass(frozen=True)
class SanctionPars:
    """Sanctions regimes, (R, S); ``caps`` (R, S, G) is zero where a regime sets no cap."""

    active: Array
    secondary: Array
    caps: Array


@dataclass(frozen=True)
class TiePars:
    """Per pair of actors, (R, N, N) and symmetric: affinity (``ties.A.B``) and treaty (``treaty.A.B``)."""

    affinity: Array
    treaty: Array


@dataclass(frozen=True)
class ContractPars:
    """Contracts, (R, C); ``payment`` (R, C, G) is the buyer's value share in each good."""

    terms: Array
    trust: Array
    trust_speed: Array
    payment: Array


@dataclass(frozen=True)
class DeploymentPars:
    """Deployments of people, (R, D)."""

    deployed: Array
    rotation_months: Array
    attrition: Array
    speed: Array
    assistance_invoked: Array
    shortfall_share: Array


@dataclass(frozen=True)
class EnforcementPars:
    """How enforcers turn budget into detection effort, (R,)."""

    effort_per_usd: Array
    monitoring: Array
    adaptation: Array
    third_party_effort: Array


@dataclass(frozen=True)
class CompliancePars:
    """The third party's logistic compliance, (R,)."""

    intercept: Array
    w_secondary: Array
    w_closeness: Array
    w_ties: Array
    derisking: Array


@dataclass(frozen=True)
class WarPars:
    """The belligerent's demand for rounds and personnel, (R,)."""

    fire_rate: Array
    intensity: Array
    trend: Array
    noise_sd: Array
    persistence: Array
    path_sd: Array
    personnel_elasticity: Array
    manpower_shortfall: Array


@dataclass(frozen=True)
class EconomyPars:
    """GDP growth, (R,)."""

    export_lift: Array
    shortfall_penalty: Array
    sanction_cost: Array
    noise_sd: Array
    production_noise_sd: Array


@dataclass(frozen=True)
class MilitaryPars:
    """Technology absorption and capability, (R,)."""

    psi: Array
    adjustment: Array
    reaction: Array


@dataclass(frozen=True)
class RouteChoicePars:
    """Logit route choice, (R,)."""

    scale: Array
    risk_aversion: Array


@dataclass(frozen=True)
class PaymentPars:
    """Settlement, (R,)."""

    credit_limit: Array


@dataclass(frozen=True)
class TieDynamicsPars:
    """Forces on ties, (R,)."""

    speed: Array
    trade_gain: Array
    shared_adversary: Array
    entrapment: Array
    abandonment: Array
    unease: Array
    noise_sd: Array
    willingness_midpoint: Array
    willingness_scale: Array


@dataclass(frozen=True)
class AdaptivePolicyPars:
    """The bloc's adaptive escalation, (R,)."""

    enabled: Array
    threshold: Array
    lag: Array
    budget_step: Array
    secondary_step: Array
    max_escalations: Array


#: Sections of one value each, (R,): schema section -> (view class, schema model).
SCALAR_SECTIONS: Mapping[str, tuple[type, type[BaseModel]]] = {
    "enforcement": (EnforcementPars, schema.Enforcement),
    "compliance": (CompliancePars, schema.Compliance),
    "war": (WarPars, schema.War),
    "economy": (EconomyPars, schema.Economy),
    "military": (MilitaryPars, schema.Military),
    "route_choice": (RouteChoicePars, schema.RouteChoice),
    "payments": (PaymentPars, schema.Payments),
    "tie_dynamics": (TieDynamicsPars, schema.TieDynamics),
    "adaptive_policy": (AdaptivePolicyPars, schema.AdaptivePolicy),
}


def numeric_fields(model: type[BaseModel], *, structural: bool = False) -> tuple[str, ...]:
    """Names of a schema model's numeric fields (numbers and booleans), in declaration order.

    Args:
        model: The schema model.
        structural: Include fields that fix the model's structure (``Kind.STRUCTURAL``).
    """
    return tuple(
        name
        for name, annotation, markers, _ in own_fields(model)
        if annotation in (float, int, bool) and (structural or Kind.STRUCTURAL not in markers)
    )


#: The scenario section each view reads.
VIEW_SECTIONS: Mapping[type, str] = {
    ActorPars: "actors",
    GoodPars: "goods",
    RoutePars: "routes",
    SanctionPars: "sanctions",
    TiePars: "ties/treaty",
    ContractPars: "contracts",
    DeploymentPars: "deployments",
    **{view: section for section, (view, _) in SCALAR_SECTIONS.items()},
}

#: Schema sections whose numeric values are parameters (the rest is metadata, events, claims...).
SECTIONS: tuple[str, ...] = (
    "actors",
    "goods",
    "routes",
    "sanctions",
    "contracts",
    "deployments",
    *SCALAR_SECTIONS,
)


#: Per-actor fields of ``actors.<CODE>`` and of ``actors.<CODE>.goods.<good>``.
ACTOR_FIELDS = numeric_fields(schema.Actor)
HOLDING_FIELDS = numeric_fields(schema.GoodHolding)


def _readonly(arr: Array) -> Array:
    arr.flags.writeable = False
    return arr


class Pars:
    """A scenario's parameters for a batch of replicates, as typed views (see the module docstring).

    Args:
        config: The validated scenario.
        streams: The batch's random streams; uncertainties draw from ``uncertainty:<path>``.
        design: Per-replicate values ``{path: (R,) values}`` that replace the scenario's value (or
            its drawn uncertainty) of each path.

    Raises:
        ValueError: Naming ``uncertainties.<path>`` or ``design.<path>`` for a path that does not
            exist or may not vary, or a design value out of its schema range.
    """

    def __init__(
        self, *, config: ScenarioConfig, streams: Streams, design: Mapping[str, Any] | None = None
    ) -> None:
        r = len(streams.replicates)
        codes = list(config.actors)
        n, g = len(codes), len(GOOD_NAMES)
        self.n_replicates = r
        self.codes = codes
        self._cells: dict[str, list[tuple[Array, Index]]] = {}

        def full(shape: tuple[int, ...], value: float = 0.0) -> Array:
            return np.full((r, *shape), value, dtype=float)

        # actors and their holdings
        act = {f: full((n,)) for f in ACTOR_FIELDS}
        hold = {f: full((n, g)) for f in HOLDING_FIELDS}
        for i, (code, actor) in enumerate(config.actors.items()):
            for f in ACTOR_FIELDS:
                act[f][:, i] = float(getattr(actor, f))
                self._cells[f"actors.{code}.{f}"] = [(act[f], (slice(None), i))]
            for k, good in enumerate(GOOD_NAMES):
                holding = actor.goods.get(good)
                for f in HOLDING_FIELDS:
                    if holding is not None:
                        hold[f][:, i, k] = float(getattr(holding, f))
                    self._cells[f"actors.{code}.goods.{good}.{f}"] = [(hold[f], (slice(None), i, k))]
        self.actors = ActorPars(**act, **hold)
        # goods
        gp = {f: full((g,)) for f in numeric_fields(schema.GoodParams)}
        for k, good in enumerate(GOOD_NAMES):
            for f in gp:
                gp[f][:, k] = float(getattr(config.goods[good], f))
                self._cells[f"goods.{good}.{f}"] = [(gp[f], (slice(None), k))]
        self.goods = GoodPars(**gp)
        # routes, with the open route in column 0
        k_routes = len(config.routes) + 1
        rp = {f: full((k_routes,), OPEN_ROUTE.get(f, 0.0)) for f in numeric_fields(schema.Route)}
        for kk, (name, route) in enumerate(config.routes.items(), start=1):
            for f in rp:
                rp[f][:, kk] = float(getattr(route, f))
                self._cells[f"routes.{name}.{f}"] = [(rp[f], (slice(None), kk))]
        self.routes = RoutePars(**rp)
        # structure: named so that a path to it is refused with the reason, but not a view
        for section, entries, model in (
            ("actors", config.actors, schema.Actor),
            ("routes", config.routes, schema.Route),
        ):
            fixed = [f for f in numeric_fields(model, structural=True) if f not in numeric_fields(model)]
            for name, entry in entries.items():
                for f in fixed:
                    self._cells[f"{section}.{name}.{f}"] = [
                        (full((), float(getattr(entry, f))), (slice(None),))
                    ]
        # sanctions
        s = len(config.sanctions)
        sp = {"active": full((s,)), "secondary": full((s,)), "caps": full((s, g))}
        for si, (name, regime) in enumerate(config.sanctions.items()):
            for f in ("active", "secondary"):
                sp[f][:, si] = float(getattr(regime, f))
                self._cells[f"sanctions.{name}.{f}"] = [(sp[f], (slice(None), si))]
            for good, cap in regime.caps.items():
                sp["caps"][:, si, GOOD_INDEX[good]] = float(cap)
                self._cells[f"sanctions.{name}.caps.{good}"] = [
                    (sp["caps"], (slice(None), si, GOOD_INDEX[good]))
                ]
        self.sanctions = SanctionPars(**sp)
        # contracts: numbers per contract, payment shares per contract and good
        cf = [f for f in numeric_fields(schema.Contract)]
        cp = {f: full((len(config.contracts),)) for f in cf}
        cp["payment"] = full((len(config.contracts), g))
        for ci, (name, contract) in enumerate(config.contracts.items()):
            for f in cf:
                cp[f][:, ci] = float(getattr(contract, f))
                self._cells[f"contracts.{name}.{f}"] = [(cp[f], (slice(None), ci))]
            for good, share in contract.payment.items():
                cp["payment"][:, ci, GOOD_INDEX[good]] = float(share)
                self._cells[f"contracts.{name}.payment.{good}"] = [
                    (cp["payment"], (slice(None), ci, GOOD_INDEX[good]))
                ]
        self.contracts = ContractPars(**cp)
        # deployments of people
        df = numeric_fields(schema.Deployment)
        dp = {f: full((len(config.deployments),)) for f in df}
        for di, (name, deployment) in enumerate(config.deployments.items()):
            for f in df:
                dp[f][:, di] = float(getattr(deployment, f))
                self._cells[f"deployments.{name}.{f}"] = [(dp[f], (slice(None), di))]
        self.deployments = DeploymentPars(**dp)
        # ties (the mean of what the two actors state) and treaty commitments, per pair
        affinity, treaty = full((n, n)), full((n, n))
        for i, a in enumerate(codes):
            for j in range(i + 1, n):
                b = codes[j]
                given = [
                    t for t in (config.actors[a].ties.get(b), config.actors[b].ties.get(a)) if t is not None
                ]
                affinity[:, i, j] = affinity[:, j, i] = float(np.mean(given)) if given else 0.0
                for path, arr in ((f"ties.{a}.{b}", affinity), (f"treaty.{a}.{b}", treaty)):
                    self._cells[path] = [(arr, (slice(None), i, j)), (arr, (slice(None), j, i))]
        self.ties = TiePars(affinity=affinity, treaty=treaty)
        # sections of single values
        data = config.model_dump(mode="python")
        views: dict[str, Any] = {}
        for section, (view, section_model) in SCALAR_SECTIONS.items():
            arrays = {}
            for f in numeric_fields(section_model):
                arrays[f] = full((), float(data[section][f]))
                self._cells[f"{section}.{f}"] = [(arrays[f], (slice(None),))]
            views[section] = view(**arrays)
        self.enforcement: EnforcementPars = views["enforcement"]
        self.compliance: CompliancePars = views["compliance"]
        self.war: WarPars = views["war"]
        self.economy: EconomyPars = views["economy"]
        self.military: MilitaryPars = views["military"]
        self.route_choice: RouteChoicePars = views["route_choice"]
        self.payments: PaymentPars = views["payments"]
        self.tie_dynamics: TieDynamicsPars = views["tie_dynamics"]
        self.adaptive_policy: AdaptivePolicyPars = views["adaptive_policy"]
        for arr in self._arrays():
            _readonly(arr)
        # per-replicate draws, then design values
        for path, unc in config.uncertainties.items():
            try:
                key = self.resolve(path, drawn=True)
            except ValueError as err:
                raise ValueError(f"uncertainties.{path}: {err}") from None
            u = streams.uniform(f"uncertainty:{key}", 0, 1)[:, 0]
            if unc.dist == "uniform":
                self.set(key, unc.low + (unc.high - unc.low) * u)
            else:
                self.set(key, np.exp(np.log(unc.low) + (np.log(unc.high) - np.log(unc.low)) * u))
        for path, values in (design or {}).items():
            try:
                key = self.resolve(path, drawn=True)
                arr = np.asarray(values, dtype=float).reshape(-1)
                if arr.shape != (r,):
                    raise ValueError(f"one value per replicate ({r}), got {arr.size}")
                low, high = self.bounds(key)
                ok = np.isfinite(arr) & (arr >= low) & (arr <= high)
                if not ok.all():
                    raise ValueError(f"got {arr[~ok][0]:g}; expected {describe_bounds(low, high)}")
            except ValueError as err:
                raise ValueError(f"design.{path}: {err}") from None
            self.set(key, arr)

    def _arrays(self) -> Iterator[Array]:
        seen: set[int] = set()
        for cells in self._cells.values():
            for arr, _ in cells:
                if id(arr) not in seen:
                    seen.add(id(arr))
                    yield arr
        for view in (self.actors, self.routes, self.sanctions, self.contracts, self.deployments):
            for f in dataclasses.fields(view):
                arr = getattr(view, f.name)
                if id(arr) not in seen:
                    seen.add(id(arr))
                    yield arr

    # ------------------------------------------------------------------ paths
    def paths(self) -> list[str]:
        """Every parameter path a scenario may name."""
        return list(self._cells)

    def kind(self, path: str) -> Kind:
        """Whether a canonical path is dynamic, initial state or structure."""
        return Kind.DYNAMIC if path.startswith(("ties.", "treaty.")) else field_kind(path)

    def resolve(self, path: str, *, settable: bool = False, drawn: bool = False) -> str:
        """Return the canonical path for ``path`` or raise a ValueError with suggestions.

        Args:
            path: A dotted parameter path; ``ties.A.B`` and ``treaty.A.B`` in either order.
            settable: Refuse paths events cannot change (initial state and structure).
            drawn: Refuse paths that cannot vary per replicate (structure).
        """
        parts = path.split(".")
        if len(parts) == 3 and parts[0] in ("ties", "treaty") and {parts[1], parts[2]} <= set(self.codes):
            a, b = sorted(parts[1:], key=self.codes.index)
            path = f"{parts[0]}.{a}.{b}"
        if path in self._cells:
            kind = self.kind(path)
            if (settable or drawn) and kind is Kind.STRUCTURAL:
                raise ValueError(f"{path!r} fixes the model's structure when it is built; it cannot vary")
            if settable and kind is Kind.INITIAL:
                raise ValueError(f"{path!r} is read only when the model is built, so events cannot change it")
            return path
        close = difflib.get_close_matches(path, list(self._cells), n=3, cutoff=0.6)
        hint = f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""
        raise ValueError(f"unknown parameter path {path!r}.{hint}")

    def bounds(self, path: str) -> tuple[float, float]:
        """The [low, high] the schema allows for a canonical parameter path (infinite when open)."""
        if path.startswith("ties."):
            return -1.0, 1.0
        if path.startswith("treaty."):
            return -math.inf, math.inf
        return field_bounds(path)

    def get(self, path: str) -> Array:
        """A copy of the (R,) values at a canonical path."""
        arr, index = self._cells[path][0]
        return arr[index].copy()

    def set(self, path: str, values: Array) -> None:
        """Write (R,) values at a canonical path (both cells of a symmetric pair)."""
        for arr, index in self._cells[path]:
            self.assign(arr, index, values)

    @staticmethod
    def assign(arr: Array, index: Index, values: Array) -> None:
        """Write ``values`` into ``arr[index]`` of a parameter view (the one way step code changes one)."""
        arr.flags.writeable = True
        try:
            arr[index] = values
        finally:
            arr.flags.writeable = False
