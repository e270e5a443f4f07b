"""Funnel metrics of a disconnectivity tree: minima, drainage, barriers and a Wales-style shape class."""
from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field

import networkx as nx
import numpy as np

__all__ = ["FunnelMetrics", "funnel_metrics", "classify_shape"]

#: below this fraction of minima draining straight into the global minimum's branch, the tree is a banyan
FUNNELLED_MIN = 0.5
#: above this median ratio of downhill barrier to energy gained, a funnel is a willow rather than a palm
DOWNHILL_RATIO_MAX = 1.0


@dataclass
class FunnelMetrics:
    """Funnel metrics; see ``docs/landscape.md`` for definitions and sources.

    Attributes
    ----------
    n_minima : int
    n_global : int
        Minima at the lowest energy.
    global_energy : float
    n_components : int
        Components of the minima graph (1 unless the move set splits the space).
    drain_fraction : float or None
        Fraction of all conformations (orbit-weighted) whose steepest descent ends in a global
        minimum; None without ``basin_weight`` on the minima.
    drain_fraction_classes : float or None
        The same counted in symmetry classes (``basin_size``).
    barrier_to_global : dict
        ``{minimum: saddle to the nearest global minimum - energy}`` for every non-global minimum
        in a global minimum's component.
    barrier_to_lower : dict
        ``{minimum: saddle to a strictly lower minimum - energy}``.
    funnelled_fraction : float
        Fraction of non-global minima whose first downhill merge already joins a global minimum.
    downhill_ratio : float
        Median over non-global minima of (barrier to a lower minimum) / (energy gained there).
    classification : str
        ``"palm tree"``, ``"willow tree"``, ``"banyan tree"`` or ``"single minimum"``.
    """

    n_minima: int
    n_global: int
    global_energy: float
    n_components: int
    drain_fraction: float | None
    drain_fraction_classes: float | None
    barrier_to_global: dict = field(repr=False)
    barrier_to_lower: dict = field(repr=False)
    funnelled_fraction: float = math.nan
    downhill_ratio: float = math.nan
    classification: str = ""

    def barrier_histogram(self) -> dict:
        """``{barrier: number of minima}`` of the barriers to the global minimum."""
        return dict(sorted(Counter(self.barrier_to_global.values()).items()))

    def to_dict(self) -> dict:
        """JSON-ready summary (barrier distribution as a histogram)."""
        return {
            "n_minima": self.n_minima,
            "n_global": self.n_global,
            "global_energy": _num(self.global_energy),
            "n_components": self.n_components,
            "drain_fraction": self.drain_fraction,
            "drain_fraction_classes": self.drain_fraction_classes,
            "barrier_to_global_histogram": [[_num(b), c] for b, c in self.barrier_histogram().items()],
            "mean_barrier_to_global": (float(np.mean(list(self.barrier_to_global.values())))
                                       if self.barrier_to_global else None),
            "funnelled_fraction": None if math.isnan(self.funnelled_fraction) else self.funnelled_fraction,
            "downhill_ratio": None if math.isnan(self.downhill_ratio) else self.downhill_ratio,
            "classification": self.classification,
        }


