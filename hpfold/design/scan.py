"""The exhaustive scan of sequence space: every HP sequence of length N against one structure table.

A sequence is an integer ``code`` whose bit ``i`` is set when monomer ``i`` is H (so ``code`` 1 is
``HPP...P``).  A sequence and its reverse are different codes and are counted separately.  The
codes are cut into fixed shards (their number depends only on N), so a scan gives the same arrays
on one process, on local processes or on a Dask cluster, and a checkpointed scan resumes after a
kill by keeping the shards already written.
"""
from __future__ import annotations

import logging
import math
import sys
import time
from dataclasses import dataclass, field

import numpy as np

from .._kernels.design import scan_sequences
from ..enumerate import _human
from .structures import StructureTable, structure_table

__all__ = ["ShardResult", "scan_shard", "shard_bounds", "scan_sequence_space", "estimate_scan", "decode_sequence",
           "encode_sequence", "ScanTooLarge", "MAX_SCAN_SECONDS", "MAX_MONOMERS"]

log = logging.getLogger(__name__)

#: scans estimated to take longer than this (on the workers given) are refused without ``force``
MAX_SCAN_SECONDS = 600.0
#: 2^N codes are indexed with int64 and held in memory: N above this is refused outright
MAX_MONOMERS = 34


class ScanTooLarge(ValueError):
    """A scan estimated to take too long or to need more memory than is available."""


def encode_sequence(sequence: str) -> int:
    """The code of an HP sequence (bit ``i`` set when monomer ``i`` is H).

    Examples
    --------
    >>> encode_sequence("HPPH")
    9
    """
    text = sequence.strip().upper()
    if set(text) - {"H", "P"}:
        raise ValueError(f"sequence {sequence!r}: only H and P are allowed")
    return sum(1 << i for i, c in enumerate(text) if c == "H")


def decode_sequence(code: int, n: int) -> str:
    """The HP sequence of ``code`` for ``n`` monomers.

    Examples
    --------
    >>> decode_sequence(9, 4)
    'HPPH'
    """
    return "".join("H" if (int(code) >> i) & 1 else "P" for i in range(int(n)))


@dataclass
class ShardResult:
    """Scan of the codes ``start:start+len``: ground energy, degeneracy (classes), unique ground map or -1."""

    start: int
    ground_energy: np.ndarray = field(repr=False)
    degeneracy: np.ndarray = field(repr=False)
    structure: np.ndarray = field(repr=False)
    seconds: float = 0.0


def shard_bounds(n: int) -> list:
    """The fixed shards of the 2^n codes: ``[(start, stop), ...]``, at most 4096 codes each, at most 64 for n <= 18."""
    total = 1 << int(n)
    size = 1 << min(max(int(n) - 6, 0), 12)
    return [(a, min(a + size, total)) for a in range(0, total, size)]


def scan_shard(table: StructureTable, bounds) -> ShardResult:
    """Score the codes ``bounds = (start, stop)`` against every map of ``table`` (one thread)."""
    start, stop = (int(b) for b in bounds)
    energy = np.zeros(stop - start, dtype=np.int64)
    degeneracy = np.zeros(stop - start, dtype=np.int64)
    structure = np.zeros(stop - start, dtype=np.int64)
    t0 = time.perf_counter()
    scan_sequences(start, stop, table.pair_i, table.pair_j, table.maps, table.sizes, table.multiplicity,
                   energy, degeneracy, structure)
    return ShardResult(start, energy.astype(np.int16), degeneracy, structure.astype(np.int32),
                       time.perf_counter() - t0)


