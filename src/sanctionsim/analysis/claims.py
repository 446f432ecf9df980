"""Analysts' claims: predictions over windowed metric aggregates, scored across an ensemble.

A scenario's ``claims:`` list states predictions in the safe expression grammar
(``sanctionsim.scenario.expressions``). Metrics enter a claim only through a window function that
aggregates one metric over a window of calendar months, for each replicate::

    sum(shells_prk_to_rus, "2024-07", "2025-06") > sum(shells_prk_to_rus, "2023-08", "2024-06")
    change(tech_prk, "2024-07", "2026-06") >= 0.1
    mean(chn_share_prk_trade, "2025-07", "2026-06") > 0.85 and min(leakage_ratio, "2024-07", "2026-06") > 0.5

A claim is evaluated once per replicate (vectorised over replicates); the probability it holds is
the share of replicates in which it is true, and the verdict follows from fixed thresholds
(:data:`SUPPORTED_AT`, :data:`NOT_SUPPORTED_AT`; see ``docs/claims.md``).

:func:`validate_claims` checks every claim of a scenario before anything runs: it parses, calls only
window functions, names only known metrics, and its windows lie within the run's horizon.
:func:`evaluate_claims` scores claims on :class:`~sanctionsim.results.Results`. This module reads
results and runs nothing: :func:`sanctionsim.experiments.check.check_claims` runs a scenario's
ensemble and scores its claims (what ``sanctionsim check`` and ``sanctionsim predictions`` use).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from sanctionsim.formatting import format_number
from sanctionsim.metrics import metric_names, unknown_metric_message
from sanctionsim.results import Results
from sanctionsim.scenario.expressions import (
    BinOp,
    Bool,
    BoolOp,
    Call,
    Compare,
    Expression,
    ExpressionError,
    Name,
    Node,
    Number,
    String,
    Unary,
    parse,
)
from sanctionsim.scenario.schema import Claim, ScenarioConfig

__all__ = [
    "COLUMNS",
    "NOT_SUPPORTED_AT",
    "SUPPORTED_AT",
    "WINDOW_FUNCTIONS",
    "CompiledClaim",
    "Window",
    "claim_holds",
    "compile_claim",
    "evaluate_claims",
    "validate_claims",
    "verdict",
    "window_aggregate",
]

#: A claim is *supported* when it holds in at least this share of replicates.
SUPPORTED_AT = 0.8
#: A claim is *not supported* when it holds in at most this share of replicates.
NOT_SUPPORTED_AT = 0.2

#: The window functions a claim may call, each ``f(metric, "YYYY-MM", "YYYY-MM")``, with what they
#: return for one replicate (the window includes both months).
WINDOW_FUNCTIONS: Mapping[str, str] = {
    "sum": "total over the window (for monthly flows)",
    "mean": "average over the window",
    "min": "smallest monthly value in the window",
    "max": "largest monthly value in the window",
    "first": "value in the window's first month",
    "last": "value in the window's last month",
    "change": "value in the last month minus value in the first month",
}

#: Columns of the table :func:`evaluate_claims` returns.
COLUMNS: tuple[str, ...] = ("id", "text", "by", "expr", "probability", "verdict", "reason", "runs")

_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
_ARITY = dict.fromkeys(WINDOW_FUNCTIONS, 3)
_AGGREGATE: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "sum": lambda a: a.sum(axis=1),
    "mean": lambda a: a.mean(axis=1),
    "min": lambda a: a.min(axis=1),
    "max": lambda a: a.max(axis=1),
    "first": lambda a: a[:, 0],
    "last": lambda a: a[:, -1],
    "change": lambda a: a[:, -1] - a[:, 0],
}
_EXAMPLE = 'mean({name}, "2024-07", "2025-06")'


# ---------------------------------------------------------------------------------------------
# Compiling and validating
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Window:
    """One window aggregate in a claim: ``function(metric, "start", "end")``.

    Attributes:
        function: One of :data:`WINDOW_FUNCTIONS`.
        metric: The metric name.
        start: First month of the window, ``YYYY-MM``.
        end: Last month of the window, ``YYYY-MM`` (included).
    """

    function: str
    metric: str
    start: str
    end: str

    def __str__(self) -> str:
        """Short form used in reasons: ``sum(shells_prk_to_rus, 2024-07..2025-06)``."""
        return f"{self.function}({self.metric}, {self.start}..{self.end})"


@dataclass(frozen=True)
class CompiledClaim:
    """A claim that has been parsed and checked.

    Attributes:
        claim: The claim as written in the scenario.
        index: Its position in the scenario's ``claims`` list.
        expression: The parsed expression.
        windows: The window aggregates it uses, in order of appearance.
    """

    claim: Claim
    index: int
    expression: Expression
    windows: tuple[Window, ...]

    @property
    def label(self) -> str:
        """How errors name the claim: ``claims[2] (tech_rises)``."""
        return f"claims[{self.index}] ({self.claim.id})"


class _Checker:
    """Walks a claim's syntax tree and checks its structure; collects its windows."""

    def __init__(self, *, label: str, known: Sequence[str], horizon: tuple[pd.Period, pd.Period] | None):
        self.label = label
        self.known = list(known)
        self.known_set = set(known)
        self.horizon = horizon
        self.windows: list[Window] = []

    def fail(self, problem: str) -> ValueError:
        return ValueError(f"{self.label}: {problem}")

    def check(self, tree: Node) -> None:
        if not _is_boolean(tree):
            raise self.fail(
                "a claim must be true or false in each replicate: compare window aggregates "
                '(e.g. sum(shells_prk_to_rus, "2024-07", "2025-06") > 1e6) and combine comparisons '
                "with and / or / not"
            )
        self.visit(tree)

    def visit(self, node: Node) -> None:
        stack = [node]
        while stack:
            current = stack.pop()
            if isinstance(current, Call):
                self.window(current)
                continue  # its arguments are checked by window()
            if isinstance(current, Name):
                raise self.fail(
                    f"bare metric name {current.id!r} outside a window function; a claim uses metrics "
                    f"only through {', '.join(WINDOW_FUNCTIONS)}, e.g. {_EXAMPLE.format(name=current.id)}"
                )
            if isinstance(current, String):
                raise self.fail(f'strings ("{current.value}") are allowed only as window months')
            if isinstance(current, Unary):
                stack.append(current.operand)
            elif isinstance(current, BinOp | Compare):
                stack.extend((current.right, current.left))
            elif isinstance(current, BoolOp):
                stack.extend(reversed(current.operands))

    def window(self, call: Call) -> None:
        metric, start, end = call.args
        if not isinstance(metric, Name):
            raise self.fail(
                f"{call.name}(...) takes a metric name as its first argument, e.g. "
                f'{call.name}(shells_prk_to_rus, "2024-07", "2025-06"); got {_render(metric)}'
            )
        if metric.id not in self.known_set:
            raise self.fail(unknown_metric_message(metric.id, self.known))
        months: list[str] = []
        for arg in (start, end):
            if not isinstance(arg, String):
                raise self.fail(
                    f"{call.name}({metric.id}, ...) takes its window as two quoted months, "
                    f'e.g. "2024-07", "2025-06"; got {_render(arg)}'
                )
            if not _MONTH.match(arg.value):
                raise self.fail(f"window month {arg.value!r} in {call.name}({metric.id}, ...) is not YYYY-MM")
            months.append(arg.value)
        window = Window(call.name, metric.id, months[0], months[1])
        first, last = pd.Period(window.start, freq="M"), pd.Period(window.end, freq="M")
        if first > last:
            raise self.fail(f"window {window.start}..{window.end} of {window} starts after it ends")
        if self.horizon is not None:
            lo, hi = self.horizon
            if first < lo or last > hi:
                raise self.fail(
                    f"window {window.start}..{window.end} of {window} is outside the run's range {lo}..{hi}"
                )
        self.windows.append(window)


