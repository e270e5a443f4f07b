"""What the landscape core needs of a state space: sorted energies, orbit weights and a neighbour pass.

A *space* is a finite set of states, each with an energy and a weight (the number
of microstates it stands for: the orbit size of a symmetry class, or 1), and a
neighbour relation (the move set).  The landscape core (:func:`hpfold.landscape.core.flood`)
and the kinetics (:mod:`hpfold.kinetics`) see a space only through this interface:

- ``energies`` (int64 or float64, ascending), ``weights`` (int64): states are
  numbered ``0 .. S-1`` in order of energy, ties broken by the space's own key order;
- ``neighbour_pass(s0, s1, c0, out_nbr, out_cnt, target, out_up, out_down, out_missing, threads)``:
  the distinct neighbours of states ``s0:s1`` in the layout of the flooding kernels
  (see :func:`hpfold._kernels.landscape.record_found`);
- ``state_graph()``: every proposal of every state as a :class:`StateGraph` (CSR);
- ``label(state)``: a short string for tables, JSON and plots; ``describe()``: JSON metadata.

Two general spaces live here: :class:`KeySpace` (states are uint64 keys, neighbours
come from a numba function of a key: Ising chains, perceptrons, partitions) and
:class:`GraphSpace` (an explicit neighbour list, e.g. read from a file).  HP chains are
:class:`hpfold.spaces.hp.HPSpace`.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .._validation import ensure_array

__all__ = ["DiscreteSpace", "KeySpace", "GraphSpace", "StateGraph"]


@dataclass(eq=False)
class StateGraph:
    """Every proposal of every state, as a sparse (CSR) graph over the states of a space.

    Attributes
    ----------
    energies : int64 or float64 array [S]
        Energies, ascending (the space's state order).
    weights : int64 array [S]
        Microstates per state (orbit sizes).
    indptr : int64 array [S + 1]
    indices : int64 array [M]
        ``indices[indptr[s]:indptr[s + 1]]``: the distinct neighbours ``t != s`` of ``s``, ascending.
    multiplicity : int64 array [M]
        How many of the move slots of one microstate of ``s`` lead into state ``t``.
    n_slots : int64 array [S]
        Move slots per microstate of ``s``: a uniformly chosen slot proposes ``t`` with
        probability ``multiplicity / n_slots[s]``; the remaining slots (invalid moves, moves
        back into ``s``) are rejected, so the chain stays put.
    n_missing : int
        Proposals whose result is not a state of the space (above an energy cutoff); they count
        as rejected.

    Notes
    -----
    With a reversible move set on the microstates, ``w_s m(s, t) / n_slots[s] = w_t m(t, s) / n_slots[t]``
    whenever slot counts are equal, which :meth:`is_reversible` checks.
    """

    energies: np.ndarray
    weights: np.ndarray
    indptr: np.ndarray
    indices: np.ndarray
    multiplicity: np.ndarray
    n_slots: np.ndarray
    n_missing: int = 0

    @property
    def n_states(self) -> int:
        return len(self.energies)

    @property
    def n_edges(self) -> int:
        """Directed (state, neighbour) pairs."""
        return len(self.indices)

    def sources(self) -> np.ndarray:
        """The state of each entry of ``indices`` (int64 [M])."""
        return np.repeat(np.arange(self.n_states, dtype=np.int64), np.diff(self.indptr))

    def proposal(self) -> np.ndarray:
        """Probability that one step from ``sources()[j]`` proposes ``indices[j]`` (float64 [M])."""
        return self.multiplicity / self.n_slots[self.sources()].astype(np.float64)

    def is_reversible(self, rtol=1e-12) -> bool:
        """Whether the weighted proposal flux is symmetric: ``w_s q(s -> t) = w_t q(t -> s)`` for every pair."""
        import scipy.sparse as sp

        flux = sp.csr_matrix((self.weights[self.sources()] * self.proposal(), self.indices, self.indptr),
                             shape=(self.n_states, self.n_states))
        diff = abs(flux - flux.T)
        return bool(diff.nnz == 0 or diff.max() <= rtol * max(abs(flux).max(), 1e-300))


class DiscreteSpace:
    """Base class: a finite space, its states sorted by energy.

    Subclasses call :meth:`_set_states` with sorted energies and weights, set
    ``max_neighbours``, and implement :meth:`neighbour_pass`, :meth:`state_graph`
    and :meth:`label`.

    Attributes
    ----------
    name : str
        Short name of the kind of space (``"hp"``, ``"perceptron"``, ``"ising"``, ``"file"``, ...).
    symmetry : str
        What one state stands for (e.g. "classes of the square lattice's 8 symmetries", "none").
    energies, weights, levels, level_bounds, level_stop : arrays
        Sorted energies, weights, the distinct energies, the first state of each level (plus S),
        and for each state the first state of the next level.
    max_neighbours : int
        Upper bound on the neighbours one state can list (rows of ``out_nbr``).
    """

    name = "space"
    symmetry = "none"
    max_neighbours = 0

    def _set_states(self, energies, weights):
        energies = np.asarray(energies)
        if energies.dtype.kind in "iub":
            energies = ensure_array(energies, "energies", np.int64, ndim=1)
        else:
            energies = ensure_array(energies, "energies", np.float64, ndim=1)
            if not np.all(np.isfinite(energies)):
                raise ValueError(f"{self.name}: energies must be finite")
        if len(energies) == 0:
            raise ValueError(f"{self.name}: the space has no states")
        if np.any(np.diff(energies) < 0):
            raise ValueError(f"{self.name}: energies must be sorted ascending")
        weights = ensure_array(weights, "weights", np.int64, ndim=1, shape=(len(energies),))
        if np.any(weights < 1):
            raise ValueError(f"{self.name}: weights (microstates per state) must be positive integers")
        self.energies = energies
        self.weights = weights
        self.levels, starts = np.unique(energies, return_index=True)
        self.level_bounds = np.append(starts, len(energies)).astype(np.int64)
        self.level_stop = np.repeat(self.level_bounds[1:], np.diff(self.level_bounds)).astype(np.int64)

    def __len__(self) -> int:
        return len(self.energies)

    @property
    def n_states(self) -> int:
        return len(self.energies)

    @property
    def integer_energies(self) -> bool:
        return self.energies.dtype.kind == "i"

    def neighbour_pass(self, s0, s1, c0, out_nbr, out_cnt, target, out_up, out_down, out_missing, threads=False):
        """Fill rows ``s - c0`` of the outputs for states ``s0:s1`` (see :func:`hpfold._kernels.landscape.record_found`)."""
        raise NotImplementedError

    def state_graph(self) -> StateGraph:
        raise NotImplementedError

    def ball_counts(self, starts, thresholds, radius):
        """For each start: states within ``radius`` moves with energy ``<= threshold``, and all of them.

        Returns int64 [R, 2].  The default walks :meth:`state_graph`; key spaces walk their
        neighbour function (no graph in memory).
        """
        from .._kernels.ball import csr_ball_counts

        graph = self.state_graph()
        return csr_ball_counts(graph.indptr, graph.indices, self.energies.astype(np.float64),
                               np.asarray(starts, dtype=np.int64), np.asarray(thresholds, dtype=np.float64),
                               int(radius))

    def label(self, state: int) -> str:
        return str(int(state))

    def describe(self) -> dict:
        """JSON-ready description of the space (``space`` plus its parameters)."""
        return {"space": self.name, "symmetry": self.symmetry}


def _sort_by_energy_then_key(energies, keys):
    return np.lexsort([keys, energies])


class KeySpace(DiscreteSpace):
    """States as distinct uint64 keys, neighbours from a numba function of a key.

    Parameters
    ----------
    name : str
        Kind of space, e.g. ``"ising"``.
    keys : uint64 array [S]
        Every state's key (distinct), any order.
    energies : int or float array [S]
    neighbours : numba function ``neighbours(key, params, out) -> count``
        Writes the keys of the states one move from ``key`` into ``out`` (uint64 [max_neighbours]),
        one entry per move slot (duplicates allowed: they are proposal multiplicities), and returns
        how many it wrote.  Keys it returns must be keys of the space (the representative of a
        class, where states are classes).
    max_neighbours : int
        Move slots per state: the length of ``out``, and the ``n_slots`` of the kinetics.
    params : int64 array, optional
        Passed to ``neighbours`` unchanged (chain length, number of clusters, ...), so that one
        compiled neighbour function serves every instance.
    weights : int array [S], optional
        Microstates per state (default 1).
    symmetry : str
        What a state stands for.
    labeller : callable, optional
        ``labeller(key) -> str`` for tables and plots (default: the key in binary).
    parameters : dict, optional
        Extra JSON metadata (:meth:`describe`).

    Examples
    --------
    A ring of four states (0-1-2-3-0) with energies 0, 1, 0, 2:

    >>> import numpy as np, numba
    >>> @numba.njit
    ... def ring(key, params, out):
    ...     out[0] = (key + np.uint64(1)) % np.uint64(4)
    ...     out[1] = (key + np.uint64(3)) % np.uint64(4)
    ...     return 2
    >>> space = KeySpace("ring", np.arange(4, dtype=np.uint64), [0, 1, 0, 2], ring, 2)
    >>> space.keys.tolist(), space.energies.tolist()
    ([0, 2, 1, 3], [0, 0, 1, 2])
    >>> space.index_of(3)
    3

    Notes
    -----
    Lookups use a rank array when the keys fill most of ``0 .. max key`` (a hypercube of
    weights), else an open-addressing hash table (O(1) per neighbour either way); the flood
    costs O(S k) neighbour evaluations for k slots per state.
    """

    def __init__(self, name, keys, energies, neighbours, max_neighbours, *, params=None, weights=None,
                 symmetry="none", labeller=None, parameters=None, presorted=False):
        from .._kernels import flood as F

        self.name = str(name)
        keys = ensure_array(keys, "keys", np.uint64, ndim=1)
        energies = np.asarray(energies)
        if energies.shape != keys.shape:
            raise ValueError(f"{self.name}: {len(keys)} keys but {energies.size} energies")
        weights = np.ones(len(keys), dtype=np.int64) if weights is None else np.asarray(weights)
        if presorted:  # the caller guarantees the (energy, key) order
            self.keys = keys
            self._set_states(energies, weights)
        else:
            order = _sort_by_energy_then_key(energies, keys)
            self.keys = np.ascontiguousarray(keys[order])
            self._set_states(energies[order], weights[order])
        self.params = ensure_array(np.zeros(0, np.int64) if params is None else params, "params", np.int64, ndim=1)
        self.max_neighbours = int(max_neighbours)
        if self.max_neighbours < 1:
            raise ValueError(f"{self.name}: max_neighbours must be at least 1")
        self.neighbours = neighbours
        self.symmetry = symmetry
        self._labeller = labeller
        self.parameters = dict(parameters or {})
        top = int(self.keys.max()) + 1
        if top <= 2 * len(self.keys) + 1024:
            self.rank = np.full(top, -1, dtype=np.int64)
            self.rank[self.keys.astype(np.int64)] = np.arange(len(self.keys), dtype=np.int64)
            if np.count_nonzero(self.rank >= 0) != len(self.keys):
                raise ValueError(f"{self.name}: duplicate keys")
            self.table, self.shift = np.zeros((0, 2), np.uint64), 0
        else:
            if len(np.unique(self.keys)) != len(self.keys):
                raise ValueError(f"{self.name}: duplicate keys")
            self.rank = np.zeros(0, dtype=np.int64)
            self.table, self.shift = F.key_table(self.keys)

    def index_of(self, key) -> int:
        """State number of a key, or -1."""
        from .._kernels import flood as F

        return int(F.state_of(np.uint64(key), self.rank, self.table, self.shift))

    def neighbour_pass(self, s0, s1, c0, out_nbr, out_cnt, target, out_up, out_down, out_missing, threads=False):
        from .._kernels import flood as F

        kernel = F.key_neighbour_block_parallel if threads else F.key_neighbour_block
        kernel(self.neighbours, self.params, s0, s1, c0, self.keys, self.level_stop, self.rank, self.table,
               self.shift, out_nbr, out_cnt, target, out_up, out_down, out_missing)

    def state_graph(self) -> StateGraph:
        from .._kernels import flood as F

        indptr, indices, mult, missing = F.key_state_graph(self.neighbours, self.params, self.keys, self.rank,
                                                           self.table, self.shift, self.max_neighbours)
        if missing < 0:
            raise RuntimeError(f"{self.name}: the neighbour function wrote more than max_neighbours keys")
        return StateGraph(self.energies, self.weights, indptr, indices, mult,
                          np.full(self.n_states, self.max_neighbours, dtype=np.int64), int(missing))

    def ball_counts(self, starts, thresholds, radius):
        from .._kernels.ball import key_ball_counts

        return key_ball_counts(self.neighbours, self.params, self.max_neighbours, self.keys, self.rank, self.table,
                               self.shift, self.energies.astype(np.float64), np.asarray(starts, dtype=np.int64),
                               np.asarray(thresholds, dtype=np.float64), int(radius))

    def label(self, state: int) -> str:
        key = int(self.keys[state])
        return self._labeller(key) if self._labeller is not None else format(key, "b")

    def describe(self) -> dict:
        return {"space": self.name, "symmetry": self.symmetry, **self.parameters}


class GraphSpace(DiscreteSpace):
    """States with energies and an explicit, symmetric neighbour list (e.g. from a file).

    Parameters
    ----------
    energies : int or float array [S]
    edges : int array [M, 2]
        Pairs of neighbouring states (numbered as ``energies``); each pair once or in both
        directions, self-loops and repeats are dropped.
    labels : list of str, optional
        A name per state (default: its input number).
    weights : int array [S], optional
    name : str

    Examples
    --------
    >>> space = GraphSpace([2, 0, 1], [[0, 1], [0, 2]], labels=["top", "a", "b"])
    >>> [space.label(s) for s in range(3)], space.energies.tolist()
    (['a', 'b', 'top'], [0, 1, 2])
    """

    def __init__(self, energies, edges, *, labels=None, weights=None, name="graph", symmetry="as given",
                 parameters=None):
        import scipy.sparse as sp

        self.name = name
        self.symmetry = symmetry
        energies = np.asarray(energies)
        n = len(energies)
        edges = ensure_array(edges, "edges", np.int64, ndim=2) if len(edges) else np.zeros((0, 2), np.int64)
        if edges.shape[1] != 2:
            raise ValueError(f"{name}: edges must be pairs of state numbers")
        if len(edges) and (edges.min() < 0 or edges.max() >= n):
            raise ValueError(f"{name}: an edge names a state outside 0..{n - 1}")
        order = np.argsort(energies, kind="stable")
        rank = np.empty(n, dtype=np.int64)
        rank[order] = np.arange(n)
        weights = np.ones(n, dtype=np.int64) if weights is None else np.asarray(weights)[order]
        self._set_states(energies[order], weights)
        self.input_number = order
        self._labels = None if labels is None else [str(labels[i]) for i in order]
        a, b = rank[edges[:, 0]], rank[edges[:, 1]]
        keep = a != b
        a, b = a[keep], b[keep]
        adj = sp.coo_matrix((np.ones(2 * len(a)), (np.concatenate([a, b]), np.concatenate([b, a]))), shape=(n, n))
        adj = adj.tocsr()
        adj.sum_duplicates()
        adj.sort_indices()
        self.indptr = adj.indptr.astype(np.int64)
        self.indices = adj.indices.astype(np.int64)
        self.max_neighbours = max(1, int(np.diff(self.indptr).max(initial=0)))
        self.parameters = dict(parameters or {})

    def neighbour_pass(self, s0, s1, c0, out_nbr, out_cnt, target, out_up, out_down, out_missing, threads=False):
        from .._kernels import flood as F

        F.csr_neighbour_block(s0, s1, c0, self.indptr, self.indices, self.level_stop, out_nbr, out_cnt, target,
                              out_up, out_down, out_missing)

    def state_graph(self) -> StateGraph:
        """Each neighbour once; ``n_slots`` is the largest degree (a uniform proposal over that many slots)."""
        return StateGraph(self.energies, self.weights, self.indptr, self.indices,
                          np.ones(len(self.indices), dtype=np.int64),
                          np.full(self.n_states, self.max_neighbours, dtype=np.int64), 0)

    def label(self, state: int) -> str:
        return self._labels[state] if self._labels is not None else str(int(self.input_number[state]))

    def describe(self) -> dict:
        return {"space": self.name, "symmetry": self.symmetry, **self.parameters}
