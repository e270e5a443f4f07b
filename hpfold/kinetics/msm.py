"""Markov state models from trajectories: transition counts at a lag, a reversible estimate, timescales, MFPTs."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

__all__ = ["MarkovModel", "count_transitions", "reversible_transition_matrix", "estimate_msm",
           "bootstrap_errors", "implied_timescales", "assign_states", "msm_from_trajectory"]


def count_transitions(dtrajs, lag, n_states) -> np.ndarray:
    """Sliding-window transition counts ``C[i, j]`` = pairs (frame t in i, frame t + lag in j).

    ``dtrajs``: a list of int arrays (one per trajectory); frames with a negative label are skipped.
    """
    c = np.zeros((n_states, n_states))
    for d in dtrajs:
        d = np.asarray(d, dtype=np.int64)
        if len(d) <= lag:
            continue
        a, b = d[:-lag], d[lag:]
        ok = (a >= 0) & (b >= 0)
        np.add.at(c, (a[ok], b[ok]), 1.0)
    return c


def reversible_transition_matrix(counts, *, tol=1e-12, maxiter=100_000) -> np.ndarray:
    """Maximum-likelihood transition matrix under detailed balance (the fixed-point iteration).

    Iterates ``x_ij <- (c_ij + c_ji) / (c_i / x_i + c_j / x_j)`` on the symmetric flux matrix
    ``x`` with row sums ``x_i`` and count row sums ``c_i`` until it stops changing, then
    ``T_ij = x_ij / x_i`` (Prinz et al., J. Chem. Phys. 134, 174105, 2011, eq. 27).

    Examples
    --------
    >>> c = np.array([[90., 10.], [5., 95.]])
    >>> t = reversible_transition_matrix(c)
    >>> np.round(t, 4).tolist()
    [[0.9, 0.1], [0.05, 0.95]]
    """
    t, _ = _reversible_mle(counts, tol, maxiter)
    return t


def _reversible_mle(counts, tol=1e-12, maxiter=100_000):
    """``(T, pi)``: the iteration of :func:`reversible_transition_matrix` over the nonzero counts only."""
    c = np.asarray(counts, dtype=np.float64)
    cs = c + c.T
    i, j = np.nonzero(cs)
    vals = cs[i, j]
    ci = c.sum(axis=1)
    x = vals / vals.sum()
    k = len(c)
    for _ in range(maxiter):
        xi = np.bincount(i, weights=x, minlength=k)
        new = vals / (ci[i] / xi[i] + ci[j] / xi[j])
        new /= new.sum()
        done = np.abs(new - x).max() <= tol * new.max()
        x = new
        if done:
            break
    xi = np.bincount(i, weights=x, minlength=k)
    t = np.zeros((k, k))
    t[i, j] = x / xi[i]
    return t, xi / xi.sum()


def _largest_connected(counts):
    """States of the largest strongly connected set of the count graph."""
    import scipy.sparse as sp
    from scipy.sparse.csgraph import connected_components

    n, labels = connected_components(sp.csr_matrix(counts > 0), directed=True, connection="strong")
    sizes = np.bincount(labels, minlength=n)
    return np.nonzero(labels == np.argmax(sizes))[0]


@dataclass(eq=False)
class MarkovModel:
    """A reversible Markov state model at one lag time.

    Attributes
    ----------
    lag : int
        Lag in frames.
    frame_steps : float
        Move attempts per frame (timescales and MFPTs are reported in move attempts).
    states : int64 array [K]
        Labels of the active (largest strongly connected) set.
    counts, transition_matrix : float64 arrays [K, K]
    stationary : float64 array [K]
    errors : dict
        Standard deviations over bootstrap resamples of the trajectories (``timescales``, ``mfpt``),
        when estimated with ``bootstrap > 0``.
    """

    lag: int
    frame_steps: float
    states: np.ndarray
    counts: np.ndarray
    transition_matrix: np.ndarray
    stationary: np.ndarray
    errors: dict = field(default_factory=dict)
    dtrajs: list = field(default=None, repr=False)
    n_labels: int = 0

    def timescales(self, k=None) -> np.ndarray:
        """Implied timescales ``-lag / ln(lambda_i)`` (move attempts), slowest first."""
        d = np.sqrt(self.stationary)                  # reversible: D^1/2 T D^-1/2 is symmetric
        sym = d[:, None] * self.transition_matrix / d[None, :]
        lam = np.sort(np.linalg.eigvalsh(0.5 * (sym + sym.T)))[::-1][1:]
        lam = lam[:k] if k is not None else lam
        with np.errstate(divide="ignore"):
            ts = -self.lag * self.frame_steps / np.log(np.clip(lam, 1e-300, 1 - 1e-16))
        return np.where(lam > 0, ts, np.nan)

    def relaxation_rates(self, k=None) -> np.ndarray:
        """``1 / timescales``."""
        return 1.0 / self.timescales(k)

    def _local(self, labels):
        labels = np.atleast_1d(np.asarray(labels, dtype=np.int64))
        where = np.nonzero(np.isin(self.states, labels))[0]
        if len(where) == 0:
            raise ValueError(f"none of the states {labels.tolist()[:5]} is in the model's active set")
        return where

    def mean_first_passage(self, source, target) -> float:
        """MFPT (move attempts) from ``source`` labels (started in local equilibrium) into ``target``."""
        tgt = self._local(target)
        src = self._local(source)
        k = len(self.states)
        others = np.setdiff1d(np.arange(k), tgt)
        a = np.eye(len(others)) - self.transition_matrix[np.ix_(others, others)]
        m = np.zeros(k)
        m[others] = np.linalg.solve(a, np.full(len(others), self.lag * self.frame_steps))
        w = self.stationary[src]
        return float(w @ m[src] / w.sum())

    def to_dict(self) -> dict:
        return {"lag": self.lag, "frame_steps": self.frame_steps, "n_states": int(len(self.states)),
                "timescales": [float(t) for t in self.timescales(5)],
                "errors": {k: (v.tolist() if isinstance(v, np.ndarray) else v) for k, v in self.errors.items()}}


def estimate_msm(dtrajs, lag, *, frame_steps=1.0, n_states=None, bootstrap=0, seed=None,
                 source=None, target=None) -> MarkovModel:
    """A reversible MSM from discrete trajectories (lists of state labels).

    Parameters
    ----------
    dtrajs : list of int arrays
    lag : int
        Lag in frames (>= 1).
    frame_steps : float
        Move attempts between frames.
    bootstrap : int
        Resample the trajectories (or, for one trajectory, 10 contiguous blocks of it) this many
        times with replacement for error bars of the timescales (and of the MFPT ``source`` ->
        ``target`` when both are given).
    seed : int, optional

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> d = [np.cumsum(rng.random(5000) < 0.1) % 2]
    >>> m = estimate_msm(d, 1)
    >>> bool(abs(m.transition_matrix[0, 1] - 0.1) < 0.02)
    True

    Notes
    -----
    Counts by sliding windows; the estimator is the reversible maximum-likelihood one of Prinz
    et al. (2011), restricted to the largest strongly connected set.  Cost O(frames + K^2 x
    iterations).
    """
    lag = int(lag)
    if lag < 1:
        raise ValueError(f"lag must be at least 1 frame, got {lag}")
    dtrajs = [np.asarray(d, dtype=np.int64) for d in dtrajs]
    if n_states is None:
        n_states = int(max((d.max() for d in dtrajs if len(d)), default=-1)) + 1
    if n_states < 1:
        raise ValueError("the trajectories hold no frames")

    model = _fit(dtrajs, lag, n_states, frame_steps)
    if bootstrap > 0:
        bootstrap_errors(model, dtrajs, bootstrap, seed=seed, source=source, target=target)
    return model


def _fit(trajs, lag, n_states, frame_steps) -> MarkovModel:
    """The reversible MSM of ``trajs`` at ``lag`` on their largest strongly connected set."""
    c = count_transitions(trajs, lag, n_states)
    active = _largest_connected(c)
    cc = c[np.ix_(active, active)]
    if cc.sum() == 0:
        raise ValueError(f"no transitions at lag {lag}: the trajectories are too short")
    t, pi = _reversible_mle(cc)
    return MarkovModel(lag, float(frame_steps), active, cc, t, pi, n_labels=n_states)


def bootstrap_errors(model, dtrajs, n_resamples, *, seed=None, source=None, target=None) -> dict:
    """Fill ``model.errors`` with standard deviations over ``n_resamples`` bootstrap refits.

    Trajectories are resampled with replacement (one trajectory: 10 contiguous blocks of it);
    ``timescales`` always, ``mfpt`` when ``source`` and ``target`` are given.
    """
    rng = np.random.default_rng(seed)
    pieces = dtrajs if len(dtrajs) > 1 else np.array_split(dtrajs[0], 10)
    ts, mf = [], []
    for _ in range(int(n_resamples)):
        pick = [pieces[i] for i in rng.integers(0, len(pieces), len(pieces))]
        try:
            m = _fit(pick, model.lag, model.n_labels, model.frame_steps)
            ts.append(m.timescales(5)[:5])
            if source is not None and target is not None:
                mf.append(m.mean_first_passage(source, target))
        except (ValueError, np.linalg.LinAlgError):
            continue
    if ts:
        width = min(len(t) for t in ts)
        model.errors["timescales"] = np.std([t[:width] for t in ts], axis=0)
    if mf:
        model.errors["mfpt"] = float(np.std(mf))
    return model.errors


def implied_timescales(model, lags, k=3, bootstrap=10, seed=0) -> dict:
    """Implied timescales of MSMs of ``model.dtrajs`` at each lag (frames), with bootstrap errors.

    Returns ``{"lags": move attempts, "timescales": [len(lags), k], "errors": [len(lags), k]}``;
    a Markovian model gives timescales that do not change with the lag.
    """
    rows, errs = [], []
    for lag in lags:
        m = estimate_msm(model.dtrajs, int(lag), frame_steps=model.frame_steps, n_states=model.n_labels,
                         bootstrap=bootstrap, seed=seed)
        t = np.full(k, np.nan)
        got = m.timescales(k)
        t[:len(got)] = got
        e = np.full(k, np.nan)
        if "timescales" in m.errors:
            got_e = m.errors["timescales"][:k]
            e[:len(got_e)] = got_e
        rows.append(t)
        errs.append(e)
    return {"lags": [int(x) * model.frame_steps for x in lags], "timescales": np.array(rows), "errors": np.array(errs)}


def assign_states(positions, states, lattice) -> np.ndarray:
    """Exact state (symmetry class) of every frame: int64 [R, F], -1 where a frame is not indexed.

    ``states`` is a :class:`hpfold.landscape.StateIndex` (e.g. ``HPSpace.from_sequence(...).states``).
    """
    from ..landscape.sampled import positions_to_directions

    dirs = positions_to_directions(np.asarray(positions), lattice)
    shape = dirs.shape[:-1]
    flat = dirs.reshape(-1, dirs.shape[-1])
    from .._kernels import landscape as K

    keys = states.layout.canonical_keys(flat)
    return K.lookup_rows(states.table, keys, states.shift).astype(np.int64).reshape(shape)


def msm_from_trajectory(source, lag, *, assign="basin", bootstrap=20, seed=0, target=None, **quench):
    """An MSM of an hpfold trajectory file: frames assigned to basins (quench) or exact states.

    Parameters
    ----------
    source : path or hpfold.io.Trajectory
    lag : int
        Lag in frames.
    assign : {"basin", "state"}
        ``"basin"``: each frame's local minimum by steepest descent (the sampled-landscape quench);
        ``"state"``: its exact symmetry class (chains small enough to enumerate).
    target : optional
        Labels of the target (default: the lowest-energy basin seen); the MFPT is from every
        other active label, started in equilibrium.

    Returns
    -------
    (MarkovModel, dict)
        The model and a summary with ``mfpt`` (and its error), the labels' energies.
    """
    from ..io import load_trajectory

    traj = source if hasattr(source, "positions") else load_trajectory(source)
    steps = np.asarray(traj.steps, dtype=np.float64)
    frame_steps = float(np.median(np.diff(steps))) if len(steps) > 1 else 1.0
    if assign == "basin":
        from ..landscape.sampled import sampled_landscape

        sl = sampled_landscape(traj, tighten=False, **quench)
        labels = sl.frame_minimum
        energy = np.array([sl.graph.nodes[v]["energy"] for v in range(sl.n_minima)])
    elif assign == "state":
        from ..spaces import HPSpace

        space = HPSpace.from_sequence(traj.sequence, traj.lattice, traj.parameters.get("moves", "pull"))
        labels = assign_states(traj.positions, space.states, traj.lattice)
        energy = space.energies
    else:
        raise ValueError(f"unknown assignment {assign!r}; give 'basin' or 'state'")
    dtrajs = [np.asarray(r) for r in labels]
    n_states = int(labels.max()) + 1
    model = estimate_msm(dtrajs, lag, frame_steps=frame_steps, n_states=n_states)
    if len(model.states) < 2:
        raise ValueError(f"the trajectory stays in one {assign} at lag {lag} frames: nothing to model "
                         "(sample longer or hotter, or use --assign state)")
    if target is None:
        active_e = energy[model.states]
        target = model.states[active_e == active_e.min()]
    source = np.setdiff1d(model.states, np.atleast_1d(target))
    if bootstrap > 0:
        bootstrap_errors(model, dtrajs, bootstrap, seed=seed, source=source, target=target)
    model.dtrajs = dtrajs
    mfpt = model.mean_first_passage(source, target) if len(source) else 0.0
    return model, {"lag": int(lag), "frame_steps": frame_steps, "frames": int(labels.size),
                   "n_states": int(len(model.states)), "mfpt": mfpt, "mfpt_error": model.errors.get("mfpt"),
                   "timescales": [float(t) for t in model.timescales(5)],
                   "timescale_errors": [float(x) for x in model.errors.get("timescales", [])],
                   "target": [int(t) for t in np.atleast_1d(target)]}
