"""Per-replicate outcomes of a run, in the claim grammar, joined to the parameters each replicate had.

An outcome is one value per replicate:

- a numeric expression of window aggregates, ``sum(shells_prk_to_rus, "2025-01", "2025-12")`` or
  ``mean(x, "2025-07", "2026-06") / mean(x, "2023-08", "2024-06")`` (:class:`~.aggregates.Quantity`);
- a condition, true or false: a claim (``policies/sanctions-enforced:shells_halved``, or the id of a
  claim of the run's own scenario) or a comparison (``sum(...) > 1e6``);
- a metric name alone: its horizon total for a flow, its final value for a level
  (:func:`~.summary.outcome`).

:func:`joined` puts outcomes beside ``inputs.parquet`` (``ss.joined``); :func:`by_point` averages a
design's replicates per point, as sensitivity analyses need.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sanctionsim.analysis.aggregates import Quantity
from sanctionsim.analysis.claims import claim_holds
from sanctionsim.analysis.summary import outcome
from sanctionsim.metrics import metric_names, unknown_metric_message
from sanctionsim.results import Results
from sanctionsim.scenario import load_scenario
from sanctionsim.scenario.library import find_scenario
from sanctionsim.scenario.schema import Claim

__all__ = [
    "Condition",
    "by_point",
    "condition",
    "explored",
    "joined",
    "metric_columns",
    "outcomes",
    "quantity",
]

_KEYS = ("replicate", "month", "date")


def metric_columns(results: Results) -> list[str]:
    """The metric columns of a run's metrics table."""
    return [str(c) for c in results.metrics.columns if c not in _KEYS]


def _claim(results: Results, ref: str, *, root: str | os.PathLike[str] | None = None) -> Claim:
    """A claim named ``SCENARIO:ID`` (a scenario file, or a name in ``./scenarios``, ``root`` or the
    package), or ``ID`` of the run's own scenario."""
    scenario, sep, claim_id = ref.rpartition(":")
    if sep:
        claims = load_scenario(find_scenario(scenario, root=root), root=root).config.claims
        where = f"scenario {scenario!r}"
    else:
        claims = [Claim.model_validate(c) for c in (results.manifest.get("config") or {}).get("claims") or []]
        where = f"the run's scenario {results.manifest.get('scenario')!r}"
    for c in claims:
        if c.id == claim_id:
            return c
    ids = ", ".join(c.id for c in claims) or "none"
    raise ValueError(f"--claim {ref!r}: {where} has no claim {claim_id!r}; its claims: {ids}")


@dataclass(frozen=True)
class Condition:
    """A condition evaluated per replicate.

    Attributes:
        label: What it is: the claim's reference or the expression.
        expr: The expression evaluated.
        holds: Whether it holds, per replicate in replicate order.
        text: The claim's text (empty for an expression).
    """

    label: str
    expr: str
    holds: np.ndarray
    text: str = ""


def condition(
    results: Results,
    *,
    claim: str | None = None,
    where: str | None = None,
    root: str | os.PathLike[str] | None = None,
) -> Condition:
    """Evaluate a claim (``SCENARIO:ID`` or ``ID``) or a condition in the claim grammar per replicate.

    ``root`` is a scenarios folder the claim's scenario is looked up in as well (``--root``).

    Raises:
        ValueError: For both or neither of ``claim`` and ``where``, an unknown claim, or a bad
            expression (naming it).
    """
    if (claim is None) == (where is None):
        raise ValueError("give one condition: --claim SCENARIO:CLAIM_ID or --where EXPR")
    if claim is not None:
        c = _claim(results, claim, root=root)
        holds = claim_holds(results.metrics, c, known=metric_columns(results))
        return Condition(label=claim, expr=c.expr, holds=holds, text=c.text)
    assert where is not None
    try:
        holds = claim_holds(
            results.metrics, Claim(id="where", text=where, expr=where), known=metric_columns(results)
        )
    except ValueError as err:
        raise ValueError(f"--where {where!r}: {str(err).removeprefix('claims[0] (where): ')}") from None
    return Condition(label=where, expr=where, holds=holds)


