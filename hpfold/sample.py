"""Monte Carlo sampling of HP chains: Metropolis, simulated annealing and replica exchange.

:func:`sample` prepares the arrays, runs the numba kernels of
:mod:`hpfold._kernels.sampling` in blocks (checking the wall clock between blocks),
hands every block of saved frames to ``on_block`` and returns a :class:`SampleResult`.
The complete sampler state is a plain dict (:meth:`SampleResult.get_state`) that
``sample(..., state=...)`` continues from, frame for frame.
"""
from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass, field, replace

import numba
import numpy as np

from ._kernels import moves as _mk
from ._kernels import sampling as _sk
from ._kernels.rng import seed_state
from .conformation import Conformation
from .lattice import decode_directions, encode_directions, get_lattice
from .moves import MOVE_TYPES, parse_moves
from .sequence import get_model, parse_sequence

__all__ = ["sample", "SampleResult", "SampleBlock", "METHODS", "temperature_ladder"]

log = logging.getLogger(__name__)

METHODS = ("metropolis", "anneal", "remc")
OBSERVABLES = ("energy", "rg", "end_to_end", "q", "temperature")
STATE_VERSION = 2   # 2: xoshiro256** states (1: numpy PCG64 states)
_NO_TARGET = -(1 << 62)
#: largest energy change with a tabulated acceptance probability (larger ones call exp)
_PTAB_SIZE = 64
#: with threads=None, replicas run in parallel only when a round has at least this many moves in all
_PARALLEL_MIN_WORK = 50_000


@dataclass
class SampleBlock:
    """Frames saved during one block of a run (handed to ``on_block``).

    Attributes
    ----------
    steps : ndarray of int64, shape (F,)
        Global step (attempted moves per replica) of each frame.
    positions : ndarray of int16, shape (R, F, N, dim)
        Lattice coordinates relative to monomer 0.
    observables : dict of str -> ndarray of float64, shape (R, F)
        ``energy``, ``rg``, ``end_to_end``, ``q`` (NaN without a native state), ``temperature``.
    temperature_index : ndarray of int64, shape (R, F), or None
        Replica exchange: the temperature slot of each replica at each frame.
    get_state : callable
        ``block.get_state()`` is the complete sampler state after this block (for a checkpoint
        written beside the frames); call it inside ``on_block``.
    """

    steps: np.ndarray
    positions: np.ndarray
    observables: dict
    temperature_index: np.ndarray | None
    get_state: object = field(default=None, repr=False)
    """Callable returning the sampler state right after this block (valid inside ``on_block``)."""


