"""The one walker of the pydantic schema: how its annotations nest, followed by path or enumerated.

Three things need to look inside the schema's annotations: the bounds of a parameter path
(``schema.field_bounds``, for events and designs), the location of a validation error
(``errors``, for "expected ..." and "did you mean"), and the reference documentation
(``reference.schema_fields``). They all go through this module:

- :func:`unwrap` and :func:`strip` remove ``Annotated`` layers (collecting the constraints, such as
  ``ge=0``) and an optional's ``None``;
- :func:`walk` follows a location (``("actors", "PRK", "goods", "shells", "stock")``) through a
  model and returns the annotation there, with its constraints;
- :func:`iter_fields` enumerates every field of a model and of the models nested in it.
"""

from __future__ import annotations

import enum
import math
import types
import typing
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel
from pydantic.fields import FieldInfo

__all__ = [
    "FieldEntry",
    "bounds_of",
    "field_annotation",
    "field_default",
    "field_names",
    "is_model",
    "iter_fields",
    "literal_values",
    "own_fields",
    "strip",
    "type_name",
    "union_members",
    "unwrap",
    "walk",
]

Loc = tuple[str | int, ...]

_NONE_TYPES = (type(None), None)


# ---------------------------------------------------------------------------------------------
# One annotation
# ---------------------------------------------------------------------------------------------


def unwrap(annotation: Any) -> tuple[Any, list[Any]]:
    """Strip ``Annotated`` layers; return the bare annotation and its constraint metadata.

    A ``Field(ge=0)`` inside ``Annotated`` contributes its own metadata (``annotated_types.Ge``).
    """
    constraints: list[Any] = []
    while typing.get_origin(annotation) is Annotated:
        base, *extra = typing.get_args(annotation)
        for item in extra:
            if isinstance(item, FieldInfo):
                constraints.extend(item.metadata)
            else:
                constraints.append(item)
        annotation = base
    return annotation, constraints


def union_members(annotation: Any) -> tuple[Any, ...] | None:
    """The members of a union annotation (``X | Y``, ``Optional[X]``), or ``None`` for a non-union."""
    origin = typing.get_origin(annotation)
    if origin is Union or origin is types.UnionType:
        return typing.get_args(annotation)
    return None


def strip(annotation: Any) -> Any:
    """Remove ``Annotated[...]`` wrappers and a ``None`` member of an optional."""
    while True:
        if typing.get_origin(annotation) is Annotated:
            annotation = typing.get_args(annotation)[0]
            continue
        members = union_members(annotation)
        if members is not None:
            kept = [m for m in members if m not in _NONE_TYPES]
            if len(kept) == 1 and len(kept) != len(members):
                annotation = kept[0]
                continue
        return annotation


def is_model(annotation: Any) -> typing.TypeGuard[type[BaseModel]]:
    """True for a pydantic model class."""
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def field_names(model: type[BaseModel]) -> list[str]:
    """The keys a model accepts (aliases where given)."""
    return [info.alias or name for name, info in model.model_fields.items()]


def field_annotation(model: type[BaseModel], key: object) -> Any:
    """The annotation of a model's field, with its constraints kept as ``Annotated`` metadata."""
    for name, info in model.model_fields.items():
        if key in (name, info.alias):
            if info.metadata:
                return Annotated[info.annotation, *info.metadata]
            return info.annotation
    return None


def literal_values(annotation: Any) -> list[Any] | None:
    """The values a ``Literal`` (or an enum, or a union of them) allows, or ``None``."""
    annotation = strip(annotation)
    if typing.get_origin(annotation) is Literal:
        return list(typing.get_args(annotation))
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return [member.value for member in annotation]
    members = union_members(annotation)
    if members is not None:
        values: list[Any] = []
        for member in members:
            sub = literal_values(member)
            if sub is None:
                return None
            values.extend(sub)
        return values
    return None


