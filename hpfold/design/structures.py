"""The structure table of a sequence-space scan: every distinct contact map of N-monomer chains, once.

Every HP sequence of length N is scored against the same conformations, so they are
enumerated once (the symmetry classes of :func:`hpfold.enumerate.enumerate_conformations`),
reduced to their contact maps, and the distinct maps kept with the number of classes that
share each one.  Two classes with one map have the same energy for every sequence: neither
can be a unique ground state.
"""
from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field

import numpy as np

from .._kernels.design import contact_maps
from ..lattice import encode_directions, get_lattice

__all__ = ["StructureTable", "structure_table", "contact_pairs", "is_bipartite"]


def is_bipartite(lattice) -> bool:
    """True when every step changes the parity of the coordinate sum (square, cubic)."""
    lat = get_lattice(lattice) if isinstance(lattice, str) else lattice
    return bool(np.all(np.asarray(lat.vectors).sum(axis=1) % 2 != 0))


def contact_pairs(n: int, lattice) -> tuple:
    """``(pair_i, pair_j)``: the monomer pairs that can be in contact on ``lattice``.

    Non-bonded pairs ``j - i >= 2``; on a bipartite lattice only odd ``j - i >= 3``.

    Examples
    --------
    >>> i, j = contact_pairs(6, "square")
    >>> list(zip(i.tolist(), j.tolist()))
    [(0, 3), (0, 5), (1, 4), (2, 5)]
    """
    bip = is_bipartite(lattice)
    pairs = [(i, j) for i in range(n) for j in range(i + 2, n) if not bip or (j - i >= 3 and (j - i) % 2 == 1)]
    arr = np.array(pairs, dtype=np.int64).reshape(-1, 2)
    return arr[:, 0].copy(), arr[:, 1].copy()


@dataclass(eq=False)
class StructureTable:
    """The distinct contact maps of every conformation class of ``n`` monomers on ``lattice``.

    Attributes
    ----------
    maps : ndarray of uint64, shape (M, W)
        Contact bitsets over the pairs ``(pair_i[p], pair_j[p])``, sorted by contacts, most first.
    sizes : ndarray of int64, shape (M,)
        Contacts of each map.
    multiplicity : ndarray of int64, shape (M,)
        Conformation classes (under the lattice point group) with each map.
    directions : ndarray of int8, shape (M, n - 1)
        One conformation per map (the first in enumeration order).
    n_classes : int
        Conformation classes in all (the sum of ``multiplicity``).
    """

    n: int
    lattice: str
    pair_i: np.ndarray
    pair_j: np.ndarray
    maps: np.ndarray = field(repr=False)
    sizes: np.ndarray = field(repr=False)
    multiplicity: np.ndarray = field(repr=False)
    directions: np.ndarray = field(repr=False)
    n_classes: int = 0
    compact: str | None = None
    seconds: float = 0.0

    @property
    def n_maps(self) -> int:
        return len(self.sizes)

    @property
    def n_words(self) -> int:
        return self.maps.shape[1]

    def digest(self) -> str:
        """A short hash of the maps and their order (checkpointed shards must agree with it)."""
        h = hashlib.sha1()
        for arr in (self.maps, self.multiplicity, self.pair_i, self.pair_j):
            h.update(np.ascontiguousarray(arr).tobytes())
        return h.hexdigest()[:16]

    def conformation(self, k: int) -> str:
        """The direction string of map ``k``'s representative conformation."""
        return encode_directions(self.directions[k])

    def contacts(self, k: int) -> list:
        """The contact pairs ``[(i, j), ...]`` of map ``k``."""
        bits = np.unpackbits(self.maps[k].view(np.uint8), bitorder="little")[:len(self.pair_i)]
        return [(int(self.pair_i[p]), int(self.pair_j[p])) for p in np.nonzero(bits)[0]]


def _grid_geometry(lat, n):
    width = 2 * n + 3
    strides = [width ** a for a in range(lat.dim)]
    offsets = np.array([int(np.dot(v, strides)) for v in lat.vectors], dtype=np.int64)
    centre = sum((n + 1) * s for s in strides)
    return offsets, width ** lat.dim, centre


