"""Measurements of the folding-funnel / loss-landscape analogy, on any flooded space.

- :func:`minima_growth`: number of local minima against system size;
- :func:`resampling_survival`: which minima of one landscape are still minima of another
  (a resampled training set, or a point mutation of a sequence);
- :func:`flatness_against_outcome`: walker endpoints against basin size, local entropy, test error.
"""
from __future__ import annotations

import numpy as np

__all__ = ["minima_growth", "resampling_survival", "flatness_against_outcome"]


def minima_growth(make_landscape, sizes, repeats=1) -> dict:
    """Mean number of local minima for each size, and the exponential rate ``log(minima) ~ a + b N``.

    Parameters
    ----------
    make_landscape : callable
        ``make_landscape(n, r) -> Landscape`` for instance ``r`` of size ``n``.
    sizes : list of int
    repeats : int
        Instances per size (the means are fitted).

    Returns
    -------
    dict
        ``sizes``, ``minima``, ``states``, ``rate`` (b, per unit of N) and ``growth`` (e^b).

    Examples
    --------
    >>> from hpfold.spaces import PerceptronSpace
    >>> from hpfold.landscape.core import flood
    >>> g = minima_growth(lambda n, r: flood(PerceptronSpace(n, 1.0, seed=r)), [6, 8, 10], repeats=2)
    >>> len(g["minima"])
    3

    Notes
    -----
    Fontanari & Koberle, J. Phys. France 51, 1403 (1990) report exponential growth of the
    binary perceptron's metastable states.  Cost: one flooding per size.
    """
    sizes = [int(n) for n in sizes]
    minima, states = [], []
    for n in sizes:
        found = [make_landscape(n, r) for r in range(int(repeats))]
        minima.append(float(np.mean([ls.n_minima for ls in found])))
        states.append(float(np.mean([ls.n_states for ls in found])))
    rate = float(np.polyfit(sizes, np.log(minima), 1)[0]) if len(sizes) > 1 else float("nan")
    return {"sizes": sizes, "minima": minima, "states": states, "rate": rate, "growth": float(np.exp(rate))}


def _minimum_keys(ls, key_of):
    """The set of (hashable) keys of every state on a minimum's plateau, and of the global minima."""
    on = np.nonzero(ls.minimum_of >= 0)[0]
    e0 = ls.energies.min()
    everything = {key_of(s) for s in on}
    ground = {key_of(s) for s in on if ls.energies[s] == e0}
    return everything, ground


def resampling_survival(reference, others, key_of=None) -> dict:
    """How many minima of ``reference`` are minima of each of ``others`` (same states, other energies).

    Parameters
    ----------
    reference : Landscape
    others : list of Landscape
        Landscapes over the same states (e.g. the same teacher with resampled training sets, or
        point mutants of an HP sequence).
    key_of : callable, optional
        ``key_of(landscape, state)`` naming a state across landscapes (default: ``label``).

    Returns
    -------
    dict
        ``survival`` (fraction of the reference's plateau states that are on a minimum's plateau
        in each other landscape), ``ground_survival`` (fraction of reference ground states still
        ground states), ``ground_jaccard`` (overlap of the ground-state sets).

    Examples
    --------
    >>> from hpfold.spaces import PerceptronSpace
    >>> from hpfold.landscape.core import flood
    >>> ref = flood(PerceptronSpace(10, 1.0, seed=2))
    >>> r = resampling_survival(ref, [ref])
    >>> r["survival"], r["ground_survival"]
    ([1.0], [1.0])
    """
    key_of = key_of or (lambda ls, s: ls.label(s))
    base, base_ground = _minimum_keys(reference, lambda s: key_of(reference, s))
    surv, gsurv, jac = [], [], []
    for other in others:
        mins, ground = _minimum_keys(other, lambda s: key_of(other, s))
        surv.append(len(base & mins) / len(base))
        gsurv.append(len(base_ground & ground) / len(base_ground))
        jac.append(len(base_ground & ground) / len(base_ground | ground))
    return {"survival": surv, "ground_survival": gsurv, "ground_jaccard": jac}


def flatness_against_outcome(properties, results) -> list:
    """Rows ``[dynamics, T, batch, mean E, mean log basin, mean local entropy, mean test error]`` per result,
    and a first row for the average over minima (every minimum counted once).

    ``properties`` is :func:`hpfold.landscape.minima.minimum_properties`'s table, ``results``
    :class:`~hpfold.landscape.dynamics.DynamicsResult` objects; the test-error column is NaN
    without a ``test_error`` column.
    """
    err = properties.get("test_error", np.full(len(properties["energy"]), np.nan))
    logb = np.log(properties["basin_size"].astype(np.float64))
    rows = [["every minimum once", None, None, float(np.mean(properties["energy"])), float(logb.mean()),
             float(np.mean(properties["local_entropy"])), float(np.mean(err))]]
    for r in results:
        rows.append([r.kind, r.temperature, r.batch, r.mean_of(properties["energy"]), r.mean_of(logb),
                     r.mean_of(properties["local_entropy"]), r.mean_of(err)])
    return rows
