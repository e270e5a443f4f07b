"""Single-step dynamics on a state graph (CSR of proposals): Metropolis and zero-temperature descent."""
import numpy as np
from numba import njit

from .rng import below as _below
from .rng import draw as _draw
from .rng import to_unit


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
