"""Compare policies with common random numbers: paired differences against a base scenario.

Every scenario is simulated with the same seed, number of replicates and
horizon. Replicate ``r`` of each run reads its random numbers from streams
keyed by (seed, ``r``, process name) (docs/architecture.md, "Randomness"), so
replicate ``r`` of a policy differs from replicate ``r`` of the base only where
the policy acts. The effect of a policy on a metric is then summarised from the
per-replicate *paired* differences ``outcome(policy, r) - outcome(base, r)``,
where the outcome is the horizon total of a flow or the final value of a level
(:func:`sanctionsim.analysis.summary.outcome`).

Example:
    >>> from sanctionsim.experiments.compare import compare
    >>> cmp = compare("scenarios/baseline.yaml", ["scenarios/enforce.yaml"], runs=200)  # doctest: +SKIP
    >>> cmp.effects[["scenario", "metric", "median_diff", "diff_p05", "diff_p95", "p_good"]]  # doctest: +SKIP
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import secrets
import shutil
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sanctionsim.analysis.summary import outcome
from sanctionsim.experiments.ensemble import prepare, simulate
from sanctionsim.formatting import format_number, format_percent, format_probability
from sanctionsim.metrics import KEY_METRICS, describe
from sanctionsim.results import Results, load_results
from sanctionsim.scenario import Scenario

__all__ = [
    "COMPARISON_NAME",
    "EFFECT_COLUMNS",
    "Comparison",
    "check_pairable",
    "compare",
    "effect_records",
    "effects_table",
    "format_effect",
    "format_number",
    "format_percent",
    "format_probability",
    "from_results",
    "good_label",
    "is_comparison_folder",
    "load_comparison",
    "paired_differences",
    "paired_outcomes",
    "unique_names",
]

#: File in a comparison folder that holds the effects table and the run metadata.
COMPARISON_NAME = "comparison.json"

#: Columns of :attr:`Comparison.effects`, in order.
EFFECT_COLUMNS: tuple[str, ...] = (
    "scenario",
    "metric",
    "unit",
    "stat",
    "direction",
    "p_label",
    "base_median",
    "median_diff",
    "diff_p05",
    "diff_p95",
    "rel_change",
    "rel_p05",
    "rel_p95",
    "p_good",
    "n",
)

#: Manifest fields two runs must share for their replicates to be paired.
PAIRING_FIELDS: tuple[str, ...] = ("seed", "runs", "months", "start")

_KEYS = ("replicate", "month", "date")

Progress = Callable[[int, int], None]


def format_effect(row: Mapping[str, Any]) -> dict[str, str]:
    """The display strings of one row of an effects table.

    Returns:
        ``base_median``, ``median_diff``, ``interval`` (90% interval of the
        paired difference), ``rel_change``, ``rel_interval`` and ``p_good``, as
        shown by ``sanctionsim compare``, its ``--json`` output and the report.
    """
    return {
        "base_median": format_number(row["base_median"]),
        "median_diff": _signed(row["median_diff"]),
        "interval": f"{_signed(row['diff_p05'])} to {_signed(row['diff_p95'])}",
        "rel_change": format_percent(row["rel_change"]),
        "rel_interval": f"{format_percent(row['rel_p05'])} to {format_percent(row['rel_p95'])}",
        # a difference of exactly zero in 90% of replicates is no evidence either way, not "P = 0"
        "p_good": "no change"
        if row["diff_p05"] == row["diff_p95"] == 0
        else format_probability(row["p_good"]),
    }


def _signed(value: float | None) -> str:
    text = format_number(value)
    return text if text in ("0", "n/a") or text.startswith("-") else f"+{text}"


def effect_records(effects: pd.DataFrame) -> list[dict[str, Any]]:
    """The rows of an effects table as plain dicts keyed by column name."""
    return [{str(k): v for k, v in row.items()} for row in effects.to_dict(orient="records")]


def good_label(direction: int) -> str:
    """Label of the ``p_good`` column for a metric's good direction.

    ``P(decrease)`` when lower is better for the bloc, ``P(increase)`` when
    higher is better, and ``P(diff > 0)`` for a neutral metric.
    """
    return {-1: "P(decrease)", 1: "P(increase)"}.get(int(direction), "P(diff > 0)")


# ---------------------------------------------------------------------------------------------
# Paired differences
# ---------------------------------------------------------------------------------------------


def check_pairable(base: Results, other: Results) -> None:
    """Check that two runs can be paired replicate by replicate.

    Raises:
        ValueError: If they differ in seed, runs, months or start month; the
            message names each difference and how to fix it.
    """
    diffs = [
        f"{key} {base.manifest.get(key)!r} vs {other.manifest.get(key)!r}"
        for key in PAIRING_FIELDS
        if str(base.manifest.get(key)) != str(other.manifest.get(key))
    ]
    if diffs:
        raise ValueError(
            f"cannot pair {_label(other)} with {_label(base)}: they differ in {'; '.join(diffs)}. "
            f"Paired differences need runs made with the same seed, runs, months and start "
            f"(run them with `sanctionsim compare`, or with the same --seed/--runs/--months)"
        )


def _label(results: Results) -> str:
    name = results.manifest.get("scenario", "?")
    return f"{name!r} ({results.path})" if results.path is not None else repr(name)


def _metric_columns(results: Results) -> list[str]:
    return [c for c in results.metrics.columns if c not in _KEYS]


def paired_differences(
    base: Results, other: Results, *, metrics: Sequence[str] | None = None
) -> pd.DataFrame:
    """Per-month paired differences ``other - base``, replicate by replicate.

    Args:
        base: The base run.
        other: A run made with the same seed, runs, months and start.
        metrics: Metric columns to difference (default: every metric column of ``base``).

    Returns:
        One row per (replicate, month), sorted, with ``replicate``, ``month``,
        ``date`` and one float64 column per metric holding ``other - base``.

    Raises:
        ValueError: If the runs cannot be paired, or a metric is missing from either.
    """
    check_pairable(base, other)
    names = _metric_columns(base) if metrics is None else list(metrics)
    for res in (base, other):
        missing = [m for m in names if m not in res.metrics.columns]
        if missing:
            raise ValueError(f"metric(s) {missing} not in the metrics table of {_label(res)}")
    a = base.metrics.sort_values(["replicate", "month"], kind="stable").reset_index(drop=True)
    b = other.metrics.sort_values(["replicate", "month"], kind="stable").reset_index(drop=True)
    same = len(a) == len(b) and all(
        np.array_equal(a[k].to_numpy(), b[k].to_numpy()) for k in ("replicate", "month")
    )
    if not same:
        raise ValueError(f"{_label(other)} and {_label(base)} do not hold the same (replicate, month) rows")
    diff = b[names].to_numpy(dtype=np.float64) - a[names].to_numpy(dtype=np.float64)
    out = a[list(_KEYS)].copy()
    return pd.concat([out, pd.DataFrame(diff, columns=names)], axis=1)


def paired_outcomes(base: Results, other: Results, metric: str) -> pd.DataFrame:
    """Per-replicate outcomes of a metric in both runs and their paired difference.

    Returns:
        A frame indexed by replicate with columns ``base``, ``other`` and
        ``diff`` (``other - base``).

    Raises:
        ValueError: If the runs cannot be paired or the metric is unknown.
    """
    check_pairable(base, other)
    a = outcome(base.metrics, metric, base.actors)
    b = outcome(other.metrics, metric, other.actors)
    if not a.index.equals(b.index):
        raise ValueError(f"{_label(other)} and {_label(base)} do not hold the same replicates")
    return pd.DataFrame({"base": a, "other": b, "diff": b - a})


def effects_table(results: Mapping[str, Results], *, base: str, metrics: Sequence[str]) -> pd.DataFrame:
    """Summarise each policy's paired differences against the base, per metric.

    Args:
        results: Runs by scenario name, the base among them.
        base: Name of the base run.
        metrics: Metric names.

    Returns:
        One row per (policy, metric) with :data:`EFFECT_COLUMNS`:
        ``base_median`` (median outcome of the base), ``median_diff``,
        ``diff_p05`` and ``diff_p95`` (median and 90% interval of the paired
        differences), ``rel_change``/``rel_p05``/``rel_p95`` (the same divided
        by ``|base_median|``; NaN when it is 0), ``p_good`` (share of
        replicates whose difference is in the metric's good direction, or
        P(diff > 0) for a neutral metric, as ``p_label`` says) and ``n``.
    """
    ref = results[base]
    rows: list[dict[str, Any]] = []
    for name, res in results.items():
        if name == base:
            continue
        for metric in metrics:
            info = describe(metric, ref.actors)
            paired = paired_outcomes(ref, res, metric)
            d = paired["diff"].to_numpy(dtype=np.float64)
            base_median = float(np.median(paired["base"].to_numpy(dtype=np.float64)))
            median_diff = float(np.median(d))
            p05, p95 = (float(v) for v in np.quantile(d, [0.05, 0.95]))
            scale = abs(base_median)
            direction = int(info.direction)
            good = d < 0 if direction < 0 else d > 0
            rows.append(
                {
                    "scenario": name,
                    "metric": metric,
                    "unit": info.unit.removesuffix("/month") if info.flow else info.unit,
                    "stat": "total" if info.flow else "final",
                    "direction": direction,
                    "p_label": good_label(direction),
                    "base_median": base_median,
                    "median_diff": median_diff,
                    "diff_p05": p05,
                    "diff_p95": p95,
                    "rel_change": median_diff / scale if scale > 0 else math.nan,
                    "rel_p05": p05 / scale if scale > 0 else math.nan,
                    "rel_p95": p95 / scale if scale > 0 else math.nan,
                    "p_good": float(np.mean(good)),
                    "n": len(d),
                }
            )
    return pd.DataFrame(rows, columns=list(EFFECT_COLUMNS))


# ---------------------------------------------------------------------------------------------
# The comparison
# ---------------------------------------------------------------------------------------------


@dataclass(eq=False)
class Comparison:
    """Runs of a base and one or more policies made with common random numbers, and their effects.

    Attributes:
        results: Each scenario's results by (unique) name, the base first.
        effects: Tidy table of paired effects, one row per (policy, metric); see
            :func:`effects_table` for its columns.
        metrics: The metrics compared.
        path: The comparison folder, or ``None`` when held in memory.
    """

    results: dict[str, Results]
    effects: pd.DataFrame
    metrics: tuple[str, ...]
    path: Path | None = None
    _diffs: dict[str, pd.DataFrame] = field(default_factory=dict, repr=False)

    @property
    def base(self) -> str:
        """Name of the base scenario."""
        return next(iter(self.results))

    @property
    def others(self) -> list[str]:
        """Names of the policies compared with the base, in order."""
        return list(self.results)[1:]

    @property
    def manifest(self) -> dict[str, Any]:
        """The base run's manifest (seed, runs, months, start and actors are shared by all runs)."""
        return self.results[self.base].manifest

    def differences(self, scenario: str) -> pd.DataFrame:
        """Per-month paired differences of a policy against the base (see :func:`paired_differences`)."""
        if scenario not in self.results or scenario == self.base:
            raise ValueError(f"no policy {scenario!r} in this comparison; policies: {', '.join(self.others)}")
        if scenario not in self._diffs:
            self._diffs[scenario] = paired_differences(self.results[self.base], self.results[scenario])
        return self._diffs[scenario]

    def to_dict(self) -> dict[str, Any]:
        """Metadata and effects as plain JSON-ready data (NaN becomes ``None``).

        Each effect row carries its numbers and, under ``formatted``, the
        strings shown by the CLI table and the report (:func:`format_effect`).
        """
        m = self.manifest
        scenarios = [
            {
                "name": name,
                "role": "base" if name == self.base else "policy",
                "folder": name,
                "scenario": res.manifest.get("scenario"),
                "scenario_path": res.manifest.get("scenario_path"),
                "config_hash": res.manifest.get("config_hash"),
            }
            for name, res in self.results.items()
        ]
        effects = [
            {**{k: _plain(v) for k, v in row.items()}, "formatted": format_effect(row)}
            for row in effect_records(self.effects)
        ]
        return {
            "kind": "sanctionsim.comparison",
            "version": 1,
            "base": self.base,
            "scenarios": scenarios,
            "seed": m.get("seed"),
            "runs": m.get("runs"),
            "months": m.get("months"),
            "start": m.get("start"),
            "metrics": list(self.metrics),
            "effects": effects,
        }

    def __repr__(self) -> str:
        return (
            f"Comparison(base={self.base!r}, others={self.others!r}, metrics={len(self.metrics)}, "
            f"runs={self.manifest.get('runs')}, path={self.path!r})"
        )


