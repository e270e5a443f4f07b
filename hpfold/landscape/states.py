"""States of a landscape: canonical conformation classes, packed keys, an index, and move-set names."""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .._kernels import landscape as K
from .._validation import ensure_array
from ..lattice import Lattice, decode_directions, encode_directions, get_lattice

__all__ = ["KeyLayout", "StateIndex", "parse_moves", "MOVE_NAMES", "moves_label", "native_overlaps"]

#: move-set names and their bits (the values of the constants in ``hpfold._kernels.moves``)
MOVE_NAMES = {"local": 1, "pull": 2, "pull_lesh": 4, "pivot": 8}


def parse_moves(moves) -> int:
    """Turn a move-set name (``"pull"``, ``"local+pivot"``, ``"pull:0.9,pivot:0.1"``) or a bit mask into a mask.

    Weights (the samplers' mixtures) only select the move types: the neighbourhood of a
    mixture is the union of its move sets.

    Raises
    ------
    ValueError
        On an unknown name or an empty mask.

    Examples
    --------
    >>> parse_moves("local+pivot")
    9
    """
    if isinstance(moves, (int, np.integer)) and not isinstance(moves, bool):
        mask = int(moves)
        if mask <= 0 or mask & ~sum(MOVE_NAMES.values()):
            raise ValueError(f"moves: {mask} is not a combination of {MOVE_NAMES}")
        return mask
    if not isinstance(moves, str):
        raise ValueError(f"moves must be a name such as 'pull' or 'local+pivot', not {type(moves).__name__}")
    mask = 0
    for part in moves.replace(",", "+").split("+"):
        name, _, weight = part.partition(":")  # the samplers' "pull:0.9,pivot:0.1" mixtures
        name = name.strip().lower().replace("-", "_")
        if not name:
            continue
        if weight.strip():
            try:
                if float(weight) <= 0:
                    continue
            except ValueError:
                raise ValueError(f"moves: bad weight in {part.strip()!r}") from None
        if name not in MOVE_NAMES:
            raise ValueError(f"moves: unknown move set {part.strip()!r} (choose from {', '.join(MOVE_NAMES)}, "
                             "or combine them with '+')")
        mask |= MOVE_NAMES[name]
    if not mask:
        raise ValueError("moves: no move set given")
    return mask


def moves_label(mask: int) -> str:
    """The name of a move mask, e.g. ``'local+pivot'``."""
    return "+".join(name for name, bit in MOVE_NAMES.items() if mask & bit)


