"""Move sets: parsing, one-move neighbourhoods, and ergodicity / reversibility reports.

Move types: ``local`` (end moves, corner flips, crankshafts), ``pull`` (reversible
pull moves), ``pull_lesh`` (the textbook pull moves, irreversible) and ``pivot``
(a point-group element applied to one side of the chain).  A move set is one
type or a mixture such as ``"pull:0.9,pivot:0.1"``; see ``docs/sampling.md``.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ._kernels.moves import LOCAL, PIVOT, PULL, PULL_LESH, all_neighbours, max_neighbours, proposal_results
from ._validation import ensure_array
from .lattice import decode_directions, encode_directions, get_lattice

__all__ = ["MOVE_TYPES", "MoveSet", "parse_moves", "neighbours", "connected_components", "MoveGraphReport",
           "reversibility_report", "LOCAL", "PULL", "PULL_LESH", "PIVOT"]

#: move-type names in kernel order (index = type code, bit = 1 << index)
MOVE_TYPES = ("local", "pull", "pull_lesh", "pivot")
_BITS = {"local": LOCAL, "pull": PULL, "pull_lesh": PULL_LESH, "pivot": PIVOT}


@dataclass(frozen=True)
class MoveSet:
    """A move set: move types with the fraction of proposals each receives.

    Attributes
    ----------
    names : tuple of str
        Move types, in the order given.
    fractions : tuple of float
        Proposal fractions, summing to 1 (equal shares unless given).
    """

    names: tuple
    fractions: tuple

    @property
    def mask(self) -> int:
        """Bit set of the move types (``LOCAL | PULL | ...``), the ``move_mask`` of the kernels."""
        m = 0
        for name in self.names:
            m |= _BITS[name]
        return m

    @property
    def codes(self) -> np.ndarray:
        """Kernel type codes (0 local, 1 pull, 2 pull_lesh, 3 pivot) as int64."""
        return np.array([MOVE_TYPES.index(n) for n in self.names], dtype=np.int64)

    def __str__(self) -> str:
        if len(self.names) == 1:
            return self.names[0]
        return ",".join(f"{n}:{f:g}" for n, f in zip(self.names, self.fractions))


def parse_moves(moves) -> MoveSet:
    """Parse a move-set description such as ``"pull"``, ``"pull,pivot"`` or ``"pull:0.9,pivot:0.1"``.

    Parameters
    ----------
    moves : str or MoveSet
        Comma-separated move types, each optionally ``name:fraction``.  Fractions must be
        given for every type or for none (equal shares); they are normalised to sum to 1.

    Returns
    -------
    MoveSet

    Raises
    ------
    ValueError
        One line naming the problem (unknown type, bad or missing fraction, repetition).

    Examples
    --------
    >>> parse_moves("pull:0.9,pivot:0.1").fractions
    (0.9, 0.1)
    >>> parse_moves("local,pull").mask
    3
    """
    if isinstance(moves, MoveSet):
        return moves
    if not isinstance(moves, str) or not moves.strip():
        raise ValueError(f"moves: expected a string such as 'pull' or 'pull:0.9,pivot:0.1', got {moves!r}")
    names, fracs = [], []
    for part in moves.split(","):
        part = part.strip()
        name, sep, frac = part.partition(":")
        name = name.strip().lower().replace("-", "_")
        if name not in _BITS:
            raise ValueError(f"moves: unknown move type {name!r} (choose from {', '.join(MOVE_TYPES)})")
        if name in names:
            raise ValueError(f"moves: {name!r} is given twice")
        names.append(name)
        if sep:
            try:
                f = float(frac)
            except ValueError:
                raise ValueError(f"moves: fraction {frac.strip()!r} of {name!r} is not a number") from None
            if not (f > 0 and math.isfinite(f)):
                raise ValueError(f"moves: fraction of {name!r} must be positive, got {frac.strip()}")
            fracs.append(f)
        else:
            fracs.append(None)
    given = [f is not None for f in fracs]
    if any(given) and not all(given):
        raise ValueError("moves: give a fraction for every move type or for none")
    if not any(given):
        fracs = [1.0] * len(names)
    total = sum(fracs)
    return MoveSet(tuple(names), tuple(f / total for f in fracs))


def _directions(conformation, lattice):
    from .conformation import Conformation
    if isinstance(conformation, Conformation):
        return conformation.lattice, conformation.directions
    lat = get_lattice(lattice)
    if isinstance(conformation, str):
        return lat, decode_directions(conformation, lat)
    d = ensure_array(conformation, "conformation", np.int64, ndim=1)
    if d.size and (d.min() < 0 or d.max() >= lat.n_directions):
        raise ValueError(f"conformation: directions must lie in 0..{lat.n_directions - 1} on the {lat.name} lattice")
    return lat, d


def neighbours(conformation, lattice="square", moves="pull") -> np.ndarray:
    """Every distinct conformation one move away (direction strings, not canonicalised).

    Parameters
    ----------
    conformation : Conformation, str or array_like of int
        The chain (a direction string or array; a :class:`~hpfold.conformation.Conformation`
        brings its own lattice).
    lattice : str or Lattice, default "square"
    moves : str or MoveSet, default "pull"
        Move types; fractions are ignored (the neighbourhood is the union).

    Returns
    -------
    ndarray of int8, shape (k, N - 1)
        One row per neighbour, the input excluded.

    Raises
    ------
    ValueError
        If the conformation is not a self-avoiding walk or the move set is unknown.

    Examples
    --------
    >>> neighbours("0", "square", "local").shape      # a dimer: 6 other orientations
    (3, 1)
    >>> [''.join(map(str, r)) for r in neighbours("01", "square", "local")]
    ['21', '11', '00', '03', '10']

    Notes
    -----
    Runs every slot of the Monte Carlo proposal code (``hpfold._kernels.moves.propose``);
    cost O(slots x N) with O(N) slots for local and pull moves and O(N x group order)
    for pivots.
    """
    lat, d = _directions(conformation, lattice)
    ms = parse_moves(moves)
    n = len(d) + 1
    if n < 2:
        return np.zeros((0, 0), dtype=np.int8)
    if n == 2:
        # a dimer: every other orientation is one end move (or end pull) away
        return np.array([[e] for e in range(lat.n_directions) if e != d[0]], dtype=np.int8)
    out = np.zeros((max_neighbours(n, lat.n_directions, lat.order, ms.mask), n - 1), dtype=np.int8)
    k = all_neighbours(d.astype(np.int8), lat.vectors, lat.group, ms.mask, out)
    if k == -1:
        raise ValueError(f"conformation {encode_directions(d)!r} is not self-avoiding")
    return out[:k].copy()


@dataclass
class MoveGraphReport:
    """Connectivity of the move graph over all conformation classes of a chain length.

    Attributes
    ----------
    n_monomers, lattice, moves
        What was analysed.
    n_states : int
        Conformation classes (modulo the point group).
    n_edges : int
        Directed (class, neighbour class) incidences found.
    n_components : int
        Connected components; 1 means the move set is ergodic for this length.
    sizes : list of int
        Component sizes in classes, largest first.
    example_isolated : str or None
        A direction string from the smallest component when there are several.
    """

    n_monomers: int
    lattice: str
    moves: str
    n_states: int
    n_edges: int
    n_components: int
    sizes: list
    example_isolated: str | None = None

    @property
    def connected(self) -> bool:
        return self.n_components == 1


def connected_components(sequence_length: int, lattice="square", moves="pull") -> MoveGraphReport:
    """How many connected components the one-move graph over all conformations has.

    Parameters
    ----------
    sequence_length : int
        Number of monomers N (all classes are enumerated exactly, so keep N small:
        square N = 14 has 110,188 classes).
    lattice : str or Lattice
    moves : str or MoveSet

    Returns
    -------
    MoveGraphReport

    Examples
    --------
    >>> connected_components(8, "square", "pull").n_components
    1

    Notes
    -----
    States are classes modulo the lattice point group (the move sets commute with it);
    union-find over every move of every class.  Cost O(classes x slots x N x order).
    """
    from ._kernels.sampling_movegraph import move_graph_components
    from .enumerate import enumerate_conformations

    lat = get_lattice(lattice)
    ms = parse_moves(moves)
    n = int(sequence_length)
    if n < 2:
        raise ValueError("connected_components: need at least 2 monomers")
    bits = max(1, int(lat.n_directions - 1).bit_length())
    if bits * (n - 1) > 62:
        raise ValueError(f"connected_components: N = {n} is too long to key on the {lat.name} lattice")
    res = enumerate_conformations("P" * n, lat.name, energy_cutoff=10**6)
    confs = np.ascontiguousarray(res.conformations, dtype=np.int8)
    rows = max_neighbours(n, lat.n_directions, lat.order, ms.mask)
    labels, n_edges, missing = move_graph_components(confs, lat.vectors, lat.group, ms.mask, bits, rows)
    if missing:
        raise RuntimeError(f"connected_components: {missing} neighbours fell outside the enumeration")
    roots, counts = np.unique(labels, return_counts=True)
    order = np.argsort(-counts, kind="stable")
    example = None
    if len(roots) > 1:
        example = encode_directions(confs[roots[order[-1]]])
    return MoveGraphReport(n, lat.name, str(ms), len(confs), int(n_edges), len(roots),
                           [int(c) for c in counts[order]], example)


def reversibility_report(conformations, lattice="square", moves="pull") -> dict:
    """Check detailed balance of the slot proposal: ``m(X, Y) == m(Y, X)`` for every move.

    Parameters
    ----------
    conformations : array_like of int, shape (M, N - 1)
        The conformations X to check (for an exhaustive check: every walk of a length).
    lattice, moves
        As in :func:`neighbours`.

    Returns
    -------
    dict
        ``n_conformations``, ``n_pairs`` (X, Y != X), ``n_asymmetric`` (slot multiplicities
        differ), ``n_irreversible`` (no slot leads back), ``example`` ([X, Y] direction
        strings of an irreversible pair, or None).

    Examples
    --------
    >>> reversibility_report(["0011", "0110"], "square", "pull")["n_asymmetric"]
    0
    """
    from ._kernels.sampling_movegraph import proposal_asymmetry

    lat = get_lattice(lattice)
    ms = parse_moves(moves)
    rows = [decode_directions(c, lat) if isinstance(c, str) else np.asarray(c) for c in conformations]
    confs = ensure_array(rows, "conformations", np.int8, ndim=2)
    n = confs.shape[1] + 1
    buf = max_neighbours(n, lat.n_directions, lat.order, ms.mask)
    n_pairs, n_asym, n_irrev, ex_x, ex_row = proposal_asymmetry(confs, lat.vectors, lat.group, ms.mask, buf)
    example = None
    if ex_x >= 0:
        example = [encode_directions(confs[ex_x]), encode_directions(ex_row)]
    return {"n_conformations": len(confs), "n_pairs": int(n_pairs), "n_asymmetric": int(n_asym),
            "n_irreversible": int(n_irrev), "example": example}
