"""Neighbours of a walk with their contact energies, filtered by an energy threshold.

The quench and the saddle search of sampled landscapes expand states one at a
time: every move of the chosen move sets, the energy of its result, and (for the
results that matter) the direction string.  This module does that with three
savings over building every row and recounting it:

* the energy of a move is found from the contacts of the monomers it displaces
  only, counted straight from the occupancy grid through a type table that maps
  empty cells and walls to an inert type (no branches), and displaced monomers
  with no nonzero contact energy (P in the HP model) are not counted at all;
* a move whose energy is above the threshold is dropped before its direction
  string is built or hashed;
* the move tables and their geometry view are built once per workspace.

The rows returned are the distinct neighbours of :func:`hpfold._kernels.moves.neighbours_with`
whose energy is at most the threshold, in the same order.
"""
import numpy as np
from numba import njit

from .moves import (H_DIROF, H_DOFF, T_PULL, _propose_pull, geometry, keep_row, moved_row, n_labels,
                    neighbour_workspace, place_chain, prefix_hashes, propose, propose_pull_fast, propose_recentred,
                    pull_table)

_FOUR = (0, 0, 0, 0)  # only the lengths matter: the direction count of propose_pull_fast
_SIX = (0, 0, 0, 0, 0, 0)

__all__ = ["energy_tables", "workspace", "neighbours_below", "segment_energies", "walk_energy"]


@njit(cache=True)
def energy_tables(types, matrix, n):
    """Lookup tables of the contact energy for chains of ``n`` monomers of ``types``.

    Returns ``(mat, cell_type, active, bond_prev, bond_next, n_active)``: ``mat`` is ``matrix``
    with an extra inert type (zero row and column) last; ``cell_type[g]`` the type of the monomer
    whose grid value is ``g`` (``g = i + 1``), the inert type for empty cells (0) and walls
    (``n + 1``); ``active[i]`` whether monomer i has any nonzero contact energy;
    ``bond_prev[i]``/``bond_next[i]`` the matrix entries of i with its chain neighbours (always
    adjacent, so subtracted from a count over all neighbouring cells); ``n_active[i]`` the number of
    active monomers among ``0 .. i-1``.
    """
    k = matrix.shape[0]
    mat = np.zeros((k + 1, k + 1), dtype=np.int64)
    mat[:k, :k] = matrix
    cell_type = np.full(n + 2, k, dtype=np.int64)
    active = np.zeros(n, dtype=np.bool_)
    bond_prev = np.zeros(n, dtype=np.int64)
    bond_next = np.zeros(n, dtype=np.int64)
    n_active = np.zeros(n + 1, dtype=np.int64)
    for i in range(n):
        t = types[i]
        cell_type[i + 1] = t
        for u in range(k):
            if matrix[t, u] != 0:
                active[i] = True
        if i > 0:
            bond_prev[i] = matrix[t, types[i - 1]]
        if i < n - 1:
            bond_next[i] = matrix[t, types[i + 1]]
        n_active[i + 1] = n_active[i] + (1 if active[i] else 0)
    return mat, cell_type, active, bond_prev, bond_next, n_active


@njit(cache=True)
def workspace(n, vectors, group, max_rows, types, matrix):
    """Everything :func:`neighbours_below` needs for chains of ``n`` monomers: build once, reuse.

    ``(moves workspace, geometry view, prefix-hash scratch, energy tables, types, vectors, pull table)``.
    """
    ws = neighbour_workspace(n, vectors, group, max_rows)
    return (ws, geometry(ws[0]), np.empty(n, dtype=np.uint64), energy_tables(types, matrix, n), types.astype(np.int64),
            vectors, pull_table(ws[0]))


@njit(cache=True, _nrt=False, inline="always")
def _cell_energy(ti, c, grid, off, nd, mat, cell_type):
    """Sum of ``mat[ti, type of the occupant]`` over the neighbouring cells of ``c`` (inert: 0)."""
    s = 0
    for d in range(nd):
        s += mat[ti, cell_type[grid[c + off[d]]]]
    return s


@njit(cache=True, _nrt=False, inline="always")
def _chain_energy(pos, grid, n, off, nd, mat, cell_type, active, bond_prev, bond_next, types):
    """Contact energy of the chain placed at ``pos`` (every contact counted from both ends, halved)."""
    twice = 0
    for i in range(n):
        if active[i]:
            twice += _cell_energy(types[i], pos[i], grid, off, nd, mat, cell_type) - bond_prev[i] - bond_next[i]
    return twice // 2


@njit(cache=True, _nrt=False, inline="always")
def _lift(a, b, cells, grid, off, nd, mat, cell_type, active, bond_prev, bond_next, types):
    """Contact energy of the pairs with a monomer of ``a..b`` (at ``cells``), clearing their cells.

    Each monomer's contacts are counted, then its cell is emptied, so a pair of two monomers of the
    segment is counted once (from the lower one); chain neighbours are discounted (``bond_prev`` only
    for ``a``: the others' lower neighbour is already lifted).
    """
    e = 0
    for i in range(a, b + 1):
        if active[i]:
            e += _cell_energy(types[i], cells[i], grid, off, nd, mat, cell_type) - bond_next[i]
            if i == a:
                e -= bond_prev[i]
        grid[cells[i]] = 0
    return e


@njit(cache=True, _nrt=False, inline="always")
def segment_energies(a, b, pos, nw, grid, off, nd, mat, cell_type, active, bond_prev, bond_next, types):
    """``(e_old, e_new)``: contact energy of the pairs involving ``a..b`` before and after the move.

    ``pos[a..b]`` are the monomers' sites in ``grid``, ``nw[a..b]`` their new ones; ``grid`` is
    left as it was.
    """
    e_old = _lift(a, b, pos, grid, off, nd, mat, cell_type, active, bond_prev, bond_next, types)
    for i in range(a, b + 1):
        grid[nw[i]] = i + 1
    e_new = _lift(a, b, nw, grid, off, nd, mat, cell_type, active, bond_prev, bond_next, types)
    for i in range(a, b + 1):
        grid[pos[i]] = i + 1
    return e_old, e_new