def maps_of(directions, n: int, lattice) -> tuple:
    """Contact bitsets of direction rows, with the pairs they index: ``(maps, pair_i, pair_j)``."""
    lat = get_lattice(lattice) if isinstance(lattice, str) else lattice
    pair_i, pair_j = contact_pairs(n, lat)
    index = np.full((n, n), -1, dtype=np.int64)
    index[pair_i, pair_j] = np.arange(len(pair_i))
    n_words = max(1, -(-len(pair_i) // 64))
    offsets, cells, centre = _grid_geometry(lat, n)
    dirs = np.ascontiguousarray(directions, dtype=np.int8).reshape(-1, n - 1)
    return contact_maps(dirs, offsets, cells, centre, index, n_words), pair_i, pair_j


def unique_rows(rows) -> tuple:
    """``(first, inverse, counts)`` of the distinct rows of an integer array, in lexicographic order.

    ``rows[first]`` are the distinct rows (each at its first occurrence), ``inverse[i]`` the
    distinct row of ``rows[i]``; as ``np.unique(axis=0)`` but by a sort of packed int64 keys.

    Examples
    --------
    >>> first, inverse, counts = unique_rows(np.array([[1, 2], [0, 5], [1, 2]]))
    >>> first.tolist(), inverse.tolist(), counts.tolist()
    ([1, 0], [1, 0, 1], [1, 2])
    """
    rows = np.asarray(rows)
    if rows.dtype == np.uint64:
        keys = [rows[:, c] for c in range(rows.shape[1])]
    else:
        base = int(rows.max(initial=0)) + 1
        per_word = max(1, int(62 // max(1.0, np.log2(base))))
        keys = []
        for a in range(0, rows.shape[1], per_word):
            word = np.zeros(len(rows), dtype=np.int64)
            for c in range(a, min(a + per_word, rows.shape[1])):
                word = word * base + rows[:, c].astype(np.int64)
            keys.append(word)
    order = np.lexsort([np.arange(len(rows))] + keys[::-1])  # stable: the first occurrence leads its group
    if len(rows) == 0:
        return order, order.copy(), order.copy()
    new = np.ones(len(rows), dtype=bool)
    for key in keys:
        sorted_key = key[order]
        new[1:] &= sorted_key[1:] == sorted_key[:-1]
    new = ~new
    new[0] = True
    group = np.cumsum(new) - 1
    inverse = np.empty(len(rows), dtype=np.int64)
    inverse[order] = group
    starts = np.nonzero(new)[0]
    counts = np.diff(np.append(starts, len(rows)))
    return order[starts], inverse, counts


def table_from_conformations(directions, n: int, lattice, *, compact=None, seconds=0.0) -> StructureTable:
    """The :class:`StructureTable` of the given conformation classes (one direction row each)."""
    lat = get_lattice(lattice) if isinstance(lattice, str) else lattice
    dirs = np.ascontiguousarray(directions, dtype=np.int8).reshape(-1, n - 1)
    maps, pair_i, pair_j = maps_of(dirs, n, lat)
    if maps.shape[1] == 1:
        _, first, counts = np.unique(maps[:, 0], return_index=True, return_counts=True)
    else:
        first, _, counts = unique_rows(maps)
    distinct = maps[first]
    sizes = np.bitwise_count(distinct).sum(axis=1).astype(np.int64)
    order = np.lexsort((np.arange(len(sizes)), -sizes))  # most contacts first, ties in map order
    return StructureTable(n, lat.name, pair_i, pair_j, np.ascontiguousarray(distinct[order]), sizes[order],
                          counts[order].astype(np.int64), dirs[first[order]], int(len(dirs)), compact, seconds)


def structure_table(n: int, lattice: str = "square", *, force: bool = False, progress=None) -> StructureTable:
    """Enumerate every conformation class of ``n`` monomers once and keep their distinct contact maps.

    Parameters
    ----------
    n : int
        Chain length (at least 4).
    lattice : str
    force : bool
        Enumerate even when it is estimated to take over 10 minutes.

    Examples
    --------
    >>> t = structure_table(6, "square")
    >>> t.n_classes, t.n_maps, int(t.sizes[0])
    (36, 8, 2)

    Notes
    -----
    One exact enumeration (symmetry-reduced, see :func:`hpfold.enumerate.enumerate_conformations`),
    then a contact bitset per class on an occupancy grid and a sort to make the maps distinct.
    Cost: O(c_{N-1} / |G|) classes, each O(N z); memory N bytes per class while the table is built,
    then (8 W + N + 16) bytes per distinct map.
    """
    from ..enumerate import enumerate_conformations

    if int(n) < 4:
        raise ValueError(f"a sequence scan needs at least 4 monomers, got {n}")
    t0 = time.perf_counter()
    res = enumerate_conformations("P" * int(n), lattice, energy_cutoff=0, force=force, progress=progress)
    return table_from_conformations(res.conformations, int(n), lattice, seconds=time.perf_counter() - t0)
