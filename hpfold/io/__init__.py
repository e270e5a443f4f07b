"""hpfold's files: H5MD trajectories with checkpoints, enumeration results, and PDB export.

The HDF5 layout is specified in ``docs/file_format.md``.  Names are imported
lazily so that ``import hpfold.io`` stays cheap.
"""
from importlib import import_module

_LAZY = {
    "Trajectory": "hpfold.io.trajectory",
    "TrajectoryWriter": "hpfold.io.trajectory",
    "TrajectoryWriteError": "hpfold.io.trajectory",
    "load_trajectory": "hpfold.io.trajectory",
    "write_enumeration": "hpfold.io.enumeration",
    "read_enumeration": "hpfold.io.enumeration",
    "describe_file": "hpfold.io.summary",
    "write_pdb": "hpfold.io.pdb",
    "format_pdb": "hpfold.io.pdb",
}

__all__ = list(_LAZY)


def __getattr__(name):
    if name in _LAZY:
        value = getattr(import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'hpfold.io' has no attribute {name!r}")


def __dir__():
    return sorted(__all__)
