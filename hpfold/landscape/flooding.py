"""Exact barrier trees: flood every symmetry class by increasing energy with union-find."""
from __future__ import annotations

import logging
import sys
import time
from dataclasses import dataclass, field
from functools import lru_cache

import numba
import numpy as np

from .._kernels import landscape as K
from ..lattice import encode_directions, get_lattice
from ..sequence import get_model, parse_sequence
from .states import StateIndex, moves_label, native_overlaps, parse_moves

__all__ = ["ExactLandscape", "exact_landscape", "flood_states"]

log = logging.getLogger(__name__)

#: states handled per call of the neighbour kernel
CHUNK = 16384
#: use the (uncached, compiled on first use) threaded neighbour kernel only above this many states
THREADED_MIN_STATES = 1_000_000


@dataclass(eq=False)
class ExactLandscape:
    """The exact barrier tree of a state space under a move set.

    Tree nodes are numbered minima first (``0 .. n_minima-1``, by energy then canonical string),
    then merges (``n_minima + k``, by rising saddle).  States are numbered by energy, then
    canonical string.

    Attributes
    ----------
    sequence, lattice, model, moves : str
    emax : int or None
        Energy cutoff: only states with ``E <= emax`` were flooded.
    directions : int8 array [S, N-1]
        Canonical direction string of every state.
    energies, weights : int64 arrays [S]
        Energy and orbit size (conformations per class) of every state.
    minimum_of : int64 array [S]
        The minimum whose plateau the state belongs to, or -1.
    basin : int64 array [S]
        The minimum its steepest descent ends in (gradient basin).
    minimum_state : int64 array [n_minima]
        The first (smallest canonical string) state of each minimum's plateau.
    merge_saddle : int64 array [n_merges]
        Saddle energy of each merge node.
    merge_state : int64 array [n_merges]
        A state at the saddle energy through which the children join.
    merge_children : list of int64 arrays
        Children (tree node numbers) of each merge node; two or more.
    tree_parent : int64 array [n_minima + n_merges]
        Parent of each tree node, -1 for the root of each component.
    n_edges : int
        Pairs of distinct states one move apart (both below the cutoff); for an irreversible move
        set, the moves from a state to a later-numbered one.
    n_components : int
        Connected components of the state graph; above 1 the tree is a forest.
    symmetric : bool
        Whether the neighbour counts were consistent with a reversible move set.
    """

    sequence: str
    lattice: str
    model: str
    moves: str
    emax: int | None
    directions: np.ndarray = field(repr=False)
    energies: np.ndarray = field(repr=False)
    weights: np.ndarray = field(repr=False)
    minimum_of: np.ndarray = field(repr=False)
    basin: np.ndarray = field(repr=False)
    minimum_state: np.ndarray = field(repr=False)
    merge_saddle: np.ndarray = field(repr=False)
    merge_state: np.ndarray = field(repr=False)
    merge_children: list = field(repr=False)
    tree_parent: np.ndarray = field(repr=False)
    n_edges: int = 0
    n_components: int = 1
    symmetric: bool = True
    temperature: float = 1.0
    seconds: float = 0.0
    enumeration_seconds: float = 0.0

    # ------------------------------------------------------------------ sizes
    @property
    def n_states(self) -> int:
        return len(self.energies)

    @property
    def n_minima(self) -> int:
        return len(self.minimum_state)

    @property
    def n_merges(self) -> int:
        return len(self.merge_saddle)

    @property
    def is_forest(self) -> bool:
        """True when the move set does not connect all states (one tree per component)."""
        return self.n_components > 1

    # ------------------------------------------------------------------ minima
    @property
    def minimum_energy(self) -> np.ndarray:
        return self.energies[self.minimum_state]

    @property
    def plateau_size(self) -> np.ndarray:
        """States (classes) in each minimum's plateau."""
        return np.bincount(self.minimum_of[self.minimum_of >= 0], minlength=self.n_minima)

    @property
    def plateau_weight(self) -> np.ndarray:
        """Conformations (orbit-weighted) in each minimum's plateau."""
        sel = self.minimum_of >= 0
        return np.bincount(self.minimum_of[sel], weights=self.weights[sel], minlength=self.n_minima).astype(np.int64)

    @property
    def basin_size(self) -> np.ndarray:
        """States (classes) whose steepest descent ends in each minimum."""
        return np.bincount(self.basin, minlength=self.n_minima)

    @property
    def basin_weight(self) -> np.ndarray:
        """Conformations (orbit-weighted) whose steepest descent ends in each minimum."""
        return np.bincount(self.basin, weights=self.weights, minlength=self.n_minima).astype(np.int64)

    def basin_partition_function(self, temperature=None) -> np.ndarray:
        """``Z_m = sum over the gradient basin of m of w_s exp(-E_s / T)`` (k_B = 1, model energy units)."""
        t = self.temperature if temperature is None else float(temperature)
        if not t > 0:
            raise ValueError(f"temperature must be positive, got {t}")
        boltz = self.weights * np.exp(-(self.energies.astype(np.float64)) / t)
        return np.bincount(self.basin, weights=boltz, minlength=self.n_minima)

    def basin_probability(self, temperature=None) -> np.ndarray:
        """Equilibrium probability of each gradient basin at ``temperature``."""
        t = self.temperature if temperature is None else float(temperature)
        if not t > 0:
            raise ValueError(f"temperature must be positive, got {t}")
        e0 = float(self.energies.min())
        boltz = self.weights * np.exp(-(self.energies - e0) / t)
        z = np.bincount(self.basin, weights=boltz, minlength=self.n_minima)
        return z / z.sum()

    @property
    def barrier(self) -> np.ndarray:
        """Saddle to a strictly lower minimum minus the minimum's energy (NaN if there is none)."""
        return K.tree_barriers(self.n_minima, self.minimum_energy.astype(np.float64), self.tree_parent,
                               self.merge_saddle.astype(np.float64))

    def conformation(self, state: int) -> str:
        """Canonical direction string of a state."""
        return encode_directions(self.directions[state])

    # ------------------------------------------------------------------ tree queries
    def roots(self) -> list:
        """Tree nodes without parent (one per connected component)."""
        return [int(v) for v in np.nonzero(self.tree_parent < 0)[0]]

    def saddle(self, a: int, b: int) -> float:
        """Saddle energy between minima ``a`` and ``b`` (inf when they are not connected)."""
        if a == b:
            return float(self.minimum_energy[a])
        up = {}
        v = a
        while v >= 0:
            up[v] = True
            v = int(self.tree_parent[v])
        v = b
        while v >= 0 and v not in up:
            v = int(self.tree_parent[v])
        if v < 0:
            return float("inf")
        return float(self.merge_saddle[v - self.n_minima])

    def saddle_matrix(self) -> np.ndarray:
        """Pairwise saddle energies between minima (n_minima x n_minima; inf if disconnected).

        Raises
        ------
        ValueError
            Above 20,000 minima (the matrix would not fit comfortably in memory); use :meth:`saddle`.
        """
        m = self.n_minima
        if m > 20000:
            raise ValueError(f"saddle_matrix: {m} minima make a {m} x {m} matrix; query pairs with saddle(a, b)")
        out = np.full((m, m), np.inf)
        leaves = self._leaves_below()
        for k in range(self.n_merges):
            groups = [leaves[c] for c in self.merge_children[k]]
            for i in range(len(groups)):
                for j in range(i + 1, len(groups)):
                    out[np.ix_(groups[i], groups[j])] = self.merge_saddle[k]
                    out[np.ix_(groups[j], groups[i])] = self.merge_saddle[k]
        out[np.arange(m), np.arange(m)] = self.minimum_energy
        return out

    def _leaves_below(self) -> list:
        leaves = [[m] for m in range(self.n_minima)]
        for k in range(self.n_merges):
            leaves.append([x for c in self.merge_children[k] for x in leaves[c]])
        return [np.array(v, dtype=np.int64) for v in leaves]

    # ------------------------------------------------------------------ exports
    def to_graph(self, temperature=None, native=None):
        """The minima as a networkx Graph: the interface to :func:`~hpfold.landscape.graph.disconnectivity_tree`.

        Nodes ``0 .. n_minima-1`` carry ``energy``, ``size`` (plateau classes), ``weight`` (plateau
        conformations), ``conformation`` (first plateau state), ``basin_size``, ``basin_weight``,
        ``basin_p`` (equilibrium basin probability at ``temperature``), ``barrier`` (NaN when there
        is no lower minimum) and, with ``native`` given (a direction string or Conformation), ``q``
        (native contact overlap of the representative, H-H contacts only).  Edges carry ``saddle``
        and ``saddle_conformation``: for every merge node, the lowest minimum of each child is
        joined to the lowest minimum of the lowest child, so that the largest saddle on the tree
        path between any two minima is their exact saddle.
        """
        import networkx as nx

        g = nx.Graph(sequence=self.sequence, lattice=self.lattice, model=self.model, moves=self.moves,
                     exact=True, n_states=self.n_states, n_edges=self.n_edges, n_components=self.n_components,
                     temperature=self.temperature if temperature is None else float(temperature))
        energy = self.minimum_energy
        size, weight = self.plateau_size, self.plateau_weight
        bsize, bweight = self.basin_size, self.basin_weight
        bp = self.basin_probability(temperature)
        barrier = self.barrier
        q = self._overlaps(native) if native is not None else None
        for m in range(self.n_minima):
            attrs = dict(energy=int(energy[m]), size=int(size[m]), weight=int(weight[m]),
                         conformation=self.conformation(self.minimum_state[m]), basin_size=int(bsize[m]),
                         basin_weight=int(bweight[m]), basin_p=float(bp[m]), barrier=float(barrier[m]))
            if q is not None:
                attrs["q"] = float(q[m])
            g.add_node(m, **attrs)
        lowest = list(range(self.n_minima))  # lowest minimum below each tree node
        for k in range(self.n_merges):
            kids = [lowest[c] for c in self.merge_children[k]]
            kids.sort(key=lambda m: (energy[m], m))
            lowest.append(kids[0])
            for other in kids[1:]:
                g.add_edge(kids[0], other, saddle=int(self.merge_saddle[k]),
                           saddle_conformation=self.conformation(self.merge_state[k]))
        return g

    def _overlaps(self, native):
        return native_overlaps([self.directions[s] for s in self.minimum_state], native, self.lattice, self.sequence)

    def to_dict(self) -> dict:
        """The JSON-ready summary printed by ``hpfold landscape --json``."""
        energy = self.minimum_energy
        size = self.plateau_size
        barrier = self.barrier
        n = self.n_minima
        return {
            "sequence": self.sequence,
            "lattice": self.lattice,
            "model": self.model,
            "moves": self.moves,
            "exact": True,
            "emax": self.emax,
            "n_states": self.n_states,
            "n_edges": self.n_edges,
            "n_components": self.n_components,
            "n_minima": n,
            "minima": [{"id": m, "energy": int(energy[m]), "size": int(size[m]),
                        "barrier": None if np.isnan(barrier[m]) else _number(barrier[m]),
                        "conformation": self.conformation(self.minimum_state[m])} for m in range(n)],
            "merges": [{"id": n + k, "saddle": int(self.merge_saddle[k]),
                        "children": [int(c) for c in self.merge_children[k]],
                        "conformation": self.conformation(self.merge_state[k])} for k in range(self.n_merges)],
            "seconds": round(self.seconds, 6),
        }

    def summary(self) -> str:
        """A few readable lines: sizes, minima, components."""
        lines = [f"sequence    {self.sequence}  ({len(self.sequence)} monomers, {self.lattice} lattice, "
                 f"{self.moves} moves)",
                 f"states      {self.n_states:,} classes, {self.n_edges:,} edges"
                 + (f" (E <= {self.emax})" if self.emax is not None else ""),
                 f"minima      {self.n_minima:,} local minima, {self.n_merges:,} merge nodes",
                 f"time        {self.seconds:.3f} s flooding (+ {self.enumeration_seconds:.3f} s enumeration)"]
        if self.is_forest:
            lines.append(f"WARNING     the {self.moves} moves do not connect the state space: {self.n_components} "
                         "components, so the barrier tree is a forest of that many trees")
        if not self.symmetric:
            lines.append("WARNING     the move set looked irreversible on these states; saddles use the downhill "
                         "moves")
        energy, barrier = self.minimum_energy, self.barrier
        show = np.argsort(energy, kind="stable")[:10]
        lines += ["", f"{'id':>6} {'E':>5} {'plateau':>8} {'basin':>10} {'barrier':>8}  conformation"]
        bsize, psize = self.basin_size, self.plateau_size
        for m in show:
            b = "-" if np.isnan(barrier[m]) else f"{barrier[m]:g}"
            lines.append(f"{m:>6} {int(energy[m]):>5} {int(psize[m]):>8} {int(bsize[m]):>10} {b:>8}  "
                         f"{self.conformation(self.minimum_state[m])}")
        if self.n_minima > len(show):
            lines.append(f"   ... {self.n_minima - len(show)} more")
        return "\n".join(lines)


