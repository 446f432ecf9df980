"""The parameters each replicate ran with: the rows of ``inputs.parquet``.

A replicate's parameters are the scenario's values, except those that vary per replicate: the
scenario's ``uncertainties`` (drawn from the replicate's random stream) and the values a design sets
(which replace a draw of the same path). :func:`inputs_frame` reads them from a built model, before
it runs (events may change parameters later in a run; the inputs are what each replicate started
with), so the table holds exactly the values the engine used.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from sanctionsim.model import SanctionsModel

__all__ = ["inputs_frame", "varying_paths"]


def varying_paths(model: SanctionsModel, design: Iterable[str] = ()) -> list[str]:
    """Canonical paths of the parameters that vary per replicate: the design's, then the drawn ones."""
    pars = model.world.pars
    out: list[str] = []
    for path in [*design, *model.config.uncertainties]:
        key = pars.resolve(path, drawn=True)
        if key not in out:
            out.append(key)
    return out


def inputs_frame(model: SanctionsModel, *, design: Iterable[str] = ()) -> pd.DataFrame:
    """One row per replicate of a built (not yet run) model: ``replicate``, ``stream``, then one
    float64 column per parameter that varies (:func:`varying_paths`), named by its canonical path.

    Args:
        model: The model, before :meth:`~SanctionsModel.run`.
        design: The paths of the design values it was built with.
    """
    world = model.world
    frame = pd.DataFrame(
        {
            "replicate": world.replicates.astype(np.int32),
            "stream": world.streams.replicates.astype(np.int64),
        }
    )
    for path in varying_paths(model, design):
        frame[path] = world.pars.get(path).astype(np.float64)
    return frame
