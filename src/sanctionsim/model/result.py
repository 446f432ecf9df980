"""Results: the metrics a process records, each one entry with its name, unit, meaning and computation.

A process declares its results with the :func:`result` decorator on a method that computes them
from the process's state and the month's context (Starsim's ``define_results``). A result is a
single metric, or a family: one metric per actor, per unordered pair of actors, or per good and
actor. Names may hold role placeholders (``{war}``, ``{partner}``, ``{third}``; see
:mod:`sanctionsim.model.roles`) and family placeholders (``{actor}``, ``{a}``/``{b}``, ``{good}``).
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from sanctionsim.goods import GOODS
from sanctionsim.model.roles import PLACEHOLDERS, Roles

Family = Literal["", "actor", "pair", "good_actor"]


@dataclass(frozen=True)
class Metric:
    """One output metric of a scenario.

    Attributes:
        name: Name in tables, claims, observations files and plots.
        unit: Unit of the monthly value.
        description: What it measures.
        direction: +1 if higher is better for the sanctioning bloc's stated goals, -1 if lower is
            better, 0 if neutral. Comparisons use it to state P(change in the good direction).
        flow: True if the value is a monthly flow (sums over time make sense); False for levels
            and ratios (average them).
        family: The quantity a family member measures, without its actors (``gdp`` for
            ``gdp_rus``, ``stock_shells`` for ``stock_shells_prk``, ``tie`` for ``tie_rus_prk``);
            a metric outside a family is its own (its name).
        actor: The actor a family member belongs to (``RUS``), the first of a pair; ``""`` outside
            families.
        counterpart: The second actor of a pair (``PRK`` in ``tie_rus_prk``), else ``""``.
    """

    name: str
    unit: str
    description: str
    direction: int = 0
    flow: bool = False
    family: str = ""
    actor: str = ""
    counterpart: str = ""

    @property
    def quantity(self) -> str:
        """The family's name, or the metric's own outside families (the ``metric`` of long tables)."""
        return self.family or self.name


@dataclass(frozen=True)
class Result:
    """A process's declaration of a metric or a family of metrics.

    Attributes:
        template: Name, with role and family placeholders.
        unit: Unit (a family over goods uses each good's unit when this is ``"good unit"``).
        description: What it measures; may name roles (``{partner}`` becomes ``PRK``).
        direction: Good direction of a single metric (see :class:`Metric`).
        flow: Whether the value is a monthly flow.
        per: ``""`` (one metric), ``"actor"`` (computes (R, N)), ``"pair"`` ((R, N, N), upper
            triangle in scenario order) or ``"good_actor"`` ((R, N, G)).
        directions: For families, the good direction of the members played by a role, keyed by
            role (``{"partner": -1}``) or, for pairs, by two roles joined with ``-``.
        compute: ``compute(process, month)`` returning the values.
    """

    template: str
    unit: str
    description: str
    direction: int = 0
    flow: bool = False
    per: Family = ""
    directions: Mapping[str, int] = field(default_factory=dict)
    compute: Callable[[Any, Any], np.ndarray] | None = None

    def metrics(self, roles: Roles) -> list[Metric]:
        """The metrics this result records for a scenario's roles, in table order."""
        codes = roles.codes
        role_of: dict[str, str] = {getattr(roles, r): r for r in reversed(list(PLACEHOLDERS))}
        if self.per == "":
            described = self.description.format(**{k: getattr(roles, k) for k in PLACEHOLDERS})
            return [Metric(roles.fill(self.template), self.unit, described, self.direction, self.flow)]
        if self.per == "actor":
            family = _family(self.template)
            return [
                Metric(
                    self.template.format(actor=c.lower()),
                    self.unit,
                    f"{self.description} ({c})",
                    self.directions.get(role_of.get(c, ""), 0),
                    self.flow,
                    family=family,
                    actor=c,
                )
                for c in codes
            ]
        if self.per == "pair":
            out = []
            for i, a in enumerate(codes):
                for b in codes[i + 1 :]:
                    key = {f"{role_of.get(a)}-{role_of.get(b)}", f"{role_of.get(b)}-{role_of.get(a)}"}
                    direction = next((d for k, d in self.directions.items() if k in key), 0)
                    name = self.template.format(a=a.lower(), b=b.lower())
                    out.append(
                        Metric(
                            name,
                            self.unit,
                            f"{self.description} ({a}-{b})",
                            direction,
                            self.flow,
                            family=_family(self.template),
                            actor=a,
                            counterpart=b,
                        )
                    )
            return out
        return [
            Metric(
                self.template.format(good=g.name, actor=c.lower()),
                g.unit if self.unit == "good unit" else self.unit,
                f"{self.description} of {g.name} ({c})",
                0,
                self.flow,
                family=_family(self.template, good=g.name),
                actor=c,
            )
            for g in GOODS
            for c in codes
        ]

    def evaluate(self, process: Any, month: Any) -> np.ndarray:
        """Compute the values for a month (see ``compute``)."""
        if self.compute is None:
            raise TypeError(f"result {self.template!r} declares no computation")
        return self.compute(process, month)

    def columns(self, values: np.ndarray) -> np.ndarray:
        """Turn computed values into (R, metrics) columns in the order of :meth:`metrics`."""
        r = values.shape[0]
        if self.per == "":
            return values.reshape(r, 1)
        if self.per == "actor":
            return values
        if self.per == "pair":
            i, j = np.triu_indices(values.shape[1], k=1)
            return values[:, i, j]
        return values.transpose(0, 2, 1).reshape(r, -1)  # good by good, then actor by actor


def _family(template: str, **fill: str) -> str:
    """A family's name: its template without the actor placeholders (``stock_{good}_{actor}`` with
    ``good="shells"`` is ``stock_shells``)."""
    parts = template.format(actor="", a="", b="", **fill).split("_")
    return "_".join(p for p in parts if p)


def result(
    template: str,
    unit: str,
    description: str,
    *,
    direction: int = 0,
    flow: bool = False,
    per: Family = "",
    directions: Mapping[str, int] | None = None,
) -> Callable[[Callable[[Any, Any], np.ndarray]], Result]:
    """Declare a process method as the computation of a metric (or family): see :class:`Result`."""

    def wrap(fn: Callable[[Any, Any], np.ndarray]) -> Result:
        return Result(template, unit, description, direction, flow, per, dict(directions or {}), fn)

    return wrap


def unknown_metric_message(name: str, known: Sequence[str]) -> str:
    """The error for an unknown metric name: close matches, then every known name."""
    close = difflib.get_close_matches(name, known, n=3)
    hint = f" Did you mean {', '.join(close)}?" if close else ""
    return f"unknown metric {name!r}.{hint} Known metrics: {', '.join(known)}"
