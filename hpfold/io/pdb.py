"""Export lattice conformations as PDB files: a C-alpha trace for PyMOL, VMD or ChimeraX.

Each conformation becomes one ``MODEL`` (PyMOL states, VMD frames).  Every
monomer is one ``CA`` atom of a residue named after its type:

=========  ===========  ====================================
letter     residue      meaning
=========  ===========  ====================================
``H``      ``HYD``      hydrophobic
``P``      ``POL``      polar (HP model)
``P``      ``POS``      positive (HPNX model)
``N``      ``NEG``      negative (HPNX model)
``X``      ``NEU``      neutral (HPNX model)
=========  ===========  ====================================

The B-factor column is 1.00 for H and 0.00 otherwise, so ``spectrum b`` in
PyMOL (or colouring by Beta in VMD) shows the hydrophobic core.  Lattice
coordinates are mapped to Cartesian ones with unit bonds (``lattice.cartesian``)
and scaled to 3.8 Angstrom, the C-alpha spacing of a protein; 2-D lattices lie
in the z = 0 plane.  ``CONECT`` records give the chain bonds, because a 3.8
Angstrom spacing is too long for the viewers' distance-based bonding.
"""
from __future__ import annotations

import os

import numpy as np

from ..lattice import decode_directions, get_lattice
from ..sequence import get_model, parse_sequence

__all__ = ["write_pdb", "format_pdb", "RESIDUE_NAMES"]

#: residue names per monomer letter (HP model); HPNX uses POS for P
RESIDUE_NAMES = {"H": "HYD", "P": "POL", "N": "NEG", "X": "NEU"}
_HPNX_NAMES = {"H": "HYD", "P": "POS", "N": "NEG", "X": "NEU"}
#: C-alpha to C-alpha distance in a protein chain, Angstrom
CA_BOND = 3.8


def write_pdb(path, conformations, sequence, lattice="square", **options) -> None:
    """Write conformations of one chain to a PDB file, one MODEL each.

    Parameters
    ----------
    path : str or path-like
    conformations : str, Conformation, sequence of those, or int array
        A direction string, a :class:`~hpfold.conformation.Conformation`, a list of either, an int array
        of directions (``[N-1]`` or ``[M, N-1]``) or of lattice coordinates ``[M, N, dim]`` (e.g.
        ``trajectory.positions[0]``).
    sequence : str
        The chain, e.g. ``"HPPH"``.
    lattice : str or Lattice, default "square"
    **options
        ``model`` ("HP" or "HPNX"), ``bond_length`` (Angstrom, default 3.8), ``residue_names``
        (dict letter -> 3-letter name), ``chain_id`` (default "A"), ``title``; see :func:`format_pdb`.

    Examples
    --------
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "fold.pdb")
    >>> write_pdb(path, ["0121", "0303"], "HPPHH", "square")
    >>> sum(line.startswith("MODEL") for line in open(path))
    2

    Notes
    -----
    Follows the column layout of the wwPDB format v3.3 (ATOM, MODEL/ENDMDL, TER, CONECT, END).
    Cost: O(M N) lines.
    """
    from ._safe import atomic_path

    text = format_pdb(conformations, sequence, lattice, **options)
    with atomic_path(path) as tmp, open(tmp, "w", encoding="ascii") as handle:
        handle.write(text)


def format_pdb(conformations, sequence, lattice="square", *, model="HP", bond_length=CA_BOND,
               residue_names=None, chain_id="A", title=None) -> str:
    """The PDB text that :func:`write_pdb` writes (see there for the parameters).

    Raises
    ------
    ValueError
        Bad sequence or conformations, a chain that does not fit the PDB columns (over 9998 monomers,
        over 9999 models, or coordinates beyond -999.999..9999.999 Angstrom).

    Examples
    --------
    >>> print(format_pdb("0", "HP", "square").splitlines()[2].rstrip())
    ATOM      1  CA  HYD A   1       0.000   0.000   0.000  1.00  1.00           C
    """
    lat = get_lattice(lattice)
    mdl = get_model(model)
    seq = parse_sequence(sequence, mdl.alphabet)
    n = len(seq)
    if n > 9998:
        raise ValueError(f"PDB: a chain of {n} monomers exceeds the 9998 residues the format can number")
    names = dict(_HPNX_NAMES if mdl.alphabet == "HPNX" else RESIDUE_NAMES)
    names.update({k.upper(): v for k, v in (residue_names or {}).items()})
    for letter in set(seq):
        name = names.get(letter)
        if not name or len(name) > 3 or not name.isalnum():
            raise ValueError(f"PDB: residue name for {letter!r} must be 1-3 letters or digits, got {name!r}")
    if len(str(chain_id)) != 1:
        raise ValueError(f"PDB: chain_id must be one character, got {chain_id!r}")
    if not (bond_length > 0):
        raise ValueError(f"PDB: bond_length must be positive, got {bond_length}")
    frames = _coordinate_frames(conformations, lat, n)
    if len(frames) > 9999:
        raise ValueError(f"PDB: {len(frames)} models exceed the 9999 the MODEL record can number")
    xyz = np.zeros((len(frames), n, 3))
    xyz[:, :, :lat.dim] = frames @ np.asarray(lat.cartesian, dtype=float).T * float(bond_length)
    xyz = np.where(np.abs(xyz) < 5e-4, 0.0, xyz)  # no "-0.000"
    if xyz.size and (xyz.min() <= -999.9995 or xyz.max() >= 9999.9995):
        raise ValueError("PDB: coordinates exceed the 8.3 columns (-999.999 to 9999.999 Angstrom)")
    heading = title or f"HPFOLD {mdl.name} CHAIN OF {n} MONOMERS ON THE {lat.name.upper()} LATTICE: {seq}"
    lines = _title_lines(str(heading))
    for m, model_xyz in enumerate(xyz, start=1):
        lines.append(_pad(f"MODEL     {m:4d}"))
        for i, (letter, (x, y, z)) in enumerate(zip(seq, model_xyz)):
            beta = 1.0 if letter == "H" else 0.0
            lines.append(f"ATOM  {i + 1:5d}  CA  {names[letter]:>3s} {chain_id}{i + 1:4d}    "
                         f"{x:8.3f}{y:8.3f}{z:8.3f}{1.0:6.2f}{beta:6.2f}          {'C':>2s}  ")
        lines.append(_pad(f"TER   {n + 1:5d}      {names[seq[-1]]:>3s} {chain_id}{n:4d}"))
        lines.append(_pad("ENDMDL"))
    for i in range(1, n + 1):
        bonded = [j for j in (i - 1, i + 1) if 1 <= j <= n]
        lines.append(_pad("CONECT" + f"{i:5d}" + "".join(f"{j:5d}" for j in bonded)))
    lines.append(_pad("END"))
    return "\n".join(lines) + "\n"


