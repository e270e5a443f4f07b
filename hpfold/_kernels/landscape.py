"""Landscape kernels: packed canonical keys, a state hash table, union-find flooding, saddle searches.

The quench of sampled states lives in :mod:`hpfold._kernels.quench`.

States are symmetry classes of conformations, written as their canonical
(lexicographically smallest) direction string and packed into ``W`` unsigned
64-bit words, most significant direction first, so that comparing packed keys
word by word compares the strings.  ``bits`` bits hold one direction (2 on the
square lattice, 3 on cubic and triangular, 4 on fcc).

Canonicalising a neighbour: every lattice point group used here acts
transitively on the directions, so the canonical string starts with the
smallest image of its first direction; only the group elements mapping the
first direction there (``candidates[d]``, |G| / nd of them) need comparing.

The flooding kernels take the neighbour function as their first argument
(``neighbours(dirs, vectors, group, move_mask, out) -> count``), so that the
same body serves the move sets of :mod:`hpfold._kernels.moves` and the
hand-written move functions of the tests.  A kernel that takes a function
argument is not found again in numba's cache; the cached entry points are the
thin wrappers that fix the function (see :mod:`hpfold.landscape.flooding`).
"""
import numpy as np
from numba import njit, prange
from .prefetch import prefetch_row

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_NO_LIMIT = 1 << 62  # an energy threshold that keeps every neighbour
_EMPTY = -1


# --------------------------------------------------------------------------- keys

@njit(cache=True)
def pack_into(dirs, bits, n_words, out):
    """Pack a direction array into ``out[:n_words]`` (most significant direction first)."""
    per_word = 64 // bits
    n = dirs.shape[0]
    for w in range(n_words):
        word = np.uint64(0)
        lo = w * per_word
        hi = min(n, lo + per_word)
        for i in range(lo, hi):
            word = (word << np.uint64(bits)) | np.uint64(dirs[i])
        out[w] = word << np.uint64(bits * (per_word - max(hi - lo, 0)))


@njit(cache=True)
def pack_rows(dirs2d, bits, n_words):
    """Packed keys (uint64 [M, n_words]) of the rows of ``dirs2d`` (int8 [M, L])."""
    m = dirs2d.shape[0]
    out = np.zeros((m, n_words), dtype=np.uint64)
    for r in range(m):
        pack_into(dirs2d[r], bits, n_words, out[r])
    return out


@njit(cache=True)
def unpack_into(key, bits, length, out):
    """Inverse of :func:`pack_into` for a string of ``length`` directions."""
    per_word = 64 // bits
    mask = np.uint64((1 << bits) - 1)
    for i in range(length):
        w = i // per_word
        j = i - w * per_word
        shift = np.uint64((per_word - 1 - j) * bits)
        out[i] = np.int8((key[w] >> shift) & mask)


@njit(cache=True, inline="always")
def canonical_key(dirs, group, candidates, bits, n_words, tmp, out):
    """Packed key of the canonical form (lexicographic minimum over the point group) of ``dirs``.

    ``candidates[d]`` lists the group elements (-1 padded) that map direction ``d`` to the
    smallest image any element gives it.  The images are compared direction by direction against
    the best so far (abandoned at the first larger direction, usually within a few), and only the
    winner is packed.  ``tmp`` is unused (kept for the signature).
    """
    n = dirs.shape[0]
    d0 = dirs[0] if n > 0 else 0
    g_best = candidates[d0, 0]
    for ci in range(1, candidates.shape[1]):
        g = candidates[d0, ci]
        if g < 0:
            break
        for i in range(1, n):
            x = group[g, dirs[i]]
            y = group[g_best, dirs[i]]
            if x != y:
                if x < y:
                    g_best = g
                break
    per_word = 64 // bits
    for w in range(n_words):
        word = np.uint64(0)
        lo = w * per_word
        hi = min(n, lo + per_word)
        for i in range(lo, hi):
            word = (word << np.uint64(bits)) | np.uint64(group[g_best, dirs[i]])
        out[w] = word << np.uint64(bits * (per_word - max(hi - lo, 0)))


