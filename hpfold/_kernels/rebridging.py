"""Bond-rebridging moves (Deutsch 1997) as slot proposals on the occupancy grid of ``moves.py``.

A rebridging move changes which sites are bonded, not which sites are
occupied: the chain is re-threaded through the same set of sites, so every
monomer from some index on takes the site of another one, and the contact
energy of a heteropolymer changes with the new order of the types.

Slots (``nd`` directions, N monomers), ``2 nd + (N - 2) nd`` in total:

``end``       slot ``(end, d)``, ``2 nd`` of them.  Let ``j`` be the monomer on the site
              one step along ``d`` from the chain end.  Last end: if ``j < N - 2``, bond
              ``(N-1, j)`` replaces ``(j, j+1)``; the walk becomes ``0..j, N-1, N-2, .., j+1``.
              First end: if ``j > 1``, bond ``(0, j)`` replaces ``(j-1, j)``; the walk becomes
              ``j-1, j-2, .., 0, j, .., N-1``.
``interior``  slot ``(i, d)``, ``i = 0 .. N-3``.  Let ``j`` be the monomer one step along
              ``d`` from monomer ``i``.  If ``i + 1 < j < N - 1`` and the sites of ``i + 1``
              and ``j + 1`` are neighbours, bonds ``(i, j)`` and ``(i+1, j+1)`` replace
              ``(i, i+1)`` and ``(j, j+1)``; the walk becomes ``0..i, j, j-1, .., i+1, j+1, ..``
              (a 2-opt move; on the square and cubic lattices the four sites form a square).

Every move is undone by exactly one slot of the new walk (the end move by the same
``(end, d')`` with ``d'`` pointing at the old neighbour, the interior move by
``(i, d')`` with ``d'`` the old direction of bond ``(i, i+1)``), so with slots drawn
uniformly the proposal is symmetric; ``tests/test_wang_landau.py`` checks this by
exhaustive enumeration.  Moves never leave the occupied sites, so no wall is ever met.
"""
import numpy as np
from numba import njit

from .moves import H_ND, H_OFF, H_WALL, build_tables, directions_of, fill_walls, place_chain

__all__ = ["n_rebridge_labels", "propose_rebridge", "rebridge_results"]


@njit(cache=True)
def n_rebridge_labels(n, nd):
    """Number of rebridging slots for a chain of ``n`` monomers on a lattice with ``nd`` directions."""
    if n < 4:
        return 0
    return 2 * nd + (n - 2) * nd


@njit(cache=True)
def propose_rebridge(T, lab, pos, grid, n, nw):
    """Apply rebridging slot ``lab``; read-only on ``pos`` and ``grid``.

    Returns ``(status, a, b)`` as ``moves.propose`` does: status 1 writes the new sites of
    monomers ``a..b`` (a permutation of their old sites) into ``nw[a..b]``; 0 means the
    slot's move is impossible.
    """
    nd = T[H_ND]
    b_off = T[H_OFF]
    wall = T[H_WALL]
    if lab < 2 * nd:
        end = lab // nd
        d = lab % nd
        if end == 1:
            o = np.int64(grid[pos[n - 1] + T[b_off + d]])
            if o == 0 or o == wall:
                return 0, 0, 0
            j = o - 1
            if j >= n - 2:
                return 0, 0, 0
            for t in range(n - 1 - j):
                nw[j + 1 + t] = pos[n - 1 - t]
            return 1, j + 1, n - 1
        o = np.int64(grid[pos[0] + T[b_off + d]])
        if o == 0 or o == wall:
            return 0, 0, 0
        j = o - 1
        if j <= 1:
            return 0, 0, 0
        for t in range(j):
            nw[t] = pos[j - 1 - t]
        return 1, 0, j - 1
    r = lab - 2 * nd
    i = r // nd
    d = r % nd
    if i > n - 3:
        return 0, 0, 0
    o = np.int64(grid[pos[i] + T[b_off + d]])
    if o == 0 or o == wall:
        return 0, 0, 0
    j = o - 1
    if j <= i + 1 or j >= n - 1:
        return 0, 0, 0
    diff = pos[j + 1] - pos[i + 1]
    adjacent = False
    for e in range(nd):
        if diff == T[b_off + e]:
            adjacent = True
    if not adjacent:
        return 0, 0, 0
    for t in range(j - i):
        nw[i + 1 + t] = pos[j - t]
    return 1, i + 1, j


@njit(cache=True)
def rebridge_results(dirs, vectors, group, out):
    """The walk produced by every rebridging slot of ``dirs`` (int8 rows of ``out``; -1 rows when the
    slot's move is impossible).  Returns the number of slots.  For tests and move-graph analysis."""
    n = dirs.shape[0] + 1
    S = 2 * n + 3
    T = build_tables(vectors, group, S, n)
    dim = vectors.shape[1]
    ncell = 1
    for _ in range(dim):
        ncell *= S
    grid = np.zeros(ncell, dtype=np.uint16)
    fill_walls(grid, S, dim, n + 1)
    pos = np.zeros(n, dtype=np.int64)
    nw = np.zeros(n, dtype=np.int64)
    row = np.zeros(max(n - 1, 1), dtype=np.int64)
    place_chain(T, dirs, vectors, pos, grid)
    nl = n_rebridge_labels(n, vectors.shape[0])
    for lab in range(nl):
        status, a, b = propose_rebridge(T, lab, pos, grid, n, nw)
        if status <= 0:
            for k in range(n - 1):
                out[lab, k] = -1
            continue
        for k in range(n):
            if k < a or k > b:
                nw[k] = pos[k]
        directions_of(T, nw, n, row)
        for k in range(n - 1):
            out[lab, k] = row[k]
    return nl
