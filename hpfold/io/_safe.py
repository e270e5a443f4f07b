"""Safe output files: an exclusive lock per output, no silent overwrite, atomic whole-file writes.

Every file hpfold writes is claimed first with a sidecar lock ``<path>.lock``
held with ``flock`` for as long as the file is being written (the kernel drops
it when the process dies, even by ``kill -9``).  A second hpfold process that
wants the same file is refused before it touches the file.  Whole-file outputs
(enumeration results, landscapes, trees, plots, reports) are written to a
temporary file in the same folder and renamed over ``path`` only when complete,
so a reader sees the old file or the new one, never a half-written one.

Within one process the lock is re-entrant: the command line claims its outputs
at the start of a run and the writers it calls claim them again for free.
"""
from __future__ import annotations

import contextlib
import os
import tempfile
import threading

__all__ = ["OutputLocked", "lock_output", "claim_outputs", "check_output", "atomic_path", "lock_path"]

_HELD = {}  # lock-file path -> [file descriptor, depth]
_GUARD = threading.Lock()


class OutputLocked(ValueError):
    """Another process holds the lock of an output file."""


def lock_path(path) -> str:
    """The sidecar lock file of ``path``: ``<path>.lock``."""
    return os.fspath(path) + ".lock"


@contextlib.contextmanager
def lock_output(path):
    """Hold the exclusive lock of ``path`` (its ``<path>.lock``) for the ``with`` block.

    Raises
    ------
    OutputLocked
        Another process holds the lock (one line naming the file and the holder's pid).
    OSError
        The lock file cannot be created (missing folder, no permission).
    """
    key = os.path.abspath(lock_path(path))
    _acquire(key, os.fspath(path))
    try:
        yield key
    finally:
        _release(key)


def check_output(path, *, overwrite=False, resume=False) -> None:
    """Refuse to replace an existing ``path`` without ``overwrite``, or to resume a missing one.

    Raises
    ------
    ValueError
        One line: the file exists (pass ``--overwrite``), or (``resume``) there is nothing to resume.
    """
    path = os.fspath(path)
    if resume:
        if not os.path.exists(path):
            raise ValueError(f"{path}: no such file to resume (drop --resume to start a new run)")
        return
    if os.path.isdir(path):
        raise ValueError(f"{path}: is a directory")
    if os.path.lexists(path) and not overwrite:
        raise ValueError(f"{path}: exists; pass --overwrite to replace it")


@contextlib.contextmanager
def claim_outputs(paths, *, overwrite=False, resume=False):
    """Lock every output in ``paths`` (None entries skipped) and check it may be written.

    The locks are taken before any check so that the answer cannot change while the run is under way;
    they are held for the ``with`` block.  ``resume`` applies to every path given.
    """
    with contextlib.ExitStack() as stack:
        for path in dict.fromkeys(p for p in paths if p is not None):
            stack.enter_context(lock_output(path))
            check_output(path, overwrite=overwrite, resume=resume)
        yield


@contextlib.contextmanager
def atomic_path(path):
    """Yield a temporary path beside ``path``; on success rename it over ``path`` atomically.

    The temporary file keeps the extension of ``path`` (matplotlib and networkx pick the format from
    it) and the lock of ``path`` is held meanwhile.  On any error the temporary file is removed and
    ``path`` is left as it was.
    """
    path = os.fspath(path)
    folder, name = os.path.split(os.path.abspath(path))
    ext = os.path.splitext(name)[1]
    with lock_output(path):
        fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=f".tmp{ext}", dir=folder)
        os.close(fd)
        try:
            os.chmod(tmp, 0o666 & ~_umask())
            yield tmp
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.remove(tmp)
            raise


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _acquire(key: str, path: str) -> None:
    import fcntl

    with _GUARD:
        held = _HELD.get(key)
        if held is not None:
            held[1] += 1
            return
        while True:
            try:
                fd = os.open(key, os.O_RDWR | os.O_CREAT, 0o644)
            except OSError as exc:
                raise OSError(f"{path}: cannot create the lock file {key} ({exc.strerror})") from None
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip() or "?"
                os.close(fd)
                raise OutputLocked(f"{path}: another hpfold process (pid {holder}) is writing this file; "
                                   "wait for it or choose another file") from None
            if _same_file(fd, key):
                break
            os.close(fd)  # the holder removed the lock file meanwhile: lock the new one
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        _HELD[key] = [fd, 1]


def _release(key: str) -> None:
    with _GUARD:
        held = _HELD[key]
        held[1] -= 1
        if held[1]:
            return
        del _HELD[key]
        with contextlib.suppress(OSError):
            os.unlink(key)  # while still locked: a waiter that opened it re-checks the inode
        os.close(held[0])


def _same_file(fd: int, key: str) -> bool:
    try:
        st = os.stat(key)
    except FileNotFoundError:
        return False
    mine = os.fstat(fd)
    return (st.st_dev, st.st_ino) == (mine.st_dev, mine.st_ino)
