"""Energy landscapes of any discrete space (:mod:`hpfold.spaces`): exact barrier trees by flooding, sampled minima graphs, disconnectivity trees, funnel metrics.

Public names are imported lazily (nothing compiles at import).
"""
from .._lazy import lazy_exports

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

__getattr__, __dir__, __all__ = lazy_exports(__name__, _LAZY, globals())
