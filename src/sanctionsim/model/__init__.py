"""The model: :class:`SanctionsModel`, vectorised over replicates, and the checks a run needs first."""

from __future__ import annotations

from sanctionsim.model.model import SanctionsModel
from sanctionsim.scenario.schema import ScenarioConfig


def validate_config(config: ScenarioConfig) -> None:
    """Check what the schema alone cannot: event paths and conditions against the model's parameters.

    Raises:
        ValueError: Naming ``events[i].<key>`` (or ``uncertainties.<path>``) and what was expected.
    """
    SanctionsModel(config=config, replicates=[0])


__all__ = ["SanctionsModel", "validate_config"]
