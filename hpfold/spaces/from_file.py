"""A landscape from files: an energy-sorted list of states (as ``barriers`` reads) plus an adjacency list.

The states file has one state per line, ``label energy [weight]``, sorted by energy as
``RNAsubopt -s`` writes it (``barriers``' input); blank lines and ``#`` comments are skipped,
and so is a first line whose second field is not a number (RNAsubopt's header, ``SEQUENCE
mfe range``).  The neighbours come from

- a section of the same file after a line ``neighbours`` (or ``edges``), or a separate file:
  each line ``i j k ...`` says that state ``i`` neighbours states ``j``, ``k``, ...
  (1-based positions in the states list, as ``barriers`` numbers them; pairs ``i j`` are the
  special case of one neighbour); the relation is made symmetric;
- or, with no adjacency given and dot-bracket labels (RNA secondary structures), the move set
  of ``barriers``' default: insert or delete one base pair.
"""
from __future__ import annotations

import os

import numpy as np

from .base import GraphSpace

__all__ = ["read_barriers_file", "space_from_file"]

_SECTION = {"neighbours", "neighbors", "edges", "adjacency"}


def read_barriers_file(path, edges=None, *, name="file") -> GraphSpace:
    """Read a states file (and an adjacency list) into a :class:`GraphSpace`.

    Parameters
    ----------
    path : str or Path
        The states file (see the module docstring).
    edges : str or Path, optional
        The adjacency list, when it is not a section of ``path``.

    Returns
    -------
    GraphSpace
        States in file order (which is energy order); labels from the file.

    Raises
    ------
    ValueError
        One line naming the file and line: unreadable numbers, unsorted energies, a neighbour
        outside the list, no adjacency for non-RNA labels.

    Examples
    --------
    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "states.txt")
    >>> _ = open(path, "w").write("a -2\\nb -1\\nc 0\\nd -1.5\\nneighbours\\n1 3\\n3 4\\n2 4\\n")
    >>> read_barriers_file(path)                       # doctest: +IGNORE_EXCEPTION_DETAIL
    Traceback (most recent call last):
    ValueError: states.txt:4: energies must be sorted ascending (barriers' input is)
    >>> _ = open(path, "w").write("a -2\\nd -1.5\\nb -1\\nc 0\\nneighbours\\n1 4\\n4 2\\n3 2\\n")
    >>> space = read_barriers_file(path)
    >>> len(space), space.label(1), space.energies.tolist()
    (4, 'd', [-2.0, -1.5, -1.0, 0.0])

    Notes
    -----
    The format of ``barriers`` (Flamm, Hofacker, Stadler & Wolfinger, Z. Phys. Chem. 216,
    155 (2002)).  Cost: O(S + M) for S states and M adjacency entries (O(S L) for RNA moves of
    structures of length L).
    """
    path = os.fspath(path)
    labels, energies, weights, adjacency = _read_states(path)
    if edges is not None:
        if adjacency:
            raise ValueError(f"{path}: has a neighbours section and an edges file was given too; use one")
        adjacency = _read_adjacency(os.fspath(edges), list(enumerate(_lines(os.fspath(edges)), 1)), len(labels))
    elif adjacency:
        adjacency = _read_adjacency(path, adjacency, len(labels))
    elif all(_is_dot_bracket(s) for s in labels):
        adjacency = _rna_moves(labels)
    else:
        raise ValueError(f"{path}: no neighbours: add a 'neighbours' section, an edges file, or give RNA "
                         "dot-bracket structures")
    pairs = np.array(adjacency, dtype=np.int64).reshape(-1, 2)
    return GraphSpace(energies, pairs, labels=labels, weights=weights, name=name,
                      parameters={"source": os.path.basename(path), "states": len(labels)})


#: the CLI's name for it
space_from_file = read_barriers_file


def _lines(path):
    try:
        with open(path, encoding="utf-8") as fh:
            return fh.read().splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"{path}: cannot read ({exc.__class__.__name__}: {exc})") from None


def _read_states(path):
    labels, energies, weights = [], [], []
    rest = []
    rows = []
    lines = list(enumerate(_lines(path), 1))
    for pos, (lineno, raw) in enumerate(lines):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if line.lower() in _SECTION:
            rest = lines[pos + 1:]
            break
        rows.append((lineno, raw, line.split()))
    if len(rows) > 1 and _is_header(rows[0][2], rows[1][2]):
        rows = rows[1:]  # RNAsubopt's header line: SEQUENCE mfe range
    name = os.path.basename(path)
    for lineno, raw, fields in rows:
        if len(fields) not in (2, 3) or not _is_number(fields[1]):
            raise ValueError(f"{name}:{lineno}: expected 'label energy [weight]', got {raw!r}")
        e = float(fields[1])
        if energies and e < energies[-1]:
            raise ValueError(f"{name}:{lineno}: energies must be sorted ascending (barriers' input is)")
        w = 1
        if len(fields) == 3:
            if not fields[2].isdigit() or int(fields[2]) < 1:
                raise ValueError(f"{name}:{lineno}: the weight must be a positive integer")
            w = int(fields[2])
        labels.append(fields[0])
        energies.append(e)
        weights.append(w)
    if not labels:
        raise ValueError(f"{path}: no states")
    if len(set(labels)) != len(labels):
        raise ValueError(f"{path}: duplicate state labels")
    values = np.array(energies)
    if np.all(values == np.round(values)) and np.abs(values).max() < 2 ** 53:
        values = values.astype(np.int64)
    return labels, values, np.array(weights, dtype=np.int64), rest


def _is_header(first, second):
    """A first line that names the sequence of the dot-bracket structures below it, or has no energy."""
    if len(first) < 2 or not _is_number(first[1]):
        return True
    return first[0].isalpha() and _is_dot_bracket(second[0]) and len(first[0]) == len(second[0])


def _read_adjacency(path, lines, n):
    pairs = []
    for lineno, raw in lines:
        line = raw.split("#", 1)[0].replace(":", " ").strip()
        if not line or line.lower() in _SECTION:
            continue
        where = f"{os.path.basename(path)}:{lineno}"
        try:
            nums = [int(x) for x in line.split()]
        except ValueError:
            raise ValueError(f"{where}: expected state numbers 'i j k ...', got {raw!r}") from None
        if any(x < 1 or x > n for x in nums):
            raise ValueError(f"{where}: state numbers run from 1 to {n}, got {raw!r}")
        pairs += [(nums[0] - 1, j - 1) for j in nums[1:]]
    return pairs


def _is_number(text):
    try:
        return np.isfinite(float(text))
    except ValueError:
        return False


def _is_dot_bracket(s):
    if not s or set(s) - set("().") or "(" not in s and ")" not in s and "." not in s:
        return False
    depth = 0
    for c in s:
        depth += (c == "(") - (c == ")")
        if depth < 0:
            return False
    return depth == 0


def _pairs(s):
    stack, out = [], []
    for i, c in enumerate(s):
        if c == "(":
            stack.append(i)
        elif c == ")":
            out.append((stack.pop(), i))
    return out


def _rna_moves(structures):
    """Pairs of structures one base pair apart (insert/delete a pair)."""
    index = {s: k for k, s in enumerate(structures)}
    out = []
    for k, s in enumerate(structures):
        chars = list(s)
        for i, j in _pairs(s):
            chars[i] = chars[j] = "."
            t = index.get("".join(chars))
            if t is not None:
                out.append((k, t))
            chars[i], chars[j] = "(", ")"
    return out
