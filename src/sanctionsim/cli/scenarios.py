"""The scenario library on the command line: ``list``, ``show``, ``diff``, ``check`` and ``predictions``.

Scenario arguments are a file path or a name such as ``analysts/oil-for-labour``, looked up in
``scenarios/`` in the working directory, then ``--root``, then the library that ships in the package;
:func:`find_scenario` turns either into a file.

- ``list`` prints every scenario with its title and what it extends.
- ``show`` prints a scenario's resolved configuration (every value the model uses, defaults
  included) as YAML or JSON.
- ``diff`` prints the dotted paths whose resolved values differ between two scenarios.
- ``check`` runs a scenario's ensemble in memory and scores its claims (``docs/claims.md``).
- ``predictions`` scores every claim in the library and writes the table of ``docs/predictions.md``,
  each claim scored under its scenario and, for reference, under the unchanged baseline.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Annotated, Any

import typer
import yaml
from rich.markup import escape
from rich.table import Table

from sanctionsim.analysis.claims import NOT_SUPPORTED_AT, SUPPORTED_AT
from sanctionsim.atomic import write_text
from sanctionsim.cli.common import (
    confirm_size,
    console,
    err_console,
    handle_errors,
    print_json,
    print_table,
    progress_bar,
)
from sanctionsim.cli.run import (
    Json,
    Root,
    Runs,
    ScenarioArg,
    Seed,
    Sets,
    Workers,
    Yes,
    complete_scenario,
    load_named,
)
from sanctionsim.experiments.check import ClaimCheck, check_claims, reference_probabilities
from sanctionsim.experiments.estimate import estimate
from sanctionsim.model.roles import Roles
from sanctionsim.model.schedule import describe_schedule
from sanctionsim.scenario import Scenario
from sanctionsim.scenario.library import (
    DEFAULT_ROOT,
    display_folder,
    find_scenario,
    library,
    library_name,
    search_folders,
)
from sanctionsim.scenario.loader import EXTENDS_KEY, read_yaml

#: Where ``predictions`` writes its table by default.
DEFAULT_PREDICTIONS = Path("docs/predictions.md")
_VERDICT_STYLE = {"supported": "green", "contested": "yellow", "not supported": "red"}


#: Find (see :func:`find_scenario`) and load a scenario, with ``--set`` overrides.
load = load_named


def resolved_config(scenario: Scenario) -> dict[str, Any]:
    """Every value the model uses, defaults included, as plain JSON-compatible data."""
    return scenario.config.model_dump(mode="json")


def flatten(data: Any, prefix: str = "") -> dict[str, Any]:
    """Flatten nested mappings and lists into ``{dotted.path: value}`` (list items by index).

    Empty mappings and lists are kept as values, so that they show up in a diff.
    """
    out: dict[str, Any] = {}
    stack: list[tuple[str, Any]] = [(prefix, data)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, Mapping) and value:
            stack.extend((f"{path}.{k}" if path else str(k), v) for k, v in value.items())
        elif isinstance(value, list | tuple) and value:
            stack.extend((f"{path}.{i}" if path else str(i), v) for i, v in enumerate(value))
        else:
            out[path] = value
    return dict(sorted(out.items(), key=lambda kv: _path_key(kv[0])))


def _path_key(path: str) -> tuple[tuple[int, int | str], ...]:
    return tuple((0, int(p)) if p.isdigit() else (1, p) for p in path.split("."))


#: Marks a path present in only one of two configurations compared by :func:`diff_configs`.
MISSING: Any = object()


def diff_configs(a: Mapping[str, Any], b: Mapping[str, Any]) -> list[tuple[str, Any, Any]]:
    """Paths whose values differ between two resolved configurations.

    Returns:
        ``(path, value in a, value in b)`` per differing path, in path order; a path present on one
        side only has the value :data:`MISSING` on the other.
    """
    fa, fb = flatten(a), flatten(b)
    paths = sorted(set(fa) | set(fb), key=_path_key)
    return [
        (p, fa.get(p, MISSING), fb.get(p, MISSING)) for p in paths if fa.get(p, MISSING) != fb.get(p, MISSING)
    ]


def _show_value(value: Any) -> str:
    if value is MISSING:
        return "(absent)"
    if isinstance(value, str):
        return value
    return yaml.safe_dump(value, default_flow_style=True, width=10_000).strip().removesuffix("\n...")


def _json_value(value: Any) -> Any:
    return None if value is MISSING else value


# ---------------------------------------------------------------------------------------------
# list, show, diff
# ---------------------------------------------------------------------------------------------


def _entry(path: Path, root: Path) -> dict[str, Any]:
    """One row of ``list``: a scenario file in the scenarios folder ``root``."""
    name = library_name(path, root=root)
    try:
        raw = read_yaml(path)
        extends = str(raw.get(EXTENDS_KEY) or "")
        parent = (path.parent / extends).with_suffix(".yaml") if extends else None
        if parent is not None and parent.is_file():
            extends = library_name(parent.resolve(), root=root)  # a name, like the first column
        sc = load(path, root=root)
        return {
            "name": name,
            "title": sc.config.title,
            "extends": str(extends),
            "claims": len(sc.config.claims),
            "file": str(path),
            "error": None,
        }
    except ValueError as err:
        return {"name": name, "title": "", "extends": "", "claims": 0, "file": str(path), "error": str(err)}


def _listed(root: Path | None) -> tuple[list[Path], list[tuple[Path, Path]]]:
    """The folders ``list`` shows and their scenario files, each name once (the first folder wins)."""
    folders = [root] if root is not None else search_folders()
    seen: set[str] = set()
    files: list[tuple[Path, Path]] = []
    for folder in folders:
        for path in library(folder):
            name = library_name(path, root=folder)
            if name not in seen:
                seen.add(name)
                files.append((path, folder))
    files.sort(key=lambda pf: library_name(pf[0], root=pf[1]))
    return folders, files


@handle_errors
def list_command(root: Root = None, json_: Json = False) -> None:
    """List every scenario with its title, what it extends and how many claims it states.

    Without --root: every scenario a name reaches, from ./scenarios and the packaged library.
    """
    folders, files = _listed(root)
    entries = [_entry(path, folder) for path, folder in files]
    if json_:
        print_json(entries)
        return
    where = ", ".join(f"{display_folder(f)}/" for f in folders)
    view = Table(title=f"scenarios in {where} ({len(entries)})")
    view.add_column("name", no_wrap=True, min_width=max((len(e["name"]) for e in entries), default=4))
    view.add_column("extends", no_wrap=True)
    view.add_column("claims", justify="right")
    view.add_column("title", overflow="fold", min_width=20)
    for e in entries:
        title = escape(e["title"]) if e["error"] is None else f"[red]invalid: {escape(e['error'])}[/]"
        view.add_row(escape(e["name"]), escape(e["extends"]), str(e["claims"]), title)
    print_table(view)


@handle_errors
def show_command(
    scenario: ScenarioArg,
    set_: Sets = None,
    root: Root = None,
    schedule: Annotated[
        bool, typer.Option("--schedule", help="Print the monthly schedule the scenario runs instead.")
    ] = False,
    json_: Json = False,
) -> None:
    """Print a scenario's resolved configuration (extends and --set applied, defaults filled in)."""
    sc = load(scenario, root=root, overrides=set_ or [])
    if schedule:
        _show_schedule(sc, json_=json_)
        return
    config = resolved_config(sc)
    if json_:
        print_json(config)
        return
    sys.stdout.write(yaml.safe_dump(config, sort_keys=False, allow_unicode=True, width=100))


