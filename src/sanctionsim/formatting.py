"""Number formatting: one place for how numbers read in tables, JSON strings and reports."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np


def format_number(value: float | None) -> str:
    """Format a number with 3 significant digits and a k/M/bn/tn suffix, e.g. ``-1.53M``.

    The CLI table, the ``formatted`` fields of ``compare --json`` and the report
    all use this function, so the same number reads the same everywhere.
    ``None`` and NaN give ``"n/a"``.
    """
    if value is None or not math.isfinite(float(value)):
        return "n/a"
    value = float(value) + 0.0  # turns -0.0 into 0.0
    if value == 0.0:
        return "0"
    a = abs(value)
    for scale, suffix in ((1e12, "tn"), (1e9, "bn"), (1e6, "M"), (1e3, "k")):
        if a >= scale * 0.9995:  # 999,600 -> "1M", not "1e+03k"
            return f"{value / scale:.3g}{suffix}"
    return f"{value:.3g}"


def format_percent(value: float | None) -> str:
    """Format a share as a signed percentage with one decimal, e.g. ``-6.1%``.

    Exactly 0 gives ``0.0%``; a small nonzero value keeps its sign (``-0.0%``); NaN gives ``"n/a"``.
    """
    if value is None or not math.isfinite(float(value)):
        return "n/a"
    if float(value) == 0.0:
        return "0.0%"
    return f"{100.0 * float(value):+.1f}%"


def format_probability(value: float | None) -> str:
    """Format a probability with two decimals, e.g. ``0.97``; NaN gives ``"n/a"``."""
    if value is None or not math.isfinite(float(value)):
        return "n/a"
    return f"{float(value):.2f}"


def format_signed(value: float | None) -> str:
    """:func:`format_number` with a ``+`` on positive values: ``+1.2M``, ``-3``, ``0``, ``n/a``."""
    text = format_number(value)
    return text if text in ("0", "n/a") or text.startswith("-") else f"+{text}"


def format_effect(row: Mapping[str, Any]) -> dict[str, str]:
    """The display strings of one row of an effects table (``analysis.effects.EFFECT_COLUMNS``).

    Returns:
        ``base_median``, ``median_diff``, ``interval`` (90% interval of the
        paired difference), ``rel_change``, ``rel_interval`` and ``p_good``, as
        shown by ``sanctionsim compare``, its ``--json`` output and the report.
    """
    return {
        "base_median": format_number(row["base_median"]),
        "median_diff": format_signed(row["median_diff"]),
        "interval": f"{format_signed(row['diff_p05'])} to {format_signed(row['diff_p95'])}",
        "rel_change": format_percent(row["rel_change"]),
        "rel_interval": f"{format_percent(row['rel_p05'])} to {format_percent(row['rel_p95'])}",
        # a difference of exactly zero in 90% of replicates is no evidence either way, not "P = 0"
        "p_good": "no change"
        if row["diff_p05"] == row["diff_p95"] == 0
        else format_probability(row["p_good"]),
    }


def plain_json(value: Any) -> Any:
    """``value`` as data that strict JSON accepts: numpy scalars and arrays become Python values, and
    NaN and infinities become ``None`` (``null``), in nested mappings and lists too."""
    if isinstance(value, np.ndarray):
        value = value.tolist()
    elif isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Mapping):
        return {k: plain_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain_json(v) for v in value]
    return value
