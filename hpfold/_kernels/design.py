"""Kernels of the sequence-space scan: contact maps of conformations, and every sequence scored against them.

A contact map is a bitset over the *contact pairs* ``(i, j)`` that can touch on the lattice
(``j - i >= 3`` and odd on bipartite lattices, ``j - i >= 2`` otherwise), packed in ``W`` uint64
words.  A sequence is an integer whose bit ``i`` is set when monomer ``i`` is H; its HH bitset over
the same pairs turns the HP energy of a map into ``-popcount(map & hh)``.
"""
from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["contact_maps", "scan_sequences", "hh_bitset"]


@njit(cache=True, inline="always")
def _popcount(x):
    x = x - ((x >> np.uint64(1)) & np.uint64(0x5555555555555555))
    x = (x & np.uint64(0x3333333333333333)) + ((x >> np.uint64(2)) & np.uint64(0x3333333333333333))
    x = (x + (x >> np.uint64(4))) & np.uint64(0x0F0F0F0F0F0F0F0F)
    return (x * np.uint64(0x0101010101010101)) >> np.uint64(56)


@njit(cache=True)
def contact_maps(dirs, offsets, cells, centre, pair_index, n_words):
    """Contact bitsets ``[M, n_words]`` (uint64) of conformations given as direction rows ``[M, N-1]``.

    ``offsets[d]`` is the flat-grid step of direction ``d`` on a grid of ``cells`` cells in which
    any walk started at ``centre`` fits (with a margin of one cell); ``pair_index[i, j]`` is the bit
    of pair ``(i, j)`` (``i < j``) or -1 when the pair cannot be a contact.
    """
    m, steps = dirs.shape
    n = steps + 1
    nd = offsets.shape[0]
    grid = np.full(cells, -1, dtype=np.int64)
    out = np.zeros((m, n_words), dtype=np.uint64)
    sites = np.zeros(n, dtype=np.int64)
    for row in range(m):
        site = centre
        sites[0] = site
        grid[site] = 0
        for k in range(steps):
            site += offsets[dirs[row, k]]
            sites[k + 1] = site
            grid[site] = k + 1
        for i in range(n):
            for d in range(nd):
                j = grid[sites[i] + offsets[d]]
                if j > i:
                    bit = pair_index[i, j]
                    if bit >= 0:
                        out[row, bit >> 6] |= np.uint64(1) << np.uint64(bit & 63)
        for i in range(n):
            grid[sites[i]] = -1
    return out


@njit(cache=True)
def hh_bitset(code, pair_i, pair_j, n_words):
    """The HH bitset of sequence ``code`` over the contact pairs."""
    out = np.zeros(n_words, dtype=np.uint64)
    for p in range(pair_i.shape[0]):
        if (code >> pair_i[p]) & 1 and (code >> pair_j[p]) & 1:
            out[p >> 6] |= np.uint64(1) << np.uint64(p & 63)
    return out


@njit(cache=True)
def scan_sequences(start, stop, pair_i, pair_j, maps, sizes, multiplicity, ground_energy, degeneracy, structure):
    """Ground energy, degeneracy (in conformation classes) and unique ground map of sequences ``start:stop``.

    ``maps`` are the distinct contact maps sorted by ``sizes`` (contacts) in descending order and
    ``multiplicity[k]`` the number of conformation classes whose map is ``maps[k]``.  Writes row
    ``s - start`` of the outputs; ``structure`` is the index of the ground map when the ground state
    is unique (one map, realised by one class), else -1.

    A map with fewer contacts than the best HH count found so far cannot reach it, so the scan of
    the sorted maps stops there: the ground energy and its degeneracy are still exact.
    """
    n_words = maps.shape[1]
    n_maps = maps.shape[0]
    for code in range(start, stop):
        hh = hh_bitset(code, pair_i, pair_j, n_words)
        best = -1
        deg = 0
        where = -1
        for k in range(n_maps):
            if sizes[k] < best:
                break
            c = 0
            for w in range(n_words):
                c += _popcount(maps[k, w] & hh[w])
            if c > best:
                best = c
                deg = multiplicity[k]
                where = k
            elif c == best:
                deg += multiplicity[k]
        row = code - start
        ground_energy[row] = -best
        degeneracy[row] = deg
        structure[row] = where if deg == 1 else -1


@njit(cache=True)
def box_walks(free, offsets, n, starts, out):
    """Every directed walk from a cell in ``starts`` visiting all ``n`` free cells of ``free``.

    ``free`` is a flat grid whose box cells are 1 and whose padding (at least one cell wide) is 0:
    the walks are Hamiltonian paths of the box.  Writes the direction rows into ``out`` while it has
    room; returns how many walks there are.
    """
    nd = offsets.shape[0]
    occupied = np.zeros(free.shape[0], dtype=np.bool_)
    sites = np.zeros(n, dtype=np.int64)
    tried = np.zeros(n, dtype=np.int64)
    dirs = np.zeros(n, dtype=np.int64)
    count = 0
    for s0 in starts:
        sites[0] = s0
        occupied[s0] = True
        depth = 1
        tried[1] = 0
        while depth >= 1:
            if depth == n:
                if count < out.shape[0]:
                    for k in range(n - 1):
                        out[count, k] = dirs[k]
                count += 1
                depth -= 1
                occupied[sites[depth]] = False
                continue
            d = tried[depth]
            if d == nd:
                depth -= 1
                occupied[sites[depth]] = False
                continue
            tried[depth] = d + 1
            nxt = sites[depth - 1] + offsets[d]
            if free[nxt] and not occupied[nxt]:
                occupied[nxt] = True
                sites[depth] = nxt
                dirs[depth - 1] = d
                depth += 1
                if depth < n:
                    tried[depth] = 0
        occupied[s0] = False
    return count


@njit(cache=True)
def canonical_rows(rows, group):
    """The lexicographically smallest image of every direction row under the point group ``group[g, d]``."""
    m, k = rows.shape
    out = rows.copy()
    for r in range(m):
        for g in range(group.shape[0]):
            for c in range(k):
                a = group[g, rows[r, c]]
                b = out[r, c]
                if a != b:
                    if a < b:
                        for c2 in range(k):
                            out[r, c2] = group[g, rows[r, c2]]
                    break
    return out
