"""Plots (matplotlib only): every function draws on the caller's ``ax`` (or a new one) and returns it.

Submodules are imported lazily so that ``import hpfold.plot`` does not import matplotlib.
"""
from .._lazy import lazy_exports

_LAZY = {
    "plot_disconnectivity": "hpfold.plot.disconnectivity",
    "tree_layout": "hpfold.plot.disconnectivity",
}

__getattr__, __dir__, __all__ = lazy_exports(__name__, _LAZY, globals())
