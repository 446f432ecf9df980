"""Observations files: sourced figures, each mapped to a model quantity and a rule (``docs/observations.md``).

One file drives the calibration test, ``sanctionsim validate``, ``calibrate`` and ``backtest``. It is a
CSV (or a YAML list of the same fields), one row per sourced figure:

- **source columns**: ``id`` (required, unique), ``value``, ``low``, ``high`` (numbers; empty when
  not given), ``unit``, ``quantity``, ``period_start``, ``period_end``, ``estimate_by`` or
  ``source``, ``reported``, ``confidence``, ``note``;
- **mapping columns**: ``metric`` with ``aggregate`` and ``window_start``/``window_end`` (and
  ``base_start``/``base_end`` for ``ratio``), or ``expr`` instead of the three; ``rule``, ``slack``
  and ``scale`` turn the row's numbers into the observed value or range in the model's unit;
  ``target`` groups rows into one observation (the ``hull`` rule); ``model_note`` says why.

A row with neither ``metric`` nor ``expr`` is *unanswered*: it is listed, never dropped. Rows are
dated by the last month their model quantity reads (:attr:`Target.date`), which is what ``--until``
and ``--cutoff`` compare with.

Every problem is one line naming the file, the row's line and id, and what was expected::

    obs.csv: line 4 (row shells_x): aggregate 'summ'; expected one of sum, mean, ... Did you mean 'sum'?
"""

from __future__ import annotations

import csv
import io
import math
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import yaml

from sanctionsim.analysis.aggregates import AGGREGATES, Quantity, month
from sanctionsim.formatting import format_number
from sanctionsim.metrics import metric_names
from sanctionsim.resources import data_root
from sanctionsim.scenario.bounded import LimitError, load_bounded, read_bounded
from sanctionsim.scenario.errors import did_you_mean

__all__ = [
    "COLUMNS",
    "RULES",
    "SHIPPED",
    "Observations",
    "Row",
    "Target",
    "describe_observed",
    "find_observations",
    "load_observations",
    "summary_fields",
]

#: The shipped in-sample file: the rows of ``data/observations_to_2024-06.csv`` with their mapping
#: (package data: :func:`sanctionsim.resources.data_root`).
SHIPPED = data_root() / "observations" / "in-sample_to_2024-06.csv"
_SUFFIXES = (".csv", ".yaml", ".yml")
#: How the limits of :mod:`sanctionsim.scenario.bounded` name these files in their messages.
_WHAT = "observations files"

#: Source columns: what the figure is and where it comes from.
SOURCE_COLUMNS: dict[str, str] = {
    "id": "unique row id (required)",
    "quantity": "what was measured, in words",
    "value": "the figure (number)",
    "low": "lower end of a stated range or a lower bound (number)",
    "high": "upper end of a stated range or an upper bound (number)",
    "unit": "unit of value, low and high",
    "period_start": "first month the figure covers (YYYY-MM)",
    "period_end": "last month the figure covers (YYYY-MM)",
    "estimate_by": "who made the estimate",
    "source": "where the figure comes from",
    "reported": "when it was reported (YYYY-MM or YYYY-MM-DD)",
    "confidence": "low, medium or high",
    "note": "anything else",
}
#: Mapping columns: which model quantity answers the row, and how its numbers become an observation.
MAPPING_COLUMNS: dict[str, str] = {
    "target": "group id: rows with the same target form one observation (default: the row id)",
    "metric": "metric name (docs/metrics.md)",
    "aggregate": "how the metric is aggregated over the window: " + ", ".join(AGGREGATES),
    "window_start": "first month of the window (YYYY-MM)",
    "window_end": "last month of the window (YYYY-MM), included",
    "base_start": "first month of the base window of a ratio (YYYY-MM)",
    "base_end": "last month of the base window of a ratio (YYYY-MM)",
    "expr": "instead of metric/aggregate/window: a numeric expression of window aggregates",
    "rule": "how value/low/high become the observation (default auto)",
    "slack": "relative widening used by hull, around, at_least and at_most (default 0)",
    "scale": "factor from the row's unit to the model's (number or a/b; default 1)",
    "model_note": "why this mapping, or why the row is unanswered",
}
#: Every column an observations file may have.
COLUMNS: dict[str, str] = {**SOURCE_COLUMNS, **MAPPING_COLUMNS}