def _show_schedule(scenario: Scenario, *, json_: bool) -> None:
    """Print the processes of one month in order: what each reads, writes, owns and records."""
    rows = describe_schedule(roles=Roles.of(scenario.config))
    if json_:
        print_json(rows)
        return
    view = Table(title=f"{scenario.name}: one month, in order", title_justify="left", show_lines=True)
    view.add_column("#", justify="right")
    view.add_column("process")
    view.add_column("what it does", overflow="fold")
    for r in rows:
        detail = [
            r["does"],
            f"[dim]reads[/] {r['reads']}  [dim]writes[/] {r['writes']}  [dim]owns[/] {r['state']}",
            f"[dim]parameters[/] {escape(r['parameters'])}",
        ]
        if r["results"] != "-":
            detail.append(f"[dim]results[/] {escape(r['results'])}")
        view.add_row(r["step"], escape(r["process"]), "\n".join(detail))
    print_table(view)


@handle_errors
def diff_command(
    a: ScenarioArg,
    b: ScenarioArg,
    root: Root = None,
    json_: Json = False,
) -> None:
    """Print every resolved value that differs between two scenarios (exit 0 either way)."""
    sa, sb = load(a, root=root), load(b, root=root)
    rows = diff_configs(resolved_config(sa), resolved_config(sb))
    if json_:
        print_json(
            {
                "a": sa.name,
                "b": sb.name,
                "differences": [{"path": p, "a": _json_value(x), "b": _json_value(y)} for p, x, y in rows],
            }
        )
        return
    if not rows:
        console.print(f"{escape(sa.name)} and {escape(sb.name)}: no differences")
        return
    view = Table(title=f"{sa.name} vs {sb.name}: {len(rows)} differing values")
    view.add_column("path")
    view.add_column(sa.name, overflow="fold")
    view.add_column(sb.name, overflow="fold")
    for path, x, y in rows:
        view.add_row(escape(path), escape(_show_value(x)), escape(_show_value(y)))
    print_table(view)


