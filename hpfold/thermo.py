"""Canonical thermodynamics from a density of states: Z, U, C_v, F, S, P_native and C_v peaks.

Everything is computed from ``ln g(E)`` with the log-sum-exp shift, so that
densities of states far beyond float64 range (``g ~ 10**400``) are handled.
Units: k_B = 1; temperatures and energies in the units of the energy model.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ._validation import ensure_array
from .dos import DensityOfStates

__all__ = ["Thermodynamics", "thermodynamics", "canonical_curves", "heat_capacity", "heat_capacity_peaks",
           "CvPeak", "microcanonical_entropy", "default_temperatures"]

#: golden-section refinement stops when the bracket is narrower than this (in temperature)
PEAK_TOLERANCE = 1e-9


def canonical_curves(energies, ln_g, temperatures) -> dict:
    """Canonical averages of a density of states on an array of temperatures (arrays in, arrays out).

    Parameters
    ----------
    energies : array_like of int or float, shape (m,)
    ln_g : array_like of float, shape (m,)
        ``ln g(E)``; ``-inf`` entries (empty levels) are allowed.
    temperatures : array_like of float, shape (t,)
        Strictly positive.

    Returns
    -------
    dict of ndarray, shape (t,)
        ``ln_z`` (ln Z), ``energy`` (U = <E>), ``heat_capacity`` (C_v = var(E) / T^2),
        ``free_energy`` (F = -T ln Z), ``entropy`` (S = (U - F) / T) and ``p_native``
        (probability of the lowest listed level).

    Examples
    --------
    >>> out = canonical_curves([-1, 0], np.log([1.0, 1.0]), [1e9])
    >>> round(float(out["energy"][0]), 6), round(float(out["heat_capacity"][0] * 1e18), 6)
    (-0.5, 0.25)
    """
    e = ensure_array(energies, "energies", np.float64, ndim=1)
    lg = ensure_array(ln_g, "ln_g", np.float64, ndim=1, shape=e.shape)
    t = ensure_array(temperatures, "temperatures", np.float64, ndim=1)
    if len(e) == 0:
        raise ValueError("energies: empty density of states")
    if np.any(~(t > 0)) or not np.all(np.isfinite(t)):
        raise ValueError("temperatures must be positive and finite")
    if not np.any(np.isfinite(lg)):
        raise ValueError("ln_g: no finite level")
    keep = np.isfinite(lg)
    e, lg = e[keep], lg[keep]
    ground = int(np.argmin(e))
    shift = e.min()
    de = e - shift  # energies above the lowest level: keeps the exponent in range
    x = lg[None, :] - de[None, :] / t[:, None]
    top = x.max(axis=1)
    w = np.exp(x - top[:, None])
    z = w.sum(axis=1)
    p = w / z[:, None]
    mean_de = p @ de
    var = (p * (de[None, :] - mean_de[:, None]) ** 2).sum(axis=1)
    ln_z = top + np.log(z) - shift / t
    u = mean_de + shift
    f = -t * ln_z
    return {
        "ln_z": ln_z,
        "energy": u,
        "heat_capacity": var / t ** 2,
        "free_energy": f,
        "entropy": (u - f) / t,
        "p_native": p[:, ground],
    }


def heat_capacity(energies, ln_g, temperature: float) -> float:
    """C_v at one temperature (a scalar convenience over :func:`canonical_curves`)."""
    return float(canonical_curves(energies, ln_g, [float(temperature)])["heat_capacity"][0])


@dataclass(frozen=True)
class CvPeak:
    """A local maximum of C_v(T): its temperature, height and (with runs) standard errors."""

    temperature: float
    height: float
    temperature_err: float | None = None
    height_err: float | None = None


def heat_capacity_peaks(energies, ln_g, tmin=0.05, tmax=5.0, n_grid=600, min_relative_height=1e-3):
    """Interior local maxima of C_v(T) on ``[tmin, tmax]``, refined by golden-section search.

    Parameters
    ----------
    energies, ln_g : array_like, shape (m,)
    tmin, tmax : float
        Search range (a maximum on the boundary is not reported).
    n_grid : int
        Points of the geometric grid used to bracket the maxima.
    min_relative_height : float
        Drop maxima lower than this fraction of the highest one (numerical ripples).

    Returns
    -------
    list of CvPeak
        Ascending in temperature; errors are None.

    Examples
    --------
    >>> peaks = heat_capacity_peaks([-1, 0], [0.0, math.log(3.0)])
    >>> [round(p.temperature, 4) for p in peaks]
    [0.3515]

    Notes
    -----
    Cost O(n_grid * m) to bracket, then about 45 evaluations per peak to reach
    ``PEAK_TOLERANCE``.  C_v is smooth in T, so the refined position does not depend on the grid.
    """
    if not 0 < tmin < tmax:
        raise ValueError("need 0 < tmin < tmax")
    grid = np.geomspace(tmin, tmax, int(n_grid))
    cv = canonical_curves(energies, ln_g, grid)["heat_capacity"]
    peaks = []
    for i in range(1, len(grid) - 1):
        if cv[i] >= cv[i - 1] and cv[i] > cv[i + 1]:
            t_peak = _golden_max(lambda t: heat_capacity(energies, ln_g, t), grid[i - 1], grid[i + 1])
            peaks.append(CvPeak(float(t_peak), heat_capacity(energies, ln_g, t_peak)))
    if peaks:
        top = max(p.height for p in peaks)
        peaks = [p for p in peaks if p.height >= min_relative_height * top]
    return peaks


def microcanonical_entropy(dos: DensityOfStates):
    """(energies, S(E) = ln g(E)) with k_B = 1, in the normalisation stated by ``dos``."""
    return dos.energies.copy(), dos.ln_g.copy()


def default_temperatures(dos: DensityOfStates, tmin=None, tmax=None, n=400) -> np.ndarray:
    """A linear temperature grid; by default from 0.05 to 2 x (spread of the energy levels) / ln(number of states)."""
    if tmin is None:
        tmin = 0.05
    if tmax is None:
        spread = float(dos.energies[-1] - dos.energies[0]) or 1.0
        tmax = max(1.0, min(5.0, 2.0 * spread / max(dos.ln_total, 1.0)))
        tmax = max(tmax, 2.0 * tmin)
    if not 0 < tmin < tmax:
        raise ValueError(f"need 0 < tmin < tmax (got tmin={tmin}, tmax={tmax})")
    return np.linspace(float(tmin), float(tmax), int(n))


@dataclass(eq=False)
class Thermodynamics:
    """Thermodynamic curves of one density of states on a temperature grid (k_B = 1).

    Attributes ending in ``_err`` are standard errors from the spread of the independent runs of the
    density of states (None for an exact one or a single run).
    """

    temperatures: np.ndarray
    ln_z: np.ndarray
    energy: np.ndarray
    heat_capacity: np.ndarray
    free_energy: np.ndarray
    entropy: np.ndarray
    p_native: np.ndarray
    peaks: list
    ground_energy: int
    method: str
    sequence: str = ""
    lattice: str = ""
    ln_z_err: np.ndarray | None = None
    energy_err: np.ndarray | None = None
    heat_capacity_err: np.ndarray | None = None
    free_energy_err: np.ndarray | None = None
    entropy_err: np.ndarray | None = None
    p_native_err: np.ndarray | None = None

    @property
    def cv_peaks(self) -> list:
        """Temperatures of the C_v maxima, ascending."""
        return [p.temperature for p in self.peaks]

    def to_dict(self) -> dict:
        """JSON-ready: the curves as lists, ``cv_peaks`` and their errors."""
        out = {"sequence": self.sequence, "lattice": self.lattice, "method": self.method,
               "ground_energy": self.ground_energy, "cv_peaks": self.cv_peaks,
               "cv_peak_heights": [p.height for p in self.peaks],
               "cv_peak_errors": [p.temperature_err for p in self.peaks],
               "temperature": self.temperatures.tolist()}
        for name in ("ln_z", "energy", "heat_capacity", "free_energy", "entropy", "p_native"):
            out[name] = getattr(self, name).tolist()
            err = getattr(self, name + "_err")
            if err is not None:
                out[name + "_err"] = err.tolist()
        return out


def thermodynamics(dos: DensityOfStates, temperatures=None, *, tmin=None, tmax=None, n=400,
                   peak_range=None) -> Thermodynamics:
    """Z(T), U(T), C_v(T), F(T), S(T), P_native(T) and the C_v peaks of a density of states.

    Parameters
    ----------
    dos : DensityOfStates
        Exact or estimated.  With ``dos.ln_g_runs`` (two runs or more) every curve and peak gets a
        standard error: the curve is computed for each run and the spread divided by sqrt(runs).
    temperatures : array_like of float, optional
        Default: :func:`default_temperatures` with ``tmin``, ``tmax``, ``n``.
    peak_range : (float, float), optional
        Where to look for C_v maxima (default: the span of ``temperatures``).

    Returns
    -------
    Thermodynamics

    Examples
    --------
    >>> from hpfold.enumerate import enumerate_conformations
    >>> dos = DensityOfStates.from_enumeration(enumerate_conformations("HPHPPHHPHPPHPHHPPHPH"))
    >>> th = thermodynamics(dos, tmin=0.1, tmax=2.0)
    >>> [round(t, 4) for t in th.cv_peaks]
    [0.4357]

    Notes
    -----
    Direct canonical sums over the levels with a log-sum-exp shift; C_v = var(E) / T^2 (no
    numerical derivative).  Free energy and ln Z carry the normalisation of the density of states
    (for hpfold's unreduced counts, ln Z(T -> inf) = ln c_{N-1}).  Cost O(levels x temperatures).
    """
    t = default_temperatures(dos, tmin, tmax, n) if temperatures is None else \
        ensure_array(temperatures, "temperatures", np.float64, ndim=1)
    curves = canonical_curves(dos.energies, dos.ln_g, t)
    lo, hi = peak_range if peak_range is not None else (float(t.min()), float(t.max()))
    peaks = heat_capacity_peaks(dos.energies, dos.ln_g, lo, hi) if hi > lo else []
    errors = {}
    if dos.ln_g_runs is not None and len(dos.ln_g_runs) >= 2:
        runs = dos.ln_g_runs
        per_run = [canonical_curves(dos.energies, row, t) for row in runs]
        scale = 1.0 / math.sqrt(len(runs))
        for name in curves:
            stack = np.array([c[name] for c in per_run])
            errors[name + "_err"] = stack.std(axis=0, ddof=1) * scale
        run_peaks = [heat_capacity_peaks(dos.energies, row, lo, hi) for row in runs]
        peaks = [_peak_with_error(p, run_peaks, scale) for p in peaks]
    return Thermodynamics(t, curves["ln_z"], curves["energy"], curves["heat_capacity"], curves["free_energy"],
                          curves["entropy"], curves["p_native"], peaks, dos.ground_energy, dos.method,
                          dos.sequence, dos.lattice, **errors)


def _peak_with_error(peak: CvPeak, run_peaks, scale) -> CvPeak:
    """Match each run's nearest peak to ``peak``; the spread of their positions gives the error."""
    temps, heights = [], []
    for peaks in run_peaks:
        if peaks:
            nearest = min(peaks, key=lambda p: abs(math.log(p.temperature / peak.temperature)))
            temps.append(nearest.temperature)
            heights.append(nearest.height)
    if len(temps) < 2:
        return peak
    return CvPeak(peak.temperature, peak.height, float(np.std(temps, ddof=1) * scale),
                  float(np.std(heights, ddof=1) * scale))


def _golden_max(f, a, b, tol=PEAK_TOLERANCE):
    """Maximum of a unimodal ``f`` on ``[a, b]`` by golden-section search."""
    inv_phi = (math.sqrt(5.0) - 1.0) / 2.0
    c = b - inv_phi * (b - a)
    d = a + inv_phi * (b - a)
    fc, fd = f(c), f(d)
    while b - a > tol * max(1.0, abs(a)):
        if fc > fd:
            b, d, fd = d, c, fc
            c = b - inv_phi * (b - a)
            fc = f(c)
        else:
            a, c, fc = c, d, fd
            d = a + inv_phi * (b - a)
            fd = f(d)
    return 0.5 * (a + b)