def _is_boolean(node: Node) -> bool:
    if isinstance(node, Compare | Bool):
        return True
    if isinstance(node, Unary) and node.op == "not":
        return _is_boolean(node.operand)
    if isinstance(node, BoolOp):
        return all(_is_boolean(op) for op in node.operands)
    return False


def _horizon(start: str, months: int) -> tuple[pd.Period, pd.Period]:
    first = pd.Period(start, freq="M")
    return first, first + (months - 1)


def compile_claim(
    claim: Claim,
    *,
    known: Sequence[str],
    index: int = 0,
    start: str | None = None,
    months: int | None = None,
) -> CompiledClaim:
    """Parse and check one claim.

    Args:
        claim: The claim.
        known: Metric names available (``metrics.metric_names(actors)``).
        index: Position of the claim in its scenario, for error messages.
        start: First month of the run (``YYYY-MM``); with ``months``, windows must lie within the run.
        months: Horizon of the run in months.

    Returns:
        The compiled claim.

    Raises:
        ValueError: Naming ``claims[index] (id)``: for a syntax error, a function other than the
            window functions, a bare metric name, an unknown metric (the message lists every known
            metric), a badly written window, a window outside the run's range, or an expression
            that is not true or false.
    """
    label = f"claims[{index}] ({claim.id})"
    try:
        expression = parse(claim.expr, functions=_ARITY)
    except ExpressionError as err:
        raise ValueError(f"{label}: {err}") from None
    horizon = _horizon(start, months) if start is not None and months is not None else None
    checker = _Checker(label=label, known=known, horizon=horizon)
    checker.check(expression.tree)
    return CompiledClaim(claim=claim, index=index, expression=expression, windows=tuple(checker.windows))