#: Rules that turn a row's numbers (times ``scale``) into the observed value or range.
RULES: dict[str, str] = {
    "auto": "range when low or high is given, otherwise point",
    "point": "the value itself",
    "range": "[low, high]; a missing end is open",
    "hull": "[smallest, largest] of the group's values, lows and highs, each end widened by slack",
    "around": "value widened by slack on both sides: value * (1 -/+ slack)",
    "at_least": "[value * (1 - slack), open): the figure is a lower bound",
    "at_most": "(open, value * (1 + slack)]: the figure is an upper bound",
}
_SLACK_RULES = ("hull", "around", "at_least", "at_most")
_NUMBERS = ("value", "low", "high")
_MONTHS = ("window_start", "window_end", "base_start", "base_end")
_QUANTITY_COLUMNS = ("metric", "aggregate", *_MONTHS, "expr")


@dataclass(frozen=True)
class Row:
    """One row of an observations file.

    Attributes:
        id: The row id.
        where: Where it is in the file: ``line 5`` (CSV) or ``observations[3]`` (YAML).
        fields: Every column as written (text; empty when not given).
        value: The figure, or ``None``.
        low: Lower end or bound, or ``None``.
        high: Upper end or bound, or ``None``.
        quantity: The model quantity that answers it, or ``None`` when unanswered.
        rule: One of :data:`RULES`.
        slack: Relative widening (rules hull, around, at_least, at_most).
        scale: Factor from the row's unit to the model's.
        target: The observation it belongs to (its own id unless grouped).
    """

    id: str
    where: str
    fields: Mapping[str, str]
    value: float | None
    low: float | None
    high: float | None
    quantity: Quantity | None
    rule: str
    slack: float
    scale: float
    target: str

    @property
    def answered(self) -> bool:
        """Whether a model quantity answers the row."""
        return self.quantity is not None

    @property
    def date(self) -> str | None:
        """``YYYY-MM`` the row is dated by: its quantity's last month, else the period it covers."""
        if self.quantity is not None:
            return self.quantity.last_month
        for key in ("period_end", "period_start", "reported"):
            text = self.fields.get(key, "")[:7]
            try:
                return str(month(text))
            except ValueError:
                continue
        return None

    @property
    def reason(self) -> str:
        """Why an unanswered row is unanswered (its ``model_note``, or a default)."""
        return self.fields.get("model_note", "") or "no metric or expr maps it to the model"


@dataclass(frozen=True)
class Target:
    """One observation the model is scored on: a model quantity and the observed value or range.

    Attributes:
        id: The target id (a row id, or the ``target`` column of grouped rows).
        rows: The rows it is derived from.
        quantity: The model quantity.
        low: Lower end of the observation in model units (``-inf`` when open).
        high: Upper end (``inf`` when open); equal to ``low`` for a point.
        rule: The rule that derived it.
        where: Where its first row is in the file.
    """

    id: str
    rows: tuple[Row, ...]
    quantity: Quantity
    low: float
    high: float
    rule: str
    where: str

    @property
    def kind(self) -> str:
        """``point``, ``interval`` (both ends finite), ``lower`` (a lower bound) or ``upper``."""
        if self.low == self.high:
            return "point"
        if math.isinf(self.low):
            return "upper"
        if math.isinf(self.high):
            return "lower"
        return "interval"

    @property
    def date(self) -> str:
        """The last month the quantity reads (``YYYY-MM``)."""
        return self.quantity.last_month

    @property
    def scale(self) -> float:
        """A typical size of the observation, to make scores comparable across rows (1 when zero)."""
        ends = [abs(x) for x in (self.low, self.high) if math.isfinite(x)]
        size = sum(ends) / len(ends) if ends else 0.0
        return size if size > 0 else 1.0