@njit(cache=True)
def neighbours_below(dirs, threshold, wsp, move_mask, out, out_e):
    """Distinct neighbours of ``dirs`` with contact energy <= ``threshold``, with their energies.

    Parameters
    ----------
    dirs : int8 [N-1]
        The walk.
    threshold : int
        Keep the neighbours of energy at most this (a large number keeps all).
    wsp : tuple
        :func:`workspace` for N monomers (its energy tables fix the sequence and the matrix).
    move_mask : int
        Move sets (:mod:`hpfold._kernels.moves` bits).
    out : int8 [K, N-1], out_e : int64 [K]
        The rows and their energies.

    Returns
    -------
    (count, energy of dirs)
        count -1 when ``dirs`` is not self-avoiding, -2 when ``out`` is too small.

    Examples
    --------
    >>> import numpy as np
    >>> from hpfold.lattice import get_lattice
    >>> lat = get_lattice("square")
    >>> vec, grp = lat.vectors.astype(np.int64), lat.group.astype(np.int64)
    >>> types, matrix = np.array([0, 1, 1, 0]), np.array([[-1, 0], [0, 0]])
    >>> wsp = workspace(4, vec, grp, 64, types, matrix)
    >>> out, out_e = np.empty((64, 3), np.int8), np.empty(64, np.int64)
    >>> neighbours_below(np.array([0, 1, 1], np.int8), -1, wsp, 1, out, out_e)  # local moves, E <= -1
    (1, 0)
    >>> out[0], int(out_e[0])               # the end of the chain folded back: one H-H contact
    (array([0, 1, 2], dtype=int8), -1)

    Notes
    -----
    The rows are those of :func:`hpfold._kernels.moves.neighbours_with` (distinct, first
    occurrence, slot order) whose energy passes, so filtering changes no order.  Cost: one proposal
    per slot, O(z) per displaced monomer with a nonzero contact energy (z lattice neighbours), and
    O(N) for each row kept.
    """
    ws, G, prefix, tables, types, vectors, pw = wsp
    T, grid, pos, nw, cand, row, table = ws
    off, dir_of, doff, perp, alt, grp, labs, nd, P, NC, wall = G
    mat, cell_type, active, bond_prev, bond_next, n_active = tables
    n = dirs.shape[0] + 1
    m = n - 1
    table[:] = -1
    if not place_chain(T, dirs, vectors, pos, grid):
        for k in range(n):
            if grid[pos[k]] == k + 1:
                grid[pos[k]] = 0
        return -1, 0
    e0 = _chain_energy(pos, grid, n, off, nd, mat, cell_type, active, bond_prev, bond_next, types)
    doff_t = T[H_DOFF]
    b_dir = T[H_DIROF]
    prefix_hashes(dirs, m, prefix)
    count = 0
    for mtype in range(4):
        if not (move_mask >> mtype) & 1:
            continue
        nl = n_labels(mtype, n, T)
        for lab in range(nl):
            if mtype == T_PULL and nd == 6:  # the common cases, inlined with a constant direction count
                status, a, b = propose_pull_fast(lab, pos, grid, n, nw, True, pw, _SIX, off, dir_of, doff, labs, wall)
            elif mtype == T_PULL and nd == 4:
                status, a, b = propose_pull_fast(lab, pos, grid, n, nw, True, pw, _FOUR, off, dir_of, doff, labs, wall)
            elif mtype == T_PULL:
                status, a, b = _propose_pull(lab, pos, grid, n, nw, True, off, dir_of, doff, perp, labs, nd, P, wall)
            else:
                status, a, b = propose(mtype, lab, pos, grid, n, nw, off, dir_of, doff, perp, alt, grp, labs,
                                       nd, P, NC, wall)
            if status < 0:
                status, a, b = propose_recentred(T, G, mtype, lab, pos, grid, n, nw, a)
            if status == 0:
                continue
            e = e0
            if n_active[b + 1] > n_active[a]:
                e_old, e_new = segment_energies(a, b, pos, nw, grid, off, nd, mat, cell_type, active, bond_prev,
                                                bond_next, types)
                e = e0 - e_old + e_new
            if e > threshold:
                continue
            lo, same = moved_row(dirs, pos, nw, a, b, m, row, b_dir, doff_t, T)
            if same:
                continue
            count, appended = keep_row(out, row, m, table, prefix, lo, count)
            if count < 0:
                break
            if appended:
                out_e[count - 1] = e
        if count < 0:
            break
    for k in range(n):
        grid[pos[k]] = 0
    return count, e0


@njit(cache=True)
def walk_energy(dirs, wsp):
    """Contact energy of the walk ``dirs`` with the tables of :func:`workspace`; ``(energy, self_avoiding)``."""
    ws, G, prefix, tables, types, vectors, pw = wsp
    T, grid, pos = ws[0], ws[1], ws[2]
    off, nd = G[0], G[7]
    mat, cell_type, active, bond_prev, bond_next, n_active = tables
    n = dirs.shape[0] + 1
    ok = place_chain(T, dirs, vectors, pos, grid)
    e = _chain_energy(pos, grid, n, off, nd, mat, cell_type, active, bond_prev, bond_next, types) if ok else 0
    for k in range(n):
        if grid[pos[k]] == k + 1:
            grid[pos[k]] = 0
    return e, ok
