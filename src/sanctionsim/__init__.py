"""sanctionsim: an agent-based simulator of sanctions and alliances.

Quick start::

    import sanctionsim as ss

    scenario = ss.load_scenario("baseline")  # a name (the packaged library) or a file
    results = ss.simulate(scenario, runs=200, seed=1)
    results.metrics.groupby("date")["shells_prk_to_rus"].median()
"""

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
