"""Sampled landscapes: minima graphs from trajectories, with barrier upper bounds tightened by bounded searches."""
from __future__ import annotations

import logging
import os
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import networkx as nx
import numpy as np

from .._kernels import landscape as K
from ..lattice import encode_directions, get_lattice
from ..sequence import get_model, parse_sequence
from .quench import default_threads, quench_states
from .states import KeyLayout, moves_label, native_overlaps, parse_moves

__all__ = ["SampledLandscape", "sampled_landscape", "positions_to_directions"]

log = logging.getLogger(__name__)

#: status codes of the bounded saddle search (see ``hpfold._kernels.landscape.connect_pair``)
_JOINED, _BUDGET, _DISCONNECTED, _CAPPED = 1, 0, 2, 3


@dataclass(eq=False)
class SampledLandscape:
    """Minima visited by a trajectory and the best known saddles between them.

    Attributes
    ----------
    graph : networkx.Graph
        Minima (nodes ``0..M-1`` by energy, then canonical string) with ``energy``, ``size``
        (plateau states found), ``complete`` (plateau fully explored), ``conformation``,
        ``visits`` (frames quenching there); edges with ``saddle`` (an upper bound unless
        ``exact``), ``verified`` (a path with that maximum is known), ``exact``,
        ``lower_bound`` (the saddle is at least this, from a completed search) and ``count``
        (observed transitions).
    frame_minimum : int64 array [R, F]
        The minimum each frame quenches to.
    frame_energy : int64 array [R, F]
    n_states : int
        Distinct states (symmetry classes) among the frames.
    frame_exact : bool array [R, F]
        Whether the frame's quench explored every plateau it crossed completely, so that its minimum
        is its exact gradient basin (see :func:`sampled_landscape`).
    """

    sequence: str
    lattice: str
    model: str
    moves: str
    graph: nx.Graph = field(repr=False)
    frame_minimum: np.ndarray = field(repr=False)
    frame_energy: np.ndarray = field(repr=False)
    n_states: int = 0
    seconds: float = 0.0
    frame_exact: np.ndarray | None = field(default=None, repr=False)

    @property
    def n_minima(self) -> int:
        return self.graph.number_of_nodes()

    @property
    def n_components(self) -> int:
        return nx.number_connected_components(self.graph) if self.n_minima else 0

    def to_graph(self, native=None) -> nx.Graph:
        """The minima graph (a copy), ready for :func:`~hpfold.landscape.graph.disconnectivity_tree`.

        With ``native`` (a direction string or Conformation) every minimum also gets ``q``, its
        native contact overlap.
        """
        g = self.graph.copy()
        if native is not None and g.number_of_nodes():
            q = native_overlaps([g.nodes[v]["conformation"] for v in g], native, self.lattice, self.sequence)
            for v, x in zip(g, q):
                g.nodes[v]["q"] = float(x)
        return g

    def to_dict(self) -> dict:
        """JSON summary with the fields of the exact one; barriers and saddles are upper bounds."""
        from .graph import disconnectivity_tree
        from .metrics import funnel_metrics

        tree = disconnectivity_tree(self.graph)
        lower = funnel_metrics(tree).barrier_to_lower
        n = self.n_minima
        minima = []
        for v in range(n):
            d = self.graph.nodes[v]
            minima.append({"id": v, "energy": int(d["energy"]), "size": int(d["size"]),
                           "barrier": lower.get(v), "conformation": d["conformation"],
                           "visits": int(d["visits"]), "complete": bool(d["complete"])})
        merges = []
        for t in sorted(x for x in tree.nodes if tree.nodes[x]["kind"] == "merge"):
            kids = sorted(tree.successors(t))
            merges.append({"id": int(t), "saddle": tree.nodes[t]["saddle"],
                           "children": [int(tree.nodes[c].get("minimum", c)) if tree.nodes[c]["kind"] == "minimum"
                                        else int(c) for c in kids]})
        return {"sequence": self.sequence, "lattice": self.lattice, "model": self.model, "moves": self.moves,
                "exact": False, "upper_bounds": True, "n_states": self.n_states,
                "n_edges": self.graph.number_of_edges(), "n_components": self.n_components, "n_minima": n,
                "minima": minima, "merges": merges,
                "n_exact_edges": sum(1 for *_, d in self.graph.edges(data=True) if d.get("exact")),
                "seconds": round(self.seconds, 6)}

    def summary(self) -> str:
        g = self.graph
        exact = sum(1 for *_, d in g.edges(data=True) if d.get("exact"))
        lines = [f"sequence    {self.sequence}  ({len(self.sequence)} monomers, {self.lattice} lattice, "
                 f"{self.moves} moves)",
                 f"frames      {self.frame_minimum.size:,} frames, {self.n_states:,} distinct states",
                 f"minima      {self.n_minima:,} visited minima, {g.number_of_edges():,} edges "
                 f"({exact} saddles exact, the others upper bounds)"]
        if self.n_minima and self.n_components > 1:
            lines.append(f"note        the observed minima form {self.n_components} unconnected groups")
        lines += ["", f"{'id':>5} {'E':>5} {'visits':>7} {'plateau':>8}  conformation"]
        for v in range(min(self.n_minima, 10)):
            d = g.nodes[v]
            lines.append(f"{v:>5} {d['energy']:>5} {d['visits']:>7} {d['size']:>7}{'' if d['complete'] else '+'}  "
                         f"{d['conformation']}")
        return "\n".join(lines)


