"""Storylines: which events fired, in what share of replicates, and when.

An ensemble's event log (``Results.events``) holds one row per replicate and
firing. A storyline row summarises one event across replicates: the share of
replicates in which it fired at least once and the median calendar month of its
first firing among them. Events declared in the scenario that never fired are
listed too (share 0), so a conditional event that the model never triggered is
visible.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from sanctionsim.results import Results

__all__ = ["STORYLINE_COLUMNS", "calendar_month", "storylines"]

#: Columns of :func:`storylines`, in order.
STORYLINE_COLUMNS: tuple[str, ...] = (
    "event",
    "kind",
    "replicates",
    "runs",
    "share",
    "median_month",
    "median_date",
    "first_date",
    "last_date",
    "firings",
    "description",
)


def calendar_month(start: str, month: int) -> str:
    """Calendar month ``YYYY-MM`` of month ``month`` of a run that starts in ``start`` (``YYYY-MM``)."""
    return (pd.Period(str(start)[:7], freq="M") + int(month)).strftime("%Y-%m")


def _declared(manifest: dict[str, Any]) -> list[dict[str, Any]]:
    events = (manifest.get("config") or {}).get("events") or []
    return [e for e in events if isinstance(e, dict) and "name" in e]


def storylines(results: Results) -> pd.DataFrame:
    """Summarise the event log of a run, one row per event.

    Args:
        results: A run; its manifest gives ``runs``, ``start`` and the declared events.

    Returns:
        A frame with :data:`STORYLINE_COLUMNS`: ``kind`` (``scheduled`` or
        ``conditional``), ``replicates`` (how many fired it at least once),
        ``runs``, ``share`` (``replicates / runs``), ``median_month`` (median
        month index of the first firing among those replicates, taken as an
        observed month: the lower of the two middle ones for an even count;
        ``NA`` if it never fired), ``median_date``, ``first_date`` and
        ``last_date`` (calendar months ``YYYY-MM`` of the median, earliest and
        latest first firing), ``firings`` (rows in the log, counting repeats)
        and ``description``. Declared events come first in scenario order, then
        events only the model logs (such as adaptive escalations).
    """
    manifest = results.manifest
    runs = int(manifest.get("runs") or results.metrics["replicate"].nunique())
    start = str(manifest.get("start"))
    log = results.events
    order: dict[str, dict[str, str]] = {}
    for ev in _declared(manifest):
        kind = "scheduled" if ev.get("at") is not None else "conditional"
        order[str(ev["name"])] = {"kind": kind, "description": str(ev.get("description") or "")}
    for row in log[["event", "kind", "detail"]].drop_duplicates("event").itertuples(index=False):
        order.setdefault(str(row.event), {"kind": str(row.kind), "description": str(row.detail)})
    rows = []
    for name, info in order.items():
        fired = log[log["event"] == name]
        first = fired.groupby("replicate")["month"].min().to_numpy()
        n = len(first)
        median = int(np.quantile(first, 0.5, method="inverted_cdf")) if n else None
        rows.append(
            {
                "event": name,
                "kind": str(fired["kind"].iloc[0]) if n else info["kind"],
                "replicates": n,
                "runs": runs,
                "share": n / runs if runs else float("nan"),
                "median_month": median if median is not None else pd.NA,
                "median_date": calendar_month(start, median) if median is not None else "",
                "first_date": calendar_month(start, int(first.min())) if n else "",
                "last_date": calendar_month(start, int(first.max())) if n else "",
                "firings": len(fired),
                "description": info["description"],
            }
        )
    return pd.DataFrame(rows, columns=list(STORYLINE_COLUMNS))
