"""Single-step dynamics on a state graph (CSR of proposals): Metropolis and zero-temperature descent."""
import numpy as np
from numba import njit

from .rng import below as _below
from .rng import draw as _draw
from .rng import to_unit
from .flood import state_of


@njit(cache=True)
def graph_walk(indptr, indices, mult, n_slots, energies, starts, temperature, steps, seeds):
    """Walkers on a :class:`hpfold.spaces.StateGraph`: each step proposes a slot uniformly.

    Slot ``j < n_slots[s]`` of state ``s`` leads to ``indices[q]`` for the ``q`` whose cumulative
    multiplicity covers ``j``; the remaining slots are rejected moves.  Acceptance
    ``min(1, exp(-dE / T))``; ``T = 0`` accepts iff ``dE <= 0`` (stochastic descent, plateau
    moves allowed).  Walker r uses its own xoshiro256** state ``seeds[r]``.  Returns the final states.
    """
    out = np.empty(starts.shape[0], dtype=np.int64)
    for r in range(starts.shape[0]):
        st = seeds[r].copy()
        s = starts[r]
        for _ in range(steps):
            j = _below(st, n_slots[s])
            q = indptr[s]
            end = indptr[s + 1]
            while q < end and j >= mult[q]:
                j -= mult[q]
                q += 1
            if q == end:
                continue  # a rejected slot
            t = indices[q]
            de = energies[t] - energies[s]
            if de <= 0:
                s = t
            elif temperature > 0 and to_unit(_draw(st)) < np.exp(-de / temperature):
                s = t
        out[r] = s
    return out


@njit
def key_walk(neighbours, params, max_k, keys, rank, table, shift, energies, starts, temperature, steps, seeds):
    """:func:`graph_walk` on a key space: slot ``j`` of ``max_k`` is the j-th key ``neighbours`` writes."""
    out = np.empty(starts.shape[0], dtype=np.int64)
    buf = np.empty(max_k, dtype=np.uint64)
    for r in range(starts.shape[0]):
        st = seeds[r].copy()
        s = starts[r]
        for _ in range(steps):
            j = _below(st, max_k)
            k = neighbours(keys[s], params, buf)
            if j >= k:
                continue
            t = state_of(buf[j], rank, table, shift)
            if t < 0 or t == s:
                continue
            de = energies[t] - energies[s]
            if de <= 0:
                s = t
            elif temperature > 0 and to_unit(_draw(st)) < np.exp(-de / temperature):
                s = t
        out[r] = s
    return out
