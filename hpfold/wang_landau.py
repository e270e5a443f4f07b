"""Wang-Landau densities of states with the 1/t refinement, on pull, pivot and bond-rebridging moves.

The walk in energy space uses the move kernels of :mod:`hpfold._kernels.moves`
(reversible pull moves, pivots) and the bond-rebridging moves of
:mod:`hpfold._kernels.rebridging` (Deutsch 1997), as Wüst & Landau (J. Chem.
Phys. 137, 064903, 2012) recommend for HP chains.  Independent runs give the
statistical error.
"""
from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass

import numpy as np

from ._dos_checkpoint import ResumableRun, check_parameters, drive_runs, read_checkpoint, write_checkpoint
from ._kernels import moves as mk
from ._kernels import wang_landau as wk
from ._kernels.rebridging import n_rebridge_labels
from ._kernels.sampling import contact_tables
from .dos import DensityOfStates, combine_runs, exact_total
from .lattice import encode_directions, get_lattice
from .sequence import get_model, parse_sequence

__all__ = ["wang_landau", "WangLandauRun", "parse_wl_moves", "DEFAULT_MOVES"]

log = logging.getLogger(__name__)

#: move types a Wang-Landau walk may use, with their kernel codes
WL_MOVE_CODES = {"local": mk.T_LOCAL, "pull": mk.T_PULL, "pivot": mk.T_PIVOT, "rebridge": wk.T_REBRIDGE}
DEFAULT_MOVES = "pull:0.6,pivot:0.1,rebridge:0.3"


def parse_wl_moves(text) -> tuple:
    """``"pull:0.6,pivot:0.1,rebridge:0.3"`` -> (names, fractions summing to 1); equal shares if omitted.

    Examples
    --------
    >>> parse_wl_moves("pull,rebridge")
    (('pull', 'rebridge'), (0.5, 0.5))
    """
    names, weights = [], []
    for part in str(text).split(","):
        part = part.strip()
        if not part:
            continue
        name, _, weight = part.partition(":")
        name = name.strip().lower()
        if name not in WL_MOVE_CODES:
            raise ValueError(f"moves: unknown move type {name!r} (choose from {', '.join(WL_MOVE_CODES)})")
        try:
            w = float(weight) if weight else 1.0
        except ValueError:
            raise ValueError(f"moves: {part!r} is not name:fraction") from None
        if not w > 0:
            raise ValueError(f"moves: fraction of {name!r} must be positive")
        names.append(name)
        weights.append(w)
    if not names:
        raise ValueError("moves: no move type given")
    total = sum(weights)
    return tuple(names), tuple(w / total for w in weights)


