"""sanctionsim: an agent-based simulator of sanctions and alliances.

Quick start::

    import sanctionsim as ss

    scenario = ss.load_scenario("baseline")  # a name (the packaged library) or a file
    results = ss.simulate(scenario, runs=200, seed=1)
    results.metrics.groupby("date")["shells_prk_to_rus"].median()

The names below are imported on first use (PEP 562), so that ``import sanctionsim`` (and the
``sanctionsim`` script's start, which must answer Ctrl-C at once) does not wait for numpy, pandas
and the model.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sanctionsim.analysis.discovery import discover
    from sanctionsim.analysis.ema import to_ema
    from sanctionsim.analysis.load import load
    from sanctionsim.analysis.observations import load_observations
    from sanctionsim.analysis.outcomes import joined, outcomes
    from sanctionsim.analysis.sensitivity import sensitivity
    from sanctionsim.experiments import compare, simulate
    from sanctionsim.experiments.backtest import backtest
    from sanctionsim.experiments.calibrate import calibrate
    from sanctionsim.experiments.sweep import rerun, rerun_args, sweep
    from sanctionsim.experiments.validate import validate
    from sanctionsim.results import Results, load_results
    from sanctionsim.scenario import Scenario, ScenarioError, load_scenario

__version__ = "0.1.0"

__all__ = [
    "Results",
    "Scenario",
    "ScenarioError",
    "__version__",
    "backtest",
    "calibrate",
    "compare",
    "discover",
    "joined",
    "load",
    "load_observations",
    "load_results",
    "load_scenario",
    "outcomes",
    "rerun",
    "rerun_args",
    "sensitivity",
    "simulate",
    "sweep",
    "to_ema",
    "validate",
]

#: The module each public name is imported from on first use (the same as the block above).
_SOURCES: dict[str, str] = {
    "Results": "sanctionsim.results",
    "Scenario": "sanctionsim.scenario",
    "ScenarioError": "sanctionsim.scenario",
    "backtest": "sanctionsim.experiments.backtest",
    "calibrate": "sanctionsim.experiments.calibrate",
    "compare": "sanctionsim.experiments",
    "discover": "sanctionsim.analysis.discovery",
    "joined": "sanctionsim.analysis.outcomes",
    "load": "sanctionsim.analysis.load",
    "load_observations": "sanctionsim.analysis.observations",
    "load_results": "sanctionsim.results",
    "load_scenario": "sanctionsim.scenario",
    "outcomes": "sanctionsim.analysis.outcomes",
    "rerun": "sanctionsim.experiments.sweep",
    "rerun_args": "sanctionsim.experiments.sweep",
    "sensitivity": "sanctionsim.analysis.sensitivity",
    "simulate": "sanctionsim.experiments",
    "sweep": "sanctionsim.experiments.sweep",
    "to_ema": "sanctionsim.analysis.ema",
    "validate": "sanctionsim.experiments.validate",
}


def __getattr__(name: str) -> Any:
    """Import a public name on first use (``ss.simulate``, ``from sanctionsim import simulate``)."""
    source = _SOURCES.get(name)
    if source is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(source), name)
    globals()[name] = value  # later uses find it without this function
    return value


def __dir__() -> list[str]:
    """The module's names, the public ones included before their first use."""
    return sorted(set(globals()) | set(__all__))
