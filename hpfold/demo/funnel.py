"""The folding funnel from exact enumeration: conformations per (energy, native contacts)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._kernels.observables import native_contacts_present
from ..conformation import Conformation
from ..enumerate import enumerate_conformations
from ..lattice import get_lattice

__all__ = ["FunnelData", "energy_q_histogram", "free_energy_profile", "folding_temperature",
           "find_designing_sequence"]


@dataclass
class FunnelData:
    """Unreduced counts ``counts[e, q]`` of conformations with energy ``energies[e]`` and ``q`` native contacts."""

    sequence: str
    lattice: str
    native: str
    energies: np.ndarray
    n_native_contacts: int
    counts: np.ndarray

    @property
    def q_values(self) -> np.ndarray:
        """Q = native contacts present / native contacts, for each column."""
        return np.arange(self.n_native_contacts + 1) / max(self.n_native_contacts, 1)

    @property
    def entropy(self) -> np.ndarray:
        """S(E) = ln g(E) (k_B = 1)."""
        return np.log(self.counts.sum(axis=1))

    def mean_q(self) -> np.ndarray:
        """Mean Q of the conformations at each energy."""
        return (self.counts * self.q_values).sum(axis=1) / self.counts.sum(axis=1)


def energy_q_histogram(sequence: str, lattice: str = "square") -> FunnelData:
    """Count every conformation by energy and by native contacts, the ground state as native.

    The native state is the first canonical ground state; Q counts all its topological contacts.

    Examples
    --------
    >>> data = energy_q_histogram("HPHPPHHPHH")
    >>> int(data.counts.sum())
    16268

    Notes
    -----
    Exact enumeration (see :func:`hpfold.enumerate.enumerate_conformations`) plus one
    contact test per native contact and class: cost O(c_{N-1} / |G| * N).
    """
    result = enumerate_conformations(sequence, lattice, ground_states=True, energy_cutoff=10**9)
    native = Conformation(result.ground_states[0], lattice)
    pairs = native.contacts()
    present = native_contacts_present(result.conformations, get_lattice(lattice).vectors, pairs)
    levels = result.energies
    counts = np.zeros((len(levels), len(pairs) + 1), dtype=np.int64)
    e_index = np.searchsorted(levels, result.conformation_energies)
    np.add.at(counts, (e_index, present), result.conformation_weights)
    return FunnelData(result.sequence, result.lattice, native.string, levels, len(pairs), counts)


def free_energy_profile(data: FunnelData, temperature: float) -> np.ndarray:
    """F(Q) = -T ln sum_E g(E, Q) exp(-E / T), shifted so that min F = 0 (inf where empty)."""
    with np.errstate(divide="ignore"):
        log_g = np.log(data.counts.astype(float))
    terms = log_g - data.energies[:, None] / temperature
    top = terms.max(axis=0)
    finite = np.isfinite(top)
    log_z = np.full(terms.shape[1], -np.inf)
    log_z[finite] = top[finite] + np.log(np.exp(terms[:, finite] - top[finite]).sum(axis=0))
    free = -temperature * log_z
    return free - free[np.isfinite(free)].min()


def folding_temperature(energies, counts, lo: float = 0.05, hi: float = 5.0) -> float:
    """Temperature at which the ground state holds half the population (bisection on P_native)."""
    energies = np.asarray(energies, dtype=float)
    log_g = np.log(np.asarray(counts, dtype=float))

    def p_native(t):
        terms = log_g - energies / t
        return float(np.exp(terms[0] - terms.max() - np.log(np.exp(terms - terms.max()).sum())))

    if p_native(hi) > 0.5 or p_native(lo) < 0.5:
        raise ValueError("folding temperature outside the search interval")
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if p_native(mid) > 0.5 else (lo, mid)
    return 0.5 * (lo + hi)


def find_designing_sequence(n_monomers: int, lattice: str = "square", seed=None, max_tries: int = 500,
                            h_fraction: float = 0.5) -> str:
    """A random HP sequence whose ground state is unique up to symmetry (one class).

    Raises
    ------
    ValueError
        If none is found in ``max_tries`` draws.
    """
    rng = np.random.default_rng(seed)
    for _ in range(max_tries):
        seq = "".join(np.where(rng.random(n_monomers) < h_fraction, "H", "P"))
        if seq.count("H") < 2:
            continue
        result = enumerate_conformations(seq, lattice)
        if result.ground_classes == 1 and result.ground_energy < 0:
            return seq
    raise ValueError(f"no designing {n_monomers}-mer found in {max_tries} random sequences")
