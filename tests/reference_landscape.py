"""Slow, obvious oracles for the landscape code: brute-force minima, saddles and basins.

Everything here works on Python sets and dicts of canonical direction strings and
recomputes connectivity from scratch at every energy threshold; it is meant for
a few thousand states at most.
"""
from __future__ import annotations

import itertools

import networkx as nx
import numpy as np
from numba import njit

from hpfold.conformation import Conformation
from hpfold.lattice import get_lattice


# ----------------------------------------------------------------------------- states

_HEX = bytes.maketrans(bytes(range(12)), b"0123456789ab")


def canonical_strings(rows, lattice):
    """Canonical direction strings of direction rows: apply every group element, keep the smallest image."""
    lat = get_lattice(lattice)
    rows = np.asarray(rows, dtype=np.uint8).reshape(-1, np.shape(rows)[-1])
    if rows.shape[1] == 0:
        return [""] * len(rows)
    images = lat.group.astype(np.uint8)[:, rows]          # (order, M, L)
    as_bytes = np.ascontiguousarray(images).view(f"S{rows.shape[1]}")[..., 0]
    smallest = np.sort(as_bytes, axis=0)[0]
    return [b.ljust(rows.shape[1], b"\0").translate(_HEX).decode() for b in smallest]


def all_states(sequence, lattice):
    """Every canonical conformation class of ``sequence``: {string: (energy, orbit size)}, by brute force.

    Grows every self-avoiding walk from the origin depth first, groups the walks by canonical
    string (the number of walks in a class is its orbit size) and counts H-H contacts of one
    member of each class.
    """
    lat = get_lattice(lattice)
    n = len(sequence)
    vecs = [tuple(int(x) for x in v) for v in lat.vectors]
    walks = []

    def grow(sites, dirs):
        if len(sites) == n:
            walks.append(tuple(dirs))
            return
        for d, v in enumerate(vecs):
            nxt = tuple(a + b for a, b in zip(sites[-1], v))
            if nxt not in sites:
                grow(sites + [nxt], dirs + [d])

    grow([(0,) * lat.dim], [])
    keys = canonical_strings(np.array(walks, dtype=np.int64).reshape(len(walks), n - 1), lat)
    count = {}
    for k in keys:
        count[k] = count.get(k, 0) + 1
    out = {}
    for k, w in count.items():
        out[k] = (contacts_energy([int(c, 16) for c in k], sequence, lat), w)
    return out


def contacts_energy(dirs, sequence, lattice):
    """-(number of H-H pairs i < j - 1 on neighbouring sites), by walking the chain."""
    lat = get_lattice(lattice)
    sites = [(0,) * lat.dim]
    for d in dirs:
        sites.append(tuple(a + int(b) for a, b in zip(sites[-1], lat.vectors[d])))
    where = {p: i for i, p in enumerate(sites)}
    e = 0
    for i, p in enumerate(sites):
        for v in lat.vectors:
            j = where.get(tuple(a + int(b) for a, b in zip(p, v)))
            if j is not None and j > i + 1 and sequence[i] == "H" and sequence[j] == "H":
                e -= 1
    return e


def state_graph(states, lattice, neighbours):
    """Undirected graph on canonical strings: an edge for every move (self-moves dropped).

    ``neighbours(dirs) -> iterable of direction tuples``.  Also returns the directed pairs seen,
    so that callers can check that the move set is reversible.
    """
    g = nx.Graph()
    directed = set()
    for s, (e, w) in states.items():
        g.add_node(s, energy=e, weight=w)
    for s in states:
        dirs = [int(c, 16) for c in s]
        nbs = list(neighbours(dirs))
        if not nbs:
            continue
        for t in canonical_strings(np.array(nbs, dtype=np.int64), lattice):
            if t == s:
                continue
            if t not in states:
                raise AssertionError(f"neighbour {t} of {s} is not a state")
            directed.add((s, t))
            g.add_edge(s, t)
    return g, directed


# ----------------------------------------------------------------------------- landscape oracle