# ---------------------------------------------------------------------------------------------
# check
# ---------------------------------------------------------------------------------------------


def _check(
    scenario: Scenario,
    *,
    runs: int | None,
    seed: int | None,
    workers: int | None,
    progress: bool,
    overrides: Sequence[str] = (),
) -> ClaimCheck:
    label = f"{scenario.name}: {runs or scenario.config.runs} runs"
    with progress_bar(label, enabled=progress) as update:
        return check_claims(
            scenario,
            runs=runs,
            seed=seed,
            overrides=overrides,
            workers=workers,
            progress=update,
            command=sys.argv,
        )


def _claims_json(check: ClaimCheck) -> dict[str, Any]:
    return {
        "scenario": check.scenario.name,
        "title": check.scenario.config.title,
        "runs": check.runs,
        "seed": check.seed,
        "months": check.months,
        "thresholds": {"supported_at": SUPPORTED_AT, "not_supported_at": NOT_SUPPORTED_AT},
        "claims": check.table.drop(columns="runs").to_dict(orient="records"),
    }


def headline(text: str, *, limit: int = 60) -> str:
    """A claim's short form for tables: the part before its first colon, else its first words."""
    head = text.split(": ", 1)[0].strip()
    if len(head) <= limit and head != text.strip():
        return head
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


@handle_errors
def check_command(
    scenario: ScenarioArg,
    runs: Runs = None,
    seed: Seed = None,
    set_: Sets = None,
    workers: Workers = None,
    root: Root = None,
    yes: Yes = False,
    json_: Json = False,
) -> None:
    """Run a scenario's ensemble and print, per claim, the probability it holds and a verdict.

    Exits 0 whatever the verdicts; 2 for bad input (checked before anything runs).
    """
    sc = load(scenario, root=root, overrides=set_ or [])
    cost = estimate(runs=runs or sc.config.runs, months=sc.config.months, workers=workers, in_memory=True)
    confirm_size(cost, yes=yes)
    check = _check(sc, runs=runs, seed=seed, workers=workers, progress=not json_)
    if json_:
        print_json(_claims_json(check))
        return
    cfg = check.spec.config
    view = Table(
        title=f"{check.spec.name}: {cfg.title}\n{check.runs} runs, seed {check.seed}, "
        f"{check.months} months from {cfg.start}",
        show_lines=True,
    )
    view.add_column("claim", ratio=3, overflow="fold")
    view.add_column("by", ratio=1, overflow="fold")
    view.add_column("P(holds)", justify="right", no_wrap=True)
    view.add_column("verdict", no_wrap=True)
    view.add_column("reason", ratio=3, overflow="fold")
    for row in check.table.to_dict(orient="records"):
        style = _VERDICT_STYLE[str(row["verdict"])]
        view.add_row(
            f"[bold]{escape(str(row['id']))}[/]: {escape(headline(str(row['text'])))}",
            escape(str(row["by"])),
            f"{float(row['probability']):.2f}",
            f"[{style}]{row['verdict']}[/]",
            escape(str(row["reason"])),
        )
    print_table(view)
    console.print(
        f"supported: P >= {SUPPORTED_AT}; not supported: P <= {NOT_SUPPORTED_AT}; contested otherwise "
        "(docs/claims.md)",
        highlight=False,
    )