@dataclass(frozen=True, eq=False)
class KeyLayout:
    """How canonical direction strings of ``length`` steps on a lattice are packed into uint64 words."""

    lattice: Lattice
    length: int
    bits: int
    n_words: int
    candidates: np.ndarray = field(repr=False)

    @classmethod
    def of(cls, lattice, length: int) -> "KeyLayout":
        lat = get_lattice(lattice)
        bits = max(1, math.ceil(math.log2(lat.n_directions)))
        per_word = 64 // bits
        n_words = max(1, -(-length // per_word))
        group = lat.group.astype(np.int64)
        nd = lat.n_directions
        best = group.min(axis=0)  # smallest image of each direction
        rows = [[g for g in range(len(group)) if group[g, d] == best[d]] for d in range(nd)]
        width = max(len(r) for r in rows)
        cand = np.full((nd, width), -1, dtype=np.int64)
        for d, r in enumerate(rows):
            cand[d, :len(r)] = r
        return cls(lat, int(length), bits, n_words, cand)

    def pack(self, directions) -> np.ndarray:
        """Packed keys (uint64 [M, n_words]) of canonical direction rows (int8 [M, length])."""
        d = ensure_array(directions, "directions", np.int8, ndim=2)
        return K.pack_rows(d, self.bits, self.n_words)

    def canonical_keys(self, directions) -> np.ndarray:
        """Packed keys of the canonical forms of arbitrary direction rows."""
        d = ensure_array(directions, "directions", np.int8, ndim=2)
        return K.canonical_rows(d, self.lattice.group.astype(np.int64), self.candidates, self.bits, self.n_words)

    def unpack(self, keys) -> np.ndarray:
        """Direction rows (int8 [M, length]) of packed keys."""
        keys = ensure_array(keys, "keys", np.uint64, ndim=2)
        out = np.empty((len(keys), self.length), dtype=np.int8)
        for r in range(len(keys)):
            K.unpack_into(keys[r], self.bits, self.length, out[r])
        return out


class StateIndex:
    """A lookup from canonical conformation to state number, for states sorted by (energy, key).

    Parameters
    ----------
    directions : int8 array [M, N-1]
        Canonical direction strings (one per symmetry class), any order.
    energies : int array [M]
    weights : int array [M]
        Orbit sizes (conformations per class).
    lattice : str or Lattice

    Examples
    --------
    >>> idx = StateIndex([[0, 1], [0, 0]], [0, 0], [8, 4], "square")
    >>> idx.find("01"), idx.find("21"), idx.find("00")
    (1, 1, 0)
    """

    def __init__(self, directions, energies, weights, lattice):
        dirs = ensure_array(directions, "directions", np.int8, ndim=2)
        energies = ensure_array(energies, "energies", np.int64, ndim=1, shape=(len(dirs),))
        weights = ensure_array(weights, "weights", np.int64, ndim=1, shape=(len(dirs),))
        if len(dirs) == 0:
            raise ValueError("landscape: there are no states (is the energy cutoff below the ground state?)")
        self.layout = KeyLayout.of(lattice, dirs.shape[1])
        keys = self.layout.pack(dirs)
        order = np.lexsort([keys[:, w] for w in reversed(range(keys.shape[1]))] + [energies])
        self.directions = dirs[order]
        self.energies = energies[order]
        self.weights = weights[order]
        self.keys = np.ascontiguousarray(keys[order])
        if len(self.keys) > 1:
            same = np.all(self.keys[1:] == self.keys[:-1], axis=1) & (self.energies[1:] == self.energies[:-1])
            if same.any():
                raise ValueError("landscape: duplicate states in the input")
        self.levels, starts = np.unique(self.energies, return_index=True)
        self.level_bounds = np.append(starts, len(self.energies)).astype(np.int64)
        self.level_stop = np.repeat(self.level_bounds[1:], np.diff(self.level_bounds)).astype(np.int64)
        self.log2_capacity = max(4, int(math.ceil(math.log2(2 * len(self.keys)))))
        self.shift = 64 - self.log2_capacity
        self.table = K.build_table(self.keys, self.log2_capacity)

    def __len__(self) -> int:
        return len(self.energies)

    @property
    def lattice(self) -> Lattice:
        return self.layout.lattice

    def find(self, conformation) -> int:
        """State number of a conformation (any orientation), or -1 if it is not indexed."""
        if isinstance(conformation, str):
            d = decode_directions(conformation, self.lattice)
        else:
            d = getattr(conformation, "directions", conformation)
        row = np.asarray(d, dtype=np.int8).reshape(1, -1)
        if row.shape[1] != self.layout.length:
            raise ValueError(f"conformation has {row.shape[1]} steps, the states have {self.layout.length}")
        key = self.layout.canonical_keys(row)
        return int(K.lookup_rows(self.table, key, self.shift)[0])

    def string(self, state: int) -> str:
        """Canonical direction string of a state."""
        return encode_directions(self.directions[state])


def native_overlaps(conformations, native, lattice, sequence) -> np.ndarray:
    """Native contact overlap Q of each conformation (direction strings or rows) to ``native``.

    Only H-H contacts count when the sequence is an HP sequence (see
    :meth:`hpfold.conformation.Conformation.overlap`).
    """
    from ..conformation import Conformation

    lat = get_lattice(lattice)
    nat = native if isinstance(native, Conformation) else Conformation(native, lat)
    hp = sequence if set(sequence) <= set("HP") else None
    out = []
    for c in conformations:
        conf = Conformation(c if isinstance(c, str) else np.asarray(c, dtype=np.int64), lat, validate=False)
        out.append(conf.overlap(nat, hp))
    return np.array(out, dtype=np.float64)