def brute_force_landscape(graph):
    """Minima, pairwise saddles and gradient basins of a state graph, by brute force.

    Returns
    -------
    dict with
        ``minima``: list of (energy, sorted tuple of plateau strings), ordered by (energy, first string);
        ``saddles``: dict {(i, j): saddle energy} over pairs of minima i < j that are connected;
        ``basin``: dict {state: index of the minimum its steepest descent ends in};
        ``components``: number of connected components.
    """
    energy = nx.get_node_attributes(graph, "energy")
    # plateaus: components of equal-energy edges
    flat = nx.Graph()
    flat.add_nodes_from(graph.nodes)
    flat.add_edges_from((u, v) for u, v in graph.edges if energy[u] == energy[v])
    minima = []
    for comp in nx.connected_components(flat):
        e = energy[next(iter(comp))]
        if all(energy[t] >= e for s in comp for t in graph[s]):
            minima.append((e, tuple(sorted(comp))))
    minima.sort()
    index = {s: i for i, (_, comp) in enumerate(minima) for s in comp}
    # saddles: connected components of the sublevel graph at every threshold
    saddles = {}
    for level in sorted(set(energy.values())):
        sub = graph.subgraph([s for s in graph if energy[s] <= level])
        for comp in nx.connected_components(sub):
            inside = sorted({index[s] for s in comp if s in index})
            for i, j in itertools.combinations(inside, 2):
                saddles.setdefault((i, j), level)
    # gradient basins: steepest descent, ties to the smallest (energy, string); a state without lower
    # neighbour walks to the nearest plateau states that have one and takes the smallest of their targets
    order = lambda s: (energy[s], s)  # noqa: E731
    steepest = {}
    for s in graph:
        lower = [t for t in graph[s] if energy[t] < energy[s]]
        if lower:
            steepest[s] = min(lower, key=order)
    basin = {}
    for s in sorted(graph, key=order):
        if s in steepest:
            basin[s] = basin[steepest[s]]
        elif s in index:
            basin[s] = index[s]
        else:
            for layer in nx.bfs_layers(flat, s):  # the plateau, by distance from s
                exits = [steepest[u] for u in layer if u in steepest]
                if exits:
                    basin[s] = basin[min(exits, key=order)]
                    break
    return {"minima": minima, "saddles": saddles, "basin": basin,
            "components": nx.number_connected_components(graph)}


def barrier_to_lower(minima, saddles):
    """For each minimum: the lowest saddle to a strictly lower minimum minus its energy (None if none)."""
    out = []
    for i, (e, _) in enumerate(minima):
        best = None
        for j, (f, _) in enumerate(minima):
            if f < e:
                s = saddles.get((min(i, j), max(i, j)))
                if s is not None and (best is None or s < best):
                    best = s
        out.append(None if best is None else best - e)
    return out


# ----------------------------------------------------------------------------- a tiny move set for tests

def local_moves_python(dirs, lattice):
    """End moves, kink jumps (corner flips) and crankshafts on square/cubic lattices, by brute force on coordinates.

    A neighbour is any walk that differs from ``dirs`` in the position of one end monomer, of one
    interior monomer (moved to another common neighbour of its chain neighbours), or of two
    consecutive interior monomers whose outer chain neighbours are adjacent (crankshaft), and is
    self-avoiding.  Returns a list of direction tuples (monomer 0 may move: the walk is re-rooted).
    """
    lat = get_lattice(lattice)
    vecs = [tuple(int(x) for x in v) for v in lat.vectors]
    pos = [tuple(int(x) for x in p) for p in Conformation(np.array(dirs, dtype=np.int64), lat).coords]
    n = len(pos)

    def add(p, v):
        return tuple(a + b for a, b in zip(p, v))

    def walk(new_pos):
        steps = [tuple(b - a for a, b in zip(new_pos[i], new_pos[i + 1])) for i in range(n - 1)]
        return tuple(vecs.index(st) for st in steps)

    out = set()
    occupied = set(pos)
    for i in range(n):
        others = occupied - {pos[i]}
        if i == 0 or i == n - 1:
            anchor = pos[1] if i == 0 else pos[n - 2]
            cands = {add(anchor, v) for v in vecs}
        else:
            cands = {add(pos[i - 1], v) for v in vecs} & {add(pos[i + 1], v) for v in vecs}
        for c in cands:
            if c != pos[i] and c not in others:
                new = list(pos)
                new[i] = c
                out.add(walk(new))
    for i in range(1, n - 2):  # crankshaft of monomers i, i+1
        if tuple(b - a for a, b in zip(pos[i - 1], pos[i + 2])) not in vecs:
            continue
        others = occupied - {pos[i], pos[i + 1]}
        for v in vecs:
            a, b = add(pos[i - 1], v), add(pos[i + 2], v)
            if (a, b) != (pos[i], pos[i + 1]) and a not in others and b not in others and a != b:
                new = list(pos)
                new[i], new[i + 1] = a, b
                out.add(walk(new))
    out.discard(tuple(int(d) for d in dirs))
    return sorted(out)


