"""Atomic writes: a reader sees the old file or folder or the new one, never half of one.

- :func:`write_bytes` and :func:`write_text` replace one file through a hidden temporary file in
  the same folder and ``os.replace``.
- :class:`AtomicFolder` (and its context manager :func:`atomic_folder`) builds a folder in a hidden
  temporary sibling ``.<name>.tmp-<pid>-<random>`` and renames it into place when complete; every
  writer of a folder (results folders, comparison folders, a Markdown report's figures) uses it.
  A new folder's name is *claimed* first, by creating it empty, so two runs can never both write
  it; the complete folder then replaces the empty one in one rename. A folder with files in it
  is therefore complete; an empty one is being written (or its writer was killed).
- A *resumable* :class:`AtomicFolder` builds in ``.<name>.tmp-resumable``, a name a later writer
  can find: if its writer is killed, the claimed empty folder and that temporary folder stay, and
  :meth:`AtomicFolder.open` with ``resume=True`` reopens them to finish the work.

An error of the file system (no permission, a file where a folder should be, a full disk) is
raised as an ``OSError`` whose message is one line naming the path and what went wrong.
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
    "RESUMABLE",
    "TMP_MARK",
    "AtomicFolder",
    "atomic_folder",
    "explained",
    "fsync_path",
    "is_temporary",
    "make_parents",
    "resumable_sibling",
    "write_bytes",
    "write_text",
]

#: What the name of a temporary folder holds after its target's name: ``.<name>.tmp-<pid>-<hex>``.
TMP_MARK = ".tmp-"
#: The suffix of a resumable folder's temporary folder: ``.<name>.tmp-resumable``.
RESUMABLE = "resumable"


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def explained(err: OSError, action: str, path: Path) -> OSError:
    """The same kind of error with a one-line message: ``cannot <action> <path>: <reason>``."""
    reason = (err.strerror or str(err)).lower()
    if err.filename is not None and str(err.filename) != str(path):
        reason += f" ({err.filename})"
    try:
        return type(err)(f"cannot {action} {path}: {reason}")
    except TypeError:  # pragma: no cover - an OSError subclass with another constructor
        return OSError(f"cannot {action} {path}: {reason}")


def _check_parents(path: Path, action: str) -> None:
    """Refuse a path under a file (``--out afile/sub``) with a clear message."""
    for parent in path.parents:
        if parent.exists():
            if not parent.is_dir():
                raise NotADirectoryError(f"cannot {action} {path}: {parent} is a file, not a folder")
            return


def make_parents(path: Path, action: str = "create") -> None:
    """Create ``path``'s parent folders, with a one-line error naming ``path`` if that fails."""
    _check_parents(path, action)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise explained(err, action, path) from None


def write_bytes(path: str | os.PathLike[str], data: bytes, *, sync: bool = True) -> Path:
    """Write ``data`` to ``path`` through a hidden temporary file in the same folder and ``os.replace``.

    The folder is created if needed; the temporary file is removed if anything fails. ``sync=False``
    skips flushing the file to disk before the rename (for files whose checksum is recorded and
    checked before use, such as a results folder's parts: a file torn by a power cut fails the
    check instead of being trusted).

    Raises:
        OSError: One line naming ``path`` and the reason (no permission, a file in the way, ...).
    """
    target = Path(path)
    make_parents(target, "write")
    if target.is_dir():
        raise IsADirectoryError(f"cannot write {target}: it is a folder")
    try:
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    except OSError as err:
        raise explained(err, "write", target) from None
    try:
        os.fchmod(fd, 0o666 & ~_umask())  # mkstemp makes 0600; give the file the usual permissions
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            if sync:
                fh.flush()
                os.fsync(fh.fileno())
        os.replace(tmp, target)
    except OSError as err:
        Path(tmp).unlink(missing_ok=True)
        raise explained(err, "write", target) from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def write_text(path: str | os.PathLike[str], text: str, *, sync: bool = True) -> Path:
    """Write UTF-8 ``text`` (with ``\\n`` line ends) to ``path`` atomically; see :func:`write_bytes`."""
    return write_bytes(path, text.encode("utf-8"), sync=sync)


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


def resumable_sibling(target: Path) -> Path:
    """The temporary folder a resumable :class:`AtomicFolder` for ``target`` builds in."""
    return target.with_name(f".{target.name}{TMP_MARK}{RESUMABLE}")


