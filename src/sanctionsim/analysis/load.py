"""Open any folder sanctionsim writes: a run, a sweep, or a comparison (of scenarios or of sweeps)."""

from __future__ import annotations

import os
from pathlib import Path

from sanctionsim.analysis.effects import Comparison, load_comparison
from sanctionsim.results.comparison import is_comparison_folder
from sanctionsim.results.store import Results, load_results

__all__ = ["load", "one_run", "opened"]

#: What the analysis functions take: results in memory, or the folder they were written to.
Source = Results | Comparison | str | os.PathLike[str]


def load(path: str | os.PathLike[str]) -> Results | Comparison:
    """Open a folder written by ``run``, ``sweep``, ``compare`` or ``sweep --policy``.

    Args:
        path: The folder.

    Returns:
        A :class:`~sanctionsim.results.Results` for a run or a sweep of one scenario (a sweep's
        ``inputs`` hold its design's values per replicate); a
        :class:`~sanctionsim.analysis.effects.Comparison` for a comparison folder, with each
        scenario's results by the name it was given (``comparison.results["policies/x"]``).

    Raises:
        FileNotFoundError: If nothing is at ``path``, or the folder is incomplete.
        ValueError: If the folder is not one sanctionsim wrote, or it changed after it was written.
    """
    folder = Path(path)
    if is_comparison_folder(folder):
        return load_comparison(folder)
    return load_results(folder)


def opened(source: Source) -> Results | Comparison:
    """``source`` itself when it is results in memory, else :func:`load` of the folder it names."""
    return source if isinstance(source, Results | Comparison) else load(source)


def one_run(source: Source, *, what: str) -> Results:
    """One scenario's results (a run or a sweep), from memory or a folder.

    Args:
        source: Results, or the folder they were written to.
        what: The analysis asking, for the error message.

    Raises:
        ValueError: If ``source`` is a comparison (several scenarios' results).
    """
    found = opened(source)
    if isinstance(found, Comparison):
        names = ", ".join(found.results)
        raise ValueError(
            f"{what} takes one scenario's results, and this is a comparison of {names}: "
            "pass one of them, e.g. ss.load(folder).results[name]"
        )
    return found
