"""Levinthal's numbers: exact conformation counts, the fitted growth constant, extrapolations."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..enumerate import enumerate_conformations
from ..lattice import CONNECTIVE_CONSTANTS, get_lattice

__all__ = ["GrowthFit", "count_conformations", "fit_growth", "search_time_years"]

#: critical exponent gamma of self-avoiding walks (c_n ~ A mu^n n^(gamma - 1))
GAMMA = {2: 43 / 32, 3: 1.1568}
SECONDS_PER_YEAR = 3.156e7


@dataclass
class GrowthFit:
    """Least-squares fit of ln c_n = ln A + n ln mu + (gamma - 1) ln n with gamma fixed."""

    lattice: str
    n_steps: np.ndarray
    counts: np.ndarray
    mu: float
    amplitude: float
    gamma: float

    @property
    def known_mu(self) -> float:
        return CONNECTIVE_CONSTANTS[self.lattice]

    def predict(self, n_steps) -> np.ndarray:
        """Extrapolated number of conformations of walks with ``n_steps`` steps."""
        n = np.asarray(n_steps, dtype=float)
        return self.amplitude * self.mu ** n * n ** (self.gamma - 1)


def count_conformations(lattice: str, max_monomers: int) -> tuple:
    """Exact conformation counts of chains with 2 ... ``max_monomers`` monomers (all-P chains).

    Returns ``(n_monomers, counts)``; counts are c_{N-1}, monomer 0 fixed.
    """
    ns = np.arange(2, max_monomers + 1)
    counts = np.array([enumerate_conformations("P" * int(n), lattice).n_conformations for n in ns],
                      dtype=np.float64)
    return ns, counts


def fit_growth(lattice: str, n_monomers, counts, first_steps: int = 4) -> GrowthFit:
    """Fit the growth constant mu from exact counts (walks of at least ``first_steps`` steps).

    Notes
    -----
    Fixed-gamma least squares on ln c_n (Madras & Slade, *The Self-Avoiding Walk*, 1993);
    the known connective constants are square 2.63816, triangular 4.15080, cubic 4.68404,
    fcc 10.0362. Cost O(number of points).
    """
    steps = np.asarray(n_monomers) - 1
    counts = np.asarray(counts, dtype=float)
    keep = steps >= first_steps
    gamma = GAMMA[get_lattice(lattice).dim]
    y = np.log(counts[keep]) - (gamma - 1) * np.log(steps[keep])
    slope, intercept = np.polyfit(steps[keep], y, 1)
    return GrowthFit(lattice, steps, counts, float(np.exp(slope)), float(np.exp(intercept)), gamma)


def search_time_years(n_conformations, rate_per_second: float = 1e13) -> np.ndarray:
    """Years a random search testing ``rate_per_second`` conformations per second needs to try them all."""
    return np.asarray(n_conformations, dtype=float) / rate_per_second / SECONDS_PER_YEAR
