"""The master equation over a whole exact state graph: first-passage times, relaxation rates, P(t).

Time is counted in move attempts: each attempt draws one of a state's ``n_slots`` move slots
uniformly and accepts the proposed state with the Metropolis (or Glauber) probability, exactly as
the samplers do (:mod:`hpfold._kernels.sampling`).  The continuous-time master equation
``dp/dt = p K`` with ``K = P - I`` has the same first-passage times as that discrete chain and
relaxation rates ``1 - lambda`` (``-ln lambda`` per step differs only for fast modes).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["MasterEquation", "master_equation", "RULES"]

#: acceptance rules: name -> probability of accepting an energy change dE at temperature T
RULES = ("metropolis", "glauber")

#: largest state count solved by sparse LU (fill-in makes LU slow above: 15k states took 420 s, CG 0.1 s)
DIRECT_MAX_STATES = 400


def _acceptance(de, temperature, rule):
    if rule not in RULES:
        raise ValueError(f"unknown acceptance rule {rule!r}; known: {', '.join(RULES)}")
    if np.isinf(temperature):
        return np.ones(len(de)) if rule == "metropolis" else np.full(len(de), 0.5)
    x = de / temperature
    if rule == "metropolis":
        return np.exp(-np.clip(x, 0.0, None))
    return 0.5 * (1.0 - np.tanh(0.5 * x))        # 1 / (1 + exp(x)) without overflow


@dataclass(eq=False)
class MasterEquation:
    """The one-step transition matrix of the Metropolis chain on a space's states, at one temperature.

    Build it with :func:`master_equation`.

    Attributes
    ----------
    graph : hpfold.spaces.StateGraph
        Proposals of every state (``n_slots`` and multiplicities).
    temperature : float
    rule : str
        ``"metropolis"`` or ``"glauber"``.
    transitions : scipy.sparse.csr_matrix [S, S]
        Off-diagonal one-step probabilities ``P(s -> t)``; the chain stays put with the rest.
    escape : float64 array [S]
        ``sum_t P(s -> t)``: the probability of leaving ``s`` in one attempt.
    stationary : float64 array [S]
        Boltzmann distribution over states, ``w_s exp(-E_s / T) / Z``.
    log_stationary : float64 array [S]
        Its logarithm (finite where ``stationary`` underflows).
    """

    graph: object
    temperature: float
    rule: str
    transitions: object
    escape: np.ndarray
    stationary: np.ndarray
    log_stationary: np.ndarray

    @property
    def n_states(self) -> int:
        return self.graph.n_states

    @property
    def energies(self) -> np.ndarray:
        return self.graph.energies

    def _symmetric(self, rows=None):
        """``D P D^-1`` with ``D = sqrt(pi)`` (symmetric by detailed balance), restricted to ``rows``."""
        import scipy.sparse as sp

        d = np.exp(0.5 * self.log_stationary)         # no underflow where pi itself would
        ps = sp.diags(d) @ self.transitions @ sp.diags(1.0 / d)
        ps = ((ps + ps.T) * 0.5).tocsr()                 # remove rounding asymmetry
        if rows is not None:
            ps = ps[rows][:, rows]
        return ps, d

    def target_mask(self, target) -> np.ndarray:
        """Boolean mask of the target states: ``"ground"`` (lowest energy), an index array or a mask."""
        if isinstance(target, str):
            if target != "ground":
                raise ValueError(f"unknown target {target!r}; give 'ground' or state indices")
            return self.energies == self.energies.min()
        t = np.asarray(target)
        if t.dtype == bool:
            if t.shape != (self.n_states,):
                raise ValueError("target mask has the wrong length")
            mask = t.copy()
        else:
            t = t.astype(np.int64).ravel()
            if len(t) and (t.min() < 0 or t.max() >= self.n_states):
                raise ValueError(f"target states must lie in 0 .. {self.n_states - 1}")
            mask = np.zeros(self.n_states, dtype=bool)
            mask[t] = True
        if not mask.any():
            raise ValueError("the target set is empty")
        return mask

    def first_passage_times(self, target="ground", *, rtol=1e-10) -> np.ndarray:
        """Mean number of move attempts to first reach ``target``, from every state (0 on the target).

        Solves ``(I - P)_BB m = 1`` over the other states ``B`` (Kemeny & Snell 1960), symmetrised
        with ``sqrt(pi)``: a sparse LU factorisation up to :data:`DIRECT_MAX_STATES` states,
        Jacobi-preconditioned conjugate gradients above.

        Examples
        --------
        >>> from hpfold.spaces import HPSpace
        >>> me = master_equation(HPSpace.from_sequence("HPPHPH"), 0.5)
        >>> m = me.first_passage_times()
        >>> bool(m[0] == 0.0), bool(m.max() > 1.0)
        (True, True)
        """
        import scipy.sparse as sp
        import scipy.sparse.linalg as sla

        mask = self.target_mask(target)
        others = np.nonzero(~mask)[0]
        tau = np.zeros(self.n_states)
        if len(others) == 0:
            return tau
        ps, d = self._symmetric(others)
        a = (sp.diags(self.escape[others]) - ps).tocsr()
        b = d[others]
        if len(others) <= DIRECT_MAX_STATES:
            y = sla.spsolve(a.tocsc(), b)
        else:
            y, info = sla.cg(a, b, rtol=rtol, maxiter=20 * len(others), M=sp.diags(1.0 / a.diagonal()))
            if info != 0:
                raise RuntimeError(f"first-passage solve did not converge at T = {self.temperature:g} "
                                   f"({info} iterations); try a higher temperature")
        m = y / b
        # backward error of the original (unsymmetrised) equations: |A m - 1| against |A| |m| + 1
        a_u = (sp.diags(self.escape[others]) - self.transitions[others][:, others]).tocsr()
        backward = np.max(np.abs(a_u @ m - 1.0) / (abs(a_u) @ np.abs(m) + 1.0))
        if not backward < 1e-7:
            raise RuntimeError(f"first-passage solve is inaccurate at T = {self.temperature:g} "
                               f"(backward error {backward:.1e}); try a higher temperature")
        tau[others] = m
        return tau

    def mean_first_passage(self, target="ground", start="uniform", **kwargs) -> float:
        """MFPT to ``target`` averaged over a start distribution.

        ``start``: ``"uniform"`` (every microstate off the target equally likely: a random
        conformation, T = infinity), ``"boltzmann"`` (equilibrium at this temperature, off the
        target), a state index array (weighted by microstates), or a probability vector [S].
        """
        tau = self.first_passage_times(target, **kwargs)
        return float(self.start_distribution(start, target) @ tau)

    def start_distribution(self, start="uniform", target=None) -> np.ndarray:
        """A probability vector [S] for a named start (see :meth:`mean_first_passage`)."""
        off = ~self.target_mask(target) if target is not None else np.ones(self.n_states, dtype=bool)
        w = self.graph.weights.astype(np.float64)
        if isinstance(start, str):
            if start == "uniform":
                p = np.where(off, w, 0.0)
            elif start == "boltzmann":
                p = np.where(off, self.stationary, 0.0)
            else:
                raise ValueError(f"unknown start {start!r}; give 'uniform', 'boltzmann' or state indices")
        else:
            s = np.asarray(start)
            if s.dtype.kind == "f" and s.shape == (self.n_states,):
                p = s.astype(np.float64)
            else:
                p = np.zeros(self.n_states)
                idx = s.astype(np.int64).ravel()
                p[idx] = w[idx]
        total = p.sum()
        if not total > 0:
            raise ValueError("the start distribution is empty")
        return p / total

    def relaxation_rates(self, k=4, *, tol=1e-9) -> np.ndarray:
        """The ``k`` slowest nonzero relaxation rates ``1 - lambda_i`` (per move attempt), ascending.

        ARPACK (Lehoucq, Sorensen & Yang 1998) on the symmetrised matrix; cost about
        O(iterations x edges).  Dense for spaces under 2,000 states.
        """
        import scipy.sparse as sp
        import scipy.sparse.linalg as sla

        n = self.n_states
        k = int(min(k, n - 1))
        if k < 1:
            return np.zeros(0)
        ps, _ = self._symmetric()
        full = ps + sp.diags(1.0 - self.escape)
        if n < 2000:
            vals = np.linalg.eigvalsh(full.toarray())
        else:
            vals = sla.eigsh(full, k=k + 1, which="LA", tol=tol, maxiter=max(5000, 10 * n),
                             return_eigenvectors=False)
        vals = np.sort(vals)[::-1]
        return np.clip(1.0 - vals[1:k + 1], 0.0, None)

    def generator(self):
        """The rate matrix ``K = P - I`` (rows sum to zero), sparse CSR."""
        import scipy.sparse as sp

        return (self.transitions - sp.diags(self.escape)).tocsr()

    def populations(self, start, times) -> np.ndarray:
        """``p(t) = p(0) exp(t K)`` at each of ``times`` (move attempts), float64 [len(times), S].

        ``start`` as in :meth:`start_distribution` (a state index starts there).  Dense
        eigendecomposition under 2,000 states (any t); above, ``scipy.sparse.linalg.expm_multiply``
        (Al-Mohy & Higham 2011), whose cost grows like t_max x edges.
        """
        import scipy.sparse.linalg as sla

        times = np.asarray(times, dtype=np.float64)
        if np.any(times < 0) or not np.all(np.isfinite(times)):
            raise ValueError("times must be finite and non-negative")
        p0 = self.start_distribution(start)
        if self.n_states < 2000:
            ps, d = self._symmetric()
            sym_k = ps.toarray() - np.diag(self.escape)
            lam, vec = np.linalg.eigh(sym_k)
            c = vec.T @ (p0 / d)                         # p(t) = D V exp(t lam) V^T D^-1 p0
            out = (np.exp(np.outer(times, lam)) * c) @ vec.T * d
            return np.clip(out, 0.0, None)
        kt = self.generator().T.tocsr()
        order = np.argsort(times)
        out = np.empty((len(times), self.n_states))
        p, t_now = p0, 0.0
        for i in order:
            p = sla.expm_multiply(kt * (times[i] - t_now), p) if times[i] > t_now else p
            t_now = times[i]
            out[i] = p
        return np.clip(out, 0.0, None)


def master_equation(space, temperature, *, rule="metropolis", graph=None) -> MasterEquation:
    """The Metropolis (or Glauber) chain of a space's move set at ``temperature`` (k_B = 1).

    Parameters
    ----------
    space : hpfold.spaces.DiscreteSpace
        Any space with :meth:`state_graph` (HP chains with one move type, perceptrons, K-means,
        barriers files, your own :class:`~hpfold.spaces.KeySpace`).
    temperature : float
        Positive, or ``inf``.
    rule : {"metropolis", "glauber"}
    graph : StateGraph, optional
        Reuse a graph already built (it does not depend on the temperature).

    Examples
    --------
    >>> from hpfold.spaces import HPSpace
    >>> me = master_equation(HPSpace.from_sequence("HPPHPH"), 1.0)
    >>> me.n_states, round(float(me.stationary.sum()), 12)
    (36, 1.0)

    Notes
    -----
    Symmetry classes carry their orbit weights; the lumped chain is exact because the dynamics
    commutes with the symmetry group (Kemeny & Snell, *Finite Markov Chains*, 1960).  Cost: the
    state graph (O(S x slots)), then O(edges) to fill the matrix.
    """
    import scipy.sparse as sp

    temperature = float(temperature)
    if not temperature > 0:
        raise ValueError(f"temperature must be positive, got {temperature:g}")
    g = graph if graph is not None else space.state_graph()
    if not g.is_reversible(rtol=1e-9):
        raise ValueError("the move set is not reversible on this space (w_s q(s->t) != w_t q(t->s)); "
                         "the master equation would not relax to the Boltzmann distribution")
    e = g.energies.astype(np.float64)
    src = g.sources()
    p = g.proposal() * _acceptance(e[g.indices] - e[src], temperature, rule)
    n = g.n_states
    transitions = sp.csr_matrix((p, g.indices.astype(np.int64), g.indptr.astype(np.int64)), shape=(n, n))
    escape = np.asarray(transitions.sum(axis=1)).ravel()
    if np.isinf(temperature):
        logw = np.log(g.weights.astype(np.float64))
    else:
        logw = np.log(g.weights.astype(np.float64)) - e / temperature
    logw -= logw.max()
    logw -= np.log(np.exp(logw).sum())
    return MasterEquation(g, temperature, rule, transitions, escape, np.exp(logw), logw)
