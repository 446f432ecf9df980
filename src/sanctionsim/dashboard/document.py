"""A dashboard configuration as a scenario document: built, loaded and saved.

The dashboard builds its models only from scenario files. A configuration is a small document
that ``extends:`` the scenario the dashboard started from and states the values the user moved,
the ensemble size (``runs``) and the ``seed``. The dashboard loads that document through
:func:`sanctionsim.scenario.load_scenario`, just as ``sanctionsim run`` loads the saved file, so
a saved configuration reproduces the dashboard's ensemble exactly.
"""

from __future__ import annotations

import copy
import datetime as dt
import os
import shlex
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from sanctionsim.atomic import write_text
from sanctionsim.dashboard.controls import Control
from sanctionsim.scenario import Scenario, load_scenario
from sanctionsim.scenario.library import find_scenario, search_folders


def changed_values(
    controls: Sequence[Control], values: Mapping[str, float | bool]
) -> dict[str, float | bool]:
    """The controls whose value differs from the scenario's, ``{control name: value}``, in table order."""
    return {c.name: values[c.name] for c in controls if c.name in values and values[c.name] != c.default}


def build_document(
    source: Scenario,
    controls: Sequence[Control],
    values: Mapping[str, float | bool],
    *,
    replicates: int,
    seed: int,
) -> dict[str, Any]:
    """The scenario document of a configuration, without its ``extends`` key.

    Args:
        source: The scenario the dashboard started from.
        controls: Its controls (:func:`sanctionsim.dashboard.controls.scenario_controls`).
        values: Control values in scenario units; controls left out keep the scenario's value.
        replicates: Ensemble size, written as ``runs``.
        seed: Seed, written as ``seed``.

    Returns:
        ``title``, ``description``, ``runs``, ``seed`` and the changed values, nested as in a
        scenario file. A changed value inside an event repeats that whole event (events merge by
        name across ``extends``), with the new value in place.
    """
    changes = changed_values(controls, values)
    by_name = {c.name: c for c in controls}
    doc: dict[str, Any] = {
        "title": f"{source.config.title} (dashboard configuration)",
        "description": describe_changes(controls, changes, source=source.name),
        "runs": int(replicates),
        "seed": int(seed),
    }
    events: dict[str, dict[str, Any]] = {}
    for name, value in changes.items():
        keys = by_name[name].keys
        if keys[0] == "events":
            event = events.get(keys[1])
            if event is None:
                event = copy.deepcopy(next(e for e in source.resolved["events"] if e["name"] == keys[1]))
                events[keys[1]] = event
            event[keys[2]][keys[3]] = value
            continue
        node = doc
        for key in keys[:-1]:
            node = node.setdefault(key, {})
        node[keys[-1]] = value
    if events:
        doc["events"] = list(events.values())
    return doc


def describe_changes(controls: Sequence[Control], changes: Mapping[str, float | bool], *, source: str) -> str:
    """One sentence listing the changed values, in the sliders' units.

    For example ``"baseline with war.intensity 1 -> 1.5 [x fire rate]"``.
    """
    if not changes:
        return f"{source} unchanged."
    by_name = {c.name: c for c in controls}
    parts = []
    for name, value in changes.items():
        c = by_name[name]
        unit = "" if c.kind == "bool" else f" [{c.unit}]"
        parts.append(f"{c.path} {_show(c.to_slider(c.default))} -> {_show(c.to_slider(value))}{unit}")
    return f"{source} with " + "; ".join(parts) + "."


def _show(value: float | bool) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return f"{value:.6g}"


def to_yaml(doc: Mapping[str, Any]) -> str:
    """YAML text of a document (``extends`` first); floats are written so they read back exactly."""
    ordered = {"extends": doc["extends"]} if "extends" in doc else {}
    ordered.update({k: v for k, v in doc.items() if k != "extends"})
    return yaml.safe_dump(ordered, sort_keys=False, allow_unicode=True, width=100)


def base_reference(
    source_file: Path, *, root: str | os.PathLike[str] | None = None
) -> tuple[str, Path | None]:
    """How a configuration names the scenario it extends, and the ``--root`` that name needs.

    A scenario of the library, of ``./scenarios`` or of ``root`` is named as ``run`` names it
    (``baseline``, ``policies/full-pressure``), so a saved file works from any folder and can be
    emailed. A file elsewhere is named by its stem and found under its own folder, which then has
    to be given as ``--root``.

    Args:
        source_file: The scenario the dashboard started from.
        root: The ``--root`` the dashboard was given, if any.

    Returns:
        ``(extends, root)``: the value for ``extends:`` and the root to load with (``None``: none).
    """
    source = source_file.resolve()
    given = Path(root).resolve() if root is not None else None
    for folder in search_folders(root):
        base = folder.resolve()
        if base in source.parents:
            name = source.relative_to(base).with_suffix("").as_posix()
            if _finds(name, source, root=root):
                return name, given
    if _finds(source.stem, source, root=source.parent):
        return source.stem, source.parent
    return source.as_posix(), source.parent  # shadowed by a scenario of the same name: the full path


def _finds(name: str, source: Path, *, root: str | os.PathLike[str] | None) -> bool:
    try:
        return find_scenario(name, root=root).resolve() == source
    except (FileNotFoundError, ValueError):
        return False


def reproduce_command(path: Path, source_file: Path, *, root: str | os.PathLike[str] | None = None) -> str:
    """The command that reruns a configuration saved at ``path``: ``sanctionsim run FILE [--root DIR]``."""
    return _run_command(path, base_reference(source_file, root=root)[1])


def _run_command(path: Path, needed: Path | None) -> str:
    command = f"sanctionsim run {shlex.quote(Path(path).as_posix())}"
    return command if needed is None else f"{command} --root {shlex.quote(needed.as_posix())}"


def load_configuration(
    source_file: Path, doc: Mapping[str, Any], *, root: str | os.PathLike[str] | None = None
) -> Scenario:
    """Load a configuration document through the scenario loader, as a file extending ``source_file``
    (named as :func:`base_reference` names it, so the loader finds it as ``run`` will).

    Raises:
        ScenarioError: If the document does not make a valid scenario.
    """
    extends, needed = base_reference(source_file, root=root)
    with tempfile.TemporaryDirectory(prefix="sanctionsim-dashboard-") as folder:
        file = Path(folder) / "configuration.yaml"
        file.write_text(to_yaml({**doc, "extends": extends}), encoding="utf-8")
        return load_scenario(file, root=needed)


def save_configuration(
    path: Path, source_file: Path, doc: Mapping[str, Any], *, root: str | os.PathLike[str] | None = None
) -> Path:
    """Write a configuration as a scenario file that ``sanctionsim run`` accepts, atomically.

    ``extends`` names the source as :func:`base_reference` does; the file's header gives the
    command that reproduces it (:func:`reproduce_command`). The file must not exist yet.

    Raises:
        FileExistsError: If ``path`` exists.
        ValueError: If ``path`` does not end in ``.yaml`` or ``.yml``.
    """
    target = Path(path)
    if target.suffix not in (".yaml", ".yml"):
        raise ValueError(f"{target}: a scenario file name ends in .yaml or .yml")
    if target.exists():
        raise FileExistsError(f"{target}: exists; choose another name")
    extends, needed = base_reference(source_file, root=root)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    header = (
        f"# Saved from the sanctionsim dashboard, {stamp}.\n"
        f"# Reproduce the dashboard's ensemble: {_run_command(target, needed)}\n"
    )
    return write_text(target, header + to_yaml({**doc, "extends": extends}))
