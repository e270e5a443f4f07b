"""Per-minimum properties: depth, width (basin, plateau), flatness (local entropy), and generalisation."""
from __future__ import annotations

import numpy as np

__all__ = ["minimum_properties", "local_entropy"]


def local_entropy(landscape, radius=2, delta=0.0, states=None) -> np.ndarray:
    """``log`` of the number of states within ``radius`` moves of each minimum with energy ``<= E_min + delta``.

    Parameters
    ----------
    landscape : Landscape
        With its ``space`` (the neighbour relation is walked again).
    radius : int
        Moves (the Hamming distance for single-flip spaces such as the perceptron).
    delta : float
        Energy allowance above the minimum.
    states : int array, optional
        Centres (default: the representative state of every minimum).

    Returns
    -------
    float64 array
        Natural log of the count (the centre itself counts, so it is >= 0).

    Examples
    --------
    >>> from hpfold.spaces import PerceptronSpace
    >>> from hpfold.landscape.core import flood
    >>> ls = flood(PerceptronSpace(10, 0.6, seed=1))
    >>> local_entropy(ls, radius=1).round(3).tolist()
    [1.099, 0.0]

    Notes
    -----
    The local entropy of Baldassi, Ingrosso, Lucibello, Saglietti & Zecchina, PRL 115, 128101
    (2015), counted exactly at zero temperature: wide flat minima have many low states nearby.
    Cost: O(M |ball| k) for M minima and k moves per state.
    """
    if landscape.space is None:
        raise ValueError("local entropy: the landscape has no space (read from a file?); flood the space again")
    if int(radius) < 0:
        raise ValueError(f"local entropy: radius must be >= 0, got {radius}")
    centres = landscape.minimum_state if states is None else np.asarray(states, dtype=np.int64)
    thresholds = landscape.energies[centres].astype(np.float64) + float(delta)
    counts = landscape.space.ball_counts(centres, thresholds, int(radius))
    return np.log(counts[:, 0].astype(np.float64))


def minimum_properties(landscape, radius=2, delta=0.0, temperature=None) -> dict:
    """A table (dict of equal-length arrays) of every minimum of a landscape.

    Columns: ``energy``, ``plateau_size``, ``basin_size``, ``basin_weight``, ``basin_p``
    (equilibrium probability of the basin at ``temperature``), ``barrier`` (NaN = global),
    ``local_entropy`` (see :func:`local_entropy`) and, when the space has a ``test_error``
    (the perceptron), ``test_error`` of the minimum's representative and ``plateau_test_error``
    (mean over its plateau).

    Examples
    --------
    >>> from hpfold.spaces import PerceptronSpace
    >>> from hpfold.landscape.core import flood
    >>> table = minimum_properties(flood(PerceptronSpace(10, 0.6, seed=1)))
    >>> sorted(table), table["energy"].tolist()  # doctest: +NORMALIZE_WHITESPACE
    (['barrier', 'basin_p', 'basin_size', 'basin_weight', 'energy', 'local_entropy', 'plateau_size',
      'plateau_test_error', 'test_error'], [0, 2])
    """
    ls = landscape
    out = {"energy": ls.minimum_energy, "plateau_size": ls.plateau_size, "basin_size": ls.basin_size,
           "basin_weight": ls.basin_weight, "basin_p": ls.basin_probability(temperature), "barrier": ls.barrier}
    out["local_entropy"] = local_entropy(ls, radius, delta) if ls.space is not None else np.full(ls.n_minima, np.nan)
    space = ls.space
    if space is not None and hasattr(space, "test_error"):
        out["test_error"] = space.test_error(ls.minimum_state)
        on = ls.minimum_of >= 0
        err = space.test_error(np.nonzero(on)[0])
        sums = np.bincount(ls.minimum_of[on], weights=err, minlength=ls.n_minima)
        out["plateau_test_error"] = sums / np.maximum(ls.plateau_size, 1)
    return out