@njit(cache=True)
def canonical_rows(dirs2d, group, candidates, bits, n_words):
    """Canonical packed keys of many (not necessarily canonical) direction rows."""
    m = dirs2d.shape[0]
    out = np.zeros((m, n_words), dtype=np.uint64)
    tmp = np.zeros(n_words, dtype=np.uint64)
    for r in range(m):
        canonical_key(dirs2d[r], group, candidates, bits, n_words, tmp, out[r])
    return out


# --------------------------------------------------------------------------- hash table

@njit(cache=True, inline="always")
def _hash(key, n_words, shift):
    h = np.uint64(0x2545F4914F6CDD1D)
    for w in range(n_words):
        h = (h ^ key[w]) * _GOLDEN
        h = h ^ (h >> np.uint64(29))
    return np.int64(h >> np.uint64(shift))


@njit(cache=True)
def build_table(keys, log2_capacity):
    """Open-addressing table (linear probing) of ``keys`` (uint64 [M, W], distinct).

    Row ``h`` of the table (uint64 [2^log2_capacity, W + 1]) holds ``r + 1`` for key row ``r``
    (0: empty) followed by the key, so that a lookup touches one cache line.
    """
    cap = 1 << log2_capacity
    shift = 64 - log2_capacity
    n_words = keys.shape[1]
    table = np.zeros((cap, n_words + 1), dtype=np.uint64)
    for r in range(keys.shape[0]):
        h = _hash(keys[r], n_words, shift)
        while table[h, 0] != 0:
            h = (h + 1) & (cap - 1)
        table[h, 0] = np.uint64(r + 1)
        for w in range(n_words):
            table[h, w + 1] = keys[r, w]
    return table


@njit(cache=True, inline="always")
def table_lookup(table, key, shift):
    """Row of ``key`` in a table from :func:`build_table`, or -1."""
    n_words = table.shape[1] - 1
    cap_mask = table.shape[0] - 1
    h = _hash(key, n_words, shift)
    while True:
        r = table[h, 0]
        if r == 0:
            return -1
        same = True
        for w in range(n_words):
            if table[h, w + 1] != key[w]:
                same = False
                break
        if same:
            return np.int64(r) - 1
        h = (h + 1) & cap_mask


@njit(cache=True)
def lookup_rows(table, keys, shift):
    """Rows of many keys (-1 where absent)."""
    out = np.empty(keys.shape[0], dtype=np.int64)
    for r in range(keys.shape[0]):
        out[r] = table_lookup(table, keys[r], shift)
    return out


# --------------------------------------------------------------------------- union-find

@njit(cache=True, inline="always")
def uf_find(parent, x):
    """Root of ``x`` with path halving."""
    while parent[x] != x:
        parent[x] = parent[parent[x]]
        x = parent[x]
    return x


@njit(cache=True, inline="always")
def uf_union(parent, size, a, b):
    """Unite the sets of ``a`` and ``b`` (by size); return the new root."""
    ra = uf_find(parent, a)
    rb = uf_find(parent, b)
    if ra == rb:
        return ra
    if size[ra] < size[rb]:
        ra, rb = rb, ra
    parent[rb] = ra
    size[ra] += size[rb]
    return ra


# --------------------------------------------------------------------------- neighbour pass

