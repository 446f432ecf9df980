"""Sweeps: a scenario run over an experiment design, and a replicate of one rerun alone.

:func:`sweep` samples a design over named parameters (:mod:`~sanctionsim.experiments.sampling`),
lays it out as points x replicates on common random streams
(:class:`~sanctionsim.experiments.layout.Layout`) and runs it as one ensemble, vectorised inside
batches, into one results folder whose ``inputs.parquet`` gives each replicate's point, stream and
parameters. With policies (other scenarios) or levers (policy parameters set to a few values), every
policy runs the same design on the same streams, into a comparison folder with one sweep per policy.

:func:`rerun_args` says how to run one replicate of any results folder alone with ``sanctionsim run
--set ... --first-replicate K``; :func:`rerun` does it from Python.
"""

from __future__ import annotations

import itertools
import json
import os
from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from dataclasses import replace
from typing import Any

from pydantic import ValidationError

from sanctionsim.analysis.effects import Comparison
from sanctionsim.experiments.calibrate import check_parameters
from sanctionsim.experiments.compare import compare
from sanctionsim.experiments.ensemble import Tables, simulate, spec_from_manifest
from sanctionsim.experiments.fit import Parameter
from sanctionsim.experiments.layout import Layout
from sanctionsim.experiments.progress import ProgressOption, reporter
from sanctionsim.experiments.sampling import Design, is_design_file, make_design, read_design
from sanctionsim.experiments.spec import RunSpec, ScenarioLike, load_for_run
from sanctionsim.model.pars import Pars
from sanctionsim.model.streams import Streams
from sanctionsim.results import Results
from sanctionsim.results.store import MANIFEST_NAME
from sanctionsim.scenario import Scenario
from sanctionsim.scenario.loader import apply_overrides, config_from_data

__all__ = ["parse_levers", "rerun", "rerun_args", "sweep", "sweep_parameters"]


def sweep_parameters(
    texts: Sequence[str | Parameter], scenario: Scenario, *, uncertainties: bool = False
) -> list[Parameter]:
    """The parameters a sweep varies: ``path=low:high[:log]``, or a bare ``path`` that the scenario
    draws as an uncertainty (its range and distribution), plus every uncertainty with ``uncertainties``.

    Raises:
        ValueError: Naming ``--param`` for a malformed text, a bare path the scenario does not draw,
            or a path named twice.
    """
    drawn = scenario.config.uncertainties
    params: list[Parameter] = []
    for text in texts:
        if isinstance(text, Parameter):
            params.append(text)
        elif "=" in text:
            params.append(Parameter.parse(text))
        elif text.strip() in drawn:
            unc = drawn[text.strip()]
            params.append(Parameter(text.strip(), unc.low, unc.high, log=unc.dist == "loguniform"))
        else:
            raise ValueError(
                f"--param {text!r}: give a range (path=low:high), or name one of the scenario's "
                f"uncertainties ({', '.join(drawn) or 'it has none'})"
            )
    if uncertainties:
        named = {p.path for p in params}
        params += [
            Parameter(path, u.low, u.high, log=u.dist == "loguniform")
            for path, u in drawn.items()
            if path not in named
        ]
    seen: set[str] = set()
    for p in params:
        if p.path in seen:
            raise ValueError(f"--param {p.path}: named twice")
        seen.add(p.path)
    return params


def parse_levers(texts: Sequence[str]) -> list[tuple[str, list[str]]]:
    """Levers: ``path=v1,v2,...`` each, a policy parameter set to each value in turn.

    Raises:
        ValueError: Naming ``--lever`` for a malformed text.
    """
    out = []
    for text in texts:
        path, sep, values = text.partition("=")
        items = [v.strip() for v in values.split(",") if v.strip()]
        if not sep or not path.strip() or not items:
            raise ValueError(
                f"--lever {text!r}: expected path=value,value,..., e.g. enforcement.monitoring=0.6,1"
            )
        out.append((path.strip(), items))
    return out


def _canonical(scenario: Scenario, design: Design) -> Design:
    """The design with canonical parameter paths (``ties.PRK.RUS`` -> ``ties.RUS.PRK``)."""
    pars = Pars(config=scenario.config, streams=Streams(seed=0, replicates=[0]))
    paths = []
    for p in design.paths:
        try:
            paths.append(pars.resolve(p, drawn=True))
        except ValueError as err:
            raise ValueError(f"--param {p}: {err}") from None
    return design.with_paths(paths)


