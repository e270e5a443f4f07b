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
        ([-2, -1, 0], [24, 216, 540])
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


def combine_runs(energies_per_run, ln_g_per_run):
    """Merge independent estimates of ``ln g`` into one: the mean of ``g`` and its standard error.

    Parameters
    ----------
    energies_per_run : list of int arrays
        Levels seen by each run.
    ln_g_per_run : list of float arrays
        ``ln g`` of each run on its own levels.

    Returns
    -------
    energies : ndarray of int64
        The union of the levels, ascending.
    ln_g : ndarray of float64
        ``ln`` of the mean over runs of ``g`` (a run that missed a level contributes 0 there).
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
    mean = scaled.mean(axis=0)
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

def write_dos(path, dos: DensityOfStates, command_line: str | None = None) -> None:
    """Write a density of states to a small HDF5 file (layout in docs/thermodynamics.md).

    Parameters
    ----------
    path : str or path-like
    dos : DensityOfStates
    command_line : str, optional
        Stored as an attribute of ``/modules/hpfold`` for provenance.
    """
    import h5py

    from . import __version__

    with h5py.File(path, "w") as f:
        h5md = f.create_group("h5md")
        h5md.attrs["version"] = np.array([1, 1], dtype=np.int32)
        creator = h5md.create_group("creator")
        creator.attrs["name"] = "hpfold"
        creator.attrs["version"] = __version__
        author = h5md.create_group("author")
        author.attrs["name"] = "hpfold"
        module = f.create_group("modules/hpfold")
        module.attrs["kind"] = "dos"
        module.attrs["version"] = FORMAT_VERSION
        module.attrs["sequence"] = dos.sequence
        module.attrs["lattice"] = dos.lattice
        module.attrs["model"] = dos.model
        if command_line:
            module.attrs["command_line"] = command_line
        grp = f.create_group("dos")
        grp.attrs["method"] = dos.method
        grp.attrs["normalisation"] = dos.normalisation
        if dos.best_conformation is not None:
            grp.attrs["best_conformation"] = dos.best_conformation
        grp.create_dataset("energy", data=dos.energies).attrs["units"] = "model energy units (integer)"
        grp.create_dataset("ln_g", data=dos.ln_g).attrs["units"] = "natural log of a count"
        if dos.ln_g_err is not None:
            grp.create_dataset("ln_g_err", data=dos.ln_g_err).attrs["units"] = "natural log of a count"
        if dos.ln_g_runs is not None:
            grp.create_dataset("ln_g_runs", data=dos.ln_g_runs).attrs["units"] = "natural log of a count"
        counters = grp.create_group("counters")
        for key, value in dos.counters.items():
            if value is not None:
                counters.attrs[key] = value


def read_dos(path) -> DensityOfStates:
    """Read a density of states written by :func:`write_dos` (unknown datasets are ignored).

    Raises
    ------
    ValueError
        If the file is not an hpfold ``kind="dos"`` file.
    """
    import h5py

    try:
        f = h5py.File(path, "r")
    except OSError as exc:
        raise ValueError(f"{path}: cannot open as HDF5 ({exc})") from None
    with f:
        module = f.get("modules/hpfold")
        if module is None or _text(module.attrs.get("kind")) != "dos" or "dos" not in f:
            raise ValueError(f"{path}: not an hpfold density-of-states file (no /modules/hpfold with kind='dos')")
        grp = f["dos"]
        counters = {key: _plain(value) for key, value in grp["counters"].attrs.items()} if "counters" in grp else {}
        return DensityOfStates(
            _text(module.attrs["sequence"]), _text(module.attrs["lattice"]), _text(module.attrs.get("model", "HP")),
            grp["energy"][()], grp["ln_g"][()], _text(grp.attrs["method"]), _text(grp.attrs["normalisation"]),
            ln_g_err=grp["ln_g_err"][()] if "ln_g_err" in grp else None,
            ln_g_runs=grp["ln_g_runs"][()] if "ln_g_runs" in grp else None,
            counters=counters,
            best_conformation=_text(grp.attrs["best_conformation"]) if "best_conformation" in grp.attrs else None)


def _text(value):
    return value.decode() if isinstance(value, bytes) else (None if value is None else str(value))


def _plain(value):
    if isinstance(value, bytes):
        return value.decode()
    if isinstance(value, np.generic):
        return value.item()
    return value
