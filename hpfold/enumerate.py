"""Exact enumeration of every conformation of an HP chain: density of states and ground states.

The work is split into *shards*, one per canonical prefix of the walk.  The
shard function (:func:`enumerate_shards`) and the merge function
(:func:`merge_counts`) are public so that any executor (threads, processes,
Dask) can map them; :func:`enumerate_conformations` runs them on local threads.
"""
from __future__ import annotations

import logging
import math
import sys
import time
from dataclasses import dataclass, field

import numba
import numpy as np

from ._data import saw_counts
from ._interrupt import deferred_interrupt
from ._kernels.enumeration import (collect_shards_parallel, collect_shards_serial, enumerate_shards_parallel,
                                  enumerate_shards_serial)
from .lattice import encode_directions, get_lattice
from .sequence import get_model, parse_sequence

__all__ = ["EnumerationPlan", "EnumerationResult", "ShardCounts", "plan_enumeration", "enumerate_shards",
           "merge_counts", "collect_conformations", "estimate_enumeration", "enumerate_conformations",
           "EnumerationTooLarge"]

log = logging.getLogger(__name__)

#: runs estimated to take longer than this many seconds are refused without ``force=True``
MAX_SECONDS = 600.0
#: counts beyond this would risk overflowing int64 accumulators
MAX_CONFORMATIONS = 4.0e18


class EnumerationTooLarge(ValueError):
    """Raised when an enumeration is estimated to be too long (or too large to count exactly)."""


@dataclass(eq=False)
class EnumerationPlan:
    """Everything the kernels need for one enumeration, as plain arrays (picklable).

    Build it with :func:`plan_enumeration`.  ``prefixes`` holds one canonical prefix per shard.
    """

    sequence: str
    lattice: str
    model_name: str
    n: int
    offsets: np.ndarray
    grid_template: np.ndarray = field(repr=False)
    center: int = 0
    reads: np.ndarray = field(repr=False, default=None)
    emits: np.ndarray = field(repr=False, default=None)
    emission: np.ndarray = field(repr=False, default=None)
    pred_correction: np.ndarray = field(repr=False, default=None)
    valid: np.ndarray = field(repr=False, default=None)
    nxt: np.ndarray = field(repr=False, default=None)
    order: int = 1
    e_offset: int = 0
    n_levels: int = 1
    prefixes: np.ndarray = field(repr=False, default=None)

    @property
    def n_shards(self) -> int:
        return len(self.prefixes)

    def kernel_args(self):
        stride = self.emission.shape[1]
        # a tuple (its length is compiled in) of uint64 (unsigned indices skip numba's wraparound check)
        grid_offsets = tuple(np.uint64(int(o) * stride % 2 ** 64) for o in self.offsets)
        channels = (0,) * self.emission.shape[1]
        return (self.n, grid_offsets, channels, self.grid_template, self.center, self.reads, self.emits, self.emission,
                self.pred_correction, self.valid, self.nxt, self.order, self.e_offset)


@dataclass
class ShardCounts:
    """Energy histograms of a range of shards: ``fast`` (trivial stabiliser, weight = group order),
    ``weighted`` (orbit-weighted, non-trivial stabiliser) and ``classes``; one row per shard."""

    start: int
    fast: np.ndarray
    weighted: np.ndarray
    classes: np.ndarray