@dataclass(eq=False)
class SampleResult:
    """Outcome of :func:`sample`.

    ``steps`` counts attempted moves per replica; ``moves`` counts them over all replicas.
    Observables of every saved frame are kept (``frame_steps``, ``observables``,
    ``temperature_index``); positions only with ``keep_positions=True``.
    """

    sequence: str
    lattice: str
    method: str
    moves: str
    temperatures: np.ndarray
    n_replicas: int
    steps: int
    seconds: float
    compile_seconds: float
    best_energy: int
    best_conformation: str
    target: int | None
    reached_target: bool
    steps_to_target: int | None
    seconds_to_target: float | None
    counters: np.ndarray = field(repr=False)
    swap_counts: np.ndarray = field(repr=False)
    energy_evaluations: int = 0
    frame_steps: np.ndarray = field(default=None, repr=False)
    observables: dict = field(default=None, repr=False)
    temperature_index: np.ndarray | None = field(default=None, repr=False)
    positions: np.ndarray | None = field(default=None, repr=False)
    state: dict = field(default=None, repr=False)
    stopped_by: str = "steps"

    @property
    def moves_attempted(self) -> int:
        return int(self.counters[:, :, _sk.C_ATTEMPTED].sum())

    def acceptance(self) -> dict:
        """Accepted / attempted moves per move type used, over all temperatures."""
        out = {}
        for code, name in enumerate(MOVE_TYPES):
            att = int(self.counters[:, code, _sk.C_ATTEMPTED].sum())
            if att:
                out[name] = int(self.counters[:, code, _sk.C_ACCEPTED].sum()) / att
        return out

    def swap_acceptance(self) -> list:
        """Accepted / attempted swaps between temperature slots t and t + 1 (replica exchange)."""
        att = self.swap_counts[:, 0]
        return [float(a / t) if t else None for a, t in zip(self.swap_counts[:, 1], att)]

    def lowest_temperature_energies(self) -> np.ndarray:
        """Energies of the saved frames at the lowest temperature (all frames unless replica exchange)."""
        e = self.observables["energy"]
        if self.temperature_index is None:
            return e.ravel()
        return e[self.temperature_index == 0]

    def energy_histogram(self) -> list:
        """``[[E, frames], ...]`` over the saved frames of the lowest-temperature replica."""
        values, counts = np.unique(self.lowest_temperature_energies().astype(np.int64), return_counts=True)
        return [[int(v), int(c)] for v, c in zip(values, counts)]

    def with_earlier_frames(self, frame_steps, observables, temperature_index=None) -> "SampleResult":
        """This result with the frames saved before a resume put in front (a resumed run's whole record).

        ``frames`` and ``energy_histogram`` in :meth:`to_dict` then cover the whole run; ``positions``
        are left as they are.

        Parameters
        ----------
        frame_steps : ndarray of int64, shape (F0,)
            Steps of the earlier frames, all before this result's first frame.
        observables : dict of str to ndarray, shape (R, F0)
            The same names as :attr:`observables`.
        temperature_index : ndarray, shape (R, F0), optional
            Replica exchange: the earlier frames' temperature indices.
        """
        steps = np.asarray(frame_steps, dtype=np.int64)
        if len(steps) and len(self.frame_steps) and steps[-1] >= self.frame_steps[0]:
            raise ValueError("earlier frames must come before the first frame of the result")
        missing = set(self.observables) - set(observables)
        if missing:
            raise ValueError(f"earlier frames lack the observables {sorted(missing)}")
        obs = {k: np.concatenate([np.asarray(observables[k], dtype=np.float64), v], axis=1)
               for k, v in self.observables.items()}
        tix = self.temperature_index
        if tix is not None:
            if temperature_index is None:
                raise ValueError("earlier frames lack the temperature index of a replica-exchange run")
            tix = np.concatenate([np.asarray(temperature_index, dtype=tix.dtype), tix], axis=1)
        return replace(self, frame_steps=np.concatenate([steps, self.frame_steps]), observables=obs,
                       temperature_index=tix)

    def get_state(self) -> dict:
        """The complete sampler state as a plain dict (``sample(..., state=...)`` resumes from it)."""
        return self.state

    def to_dict(self) -> dict:
        """The JSON-ready summary printed by ``hpfold sample --json``."""
        return {
            "sequence": self.sequence,
            "lattice": self.lattice,
            "method": self.method,
            "moves": self.moves,
            "replicas": self.n_replicas,
            "temperatures": [float(t) for t in self.temperatures],
            "best_energy": int(self.best_energy),
            "best_conformation": self.best_conformation,
            "target": self.target,
            "reached_target": bool(self.reached_target),
            "steps_to_target": self.steps_to_target,
            "seconds_to_target": self.seconds_to_target,
            "steps": int(self.steps),
            "moves_attempted": self.moves_attempted,
            "seconds": round(self.seconds, 6),
            "compile_seconds": round(self.compile_seconds, 6),
            "moves_per_second": self.moves_attempted / self.seconds if self.seconds > 0 else None,
            "acceptance": self.acceptance(),
            "swap_acceptance": self.swap_acceptance() if self.method == "remc" else None,
            "energy_evaluations": int(self.energy_evaluations),
            "frames": int(len(self.frame_steps)),
            "energy_histogram": self.energy_histogram(),
            "stopped_by": self.stopped_by,
        }


