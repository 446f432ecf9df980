"""Load a scenario: YAML (``yaml.safe_load``) + ``extends`` + ``--set`` overrides -> validated Scenario.

Steps, each of which reports problems as a one-line :class:`ScenarioError`:

1. :func:`read_yaml` reads one file with ``yaml.SafeLoader`` within the limits of
   :mod:`sanctionsim.scenario.bounded` (size, nodes with aliases expanded, nesting); it must hold a
   mapping.
2. :func:`resolve` follows ``extends: other.yaml`` (looked up in :func:`base_folders`: the extending
   file's folder, its scenarios folder, ``./scenarios``, ``--root``, then the packaged library; the
   ``.yaml`` suffix is optional; only under those folders) and deep-merges each file over its base:
   mappings merge key by key, while lists, scalars and ``null`` replace the base value.
3. :func:`apply_overrides` applies ``--set a.b.c=value`` overrides; each value is parsed as YAML.
4. :func:`load_scenario` validates the result with the schema (``ScenarioConfig`` by default) and
   returns a :class:`Scenario`. A validation error names the file the offending key came from (or
   ``--set``), the key path, what was expected and, for a misspelt key, the closest allowed one.

Example:
    >>> scenario = load_scenario("scenarios/baseline.yaml", ["runs=100"])  # doctest: +SKIP
    >>> scenario.name, scenario.config_hash[:12]  # doctest: +SKIP
    ('baseline', '3f6c0a9e1b2d')
"""

from __future__ import annotations

import copy
import hashlib
import itertools
import json
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml
from pydantic import BaseModel, ValidationError

from sanctionsim.scenario.bounded import LimitError, load_bounded, read_bounded
from sanctionsim.scenario.errors import ScenarioError, did_you_mean, format_key_path, from_validation_error

if TYPE_CHECKING:
    from sanctionsim.scenario.schema import ScenarioConfig

__all__ = [
    "EXTENDS_KEY",
    "OVERRIDE_SOURCE",
    "SCENARIOS_DIRNAME",
    "Scenario",
    "allowed_roots",
    "apply_overrides",
    "base_folders",
    "compute_config_hash",
    "config_from_data",
    "find_scenarios_root",
    "load_scenario",
    "override_scenario",
    "read_yaml",
    "resolve",
    "scenario_name",
]

#: The key that names a scenario's base file.
EXTENDS_KEY = "extends"
#: Name of the folder that holds scenario files; ``extends`` names may be relative to it.
SCENARIOS_DIRNAME = "scenarios"
#: How errors name a value that came from a command-line override.
OVERRIDE_SOURCE = "--set"
#: Suffixes tried, in order, when an ``extends`` name has none.
_SUFFIXES = (".yaml", ".yml")
#: Longest accepted ``extends`` chain.
_MAX_EXTENDS_DEPTH = 32

#: Scientific notation that YAML 1.2 reads as a float but PyYAML (YAML 1.1) leaves a string:
#: ``1e6``, ``2.0e10``, ``-1E-3``, ``6.02e23`` (YAML 1.1 wants a dot and a signed exponent).
_SCIENTIFIC = re.compile(r"[-+]?(?:[0-9][0-9_]*(?:\.[0-9_]*)?|\.[0-9][0-9_]*)[eE][-+]?[0-9]+")

Loc = tuple[str | int, ...]
#: Where each key path's value came from: a file as displayed, or ``"--set"``.
Provenance = dict[Loc, str]


# ---------------------------------------------------------------------------------------------
# The result
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scenario:
    """A loaded and validated scenario.

    Attributes:
        config: The validated configuration (a ``ScenarioConfig`` unless another schema was given).
        resolved: Plain data after ``extends`` and overrides (no ``extends`` key); this is what the
            run manifest stores and what ``config_hash`` is computed from.
        path: The scenario file.
        name: Scenario name: the path relative to the scenarios folder without suffix
            (``analysts/oil-for-labour``), or the file stem.
        config_hash: SHA-256 hex digest of the canonical JSON of ``resolved``
            (see :func:`compute_config_hash`).
        overrides: The ``--set`` overrides applied, in order (a run's manifest records them).
    """

    config: ScenarioConfig
    resolved: dict[str, Any]
    path: Path
    name: str
    config_hash: str
    overrides: tuple[str, ...] = ()