def _policies(
    scenario: Scenario, policies: Sequence[ScenarioLike], levers: Sequence[str], overrides: Sequence[str]
) -> list[Scenario]:
    """Every policy (the scenario, then the others) at every combination of lever values."""
    loaded = [scenario, *(load_for_run(p, overrides=overrides) for p in policies)]
    parsed = parse_levers(levers)
    if not parsed:
        return loaded
    out = []
    for sc in loaded:
        for combo in itertools.product(*(values for _, values in parsed)):
            sets = [f"{path}={value}" for (path, _), value in zip(parsed, combo, strict=True)]
            applied = load_for_run(sc, overrides=sets)
            out.append(replace(applied, name=f"{sc.name}@{','.join(sets)}"))
    return out


def sweep(
    scenario: ScenarioLike,
    params: Sequence[str | Parameter] = (),
    *,
    design: str | os.PathLike[str] = "lhs",
    samples: int | None = None,
    levels: int = 4,
    replicates: int = 1,
    uncertainties: bool = False,
    seed: int | None = None,
    months: int | None = None,
    overrides: Sequence[str] = (),
    policies: Sequence[ScenarioLike] = (),
    levers: Sequence[str] = (),
    out: str | os.PathLike[str] | None = None,
    workers: int | None = None,
    executor: Executor | None = None,
    batch_size: int | None = None,
    progress: ProgressOption = True,
    command: str | Sequence[str] | None = None,
    model: Callable[..., Tables] | None = None,
    before_run: Callable[[int, int, int], None] | None = None,
) -> Results | Comparison:
    """Run a scenario over an experiment design, ``replicates`` runs per point on common random numbers.

    Row ``p * replicates + k`` of the results is point ``p`` on random stream ``k``; ``inputs`` gives
    each row's point, stream and parameters, and the manifest records the design under ``design``.

    Args:
        scenario: A loaded scenario, a scenario file, or a name under ``scenarios/``.
        params: ``path=low:high`` or ``path=low:high:log`` (log-uniform), or a bare path the scenario
            draws as an uncertainty (its range). Not needed with a design file.
        design: ``grid``, ``lhs``, ``sobol``, ``morris`` or ``factorial``
            (:data:`~sanctionsim.experiments.sampling.KINDS`), or a CSV/Parquet file of points.
        samples: What ``--samples`` means for the design kind.
        levels: Grid levels of a Morris design.
        replicates: Runs per point (K).
        uncertainties: Vary every uncertainty of the scenario as well (over its range).
        seed: Seed of the design and of the random streams (default: the scenario's).
        months: Horizon (default: the scenario's).
        overrides: ``--set`` overrides applied to every policy.
        policies: Other scenarios to run over the same design and streams.
        levers: ``path=v1,v2,...``: run every policy at every combination of these values.
        out: Results folder to write (a comparison folder with policies or levers).
        workers: Local processes (default: CPU count).
        executor: A ``concurrent.futures`` executor to use instead.
        batch_size: Rows per batch (default: balanced over workers, memory-capped).
        progress: ``True`` (a bar), ``False``, or a callable called with (rows done, rows).
        command: The command line recorded in the manifest.
        model: A batch function with :func:`~sanctionsim.experiments.ensemble.run_batch`'s signature
            to run instead of sanctionsim's model (tests plug in closed-form models); its parameter
            paths are then not checked against the scenario.
        before_run: Called with (rows per policy, months, policies) once everything is checked and
            before anything runs (the command line asks for ``--yes`` for a large sweep there).

    Returns:
        The results (``inputs`` joined to ``metrics`` by replicate); a
        :class:`~sanctionsim.analysis.effects.Comparison` of the policies with ``policies`` or ``levers``.

    Raises:
        ValueError: For a bad parameter, design, option or scenario, naming it.
        ScenarioError: For a bad scenario file or override.
        FileExistsError: If ``out`` exists.
    """
    if replicates < 1:
        raise ValueError(f"--replicates {replicates}: at least 1")
    if model is not None and (policies or levers):
        raise ValueError("a sweep with another model runs one scenario: drop policies and levers")
    base = load_for_run(scenario, overrides=overrides)
    progress = reporter(progress, desc=f"sweep of {base.name}")
    seed = base.config.seed if seed is None else seed
    if is_design_file(design):
        if params or uncertainties:
            raise ValueError(f"--design {design}: a design file names its parameters; drop --param")
        points = read_design(design)
    else:
        chosen = sweep_parameters(params, base, uncertainties=uncertainties)
        points = make_design(str(design), chosen, samples=samples, seed=seed, levels=levels)
    runs_of = _policies(base, policies, levers, overrides) if model is None else [base]
    if model is None:
        points = _canonical(base, points)
        for sc in runs_of:
            check_parameters(sc, points.parameters, writable=False)
    layout = Layout(paths=points.paths, values=points.values, replicates=replicates)
    extra: dict[str, Any] = {"design": {**points.describe(), "replicates": replicates}}
    if levers:
        extra["levers"] = [path for path, _ in parse_levers(levers)]
    horizon = base.config.months if months is None else months
    if before_run is not None:
        before_run(layout.rows, horizon, len(runs_of))
    if len(runs_of) > 1:
        return compare(
            runs_of[0],
            runs_of[1:],
            seed=seed,
            months=months,
            out=out,
            workers=workers,
            progress=progress,
            command=command,
            layout=layout,
            manifest_extra=extra,
        )
    spec = RunSpec(scenario=base, runs=layout.rows, seed=seed, months=horizon)
    return simulate(
        spec,
        out=out,
        workers=workers,
        executor=executor,
        batch_size=batch_size,
        progress=progress,
        command=command,
        layout=layout,
        manifest_extra=extra,
        model=model,
    )


