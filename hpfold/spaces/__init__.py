"""State spaces for the landscape core and the kinetics: HP chains and any other discrete space.

A space gives energies sorted ascending, weights (microstates per state) and a neighbour pass
(see :mod:`hpfold.spaces.base`).  Public names are imported lazily (nothing compiles at import).

=================  ==========================================================
:class:`HPSpace`    symmetry classes of an HP chain's conformations (a move set)
:class:`KeySpace`   states as uint64 keys, neighbours from a numba function
:class:`GraphSpace` an explicit neighbour list (e.g. :func:`read_barriers_file`)
:class:`PerceptronSpace` the binary teacher-student perceptron (weight flips)
:class:`KMeansSpace` K-means partitions of a point set (reassign one point)
=================  ==========================================================
"""
from .._lazy import lazy_exports

_LAZY = {
    "DiscreteSpace": "hpfold.spaces.base",
    "KeySpace": "hpfold.spaces.base",
    "GraphSpace": "hpfold.spaces.base",
    "StateGraph": "hpfold.spaces.base",
    "HPSpace": "hpfold.spaces.hp",
    "PerceptronSpace": "hpfold.spaces.perceptron",
    "KMeansSpace": "hpfold.spaces.kmeans",
    "read_barriers_file": "hpfold.spaces.from_file",
    "space_from_file": "hpfold.spaces.from_file",
}

__getattr__, __dir__, __all__ = lazy_exports(__name__, _LAZY, globals())
