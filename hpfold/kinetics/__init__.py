"""Folding kinetics on any space of the landscape core: master equation, basin rates, Markov models.

=============================  =================================================================
:func:`master_equation`         the Metropolis/Glauber chain over a whole state graph (sparse)
:func:`folding_curve`           MFPT against temperature and the optimal folding temperature
:func:`basin_kinetics`          rates between gradient basins or barrier-tree macrostates
:func:`graph_transformation`    exact MFPT between chosen states by eliminating the others
:func:`estimate_msm`            a reversible Markov state model from sampled trajectories
:func:`write_bar`, ...          treekin ``.bar``/rates and PATHSAMPLE ``min.data``/``ts.data``
=============================  =================================================================

Public names are imported lazily (nothing compiles at import).
"""
from .._lazy import lazy_exports

_LAZY = {
    "MasterEquation": "hpfold.kinetics.master",
    "master_equation": "hpfold.kinetics.master",
    "folding_curve": "hpfold.kinetics.temperature",
    "FoldingCurve": "hpfold.kinetics.temperature",
    "basin_kinetics": "hpfold.kinetics.basins",
    "BasinKinetics": "hpfold.kinetics.basins",
    "graph_transformation": "hpfold.kinetics.reduction",
    "estimate_msm": "hpfold.kinetics.msm",
    "MarkovModel": "hpfold.kinetics.msm",
    "msm_from_trajectory": "hpfold.kinetics.msm",
    "write_bar": "hpfold.kinetics.export",
    "write_rates": "hpfold.kinetics.export",
    "write_pathsample": "hpfold.kinetics.export",
}

__getattr__, __dir__, __all__ = lazy_exports(__name__, _LAZY, globals())