# ---------------------------------------------------------------------------------------------
# predictions
# ---------------------------------------------------------------------------------------------


def _cell(text: object) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def predictions_markdown(
    checks: Sequence[ClaimCheck],
    *,
    runs: int,
    seed: int,
    reference: str | None = None,
    reference_p: Mapping[tuple[str, str], float | None] | None = None,
) -> str:
    """The text of ``docs/predictions.md``: a header and one table row per claim.

    The text depends only on the scores, runs, seed and package version: no date and no git
    revision, so that ``make predictions`` leaves the tracked file unchanged when the numbers are.

    Args:
        checks: The scored scenarios.
        runs: Replicates per scenario.
        seed: Seed of every ensemble.
        reference: Name of the scenario every claim was also scored on (``None``: no such column).
        reference_p: P(holds) on the reference per (scenario, claim id); ``None`` where the claim
            cannot be scored there.
    """
    reference_p = reference_p or {}
    manifest = checks[0].manifest if checks else {}
    version = (manifest.get("versions") or {}).get("sanctionsim", "?")
    n_claims = sum(len(c.table) for c in checks)
    counts = {v: sum(int((c.table["verdict"] == v).sum()) for c in checks) for v in _VERDICT_STYLE}
    lines = [
        "# The analysts' predictions, scored",
        "",
        "<!-- Generated by `make predictions` (`sanctionsim predictions`). Do not edit by hand. -->",
        "",
        f"- runs per scenario: {runs}",
        f"- seed: {seed}",
        f"- sanctionsim: {version}",
        "",
        f"Each row is one claim of a scenario in `scenarios/`, run as an ensemble of {runs} replicates "
        f"with seed {seed}. P(holds) is the share of replicates in which the claim is true; "
        f"supported if P >= {SUPPORTED_AT}, not supported if P <= {NOT_SUPPORTED_AT}, contested "
        "otherwise (the grammar and thresholds are in [claims.md](claims.md)). "
        f"`sanctionsim check SCENARIO --runs {runs} --seed {seed}` prints the same numbers for one "
        "scenario. Claims are absolute statements about one scenario; a policy's effect relative to "
        "the baseline is a comparison, not a claim."
        + (
            f" *P on {reference}* scores the same claim on the unchanged `{reference}` scenario (same "
            "runs, seed and horizon): a claim that holds there as well does not depend on the "
            "scenario's story."
            if reference
            else ""
        ),
        "",
        f"{n_claims} claims in {len(checks)} scenarios: "
        + ", ".join(f"{counts[v]} {v}" for v in _VERDICT_STYLE)
        + ".",
        "",
        "| scenario | claim id | who | claim | P(holds) | verdict | "
        + (f"P on {reference} | " if reference else "")
        + "why (medians across replicates) |",
        "|---|---|---|---|---:|---|" + ("---:|" if reference else "") + "---|",
    ]
    for check in checks:
        for row in check.table.to_dict(orient="records"):
            verdict = str(row["verdict"])
            cells = (
                f"`{check.scenario.name}`",
                f"`{row['id']}`",
                row["by"],
                row["text"],
                f"{float(row['probability']):.2f}",
                f"**{verdict}**" if verdict != "contested" else verdict,
                *(
                    [_probability(reference_p.get((check.scenario.name, str(row["id"]))))]
                    if reference
                    else []
                ),
                row["reason"],
            )
            lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    return "\n".join(lines) + "\n"


