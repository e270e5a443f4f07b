"""hpfold: HP lattice proteins — exact enumeration, sampling and energy landscapes.

Public names are imported lazily so that ``import hpfold`` stays fast and
compiles nothing.
"""
from ._lazy import lazy_exports

__version__ = "0.1.0"

_LAZY = {
    "Lattice": "hpfold.lattice",
    "get_lattice": "hpfold.lattice",
    "EnergyModel": "hpfold.sequence",
    "HP": "hpfold.sequence",
    "HPNX": "hpfold.sequence",
    "parse_sequence": "hpfold.sequence",
    "Conformation": "hpfold.conformation",
    "enumerate_conformations": "hpfold.enumerate",
    "EnumerationResult": "hpfold.enumerate",
    "load_trajectory": "hpfold.io.trajectory",
    "Trajectory": "hpfold.io.trajectory",
    "DensityOfStates": "hpfold.dos",
    "thermodynamics": "hpfold.thermo",
    "flatperm": "hpfold.perm",
    "npermis": "hpfold.perm",
    "wang_landau": "hpfold.wang_landau",
    "sample": "hpfold.sample",
    "neighbours": "hpfold.moves",
    "exact_landscape": "hpfold.landscape",
}

__getattr__, __dir__, __all__ = lazy_exports(__name__, _LAZY, globals(), extra=["__version__"])