@njit(cache=True)
def neighbour_block(neighbours, s0, s1, c0, dirs, level_stop, vectors, group, move_mask, candidates, bits,
                    table, shift, out_nbr, out_cnt, target, out_up, out_down, out_missing):
    """Neighbours of states ``s0:s1`` (rows of ``out_*`` are ``s - c0``).

    For each state ``s``: the distinct neighbouring states ``t != s`` with ``t < level_stop[s]``
    (energy not above ``s``'s) go to ``out_nbr[s - c0, :out_cnt[s - c0]]``; ``target[s]`` is the
    smallest-index neighbour below ``s``'s level (states are sorted by energy, then key, so this is
    steepest descent with a deterministic tie-break) or -1; ``out_up`` / ``out_down`` count the
    distinct neighbours with a higher / lower index (for edge counting and a symmetry check);
    ``out_missing`` counts neighbours absent from the table (above the energy cutoff).
    """
    length = dirs.shape[1]
    n_words = table.shape[1] - 1
    max_k = out_nbr.shape[1]
    buf = np.empty((max_k, length), dtype=np.int8)
    key = np.zeros(n_words, dtype=np.uint64)
    keys = np.zeros((max_k, n_words), dtype=np.uint64)
    found = np.empty(max_k, dtype=np.int64)
    for s in range(s0, s1):
        k = neighbours(dirs[s], vectors, group, move_mask, buf)
        process_neighbours(s, s - c0, k, buf, level_stop, group, candidates, bits, table, shift,
                           key, keys, found, out_nbr, out_cnt, target, out_up, out_down, out_missing)


@njit(cache=True, _nrt=False)
def process_neighbours(s, row, k, buf, level_stop, group, candidates, bits, table, shift,
                       key, keys, found, out_nbr, out_cnt, target, out_up, out_down, out_missing):
    """Canonicalise and look up the ``k`` neighbours of state ``s`` in ``buf``; write row ``row``.

    ``key`` (uint64 [n_words]) and ``keys`` (uint64 [max_k, n_words]) are scratch.
    """
    if k < 0:
        out_missing[row] = 1 << 40  # the neighbour function refused the state: an error upstream
        out_cnt[row] = 0
        target[s] = -1
        out_up[row] = 0
        out_down[row] = 0
        return
    n_words = table.shape[1] - 1
    # all keys first, their table rows prefetched, so that the cache misses of the lookups overlap
    for j in range(k):
        canonical_key(buf[j], group, candidates, bits, n_words, key, keys[j])
        prefetch_row(table, _hash(keys[j], n_words, shift))
    nf = 0
    missing = 0
    for j in range(k):
        t = table_lookup(table, keys[j], shift)
        if t < 0:
            missing += 1
            continue
        if t == s:
            continue
        # insertion into the sorted list of distinct neighbours
        pos = nf
        while pos > 0 and found[pos - 1] > t:
            pos -= 1
        if pos > 0 and found[pos - 1] == t:
            continue
        for q in range(nf, pos, -1):
            found[q] = found[q - 1]
        found[pos] = t
        nf += 1
    stop = level_stop[s]
    cnt = 0
    up = 0
    for q in range(nf):
        t = found[q]
        if t > s:
            up += 1
        if t < stop:
            out_nbr[row, cnt] = t
            cnt += 1
    out_cnt[row] = cnt
    out_up[row] = up
    out_down[row] = nf - up
    out_missing[row] = missing
    # steepest descent: the smallest index is the lowest energy (then the smallest key)
    target[s] = found[0] if nf > 0 and level_stop[found[0]] < stop else -1


@njit(cache=True, _nrt=False)  # allocates nothing; reference counts of the array arguments were ~8% of a flood
def consume_block(c0, c1, level_start, nbr, cnt, parent, size, down_s, down_r, n_down, adj_ptr, adj, n_adj):
    """Union same-level neighbours; record (state, old root) pairs for lower neighbours.

    Same-level neighbours are also appended to ``adj`` (row ``s - level_start`` of the level's
    adjacency ends at ``adj_ptr[s - level_start + 1]``) for the plateau walk of :func:`finish_level`.
    Old components are not touched here (only states of the current level are united), so the
    recorded roots stay roots until :func:`finish_level`.  Returns the new ``(n_down, n_adj)``.
    """
    for s in range(c0, c1):
        row = s - c0
        last_root = -1
        for q in range(cnt[row]):
            t = nbr[row, q]
            if t >= level_start:
                uf_union(parent, size, s, t)
                adj[n_adj] = t
                n_adj += 1
            else:
                r = uf_find(parent, t)
                if r != last_root:
                    down_s[n_down] = s
                    down_r[n_down] = r
                    n_down += 1
                    last_root = r
        adj_ptr[s - level_start + 1] = n_adj
    return n_down, n_adj


