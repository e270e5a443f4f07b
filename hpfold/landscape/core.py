"""The landscape core: flood any discrete space by increasing energy; minima, barrier tree, basins.

A space (:class:`hpfold.spaces.DiscreteSpace`: HP chains, Ising chains, perceptrons,
partitions, a file) gives sorted energies, weights and a neighbour pass; :func:`flood`
turns it into a :class:`Landscape`, whatever the space.
"""
from __future__ import annotations

import logging
import math
import sys
import time
from dataclasses import dataclass, field
from functools import cached_property

import numba
import numpy as np

from .._kernels import landscape as K

__all__ = ["Landscape", "flood", "barrier_text"]

log = logging.getLogger(__name__)

#: states handled per call of the neighbour pass
CHUNK = 16384
#: use a threaded neighbour pass only above this many states (when threads are not given)
THREADED_MIN_STATES = 1_000_000


@dataclass(eq=False, kw_only=True)
class Landscape:
    """The exact barrier tree and gradient basins of a discrete space.

    Tree nodes are numbered minima first (``0 .. n_minima-1``, in state order), then merges
    (``n_minima + k``, by rising saddle).  States are numbered as in the space (by energy).

    Attributes
    ----------
    energies : int64 or float64 array [S]
    weights : int64 array [S]
        Microstates per state (orbit sizes; 1 without symmetry reduction).
    minimum_of : int64 array [S]
        The minimum whose plateau the state belongs to, or -1.
    basin : int64 array [S]
        The minimum its steepest descent ends in (gradient basin; ties by state order).
    minimum_state : int64 array [n_minima]
        The first state of each minimum's plateau.
    merge_saddle : array [n_merges]
        Saddle energy of each merge node.
    merge_state : int64 array [n_merges]
        A state at the saddle energy through which the children join.
    merge_children : list of int64 arrays
        Children (tree node numbers) of each merge node; two or more.
    tree_parent : int64 array [n_minima + n_merges]
        Parent of each tree node, -1 for the root of each component.
    n_edges : int
        Pairs of distinct states one move apart.
    n_components : int
        Connected components of the state graph; above 1 the tree is a forest.
    symmetric : bool
        Whether the neighbour counts were consistent with a symmetric neighbour relation.
    space : DiscreteSpace or None
        The space that was flooded (None for a landscape read from a file).
    temperature : float
        Default temperature of the basin probabilities (k_B = 1).
    seconds : float
        Flooding time.
    """

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
    space: object = field(default=None, repr=False)
    temperature: float = 1.0
    seconds: float = 0.0

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
        """True when the moves do not connect all states (one tree per component)."""
        return self.n_components > 1

    # ------------------------------------------------------------------ minima
    @cached_property
    def minimum_energy(self) -> np.ndarray:
        return self.energies[self.minimum_state]

    @cached_property
    def plateau_size(self) -> np.ndarray:
        """States in each minimum's plateau."""
        return np.bincount(self.minimum_of[self.minimum_of >= 0], minlength=self.n_minima)

    @cached_property
    def plateau_weight(self) -> np.ndarray:
        """Microstates (weighted) in each minimum's plateau."""
        sel = self.minimum_of >= 0
        return np.bincount(self.minimum_of[sel], weights=self.weights[sel], minlength=self.n_minima).astype(np.int64)

    @cached_property
    def basin_size(self) -> np.ndarray:
        """States whose steepest descent ends in each minimum."""
        return np.bincount(self.basin, minlength=self.n_minima)

    @cached_property
    def basin_weight(self) -> np.ndarray:
        """Microstates (weighted) whose steepest descent ends in each minimum."""
        return np.bincount(self.basin, weights=self.weights, minlength=self.n_minima).astype(np.int64)

    def basin_partition_function(self, temperature=None) -> np.ndarray:
        """``Z_m = sum over the gradient basin of m of w_s exp(-E_s / T)`` (k_B = 1)."""
        t = self._temperature(temperature)
        boltz = self.weights * np.exp(-(self.energies.astype(np.float64)) / t)
        return np.bincount(self.basin, weights=boltz, minlength=self.n_minima)

    def basin_probability(self, temperature=None) -> np.ndarray:
        """Equilibrium probability of each gradient basin at ``temperature``."""
        t = self._temperature(temperature)
        e0 = float(self.energies.min())
        boltz = self.weights * np.exp(-(self.energies - e0) / t)
        z = np.bincount(self.basin, weights=boltz, minlength=self.n_minima)
        return z / z.sum()

    def _temperature(self, temperature):
        t = self.temperature if temperature is None else float(temperature)
        if not t > 0:
            raise ValueError(f"temperature must be positive, got {t}")
        return t

    @cached_property
    def barrier(self) -> np.ndarray:
        """Saddle to a strictly lower minimum minus the minimum's energy.

        NaN where there is none: the global minimum (of its component, in a forest).  Tables and
        plots write "global" there (:func:`barrier_text`), JSON ``null``.
        """
        return K.tree_barriers(self.n_minima, self.minimum_energy.astype(np.float64), self.tree_parent,
                               self.merge_saddle.astype(np.float64))

    def label(self, state: int) -> str:
        """A short name of a state (the space's label)."""
        return self.space.label(int(state)) if self.space is not None else str(int(state))

    # ------------------------------------------------------------------ tree queries
    def roots(self) -> list:
        """Tree nodes without parent (one per connected component)."""
        return [int(v) for v in np.nonzero(self.tree_parent < 0)[0]]

    def saddle(self, a: int, b: int) -> float:
        """Saddle energy between minima ``a`` and ``b`` (inf when they are not connected)."""
        if a == b:
            return float(self.minimum_energy[a])
        up = set()
        v = a
        while v >= 0:
            up.add(v)
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
    def graph_attributes(self) -> dict:
        """Graph-level attributes of :meth:`to_graph` (the space's description)."""
        desc = self.space.describe() if self.space is not None else {"space": "unknown"}
        return {k: v for k, v in desc.items() if isinstance(v, (str, int, float, bool))}

    def node_extras(self, minimum: int) -> dict:
        """Extra attributes of a minimum's node in :meth:`to_graph` (subclasses add their own)."""
        return {}

    def to_graph(self, temperature=None, native=None):
        """The minima as a networkx Graph: the interface to :func:`~hpfold.landscape.graph.disconnectivity_tree`.

        Nodes ``0 .. n_minima-1`` carry ``energy``, ``size`` (plateau states), ``weight`` (plateau
        microstates), ``label`` (first plateau state), ``basin_size``, ``basin_weight``, ``basin_p``
        (equilibrium basin probability at ``temperature``) and ``barrier`` (NaN for a global
        minimum).  Edges carry ``saddle`` and ``saddle_label``: for every merge node the lowest
        minimum of each child is joined to the lowest minimum of the lowest child, so that the
        largest saddle on the tree path between two minima is their exact saddle.
        """
        import networkx as nx

        g = nx.Graph(exact=True, n_states=self.n_states, n_edges=self.n_edges, n_components=self.n_components,
                     temperature=self.temperature if temperature is None else float(temperature),
                     **self.graph_attributes())
        energy = self.minimum_energy
        size, weight = self.plateau_size, self.plateau_weight
        bsize, bweight = self.basin_size, self.basin_weight
        bp = self.basin_probability(temperature)
        barrier = self.barrier
        extras = self._node_overlaps(native) if native is not None else None
        for m in range(self.n_minima):
            attrs = dict(energy=_number(energy[m]), size=int(size[m]), weight=int(weight[m]),
                         label=self.label(self.minimum_state[m]), basin_size=int(bsize[m]),
                         basin_weight=int(bweight[m]), basin_p=float(bp[m]), barrier=float(barrier[m]),
                         **self.node_extras(m))
            if extras is not None:
                attrs["q"] = float(extras[m])
            g.add_node(m, **attrs)
        lowest = list(range(self.n_minima))  # lowest minimum below each tree node
        for k in range(self.n_merges):
            kids = [lowest[c] for c in self.merge_children[k]]
            kids.sort(key=lambda m: (energy[m], m))
            lowest.append(kids[0])
            for other in kids[1:]:
                g.add_edge(kids[0], other, saddle=_number(self.merge_saddle[k]),
                           **self.edge_extras(k))
        return g

    def edge_extras(self, merge: int) -> dict:
        """Extra attributes of a merge's edges in :meth:`to_graph`."""
        return {"saddle_label": self.label(self.merge_state[merge])}

    def _node_overlaps(self, native):
        raise ValueError("native overlaps need an HP landscape")

    def minimum_record(self, m: int, barrier: float) -> dict:
        """One entry of ``to_dict()["minima"]``."""
        return {"id": int(m), "energy": _number(self.minimum_energy[m]), "size": int(self.plateau_size[m]),
                "basin_size": int(self.basin_size[m]),
                "barrier": None if np.isnan(barrier) else _number(barrier),
                "label": self.label(self.minimum_state[m])}

    def to_dict(self) -> dict:
        """The JSON-ready summary printed by ``hpfold landscape --json`` (``barrier`` null = global)."""
        barrier = self.barrier
        n = self.n_minima
        head = self.space.describe() if self.space is not None else {}
        return {
            **head,
            "exact": True,
            "n_states": self.n_states,
            "n_edges": self.n_edges,
            "n_components": self.n_components,
            "n_minima": n,
            "minima": [self.minimum_record(m, barrier[m]) for m in range(n)],
            "merges": [{"id": n + k, "saddle": _number(self.merge_saddle[k]),
                        "children": [int(c) for c in self.merge_children[k]],
                        "label": self.label(self.merge_state[k])} for k in range(self.n_merges)],
            "seconds": round(self.seconds, 6),
        }

    def header_lines(self) -> list:
        """First lines of :meth:`summary`."""
        desc = self.space.describe() if self.space is not None else {"space": "unknown"}
        params = ", ".join(f"{k}={v}" for k, v in desc.items() if k not in ("space", "symmetry"))
        return [f"space       {desc.get('space')}" + (f" ({params})" if params else ""),
                f"states      {self.n_states:,} states, {self.n_edges:,} edges",
                f"minima      {self.n_minima:,} local minima, {self.n_merges:,} merge nodes",
                f"time        {self.seconds:.3f} s flooding"]

    def summary(self, rows: int = 10) -> str:
        """A few readable lines: sizes, the lowest minima, warnings."""
        lines = self.header_lines()
        if self.is_forest:
            lines.append(f"WARNING     the moves do not connect the state space: {self.n_components} components, "
                         "so the barrier tree is a forest of that many trees")
        if not self.symmetric:
            lines.append("WARNING     the move set looked irreversible on these states; saddles use the downhill "
                         "moves")
        energy, barrier = self.minimum_energy, self.barrier
        show = np.argsort(energy, kind="stable")[:rows]
        lines += ["", f"{'id':>6} {'E':>7} {'plateau':>8} {'basin':>10} {'barrier':>8}  state"]
        bsize, psize = self.basin_size, self.plateau_size
        for m in show:
            lines.append(f"{m:>6} {_short(energy[m]):>7} {int(psize[m]):>8} {int(bsize[m]):>10} "
                         f"{barrier_text(barrier[m]):>8}  {self.label(self.minimum_state[m])}")
        if self.n_minima > len(show):
            lines.append(f"   ... {self.n_minima - len(show)} more")
        return "\n".join(lines)


