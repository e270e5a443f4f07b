"""Checkpoint of a sequence-space scan: one small file per finished shard, written atomically.

The shards of a scan with output ``scan.h5`` go to the folder ``scan.h5.partial/``: a
``meta.json`` naming the scan (N, lattice, the structure table's digest) and one
``shard-<start>.npz`` per finished shard, each written under a temporary name and renamed.
A scan killed at any moment keeps every shard whose file was renamed; ``resume`` reloads
them (after checking they belong to the same scan) and computes only the others.
"""
from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile

import numpy as np

__all__ = ["ShardCheckpoint", "partial_folder"]

_VERSION = 1


def partial_folder(output) -> str:
    """The checkpoint folder of ``output``: ``<output>.partial``."""
    return os.fspath(output) + ".partial"


class ShardCheckpoint:
    """The shard files of one scan (see the module docstring).

    Parameters
    ----------
    output : path-like
        The scan's final output; the shards live in ``<output>.partial/``.
    resume : bool
        Reuse the shards of an interrupted scan (refused when there are none); without it an
        existing checkpoint is refused, so that it is never mixed up with a new scan.
    """

    def __init__(self, output, *, resume: bool = False):
        self.folder = partial_folder(output)
        self.resume = bool(resume)
        exists = os.path.isdir(self.folder)
        if resume and not exists:
            raise ValueError(f"{os.fspath(output)}: no interrupted scan to resume ({self.folder} does not exist); "
                             "drop --resume to start a new scan")
        if exists and not resume:
            raise ValueError(f"{self.folder}: holds an interrupted scan; pass --resume to continue it "
                             "(or delete the folder to start again)")

    def check_scan(self, n: int, lattice: str, compact=None) -> None:
        """Refuse at once (before any table is built) to resume the checkpoint of another scan."""
        if not self.resume:
            return
        try:
            with open(os.path.join(self.folder, "meta.json")) as fh:
                found = json.load(fh)
        except (OSError, ValueError):
            raise ValueError(f"{self.folder}: no readable meta.json; not a scan checkpoint") from None
        asked = {"n": int(n), "lattice": lattice, "compact": compact}
        diff = ", ".join(f"{k} {found.get(k)!r} (now {v!r})" for k, v in asked.items() if found.get(k) != v)
        if diff:
            raise ValueError(f"{self.folder}: checkpoint of another scan: {diff}")

    def _meta(self, table, bounds) -> dict:
        return {"version": _VERSION, "n": table.n, "lattice": table.lattice, "compact": table.compact,
                "digest": table.digest(), "n_maps": table.n_maps, "n_shards": len(bounds)}

    def start(self, table, bounds) -> None:
        """Create the folder of a new scan (not resumed) and its ``meta.json``; nothing when resuming."""
        if not self.resume:
            os.mkdir(self.folder)
            self._write_atomic(os.path.join(self.folder, "meta.json"), json.dumps(self._meta(table, bounds)).encode())

    def load(self, table, bounds) -> dict:
        """The finished shards ``{start: ShardResult}`` of the scan resumed (empty for a new scan)."""
        from .scan import ShardResult

        if not self.resume:
            return {}
        meta = self._meta(table, bounds)
        meta_path = os.path.join(self.folder, "meta.json")
        try:
            with open(meta_path) as fh:
                found = json.load(fh)
        except (OSError, ValueError):
            raise ValueError(f"{self.folder}: no readable meta.json; not a scan checkpoint") from None
        if found != meta:
            diff = ", ".join(f"{k} {found.get(k)!r} (now {v!r})" for k, v in meta.items() if found.get(k) != v)
            raise ValueError(f"{self.folder}: checkpoint of another scan: {diff}")
        lengths = dict(bounds)
        done = {}
        for name in sorted(os.listdir(self.folder)):
            if not (name.startswith("shard-") and name.endswith(".npz")):
                continue
            try:
                with np.load(os.path.join(self.folder, name)) as z:
                    part = ShardResult(int(z["start"]), z["ground_energy"], z["degeneracy"], z["structure"],
                                       float(z["seconds"]))
            except (OSError, ValueError, KeyError):
                continue  # unreadable (cannot happen with atomic renames, but never trust it): redo the shard
            if lengths.get(part.start) == part.start + len(part.ground_energy):
                done[part.start] = part
        return done

    def save(self, part) -> None:
        """Write one finished shard atomically."""
        path = os.path.join(self.folder, f"shard-{part.start:012d}.npz")
        fd, tmp = tempfile.mkstemp(prefix=".shard.", suffix=".tmp.npz", dir=self.folder)
        try:
            with os.fdopen(fd, "wb") as fh:
                np.savez(fh, start=part.start, ground_energy=part.ground_energy, degeneracy=part.degeneracy,
                         structure=part.structure, seconds=part.seconds)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.remove(tmp)
            raise

    def _write_atomic(self, path, data: bytes) -> None:
        tmp = path + ".tmp"
        with open(tmp, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)

    def remove(self) -> None:
        """Delete the checkpoint (after the final output was written)."""
        shutil.rmtree(self.folder, ignore_errors=True)
