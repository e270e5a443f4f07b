"""Neighbour passes of the generic spaces (uint64 keys, explicit CSR lists) in the flooding kernels' layout.

Every pass writes, for each state ``s`` of a block (row ``s - c0`` of the outputs):
``out_nbr[row, :out_cnt[row]]`` the distinct neighbours ``t != s`` at or below ``s``'s
level (``t < level_stop[s]``), ascending; ``target[s]`` the smallest-numbered
neighbour on a lower level (steepest descent, ties by state order) or -1;
``out_up`` / ``out_down`` the distinct neighbours numbered above / below ``s``;
``out_missing`` the neighbours that are not states (above an energy cutoff, or
an error upstream).  :func:`hpfold._kernels.landscape.consume_block` and
``finish_level`` take it from there, whatever the space.
"""
import numpy as np
from numba import njit, prange

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)


# --------------------------------------------------------------------------- one-word key table

@njit(cache=True, inline="always")
def _hash1(key, shift):
    h = (np.uint64(0x2545F4914F6CDD1D) ^ key) * _GOLDEN
    h = h ^ (h >> np.uint64(29))
    return np.int64(h >> np.uint64(shift))


@njit(cache=True)
def _build_key_table(keys, log2_capacity):
    cap = 1 << log2_capacity
    shift = 64 - log2_capacity
    table = np.zeros((cap, 2), dtype=np.uint64)
    for r in range(keys.shape[0]):
        h = _hash1(keys[r], shift)
        while table[h, 0] != 0:
            h = (h + 1) & (cap - 1)
        table[h, 0] = np.uint64(r + 1)
        table[h, 1] = keys[r]
    return table


def key_table(keys):
    """Open-addressing table of distinct uint64 keys: ``(table, shift)`` for :func:`key_lookup`."""
    log2 = max(4, int(np.ceil(np.log2(2 * max(len(keys), 1)))))
    return _build_key_table(keys, log2), 64 - log2


@njit(cache=True, inline="always")
def key_lookup(table, key, shift):
    """Row of ``key`` in a :func:`key_table`, or -1."""
    mask = table.shape[0] - 1
    h = _hash1(key, shift)
    while True:
        r = table[h, 0]
        if r == 0:
            return np.int64(-1)
        if table[h, 1] == key:
            return np.int64(r) - 1
        h = (h + 1) & mask


@njit(cache=True, inline="always")
def state_of(key, rank, table, shift):
    """State of ``key``: ``rank[key]`` for a dense key range (``rank`` non-empty), else the hash table."""
    if rank.shape[0] > 0:
        if key < np.uint64(rank.shape[0]):
            return np.int64(rank[key])
        return np.int64(-1)
    return key_lookup(table, key, shift)


# --------------------------------------------------------------------------- shared tail

@njit(cache=True, inline="always")
def insert_sorted(found, nf, t):
    """Insert ``t`` into the ascending distinct list ``found[:nf]``; return the new length."""
    pos = nf
    while pos > 0 and found[pos - 1] > t:
        pos -= 1
    if pos > 0 and found[pos - 1] == t:
        return nf
    for q in range(nf, pos, -1):
        found[q] = found[q - 1]
    found[pos] = t
    return nf + 1


@njit(cache=True, inline="always")
def record_found(s, row, found, nf, missing, level_stop, out_nbr, out_cnt, target, out_up, out_down, out_missing):
    """Write the outputs of state ``s`` from its ascending distinct neighbours ``found[:nf]``."""
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
    target[s] = found[0] if nf > 0 and level_stop[found[0]] < stop else -1


@njit(cache=True, inline="always")
def append_counted(rows, nr, indices, mult, m):
    """Append the distinct values of ``rows[:nr]`` (ascending) and their counts at ``indices[m:]``, ``mult[m:]``."""
    srt = np.sort(rows[:nr])
    q = 0
    while q < nr:
        t = srt[q]
        c = 0
        while q < nr and srt[q] == t:
            c += 1
            q += 1
        indices[m] = t
        mult[m] = c
        m += 1
    return m


# --------------------------------------------------------------------------- key spaces

@njit
def key_neighbour_block(neighbours, params, s0, s1, c0, keys, level_stop, rank, table, shift, out_nbr, out_cnt,
                        target, out_up, out_down, out_missing):
    """Neighbour pass of a key space for states ``s0:s1`` (``neighbours(key, params, out) -> count``)."""
    max_k = out_nbr.shape[1]
    buf = np.empty(max_k, dtype=np.uint64)
    found = np.empty(max_k, dtype=np.int64)
    for s in range(s0, s1):
        k = neighbours(keys[s], params, buf)
        if k < 0 or k > max_k:
            out_missing[s - c0] = 1 << 40  # the neighbour function misbehaved: reported upstream
            out_cnt[s - c0] = 0
            out_up[s - c0] = 0
            out_down[s - c0] = 0
            target[s] = -1
            continue
        nf = 0
        missing = 0
        for j in range(k):
            t = state_of(buf[j], rank, table, shift)
            if t < 0:
                missing += 1
            elif t != s:
                nf = insert_sorted(found, nf, t)
        record_found(s, s - c0, found, nf, missing, level_stop, out_nbr, out_cnt, target, out_up, out_down,
                     out_missing)