def barrier_text(barrier) -> str:
    """A barrier for a table: the number, or "global" where it is undefined (no lower minimum)."""
    if barrier is None or (isinstance(barrier, float) and math.isnan(barrier)):
        return "global"
    return _short(barrier)


def _short(x) -> str:
    """A number for a table column: integers as they are, floats to 4 significant digits."""
    x = _number(x)
    return str(x) if isinstance(x, int) else f"{x:.4g}"


# ---------------------------------------------------------------------------- engine

def flood(space, *, threads=None, progress=None, complete=True, temperature=1.0, landscape_class=Landscape,
          **attributes) -> Landscape:
    """The exact barrier tree of a discrete space: every state, flooded by increasing energy.

    Parameters
    ----------
    space : DiscreteSpace
        Any space of :mod:`hpfold.spaces` (or a subclass of your own).
    threads : int, optional
        numba threads for the neighbour pass (default: threaded only above 1,000,000 states).
    progress : bool, optional
        tqdm bar on stderr (default: when stderr is a terminal; shown after two seconds).
    complete : bool
        The space holds every state: a neighbour outside it is an error.  With False (an
        energy cutoff) such neighbours are ignored.
    temperature : float
        Default temperature of the basin probabilities.
    landscape_class : type
        :class:`Landscape` or a subclass; ``attributes`` are passed to it.

    Returns
    -------
    Landscape

    Examples
    --------
    A ring of six states with two valleys (energies 0 and -1) separated by saddles at 2 and 1:

    >>> from hpfold.spaces import GraphSpace
    >>> ring = GraphSpace([0, 1, 2, -1, 1, 1], [[k, (k + 1) % 6] for k in range(6)])
    >>> ls = flood(ring)
    >>> ls.n_minima, ls.minimum_energy.tolist(), ls.merge_saddle.tolist(), ls.barrier.tolist()[1]
    (2, [-1, 0], [1], 1.0)

    Notes
    -----
    Flooding with union-find in the manner of the ``barriers`` program (Flamm, Hofacker,
    Stadler & Wolfinger, Z. Phys. Chem. 216, 155 (2002)), with plateaus handled as in their
    degenerate-landscape construction: states are processed level by level; equal-energy
    neighbours are joined first, a plateau with no lower neighbour is a minimum, and components
    that become connected at the same level form one merge node.  Cost: O(S k) neighbour
    evaluations for S states with k moves each, plus near-linear union-find; memory O(S).
    """
    n = len(space)
    if threads is None:
        use_threads = numba.get_num_threads() > 1 and n >= THREADED_MIN_STATES
    else:
        use_threads = int(threads) > 1
    old_threads = numba.get_num_threads()
    if threads is not None:
        numba.set_num_threads(max(1, min(int(threads), numba.config.NUMBA_NUM_THREADS)))
    try:
        t0 = time.perf_counter()
        out = _flood(space, use_threads, progress)
        seconds = time.perf_counter() - t0
    finally:
        numba.set_num_threads(old_threads)
    (minimum_of, basin, reps, merge_saddle, merge_state, merge_children, tree_parent,
     n_up, n_down, n_missing, n_components) = out
    if complete and n_missing:
        raise RuntimeError(f"flooding: {n_missing} neighbours were not among the {n} states; the state "
                           "list is incomplete or the neighbour function returns invalid states")
    symmetric = n_up == n_down
    if not symmetric:
        log.warning("flooding: %d upward but %d downward neighbour pairs: the neighbour relation is not "
                    "symmetric on these states; saddles are computed from the downhill moves", n_up, n_down)
    if n_components > 1:
        log.warning("flooding: the moves split the %d states into %d components; the barrier tree is a forest",
                    n, n_components)
    log.info("flooded %d states (%d minima, %d merges) in %.3f s: %.3g states/s", n, len(reps), len(merge_saddle),
             seconds, n / max(seconds, 1e-9))
    return landscape_class(energies=space.energies, weights=space.weights, minimum_of=minimum_of, basin=basin,
                           minimum_state=reps, merge_saddle=merge_saddle, merge_state=merge_state,
                           merge_children=merge_children, tree_parent=tree_parent, n_edges=int(n_up),
                           n_components=int(n_components), symmetric=bool(symmetric), space=space,
                           temperature=float(temperature), seconds=seconds, **attributes)


