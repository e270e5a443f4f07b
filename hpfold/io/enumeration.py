"""Exact enumeration results in HDF5: the density of states, ground states and (optionally) all conformations.

Same ``h5md`` header and ``h5md/modules/hpfold`` module as trajectories (kind
``enumeration``); the layout is specified in ``docs/file_format.md``.
"""
from __future__ import annotations

import os
from types import SimpleNamespace

import h5py
import numpy as np

from ..lattice import get_lattice
from ..sequence import get_model
from ._format import (check_module, first_line, get_attributes, open_for_reading, open_for_writing,
                      set_attributes, software_versions, write_header)
from ._safe import atomic_path

__all__ = ["write_enumeration", "read_enumeration"]


def write_enumeration(path, result, command_line=None, *, author=None) -> None:
    """Write an :class:`~hpfold.enumerate.EnumerationResult` to an HDF5 file.

    The file is written under a temporary name beside ``path`` and renamed when complete, so an
    interrupted write never leaves a half-written file at ``path``; the lock ``<path>.lock`` is held
    meanwhile, and a file another process is writing is refused (``ValueError``) and left as it is.

    Parameters
    ----------
    path : str or path-like
        Output ``.h5`` file (replaced if it exists).
    result : EnumerationResult
    command_line : str, optional
        Stored in ``/parameters``.
    author : str, optional
        H5MD author name (default: ``$HPFOLD_AUTHOR`` or "unknown").

    Examples
    --------
    >>> import os, tempfile
    >>> from hpfold.enumerate import enumerate_conformations
    >>> path = os.path.join(tempfile.mkdtemp(), "dos.h5")
    >>> write_enumeration(path, enumerate_conformations("HPPHPPH", "square", ground_states=True))
    >>> read_enumeration(path).ground_energy
    -2

    Notes
    -----
    Cost: O(K + M N) for K energy levels and M stored conformations.
    """
    path = os.fspath(path)
    lattice = get_lattice(result.lattice)
    model = _model_of(result)
    with atomic_path(path) as tmp:
        with open_for_writing(tmp, "w") as f:
            _write(f, result, lattice, model, command_line, author)


def _write(f, result, lattice, model, command_line, author):
    write_header(f, "enumeration", sequence=result.sequence, lattice=lattice, model=model, author=author)
    observables = f.create_group("observables", track_order=True)
    energy = observables.create_dataset("energy", data=np.asarray(result.energies, dtype=np.int64))
    energy.attrs["unit"] = "epsilon"
    observables.create_dataset("density_of_states", data=np.asarray(result.counts, dtype=np.int64))
    observables.create_dataset("class_counts", data=np.asarray(result.class_counts, dtype=np.int64))
    extra = f.create_group("hpfold", track_order=True)
    if result.ground_states is not None:
        extra.create_dataset("ground_states", data=[str(s) for s in result.ground_states],
                             dtype=h5py.string_dtype("utf-8"))
    if result.conformations is not None:
        dirs = np.asarray(result.conformations, dtype=np.int8)
        opts = dict(compression="gzip", compression_opts=4, shuffle=True) if len(dirs) > 1024 else {}
        extra.create_dataset("conformations", data=dirs, chunks=True if opts else None, **opts)
        extra.create_dataset("conformation_energies", data=np.asarray(result.conformation_energies, np.int64),
                             **opts)
        extra.create_dataset("conformation_weights", data=np.asarray(result.conformation_weights, np.int64),
                             **opts)
    params = {"sequence": result.sequence, "lattice": lattice.name, "model": model.name,
              "seconds": float(result.seconds), "compile_seconds": float(getattr(result, "compile_seconds", 0.0)),
              "threads": int(result.threads)}
    if command_line is not None:
        params["command_line"] = str(command_line)
    params.update(software_versions())
    set_attributes(f.create_group("parameters", track_order=True), params)


def read_enumeration(path):
    """Read an enumeration result written by :func:`write_enumeration`.

    Returns
    -------
    EnumerationResult
        With ``ground_states`` and the conformation arrays when they were stored.

    Raises
    ------
    ValueError
        One line naming the file when it is missing, not HDF5, truncated, not written by hpfold, a
        trajectory, of a newer format, or damaged.

    Examples
    --------
    >>> read_enumeration("missing.h5")
    Traceback (most recent call last):
    ...
    ValueError: missing.h5: no such file

    Notes
    -----
    Layout in ``docs/file_format.md`` (H5MD 1.1, de Buyl, Colberg & Hofling 2014).  Cost: O(K + M N).
    """
    from ..enumerate import EnumerationResult

    path = os.fspath(path)
    with open_for_reading(path) as f:
        module = check_module(f, path, "enumeration")
        try:
            obs = f["observables"]
            energies = obs["energy"][()].astype(np.int64)
            counts = obs["density_of_states"][()].astype(np.int64)
            classes = obs["class_counts"][()].astype(np.int64)
            params = get_attributes(f["parameters"]) if "parameters" in f else {}
            extra = f.get("hpfold", {})
            ground = None
            if "ground_states" in extra:
                ground = [s.decode() if isinstance(s, bytes) else str(s) for s in extra["ground_states"][()]]
            confs = energies_c = weights = None
            if "conformations" in extra:
                confs = extra["conformations"][()].astype(np.int8)
                energies_c = extra["conformation_energies"][()].astype(np.int64)
                weights = extra["conformation_weights"][()].astype(np.int64)
            sequence, lattice, model = (_str(module.attrs[k]) for k in ("sequence", "lattice", "model"))
        except (OSError, KeyError, TypeError, RuntimeError) as exc:
            raise ValueError(f"{path}: damaged enumeration file ({first_line(exc)})") from None
    if not (len(energies) == len(counts) == len(classes)):
        raise ValueError(f"{path}: damaged enumeration file (density-of-states arrays differ in length)")
    return EnumerationResult(sequence, lattice, model, energies, counts, classes,
                             seconds=float(params.get("seconds", 0.0)), threads=int(params.get("threads", 1)),
                             ground_states=ground, conformations=confs, conformation_energies=energies_c,
                             conformation_weights=weights,
                             compile_seconds=float(params.get("compile_seconds", 0.0)))


def _model_of(result):
    """The energy model named in a result; a custom model keeps its name and the sequence's letters."""
    try:
        return get_model(result.model)
    except ValueError:
        letters = "".join(sorted(set(result.sequence)))
        return SimpleNamespace(name=str(result.model), alphabet=letters, matrix=None)


def _str(value) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)
