"""Spaces by name, for the CLI and scripts: ``make_space("perceptron", n=20, alpha=0.6, seed=1)``."""
from __future__ import annotations

__all__ = ["SPACES", "make_space"]

#: name -> (what it is, the parameters it takes)
SPACES = {
    "hp": ("HP lattice chain (give a sequence)", ()),
    "perceptron": ("binary teacher-student perceptron, single weight flips", ("n", "alpha", "seed", "sample")),
    "kmeans": ("K-means partitions of Gaussian blobs, reassign one point", ("n", "k", "seed")),
}


def make_space(name, *, n=None, alpha=None, seed=None, sample=None, k=None, force=False):
    """Build a non-HP space by name (HP chains: :meth:`hpfold.spaces.HPSpace.from_sequence`).

    Parameters
    ----------
    name : {"perceptron", "kmeans"}
    n : int
        Weights (perceptron, default 16) or points (kmeans, default 10).
    alpha : float
        Patterns per weight (perceptron, default 0.6).
    seed : int
        Teacher and training set (perceptron) or points (kmeans); default 0.
    sample : int
        Training set of the same teacher (perceptron, default 0).
    k : int
        Clusters (kmeans, default 3).

    Examples
    --------
    >>> len(make_space("perceptron", n=8)), len(make_space("kmeans", n=6, k=2))
    (256, 32)
    """
    seed = 0 if seed is None else seed
    if name == "perceptron":
        if k is not None:
            raise ValueError("perceptron: --k applies to kmeans")
        from .perceptron import PerceptronSpace

        return PerceptronSpace(16 if n is None else n, 0.6 if alpha is None else alpha, seed,
                               sample=0 if sample is None else sample, force=force)
    if name == "kmeans":
        if alpha is not None or sample is not None:
            raise ValueError("kmeans: --alpha and --sample apply to the perceptron")
        from .kmeans import KMeansSpace

        return KMeansSpace(n_points=10 if n is None else n, k=3 if k is None else k, seed=seed)
    known = ", ".join(SPACES)
    raise ValueError(f"unknown space {name!r}; known spaces: {known}")
