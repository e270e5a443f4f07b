"""The results file of a benchmark sweep: one JSON record per run, appended as runs finish.

Two containers hold the same records (format ``hpfold-bench``, version 1; see
``docs/benchmarking.md``):

* ``*.jsonl`` (JSON lines): a header line ``{"record": "header", "format": "hpfold-bench",
  "version": 1}``, then one line per run.  A line cut short by a crash is skipped on reading
  (the next append starts a new line), so that run is simply done again.
* ``*.h5`` / ``*.hdf5``: the variable-length UTF-8 string dataset ``/bench/runs`` (one JSON
  record per element, extendable), with attributes ``format`` and ``version`` on ``/bench``.
  The file is opened, extended, flushed and closed for every record.

Re-running a sweep on the same file skips the (sequence, algorithm, run) triples it holds.
"""
from __future__ import annotations

import json
import logging
import os
from pathlib import Path

__all__ = ["ResultStore", "FORMAT", "VERSION"]

FORMAT = "hpfold-bench"
VERSION = 1

log = logging.getLogger(__name__)


def run_key(record: dict) -> tuple:
    """The identity of a run: (sequence id, algorithm, run index)."""
    return (record["sequence_id"], record["algorithm"], int(record["run"]))


class ResultStore:
    """Append-only store of run records (JSON lines or HDF5, chosen by the file suffix).

    Parameters
    ----------
    path : str or Path or None
        ``None`` keeps the records in memory only.

    Examples
    --------
    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "runs.jsonl")
    >>> store = ResultStore(path)
    >>> store.append({"sequence_id": "S1-1", "algorithm": "random", "run": 0, "success": True})
    >>> [r["run"] for r in ResultStore(path).records()]
    [0]
    """

    def __init__(self, path=None):
        self.path = None if path is None else Path(path)
        self._memory = []
        if self.path is not None:
            if self.path.suffix.lower() in (".h5", ".hdf5"):
                self.kind = "hdf5"
            else:
                self.kind = "jsonl"
            if self.path.exists() and self.path.is_dir():
                raise ValueError(f"results file {self.path} is a directory")
        else:
            self.kind = "memory"

    # reading
    def records(self) -> list:
        """Every run record in the file, in the order written."""
        if self.kind == "memory":
            return list(self._memory)
        if not self.path.exists():
            return []
        return self._read_hdf5() if self.kind == "hdf5" else self._read_jsonl()

    def done_keys(self) -> set:
        """The (sequence id, algorithm, run) triples already in the file."""
        return {run_key(r) for r in self.records()}

    def _read_jsonl(self):
        out = []
        with open(self.path, encoding="utf-8") as fh:
            lines = fh.read().split("\n")
        for i, line in enumerate(lines):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
            except json.JSONDecodeError:
                if i == 0:
                    raise ValueError(f"{self.path}: not an hpfold-bench results file (line 1 is not JSON)") from None
                log.warning("%s: skipping line %d, cut short by an interrupted write", self.path, i + 1)
                continue
            if i == 0 and isinstance(rec, dict) and rec.get("record") == "header":
                if rec.get("format") != FORMAT:
                    raise ValueError(f"{self.path}: format {rec.get('format')!r}, expected {FORMAT!r}")
                if int(rec.get("version", 0)) > VERSION:
                    raise ValueError(f"{self.path}: format version {rec['version']} is newer than this hpfold "
                                     f"reads ({VERSION})")
                continue
            if not isinstance(rec, dict) or "sequence_id" not in rec:
                raise ValueError(f"{self.path}: line {i + 1} is not a run record")
            out.append(rec)
        return out

    def _read_hdf5(self):
        import h5py

        try:
            with h5py.File(self.path, "r") as fh:
                group = fh.get("bench")
                if group is None or group.attrs.get("format") != FORMAT:
                    raise ValueError(f"{self.path}: no /bench group of format {FORMAT!r}")
                if int(group.attrs.get("version", 0)) > VERSION:
                    raise ValueError(f"{self.path}: format version {group.attrs['version']} is newer than "
                                     f"this hpfold reads ({VERSION})")
                raw = group["runs"][...] if "runs" in group else []
        except OSError as exc:
            raise ValueError(f"{self.path}: cannot read as HDF5 ({exc})") from None
        return [json.loads(x.decode("utf-8") if isinstance(x, bytes) else x) for x in raw]

    # one writer at a time
    def lock(self):
        """Claim the file for this process (a ``FILE.lock`` beside it, held with ``flock``).

        Returns a context manager.  Raises ``ValueError`` if another sweep holds the file,
        so that two sweeps never write the same runs.  A no-op for in-memory stores.
        """
        return _FileLock(None if self.path is None else self.path.with_name(self.path.name + ".lock"))

    # writing
    def append(self, record: dict) -> None:
        """Add one run record and make it durable before returning."""
        text = json.dumps(record, separators=(",", ":"), allow_nan=False)
        if self.kind == "memory":
            self._memory.append(json.loads(text))
        elif self.kind == "jsonl":
            self._append_jsonl(text)
        else:
            self._append_hdf5(text)

    def _append_jsonl(self, text):
        self.path.parent.mkdir(parents=True, exist_ok=True)
        new = not self.path.exists() or self.path.stat().st_size == 0
        with open(self.path, "a+", encoding="utf-8") as fh:
            if new:
                fh.write(json.dumps({"record": "header", "format": FORMAT, "version": VERSION}) + "\n")
            else:
                fh.seek(0, os.SEEK_END)
                fh.seek(fh.tell() - 1)
                if fh.read(1) != "\n":  # a previous write was cut short: start a fresh line
                    fh.write("\n")
            fh.write(text + "\n")
            fh.flush()
            os.fsync(fh.fileno())

    def _append_hdf5(self, text):
        import h5py

        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            with h5py.File(self.path, "a") as fh:
                group = fh.require_group("bench")
                if "format" not in group.attrs:
                    group.attrs["format"] = FORMAT
                    group.attrs["version"] = VERSION
                elif group.attrs["format"] != FORMAT:
                    raise ValueError(f"{self.path}: /bench holds format {group.attrs['format']!r}")
                if "runs" not in group:
                    group.create_dataset("runs", shape=(0,), maxshape=(None,), chunks=(64,),
                                         dtype=h5py.string_dtype("utf-8"))
                runs = group["runs"]
                runs.resize((runs.shape[0] + 1,))
                runs[-1] = text
                fh.flush()
        except OSError as exc:
            raise ValueError(f"{self.path}: cannot write HDF5 ({exc})") from None


class _FileLock:
    """An exclusive, non-blocking ``flock`` on a lock file, released on exit (or when the process dies)."""

    def __init__(self, path):
        self.path = path
        self._fh = None

    def __enter__(self):
        if self.path is None:
            return self
        import fcntl

        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._fh = open(self.path, "a+")
        try:
            fcntl.flock(self._fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._fh.seek(0)
            holder = self._fh.read().strip() or "?"
            self._fh.close()
            self._fh = None
            raise ValueError(f"{self.path.with_suffix('')} is being written by another sweep (pid {holder}); "
                             f"wait for it or use another results file") from None
        self._fh.seek(0)
        self._fh.truncate()
        self._fh.write(str(os.getpid()))
        self._fh.flush()
        return self

    def __exit__(self, *exc):
        if self._fh is not None:
            self._fh.close()  # closing releases the lock; the file stays (removing it would race)
            self._fh = None
