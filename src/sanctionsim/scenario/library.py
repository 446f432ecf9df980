"""The scenario library: scenario files found by name under a scenarios folder.

A scenario argument is a file path or a name relative to the scenarios folder (by default
``scenarios/`` in the working directory), such as ``analysts/oil-for-labour``.
"""

from __future__ import annotations

import os
from pathlib import Path

from sanctionsim.scenario.errors import did_you_mean

#: Where scenario names are looked up, relative to the working directory.
DEFAULT_ROOT = Path("scenarios")
_SUFFIXES = (".yaml", ".yml")


def library(root: Path = DEFAULT_ROOT) -> list[Path]:
    """Every scenario file under ``root`` (``*.yaml``, ``*.yml``; hidden folders skipped), sorted by name.

    Raises:
        NotADirectoryError: If ``root`` is not a folder.
    """
    if not root.is_dir():
        raise NotADirectoryError(f"{root}: no scenarios folder here (pass --root)")
    files = [
        p
        for p in root.rglob("*")
        if p.suffix in _SUFFIXES
        and p.is_file()
        and not any(part.startswith(".") for part in p.relative_to(root).parts)
    ]
    return sorted(files, key=lambda p: library_name(p, root=root))


def library_name(path: Path, *, root: Path = DEFAULT_ROOT) -> str:
    """A scenario's name: its path relative to ``root`` without suffix (its path if outside ``root``)."""
    try:
        return path.resolve().relative_to(root.resolve()).with_suffix("").as_posix()
    except ValueError:
        return str(path)


def find_scenario(name: str | os.PathLike[str], *, root: Path = DEFAULT_ROOT) -> Path:
    """Turn a scenario argument into a file: an existing path, or a name relative to ``root``.

    Args:
        name: A file path (``scenarios/analysts/oil-for-labour.yaml``) or a name
            (``analysts/oil-for-labour``, the suffix optional).
        root: The scenarios folder.

    Returns:
        The scenario file.

    Raises:
        FileNotFoundError: If neither exists; the message suggests the closest name.
    """
    path = Path(name)
    if path.is_file():
        return path
    base = root / path
    for candidate in (base, *(base.with_name(base.name + s) for s in _SUFFIXES)):
        if candidate.is_file():
            return candidate
    known = [library_name(p, root=root) for p in library(root)] if root.is_dir() else []
    close = did_you_mean(Path(str(name)).with_suffix("").as_posix(), known)
    hint = f" Did you mean {close!r}?" if close else ""
    listing = f" Known scenarios: {', '.join(known)}." if known else ""
    raise FileNotFoundError(
        f"no scenario {str(name)!r} (neither a file nor a name under {root}/).{hint}{listing}"
    )