def validate_claims(config: ScenarioConfig, *, claims: Sequence[Claim] | None = None) -> list[CompiledClaim]:
    """Check a scenario's claims before anything runs.

    Args:
        config: The validated scenario (its actors give the metric names, its ``start`` and
            ``months`` the range windows must lie in).
        claims: Claims to check instead of ``config.claims``.

    Returns:
        The compiled claims, in order.

    Raises:
        ValueError: For the first bad claim (see :func:`compile_claim`) or a repeated claim id.
    """
    known = metric_names(list(config.actors))
    items = list(config.claims if claims is None else claims)
    seen: dict[str, int] = {}
    out = []
    for i, claim in enumerate(items):
        if claim.id in seen:
            raise ValueError(f"claims[{i}] ({claim.id}): the id is used by claims[{seen[claim.id]}] too")
        seen[claim.id] = i
        out.append(compile_claim(claim, known=known, index=i, start=config.start, months=config.months))
    return out


# ---------------------------------------------------------------------------------------------
# Evaluating
# ---------------------------------------------------------------------------------------------


def verdict(probability: float) -> str:
    """The verdict for a probability: ``supported``, ``contested`` or ``not supported``.

    Supported if ``probability >= SUPPORTED_AT``, not supported if ``probability <= NOT_SUPPORTED_AT``,
    contested otherwise.
    """
    if probability >= SUPPORTED_AT:
        return "supported"
    if probability <= NOT_SUPPORTED_AT:
        return "not supported"
    return "contested"


@dataclass(frozen=True)
class _MetricRef:
    """What a metric name evaluates to inside a claim: a handle the window functions resolve."""

    name: str


class _Table:
    """A metrics table as one (replicates, months) array per metric, built on demand."""

    def __init__(self, metrics: pd.DataFrame) -> None:
        for col in ("replicate", "month", "date"):
            if col not in metrics.columns:
                raise ValueError(f"metrics table: missing column {col!r}")
        if metrics.empty:
            raise ValueError("metrics table is empty: nothing to evaluate claims on")
        frame = metrics.sort_values(["replicate", "month"], kind="stable")
        self.replicates = np.unique(frame["replicate"].to_numpy())
        month = frame["month"].to_numpy()
        self.n_months = int(month.max()) + 1
        shape = (len(self.replicates), self.n_months)
        if len(frame) != shape[0] * shape[1] or not np.array_equal(
            month.reshape(shape), np.broadcast_to(np.arange(self.n_months), shape)
        ):
            raise ValueError("metrics table: every replicate needs one row per month from month 0")
        self.start = pd.Period(pd.Timestamp(frame["date"].iloc[0]), freq="M")
        self.frame = frame
        self.shape = shape
        self._cache: dict[str, np.ndarray] = {}

    @property
    def horizon(self) -> tuple[pd.Period, pd.Period]:
        return self.start, self.start + (self.n_months - 1)

    def array(self, metric: str) -> np.ndarray:
        if metric not in self._cache:
            if metric not in self.frame.columns:
                raise ValueError(f"metrics table has no column {metric!r}")
            self._cache[metric] = self.frame[metric].to_numpy(dtype=float).reshape(self.shape)
        return self._cache[metric]

    def aggregate(self, function: str, metric: str, start: str, end: str) -> np.ndarray:
        i0 = (pd.Period(start, freq="M") - self.start).n
        i1 = (pd.Period(end, freq="M") - self.start).n
        return _AGGREGATE[function](self.array(metric)[:, i0 : i1 + 1])


