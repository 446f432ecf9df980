"""What one ensemble run is: a scenario, its run options, validated once (:class:`RunSpec`).

A :class:`RunSpec` holds a loaded scenario (``extends`` and ``--set`` overrides applied, checked by
the schema) and the typed run options: replicates, seed and horizon. Creating one checks the
options and validates the scenario against the model (:func:`sanctionsim.model.validate_config`:
event paths and conditions) exactly once, so a spec that exists can run; nothing turns the options
into override text and parses it again.

Example:
    >>> spec = run_spec("baseline", runs=100, seed=7, overrides=["war.fire_rate=9000"])  # doctest: +SKIP
    >>> spec.runs, spec.config.war.fire_rate, spec.overrides  # doctest: +SKIP
    (100, 9000.0, ('war.fire_rate=9000',))
"""

from __future__ import annotations

import math
import os
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cached_property
from typing import Any

from sanctionsim.model import validate_config
from sanctionsim.scenario import Scenario, ScenarioError, ScenarioWarning, load_scenario
from sanctionsim.scenario.library import find_scenario
from sanctionsim.scenario.loader import compute_config_hash, override_scenario
from sanctionsim.scenario.schema import ScenarioConfig, field_bounds

__all__ = ["RUN_OPTIONS", "RunSpec", "ScenarioLike", "events_outside_horizon", "load_for_run", "run_spec"]

#: The typed run options, which are also top-level keys of a scenario file (their defaults).
RUN_OPTIONS: tuple[str, ...] = ("runs", "seed", "months")

#: What a scenario argument may be: a loaded scenario, a file, or a name under ``scenarios/``.
ScenarioLike = Scenario | str | os.PathLike[str]


def _check_option(name: str, value: Any) -> int:
    low, high = field_bounds(name)  # the schema is the one source of the ranges
    expected = f"an integer >= {low:g}" if high == math.inf else f"an integer from {low:g} to {high:g}"
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ScenarioError(f"got {value!r}", file=f"--{name}", expected=expected)
    return int(value)


@dataclass(frozen=True)
class RunSpec:
    """One ensemble run: the scenario and its typed options, checked and validated on creation.

    Attributes:
        scenario: The loaded scenario (``extends`` and ``--set`` overrides applied).
        runs: Replicates.
        seed: Seed; replicate ``r`` uses ``SeedSequence(seed, spawn_key=(r,))``.
        months: Horizon in months.

    Warns:
        ScenarioWarning: For each dated event outside the run's months (it never fires).

    Raises:
        ScenarioError: For an option out of range (``--runs: got 0; expected an integer >= 1``).
        ValueError: For a scenario the model cannot run (a bad event path or condition), naming
            the scenario file.
    """

    scenario: Scenario
    runs: int
    seed: int
    months: int

    def __post_init__(self) -> None:
        """Check the options, then validate the configuration against the model, once."""
        for name in RUN_OPTIONS:
            _check_option(name, getattr(self, name))
        try:
            validate_config(self.config)
        except ValueError as err:
            raise ValueError(f"{self.scenario.path}: {err}") from None
        outside = events_outside_horizon(self.config)
        if outside:
            warnings.warn(ScenarioWarning(f"{self.scenario.path}: {outside}"), stacklevel=3)

    @property
    def name(self) -> str:
        """The scenario's name (``analysts/oil-for-labour``)."""
        return self.scenario.name

    @property
    def overrides(self) -> tuple[str, ...]:
        """The ``--set`` overrides applied to the scenario, in order (the manifest records them)."""
        return self.scenario.overrides

    @cached_property
    def config(self) -> ScenarioConfig:
        """The configuration that runs: the scenario's, with this spec's runs, seed and months."""
        return self.scenario.config.model_copy(update=self._options())

    @cached_property
    def resolved(self) -> dict[str, Any]:
        """Plain data of :attr:`config` as the manifest records it (the options included)."""
        return {**self.scenario.resolved, **self._options()}

    @cached_property
    def config_hash(self) -> str:
        """SHA-256 of the canonical JSON of :attr:`resolved`."""
        return compute_config_hash(self.resolved)

    @property
    def applied(self) -> Scenario:
        """The scenario with this spec's options written into it: what runs, as a scenario (for
        files derived from it, such as a fitted scenario)."""
        return replace(
            self.scenario, config=self.config, resolved=self.resolved, config_hash=self.config_hash
        )

    def _options(self) -> dict[str, int]:
        return {"runs": self.runs, "seed": self.seed, "months": self.months}


def events_outside_horizon(config: ScenarioConfig) -> str:
    """One line naming the dated events outside the run's months, which never fire ("" if none)."""
    first = _month_index(config.start)
    last = first + config.months - 1
    outside = [
        f"{event.name} ({event.at})"
        for event in config.events
        if event.at is not None and not first <= _month_index(event.at) <= last
    ]
    if not outside:
        return ""
    return (
        f"{len(outside)} dated event(s) fall outside the run ({config.start}..{_month_text(last)}) "
        f"and never fire: {', '.join(outside)}"
    )


def _month_index(month: str) -> int:
    year, number = month.split("-")
    return int(year) * 12 + int(number) - 1


def _month_text(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def load_for_run(scenario: ScenarioLike, *, overrides: Sequence[str] = ()) -> Scenario:
    """A scenario argument as a loaded scenario with ``overrides`` applied (not yet a :class:`RunSpec`).

    Raises:
        ScenarioError: For a bad file or override.
        FileNotFoundError: For a scenario that is neither a file nor a name under ``scenarios/``.
    """
    if isinstance(scenario, Scenario):
        return override_scenario(scenario, overrides)
    return load_scenario(find_scenario(scenario), overrides)


def run_spec(
    scenario: ScenarioLike,
    *,
    overrides: Sequence[str] = (),
    runs: int | None = None,
    seed: int | None = None,
    months: int | None = None,
) -> RunSpec:
    """Load a scenario (if given a path or name) and make its :class:`RunSpec`.

    Args:
        scenario: A loaded scenario, a scenario file, or a name under ``scenarios/``.
        overrides: ``a.b.c=value`` overrides, as ``--set``.
        runs: Replicates (default: the scenario's ``runs``).
        seed: Seed (default: the scenario's ``seed``).
        months: Horizon (default: the scenario's ``months``).

    Raises:
        ScenarioError: For a bad file, override or option.
        ValueError: For a bad event path or condition.
    """
    sc = load_for_run(scenario, overrides=overrides)
    cfg = sc.config
    return RunSpec(
        scenario=sc,
        runs=cfg.runs if runs is None else runs,
        seed=cfg.seed if seed is None else seed,
        months=cfg.months if months is None else months,
    )