def _coordinate_frames(conformations, lattice, n: int) -> np.ndarray:
    """Integer lattice coordinates [M, N, dim] of the given conformations, checked to be chains."""
    from ..conformation import Conformation

    items = conformations
    if isinstance(items, (str, Conformation)):
        items = [items]
    if isinstance(items, (list, tuple)) and items and all(isinstance(c, (str, Conformation)) for c in items):
        frames = []
        for c in items:
            if isinstance(c, Conformation):
                if c.lattice.name != lattice.name:
                    raise ValueError(f"PDB: a conformation is on the {c.lattice.name} lattice, "
                                     f"not {lattice.name}")
                dirs = np.asarray(c.directions, dtype=np.int64)
            else:
                dirs = decode_directions(c, lattice)
            frames.append(_walk(dirs, lattice, n))
        return _checked(np.stack(frames), lattice, n)
    arr = np.asarray(items)
    if arr.size == 0 or arr.dtype.kind not in "iu":
        raise ValueError("PDB: conformations must be direction strings, Conformations, or an integer array "
                         "of directions [M, N-1] or coordinates [M, N, dim]")
    if arr.ndim == 1:
        arr = arr[None, :]
    if arr.ndim == 2:
        if arr.shape[1] != n - 1:
            raise ValueError(f"PDB: directions have {arr.shape[1]} steps, the sequence needs {n - 1}")
        if arr.min() < 0 or arr.max() >= lattice.n_directions:
            raise ValueError(f"PDB: directions must lie in 0..{lattice.n_directions - 1} on the "
                             f"{lattice.name} lattice")
        return _checked(np.stack([_walk(row, lattice, n) for row in arr]), lattice, n)
    if arr.ndim == 3:
        if arr.shape[1:] != (n, lattice.dim):
            raise ValueError(f"PDB: coordinates have shape {arr.shape}, expected (M, {n}, {lattice.dim})")
        return _checked(arr.astype(np.int64), lattice, n)
    raise ValueError(f"PDB: cannot read conformations of shape {arr.shape}")


def _walk(dirs, lattice, n: int) -> np.ndarray:
    if len(dirs) != n - 1:
        raise ValueError(f"PDB: a conformation has {len(dirs)} steps, the sequence needs {n - 1}")
    coords = np.zeros((n, lattice.dim), dtype=np.int64)
    np.cumsum(lattice.vectors[dirs], axis=0, out=coords[1:])
    return coords


def _checked(frames: np.ndarray, lattice, n: int) -> np.ndarray:
    """Check that consecutive monomers are lattice neighbours and no site is used twice."""
    for m, coords in enumerate(frames):
        steps = np.diff(coords, axis=0)
        ok = np.all(steps[:, None, :] == lattice.vectors[None, :, :], axis=2).any(axis=1)
        if not ok.all():
            i = int(np.argmin(ok))
            raise ValueError(f"PDB: conformation {m}: monomers {i} and {i + 1} are not lattice neighbours")
        if len(np.unique(coords, axis=0)) != n:
            raise ValueError(f"PDB: conformation {m} is not self-avoiding")
    return frames


def _title_lines(text: str) -> list:
    """TITLE record: 70 characters on the first line, then continuation lines numbered 2, 3, ... (max 99)."""
    text = "".join(ch if 32 <= ord(ch) < 127 else "?" for ch in text)
    lines = [_pad(f"TITLE     {text[:70]}")]
    rest = text[70:]
    number = 2
    while rest and number <= 99:
        lines.append(_pad(f"TITLE   {number:2d} {rest[:69]}"))
        rest, number = rest[69:], number + 1
    return lines


def _pad(line: str) -> str:
    return line.ljust(80)
