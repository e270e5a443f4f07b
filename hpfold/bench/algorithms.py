"""Built-in algorithms as adapters to the plug-in protocol (see :mod:`hpfold.bench.protocol`).

Each adapter has the signature ``f(sequence, lattice, budget, seed, report)`` and returns
its best conformation as a direction string.  The names the CLI accepts are the keys of
:data:`BUILTINS`; an adapter whose engine is not installed raises a one-line ``ValueError``.
"""
from __future__ import annotations

import importlib.util
import time

import numpy as np

__all__ = ["BUILTINS", "builtin", "available_algorithms", "random_search"]

#: name -> (adapter attribute in this module, engine module it needs, description)
BUILTINS = {
    "random": ("random_search", None, "independent random self-avoiding walks (a baseline)"),
    "remc": ("remc", "hpfold.sample", "replica exchange Monte Carlo, pull moves (hpfold.sample)"),
    "anneal": ("anneal", "hpfold.sample", "simulated annealing, pull moves (hpfold.sample)"),
    "perm": ("perm", "hpfold.perm", "pruned-enriched Rosenbluth method (hpfold.perm)"),
    "wang-landau": ("wang_landau", "hpfold.wang_landau", "a Wang-Landau walker used as a search (hpfold.wang_landau)"),
}


def _installed(module: str | None) -> bool:
    if module is None:
        return True
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:
        return False


def available_algorithms() -> dict:
    """``{name: description}`` of the built-ins whose engines are installed."""
    return {k: v[2] for k, v in BUILTINS.items() if _installed(v[1]) and v[0] in globals()}


def builtin(name: str):
    """The adapter function of a built-in algorithm.

    Raises
    ------
    ValueError
        If the name is unknown or its engine is not available in this installation.
    """
    key = name.strip().lower()
    if key not in BUILTINS:
        raise ValueError(f"unknown algorithm {name!r}: use one of {', '.join(BUILTINS)} or package.module:function")
    attr, module, _ = BUILTINS[key]
    if not _installed(module) or attr not in globals():
        raise ValueError(f"algorithm {name!r} is not available in this installation ({module} is missing)")
    return globals()[attr]


# -- random: the baseline ------------------------------------------------------------------
def random_search(sequence, lattice, budget, seed, report):
    """Draw independent random self-avoiding walks and keep the best (a search baseline).

    Parameters
    ----------
    sequence : str
    lattice : str
    budget : Budget
    seed : int
    report : Reporter

    Returns
    -------
    str
        Direction string of the lowest-energy walk drawn.

    Examples
    --------
    >>> from hpfold.bench.harness import run_inline
    >>> rec = run_inline("random", "HPPHPPHH", "square", budget="10s,5000evals", seed=1)
    >>> rec["best_energy"], rec["evaluations"]
    (-3, 5000)

    Notes
    -----
    Each walk grows from the origin, one step at a time, uniformly among the free
    neighbours of the chain end; a trapped walk is discarded (Rosenbluth & Rosenbluth,
    J. Chem. Phys. 23, 356, 1955, without the weights).  One evaluation is one complete
    walk, O(N z) work.  Deterministic for a given seed and evaluation budget, whatever
    the time budget lets it finish.
    """
    from ..lattice import encode_directions, get_lattice
    from ..sequence import HP
    from ._kernels import grid_layout, random_walk_search

    lat = get_lattice(lattice)
    types = HP.encode(sequence)
    n = len(types)
    offsets, n_sites, center = grid_layout(n, lat.vectors)
    rng = np.random.default_rng(seed)
    target = report.target if report.target is not None else -(1 << 62)
    best_energy = 1 << 62
    best_dirs = np.zeros(max(n - 1, 1), dtype=np.int8)
    evaluations, chunk = 0, 64
    while True:
        want = chunk
        if budget.evaluations is not None:
            want = min(want, budget.evaluations - evaluations)
            if want <= 0:
                break
        t0 = time.perf_counter()
        found, done, _ = random_walk_search(want, types, HP.matrix, offsets, n_sites, center, rng, target,
                                            best_energy, best_dirs)
        spent = time.perf_counter() - t0
        evaluations += done
        improved = found < best_energy
        best_energy = found
        conf = encode_directions(best_dirs[:n - 1]) if improved else None
        if report(report.elapsed(), evaluations, best_energy, conf):
            break
        if spent < 0.02:
            chunk *= 2
        elif spent > 0.1 and chunk > 1:
            chunk //= 2
    return encode_directions(best_dirs[:n - 1])


