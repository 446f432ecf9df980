"""Scenario errors: one line that names the file, the key path, what is wrong and what was expected.

Every problem found while reading a scenario (bad YAML, an ``extends`` loop, a bad ``--set``
override, a value the schema rejects) is raised as a :class:`ScenarioError`, whose ``str()`` is one
line such as::

    scenarios/baseline.yaml: actors.PRK.stocks.shels: unknown key 'shels'; expected one of: \
missiles, shells. Did you mean 'shells'?

:func:`from_validation_error` turns a :class:`pydantic.ValidationError` into such an error, walking
the pydantic model class along the error's location to find the allowed keys and values (for the
"expected" part and the "did you mean" suggestion).
"""

from __future__ import annotations

import difflib
import re
import typing
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from pydantic import ValidationError

from sanctionsim.scenario.expressions import ExpressionError
from sanctionsim.scenario.fields import field_names, is_model, literal_values, strip, union_members, walk

__all__ = [
    "ScenarioError",
    "ScenarioWarning",
    "describe_type",
    "did_you_mean",
    "format_key_path",
    "from_validation_error",
    "validation_errors",
]

#: Largest number of allowed names listed in an "expected one of ..." text.
MAX_LISTED = 25

Loc = tuple[str | int, ...]


class ScenarioError(ValueError):
    """A problem in a scenario file, reported on one line.

    ``str(error)`` is ``{file}: {key_path}: {message}; expected {expected}``, followed by
    `` Did you mean 'x'?`` when there is a suggestion. Parts that are unknown are left out, and a
    position in the file (YAML syntax errors) is written ``{file}:{line}:{column}``.

    Attributes:
        message: What is wrong (the problem), without file or key path.
        file: The file the problem is in (as displayed), ``"--set"`` for a command-line override,
            or ``None`` when unknown.
        key_path: Dotted path of the offending key, e.g. ``actors.PRK.goods.shells.stock``; ``""`` when
            the problem is not about one key.
        expected: What would have been accepted, e.g. ``"a number"``; ``None`` when unknown.
        suggestion: The closest allowed name, for the "Did you mean" hint, or ``None``.
        loc: The key path as a tuple of keys and list indices.
        line: 1-based line in the file, when known.
        column: 1-based column in the file, when known.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        key_path: str = "",
        expected: str | None = None,
        suggestion: str | None = None,
        loc: Loc | None = None,
        line: int | None = None,
        column: int | None = None,
    ) -> None:
        """Create the error.

        Args:
            message: What is wrong.
            file: File name as it should be shown, or ``None``.
            key_path: Dotted key path; derived from ``loc`` when empty.
            expected: What would have been accepted.
            suggestion: Closest allowed name, if any.
            loc: Key path as a tuple.
            line: 1-based line, if known.
            column: 1-based column, if known.
        """
        self.message = _one_line(message)
        self.file = None if file is None else str(file)
        self.loc: Loc = tuple(loc) if loc is not None else ()
        self.key_path = key_path or format_key_path(self.loc)
        self.expected = None if expected is None else _one_line(expected)
        self.suggestion = suggestion
        self.line = line
        self.column = column
        super().__init__(self.__str__())

    def __str__(self) -> str:
        """Return the one-line description."""
        parts: list[str] = []
        if self.file:
            where = self.file
            if self.line is not None:
                where += f":{self.line}"
                if self.column is not None:
                    where += f":{self.column}"
            parts.append(where)
        if self.key_path:
            parts.append(self.key_path)
        text = ": ".join([*parts, self.message])
        if self.expected:
            text += f"; expected {self.expected}"
        if self.suggestion is not None:
            text += f". Did you mean '{self.suggestion}'?"
        return text

    def __reduce__(self) -> tuple[Any, ...]:
        """Support pickling (keyword-only constructor), e.g. across a process pool."""
        return (_rebuild, (self._fields(),))

    def _fields(self) -> dict[str, Any]:
        return {
            "message": self.message,
            "file": self.file,
            "key_path": self.key_path,
            "expected": self.expected,
            "suggestion": self.suggestion,
            "loc": self.loc,
            "line": self.line,
            "column": self.column,
        }

    def replace(self, **changes: Any) -> ScenarioError:
        """Return a copy with some attributes changed (e.g. ``file=...``).

        Args:
            **changes: New values for any of the constructor's arguments.

        Returns:
            The new error.
        """
        fields = self._fields()
        unknown = set(changes) - set(fields)
        if unknown:
            raise TypeError(f"ScenarioError.replace got unknown field(s): {', '.join(sorted(unknown))}")
        if "loc" in changes and "key_path" not in changes:
            fields["key_path"] = ""
        fields.update(changes)
        return ScenarioError(**fields)


class ScenarioWarning(UserWarning):
    """Something in a scenario that runs but probably does not do what its author meant (an event
    dated outside the run, say); the command line prints it as one ``warning:`` line."""


def _rebuild(fields: dict[str, Any]) -> ScenarioError:
    return ScenarioError(**fields)


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def format_key_path(loc: Iterable[str | int]) -> str:
    """Join a location tuple into a dotted key path (``("actors", "PRK", 0)`` -> ``actors.PRK.0``)."""
    return ".".join(str(part) for part in loc)


def did_you_mean(word: object, candidates: Iterable[object], *, cutoff: float = 0.6) -> str | None:
    """Return the candidate closest to ``word``, or ``None`` if none is close enough.

    Args:
        word: The misspelt name.
        candidates: Allowed names.
        cutoff: Similarity threshold of :func:`difflib.get_close_matches`.

    Returns:
        The best match, or ``None``.
    """
    if not isinstance(word, str | int | float):
        return None
    names = [str(c) for c in candidates]
    text = str(word)
    lowered = {n.lower(): n for n in names}
    if text.lower() in lowered and lowered[text.lower()] != text:
        return lowered[text.lower()]
    matches = difflib.get_close_matches(text, names, n=1, cutoff=cutoff)
    return matches[0] if matches else None


def _list_names(names: Sequence[object], *, quote: bool = False) -> str:
    shown = [repr(n) if quote else str(n) for n in names[:MAX_LISTED]]
    if len(names) > MAX_LISTED:
        shown.append(f"... ({len(names) - MAX_LISTED} more)")
    return ", ".join(shown)


def describe_type(annotation: Any) -> str | None:
    """Describe an annotation in words for an "expected ..." text, e.g. ``float`` -> ``a number``.

    Args:
        annotation: A type annotation from a pydantic model.

    Returns:
        The description, or ``None`` when there is no good one.
    """
    annotation = strip(annotation)
    literals = literal_values(annotation)
    if literals is not None:
        return f"one of {_list_names(literals, quote=True)}"
    members = union_members(annotation)
    if members is not None:
        words = [describe_type(m) for m in members if m not in (type(None), None)]
        if any(w is None for w in words):
            return None
        unique = list(dict.fromkeys(w for w in words if w))
        return " or ".join(unique)
    origin = typing.get_origin(annotation) or annotation
    simple = {
        bool: "true or false",
        int: "an integer",
        float: "a number",
        str: "a string",
        dict: "a mapping",
        Mapping: "a mapping",
        list: "a list",
        tuple: "a list",
        set: "a list",
        frozenset: "a list",
        Sequence: "a list",
    }
    if isinstance(origin, type) and origin.__name__ == "date":
        return "a date (YYYY-MM-DD)"
    if is_model(annotation):
        return "a mapping"
    try:
        return simple.get(origin)
    except TypeError:  # unhashable annotation objects
        return None


# ---------------------------------------------------------------------------------------------
# Converting pydantic errors
# ---------------------------------------------------------------------------------------------


def _show(value: object) -> str:
    """Show an offending input value compactly, YAML-like."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, str):
        text = repr(value)
    elif isinstance(value, list | tuple):
        text = repr(list(value))
    else:
        text = str(value)
    text = _one_line(text)
    return text if len(text) <= 40 else text[:37] + "..."