def _settable(resolved: dict[str, Any], path: str, value: float) -> bool:
    """Whether ``--set path=value`` can write a value into the scenario (not a tie between two
    actors, which the model takes as the mean of what both state, nor a fraction in a whole-number field)."""
    try:
        config_from_data(apply_overrides(resolved, [f"{path}={value!r}"]), source="--set")
    except (ValueError, ValidationError):
        return False
    return True


def rerun_args(results: Results, replicate: int) -> dict[str, Any]:
    """How to run one replicate of a results folder alone: what ``sanctionsim run`` needs.

    The replicate's parameters are set with ``--set path=value``; a value the scenario file cannot
    hold there (a tie between two actors, ``ties.RUS.PRK``, or a fraction in a whole-number field) is
    pinned as an uncertainty whose low and high are the value
    (``--set 'uncertainties={"ties.RUS.PRK": {"low": v, "high": v}}'``), which draws exactly ``v``.
    ``--first-replicate`` runs it on its random stream.

    Returns:
        ``scenario`` (its file), ``overrides`` (the run's own, then one per parameter), ``seed``,
        ``months``, ``first_replicate`` (the stream) and ``argv`` (the command line, without the
        program name).

    Raises:
        ValueError: If the results record no inputs or no such replicate.
    """
    table = results.joined()
    row = table[table["replicate"] == replicate]
    if row.empty:
        raise ValueError(f"replicate {replicate} is not in these results")
    m = results.manifest
    resolved = dict(m["config"])
    sets = list(m.get("overrides") or ())
    pinned: dict[str, dict[str, float]] = {}
    values: list[str] = []
    for path in results.parameters:
        value = float(row[path].iloc[0])
        if _settable(resolved, path, value):
            values.append(f"{path}={value!r}")
        else:
            pinned[path] = {"low": value, "high": value}
    if pinned:  # replaces the drawn uncertainties; the others are set just after
        sets.append(f"uncertainties={json.dumps(pinned)}")
    sets += values
    stream = int(row["stream"].iloc[0])
    scenario = str(m.get("scenario_path") or m["scenario"])
    argv = ["run", scenario, "--runs", "1", "--seed", str(m["seed"]), "--months", str(m["months"])]
    argv += ["--first-replicate", str(stream)]
    for s in sets:
        argv += ["--set", s]
    return {
        "scenario": scenario,
        "overrides": sets,
        "seed": int(m["seed"]),
        "months": int(m["months"]),
        "first_replicate": stream,
        "argv": argv,
    }


def rerun(results: Results, replicate: int, *, out: str | os.PathLike[str] | None = None) -> Results:
    """Run one replicate of a results folder alone (see :func:`rerun_args`); its outcomes equal the
    replicate's in the folder, and its one replicate has the id of the stream it ran on."""
    args = rerun_args(results, replicate)
    source = str(results.path / MANIFEST_NAME) if results.path else "manifest"
    recorded = spec_from_manifest(results.manifest, source=source)
    own = len(results.manifest.get("overrides") or ())  # already applied in the recorded config
    scenario = load_for_run(recorded.scenario, overrides=args["overrides"][own:])
    spec = RunSpec(scenario=scenario, runs=1, seed=args["seed"], months=args["months"])
    return simulate(spec, out=out, workers=1, layout=Layout.plain(1, first=args["first_replicate"]))