def temperature_ladder(tmin: float, tmax: float, replicas: int) -> np.ndarray:
    """Geometric temperatures ``tmin * (tmax / tmin) ** (k / (R - 1))``, coldest first.

    Examples
    --------
    >>> temperature_ladder(0.15, 1.5, 3).round(4).tolist()
    [0.15, 0.4743, 1.5]
    """
    if replicas < 1:
        raise ValueError("replicas must be at least 1")
    if not (0 < tmin <= tmax) or not math.isfinite(tmax):
        raise ValueError(f"temperature ladder needs 0 < tmin <= tmax < inf, got tmin={tmin}, tmax={tmax}")
    if replicas == 1:
        return np.array([float(tmin)])
    return tmin * (tmax / tmin) ** (np.arange(replicas) / (replicas - 1))


class _Problem:
    """The arrays every kernel call needs, built once per run."""

    def __init__(self, sequence, lattice, model, moves, native, with_pivot):
        self.lattice = get_lattice(lattice)
        self.model = get_model(model)
        self.sequence = parse_sequence(sequence, self.model.alphabet)
        n = self.n = len(self.sequence)
        if n < 2:
            raise ValueError("sequence: sampling needs at least 2 monomers")
        self.moves = parse_moves(moves)
        lat = self.lattice
        self.side = _mk.grid_side(n, with_pivot or bool(self.moves.mask & _mk.PIVOT))
        self.T = _mk.build_tables(lat.vectors, lat.group, self.side, n)
        self.G = _mk.geometry(self.T)
        self.offt = tuple(int(x) for x in self.G[0])
        if len(self.offt) == 4 and (lat.dim != 2 or self.T[_mk.H_CHECK]):
            # moves.propose_pull_fast takes four directions for the square lattice (Z^2)
            raise ValueError(f"lattice {lat.name!r}: four directions are supported on Z^2 only")
        self.pw = _mk.pull_table(self.T)
        self.ncell = self.side ** lat.dim
        self.grid_dtype = np.uint8 if n + 1 < 255 else np.uint16
        self.types = self.model.encode(self.sequence)
        matrix = self.model.matrix
        self.iw, self.next_active = _sk.contact_tables(matrix, self.types)   # iw[t * (N + 2) + cell]
        codes = self.moves.codes
        self.mix_codes = codes
        self.mix_cum = np.cumsum(np.array(self.moves.fractions, dtype=np.float64))
        self.mix_cum[-1] = 2.0  # never exceeded
        self.mix_nlab = np.array([_mk.n_labels(int(c), n, self.T) for c in codes], dtype=np.int64)
        self.cart = np.ascontiguousarray(lat.cartesian, dtype=np.float64)
        if native is not None:
            if not isinstance(native, Conformation):
                native = Conformation(native, lat)
            if native.lattice is not lat or native.n_monomers != n:
                raise ValueError(f"native: expected a {n}-monomer conformation on the {lat.name} lattice")
            self.native = np.ascontiguousarray(native.contacts(), dtype=np.int64).reshape(-1, 2)
            self.native_string = native.string
        else:
            self.native = np.zeros((0, 2), dtype=np.int64)
            self.native_string = None

    def new_grid(self, replicas):
        grid = np.zeros((replicas, self.ncell), dtype=self.grid_dtype)
        for r in range(replicas):
            _mk.fill_walls(grid[r], self.side, self.lattice.dim, self.n + 1)
        return grid

    def place(self, dirs, pos, grid):
        d = np.ascontiguousarray(dirs, dtype=np.int8)
        if not _mk.place_chain(self.T, d, self.lattice.vectors, pos, grid):
            raise ValueError(f"initial conformation {encode_directions(d)!r} is not self-avoiding")
        return int(_sk.chain_energy(pos, grid, self.n, self.types, self.iw, self.next_active, self.offt))

    def directions(self, pos):
        out = np.zeros(self.n - 1, dtype=np.int8)
        _mk.directions_of(self.T, pos, self.n, out)
        return out


