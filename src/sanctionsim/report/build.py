"""Build a report file, HTML or Markdown by its suffix, and write it atomically.

HTML is one self-contained file. Markdown is a file plus a ``<stem>_files/``
folder of PNG figures; the folder is swapped in whole before the Markdown file
is renamed into place, so a reader never sees a half-written report.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from sanctionsim.atomic import atomic_folder, make_parents, write_text
from sanctionsim.report.content import collect
from sanctionsim.report.html import render_html
from sanctionsim.report.markdown import render_markdown

__all__ = ["HTML_SUFFIXES", "MARKDOWN_SUFFIXES", "build_report"]

HTML_SUFFIXES: tuple[str, ...] = (".html", ".htm")
MARKDOWN_SUFFIXES: tuple[str, ...] = (".md", ".markdown")


def build_report(paths: Sequence[str | os.PathLike[str]], *, out: str | os.PathLike[str]) -> Path:
    """Write a report of a comparison folder, or of results folders (the first is the base).

    Args:
        paths: One comparison folder written by ``sanctionsim compare``, or one
            or more results folders (compared with the first, after checking
            that they share seed, runs, months and start).
        out: The report file: ``.html`` (self-contained, figures embedded) or
            ``.md`` (figures in ``<stem>_files/`` beside it). Replaced if it exists.

    Returns:
        The report file.

    Raises:
        ValueError: For an unknown suffix, or inputs that cannot be read or paired.
        FileNotFoundError: If an input folder is missing or incomplete.
    """
    target = Path(out)
    suffix = target.suffix.lower()
    if suffix not in HTML_SUFFIXES + MARKDOWN_SUFFIXES:
        raise ValueError(f"report file {target} must end in .html or .md (got {suffix or 'no suffix'!r})")
    content = collect(paths)
    make_parents(target, "write")
    if suffix in HTML_SUFFIXES:
        write_text(target, render_html(content))
        return target
    files_dir = f"{target.stem}_files"
    with atomic_folder(target.parent / files_dir, replace=True) as tmp:
        for figure in content.figures:
            (tmp / f"{figure.name}.png").write_bytes(figure.png)
    write_text(target, render_markdown(content, files_dir=files_dir))
    return target
