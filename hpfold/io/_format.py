"""Conventions shared by every hpfold HDF5 file: the H5MD header, the ``hpfold`` module, safe opening.

The layout is specified in ``docs/file_format.md``.  This module holds the
pieces that trajectories and enumeration results have in common, so that both
kinds of file carry the same header and are recognised by the same checks.
"""
from __future__ import annotations

import datetime
import json
import os
import platform
from importlib import metadata

import h5py
import numpy as np

__all__ = ["H5MD_VERSION", "FORMAT_VERSION", "MODULE", "open_for_reading", "open_for_writing", "write_header",
           "check_module", "software_versions", "set_attributes", "get_attributes", "first_line"]

#: H5MD specification version the files follow (de Buyl, Colberg & Hofling 2014)
H5MD_VERSION = (1, 1)
#: version of hpfold's own module ``h5md/modules/hpfold``; a reader accepts any minor version of its major
FORMAT_VERSION = (1, 0)
#: path of the module group that marks a file as written by hpfold
MODULE = "h5md/modules/hpfold"
#: attribute listing the parameter names stored as JSON text (lists, dicts, None, ints beyond int64)
JSON_KEYS_ATTR = "hpfold_json_keys"

_FILE_KINDS = ("trajectory", "enumeration", "dos", "designability")


def first_line(exc) -> str:
    """The first line of an exception's message (h5py messages can span several lines)."""
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]


def software_versions() -> dict:
    """Versions of hpfold, its numerical dependencies, HDF5 and Python (no heavy imports)."""
    from .. import __version__

    out = {"hpfold_version": __version__}
    for name in ("numba", "numpy", "h5py"):
        try:
            out[f"{name}_version"] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[f"{name}_version"] = "unknown"
    out["hdf5_version"] = h5py.version.hdf5_version
    out["python_version"] = platform.python_version()
    return out


def open_for_reading(path) -> h5py.File:
    """Open ``path`` read-only, without taking HDF5's file lock.

    The lock is skipped so that a file can be read while a writer still holds it
    (the reader then sees the data as of the writer's last flush).

    Raises
    ------
    ValueError
        One line naming the file: missing, unreadable, not HDF5, or truncated.
    """
    path = os.fspath(path)
    if not os.path.exists(path):
        raise ValueError(f"{path}: no such file")
    if os.path.isdir(path):
        raise ValueError(f"{path}: is a directory, not an HDF5 file")
    if os.path.getsize(path) == 0:
        raise ValueError(f"{path}: empty file, not an HDF5 file")
    try:
        return h5py.File(path, "r", locking=False)
    except OSError as exc:
        message = first_line(exc)
        if "signature" in message:
            raise ValueError(f"{path}: not an HDF5 file") from None
        if "truncated" in message:
            raise ValueError(f"{path}: truncated HDF5 file (cut while being written or copied)") from None
        raise ValueError(f"{path}: cannot open as HDF5 ({message})") from None


def open_for_writing(path, mode: str) -> h5py.File:
    """Create (``mode="w"``) or reopen (``"r+"``) a file for writing.

    Files are created with HDF5's file-space strategy ``none``: space freed
    while the file is open is never reused.  A chunk rewritten during an append
    therefore never overwrites a chunk that the last flushed metadata still
    points to, so a process killed between two flushes leaves a file that reads
    back exactly as of the last flush.  The price is that superseded chunk
    copies stay in the file (see ``docs/file_format.md``).
    """
    path = os.fspath(path)
    try:
        if mode == "w":
            return h5py.File(path, "w", locking="best-effort", fs_strategy="none", track_order=True)
        return h5py.File(path, mode, locking="best-effort")
    except (OSError, ValueError) as exc:
        message = first_line(exc)
        if "lock" in message:
            raise ValueError(f"{path}: another process has the file open for writing") from None
        if mode != "w":
            if "signature" in message:
                raise ValueError(f"{path}: not an HDF5 file") from None
            if "truncated" in message:
                raise ValueError(f"{path}: truncated HDF5 file (cut while being written or copied)") from None
        raise OSError(f"{path}: cannot open for writing ({message})") from None


def write_header(f: h5py.File, kind: str, *, sequence: str, lattice, model, author: str | None = None,
                 extra: dict | None = None) -> h5py.Group:
    """Write the ``h5md`` group (version, author, creator) and the ``h5md/modules/hpfold`` module group."""
    from .. import __version__

    if kind not in _FILE_KINDS:
        raise ValueError(f"unknown file kind {kind!r}")
    h5md = f.require_group("h5md")
    h5md.attrs["version"] = np.array(H5MD_VERSION, dtype=np.int32)
    author_group = h5md.require_group("author")
    author_group.attrs["name"] = author or os.environ.get("HPFOLD_AUTHOR") or "unknown"
    creator = h5md.require_group("creator")
    creator.attrs["name"] = "hpfold"
    creator.attrs["version"] = __version__
    module = f.require_group(MODULE)
    module.attrs["version"] = np.array(FORMAT_VERSION, dtype=np.int32)
    module.attrs["kind"] = kind
    module.attrs["sequence"] = sequence
    module.attrs["n_monomers"] = np.int64(len(sequence))
    module.attrs["lattice"] = lattice.name
    module.attrs["dimension"] = np.int32(lattice.dim)
    module.attrs["n_directions"] = np.int32(lattice.n_directions)
    module.attrs["lattice_vectors"] = np.asarray(lattice.vectors, dtype=np.int64)
    module.attrs["cartesian"] = np.asarray(lattice.cartesian, dtype=np.float64)
    module.attrs["model"] = model.name
    module.attrs["alphabet"] = model.alphabet
    if getattr(model, "matrix", None) is not None:
        module.attrs["contact_energies"] = np.asarray(model.matrix, dtype=np.int64)
    module.attrs["created"] = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
    for key, value in (extra or {}).items():
        module.attrs[key] = value
    return module