@njit(cache=True)
def finish_level(a, b, target, parent, size, down_s, down_r, n_down, adj_ptr, adj, node_of, minimum_of, basin,
                 next_minimum, next_merge):
    """Close energy level ``a:b``: find new minima, gradient basins and merge events.

    ``node_of[root]`` is the merge-tree node of each component of the states below this level:
    a minimum ``m >= 0`` or a merge ``k`` encoded as ``-(k + 2)``.

    Gradient basins: a state with a lower neighbour follows its steepest target; a state without
    one, on a plateau that has lower neighbours somewhere, walks to the nearest plateau states that
    do (fewest moves, breadth first from all of them at once) and follows the smallest of their
    targets; a state of a minimum's plateau belongs to that minimum.

    Returns ``(new_minimum_reps, merge_states, merge_child_ptr, merge_children)``: the first state
    of each new minimum (in index order; their ids are ``next_minimum, next_minimum + 1, ...``),
    and for each merge (ids ``next_merge, ...``) a saddle state and its children (encoded nodes).
    """
    n = b - a
    proot = np.empty(n, dtype=np.int64)
    has_exit = np.zeros(n, dtype=np.bool_)
    for s in range(a, b):
        p = uf_find(parent, s)
        proot[s - a] = p
        if target[s] >= 0:
            has_exit[p - a] = True
    reps = np.empty(n, dtype=np.int64)
    n_new = 0
    for s in range(a, b):
        p = proot[s - a]
        if not has_exit[p - a]:
            if node_of[p] == -1:
                node_of[p] = next_minimum + n_new
                reps[n_new] = s
                n_new += 1
            minimum_of[s] = node_of[p]
    # nearest exit on each plateau: breadth-first from every state that has a lower neighbour
    label = np.full(n, -1, dtype=np.int64)
    dist = np.full(n, -1, dtype=np.int64)
    queue = np.empty(n, dtype=np.int64)
    qt = 0
    for s in range(a, b):
        if target[s] >= 0:
            label[s - a] = target[s]
            dist[s - a] = 0
            queue[qt] = s - a
            qt += 1
    qh = 0
    while qh < qt:
        x = queue[qh]
        qh += 1
        for q in range(adj_ptr[x], adj_ptr[x + 1]):
            y = adj[q] - a
            if dist[y] == -1:
                dist[y] = dist[x] + 1
                label[y] = label[x]
                queue[qt] = y
                qt += 1
            elif dist[y] == dist[x] + 1 and label[x] < label[y]:
                label[y] = label[x]
    for s in range(a, b):
        t = target[s]
        if t >= 0:
            basin[s] = basin[t]
        elif label[s - a] >= 0:
            basin[s] = basin[label[s - a]]
        else:
            basin[s] = minimum_of[s]
    # cross unions, then group the old components by their new root
    child = np.empty(n_down, dtype=np.int64)
    for i in range(n_down):
        child[i] = node_of[down_r[i]]
    for i in range(n_down):
        uf_union(parent, size, down_s[i], down_r[i])
    sort_key = np.empty(n_down, dtype=np.int64)
    offset = np.int64(1) << 31
    for i in range(n_down):
        sort_key[i] = uf_find(parent, down_s[i]) * (offset * 2) + (child[i] + offset)
    order = np.argsort(sort_key, kind="mergesort")
    merge_states = np.empty(n_down, dtype=np.int64)
    child_ptr = np.zeros(n_down + 1, dtype=np.int64)
    children = np.empty(n_down, dtype=np.int64)
    n_merge = 0
    n_child = 0
    i = 0
    while i < n_down:
        root = sort_key[order[i]] // (offset * 2)
        j = i
        first_child = n_child
        best_state = down_s[order[i]]
        last = np.int64(-(1 << 62))
        while j < n_down and sort_key[order[j]] // (offset * 2) == root:
            c = child[order[j]]
            if c != last:
                children[n_child] = c
                n_child += 1
                last = c
            if down_s[order[j]] < best_state:
                best_state = down_s[order[j]]
            j += 1
        count = n_child - first_child
        if count >= 2:
            merge_states[n_merge] = best_state
            n_merge += 1
            child_ptr[n_merge] = n_child
            node_of[root] = -(next_merge + n_merge - 1 + 2)
        else:
            n_child = first_child  # not a merge: drop the single child again
            node_of[root] = children[first_child]
        i = j
    return reps[:n_new].copy(), merge_states[:n_merge].copy(), child_ptr[:n_merge + 1].copy(), \
        children[:n_child].copy()


