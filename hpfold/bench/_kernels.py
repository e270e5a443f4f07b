"""numba kernel of the ``random`` baseline: independent random self-avoiding walks, grown site by site.

Arrays in, arrays out, the random generator passed in; no I/O.
"""
import numpy as np
from numba import njit


@njit(cache=True)
def random_walk_search(n_walks, types, matrix, offsets, n_sites, center, rng, target, best_energy, best_dirs):
    """Grow up to ``n_walks`` complete walks; keep the lowest-energy one in ``best_dirs``.

    Each step picks uniformly among the free neighbours of the chain end (one
    ``rng.random()`` draw per step); a walk that traps itself is discarded and a new
    one started (Rosenbluth-style growth without weights: the walks are not uniform,
    which does not matter for a search baseline).  Stops early when a walk reaches
    ``target``.

    Returns
    -------
    (best_energy, completed, attempts)
        The best energy (``best_energy`` unchanged if nothing beat it), the number of
        complete walks scored (energy evaluations) and of walks started.
    """
    n = types.shape[0]
    nd = offsets.shape[0]
    occ = np.zeros(n_sites, dtype=np.int64)  # monomer index + 1, or 0
    pos = np.empty(n, dtype=np.int64)
    dirs = np.empty(max(n - 1, 1), dtype=np.int8)
    free = np.empty(nd, dtype=np.int64)
    completed = 0
    attempts = 0
    while completed < n_walks:
        attempts += 1
        pos[0] = center
        occ[center] = 1
        placed = 1
        energy = 0
        while placed < n:
            here = pos[placed - 1]
            m = 0
            for d in range(nd):
                if occ[here + offsets[d]] == 0:
                    free[m] = d
                    m += 1
            if m == 0:
                break
            k = int(rng.random() * m)
            if k >= m:
                k = m - 1
            d = free[k]
            site = here + offsets[d]
            ti = types[placed]
            for e in range(nd):
                j = occ[site + offsets[e]] - 1
                if j >= 0 and j != placed - 1:
                    energy += matrix[ti, types[j]]
            pos[placed] = site
            occ[site] = placed + 1
            dirs[placed - 1] = d
            placed += 1
        for i in range(placed):
            occ[pos[i]] = 0
        if placed < n:
            continue
        completed += 1
        if energy < best_energy:
            best_energy = energy
            for i in range(n - 1):
                best_dirs[i] = dirs[i]
            if energy <= target:
                break
    return best_energy, completed, attempts


def grid_layout(n, vectors):
    """(offsets, n_sites, center) of a flat grid that holds any walk of ``n`` monomers from its centre."""
    vectors = np.asarray(vectors, dtype=np.int64)
    dim = vectors.shape[1]
    width = 2 * n + 3
    strides = np.array([width ** a for a in range(dim)], dtype=np.int64)
    offsets = np.ascontiguousarray(vectors @ strides, dtype=np.int64)
    center = int((n + 1) * strides.sum())
    return offsets, width ** dim, center
