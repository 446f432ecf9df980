"""Experiments: ensembles now; comparisons and sweeps build on them."""

from sanctionsim.experiments.compare import Comparison, compare, load_comparison
from sanctionsim.experiments.ensemble import prepare, replay, simulate

__all__ = ["Comparison", "compare", "load_comparison", "prepare", "replay", "simulate"]
