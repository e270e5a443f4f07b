"""Lattices: neighbour vectors, direction numbering, point groups and canonical forms.

Direction numbering (a conformation of N monomers is the string of its N - 1
step directions, one character per step, ``0-9a-b``):

==========  ==============================================================
square      0:+x 1:+y 2:-x 3:-y
cubic       0:+x 1:+y 2:+z 3:-x 4:-y 5:-z
triangular  axial coordinates 0:(1,0) 1:(0,1) 2:(-1,1) 3:(-1,0) 4:(0,-1)
            5:(1,-1) (consecutive directions are 60 degrees apart)
fcc         0:(1,1,0) 1:(1,0,1) 2:(0,1,1) 3:(1,-1,0) 4:(1,0,-1) 5:(0,1,-1),
            then 6-11 are the negatives of 0-5
==========  ==============================================================

On every lattice the opposite of direction ``d`` is ``(d + nd/2) % nd``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from itertools import product

import numpy as np

__all__ = ["Lattice", "get_lattice", "LATTICE_NAMES", "DIRECTION_CHARS"]

#: characters used to write a direction index in a direction string
DIRECTION_CHARS = "0123456789ab"

_VECTORS = {
    "square": [(1, 0), (0, 1), (-1, 0), (0, -1)],
    "cubic": [(1, 0, 0), (0, 1, 0), (0, 0, 1), (-1, 0, 0), (0, -1, 0), (0, 0, -1)],
    "triangular": [(1, 0), (0, 1), (-1, 1), (-1, 0), (0, -1), (1, -1)],
    "fcc": [(1, 1, 0), (1, 0, 1), (0, 1, 1), (1, -1, 0), (1, 0, -1), (0, 1, -1),
            (-1, -1, 0), (-1, 0, -1), (0, -1, -1), (-1, 1, 0), (-1, 0, 1), (0, -1, 1)],
}
_GROUP_ORDER = {"square": 8, "cubic": 48, "triangular": 12, "fcc": 48}
#: connective constants mu (growth rate of self-avoiding walk counts c_n ~ A mu^n n^(gamma-1))
CONNECTIVE_CONSTANTS = {"square": 2.63816, "cubic": 4.68404, "triangular": 4.15080, "fcc": 10.0362}
#: matrices mapping lattice coordinates to Cartesian coordinates with unit bond length
_CARTESIAN = {
    "square": np.eye(2),
    "cubic": np.eye(3),
    "triangular": np.array([[1.0, 0.5], [0.0, np.sqrt(3) / 2]]),
    "fcc": np.eye(3) / np.sqrt(2),
}

LATTICE_NAMES = tuple(_VECTORS)


@dataclass(frozen=True, eq=False)
class Lattice:
    """A regular lattice on which chains are self-avoiding walks.

    Use :func:`get_lattice` to obtain one; instances are shared.

    Attributes
    ----------
    name : str
        ``"square"``, ``"cubic"``, ``"triangular"`` or ``"fcc"``.
    dim : int
        Spatial dimension of the integer coordinates (2 or 3).
    vectors : ndarray of int64, shape (nd, dim)
        Neighbour vectors in direction order.
    group : ndarray of int8, shape (order, nd)
        The point group as permutations of directions; ``group[0]`` is the identity.
    group_matrices : ndarray of int64, shape (order, dim, dim)
        The same group as integer matrices acting on coordinates.

    Examples
    --------
    >>> lat = get_lattice("square")
    >>> lat.n_directions, lat.order
    (4, 8)
    >>> lat.canonical("2323")
    '0101'
    """

    name: str
    dim: int
    vectors: np.ndarray = field(repr=False)
    group: np.ndarray = field(repr=False)
    group_matrices: np.ndarray = field(repr=False)
    connective_constant: float = 0.0

    @property
    def n_directions(self) -> int:
        """Number of neighbours of a site (coordination number)."""
        return len(self.vectors)

    @property
    def order(self) -> int:
        """Order of the point group."""
        return len(self.group)

    @property
    def opposite(self) -> np.ndarray:
        """``opposite[d]`` is the direction pointing back along ``d``."""
        nd = self.n_directions
        return (np.arange(nd) + nd // 2) % nd

    @property
    def cartesian(self) -> np.ndarray:
        """Matrix turning lattice coordinates into Cartesian ones (unit bonds)."""
        return _CARTESIAN[self.name]

    def direction_of(self, step) -> int:
        """Index of the neighbour vector ``step``, or -1 if it is not one."""
        hit = np.nonzero((self.vectors == np.asarray(step)).all(axis=1))[0]
        return int(hit[0]) if len(hit) else -1

    def canonical(self, directions):
        """Lexicographically smallest direction sequence in the orbit under the point group.

        Parameters
        ----------
        directions : str or array_like of int
            A direction string or an integer array of direction indices.

        Returns
        -------
        str or ndarray
            Same type as the input.
        """
        as_str = isinstance(directions, str)
        d = decode_directions(directions, self) if as_str else np.asarray(directions, dtype=np.int64)
        images = self.group[:, d] if len(d) else np.zeros((self.order, 0), dtype=np.int8)
        best = min(range(self.order), key=lambda g: tuple(images[g]))
        out = images[best].astype(np.int64)
        return encode_directions(out) if as_str else out

    def orbit_size(self, directions) -> int:
        """Number of distinct images of a conformation under the point group."""
        d = decode_directions(directions, self) if isinstance(directions, str) else np.asarray(directions)
        images = {tuple(row) for row in self.group[:, d]} if len(d) else {()}
        return len(images)

    def __repr__(self) -> str:
        return f"Lattice({self.name!r})"


def encode_directions(directions) -> str:
    """Write an integer direction array as a direction string (``0-9a-b``)."""
    return "".join(DIRECTION_CHARS[int(d)] for d in directions)


def decode_directions(text: str, lattice: Lattice | None = None) -> np.ndarray:
    """Read a direction string into an int64 array, with a one-line error on bad characters."""
    nd = lattice.n_directions if lattice is not None else len(DIRECTION_CHARS)
    out = np.empty(len(text), dtype=np.int64)
    for i, ch in enumerate(text.lower()):
        k = DIRECTION_CHARS.find(ch)
        if k < 0 or k >= nd:
            where = f" on the {lattice.name} lattice" if lattice is not None else ""
            raise ValueError(f"direction string: {ch!r} at position {i + 1} is not a direction{where} "
                             f"(use 0-{DIRECTION_CHARS[nd - 1]})")
        out[i] = k
    return out


def _point_group(vectors: np.ndarray):
    """All integer matrices with entries in {-1, 0, 1} that permute the neighbour vectors."""
    dim = vectors.shape[1]
    lookup = {tuple(v): i for i, v in enumerate(vectors)}
    perms, mats = [], []
    for entries in product((-1, 0, 1), repeat=dim * dim):
        m = np.array(entries, dtype=np.int64).reshape(dim, dim)
        images = [lookup.get(tuple(m @ v)) for v in vectors]
        if None in images or len(set(images)) != len(images):
            continue
        perms.append(images)
        mats.append(m)
    ident = [i for i, p in enumerate(perms) if p == list(range(len(vectors)))][0]
    order = [ident] + [i for i in range(len(perms)) if i != ident]
    return np.array([perms[i] for i in order], dtype=np.int8), np.array([mats[i] for i in order])


@lru_cache(maxsize=None)
def get_lattice(name: str) -> Lattice:
    """Return the shared :class:`Lattice` called ``name``.

    Raises
    ------
    ValueError
        If the name is not one of ``square``, ``cubic``, ``triangular``, ``fcc``.

    Examples
    --------
    >>> get_lattice("fcc").order
    48
    """
    if isinstance(name, Lattice):
        return name
    key = str(name).strip().lower()
    if key not in _VECTORS:
        raise ValueError(f"unknown lattice {name!r} (choose from {', '.join(LATTICE_NAMES)})")
    vectors = np.array(_VECTORS[key], dtype=np.int64)
    group, mats = _point_group(vectors)
    assert len(group) == _GROUP_ORDER[key], (key, len(group))
    return Lattice(key, vectors.shape[1], vectors, group, mats, CONNECTIVE_CONSTANTS[key])