def type_name(annotation: Any) -> str:
    """The name of a (stripped) annotation: ``float``, ``Route``, ``list[str]``."""
    annotation = strip(annotation)
    if isinstance(annotation, type):
        return annotation.__name__
    return str(annotation).replace("typing.", "").replace(" ", "")


def bounds_of(constraints: Sequence[Any]) -> tuple[float, float]:
    """The closed [low, high] that ``ge``/``gt``/``le``/``lt`` constraints allow (a strict bound is
    the next float inside); infinite where open."""
    low, high = -math.inf, math.inf
    for item in constraints:
        if getattr(item, "ge", None) is not None:
            low = max(low, float(item.ge))
        if getattr(item, "gt", None) is not None:
            low = max(low, math.nextafter(float(item.gt), math.inf))
        if getattr(item, "le", None) is not None:
            high = min(high, float(item.le))
        if getattr(item, "lt", None) is not None:
            high = min(high, math.nextafter(float(item.lt), -math.inf))
    return low, high


def own_fields(model: type[BaseModel]) -> list[tuple[str, Any, tuple[Any, ...], Any]]:
    """A model's own fields, in declaration order: name, bare annotation, constraints and markers
    (``ge=0``, a ``Kind``), and default (``PydanticUndefined`` when required)."""
    out = []
    for name, info in model.model_fields.items():
        annotation, constraints = unwrap(info.annotation)
        out.append((name, annotation, (*info.metadata, *constraints), info.default))
    return out


def field_default(model: type[BaseModel], name: str) -> Any:
    """The default of one field of a model."""
    return next(default for field, _, _, default in own_fields(model) if field == name)


# ---------------------------------------------------------------------------------------------
# Following a location
# ---------------------------------------------------------------------------------------------


def _select_union_member(members: Sequence[Any], tag: object) -> Any:
    """Pick the union member pydantic names ``tag`` in an error location (or ``None``)."""
    candidates = [m for m in members if m not in _NONE_TYPES]
    for member in candidates:
        if type_name(member) == tag:
            return member
    for member in candidates:  # discriminated unions name the branch by its tag value
        stripped = strip(member)
        if is_model(stripped):
            for info in stripped.model_fields.values():
                values = literal_values(info.annotation)
                if values and tag in values:
                    return member
    return None


def walk(model: Any, loc: Loc, *, union_markers: bool = True) -> tuple[Loc, Any, Any]:
    """Follow ``loc`` through the annotation ``model``.

    Args:
        model: A pydantic model class (or any annotation).
        loc: Keys, field names and list indices; mapping keys stand in place (``actors.PRK``).
        union_markers: Whether ``loc`` holds pydantic's union-branch markers (a validation error's
            location does; a parameter path does not).

    Returns:
        The location with pydantic's union-branch markers removed (the path in the data; a
        trailing ``"[key]"`` marks an error in a mapping's key), the annotation at the end of the
        path (``None`` when it cannot be followed; a field's constraints stay as ``Annotated``
        metadata, see :func:`unwrap`), and the annotation of that key before any union branch was
        chosen (the whole union).
    """
    annotation = model
    whole = model
    path: list[str | int] = []
    i = 0
    while i < len(loc):
        part = loc[i]
        annotation = strip(annotation)
        members = union_members(annotation)
        if members is not None and union_markers:
            # pydantic names the union branch it tried as an extra location element
            annotation = _select_union_member(members, part)
            i += 1
            continue
        path.append(part)
        i += 1
        origin = typing.get_origin(annotation)
        if annotation is None:
            pass
        elif is_model(annotation):
            annotation = field_annotation(annotation, part)
        elif origin in (dict, Mapping) or annotation is dict:
            args = typing.get_args(annotation)
            if i < len(loc) and loc[i] == "[key]":
                path.append("[key]")
                i += 1
                annotation = args[0] if args else None
            else:
                annotation = args[1] if len(args) == 2 else None
        elif origin in (list, tuple, set, frozenset, Sequence) or annotation in (list, tuple):
            items = [a for a in typing.get_args(annotation) if a is not Ellipsis]
            index = int(part) if isinstance(part, int | str) and str(part).isdigit() else None
            if origin is tuple and index is not None and len(items) > 1:
                annotation = items[index] if index < len(items) else None
            else:
                annotation = items[0] if items else None
        else:
            annotation = None
        whole = annotation
    return tuple(path), annotation, whole


