"""Disconnectivity graphs drawn with matplotlib on the caller's axes."""
from __future__ import annotations

import math

import networkx as nx
import numpy as np

__all__ = ["plot_disconnectivity", "tree_layout"]


def plot_disconnectivity(landscape, ax=None, *, order="size", color_by=None, cmap="viridis", vmin=None, vmax=None,
                         colorbar=True, log_color=False, labels=None, emin=None, emax=None, subtree=None,
                         n_lowest=None, style="dendrogram", linewidth=None, color="0.15", markers=True, note=True,
                         levels=None):
    """Draw a disconnectivity graph.

    Parameters
    ----------
    landscape : DiGraph, Graph or landscape
        A tree from :func:`~hpfold.landscape.graph.disconnectivity_tree`, a graph of minima (nodes
        with ``energy``, edges with ``saddle``), or any object with a ``to_graph()`` method.
    ax : matplotlib Axes, optional
        Where to draw (default: a new figure's axes).
    order : {"size", "energy"}
        Order of the branches below each node, largest (``basin_size``, else ``size``, summed over
        the subtree) or lowest first; the first sits in the middle, the others alternate right and
        left, and the branch holding the global minimum is always first, so it is centred.
    color_by : str, optional
        Leaf attribute colouring each minimum's line (e.g. ``"q"``, ``"basin_size"``, ``"energy"``),
        with a colour bar.  Leaves without the attribute are grey.
    cmap, vmin, vmax, colorbar
        Colour map, its limits and whether to add a colour bar.
    log_color : bool
        Logarithmic colour scale (for sizes spanning decades, e.g. ``basin_size``).
    labels : list or dict, optional
        Minima to label: graph node ids, or ``{node id: text}``.
    emin, emax : float, optional
        Energy window.  Above ``emax`` minima are dropped and merges cut (the branches below are
        drawn as separate trees); ``emin`` only sets the lower axis limit.
    subtree : int, optional
        Draw only the subtree below this tree node.
    n_lowest : int, optional
        Draw only the ``n_lowest`` lowest minima (and the merges joining them).
    style : {"dendrogram", "slanted"}
        Horizontal bars at each saddle (exact barrier heights), or lines converging on each node.
    linewidth : float, optional
        Default: 1, thinner when there are more than about 150 minima.
    levels : None, int or sequence
        Passed to :func:`~hpfold.landscape.graph.disconnectivity_tree` when a graph is given.

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    ValueError
        On an empty graph or an unknown option.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import networkx as nx
    >>> g = nx.Graph()
    >>> g.add_nodes_from([(0, {"energy": -3}), (1, {"energy": -2}), (2, {"energy": -2})])
    >>> g.add_edge(0, 1, saddle=-1); g.add_edge(0, 2, saddle=0)
    >>> ax = plot_disconnectivity(g, labels=[0])
    >>> ax.get_ylabel()
    'energy'

    Notes
    -----
    Disconnectivity graphs after Becker & Karplus, J. Chem. Phys. 106, 1495 (1997) and Wales,
    Miller & Walsh, Nature 394, 758 (1998).  Cost: O(M log M) for M minima; all lines are one
    ``LineCollection`` per colour class.
    """
    import matplotlib.pyplot as plt
    from matplotlib.collections import LineCollection
    from matplotlib.colors import LogNorm, Normalize
    from matplotlib.ticker import MaxNLocator

    from ..landscape.graph import disconnectivity_tree, prune_tree

    if order not in ("size", "energy"):
        raise ValueError(f"order must be 'size' or 'energy', not {order!r}")
    if style not in ("dendrogram", "slanted"):
        raise ValueError(f"style must be 'dendrogram' or 'slanted', not {style!r}")
    tree = _as_tree(landscape, levels, disconnectivity_tree)
    disconnected = tree.graph.get("n_components", 1) > 1
    if subtree is not None or emax is not None or n_lowest is not None:
        tree = prune_tree(tree, emax=emax, subtree=subtree, n_lowest=n_lowest)
    if tree.number_of_nodes() == 0:
        raise ValueError("disconnectivity plot: no minima left to draw (check emax / subtree / n_lowest)")
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 5))
    x, roots = tree_layout(tree, order=order)
    binned = tree.graph.get("binned", False)
    n_leaves = sum(1 for v in tree.nodes if tree.out_degree(v) == 0)
    crowd = min(1.0, 150.0 / n_leaves)
    if linewidth is None:
        linewidth = max(0.15, crowd)
    marker_size = max(0.5, 12.0 * crowd)

    def y_of(v):
        d = tree.nodes[v]
        if d.get("kind") == "merge":
            return float(d["level"] if binned else d["saddle"])
        return float(d["energy"])

    ys = [y_of(v) for v in tree.nodes]
    span = (max(ys) - min(ys)) or 1.0
    stub = 0.06 * span if not tree.graph.get("integer") else max(0.5, 0.04 * span)
    trunk, leaf_segments, leaf_ids = [], [], []
    for v in tree.nodes:
        kids = list(tree.successors(v))
        yv = y_of(v)
        if kids:
            xs = [x[c] for c in kids]
            if style == "dendrogram":
                trunk.append([(min(xs), yv), (max(xs), yv)])
        for c in kids:
            seg = _segment(x[c], y_of(c), x[v], yv, style, stub)
            if tree.out_degree(c) == 0:
                leaf_segments.append(seg)
                leaf_ids.append(c)
            else:
                trunk.append(seg)
    for r in roots:
        seg = [(x[r], y_of(r)), (x[r], y_of(r) + stub)]
        if tree.out_degree(r) == 0:
            leaf_segments.append(seg)
            leaf_ids.append(r)
        else:
            trunk.append(seg)
    ax.add_collection(LineCollection(trunk, colors=color, linewidths=linewidth))
    values = None
    if color_by is not None:
        values = np.array([_float(tree.nodes[v].get(color_by)) for v in leaf_ids])
        if np.all(np.isnan(values)):
            raise ValueError(f"disconnectivity plot: no minimum has the attribute {color_by!r}")
    if values is None:
        ax.add_collection(LineCollection(leaf_segments, colors=color, linewidths=linewidth))
    else:
        finite = ~np.isnan(values)
        if log_color:
            finite &= values > 0
        lo = np.min(values[finite]) if vmin is None else vmin
        hi = np.max(values[finite]) if vmax is None else vmax
        if hi == lo:
            hi = lo * 1.0001 + 1e-9
        norm = LogNorm(lo, hi) if log_color else Normalize(lo, hi)
        coloured = LineCollection([s for s, f in zip(leaf_segments, finite) if f], cmap=cmap, norm=norm,
                                  linewidths=1.6 * linewidth)
        coloured.set_array(values[finite])
        ax.add_collection(coloured)
        if (~finite).any():
            ax.add_collection(LineCollection([s for s, f in zip(leaf_segments, finite) if not f], colors="0.7",
                                             linewidths=linewidth))
        if colorbar:
            ax.figure.colorbar(coloured, ax=ax, label=color_by, pad=0.02)
    if markers:
        leaves = [v for v in tree.nodes if tree.out_degree(v) == 0]
        lx = [x[v] for v in leaves]
        ly = [y_of(v) for v in leaves]
        if values is not None:
            lookup = dict(zip(leaf_ids, values))
            mv = np.array([lookup.get(v, np.nan) for v in leaves])
            ax.scatter(lx, ly, c=np.where(np.isnan(mv) | (mv <= 0 if log_color else False), lo, mv), cmap=cmap,
                       norm=norm, s=marker_size, zorder=3, edgecolors="none")
        else:
            ax.scatter(lx, ly, color=color, s=0.7 * marker_size, zorder=3, edgecolors="none")
    if labels is not None:
        _draw_labels(ax, tree, labels, x, y_of, span)
    # axes
    xs_all = list(x.values())
    pad = 0.8
    ax.set_xlim(min(xs_all) - pad, max(xs_all) + pad)
    top = max(ys) + stub
    bottom = min(ys) - 0.06 * span - (0.08 * span if labels is not None else 0)
    ax.set_ylim(bottom if emin is None else emin, top + (0.12 if note and len(roots) > 1 else 0.04) * span)
    ax.set_ylabel("energy")
    ax.set_xticks([])
    for side in ("top", "right", "bottom"):
        ax.spines[side].set_visible(False)
    if tree.graph.get("integer"):
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    if note and len(roots) > 1:
        if disconnected:
            text = (f"disconnected: {tree.graph.get('n_components')} components "
                    "(no path joins them under this move set)")
        else:
            text = f"{len(roots)} trees below the cut at E = {tree.graph.get('cut', {}).get('emax', '?')}"
        ax.text(0.01, 0.99, text, transform=ax.transAxes, ha="left", va="top", fontsize=7, color="0.3")
    return ax


