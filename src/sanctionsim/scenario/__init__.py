"""Scenario files: YAML with ``extends`` and ``--set`` overrides, a typed schema and safe expressions.

The main entry point is :func:`load_scenario`, which returns a validated :class:`Scenario`. Every
problem with a scenario is raised as a one-line :class:`ScenarioError` naming the file, the key
path, what was expected and, where possible, the closest valid name. Conditions and claims in
scenario files are parsed with :func:`parse_expression` (never ``eval``).
"""

from __future__ import annotations

from typing import Any

from sanctionsim.scenario.errors import ScenarioError, ScenarioWarning
from sanctionsim.scenario.expressions import Expression, ExpressionError
from sanctionsim.scenario.expressions import parse as parse_expression
from sanctionsim.scenario.loader import Scenario, load_scenario

__all__ = [
    "Expression",
    "ExpressionError",
    "Scenario",
    "ScenarioConfig",
    "ScenarioError",
    "ScenarioWarning",
    "load_scenario",
    "parse_expression",
]


def __getattr__(name: str) -> Any:
    """Import ``ScenarioConfig`` from the schema module on first use."""
    if name == "ScenarioConfig":
        from sanctionsim.scenario.schema import ScenarioConfig

        return ScenarioConfig
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
