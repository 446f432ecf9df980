"""The scenario library: scenario files found by name in the scenarios folders.

A scenario argument is a file path or a name such as ``analysts/oil-for-labour``. A name is looked
up, in order, in

1. ``scenarios/`` in the working directory (the user's own library),
2. the folder given as ``--root`` (``root=``),
3. the library that ships inside the package (:func:`sanctionsim.resources.scenarios_root`),

so ``sanctionsim run baseline`` and ``ss.simulate("baseline")`` work from any folder, and a file of
the same name in an earlier folder takes the place of a later one.
"""

from __future__ import annotations

import os
from pathlib import Path

from sanctionsim.resources import scenarios_root
from sanctionsim.scenario.errors import did_you_mean

#: The user's scenarios folder, relative to the working directory; names are looked up there first.
DEFAULT_ROOT = Path("scenarios")
_SUFFIXES = (".yaml", ".yml")


def search_folders(root: str | os.PathLike[str] | None = None) -> list[Path]:
    """The scenarios folders that names are looked up in, in order, each once (symlinks resolved).

    They are ``scenarios/`` in the working directory, ``root`` (``--root``) and the packaged library;
    folders that do not exist are left out. When ``root`` is the working directory's ``scenarios/``,
    names are found under ``root`` as given.
    """
    given = Path(root) if root is not None else None
    folders: dict[Path, Path] = {}
    for folder in (DEFAULT_ROOT, given, scenarios_root()):
        if folder is None or not folder.is_dir():
            continue
        key = folder.resolve()
        if key not in folders or folder is given:
            folders[key] = folder
    return list(folders.values())


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


def catalogue(root: str | os.PathLike[str] | None = None) -> dict[str, Path]:
    """Every scenario a name can reach: name -> file, from :func:`search_folders` (the first one wins).

    Returns:
        The names in order (sorted), each with the file ``find_scenario(name, root=root)`` gives.
    """
    found: dict[str, Path] = {}
    for folder in search_folders(root):
        for path in library(folder):
            found.setdefault(library_name(path, root=folder), path)
    return dict(sorted(found.items()))


def library_name(path: Path, *, root: Path = DEFAULT_ROOT) -> str:
    """A scenario's name: its path relative to ``root`` without suffix (its path if outside ``root``)."""
    try:
        return path.resolve().relative_to(root.resolve()).with_suffix("").as_posix()
    except ValueError:
        return str(path)


def find_scenario(name: str | os.PathLike[str], *, root: str | os.PathLike[str] | None = None) -> Path:
    """Turn a scenario argument into a file: an existing path, or a name in :func:`search_folders`.

    Args:
        name: A file path (``scenarios/analysts/oil-for-labour.yaml``) or a name
            (``analysts/oil-for-labour``, the suffix optional).
        root: A scenarios folder to look in after the working directory's ``scenarios/`` and before
            the packaged library (``--root``).

    Returns:
        The scenario file.

    Raises:
        FileNotFoundError: If neither exists; the message suggests the closest name.
    """
    path = Path(name)
    if path.is_file():
        return path
    folders = search_folders(root)
    for folder in folders:
        base = folder / path
        for candidate in (base, *(base.with_name(base.name + s) for s in _SUFFIXES)):
            if candidate.is_file():
                return candidate
    known = list(catalogue(root))
    close = did_you_mean(Path(str(name)).with_suffix("").as_posix(), known)
    hint = f" Did you mean {close!r}?" if close else ""
    listing = f" Known scenarios: {', '.join(known)}." if known else ""
    looked = ", ".join(f"{display_folder(f)}/" for f in folders) or "no scenarios folder"
    raise FileNotFoundError(
        f"no scenario {str(name)!r} (neither a file nor a name in {looked}).{hint}{listing}"
    )


def display_folder(folder: Path) -> str:
    """A folder as the user would type it: relative to the working directory when below it."""
    if not folder.is_absolute():
        return folder.as_posix()
    try:
        text = os.path.relpath(folder)
    except ValueError:  # another drive on Windows
        return str(folder)
    return str(folder) if text.startswith("..") else text