@dataclass(frozen=True)
class Observations:
    """A loaded observations file.

    Attributes:
        path: The file.
        rows: Every row, in file order.
        targets: The observations the model answers, in file order of their first row.
        unanswered: Rows no model quantity answers.
    """

    path: Path
    rows: tuple[Row, ...]
    targets: tuple[Target, ...]
    unanswered: tuple[Row, ...]

    def label(self, item: Row | Target) -> str:
        """How errors name a row or target: ``obs.csv: line 4 (row shells_x)``."""
        kind = "row" if isinstance(item, Row) else "target"
        return f"{_display(self.path)}: {item.where} ({kind} {item.id})"

    def select(self, *, until: str | None = None, after: str | None = None) -> Observations:
        """The rows dated up to ``until`` and/or after ``after`` (``YYYY-MM``).

        Targets are dated by :attr:`Target.date`; unanswered rows by :attr:`Row.date`, and an undated
        unanswered row counts as up to any ``until`` and never after an ``after``.

        Raises:
            ValueError: If a month is not ``YYYY-MM``.
        """
        try:
            hi = month(until) if until is not None else None
        except ValueError as err:
            raise ValueError(f"--until: {err}") from None
        try:
            lo = month(after) if after is not None else None
        except ValueError as err:
            raise ValueError(f"--after: {err}") from None

        def keep(date: str | None) -> bool:
            if date is None:
                return lo is None
            when = month(date)
            return (hi is None or when <= hi) and (lo is None or when > lo)

        targets = tuple(t for t in self.targets if keep(t.date))
        unanswered = tuple(r for r in self.unanswered if keep(r.date))
        ids = {r.id for t in targets for r in t.rows} | {r.id for r in unanswered}
        return replace(
            self, rows=tuple(r for r in self.rows if r.id in ids), targets=targets, unanswered=unanswered
        )

    def check(self, *, actors: Sequence[str], start: str, months: int) -> None:
        """Check every target against a run: metric names known, windows inside the run.

        Raises:
            ValueError: One line naming the file, the row's line and id, with a did-you-mean.
        """
        known = metric_names(list(actors))
        for t in self.targets:
            try:
                t.quantity.check(known=known, start=start, months=months)
            except ValueError as err:
                raise ValueError(f"{self.label(t.rows[0])}: {err}") from None

    @property
    def last_month(self) -> str | None:
        """The latest month any target reads, or ``None`` without targets."""
        return max((t.date for t in self.targets), key=month, default=None)


def find_observations(path: str | os.PathLike[str]) -> Path:
    """An observations file: ``path`` if it exists, else the packaged file it names.

    A relative path that is not a file is looked up in the package's data folder, so
    ``data/observations/in-sample_to_2024-06.csv``, ``observations/in-sample_to_2024-06.csv`` and
    ``in-sample_to_2024-06`` reach the shipped file from any folder (the suffix may be left off).

    Returns:
        The file found, or ``path`` unchanged when there is none.
    """
    file = Path(path)
    if file.is_file() or file.is_absolute() or not file.parts:
        return file
    parts = file.parts[1:] if file.parts[0] == "data" and len(file.parts) > 1 else file.parts
    root = data_root()
    for base in (root.joinpath(*parts), root.joinpath("observations", *parts)):
        for candidate in (base, *(base.with_name(base.name + s) for s in _SUFFIXES)):
            if candidate.is_file() and candidate.resolve().is_relative_to(root.resolve()):
                return candidate
    return file


