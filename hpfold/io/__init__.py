"""hpfold's files: H5MD trajectories with checkpoints, enumeration results, and PDB export.

The HDF5 layout is specified in ``docs/file_format.md``.  Names are imported
lazily so that ``import hpfold.io`` stays cheap.
"""
from .._lazy import lazy_exports

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

__getattr__, __dir__, __all__ = lazy_exports(__name__, _LAZY, globals())
