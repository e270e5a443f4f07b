"""Every proposal result of every state, in one pass (for exact master equations)."""
import numpy as np
from numba import njit

from .moves import neighbours_with, neighbour_workspace


@njit(cache=True)
def all_proposal_results(dirs, vectors, group, move_mask, max_rows):
    """Rows ``out[a:b]`` hold the result of every valid slot of state ``i`` (duplicates kept),
    with ``starts[i] = a``, ``starts[i + 1] = b``."""
    n_states = dirs.shape[0]
    n = dirs.shape[1] + 1
    ws = neighbour_workspace(n, vectors, group, max_rows)
    buf = np.zeros((max_rows, n - 1), dtype=np.int8)
    out = np.zeros((n_states * max_rows, n - 1), dtype=np.int8)
    starts = np.zeros(n_states + 1, dtype=np.int64)
    m = 0
    for i in range(n_states):
        k = neighbours_with(dirs[i], vectors, ws, move_mask, buf, False)
        for r in range(k):
            out[m + r] = buf[r]
        m += k
        starts[i + 1] = m
    return out[:m].copy(), starts
