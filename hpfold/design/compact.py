"""Compact structures: the conformations that fill a box exactly (Li, Helling, Tang & Wingreen 1996).

Li et al. scored all 2^27 sequences against the compact conformations of a 27-mer in a
3x3x3 cube; :func:`compact_table` gives that structure table (and the 2D analogues, e.g.
4x4 or 5x5 on the square lattice) for :func:`hpfold.design.designability`.  Designing then
means unique among the compact conformations only.
"""
from __future__ import annotations

import time

import numpy as np

from .._kernels.design import box_walks, canonical_rows
from ..lattice import get_lattice
from .structures import StructureTable, table_from_conformations, unique_rows

__all__ = ["compact_table", "compact_walks", "parse_box"]


def parse_box(text: str, lattice: str) -> tuple:
    """Box sides from ``"3x3x3"`` (one side per lattice dimension, each at least 1)."""
    lat = get_lattice(lattice)
    if lat.name not in ("square", "cubic"):
        raise ValueError(f"--compact: compact boxes are defined on the square and cubic lattices, not {lat.name}")
    try:
        sides = tuple(int(s) for s in str(text).lower().split("x"))
    except ValueError:
        sides = ()
    if len(sides) != lat.dim or min(sides) < 1:
        example = "x".join(["3"] * lat.dim)
        raise ValueError(f"--compact: expected {lat.dim} sides such as {example} on the {lat.name} lattice, "
                         f"got {text!r}")
    if int(np.prod(sides)) > 36:
        raise ValueError(f"--compact {text}: at most 36 sites (the walks of larger boxes are too many to list)")
    return sides


def compact_walks(sides, lattice: str) -> np.ndarray:
    """One direction row per symmetry class of the walks that fill the box ``sides`` (canonical forms).

    Examples
    --------
    >>> len(compact_walks((2, 2), "square"))
    1
    """
    lat = get_lattice(lattice)
    padded = [s + 2 for s in sides]
    strides = [int(np.prod(padded[:a])) for a in range(lat.dim)]
    free = np.zeros(int(np.prod(padded)), dtype=np.bool_)
    starts = []
    for cell in np.ndindex(*sides):
        site = sum((c + 1) * st for c, st in zip(cell, strides))
        free[site] = True
        # reflections of the box map every start into its lower corner octant: start only there
        if all(c <= (s - 1) // 2 for c, s in zip(cell, sides)):
            starts.append(site)
    starts = np.array(starts, dtype=np.int64)
    offsets = np.array([int(np.dot(v, strides)) for v in lat.vectors], dtype=np.int64)
    n = int(np.prod(sides))
    count = box_walks(free, offsets, n, starts, np.zeros((0, n - 1), dtype=np.int8))
    walks = np.zeros((count, n - 1), dtype=np.int8)
    box_walks(free, offsets, n, starts, walks)
    canonical = canonical_rows(walks, lat.group.astype(np.int8))
    return canonical[unique_rows(canonical)[0]]


def compact_table(box: str, lattice: str = "cubic", n: int | None = None) -> StructureTable:
    """The structure table of the compact conformations filling ``box`` (e.g. ``"3x3x3"``).

    Examples
    --------
    >>> t = compact_table("3x3", "square")
    >>> t.n, t.n_classes
    (9, 5)

    Notes
    -----
    Depth-first listing of the Hamiltonian paths of the box from every start cell, reduced to
    point-group classes.  The 3x3x3 cube has 103,346 classes (Shakhnovich & Gutin, J. Chem.
    Phys. 93, 5967, 1990; 51,704 when a walk and its reverse are identified, as in Li et al. 1996).
    Cost: O(number of directed Hamiltonian paths x N).
    """
    sides = parse_box(box, lattice)
    size = int(np.prod(sides))
    if n is not None and int(n) != size:
        raise ValueError(f"--compact {box} holds {size} monomers, not N = {n}")
    t0 = time.perf_counter()
    walks = compact_walks(sides, lattice)
    name = "x".join(str(s) for s in sides)
    return table_from_conformations(walks, size, lattice, compact=name, seconds=time.perf_counter() - t0)
