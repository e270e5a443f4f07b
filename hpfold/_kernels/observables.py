"""Observables over many conformations at once (native contacts, contact counts)."""
import numpy as np
from numba import njit


@njit(cache=True)
def native_contacts_present(dirs, vectors, native_pairs):
    """For each conformation (rows of ``dirs``, int8 [M, N-1]) count how many of the pairs in
    ``native_pairs`` (int64 [m, 2]) are lattice neighbours. Returns int64 [M]."""
    m_conf = dirs.shape[0]
    n = dirs.shape[1] + 1
    dim = vectors.shape[1]
    nd = vectors.shape[0]
    out = np.zeros(m_conf, dtype=np.int64)
    pos = np.zeros((n, dim), dtype=np.int64)
    for c in range(m_conf):
        for i in range(1, n):
            for a in range(dim):
                pos[i, a] = pos[i - 1, a] + vectors[dirs[c, i - 1], a]
        count = 0
        for p in range(native_pairs.shape[0]):
            i = native_pairs[p, 0]
            j = native_pairs[p, 1]
            for d in range(nd):
                hit = True
                for a in range(dim):
                    if pos[j, a] - pos[i, a] != vectors[d, a]:
                        hit = False
                        break
                if hit:
                    count += 1
                    break
        out[c] = count
    return out
