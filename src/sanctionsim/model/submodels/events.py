"""Step 1: scenario events, at a date or when a condition first holds.

A dated event fires in every replicate in its month. A conditional event fires
in each replicate in the first month its condition holds, evaluated on the
previous month's metrics (so from the second month on); names available are
the metric names, ``month`` (months since the start) and ``year`` (calendar
year with fraction). Conditions use the safe expression grammar: no function
calls. An event's actions ``set``, ``add`` or ``scale`` parameters for the
replicates in which it fires, so every other replicate's random numbers and
state are untouched.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from sanctionsim.metrics import metric_names
from sanctionsim.scenario.expressions import Expression, parse
from sanctionsim.scenario.schema import describe_bounds

if TYPE_CHECKING:
    from sanctionsim.model.model import SanctionsModel
    from sanctionsim.scenario.schema import Event


@dataclass(frozen=True)
class _Compiled:
    index: int
    event: Event
    month: int | None
    condition: Expression | None
    actions: tuple[tuple[str, str, float], ...]


class EventEngine:
    """Fires a scenario's events and keeps the event log.

    Args:
        model: The model whose parameters events change.

    Raises:
        ValueError: naming ``events[i].<key>`` for an unknown parameter path or
            metric name, or a condition that calls a function.
    """

    def __init__(self, *, model: SanctionsModel) -> None:
        self.model = model
        known = [*metric_names(model.codes), "month", "year"]
        self.compiled: list[_Compiled] = []
        for i, ev in enumerate(model.config.events):
            month = None
            cond = None
            if ev.at is not None:
                month = (pd.Period(ev.at, freq="M") - model.start).n
            else:
                try:
                    cond = parse(ev.when or "", functions={})
                    unknown = sorted(set(cond.names) - set(known))
                    if unknown:
                        from sanctionsim.metrics import unknown_metric_message

                        raise ValueError(unknown_metric_message(unknown[0], known))
                except ValueError as err:
                    raise ValueError(f"events[{i}].when ({ev.name}): {err}") from None
            actions = []
            for op in ("set", "add", "scale"):
                for path, value in getattr(ev, op).items():
                    try:
                        key = model.params.resolve(path, settable=True)
                        low, high = model.params.bounds(key)
                        if op == "set" and not low <= value <= high:
                            raise ValueError(f"got {value:g}; expected {describe_bounds(low, high)}")
                    except ValueError as err:
                        raise ValueError(f"events[{i}].{op}.{path} ({ev.name}): {err}") from None
                    actions.append((op, key, float(value)))
            self.compiled.append(_Compiled(i, ev, month, cond, tuple(actions)))
        self.fired = np.zeros((model.n_replicates, len(self.compiled)), dtype=bool)
        self.records: list[tuple[int, np.ndarray, str, str, str]] = []

    def fire(self, t: int) -> None:
        """Fire the events due in month ``t``."""
        r = self.model.n_replicates
        for c in self.compiled:
            if c.month is not None:
                mask = np.full(r, c.month == t)
                kind = "scheduled"
            elif t >= 1 and c.condition is not None:
                env = dict(self.model.last_metrics)
                env["month"] = np.full(r, float(t))
                env["year"] = np.full(r, self.model.start.year + (self.model.start.month - 1 + t) / 12.0)
                mask = np.zeros(r, dtype=bool) | np.asarray(c.condition.evaluate(env), dtype=bool)
                kind = "conditional"
            else:
                continue
            mask &= ~self.fired[:, c.index]
            if not mask.any():
                continue
            self.fired[:, c.index] |= mask
            self._apply(c, mask, t)
            self.log(t, c.event.name, kind, mask, c.event.description)

    def _apply(self, compiled: _Compiled, mask: np.ndarray, t: int) -> None:
        """Apply an event's actions in the replicates in ``mask``, refusing values out of range."""
        p = self.model.params
        for op, key, value in compiled.actions:
            old = p[key]
            new = {"set": np.full_like(old, value), "add": old + value, "scale": old * value}[op]
            low, high = p.bounds(key)
            bad = mask & ~((new >= low) & (new <= high))
            if bad.any():
                r = int(np.flatnonzero(bad)[0])
                raise ValueError(
                    f"events[{compiled.index}].{op}.{key} ({compiled.event.name}) makes {key} = {new[r]:.6g} "
                    f"in month {t} of replicate {int(self.model.replicates[r])}; expected "
                    f"{describe_bounds(low, high)}"
                )
            p[key] = np.where(mask, new, old)

    def log(self, t: int, name: str, kind: str, mask: np.ndarray, detail: str) -> None:
        """Record that ``name`` happened in month ``t`` in the replicates in ``mask``."""
        self.records.append((t, np.asarray(mask, dtype=bool).copy(), name, kind, detail))