def load_observations(path: str | os.PathLike[str]) -> Observations:
    """Read an observations file (``.csv``, or ``.yaml``/``.yml`` holding a list of rows).

    ``path`` is found with :func:`find_observations`: a file, or the name of a packaged one.

    The file is read as data within the limits of :mod:`sanctionsim.scenario.bounded`, as scenario
    files are: at most 1,000,000 bytes, a regular file, and YAML whose aliases expand to at most
    100,000 values nested at most 50 deep, so a hostile file is refused in bounded time and memory.

    Raises:
        FileNotFoundError: If the file does not exist.
        ValueError: One line naming the file and the row for any problem in it (a file beyond the
            limits too).
    """
    file = find_observations(path)
    if not file.is_file():
        raise FileNotFoundError(f"{_display(file)}: observations file not found")
    try:
        text = read_bounded(file, what=_WHAT).decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise ValueError(f"{_display(file)}: not UTF-8 text ({err.reason} at byte {err.start})") from None
    except LimitError as err:
        raise ValueError(f"{_display(file)}: {err}") from None
    is_yaml = file.suffix.lower() in (".yaml", ".yml")
    raw = _yaml_rows(file, text) if is_yaml else _csv_rows(file, text)
    rows = tuple(_row(file, where, fields) for where, fields in raw)
    if not rows:
        raise ValueError(f"{_display(file)}: no observation rows")
    seen: dict[str, str] = {}
    for r in rows:
        if r.id in seen:
            raise ValueError(f"{_display(file)}: {r.where} (row {r.id}): id already used at {seen[r.id]}")
        seen[r.id] = r.where
    targets = _targets(file, rows)
    return Observations(
        path=file, rows=rows, targets=targets, unanswered=tuple(r for r in rows if not r.answered)
    )


# ---------------------------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------------------------


def _display(path: Path) -> str:
    try:
        text = os.path.relpath(path)
    except ValueError:
        return str(path)
    return str(path) if text.startswith("..") else text


def _check_columns(file: Path, where: str, names: Iterable[str]) -> None:
    for name in names:
        if name not in COLUMNS:
            hint = did_you_mean(name, COLUMNS)
            raise ValueError(
                f"{_display(file)}: {where}: unknown column {name!r}; expected some of: {', '.join(COLUMNS)}"
                + (f". Did you mean '{hint}'?" if hint else "")
            )


def _csv_rows(file: Path, text: str) -> list[tuple[str, dict[str, str]]]:
    reader = csv.reader(io.StringIO(text))
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise ValueError(f"{_display(file)}: empty file; expected a header line with an id column") from None
    except csv.Error as err:
        raise ValueError(f"{_display(file)}: line 1: {err}") from None
    _check_columns(file, "line 1", [h for h in header if h])
    if "id" not in header:
        raise ValueError(f"{_display(file)}: line 1: no 'id' column; the header names the columns")
    out = []
    line = reader.line_num
    try:
        for cells in reader:
            first, line = line + 1, reader.line_num
            if not any(c.strip() for c in cells) or cells[0].lstrip().startswith("#"):
                continue  # blank line or comment
            if len(cells) > len(header):
                raise ValueError(
                    f"{_display(file)}: line {first}: {len(cells)} cells but the header has {len(header)} "
                    "columns (quote cells that contain commas)"
                )
            fields = {h: c.strip() for h, c in zip(header, cells, strict=False) if h}
            out.append((f"line {first}", fields))
    except csv.Error as err:
        raise ValueError(f"{_display(file)}: line {reader.line_num}: {err}") from None
    return out


def _yaml_rows(file: Path, text: str) -> list[tuple[str, dict[str, str]]]:
    try:
        data = load_bounded(text, what=_WHAT)
    except LimitError as err:
        raise ValueError(f"{_display(file)}: {err}") from None
    except yaml.YAMLError as err:
        raise ValueError(f"{_display(file)}: not valid YAML: {' '.join(str(err).split())}") from None
    if isinstance(data, dict) and set(data) == {"observations"}:
        data = data["observations"]
    if not isinstance(data, list):
        raise ValueError(f"{_display(file)}: expected a list of rows (or 'observations:' holding one)")
    out = []
    for i, item in enumerate(data):
        where = f"observations[{i}]"
        if not isinstance(item, dict):
            raise ValueError(f"{_display(file)}: {where}: expected a mapping of columns to values")
        item = dict(item)
        if "window" in item:  # window: [start, end] as a shorthand
            window = item.pop("window")
            if not (isinstance(window, list) and len(window) == 2):
                raise ValueError(f"{_display(file)}: {where}: window: expected [YYYY-MM, YYYY-MM]")
            item["window_start"], item["window_end"] = window
        _check_columns(file, where, [str(k) for k in item])
        out.append((where, {str(k): "" if v is None else str(v).strip() for k, v in item.items()}))
    return out


