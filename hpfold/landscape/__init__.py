"""Energy landscapes of any discrete space (:mod:`hpfold.spaces`): exact barrier trees by flooding, sampled minima graphs, disconnectivity trees, funnel metrics.

Public names are imported lazily (nothing compiles at import).
"""
from importlib import import_module

_LAZY = {
    "flood": "hpfold.landscape.core",
    "Landscape": "hpfold.landscape.core",
    "minimum_properties": "hpfold.landscape.minima",
    "local_entropy": "hpfold.landscape.minima",
    "run_dynamics": "hpfold.landscape.dynamics",
    "exact_landscape": "hpfold.landscape.flooding",
    "flood_states": "hpfold.landscape.flooding",
    "ExactLandscape": "hpfold.landscape.flooding",
    "StateIndex": "hpfold.landscape.states",
    "parse_moves": "hpfold.landscape.states",
    "disconnectivity_tree": "hpfold.landscape.graph",
    "prune_tree": "hpfold.landscape.graph",
    "pairwise_saddles": "hpfold.landscape.graph",
    "tree_to_dict": "hpfold.landscape.graph",
    "tree_from_dict": "hpfold.landscape.graph",
    "write_tree": "hpfold.landscape.graph",
    "funnel_metrics": "hpfold.landscape.metrics",
    "FunnelMetrics": "hpfold.landscape.metrics",
    "sampled_landscape": "hpfold.landscape.sampled",
    "SampledLandscape": "hpfold.landscape.sampled",
    "write_landscape": "hpfold.landscape.h5",
    "read_landscape": "hpfold.landscape.h5",
}

__all__ = list(_LAZY)


def __getattr__(name):
    if name in _LAZY:
        value = getattr(import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'hpfold.landscape' has no attribute {name!r}")


def __dir__():
    return sorted(__all__)
