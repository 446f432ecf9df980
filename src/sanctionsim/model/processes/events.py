"""Scenario events, at a date or when a condition first holds.

A dated event fires in every replicate in its month. A conditional event fires in each replicate
in the first month its condition holds, evaluated on the previous month's metrics (so from the
second month on); names available are the metric names, ``month`` (months since the start) and
``year`` (calendar year with fraction). Conditions use the safe expression grammar: no function
calls. An event's actions ``set``, ``add`` or ``scale`` parameters for the replicates in which it
fires, so every other replicate's random numbers and state are untouched.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sanctionsim.model.context import Month
from sanctionsim.model.pars import Pars
from sanctionsim.model.process import Process
from sanctionsim.model.result import unknown_metric_message
from sanctionsim.scenario.expressions import Expression, parse
from sanctionsim.scenario.schema import Event, ScenarioConfig, describe_bounds


@dataclass(frozen=True)
class CompiledEvent:
    """An event ready to fire: its month (dated) or condition, and its actions on canonical paths."""

    index: int
    event: Event
    month: int | None
    condition: Expression | None
    actions: tuple[tuple[str, str, float], ...]


def compile_events(config: ScenarioConfig, *, pars: Pars, metric_names: Sequence[str]) -> list[CompiledEvent]:
    """Check and compile a scenario's events against the model's parameters and metric names.

    Raises:
        ValueError: Naming ``events[i].<key>`` for an unknown parameter path or metric name, a
            value out of range, or a condition that calls a function.
    """
    known = [*metric_names, "month", "year"]
    start = pd.Period(config.start, freq="M")
    compiled: list[CompiledEvent] = []
    for i, ev in enumerate(config.events):
        month = None
        cond = None
        if ev.at is not None:
            month = (pd.Period(ev.at, freq="M") - start).n
        else:
            try:
                cond = parse(ev.when or "", functions={})
                unknown = sorted(set(cond.names) - set(known))
                if unknown:
                    raise ValueError(unknown_metric_message(unknown[0], known))
            except ValueError as err:
                raise ValueError(f"events[{i}].when ({ev.name}): {err}") from None
        actions = []
        for op in ("set", "add", "scale"):
            for path, value in getattr(ev, op).items():
                try:
                    key = pars.resolve(path, settable=True)
                    low, high = pars.bounds(key)
                    if op == "set" and not low <= value <= high:
                        raise ValueError(f"got {value:g}; expected {describe_bounds(low, high)}")
                except ValueError as err:
                    raise ValueError(f"events[{i}].{op}.{path} ({ev.name}): {err}") from None
                actions.append((op, key, float(value)))
        compiled.append(CompiledEvent(i, ev, month, cond, tuple(actions)))
    return compiled


class Events(Process):
    """Fire the scenario's events due this month (step 1 of the reference model)."""

    name = "events"
    title = "scenario events at their dates or when their conditions first hold"

    def start(self) -> None:
        """Compile the events; none has fired yet."""
        w = self.world
        self.compiled = compile_events(w.config, pars=w.pars, metric_names=w.metric_names)
        self.fired = np.zeros((self.n_replicates, len(self.compiled)), dtype=bool)

    def step(self, m: Month) -> None:
        """Fire the events due in month ``m.t``."""
        r, t = self.n_replicates, m.t
        for c in self.compiled:
            if c.month is not None:
                mask = np.full(r, c.month == t)
                kind = "scheduled"
            elif t >= 1 and c.condition is not None:
                env = dict(self.world.last_metrics)
                env["month"] = np.full(r, float(t))
                env["year"] = np.full(r, self.world.calendar(t))
                mask = np.zeros(r, dtype=bool) | np.asarray(c.condition.evaluate(env), dtype=bool)
                kind = "conditional"
            else:
                continue
            mask &= ~self.fired[:, c.index]
            if not mask.any():
                continue
            self.fired[:, c.index] |= mask
            self._apply(c, mask, t)
            self.log.log(t, c.event.name, kind, mask, c.event.description)

    def _apply(self, compiled: CompiledEvent, mask: np.ndarray, t: int) -> None:
        """Apply an event's actions in the replicates in ``mask``, refusing values out of range."""
        p = self.world.pars
        for op, key, value in compiled.actions:
            old = p.get(key)
            new = {"set": np.full_like(old, value), "add": old + value, "scale": old * value}[op]
            low, high = p.bounds(key)
            bad = mask & ~((new >= low) & (new <= high))
            if bad.any():
                r = int(np.flatnonzero(bad)[0])
                raise ValueError(
                    f"events[{compiled.index}].{op}.{key} ({compiled.event.name}) makes {key} = {new[r]:.6g} "
                    f"in month {t} of replicate {int(self.world.replicates[r])}; expected "
                    f"{describe_bounds(low, high)}"
                )
            p.set(key, np.where(mask, new, old))
