"""Lazy public names for packages: nothing heavy (numba kernels, h5py, matplotlib) loads at import."""
from __future__ import annotations

from importlib import import_module


def lazy_exports(package: str, table: dict, namespace: dict, extra=()):
    """``(__getattr__, __dir__, __all__)`` for a package whose public names live in submodules.

    ``table`` maps each public name to the module that defines it; the first access imports that
    module and caches the value in ``namespace`` (the package's ``globals()``).

    Examples
    --------
    >>> ga, di, names = lazy_exports("demo", {"sqrt": "math"}, {})
    >>> ga("sqrt")(4.0), names
    (2.0, ['sqrt'])
    """
    names = [*extra, *table]

    def __getattr__(name):
        if name in table:
            value = getattr(import_module(table[name]), name)
            namespace[name] = value
            return value
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    def __dir__():
        return sorted(names)

    return __getattr__, __dir__, names
