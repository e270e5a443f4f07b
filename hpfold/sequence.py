"""Sequences and contact-energy models.

A sequence is a string over an alphabet (``HP`` by default).  An energy model
is a symmetric matrix of integer contact energies over that alphabet: a
topological contact between monomers ``i`` and ``j`` (lattice neighbours with
``|i - j| > 1``) contributes ``matrix[a_i, a_j]``.  Energies are integers so
that densities of states have exact discrete levels; scale a real-valued
matrix (for example Miyazawa-Jernigan energies times 100) before use.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

__all__ = ["EnergyModel", "HP", "HPNX", "parse_sequence", "get_model"]


@dataclass(frozen=True, eq=False)
class EnergyModel:
    """A contact-energy matrix over an alphabet.

    Parameters
    ----------
    alphabet : str
        One character per monomer type, e.g. ``"HP"``.
    matrix : array_like of int, shape (k, k)
        Symmetric integer contact energies.
    name : str, optional
        Label stored in output files.

    Examples
    --------
    >>> m = EnergyModel("HP", [[-1, 0], [0, 0]])
    >>> m.encode("hpH").tolist()
    [0, 1, 0]
    """

    alphabet: str
    matrix: np.ndarray = field(repr=False)
    name: str = "custom"

    def __post_init__(self):
        alphabet = self.alphabet.upper()
        if len(set(alphabet)) != len(alphabet) or not alphabet:
            raise ValueError(f"energy model: alphabet {self.alphabet!r} must be distinct letters")
        raw = np.asarray(self.matrix)
        if raw.shape != (len(alphabet), len(alphabet)):
            raise ValueError(f"energy model: matrix shape {raw.shape} does not match alphabet {alphabet!r}")
        if not np.array_equal(raw, raw.T):
            raise ValueError("energy model: matrix must be symmetric")
        if not np.all(np.asarray(raw, dtype=float) == np.round(np.asarray(raw, dtype=float))):
            raise ValueError("energy model: contact energies must be integers (scale the matrix)")
        object.__setattr__(self, "alphabet", alphabet)
        object.__setattr__(self, "matrix", np.ascontiguousarray(raw, dtype=np.int64))

    def encode(self, sequence: str) -> np.ndarray:
        """Monomer types of ``sequence`` as an int64 array (validates it)."""
        return _encode(parse_sequence(sequence, self.alphabet), self.alphabet)

    @property
    def is_hp(self) -> bool:
        """True for the standard HP model (only H-H contacts, energy -1)."""
        return self.alphabet == "HP" and np.array_equal(self.matrix, [[-1, 0], [0, 0]])


#: the standard HP model: E = -(number of H-H topological contacts)
HP = EnergyModel("HP", [[-1, 0], [0, 0]], name="HP")
#: HPNX model (Backofen & Will): H hydrophobic, P positive, N negative, X neutral
HPNX = EnergyModel("HPNX", [[-4, 0, 0, 0], [0, 1, -1, 0], [0, -1, 1, 0], [0, 0, 0, 0]], name="HPNX")

_MODELS = {"HP": HP, "HPNX": HPNX}


def get_model(model) -> EnergyModel:
    """Return an :class:`EnergyModel` from a model or a name (``"HP"``, ``"HPNX"``)."""
    if isinstance(model, EnergyModel):
        return model
    key = str(model).upper()
    if key not in _MODELS:
        raise ValueError(f"unknown energy model {model!r} (choose from {', '.join(_MODELS)})")
    return _MODELS[key]


def parse_sequence(text: str, alphabet: str = "HP") -> str:
    """Validate and normalise a sequence: upper case, whitespace removed.

    Raises
    ------
    ValueError
        One line naming the first bad character and its (1-based) position,
        or saying that the sequence is empty.

    Examples
    --------
    >>> parse_sequence("hph ph")
    'HPHPH'
    >>> parse_sequence("HPX")
    Traceback (most recent call last):
    ...
    ValueError: sequence: 'X' at position 3 is not one of H, P
    """
    if not isinstance(text, str):
        raise ValueError(f"sequence must be a string, not {type(text).__name__}")
    out = []
    position = 0
    for ch in text:
        if ch.isspace():
            continue
        position += 1
        up = ch.upper()
        if up not in alphabet:
            raise ValueError(f"sequence: {ch!r} at position {position} is not one of {', '.join(alphabet)}")
        out.append(up)
    if not out:
        raise ValueError("sequence is empty")
    return "".join(out)


def _encode(sequence: str, alphabet: str) -> np.ndarray:
    index = {c: i for i, c in enumerate(alphabet)}
    return np.array([index[c] for c in sequence], dtype=np.int64)
