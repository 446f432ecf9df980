"""sanctionsim: an agent-based simulator of sanctions and alliances.

Quick start::

    import sanctionsim as ss

    scenario = ss.load_scenario("scenarios/baseline.yaml")
    results = ss.simulate(scenario, runs=200, seed=1)
    results.metrics.groupby("date")["shells_prk_to_rus"].median()
"""

from sanctionsim.experiments import compare, simulate
from sanctionsim.results import Results, load_results
from sanctionsim.scenario import Scenario, ScenarioError, load_scenario

__version__ = "0.1.0"

__all__ = [
    "Results",
    "Scenario",
    "ScenarioError",
    "__version__",
    "compare",
    "load_results",
    "load_scenario",
    "simulate",
]