_TYPE_WORDS: dict[str, str] = {
    "float_type": "a number",
    "float_parsing": "a number",
    "finite_number": "a finite number",
    "int_type": "an integer",
    "int_parsing": "an integer",
    "int_from_float": "an integer",
    "int_parsing_size": "an integer of reasonable size",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "string_type": "a string",
    "string_unicode": "a string",
    "dict_type": "a mapping (key: value)",
    "model_type": "a mapping (key: value)",
    "model_attributes_type": "a mapping (key: value)",
    "dataclass_type": "a mapping (key: value)",
    "list_type": "a list",
    "tuple_type": "a list",
    "set_type": "a list",
    "frozen_set_type": "a list",
    "iterable_type": "a list",
    "date_type": "a date (YYYY-MM-DD)",
    "date_parsing": "a date (YYYY-MM-DD)",
    "date_from_datetime_parsing": "a date (YYYY-MM-DD)",
    "date_from_datetime_inexact": "a date (YYYY-MM-DD)",
    "datetime_type": "a date and time",
    "datetime_parsing": "a date and time",
    "none_required": "null",
    "callable_type": "a callable",
    "is_instance_of": "a value of the right type",
}

_BOUNDS: dict[str, tuple[str, str]] = {
    "greater_than": ("gt", ">"),
    "greater_than_equal": ("ge", ">="),
    "less_than": ("lt", "<"),
    "less_than_equal": ("le", "<="),
}


