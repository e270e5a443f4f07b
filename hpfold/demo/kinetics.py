"""Folding kinetics on the exact state graph: the Metropolis master equation and first-passage times."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._kernels.moves import MOVE_BITS, build_tables, grid_side, max_neighbours, n_labels
from .._kernels.state_graph import all_proposal_results
from ..enumerate import enumerate_conformations
from ..lattice import get_lattice
from ..landscape.states import parse_moves

__all__ = ["StateGraph", "build_state_graph", "mean_first_passage"]


@dataclass
class StateGraph:
    """Transition counts between symmetry classes under one move set.

    ``counts[k]`` slots of class ``src[k]`` lead to class ``dst[k]`` (``src != dst``); every
    move attempt draws one of ``n_slots`` slots uniformly, so the Metropolis transition
    probability is ``counts / n_slots * min(1, exp(-(E_dst - E_src) / T))``.
    """

    sequence: str
    lattice: str
    directions: np.ndarray
    energies: np.ndarray
    weights: np.ndarray
    src: np.ndarray
    dst: np.ndarray
    counts: np.ndarray
    n_slots: int

    @property
    def n_states(self) -> int:
        return len(self.energies)

    def transition_matrix(self, temperature: float) -> np.ndarray:
        """Dense one-step Metropolis transition matrix between classes (rows sum to 1)."""
        n = self.n_states
        de = self.energies[self.dst] - self.energies[self.src]
        acc = np.ones(len(de)) if np.isinf(temperature) else np.minimum(1.0, np.exp(-de / temperature))
        p = np.zeros((n, n))
        np.add.at(p, (self.src, self.dst), self.counts / self.n_slots * acc)
        p[np.arange(n), np.arange(n)] = 1.0 - p.sum(axis=1)
        return p


def _packed_keys(rows: np.ndarray, nd: int) -> np.ndarray:
    """Integer key of each direction string (base ``nd`` digits, first step most significant)."""
    powers = nd ** np.arange(rows.shape[-1] - 1, -1, -1, dtype=np.int64)
    return (rows.astype(np.int64) * powers).sum(axis=-1)


def build_state_graph(sequence: str, lattice: str = "square", moves: str = "pull") -> StateGraph:
    """All classes of a short chain and the slot counts between them under a single move type.

    Notes
    -----
    The dynamics of conformations commutes with the lattice symmetries, so lumping conformations
    into classes is exact (Kemeny & Snell, *Finite Markov Chains*, 1960). Cost: O(S x slots x |G|)
    for S classes.
    """
    lat = get_lattice(lattice)
    mask = parse_moves(moves)
    if mask not in MOVE_BITS:
        raise ValueError("build_state_graph: give a single move type (e.g. 'pull')")
    mtype = MOVE_BITS.index(mask)
    result = enumerate_conformations(sequence, lattice, energy_cutoff=10**9)
    dirs = result.conformations
    n = dirs.shape[1] + 1
    nd = lat.n_directions
    keys = _packed_keys(dirs, nd)
    order = np.argsort(keys)
    sorted_keys = keys[order]
    rows, starts = all_proposal_results(dirs, lat.vectors, lat.group, mask,
                                        max_neighbours(n, nd, lat.order, mask))
    src = np.repeat(np.arange(len(dirs)), np.diff(starts))
    canon = np.full(len(rows), np.iinfo(np.int64).max)
    for perm in lat.group:                               # lexicographic minimum = smallest key
        np.minimum(canon, _packed_keys(perm[rows], nd), out=canon)
    dst = order[np.searchsorted(sorted_keys, canon)]
    moved = dst != src
    src, dst = src[moved], dst[moved]
    pair = src * len(dirs) + dst
    uniq, counts = np.unique(pair, return_counts=True)
    tables = build_tables(lat.vectors, lat.group, grid_side(n), n)
    return StateGraph(result.sequence, lat.name, dirs, result.conformation_energies, result.conformation_weights,
                      uniq // len(dirs), uniq % len(dirs), counts, int(n_labels(mtype, n, tables)))


def mean_first_passage(graph: StateGraph, temperature: float, target_states) -> np.ndarray:
    """Mean number of move attempts to first reach any of ``target_states``, from every class.

    Solves ``(I - P_oo) tau = 1`` over the other classes (Kemeny & Snell 1960); cost O(S^3).
    """
    p = graph.transition_matrix(temperature)
    target = np.zeros(graph.n_states, dtype=bool)
    target[np.asarray(target_states)] = True
    others = np.nonzero(~target)[0]
    a = np.eye(len(others)) - p[np.ix_(others, others)]
    tau = np.zeros(graph.n_states)
    tau[others] = np.linalg.solve(a, np.ones(len(others)))
    return tau