@njit
def local_moves_numba(dirs, vectors, group, move_mask, out):
    """:func:`local_moves_python` for the flooding kernels (same signature as ``all_neighbours``)."""
    n = dirs.shape[0] + 1
    dim = vectors.shape[1]
    nd = vectors.shape[0]
    pos = np.zeros((n, dim), dtype=np.int64)
    for i in range(1, n):
        for a in range(dim):
            pos[i, a] = pos[i - 1, a] + vectors[dirs[i - 1], a]
    count = 0
    new = pos.copy()
    cand = np.empty(dim, dtype=np.int64)
    cand2 = np.empty(dim, dtype=np.int64)
    for i in range(n):
        for d in range(nd):
            # candidate site for monomer i
            if i == 0:
                for a in range(dim):
                    cand[a] = pos[1, a] - vectors[d, a]
            elif i == n - 1:
                for a in range(dim):
                    cand[a] = pos[n - 2, a] + vectors[d, a]
            else:
                for a in range(dim):
                    cand[a] = pos[i - 1, a] + vectors[d, a]
                ok = False
                for e in range(nd):
                    hit = True
                    for a in range(dim):
                        if cand[a] + vectors[e, a] != pos[i + 1, a]:
                            hit = False
                    if hit:
                        ok = True
                if not ok:
                    continue
            if _free(pos, cand, -1, -1) and not _same(cand, pos, i):
                for j in range(n):
                    for a in range(dim):
                        new[j, a] = pos[j, a]
                for a in range(dim):
                    new[i, a] = cand[a]
                count = _emit(new, vectors, out, count)
    for i in range(1, n - 2):
        adjacent = False
        for e in range(nd):
            hit = True
            for a in range(dim):
                if pos[i - 1, a] + vectors[e, a] != pos[i + 2, a]:
                    hit = False
            if hit:
                adjacent = True
        if not adjacent:
            continue
        for d in range(nd):
            for a in range(dim):
                cand[a] = pos[i - 1, a] + vectors[d, a]
                cand2[a] = pos[i + 2, a] + vectors[d, a]
            if _same(cand, pos, i) and _same(cand2, pos, i + 1):
                continue
            if not (_free(pos, cand, i, i + 1) and _free(pos, cand2, i, i + 1)):
                continue
            for j in range(n):
                for a in range(dim):
                    new[j, a] = pos[j, a]
            for a in range(dim):
                new[i, a] = cand[a]
                new[i + 1, a] = cand2[a]
            count = _emit(new, vectors, out, count)
    return count


@njit
def _same(c, pos, i):
    for a in range(c.shape[0]):
        if c[a] != pos[i, a]:
            return False
    return True


@njit
def _free(pos, c, skip1, skip2):
    for j in range(pos.shape[0]):
        if j == skip1 or j == skip2:
            continue
        if _same(c, pos, j):
            return False
    return True


@njit
def _emit(new, vectors, out, count):
    n = new.shape[0]
    dim = new.shape[1]
    row = np.empty(n - 1, dtype=np.int8)
    for i in range(n - 1):
        for d in range(vectors.shape[0]):
            hit = True
            for a in range(dim):
                if new[i + 1, a] - new[i, a] != vectors[d, a]:
                    hit = False
            if hit:
                row[i] = d
    for r in range(count):  # distinct rows only
        same = True
        for i in range(n - 1):
            if out[r, i] != row[i]:
                same = False
                break
        if same:
            return count
    for i in range(n - 1):
        out[count, i] = row[i]
    return count + 1