@dataclass(eq=False)
class EnumerationResult:
    """Outcome of an exact enumeration.

    Counts are *unreduced* (monomer 0 at the origin, every orientation counted) unless
    named ``classes`` (symmetry classes under the lattice point group).
    """

    sequence: str
    lattice: str
    model: str
    energies: np.ndarray
    counts: np.ndarray
    class_counts: np.ndarray
    seconds: float = 0.0
    threads: int = 1
    ground_states: list | None = None
    conformations: np.ndarray | None = field(default=None, repr=False)
    conformation_energies: np.ndarray | None = field(default=None, repr=False)
    conformation_weights: np.ndarray | None = field(default=None, repr=False)
    compile_seconds: float = 0.0

    @property
    def n_conformations(self) -> int:
        return int(self.counts.sum())

    @property
    def n_classes(self) -> int:
        return int(self.class_counts.sum())

    @property
    def ground_energy(self) -> int:
        return int(self.energies[0])

    @property
    def ground_count(self) -> int:
        return int(self.counts[0])

    @property
    def ground_classes(self) -> int:
        return int(self.class_counts[0])

    def density_of_states(self) -> list:
        """``[[E, g(E)], ...]`` in ascending energy, unreduced counts."""
        return [[int(e), int(c)] for e, c in zip(self.energies, self.counts)]

    def to_dict(self) -> dict:
        """The JSON-ready summary used by ``hpfold enumerate --json``."""
        out = {
            "sequence": self.sequence,
            "lattice": self.lattice,
            "model": self.model,
            "n_monomers": len(self.sequence),
            "n_conformations": self.n_conformations,
            "n_classes": self.n_classes,
            "density_of_states": self.density_of_states(),
            "density_of_states_classes": [[int(e), int(c)] for e, c in zip(self.energies, self.class_counts)],
            "ground_energy": self.ground_energy,
            "ground_count": self.ground_count,
            "ground_classes": self.ground_classes,
            "seconds": round(self.seconds, 6),
            "conformations_per_second": (self.n_conformations / self.seconds) if self.seconds > 0 else None,
            "threads": self.threads,
        }
        if self.ground_states is not None:
            out["ground_states"] = list(self.ground_states)
        return out


def _symmetry_tables(lattice):
    """Stabiliser G0 of direction 0 and the tables ``valid[mask, d]`` / ``nxt[mask, d]``."""
    g0 = np.array([g for g in lattice.group if g[0] == 0], dtype=np.int64)  # identity first
    k = len(g0)
    nd = lattice.n_directions
    valid = np.zeros((1 << k, nd), dtype=np.bool_)
    nxt = np.zeros((1 << k, nd), dtype=np.int64)
    for mask in range(1 << k):
        members = [b for b in range(k) if mask >> b & 1]
        for d in range(nd):
            valid[mask, d] = all(g0[b, d] >= d for b in members)
            nxt[mask, d] = sum(1 << b for b in members if g0[b, d] == d)
    return g0, valid, nxt


def _energy_channels(types, matrix, n):
    """Channels = monomer types with any non-zero contact energy; see the kernel module docstring."""
    active = [a for a in range(matrix.shape[0]) if np.any(matrix[a] != 0)]
    nch = max(len(active), 1)
    channel_of = {a: c for c, a in enumerate(active)}
    reads = np.array([channel_of.get(int(t), -1) for t in types], dtype=np.int64)
    emission = np.zeros((n, nch), dtype=np.int32)
    for k, t in enumerate(types):
        for c, a in enumerate(active):
            emission[k, c] = matrix[a, t]
    if n >= 2:
        emission[n - 2] = 0  # monomer N-2 never needs to emit
    emits = np.any(emission != 0, axis=1)
    pred = np.zeros(n, dtype=np.int64)
    for k in range(1, n):
        if reads[k] >= 0:
            pred[k] = emission[k - 1, reads[k]]
    return reads, emits, emission, pred


def _canonical_prefixes(lattice, valid, nxt, depth):
    """All canonical self-avoiding prefixes with ``depth`` steps, in lexicographic order."""
    vecs = [tuple(v) for v in lattice.vectors]
    full = valid.shape[0] - 1
    level = [((), full, ((0,) * lattice.dim,))]
    for k in range(1, depth + 1):
        nxt_level = []
        for dirs, mask, sites in level:
            for d in range(lattice.n_directions):
                if k == 1:
                    if d != 0:
                        continue
                    nm = mask
                else:
                    if not valid[mask, d]:
                        continue
                    nm = int(nxt[mask, d])
                site = tuple(a + b for a, b in zip(sites[-1], vecs[d]))
                if site in sites:
                    continue
                nxt_level.append((dirs + (d,), nm, sites + (site,)))
        level = nxt_level
    return np.array([dirs for dirs, _, _ in level], dtype=np.int8).reshape(len(level), depth)