@njit(cache=True)
def count_roots(parent):
    """Number of components of a union-find forest."""
    c = 0
    for x in range(parent.shape[0]):
        if uf_find(parent, x) == x:
            c += 1
    return c


@njit(cache=True)
def tree_barriers(n_minima, min_energy, tree_parent, merge_saddle):
    """Barrier of each minimum to a strictly lower one, from the merge tree (NaN if none).

    Tree nodes: minima ``0..n_minima-1`` then merges; ``tree_parent`` (-1 for roots);
    ``merge_saddle[k]`` is the saddle energy of merge node ``n_minima + k``.
    """
    n_nodes = tree_parent.shape[0]
    low = np.empty(n_nodes, dtype=np.float64)
    for m in range(n_minima):
        low[m] = min_energy[m]
    for v in range(n_minima, n_nodes):
        low[v] = np.inf
    # merges are created in order of rising saddle, so children precede parents
    for v in range(n_nodes):
        p = tree_parent[v]
        if p >= 0 and low[v] < low[p]:
            low[p] = low[v]
    out = np.full(n_minima, np.nan)
    for m in range(n_minima):
        v = tree_parent[m]
        while v >= 0:
            if low[v] < min_energy[m]:
                out[m] = merge_saddle[v - n_minima] - min_energy[m]
                break
            v = tree_parent[v]
    return out


# --------------------------------------------------------------------------- the shipped move sets
# The kernels below call the sampler's own neighbour enumerator (``moves.neighbours_with``, the workspace
# form of ``moves.all_neighbours``) directly, so that they can be cached: a kernel that receives a
# function argument is compiled again in every process.  numba does not invalidate this cache when
# ``moves.py`` changes: clear ``hpfold/_kernels/__pycache__`` after editing the move kernels.
try:
    from .moves import geometry as _geometry
    from .moves import neighbour_workspace as _neighbour_workspace
    from .moves import neighbours_into as _neighbours_into
    from .moves import neighbours_with as _neighbours_with
    from .neighbour_energy import neighbours_below as _neighbours_below
    from .neighbour_energy import workspace as _energy_workspace
except ImportError:  # the move kernels are not installed yet
    _neighbour_workspace = _neighbours_with = _neighbours_into = _geometry = None


@njit(cache=True, nogil=True)
def neighbour_block_moves(s0, s1, c0, dirs, level_stop, vectors, group, move_mask, candidates, bits, table,
                          shift, out_nbr, out_cnt, target, out_up, out_down, out_missing):
    """:func:`neighbour_block` with the move sets of :mod:`hpfold._kernels.moves` (serial, cached).

    Releases the GIL: disjoint state ranges may run in Python threads at once (each call has its
    own scratch; state s writes only row ``s - c0`` of the outputs).
    """
    length = dirs.shape[1]
    n_words = table.shape[1] - 1
    max_k = out_nbr.shape[1]
    buf = np.empty((max_k, length), dtype=np.int8)
    key = np.zeros(n_words, dtype=np.uint64)
    keys = np.zeros((max_k, n_words), dtype=np.uint64)
    found = np.empty(max_k, dtype=np.int64)
    ws = _neighbour_workspace(length + 1, vectors, group, max_k)
    _moves_rows(s0, s1, c0, dirs, level_stop, vectors, group, move_mask, candidates, bits, table, shift, out_nbr,
                out_cnt, target, out_up, out_down, out_missing, buf, key, keys, found, ws, _geometry(ws[0]),
                np.empty(length + 1, dtype=np.uint64))


