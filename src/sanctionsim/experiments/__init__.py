"""Experiments: ensembles now; comparisons and sweeps build on them."""

from sanctionsim.experiments.ensemble import prepare, simulate

__all__ = ["prepare", "simulate"]