def compute_config_hash(resolved: Mapping[str, Any]) -> str:
    """Return the SHA-256 hex digest of the canonical JSON of a resolved scenario.

    The JSON is ``json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)``, where
    ``data`` is ``resolved`` with every mapping key turned into a string and tuples into lists (so
    YAML integer keys and mixed key types hash reliably). Dates become ISO strings via ``str``.

    Args:
        resolved: The resolved scenario data.

    Returns:
        64 hex characters.
    """
    text = json.dumps(_jsonable(resolved), sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _jsonable(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


# ---------------------------------------------------------------------------------------------
# Paths and names
# ---------------------------------------------------------------------------------------------


def _display(path: Path) -> str:
    """Show a path relative to the working directory when it is below it."""
    try:
        return os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return str(path)


def _display_short(path: Path) -> str:
    text = _display(path)
    return str(path) if text.startswith("..") else text


def find_scenarios_root(path: str | os.PathLike[str]) -> Path | None:
    """Return the nearest folder named ``scenarios`` that contains ``path``, or ``None``.

    Args:
        path: A scenario file.

    Returns:
        The scenarios folder, or ``None`` if the file is not inside one.
    """
    for parent in Path(path).resolve().parents:
        if parent.name == SCENARIOS_DIRNAME:
            return parent
    return None


def scenario_name(path: str | os.PathLike[str], *, root: str | os.PathLike[str] | None = None) -> str:
    """Return a scenario's name: its path relative to the scenarios folder, without suffix.

    Args:
        path: The scenario file.
        root: A scenarios folder (``--root``); when the file is not inside it, the nearest enclosing
            folder named ``scenarios`` (:func:`find_scenarios_root`).

    Returns:
        For example ``analysts/oil-for-labour``; the file stem when the file is not inside a
        scenarios folder.
    """
    file = Path(path).resolve()
    for base in (Path(root).resolve() if root is not None else None, find_scenarios_root(file)):
        if base is not None and file.is_relative_to(base):
            return file.relative_to(base).with_suffix("").as_posix()
    return file.stem


# ---------------------------------------------------------------------------------------------
# Reading one file
# ---------------------------------------------------------------------------------------------


def read_yaml(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read one YAML file with ``yaml.safe_load``; its top level must be a mapping.

    Args:
        path: The file.

    PyYAML follows YAML 1.1, which reads ``1e6`` and ``2.0e10`` as strings; such scientific-notation
    strings are turned into floats, as YAML 1.2 does (quoted ones too: quote differently, e.g.
    ``"id 1e6"``, to keep text that looks like a number).

    Returns:
        The mapping (not yet resolved: an ``extends`` key is left in place).

    The file is read within the limits of :mod:`sanctionsim.scenario.bounded` (size, nodes with
    aliases expanded, nesting), so a hostile file is refused in bounded time and memory.

    Raises:
        ScenarioError: If the file is missing or unreadable, too large, not a regular file, is not
            valid YAML (the error gives the line and column), expands beyond the node or nesting
            limits, is empty, or does not hold a mapping.
    """
    file = Path(path)
    shown = _display_short(file)
    try:
        text = read_bounded(file).decode("utf-8")
    except FileNotFoundError:
        raise ScenarioError("file not found", file=shown, expected="an existing scenario file") from None
    except IsADirectoryError:
        raise ScenarioError("is a folder, not a file", file=shown, expected="a scenario file") from None
    except UnicodeDecodeError as exc:
        raise ScenarioError(
            f"cannot decode the file ({exc.reason} at byte {exc.start})", file=shown, expected="UTF-8 text"
        ) from None
    except LimitError as exc:
        raise ScenarioError(str(exc), file=shown) from None
    except OSError as exc:
        raise ScenarioError(f"cannot read the file ({exc.strerror or exc})", file=shown) from None
    try:
        data = load_bounded(text)
    except LimitError as exc:
        raise ScenarioError(str(exc), file=shown) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = " ".join(p for p in (exc.context, exc.problem) if p) or "syntax error"
        raise ScenarioError(
            f"invalid YAML: {problem}",
            file=shown,
            line=mark.line + 1 if mark is not None else None,
            column=mark.column + 1 if mark is not None else None,
        ) from None
    except yaml.YAMLError as exc:
        raise ScenarioError(f"invalid YAML: {exc}", file=shown) from None
    if data is None:
        raise ScenarioError("the file is empty", file=shown, expected="a mapping of scenario keys")
    if not isinstance(data, dict):
        raise ScenarioError(
            f"the top level is a {_kind(data)}",
            file=shown,
            expected="a mapping of scenario keys (key: value)",
        )
    return _numbers_as_yaml12(data)


def _numbers_as_yaml12(value: Any) -> Any:
    """Turn scientific-notation strings (``1e6``, ``2.0e10``) into floats, as YAML 1.2 does."""
    if isinstance(value, str):
        if _SCIENTIFIC.fullmatch(value):
            try:
                return float(value.replace("_", ""))
            except ValueError:  # pragma: no cover - the pattern admits only valid floats
                return value
        return value
    if isinstance(value, dict):
        return {k: _numbers_as_yaml12(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_numbers_as_yaml12(v) for v in value]
    return value


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "list"
    if isinstance(value, dict):
        return "mapping"
    return type(value).__name__


# ---------------------------------------------------------------------------------------------
# extends
# ---------------------------------------------------------------------------------------------


def base_folders(child: Path, root: Path | None) -> list[Path]:
    """The folders an ``extends:`` name is looked up in, in order, each once (symlinks resolved).

    They are the extending file's own folder, the scenarios folder that holds it (the nearest
    enclosing folder named ``scenarios``), ``scenarios/`` in the working directory, ``root``
    (``--root``) and the scenario library that ships in the package; folders that do not exist are
    left out. So ``extends: baseline`` works from any folder.
    """
    from sanctionsim.resources import scenarios_root

    folders = [child.resolve().parent]
    for extra in (find_scenarios_root(child), Path.cwd() / SCENARIOS_DIRNAME, root, scenarios_root()):
        if extra is not None and extra.is_dir():
            folders.append(extra.resolve())
    return list(dict.fromkeys(folders))


def allowed_roots(child: Path, root: Path | None) -> list[Path]:
    """The folders a scenario file may ``extends:`` from, symlinks resolved: :func:`base_folders`.

    A base must lie under one of them (the packaged library is one), so an absolute path elsewhere
    or a ``../..`` escape is refused.
    """
    return base_folders(child, root)


def _inside(path: Path, roots: Sequence[Path]) -> bool:
    return any(path == r or r in path.parents for r in roots)


#: Most files listed when looking for a "did you mean" among the candidates for a missing base.
_MAX_LISTED_FILES = 2000


def _known_names(folders: Sequence[Path], child: Path) -> list[str]:
    known: list[str] = []
    for folder in folders:
        if folder.is_dir():
            for file in itertools.islice(folder.rglob("*"), _MAX_LISTED_FILES):
                if file.suffix in _SUFFIXES and file.resolve() != child:
                    known.append(file.relative_to(folder).with_suffix("").as_posix())
    return sorted(known)


def _find_base(name: str, *, child: Path, root: Path | None) -> Path:
    """Locate the file named by ``extends: name`` in ``child``, only under :func:`allowed_roots`.

    A name that leads outside them (``/etc/passwd``, ``../../x.yaml``, a symlink out) is refused
    whether or not the file exists, and nothing outside them is read.
    """
    shown = _display_short(child)
    roots = allowed_roots(child, root)
    folders = roots
    relative = Path(name)
    candidates: list[Path] = []
    for folder in folders:
        base = folder / relative
        candidates.append(base)
        if not relative.suffix or relative.suffix not in _SUFFIXES:
            candidates.extend(base.with_name(base.name + suffix) for suffix in _SUFFIXES)
    inside = [c for c in candidates if _inside(c.resolve(), roots)]
    # a path that lies in the folders but leads out of them (a symlink) is refused as well
    leads_out = [
        c
        for c in candidates
        if c not in inside and os.path.lexists(c) and _inside(Path(os.path.abspath(c)), roots)
    ]
    if not inside or leads_out:
        how = f" (through the link {_display_short(leads_out[0])})" if leads_out else ""
        raise ScenarioError(
            f"base scenario {name!r} is outside the folders a scenario may extend from "
            f"({', '.join(_display_short(r) for r in roots)}){how}",
            file=shown,
            key_path=EXTENDS_KEY,
            expected="a scenario file under this file's folder, a scenarios folder, --root or the "
            "packaged library",
        )
    for candidate in inside:
        resolved = candidate.resolve()
        if resolved.is_file():
            if resolved.suffix not in _SUFFIXES:
                raise ScenarioError(
                    f"base scenario {name!r} is not a scenario file",
                    file=shown,
                    key_path=EXTENDS_KEY,
                    expected=f"a file ending in {' or '.join(_SUFFIXES)}",
                )
            return resolved
    looked = " or ".join(_display_short(f) for f in folders)
    raise ScenarioError(
        f"cannot find the base scenario {name!r} (looked in {looked})",
        file=shown,
        key_path=EXTENDS_KEY,
        expected="a scenario file path relative to this file or to the scenarios folder",
        suggestion=did_you_mean(
            relative.with_suffix("").as_posix() if relative.suffix else name, _known_names(folders, child)
        ),
    )


def _chain_text(chain: Sequence[Path]) -> str:
    try:
        common = Path(os.path.commonpath([str(p.parent) for p in chain]))
        return " -> ".join(p.relative_to(common).as_posix() for p in chain)
    except ValueError:
        return " -> ".join(str(p) for p in chain)


def _record(prov: Provenance, loc: Loc, value: Any, source: str) -> None:
    """Record ``source`` for ``loc`` and everything below it, dropping stale entries below it."""
    depth = len(loc)
    for key in [k for k in prov if len(k) > depth and k[:depth] == loc]:
        del prov[key]
    stack: list[tuple[Loc, Any]] = [(loc, value)]
    while stack:
        here, item = stack.pop()
        prov[here] = source
        if isinstance(item, dict):
            stack.extend(((*here, k), v) for k, v in item.items())
        elif isinstance(item, list):
            stack.extend(((*here, i), v) for i, v in enumerate(item))


#: Top-level lists whose items merge by ``name`` across ``extends`` instead of replacing the list.
MERGED_BY_NAME = ("events",)


def _named(items: Any) -> bool:
    """A non-empty list of mappings with names (an empty list replaces, so ``events: []`` clears)."""
    return isinstance(items, list) and bool(items) and all(isinstance(i, dict) and "name" in i for i in items)


UNCERTAINTIES_KEY = "uncertainties"


def _leaf_paths(data: Mapping[str, Any], prefix: str = "") -> set[str]:
    """Dotted paths of the scalar values in nested mappings (lists are leaves too)."""
    paths: set[str] = set()
    for key, value in data.items():
        path = f"{prefix}{key}"
        if isinstance(value, Mapping):
            paths |= _leaf_paths(value, f"{path}.")
        else:
            paths.add(path)
    return paths


def _release_uncertainties(data: dict[str, Any], paths: set[str], *, keep: Mapping[str, Any] = {}) -> None:
    """Drop inherited uncertainties on parameters that a child file or ``--set`` gives a value.

    A value stated later wins over a draw stated earlier: ``--set war.fire_rate=10000`` runs every
    replicate at 10,000 rounds a day even though the baseline draws the fire rate per replicate.
    An uncertainty the same file restates (``keep``) stays.
    """
    drawn = data.get(UNCERTAINTIES_KEY)
    if not isinstance(drawn, dict):
        return
    for path in paths & set(drawn):
        if path not in keep and not path.startswith(f"{UNCERTAINTIES_KEY}."):
            del drawn[path]


def _merge(base: dict[str, Any], child: Mapping[str, Any], prov: Provenance, source: str, loc: Loc) -> None:
    """Deep-merge ``child`` into ``base`` in place: mappings merge, anything else replaces.

    The items of a top-level list in :data:`MERGED_BY_NAME` (``events``) merge by ``name``: a
    child's event replaces the base's event of the same name, and new names are appended, so an
    extending file states only the events its story adds or changes.
    """
    for key, value in child.items():
        here = (*loc, key)
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            prov[here] = source
            _merge(base[key], value, prov, source, here)
        elif not loc and key in MERGED_BY_NAME and _named(value) and _named(base.get(key)):
            merged = base[key]
            index = {item["name"]: i for i, item in enumerate(merged)}
            for item in value:
                position = index.setdefault(item["name"], len(merged))
                if position == len(merged):
                    merged.append(copy.deepcopy(item))
                else:
                    merged[position] = copy.deepcopy(item)
                _record(prov, (*here, position), item, source)
        else:
            base[key] = copy.deepcopy(value)
            _record(prov, here, value, source)


def _resolve(file: Path, *, root: Path | None, chain: tuple[Path, ...]) -> tuple[dict[str, Any], Provenance]:
    file = file.resolve()
    if file in chain:
        loop = (*chain[chain.index(file) :], file)
        raise ScenarioError(
            f"'extends' loop: {_chain_text(loop)}",
            file=_display_short(chain[-1]),
            key_path=EXTENDS_KEY,
            expected="a chain of base scenarios that ends",
        )
    if len(chain) >= _MAX_EXTENDS_DEPTH:
        raise ScenarioError(
            f"'extends' chain is longer than {_MAX_EXTENDS_DEPTH} files",
            file=_display_short(file),
            key_path=EXTENDS_KEY,
        )
    data = read_yaml(file)
    shown = _display_short(file)
    base_name = data.pop(EXTENDS_KEY, None)
    if base_name is None:
        prov: Provenance = {}
        _record(prov, (), data, shown)
        return data, prov
    if not isinstance(base_name, str) or not base_name.strip():
        raise ScenarioError(
            f"got {_kind(base_name)} {base_name!r}",
            file=shown,
            key_path=EXTENDS_KEY,
            expected="the name of one base scenario file, e.g. 'baseline' or '../baseline.yaml'",
        )
    base_file = _find_base(base_name.strip(), child=file, root=root)
    merged, prov = _resolve(base_file, root=root, chain=(*chain, file))
    _merge(merged, data, prov, shown, ())
    _release_uncertainties(merged, _leaf_paths(data), keep=data.get(UNCERTAINTIES_KEY) or {})
    return merged, prov


def resolve(path: str | os.PathLike[str], *, root: str | os.PathLike[str] | None = None) -> dict[str, Any]:
    """Read a scenario file and everything it ``extends``, deep-merged.

    ``extends: name`` is looked up in :func:`base_folders`, in order: the extending file's folder,
    the nearest enclosing folder named ``scenarios``, ``scenarios/`` in the working directory,
    ``root`` and the packaged library; ``.yaml`` / ``.yml`` may be left off. The base must lie under
    one of these folders (symlinks resolved): an absolute path elsewhere or a ``../..`` escape is
    refused. Mappings merge key by
    key (the extending file wins); lists, scalars and ``null`` replace the base value.

    Args:
        path: The scenario file.
        root: A scenarios folder to look in as well (``--root``).

    Returns:
        The merged data, without an ``extends`` key.

    Raises:
        ScenarioError: For unreadable files, bad YAML, a base that cannot be found, or an
            ``extends`` loop (the message shows the chain, e.g. ``a.yaml -> b.yaml -> a.yaml``).
    """
    data, _ = _resolve(Path(path), root=Path(root).resolve() if root else None, chain=())
    return data


# ---------------------------------------------------------------------------------------------
# --set overrides
# ---------------------------------------------------------------------------------------------


def _override_error(
    text: str, problem: str, *, key_path: str = "", expected: str | None = None
) -> ScenarioError:
    return ScenarioError(
        f"{problem} in {text!r}",
        file=OVERRIDE_SOURCE,
        key_path=key_path,
        expected=expected or "KEY.PATH=VALUE, e.g. war.fire_rate=15000",
    )


def _apply_one(data: dict[str, Any], text: str, prov: Provenance, created: set[Loc]) -> None:
    if not isinstance(text, str):
        raise _override_error(str(text), "an override must be a string")
    key_text, sep, value_text = text.partition("=")
    key_text = key_text.strip()
    if not sep:
        raise _override_error(text, "missing '='")
    if not key_text:
        raise _override_error(text, "empty key path")
    parts = key_text.split(".")
    if any(not p.strip() for p in parts):
        raise _override_error(text, "empty key in the key path", key_path=key_text)
    parts = [p.strip() for p in parts]
    if parts[0] == EXTENDS_KEY:
        raise _override_error(
            text, "'extends' cannot be overridden", key_path=key_text, expected="a key other than 'extends'"
        )
    try:
        value = _numbers_as_yaml12(load_bounded(value_text)) if value_text.strip() else None
    except LimitError as exc:
        raise _override_error(text, f"the value is too large ({exc})", key_path=key_text) from None
    except yaml.YAMLError as exc:
        problem = " ".join(str(getattr(exc, "problem", None) or exc).split())
        raise _override_error(text, f"the value is not valid YAML ({problem})", key_path=key_text) from None

    node: Any = data
    loc: list[str | int] = []
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        if isinstance(node, dict):
            key: str | int = part
            if part not in node and part.lstrip("-").isdigit() and int(part) in node:
                key = int(part)
            loc.append(key)
            if last:
                node[key] = value
            else:
                if key not in node or node[key] is None:
                    node[key] = {}
                    created.add(tuple(loc))
                node = node[key]
        elif isinstance(node, list):
            index = int(part) if part.isdigit() else -1
            if not 0 <= index < len(node):
                raise _override_error(
                    text,
                    f"{format_key_path(loc)} is a list of {len(node)} item(s)",
                    key_path=format_key_path(loc),
                    expected=f"an index from 0 to {len(node) - 1}" if node else "a non-empty list",
                )
            loc.append(index)
            if last:
                node[index] = value
            else:
                node = node[index]
        else:
            raise _override_error(
                text,
                f"{format_key_path(loc)} is a {_kind(node)}, not a mapping",
                key_path=format_key_path(loc),
                expected=f"a key path that goes through mappings (set {format_key_path(loc)}=... instead)",
            )
    _record(prov, tuple(loc), value, OVERRIDE_SOURCE)


def _apply_overrides(
    data: Mapping[str, Any], overrides: Sequence[str], prov: Provenance, created: set[Loc] | None = None
) -> dict[str, Any]:
    if isinstance(overrides, str):
        overrides = [overrides]
    result = copy.deepcopy(dict(data))
    for text in overrides:
        _apply_one(result, text, prov, created if created is not None else set())
        _release_uncertainties(result, {text.split("=", 1)[0].strip()})
    return result


def apply_overrides(data: Mapping[str, Any], overrides: Sequence[str]) -> dict[str, Any]:
    """Apply ``--set`` overrides to resolved scenario data.

    Each override is ``a.b.c=value``. The value is parsed with ``yaml.safe_load`` (with
    scientific notation read as a float, see :func:`read_yaml`), so ``3``, ``1e6``, ``true``,
    ``[1, 2]`` and ``{a: 1}`` work, and an empty value means ``null``. Missing mappings along the
    path are created (the schema then rejects unknown keys, with a "did you mean"); a number in
    the path indexes a list.

    Args:
        data: Resolved scenario data (not modified).
        overrides: The overrides, applied in order.

    Returns:
        A new dict with the overrides applied.

    Raises:
        ScenarioError: Naming ``--set``, for an override without ``=``, with an empty key path, a
            value that is not YAML, or a path through a value that is not a mapping or list.
    """
    return _apply_overrides(data, overrides, {})


# ---------------------------------------------------------------------------------------------
# load_scenario
# ---------------------------------------------------------------------------------------------


def _source_of(loc: Loc, prov: Provenance, default: str) -> str:
    for end in range(len(loc), 0, -1):
        source = prov.get(tuple(loc[:end]))
        if source is not None:
            return source
    return default


def _default_schema() -> type[BaseModel]:
    from sanctionsim.scenario.schema import ScenarioConfig

    return ScenarioConfig


def load_scenario(
    path: str | os.PathLike[str],
    overrides: Sequence[str] = (),
    *,
    schema: type[BaseModel] | None = None,
    root: str | os.PathLike[str] | None = None,
) -> Scenario:
    """Load, resolve, override and validate a scenario file.

    Args:
        path: The scenario file, or a scenario name (``baseline``, ``analysts/oil-for-labour``)
            looked up in ``./scenarios``, ``root`` and the packaged library.
        overrides: ``--set`` overrides, ``a.b.c=value`` (see :func:`apply_overrides`).
        schema: The pydantic model to validate with; ``ScenarioConfig`` by default.
        root: A scenarios folder to look in as well (see :func:`resolve`); names are given relative to it.

    Returns:
        The validated scenario.

    Raises:
        ScenarioError: For any problem, on one line: the file the offending key came from (or
            ``--set``), the key path, what is wrong, what was expected and, for a misspelt key or
            value, a "did you mean".
    """
    file = _named_file(path, root=root)
    root_path = Path(root).resolve() if root is not None else None
    data, prov = _resolve(file, root=root_path, chain=())
    created: set[Loc] = set()
    resolved = _apply_overrides(data, overrides, prov, created)
    model = schema if schema is not None else _default_schema()
    top = _display_short(file.resolve())
    try:
        config = model.model_validate(resolved)
    except ValidationError as exc:
        error = from_validation_error(exc, model=model)
        new_entry = _new_entry_error(error, data, created)
        raise new_entry or error.replace(file=_source_of(error.loc, prov, top)) from None
    return Scenario(
        config=config,  # type: ignore[arg-type]  # any schema may be given; ScenarioConfig by default
        resolved=resolved,
        path=file,
        name=scenario_name(file, root=root_path),
        config_hash=compute_config_hash(resolved),
        overrides=_override_list(overrides),
    )


def _named_file(path: str | os.PathLike[str], *, root: str | os.PathLike[str] | None) -> Path:
    """``path`` if it is a file, else the scenario it names (``baseline``; see ``scenario.library``)."""
    file = Path(path)
    if file.is_file():
        return file
    from sanctionsim.scenario.library import find_scenario

    try:
        return find_scenario(path, root=root)
    except FileNotFoundError:
        return file  # reported as a missing file, naming it, by read_yaml


def _new_entry_error(
    error: ScenarioError, before: Mapping[str, Any], created: set[Loc]
) -> ScenarioError | None:
    """Blame ``--set`` for an error inside a mapping that an override's key path made.

    ``--set actors.XYZ.gdp=1`` makes a new actor ``XYZ`` that lacks the keys an actor needs; the
    error then names ``--set`` and the entries the scenario has, not the file that holds ``actors``.
    """
    if error.message != "required key is missing":
        return None
    node: Any = before
    for depth, key in enumerate(error.loc[:-1]):
        if not isinstance(node, Mapping):
            return None
        if key not in node:
            if depth == 0 or tuple(error.loc[: depth + 1]) not in created:
                return None
            known = [str(k) for k in node]
            return ScenarioError(
                f"{key!r} is not in the scenario, so --set made a new entry "
                f"(then: {error.key_path}: {error.message})",
                file=OVERRIDE_SOURCE,
                loc=error.loc[: depth + 1],
                expected=f"one of {', '.join(known)}" if known else None,
                suggestion=did_you_mean(key, known),
            )
        node = node[key]
    return None


def _override_list(overrides: Sequence[str]) -> tuple[str, ...]:
    return (overrides,) if isinstance(overrides, str) else tuple(overrides)


def config_from_data(resolved: Mapping[str, Any], *, source: str) -> ScenarioConfig:
    """Validate resolved scenario data that did not come from a file (``--set``, a manifest).

    Args:
        resolved: The data.
        source: How errors name where it came from (``--set``, ``results/x/manifest.json``).

    Raises:
        ScenarioError: For any problem, on one line naming ``source`` and the key path.
    """
    model = _default_schema()
    try:
        return model.model_validate(resolved)  # type: ignore[return-value]
    except ValidationError as exc:
        raise from_validation_error(exc, model=model, file=source) from None


def override_scenario(scenario: Scenario, overrides: Sequence[str]) -> Scenario:
    """A loaded scenario with more ``--set`` overrides applied (see :func:`apply_overrides`).

    Returns:
        A new scenario; its ``overrides`` list the earlier overrides, then these.

    Raises:
        ScenarioError: Naming ``--set``, for a bad override or a value the schema rejects.
    """
    added = _override_list(overrides)
    if not added:
        return scenario
    resolved = apply_overrides(scenario.resolved, added)
    return Scenario(
        config=config_from_data(resolved, source=OVERRIDE_SOURCE),
        resolved=resolved,
        path=scenario.path,
        name=scenario.name,
        config_hash=compute_config_hash(resolved),
        overrides=(*scenario.overrides, *added),
    )
