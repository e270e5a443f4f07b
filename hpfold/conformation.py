"""Conformations: self-avoiding walks on a lattice, their energies, contacts and overlaps."""
from __future__ import annotations

import numpy as np

from ._kernels.geometry import contact_energy, contact_pairs, first_collision, positions_from_directions
from ._validation import ensure_array
from .lattice import Lattice, decode_directions, encode_directions, get_lattice
from .sequence import HP, get_model, parse_sequence

__all__ = ["Conformation"]


class Conformation:
    """A chain conformation: a self-avoiding walk with monomer 0 at the origin.

    Parameters
    ----------
    directions : str or array_like of int
        The ``N - 1`` step directions (see :mod:`hpfold.lattice` for the numbering).
    lattice : str or Lattice, default "square"
    validate : bool, default True
        Raise ``ValueError`` if the walk is not self-avoiding.

    Examples
    --------
    >>> c = Conformation("0123", "square")   # a unit square: monomers 0 and 4 collide
    Traceback (most recent call last):
    ...
    ValueError: conformation is not self-avoiding: monomers 0 and 4 are both at (0, 0)
    >>> c = Conformation("012", "square")
    >>> c.energy("HPPH")
    -1
    >>> c.contacts().tolist()
    [[0, 3]]
    """

    __slots__ = ("lattice", "directions", "_coords")

    def __init__(self, directions, lattice="square", validate=True):
        self.lattice: Lattice = get_lattice(lattice)
        if isinstance(directions, str):
            dirs = decode_directions(directions, self.lattice)
        else:
            dirs = ensure_array(directions, "directions", np.int64, ndim=1)
            if dirs.size and (dirs.min() < 0 or dirs.max() >= self.lattice.n_directions):
                raise ValueError(f"directions: values must lie in 0..{self.lattice.n_directions - 1} "
                                 f"on the {self.lattice.name} lattice")
        self.directions = dirs
        self._coords = None
        if validate:
            self.validate()

    @classmethod
    def from_coords(cls, coords, lattice="square", validate=True) -> "Conformation":
        """Build a conformation from integer lattice coordinates (N, dim); translation is removed.

        Raises
        ------
        ValueError
            If two consecutive monomers are not lattice neighbours, or the walk is not self-avoiding.
        """
        lat = get_lattice(lattice)
        xyz = ensure_array(coords, "coords", np.int64, ndim=2)
        if xyz.shape[1] != lat.dim:
            raise ValueError(f"coords: expected {lat.dim} columns on the {lat.name} lattice, got {xyz.shape[1]}")
        if len(xyz) == 0:
            raise ValueError("coords: a conformation needs at least one monomer")
        steps = np.diff(xyz, axis=0)
        dirs = np.empty(len(steps), dtype=np.int64)
        for i, step in enumerate(steps):
            d = lat.direction_of(step)
            if d < 0:
                raise ValueError(f"coords: monomers {i} and {i + 1} are not lattice neighbours "
                                 f"(step {tuple(int(s) for s in step)})")
            dirs[i] = d
        return cls(dirs, lat, validate=validate)

    # -- basic properties ---------------------------------------------------
    @property
    def n_monomers(self) -> int:
        return len(self.directions) + 1

    def __len__(self) -> int:
        return self.n_monomers

    @property
    def string(self) -> str:
        """The direction string, e.g. ``'0011'``."""
        return encode_directions(self.directions)

    @property
    def coords(self) -> np.ndarray:
        """Integer lattice coordinates, shape (N, dim), monomer 0 at the origin."""
        if self._coords is None:
            self._coords = positions_from_directions(self.directions, self.lattice.vectors)
        return self._coords

    def cartesian(self) -> np.ndarray:
        """Cartesian coordinates with unit bond length, shape (N, dim)."""
        return self.coords @ self.lattice.cartesian.T

    def __repr__(self) -> str:
        return f"Conformation({self.string!r}, {self.lattice.name!r})"

    def __eq__(self, other) -> bool:
        return (isinstance(other, Conformation) and other.lattice is self.lattice
                and np.array_equal(other.directions, self.directions))

    def __hash__(self) -> int:
        return hash((self.lattice.name, self.string))

    # -- validity -------------------------------------------------------------
    def validate(self) -> "Conformation":
        """Raise ``ValueError`` (one line) if two monomers share a site; return self."""
        i, j = first_collision(self.coords)
        if i >= 0:
            where = ", ".join(str(int(x)) for x in self.coords[i])
            raise ValueError(f"conformation is not self-avoiding: monomers {i} and {j} are both at ({where})")
        return self

    @property
    def is_valid(self) -> bool:
        return first_collision(self.coords)[0] < 0

    # -- energy and contacts -------------------------------------------------------
    def energy(self, sequence, model=HP) -> int:
        """Contact energy of ``sequence`` in this conformation (integer units of the model).

        On the triangular and fcc lattices monomers ``i`` and ``i + 2`` can touch; they count.
        """
        model = get_model(model)
        types = model.encode(sequence) if isinstance(sequence, str) else ensure_array(sequence, "sequence", np.int64, 1)
        if len(types) != self.n_monomers:
            raise ValueError(f"sequence has {len(types)} monomers but the conformation has {self.n_monomers}")
        return int(contact_energy(self.coords, types, model.matrix, self.lattice.vectors))

    def contacts(self) -> np.ndarray:
        """Topological contacts as an (m, 2) array of pairs i < j - 1."""
        return contact_pairs(self.coords, self.lattice.vectors)

    def contact_map(self) -> np.ndarray:
        """Symmetric boolean (N, N) matrix of topological contacts."""
        cmap = np.zeros((self.n_monomers, self.n_monomers), dtype=bool)
        pairs = self.contacts()
        cmap[pairs[:, 0], pairs[:, 1]] = True
        cmap[pairs[:, 1], pairs[:, 0]] = True
        return cmap

    def overlap(self, native: "Conformation", sequence=None) -> float:
        """Native-contact overlap Q: the fraction of ``native``'s contacts present here.

        With ``sequence`` given, only H-H contacts (pairs of the model's first letter) count.
        Q is invariant under the point group.  Returns 1.0 when the native state has no contacts.
        """
        if native.n_monomers != self.n_monomers or native.lattice is not self.lattice:
            raise ValueError("overlap: conformations differ in length or lattice")
        ref = native.contact_map()
        here = self.contact_map()
        if sequence is not None:
            hmask = np.array([c == "H" for c in parse_sequence(sequence)])
            keep = np.outer(hmask, hmask)
            ref, here = ref & keep, here & keep
        total = int(ref.sum())
        return 1.0 if total == 0 else float((ref & here).sum()) / total

    # -- shape ---------------------------------------------------------------------
    def radius_of_gyration(self) -> float:
        xyz = self.cartesian()
        return float(np.sqrt(((xyz - xyz.mean(axis=0)) ** 2).sum(axis=1).mean()))

    def end_to_end(self) -> float:
        xyz = self.cartesian()
        return float(np.linalg.norm(xyz[-1] - xyz[0]))

    # -- symmetry -------------------------------------------------------------------
    def canonical(self) -> "Conformation":
        """The member of this conformation's symmetry class with the smallest direction string."""
        return Conformation(self.lattice.canonical(self.directions), self.lattice, validate=False)

    def orbit_size(self) -> int:
        return self.lattice.orbit_size(self.directions)

    def transformed(self, g: int) -> "Conformation":
        """Image under point-group element ``g`` (an index into ``lattice.group``)."""
        return Conformation(self.lattice.group[g][self.directions].astype(np.int64), self.lattice, validate=False)
