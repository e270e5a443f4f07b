"""Coarse-grained kinetics: rates between basins from the microscopic fluxes, and their master equation."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .master import MasterEquation

__all__ = ["BasinKinetics", "basin_kinetics", "macrostates"]


def macrostates(landscape, level=None) -> tuple:
    """Map every state to a macrostate: its gradient basin, or a barrier-tree basin at ``level``.

    With ``level``, minima joined in the barrier tree by saddles at or below ``level`` form one
    macrostate (the tree cut at that energy).  Returns ``(macro_of_state, macro_minimum)``: int64 [S]
    and, per macrostate, the lowest minimum it holds.

    Examples
    --------
    >>> from hpfold.spaces import GraphSpace
    >>> from hpfold.landscape import flood
    >>> ring = GraphSpace([0, 1, 2, -1, 1, 1], [[k, (k + 1) % 6] for k in range(6)])
    >>> ls = flood(ring)
    >>> macrostates(ls)[0].tolist(), macrostates(ls, level=1)[0].tolist()
    ([0, 1, 1, 0, 1, 0], [0, 0, 0, 0, 0, 0])
    """
    n_min = landscape.n_minima
    group = np.arange(n_min)
    if level is not None:
        parent = np.arange(n_min)

        def find(x):
            while parent[x] != x:
                parent[x] = parent[parent[x]]
                x = parent[x]
            return x

        rep = list(range(n_min))                    # a minimum under each tree node
        for k, children in enumerate(landscape.merge_children):
            rep.append(rep[int(children[0])])
            if landscape.merge_saddle[k] <= level:
                roots = [find(rep[int(c)]) for c in children]
                for r in roots[1:]:
                    parent[r] = roots[0]
        group = np.array([find(m) for m in range(n_min)])
    energy = landscape.minimum_energy
    # number macrostates by their lowest minimum's energy (then minimum order)
    labels, inverse = np.unique(group, return_inverse=True)
    lowest = np.full(len(labels), -1, dtype=np.int64)
    for m in np.lexsort([np.arange(n_min), energy])[::-1]:
        lowest[inverse[m]] = m
    order = np.lexsort([lowest, energy[lowest]])
    rank = np.empty(len(labels), dtype=np.int64)
    rank[order] = np.arange(len(labels))
    return rank[inverse][landscape.basin].astype(np.int64), lowest[order]


@dataclass(eq=False)
class BasinKinetics:
    """Macrostate rates ``k[A, B]`` (per move attempt) and populations of a lumped master equation.

    Attributes
    ----------
    macro_of : int64 array [S]
        Macrostate of each state.
    minimum : int64 array [M]
        Lowest minimum (landscape numbering) of each macrostate.
    energy : float64 array [M]
        Its energy.
    free_energy : float64 array [M]
        ``-T ln Z_A``.
    equilibrium : float64 array [M]
        Boltzmann weight of each macrostate.
    rates : float64 array [M, M]
        ``k[A, B] = sum_{s in A, t in B} pi_s P(s -> t) / pi_A`` off the diagonal, 0 on it.
    temperature : float
    """

    macro_of: np.ndarray
    minimum: np.ndarray
    energy: np.ndarray
    free_energy: np.ndarray
    equilibrium: np.ndarray
    rates: np.ndarray
    temperature: float

    @property
    def n_macrostates(self) -> int:
        return len(self.minimum)

    def generator(self) -> np.ndarray:
        """Dense rate matrix with rows summing to zero."""
        k = self.rates.copy()
        k[np.diag_indices_from(k)] = -k.sum(axis=1)
        return k

    def populations(self, start, times) -> np.ndarray:
        """``p(t)`` of the macrostates (treekin-style), float64 [len(times), M]; ``start`` a macrostate or vector."""
        times = np.asarray(times, dtype=np.float64)
        p0 = np.zeros(self.n_macrostates)
        if np.ndim(start) == 0:
            p0[int(start)] = 1.0
        else:
            p0 = np.asarray(start, dtype=np.float64) / np.sum(start)
        # symmetrise by detailed balance so the propagation stays accurate at long times
        d = np.sqrt(self.equilibrium)
        sym = d[:, None] * self.generator() / d[None, :]
        lam, vec = np.linalg.eigh(0.5 * (sym + sym.T))
        c = vec.T @ (p0 / d)
        out = (np.exp(np.outer(times, lam)) * c) @ vec.T * d
        return np.clip(out, 0.0, None)

    def mean_first_passage(self, source, target) -> float:
        """MFPT from macrostate ``source`` to ``target`` in the lumped (Markovian) model."""
        m = self.n_macrostates
        others = np.array([a for a in range(m) if a != target])
        k = self.generator()
        tau = np.linalg.solve(-k[np.ix_(others, others)], np.ones(len(others)))
        return float(tau[list(others).index(source)]) if source != target else 0.0

    def relaxation_rates(self) -> np.ndarray:
        """Nonzero eigenvalues of ``-K``, ascending."""
        d = np.sqrt(self.equilibrium)
        sym = d[:, None] * self.generator() / d[None, :]
        lam = np.sort(-np.linalg.eigvalsh(0.5 * (sym + sym.T)))
        return np.clip(lam[1:], 0.0, None)

    def to_dict(self) -> dict:
        return {"temperature": self.temperature, "n_macrostates": self.n_macrostates,
                "minima": [int(x) for x in self.minimum], "energy": [float(x) for x in self.energy],
                "free_energy": [float(x) for x in self.free_energy],
                "equilibrium": [float(x) for x in self.equilibrium],
                "rates": [[float(x) for x in row] for row in self.rates]}


def basin_kinetics(me: MasterEquation, landscape, level=None) -> BasinKinetics:
    """Rates between gradient basins (or tree macrostates at ``level``) from the microscopic fluxes.

    Parameters
    ----------
    me : MasterEquation
        The microscopic chain (same space and state order as ``landscape``).
    landscape : hpfold.landscape.Landscape
    level : float, optional
        Cut the barrier tree at this energy (see :func:`macrostates`); default gradient basins.

    Examples
    --------
    >>> from hpfold.spaces import HPSpace
    >>> from hpfold.landscape import flood
    >>> from hpfold.kinetics import master_equation
    >>> space = HPSpace.from_sequence("HPHPPHHPHH")
    >>> bk = basin_kinetics(master_equation(space, 0.5), flood(space))
    >>> bk.n_macrostates, bool(np.allclose(bk.equilibrium[:, None] * bk.rates,
    ...                                     (bk.equilibrium[:, None] * bk.rates).T))
    (2, True)

    Notes
    -----
    The lumped rate ``k_AB`` is the equilibrium flux from A to B over the population of A, as
    ``barriers --rates`` computes it (Wolfinger et al., J. Phys. A 37, 4731, 2004); it satisfies
    detailed balance ``pi_A k_AB = pi_B k_BA``.  The lumped model is Markovian only when the basins
    equilibrate internally faster than they exchange.  Cost O(edges + M^2).
    """
    import scipy.sparse as sp

    if landscape.n_states != me.n_states or not np.array_equal(landscape.energies, me.energies):
        raise ValueError("the landscape and the master equation are not over the same states")
    macro_of, minimum = macrostates(landscape, level)
    m = len(minimum)
    coo = me.transitions.tocoo()
    a, b = macro_of[coo.row], macro_of[coo.col]
    cross = a != b
    # populations in log space, so that basins whose Boltzmann weight underflows keep finite rates
    logpi = me.log_stationary
    top = np.full(m, -np.inf)
    np.maximum.at(top, macro_of, logpi)
    log_pop = top + np.log(np.bincount(macro_of, weights=np.exp(logpi - top[macro_of]), minlength=m))
    equilibrium = np.exp(log_pop)
    flux_over_pop = np.exp(logpi[coo.row[cross]] - log_pop[a[cross]]) * coo.data[cross]
    rates = sp.coo_matrix((flux_over_pop, (a[cross], b[cross])), shape=(m, m)).toarray()
    t = me.temperature
    free = -t * log_pop if np.isfinite(t) else -log_pop
    energy = landscape.minimum_energy[minimum].astype(np.float64)
    return BasinKinetics(macro_of, minimum, energy, free, equilibrium / equilibrium.sum(), rates, t)
