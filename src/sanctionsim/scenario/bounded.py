"""Bounded YAML: a scenario file is read as data, within fixed limits of size, nodes and nesting.

Scenario files travel by email, so a hostile one must be refused in bounded time and memory (so must
an observations file, :mod:`sanctionsim.analysis.observations`, which is read the same way):

- a file larger than :data:`MAX_FILE_BYTES`, or one that is not a regular file (a FIFO, a device),
  is refused before it is parsed;
- YAML aliases may repeat a mapping or list many times ("billion laughs"): the size of the document
  *with every alias expanded* is counted on the parsed node graph, without expanding it, and a
  document of more than :data:`MAX_NODES` nodes, nested deeper than :data:`MAX_DEPTH`, or with an
  alias that contains itself is refused before any Python object is built;
- only ``yaml.SafeLoader`` builds objects (plain mappings, lists, strings, numbers, dates).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

import yaml

__all__ = ["MAX_DEPTH", "MAX_FILE_BYTES", "MAX_NODES", "LimitError", "load_bounded", "read_bounded"]

#: Largest scenario file read, in bytes (the library's largest file is under 20 kB).
MAX_FILE_BYTES = 1_000_000
#: Most YAML nodes in one document once its aliases are expanded (the baseline has about 1,500).
MAX_NODES = 100_000
#: Deepest nesting of mappings and lists (the baseline nests 6 deep).
MAX_DEPTH = 50


class LimitError(ValueError):
    """A YAML document or file beyond one of this module's limits; ``str()`` says which."""


def read_bounded(path: Path, *, what: str = "scenario files") -> bytes:
    """Read a regular file of at most :data:`MAX_FILE_BYTES` bytes.

    Args:
        path: The file.
        what: The kind of file, plural, for the message (``"observations files"``).

    Raises:
        LimitError: For a file that is larger, or not a regular file.
        OSError: If the file cannot be read (missing, a folder, no permission).
    """
    info = path.stat()
    if stat.S_ISDIR(info.st_mode):
        raise IsADirectoryError(21, "is a folder, not a file", str(path))
    if not stat.S_ISREG(info.st_mode):
        raise LimitError("is not a regular file (a device, FIFO or socket)")
    if info.st_size > MAX_FILE_BYTES:
        raise LimitError(f"the file has {info.st_size:,} bytes; {what} are limited to {MAX_FILE_BYTES:,}")
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    with os.fdopen(fd, "rb") as fh:
        data = fh.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:  # it grew since stat
        raise LimitError(f"the file has more than {MAX_FILE_BYTES:,} bytes; {what} are limited to that")
    return data


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return []


def check_node(root: yaml.Node, *, what: str = "scenario files") -> None:
    """Refuse a node graph whose expanded tree exceeds :data:`MAX_NODES` nodes or :data:`MAX_DEPTH`.

    Each node's expanded size (itself plus its children's expanded sizes) and depth are computed
    once per node object, so an alias is counted every time it is used at no cost per use.

    Args:
        root: The document's root node.
        what: The kind of file, plural, for the message.

    Raises:
        LimitError: Naming the limit and where in the file it was crossed.
    """
    size: dict[int, int] = {}
    depth: dict[int, int] = {}
    open_nodes: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        key = id(node)
        if children_done:
            kids = _children(node)
            size[key] = 1 + sum(size[id(k)] for k in kids)
            depth[key] = 1 + max((depth[id(k)] for k in kids), default=0)
            open_nodes.discard(key)
            if size[key] > MAX_NODES:
                raise LimitError(
                    f"the document expands to more than {MAX_NODES:,} values (aliases counted each time they "
                    f"are used){_where(node)}; {what} are limited to that"
                )
            if depth[key] > MAX_DEPTH:
                raise LimitError(f"mappings and lists nest more than {MAX_DEPTH} deep{_where(node)}")
            continue
        if key in size:
            continue
        if key in open_nodes:
            raise LimitError(f"an alias refers to a mapping or list that contains it{_where(node)}")
        open_nodes.add(key)
        stack.append((node, True))
        stack.extend((k, False) for k in _children(node) if id(k) not in size)


def _where(node: yaml.Node) -> str:
    mark = node.start_mark
    return f" (from line {mark.line + 1}, column {mark.column + 1})" if mark is not None else ""


def load_bounded(text: str, *, what: str = "scenario files") -> Any:
    """``yaml.safe_load`` of one document, refused beyond this module's limits before objects are built.

    Args:
        text: The YAML text.
        what: The kind of file, plural, for the messages (``"observations files"``).

    Raises:
        yaml.YAMLError: For invalid YAML (with its position).
        LimitError: For a document beyond the limits (see :func:`check_node`), or nesting so deep that
            the parser cannot follow it.
    """
    if len(text) > MAX_FILE_BYTES:
        raise LimitError(f"the text has {len(text):,} characters; {what} are limited to {MAX_FILE_BYTES:,}")
    loader = yaml.SafeLoader(text)
    try:
        try:
            node = loader.get_single_node()
        except RecursionError:
            raise LimitError(f"mappings and lists nest too deep to read (at most {MAX_DEPTH})") from None
        if node is None:
            return None
        check_node(node, what=what)
        return loader.construct_document(node)
    finally:
        loader.dispose()
