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
from importlib import import_module

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

__all__ = list(_LAZY)


def __getattr__(name):
    if name in _LAZY:
        value = getattr(import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'hpfold.spaces' has no attribute {name!r}")


def __dir__():
    return sorted(__all__)
