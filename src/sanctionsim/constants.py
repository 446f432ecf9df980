"""Numerical constants shared across the package (one home, so that no module redefines them)."""

from __future__ import annotations

#: Guard for divisions by quantities that may be zero: ``x / max(y, EPS)``.
EPS: float = 1e-9

#: Share kept back when splitting a stock or balance, so that rounding never sends more than is held.
HEADROOM: float = 1.0 - 1e-12

#: Resolution (dots per inch) of the PNG figures the package writes, unless asked for another.
FIGURE_DPI: int = 120

#: The file formats figures are written in (``sanctionsim plot --format``), by file suffix.
FIGURE_FORMATS: tuple[str, ...] = ("png", "svg", "pdf")