# ---------------------------------------------------------------------------- engine

def exact_landscape(sequence, lattice="square", moves="pull", model="HP", *, emax=None, temperature=1.0,
                    threads=None, progress=None, force=False) -> ExactLandscape:
    """Exact barrier tree of a sequence: every symmetry class, flooded by increasing energy.

    Parameters
    ----------
    sequence : str
        HP sequence (at least two monomers).
    lattice : {"square", "cubic", "triangular", "fcc"}
    moves : str or int
        Move set: ``"pull"``, ``"local"``, ``"pull_lesh"``, ``"pivot"`` or a mixture such as
        ``"local+pivot"`` (see :mod:`hpfold._kernels.moves`).
    model : str or EnergyModel
    emax : int, optional
        Flood only the states with ``E <= emax`` (merges above it are not seen; the tree may be a forest).
    temperature : float
        Temperature of the basin probabilities (k_B = 1).
    threads : int, optional
        numba threads for the neighbour pass (default: threaded only for large state spaces).
    progress : bool, optional
        tqdm bar on stderr (default: when stderr is a terminal).
    force : bool
        Passed to the enumeration (runs estimated over 10 minutes).

    Returns
    -------
    ExactLandscape

    Examples
    --------
    >>> ls = exact_landscape("HPHPPHHPHH", "square", moves="pull")
    >>> int(ls.minimum_energy.min())
    -4
    >>> ls.n_components
    1

    Notes
    -----
    Flooding with union-find in the manner of the ``barriers`` program (Flamm, Hofacker,
    Stadler & Wolfinger, Z. Phys. Chem. 216, 155 (2002)), with plateaus handled as in
    their degenerate-landscape construction: states are processed level by level; equal-energy
    neighbours are joined first, a plateau with no lower neighbour is a minimum, and components
    that become connected at the same level form one merge node.  Cost: O(S k) neighbour
    generations and canonicalisations for S states with k moves each, plus near-linear
    union-find; memory O(S).
    """
    from ..enumerate import enumerate_conformations

    lat = get_lattice(lattice)
    mdl = get_model(model)
    seq = parse_sequence(sequence, mdl.alphabet)
    mask = parse_moves(moves)
    if emax is not None:
        emax = int(emax)
    t0 = time.perf_counter()
    result = enumerate_conformations(seq, lat.name, mdl, energy_cutoff=10 ** 9 if emax is None else emax,
                                     threads=threads, force=force, progress=progress)
    t_enum = time.perf_counter() - t0
    states = StateIndex(result.conformations, result.conformation_energies, result.conformation_weights, lat)
    del result
    ls = flood_states(states, mask, threads=threads, progress=progress, complete=emax is None)
    ls.sequence, ls.model, ls.emax, ls.temperature = seq, mdl.name, emax, float(temperature)
    ls.enumeration_seconds = t_enum
    return ls