def window_aggregate(metrics: pd.DataFrame, function: str, metric: str, start: str, end: str) -> np.ndarray:
    """One value per replicate (in replicate order): a window function of a metric over start..end.

    The same aggregation claims use (``sum``, ``mean``, ``min``, ``max``, ``first``, ``last``,
    ``change``), for callers outside the claim grammar such as calibration.

    Raises:
        ValueError: For an unknown function, or a window outside the run.
    """
    if function not in _AGGREGATE:
        raise ValueError(f"aggregate {function!r}; expected one of {', '.join(_AGGREGATE)}")
    table = _Table(metrics)
    lo, hi = table.horizon
    first, last = pd.Period(start, freq="M"), pd.Period(end, freq="M")
    if first < lo or last > hi or first > last:
        raise ValueError(f"window {start}..{end} lies outside the run ({lo}..{hi})")
    return table.aggregate(function, metric, start, end)


def _functions(table: _Table) -> dict[str, Callable[..., np.ndarray]]:
    def make(name: str) -> Callable[..., np.ndarray]:
        def window(ref: _MetricRef, start: str, end: str) -> np.ndarray:
            return table.aggregate(name, ref.name, start, end)

        return window

    return {name: make(name) for name in WINDOW_FUNCTIONS}


def _evaluate_node(compiled: CompiledClaim, node: Node, table: _Table) -> np.ndarray:
    sub = Expression(compiled.expression.source, node, (), ())
    env = {w.metric: _MetricRef(w.metric) for w in compiled.windows}
    value = sub.evaluate(env, _functions(table))
    return np.broadcast_to(np.asarray(value), (table.shape[0],))


def _comparisons(tree: Node) -> list[Compare]:
    """Every comparison in a claim (claims compare window aggregates; see :class:`_Checker`)."""
    found: list[Compare] = []
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, Compare):
            found.append(node)
        elif isinstance(node, Unary):
            stack.append(node.operand)
        elif isinstance(node, BoolOp):
            stack.extend(node.operands)
    return found


def _sides(compiled: CompiledClaim, node: Compare, table: _Table) -> tuple[np.ndarray, np.ndarray]:
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        left = _evaluate_node(compiled, node.left, table).astype(float)
        right = _evaluate_node(compiled, node.right, table).astype(float)
    return left, right


def _numbers(compiled: CompiledClaim, table: _Table) -> np.ndarray:
    """Per replicate: whether every side of every comparison is a finite number (docs/claims.md)."""
    ok = np.ones(table.shape[0], dtype=bool)
    for node in _comparisons(compiled.expression.tree):
        left, right = _sides(compiled, node, table)
        ok &= np.isfinite(left) & np.isfinite(right)
    return ok


def _holds(compiled: CompiledClaim, table: _Table) -> tuple[np.ndarray, np.ndarray]:
    """Per replicate: whether the claim holds, and whether its sides are numbers (if not, it does not)."""
    value = _evaluate_node(compiled, compiled.expression.tree, table)
    if value.dtype != np.bool_:
        raise ValueError(f"{compiled.label}: evaluates to {value.dtype}, not true or false")
    numbers = _numbers(compiled, table)
    return np.asarray(value, dtype=bool) & numbers, numbers


def claim_holds(metrics: pd.DataFrame, claim: Claim, *, known: Sequence[str] | None = None) -> np.ndarray:
    """Whether a claim holds in each replicate, in replicate order (a side that is not a number
    counts as the claim not holding).

    Args:
        metrics: A metrics table.
        claim: The claim.
        known: Metric names it may use (default: the table's metric columns).

    Raises:
        ValueError: For a bad claim (see :func:`compile_claim`), including a window outside the run.
    """
    table = _Table(metrics)
    names = (
        [c for c in metrics.columns if c not in ("replicate", "month", "date")] if known is None else known
    )
    compiled = compile_claim(claim, known=names, start=str(table.start), months=table.n_months)
    return _holds(compiled, table)[0]


def _reason(compiled: CompiledClaim, holds: np.ndarray, numbers: np.ndarray, table: _Table) -> str:
    tree = compiled.expression.tree
    if isinstance(tree, Compare):
        left, right = _sides(compiled, tree, table)
        text = f"{_render(tree.left)}: median {_median(left)} vs {_median(right)}"
    else:
        text = f"holds in {int(holds.sum())} of {holds.size} replicates"
    missing = int((~numbers).sum())
    if missing:
        text += f"; not a number in {missing} of {numbers.size} replicates (counted as not holding)"
    return text