def _probability(p: float | None) -> str:
    return "–" if p is None else f"{p:.2f}"


def _claiming(paths: Sequence[Path], root: Path | None) -> Iterator[Scenario]:
    for path in paths:
        sc = load(path, root=root)
        if sc.config.claims:
            yield sc


@handle_errors
def predictions_command(
    scenarios: Annotated[
        list[str] | None,
        typer.Argument(
            help="Scenarios to score (default: every scenario with claims under --root).",
            autocompletion=complete_scenario,
        ),
    ] = None,
    runs: Annotated[int, typer.Option("--runs", "-n", help="Replicates per scenario.")] = 100,
    seed: Annotated[int, typer.Option("--seed", "-s", help="Seed of every scenario's ensemble.")] = 42,
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Markdown file to write (atomically).")
    ] = DEFAULT_PREDICTIONS,
    workers: Workers = None,
    baseline: Annotated[
        str,
        typer.Option(
            "--baseline", help="Scenario to score every claim on as well, for reference ('' for none)."
        ),
    ] = "baseline",
    root: Root = None,
    yes: Yes = False,
    json_: Json = False,
) -> None:
    """Score every claim in the scenario library and write the predictions table (docs/predictions.md)."""
    paths = (
        [find_scenario(s, root=root) for s in scenarios] if scenarios else [p for p, _ in _listed(root)[1]]
    )
    chosen = list(_claiming(paths, root))
    if not chosen:
        raise ValueError(f"no scenario with claims among {len(paths)} scenario file(s)")
    longest = max(sc.config.months for sc in chosen)
    factor = 2 if baseline else 1  # every horizon is run once more on the reference, at most
    cost = estimate(
        runs=runs, months=longest, scenarios=factor * len(chosen), workers=workers, in_memory=True
    )
    confirm_size(cost, yes=yes)
    checks = []
    for i, sc in enumerate(chosen, start=1):
        if not json_:
            err_console.print(f"[{i}/{len(chosen)}] {escape(sc.name)}", highlight=False)
        checks.append(_check(sc, runs=runs, seed=seed, workers=workers, progress=not json_))
    reference = load(baseline, root=root) if baseline else None
    ref_p: dict[tuple[str, str], float | None] = {}
    if reference is not None:
        if not json_:
            err_console.print(f"reference: {escape(reference.name)}", highlight=False)
        ref_p = reference_probabilities(checks, reference, runs=runs, seed=seed, workers=workers)
    text = predictions_markdown(
        checks,
        runs=runs,
        seed=seed,
        reference=reference.name if reference is not None else None,
        reference_p=ref_p,
    )
    if not (out.is_file() and out.read_text(encoding="utf-8") == text):  # unchanged numbers: untouched
        write_text(out, text)
    if json_:
        scored = []
        for c in checks:
            data = _claims_json(c)
            for claim in data["claims"]:
                claim["reference_probability"] = ref_p.get((c.scenario.name, claim["id"]))
            scored.append(data)
        print_json(
            {
                "out": str(out),
                "runs": runs,
                "seed": seed,
                "reference": reference.name if reference is not None else None,
                "scenarios": scored,
            }
        )
        return
    n = sum(len(c.table) for c in checks)
    console.print(f"wrote {out}: {n} claims in {len(checks)} scenarios ({runs} runs, seed {seed})")


def register(app: typer.Typer) -> None:
    """Add ``list``, ``show``, ``diff``, ``check`` and ``predictions`` to the app."""
    app.command("list")(list_command)
    app.command("show")(show_command)
    app.command("diff")(diff_command)
    app.command("check")(check_command)
    app.command("predictions")(predictions_command)


__all__ = [
    "DEFAULT_PREDICTIONS",
    "DEFAULT_ROOT",
    "MISSING",
    "diff_configs",
    "find_scenario",
    "flatten",
    "library",
    "library_name",
    "load",
    "predictions_markdown",
    "reference_probabilities",
    "register",
    "resolved_config",
]
