"""State that lasts from month to month, each class owned by the one process that writes it.

Arrays have the replicate as their first axis. A process declares the state it owns as its
``state`` attribute and the states of others it reads as further annotations; see
:mod:`sanctionsim.model.process`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

Array = np.ndarray


class State:
    """Base of every process state (a marker: the process base class binds states by type)."""


@dataclass
class EconomyState(State):
    """GDP at a monthly rate (R, N) [USD/month], its history, and the first month's shortfall."""

    gdp: Array
    history: list[Array] = field(default_factory=list)
    shortfall0: Array | None = None


@dataclass
class MilitaryState(State):
    """Technology and capability (R, N), their starting values, and munitions sufficiency (R,)."""

    tech: Array
    tech0: Array
    capability: Array
    capability0: Array
    sufficiency: Array


@dataclass
class TieState(State):
    """Ties (R, N, N) in [-1, 1], and the Axelrod-Bennett energy and frustration (R,)."""

    ties: Array
    energy: Array
    frustration: Array


@dataclass
class RouteState(State):
    """Enforcement on routes, (R, K): health after designations, last month's detection probability,
    the enforcers' effort shares; and the value they detected last month (R,) [USD]."""

    health: Array
    detect_prob: Array
    effort_share: Array
    detected_total: Array


@dataclass
class PaymentState(State):
    """Arrears (R, N, N) with [creditor, debtor] [USD]."""

    arrears: Array


@dataclass
class ComplianceState(State):
    """The third party's compliance (R,) in [0, 1] and the secondary-sanctions strength it faces (R,)."""

    compliance: Array
    secondary: Array


@dataclass
class PolicyState(State):
    """The bloc's escalations so far (R,) and the month the pending one is due (-1: none)."""

    escalations: Array
    due: Array


@dataclass
class WarState(State):
    """The war-intensity path: its log deviation (R,), the intensity it gives this month (R,) and the
    intensity at the start (R,), which the belligerent's need for personnel is relative to."""

    log_path: Array
    intensity: Array
    start: Array


@dataclass
class CapacityState(State):
    """Production capacity built on top of the base (R, N, G), and investments still being built
    (L, R, N, G): slot ``t % L`` comes into production in month ``t`` (slots first, so a month's
    slot is one contiguous block)."""

    built: Array
    pipeline: Array


@dataclass
class DeploymentState(State):
    """Each deployment's people at the host before this month's arrivals (R, D), and this month's
    movements: returned home, lost, and the sending planned (R, D) [persons]; how many of those
    planned are shipped is up to the legality and shipping steps (:class:`ArrivalState`)."""

    deployed: Array
    returned: Array
    lost: Array
    sent: Array


@dataclass
class ArrivalState(State):
    """People shipped to each deployment's host this month, those who arrived and those turned back
    (R, D): shipped = arrived + turned back."""

    shipped: Array
    arrived: Array
    turned_back: Array


@dataclass
class ContractState(State):
    """This month's terms of each contract: the value of the supplier's goods promised (R, C), what
    the buyer owes for them and for the services of the supplier's people (R, C), and the buyer's
    in-kind payment promised per good (R, C, G) [USD]."""

    promised: Array
    owed: Array
    in_kind: Array


@dataclass
class TrustState(State):
    """Each contract's trusts (R, C) in [0, 1]: the supplier's that the buyer pays, the buyer's that
    the supplier delivers."""

    supplier: Array
    buyer: Array
