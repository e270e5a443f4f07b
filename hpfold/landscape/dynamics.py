"""Dynamics that stand for training: Metropolis (a thermostat), zero-temperature descent, mini-batch descent.

Each walker starts at a uniformly random microstate and makes single moves; where it ends is
mapped to the gradient basin of the landscape (the minimum its steepest descent reaches), so
that the minima the dynamics find can be set against their depth, width, flatness and (for
the perceptron) test error.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

__all__ = ["DYNAMICS", "run_dynamics", "DynamicsResult"]

#: kinds of dynamics; "minibatch" needs a space with training patterns (the perceptron)
DYNAMICS = ("metropolis", "descent", "minibatch")


@dataclass
class DynamicsResult:
    """Where the walkers of one dynamics ended.

    Attributes
    ----------
    kind : str
    temperature : float
    steps : int
        Moves attempted per walker.
    batch : int or None
    end_state : int64 array [W]
        Final state of each walker.
    end_minimum : int64 array [W]
        The minimum whose gradient basin holds it.
    """

    kind: str
    temperature: float
    steps: int
    batch: int | None
    end_state: np.ndarray = field(repr=False)
    end_minimum: np.ndarray = field(repr=False)

    def occupancy(self, n_minima) -> np.ndarray:
        """Fraction of walkers ending in each minimum's basin."""
        return np.bincount(self.end_minimum, minlength=n_minima) / len(self.end_minimum)

    def mean_of(self, per_minimum) -> float:
        """Walker average of a per-minimum property (basin size, local entropy, test error, ...)."""
        return float(np.mean(np.asarray(per_minimum)[self.end_minimum]))


def run_dynamics(landscape, kind="descent", *, temperature=0.0, steps=None, n_walkers=200, batch=None, seed=0):
    """Run independent walkers of one dynamics on a flooded space.

    Parameters
    ----------
    landscape : Landscape
        From :func:`hpfold.landscape.core.flood` (its ``space`` is walked).
    kind : {"metropolis", "descent", "minibatch"}
        ``metropolis``: accept with ``min(1, exp(-dE / T))``; ``descent``: T = 0, accept iff
        ``dE <= 0`` (plateau moves allowed); ``minibatch``: the perceptron's flips accepted by the
        energy change on ``batch`` patterns drawn afresh each step (the noise of SGD), at
        ``temperature`` (0: accept iff the mini-batch loss does not rise).
    temperature : float
    steps : int, optional
        Moves attempted per walker (default ``max(2000, 20 * max_neighbours)``: twenty sweeps).
    n_walkers : int
    batch : int, optional
        Mini-batch size (``minibatch``; default a quarter of the patterns, at least 1).
    seed : int
        Walker r uses the r-th child of ``SeedSequence(seed)``: the result does not depend on
        threads or on how many other walkers run.

    Returns
    -------
    DynamicsResult

    Examples
    --------
    >>> from hpfold.spaces import PerceptronSpace
    >>> from hpfold.landscape.core import flood
    >>> ls = flood(PerceptronSpace(10, 0.6, seed=1))
    >>> r = run_dynamics(ls, "descent", n_walkers=50, seed=3)
    >>> float(r.occupancy(ls.n_minima).sum())
    1.0

    Notes
    -----
    Metropolis, Rosenbluth, Rosenbluth, Teller & Teller, J. Chem. Phys. 21, 1087 (1953); the
    mini-batch acceptance mimics the gradient noise of SGD (Keskar et al., ICLR 2017).  Cost:
    O(W steps k) for W walkers (k = batch for mini-batches).
    """
    from .._kernels.rng import seed_state

    space = landscape.space
    if space is None:
        raise ValueError("dynamics: the landscape has no space to walk")
    if kind not in DYNAMICS:
        raise ValueError(f"dynamics: unknown kind {kind!r}; use one of {', '.join(DYNAMICS)}")
    temperature = float(temperature)
    if kind == "metropolis" and not temperature > 0:
        raise ValueError("dynamics: metropolis needs a positive temperature")
    if kind == "descent":
        temperature = 0.0
    if not temperature >= 0:
        raise ValueError(f"dynamics: temperature must be >= 0, got {temperature}")
    n_walkers = int(n_walkers)
    if n_walkers < 1:
        raise ValueError("dynamics: n_walkers must be at least 1")
    steps = max(2000, 20 * int(space.max_neighbours)) if steps is None else int(steps)
    if steps < 0:
        raise ValueError("dynamics: steps must be >= 0")
    children = np.random.SeedSequence(int(seed)).spawn(n_walkers + 1)
    seeds = np.stack([seed_state(c) for c in children[1:]])
    starts = _random_starts(landscape, n_walkers, np.random.default_rng(children[0]))
    if kind == "minibatch":
        end = _minibatch(space, starts, temperature, steps, batch, seeds)
    else:
        batch = None
        end = _walk(space, starts, temperature, steps, seeds)
    return DynamicsResult(kind, temperature, steps, batch, end, landscape.basin[end])


def _random_starts(ls, n, rng):
    """States drawn with probability proportional to their weight (a uniformly random microstate)."""
    p = ls.weights / ls.weights.sum()
    return rng.choice(ls.n_states, size=n, p=p).astype(np.int64)


def _walk(space, starts, temperature, steps, seeds):
    from .._kernels import walk as W

    energies = space.energies.astype(np.float64)
    if hasattr(space, "keys") and hasattr(space, "neighbours"):
        return W.key_walk(space.neighbours, space.params, space.max_neighbours, space.keys, space.rank, space.table,
                          space.shift, energies, starts, temperature, steps, seeds)
    g = space.state_graph()
    return W.graph_walk(g.indptr, g.indices, g.multiplicity, g.n_slots, energies, starts, temperature, steps, seeds)


def _minibatch(space, starts, temperature, steps, batch, seeds):
    from .._kernels import perceptron as KP

    if not hasattr(space, "patterns"):
        raise ValueError(f"dynamics: minibatch needs training patterns; the {space.name} space has none")
    p = space.n_patterns
    batch = max(1, p // 4) if batch is None else int(batch)
    if not 1 <= batch <= p:
        raise ValueError(f"dynamics: batch must be between 1 and the {p} patterns, got {batch}")
    keys = KP.minibatch_descent(space.patterns, space.labels, space.keys[starts], batch, steps, temperature, seeds)
    return space.rank[keys.astype(np.int64)]
