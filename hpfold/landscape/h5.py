"""A small HDF5 layout for landscapes (``hpfold landscape -o``); specified in ``docs/landscape.md``."""
from __future__ import annotations

import datetime
import os

import h5py
import networkx as nx
import numpy as np

__all__ = ["write_landscape", "read_landscape", "FORMAT_NAME", "FORMAT_VERSION"]

#: value of the root attribute ``format`` that marks a landscape file
FORMAT_NAME = "hpfold-landscape"
#: (major, minor); readers accept every minor version of their major version
FORMAT_VERSION = (1, 0)


def write_landscape(path, landscape, *, states=True, command_line=None) -> None:
    """Write an exact or sampled landscape to ``path`` (replaced atomically: written beside it, then renamed).

    Parameters
    ----------
    landscape : ExactLandscape or SampledLandscape
    states : bool
        For an exact landscape, also write every state with its plateau and basin minimum.
    command_line : str, optional
        Stored as an attribute.

    Examples
    --------
    >>> from hpfold.landscape import exact_landscape
    >>> import tempfile, os
    >>> ls = exact_landscape("HPPHPH", "square", moves="pull")
    >>> path = os.path.join(tempfile.mkdtemp(), "ls.h5")
    >>> write_landscape(path, ls)
    >>> read_landscape(path).n_minima == ls.n_minima
    True
    """
    from ..io._safe import atomic_path

    path = os.fspath(path)
    with atomic_path(path) as tmp:
        _write_file(tmp, path, landscape, states, command_line)


def _write_file(tmp, path, landscape, states, command_line):
    from .flooding import ExactLandscape
    from .sampled import SampledLandscape

    try:
        f = h5py.File(tmp, "w")
    except OSError as exc:
        raise OSError(f"{path}: cannot write ({str(exc).splitlines()[0]})") from None
    with f:
        f.attrs["format"] = FORMAT_NAME
        f.attrs["version"] = np.array(FORMAT_VERSION, dtype=np.int32)
        f.attrs["created"] = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
        from .. import __version__

        f.attrs["hpfold_version"] = __version__
        if command_line:
            f.attrs["command_line"] = command_line
        for key in ("sequence", "lattice", "model", "moves"):
            f.attrs[key] = getattr(landscape, key)
        if isinstance(landscape, ExactLandscape):
            _write_exact(f, landscape, states)
        elif isinstance(landscape, SampledLandscape):
            _write_sampled(f, landscape)
        else:
            raise ValueError(f"write_landscape: cannot write a {type(landscape).__name__}")


def read_landscape(path):
    """Read a file written by :func:`write_landscape`: an ExactLandscape or a SampledLandscape.

    Raises
    ------
    ValueError
        One line when the file is missing, not HDF5, not a landscape file or of a newer major version.
    """
    path = os.fspath(path)
    if not os.path.exists(path):
        raise ValueError(f"{path}: no such file")
    try:
        f = h5py.File(path, "r")
    except OSError:
        raise ValueError(f"{path}: not an HDF5 file") from None
    with f:
        if _text(f.attrs.get("format", "")) != FORMAT_NAME:
            raise ValueError(f"{path}: not an hpfold landscape file")
        major = int(np.asarray(f.attrs["version"])[0])
        if major != FORMAT_VERSION[0]:
            raise ValueError(f"{path}: landscape format {major}.x; this hpfold reads {FORMAT_VERSION[0]}.x")
        kind = _text(f.attrs["kind"])
        return _read_exact(f, path) if kind == "exact" else _read_sampled(f)


# ----------------------------------------------------------------------------- exact

def _write_exact(f, ls, states):
    f.attrs["kind"] = "exact"
    f.attrs["emax"] = np.nan if ls.emax is None else float(ls.emax)
    for key in ("n_states", "n_edges", "n_components"):
        f.attrs[key] = np.int64(getattr(ls, key))
    f.attrs["symmetric"] = bool(ls.symmetric)
    f.attrs["temperature"] = float(ls.temperature)
    m = f.create_group("minima")
    m["energy"] = ls.minimum_energy.astype(np.int64)
    m["state"] = ls.minimum_state.astype(np.int64)
    m["size"] = ls.plateau_size.astype(np.int64)
    m["weight"] = ls.plateau_weight.astype(np.int64)
    m["basin_size"] = ls.basin_size.astype(np.int64)
    m["basin_weight"] = ls.basin_weight.astype(np.int64)
    m["barrier"] = ls.barrier.astype(np.float64)
    m["conformation"] = _strings([ls.conformation(s) for s in ls.minimum_state], ls.directions.shape[1])
    g = f.create_group("merges")
    g["saddle"] = ls.merge_saddle.astype(np.int64)
    g["state"] = ls.merge_state.astype(np.int64)
    g["conformation"] = _strings([ls.conformation(s) for s in ls.merge_state], ls.directions.shape[1])
    sizes = [len(c) for c in ls.merge_children]
    g["children_offsets"] = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
    g["children"] = (np.concatenate(ls.merge_children) if sizes else np.zeros(0)).astype(np.int64)
    f["tree_parent"] = ls.tree_parent.astype(np.int64)
    if states:
        s = f.create_group("states")
        s.create_dataset("directions", data=ls.directions, compression="gzip", shuffle=True)
        for key, arr in (("energy", ls.energies), ("weight", ls.weights), ("minimum", ls.minimum_of),
                         ("basin", ls.basin)):
            s.create_dataset(key, data=arr.astype(np.int64), compression="gzip", shuffle=True)


