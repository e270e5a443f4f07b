"""One call for the exact kinetics of a space: cost check, MFPT (at T or over a range), rates, basins."""
from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from .._resources import available_memory
from .basins import basin_kinetics
from .master import master_equation
from .temperature import folding_curve

__all__ = ["ExactKinetics", "exact_kinetics", "estimate_kinetics_cost", "BYTES_PER_EDGE", "SECONDS_PER_EDGE"]

#: peak bytes per directed edge of the state graph during a solve (measured: square 16-mer,
#: 34.3 M directed edges, 3.6 GiB peak)
BYTES_PER_EDGE = 110
#: seconds per directed edge for graph + matrix + one solve at T = 1 (square 16-mer: ~32 s)
SECONDS_PER_EDGE = 1.0e-6
#: refuse runs estimated above this without ``force``
MAX_SECONDS = 600.0


def estimate_kinetics_cost(space, n_solves=1) -> dict:
    """Estimated directed edges, peak memory (bytes) and seconds of ``n_solves`` MFPT solves.

    Edges are estimated as states x move slots / 2 (a measured fraction of pull-move slots that
    lead to distinct classes), so nothing large is built before the check.
    """
    slots = getattr(space, "max_neighbours", 0) or 1
    edges = float(len(space)) * max(slots, 1) * 0.5
    return {"states": len(space), "edges": edges, "bytes": edges * BYTES_PER_EDGE,
            "seconds": edges * SECONDS_PER_EDGE * (1 + 0.4 * max(n_solves - 1, 0))}


@dataclass(eq=False)
class ExactKinetics:
    """Everything ``hpfold kinetics --exact`` reports.  See :func:`exact_kinetics`."""

    space: object = field(repr=False)
    temperature: float
    mfpt: float
    start: str
    target_states: np.ndarray = field(repr=False)
    relaxation_rates: np.ndarray = field(repr=False)
    curve: object = None
    basins: object = field(default=None, repr=False)
    landscape: object = field(default=None, repr=False)
    first_passage: np.ndarray = field(default=None, repr=False)
    n_edges: int = 0
    seconds: dict = field(default_factory=dict)
    peak_bytes: int = 0
    master: object = field(default=None, repr=False)

    def to_dict(self) -> dict:
        out = {**self.space.describe(), "n_states": len(self.space), "n_edges": self.n_edges,
               "temperature": self.temperature, "start": self.start,
               "target": [int(s) for s in self.target_states[:20]],
               "mfpt": self.mfpt, "relaxation_rates": [float(r) for r in self.relaxation_rates],
               "optimal_temperature": None, "seconds": {k: round(v, 4) for k, v in self.seconds.items()},
               "peak_memory_mib": round(self.peak_bytes / 2**20, 1)}
        if self.curve is not None:
            c = self.curve.to_dict()
            out["optimal_temperature"] = c["optimal_temperature"]
            out["curve"] = {"temperatures": c["temperatures"], "mfpt": c["mfpt"]}
        if self.basins is not None:
            b = self.basins
            out["basins"] = {"n_macrostates": b.n_macrostates, "minima_energy": [float(e) for e in b.energy],
                             "equilibrium": [float(p) for p in b.equilibrium],
                             "relaxation_rates": [float(r) for r in b.relaxation_rates()[:8]]}
            out["rates"] = [[float(x) for x in row] for row in b.rates]
        return out


def _peak_bytes() -> int:
    import resource

    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss) * 1024


