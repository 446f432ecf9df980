"""Write a calibration's products: the fitted scenario file and the fit report, each atomically.

The fitted scenario ``extends`` the input (by a relative path) and sets the best value of each
calibrated parameter, with the range not ruled out as its ``uncertainties`` entry (so ``sanctionsim
run`` draws it from there) and a ``sources`` line saying where the value comes from. The report is
JSON (:meth:`Calibration.to_json`), a short Markdown summary and a figure of the implausibility
profiles, written beside the scenario as ``<name>.report.json|md|png``. The scenario is written last,
so a fitted file that exists has its report beside it.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from sanctionsim import atomic
from sanctionsim.formatting import plain_json
from sanctionsim.resources import packaged, scenarios_root
from sanctionsim.scenario.library import DEFAULT_ROOT
from sanctionsim.scenario.loader import find_scenarios_root, resolve

if TYPE_CHECKING:
    from sanctionsim.experiments.fit import Calibration
    from sanctionsim.scenario import Scenario

__all__ = ["fitted_path", "fitted_scenario", "report_markdown", "write_fit"]


def fitted_path(sc: Scenario, out: str | os.PathLike[str] | None) -> Path:
    """Where the fitted scenario goes: ``out``, else beside the input as ``<name>-fitted.yaml``.

    An input from the installed package's library is not written beside (that is the package's
    folder): its fitted file goes to ``scenarios/`` in the working directory, under the input's name
    (``scenarios/analysts/x-fitted.yaml``). In a checkout, whose ``scenarios/`` is the packaged
    library, it goes beside the input as always.
    """
    if out is not None:
        return Path(out)
    name = f"{sc.path.stem}-fitted.yaml"
    if packaged(sc.path) and DEFAULT_ROOT.resolve() != scenarios_root().resolve():
        return DEFAULT_ROOT / Path(sc.name).with_name(name)
    return sc.path.with_name(name)


def _diff(base: Any, new: Any) -> Any:
    """The smallest nested mapping that turns ``base`` into ``new`` when deep-merged over it."""
    if isinstance(base, dict) and isinstance(new, dict):
        out = {}
        for k, v in new.items():
            if k not in base:
                out[k] = v
            elif base[k] != v:
                out[k] = _diff(base[k], v)
        return out
    return new


def _nest(path: str, value: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    here = out
    parts = path.split(".")
    for key in parts[:-1]:
        here = here.setdefault(key, {})
    here[parts[-1]] = value
    return out


def _merge(a: dict[str, Any], b: Mapping[str, Any]) -> dict[str, Any]:
    for k, v in b.items():
        if isinstance(v, Mapping) and isinstance(a.get(k), dict):
            _merge(a[k], v)
        else:
            a[k] = v
    return a


def _display(path: Path) -> str:
    text = os.path.relpath(path)
    return str(path) if text.startswith("..") else text


def _round(value: float) -> float:
    return float(f"{value:.6g}")


def fitted_scenario(result: Calibration, *, path: Path) -> str:
    """The text of the fitted scenario file written at ``path`` (it ``extends`` the input)."""
    sc = result.scenario
    base_file = sc.path.resolve()
    extends = os.path.relpath(base_file, path.resolve().parent)
    data: dict[str, Any] = {"extends": extends}
    data["title"] = f"{sc.config.title} (fitted to {result.observations.path.name}" + (
        f" up to {result.until})" if result.until else ")"
    )
    try:  # values set on top of the file (overrides, or a Scenario built in code) are kept
        changes = _diff(resolve(base_file, root=find_scenarios_root(base_file)), sc.resolved)
    except ValueError:
        changes = {}
    changes.pop("seed", None)
    _merge(data, changes)
    sources = {}
    uncertainties = {}
    for p in result.parameters:
        lo, hi = result.ranges[p.path]
        _merge(data, _nest(p.path, _round(result.best[p.path])))
        uncertainties[p.path] = {"low": _round(lo), "high": _round(hi)}
        sources[p.path] = (
            f"calibrated by history matching to {result.observations.path.name}"
            + (f" (rows up to {result.until})" if result.until else "")
            + f": best {_round(result.best[p.path]):g}, not ruled out {_round(lo):g}..{_round(hi):g}"
            + f" of {p.low:g}..{p.high:g}"
        )
    _merge(data, {"uncertainties": uncertainties, "sources": sources})
    stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    header = (
        f"# Fitted by `sanctionsim calibrate` on {stamp}: history matching of "
        f"{', '.join(p.path for p in result.parameters)}\n"
        f"# to {_display(result.observations.path)}"
        + (f", rows dated up to {result.until}" if result.until else "")
        + ".\n"
        f"# `run` draws each fitted parameter from its not-ruled-out range (uncertainties); the value set\n"
        f"# below is the best candidate. Report: {path.with_suffix('').name}.report.md\n"
    )
    if not result.consistent:
        header += (
            "# WARNING: no candidate was consistent with every row; the ranges span the least implausible.\n"
        )
    return header + yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def report_markdown(result: Calibration) -> str:
    """A short Markdown report of the fit."""
    info = result.to_json()
    lines = [
        f"# Calibration of {result.scenario.name}",
        "",
        f"History matching to `{_display(result.observations.path)}`"
        + (f", rows dated up to {result.until}" if result.until else "")
        + f": {info['candidates']} candidates in {result.settings['waves']} waves, "
        f"{result.settings['replicates']} runs each on common random numbers; threshold "
        f"{result.settings['threshold']:g}, discrepancy {result.settings['discrepancy']:g}; "
        f"{info['not_ruled_out']} not ruled out; {result.seconds:.1f} s.",
        "",
    ]
    if not result.consistent:
        lines += [
            "**No candidate is consistent with every row.** The ranges below span the least implausible "
            "candidates; the rows with the largest implausibility at the best candidate are where the "
            "model misfits.",
            "",
        ]
    lines += ["| parameter | searched | best | not ruled out | 5–95% |", "|---|---|---|---|---|"]
    for path, p in info["parameters"].items():
        lines.append(
            f"| `{path}` | {p['prior'][0]:g}–{p['prior'][1]:g} | {p['best']:.4g} | "
            f"{p['low']:.4g}–{p['high']:.4g} | {p['q05']:.4g}–{p['q95']:.4g} |"
        )
    lines += [
        "",
        "| row | model quantity | observed | implausibility at best | share of candidates it rules out |",
        "|---|---|---|---|---|",
    ]
    for t in info["targets"]:
        imp = t["implausibility_at_best"]
        lines.append(
            f"| {t['id']} | `{t['quantity']}` | {t['observed']} | "
            f"{'inf' if imp is None else f'{imp:.2f}'} | {t['share_ruling_out']:.0%} |"
        )
    if info["unanswered"]:
        lines += ["", f"Unanswered rows (no model quantity): {', '.join(info['unanswered'])}."]
    if result.path is not None:
        lines += ["", f"Fitted scenario: `{result.path.name}`; figure: `{result.path.stem}.report.png`."]
    return "\n".join(lines) + "\n"


def write_fit(result: Calibration, target: Path) -> Calibration:
    from sanctionsim.plotting.validation import plot_calibration
    from sanctionsim.scenario import load_scenario

    text = fitted_scenario(result, path=target)
    stem = target.with_suffix("")
    report = {
        "json": stem.with_name(stem.name + ".report.json"),
        "md": stem.with_name(stem.name + ".report.md"),
        "png": stem.with_name(stem.name + ".report.png"),
    }
    result = replace(result, path=target, report=report)
    report_json = json.dumps(plain_json(result.to_json()), indent=2, allow_nan=False)  # NaN -> null
    atomic.write_text(report["json"], report_json + "\n")
    atomic.write_text(report["md"], report_markdown(result))
    plot_calibration(
        result.candidates,
        result.parameters,
        best=result.best,
        ranges=result.ranges,
        threshold=result.settings["threshold"],
        out=report["png"],
        title=f"History matching of {result.scenario.name}"
        + (f" to rows up to {result.until}" if result.until else ""),
    )
    atomic.write_text(target, text)  # last: a fitted file that exists has its report beside it
    try:
        load_scenario(target)
    except ValueError as err:  # pragma: no cover - a bug, not bad input
        target.unlink(missing_ok=True)
        raise RuntimeError(f"the fitted scenario does not load: {err}") from err
    return result