class AtomicFolder:
    """A folder written in a hidden temporary sibling and renamed into place when complete.

    :meth:`open` claims the target (creates it empty, unless ``replace``), creates the temporary
    folder and returns it; the caller writes into it; :meth:`commit` flushes every file in it to
    disk and renames it over the empty target; :meth:`discard` deletes it and releases the claim.
    Used as a context manager (:func:`atomic_folder`), leaving the block normally commits and
    leaving it by an exception (or Ctrl-C) discards.

    Attributes:
        target: The folder to create (or to replace, with ``replace=True``).
        replace: Whether an existing target is swapped out; otherwise an existing target is refused.
        tmp: The temporary folder while open, else ``None``.
    """

    def __init__(
        self, target: str | os.PathLike[str], *, replace: bool = False, resumable: bool = False
    ) -> None:
        """Remember the target; nothing is created until :meth:`open`.

        Args:
            target: The folder to create.
            replace: Replace an existing folder (a report's figures) instead of refusing it.
            resumable: Build in :func:`resumable_sibling`, which a later writer can reopen.
        """
        self.target = Path(target)
        self.replace = replace
        self.resumable = resumable
        self.resumed = False
        self.tmp: Path | None = None
        self._claimed = False
        self._done = False

    def _exists_error(self) -> FileExistsError:
        return FileExistsError(
            f"{self.target} already exists; it is never overwritten. "
            f"Pass another --out, or move or delete that folder."
        )

    def can_resume(self) -> bool:
        """Whether a killed writer left this resumable folder to finish: the claimed target is empty
        and its temporary folder exists."""
        tmp = resumable_sibling(self.target)
        return self.resumable and self.target.is_dir() and not any(self.target.iterdir()) and tmp.is_dir()

    def open(self, *, resume: bool = False) -> Path:
        """Claim the target (unless ``replace``), create the temporary folder and return it.

        Args:
            resume: Reopen what a killed writer left (see :meth:`can_resume`) instead of refusing the
                claimed target; :attr:`resumed` tells whether it did.

        Raises:
            FileExistsError: The target exists (or another writer claimed it) and ``replace`` is false.
            OSError: The folder cannot be created; one line naming it and why.
            RuntimeError: The folder was opened before.
        """
        if self.tmp is not None or self._done:
            raise RuntimeError(f"AtomicFolder({self.target}) can be opened only once")
        if resume and self.can_resume():
            self.tmp, self._claimed, self.resumed = resumable_sibling(self.target), True, True
            return self.tmp
        if not self.replace and self.target.exists():
            raise self._exists_error()
        make_parents(self.target)
        try:
            if not self.replace:
                self.target.mkdir()  # the claim: fails if another writer made it first
                self._claimed = True
            if self.resumable:
                tmp = resumable_sibling(self.target)
                if tmp.exists():  # left by a writer whose claim is gone: start again
                    shutil.rmtree(tmp)
            else:
                tmp = _temporary_sibling(self.target)
            tmp.mkdir()
        except FileExistsError:
            self._release()
            raise self._exists_error() from None
        except OSError as err:
            self._release()
            raise explained(err, "create", self.target) from None
        self.tmp = tmp
        return tmp

    def _release(self) -> None:
        """Remove the empty claimed target, if this writer made it."""
        if self._claimed:
            with contextlib.suppress(OSError):
                self.target.rmdir()  # only while empty: never deletes anyone's results
            self._claimed = False

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
        old = None
        try:
            if self._claimed:
                self._over_claim()
            else:
                if self.target.exists():
                    old = _temporary_sibling(self.target)
                    os.rename(self.target, old)
                os.rename(self.tmp, self.target)
        except OSError as err:
            raise explained(err, "write", self.target) from None
        self.tmp, self._done, self._claimed = None, True, False
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
        fsync_path(self.target.parent)
        return self.target

    def _over_claim(self) -> None:
        """Rename the temporary folder over the empty claimed target."""
        assert self.tmp is not None
        try:
            os.rename(self.tmp, self.target)  # POSIX replaces an empty folder in one step
        except OSError:
            if any(self.target.iterdir()):
                raise FileExistsError(f"{self.target} was written by someone else meanwhile") from None
            self.target.rmdir()  # where a folder cannot be renamed over another (Windows)
            os.rename(self.tmp, self.target)

    def discard(self) -> None:
        """Delete the temporary folder (if any); the target is left as it was."""
        self._done = True
        if self.tmp is not None:
            shutil.rmtree(self.tmp, ignore_errors=True)
            self.tmp = None
        self._release()

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
