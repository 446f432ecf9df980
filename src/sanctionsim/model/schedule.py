"""The monthly schedule: the processes in the order they run, as data.

``SCHEDULE`` is the order of one month. :func:`check_schedule` verifies it when a model is
built: names are unique, every field of the month context a process reads was written by an
earlier process, and every state a process reads is owned by a process of the schedule. To add
a process, write its class (see :mod:`sanctionsim.model.process`) and put it in the schedule.
"""

from __future__ import annotations

from collections.abc import Sequence

from sanctionsim.model.context import FIELDS
from sanctionsim.model.process import Process
from sanctionsim.model.processes.arrivals import Arrivals
from sanctionsim.model.processes.capacity import Capacity
from sanctionsim.model.processes.compliance import ComplianceStep
from sanctionsim.model.processes.contracts import Contracts
from sanctionsim.model.processes.deployment import DeploymentStep
from sanctionsim.model.processes.detection import DetectionStep
from sanctionsim.model.processes.economy import EconomyStep
from sanctionsim.model.processes.enforcement import Enforcement
from sanctionsim.model.processes.events import Events
from sanctionsim.model.processes.interdiction import CashInterdiction, GoodsInterdiction
from sanctionsim.model.processes.legality import Legality
from sanctionsim.model.processes.market import Market
from sanctionsim.model.processes.military import MilitaryStep
from sanctionsim.model.processes.movement import Movement
from sanctionsim.model.processes.offers import Offers
from sanctionsim.model.processes.payments import Billing, Settlement
from sanctionsim.model.processes.policy import Policy
from sanctionsim.model.processes.production import ProductionStep
from sanctionsim.model.processes.shipping import CashShipping, GoodsShipping
from sanctionsim.model.processes.ties import TiesStep
from sanctionsim.model.processes.trust import Trust
from sanctionsim.model.processes.valuation import Valuation
from sanctionsim.model.processes.war import WarPath
from sanctionsim.model.result import Metric
from sanctionsim.model.roles import Roles

#: One month, in order.
SCHEDULE: tuple[type[Process], ...] = (
    Events,
    WarPath,
    ProductionStep,
    Valuation,
    Offers,
    DeploymentStep,
    Contracts,
    Market,
    Legality,
    DetectionStep,
    GoodsShipping,
    GoodsInterdiction,
    Billing,
    CashShipping,
    CashInterdiction,
    Movement,
    Arrivals,
    Settlement,
    Trust,
    Enforcement,
    ComplianceStep,
    EconomyStep,
    MilitaryStep,
    TiesStep,
    Capacity,
    Policy,
)


def check_schedule(schedule: Sequence[type[Process]]) -> None:
    """Check a schedule's order and declarations.

    Raises:
        ValueError: For a duplicate name, an unknown context field, a field read before any
            process writes it, or a state no process of the schedule owns.
    """
    names = [p.name for p in schedule]
    if len(set(names)) != len(names):
        raise ValueError(f"schedule: process names must be unique, got {names}")
    written: set[str] = set()
    owned = {p.declared()["state"] for p in schedule if "state" in p.declared()}
    for p in schedule:
        for f in (*p.reads, *p.writes):
            if f not in FIELDS:
                raise ValueError(
                    f"schedule: {p.name} names context field {f!r}; expected one of {', '.join(FIELDS)}"
                )
        missing = [f for f in p.reads if f not in written]
        if missing:
            raise ValueError(f"schedule: {p.name} reads {', '.join(missing)} before any process writes it")
        for st in p.states_read():
            if st not in owned:
                raise ValueError(f"schedule: {p.name} reads a {st.__name__} that no process owns")
        written.update(p.writes)


def schedule_metrics(schedule: Sequence[type[Process]], roles: Roles) -> list[Metric]:
    """The metrics a schedule records for a scenario's roles, in table order (schedule order)."""
    return [m for p in schedule for res in p.results for m in res.metrics(roles)]


def describe_schedule(
    schedule: Sequence[type[Process]] = SCHEDULE, roles: Roles | None = None
) -> list[dict[str, str]]:
    """One row per step, for ``sanctionsim show --schedule`` and ``docs/model.md``: what each step
    does, the context it reads and writes, its parameters, the state it owns and reads, its results
    (names as templates, or filled with a scenario's roles)."""
    rows = []
    for i, p in enumerate(schedule, start=1):
        declared = p.declared()
        own = declared.get("state")
        rows.append(
            {
                "step": str(i),
                "process": p.name,
                "does": p.title,
                "code": f"{p.__module__.removeprefix('sanctionsim.model.')}.{p.__name__}",
                "reads": ", ".join(p.reads) or "-",
                "writes": ", ".join(p.writes) or "-",
                "parameters": ", ".join(p.parameters()) or "-",
                "state": own.__name__ if own is not None else "-",
                "states read": ", ".join(s.__name__ for s in p.states_read()) or "-",
                "results": ", ".join(
                    res.template if roles is None or res.per else roles.fill(res.template)
                    for res in p.results
                )
                or "-",
            }
        )
    return rows
