"""Open any folder sanctionsim writes: a run, a sweep, or a comparison (of scenarios or of sweeps)."""

from __future__ import annotations

import os
from pathlib import Path

from sanctionsim.analysis.effects import Comparison, load_comparison
from sanctionsim.results.comparison import is_comparison_folder
from sanctionsim.results.store import Results, load_results

__all__ = ["load"]


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
