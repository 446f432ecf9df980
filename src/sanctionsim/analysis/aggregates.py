"""Model quantities an observation maps to: one number per replicate from a metrics table.

A quantity is either one metric aggregated over a window of calendar months (``sum``, ``mean``,
``first``, ``last``, ``min``, ``max`` and ``change`` as in the claim grammar, plus ``growth`` and the
``ratio`` of two windows), or a numeric expression in the claim grammar over window aggregates::

    sum(containers_prk_to_rus, "2023-08", "2024-02")
    mean(oil_rus_to_prk, "2024-03", "2024-06") / mean(oil_rus_to_prk, "2023-08", "2024-02")

Window aggregation itself is the claims' (:func:`sanctionsim.analysis.claims.window_aggregate`); this
module adds the two aggregates claims do not have and numeric (rather than true-or-false)
expressions, and checks a quantity against a run (known metrics, windows inside the run).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sanctionsim.analysis.claims import WINDOW_FUNCTIONS, Window, window_aggregate
from sanctionsim.metrics import unknown_metric_message
from sanctionsim.scenario.expressions import (
    BinOp,
    Call,
    Expression,
    ExpressionError,
    Name,
    Node,
    Number,
    String,
    Unary,
    parse,
)

__all__ = ["AGGREGATES", "Quantity", "horizon", "month"]

#: Aggregates an observation row may name, with what each gives for one replicate.
AGGREGATES: dict[str, str] = {
    **WINDOW_FUNCTIONS,
    "growth": "relative change over the window: last month / first month - 1",
    "ratio": "mean over the window / mean over the base window (base_start..base_end)",
}
_ARITY = dict.fromkeys(WINDOW_FUNCTIONS, 3)


def month(text: str) -> pd.Period:
    """A ``YYYY-MM`` month as a monthly period.

    Raises:
        ValueError: If the text is not ``YYYY-MM``.
    """
    text = text.strip()
    if (
        len(text) != 7
        or text[4] != "-"
        or not (text[:4] + text[5:]).isdigit()
        or not 1 <= int(text[5:]) <= 12
    ):
        raise ValueError(f"month {text!r} is not YYYY-MM")
    return pd.Period(text, freq="M")


def horizon(start: str, months: int) -> tuple[pd.Period, pd.Period]:
    """First and last month of a run that starts at ``start`` and lasts ``months`` months."""
    first = month(start)
    return first, first + (months - 1)


@dataclass(frozen=True)
class Quantity:
    """What an observation row is compared with: a metric aggregate or an expression.

    Exactly one of ``metric`` (with ``aggregate``, ``start``, ``end`` and, for ``ratio``, ``base_start``
    and ``base_end``) or ``expr`` is set.
    """

    metric: str | None = None
    aggregate: str | None = None
    start: str | None = None
    end: str | None = None
    base_start: str | None = None
    base_end: str | None = None
    expr: str | None = None

    def __post_init__(self) -> None:
        """Check that the fields describe one quantity (raises ``ValueError``)."""
        if (self.metric is None) == (self.expr is None):
            raise ValueError("give either a metric (with aggregate and window) or an expr, not both")
        if self.expr is not None:
            self._parsed()
            return
        if self.aggregate is None:
            raise ValueError(f"aggregate missing; expected one of {', '.join(AGGREGATES)}")
        if self.aggregate not in AGGREGATES:
            raise ValueError(f"aggregate {self.aggregate!r}; expected one of {', '.join(AGGREGATES)}")
        if self.start is None or self.end is None:
            raise ValueError("window_start and window_end are needed with a metric")
        for first, last in ((self.start, self.end), (self.base_start, self.base_end)):
            if first is not None and last is not None and month(first) > month(last):
                raise ValueError(f"window {first}..{last} starts after it ends")
        based = self.base_start is not None or self.base_end is not None
        if self.aggregate == "ratio" and (self.base_start is None or self.base_end is None):
            raise ValueError("aggregate 'ratio' needs base_start and base_end (the denominator's window)")
        if based and self.aggregate != "ratio":
            raise ValueError(f"base_start/base_end apply only to aggregate 'ratio', not {self.aggregate!r}")

    def _parsed(self) -> Expression:
        assert self.expr is not None
        try:
            parsed = parse(self.expr, functions=_ARITY)
        except ExpressionError as err:
            raise ValueError(f"expr: {err}") from None
        for node in _nodes(parsed.tree):
            if isinstance(node, Call):
                _window_of(node)  # checks the call's arguments
            elif isinstance(node, Name):
                raise ValueError(
                    f"expr: bare name {node.id!r}; metrics enter only through window functions "
                    f'({", ".join(WINDOW_FUNCTIONS)}), e.g. mean({node.id}, "2024-01", "2024-06")'
                )
            elif not isinstance(node, BinOp | Unary | Number):
                raise ValueError(f"expr: {self.expr!r} must be a number: use + - * / of window aggregates")
        return parsed

    @property
    def windows(self) -> tuple[Window, ...]:
        """The window aggregates this quantity reads."""
        if self.expr is not None:
            return tuple(_window_of(n) for n in _nodes(self._parsed().tree) if isinstance(n, Call))
        assert self.metric is not None and self.aggregate is not None
        assert self.start is not None and self.end is not None
        if self.aggregate == "ratio":
            assert self.base_start is not None and self.base_end is not None
            return (
                Window("mean", self.metric, self.start, self.end),
                Window("mean", self.metric, self.base_start, self.base_end),
            )
        if self.aggregate == "growth":
            return (
                Window("first", self.metric, self.start, self.end),
                Window("last", self.metric, self.start, self.end),
            )
        return (Window(self.aggregate, self.metric, self.start, self.end),)

    @property
    def last_month(self) -> str:
        """The latest month the quantity depends on (``YYYY-MM``): how it is dated."""
        return str(max(month(w.end) for w in self.windows))

    def __str__(self) -> str:
        """Short form, e.g. ``sum(shells_prk_to_rus, 2023-08..2024-06)``."""
        if self.expr is not None:
            return self.expr
        if self.aggregate == "ratio":
            return f"ratio({self.metric}, {self.start}..{self.end} / {self.base_start}..{self.base_end})"
        return f"{self.aggregate}({self.metric}, {self.start}..{self.end})"

    def check(self, *, known: Sequence[str], start: str, months: int) -> None:
        """Check the quantity against a run: known metric names, windows inside the run.

        Raises:
            ValueError: For an unknown metric (with close matches) or a window outside the run.
        """
        first, last = horizon(start, months)
        known_set = set(known)
        for w in self.windows:
            if w.metric not in known_set:
                raise ValueError(unknown_metric_message(w.metric, list(known)))
            if month(w.start) < first:
                raise ValueError(
                    f"window {w.start}..{w.end} starts before the run ({first}..{last}): "
                    "a scenario that starts earlier can answer it"
                )
            if month(w.end) > last:
                raise ValueError(
                    f"window {w.start}..{w.end} ends after the run ({first}..{last}): "
                    "select earlier rows with --until, or run more --months"
                )

    def evaluate(self, metrics: pd.DataFrame) -> np.ndarray:
        """One value per replicate (in replicate order) from a metrics table.

        Raises:
            ValueError: For a window outside the run or a metric missing from the table.
        """
        cache: dict[Window, np.ndarray] = {}

        def get(w: Window) -> np.ndarray:
            if w not in cache:
                if w.metric not in metrics.columns:
                    raise ValueError(f"the metrics table has no column {w.metric!r}")
                cache[w] = window_aggregate(
                    metrics[["replicate", "month", "date", w.metric]], w.function, w.metric, w.start, w.end
                ).astype(float)
            return cache[w]

        with np.errstate(divide="ignore", invalid="ignore"):
            if self.expr is not None:
                env = {w.metric: w.metric for w in self.windows}
                value = self._parsed().evaluate(env, _functions(get))
                n = metrics["replicate"].nunique()
                return np.broadcast_to(np.asarray(value, dtype=float), (n,)).copy()
            windows = self.windows
            if self.aggregate == "ratio":
                return get(windows[0]) / get(windows[1])
            if self.aggregate == "growth":
                return get(windows[1]) / get(windows[0]) - 1.0
            return get(windows[0])


def _functions(get: Callable[[Window], np.ndarray]) -> dict[str, Callable[..., np.ndarray]]:
    def make(name: str) -> Callable[..., np.ndarray]:
        def window(metric: str, start: str, end: str) -> np.ndarray:
            return get(Window(name, metric, start, end))

        return window

    return {name: make(name) for name in WINDOW_FUNCTIONS}


def _nodes(tree: Node) -> list[Node]:
    """Every node of a syntax tree, not descending into window calls."""
    out: list[Node] = []
    stack = [tree]
    while stack:
        node = stack.pop()
        out.append(node)
        if isinstance(node, Unary):
            stack.append(node.operand)
        elif isinstance(node, BinOp):
            stack.extend((node.right, node.left))
    return out


def _window_of(call: Call) -> Window:
    metric, start, end = call.args
    if not isinstance(metric, Name) or not isinstance(start, String) or not isinstance(end, String):
        raise ValueError(
            f"expr: {call.name}(...) takes a metric and two months, "
            f'e.g. {call.name}(shells_prk_to_rus, "2024-01", "2024-06")'
        )
    month(start.value)
    month(end.value)
    if month(start.value) > month(end.value):
        raise ValueError(f"expr: window {start.value}..{end.value} starts after it ends")
    return Window(call.name, metric.id, start.value, end.value)
