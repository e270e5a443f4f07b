"""A density of states g(E), exact or estimated, with its errors, provenance and normalisation.

Every method that produces a density of states (exact enumeration, flatPERM,
Wang-Landau) returns a :class:`DensityOfStates`; :mod:`hpfold.thermo` turns
any of them into thermodynamics.  ``ln_g`` is kept as a logarithm because
g(E) of long chains overflows float64.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from ._data import saw_counts
from ._validation import ensure_array

__all__ = ["DensityOfStates", "combine_runs", "relative_errors", "write_dos", "read_dos", "FORMAT_VERSION"]

#: version of the ``kind="dos"`` HDF5 layout written by :func:`write_dos` (see docs/thermodynamics.md)
FORMAT_VERSION = "1.0"

_UNREDUCED = "unreduced count of conformations: monomer 0 at the origin, every orientation counted"


@dataclass(eq=False)
class DensityOfStates:
    """Logarithm of the number of conformations g(E) at each integer energy E.

    Parameters
    ----------
    sequence, lattice, model : str
        What the density of states describes.
    energies : array_like of int, shape (m,)
        Energy levels, strictly ascending.
    ln_g : array_like of float, shape (m,)
        ``ln g(E)`` (natural logarithm); ``-inf`` is allowed only inside ``ln_g_runs``.
    method : str
        ``"exact"``, ``"flatperm"``, ``"npermis"`` or ``"wang-landau"``.
    normalisation : str
        One sentence stating what ``g`` counts (e.g. unreduced conformations with monomer 0 fixed)
        and, for estimates, how the absolute scale was fixed.
    ln_g_err : array_like of float, optional
        Standard error of ``ln_g`` (from the spread of independent runs).
    ln_g_runs : array_like of float, shape (r, m), optional
        ``ln g`` of each independent run (``-inf`` where a run did not reach a level); thermodynamic
        error bands are the spread of the curves of these runs.
    counters : dict
        Method counters (tours, chains grown, seconds, ...), JSON-ready numbers.
    best_conformation : str, optional
        Direction string of a lowest-energy conformation seen by a sampler.

    Examples
    --------
    >>> dos = DensityOfStates("HPPH", "square", "HP", [-1, 0], np.log([8, 28]), "exact", "toy")
    >>> dos.ground_energy, round(float(dos.g[0]))
    (-1, 8)
    """

    sequence: str
    lattice: str
    model: str
    energies: np.ndarray
    ln_g: np.ndarray
    method: str
    normalisation: str
    ln_g_err: np.ndarray | None = None
    ln_g_runs: np.ndarray | None = field(default=None, repr=False)
    counters: dict = field(default_factory=dict)
    best_conformation: str | None = None

    def __post_init__(self):
        self.energies = ensure_array(self.energies, "energies", np.int64, ndim=1)
        self.ln_g = ensure_array(self.ln_g, "ln_g", np.float64, ndim=1, shape=self.energies.shape)
        if len(self.energies) == 0:
            raise ValueError("density of states: no energy levels")
        if np.any(np.diff(self.energies) <= 0):
            raise ValueError("density of states: energies must be strictly ascending")
        if not np.all(np.isfinite(self.ln_g)):
            raise ValueError("density of states: ln_g must be finite at every listed energy")
        if self.ln_g_err is not None:
            self.ln_g_err = ensure_array(self.ln_g_err, "ln_g_err", np.float64, ndim=1, shape=self.energies.shape)
        if self.ln_g_runs is not None:
            self.ln_g_runs = ensure_array(self.ln_g_runs, "ln_g_runs", np.float64, ndim=2,
                                          shape=(None, len(self.energies)))

    # -- derived quantities ---------------------------------------------------
    @property
    def n_monomers(self) -> int:
        return len(self.sequence)

    @property
    def g(self) -> np.ndarray:
        """``exp(ln_g)`` as float64 (``inf`` when it overflows; use ``ln_g`` for long chains)."""
        with np.errstate(over="ignore"):
            return np.exp(self.ln_g)

    @property
    def ground_energy(self) -> int:
        """Lowest energy level present (the true ground state only for exact densities)."""
        return int(self.energies[0])

    @property
    def ln_total(self) -> float:
        """``ln sum_E g(E)``: the logarithm of the total number of conformations counted."""
        top = self.ln_g.max()
        return float(top + np.log(np.exp(self.ln_g - top).sum()))

    @property
    def n_runs(self) -> int:
        return 0 if self.ln_g_runs is None else len(self.ln_g_runs)

    @property
    def is_exact(self) -> bool:
        return self.method == "exact"

    # -- construction ---------------------------------------------------------
    @classmethod
    def from_enumeration(cls, result) -> "DensityOfStates":
        """The exact density of states of an :class:`~hpfold.enumerate.EnumerationResult`.

        Examples
        --------
        >>> from hpfold.enumerate import enumerate_conformations
        >>> dos = DensityOfStates.from_enumeration(enumerate_conformations("HPPHPPH", "square"))
        >>> dos.energies.tolist(), [round(float(x)) for x in dos.g]
        ([-2, -1, 0], [16, 224, 540])
        """
        counts = [int(c) for c in result.counts]
        ln_g = np.array([math.log(c) for c in counts])
        total = sum(counts)
        return cls(result.sequence, result.lattice, result.model, np.asarray(result.energies, dtype=np.int64),
                   ln_g, "exact",
                   f"exact {_UNREDUCED}; sum g = {total}",
                   ln_g_err=np.zeros(len(counts)),
                   counters={"n_conformations": total, "n_classes": int(result.n_classes),
                             "seconds": round(float(result.seconds), 6), "threads": int(result.threads)})

    def to_dict(self) -> dict:
        """JSON-ready summary: ``ln_g`` as a list of ``[E, ln g]`` pairs, counters, normalisation."""
        out = {
            "sequence": self.sequence,
            "lattice": self.lattice,
            "model": self.model,
            "n_monomers": self.n_monomers,
            "method": self.method,
            "normalisation": self.normalisation,
            "ground_energy": self.ground_energy,
            "ln_total": self.ln_total,
            "ln_g": [[int(e), float(v)] for e, v in zip(self.energies, self.ln_g)],
            "counters": dict(self.counters),
        }
        if self.ln_g_err is not None:
            out["ln_g_err"] = [[int(e), float(v)] for e, v in zip(self.energies, self.ln_g_err)]
        if self.n_runs:
            out["runs"] = self.n_runs
        if self.best_conformation is not None:
            out["best_conformation"] = self.best_conformation
        return out

    def __repr__(self) -> str:
        return (f"DensityOfStates({self.sequence[:24]!r}{'...' if len(self.sequence) > 24 else ''}, "
                f"{self.lattice!r}, method={self.method!r}, levels={len(self.energies)}, "
                f"E0={self.ground_energy})")


def combine_runs(energies_per_run, ln_g_per_run, weights=None):
    """Merge independent estimates of ``ln g`` into one: the mean of ``g`` and its standard error.

    Parameters
    ----------
    energies_per_run : list of int arrays
        Levels seen by each run.
    ln_g_per_run : list of float arrays
        ``ln g`` of each run on its own levels.
    weights : list of float, optional
        Weight of each run in the mean (e.g. its number of tours); equal by default.  The error
        is always the unweighted standard error.

    Returns
    -------
    energies : ndarray of int64
        The union of the levels, ascending.
    ln_g : ndarray of float64
        ``ln`` of the (weighted) mean over runs of ``g`` (a run that missed a level contributes 0).
    ln_g_err : ndarray of float64
        Standard error of that mean divided by the mean (``inf`` for a single run, 0 when every run
        agrees); for small errors this is the standard error of ``ln g``.
    ln_g_runs : ndarray of float64, shape (r, m)
        Each run on the union of levels, ``-inf`` where it missed one.

    Examples
    --------
    >>> e, lg, err, runs = combine_runs([[0, 1], [0]], [np.log([2.0, 4.0]), np.log([6.0])])
    >>> e.tolist(), np.exp(lg).round(6).tolist()
    ([0, 1], [4.0, 2.0])
    """
    union = np.unique(np.concatenate([np.asarray(e, dtype=np.int64) for e in energies_per_run]))
    runs = np.full((len(energies_per_run), len(union)), -np.inf)
    for r, (e, lg) in enumerate(zip(energies_per_run, ln_g_per_run)):
        runs[r, np.searchsorted(union, np.asarray(e, dtype=np.int64))] = lg
    top = runs.max(axis=0)
    scaled = np.exp(runs - top)
    w = np.ones(len(runs)) if weights is None else np.asarray(weights, dtype=np.float64)
    mean = (w[:, None] * scaled).sum(axis=0) / w.sum()
    ln_g = top + np.log(mean)
    if len(runs) > 1:
        err = scaled.std(axis=0, ddof=1) / np.sqrt(len(runs)) / mean
    else:
        err = np.full(len(union), np.inf)
    return union, ln_g, err, runs


def relative_errors(estimate: DensityOfStates, exact: DensityOfStates) -> np.ndarray:
    """``|g_est(E) / g_exact(E) - 1|`` on every exact level (1.0 where the estimate misses a level).

    The estimate must not contain levels that the exact density lacks.

    Examples
    --------
    >>> ex = DensityOfStates("HH", "square", "HP", [0], [0.0], "exact", "toy")
    >>> relative_errors(ex, ex).tolist()
    [0.0]
    """
    extra = np.setdiff1d(estimate.energies, exact.energies)
    if len(extra):
        raise ValueError(f"estimated density has levels absent from the exact one: {extra.tolist()}")
    out = np.ones(len(exact.energies))
    where = np.searchsorted(exact.energies, estimate.energies)
    out[where] = np.abs(np.expm1(estimate.ln_g - exact.ln_g[where]))
    return out


def exact_total(lattice: str, n_monomers: int):
    """The exact number of conformations c_{N-1} (monomer 0 fixed) if tabulated, else None."""
    return saw_counts(lattice).get(n_monomers - 1)


# -- HDF5 -------------------------------------------------------------------------------------------
# Same header as every hpfold file (docs/file_format.md): h5md group, h5md/modules/hpfold with
# kind = "dos"; the density of states under /observables, run parameters under /parameters and
# method counters under /hpfold/counters.  Layout: docs/thermodynamics.md.

def write_dos(path, dos: DensityOfStates, command_line: str | None = None, *, author: str | None = None) -> None:
    """Write a density of states to a small HDF5 file (layout in docs/thermodynamics.md).

    The file is written under a temporary name beside ``path`` and renamed when complete, with the
    lock ``<path>.lock`` held meanwhile.

    Parameters
    ----------
    path : str or path-like
    dos : DensityOfStates
    command_line : str, optional
        Stored in ``/parameters`` for provenance.
    author : str, optional
        H5MD author name (default: ``$HPFOLD_AUTHOR`` or "unknown").

    Examples
    --------
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "dos.h5")
    >>> write_dos(path, DensityOfStates("HPPH", "square", "HP", [-1, 0], np.log([8, 28]), "exact", "toy"))
    >>> read_dos(path).energies.tolist()
    [-1, 0]
    """
    import datetime
    import os

    from . import __version__
    from .io._format import open_for_writing, set_attributes, software_versions
    from .io._safe import atomic_path
    from .lattice import get_lattice
    from .sequence import get_model

    path = os.fspath(path)
    lattice = get_lattice(dos.lattice)
    try:
        model = get_model(dos.model)
        alphabet, matrix = model.alphabet, model.matrix
    except ValueError:
        alphabet, matrix = "".join(sorted(set(dos.sequence))), None
    with atomic_path(path) as tmp, open_for_writing(tmp, "w") as f:
        h5md = f.create_group("h5md")
        h5md.attrs["version"] = np.array([1, 1], dtype=np.int32)
        h5md.create_group("author").attrs["name"] = author or os.environ.get("HPFOLD_AUTHOR") or "unknown"
        creator = h5md.create_group("creator")
        creator.attrs["name"] = "hpfold"
        creator.attrs["version"] = __version__
        module = f.create_group("h5md/modules/hpfold")
        module.attrs["version"] = np.array([1, 0], dtype=np.int32)
        module.attrs["kind"] = "dos"
        module.attrs["sequence"] = dos.sequence
        module.attrs["n_monomers"] = np.int64(len(dos.sequence))
        module.attrs["lattice"] = lattice.name
        module.attrs["dimension"] = np.int32(lattice.dim)
        module.attrs["n_directions"] = np.int32(lattice.n_directions)
        module.attrs["lattice_vectors"] = np.asarray(lattice.vectors, dtype=np.int64)
        module.attrs["cartesian"] = np.asarray(lattice.cartesian, dtype=np.float64)
        module.attrs["model"] = dos.model
        module.attrs["alphabet"] = alphabet
        if matrix is not None:
            module.attrs["contact_energies"] = np.asarray(matrix, dtype=np.int64)
        module.attrs["created"] = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
        obs = f.create_group("observables", track_order=True)
        obs.create_dataset("energy", data=dos.energies).attrs["unit"] = "epsilon"
        obs.create_dataset("ln_density_of_states", data=dos.ln_g).attrs["unit"] = "1"
        if dos.ln_g_err is not None:
            obs.create_dataset("ln_density_of_states_err", data=dos.ln_g_err).attrs["unit"] = "1"
        if dos.ln_g_runs is not None:
            obs.create_dataset("ln_density_of_states_runs", data=dos.ln_g_runs).attrs["unit"] = "1"
        params = {"sequence": dos.sequence, "lattice": lattice.name, "model": dos.model,
                  "method": dos.method, "normalisation": dos.normalisation, "dos_format_version": FORMAT_VERSION}
        if dos.best_conformation is not None:
            params["best_conformation"] = dos.best_conformation
        if command_line is not None:
            params["command_line"] = str(command_line)
        params.update(software_versions())
        set_attributes(f.create_group("parameters", track_order=True), params)
        set_attributes(f.create_group("hpfold/counters", track_order=True), dict(dos.counters))


def read_dos(path) -> DensityOfStates:
    """Read a density of states from an hpfold file: a ``kind="dos"`` file or an enumeration result.

    Raises
    ------
    ValueError
        One line naming the file when it is missing, not HDF5, not an hpfold file, of another kind
        (a trajectory), of a newer major format version, or damaged.
    """
    import os

    from .io._format import first_line, get_attributes, open_for_reading

    path = os.fspath(path)
    with open_for_reading(path) as f:
        module = f.get("h5md/modules/hpfold")
        if not isinstance(module, __import__("h5py").Group):
            raise ValueError(f"{path}: not an hpfold file (no h5md/modules/hpfold group)")
        kind = _text(module.attrs.get("kind", ""))
        version = module.attrs.get("version", [0, 0])
        if int(version[0]) != 1:
            raise ValueError(f"{path}: hpfold file format {int(version[0])}.{int(version[1])}; "
                             f"this hpfold reads 1.x files")
        if kind == "enumeration":
            pass
        elif kind != "dos":
            raise ValueError(f"{path}: holds a {kind or 'unknown'} file, not a density of states")
        else:
            try:
                obs = f["observables"]
                params = get_attributes(f["parameters"])
                counters = get_attributes(f["hpfold/counters"]) if "hpfold/counters" in f else {}
                return DensityOfStates(
                    _text(module.attrs["sequence"]), _text(module.attrs["lattice"]), _text(module.attrs["model"]),
                    obs["energy"][()], obs["ln_density_of_states"][()], str(params["method"]),
                    str(params["normalisation"]),
                    ln_g_err=obs["ln_density_of_states_err"][()] if "ln_density_of_states_err" in obs else None,
                    ln_g_runs=obs["ln_density_of_states_runs"][()] if "ln_density_of_states_runs" in obs else None,
                    counters=counters, best_conformation=params.get("best_conformation"))
            except (OSError, KeyError, TypeError, RuntimeError) as exc:
                raise ValueError(f"{path}: damaged density-of-states file ({first_line(exc)})") from None
    from .io.enumeration import read_enumeration

    return DensityOfStates.from_enumeration(read_enumeration(path))


def _text(value) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, np.ndarray) and value.shape == ():
        return _text(value.item())
    return str(value)
