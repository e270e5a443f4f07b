"""Neighbours of a walk with their contact energies, filtered by an energy threshold.

The quench and the saddle search of sampled landscapes expand states one at a
time: every move of the chosen move sets, the energy of its result, and (for the
results that matter) the direction string.  This module does that with three
savings over building every row and recounting it:

* the energy of a move is found from the contacts of the monomers it displaces
  only, with the Monte Carlo kernel's count (:func:`hpfold._kernels.sampling.contacts`:
  a table of the energy with each cell's occupant, partners told apart by chain
  index, no branches, the direction loop unrolled), and displaced monomers with no
  nonzero contact energy (P in the HP model) are not counted at all;
* a move whose energy is above the threshold is dropped before its direction
  string is built or hashed;
* the move tables and their geometry view are built once per workspace.

The rows returned are the distinct neighbours of :func:`hpfold._kernels.moves.neighbours_with`
whose energy is at most the threshold, in the same order.
"""
import numpy as np
from numba import njit

from .moves import (H_DIROF, H_DOFF, T_PULL, _propose_pull, _u, cells_move_inline, clear_rows, geometry, keep_row,
                    moved_row, n_labels, neighbour_workspace, place_chain, prefix_hashes, propose, propose_pull_fast,
                    propose_recentred, pull_table)
from .sampling import contacts, contacts_inline

__all__ = ["energy_tables", "workspace", "neighbours_below", "walk_energy"]


@njit(cache=True)
def energy_tables(types, matrix, n):
    """The tables of :func:`hpfold._kernels.sampling.contacts` for chains of ``n`` monomers of ``types``.

    Returns ``(iw, next_active)``: ``iw[t * (n + 2) + g]`` the contact energy of a monomer of type t
    with the occupant of a cell of grid value g (monomer ``g - 1``; 0 for empty cells and walls), and
    ``next_active[k]`` the first monomer >= k with any nonzero contact energy (n if none).

    Examples
    --------
    >>> import numpy as np
    >>> iw, nxt = energy_tables(np.array([1, 0, 1]), np.array([[-1, 0], [0, 0]]), 3)
    >>> iw.reshape(2, 5)[0].tolist(), nxt.tolist()
    ([0, 0, -1, 0, 0], [1, 1, 3, 3, 3])
    """
    k = matrix.shape[0]
    width = n + 2
    iw = np.zeros(k * width, dtype=np.int64)
    nxt = np.full(width, n, dtype=np.int64)
    for t in range(k):
        for c in range(n):
            iw[t * width + c + 1] = matrix[t, types[c]]
    for i in range(n - 1, -1, -1):
        active = False
        for u in range(k):
            if matrix[types[i], u] != 0:
                active = True
        nxt[i] = i if active else nxt[i + 1]
    return iw, nxt


@njit(cache=True)
def workspace(n, vectors, group, max_rows, types, matrix):
    """Everything :func:`neighbours_below` needs for chains of ``n`` monomers: build once, reuse.

    ``(moves workspace, geometry view, prefix-hash scratch, energy tables, types, vectors, pull table)``.
    """
    ws = neighbour_workspace(n, vectors, group, max_rows)
    types = types.astype(np.int64)
    return (ws, geometry(ws[0]), np.empty(n, dtype=np.uint64), energy_tables(types, matrix, n), types,
            vectors, pull_table(ws[0]))


@njit(cache=True, _nrt=False)
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
    off = wsp[1][0]
    nd = wsp[1][7]
    if nd == 4:
        return _below(dirs, threshold, wsp, move_mask, out, out_e, (off[0], off[1], off[2], off[3]))
    if nd == 6:
        return _below(dirs, threshold, wsp, move_mask, out, out_e, (off[0], off[1], off[2], off[3], off[4], off[5]))
    return _below(dirs, threshold, wsp, move_mask, out, out_e, _offsets12(off))


@njit(cache=True, _nrt=False, inline="always")
def _offsets12(off):
    """The twelve grid offsets of the fcc lattice as a tuple (a compile-time length)."""
    return (off[0], off[1], off[2], off[3], off[4], off[5], off[6], off[7], off[8], off[9], off[10], off[11])


@njit(cache=True, _nrt=False)
def _below(dirs, threshold, wsp, move_mask, out, out_e, offt):
    """:func:`neighbours_below` with the grid offsets as a tuple ``offt`` (loops over them unrolled).

    Compiled without reference counting (``_nrt=False``; it allocates nothing): the atomic
    increments and decrements of the array views in the slot loop otherwise cost about two
    thirds of the time on a server CPU.
    """
    ws, G, prefix, tables, types, vectors, pw = wsp
    T, grid, pos, nw, cand, row, table = ws
    off, dir_of, doff, perp, alt, grp, labs, nd, P, NC, wall = G
    iw, next_active = tables
    n = dirs.shape[0] + 1
    m = n - 1
    if not place_chain(T, dirs, vectors, pos, grid):
        for k in range(n):
            if grid[pos[k]] == k + 1:
                grid[pos[k]] = 0
        return -1, 0
    e0 = contacts_inline(grid, pos, 0, n - 1, types, iw, next_active, offt)
    doff_t = T[H_DOFF]
    b_dir = T[H_DIROF]
    prefix_hashes(dirs, m, prefix)
    fast_pull = len(offt) == 4 or len(offt) == 6   # square, cubic, triangular: P = z - 2 (see pull_table)
    count = 0
    n_kept = 0  # rows in the table (count, until out is full)
    for mtype in range(4):
        if not (move_mask >> mtype) & 1:
            continue
        nl = n_labels(mtype, n, T)
        for lab in range(nl):
            if mtype == T_PULL and fast_pull:
                status, a, b = propose_pull_fast(lab, pos, grid, n, nw, True, pw, offt, off, dir_of, doff, labs, wall)
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
            if next_active[_u(a)] <= b:
                c0 = contacts_inline(grid, pos, a, b, types, iw, next_active, offt)
                cells_move_inline(grid, pos, nw, a, b)
                c1 = contacts_inline(grid, nw, a, b, types, iw, next_active, offt)
                cells_move_inline(grid, nw, pos, a, b)
                e = e0 + c1 - c0
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
                n_kept += 1
        if count < 0:
            break
    for k in range(n):
        grid[pos[k]] = 0
    clear_rows(table, n_kept)
    return count, e0


@njit(cache=True)
def walk_energy(dirs, wsp):
    """Contact energy of the walk ``dirs`` with the tables of :func:`workspace`; ``(energy, self_avoiding)``."""
    ws, G, prefix, tables, types, vectors, pw = wsp
    T, grid, pos = ws[0], ws[1], ws[2]
    off, nd = G[0], G[7]
    iw, next_active = tables
    n = dirs.shape[0] + 1
    ok = place_chain(T, dirs, vectors, pos, grid)
    e = 0
    if ok:
        e = contacts(grid, pos, 0, n - 1, types, iw, next_active, off)
    for k in range(n):
        if grid[pos[k]] == k + 1:
            grid[pos[k]] = 0
    return e, ok
