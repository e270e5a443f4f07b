"""Disconnectivity trees from a plain networkx graph of minima and saddles.

The graph is the interface: nodes are minima with an ``energy`` attribute, edges
carry a ``saddle`` energy (the highest energy on the best known path between the
two minima).  Any other node attributes (``size``, ``conformation``, ``q``, ...)
are copied onto the tree's leaves.  The tree is built Kruskal-style: edges in
order of rising saddle join components with union-find, and every component
formed at one level becomes one merge node, however many children it has.
"""
from __future__ import annotations

import json
import math
from numbers import Integral, Real

import networkx as nx
import numpy as np

__all__ = ["disconnectivity_tree", "tree_to_dict", "tree_from_dict", "write_tree", "prune_tree", "leaves_below",
           "tree_roots", "pairwise_saddles"]


def disconnectivity_tree(graph, levels=None) -> nx.DiGraph:
    """Build the disconnectivity (barrier) tree of a graph of minima.

    Parameters
    ----------
    graph : networkx.Graph
        Nodes are minima with attribute ``energy``; edges carry ``saddle``.  Several edges
        between the same pair are allowed in a MultiGraph (the lowest saddle counts).
    levels : None, int or sequence of float, optional
        ``None``: exact levels, one per distinct saddle energy.  An int ``k`` or a sequence of
        thresholds: saddles are binned to the first threshold at or above them (``k`` levels
        spread evenly from the lowest minimum to the highest saddle) and minima merging in one
        bin form one node; saddles above the last threshold are ignored.

    Returns
    -------
    networkx.DiGraph
        Edges point from a merge node to its children.  Leaves ``0 .. M-1`` are the minima in
        order of (energy, graph order) with ``kind="minimum"``, ``energy``, ``minimum`` (the graph's
        node id) and copies of the graph's node attributes.  Merge nodes ``M, M+1, ...`` (in order
        of rising level) have ``kind="merge"``, ``saddle`` (the highest saddle merged there),
        ``level`` (the threshold below which their children are disconnected), ``energy``
        (= ``saddle``), ``n_minima`` and ``min_energy`` below them.  With integer energies and
        ``levels=None`` a merge at saddle ``s`` has ``level = s + 0.5``: levels sit between integer
        energies, so every minimum below a level is strictly below it.  Graph attributes:
        ``n_components`` (roots; above 1 the tree is a forest), ``roots``, ``integer``,
        ``binned``, and the source graph's attributes.

    Raises
    ------
    ValueError
        On an empty graph, a node without ``energy``, an edge without ``saddle``, a saddle
        below the energy of one of its minima, or a non-finite value.

    Examples
    --------
    >>> g = nx.Graph()
    >>> g.add_nodes_from([("a", {"energy": -3}), ("b", {"energy": -2}), ("c", {"energy": -1})])
    >>> g.add_edge("a", "b", saddle=0); g.add_edge("b", "c", saddle=0)
    >>> t = disconnectivity_tree(g)
    >>> t.nodes[3]["saddle"], sorted(t.successors(3)), t.graph["n_components"]
    (0, [0, 1, 2], 1)

    Notes
    -----
    Kruskal's minimum-spanning-tree order with union-find, as in the disconnectivity graphs of
    Becker & Karplus, J. Chem. Phys. 106, 1495 (1997) and Wales, Miller & Walsh, Nature 394,
    758 (1998).  Cost: O(E log E) for E edges.
    """
    if not isinstance(graph, nx.Graph):
        raise ValueError(f"disconnectivity tree: expected a networkx Graph, got {type(graph).__name__}")
    if graph.number_of_nodes() == 0:
        raise ValueError("disconnectivity tree: the graph is empty (no minima)")
    nodes = list(graph.nodes)
    energy = []
    for v in nodes:
        e = graph.nodes[v].get("energy")
        if e is None:
            raise ValueError(f"disconnectivity tree: node {v!r} has no 'energy' attribute")
        energy.append(_finite(e, f"energy of node {v!r}"))
    order = sorted(range(len(nodes)), key=lambda i: (energy[i], i))
    leaf_of = {nodes[i]: k for k, i in enumerate(order)}
    m = len(nodes)
    edges = []
    for u, v, data in graph.edges(data=True):
        if u == v:
            continue
        s = data.get("saddle")
        if s is None:
            raise ValueError(f"disconnectivity tree: edge ({u!r}, {v!r}) has no 'saddle' attribute")
        s = _finite(s, f"saddle of edge ({u!r}, {v!r})")
        top = max(energy[order[leaf_of[u]]], energy[order[leaf_of[v]]])
        if s < top:
            raise ValueError(f"disconnectivity tree: edge ({u!r}, {v!r}) has saddle {s} below the energy of one "
                             f"of its minima ({top})")
        edges.append((s, leaf_of[u], leaf_of[v]))
    values = [energy[i] for i in order] + [s for s, _, _ in edges]
    integer = all(float(x).is_integer() for x in values)
    thresholds = _thresholds(levels, [energy[i] for i in order], [s for s, _, _ in edges])
    # bin each edge to its level
    binned = []
    for s, a, b in edges:
        if thresholds is None:
            level = s + 0.5 if integer else s
        else:
            k = int(np.searchsorted(thresholds, s, side="left"))
            if k == len(thresholds):
                continue  # above the top level: ignored
            level = float(thresholds[k])
        binned.append((level, s, a, b))
    binned.sort(key=lambda x: (x[0], x[1]))

    tree = nx.DiGraph()
    tree.graph.update({k: v for k, v in graph.graph.items() if _plain(v)})
    for k, i in enumerate(order):
        attrs = {key: val for key, val in graph.nodes[nodes[i]].items()}
        attrs.update(kind="minimum", energy=_number(energy[i]), minimum=nodes[i])
        tree.add_node(k, **attrs)
    parent = list(range(m))
    node_of = list(range(m))  # tree node of each union-find root

    def find(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    next_id = m
    i = 0
    while i < len(binned):
        j = i
        level = binned[i][0]
        while j < len(binned) and binned[j][0] == level:
            j += 1
        # the old components touched at this level, then Kruskal within the level (saddle order)
        old_nodes = {}
        for _, _, a, b in binned[i:j]:
            for r in (find(a), find(b)):
                old_nodes.setdefault(r, node_of[r])
        joins = []
        for _, s, a, b in binned[i:j]:
            x, y = find(a), find(b)
            if x != y:
                parent[y] = x
                joins.append((a, s))
        top_saddle = {}
        for a, s in joins:
            r = find(a)
            top_saddle[r] = max(top_saddle.get(r, -math.inf), s)
        groups = {}
        for r, nd in old_nodes.items():
            groups.setdefault(find(r), set()).add(nd)
        for root in sorted(groups, key=lambda r: min(groups[r])):
            children = sorted(groups[root])
            if len(children) < 2:
                node_of[root] = children[0]
                continue
            saddle = top_saddle[root]
            tree.add_node(next_id, kind="merge", saddle=_number(saddle), energy=_number(saddle), level=_number(level),
                          n_minima=sum(tree.nodes[c].get("n_minima", 1) for c in children),
                          min_energy=min(tree.nodes[c].get("min_energy", tree.nodes[c]["energy"]) for c in children))
            for c in children:
                tree.add_edge(next_id, c)
            node_of[root] = next_id
            next_id += 1
        i = j
    roots = [v for v in tree.nodes if tree.in_degree(v) == 0]
    tree.graph.update(n_components=len(roots), roots=roots, integer=bool(integer), binned=thresholds is not None)
    if thresholds is not None:
        tree.graph["levels"] = [float(x) for x in thresholds]
    return tree


def pairwise_saddles(tree) -> dict:
    """``{(a, b): saddle}`` for every pair of leaves a < b in one component (the lowest common ancestor's saddle)."""
    out = {}
    for v in tree.nodes:
        if tree.nodes[v].get("kind") != "merge":
            continue
        groups = [leaves_below(tree, c) for c in tree.successors(v)]
        for i in range(len(groups)):
            for j in range(i + 1, len(groups)):
                for a in groups[i]:
                    for b in groups[j]:
                        out[(min(a, b), max(a, b))] = tree.nodes[v]["saddle"]
    return out


def leaves_below(tree, node) -> list:
    """Leaf (minimum) nodes of the subtree rooted at ``node``, in node order."""
    if tree.out_degree(node) == 0:
        return [node]
    return sorted(v for v in nx.descendants(tree, node) if tree.out_degree(v) == 0)


def tree_roots(tree) -> list:
    """Root nodes (one per connected component), in node order."""
    return sorted(v for v in tree.nodes if tree.in_degree(v) == 0)


def prune_tree(tree, *, emax=None, keep=None, n_lowest=None, subtree=None) -> nx.DiGraph:
    """A smaller tree: cut above ``emax``, keep some minima, or take one subtree.

    Parameters
    ----------
    emax : float, optional
        Drop minima above ``emax`` and merge nodes whose saddle is above it (their children become roots).
    keep : iterable, optional
        Tree leaves to keep (others are dropped).
    n_lowest : int, optional
        Keep only the ``n_lowest`` lowest minima.
    subtree : node, optional
        Keep only the subtree below this node.

    Merge nodes left with one child are replaced by that child; node numbers and attributes
    are kept.  ``n_components`` and ``roots`` are updated; ``cut`` records what was removed.
    """
    t = tree.copy()
    cut = {}
    if subtree is not None:
        if subtree not in t:
            raise ValueError(f"prune: {subtree!r} is not a node of the tree")
        t = t.subgraph({subtree} | nx.descendants(t, subtree)).copy()
        cut["subtree"] = subtree
    leaves = [v for v in t.nodes if t.out_degree(v) == 0]
    drop = set()
    if emax is not None:
        drop |= {v for v in leaves if t.nodes[v]["energy"] > emax}
        t.remove_nodes_from([v for v in list(t.nodes) if t.out_degree(v) > 0 and t.nodes[v]["saddle"] > emax])
        cut["emax"] = emax
    if keep is not None:
        keep = set(keep)
        drop |= {v for v in leaves if v not in keep}
    if n_lowest is not None:
        ranked = sorted((v for v in leaves if v not in drop), key=lambda v: (t.nodes[v]["energy"], v))
        drop |= set(ranked[int(n_lowest):])
        cut["n_lowest"] = int(n_lowest)
    t.remove_nodes_from(drop)
    # remove merges without leaves, splice out merges with one child
    changed = True
    while changed:
        changed = False
        for v in sorted(t.nodes, reverse=True):
            if v not in t or t.nodes[v].get("kind") != "merge":
                continue
            kids = list(t.successors(v))
            if len(kids) == 0:
                t.remove_node(v)
                changed = True
            elif len(kids) == 1:
                parents = list(t.predecessors(v))
                t.remove_node(v)
                for p in parents:
                    t.add_edge(p, kids[0])
                changed = True
    for v in t.nodes:
        if t.nodes[v].get("kind") == "merge":
            below = leaves_below(t, v)
            t.nodes[v]["n_minima"] = len(below)
            t.nodes[v]["min_energy"] = min(t.nodes[x]["energy"] for x in below)
    roots = tree_roots(t)
    t.graph["roots"] = roots
    t.graph["n_components"] = len(roots) if not cut else tree.graph.get("n_components", len(roots))
    t.graph["n_trees"] = len(roots)
    t.graph["cut"] = cut
    return t


# ----------------------------------------------------------------------------- export

def tree_to_dict(tree) -> dict:
    """A JSON-ready dict: ``{"graph": {...}, "nodes": [{id, ...}], "edges": [[parent, child], ...]}``."""
    return {
        "format": "hpfold-disconnectivity-tree",
        "version": 1,
        "graph": {k: _jsonable(v) for k, v in tree.graph.items()},
        "nodes": [{"id": int(v), **{k: _jsonable(x) for k, x in d.items()}} for v, d in sorted(tree.nodes(data=True))],
        "edges": [[int(a), int(b)] for a, b in sorted(tree.edges)],
    }


def tree_from_dict(data) -> nx.DiGraph:
    """Inverse of :func:`tree_to_dict`."""
    if data.get("format") != "hpfold-disconnectivity-tree":
        raise ValueError("not an hpfold disconnectivity tree (missing format tag)")
    t = nx.DiGraph()
    t.graph.update(data.get("graph", {}))
    for node in data["nodes"]:
        attrs = dict(node)
        t.add_node(int(attrs.pop("id")), **attrs)
    t.add_edges_from((int(a), int(b)) for a, b in data["edges"])
    return t


def write_tree(tree, path) -> None:
    """Write a tree as JSON (``.json``) or GraphML (``.graphml``); None and NaN attributes are left out of GraphML.

    The file is written beside ``path`` and renamed over it when complete.
    """
    from ..io._safe import atomic_path

    path = str(path)
    if not path.endswith((".json", ".graphml")):
        raise ValueError(f"write_tree: {path!r}: use a .json or .graphml file name")
    with atomic_path(path) as tmp:
        _write_tree(tree, tmp)


def _write_tree(tree, path) -> None:
    if path.endswith(".json"):
        with open(path, "w") as fh:
            json.dump(tree_to_dict(tree), fh)
    else:
        g = nx.DiGraph()
        g.graph.update({k: _graphml(v) for k, v in tree.graph.items() if _graphml(v) is not None})
        for v, d in tree.nodes(data=True):
            g.add_node(int(v), **{k: _graphml(x) for k, x in d.items() if _graphml(x) is not None})
        g.add_edges_from((int(a), int(b)) for a, b in tree.edges)
        nx.write_graphml(g, path)


# ----------------------------------------------------------------------------- helpers

def _finite(x, what) -> float:
    try:
        v = float(x)
    except (TypeError, ValueError):
        raise ValueError(f"disconnectivity tree: {what} is not a number ({x!r})") from None
    if not math.isfinite(v):
        raise ValueError(f"disconnectivity tree: {what} is not finite ({x!r})")
    return v


def _number(x):
    """Integers stay integers (so that JSON and labels read naturally)."""
    return int(x) if float(x).is_integer() else float(x)


def _thresholds(levels, minima, saddles):
    if levels is None:
        return None
    if isinstance(levels, Integral):
        k = int(levels)
        if k < 1:
            raise ValueError("disconnectivity tree: levels must be at least 1")
        lo = min(minima)
        hi = max(saddles) if saddles else max(minima)
        return np.linspace(lo, hi, k + 1)[1:] if hi > lo else np.array([hi], dtype=float)
    arr = np.asarray(levels, dtype=float).ravel()
    if arr.size == 0 or not np.all(np.isfinite(arr)):
        raise ValueError("disconnectivity tree: levels must be finite numbers")
    return np.unique(arr)


def _plain(v) -> bool:
    return isinstance(v, (str, Real, bool, list, tuple, dict)) or v is None


def _jsonable(v):
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (np.floating, float)):
        f = float(v)
        return None if not math.isfinite(f) else f
    if isinstance(v, np.ndarray):
        return [_jsonable(x) for x in v.tolist()]
    if isinstance(v, (list, tuple)):
        return [_jsonable(x) for x in v]
    if isinstance(v, dict):
        return {str(k): _jsonable(x) for k, x in v.items()}
    if isinstance(v, (str, bool, int)) or v is None:
        return v
    return str(v)


def _graphml(v):
    if v is None:
        return None
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    if isinstance(v, (int, np.integer)):
        return int(v)
    if isinstance(v, (float, np.floating)):
        return None if not math.isfinite(float(v)) else float(v)
    if isinstance(v, str):
        return v
    return json.dumps(_jsonable(v))
