"""Mean first-passage time against temperature: the U-shaped folding curve and its optimum."""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .master import master_equation

__all__ = ["FoldingCurve", "folding_curve"]


@dataclass(eq=False)
class FoldingCurve:
    """MFPT to the target at each temperature, and the temperature that folds fastest.

    Attributes
    ----------
    temperatures, mfpt : float64 arrays
        The grid and the MFPT (move attempts) at each point, refinement points included, sorted.
    optimal_temperature : float
        Where the MFPT is smallest (grid minimum refined by golden-section search on log T).
    optimal_mfpt : float
    temperature_range : (float, float)
        The temperatures around the optimum where the MFPT stays within ``range_factor`` of its
        minimum (linear interpolation on the grid in log-log).
    range_factor : float
    at_edge : bool
        The fastest temperature is the lowest or highest of the grid: the true optimum may lie outside.
    """

    temperatures: np.ndarray
    mfpt: np.ndarray
    optimal_temperature: float
    optimal_mfpt: float
    temperature_range: tuple
    range_factor: float
    at_edge: bool = False

    def to_dict(self) -> dict:
        return {"temperatures": [float(t) for t in self.temperatures], "mfpt": [float(m) for m in self.mfpt],
                "optimal_temperature": {"value": self.optimal_temperature, "mfpt": self.optimal_mfpt,
                                        "range": list(self.temperature_range), "range_factor": self.range_factor,
                                        "at_edge": self.at_edge}}


def _crossing(t0, m0, t1, m1, level):
    """Temperature between two grid points where log MFPT crosses log level (log-log interpolation)."""
    a, b = math.log(m0), math.log(m1)
    f = (math.log(level) - a) / (b - a) if b != a else 0.0
    return math.exp(math.log(t0) + f * (math.log(t1) - math.log(t0)))


def folding_curve(space, temperatures=None, *, target="ground", start="uniform", rule="metropolis",
                  refine=8, range_factor=2.0, progress=None, graph=None) -> FoldingCurve:
    """MFPT(T) from a start distribution to the target, and the optimal folding temperature.

    Parameters
    ----------
    space : hpfold.spaces.DiscreteSpace
    temperatures : array, optional
        Grid (default 12 points, log-spaced from 0.15 to 3 in units of the contact energy).
    target, start, rule
        As in :meth:`MasterEquation.mean_first_passage`.
    refine : int
        Golden-section steps on log T around the grid minimum (0: grid only).
    range_factor : float
        Width of the reported range: MFPT within this factor of the minimum.
    progress : callable, optional
        ``progress(done, total)`` after each solve.
    graph : StateGraph, optional
        The space's state graph, if already built (it does not depend on the temperature).

    Examples
    --------
    >>> from hpfold.spaces import HPSpace
    >>> c = folding_curve(HPSpace.from_sequence("HPHPPHHPHH"), [0.2, 0.4, 0.8, 1.6], refine=0)
    >>> c.optimal_temperature
    0.4

    Notes
    -----
    Too hot, the chain rarely meets the native state among the many others; too cold, it is
    trapped in misfolded minima: the MFPT is U-shaped with a minimum near the folding temperature
    (Socci & Onuchic, J. Chem. Phys. 101, 1519, 1994).  Cost: one sparse solve per point.
    """
    temps = np.geomspace(0.15, 3.0, 12) if temperatures is None else np.asarray(temperatures, dtype=np.float64)
    if temps.ndim != 1 or len(temps) < 1 or not np.all(temps > 0) or not np.all(np.isfinite(temps)):
        raise ValueError("temperatures must be positive and finite")
    graph = space.state_graph() if graph is None else graph
    cache = {}
    total = len(temps) + max(int(refine), 0)

    def mfpt(t):
        if t not in cache:
            me = master_equation(space, t, rule=rule, graph=graph)
            cache[t] = me.mean_first_passage(target, start)
            if progress is not None:
                progress(len(cache), total)
        return cache[t]

    values = [mfpt(float(t)) for t in np.unique(temps)]
    grid = np.unique(temps)
    i = int(np.argmin(values))
    if refine > 0 and 0 < i < len(grid) - 1:
        lo, hi = math.log(grid[i - 1]), math.log(grid[i + 1])
        g = (math.sqrt(5) - 1) / 2
        a, b = hi - g * (hi - lo), lo + g * (hi - lo)
        fa, fb = mfpt(math.exp(a)), mfpt(math.exp(b))
        for _ in range(int(refine) - 2):
            if fa < fb:
                hi, b, fb = b, a, fa
                a = hi - g * (hi - lo)
                fa = mfpt(math.exp(a))
            else:
                lo, a, fa = a, b, fb
                b = lo + g * (hi - lo)
                fb = mfpt(math.exp(b))
    ts = np.array(sorted(cache))
    ms = np.array([cache[t] for t in ts])
    j = int(np.argmin(ms))
    level = range_factor * ms[j]
    lo_t = ts[0]
    for k in range(j, 0, -1):
        if ms[k - 1] > level:
            lo_t = _crossing(ts[k - 1], ms[k - 1], ts[k], ms[k], level)
            break
    hi_t = ts[-1]
    for k in range(j, len(ts) - 1):
        if ms[k + 1] > level:
            hi_t = _crossing(ts[k], ms[k], ts[k + 1], ms[k + 1], level)
            break
    return FoldingCurve(ts, ms, float(ts[j]), float(ms[j]), (float(lo_t), float(hi_t)), float(range_factor),
                        bool(j == 0 or j == len(ts) - 1))
