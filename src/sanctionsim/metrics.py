"""Output metrics: the one registry of their names, units and meanings.

Scenario claims, observation files, tables and plots all use these names. Each metric is declared
once, by the process of the schedule that computes it (:mod:`sanctionsim.model.result`); this
module assembles them. Names follow roles, not country codes: ``shells_{partner}_to_{war}`` is
``shells_prk_to_rus`` in a scenario where Russia is the belligerent and the DPRK its partner, and
families give one metric per actor (``gdp_{actor}``), pair (``tie_{a}_{b}``) or good and actor
(``stock_{good}_{actor}``).

Functions take a *scope*: a scenario (``ScenarioConfig``), its resolved data (a mapping), its
:class:`~sanctionsim.model.roles.Roles`, or bare actor codes (then the schema's default roles).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sanctionsim.model.process import Process
from sanctionsim.model.result import Metric, Result, unknown_metric_message
from sanctionsim.model.roles import PLACEHOLDERS, Roles
from sanctionsim.model.schedule import SCHEDULE, schedule_metrics
from sanctionsim.scenario.schema import ScenarioConfig

Scope = Roles | ScenarioConfig | Mapping[str, Any] | Sequence[str]

#: The actors of the reference scenario, whose roles give :data:`KEY_METRICS`.
REFERENCE_ACTORS: tuple[str, ...] = ("RUS", "PRK", "CHN", "BLOC")


def key_metrics(scope: Scope) -> tuple[str, ...]:
    """The headline outcomes of a scenario: summary tables, default figures and comparisons use these."""
    r = Roles.of(scope)
    return (
        r.fill("shells_{partner}_to_{war}"),
        r.fill("oil_{war}_to_{partner}"),
        r.fill("workers_{partner}_in_{war}"),
        r.fill("tech_{partner}"),
        "leakage_ratio",
        r.fill("compliance_{third}"),
        r.fill("munitions_sufficiency_{war}"),
        r.fill("gdp_growth_{partner}"),
        r.pair_name("tie_{a}_{b}", r.war, r.partner),
        "threat_index",
    )


#: The headline outcomes of the reference scenario's roles (see :func:`key_metrics`).
KEY_METRICS: tuple[str, ...] = key_metrics(REFERENCE_ACTORS)


def registry(scope: Scope) -> dict[str, Metric]:
    """Every metric of a scenario by name, in table order."""
    return {m.name: m for m in schedule_metrics(SCHEDULE, Roles.of(scope))}


def catalogue(scope: Scope) -> list[dict[str, Any]]:
    """Every metric of a scenario as plain data, in table order: what a results manifest records
    under ``metrics`` so that a results folder describes its own columns (readers need no model).

    Each entry: ``name``, ``quantity`` (the family: ``gdp`` for ``gdp_rus``; else the name),
    ``actor`` and ``counterpart`` (``""`` outside families), ``unit``, ``description`` (also the
    readable label, :func:`label`) and ``flow``.
    """
    return [
        {
            "name": m.name,
            "quantity": m.quantity,
            "actor": m.actor,
            "counterpart": m.counterpart,
            "unit": m.unit,
            "description": m.description,
            "flow": m.flow,
        }
        for m in registry(scope).values()
    ]


def metric_names(scope: Scope) -> list[str]:
    """Every metric name of a scenario, in table order."""
    return list(registry(scope))


def describe(name: str, scope: Scope) -> Metric:
    """Return the :class:`Metric` called ``name`` in a scenario.

    Raises:
        ValueError: If the name is unknown; the message lists close matches and every known name.
    """
    known = registry(scope)
    if name in known:
        return known[name]
    raise ValueError(unknown_metric_message(name, list(known)))


def label(name: str, scope: Scope) -> str:
    """The readable name of a metric, for tables, reports and figure titles: its description.

    Descriptions name the actors that play each role (``shells_prk_to_rus`` reads "Artillery
    rounds delivered PRK to RUS"); ``--json`` output and files keep the metric's name.

    Raises:
        ValueError: If the name is unknown (see :func:`describe`).
    """
    return describe(name, scope).description


def declarations() -> list[tuple[type[Process], Result]]:
    """Every result the schedule declares, with the process that computes it, in schedule order."""
    return [(p, res) for p in SCHEDULE for res in p.results]


__all__ = [
    "KEY_METRICS",
    "PLACEHOLDERS",
    "REFERENCE_ACTORS",
    "Metric",
    "Roles",
    "catalogue",
    "declarations",
    "describe",
    "key_metrics",
    "label",
    "metric_names",
    "registry",
    "unknown_metric_message",
]