def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def from_results(
    results: Sequence[Results] | Mapping[str, Results], *, metrics: Sequence[str] | None = None
) -> Comparison:
    """Compare runs already made: the first is the base, the others are policies.

    Args:
        results: Runs, the base first (a mapping keeps its names; a sequence is
            named by each manifest's scenario, made unique).
        metrics: Metric names (default: :data:`sanctionsim.metrics.KEY_METRICS`).

    Raises:
        ValueError: If fewer than two runs are given, they cannot be paired
            (different seed, runs, months or start), or a metric is unknown.
    """
    named = dict(results) if isinstance(results, Mapping) else _name_runs(results)
    if len(named) < 2:
        raise ValueError("a comparison needs a base run and at least one other run")
    runs = list(named.values())
    for res in runs[1:]:
        check_pairable(runs[0], res)
    names = _check_metrics(metrics, runs[0])
    base = next(iter(named))
    return Comparison(results=named, effects=effects_table(named, base=base, metrics=names), metrics=names)


def _name_runs(runs: Sequence[Results]) -> dict[str, Results]:
    return dict(zip(unique_names([str(r.manifest.get("scenario", "run")) for r in runs]), runs, strict=True))


def unique_names(names: Sequence[str]) -> list[str]:
    """Make names unique and usable as folder names: ``a, a`` becomes ``a, a-2``."""
    out: list[str] = []
    for raw in names:
        name = raw.replace("/", "-").replace("\\", "-").strip(".") or "run"
        candidate, k = name, 2
        while candidate in out:
            candidate, k = f"{name}-{k}", k + 1
        out.append(candidate)
    return out