# ---------------------------------------------------------------------------------------------
# Enumerating every field
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FieldEntry:
    """One field of a model met by :func:`iter_fields`.

    Attributes:
        section: Path pattern of the model that holds the field (``""`` for the top level).
        path: Path pattern of the field; for a mapping of plain values, with the key placeholder
            (``actors.<CODE>.ties.<CODE>``).
        name: The field's name.
        info: Its pydantic ``FieldInfo``.
        model: The model class that holds it.
        annotation: The bare annotation (``Annotated`` removed).
        constraints: The field's constraints (``ge``, ``le``, ...).
        kind: ``model`` (a section, or a mapping or list of sections), ``entry`` (a mapping of
            plain values), ``list``, ``text`` or ``scalar``.
        child: Path pattern of the nested section(s) for ``kind == "model"``, else ``None``.
        child_model: The nested model class for ``kind == "model"``, else ``None``.
        container: ``dict`` or ``list`` when the field holds several sections or entries, else ``None``.
        item: The annotation of the values of a mapping (or the items of a list), else ``None``.
    """

    section: str
    path: str
    name: str
    info: FieldInfo
    model: type[BaseModel]
    annotation: Any
    constraints: tuple[Any, ...]
    kind: str
    child: str | None
    child_model: type[BaseModel] | None
    container: type | None
    item: Any


def _join(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


def iter_fields(
    model: type[BaseModel], prefix: str = "", *, placeholder: typing.Callable[[str], str]
) -> Iterator[FieldEntry]:
    """Every field of ``model`` and of the models nested in it, each model's own fields first.

    Mappings of models (``actors``) and lists of models (``events``) are entered with a stand-in
    key (``actors.<CODE>``, ``events[<i>]``); mappings of plain values get the stand-in in the
    field's own path.

    Args:
        model: The model to walk.
        prefix: Path pattern of ``model`` itself.
        placeholder: The stand-in for the keys of a mapping field, by field name.
    """
    nested: list[tuple[type[BaseModel], str]] = []
    for name, info in model.model_fields.items():
        annotation, constraints = unwrap(info.annotation)
        constraints = [*info.metadata, *constraints]
        origin = typing.get_origin(annotation)
        args = typing.get_args(annotation)
        path = _join(prefix, name)
        child: str | None = None
        child_model: type[BaseModel] | None = None
        container: type | None = None
        if is_model(annotation):
            kind, child, child_model = "model", path, annotation
        elif origin is dict and is_model(unwrap(args[1])[0]):
            kind, container = "model", dict
            child, child_model = _join(prefix, f"{name}.{placeholder(name)}"), unwrap(args[1])[0]
        elif origin is list and is_model(unwrap(args[0])[0]):
            kind, container = "model", list
            child, child_model = f"{path}[<i>]", unwrap(args[0])[0]
        elif origin is dict:
            kind, container = "entry", dict
            path = f"{path}.{placeholder(name)}"
        elif origin in (list, tuple):
            kind = "list"
        elif annotation is str or origin in (Union, types.UnionType, Literal):
            kind = "text"
        else:
            kind = "scalar"
        if child_model is not None and child is not None:
            nested.append((child_model, child))
        yield FieldEntry(
            section=prefix,
            path=path,
            name=name,
            info=info,
            model=model,
            annotation=annotation,
            constraints=tuple(constraints),
            kind=kind,
            child=child,
            child_model=child_model,
            container=container,
            item=args[-1] if container is not None and args else None,
        )
    for child_model, child_prefix in nested:
        yield from iter_fields(child_model, child_prefix, placeholder=placeholder)