def _number(value: object) -> str:
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return str(value)


def _convert_one(error: Mapping[str, Any], model: Any) -> ScenarioError:
    kind = str(error.get("type", ""))
    raw_loc: Loc = tuple(error.get("loc", ()))
    ctx: Mapping[str, Any] = error.get("ctx") or {}
    value = error.get("input")
    msg = str(error.get("msg", "invalid value"))

    if model is not None:
        loc, annotation, whole = walk(model, raw_loc)
    else:
        loc, annotation, whole = raw_loc, None, None
    is_key_error = bool(loc) and loc[-1] == "[key]"
    if is_key_error:
        loc = loc[:-1]

    message = f"got {_show(value)}"
    expected: str | None = None
    suggestion: str | None = None

    if kind == "extra_forbidden":
        key = loc[-1] if loc else "?"
        message = f"unknown key '{key}'"
        parent = strip(walk(model, raw_loc[:-1])[1]) if model is not None else None
        if is_model(parent):
            names = field_names(parent)
            expected = f"one of: {_list_names(sorted(names))}"
            suggestion = did_you_mean(key, names)
    elif kind == "missing":
        message = "required key is missing"
        expected = describe_type(whole) or "a value"
    elif kind in _TYPE_WORDS:
        # inside a union, name every accepted type rather than the branch pydantic tried first
        expected = (describe_type(whole) if whole is not annotation else None) or _TYPE_WORDS[kind]
    elif kind in _BOUNDS:
        name, op = _BOUNDS[kind]
        expected = f"a value {op} {_number(ctx.get(name))}"
    elif kind == "multiple_of":
        expected = f"a multiple of {_number(ctx.get('multiple_of'))}"
    elif kind in ("literal_error", "enum"):
        values = literal_values(whole)
        if values:
            expected = f"one of {_list_names(values, quote=True)}"
            suggestion = did_you_mean(value, values)
        else:
            expected = f"one of {ctx.get('expected', '?')}"
        if is_key_error:
            message = f"unknown key {_show(value)}"
    elif kind in ("too_short", "string_too_short"):
        unit = "item(s)" if kind == "too_short" else "character(s)"
        expected = f"at least {ctx.get('min_length')} {unit}"
    elif kind in ("too_long", "string_too_long"):
        unit = "item(s)" if kind == "too_long" else "character(s)"
        expected = f"at most {ctx.get('max_length')} {unit}"
    elif kind == "string_pattern_mismatch":
        expected = f"a string matching {ctx.get('pattern')}"
    elif kind == "union_tag_invalid":
        discriminator = str(ctx.get("discriminator", "")).strip("'")
        message = f"unknown {discriminator} {_show(ctx.get('tag'))}"
        tags = [t.strip().strip("'") for t in str(ctx.get("expected_tags", "")).split(",") if t.strip()]
        expected = f"one of {ctx.get('expected_tags')}"
        suggestion = did_you_mean(ctx.get("tag"), tags)
    elif kind == "union_tag_not_found":
        discriminator = str(ctx.get("discriminator", "")).strip("'")
        message = f"missing key '{discriminator}' that says which kind of entry this is"
        expected = f"a mapping with a '{discriminator}' key"
    elif kind in ("value_error", "assertion_error"):
        return _from_validator(error, model, loc, is_key_error)
    else:
        message = f"{msg} (got {_show(value)})"

    if is_key_error and kind not in ("literal_error", "enum", "value_error", "assertion_error"):
        message = f"bad key {_show(value)}"
        if expected is not None:
            expected = f"keys that are {expected}"

    return ScenarioError(message, loc=loc, expected=expected, suggestion=suggestion)