def flood_states(states: StateIndex, moves="pull", *, neighbours=None, max_neighbours=None, threads=None,
                 progress=None, complete=True) -> ExactLandscape:
    """Flood an indexed set of states (see :class:`StateIndex`) under a move set.

    Parameters
    ----------
    states : StateIndex
    moves : str or int
        Move set name or mask, passed to the neighbour function.
    neighbours : numba function, optional
        ``neighbours(dirs, vectors, group, move_mask, out) -> count`` writing every one-move
        neighbour of ``dirs`` (int8) into the rows of ``out`` (int8 [max_neighbours, N-1]).
        Default: :func:`hpfold._kernels.moves.all_neighbours`, the sampler's own move definitions.
    max_neighbours : int, optional
        Rows of ``out``; required with a custom ``neighbours``.
    complete : bool
        The states are every state of the chain: a neighbour missing from the index is an error.

    Returns
    -------
    ExactLandscape
        With ``sequence`` and ``model`` left empty for the caller to fill in.
    """
    mask = parse_moves(moves)
    lat = states.lattice
    length = states.layout.length
    if length < 2:
        # two monomers: a single class, no moves to flood (and none worth asking the move kernels for)
        n = len(states)
        return ExactLandscape("", lat.name, "", moves_label(mask), None, states.directions, states.energies,
                              states.weights, np.arange(n, dtype=np.int64), np.arange(n, dtype=np.int64),
                              np.arange(n, dtype=np.int64), np.zeros(0, np.int64), np.zeros(0, np.int64), [],
                              np.full(n, -1, dtype=np.int64), 0, n, True, 1.0, 0.0)
    if neighbours is None:
        from .._kernels import moves as M

        serial, parallel = _shipped_kernels()
        max_k = int(M.max_neighbours(length + 1, lat.n_directions, lat.order, mask))
    else:
        if max_neighbours is None:
            raise ValueError("flood_states: give max_neighbours with a custom neighbour function")
        serial, parallel = _custom_kernels(neighbours)
        max_k = int(max_neighbours)
    n = len(states)
    if threads is None:
        use_threads = numba.get_num_threads() > 1 and n >= THREADED_MIN_STATES
    else:
        use_threads = int(threads) > 1
    old_threads = numba.get_num_threads()
    if threads is not None:
        numba.set_num_threads(max(1, min(int(threads), numba.config.NUMBA_NUM_THREADS)))
    try:
        t0 = time.perf_counter()
        out = _flood(states, mask, max_k, serial, parallel if use_threads else None, progress)
        seconds = time.perf_counter() - t0
    finally:
        numba.set_num_threads(old_threads)
    (minimum_of, basin, reps, merge_saddle, merge_state, merge_children, tree_parent,
     n_up, n_down, n_missing, n_components) = out
    if complete and n_missing:
        raise RuntimeError(f"flooding: {n_missing} neighbours were not among the {n} states; the state "
                           "list is incomplete or the move function returns invalid conformations")
    symmetric = n_up == n_down
    if not symmetric:
        log.warning("flooding: %d upward but %d downward neighbour pairs: the move set is not reversible on "
                    "these states; saddles are computed from the downhill moves", n_up, n_down)
    if n_components > 1:
        log.warning("flooding: the %s moves split the %d states into %d components; the barrier tree is a forest",
                    moves_label(mask), n, n_components)
    log.info("flooded %d states (%d minima, %d merges) in %.3f s: %.3g states/s", n, len(reps), len(merge_saddle),
             seconds, n / max(seconds, 1e-9))
    return ExactLandscape("", lat.name, "", moves_label(mask), None, states.directions, states.energies,
                          states.weights, minimum_of, basin, reps, merge_saddle, merge_state, merge_children,
                          tree_parent, int(n_up), int(n_components), bool(symmetric), 1.0, seconds)


