"""The JSON Schema of scenario files, for YAML editors: completion, hover text and validation as you type.

It is pydantic's schema of :class:`~sanctionsim.scenario.schema.ScenarioConfig` (so descriptions and
units come from the one schema), adapted to how scenario files are written:

- ``extends`` is allowed at the top level;
- a file with ``extends`` states only what it changes, so the top-level keys a base scenario needs
  (``title``, ``start``, ``actors`` …) are required only of a file without ``extends``, and the
  mappings it deep-merges (an actor, a good, a route, ``war`` …) require nothing; items of lists
  (events, claims), which replace or add whole entries, keep their required keys.

The loader still checks the merged scenario (``sanctionsim show FILE``); the schema is for editing.
``sanctionsim schema -o scenario.schema.json`` writes it (``docs/scenarios.md``).
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

from sanctionsim.scenario.loader import EXTENDS_KEY

__all__ = ["SCHEMA_DIALECT", "scenario_json_schema"]

#: The JSON Schema dialect pydantic writes.
SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


def _walk(node: Any) -> Iterator[dict[str, Any]]:
    """Every mapping in a JSON document, depth first."""
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


def _list_item_defs(schema: dict[str, Any]) -> set[str]:
    """Names of the definitions used as items of a list (``"items": {"$ref": "#/$defs/Event"}``)."""
    names = set()
    for node in _walk(schema):
        items = node.get("items")
        if isinstance(items, dict) and isinstance(items.get("$ref"), str):
            names.add(items["$ref"].rsplit("/", 1)[-1])
    return names


def scenario_json_schema() -> dict[str, Any]:
    """The scenario file's JSON Schema (draft 2020-12), as a JSON-ready mapping.

    Returns:
        The schema: ``ScenarioConfig``'s, with ``extends`` and the relaxed ``required`` lists
        described in the module docstring.
    """
    from sanctionsim import __version__
    from sanctionsim.scenario.schema import ScenarioConfig

    schema = copy.deepcopy(ScenarioConfig.model_json_schema())
    whole = _list_item_defs(schema)
    for name, definition in schema.get("$defs", {}).items():
        if name not in whole:
            definition.pop("required", None)
    required = schema.pop("required", [])
    schema["properties"] = {
        EXTENDS_KEY: {
            "type": "string",
            "title": "Extends",
            "description": "The base scenario this file builds on: a name ('baseline', "
            "'analysts/oil-for-labour') or a path relative to this file; its values are deep-merged "
            "under this file's",
        },
        **schema["properties"],
    }
    if required:
        schema["if"] = {"required": [EXTENDS_KEY]}
        schema["else"] = {"required": required}
    return {
        "$schema": SCHEMA_DIALECT,
        **{k: v for k, v in schema.items() if k not in ("title", "description")},
        "title": f"sanctionsim scenario file (sanctionsim {__version__})",
        "description": schema.get("description", "")
        or "A sanctionsim scenario: actors, goods, routes, policies, events, uncertainties and claims.",
    }
