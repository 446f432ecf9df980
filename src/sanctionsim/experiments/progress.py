"""Progress of the Python API: a ``tqdm.auto`` bar by default, a callback of your own, or none.

Every function of the API that runs simulations takes ``progress``:

- ``True`` (the default): a progress bar where someone watches, a Jupyter widget in a notebook
  (``tqdm.auto``) or a text bar on a terminal; nothing when output goes to a file or a pipe (logs
  and CI stay clean);
- ``False`` or ``None``: nothing;
- a callable: called with (done, total), or (done, total, status text) for calibration's waves; the
  CLI passes its own bars this way, and nested calls (a comparison's runs) pass their callers' on.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

__all__ = ["ProgressOption", "reporter", "watched"]

#: What ``progress`` arguments accept (see the module docstring).
ProgressOption = bool | Callable[..., None] | None


def watched() -> bool:
    """Whether someone watches the output: a terminal on stderr, or a Jupyter kernel."""
    if "ipykernel" in sys.modules:
        return True
    stream = sys.stderr
    return bool(getattr(stream, "isatty", None) and stream.isatty())


def reporter(progress: ProgressOption, *, desc: str, unit: str = "run") -> Callable[..., None] | None:
    """The callback a ``progress`` argument stands for.

    A bar (``True``, and :func:`watched`) opens at its first update and closes when ``done``
    reaches ``total``.

    Args:
        progress: ``True``, ``False``/``None``, or a callable (returned as it is).
        desc: The bar's label.
        unit: What is counted.
    """
    if callable(progress):
        return progress
    if not progress or not watched():
        return None
    bar: Any = None

    def update(done: float, total: float, *status: str) -> None:
        nonlocal bar
        if bar is None:
            from tqdm.auto import tqdm

            bar = tqdm(total=total, desc=desc, unit=unit, leave=True)
        bar.total = total
        bar.n = done
        if status:
            bar.set_postfix_str(str(status[0]), refresh=False)
        bar.refresh()
        if done >= total:
            bar.close()

    return update
