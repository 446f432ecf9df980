"""Files that ship inside the package: the scenario library and the observations.

The scenario library (``scenarios/``: the baseline, the analysts' scenarios, policies and shocks)
and the sourced figures (``data/``: ``observations_to_2024-06.csv`` and the observations file
``observations/in-sample_to_2024-06.csv``) live in this package folder, so a wheel carries them and
``ss.simulate("baseline")`` works from any folder. A checkout links ``scenarios`` and ``data`` at
its top to these folders, so ``scenarios/baseline.yaml`` and ``data/...`` keep working there.

They are found with :mod:`importlib.resources`; the functions below return real paths on the file
system (the loader resolves symlinks and lists folders), extracting the files once per process if
the package is ever imported from a zip archive.
"""

from __future__ import annotations

import atexit
import contextlib
import functools
from importlib import resources
from pathlib import Path

__all__ = ["DATA_DIRNAME", "SCENARIOS_DIRNAME", "data_root", "packaged", "scenarios_root"]

#: The folder of the scenario library inside this package.
SCENARIOS_DIRNAME = "scenarios"
#: The folder of the sourced figures and observations files inside this package.
DATA_DIRNAME = "data"

_EXTRACTED = contextlib.ExitStack()
atexit.register(_EXTRACTED.close)


@functools.cache
def _folder(name: str) -> Path:
    """A folder of this package as a path on the file system."""
    entry = resources.files(__name__).joinpath(name)
    if isinstance(entry, Path):
        return entry
    return Path(_EXTRACTED.enter_context(resources.as_file(entry)))  # pragma: no cover - zip imports


def scenarios_root() -> Path:
    """The packaged scenario library (the folder that holds ``baseline.yaml``)."""
    return _folder(SCENARIOS_DIRNAME)


def data_root() -> Path:
    """The packaged data folder (``observations_to_2024-06.csv``, ``observations/``)."""
    return _folder(DATA_DIRNAME)


def packaged(path: str | Path) -> bool:
    """Whether a file lies in the packaged scenario library or data folder (symlinks resolved)."""
    target = Path(path).resolve()
    return any(target.is_relative_to(root.resolve()) for root in (scenarios_root(), data_root()))