def _initial_directions(init, lat, n):
    if init is None:
        return np.zeros(n - 1, dtype=np.int8)
    if isinstance(init, Conformation):
        d = init.directions
    elif isinstance(init, str):
        d = decode_directions(init, lat)
    else:
        d = np.asarray(init, dtype=np.int64)
    if len(d) != n - 1:
        raise ValueError(f"init: expected {n - 1} directions for {n} monomers, got {len(d)}")
    return np.asarray(d, dtype=np.int8)


def _temperatures(method, temperature, tmin, tmax, replicas, temperatures):
    if method == "remc":
        if temperatures is not None:
            temps = np.array(temperatures, dtype=np.float64).ravel()
            if temps.size < 2 or np.any(~(temps > 0)) or np.any(~np.isfinite(temps)):
                raise ValueError("temperatures: need at least 2 positive finite temperatures")
            temps = np.sort(temps)
        else:
            r = 8 if replicas is None else int(replicas)
            if r < 2:
                raise ValueError("replica exchange needs at least 2 replicas")
            temps = temperature_ladder(0.15 if tmin is None else float(tmin), 1.5 if tmax is None else float(tmax), r)
        return temps, len(temps)
    r = 1 if replicas is None else int(replicas)
    if r < 1:
        raise ValueError("replicas must be at least 1")
    if method == "anneal":
        t0 = 2.0 if tmax is None else float(tmax)
        t1 = 0.1 if tmin is None else float(tmin)
        if not (t0 > 0 and t1 > 0 and math.isfinite(t0) and math.isfinite(t1)):
            raise ValueError("anneal: tmax and tmin must be positive and finite")
        return np.array([t0, t1]), r
    t = float(temperature)
    if not (t >= 0):
        raise ValueError(f"temperature must be >= 0 (inf allowed), got {temperature}")
    return np.array([t]), r