@dataclass(eq=False)
class WangLandauRun(ResumableRun):
    """One Wang-Landau walker and its histograms; :meth:`advance` runs more steps (batches do not matter)."""

    sequence: str
    lattice: str
    model: str
    rng: np.random.Generator
    moves: str = DEFAULT_MOVES
    check_every: int = 0

    def __post_init__(self):
        lat = get_lattice(self.lattice)
        mdl = get_model(self.model)
        self.sequence = parse_sequence(self.sequence, mdl.alphabet)
        n = len(self.sequence)
        if n < 3:
            raise ValueError("Wang-Landau needs a chain of at least 3 monomers")
        self.n = n
        self.types = mdl.encode(self.sequence)
        self.iw, self.next_active = contact_tables(mdl.matrix, self.types)   # the Metropolis kernel's
        side = mk.grid_side(n, with_pivot=True)
        self.T = mk.build_tables(lat.vectors, lat.group.astype(np.int64), side, n)
        self.offt = tuple(int(x) for x in mk.geometry(self.T)[0])
        self.grid = np.zeros(side ** lat.dim, dtype=np.uint16)
        mk.fill_walls(self.grid, side, lat.dim, n + 1)
        self.pos = np.zeros(n, dtype=np.int64)
        self.nw = np.zeros(2 * n, dtype=np.int64)       # pull moves use nw[n:] as scratch
        self.saved = np.zeros(n, dtype=np.int64)
        mk.place_chain(self.T, np.zeros(n - 1, dtype=np.int64), lat.vectors, self.pos, self.grid)  # a rod
        names, fractions = parse_wl_moves(self.moves)
        self.mix_codes = np.array([WL_MOVE_CODES[m] for m in names], dtype=np.int64)
        self.mix_cum = np.cumsum(fractions)
        self.mix_cum[-1] = 1.0
        self.mix_nlab = np.array([n_rebridge_labels(n, lat.n_directions) if c == wk.T_REBRIDGE
                                  else mk.n_labels(c, n, self.T) for c in self.mix_codes], dtype=np.int64)
        bound = int(np.abs(mdl.matrix).max(initial=0)) * (n * lat.n_directions // 2 + 1)
        self.e_offset = bound
        self.ln_g = np.zeros(2 * bound + 1)
        self.hist = np.zeros(2 * bound + 1, dtype=np.int64)
        self.visited = np.zeros(2 * bound + 1, dtype=np.bool_)
        self.visited[bound] = True  # the rod has no contacts: E = 0
        self.fstate = np.array([1.0])
        self.istate = np.zeros(8, dtype=np.int64)
        self.istate[wk.N_VISITED] = 1
        self.best_pos = self.pos.copy()  # the rod, energy 0
        self.counters = np.zeros((wk.N_TYPES, 3), dtype=np.int64)
        if self.check_every <= 0:
            self.check_every = 1000 * n
        self.seconds = 0.0

    #: the arrays that hold the walker's whole state (with ``rng`` and ``seconds``); ``nw`` is scratch
    #: (every move writes the entries it reads), so it is not stored
    STATE_ARRAYS = ("ln_g", "hist", "visited", "fstate", "istate", "pos", "grid", "saved", "best_pos",
                    "counters")


    def advance(self, steps: int) -> None:
        """Run ``steps`` more steps; the result depends only on the total, not on how it is split."""
        t0 = time.perf_counter()
        wk.wl_steps(int(steps), self.T, self.n, self.types, self.iw, self.next_active, self.offt, self.pos, self.grid,
                    self.nw, self.saved, self.mix_codes, self.mix_cum, self.mix_nlab, self.e_offset,
                    int(self.check_every), self.ln_g, self.hist, self.visited, self.fstate, self.istate,
                    self.best_pos, self.counters, self.rng)
        self.seconds += time.perf_counter() - t0

    @property
    def steps(self) -> int:
        return int(self.istate[wk.STEPS])

    @property
    def energy(self) -> int:
        return int(self.istate[wk.ENERGY])

    def ln_g_levels(self):
        """(energies, ln g) over the visited levels, shifted so that the largest ln g is 0."""
        levels = np.nonzero(self.visited)[0]
        lg = self.ln_g[levels]
        return levels - self.e_offset, lg - lg.max()

    def directions(self) -> str:
        """Direction string of the walker's current conformation."""
        out = np.zeros(self.n - 1, dtype=np.int64)
        mk.directions_of(self.T, self.pos, self.n, out)
        return encode_directions(out)

    @property
    def best_energy(self) -> int:
        """Lowest energy the walker has been in (accepted states only)."""
        return int(self.istate[wk.BEST_E])

    def best_directions(self) -> str:
        """Direction string of the first conformation seen at :attr:`best_energy`.

        Sites are stored as flat grid indices; a recentring translates every site by the same
        offset, and a translation does not change the direction string.
        """
        out = np.zeros(self.n - 1, dtype=np.int64)
        mk.directions_of(self.T, self.best_pos, self.n, out)
        return encode_directions(out)

    def counter_dict(self) -> dict:
        names = ("local", "pull", "pull_lesh", "pivot", "rebridge")
        out = {"steps": self.steps, "best_energy": self.best_energy, "stages": int(self.istate[wk.STAGES]),
               "switch_step": int(self.istate[wk.SWITCH_STEP]), "ln_f": float(self.fstate[0]),
               "levels": int(self.istate[wk.N_VISITED]), "levels_found_late": int(self.istate[wk.LATE])}
        for code in self.mix_codes:
            out[f"{names[code]}_attempted"] = int(self.counters[code, 0])
            out[f"{names[code]}_accepted"] = int(self.counters[code, 2])
        return out


def _spawn(seed, runs):
    if isinstance(seed, np.random.Generator):
        seed = int(seed.integers(2 ** 63))
    return [np.random.Generator(np.random.PCG64(s)) for s in np.random.SeedSequence(seed).spawn(runs)]


def wang_landau(sequence, lattice="square", model="HP", *, steps=20_000_000, runs=4, seed=None, threads=1,
                moves=DEFAULT_MOVES, check_every=None, normalise=True, max_seconds=None, checkpoint=None,
                resume=False, checkpoint_seconds=5.0, force=False, progress=None) -> DensityOfStates:
    """Estimate the density of states g(E) by Wang-Landau sampling with the 1/t refinement.

    Parameters
    ----------
    sequence : str
    lattice : {"square", "cubic", "triangular", "fcc"}
        Pull and pivot moves work on every lattice; the rebridging moves too.
    model : str or EnergyModel, default "HP"
    steps : int, default 20 000 000
        Monte Carlo steps (move attempts) per run.
    runs : int, default 4
        Independent walkers (RNG streams spawned from ``SeedSequence(seed)``); their spread gives
        the errors.
    seed : int or None
        Same seed, same result, whatever ``threads`` is.
    threads : int, default 1
    moves : str, default "pull:0.6,pivot:0.1,rebridge:0.3"
        Move types (``local``, ``pull``, ``pivot``, ``rebridge``) with proposal fractions.
    check_every : int, optional
        Steps between histogram checks in the first stage (default 1000 N).
    normalise : bool, default True
        Scale each run so that sum g = c_{N-1} when that number is tabulated; otherwise each run is
        scaled so that sum g = 1 (a relative density of states; the ``normalisation`` says which).
    max_seconds : float, optional
        Wall-time limit, shared equally between runs (results then depend on machine speed).
    checkpoint : str or path-like, optional
        HDF5 file that receives the whole state of every run (arrays, counters, generator states and
        the parameters) at the start, every ``checkpoint_seconds`` of wall time, at the end and on
        Ctrl-C; written atomically (temporary file in the same folder, then renamed).
    resume : bool, default False
        Continue the runs stored in ``checkpoint``; the result is bit-identical to an uninterrupted
        call.  ``ValueError`` if the file is missing or its parameters (sequence, lattice, model,
        steps, runs, seed, moves, check_every) differ from these.
    checkpoint_seconds : float, default 5
    force : bool, default False
        Run even when a short timed pilot estimates the whole call at over 10 minutes (otherwise
        ``ValueError`` with the estimate; ``max_seconds`` caps the estimate).
    progress : bool, optional
        Progress bar on stderr (default: when stderr is a terminal), after two seconds.

    Returns
    -------
    DensityOfStates
        Method ``"wang-landau"``; ``best_conformation`` is the lowest-energy conformation any walker visited; counters: steps, best_energy, stages, the step of the switch to 1/t, final
        ln f, levels, attempted and accepted moves by type, seconds.

    Raises
    ------
    hpfold._dos_checkpoint.Interrupted
        A KeyboardInterrupt, on Ctrl-C (after the final checkpoint, when there is one).

    Examples
    --------
    >>> dos = wang_landau("HPPHPPHPH", "square", steps=200_000, runs=2, seed=1)
    >>> dos.energies.tolist()
    [-2, -1, 0]

    Notes
    -----
    Wang & Landau, Phys. Rev. Lett. 86, 2050 (2001); 1/t refinement of Belardinelli & Pereyra,
    Phys. Rev. E 75, 046701 (2007) (error ~ t^-1/2, no saturation); moves after Wüst & Landau,
    J. Chem. Phys. 137, 064903 (2012).  Cost O(N nd) per step (full energy recomputation).
    Energy windows are not used: one walker covers the whole range.
    """
    mdl = get_model(model)
    seq = parse_sequence(sequence, mdl.alphabet)
    lat = get_lattice(lattice)
    for name, value in (("steps", steps), ("runs", runs), ("threads", threads)):
        if int(value) != value or value < 1:
            raise ValueError(f"{name} must be a positive integer, not {value!r}")
    states, params = _prepare_runs(seq, lat, mdl, int(steps), int(runs), seed, moves, check_every, checkpoint,
                                   resume)
    save = None
    if checkpoint is not None:
        def save(run_states):
            write_checkpoint(checkpoint, "wang-landau", params, run_states)
    t0 = time.perf_counter()
    done = lambda r: r.steps                                        # noqa: E731
    drive_runs(states, int(steps), done, threads=threads, max_seconds=max_seconds,
               first_batch=100_000, save=save, every=checkpoint_seconds, path=checkpoint, progress=progress,
               unit="step", label="Wang-Landau", cost=f"Wang-Landau with {len(states)} x {int(steps):,} steps",
               force=force)
    wall = time.perf_counter() - t0
    log.info("Wang-Landau %s: %d runs, %s steps", seq[:20], len(states), [s.steps for s in states])
    return _result(seq, lat, mdl, states, int(steps), wall, normalise)


def _prepare_runs(seq, lat, mdl, steps, runs, seed, moves, check_every, checkpoint, resume):
    """(walkers, checkpoint parameters): new walkers, or those stored in ``checkpoint`` when ``resume``."""
    names, fractions = parse_wl_moves(moves)
    if checkpoint is not None and isinstance(seed, np.random.Generator):
        raise ValueError("checkpoint: give an int seed or None, not a Generator")
    check_every = int(check_every or 0) or 1000 * len(seq)
    params = {"sequence": seq, "lattice": lat.name, "model": mdl.name, "steps": steps, "runs": runs,
              "seed": None if seed is None else int(seed),
              "moves": ",".join(f"{n}:{f!r}" for n, f in zip(names, fractions)), "check_every": check_every}
    stored = None
    if resume:
        if checkpoint is None:
            raise ValueError("resume needs a checkpoint file")
        saved_params, stored = read_checkpoint(checkpoint, "wang-landau")
        check_parameters(checkpoint, saved_params, params)
    states = [WangLandauRun(seq, lat.name, mdl, rng, moves, check_every) for rng in _spawn(seed, runs)]
    for i, (run, state) in enumerate(zip(states, stored or ())):
        run.set_state(state, f"{checkpoint}: run {i}")
    return states, params


def _result(seq, lat, mdl, states, steps, wall, normalise) -> DensityOfStates:
    """The combined DensityOfStates of the walkers ``states``."""
    total = exact_total(lat.name, len(seq)) if normalise else None
    energies, ln_gs = [], []
    for st in states:
        e, lg = st.ln_g_levels()
        lg = lg - float(np.log(np.exp(lg).sum()))
        if total is not None:
            lg = lg + math.log(total)
        energies.append(e)
        ln_gs.append(lg)
    union, ln_g, err, ln_runs = combine_runs(energies, ln_gs, weights=[max(s.steps, 1) for s in states])
    unreduced = "unreduced count of conformations: monomer 0 at the origin, every orientation counted"
    if total is not None:
        norm = f"{unreduced}; each run scaled so that sum g = c_{len(seq) - 1} = {total} (exact self-avoiding walk count)"
    else:
        norm = (f"relative density of states: each run scaled so that sum g = 1 (c_{len(seq) - 1} not "
                f"tabulated; multiply by the number of conformations for {unreduced})")
    counters = _combine_counters(states)
    counters.update(runs=len(states), steps_requested_per_run=int(steps), seconds=round(wall, 4),
                    cpu_seconds=round(sum(s.seconds for s in states), 4))
    best = min(states, key=lambda st: st.best_energy)
    return DensityOfStates(seq, lat.name, mdl.name, union, ln_g, "wang-landau", norm,
                           ln_g_err=err if len(states) > 1 else None,
                           ln_g_runs=ln_runs if len(states) > 1 else None, counters=counters,
                           best_conformation=best.best_directions())


def _combine_counters(states) -> dict:
    counters = {}
    for st in states:
        for key, value in st.counter_dict().items():
            if key in ("ln_f", "levels"):
                counters[key] = max(counters.get(key, value), value)
            elif key == "best_energy":
                counters[key] = min(counters.get(key, value), value)
            elif key == "switch_step":
                counters[key] = max(counters.get(key, 0), value)
            else:
                counters[key] = counters.get(key, 0) + value
    return counters