def estimate_scan(table: StructureTable, workers: int = 1, blocks: int = 32, block: int = 8, seed: int = 0) -> float:
    """Seconds the scan of all 2^N codes is estimated to take on ``workers`` processes.

    The kernel is timed on ``blocks`` runs of ``block`` consecutive codes starting at uniformly drawn
    codes (the cost of a code depends on its ground energy, hence on its composition), and the mean
    time per code is extrapolated.
    """
    total = 1 << table.n
    block = min(block, total)
    starts = np.random.default_rng(seed).integers(0, total - block + 1, size=min(blocks, total // block))
    scan_shard(table, (0, 1))  # compile or load the kernel
    t0 = time.perf_counter()
    for c in starts:
        scan_shard(table, (c, c + block))
    per_code = (time.perf_counter() - t0) / (len(starts) * block)
    return per_code * total / max(1, int(workers))


def scan_sequence_space(table: StructureTable, *, workers=None, scheduler=None, checkpoint=None, progress=None,
                        force=False):
    """Scan every code of length ``table.n``; see :func:`hpfold.design.designability`.

    Returns ``(ground_energy, degeneracy, structure, seconds, workers_used)`` over all 2^N codes.
    """
    from ..parallel import get_executor

    bounds = shard_bounds(table.n)
    done = {} if checkpoint is None else checkpoint.load(table, bounds)
    todo = [b for b in bounds if b[0] not in done]
    t0 = time.perf_counter()
    with get_executor(workers, scheduler) as ex:
        seconds = estimate_scan(table, ex.n_workers) * len(todo) / len(bounds)
        log.info("scan of 2^%d codes on %s: %d shard(s) to do, estimated %.1f s", table.n, ex.description,
                 len(todo), seconds)
        if seconds > MAX_SCAN_SECONDS and not force:
            raise ScanTooLarge(f"scanning all 2^{table.n} sequences against {table.n_maps:,} contact maps is "
                               f"estimated at {_human(seconds)} on {ex.n_workers} worker(s); use --force "
                               "(force=True) to run it anyway, or more --workers / a --scheduler")
        if checkpoint is not None:
            checkpoint.start(table, bounds)
        _run_shards(ex, table, todo, done, checkpoint, progress)
        used = ex.n_workers
    arrays = [done[b[0]] for b in bounds]
    return (np.concatenate([a.ground_energy for a in arrays]), np.concatenate([a.degeneracy for a in arrays]),
            np.concatenate([a.structure for a in arrays]), time.perf_counter() - t0, used)


def _run_shards(ex, table, todo, done, checkpoint, progress):
    from .._interrupt import deferred_interrupt

    if progress is None:
        progress = sys.stderr.isatty()
    bar = None
    if progress and todo:
        from tqdm import tqdm
        bar = tqdm(total=len(todo), unit="shard", desc=f"scan 2^{table.n}", delay=2.0, file=sys.stderr, leave=False)
    ref = ex.broadcast(table)
    try:
        with deferred_interrupt() as check_interrupt:
            for _, part in ex.map_unordered(scan_shard, todo, shared=(ref,)):
                done[part.start] = part
                if checkpoint is not None:
                    checkpoint.save(part)
                if bar is not None:
                    bar.update(1)
                check_interrupt()
    finally:
        if bar is not None:
            bar.close()


def table_cost(n: int, lattice: str) -> dict:
    """Estimated conformation classes and peak bytes of building the structure table of ``n`` monomers."""
    from ..enumerate import _estimated_count
    from ..lattice import get_lattice
    from .structures import contact_pairs

    lat = get_lattice(lattice)
    classes = _estimated_count(lat.name, int(n) - 1) / lat.order
    words = max(1, math.ceil(len(contact_pairs(int(n), lat)[0]) / 64))
    # directions, one map per class, and np.unique's sort copies and index arrays
    per_class = (int(n) - 1) + 8 * words * 3 + 3 * 8
    return {"classes": classes, "bytes": classes * per_class, "words": words}


def check_table_cost(n: int, lattice: str, *, force=False) -> dict:
    """Refuse (ScanTooLarge, one line) a structure table that would not fit in the available memory."""
    from .._resources import available_memory

    if int(n) > MAX_MONOMERS:
        raise ScanTooLarge(f"a scan of all 2^{n} sequences is beyond this tool (at most {MAX_MONOMERS} monomers)")
    cost = table_cost(n, lattice)
    avail = available_memory()
    if cost["bytes"] > 0.8 * avail and not force:
        raise ScanTooLarge(f"the structure table of {n} monomers on {lattice} has about {cost['classes']:.3g} "
                           f"conformation classes needing ~{cost['bytes'] / 2**30:.1f} GiB, over 80% of the "
                           f"{avail / 2**30:.1f} GiB available; use --force (force=True) to try anyway")
    return cost


def build_table(n: int, lattice: str, *, force=False, progress=None) -> StructureTable:
    """The structure table of ``n`` monomers, after the memory check (see :func:`structure_table`)."""
    check_table_cost(n, lattice, force=force)
    return structure_table(n, lattice, force=force, progress=progress)