def _flood(states, mask, max_k, serial, parallel, progress):
    n = len(states)
    lat = states.lattice
    vectors = lat.vectors.astype(np.int64)
    group = lat.group.astype(np.int64)
    cand = states.layout.candidates
    bits = states.layout.bits
    parent = np.arange(n, dtype=np.int64)
    size = np.ones(n, dtype=np.int64)
    target = np.full(n, -1, dtype=np.int64)
    node_of = np.full(n, -1, dtype=np.int64)
    minimum_of = np.full(n, -1, dtype=np.int64)
    basin = np.full(n, -1, dtype=np.int64)
    chunk = min(CHUNK, n)
    nbr = np.empty((chunk, max(max_k, 1)), dtype=np.int64)
    cnt = np.empty(chunk, dtype=np.int64)
    up = np.empty(chunk, dtype=np.int64)
    down = np.empty(chunk, dtype=np.int64)
    missing = np.empty(chunk, dtype=np.int64)
    down_s = np.empty(max(chunk, 1024), dtype=np.int64)
    down_r = np.empty_like(down_s)
    widest = int(np.diff(states.level_bounds).max())
    adj_ptr = np.zeros(widest + 1, dtype=np.int64)
    adj = np.empty(max(4 * chunk, 1024), dtype=np.int64)
    n_up = n_down_pairs = n_missing = 0
    reps_all, saddle_all, mstate_all, children_all = [], [], [], []
    n_minima = n_merges = 0
    n_sub = 8 * max(numba.get_num_threads(), 1)
    bar = _progress_bar(progress, n)
    args = (states.directions, states.level_stop, vectors, group, mask, cand, bits, states.table, states.shift)
    for li in range(len(states.levels)):
        a, b = int(states.level_bounds[li]), int(states.level_bounds[li + 1])
        n_down = n_adj = 0
        for c0 in range(a, b, chunk):
            c1 = min(b, c0 + chunk)
            outs = (nbr, cnt, target, up, down, missing)
            if parallel is not None and c1 - c0 > 256:
                parallel(n_sub, c0, c1, c0, *args, *outs)
            else:
                serial(c0, c1, c0, *args, *outs)
            rows = c1 - c0
            n_up += int(up[:rows].sum())
            n_down_pairs += int(down[:rows].sum())
            n_missing += int(missing[:rows].sum())
            listed = int(cnt[:rows].sum())
            if n_down + listed > len(down_s):
                grow = max(n_down + listed, 2 * len(down_s))
                down_s = np.concatenate([down_s[:n_down], np.empty(grow - n_down, dtype=np.int64)])
                down_r = np.concatenate([down_r[:n_down], np.empty(grow - n_down, dtype=np.int64)])
            if n_adj + listed > len(adj):
                adj = np.concatenate([adj[:n_adj], np.empty(max(n_adj + listed, 2 * len(adj)) - n_adj,
                                                            dtype=np.int64)])
            n_down, n_adj = K.consume_block(c0, c1, a, nbr, cnt, parent, size, down_s, down_r, n_down, adj_ptr, adj,
                                            n_adj)
            if bar is not None:
                bar.update(rows)
        reps, mstates, ptr, kids = K.finish_level(a, b, target, parent, size, down_s, down_r, n_down, adj_ptr, adj,
                                                  node_of, minimum_of, basin, n_minima, n_merges)
        reps_all.append(reps)
        n_minima += len(reps)
        energy = int(states.levels[li])
        for k in range(len(mstates)):
            saddle_all.append(energy)
            mstate_all.append(int(mstates[k]))
            children_all.append(kids[ptr[k]:ptr[k + 1]].copy())
        n_merges += len(mstates)
    if bar is not None:
        bar.close()
    n_components = int(K.count_roots(parent))
    reps = np.concatenate(reps_all) if reps_all else np.zeros(0, dtype=np.int64)
    children = []
    tree_parent = np.full(n_minima + n_merges, -1, dtype=np.int64)
    for k, kids in enumerate(children_all):
        decoded = np.where(kids >= 0, kids, n_minima + (-kids - 2)).astype(np.int64)
        decoded.sort()
        tree_parent[decoded] = n_minima + k
        children.append(decoded)
    return (minimum_of, basin, reps, np.array(saddle_all, dtype=np.int64), np.array(mstate_all, dtype=np.int64),
            children, tree_parent, n_up, n_down_pairs, n_missing, n_components)