def check_module(f: h5py.File, path, kind: str | None = None) -> h5py.Group:
    """Check that ``f`` is an hpfold file (of ``kind``, if given) this reader understands.

    Returns
    -------
    h5py.Group
        The module group ``h5md/modules/hpfold``.

    Raises
    ------
    ValueError
        One line naming the file and what is missing or unexpected; also when HDF5 cannot read
        the header (a damaged file, or one caught in the middle of a writer's flush).
    """
    path = os.fspath(path)
    try:
        return _check_module(f, path, kind)
    except ValueError:
        raise
    except (RuntimeError, OSError, KeyError, TypeError) as exc:
        raise ValueError(f"{path}: damaged file, or a writer is flushing it ({first_line(exc)}); "
                         "read it again") from None


def _check_module(f: h5py.File, path: str, kind: str | None) -> h5py.Group:
    if "h5md" not in f:
        raise ValueError(f"{path}: HDF5 file without an 'h5md' group, not an hpfold file")
    if MODULE not in f:
        creator = f["h5md"].get("creator")
        name = creator.attrs.get("name", "unknown program") if isinstance(creator, h5py.Group) else "unknown program"
        raise ValueError(f"{path}: H5MD file written by {_text(name)}, not by hpfold (no {MODULE} group)")
    module = f[MODULE]
    try:
        major, minor = (int(v) for v in module.attrs["version"])
    except (KeyError, TypeError, ValueError):
        raise ValueError(f"{path}: {MODULE} has no valid version attribute") from None
    if major != FORMAT_VERSION[0]:
        raise ValueError(f"{path}: hpfold file format {major}.{minor}; this hpfold reads "
                         f"{FORMAT_VERSION[0]}.x files")
    found = _text(module.attrs.get("kind", ""))
    if found not in _FILE_KINDS:
        raise ValueError(f"{path}: {MODULE} has an unknown kind {found!r}")
    if kind is not None and found != kind:
        hint = {"trajectory": "load_trajectory", "enumeration": "read_enumeration", "dos": "hpfold.dos.read_dos",
                "designability": "hpfold.io.design.read_designability"}[found]
        what = {"trajectory": "a trajectory", "enumeration": "an enumeration result", "dos": "a density of states",
                "designability": "a sequence-space scan"}
        raise ValueError(f"{path}: holds {what[found]}, not {what[kind]} (read it with {hint})")
    for required in ("sequence", "lattice", "model"):
        if required not in module.attrs:
            raise ValueError(f"{path}: {MODULE} lacks the {required!r} attribute")
    return module


def set_attributes(group: h5py.Group, values: dict) -> None:
    """Store a flat dict as attributes: strings, bools, int64 and float64 natively, anything else as JSON.

    The names of JSON-encoded entries are listed in the ``hpfold_json_keys`` attribute
    so that :func:`get_attributes` returns exactly what was stored.
    """
    json_keys = []
    for key, value in values.items():
        if not isinstance(key, str) or not key or "/" in key or key == JSON_KEYS_ATTR:
            raise ValueError(f"parameters: invalid name {key!r}")
        native = _native(value)
        if native is None:
            try:
                native = json.dumps(_to_jsonable(value))
            except TypeError as exc:
                raise ValueError(f"parameters: {key!r} cannot be stored ({exc})") from None
            json_keys.append(key)
        group.attrs[key] = native
    group.attrs[JSON_KEYS_ATTR] = json.dumps(json_keys)


def get_attributes(group: h5py.Group) -> dict:
    """Read attributes written by :func:`set_attributes` back into plain Python values."""
    json_keys = set(json.loads(_text(group.attrs.get(JSON_KEYS_ATTR, "[]"))))
    out = {}
    for key, value in group.attrs.items():
        if key == JSON_KEYS_ATTR:
            continue
        if key in json_keys:
            out[key] = json.loads(_text(value))
        else:
            out[key] = _from_attribute(value)
    return out


def _native(value):
    """The HDF5-native form of a scalar parameter, or None when it needs JSON."""
    if isinstance(value, (bool, np.bool_)):
        return np.bool_(value)
    if isinstance(value, (int, np.integer)):
        return np.int64(value) if -2 ** 63 <= int(value) < 2 ** 63 else None
    if isinstance(value, (float, np.floating)):
        return np.float64(value)
    if isinstance(value, str):
        return value
    return None


def _to_jsonable(value):
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, (np.integer, np.floating, np.bool_)):
        return value.item()
    if isinstance(value, dict):
        return {str(k): _to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_to_jsonable(v) for v in value]
    return value


def _from_attribute(value):
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, np.ndarray):
        return value
    if isinstance(value, np.generic):
        return value.item()
    return value


def _text(value) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, np.ndarray) and value.shape == ():
        return _text(value.item())
    return str(value)