def _flood(space, use_threads, progress):
    n = len(space)
    max_k = int(space.max_neighbours)
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
    widest = int(np.diff(space.level_bounds).max())
    adj_ptr = np.zeros(widest + 1, dtype=np.int64)
    adj = np.empty(max(4 * chunk, 1024), dtype=np.int64)
    n_up = n_down_pairs = n_missing = 0
    reps_all, saddle_all, mstate_all, children_all = [], [], [], []
    n_minima = n_merges = 0
    bar = _progress_bar(progress, n)
    outs = (nbr, cnt, target, up, down, missing)
    for li in range(len(space.levels)):
        a, b = int(space.level_bounds[li]), int(space.level_bounds[li + 1])
        n_down = n_adj = 0
        for c0 in range(a, b, chunk):
            c1 = min(b, c0 + chunk)
            space.neighbour_pass(c0, c1, c0, *outs, threads=use_threads and c1 - c0 > 256)
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
        for k in range(len(mstates)):
            saddle_all.append(space.levels[li])
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
    saddles = np.array(saddle_all, dtype=space.energies.dtype)
    return (minimum_of, basin, reps, saddles, np.array(mstate_all, dtype=np.int64),
            children, tree_parent, n_up, n_down_pairs, n_missing, n_components)


def _progress_bar(progress, total):
    if progress is None:
        progress = sys.stderr.isatty()
    if not progress:
        return None
    from tqdm import tqdm

    return tqdm(total=total, unit="state", desc="flooding", delay=2.0, file=sys.stderr, leave=False)


def _number(x):
    x = float(x)
    return int(x) if x.is_integer() else x