def _progress_bar(progress, total):
    if progress is None:
        progress = sys.stderr.isatty()
    if not progress:
        return None
    from tqdm import tqdm

    return tqdm(total=total, unit="state", desc="flooding", delay=2.0, file=sys.stderr, leave=False)


@lru_cache(maxsize=None)
def _custom_kernels(neighbours):
    """Serial and threaded neighbour passes around a user-supplied numba neighbour function."""
    from numba import njit, prange

    block = K.neighbour_block

    @njit
    def serial(s0, s1, c0, dirs, level_stop, vectors, group, mask, cand, bits, table, shift,
               out_nbr, out_cnt, target, out_up, out_down, out_missing):
        block(neighbours, s0, s1, c0, dirs, level_stop, vectors, group, mask, cand, bits, table, shift, out_nbr,
              out_cnt, target, out_up, out_down, out_missing)

    @njit(parallel=True)
    def parallel(n_sub, s0, s1, c0, dirs, level_stop, vectors, group, mask, cand, bits, table, shift,
                 out_nbr, out_cnt, target, out_up, out_down, out_missing):
        step = (s1 - s0 + n_sub - 1) // n_sub
        for i in prange(n_sub):
            lo = s0 + i * step
            hi = min(s1, lo + step)
            if lo < hi:
                block(neighbours, lo, hi, c0, dirs, level_stop, vectors, group, mask, cand, bits, table, shift,
                      out_nbr, out_cnt, target, out_up, out_down, out_missing)

    return serial, parallel


def _shipped_kernels():
    """The cached serial and the threaded neighbour passes over :func:`hpfold._kernels.moves.all_neighbours`."""
    if K._neighbours_with is None:
        raise RuntimeError("the move kernels (hpfold._kernels.moves) are not available")
    return K.neighbour_block_moves, K.neighbour_block_moves_parallel


def _number(x):
    x = float(x)
    return int(x) if x.is_integer() else x