def positions_to_directions(positions, lattice) -> np.ndarray:
    """Direction strings (int8 [..., N-1]) of integer positions (int [..., N, dim]).

    Raises
    ------
    ValueError
        Naming the first frame and monomer pair that are not lattice neighbours.
    """
    lat = get_lattice(lattice)
    pos = np.asarray(positions)
    if pos.ndim < 2 or pos.shape[-1] != lat.dim:
        raise ValueError(f"positions: expected shape (..., N, {lat.dim}) on the {lat.name} lattice, got {pos.shape}")
    steps = np.diff(pos.astype(np.int64), axis=-2)
    code = np.zeros(steps.shape[:-1], dtype=np.int64)
    for a in range(lat.dim):
        code = code * 3 + (np.clip(steps[..., a], -1, 1) + 1)
    big = np.any(np.abs(steps) > 1, axis=-1)
    table = np.full(3 ** lat.dim, -1, dtype=np.int64)
    for d, v in enumerate(lat.vectors):
        c = 0
        for a in range(lat.dim):
            c = c * 3 + (int(v[a]) + 1)
        table[c] = d
    dirs = table[code]
    dirs[big] = -1
    if (dirs < 0).any():
        where = np.argwhere(dirs < 0)[0]
        frame = tuple(int(x) for x in where[:-1])
        raise ValueError(f"positions: frame {frame}: monomers {int(where[-1])} and {int(where[-1]) + 1} are not "
                         f"lattice neighbours on the {lat.name} lattice")
    return dirs.astype(np.int8)


