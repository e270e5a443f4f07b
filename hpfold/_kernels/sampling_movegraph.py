"""Kernels over the move graph of an enumerated chain: connected components and detailed-balance checks."""
import numpy as np
from numba import njit

from .moves import neighbour_workspace, neighbours_with


@njit(cache=True)
def canonical_key(row, m, group, bits):
    """Packed key of the lexicographically smallest image of ``row`` under the point group."""
    best = np.int64(-1)
    for g in range(group.shape[0]):
        key = np.int64(0)
        for k in range(m):
            key = (key << bits) | np.int64(group[g, row[k]])
        if best < 0 or key < best:
            best = key
    return best


@njit(cache=True)
def _find(parent, x):
    while parent[x] != x:
        parent[x] = parent[parent[x]]
        x = parent[x]
    return x


@njit(cache=True)
def move_graph_components(confs, vectors, group, move_mask, bits, buffer_rows):
    """Component label of every conformation class (rows of ``confs``) under one move.

    Returns ``(labels, n_edges, missing)``: labels are the smallest row index of each
    component; ``n_edges`` counts (class, neighbour class) incidences; ``missing`` counts
    neighbours whose class is not among the rows (should be 0 for a complete enumeration).
    """
    M = confs.shape[0]
    m = confs.shape[1]
    keys = np.empty(M, dtype=np.int64)
    for i in range(M):
        keys[i] = canonical_key(confs[i], m, group, bits)
    order = np.argsort(keys)
    sorted_keys = keys[order]
    parent = np.arange(M)
    out = np.zeros((buffer_rows, max(m, 1)), dtype=np.int8)
    ws = neighbour_workspace(m + 1, vectors, group, buffer_rows)
    n_edges = 0
    missing = 0
    for i in range(M):
        k = neighbours_with(confs[i], vectors, ws, move_mask, out, True)
        for t in range(k):
            ck = canonical_key(out[t], m, group, bits)
            idx = np.searchsorted(sorted_keys, ck)
            if idx >= M or sorted_keys[idx] != ck:
                missing += 1
                continue
            j = order[idx]
            n_edges += 1
            ri = _find(parent, i)
            rj = _find(parent, j)
            if ri != rj:
                if ri < rj:
                    parent[rj] = ri
                else:
                    parent[ri] = rj
    labels = np.empty(M, dtype=np.int64)
    for i in range(M):
        labels[i] = _find(parent, i)
    return labels, n_edges, missing


@njit(cache=True)
def _count_rows(buf, k, row, m):
    c = 0
    for t in range(k):
        eq = True
        for q in range(m):
            if buf[t, q] != row[q]:
                eq = False
                break
        if eq:
            c += 1
    return c


@njit(cache=True)
def proposal_asymmetry(confs, vectors, group, move_mask, buffer_rows):
    """Check ``m(X, Y) == m(Y, X)`` (slot multiplicities) for every X in ``confs`` and Y one move away.

    Returns ``(n_pairs, n_asymmetric, n_irreversible, example)``: pairs (X, Y != X) counted
    once per X; asymmetric when the multiplicities differ, irreversible when Y has no slot
    back to X; ``example`` = (row of X, slot result index) of the first irreversible pair or -1.
    """
    M = confs.shape[0]
    m = confs.shape[1]
    fwd = np.zeros((buffer_rows, max(m, 1)), dtype=np.int8)
    back = np.zeros((buffer_rows, max(m, 1)), dtype=np.int8)
    seen = np.zeros(buffer_rows, dtype=np.bool_)
    ws = neighbour_workspace(m + 1, vectors, group, buffer_rows)
    n_pairs = 0
    n_asym = 0
    n_irrev = 0
    ex_x = -1
    ex_t = -1
    for i in range(M):
        x = confs[i]
        k = neighbours_with(x, vectors, ws, move_mask, fwd, False)
        seen[:k] = False
        for t in range(k):
            if seen[t]:
                continue
            # multiplicity of this result and mark duplicates
            mult = 0
            for u in range(t, k):
                eq = True
                for q in range(m):
                    if fwd[u, q] != fwd[t, q]:
                        eq = False
                        break
                if eq:
                    mult += 1
                    seen[u] = True
            self_loop = True
            for q in range(m):
                if fwd[t, q] != x[q]:
                    self_loop = False
                    break
            if self_loop:
                continue
            n_pairs += 1
            kb = neighbours_with(fwd[t], vectors, ws, move_mask, back, False)
            mb = _count_rows(back, kb, x, m)
            if mb != mult:
                n_asym += 1
                if mb == 0:
                    n_irrev += 1
                    if ex_x < 0:
                        ex_x = i
                        ex_t = t
    ex_row = np.zeros(max(m, 1), dtype=np.int8)
    if ex_x >= 0:
        neighbours_with(confs[ex_x], vectors, ws, move_mask, fwd, False)
        ex_row[:] = fwd[ex_t]
    return n_pairs, n_asym, n_irrev, ex_x, ex_row
