"""Balls in the move graph: how many states within d moves of a state lie below an energy threshold."""
import numpy as np
from numba import njit

from .flood import state_of


@njit
def key_ball_counts(neighbours, params, max_k, keys, rank, table, shift, energies, starts, thresholds, radius):
    """For each start state: states within ``radius`` moves (breadth-first through ``neighbours``) whose
    energy is ``<= thresholds[r]``, and all states within ``radius`` (int64 [R, 2]).

    The walk goes through every state of the ball whatever its energy (the ball is a Hamming
    ball for single-flip moves); O(R |ball| k) for k moves per state.
    """
    n = keys.shape[0]
    stamp = np.zeros(n, dtype=np.int64)
    queue = np.empty(1024, dtype=np.int64)
    depth = np.empty(1024, dtype=np.int64)
    buf = np.empty(max_k, dtype=np.uint64)
    out = np.zeros((starts.shape[0], 2), dtype=np.int64)
    for r in range(starts.shape[0]):
        mark = r + 1
        head = 0
        tail = 1
        queue[0] = starts[r]
        depth[0] = 0
        stamp[starts[r]] = mark
        low = 0
        while head < tail:
            s = queue[head]
            dd = depth[head]
            head += 1
            if energies[s] <= thresholds[r]:
                low += 1
            if dd == radius:
                continue
            k = neighbours(keys[s], params, buf)
            for j in range(k):
                t = state_of(buf[j], rank, table, shift)
                if t >= 0 and stamp[t] != mark:
                    stamp[t] = mark
                    if tail == queue.shape[0]:
                        grown = np.empty(2 * tail, dtype=np.int64)
                        grown[:tail] = queue
                        queue = grown
                        grown = np.empty(2 * tail, dtype=np.int64)
                        grown[:tail] = depth
                        depth = grown
                    queue[tail] = t
                    depth[tail] = dd + 1
                    tail += 1
        out[r, 0] = low
        out[r, 1] = tail
    return out


@njit(cache=True)
def csr_ball_counts(indptr, indices, energies, starts, thresholds, radius):
    """:func:`key_ball_counts` over an explicit neighbour list (CSR)."""
    n = indptr.shape[0] - 1
    stamp = np.zeros(n, dtype=np.int64)
    queue = np.empty(n, dtype=np.int64)
    depth = np.empty(n, dtype=np.int64)
    out = np.zeros((starts.shape[0], 2), dtype=np.int64)
    for r in range(starts.shape[0]):
        mark = r + 1
        head = 0
        tail = 1
        queue[0] = starts[r]
        depth[0] = 0
        stamp[starts[r]] = mark
        low = 0
        while head < tail:
            s = queue[head]
            dd = depth[head]
            head += 1
            if energies[s] <= thresholds[r]:
                low += 1
            if dd == radius:
                continue
            for q in range(indptr[s], indptr[s + 1]):
                t = indices[q]
                if stamp[t] != mark:
                    stamp[t] = mark
                    queue[tail] = t
                    depth[tail] = dd + 1
                    tail += 1
        out[r, 0] = low
        out[r, 1] = tail
    return out
