"""Quenching many states to their local minima: in chunks on one thread, or speculatively on several.

Both give the same minima, in the same order, for every row: the speculative
driver runs blocks of rows at once against a frozen memo and keeps a row's result
only when it is provably the serial one (see :mod:`hpfold._kernels.quench`).
"""
from __future__ import annotations

import os
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from .._interrupt import deferred_interrupt
from .._kernels import quench as Q

__all__ = ["Quench", "quench_states"]


@dataclass
class Quench:
    """Minima of a quench: ``dirs`` (canonical strings), ``energy``, ``size`` (plateau states walked),
    ``complete``; per row ``minimum`` (index), ``steps`` and ``exact``; ``speculated`` and
    ``redone``: rows run speculatively and rows quenched again because their speculation failed."""

    dirs: np.ndarray
    energy: np.ndarray
    size: np.ndarray
    complete: np.ndarray
    minimum: np.ndarray
    steps: np.ndarray
    exact: np.ndarray
    speculated: int = 0
    redone: int = 0


class _Driver:
    """The memo and minima carried through a quench, with serial and speculative steps."""

    def __init__(self, states, args, layout, budget):
        self.states = states
        self.n_words = layout.n_words
        n = len(states)
        self.minimum = np.zeros(n, dtype=np.int64)
        self.steps = np.zeros(n, dtype=np.int64)
        self.exact = np.zeros(n, dtype=np.bool_)
        self.common = (*args, layout.candidates, layout.bits, layout.n_words, int(budget), self.minimum, self.steps,
                       self.exact)
        memo, shift, dirs, energy, size, complete = Q.quench_state(states.shape[1], self.n_words)
        self.memo = [memo, shift, 0]
        self.minima = [dirs, energy, size, complete]
        self.n_min = 0
        self.empty = Q.empty_table(self.n_words, 4)
        self.no_log = (np.zeros((1, self.n_words), np.uint64), np.zeros((1, self.n_words + 1), np.uint64),
                       np.zeros((1, 3), np.int64))
        self.speculated = self.redone = 0

    def serial(self, r0, r1):
        res = Q.quench_rows(self.states, r0, r1, *self.common, *self.memo, *self.minima, self.n_min, *self.empty,
                            False, *self.no_log)
        self.memo = list(res[:3])
        self.minima = list(res[3:7])
        self.n_min = int(res[7])

    def speculate(self, block):
        """Quench rows ``block`` against the frozen memo (run on a thread): the kernel's results and row ends."""
        r0, r1 = block
        memo, shift = Q.empty_table(self.n_words)
        ends = np.zeros((r1 - r0, 3), np.int64)
        res = Q.quench_rows(self.states, r0, r1, *self.common, memo, shift, 0, *(a.copy() for a in self.minima),
                            self.n_min, self.memo[0], self.memo[1], True,
                            np.zeros((256, self.n_words + 1), np.uint64), np.zeros((256, self.n_words + 1), np.uint64),
                            ends)
        return res, ends

    def merge(self, block, res, ends, n0):
        """Merge a speculated block row by row; rows whose lookups would now differ are quenched again."""
        r0, r1 = block
        out = Q.merge_block(self.states, r0, r1, *self.common, *self.memo, *self.minima, self.n_min, res[8], res[9],
                            ends, *res[3:7], n0)
        self.memo = list(out[:3])
        self.minima = list(out[3:7])
        self.n_min = int(out[7])
        self.speculated += r1 - r0
        self.redone += int(out[8])

    def result(self) -> Quench:
        d, e, s, c = (a[:self.n_min].copy() for a in self.minima)
        return Quench(d, e, s, c, self.minimum, self.steps, self.exact, self.speculated, self.redone)


def quench_states(states, types, matrix, vectors, group, mask, max_k, layout, plateau_budget, *, threads=1,
                  block=None, per_batch=4, progress=None) -> Quench:
    """Quench every row of ``states`` (int8 direction strings) to its local minimum.

    Parameters
    ----------
    states : int8 array [M, N-1]
        Distinct states (any order; the result depends on the order, not on ``threads``).
    types, matrix, vectors, group, mask, max_k, layout :
        The chain's types, contact matrix, lattice vectors and point group, move mask, neighbour
        buffer rows and :class:`~hpfold.landscape.states.KeyLayout`.
    plateau_budget : int
        States a plateau walk may store.
    threads : int
        Python threads quenching blocks of rows at once (1: serial chunks of 64 rows).
    block : int, optional
        Rows per speculative block (default: about M / (8 threads), between 2 and 16).
    per_batch : int
        Blocks per thread run at once against one frozen memo.
    progress : bool, optional
        tqdm bar on stderr (default: when stderr is a terminal; shown after 2 s).

    Returns
    -------
    Quench

    Examples
    --------
    >>> import numpy as np
    >>> from hpfold.lattice import get_lattice
    >>> from hpfold.landscape.states import KeyLayout, parse_moves
    >>> lat = get_lattice("square")
    >>> states = np.array([[0, 1, 1, 2], [0, 0, 0, 0]], np.int8)        # HPPHH, two walks
    >>> q = quench_states(states, np.array([0, 1, 1, 0, 0]), np.array([[-1, 0], [0, 0]]),
    ...                   lat.vectors.astype(np.int64), lat.group.astype(np.int64), parse_moves("pull"), 64,
    ...                   KeyLayout.of(lat, 4), 100)
    >>> q.energy.tolist(), q.minimum.tolist()
    ([-1, -1], [0, 1])

    Notes
    -----
    Gradient descent with the flooding's tie-break (see :func:`hpfold._kernels.quench.quench_rows`);
    speculation is optimistic concurrency over the memo (Kung & Robinson, ACM TODS 6, 213 (1981)):
    a row is kept when each of its lookups returns what it would have returned in the serial run.
    Cost: one neighbour generation per descent step and expanded plateau state, plus the rows redone
    and one lookup per logged read.
    """
    drv = _Driver(states, (types, matrix, vectors, group, mask, max_k), layout, plateau_budget)
    m = len(states)
    threads = max(1, int(threads))
    if block is None:
        block = max(2, min(16, m // (8 * threads) or 1))
    if progress is None:
        progress = sys.stderr.isatty()
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=m, unit="state", desc="quench", delay=2.0, file=sys.stderr, leave=False)
    pool = ThreadPoolExecutor(max_workers=threads) if threads > 1 else None
    step = 64 if pool is None else per_batch * threads * block
    try:
        with deferred_interrupt() as check_interrupt:
            for r0 in range(0, m, step):
                r1 = min(r0 + step, m)
                if pool is None or r1 - r0 <= block:
                    drv.serial(r0, r1)
                else:
                    blocks = [(b, min(b + block, r1)) for b in range(r0, r1, block)]
                    n0 = drv.n_min
                    done = list(pool.map(drv.speculate, blocks))
                    for blk, (res, ends) in zip(blocks, done):
                        drv.merge(blk, res, ends, n0)
                if bar is not None:
                    bar.update(r1 - r0)
                check_interrupt()
    finally:
        if bar is not None:
            bar.close()
        if pool is not None:
            pool.shutdown()
    return drv.result()


def default_threads() -> int:
    """Threads for quenching and saddle searches: numba's thread count, at most the cores."""
    import numba

    return max(1, min(numba.get_num_threads(), os.cpu_count() or 1))