@njit(cache=True, _nrt=False)
def _moves_rows(s0, s1, c0, dirs, level_stop, vectors, group, move_mask, candidates, bits, table, shift, out_nbr,
                out_cnt, target, out_up, out_down, out_missing, buf, key, keys, found, ws, G, prefix):
    """The state loop of :func:`neighbour_block_moves` in its scratch arrays (no reference counting)."""
    for s in range(s0, s1):
        k = _neighbours_into(dirs[s], vectors, ws, G, move_mask, buf, True, prefix)
        process_neighbours(s, s - c0, k, buf, level_stop, group, candidates, bits, table, shift,
                           key, keys, found, out_nbr, out_cnt, target, out_up, out_down, out_missing)


def _neighbour_block_threaded(n_sub, s0, s1, c0, dirs, level_stop, vectors, group, move_mask, candidates, bits,
                              table, shift, out_nbr, out_cnt, target, out_up, out_down, out_missing):
    step = (s1 - s0 + n_sub - 1) // n_sub
    for i in prange(n_sub):
        lo = s0 + i * step
        hi = min(s1, lo + step)
        if lo < hi:
            neighbour_block_moves(lo, hi, c0, dirs, level_stop, vectors, group, move_mask, candidates, bits,
                                  table, shift, out_nbr, out_cnt, target, out_up, out_down, out_missing)


#: threaded version (numba threads over sub-blocks; each state's output is independent of the thread count)
neighbour_block_moves_parallel = njit(parallel=True)(_neighbour_block_threaded)


# --------------------------------------------------------------------------- energies without a table

@njit(cache=True)
def energy_workspace(n, vectors):
    """(flat offsets of the directions, empty occupancy grid, centre index) for :func:`dirs_energy`."""
    dim = vectors.shape[1]
    side = 2 * n + 1
    off = np.zeros(vectors.shape[0], dtype=np.int64)
    stride = 1
    center = 0
    for a in range(dim):
        for d in range(vectors.shape[0]):
            off[d] += vectors[d, a] * stride
        center += n * stride
        stride *= side
    return off, np.zeros(stride, dtype=np.int32), center


@njit(cache=True)
def dirs_energy(dirs, types, matrix, off, grid, center, sites):
    """Contact energy of a walk: each pair i < j - 1 on neighbouring sites adds ``matrix[types[i], types[j]]``.

    ``sites`` (int64 [N]) is scratch; ``grid`` is left empty.  Returns ``(energy, self_avoiding)``.
    """
    n = dirs.shape[0] + 1
    p = center
    ok = True
    sites[0] = p
    grid[p] = 1
    k_placed = 1
    for i in range(1, n):
        p += off[dirs[i - 1]]
        sites[i] = p
        if grid[p] != 0:
            ok = False
            break
        grid[p] = i + 1
        k_placed += 1
    e = 0
    if ok:
        nd = off.shape[0]
        for i in range(n):
            ti = types[i]
            for d in range(nd):
                j = grid[sites[i] + off[d]] - 1
                if j > i + 1:
                    e += matrix[ti, types[j]]
    for i in range(k_placed):
        grid[sites[i]] = 0
    return e, ok


@njit(cache=True)
def energies_of(dirs2d, types, matrix, vectors):
    """Contact energies of many walks (int64 [M]) and whether each is self-avoiding."""
    m = dirs2d.shape[0]
    n = dirs2d.shape[1] + 1
    off, grid, center = energy_workspace(n, vectors)
    sites = np.zeros(n, dtype=np.int64)
    out = np.zeros(m, dtype=np.int64)
    valid = np.zeros(m, dtype=np.bool_)
    for r in range(m):
        e, ok = dirs_energy(dirs2d[r], types, matrix, off, grid, center, sites)
        out[r] = e
        valid[r] = ok
    return out, valid


# --------------------------------------------------------------------------- growing sets of states