def sampled_landscape(source, sequence=None, lattice=None, moves=None, model=None, *, budget=2000,
                      plateau_budget=1000, tighten=True, max_pairs=None, stride=1,
                      progress=None, threads=None) -> SampledLandscape:
    """Minima graph of a trajectory: quench every frame, connect consecutive minima, tighten saddles.

    Parameters
    ----------
    source : str, path, Trajectory or array
        A trajectory file (:func:`hpfold.io.load_trajectory`), a loaded trajectory, or integer
        positions of shape (R, F, N, dim) (replicas, frames) or (F, N, dim).
    sequence, lattice, model : optional
        Required with positions; taken from the trajectory otherwise.
    moves : str, optional
        Move set defining neighbours (default: the trajectory's ``moves`` parameter, else ``"pull"``).
    budget : int
        States a bounded saddle search may visit per pair of minima (each costs one neighbour
        generation: about 40 us for a 48-mer with pull moves).
    plateau_budget : int
        States a quench may walk on one plateau; beyond it the descent leaves by the best exit found
        so far, or the part walked is taken as a minimum flagged ``complete=False``.  A walk costs
        up to ``plateau_budget`` neighbour generations, so keep it modest for long chains.
    tighten : bool
        Run the bounded searches (else keep the trajectory's bounds).
    max_pairs : int, optional
        Tighten at most this many edges (the most often observed first).
    stride : int
        Use every ``stride``-th frame of each replica (1: all).  Quenching costs about 7 ms per
        distinct state of a Harvard 48-mer with the default ``plateau_budget`` on one thread (about
        4 ms on two), so thin long trajectories first; barriers from thinned frames are looser upper
        bounds.
    progress : bool, optional
        tqdm bar over the quench on stderr (default: when stderr is a terminal; after 2 s).
    threads : int, optional
        Python threads for the quench and the saddle searches (default: numba's thread count, at
        most the cores).  Every thread count gives the same landscape.

    Returns
    -------
    SampledLandscape

    Raises
    ------
    ValueError
        On positions that are not self-avoiding walks on the lattice, or missing metadata.

    Examples
    --------
    >>> import numpy as np
    >>> from hpfold.conformation import Conformation
    >>> frames = np.array([Conformation(d, "square").coords for d in ["0011", "0111"]])
    >>> ls = sampled_landscape(frames, "HPPPH", "square", moves="pull")
    >>> ls.n_states, ls.n_minima
    (2, 1)

    Notes
    -----
    Each distinct frame is quenched by steepest descent with the exact flooding's tie-break, so a
    frame ends in the minimum whose gradient basin holds it.  Consecutive frames of one replica that
    quench to different minima A and B give the bound saddle(A, B) <= max(E_f, E_f+1): the descent
    paths are monotone and, when the frames are one move apart (checked), the trajectory step joins
    them ("verified"); frames further apart give an unverified estimate.  Each edge is then tightened by
    flooding from both minima together, level by level, under a state budget (the threshold search of
    the ``barriers`` literature, Flamm et al., Z. Phys. Chem. 216, 155 (2002)): the first level at
    which the floods meet is the exact saddle.  Cost: O(F k d) for F distinct frames, k moves and d
    descent steps, plus at most ``budget`` state expansions per edge.
    """
    t0 = time.perf_counter()
    positions, seq, lat, mdl, moves = _read_source(source, sequence, lattice, model, moves)
    mask = parse_moves(moves)
    if positions.ndim == 3:
        positions = positions[None]
    if positions.ndim != 4:
        raise ValueError(f"positions: expected (replicas, frames, N, dim), got shape {positions.shape}")
    if int(stride) < 1:
        raise ValueError(f"stride must be a positive integer, got {stride}")
    positions = positions[:, ::int(stride)]
    r_count, f_count, n, _ = positions.shape
    if n != len(seq):
        raise ValueError(f"positions have {n} monomers but the sequence has {len(seq)}")
    if n < 3:
        raise ValueError("a sampled landscape needs a chain of at least 3 monomers")
    if f_count == 0:
        raise ValueError("the trajectory has no frames")
    if int(budget) < 2 or int(plateau_budget) < 1:
        raise ValueError("budget must be at least 2 and plateau_budget at least 1")
    dirs = positions_to_directions(positions, lat).reshape(r_count * f_count, n - 1)
    layout = KeyLayout.of(lat, n - 1)
    group = lat.group.astype(np.int64)
    vectors = lat.vectors.astype(np.int64)
    types = mdl.encode(seq)
    keys = layout.canonical_keys(dirs)
    uniq, first, inverse = np.unique(keys, axis=0, return_index=True, return_inverse=True)
    inverse = inverse.reshape(-1)
    states = np.ascontiguousarray(dirs[first])
    energies, valid = K.energies_of(states, types, mdl.matrix, vectors)
    if not valid.all():
        bad = int(first[np.argmin(valid)])
        raise ValueError(f"positions: frame {divmod(bad, f_count)} (replica, frame) is not self-avoiding")
    u = len(states)
    log.info("sampled landscape: %d frames, %d distinct states; quenching", r_count * f_count, u)
    max_k = _max_neighbours(lat, n, mask)
    threads = default_threads() if threads is None else max(1, int(threads))
    q = quench_states(states, types, mdl.matrix, vectors, group, mask, max_k, layout, int(plateau_budget),
                      threads=threads, progress=progress)
    min_dirs, min_e, min_size, min_complete, found = q.dirs, q.energy, q.size, q.complete, q.minimum
    log.info("sampled landscape: quenched on %d thread(s) (%d rows speculated, %d redone)", threads, q.speculated,
             q.redone)
    # number the minima by (energy, canonical string); truncated plateaus may repeat a representative
    mkeys = layout.pack(min_dirs)
    order = np.lexsort([mkeys[:, w] for w in reversed(range(layout.n_words))] + [min_e])
    sorted_keys = mkeys[order]
    new = np.ones(len(order), dtype=bool)
    new[1:] = np.any(sorted_keys[1:] != sorted_keys[:-1], axis=1) | (min_e[order][1:] != min_e[order][:-1])
    ids_sorted = np.cumsum(new) - 1
    renumber = np.empty(len(order), dtype=np.int64)
    renumber[order] = ids_sorted
    heads = order[new]
    state_min = renumber[found]
    frame_state = inverse.reshape(r_count, f_count)
    frame_min = state_min[frame_state]
    frame_energy = energies[frame_state]
    g = nx.Graph(sequence=seq, lattice=lat.name, model=mdl.name, moves=moves_label(mask), exact=False,
                 upper_bounds=True, n_frames=int(r_count * f_count), n_states=int(u))
    visits = np.bincount(frame_min.ravel(), minlength=len(heads))
    for m, h in enumerate(heads):
        members = renumber == m
        g.add_node(m, energy=int(min_e[h]), size=int(min_size[members].max()),
                   complete=bool(min_complete[members].all()), conformation=encode_directions(min_dirs[h]),
                   visits=int(visits[m]))
    _add_transitions(g, frame_state, frame_min, energies, states, vectors, group, mask, max_k, layout)
    if tighten and g.number_of_edges():
        _tighten(g, min_dirs[heads], types, mdl.matrix, vectors, group, mask, max_k, layout, int(budget), max_pairs,
                 threads)
    seconds = time.perf_counter() - t0
    log.info("sampled landscape: %d minima, %d edges in %.2f s", g.number_of_nodes(), g.number_of_edges(), seconds)
    return SampledLandscape(seq, lat.name, mdl.name, moves_label(mask), g, frame_min, frame_energy, int(u), seconds,
                            q.exact[frame_state])