def _median(values: np.ndarray) -> str:
    """The median of the finite values, formatted (``n/a`` when there are none)."""
    finite = values[np.isfinite(values)]
    return format_number(float(np.median(finite)) if finite.size else None)


def evaluate_claims(
    results: Results | pd.DataFrame,
    claims: Sequence[Claim] | None = None,
    *,
    actors: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Score claims on the results of an ensemble.

    Each claim is evaluated once per replicate; a replicate in which a side of any comparison is
    not a finite number (a division by zero gives an infinity or NaN) counts as the claim not
    holding, whatever ``not``, ``and`` and ``or`` around the comparison say (docs/claims.md).

    Args:
        results: The results, or just their metrics table (then ``actors`` is required).
        claims: The claims (default: those in the results' manifest config).
        actors: Actor codes of the run (default: from the results' manifest).

    Returns:
        One row per claim with columns ``id``, ``text``, ``by``, ``expr``, ``probability`` (share of
        replicates in which the claim holds), ``verdict``, ``reason`` (one line: the medians of the two
        sides of a top-level comparison, otherwise how many replicates it holds in) and ``runs``.

    Raises:
        ValueError: For a bad claim (see :func:`compile_claim`), including a window outside the run's
            range (the message names the claim, the window and the range).
    """
    if isinstance(results, pd.DataFrame):
        if actors is None:
            raise ValueError("evaluate_claims: pass actors=... with a bare metrics table")
        metrics = results
        manifest: Mapping[str, Any] = {}
    else:
        metrics = results.metrics
        manifest = results.manifest
        actors = results.actors if actors is None else actors
    if claims is None:
        raw = (manifest.get("config") or {}).get("claims") or []
        claims = [Claim.model_validate(c) for c in raw]
    table = _Table(metrics)
    known = metric_names(list(actors))
    start, months = str(table.start), table.n_months
    compiled = []
    seen: set[str] = set()
    for i, claim in enumerate(claims):
        if claim.id in seen:
            raise ValueError(f"claims[{i}] ({claim.id}): the id is used by another claim too")
        seen.add(claim.id)
        compiled.append(compile_claim(claim, known=known, index=i, start=start, months=months))
    rows = []
    for c in compiled:
        holds, numbers = _holds(c, table)
        probability = float(holds.mean())
        rows.append(
            {
                "id": c.claim.id,
                "text": c.claim.text,
                "by": c.claim.by,
                "expr": c.claim.expr,
                "probability": probability,
                "verdict": verdict(probability),
                "reason": _reason(c, holds, numbers, table),
                "runs": int(holds.size),
            }
        )
    return pd.DataFrame(rows, columns=list(COLUMNS))


# ---------------------------------------------------------------------------------------------
# Text
# ---------------------------------------------------------------------------------------------


def _number(value: float) -> str:
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


def _render(node: Node) -> str:
    """Compact text of a syntax tree node, windows written ``f(metric, start..end)``."""
    if isinstance(node, Call):
        if (
            len(node.args) == 3
            and isinstance(node.args[0], Name)
            and all(isinstance(a, String) for a in node.args[1:])
        ):
            start, end = node.args[1], node.args[2]
            assert isinstance(start, String) and isinstance(end, String)
            return f"{node.name}({node.args[0].id}, {start.value}..{end.value})"
        return f"{node.name}({', '.join(_render(a) for a in node.args)})"
    if isinstance(node, Number):
        return _number(node.value)
    if isinstance(node, String):
        return f'"{node.value}"'
    if isinstance(node, Bool):
        return "true" if node.value else "false"
    if isinstance(node, Name):
        return node.id
    if isinstance(node, Unary):
        inner = _render_operand(node.operand)
        return f"not {inner}" if node.op == "not" else f"{node.op}{inner}"
    if isinstance(node, BinOp | Compare):
        return f"{_render_operand(node.left)} {node.op} {_render_operand(node.right)}"
    if isinstance(node, BoolOp):
        return f" {node.op} ".join(_render_operand(op) for op in node.operands)
    return type(node).__name__  # pragma: no cover


def _render_operand(node: Node) -> str:
    text = _render(node)
    return f"({text})" if isinstance(node, BinOp | Compare | BoolOp) else text