_PATH_PREFIX = re.compile(r"([A-Za-z_][\w-]*(?:\.[\w-]+)*): (.+)", re.DOTALL)


def _from_validator(error: Mapping[str, Any], model: Any, loc: Loc, is_key_error: bool) -> ScenarioError:
    """Convert an error raised by a validator (``ValueError``, ``ScenarioError``, ``ExpressionError``).

    A :class:`ScenarioError` raised in a validator keeps its fields (its ``loc`` is relative to the
    validated value). A message that starts with a dotted key path (``"routes.rail.via: ..."``) is
    attributed to that path when its first key is a field at the error's location.
    """
    cause = (error.get("ctx") or {}).get("error")
    if isinstance(cause, ScenarioError):
        return ScenarioError(
            cause.message,
            loc=(*loc, *cause.loc),
            expected=cause.expected,
            suggestion=cause.suggestion,
        )
    if isinstance(cause, ExpressionError):
        text = str(cause)  # problem and column, with the source clipped
        hint = f". Did you mean '{cause.suggestion}'?"
        if cause.suggestion is not None and text.endswith(hint):
            text = text[: -len(hint)]
        return ScenarioError(text, loc=loc, suggestion=cause.suggestion)
    msg = str(cause) if cause is not None else str(error.get("msg", "invalid value"))
    for prefix in ("Value error, ", "Assertion failed, "):
        msg = msg.removeprefix(prefix)
    match = _PATH_PREFIX.fullmatch(msg.strip())
    if match and model is not None and not is_key_error:
        here = strip(walk(model, tuple(error.get("loc", ())))[1])
        parts: list[str | int] = [int(p) if p.isdigit() else p for p in match.group(1).split(".")]
        if is_model(here) and parts[0] in field_names(here):
            return ScenarioError(match.group(2), loc=(*loc, *parts))
    return ScenarioError(msg, loc=loc)


def validation_errors(
    exc: ValidationError, *, model: Any = None, file: str | None = None
) -> list[ScenarioError]:
    """Convert every error of a pydantic ``ValidationError`` into a :class:`ScenarioError`.

    Args:
        exc: The validation error.
        model: The pydantic model class (or annotation) that was validated; used to find allowed
            keys and values. Without it, errors have no suggestions and union branch markers stay
            in the key path.
        file: File to name in the errors.

    Returns:
        One error per pydantic error, in pydantic's order.
    """
    return [_convert_one(error, model).replace(file=file) for error in exc.errors()]


def from_validation_error(
    exc: ValidationError, *, model: Any = None, file: str | None = None
) -> ScenarioError:
    """Convert a pydantic ``ValidationError`` into one :class:`ScenarioError` (the most useful one).

    The first error is used, except that an unknown key (``extra_forbidden``) is preferred: a
    misspelt key usually also causes a "required key is missing" error, and the unknown key with
    its "did you mean" is the better message.

    Args:
        exc: The validation error.
        model: The pydantic model class that was validated (see :func:`validation_errors`).
        file: File to name in the error.

    Returns:
        The error to raise.
    """
    errors = exc.errors()
    if not errors:
        return ScenarioError(str(exc), file=file)
    chosen = next((e for e in errors if e.get("type") == "extra_forbidden"), errors[0])
    return _convert_one(chosen, model).replace(file=file)
