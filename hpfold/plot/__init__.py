"""Plots (matplotlib only): every function draws on the caller's ``ax`` (or a new one) and returns it.

Submodules are imported lazily so that ``import hpfold.plot`` does not import matplotlib.
"""
from importlib import import_module

_LAZY = {
    "plot_disconnectivity": "hpfold.plot.disconnectivity",
    "tree_layout": "hpfold.plot.disconnectivity",
}

__all__ = list(_LAZY)


def __getattr__(name):
    if name in _LAZY:
        value = getattr(import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'hpfold.plot' has no attribute {name!r}")


def __dir__():
    return sorted(__all__)
