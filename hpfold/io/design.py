"""Sequence-space scans in HDF5: per-sequence ground states, the structure table, the designing sequences.

Same ``h5md`` header and ``h5md/modules/hpfold`` module as the other files (kind
``designability``); the layout is specified in ``docs/file_format.md``.
"""
from __future__ import annotations

import os

import h5py
import numpy as np

from ..lattice import get_lattice
from ..sequence import get_model
from ._format import (check_module, first_line, get_attributes, open_for_reading, open_for_writing,
                      set_attributes, software_versions, write_header)
from ._safe import atomic_path

__all__ = ["write_designability", "read_designability"]

_TABLE = ("pair_i", "pair_j", "maps", "sizes", "multiplicity", "directions")


def write_designability(path, result, command_line=None, *, author=None) -> None:
    """Write a :class:`~hpfold.design.DesignabilityResult` to an HDF5 file (atomically, under its lock).

    Examples
    --------
    >>> import os, tempfile
    >>> from hpfold.design import designability
    >>> path = os.path.join(tempfile.mkdtemp(), "scan.h5")
    >>> write_designability(path, designability(8, "square"))
    >>> read_designability(path).n_designing
    7

    Notes
    -----
    Cost: O(2^N + M (W + N)) for M contact maps of W words.
    """
    path = os.fspath(path)
    with atomic_path(path) as tmp:
        with open_for_writing(tmp, "w") as f:
            _write(f, result, command_line, author)


def _write(f, result, command_line, author):
    table = result.table
    write_header(f, "designability", sequence="", lattice=get_lattice(table.lattice), model=get_model("HP"),
                 author=author, extra={"n_monomers": np.int64(table.n)})
    opts = dict(compression="gzip", compression_opts=4, shuffle=True, chunks=True)
    scan = f.create_group("scan", track_order=True)
    scan.attrs["code"] = "bit i of the index is set when monomer i is H; a sequence and its reverse are distinct"
    scan.create_dataset("ground_energy", data=np.asarray(result.ground_energy, np.int16), **opts)
    scan.create_dataset("degeneracy", data=np.asarray(result.degeneracy, np.int64), **opts)
    scan.create_dataset("structure", data=np.asarray(result.structure, np.int32), **opts)
    structures = f.create_group("structures", track_order=True)
    for name in _TABLE:
        data = getattr(table, name)
        structures.create_dataset(name, data=data, **(opts if data.size > 1024 else {}))
    structures.create_dataset("designability", data=result.designability)
    designing = f.create_group("designing", track_order=True)
    codes = result.designing_codes
    designing.create_dataset("codes", data=codes.astype(np.int64))
    designing.create_dataset("sequences", data=result.designing_sequences(), dtype=h5py.string_dtype("utf-8"))
    designing.create_dataset("ground_states", data=[table.conformation(m) for m in result.structure[codes]],
                             dtype=h5py.string_dtype("utf-8"))
    params = {"n_monomers": table.n, "lattice": table.lattice, "compact": table.compact or "",
              "n_classes": table.n_classes, "table_seconds": float(table.seconds), "seconds": float(result.seconds),
              "workers": int(result.workers), "digest": table.digest()}
    if command_line is not None:
        params["command_line"] = str(command_line)
    params.update(software_versions())
    set_attributes(f.create_group("parameters", track_order=True), params)


def read_designability(path):
    """Read a scan written by :func:`write_designability` back into a ``DesignabilityResult``.

    Raises
    ------
    ValueError
        One line naming the file when it is missing, not HDF5, truncated, not a scan, or damaged.
    """
    from ..design.designability import DesignabilityResult
    from ..design.structures import StructureTable

    path = os.fspath(path)
    with open_for_reading(path) as f:
        check_module(f, path, "designability")
        try:
            params = get_attributes(f["parameters"])
            arrays = {name: f["structures"][name][()] for name in _TABLE}
            scan = {name: f["scan"][name][()] for name in ("ground_energy", "degeneracy", "structure")}
        except (OSError, KeyError, TypeError, RuntimeError) as exc:
            raise ValueError(f"{path}: damaged designability file ({first_line(exc)})") from None
    n = int(params["n_monomers"])
    if any(len(v) != 1 << n for v in scan.values()):
        raise ValueError(f"{path}: damaged designability file (not 2^{n} sequences)")
    table = StructureTable(n, str(params["lattice"]), **arrays, n_classes=int(params["n_classes"]),
                           compact=str(params["compact"]) or None, seconds=float(params["table_seconds"]))
    return DesignabilityResult(table, scan["ground_energy"].astype(np.int16), scan["degeneracy"].astype(np.int64),
                               scan["structure"].astype(np.int32), float(params["seconds"]), int(params["workers"]))
