"""Atomic writes: a reader sees the old file or folder or the new one, never half of one.

- :func:`write_bytes` and :func:`write_text` replace one file through a hidden temporary file in
  the same folder and ``os.replace``.
- :class:`AtomicFolder` (and its context manager :func:`atomic_folder`) builds a folder in a hidden
  temporary sibling ``.<name>.tmp-<pid>-<random>`` and renames it into place when complete; every
  writer of a folder (results folders, comparison folders, a Markdown report's figures) uses it, so
  a folder that exists is complete.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import Self

__all__ = [
    "TMP_MARK",
    "AtomicFolder",
    "atomic_folder",
    "fsync_path",
    "is_temporary",
    "write_bytes",
    "write_text",
]

#: What the name of a temporary folder holds after its target's name: ``.<name>.tmp-<pid>-<hex>``.
TMP_MARK = ".tmp-"


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_bytes(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` to ``path`` through a hidden temporary file in the same folder and ``os.replace``.

    The folder is created if needed; the temporary file is removed if anything fails.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, 0o666 & ~_umask())  # mkstemp makes 0600; give the file the usual permissions
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def write_text(path: str | os.PathLike[str], text: str) -> Path:
    """Write UTF-8 ``text`` (with ``\\n`` line ends) to ``path`` atomically; see :func:`write_bytes`."""
    return write_bytes(path, text.encode("utf-8"))


def fsync_path(path: Path) -> None:
    """Flush a file or folder to disk, where the platform allows it."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        with contextlib.suppress(OSError):
            os.fsync(fd)
    finally:
        os.close(fd)


def is_temporary(path: Path) -> bool:
    """True if ``path`` is the temporary folder of an :class:`AtomicFolder` (``.<name>.tmp-...``)."""
    return path.name.startswith(".") and TMP_MARK in path.name


def _temporary_sibling(target: Path) -> Path:
    return target.with_name(f".{target.name}{TMP_MARK}{os.getpid()}-{secrets.token_hex(4)}")


class AtomicFolder:
    """A folder written in a hidden temporary sibling and renamed into place when complete.

    :meth:`open` creates the temporary folder and returns it; the caller writes into it;
    :meth:`commit` flushes every file in it to disk and renames it to the target; :meth:`discard`
    deletes it. Used as a context manager (:func:`atomic_folder`), leaving the block normally
    commits and leaving it by an exception (or Ctrl-C) discards.

    Attributes:
        target: The folder to create (or to replace, with ``replace=True``).
        replace: Whether an existing target is swapped out; otherwise an existing target is refused.
        tmp: The temporary folder while open, else ``None``.
    """

    def __init__(self, target: str | os.PathLike[str], *, replace: bool = False) -> None:
        """Remember the target; nothing is created until :meth:`open`.

        Args:
            target: The folder to create.
            replace: Replace an existing folder (a report's figures) instead of refusing it.
        """
        self.target = Path(target)
        self.replace = replace
        self.tmp: Path | None = None
        self._done = False

    def _refuse_existing(self) -> None:
        if not self.replace and self.target.exists():
            raise FileExistsError(
                f"{self.target} already exists; it is never overwritten. "
                f"Pass another --out, or move or delete that folder."
            )

    def open(self) -> Path:
        """Create the temporary folder (and the target's parents) and return it.

        Raises:
            FileExistsError: The target exists and ``replace`` is false.
            RuntimeError: The folder was opened before.
        """
        if self.tmp is not None or self._done:
            raise RuntimeError(f"AtomicFolder({self.target}) can be opened only once")
        self._refuse_existing()
        self.target.parent.mkdir(parents=True, exist_ok=True)
        tmp = _temporary_sibling(self.target)
        tmp.mkdir()
        self.tmp = tmp
        return tmp

    def commit(self) -> Path:
        """Flush the files to disk and rename the temporary folder to the target.

        Returns:
            The target.

        Raises:
            FileExistsError: The target appeared meanwhile and ``replace`` is false (the temporary
                folder is left for :meth:`discard`).
        """
        if self.tmp is None:
            raise RuntimeError(f"AtomicFolder({self.target}) is not open")
        for path in self.tmp.rglob("*"):
            fsync_path(path)
        fsync_path(self.tmp)
        if not self.replace and self.target.exists():
            raise FileExistsError(f"{self.target} appeared while it was being written; not overwriting it")
        old = None
        if self.replace and self.target.exists():
            old = _temporary_sibling(self.target)
            os.rename(self.target, old)
        os.rename(self.tmp, self.target)
        self.tmp, self._done = None, True
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
        fsync_path(self.target.parent)
        return self.target

    def discard(self) -> None:
        """Delete the temporary folder (if any); the target is left as it was."""
        self._done = True
        if self.tmp is not None:
            shutil.rmtree(self.tmp, ignore_errors=True)
            self.tmp = None

    def __enter__(self) -> Self:
        """Open the folder; see :meth:`open`."""
        self.open()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Commit on success; discard on an exception."""
        if exc_type is not None:
            self.discard()
            return
        try:
            self.commit()
        except BaseException:
            self.discard()
            raise


@contextlib.contextmanager
def atomic_folder(target: str | os.PathLike[str], *, replace: bool = False) -> Iterator[Path]:
    """Write a folder atomically: yields the temporary folder to write into; see :class:`AtomicFolder`.

    Example:
        >>> with atomic_folder("results/compare-x") as tmp:  # doctest: +SKIP
        ...     (tmp / "comparison.json").write_text("{}")
    """
    with AtomicFolder(target, replace=replace) as folder:
        assert folder.tmp is not None
        yield folder.tmp