@njit(cache=True, inline="always")
def set_insert(table, key, shift, value, used, n_used):
    """Find ``key`` in an open-addressing table or insert it with ``value`` (>= 0).

    Returns ``(row value, inserted, n_used)``; ``used[:n_used]`` lists the occupied slots (for clearing).
    """
    n_words = table.shape[1] - 1
    cap_mask = table.shape[0] - 1
    h = _hash(key, n_words, shift)
    while True:
        r = table[h, 0]
        if r == 0:
            table[h, 0] = np.uint64(value + 1)
            for w in range(n_words):
                table[h, w + 1] = key[w]
            used[n_used] = h
            return value, True, n_used + 1
        same = True
        for w in range(n_words):
            if table[h, w + 1] != key[w]:
                same = False
                break
        if same:
            return np.int64(r) - 1, False, n_used
        h = (h + 1) & cap_mask


@njit(cache=True)
def set_table(n_items, n_words):
    """An empty set for :func:`set_insert` of up to ``n_items`` keys: ``(table, shift, used)``.

    The capacity is the power of two at least ``2 n_items + 2`` (at most half full).
    """
    cap = 4
    while cap < 2 * n_items + 2:
        cap *= 2
    return np.zeros((cap, n_words + 1), dtype=np.uint64), 64 - int(np.log2(cap)), np.zeros(cap, dtype=np.int64)


@njit(cache=True, inline="always")
def set_clear(table, used, n_used):
    """Empty the slots ``used[:n_used]`` of a :func:`set_table` (a zero value marks a slot free; its
    key words are left stale, as :func:`set_insert` and :func:`table_lookup` read them only behind
    a non-zero value)."""
    for i in range(n_used):
        table[used[i], 0] = 0


@njit(cache=True, inline="always")
def key_less(a, b):
    for w in range(a.shape[0]):
        if a[w] < b[w]:
            return True
        if a[w] > b[w]:
            return False
    return False


# --------------------------------------------------------------------------- bounded saddle search

@njit(cache=True, nogil=True)
def connect_pair(dirs_a, dirs_b, level_cap, budget, types, matrix, vectors, group, move_mask, max_k, candidates,
                 bits, n_words):
    """Lowest energy threshold at which two states are joined by moves, by flooding from both ends.

    Both floods grow together, level by level: at threshold ``L`` each holds every state reachable
    from its seed through states with energy <= L.  The first level at which they share a state is
    the saddle (exact, because every lower level was flooded completely).

    Returns
    -------
    (status, level, n_states)
        status 1: joined, ``level`` is the saddle energy; 0: the state budget ran out, the saddle is
        >= ``level``; 2: the floods exhausted their components without meeting (not connected);
        3: not joined at any level <= ``level_cap``, the saddle is >= ``level``.
    """
    length = dirs_a.shape[0]
    n = length + 1
    wsp = _energy_workspace(n, vectors, group, max_k, types, matrix)
    off, egrid, center = energy_workspace(n, vectors)
    sites = np.zeros(n, dtype=np.int64)
    buf = np.empty((max_k, length), dtype=np.int8)
    nbe = np.empty(max_k, dtype=np.int64)  # energies of the neighbours in ``buf``
    key = np.zeros(n_words, dtype=np.uint64)
    tmp = np.zeros(n_words, dtype=np.uint64)
    table, shift, used = set_table(budget + 1, n_words)
    store = np.empty((budget + 2, length), dtype=np.int8)
    energy = np.zeros(budget + 2, dtype=np.int64)
    side = np.zeros(budget + 2, dtype=np.int64)
    queue = np.zeros(budget + 2, dtype=np.int64)
    pending = np.zeros(budget + 2, dtype=np.int64)
    return _connect_floods(dirs_a, dirs_b, level_cap, budget, types, matrix, group, move_mask, candidates, bits,
                           n_words, wsp, off, egrid, center, sites, buf, nbe, key, tmp, table, shift, used, store,
                           energy, side, queue, pending)


