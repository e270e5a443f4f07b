"""Chain-growth Monte Carlo: flatPERM densities of states and nPERMis ground-state search.

Both methods grow chains monomer by monomer with pruning and enrichment
(PERM, Grassberger 1997).  :func:`flatperm` estimates the density of states
g(E) of the full chain in absolute units (it counts conformations); several
independent runs give its statistical error.  :func:`npermis` samples at one
low temperature and is used to find low-energy conformations.
"""
from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass, field

import numpy as np

from ._dos_checkpoint import ResumableRun, check_parameters, drive_runs, read_checkpoint, write_checkpoint
from ._kernels import perm as kern
from .dos import DensityOfStates, combine_runs, exact_total
from .lattice import encode_directions, get_lattice
from .sequence import get_model, parse_sequence

__all__ = ["flatperm", "npermis", "PermSearchResult", "GrowthProblem", "FlatPermRun", "NPermisRun"]

log = logging.getLogger(__name__)


@dataclass(eq=False)
class GrowthProblem:
    """A chain prepared for the growth kernels: types, contact matrix and grid geometry (plain arrays)."""

    sequence: str
    lattice: str
    model: str
    types: np.ndarray
    matrix: np.ndarray
    interacts: np.ndarray
    offsets: np.ndarray
    center: int
    grid_size: int
    e_offset: int
    n_levels: int

    @classmethod
    def build(cls, sequence, lattice="square", model="HP") -> "GrowthProblem":
        lat = get_lattice(lattice)
        mdl = get_model(model)
        seq = parse_sequence(sequence, mdl.alphabet)
        n = len(seq)
        if n < 2:
            raise ValueError("chain growth needs a chain of at least 2 monomers")
        width = 2 * n + 3
        strides = [width ** a for a in range(lat.dim)]
        offsets = np.array([int(np.dot(v, strides)) for v in lat.vectors], dtype=np.int64)
        center = sum((n + 1) * s for s in strides)
        bound = int(np.abs(mdl.matrix).max(initial=0)) * (n * lat.n_directions // 2 + 1)
        interacts = np.any(mdl.matrix != 0, axis=1)
        return cls(seq, lat.name, mdl.name, mdl.encode(seq), mdl.matrix, interacts, offsets, center,
                   width ** lat.dim, bound, 2 * bound + 1)

    @property
    def n(self) -> int:
        return len(self.sequence)

    def new_grid(self) -> np.ndarray:
        return np.zeros(self.grid_size, dtype=np.int32)


@dataclass(eq=False)
class FlatPermRun(ResumableRun):
    """The state of one flatPERM run; :meth:`advance` runs more tours (batches give identical results)."""

    problem: GrowthProblem
    rng: np.random.Generator
    lookahead: bool = True
    max_copies: int = 1
    sum_w: np.ndarray = None
    hist: np.ndarray = None
    ln_ref: np.ndarray = None
    counters: np.ndarray = None
    best_dirs: np.ndarray = None
    grid: np.ndarray = None
    seconds: float = 0.0

    def __post_init__(self):
        p = self.problem
        self.sum_w = np.zeros((p.n + 1, p.n_levels))
        self.hist = np.zeros((p.n + 1, p.n_levels), dtype=np.int64)
        self.ln_ref = np.full(p.n + 1, np.nan)
        self.counters = kern.new_counters()
        self.best_dirs = np.zeros(max(p.n - 1, 1), dtype=np.int64)
        self.grid = p.new_grid()

    #: the arrays that hold the run's whole state between tours (with ``rng`` and ``seconds``)
    STATE_ARRAYS = ("sum_w", "hist", "ln_ref", "counters", "best_dirs", "grid")


    def advance(self, tours: int) -> None:
        """Run ``tours`` more tours; the result depends only on the total, not on how it is split."""
        p = self.problem
        t0 = time.perf_counter()
        kern.flatperm_tours(int(tours), p.types, p.matrix, p.interacts, p.offsets, self.grid, p.center,
                            p.e_offset, bool(self.lookahead), int(self.max_copies), self.sum_w, self.hist, self.ln_ref, self.counters, self.best_dirs, self.rng)
        self.seconds += time.perf_counter() - t0

    @property
    def tours(self) -> int:
        return int(self.counters[kern.TOURS])

    def ln_g(self, length: int | None = None):
        """(energies, ln g) of chains of ``length`` monomers (default: the full chain)."""
        n = self.problem.n if length is None else int(length)
        row = self.sum_w[n]
        levels = np.nonzero(row > 0)[0]
        return (levels - self.problem.e_offset,
                np.log(row[levels]) + self.ln_ref[n] - math.log(max(self.tours, 1)))

    def flatness(self, length: int | None = None) -> float:
        """min / mean of the sample histogram over the levels seen at ``length`` (1 = perfectly flat)."""
        n = self.problem.n if length is None else int(length)
        h = self.hist[n][self.hist[n] > 0]
        return float(h.min() / h.mean()) if len(h) else 0.0

    def counter_dict(self) -> dict:
        out = {name: int(v) for name, v in zip(kern.COUNTER_NAMES, self.counters)}
        if out["best_energy"] == kern.NO_ENERGY:
            out["best_energy"] = None
        return out

    def best_conformation(self) -> str | None:
        if self.counters[kern.BEST_E] == kern.NO_ENERGY:
            return None
        return encode_directions(self.best_dirs[:self.problem.n - 1])


def _spawn(seed, runs):
    if isinstance(seed, np.random.Generator):
        seed = int(seed.integers(2 ** 63))
    return [np.random.Generator(np.random.PCG64(s)) for s in np.random.SeedSequence(seed).spawn(runs)]


def flatperm(sequence, lattice="square", model="HP", *, tours=100_000, runs=4, seed=None, threads=1,
             normalise=True, max_seconds=None, checkpoint=None, resume=False,
             checkpoint_seconds=5.0, force=False, progress=None) -> DensityOfStates:
    """Estimate the density of states g(E) of a chain with flatPERM.

    Parameters
    ----------
    sequence : str
        HP sequence (at least two monomers).
    lattice : str, default "square"
        Any hpfold lattice (the growth uses ``lattice.vectors``).
    model : str or EnergyModel, default "HP"
    tours : int, default 100000
        Tours per run (one tour grows one tree of chains from a single monomer).
    runs : int, default 4
        Independent runs, with RNG streams spawned from one ``SeedSequence(seed)``; their spread
        gives ``ln_g_err`` and ``ln_g_runs``.  Use at least 2 for error bars.
    seed : int or None
        Same seed, same result, whatever ``threads`` is.
    threads : int, default 1
        Runs are spread over this many threads (the kernels release the GIL).
    normalise : bool, default True
        Scale each run so that sum_E g(E) equals the exact number of conformations c_{N-1} when it
        is tabulated (``hpfold/data/saw_counts.tsv``); otherwise keep flatPERM's own absolute
        estimate (it also estimates that total, without bias).
    max_seconds : float, optional
        Wall-time limit for the whole call, shared equally between the runs (the result then
        depends on machine speed).
    checkpoint : str or path-like, optional
        HDF5 file that receives the whole state of every run (arrays, counters, generator states and
        the parameters) at the start, every ``checkpoint_seconds`` of wall time, at the end and on
        Ctrl-C; written atomically (temporary file in the same folder, then renamed).
    resume : bool, default False
        Continue the runs stored in ``checkpoint``; the result is bit-identical to an uninterrupted
        call.  ``ValueError`` if the file is missing or its parameters (sequence, lattice, model,
        tours, runs, seed) differ from these.
    checkpoint_seconds : float, default 5
    force : bool, default False
        Run even when a short timed pilot estimates the whole call at over 10 minutes (otherwise
        ``ValueError`` with the estimate; ``max_seconds`` caps the estimate).
    progress : bool, optional
        Progress bar on stderr (default: when stderr is a terminal), after two seconds.

    Returns
    -------
    DensityOfStates
        Method ``"flatperm"``; ``counters`` sums the kernel counters over runs and adds
        ``seconds`` (wall), ``cpu_seconds``, ``runs`` (runs that reached full length),
        ``tours_requested_per_run``, ``flatness`` (worst min/mean of the full-length histogram
        over runs) and ``ln_total_estimate`` (flatPERM's own ln sum g, mean over runs).

    Examples
    --------
    >>> dos = flatperm("HPPHPPH", "square", tours=2000, runs=2, seed=1)
    >>> dos.energies.tolist()
    [-2, -1, 0]

    Notes
    -----
    Prellberg & Krawczyk, Phys. Rev. Lett. 92, 120602 (2004): PERM with the enrichment ratio
    taken against the running estimate of the number of walks of each (length, energy), which
    makes the sample histogram flat in both.  Cost per tour about N x (number of levels) chains.
    Ctrl-C raises :class:`hpfold._dos_checkpoint.Interrupted` (a KeyboardInterrupt) after the final
    checkpoint, when there is one.
    """
    problem = GrowthProblem.build(sequence, lattice, model)
    tours, runs, threads = _positive(tours, "tours"), _positive(runs, "runs"), _positive(threads, "threads")
    states, params = _prepare_flatperm(problem, tours, runs, seed, checkpoint, resume)
    save = None
    if checkpoint is not None:
        def save(run_states):
            write_checkpoint(checkpoint, "flatperm", params, run_states)
    t0 = time.perf_counter()
    done = lambda r: r.tours                                        # noqa: E731
    drive_runs(states, tours, done, threads=threads, max_seconds=max_seconds, first_batch=16,
               save=save, every=checkpoint_seconds, path=checkpoint, progress=progress, unit="tour",
               label="flatPERM", cost=f"flatPERM of {len(states)} x {tours:,} tours", force=force)
    wall = time.perf_counter() - t0
    log.info("flatPERM %s: %d run(s), %s tours", problem.sequence[:20], len(states), [r.tours for r in states])
    return _flatperm_result(problem, states, tours, wall, normalise)


def _prepare_flatperm(problem, tours, runs, seed, checkpoint, resume):
    """(runs, checkpoint parameters): new runs, or those stored in ``checkpoint`` when ``resume``."""
    if checkpoint is not None and isinstance(seed, np.random.Generator):
        raise ValueError("checkpoint: give an int seed or None, not a Generator")
    params = {"sequence": problem.sequence, "lattice": problem.lattice, "model": problem.model, "tours": tours,
              "runs": runs, "seed": None if seed is None else int(seed)}
    stored = None
    if resume:
        if checkpoint is None:
            raise ValueError("resume needs a checkpoint file")
        saved_params, stored = read_checkpoint(checkpoint, "flatperm")
        check_parameters(checkpoint, saved_params, params)
    states = [FlatPermRun(problem, rng) for rng in _spawn(seed, runs)]
    for i, (run, state) in enumerate(zip(states, stored or ())):
        run.set_state(state, f"{checkpoint}: run {i}")
    return states, params


def _flatperm_result(problem, states, tours, wall, normalise) -> DensityOfStates:
    """The combined DensityOfStates of the flatPERM ``states``."""
    total = exact_total(problem.lattice, problem.n) if normalise else None
    energies, ln_gs, raw_totals = [], [], []
    finished = [st for st in states if st.sum_w[problem.n].any()]
    if not finished:
        raise ValueError(f"flatPERM: no run grew a full-length chain of {problem.n} monomers "
                         f"(raise tours or max_seconds)")
    if len(finished) < len(states):
        log.warning("flatPERM: %d of %d runs grew no full-length chain and are left out",
                    len(states) - len(finished), len(states))
    for st in finished:
        e, lg = st.ln_g()
        top = lg.max()
        raw = float(top + np.log(np.exp(lg - top).sum()))
        raw_totals.append(raw)
        if total is not None:
            lg = lg - raw + math.log(total)
        energies.append(e)
        ln_gs.append(lg)
    union, ln_g, err, ln_runs = combine_runs(energies, ln_gs, weights=[st.tours for st in finished])
    if total is not None:
        norm = (f"{_unreduced()}; each run scaled so that sum g = c_{problem.n - 1} = {total} "
                f"(exact self-avoiding walk count)")
    else:
        norm = f"{_unreduced()}; absolute flatPERM estimate (sum g estimates c_{problem.n - 1}, not rescaled)"
    counters = _sum_counters([s.counter_dict() for s in states])
    counters.update(runs=len(finished), tours_requested_per_run=tours, seconds=round(wall, 4),
                    cpu_seconds=round(sum(s.seconds for s in states), 4),
                    flatness=round(min(s.flatness() for s in finished), 4),
                    ln_total_estimate=float(np.mean(raw_totals)))
    best = min(states, key=lambda s: s.counters[kern.BEST_E])
    return DensityOfStates(problem.sequence, problem.lattice, problem.model, union, ln_g, "flatperm", norm,
                           ln_g_err=err if len(finished) > 1 else None, ln_g_runs=ln_runs if len(finished) > 1 else None,
                           counters=counters, best_conformation=best.best_conformation())


# -- nPERMis ------------------------------------------------------------------------------------------

@dataclass(eq=False)
class NPermisRun:
    """The state of one nPERMis run at inverse temperature ``beta``."""

    problem: GrowthProblem
    rng: np.random.Generator
    beta: float
    threshold: float = 1.0
    importance: bool = True
    sum_w: np.ndarray = None
    n_chains: np.ndarray = None
    sum_w_full: np.ndarray = None
    ln_ref: np.ndarray = None
    counters: np.ndarray = None
    best_dirs: np.ndarray = None
    grid: np.ndarray = None
    seconds: float = 0.0
    seconds_to_best: float = 0.0

    def __post_init__(self):
        p = self.problem
        self.sum_w = np.zeros(p.n + 1)
        self.n_chains = np.zeros(p.n + 1, dtype=np.int64)
        self.sum_w_full = np.zeros(p.n_levels)
        self.ln_ref = np.full(p.n + 1, np.nan)
        self.counters = kern.new_counters()
        self.best_dirs = np.zeros(max(p.n - 1, 1), dtype=np.int64)
        self.grid = p.new_grid()

    def advance(self, tours: int, target_energy: int | None = None) -> int:
        """Run up to ``tours`` tours, stopping after the tour that reaches ``target_energy``."""
        p = self.problem
        target = -kern.NO_ENERGY if target_energy is None else int(target_energy)
        best_before = self.counters[kern.BEST_E]
        chains_before = int(self.counters[kern.CHAINS])
        t0 = time.perf_counter()
        done = kern.npermis_tours(int(tours), p.types, p.matrix, p.interacts, p.offsets, self.grid, p.center,
                                  p.e_offset, float(self.beta), float(self.threshold), bool(self.importance),
                                  target, self.sum_w, self.n_chains, self.sum_w_full, self.ln_ref,
                                  self.counters, self.best_dirs, self.rng)
        elapsed = time.perf_counter() - t0
        if self.counters[kern.BEST_E] < best_before:
            # interpolate within the batch by the chain count at which the best energy appeared
            grown = max(int(self.counters[kern.CHAINS]) - chains_before, 1)
            self.seconds_to_best = self.seconds + elapsed * (int(self.counters[kern.AT_BEST]) - chains_before) / grown
        self.seconds += elapsed
        return int(done)

    @property
    def tours(self) -> int:
        return int(self.counters[kern.TOURS])

    @property
    def best_energy(self):
        e = int(self.counters[kern.BEST_E])
        return None if e == kern.NO_ENERGY else e


@dataclass(eq=False)
class PermSearchResult:
    """Outcome of an nPERMis search: the lowest energy reached and the canonical sampling statistics.

    ``ln_z`` estimates ln Z(T) of the full chain (unreduced, monomer 0 fixed) and ``energies`` /
    ``ln_weights`` its canonical energy distribution, ``ln P(E) + ln Z``, from the run grown from
    monomer 0 (``grown_from="start"``) or, if there is none, the run grown from the last monomer;
    :meth:`density_of_states` reweights it to ln g(E), reliable only near ``temperature``.
    ``best_conformation`` is always written from monomer 0.
    """

    sequence: str
    lattice: str
    model: str
    temperature: float
    best_energy: int | None
    best_conformation: str | None
    best_grown_from: str | None
    seconds: float
    seconds_to_best: float
    energies: np.ndarray = field(repr=False)
    ln_weights: np.ndarray = field(repr=False)
    ln_z: float
    counters: dict = field(default_factory=dict)

    def density_of_states(self) -> DensityOfStates:
        """ln g(E) = ln W(E) + E / T: canonical reweighting of the full-length chains."""
        ln_g = self.ln_weights + self.energies / self.temperature
        return DensityOfStates(self.sequence, self.lattice, self.model, self.energies, ln_g, "npermis",
                               f"{_unreduced()}; canonical nPERMis estimate at T = {self.temperature:g}, "
                               f"reweighted (reliable only near that temperature)",
                               counters=dict(self.counters), best_conformation=self.best_conformation)

    def to_dict(self) -> dict:
        return {"sequence": self.sequence, "lattice": self.lattice, "model": self.model,
                "temperature": self.temperature, "best_energy": self.best_energy,
                "best_conformation": self.best_conformation, "best_grown_from": self.best_grown_from,
                "seconds": round(self.seconds, 4), "seconds_to_best": round(self.seconds_to_best, 4),
                "ln_z": self.ln_z, "counters": dict(self.counters)}


#: tours per batch grow 8, 16, ... up to this (a fixed schedule keeps "both" runs reproducible)
MAX_BATCH = 1024


def npermis(sequence, lattice="square", model="HP", *, temperature=0.3, tours=100000, target_energy=None,
            seed=None, threshold=1e-3, importance=True, grow_from="both", max_seconds=None) -> PermSearchResult:
    """Search for low-energy conformations with nPERMis at a low temperature.

    Parameters
    ----------
    sequence : str
    lattice : str, default "square"
    model : str or EnergyModel, default "HP"
    temperature : float, default 0.3
        Sampling temperature (k_B = 1, energy units of the model).
    tours : int, default 100000
        Maximum number of tours (per growth direction).
    target_energy : int, optional
        Stop as soon as a tour finds a conformation with energy <= this.
    seed : int or None
        Same seed, same result (unless ``max_seconds`` cuts the run).
    threshold : float, default 1e-3
        The constant C of the enrichment threshold W+ = C Z_n (c_n / c_0)^2; the number of chains
        per tour at each length settles near C^(-1/3) (10 for the default).
    importance : bool, default True
        Choose continuations with the importance q = exp(-dE/T) (free neighbours + 1/2); False
        gives nPERMss (uniform choice).
    grow_from : {"both", "start", "end"}, default "both"
        Grow from monomer 0, from the last monomer, or alternate batches of both (which end is
        easier depends strongly on the sequence: S1-5 is found in well under a second from its end
        and not in minutes from its start).
    max_seconds : float, optional
        Wall-time limit (results then depend on machine speed).

    Returns
    -------
    PermSearchResult

    Examples
    --------
    >>> res = npermis("HPHPPHHPHPPHPHHPPHPH", "square", target_energy=-9, seed=3)
    >>> res.best_energy
    -9

    Notes
    -----
    Hsu, Mehra, Nadler & Grassberger, J. Chem. Phys. 118, 444 (2003): PERM in which an enriched
    chain is continued along k *distinct* free neighbours (drawn here by systematic sampling with
    inclusion probabilities proportional to the importance), with thresholds tied to the running
    estimates of the partition sum and of the number of chains per tour.  The weights stay exact,
    so Z(T) is estimated without bias.  Cost per chain O(number of directions^2) (the look-ahead).
    """
    if not temperature > 0:
        raise ValueError("temperature must be positive")
    if not threshold > 0:
        raise ValueError("threshold must be positive")
    if grow_from not in ("both", "start", "end"):
        raise ValueError(f"grow_from must be 'both', 'start' or 'end', not {grow_from!r}")
    mdl = get_model(model)
    seq = parse_sequence(sequence, mdl.alphabet)
    tours = _positive(tours, "tours")
    ends = ("start", "end") if grow_from == "both" else (grow_from,)
    rngs = _spawn(seed, 2)
    runs = {end: NPermisRun(GrowthProblem.build(seq if end == "start" else seq[::-1], lattice, mdl),
                            rngs[0 if end == "start" else 1], 1.0 / float(temperature), float(threshold),
                            bool(importance)) for end in ends}
    deadline = None if max_seconds is None else time.perf_counter() + float(max_seconds)
    batch, wall_to_best, wall0 = 8, 0.0, time.perf_counter()
    best_end, best_value = None, None

    def reached():
        return target_energy is not None and best_end is not None and \
            runs[best_end].best_energy <= target_energy

    while not reached() and any(r.tours < tours for r in runs.values()):
        if deadline is not None and time.perf_counter() > deadline:
            break
        for end in ends:
            run = runs[end]
            if run.tours >= tours:
                continue
            before = run.best_energy
            seconds_before = run.seconds
            run.advance(min(batch, tours - run.tours), target_energy)
            if run.best_energy is not None and (before is None or run.best_energy < before):
                if best_value is None or run.best_energy < best_value:
                    best_end, best_value = end, run.best_energy
                    other = sum(r.seconds for e, r in runs.items() if e != end)
                    wall_to_best = other + run.seconds_to_best
            if reached():
                break
        batch = min(2 * batch, MAX_BATCH)
    wall = time.perf_counter() - wall0
    main = runs["start"] if "start" in runs else runs["end"]
    n = len(seq)
    levels = np.nonzero(main.sum_w_full > 0)[0]
    ln_w = np.log(main.sum_w_full[levels]) + main.ln_ref[n] - math.log(max(main.tours, 1))
    ln_z = float(np.log(main.sum_w[n]) + main.ln_ref[n] - math.log(max(main.tours, 1))) \
        if main.sum_w[n] > 0 else -math.inf
    counters = _sum_counters([{name: int(v) for name, v in zip(kern.COUNTER_NAMES, r.counters)}
                              for r in runs.values()])
    for name in ("best_energy",):
        if counters[name] == kern.NO_ENERGY:
            counters[name] = None
    best_dirs = None
    if best_end is not None:
        run = runs[best_end]
        dirs = run.best_dirs[:n - 1]
        if best_end == "end":  # walk back from the last monomer: reverse the steps and flip each one
            dirs = get_lattice(lattice).opposite[dirs[::-1]]
        best_dirs = encode_directions(dirs)
    lat_name = get_lattice(lattice).name
    return PermSearchResult(seq, lat_name, mdl.name, float(temperature),
                            None if best_end is None else runs[best_end].best_energy, best_dirs, best_end,
                            wall, wall_to_best, levels - main.problem.e_offset, ln_w, ln_z, counters)


def _unreduced() -> str:
    return "unreduced count of conformations: monomer 0 at the origin, every orientation counted"


def _sum_counters(dicts):
    out = {}
    for key in kern.COUNTER_NAMES:
        values = [d[key] for d in dicts]
        if key == "best_energy":
            seen = [v for v in values if v is not None and v != kern.NO_ENERGY]
            out[key] = min(seen) if seen else None
        elif key == "chains_at_best":
            continue
        else:
            out[key] = int(sum(values))
    return out


def _positive(value, name) -> int:
    try:
        v = int(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a positive integer, not {value!r}") from None
    if v < 1 or v != value:
        raise ValueError(f"{name} must be a positive integer, not {value!r}")
    return v