def _number(text: str, column: str, *, fraction: bool = False) -> float | None:
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        value = math.nan
        if fraction and text.count("/") == 1:
            num, den = text.split("/")
            try:
                value = float(num) / float(den)
            except (ValueError, ZeroDivisionError):
                value = math.nan
    if not math.isfinite(value):
        expected = "a finite number or a fraction a/b" if fraction else "a finite number, e.g. 1.5e6"
        raise ValueError(f"{column} {text!r} is not a number; expected {expected}")
    return value


def _row(file: Path, where: str, fields: dict[str, str]) -> Row:
    rid = fields.get("id", "")
    label = f"{_display(file)}: {where} (row {rid})" if rid else f"{_display(file)}: {where}"
    try:
        if not rid:
            raise ValueError("empty id; every row needs a unique id")
        values = {c: _number(fields.get(c, ""), c) for c in _NUMBERS}
        slack = _number(fields.get("slack", ""), "slack") or 0.0
        scale = _number(fields.get("scale", ""), "scale", fraction=True)
        scale = 1.0 if scale is None else scale
        if scale <= 0:
            raise ValueError(f"scale {fields['scale']!r} must be positive")
        for c in _MONTHS:
            if fields.get(c):
                try:
                    month(fields[c])
                except ValueError as err:
                    raise ValueError(f"{c}: {err}") from None
        rule = fields.get("rule", "") or "auto"
        if rule not in RULES:
            hint = did_you_mean(rule, RULES)
            raise ValueError(
                f"rule {rule!r}; expected one of {', '.join(RULES)}"
                + (f". Did you mean '{hint}'?" if hint else "")
            )
        quantity = _quantity(fields)
        if quantity is None:
            mapped = [c for c in ("rule", "slack", "scale", "aggregate", *_MONTHS) if fields.get(c)]
            if mapped:
                raise ValueError(f"{', '.join(mapped)} given but no metric or expr to apply them to")
        else:
            _check_rule(rule, values, slack)
    except ValueError as err:
        raise ValueError(f"{label}: {err}") from None
    return Row(
        id=rid,
        where=where,
        fields=fields,
        value=values["value"],
        low=values["low"],
        high=values["high"],
        quantity=quantity,
        rule=rule,
        slack=slack,
        scale=scale,
        target=fields.get("target", "") or rid,
    )


def _quantity(fields: Mapping[str, str]) -> Quantity | None:
    given = {c: fields.get(c, "") or None for c in _QUANTITY_COLUMNS}
    if given["metric"] is None and given["expr"] is None:
        return None
    aggregate = given["aggregate"]
    if aggregate is not None and aggregate not in AGGREGATES:
        hint = did_you_mean(aggregate, AGGREGATES)
        raise ValueError(
            f"aggregate {aggregate!r}; expected one of {', '.join(AGGREGATES)}"
            + (f". Did you mean '{hint}'?" if hint else "")
        )
    if given["expr"] is not None:
        extra = [c for c in ("metric", "aggregate", *_MONTHS) if given[c] is not None]
        if extra:
            raise ValueError(
                f"expr stands in for metric, aggregate and window; leave {', '.join(extra)} empty"
            )
        # months may be single-quoted in a spreadsheet cell; the grammar's strings use double quotes
        return Quantity(expr=given["expr"].replace("'", '"'))
    return Quantity(
        metric=given["metric"],
        aggregate=aggregate,
        start=given["window_start"],
        end=given["window_end"],
        base_start=given["base_start"],
        base_end=given["base_end"],
    )