def _warm_random(sequence, lattice):
    from ..lattice import get_lattice
    from ..sequence import HP
    from ._kernels import grid_layout, random_walk_search

    lat = get_lattice(lattice)
    offsets, n_sites, center = grid_layout(4, lat.vectors)
    random_walk_search(1, HP.encode("HPPH"), HP.matrix, offsets, n_sites, center, np.random.default_rng(0),
                       -(1 << 62), 1 << 62, np.zeros(3, dtype=np.int8))


random_search.warmup = _warm_random


# -- perm: nPERMis ground-state search (hpfold.perm) ---------------------------------------------------
#: nPERMis at the defaults of :func:`hpfold.perm.npermis`
PERM_TEMPERATURE, PERM_THRESHOLD = 0.3, 1e-3


def perm(sequence, lattice, budget, seed, report):
    """nPERMis search grown from both ends, as :func:`hpfold.perm.npermis` with its defaults
    (T = 0.3, threshold 1e-3, importance sampling), in batches of tours that alternate
    between the two ends; every improvement is reported with its conformation.

    Batches double from 8 tours but stay under about 2 % of the budget, so the run stops
    close to its budget.  ``evaluations`` are the chains grown; an evaluation budget is not
    applied (PERM grows partial chains, not full conformations).

    Notes
    -----
    Hsu, Mehra, Nadler & Grassberger, J. Chem. Phys. 118, 444 (2003). Cost per chain
    O(z^2) (the look-ahead).
    """
    from .._kernels.perm import COUNTER_NAMES
    from ..lattice import encode_directions, get_lattice
    from ..perm import GrowthProblem, NPermisRun

    lat = get_lattice(lattice)
    n = len(sequence)
    chains = COUNTER_NAMES.index("chains")
    rngs = [np.random.Generator(np.random.PCG64(s)) for s in np.random.SeedSequence(seed).spawn(2)]
    runs = {end: NPermisRun(GrowthProblem.build(sequence if end == "start" else sequence[::-1], lattice), rng,
                            1.0 / PERM_TEMPERATURE, PERM_THRESHOLD, True)
            for end, rng in zip(("start", "end"), rngs)}
    best_energy, best_conf, batch = None, None, 8
    while True:
        for end, run in runs.items():
            t0 = time.perf_counter()
            run.advance(batch, report.target)
            spent = time.perf_counter() - t0
            grown = int(sum(r.counters[chains] for r in runs.values()))
            if run.best_energy is not None and (best_energy is None or run.best_energy < best_energy):
                dirs = run.best_dirs[:n - 1]
                if end == "end":  # grown from the last monomer: reverse the steps and flip each one
                    dirs = lat.opposite[dirs[::-1]]
                best_energy, best_conf = run.best_energy, encode_directions(dirs)
                stop = report(None, grown, best_energy, best_conf)
            else:
                stop = report(None, grown, best_energy)
            if stop:
                return best_conf
            per_tour = spent / batch
        cap = 1024 if per_tour <= 0 else max(1, int(0.02 * budget.seconds / per_tour))
        batch = max(1, min(2 * batch, 1024, cap))


def _warm_perm(sequence, lattice):
    from ..perm import GrowthProblem, NPermisRun

    NPermisRun(GrowthProblem.build("HPPHPPHH", lattice), np.random.default_rng(0), 1.0 / PERM_TEMPERATURE,
               PERM_THRESHOLD, True).advance(2)


perm.warmup = _warm_perm


# -- remc and anneal: Monte Carlo with pull moves (hpfold.sample) -------------------------------------
def _sample_seconds(report) -> float:
    """Time to hand to a sampler: what is left, minus a margin so the result is back within the budget."""
    return max(1e-3, 0.97 * report.remaining_seconds() - 0.05)


def _block_seconds(report) -> float:
    """Kernel call length: short enough that the sampler's time check does not overshoot the budget."""
    return min(0.25, max(0.005, report.remaining_seconds() / 100))