def plan_enumeration(sequence, lattice="square", model="HP", target_shards=None) -> EnumerationPlan:
    """Prepare an enumeration: validate the input and split it into prefix shards.

    Parameters
    ----------
    sequence : str
        The chain, e.g. ``"HPPH"`` (at least two monomers).
    lattice : str, default "square"
    model : str or EnergyModel, default "HP"
    target_shards : int, optional
        Aim for at least this many shards (default: 64 per thread, at least 256).

    Raises
    ------
    ValueError
        On a bad sequence, a chain of fewer than two monomers or an unknown lattice.

    Examples
    --------
    >>> plan = plan_enumeration("HPPHPH", "square")
    >>> plan.n_shards >= 1
    True
    """
    lat = get_lattice(lattice)
    mdl = get_model(model)
    seq = parse_sequence(sequence, mdl.alphabet)
    n = len(seq)
    if n < 2:
        raise ValueError("enumeration needs a chain of at least 2 monomers")
    types = mdl.encode(seq)
    width = 2 * n + 3
    strides = [width ** a for a in range(lat.dim)]
    offsets = np.array([int(np.dot(v, strides)) for v in lat.vectors], dtype=np.int64)
    center = sum((n + 1) * s for s in strides)
    reads, emits, emission, pred = _energy_channels(types, mdl.matrix, n)
    field_bound = int(np.abs(emission).max(initial=0)) * lat.n_directions
    grid_dtype = np.int8 if 2 * field_bound + 1 <= 127 else np.int32  # a cell holds 2 * field + occupied
    grid_template = np.zeros(width ** lat.dim * emission.shape[1], dtype=grid_dtype)
    g0, valid, nxt = _symmetry_tables(lat)
    bound = int(np.abs(mdl.matrix).max()) * (n * lat.n_directions // 2 + 1)
    if target_shards is None:
        target_shards = max(256, 64 * numba.get_num_threads())
    depth, prefixes = 0, _canonical_prefixes(lat, valid, nxt, 0)
    while len(prefixes) < target_shards and depth < n - 2:
        depth += 1
        prefixes = _canonical_prefixes(lat, valid, nxt, depth)
    return EnumerationPlan(seq, lat.name, mdl.name, n, offsets, grid_template, center, reads, emits, emission, pred,
                           valid, nxt, lat.order, bound, 2 * bound + 1, prefixes)


def enumerate_shards(plan: EnumerationPlan, start: int = 0, stop: int | None = None) -> ShardCounts:
    """Count shards ``start:stop`` of a plan (threads via numba ``prange``). Exact, thread-count independent."""
    stop = plan.n_shards if stop is None else stop
    kernel = enumerate_shards_parallel if _use_threads() else enumerate_shards_serial
    fast, weighted, classes = kernel(plan.prefixes[start:stop], *plan.kernel_args(), plan.n_levels)
    return ShardCounts(start, fast, weighted, classes)


def merge_counts(plan: EnumerationPlan, parts, seconds=0.0, threads=1) -> EnumerationResult:
    """Merge shard counts (from any executor, any order) into an :class:`EnumerationResult`."""
    fast = np.zeros(plan.n_levels, dtype=np.int64)
    weighted = np.zeros(plan.n_levels, dtype=np.int64)
    classes = np.zeros(plan.n_levels, dtype=np.int64)
    seen = 0
    for part in sorted(parts, key=lambda p: p.start):
        fast += part.fast.sum(axis=0)
        weighted += part.weighted.sum(axis=0)
        classes += part.classes.sum(axis=0)
        seen += len(part.fast)
    if seen != plan.n_shards:
        raise ValueError(f"merge: got {seen} of {plan.n_shards} shards")
    total = fast * plan.order + weighted
    total_classes = fast + classes
    levels = np.nonzero(total)[0]
    return EnumerationResult(plan.sequence, plan.lattice, plan.model_name, levels - plan.e_offset,
                             total[levels], total_classes[levels], seconds, threads)


def collect_conformations(plan: EnumerationPlan, parts, cutoff: int):
    """All canonical conformations with energy <= ``cutoff``: (directions int8 [M, N-1], energies, orbit sizes).

    ``parts`` are the counts of every shard (from :func:`enumerate_shards`); they size the output exactly.
    """
    per_shard = np.zeros(plan.n_shards, dtype=np.int64)
    upto = cutoff + plan.e_offset + 1
    for part in parts:
        rows = slice(part.start, part.start + len(part.fast))
        per_shard[rows] = part.fast[:, :max(upto, 0)].sum(axis=1) + part.classes[:, :max(upto, 0)].sum(axis=1)
    starts = np.zeros(plan.n_shards + 1, dtype=np.int64)
    np.cumsum(per_shard, out=starts[1:])
    total = int(starts[-1])
    dirs = np.zeros((total, plan.n - 1), dtype=np.int8)
    energies = np.zeros(total, dtype=np.int64)
    weights = np.zeros(total, dtype=np.int64)
    kernel = collect_shards_parallel if _use_threads() else collect_shards_serial
    kernel(plan.prefixes, starts, *plan.kernel_args(), plan.n_levels, int(cutoff),
                            dirs, energies, weights)
    return dirs, energies, weights


def _use_threads() -> bool:
    """The parallel kernels are compiled on first use (not cached); use them only with >1 thread."""
    return numba.get_num_threads() > 1


def _estimated_count(lattice: str, n_steps: int) -> float:
    table = saw_counts(lattice)
    if n_steps in table:
        return float(table[n_steps])
    top = max(table)
    mu = get_lattice(lattice).connective_constant
    return table[top] * mu ** (n_steps - top)


_RATE_CACHE: dict = {}


def _measured_rate(plan: EnumerationPlan) -> float:
    """Unreduced conformations per second on one thread, measured on a ~50 ms run on the same lattice.

    The calibration chain is all-P (HP chains enumerate at a similar rate); the fastest of three
    timed runs after a warm-up is used, so one-off start-up costs do not inflate the estimate.
    """
    key = plan.lattice
    if key not in _RATE_CACHE:
        sizes = {"square": 18, "cubic": 12, "triangular": 12, "fcc": 8}
        small = plan_enumeration("P" * sizes[plan.lattice], plan.lattice, target_shards=16)
        old = numba.get_num_threads()
        numba.set_num_threads(1)
        try:
            enumerate_shards(small)  # compile or load from the cache
            best = float("inf")
            for _ in range(3):
                t0 = time.perf_counter()
                res = merge_counts(small, [enumerate_shards(small)])
                best = min(best, time.perf_counter() - t0)
        finally:
            numba.set_num_threads(old)
        _RATE_CACHE[key] = res.n_conformations / max(best, 1e-6)
    return _RATE_CACHE[key]


def estimate_enumeration(plan: EnumerationPlan, threads: int = 1) -> tuple:
    """(estimated conformations, estimated seconds) for a plan; seconds from a measured rate.

    Small runs (under ~5e8 conformations) are not timed and get an estimate of 0 s.
    """
    count = _estimated_count(plan.lattice, plan.n - 1)
    if count < 5e8:
        return count, 0.0
    rate = _measured_rate(plan) * max(1, threads) * 0.9
    return count, count / rate


def enumerate_conformations(sequence, lattice="square", model="HP", *, ground_states=False,
                            energy_cutoff=None, threads=None, force=False, progress=None,
                            plan: EnumerationPlan | None = None) -> EnumerationResult:
    """Enumerate every conformation of a chain exactly.

    Parameters
    ----------
    sequence : str
        HP sequence (case-insensitive, whitespace ignored), at least two monomers.
    lattice : {"square", "cubic", "triangular", "fcc"}
    model : str or EnergyModel
        Contact energies; ``"HP"`` (E = -#HH contacts) by default.
    ground_states : bool
        Also list the canonical ground-state conformations (a second pass).
    energy_cutoff : int, optional
        Also return every canonical conformation with E <= cutoff (``conformations``,
        ``conformation_energies``, ``conformation_weights``); use a large value for all.
    threads : int, optional
        numba threads (default: numba's current setting). Results do not depend on it.
    force : bool
        Run even when the estimated time exceeds 10 minutes.
    progress : bool, optional
        Show a tqdm bar on stderr; default: only when stderr is a terminal (appears after 2 s).

    Returns
    -------
    EnumerationResult

    Raises
    ------
    EnumerationTooLarge
        When the estimated time exceeds 10 minutes without ``force``, or counts could overflow.

    Examples
    --------
    >>> r = enumerate_conformations("HPPHPPH", "square")
    >>> r.n_conformations, r.ground_energy
    (780, -2)

    Notes
    -----
    Depth-first growth with an occupancy grid and incrementally updated contact
    field; symmetry reduced by keeping only the lexicographically smallest
    direction string of each point-group orbit and weighting it by the orbit
    size (the scheme of e.g. Irbäck & Troein, J. Stat. Phys. 2002). Cost:
    O(c_{N-1} / |G|) leaves, c_n ~ mu^n.
    """
    plan = plan or plan_enumeration(sequence, lattice, model)
    old_threads = numba.get_num_threads()
    requested = threads
    threads = old_threads if threads is None else int(threads)
    if not 1 <= threads <= numba.config.NUMBA_NUM_THREADS:
        raise ValueError(f"threads must be between 1 and {numba.config.NUMBA_NUM_THREADS}")
    count, seconds = estimate_enumeration(plan, threads)
    if count > MAX_CONFORMATIONS:
        raise EnumerationTooLarge(f"{plan.sequence[:20]}... ({plan.n} monomers) on {plan.lattice}: about "
                                  f"{count:.2g} conformations, too many to count exactly in int64")
    if seconds > MAX_SECONDS and not force:
        raise EnumerationTooLarge(
            f"enumerating {plan.n} monomers on {plan.lattice} is estimated at {count:.3g} conformations and "
            f"{_human(seconds)} on {threads} thread(s); use --force (force=True) to run it anyway")
    if requested is None and count < 5e9:
        threads = 1  # a few seconds serially: not worth compiling the (uncached) parallel kernel
    _report_estimate(plan, count, seconds, threads)
    numba.set_num_threads(threads)
    try:
        compile_seconds = _warm_kernels(plan)
        t0 = time.perf_counter()
        parts = _run_batches(plan, progress, seconds)
        result = merge_counts(plan, parts, time.perf_counter() - t0, threads)
        result.compile_seconds = compile_seconds
        if ground_states or energy_cutoff is not None:
            cutoff = result.ground_energy if energy_cutoff is None else max(int(energy_cutoff), result.ground_energy)
            dirs, energies, weights = collect_conformations(plan, parts, cutoff)
            if ground_states:
                ground = dirs[energies == result.ground_energy]
                result.ground_states = sorted(encode_directions(row) for row in ground)
            if energy_cutoff is not None:
                result.conformations, result.conformation_energies = dirs, energies
                result.conformation_weights = weights
    finally:
        numba.set_num_threads(old_threads)
    log.info("enumerated %s on %s: %d conformations in %.3f s", plan.sequence, plan.lattice,
             result.n_conformations, result.seconds)
    return result


def _report_estimate(plan, count, seconds, threads) -> None:
    """Log the estimate (shown with ``hpfold -v``); warn when a run accepted will take over a minute."""
    when = f"about {_human(seconds)}" if seconds else "under a few seconds (not timed)"
    text = (f"estimate: {plan.n} monomers on {plan.lattice}, {count:.3g} conformations, {when} "
            f"on {threads} thread(s)")
    if 60 < seconds <= MAX_SECONDS:
        log.warning("%s (refused above %s)", text, _human(MAX_SECONDS))
    else:
        log.info("%s", text)


def _warm_kernels(plan) -> float:
    """Compile (or load from cache) the kernels this plan will use; return the seconds it took."""
    t0 = time.perf_counter()
    empty = ShardCounts(0, np.zeros((0, plan.n_levels), np.int64), np.zeros((0, plan.n_levels), np.int64),
                        np.zeros((0, plan.n_levels), np.int64))
    tiny = EnumerationPlan(**{**plan.__dict__, "prefixes": plan.prefixes[:0]})
    enumerate_shards(tiny)
    collect_conformations(tiny, [empty], 0)
    return time.perf_counter() - t0


def _run_batches(plan, progress, expected_seconds):
    """Run the shards in batches of about half a second so that progress shows and Ctrl-C is prompt."""
    if progress is None:
        progress = sys.stderr.isatty()
    bar = None
    if progress:
        from tqdm import tqdm
        bar = tqdm(total=plan.n_shards, unit="shard", desc=f"enumerate N={plan.n}", delay=2.0,
                   file=sys.stderr, leave=False)
    parts = []
    start, batch = 0, max(2 * numba.get_num_threads(), 1)
    try:
        with deferred_interrupt() as check_interrupt:
            while start < plan.n_shards:
                check_interrupt()
                stop = min(plan.n_shards, start + batch)
                t0 = time.perf_counter()
                parts.append(enumerate_shards(plan, start, stop))
                elapsed = time.perf_counter() - t0
                if bar is not None:
                    bar.update(stop - start)
                start = stop
                if elapsed < 0.25:
                    batch *= 2
                elif elapsed > 1.0 and batch > 1:
                    batch = max(1, batch // 2)
            check_interrupt()
    finally:
        if bar is not None:
            bar.close()
    return parts


def _human(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    if seconds < 2 * 86400:
        return f"{seconds / 3600:.1f} h"
    years = seconds / 3.15e7
    return f"{seconds / 86400:.0f} days" if years < 1 else f"{years:.3g} years"
