"""Files other kinetics tools read: treekin's ``.bar`` and rate matrix, PATHSAMPLE's min.data and ts.data."""
from __future__ import annotations

import os

import numpy as np

__all__ = ["write_bar", "write_rates", "write_pathsample", "basin_saddles"]


def _atomic_write(path, text):
    """Write ``text`` to a temporary file beside ``path`` (under its lock) and rename it into place."""
    from ..io._safe import atomic_path

    with atomic_path(path) as tmp, open(tmp, "w") as fh:
        fh.write(text)


def _father_and_barrier(landscape, minima):
    """For each listed minimum: the first lower minimum it merges with in the tree (1-based rank in
    ``minima``, 0 for the lowest) and the saddle height above it (barriers' convention: among equal
    energies the earlier minimum counts as lower, so degenerate minima get their real barrier)."""
    n_min = landscape.n_minima
    rank = {int(m): k for k, m in enumerate(minima)}
    energy = landscape.minimum_energy
    rep_low = list(range(n_min))                     # lowest minimum under each tree node
    for children in landscape.merge_children:
        rep_low.append(min((rep_low[int(c)] for c in children), key=lambda m: (energy[m], m)))
    father, barrier = {}, {}
    for m in minima:
        node, m = int(m), int(m)
        father[m], barrier[m] = 0, 0.0
        while landscape.tree_parent[node] >= 0:
            node = int(landscape.tree_parent[node])
            low = rep_low[node]
            if low != m and (energy[low], low) < (energy[m], m):
                father[m] = rank.get(low, -1) + 1
                barrier[m] = float(landscape.merge_saddle[node - n_min] - energy[m])
                break
    return father, barrier


def write_bar(path, landscape, *, header=None, minima=None):
    """A barriers-style ``.bar`` file: one line per minimum, lowest first.

    Columns: index (1-based), label, energy, father (the minimum it merges into, 0 for the
    global minimum), barrier height, plateau size, gradient-basin size.  ``treekin -m I``
    reads it beside :func:`write_rates`.
    """
    minima = np.lexsort([np.arange(landscape.n_minima), landscape.minimum_energy]) if minima is None else minima
    father, barrier = _father_and_barrier(landscape, minima)
    head = header if header is not None else (landscape.space.describe().get("sequence", "")
                                              if landscape.space is not None else "")
    lines = [f"     {head}"]
    size, bsize = landscape.plateau_size, landscape.basin_size
    for k, m in enumerate(minima):
        b = barrier[int(m)]
        lines.append(f"{k + 1:4d} {landscape.label(int(landscape.minimum_state[m]))} "
                     f"{float(landscape.minimum_energy[m]):8.3f} {father[int(m)]:4d} {b:8.3f} "
                     f"{int(size[m]):8d} {int(bsize[m]):10d}")
    _atomic_write(path, "\n".join(lines) + "\n")


def write_rates(path, rates):
    """A rate matrix as text: row i, column j is the rate from macrostate i to j (as ``barriers --rates``)."""
    rates = np.asarray(rates, dtype=np.float64)
    text = "\n".join(" ".join(f"{x:10.4g}" for x in row) for row in rates) + "\n"
    _atomic_write(path, text)


def basin_saddles(landscape):
    """Lowest saddle between every pair of adjacent gradient basins.

    Returns ``(pairs, saddle, state)``: int64 [K, 2] (a < b), the saddle energy ``min over edges
    (s, t) between the basins of max(E_s, E_t)``, and the higher state of that edge.
    """
    g = landscape.space.state_graph()
    src = g.sources()
    a, b = landscape.basin[src], landscape.basin[g.indices]
    cross = a < b
    e = landscape.energies
    height = np.maximum(e[src[cross]], e[g.indices[cross]])
    top = np.where(e[src[cross]] >= e[g.indices[cross]], src[cross], g.indices[cross])
    pa, pb = a[cross], b[cross]
    order = np.lexsort([top, height, pb, pa])
    pa, pb, height, top = pa[order], pb[order], height[order], top[order]
    first = np.ones(len(pa), dtype=bool)
    first[1:] = (pa[1:] != pa[:-1]) | (pb[1:] != pb[:-1])
    return np.stack([pa[first], pb[first]], axis=1), height[first], top[first]


def write_pathsample(folder, landscape):
    """PATHSAMPLE-style ``min.data`` and ``ts.data`` for pele / disconnectionDPS users.

    min.data: ``energy  0.0  1  0 0 0`` per gradient-basin minimum (ln of the vibrational
    frequency product 0, point-group order 1, no moments of inertia: a discrete landscape has
    none).  ts.data: ``saddle  0.0  1  min1 min2  0 0 0`` for the lowest saddle between each pair of
    adjacent basins (1-based).  Returns the number of minima and transition states written.
    """
    os.makedirs(folder, exist_ok=True)
    pairs, saddle, _ = basin_saddles(landscape)
    mins = "\n".join(f"{float(e):.10f} 0.0 1 0.0 0.0 0.0" for e in landscape.minimum_energy) + "\n"
    ts = "".join(f"{float(s):.10f} 0.0 1 {int(p) + 1} {int(q) + 1} 0.0 0.0 0.0\n" for (p, q), s in zip(pairs, saddle))
    _atomic_write(os.path.join(folder, "min.data"), mins)
    _atomic_write(os.path.join(folder, "ts.data"), ts)
    return landscape.n_minima, len(pairs)