def remc(sequence, lattice, budget, seed, report):
    """Replica exchange with pull moves (:func:`hpfold.sample.sample` defaults: 8 replicas, geometric
    temperatures 0.15-1.5, swaps every 10 sweeps) until the target or the budget.

    Progress is reported after every block of the sampler (the lowest saved energy, no
    conformation: it is verified by the conformation returned at the end); the sampler
    stops as soon as a replica reaches the target.  With an evaluation budget, it runs
    ``budget.evaluations // 8`` steps per replica.

    Notes
    -----
    Thachuk, Shmygelska & Hoos, BMC Bioinformatics 8, 342 (2007) (pull-move REMC).
    """
    from ..sample import sample

    state = {"best": None}

    def on_block(block):
        low = int(np.min(block.observables["energy"]))
        if state["best"] is None or low < state["best"]:
            state["best"] = low
            report(None, report.evaluations, low)

    steps = None if budget.evaluations is None else max(1, budget.evaluations // 8)
    res = sample(sequence, lattice, method="remc", moves="pull", max_time=_sample_seconds(report), steps=steps,
                 target=report.target, seed=seed, on_block=on_block, block_seconds=_block_seconds(report))
    report(res.seconds, res.energy_evaluations, res.best_energy, res.best_conformation)
    return res.best_conformation


def anneal(sequence, lattice, budget, seed, report):
    """Simulated annealing with pull moves and restarts: each restart cools geometrically from
    T = 2.0 to 0.1 (the :func:`hpfold.sample.sample` defaults) over 50 000 N attempted moves;
    restarts repeat, each with its own seed stream, until the target or the budget.

    Notes
    -----
    Kirkpatrick, Gelatt & Vecchi, Science 220, 671 (1983). Cost per restart O(50 000 N) moves.
    """
    from ..sample import sample

    steps = 50_000 * len(sequence)
    seeds = np.random.SeedSequence(seed)
    best_energy, best_conf, evaluations = None, None, 0
    while True:
        if budget.evaluations is not None:
            left = budget.evaluations - evaluations
            if left <= 0:
                break
            steps = min(steps, left)
        res = sample(sequence, lattice, method="anneal", moves="pull", steps=steps, max_time=_sample_seconds(report),
                     target=report.target, seed=seeds.spawn(1)[0], block_seconds=_block_seconds(report))
        evaluations += res.energy_evaluations
        if best_energy is None or res.best_energy < best_energy:
            best_energy, best_conf = res.best_energy, res.best_conformation
            stop = report(None, evaluations, best_energy, best_conf)
        else:
            stop = report(None, evaluations, best_energy)
        if stop or res.stopped_by == "max_time":
            break
    return best_conf


def _warm_sample(sequence, lattice):
    from ..sample import sample

    sample("HPPHPPHH", lattice, method="remc", moves="pull", steps=200, seed=0)
    sample("HPPHPPHH", lattice, method="anneal", moves="pull", steps=200, seed=0)


remc.warmup = _warm_sample
anneal.warmup = _warm_sample


# -- wang-landau: a Wang-Landau walker used as a search (hpfold.wang_landau) ---------------------------
#: steps between looks at the walker's conformation
WL_LOOK_EVERY = 512


def wang_landau(sequence, lattice, budget, seed, report):
    """One Wang-Landau walker (1/t refinement, pull/pivot/rebridging moves; :class:`hpfold.wang_landau.WangLandauRun`)
    used as a ground-state search.

    The walker's conformation is looked at every 512 steps; the lowest-energy one seen is
    reported (with its conformation) and returned.  A level the walker visits and leaves
    between two looks is not claimed, since it could not be shown.  One evaluation is one step.

    Notes
    -----
    Wang & Landau, Phys. Rev. Lett. 86, 2050 (2001); Wust & Landau, J. Chem. Phys. 137, 064903
    (2012) for HP chains. Cost O(N z) per step.
    """
    from ..wang_landau import WangLandauRun

    run = WangLandauRun(sequence, lattice, "HP", np.random.default_rng(seed))
    best_energy, best_conf = run.energy, run.directions()
    report(None, 0, best_energy, best_conf)
    while True:
        steps = WL_LOOK_EVERY
        if budget.evaluations is not None:
            steps = min(steps, budget.evaluations - run.steps)
            if steps <= 0:
                break
        run.advance(steps)
        if run.energy < best_energy:
            best_energy, best_conf = run.energy, run.directions()
            stop = report(None, run.steps, best_energy, best_conf)
        else:
            stop = report(None, run.steps, best_energy)
        if stop:
            break
    return best_conf


def _warm_wang_landau(sequence, lattice):
    from ..wang_landau import WangLandauRun

    WangLandauRun("HPPHPPHH", lattice, "HP", np.random.default_rng(0)).advance(100)


wang_landau.warmup = _warm_wang_landau
