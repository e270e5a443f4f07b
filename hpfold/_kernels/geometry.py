"""Geometry kernels: positions from directions, self-avoidance, contact energies."""
import numpy as np
from numba import njit


@njit(cache=True)
def positions_from_directions(directions, vectors):
    """Integer positions (N, dim) of a walk from the origin along ``directions``."""
    n = directions.shape[0] + 1
    dim = vectors.shape[1]
    pos = np.zeros((n, dim), dtype=np.int64)
    for i in range(1, n):
        for a in range(dim):
            pos[i, a] = pos[i - 1, a] + vectors[directions[i - 1], a]
    return pos


@njit(cache=True)
def first_collision(pos):
    """Return (i, j) of the first pair of monomers on one site, or (-1, -1)."""
    n = pos.shape[0]
    dim = pos.shape[1]
    for j in range(n):
        for i in range(j):
            same = True
            for a in range(dim):
                if pos[i, a] != pos[j, a]:
                    same = False
                    break
            if same:
                return i, j
    return -1, -1


@njit(cache=True)
def _is_neighbour(pos, i, j, vectors):
    dim = pos.shape[1]
    for d in range(vectors.shape[0]):
        hit = True
        for a in range(dim):
            if pos[j, a] - pos[i, a] != vectors[d, a]:
                hit = False
                break
        if hit:
            return True
    return False


@njit(cache=True)
def contact_pairs(pos, vectors):
    """All topological contacts (i, j), i < j - 1, as an (m, 2) int64 array."""
    n = pos.shape[0]
    buf = np.empty((max(n * vectors.shape[0], 1), 2), dtype=np.int64)
    m = 0
    for i in range(n):
        for j in range(i + 2, n):
            if _is_neighbour(pos, i, j, vectors):
                buf[m, 0] = i
                buf[m, 1] = j
                m += 1
    return buf[:m].copy()


@njit(cache=True)
def contact_energy(pos, types, matrix, vectors):
    """Sum of ``matrix[types[i], types[j]]`` over topological contacts (integer)."""
    n = pos.shape[0]
    e = 0
    for i in range(n):
        for j in range(i + 2, n):
            w = matrix[types[i], types[j]]
            if w != 0 and _is_neighbour(pos, i, j, vectors):
                e += w
    return e