def _read_exact(f, path):
    from .flooding import ExactLandscape

    if "states" not in f:
        raise ValueError(f"{path}: written without its states; only the summary datasets can be read (use h5py)")
    s = f["states"]
    g = f["merges"]
    offsets = g["children_offsets"][()]
    flat = g["children"][()]
    children = [flat[offsets[k]:offsets[k + 1]].copy() for k in range(len(offsets) - 1)]
    emax = float(f.attrs["emax"])
    return ExactLandscape(
        sequence=_text(f.attrs["sequence"]), lattice=_text(f.attrs["lattice"]), model=_text(f.attrs["model"]),
        moves=_text(f.attrs["moves"]), emax=None if np.isnan(emax) else int(emax), directions=s["directions"][()],
        energies=s["energy"][()], weights=s["weight"][()], minimum_of=s["minimum"][()], basin=s["basin"][()],
        minimum_state=f["minima/state"][()], merge_saddle=g["saddle"][()], merge_state=g["state"][()],
        merge_children=children, tree_parent=f["tree_parent"][()], n_edges=int(f.attrs["n_edges"]),
        n_components=int(f.attrs["n_components"]), symmetric=bool(f.attrs["symmetric"]),
        temperature=float(f.attrs["temperature"]))


# ----------------------------------------------------------------------------- sampled

def _write_sampled(f, sl):
    f.attrs["kind"] = "sampled"
    f.attrs["n_states"] = np.int64(sl.n_states)
    g = sl.graph
    n = g.number_of_nodes()
    length = len(sl.sequence) - 1
    m = f.create_group("minima")
    m["energy"] = np.array([g.nodes[v]["energy"] for v in range(n)], dtype=np.int64)
    m["size"] = np.array([g.nodes[v]["size"] for v in range(n)], dtype=np.int64)
    m["complete"] = np.array([g.nodes[v]["complete"] for v in range(n)], dtype=bool)
    m["visits"] = np.array([g.nodes[v]["visits"] for v in range(n)], dtype=np.int64)
    m["conformation"] = _strings([g.nodes[v]["conformation"] for v in range(n)], length)
    edges = sorted(g.edges(data=True))
    e = f.create_group("edges")
    e["pair"] = np.array([[a, b] for a, b, _ in edges], dtype=np.int64).reshape(-1, 2)
    e["saddle"] = np.array([d["saddle"] for *_, d in edges], dtype=np.int64)
    e["lower_bound"] = np.array([np.nan if d.get("lower_bound") is None else d["lower_bound"] for *_, d in edges],
                                dtype=np.float64)
    for key in ("verified", "exact"):
        e[key] = np.array([bool(d[key]) for *_, d in edges], dtype=bool)
    e["count"] = np.array([d["count"] for *_, d in edges], dtype=np.int64)
    fr = f.create_group("frames")
    fr["minimum"] = sl.frame_minimum.astype(np.int64)
    fr["energy"] = sl.frame_energy.astype(np.int64)
    if sl.frame_exact is not None:
        fr["exact_quench"] = sl.frame_exact.astype(bool)


def _read_sampled(f):
    from .sampled import SampledLandscape

    g = nx.Graph(sequence=_text(f.attrs["sequence"]), lattice=_text(f.attrs["lattice"]),
                 model=_text(f.attrs["model"]), moves=_text(f.attrs["moves"]), exact=False, upper_bounds=True)
    m = f["minima"]
    conf = m["conformation"][()]
    for v in range(len(m["energy"])):
        g.add_node(v, energy=int(m["energy"][v]), size=int(m["size"][v]), complete=bool(m["complete"][v]),
                   visits=int(m["visits"][v]), conformation=conf[v].decode())
    e = f["edges"]
    for i, (a, b) in enumerate(e["pair"][()]):
        lb = float(e["lower_bound"][i])
        g.add_edge(int(a), int(b), saddle=int(e["saddle"][i]), verified=bool(e["verified"][i]),
                   exact=bool(e["exact"][i]), upper_bound=not bool(e["exact"][i]),
                   lower_bound=None if np.isnan(lb) else _int_or_float(lb), count=int(e["count"][i]))
    fr = f["frames"]
    exact = fr["exact_quench"][()] if "exact_quench" in fr else None
    return SampledLandscape(_text(f.attrs["sequence"]), _text(f.attrs["lattice"]), _text(f.attrs["model"]),
                            _text(f.attrs["moves"]), g, fr["minimum"][()], fr["energy"][()],
                            int(f.attrs["n_states"]), 0.0, exact)


def _strings(values, length):
    return np.array([v.encode() for v in values], dtype=f"S{max(length, 1)}")


def _text(v) -> str:
    return v.decode() if isinstance(v, bytes) else str(v)


def _int_or_float(x):
    return int(x) if float(x).is_integer() else float(x)
