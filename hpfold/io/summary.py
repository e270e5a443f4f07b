"""A summary of any hpfold HDF5 file (what ``hpfold info`` prints), read without loading the trajectory."""
from __future__ import annotations

import json
import os

import numpy as np

from ..lattice import encode_directions, get_lattice
from ._format import check_module, first_line, get_attributes, open_for_reading

__all__ = ["describe_file"]

#: rows of an observable read at a time when scanning for the best energy
_BLOCK_ROWS = 1 << 18


def describe_file(path) -> dict:
    """Summarise an hpfold HDF5 file (trajectory or enumeration) as a JSON-ready dict.

    Parameters
    ----------
    path : str or path-like

    Returns
    -------
    dict
        Always: ``path``, ``kind``, ``format_version``, ``h5md_version``, ``creator``, ``created``,
        ``sequence``, ``n_monomers``, ``lattice``, ``model``, ``versions``, ``command_line``,
        ``file_bytes``.  Trajectories add ``n_replicas``, ``n_frames``, ``first_step``, ``last_step``,
        ``observables``, ``energy_min``, ``energy_max``, ``best_energy``, ``best_replica``,
        ``best_step``, ``best_conformation``, ``temperatures``, ``checkpoint``, ``resumes``,
        ``parameters``.  Enumerations add ``n_conformations``, ``n_classes``, ``ground_energy``,
        ``ground_count``, ``ground_classes``, ``density_of_states``, ``ground_states``,
        ``n_stored_conformations``, ``seconds``, ``threads``.

    Raises
    ------
    ValueError
        One line naming the file when it is not a readable hpfold file.

    Examples
    --------
    >>> describe_file("missing.h5")
    Traceback (most recent call last):
    ...
    ValueError: missing.h5: no such file

    Notes
    -----
    Reads metadata, the energy observable in blocks and one frame of positions: O(R F) time, O(1) memory
    in the number of frames.
    """
    path = os.fspath(path)
    with open_for_reading(path) as f:
        module = check_module(f, path)
        try:
            out = _common(f, module, path)
            if out["kind"] == "trajectory":
                out.update(_trajectory(f, module))
            elif out["kind"] == "dos":
                out.update(_dos(f))
            elif out["kind"] == "designability":
                out.update(_designability(f))
            else:
                out.update(_enumeration(f))
        except ValueError:
            raise
        except (OSError, KeyError, TypeError, RuntimeError, IndexError) as exc:
            raise ValueError(f"{path}: damaged file ({first_line(exc)})") from None
    return _jsonable(out)


def _common(f, module, path) -> dict:
    params = get_attributes(f["parameters"]) if "parameters" in f else {}
    version_keys = [k for k in params if k.endswith("_version")]
    creator = f["h5md/creator"].attrs if "h5md/creator" in f else {}
    author = f["h5md/author"].attrs if "h5md/author" in f else {}
    return {
        "path": path,
        "kind": _str(module.attrs["kind"]),
        "format_version": ".".join(str(int(v)) for v in module.attrs["version"]),
        "h5md_version": ".".join(str(int(v)) for v in f["h5md"].attrs.get("version", [0, 0])),
        "creator": f"{_str(creator.get('name', '?'))} {_str(creator.get('version', ''))}".strip(),
        "author": _str(author.get("name", "")),
        "created": _str(module.attrs.get("created", "")),
        "sequence": _str(module.attrs["sequence"]),
        "n_monomers": len(_str(module.attrs["sequence"])),
        "lattice": _str(module.attrs["lattice"]),
        "model": _str(module.attrs["model"]),
        "versions": {k[:-len("_version")]: params[k] for k in version_keys},
        "command_line": params.get("command_line"),
        "file_bytes": os.path.getsize(path),
        "_parameters": params,
    }


def _dos(f) -> dict:
    """A density-of-states file (layout in docs/thermodynamics.md)."""
    obs = f["observables"]
    energies = obs["energy"][()]
    ln_g = obs["ln_density_of_states"][()]
    params = get_attributes(f["parameters"]) if "parameters" in f else {}
    return {
        "method": params.get("method"),
        "normalisation": params.get("normalisation"),
        "energy_levels": int(len(energies)),
        "ground_energy": int(energies.min()) if len(energies) else None,
        "ln_g": [[int(e), float(v)] for e, v in zip(energies, ln_g)],
        "has_errors": "ln_density_of_states_err" in obs,
        "best_conformation": params.get("best_conformation"),
    }