def _check_rule(rule: str, values: Mapping[str, float | None], slack: float) -> None:
    value, low, high = values["value"], values["low"], values["high"]
    if value is None and low is None and high is None:
        raise ValueError("no value, low or high: nothing to compare the model with")
    if rule in ("point", "around", "at_least", "at_most") and value is None:
        raise ValueError(f"rule {rule!r} needs a value")
    if rule == "range" and low is None and high is None:
        raise ValueError("rule 'range' needs low or high")
    if low is not None and high is not None and low > high:
        raise ValueError(f"low {low:g} is above high {high:g}")
    if slack and rule not in _SLACK_RULES:
        raise ValueError(f"slack applies to rules {', '.join(_SLACK_RULES)}, not {rule!r}")


# ---------------------------------------------------------------------------------------------
# Rules and targets
# ---------------------------------------------------------------------------------------------


def _interval(rule: str, rows: Sequence[Row]) -> tuple[float, float]:
    """The observed [low, high] in model units (infinite when open) for rows sharing one mapping."""
    r = rows[0]
    s, slack = r.scale, r.slack
    if rule == "auto":
        rule = "range" if r.low is not None or r.high is not None else "point"
    if rule == "hull":
        points = [x * s for row in rows for x in (row.value, row.low, row.high) if x is not None]
        lo, hi = min(points), max(points)
        return lo - slack * abs(lo), hi + slack * abs(hi)
    if rule == "range":
        return (
            r.low * s if r.low is not None else -math.inf,
            r.high * s if r.high is not None else math.inf,
        )
    assert r.value is not None
    v = r.value * s
    if rule == "point":
        return v, v
    if rule == "around":
        return v - slack * abs(v), v + slack * abs(v)
    if rule == "at_least":
        return v - slack * abs(v), math.inf
    return -math.inf, v + slack * abs(v)  # at_most


def _targets(file: Path, rows: Sequence[Row]) -> tuple[Target, ...]:
    groups: dict[str, list[Row]] = {}
    for r in rows:
        if r.answered:
            groups.setdefault(r.target, []).append(r)
    ids = {r.id for r in rows}
    out = []
    for tid, members in groups.items():
        first = members[0]
        label = f"{_display(file)}: {first.where} (row {first.id})"
        if tid in ids and tid not in {m.id for m in members}:
            raise ValueError(f"{label}: target {tid!r} is another row's id; give the group its own name")
        for m in members[1:]:
            if (m.quantity, m.rule, m.slack, m.scale) != (
                first.quantity,
                first.rule,
                first.slack,
                first.scale,
            ):
                raise ValueError(
                    f"{_display(file)}: {m.where} (row {m.id}): rows of target {tid!r} must share metric, "
                    f"aggregate, window, expr, rule, slack and scale; they differ from row {first.id}"
                )
        if len(members) > 1 and first.rule != "hull":
            raise ValueError(
                f"{label}: target {tid!r} groups {len(members)} rows; "
                "grouped rows combine only by rule 'hull'"
            )
        assert first.quantity is not None
        low, high = _interval(first.rule, members)
        out.append(
            Target(
                id=tid,
                rows=tuple(members),
                quantity=first.quantity,
                low=low,
                high=high,
                rule=first.rule,
                where=first.where,
            )
        )
    return tuple(out)


def describe_observed(target: Target) -> str:
    """The observation in words for tables: ``1M``, ``[6.7k, 12.5k]``, ``>= 1M`` or ``<= 4.8M``."""
    kind = target.kind
    if kind == "point":
        return format_number(target.low)
    if kind == "lower":
        return f">= {format_number(target.low)}"
    if kind == "upper":
        return f"<= {format_number(target.high)}"
    return f"[{format_number(target.low)}, {format_number(target.high)}]"


def summary_fields(target: Target) -> dict[str, Any]:
    """Plain data describing a target, for JSON and reports (infinite ends become ``None``)."""
    return {
        "id": target.id,
        "rows": [r.id for r in target.rows],
        "where": target.where,
        "quantity": str(target.quantity),
        "date": target.date,
        "rule": target.rule,
        "kind": target.kind,
        "low": target.low if math.isfinite(target.low) else None,
        "high": target.high if math.isfinite(target.high) else None,
        "observed": describe_observed(target),
    }
