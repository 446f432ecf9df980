"""The app's command classes: option help that reads like a command line, not like type hints.

Typer shows every parameter with a type placeholder (``--json <bool>``, ``--set <list[str]>``,
``scenario <str>``). These classes, used for the ``sanctionsim`` group and every command in it,
show a flag bare (``--json``), a value option with the usual upper-case placeholder
(``--runs INTEGER``, ``--set TEXT``, ``--out PATH``, ``--format png|svg|pdf``) and an argument by its
name alone. :func:`use_plain_help` applies them to an app once its commands are registered.
"""

from __future__ import annotations

import re
from typing import Any

import typer
from typer.core import TyperArgument, TyperCommand, TyperGroup, TyperOption

__all__ = ["PlainHelpCommand", "PlainHelpGroup", "placeholder", "use_plain_help"]

#: Upper-case placeholders of value types, as click writes them.
_NAMES = {"int": "INTEGER", "float": "FLOAT", "str": "TEXT", "path": "PATH", "file": "PATH", "uuid": "UUID"}


def placeholder(param: Any, ctx: Any) -> str:
    """The placeholder shown after a value option: ``INTEGER``, ``TEXT``, ``PATH``, ``png|svg|pdf``."""
    shown = str(param.display_type(ctx)).strip("<>")
    inner = re.fullmatch(r"list\[(.*)\]", shown)
    shown = inner.group(1) if inner else shown
    if "|" in shown:
        return shown
    return _NAMES.get(shown.split(" ")[0].lower(), shown.upper())


def _no_type(ctx: Any) -> None:
    return None


def _plain(params: list[Any], ctx: Any) -> list[Any]:
    for param in params:
        if isinstance(param, TyperOption) and param.metavar is None:
            param.metavar = "" if param.is_flag or param.count else placeholder(param, ctx)
        elif isinstance(param, TyperArgument):
            param.display_type_rich = _no_type  # the argument's name is its placeholder
    return params


class PlainHelpCommand(TyperCommand):
    """A command whose help shows flags bare and value options with upper-case placeholders."""

    def get_params(self, ctx: Any) -> list[Any]:
        """The parameters, with their placeholders set (see the module docstring)."""
        return _plain(super().get_params(ctx), ctx)


class PlainHelpGroup(TyperGroup):
    """The ``sanctionsim`` group: its own options (``--version``, completion) shown like its commands'."""

    def get_params(self, ctx: Any) -> list[Any]:
        """The parameters, with their placeholders set (see the module docstring)."""
        return _plain(super().get_params(ctx), ctx)


def use_plain_help(app: typer.Typer) -> None:
    """Make every plain command registered on ``app`` so far a :class:`PlainHelpCommand`."""
    for info in app.registered_commands:
        if info.cls in (None, TyperCommand):
            info.cls = PlainHelpCommand
