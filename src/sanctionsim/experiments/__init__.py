"""Experiments: ensembles now; comparisons and sweeps build on them."""

from sanctionsim.experiments.ensemble import prepare, replay, simulate

__all__ = ["prepare", "replay", "simulate"]
