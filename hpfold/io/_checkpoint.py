"""Store an arbitrary sampler state (nested dicts of arrays and scalars) in an HDF5 group and read it back.

Encoding, per key of a dict (the order of keys is kept):

* ``numpy.ndarray`` -> a dataset (dtype and shape kept; 0-d arrays too);
* numpy scalar (``np.int64(3)``, ``np.float32(...)``) -> a 0-d dataset, read back as the same numpy scalar;
* ``dict`` -> a subgroup, recursively;
* anything else JSON can hold (``int`` of any size, ``float`` including nan/inf, ``bool``, ``str``,
  ``None``, lists and tuples of those) -> an attribute holding JSON text; tuples are tagged so that they
  come back as tuples.

A numpy ``bit_generator.state`` dict (128-bit integers for PCG64) therefore round-trips exactly.
"""
from __future__ import annotations

import json

import h5py
import numpy as np

__all__ = ["write_state", "read_state"]

#: attribute holding the ordered list of keys of a stored dict, with the kind of each entry
KEYS_ATTR = "hpfold_state_keys"


def write_state(group: h5py.Group, state: dict, where: str = "state") -> None:
    """Write ``state`` into the (empty) ``group``; ``where`` names the position in error messages."""
    if not isinstance(state, dict):
        raise ValueError(f"checkpoint: {where} must be a dict, not {type(state).__name__}")
    entries = []
    for key, value in state.items():
        name = f"{where}[{key!r}]"
        if not isinstance(key, str) or not key or "/" in key or key in (".", KEYS_ATTR):
            raise ValueError(f"checkpoint: invalid key {name} (keys must be non-empty strings without '/')")
        if isinstance(value, np.ndarray):
            if value.dtype.kind not in "biufc":
                raise ValueError(f"checkpoint: {name} has dtype {value.dtype}; store numeric or bool arrays")
            group.create_dataset(key, data=value)
            entries.append([key, "array"])
        elif isinstance(value, np.generic):
            if value.dtype.kind not in "biufc":
                raise ValueError(f"checkpoint: {name} has dtype {value.dtype}; store numeric or bool scalars")
            group.create_dataset(key, data=value)
            entries.append([key, "scalar"])
        elif isinstance(value, dict):
            write_state(group.create_group(key), value, name)
            entries.append([key, "dict"])
        else:
            try:
                text = json.dumps(_tag_tuples(value), allow_nan=True)
            except (TypeError, ValueError) as exc:
                raise ValueError(f"checkpoint: {name} of type {type(value).__name__} cannot be stored "
                                 f"({exc})") from None
            group.attrs[key] = text
            entries.append([key, "json"])
    group.attrs[KEYS_ATTR] = json.dumps(entries)


def read_state(group: h5py.Group) -> dict:
    """Read a dict written by :func:`write_state`."""
    entries = json.loads(_text(group.attrs[KEYS_ATTR]))
    out = {}
    for key, kind in entries:
        if kind == "array":
            out[key] = np.array(group[key][()])
        elif kind == "scalar":
            out[key] = group[key][()]
        elif kind == "dict":
            out[key] = read_state(group[key])
        elif kind == "json":
            out[key] = _untag_tuples(json.loads(_text(group.attrs[key])))
        else:
            raise ValueError(f"checkpoint: unknown entry kind {kind!r} for {key!r}")
    return out


def _tag_tuples(value):
    if isinstance(value, tuple):
        return {"__tuple__": [_tag_tuples(v) for v in value]}
    if isinstance(value, list):
        return [_tag_tuples(v) for v in value]
    if isinstance(value, (dict, np.ndarray, np.generic)):
        raise TypeError("dicts and numpy values inside lists are not supported")
    return value


def _untag_tuples(value):
    if isinstance(value, dict) and set(value) == {"__tuple__"}:
        return tuple(_untag_tuples(v) for v in value["__tuple__"])
    if isinstance(value, list):
        return [_untag_tuples(v) for v in value]
    return value


def _text(value) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)