def sample(sequence, lattice="square", method="metropolis", moves="pull", steps=None, max_time=None,
           temperature=1.0, tmin=None, tmax=None, replicas=None, temperatures=None, schedule="geometric",
           target=None, native=None, every=None, exchange_every=None, seed=None, on_block=None, state=None,
           init=None, model="HP", threads=None, keep_positions=False, block_seconds=0.25) -> SampleResult:
    """Sample conformations of an HP chain by Monte Carlo.

    Parameters
    ----------
    sequence : str
        The chain, e.g. ``"HPHPPHHPHPPHPHHPPHPH"``.
    lattice : str, default "square"
    method : {"metropolis", "anneal", "remc"}
        Fixed-temperature Metropolis, simulated annealing from ``tmax`` to ``tmin``, or
        replica exchange over a temperature ladder.
    moves : str, default "pull"
        Move set, e.g. ``"pull"``, ``"local"``, ``"pull:0.9,pivot:0.1"`` (:func:`hpfold.moves.parse_moves`).
    steps : int, optional
        Total attempted moves *per replica* (including those of a resumed state).  An annealing run
        resumes only with the steps its schedule was planned for (``ValueError`` otherwise).
    max_time : float, optional
        Wall-clock budget in seconds (checked between blocks).  At least one of
        ``steps``, ``max_time`` or ``target`` is required.
    temperature : float, default 1.0
        Metropolis temperature (``inf`` samples uniformly; 0 is a quench).
    tmin, tmax : float, optional
        Replica exchange: geometric ladder (default 0.15 .. 1.5); annealing: end and start
        temperatures (default 0.1 and 2.0).
    replicas : int, optional
        Replica exchange: ladder size (default 8); Metropolis and annealing: independent
        chains (default 1).
    temperatures : sequence of float, optional
        Replica exchange: an explicit ladder (overrides tmin, tmax, replicas).
    schedule : {"geometric", "linear"}
        Annealing schedule of T over ``steps``, updated every ``exchange_every`` steps.
    target : int, optional
        Stop as soon as a replica reaches energy <= target (time-to-target is recorded).
    native : str or Conformation, optional
        Native conformation: frames then carry the native-contact overlap Q.
    every : int, optional
        Save a frame every this many steps (default: 1000 frames over ``steps``, or every
        100 sweeps when only ``max_time`` is given).
    exchange_every : int, optional
        Replica exchange: steps per replica between swap attempts (default 10 sweeps = 10 N).
    seed : int or SeedSequence, optional
        One seed; every replica gets its own stream spawned from it.
    on_block : callable, optional
        Called with a :class:`SampleBlock` after every block.
    state : dict, optional
        A state from :meth:`SampleResult.get_state`: continue that run.
    init : str, optional
        Initial conformation (direction string); default a straight chain.
    model : str or EnergyModel, default "HP"
    threads : int, optional
        numba threads for the replica loop (results do not depend on it).  By default the
        replicas run in parallel only when an exchange round holds at least 50,000 moves
        over all replicas; ``threads=1`` forces serial, ``threads >= 2`` parallel.
    keep_positions : bool, default False
        Also keep every frame's positions in the result.
    block_seconds : float, default 0.25
        Target duration of a kernel call (the wall clock is checked between calls).

    Returns
    -------
    SampleResult

    Raises
    ------
    ValueError
        One line, for any bad argument.

    Examples
    --------
    >>> r = sample("HPHPPHHPHPPHPHHPPHPH", method="remc", steps=20000, target=-9, seed=1)
    >>> r.best_energy >= -9
    True

    Notes
    -----
    Metropolis (Metropolis et al. 1953) with a symmetric slot proposal, replica exchange
    (Swendsen & Wang 1986; Thachuk, Shmygelska & Hoos 2007 for pull-move REMC) and
    simulated annealing (Kirkpatrick, Gelatt & Vecchi 1983).  A step costs
    O(moved monomers x coordination number) for local and pull moves and O(N) for pivots.
    """
    method = str(method).lower()
    if method not in METHODS:
        raise ValueError(f"method: unknown {method!r} (choose from {', '.join(METHODS)})")
    if state is not None:
        _check_state(state, sequence, lattice, method)
        moves = state["moves"]
    if steps is None and max_time is None and target is None:
        raise ValueError("give steps, max_time or target (a run needs a stopping rule)")
    if steps is not None:
        steps = int(steps)
        if steps < 0:
            raise ValueError(f"steps must be >= 0, got {steps}")
    if max_time is not None and not (float(max_time) > 0):
        raise ValueError(f"max_time must be positive, got {max_time}")
    if schedule not in ("geometric", "linear"):
        raise ValueError(f"schedule: choose 'geometric' or 'linear', not {schedule!r}")
    if method == "anneal" and steps is None and state is None:
        raise ValueError("anneal: give steps (the schedule runs over them)")
    if state is not None:
        check_resume_steps(state, steps)

    prob = _Problem(sequence, lattice, model, moves, native, with_pivot=False)
    n = prob.n
    lat = prob.lattice
    if state is not None:
        temps = np.array(state["temperatures"], dtype=np.float64)
        R = int(state["n_replicas"])
    else:
        temps, R = _temperatures(method, temperature, tmin, tmax, replicas, temperatures)

    # ---- schedule parameters ---------------------------------------------------------------
    if exchange_every is None:
        exchange_every = state["exchange_every"] if state is not None else 10 * n
    exchange_every = int(exchange_every)
    if exchange_every < 1:
        raise ValueError("exchange_every must be >= 1")
    if every is None:
        if state is not None:
            every = state["every"]
        elif steps is not None:
            every = max(1, steps // 1000)
        else:
            every = 100 * n
    every = int(every)
    if every < 1:
        raise ValueError("every must be >= 1")

    n_slots = len(temps) if method == "remc" else R
    betas = np.zeros(n_slots)
    ptabs = np.ones((n_slots, _PTAB_SIZE))
    anneal = np.zeros(5)
    if method == "anneal":
        total = state["anneal_total"] if state is not None else steps
        anneal[:] = [1 if schedule == "linear" else 2, temps[0], temps[1], float(total), float(exchange_every)]
        if state is not None:
            anneal[0] = state["anneal_kind"]
    else:
        t_slots = temps if method == "remc" else np.repeat(temps[:1], R)
        for sl in range(n_slots):
            betas[sl] = np.inf if t_slots[sl] == 0 else 1.0 / t_slots[sl]
            _sk.acceptance_table(betas[sl], ptabs[sl])
    target_value = _NO_TARGET if target is None else int(target)

    # ---- chain states --------------------------------------------------------------------------
    pos = np.zeros((R, n), dtype=np.int64)
    grid = prob.new_grid(R)
    nw = np.zeros((R, 2 * n), dtype=np.int64)        # pull moves use nw[n:] as scratch
    energies = np.zeros(R, dtype=np.int64)
    best = np.zeros((R, 3), dtype=np.int64)
    best_pos = np.zeros((R, n), dtype=np.int64)
    counters = np.zeros((n_slots, len(MOVE_TYPES), 3), dtype=np.int64)
    swap_counts = np.zeros((max(n_slots - 1, 1), 2), dtype=np.int64)
    evals = np.zeros(R, dtype=np.int64)
    slot_of = np.arange(R, dtype=np.int64)
    if state is None:
        seq = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
        children = seq.spawn(R + 1)
        rngs = np.stack([seed_state(c) for c in children[:R]])
        master = seed_state(children[R])
        d0 = _initial_directions(init, lat, n)
        for r in range(R):
            energies[r] = prob.place(d0, pos[r], grid[r])
            best_pos[r] = pos[r]
        best[:, 0] = energies
        best[:, 2] = -1
        step = 0
        seconds_before = 0.0
        entropy = int(seq.entropy) if seq.entropy is not None else None
    else:
        rngs, master = _restore_rngs(state)
        for r in range(R):
            energies[r] = prob.place(np.array(state["conformations"][r], dtype=np.int8), pos[r], grid[r])
        # best conformations are kept as direction strings; place them on a scratch grid
        scratch = prob.new_grid(1)
        for r in range(R):
            scratch[0] = 0
            _mk.fill_walls(scratch[0], prob.side, lat.dim, n + 1)
            prob.place(np.array(state["best_conformations"][r], dtype=np.int8), best_pos[r], scratch[0])
        best[:] = np.array(state["best"], dtype=np.int64)
        counters[:] = np.array(state["counters"], dtype=np.int64)
        swap_counts[:] = np.array(state["swap_counts"], dtype=np.int64)
        evals[:] = np.array(state["energy_evaluations"], dtype=np.int64)
        slot_of[:] = np.array(state["slot_of"], dtype=np.int64)
        step = int(state["step"])
        seconds_before = float(state.get("seconds", 0.0))
        entropy = state.get("seed_entropy")
    if np.any(energies != energies[0]) and state is None:
        raise RuntimeError("replicas differ at the start")

    # ---- run ---------------------------------------------------------------------------------------
    round_steps = exchange_every if method == "remc" else (1 << 62)
    do_swaps = method == "remc"
    xyz = np.zeros((R, n, 3), dtype=np.int64)
    steps_done = np.zeros(R, dtype=np.int64)
    # prange over replicas pays off when a round holds enough work to amortise the thread barrier;
    # threads > 1 given explicitly always uses it (results are the same either way)
    if threads is not None:
        use_parallel = R > 1 and int(threads) > 1
    else:
        use_parallel = R > 1 and numba.get_num_threads() > 1 and R * min(round_steps, 1 << 20) >= _PARALLEL_MIN_WORK
    runner = _sk.run_block_parallel if use_parallel else _sk.run_block_serial
    old_threads = numba.get_num_threads()
    if threads is not None:
        numba.set_num_threads(max(1, min(int(threads), numba.config.NUMBA_NUM_THREADS)))

    def call(s0, s1, frame_base, n_frames):
        out_pos = np.zeros((R, max(n_frames, 1), n, lat.dim), dtype=np.int16)
        out_obs = np.zeros((R, len(OBSERVABLES), max(n_frames, 1)))
        out_slot = np.zeros((R, max(n_frames, 1)), dtype=np.int64)
        reached = runner(n, pos, grid, nw, energies, rngs, master, s0, s1, round_steps, do_swaps, slot_of, ptabs,
                         betas, swap_counts, prob.T, prob.G, prob.pw, prob.offt, prob.types, prob.iw, prob.next_active, prob.mix_codes,
                         prob.mix_cum, prob.mix_nlab, anneal, every, frame_base, prob.cart, prob.native, xyz,
                         out_pos, out_obs, out_slot, counters, evals, best, best_pos, target_value, steps_done)
        return reached, out_pos, out_obs, out_slot

    def make_state(at_step, secs):
        return {
            "version": STATE_VERSION,
            "sequence": prob.sequence,
            "lattice": lat.name,
            "model": prob.model.name,
            "method": method,
            "moves": str(prob.moves),
            "n_replicas": R,
            "temperatures": [float(t) for t in temps],
            "exchange_every": exchange_every,
            "every": every,
            "anneal_kind": int(anneal[0]),
            "anneal_total": float(anneal[3]),
            "step": int(at_step),
            "seconds": float(secs),
            "seconds_to_target": seconds_to_target,
            "conformations": [prob.directions(pos[r]).tolist() for r in range(R)],
            "energies": energies.tolist(),
            "best": best.tolist(),
            "best_conformations": [prob.directions(best_pos[r]).tolist() for r in range(R)],
            "slot_of": slot_of.tolist(),
            "counters": counters.tolist(),
            "swap_counts": swap_counts.tolist(),
            "energy_evaluations": evals.tolist(),
            "rng_states": [[int(w) for w in row] for row in rngs],
            "master_rng_state": [int(w) for w in master],
            "seed_entropy": entropy,
            "native": prob.native_string,
        }

    t_compile = time.perf_counter()
    call(step, step, step // every, 0)       # compiles (no step is taken)
    compile_seconds = time.perf_counter() - t_compile

    frame_steps, obs_parts, tindex_parts, pos_parts = [], [], [], []
    t0 = time.perf_counter()
    stopped_by = "steps"
    reached_step = None
    seconds_to_target = None
    if (best[:, 2] >= 0).any():
        reached_step = int(best[best[:, 2] >= 0, 2].min())
        seconds_to_target = state.get("seconds_to_target") if state is not None else 0.0
    elif target is not None and (energies <= target_value).any():
        best[energies <= target_value, 2] = step
        reached_step = step
        seconds_to_target = 0.0
    block = max(1, min(every * 64, 4096 * max(1, n // 16)))
    if method == "remc":
        block = max(exchange_every, (block // exchange_every) * exchange_every)
    try:
        while reached_step is None:
            if steps is not None and step >= steps:
                stopped_by = "steps"
                break
            elapsed = time.perf_counter() - t0
            if max_time is not None and elapsed >= max_time:
                stopped_by = "max_time"
                break
            s1 = step + block if steps is None else min(step + block, steps)
            frame_base = step // every
            n_frames = s1 // every - frame_base
            tb = time.perf_counter()
            reached_at, out_pos, out_obs, out_slot = call(step, s1, frame_base, n_frames)
            dt = time.perf_counter() - tb
            if (best[:, 2] >= 0).any():
                reached_step = int(best[best[:, 2] >= 0, 2].min())
                seconds_to_target = seconds_before + (time.perf_counter() - t0)
                stopped_by = "target"
                end = reached_step
            else:
                end = reached_at
            n_keep = end // every - frame_base
            if n_keep > 0:
                if prob.native_string is not None and len(prob.native) == 0:
                    out_obs[:, 3, :] = 1.0        # a native state without contacts: Q = 1 by convention
                fsteps = (frame_base + 1 + np.arange(n_keep, dtype=np.int64)) * every
                obs = {name: out_obs[:, i, :n_keep].copy() for i, name in enumerate(OBSERVABLES)}
                tix = out_slot[:, :n_keep].copy() if method == "remc" else None
                positions = out_pos[:, :n_keep]
                frame_steps.append(fsteps)
                obs_parts.append(obs)
                tindex_parts.append(tix)
                if keep_positions:
                    pos_parts.append(positions.copy())
                if on_block is not None:
                    at, secs = end, seconds_before + (time.perf_counter() - t0)
                    on_block(SampleBlock(fsteps, positions, obs, tix, lambda: make_state(at, secs)))
            step = end
            # aim for block_seconds per call, keeping REMC blocks whole rounds
            if dt > 0:
                want = int(block * min(4.0, max(0.25, block_seconds / dt)))
                block = max(1, want)
                if method == "remc":
                    block = max(exchange_every, (block // exchange_every) * exchange_every)
    finally:
        if threads is not None:
            numba.set_num_threads(old_threads)
    seconds = seconds_before + (time.perf_counter() - t0)

    # ---- result ----------------------------------------------------------------------------------
    rbest = int(np.argmin(best[:, 0]))
    best_dirs = prob.directions(best_pos[rbest])
    new_state = make_state(step, seconds)
    if frame_steps:
        fs = np.concatenate(frame_steps)
        observables = {k: np.concatenate([p[k] for p in obs_parts], axis=1) for k in OBSERVABLES}
        tix = np.concatenate(tindex_parts, axis=1) if method == "remc" else None
    else:
        fs = np.zeros(0, dtype=np.int64)
        observables = {k: np.zeros((R, 0)) for k in OBSERVABLES}
        tix = np.zeros((R, 0), dtype=np.int64) if method == "remc" else None
    return SampleResult(
        sequence=prob.sequence, lattice=lat.name, method=method, moves=str(prob.moves),
        temperatures=temps, n_replicas=R, steps=int(step), seconds=seconds, compile_seconds=compile_seconds,
        best_energy=int(best[rbest, 0]), best_conformation=encode_directions(best_dirs),
        target=None if target is None else int(target), reached_target=reached_step is not None,
        steps_to_target=reached_step, seconds_to_target=seconds_to_target, counters=counters.copy(),
        swap_counts=swap_counts[: max(n_slots - 1, 0)].copy(), energy_evaluations=int(evals.sum()),
        frame_steps=fs, observables=observables, temperature_index=tix,
        positions=np.concatenate(pos_parts, axis=1) if pos_parts else None, state=new_state,
        stopped_by=stopped_by)


def check_resume_steps(state, steps) -> None:
    """Refuse to resume an annealing ``state`` for other ``steps`` than its schedule was planned for.

    The temperature schedule of an anneal runs over the steps of the first run; continuing it to another
    total would end at the wrong temperature, so such a resume is refused rather than silently re-planned.

    Raises
    ------
    ValueError
        One line naming the planned and the requested steps.
    """
    if state.get("method") != "anneal" or steps is None:
        return
    planned = int(state["anneal_total"])
    if int(steps) != planned:
        raise ValueError(f"anneal: the resumed run's schedule runs over {planned} steps, not {int(steps)}; "
                         f"resume with --steps {planned} or start a new run")


def _check_state(state, sequence, lattice, method):
    if not isinstance(state, dict) or "version" not in state:
        raise ValueError("state: not a sampler state")
    if state["version"] != STATE_VERSION:
        raise ValueError(f"state: sampler state version {state['version']} (this hpfold reads {STATE_VERSION}); "
                         "it was written by another hpfold version and cannot resume here")
    if parse_sequence(sequence, "".join(sorted(set(state["sequence"])) or "HP")) != state["sequence"]:
        raise ValueError("state: it belongs to another sequence")
    if get_lattice(lattice).name != state["lattice"]:
        raise ValueError(f"state: it belongs to the {state['lattice']} lattice")
    if method != state["method"]:
        raise ValueError(f"state: it belongs to a {state['method']} run")


def _restore_rngs(state):
    """The xoshiro256** states (uint64[R, 4] and uint64[4]) saved in a sampler state."""
    try:
        rngs = np.array(state["rng_states"], dtype=np.uint64).reshape(int(state["n_replicas"]), 4)
        master = np.array(state["master_rng_state"], dtype=np.uint64).reshape(4)
    except (KeyError, TypeError, ValueError, OverflowError) as exc:
        raise ValueError(f"state: unreadable random-number state ({exc})") from None
    return rngs, master