def _check_metrics(metrics: Sequence[str] | None, ref: Results) -> tuple[str, ...]:
    names = tuple(KEY_METRICS if metrics is None else metrics)
    if not names:
        raise ValueError("no metrics to compare")
    for name in names:
        describe(name, ref.actors)  # raises ValueError listing the known names
    return names


def compare(
    base: Scenario | str | os.PathLike[str],
    others: Sequence[Scenario | str | os.PathLike[str]],
    *,
    runs: int | None = None,
    seed: int | None = None,
    months: int | None = None,
    metrics: Sequence[str] | None = None,
    overrides: Sequence[str] = (),
    out: str | os.PathLike[str] | None = None,
    workers: int | None = None,
    progress: Progress | None = None,
    command: str | Sequence[str] | None = None,
) -> Comparison:
    """Run a base scenario and policies with common random numbers, and compare them.

    Every scenario runs with the same seed, replicates and horizon: those given
    here, else the base scenario's. Replicate ``r`` of each run then shares its
    random numbers with replicate ``r`` of the base, so the paired differences
    measure the policy and not the noise.

    Args:
        base: The base scenario (a loaded :class:`Scenario` or a file path).
        others: The policies, one or more.
        runs: Replicates (default: the base scenario's ``runs``).
        seed: Seed (default: the base scenario's ``seed``).
        months: Horizon (default: the longest ``months`` among the scenarios, so no story is cut short).
        metrics: Metrics to compare (default: :data:`sanctionsim.metrics.KEY_METRICS`).
        overrides: ``a.b.c=value`` overrides applied to every scenario.
        out: Comparison folder to write (must not exist): each scenario's results
            folder as ``out/<name>`` and ``out/comparison.json``. The folder
            appears only when complete. ``None`` keeps everything in memory.
        workers: Local processes per ensemble (default: CPU count).
        progress: Called with (replicates done, total) over all scenarios.
        command: The command line recorded in the manifests.

    Returns:
        The comparison, with ``path`` set when written to ``out``.

    Raises:
        ValueError: For no policies, an unknown metric, a bad option, or
            scenarios with different start months.
        ScenarioError: For a bad scenario file or override.
        FileExistsError: If ``out`` exists.
    """
    if isinstance(others, str | os.PathLike | Scenario):
        others = [others]
    if not others:
        raise ValueError("compare needs a base scenario and at least one other scenario")
    loaded = [prepare(s, overrides=overrides) for s in (base, *others)]
    horizon = months if months is not None else max(sc.config.months for sc in loaded)  # the longest story
    ref = prepare(loaded[0], runs=runs, seed=seed, months=horizon)
    cfg = ref.config
    scenarios = [ref] + [prepare(o, runs=cfg.runs, seed=cfg.seed, months=cfg.months) for o in loaded[1:]]
    for sc in scenarios[1:]:
        if sc.config.start != cfg.start:
            raise ValueError(
                f"scenario {sc.name!r} starts in {sc.config.start} but the base {ref.name!r} starts in "
                f"{cfg.start}; paired months need the same start (use --set start=...)"
            )
    names = unique_names([sc.name for sc in scenarios])
    for sc in scenarios:
        for metric in KEY_METRICS if metrics is None else metrics:
            describe(metric, list(sc.config.actors))
    target = Path(out) if out is not None else None
    if target is not None and target.exists():
        raise FileExistsError(f"comparison folder {target} already exists; pass another --out")
    total = cfg.runs * len(scenarios)

    def _runner(offset: int) -> Progress | None:
        if progress is None:
            return None
        return lambda done, _total: progress(offset + done, total)

    if target is None:
        results = {
            name: simulate(sc, workers=workers, progress=_runner(i * cfg.runs), command=command)
            for i, (name, sc) in enumerate(zip(names, scenarios, strict=True))
        }
        return from_results(results, metrics=metrics)

    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.parent / f".{target.name}.tmp-{os.getpid()}-{secrets.token_hex(4)}"
    tmp.mkdir()
    try:
        results = {
            name: simulate(
                sc, out=tmp / name, workers=workers, progress=_runner(i * cfg.runs), command=command
            )
            for i, (name, sc) in enumerate(zip(names, scenarios, strict=True))
        }
        comparison = from_results(results, metrics=metrics)
        payload = {**comparison.to_dict(), "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")}
        (tmp / COMPARISON_NAME).write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
        if target.exists():
            raise FileExistsError(f"{target} appeared while the comparison ran; not overwriting it")
        os.rename(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    comparison.path = target
    for name, res in comparison.results.items():
        res.path = target / name
    return comparison


def is_comparison_folder(path: str | os.PathLike[str]) -> bool:
    """True if ``path`` is a folder written by :func:`compare` (it holds ``comparison.json``)."""
    return (Path(path) / COMPARISON_NAME).is_file()


def load_comparison(path: str | os.PathLike[str], *, metrics: Sequence[str] | None = None) -> Comparison:
    """Read a comparison folder written by :func:`compare`.

    The effects are recomputed from the stored results, which gives the same
    numbers as when the comparison was made.

    Args:
        path: The comparison folder.
        metrics: Metrics to compare (default: those recorded in ``comparison.json``).

    Raises:
        FileNotFoundError: If the folder or a results folder in it is missing.
        ValueError: If ``comparison.json`` is not valid, or the runs cannot be paired.
    """
    folder = Path(path)
    meta_path = folder / COMPARISON_NAME
    if not meta_path.is_file():
        raise FileNotFoundError(f"{folder} is not a comparison folder: {COMPARISON_NAME} is missing")
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        entries = [(s["name"], s.get("folder", s["name"])) for s in meta["scenarios"]]
    except (json.JSONDecodeError, KeyError, TypeError) as err:
        raise ValueError(f"{meta_path} is not a valid comparison file: {err}") from err
    results = {name: load_results(folder / sub) for name, sub in entries}
    comparison = from_results(results, metrics=metrics if metrics is not None else meta.get("metrics"))
    comparison.path = folder
    return comparison