@njit(cache=True, _nrt=False)
def _connect_floods(dirs_a, dirs_b, level_cap, budget, types, matrix, group, move_mask, candidates, bits, n_words,
                    wsp, off, egrid, center, sites, buf, nbe, key, tmp, table, shift, used, store, energy, side,
                    queue, pending):
    """The two floods of :func:`connect_pair` in its scratch arrays (no allocation, no reference counting)."""
    length = dirs_a.shape[0]
    n_pending = 0
    n_used = 0
    n_store = 0
    qhead = 0
    qtail = 0
    for s in range(2):
        src = dirs_a if s == 0 else dirs_b
        e, _ = dirs_energy(src, types, matrix, off, egrid, center, sites)
        canonical_key(src, group, candidates, bits, n_words, tmp, key)
        idx, inserted, n_used = set_insert(table, key, shift, n_store, used, n_used)
        if not inserted:
            return 1, e, n_store  # the same state
        for i in range(length):
            store[n_store, i] = src[i]
        energy[n_store] = e
        side[n_store] = s + 1
        n_store += 1
    level = max(energy[0], energy[1])
    queue[0] = 0
    queue[1] = 1
    qtail = 2
    while True:
        while qhead < qtail:
            x = queue[qhead]
            qhead += 1
            sx = side[x]
            k, _ = _neighbours_below(store[x], _NO_LIMIT, wsp, move_mask, buf, nbe)
            for j in range(k):
                canonical_key(buf[j], group, candidates, bits, n_words, tmp, key)
                idx = table_lookup(table, key, shift)
                if idx < 0:
                    if n_store >= budget:
                        return 0, level, n_store
                    e = nbe[j]
                    idx, inserted, n_used = set_insert(table, key, shift, n_store, used, n_used)
                    for i in range(length):
                        store[idx, i] = buf[j, i]
                    energy[idx] = e
                    side[idx] = sx
                    n_store += 1
                    if e <= level:
                        queue[qtail] = idx
                        qtail += 1
                    else:
                        pending[n_pending] = idx
                        n_pending += 1
                elif (side[idx] & sx) == 0:
                    side[idx] |= sx
                    if energy[idx] <= level:
                        return 1, level, n_store
        # this level is complete and the floods have not met: the saddle is above it
        if n_pending == 0:
            return 2, level + 1, n_store
        nxt = energy[pending[0]]
        for p in range(n_pending):
            nxt = min(nxt, energy[pending[p]])
        if nxt > level_cap:
            return 3, nxt, n_store
        level = nxt
        kept = 0
        for p in range(n_pending):
            idx = pending[p]
            if energy[idx] <= level:
                if side[idx] == 3:
                    return 1, level, n_store
                queue[qtail] = idx
                qtail += 1
            else:
                pending[kept] = idx
                kept += 1
        n_pending = kept


@njit(cache=True)
def one_move_apart(dirs_a, dirs_b, vectors, group, move_mask, max_k, candidates, bits, n_words):
    """For each row pair: whether ``dirs_b[r]`` is ``dirs_a[r]`` or one move from it (up to symmetry)."""
    m = dirs_a.shape[0]
    length = dirs_a.shape[1]
    n = length + 1
    out = np.zeros(m, dtype=np.bool_)
    key_b = np.zeros(n_words, dtype=np.uint64)
    key = np.zeros(n_words, dtype=np.uint64)
    tmp = np.zeros(n_words, dtype=np.uint64)
    ws = _neighbour_workspace(n, vectors, group, max_k)
    buf = np.empty((max_k, length), dtype=np.int8)
    for r in range(m):
        canonical_key(dirs_b[r], group, candidates, bits, n_words, tmp, key_b)
        canonical_key(dirs_a[r], group, candidates, bits, n_words, tmp, key)
        if not key_less(key, key_b) and not key_less(key_b, key):
            out[r] = True
            continue
        k = _neighbours_with(dirs_a[r], vectors, ws, move_mask, buf, True)
        for j in range(k):
            canonical_key(buf[j], group, candidates, bits, n_words, tmp, key)
            if not key_less(key, key_b) and not key_less(key_b, key):
                out[r] = True
                break
    return out