def funnel_metrics(landscape) -> FunnelMetrics:
    """Funnel metrics of a landscape, a graph of minima or a disconnectivity tree.

    Parameters
    ----------
    landscape : ExactLandscape, networkx.Graph or networkx.DiGraph
        Anything with ``to_graph()``, a graph of minima (``energy`` on nodes, ``saddle`` on
        edges; ``basin_weight`` / ``basin_size`` on nodes for the drainage fractions), or a tree
        from :func:`~hpfold.landscape.graph.disconnectivity_tree`.

    Returns
    -------
    FunnelMetrics

    Examples
    --------
    >>> import networkx as nx
    >>> g = nx.Graph()
    >>> g.add_nodes_from([(0, {"energy": -4}), (1, {"energy": -2}), (2, {"energy": -1})])
    >>> g.add_edge(0, 1, saddle=-1); g.add_edge(1, 2, saddle=0)
    >>> m = funnel_metrics(g)
    >>> m.barrier_to_global, m.classification
    ({1: 1, 2: 1}, 'palm tree')

    Notes
    -----
    Shapes after the palm tree / willow tree / banyan tree archetypes of Wales, Miller &
    Walsh, Nature 394, 758 (1998) and D. J. Wales, *Energy Landscapes* (Cambridge, 2003); the
    numerical criteria are hpfold's (see ``docs/landscape.md``).  Cost: O(M h) for M minima
    and a tree of height h.
    """
    from .graph import disconnectivity_tree

    if isinstance(landscape, nx.DiGraph):
        tree = landscape
    elif isinstance(landscape, nx.Graph):
        tree = disconnectivity_tree(landscape)
    elif hasattr(landscape, "to_graph"):
        tree = disconnectivity_tree(landscape.to_graph())
    else:
        raise ValueError(f"funnel metrics: cannot use a {type(landscape).__name__}")
    leaves = sorted(v for v in tree.nodes if tree.out_degree(v) == 0)
    if not leaves:
        raise ValueError("funnel metrics: no minima")
    energy = {v: float(tree.nodes[v]["energy"]) for v in leaves}
    key = {v: tree.nodes[v].get("minimum", v) for v in leaves}
    e_g = min(energy.values())
    global_leaves = [v for v in leaves if energy[v] == e_g]
    parent = {v: next(iter(tree.predecessors(v)), None) for v in tree.nodes}
    low = _subtree_minimum(tree)
    holds_global = _holds(tree, set(global_leaves))

    to_global, to_lower, gain = {}, {}, {}
    for v in leaves:
        p = parent[v]
        first_lower = None
        first_global = None
        while p is not None:
            if first_lower is None and low[p] < energy[v]:
                first_lower = p
            if holds_global[p]:
                first_global = p
                break
            p = parent[p]
        if first_lower is not None:
            to_lower[key[v]] = _num(tree.nodes[first_lower]["saddle"] - energy[v])
            gain[key[v]] = energy[v] - low[first_lower]
        if energy[v] > e_g and first_global is not None:
            to_global[key[v]] = _num(tree.nodes[first_global]["saddle"] - energy[v])
    connected = [v for v in leaves if energy[v] > e_g and key[v] in to_global]
    if connected:
        funnelled = float(np.mean([to_global[key[v]] == to_lower.get(key[v]) for v in connected]))
        ratios = [to_lower[key[v]] / gain[key[v]] for v in connected if key[v] in to_lower]
        downhill = float(np.median(ratios)) if ratios else math.nan
    else:
        funnelled, downhill = math.nan, math.nan
    drain = _drain(tree, leaves, global_leaves, "basin_weight")
    drain_classes = _drain(tree, leaves, global_leaves, "basin_size")
    n_components = int(tree.graph.get("n_components", sum(1 for v in tree.nodes if tree.in_degree(v) == 0)))
    return FunnelMetrics(len(leaves), len(global_leaves), _num(e_g), n_components, drain, drain_classes,
                         to_global, to_lower, funnelled, downhill,
                         classify_shape(len(leaves), funnelled, downhill))


def classify_shape(n_minima, funnelled_fraction, downhill_ratio) -> str:
    """hpfold's palm / willow / banyan rule (see ``docs/landscape.md``)."""
    if n_minima <= 1:
        return "single minimum"
    if math.isnan(funnelled_fraction):
        return "banyan tree"  # no non-global minimum reaches a global minimum: separate funnels only
    if funnelled_fraction < FUNNELLED_MIN:
        return "banyan tree"
    if math.isnan(downhill_ratio) or downhill_ratio <= DOWNHILL_RATIO_MAX:
        return "palm tree"
    return "willow tree"


def _subtree_minimum(tree):
    low = {}
    for v in reversed(list(nx.topological_sort(tree))):
        kids = list(tree.successors(v))
        low[v] = float(tree.nodes[v]["energy"]) if not kids else min(low[c] for c in kids)
    return low


def _holds(tree, targets):
    out = {}
    for v in reversed(list(nx.topological_sort(tree))):
        kids = list(tree.successors(v))
        out[v] = (v in targets) if not kids else any(out[c] for c in kids)
    return out


def _drain(tree, leaves, global_leaves, attr):
    values = [tree.nodes[v].get(attr) for v in leaves]
    if any(x is None for x in values):
        return None
    total = float(sum(values))
    if total <= 0:
        return None
    return float(sum(tree.nodes[v][attr] for v in global_leaves)) / total


def _num(x):
    x = float(x)
    return int(x) if x.is_integer() else x
