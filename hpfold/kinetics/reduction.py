"""Graph transformation: exact mean first-passage times between chosen states by eliminating the rest."""
from __future__ import annotations

import numpy as np

from .master import MasterEquation

__all__ = ["graph_transformation", "reduce_network"]

#: largest number of eliminated states (a dense block of this size is factorised: 6,000 -> 290 MB)
MAX_ELIMINATED = 6_000


def reduce_network(p, tau, keep):
    """Branching probabilities and waiting times of the network left after removing every state not in ``keep``.

    Removing one state x turns each path i -> x -> j into i -> j with probability
    ``P_ix P_xj / (1 - P_xx)`` and adds ``P_ix tau_x / (1 - P_xx)`` to ``tau_i``; removing a whole
    set I at once gives the same result (the Schur complement):
    ``P'_KK = P_KK + P_KI (1 - P_II)^-1 P_IK``, ``tau'_K = tau_K + P_KI (1 - P_II)^-1 tau_I``.

    Parameters
    ----------
    p : dense float array [S, S]
        One-step probabilities (self-loops included; rows of absorbing states zero).
    tau : float array [S]
        Mean time of one step from each state.
    keep : int array
        States kept, in the order of the result.
    """
    import scipy.linalg as sl

    keep = np.asarray(keep, dtype=np.int64)
    gone = np.setdiff1d(np.arange(len(p)), keep)
    if len(gone) == 0:
        return p[np.ix_(keep, keep)].copy(), tau[keep].copy()
    a = np.eye(len(gone)) - p[np.ix_(gone, gone)]
    rhs = np.concatenate([p[np.ix_(gone, keep)], tau[gone][:, None]], axis=1)
    z = sl.lu_solve(sl.lu_factor(a, check_finite=False), rhs, check_finite=False)
    p_ki = p[np.ix_(keep, gone)]
    reduced = p[np.ix_(keep, keep)] + p_ki @ z[:, :-1]
    return reduced, tau[keep] + p_ki @ z[:, -1]


def graph_transformation(me: MasterEquation, source, target) -> float:
    """MFPT (move attempts) from ``source`` states, started in local equilibrium, to the ``target`` set.

    Every state outside ``source`` and ``target`` is removed exactly (Trygubenko & Wales 2006),
    as one block (:func:`reduce_network`); the small system left over the sources is solved directly.

    Parameters
    ----------
    me : MasterEquation
    source, target : int arrays or boolean masks [S]
        Disjoint sets of states, e.g. two gradient basins (``np.nonzero(ls.basin == m)[0]``).

    Examples
    --------
    >>> from hpfold.spaces import HPSpace
    >>> from hpfold.kinetics import master_equation
    >>> me = master_equation(HPSpace.from_sequence("HPPHPH"), 0.5)
    >>> t = graph_transformation(me, [5], [0])
    >>> bool(abs(t - me.first_passage_times([0])[5]) < 1e-8 * t)
    True

    Notes
    -----
    S. A. Trygubenko & D. J. Wales, J. Chem. Phys. 124, 234110 (2006).  Exact; the landscapes'
    state graphs fill in when eliminated node by node (740 HP classes already cost seconds in
    pure Python), so the removal is one dense LU: O(I^3) time and O(I^2) memory for I removed
    states, at most :data:`MAX_ELIMINATED`.
    """
    n = me.n_states
    src = np.nonzero(me.target_mask(source))[0]
    tgt = np.nonzero(me.target_mask(target))[0]
    if np.isin(src, tgt).any():
        raise ValueError("source and target states overlap")
    if n - len(src) - len(tgt) > MAX_ELIMINATED:
        raise ValueError(f"graph transformation would eliminate {n - len(src) - len(tgt):,} states (dense; at most "
                         f"{MAX_ELIMINATED:,}); use MasterEquation.first_passage_times")
    p = me.transitions.toarray()
    p[np.diag_indices_from(p)] = 1.0 - me.escape
    p[tgt] = 0.0                                   # absorbing: nothing leaves the target
    tau = np.ones(n)
    tau[tgt] = 0.0
    reduced, t_red = reduce_network(p, tau, np.concatenate([src, tgt]))
    k = len(src)
    # over the sources: m = tau' + P'_SS m  (a step into the target ends the walk)
    m = np.linalg.solve(np.eye(k) - reduced[:k, :k], t_red[:k])
    w = me.stationary[src]
    if not w.sum() > 0:
        w = np.ones(k)
    return float(w @ m / w.sum())