def tree_layout(tree, order="size"):
    """x position of every tree node and the roots in drawing order.

    Leaves get consecutive integers (with a gap of one between trees of a forest); a merge node
    sits above its first (central) branch.
    """
    leaves = [v for v in tree.nodes if tree.out_degree(v) == 0]
    if not leaves:
        raise ValueError("disconnectivity plot: the tree has no minima")
    gmin = min(leaves, key=lambda v: (tree.nodes[v]["energy"], v))
    weight = {}
    low = {}
    holds_gmin = {}
    for v in reversed(list(nx.topological_sort(tree))):
        kids = list(tree.successors(v))
        if not kids:
            d = tree.nodes[v]
            weight[v] = _float(d.get("basin_size", d.get("size", 1)), 1.0)
            low[v] = float(d["energy"])
            holds_gmin[v] = v == gmin
        else:
            weight[v] = sum(weight[c] for c in kids)
            low[v] = min(low[c] for c in kids)
            holds_gmin[v] = any(holds_gmin[c] for c in kids)

    def rank(v):
        if order == "size":
            return (not holds_gmin[v], -weight[v], low[v], v)
        return (not holds_gmin[v], low[v], -weight[v], v)

    def arrange(v):
        kids = sorted(tree.successors(v), key=rank)
        if not kids:
            return [v]
        left, right = [], []
        for i, c in enumerate(kids[1:]):
            (right if i % 2 == 0 else left).append(c)
        out = []
        for c in reversed(left):
            out += arrange(c)
        out += arrange(kids[0])
        for c in right:
            out += arrange(c)
        return out

    roots = sorted((v for v in tree.nodes if tree.in_degree(v) == 0), key=rank)
    x = {}
    pos = 0
    for r in roots:
        for leaf in arrange(r):
            x[leaf] = float(pos)
            pos += 1
        pos += 1
    for v in reversed(list(nx.topological_sort(tree))):
        if v not in x:
            kids = sorted(tree.successors(v), key=rank)
            x[v] = x[kids[0]]
    return x, roots


