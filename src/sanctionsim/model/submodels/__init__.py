"""Submodels: one module per step of the monthly schedule (docs/model.md)."""
