"""Per-replicate parameter table: every numeric scenario value as an (R,) array.

Submodels read parameters by dotted path (``routes.rail.capacity``). Events
change them for the replicates in which they fire, and uncertainties draw them
per replicate, so both work the same way for every parameter.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np

from sanctionsim.model.streams import Streams
from sanctionsim.scenario.schema import ScenarioConfig, describe_bounds, field_bounds

# Sections holding parameters (the rest is metadata, events, claims).
SECTIONS = (
    "actors",
    "goods",
    "routes",
    "sanctions",
    "enforcement",
    "compliance",
    "war",
    "economy",
    "military",
    "route_choice",
    "payments",
    "tie_dynamics",
    "adaptive_policy",
)
# Initial state, read when the model is built: may be drawn as an uncertainty, not changed by events.
INITIAL_STATE = re.compile(r"^actors\.[^.]+\.(gdp|tech|capability|goods\.[^.]+\.stock)$")
# Structure, fixed when the model is built: neither drawn nor changed by events.
STRUCTURAL = re.compile(r"^(actors\.[^.]+\.enforcer|routes\.[^.]+\.cash)$")


def _leaves(prefix: str, value: Any) -> Iterator[tuple[str, float]]:
    if isinstance(value, Mapping):
        for k, v in value.items():
            yield from _leaves(f"{prefix}.{k}" if prefix else str(k), v)
    elif isinstance(value, bool | int | float) and not isinstance(value, str):
        yield prefix, float(value)


class ParamTable:
    """Numeric parameters of a scenario, one (R,) float array per dotted path.

    Args:
        config: The validated scenario.
        streams: Random streams; uncertainties draw from ``uncertainty:<path>``.
        design: Per-replicate values ``{path: (R,) values}`` that replace the scenario's value (or
            its drawn uncertainty) of each path.
    """

    def __init__(
        self,
        *,
        config: ScenarioConfig,
        streams: Streams,
        design: Mapping[str, Any] | None = None,
    ) -> None:
        data = config.model_dump(mode="python")
        r = len(streams.replicates)
        self.codes = list(config.actors)
        self._values: dict[str, np.ndarray] = {}
        self._stacks: dict[tuple[tuple[str, ...], float], np.ndarray] = {}
        self.n_replicates = r
        for section in SECTIONS:
            for path, value in _leaves(section, data[section]):
                if ".ties." in path:
                    continue
                self._values[path] = np.full(r, value)
        for i, a in enumerate(self.codes):
            for b in self.codes[i + 1 :]:
                given = [
                    t for t in (config.actors[a].ties.get(b), config.actors[b].ties.get(a)) if t is not None
                ]
                self._values[f"ties.{a}.{b}"] = np.full(r, float(np.mean(given)) if given else 0.0)
                self._values[f"treaty.{a}.{b}"] = np.zeros(r)
        for path, unc in config.uncertainties.items():
            try:
                key = self.resolve(path, drawn=True)
            except ValueError as err:
                raise ValueError(f"uncertainties.{path}: {err}") from None
            u = streams.uniform(f"uncertainty:{key}", 0, 1)[:, 0]
            if unc.dist == "uniform":
                self._values[key] = unc.low + (unc.high - unc.low) * u
            else:
                self._values[key] = np.exp(np.log(unc.low) + (np.log(unc.high) - np.log(unc.low)) * u)
        for path, values in (design or {}).items():
            try:
                key = self.resolve(path, drawn=True)
                arr = np.asarray(values, dtype=float).reshape(-1)
                if arr.shape != (r,):
                    raise ValueError(f"one value per replicate ({r}), got {arr.size}")
                low, high = self.bounds(key)
                if not (np.isfinite(arr).all() and (arr >= low).all() and (arr <= high).all()):
                    bad = arr[~(np.isfinite(arr) & (arr >= low) & (arr <= high))][0]
                    raise ValueError(f"got {bad:g}; expected {describe_bounds(low, high)}")
            except ValueError as err:
                raise ValueError(f"design.{path}: {err}") from None
            self._values[key] = arr.copy()

    def resolve(self, path: str, *, settable: bool = False, drawn: bool = False) -> str:
        """Return the canonical path for ``path`` or raise a ValueError with suggestions."""
        parts = path.split(".")
        if (
            len(parts) == 3
            and parts[0] in ("ties", "treaty")
            and parts[1] in self.codes
            and parts[2] in self.codes
        ):
            a, b = sorted(parts[1:], key=self.codes.index)
            path = f"{parts[0]}.{a}.{b}"
        if path in self._values:
            if (settable or drawn) and STRUCTURAL.match(path):
                raise ValueError(f"{path!r} fixes the model's structure when it is built; it cannot vary")
            if settable and INITIAL_STATE.match(path):
                raise ValueError(f"{path!r} is read only when the model is built, so events cannot change it")
            return path
        close = difflib.get_close_matches(path, list(self._values), n=3, cutoff=0.6)
        hint = f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""
        raise ValueError(f"unknown parameter path {path!r}.{hint}")

    def bounds(self, path: str) -> tuple[float, float]:
        """The [low, high] the schema allows for a canonical parameter path (infinite when open)."""
        if path.startswith("ties."):
            return -1.0, 1.0
        if path.startswith("treaty."):
            return -math.inf, math.inf
        return field_bounds(path)

    def __getitem__(self, path: str) -> np.ndarray:
        return self._values[path]

    def __setitem__(self, path: str, value: np.ndarray) -> None:
        self._values[path] = value
        self._stacks.clear()

    def stack(self, paths: tuple[str, ...], default: float = 0.0) -> np.ndarray:
        """Read-only (R, len(paths)) array of several parameters; missing paths give ``default``.

        Cached until a parameter changes, since submodels ask for the same stacks every month.
        """
        key = (paths, default)
        arr = self._stacks.get(key)
        if arr is None:
            cols = [np.broadcast_to(self._values.get(p, default), (self.n_replicates,)) for p in paths]
            arr = np.stack(cols, axis=1).astype(float)
            arr.flags.writeable = False
            self._stacks[key] = arr
        return arr

    def get(self, path: str, default: float) -> np.ndarray | float:
        """Return the array at ``path``, or ``default`` when the path does not exist."""
        return self._values.get(path, default)

    def paths(self) -> list[str]:
        """All parameter paths."""
        return list(self._values)