def exact_kinetics(space, *, temperature=None, tmin=None, tmax=None, points=12, target="ground",
                   start="uniform", rule="metropolis", basins=True, level=None, n_rates=4, force=False,
                   progress=None, stage=None) -> ExactKinetics:
    """Exact Metropolis kinetics of a space: MFPT, slowest rates, the folding curve and basin rates.

    Parameters
    ----------
    space : hpfold.spaces.DiscreteSpace
    temperature : float, optional
        One temperature.  Without it, the MFPT is scanned over ``points`` temperatures from
        ``tmin`` to ``tmax`` (default 0.15 .. 3) and everything else is reported at the optimum.
    target : "ground" or state indices
    start : "uniform", "boltzmann" or state indices
    basins : bool
        Also the rates between gradient basins (or tree macrostates at ``level``): floods the space.
    force : bool
        Run even when the estimate is over 10 minutes or over the available memory.
    progress : callable, optional
        ``progress(done, total)`` after each solve of the temperature scan.
    stage : callable, optional
        ``stage(name)`` when each step starts (state graph, scan, MFPT, rates, basins).

    Examples
    --------
    >>> from hpfold.spaces import HPSpace
    >>> k = exact_kinetics(HPSpace.from_sequence("HPHPPHHPHH"), temperature=0.5)
    >>> round(k.mfpt, 3), k.basins.n_macrostates
    (342.018, 2)

    Notes
    -----
    Master equation and MFPT as in :class:`~hpfold.kinetics.master.MasterEquation` (Kemeny & Snell
    1960), rates by ARPACK, basin rates from equilibrium fluxes (Wolfinger et al. 2004).  Cost:
    O(edges) memory, one sparse solve per temperature.
    """
    scan = temperature is None
    if scan:
        lo = 0.15 if tmin is None else float(tmin)
        hi = 3.0 if tmax is None else float(tmax)
        if not (0 < lo < hi) or not np.isfinite(hi):
            raise ValueError(f"need 0 < --tmin < --tmax, got {lo:g} and {hi:g}")
        if int(points) < 3:
            raise ValueError("--points must be at least 3")
    elif tmin is not None or tmax is not None:
        raise ValueError("give --temperature or --tmin/--tmax, not both")
    cost = estimate_kinetics_cost(space, (int(points) + 8) if scan else 1)
    if not force:
        avail = available_memory()
        if cost["bytes"] > 0.8 * avail:
            raise ValueError(f"kinetics of {cost['states']:,} states needs about {cost['bytes'] / 2**30:.1f} GiB, "
                             f"{avail / 2**30:.1f} GiB are available; use --force (force=True) to try anyway")
        if cost["seconds"] > MAX_SECONDS:
            raise ValueError(f"kinetics of {cost['states']:,} states is estimated at {cost['seconds'] / 60:.0f} min; "
                             "use --force (force=True) to run it anyway")
    seconds = {}
    say = stage if stage is not None else (lambda name: None)
    say("state graph")
    t0 = time.perf_counter()
    graph = space.state_graph()
    seconds["state_graph"] = time.perf_counter() - t0
    curve = None
    if scan:
        say("MFPT(T) scan")
        t1 = time.perf_counter()
        curve = folding_curve(space, np.geomspace(lo, hi, int(points)), target=target, start=start, rule=rule,
                              progress=progress, graph=graph)
        seconds["folding_curve"] = time.perf_counter() - t1
        temperature = curve.optimal_temperature
    say("MFPT")
    t1 = time.perf_counter()
    me = master_equation(space, float(temperature), rule=rule, graph=graph)
    tau = me.first_passage_times(target)
    mfpt = float(me.start_distribution(start, target) @ tau)
    seconds["mfpt"] = time.perf_counter() - t1
    say("relaxation rates")
    t1 = time.perf_counter()
    rates = me.relaxation_rates(n_rates)
    seconds["relaxation_rates"] = time.perf_counter() - t1
    bk = ls = None
    if basins:
        from ..landscape.core import flood

        say("basins")
        t1 = time.perf_counter()
        ls = flood(space, progress=False)
        bk = basin_kinetics(me, ls, level)
        seconds["basins"] = time.perf_counter() - t1
    label = start if isinstance(start, str) else "states"
    return ExactKinetics(space, float(temperature), mfpt, label, np.nonzero(me.target_mask(target))[0], rates,
                         curve, bk, ls, tau, graph.n_edges, seconds, _peak_bytes(), me)


def write_kinetics(path, result: ExactKinetics, *, times=None, populations=None):
    """HDF5 file of a kinetics run: per-state MFPT, the folding curve, basin rates and populations.

    ``populations``: the ``(lumped, exact)`` pair of :func:`basin_populations` at ``times``, if
    already computed.

    Written to a temporary file in the same folder and renamed into place.
    """
    import json

    import h5py

    from ..io._safe import atomic_path

    with atomic_path(path) as tmp:
        with h5py.File(tmp, "w") as f:
            f.attrs["creator"] = "hpfold kinetics"
            f.attrs["summary"] = json.dumps(result.to_dict())
            s = f.create_group("states")
            s["energy"] = result.space.energies
            s["weight"] = result.space.weights
            s["first_passage_time"] = result.first_passage
            if result.curve is not None:
                c = f.create_group("folding_curve")
                c["temperature"] = result.curve.temperatures
                c["mfpt"] = result.curve.mfpt
                c.attrs["optimal_temperature"] = result.curve.optimal_temperature
            if result.basins is not None:
                b = f.create_group("basins")
                b["macrostate_of_state"] = result.basins.macro_of
                b["rates"] = result.basins.rates
                b["equilibrium"] = result.basins.equilibrium
                b["free_energy"] = result.basins.free_energy
                if times is not None:
                    coarse, exact = populations if populations is not None else basin_populations(result, times)
                    b["times"] = times
                    b["populations"] = coarse
                    if exact is not None:
                        b["populations_exact"] = exact


#: largest space whose exact (microscopic) basin populations are propagated for figures and files
EXACT_POPULATION_MAX_STATES = 20_000


def basin_populations(result: ExactKinetics, times) -> tuple:
    """Basin populations from a random start: the lumped model's, and the exact microscopic ones summed
    over each basin (``None`` above :data:`EXACT_POPULATION_MAX_STATES` states).

    Where the two differ, the basins are not internally equilibrated and the lumped (treekin-style)
    model is only an approximation.
    """
    b = result.basins
    coarse = b.populations(_uniform_macro_start(result), times)
    exact = None
    if len(result.space) <= EXACT_POPULATION_MAX_STATES:
        micro = result.master.populations("uniform", times)
        exact = np.stack([np.bincount(b.macro_of, weights=row, minlength=b.n_macrostates) for row in micro])
    return coarse, exact


def _uniform_macro_start(result):
    """Macrostate occupation of a random (T = infinity) start: microstates per macrostate."""
    b = result.basins
    return np.bincount(b.macro_of, weights=result.space.weights.astype(float), minlength=b.n_macrostates)
