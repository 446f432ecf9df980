"""Experiments: run scenarios as ensembles, compare policies, score claims, replay results folders.

This layer runs simulations; :mod:`sanctionsim.analysis` reads their results.
"""

from sanctionsim.analysis.effects import Comparison, load_comparison
from sanctionsim.experiments.compare import compare
from sanctionsim.experiments.ensemble import replay, simulate
from sanctionsim.experiments.spec import RunSpec, run_spec

__all__ = ["Comparison", "RunSpec", "compare", "load_comparison", "replay", "run_spec", "simulate"]