def _segment(xc, yc, xp, yp, style, stub):
    if style == "dendrogram":
        return [(xc, yc), (xc, yp)]
    knee = yp - min(0.35 * (yp - yc), stub) if yp > yc else yp
    return [(xc, yc), (xc, knee), (xp, yp)]


def _draw_labels(ax, tree, labels, x, y_of, span):
    texts = labels if isinstance(labels, dict) else {k: str(k) for k in labels}
    by_minimum = {tree.nodes[v].get("minimum", v): v for v in tree.nodes if tree.out_degree(v) == 0}
    for key, text in texts.items():
        v = by_minimum.get(key)
        if v is None:
            raise ValueError(f"disconnectivity plot: cannot label {key!r}: not a minimum of the drawn tree")
        ax.annotate(str(text), (x[v], y_of(v)), xytext=(0, -4), textcoords="offset points", ha="center", va="top",
                    fontsize=7, rotation=90)


def _as_tree(landscape, levels, build):
    if isinstance(landscape, nx.DiGraph):
        return landscape
    if isinstance(landscape, nx.Graph):
        return build(landscape, levels=levels)
    if hasattr(landscape, "to_graph"):
        return build(landscape.to_graph(), levels=levels)
    raise ValueError(f"disconnectivity plot: cannot draw a {type(landscape).__name__}; give a tree, a graph "
                     "of minima or a landscape")


def _float(v, default=math.nan):
    try:
        f = float(v)
    except (TypeError, ValueError):
        return default
    return f