@njit(parallel=True)
def key_neighbour_block_parallel(neighbours, params, s0, s1, c0, keys, level_stop, rank, table, shift, out_nbr,
                                 out_cnt, target, out_up, out_down, out_missing):
    """:func:`key_neighbour_block` over sub-blocks in numba threads (each row independent of the thread count)."""
    n_sub = 64
    step = (s1 - s0 + n_sub - 1) // n_sub
    for i in prange(n_sub):
        lo = s0 + i * step
        hi = min(s1, lo + step)
        if lo < hi:
            key_neighbour_block(neighbours, params, lo, hi, c0, keys, level_stop, rank, table, shift, out_nbr,
                                out_cnt, target, out_up, out_down, out_missing)


@njit
def key_state_graph(neighbours, params, keys, rank, table, shift, max_k):
    """CSR of every state's distinct neighbours with slot multiplicities; ``missing`` < 0 on overflow."""
    n = keys.shape[0]
    buf = np.empty(max_k, dtype=np.uint64)
    rows = np.empty(max_k, dtype=np.int64)
    indptr = np.zeros(n + 1, dtype=np.int64)
    indices = np.empty(n * max_k, dtype=np.int64)
    mult = np.empty(n * max_k, dtype=np.int64)
    m = 0
    missing = 0
    for s in range(n):
        k = neighbours(keys[s], params, buf)
        if k < 0 or k > max_k:
            return indptr, indices[:0].copy(), mult[:0].copy(), np.int64(-1)
        nr = 0
        for j in range(k):
            t = state_of(buf[j], rank, table, shift)
            if t < 0:
                missing += 1
            elif t != s:
                rows[nr] = t
                nr += 1
        m = append_counted(rows, nr, indices, mult, m)
        indptr[s + 1] = m
    return indptr, indices[:m].copy(), mult[:m].copy(), np.int64(missing)


# --------------------------------------------------------------------------- explicit lists

@njit(cache=True)
def csr_neighbour_block(s0, s1, c0, indptr, indices, level_stop, out_nbr, out_cnt, target, out_up, out_down,
                        out_missing):
    """Neighbour pass of an explicit neighbour list (rows ascending and distinct, no self-loops)."""
    for s in range(s0, s1):
        a = indptr[s]
        nf = indptr[s + 1] - a
        record_found(s, s - c0, indices[a:], nf, 0, level_stop, out_nbr, out_cnt, target, out_up, out_down,
                     out_missing)


# --------------------------------------------------------------------------- HP chains (kinetics)

try:
    from .landscape import canonical_key as _canonical_key
    from .landscape import table_lookup as _table_lookup
    from .moves import neighbour_workspace as _neighbour_workspace
    from .moves import neighbours_with as _neighbours_with
except ImportError:  # pragma: no cover - the move kernels are not installed yet
    _neighbours_with = None


@njit(cache=True)
def hp_state_graph(dirs, vectors, group, move_mask, candidates, bits, table, shift, max_rows):
    """CSR of every proposal slot of each class's representative, lumped onto classes.

    ``indices[indptr[s]:indptr[s+1]]`` are the distinct classes ``t != s`` reached, ascending;
    ``mult`` the slots reaching each; ``missing`` the slot results not in the table (above a cutoff).
    """
    n_states = dirs.shape[0]
    length = dirs.shape[1]
    n_words = table.shape[1] - 1
    ws = _neighbour_workspace(length + 1, vectors, group, max_rows)
    buf = np.zeros((max_rows, length), dtype=np.int8)
    key = np.zeros(n_words, dtype=np.uint64)
    tmp = np.zeros(n_words, dtype=np.uint64)
    rows = np.empty(max_rows, dtype=np.int64)
    indptr = np.zeros(n_states + 1, dtype=np.int64)
    cap = max(16, n_states * 4)
    indices = np.empty(cap, dtype=np.int64)
    mult = np.empty(cap, dtype=np.int64)
    m = 0
    missing = 0
    for s in range(n_states):
        k = _neighbours_with(dirs[s], vectors, ws, move_mask, buf, False)
        nr = 0
        for j in range(max(k, 0)):
            _canonical_key(buf[j], group, candidates, bits, n_words, tmp, key)
            t = _table_lookup(table, key, shift)
            if t < 0:
                missing += 1
            elif t != s:
                rows[nr] = t
                nr += 1
        if m + nr > cap:
            cap = max(2 * cap, m + nr)
            grown = np.empty(cap, dtype=np.int64)
            grown[:m] = indices[:m]
            indices = grown
            grown = np.empty(cap, dtype=np.int64)
            grown[:m] = mult[:m]
            mult = grown
        m = append_counted(rows, nr, indices, mult, m)
        indptr[s + 1] = m
    return indptr, indices[:m].copy(), mult[:m].copy(), np.int64(missing)
