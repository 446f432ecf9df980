"""``sanctionsim schema``: the JSON Schema of scenario files, for YAML editors (``docs/scenarios.md``)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from sanctionsim.atomic import write_text
from sanctionsim.cli.common import console, handle_errors
from sanctionsim.scenario.json_schema import scenario_json_schema


@handle_errors
def schema_command(
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="File to write, e.g. scenario.schema.json (default: print it)."),
    ] = None,
) -> None:
    """Write the JSON Schema of scenario files, so YAML editors complete and check them as you type.

    Point an editor at it with a first line such as
    ``# yaml-language-server: $schema=scenario.schema.json`` (docs/scenarios.md).
    """
    text = json.dumps(scenario_json_schema(), indent=2, ensure_ascii=False) + "\n"
    if out is None:
        sys.stdout.write(text)
        return
    write_text(out, text)
    console.print(f"schema: {escape(str(out))}", soft_wrap=True, highlight=False)


def register(app: typer.Typer) -> None:
    """Add ``schema`` to the app."""
    app.command("schema")(schema_command)
