"""The dashboard's Mesa model: a live ensemble of one configuration, and optionally a pinned one.

:class:`DashboardModel` is what SolaraViz creates, steps and resets. It turns the sliders into a
scenario document (:mod:`sanctionsim.dashboard.document`), loads it like any scenario file and
runs it as one vectorised :class:`~sanctionsim.model.SanctionsModel` over all replicates. A pinned
configuration runs beside it with the same seed and replicate indices, so replicate ``i`` of both
draws the same random numbers (common random numbers) and their difference is the levers' effect.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import mesa
import pandas as pd

from sanctionsim.dashboard.controls import DEFAULT_REPLICATES, Control, scenario_controls
from sanctionsim.dashboard.document import (
    build_document,
    changed_values,
    describe_changes,
    load_configuration,
    reproduce_command,
    save_configuration,
)
from sanctionsim.model import SanctionsModel
from sanctionsim.scenario import Scenario, load_scenario
from sanctionsim.scenario.library import find_scenario


class PinBoard:
    """The pinned configuration of one dashboard session, kept while models are reset.

    Attributes:
        values: Control values (scenario units) of the pinned configuration, or ``None``.
        description: What the pinned configuration changes, in words.
    """

    def __init__(self) -> None:
        self.values: dict[str, float | bool] | None = None
        self.description: str = ""

    def clear(self) -> None:
        """Forget the pinned configuration."""
        self.values = None
        self.description = ""


@dataclass(frozen=True)
class Tables:
    """The tables of one ensemble so far (same columns as a results folder's).

    Attributes:
        metrics: One row per (replicate, month).
        flows: One row per shipment.
        events: One row per event fired.
    """

    metrics: pd.DataFrame
    flows: pd.DataFrame
    events: pd.DataFrame


class DashboardModel(mesa.Model):
    """A scenario with the dashboard's levers applied, simulated as an ensemble month by month.

    Args:
        source: Scenario file, or name (``baseline``), found as ``sanctionsim run`` finds it.
        replicates: Ensemble size.
        seed: Seed (default: the scenario's).
        pins: The session's pin board; a pinned configuration on it runs beside this one.
        save_dir: Folder where :meth:`save` puts scenario files given without a folder.
        root: A scenarios folder to look in as well (``--root``).
        scenario: Mesa's experiment scenario, which SolaraViz passes on reset; unused.
        **levers: Slider positions by control name (see :func:`scenario_controls`); controls left out
            keep the scenario's value.

    Raises:
        ValueError: For an unknown lever or a value out of its range (naming the control), or a
            configuration the scenario loader or the model refuses.
        FileNotFoundError: If the scenario is not found.
    """

    def __init__(
        self,
        *,
        source: str = "baseline",
        replicates: int = DEFAULT_REPLICATES,
        seed: int | None = None,
        pins: PinBoard | None = None,
        save_dir: str = ".",
        root: str | None = None,
        scenario: Any = None,
        **levers: float | bool,
    ) -> None:
        self.root = root
        self.source_file = find_scenario(source, root=root)
        self.source: Scenario = load_scenario(self.source_file, root=root)
        seed = self.source.config.seed if seed is None else int(seed)
        super().__init__(rng=seed)
        if int(replicates) < 1:
            raise ValueError(f"replicates: at least 1, got {replicates}")
        self.seed = seed
        self.n_replicates = int(replicates)
        self.controls: list[Control] = scenario_controls(self.source.config)
        self.values = self._values(levers)
        self.pins = pins if pins is not None else PinBoard()
        self.save_dir = Path(save_dir)
        self.configuration = self._load(self.values)
        self.current = self._ensemble(self.configuration)
        self.pinned: SanctionsModel | None = None
        if self.pins.values is not None:
            self.pinned = self._ensemble(self._load(self.pins.values))
        self._cache: dict[tuple[str, int], Tables] = {}
        self.running = self.current.month < self.horizon

    # ----------------------------------------------------------------- set-up
    def _values(self, levers: dict[str, float | bool]) -> dict[str, float | bool]:
        by_name = {c.name: c for c in self.controls}
        unknown = sorted(set(levers) - set(by_name))
        if unknown:
            raise ValueError(
                f"unknown lever {unknown[0]!r} for {self.source.name}; expected one of {', '.join(by_name)}"
            )
        values: dict[str, float | bool] = {}
        for control in self.controls:
            position = levers.get(control.name)
            value = control.default if position is None else control.from_slider(position)
            values[control.name] = control.check(value)
        return values

    def document(self, values: dict[str, float | bool] | None = None) -> dict[str, Any]:
        """The scenario document of a configuration (default: the current one), without ``extends``."""
        return build_document(
            self.source,
            self.controls,
            self.values if values is None else values,
            replicates=self.n_replicates,
            seed=self.seed,
        )

    def _load(self, values: dict[str, float | bool]) -> Scenario:
        return load_configuration(self.source_file, self.document(values), root=self.root)

    def _ensemble(self, configuration: Scenario) -> SanctionsModel:
        return SanctionsModel(
            config=configuration.config, seed=self.seed, replicates=range(self.n_replicates)
        )

    # ------------------------------------------------------------------- run
    @property
    def horizon(self) -> int:
        """Months the scenario runs."""
        return self.configuration.config.months

    @property
    def month(self) -> int:
        """Months simulated so far."""
        return self.current.month

    def step(self) -> None:
        """Simulate one more month of the ensemble (and of the pinned one)."""
        if self.current.month >= self.horizon:
            self.running = False
            return
        self.current.step()
        if self.pinned is not None:
            self.pinned.step()
        self.running = self.current.month < self.horizon

    def tables(self, which: str = "current") -> Tables | None:
        """Metrics, flows and events of the ``current`` or ``pinned`` ensemble so far (``None``: no pin)."""
        sim = self.current if which == "current" else self.pinned
        if sim is None:
            return None
        key = (which, sim.month)
        if key not in self._cache:
            rec = sim.recorder
            self._cache = {k: v for k, v in self._cache.items() if k[0] != which}
            self._cache[key] = Tables(rec.metrics_frame(), rec.flows_frame(), rec.events_frame())
        return self._cache[key]

    # ------------------------------------------------------------ pin, save
    def changes(self) -> dict[str, float | bool]:
        """The levers moved away from the scenario's values, ``{control name: value}``."""
        return changed_values(self.controls, self.values)

    def describe(self, values: dict[str, float | bool] | None = None) -> str:
        """What a configuration (default: the current one) changes, in words."""
        vals = self.values if values is None else values
        return describe_changes(self.controls, changed_values(self.controls, vals), source=self.source.name)

    def pin(self) -> None:
        """Pin the current configuration: it runs beside every configuration set up after it.

        The pinned ensemble is simulated at once to the current month, so both are shown together.
        """
        self.pins.values = dict(self.values)
        self.pins.description = self.describe()
        self.pinned = self._ensemble(self.configuration)
        self.pinned.run(self.current.month)
        self._cache = {k: v for k, v in self._cache.items() if k[0] != "pinned"}

    def unpin(self) -> None:
        """Forget the pinned configuration."""
        self.pins.clear()
        self.pinned = None
        self._cache = {k: v for k, v in self._cache.items() if k[0] != "pinned"}

    def save(self, name: str | Path) -> Path:
        """Save the current configuration as a scenario file that ``sanctionsim run`` reproduces.

        Args:
            name: File name or path; a bare name goes into ``save_dir`` and gets ``.yaml`` if it
                has no suffix.

        Returns:
            The file written.

        Raises:
            FileExistsError: If the file exists.
            ValueError: If the name is empty or has another suffix than ``.yaml``/``.yml``.
        """
        text = str(name).strip()
        if not text:
            raise ValueError("save: give a file name, e.g. my-policy.yaml")
        path = Path(text)
        if not path.suffix:
            path = path.with_suffix(".yaml")
        if path.parent == Path("."):
            path = self.save_dir / path
        return save_configuration(path, self.source_file, self.document(), root=self.root)

    def reproduce(self, path: Path) -> str:
        """The command that reruns the configuration saved at ``path``."""
        return reproduce_command(path, self.source_file, root=self.root)