def _read_source(source, sequence, lattice, model, moves):
    traj = None
    if isinstance(source, (str, os.PathLike)):
        from ..io import load_trajectory

        traj = load_trajectory(source)
    elif hasattr(source, "positions") and hasattr(source, "sequence"):
        traj = source
    if traj is not None:
        positions = np.asarray(traj.positions)
        sequence = sequence or traj.sequence
        lattice = lattice or traj.lattice
        model = model or getattr(traj, "model", None)
        if moves is None:
            moves = (getattr(traj, "parameters", None) or {}).get("moves")
    else:
        positions = np.asarray(source)
        if sequence is None or lattice is None:
            raise ValueError("sampled landscape: give the sequence and the lattice with a positions array")
    if not np.issubdtype(positions.dtype, np.integer):
        raise ValueError(f"positions must be integers, got {positions.dtype}")
    mdl = get_model(model or "HP")
    seq = parse_sequence(sequence, mdl.alphabet)
    return positions, seq, get_lattice(lattice), mdl, (moves or "pull")


def _max_neighbours(lat, n, mask) -> int:
    from .._kernels.moves import max_neighbours

    return int(max_neighbours(n, lat.n_directions, lat.order, mask))


def _add_transitions(g, frame_state, frame_min, energies, states, vectors, group, mask, max_k, layout):
    """Edges between minima of consecutive frames, with the higher frame energy as the saddle bound."""
    a_min, b_min = frame_min[:, :-1], frame_min[:, 1:]
    hop = a_min != b_min
    if not hop.any():
        return
    sa = frame_state[:, :-1][hop]
    sb = frame_state[:, 1:][hop]
    adjacent = K.one_move_apart(states[sa], states[sb], vectors, group, mask, max_k, layout.candidates, layout.bits,
                                layout.n_words)
    bound = np.maximum(energies[sa], energies[sb])
    for x, y, s, ok in zip(a_min[hop], b_min[hop], bound, adjacent):
        x, y = int(min(x, y)), int(max(x, y))
        s = int(s)
        if g.has_edge(x, y):
            d = g.edges[x, y]
            d["count"] += 1
            if ok and (not d["verified"] or s < d["saddle"]):
                d["saddle"], d["verified"] = s, True
            elif not d["verified"] and s < d["saddle"]:
                d["saddle"] = s
        else:
            g.add_edge(x, y, saddle=s, verified=bool(ok), exact=False, upper_bound=True, lower_bound=None, count=1,
                       source="trajectory")


def _tighten(g, reps, types, matrix, vectors, group, mask, max_k, layout, budget, max_pairs, threads=1):
    """Bounded saddle searches on the edges (independent: run on ``threads`` Python threads)."""
    edges = sorted(g.edges(data=True), key=lambda e: (-e[2]["count"], e[0], e[1]))
    if max_pairs is not None:
        edges = edges[:int(max_pairs)]

    def search(edge):
        x, y, d = edge
        cap = d["saddle"] - 1 if d["verified"] else 10 ** 12
        return K.connect_pair(reps[x], reps[y], cap, budget, types, matrix, vectors, group, mask, max_k,
                              layout.candidates, layout.bits, layout.n_words)

    if threads > 1 and len(edges) > 1:
        with ThreadPoolExecutor(max_workers=threads) as pool:
            found = list(pool.map(search, edges))
    else:
        found = [search(e) for e in edges]
    for (x, y, d), (status, level, visited) in zip(edges, found):
        level = int(level)
        d["searched"] = int(visited)
        if status == _JOINED:
            d.update(saddle=level, verified=True, exact=True, upper_bound=False, lower_bound=level, source="search")
        elif status == _CAPPED and d["verified"]:
            d.update(exact=True, upper_bound=False, lower_bound=d["saddle"])
        elif status == _BUDGET:
            d["lower_bound"] = level
        elif status == _DISCONNECTED:
            log.warning("sampled landscape: minima %d and %d are not connected under these moves although the "
                        "trajectory passed between them: was it sampled with another move set?", x, y)
            d["lower_bound"] = level
