"""The model: :class:`SanctionsModel`, vectorised over replicates, and the checks a run needs first."""

from __future__ import annotations

from sanctionsim.model.model import SanctionsModel
from sanctionsim.model.pars import Pars
from sanctionsim.model.processes.events import compile_events
from sanctionsim.model.roles import Roles
from sanctionsim.model.schedule import SCHEDULE, schedule_metrics
from sanctionsim.model.streams import Streams
from sanctionsim.scenario.schema import ScenarioConfig


def validate_config(config: ScenarioConfig) -> None:
    """Check what the schema alone cannot: uncertainty paths, and event paths, values and conditions
    against the model's parameters and metric names. Builds no model.

    Raises:
        ValueError: Naming ``events[i].<key>`` (or ``uncertainties.<path>``) and what was expected.
    """
    pars = Pars(config=config, streams=Streams(seed=0, replicates=[0]))
    names = [m.name for m in schedule_metrics(SCHEDULE, Roles.of(config))]
    compile_events(config, pars=pars, metric_names=names)


__all__ = ["SanctionsModel", "validate_config"]