def quantity(results: Results, expr: str) -> np.ndarray:
    """A numeric outcome per replicate, in replicate order: an expression of window aggregates, or a
    metric name alone (its horizon total for a flow, its final value for a level).

    Raises:
        ValueError: For a bad expression, an unknown metric or a window outside the run, naming it.
    """
    text = expr.strip()
    known = metric_columns(results)
    if text.isidentifier():
        if text not in known:
            raise ValueError(f"--metric {text!r}: {unknown_metric_message(text, known)}")
        if text not in metric_names(results.actors):
            raise ValueError(
                f"--metric {text!r}: say how to aggregate it over time, e.g. "
                f'last({text}, "YYYY-MM", "YYYY-MM")'
            )
        return outcome(results.metrics, text, results.actors).to_numpy(dtype=float)
    try:
        q = Quantity(expr=text)
        m = results.manifest
        dates = results.metrics["date"]
        start = str(pd.Period(pd.Timestamp(dates.min()), freq="M")) if len(dates) else str(m.get("start"))
        q.check(known=known, start=start, months=int(results.metrics["month"].max()) + 1)
    except ValueError as err:
        raise ValueError(f"--metric {text!r}: {str(err).removeprefix('expr: ')}") from None
    return q.evaluate(results.metrics)


def outcomes(results: Results, items: Sequence[str]) -> pd.DataFrame:
    """Outcomes per replicate, one column per item, indexed by replicate.

    Each item is a claim reference (``SCENARIO:ID``, or the ``ID`` of the run's own claim: true or
    false), a comparison in the claim grammar (true or false), or a numeric expression or metric name
    (:func:`quantity`).
    """
    index = pd.Index(np.unique(results.metrics["replicate"].to_numpy()), name="replicate")
    own = {c.get("id") for c in (results.manifest.get("config") or {}).get("claims") or []}
    columns: dict[str, np.ndarray] = {}
    for item in items:
        if (":" in item and "(" not in item) or item in own:
            columns[item] = condition(results, claim=item).holds
        elif any(op in item for op in ("<", ">", "==", "!=", " and ", " or ", "not ")):
            columns[item] = condition(results, where=item).holds
        else:
            columns[item] = quantity(results, item)
    return pd.DataFrame(columns, index=index)


def joined(results: Results, items: Sequence[str] = ()) -> pd.DataFrame:
    """The inputs (one row per replicate: point, stream, parameters) with outcomes joined by replicate.

    Example:
        >>> ss.joined(results, ["policies/sanctions-enforced:shells_halved"])  # doctest: +SKIP
    """
    return results.joined(outcomes(results, items) if items else None)


def explored(results: Results) -> list[str]:
    """The parameters a run explores: all that vary, but those tied to the random stream alone.

    In a sweep, every point runs on the same streams, so a drawn uncertainty outside the design takes
    one value per stream (K values in all): it describes the streams' noise, not a part of parameter
    space that was explored, and a box or a score on it would be an artefact. In a plain run (one
    point per stream) every drawn uncertainty is explored.
    """
    table = results.joined()
    if table["point"].nunique() <= 1:
        return list(results.parameters)
    by_stream = table.groupby("stream")
    return [p for p in results.parameters if (by_stream[p].nunique() > 1).any()]


def by_point(results: Results, values: np.ndarray) -> tuple[pd.DataFrame, np.ndarray]:
    """A design's points and the mean of per-replicate ``values`` over each point's replicates.

    Args:
        results: A run with inputs.
        values: One value per replicate, in replicate order.

    Returns:
        The points' inputs (one row per point, in point order; the first replicate's columns) and the
        mean value per point.
    """
    table = results.joined()
    if len(values) != len(table):
        raise ValueError(f"{len(values)} values for {len(table)} replicates")
    frame = table.assign(_value=np.asarray(values, dtype=float))
    grouped = frame.groupby("point", sort=True)
    return grouped.head(1).set_index("point").drop(columns="_value"), grouped["_value"].mean().to_numpy()