def _trajectory(f, module) -> dict:
    n_replicas = int(module.attrs["n_replicas"])
    lattice = get_lattice(_str(module.attrs["lattice"]))
    first = f.get("particles/replica_0/position")
    steps = first["step"] if first is not None else None
    n_frames = 0 if steps is None else len(steps)
    observables = sorted(k for k, g in f.get("observables", {}).items() if "value" in g)
    out = {
        "n_replicas": n_replicas,
        "n_frames": n_frames,
        "first_step": int(steps[0]) if n_frames else None,
        "last_step": int(steps[n_frames - 1]) if n_frames else None,
        "observables": observables,
        "energy_min": None, "energy_max": None, "best_energy": None, "best_replica": None,
        "best_step": None, "best_conformation": None,
        "temperatures": f["parameters/temperatures"][()].tolist() if "parameters/temperatures" in f else None,
        "checkpoint": _checkpoint_info(f),
        "resumes": len(json.loads(_str(module.attrs.get("resumes", "[]")))),
    }
    if n_frames and "energy" in observables:
        energy = f["observables/energy/value"]
        n_rows = min(n_frames, len(energy))
        low, high, best = np.inf, -np.inf, None
        for start in range(0, n_rows, _BLOCK_ROWS):
            block = energy[start:min(start + _BLOCK_ROWS, n_rows)]
            finite = np.where(np.isfinite(block), block, np.inf)
            row, rep = np.unravel_index(int(np.argmin(finite)), block.shape)
            if finite[row, rep] < low:
                low, best = float(finite[row, rep]), (start + int(row), int(rep))
            high = max(high, float(np.max(np.where(np.isfinite(block), block, -np.inf))))
        if best is not None:
            frame, replica = best
            coords = f[f"particles/replica_{replica}/position/value"][frame]
            out.update(energy_min=low, energy_max=high, best_energy=low, best_replica=replica,
                       best_step=int(steps[frame]), best_conformation=_directions(coords, lattice))
    return out


def _designability(f) -> dict:
    params = get_attributes(f["parameters"])
    designability = f["structures"]["designability"][()]
    return {
        "n_monomers": int(params["n_monomers"]),
        "compact": params.get("compact") or None,
        "n_sequences": int(f["scan"]["structure"].shape[0]),
        "n_conformation_classes": int(params["n_classes"]),
        "n_contact_maps": int(f["structures"]["sizes"].shape[0]),
        "n_designing": int(f["designing"]["codes"].shape[0]),
        "n_designable_structures": int((designability > 0).sum()),
        "max_designability": int(designability.max(initial=0)),
        "seconds": params.get("seconds"),
        "workers": params.get("workers"),
    }


def _enumeration(f) -> dict:
    obs = f["observables"]
    energies = obs["energy"][()]
    counts = obs["density_of_states"][()]
    classes = obs["class_counts"][()]
    extra = f.get("hpfold", {})
    ground = None
    if "ground_states" in extra:
        ground = [s.decode() if isinstance(s, bytes) else str(s) for s in extra["ground_states"][()]]
    params = get_attributes(f["parameters"]) if "parameters" in f else {}
    return {
        "n_conformations": int(counts.sum()),
        "n_classes": int(classes.sum()),
        "ground_energy": int(energies[0]) if len(energies) else None,
        "ground_count": int(counts[0]) if len(counts) else None,
        "ground_classes": int(classes[0]) if len(classes) else None,
        "density_of_states": [[int(e), int(c)] for e, c in zip(energies, counts)],
        "ground_states": ground,
        "n_stored_conformations": int(len(extra["conformations"])) if "conformations" in extra else 0,
        "seconds": params.get("seconds"),
        "threads": params.get("threads"),
    }


def _checkpoint_info(f):
    root = f.get("hpfold")
    if root is None:
        return None
    for name in ("checkpoint_new", "checkpoint", "checkpoint_old"):
        group = root.get(name)
        if group is not None and bool(group.attrs.get("complete", False)) and "state" in group:
            step = int(group.attrs.get("last_step", -1))
            return {"frames": int(group.attrs["n_frames"]), "step": None if step < 0 else step,
                    "written": _str(group.attrs.get("written", ""))}
    return None


def _directions(coords, lattice) -> str | None:
    """Direction string of integer coordinates, or None if consecutive monomers are not neighbours."""
    steps = np.diff(np.asarray(coords, dtype=np.int64), axis=0)
    match = np.all(steps[:, None, :] == lattice.vectors[None, :, :], axis=2)
    if not np.all(match.any(axis=1)):
        return None
    return encode_directions(match.argmax(axis=1))


def _jsonable(value):
    if isinstance(value, dict):
        out = {k: _jsonable(v) for k, v in value.items() if k != "_parameters"}
        if "_parameters" in value:
            out["parameters"] = _jsonable(value["_parameters"])
        return out
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value


def _str(value) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)

