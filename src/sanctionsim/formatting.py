"""Number formatting: one place for how numbers read in tables, JSON strings and reports."""

from __future__ import annotations

import math


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
