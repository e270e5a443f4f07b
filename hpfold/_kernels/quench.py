"""Quench kernels: steepest descent of sampled states to their local minima, serial or speculative.

A quench follows the flooding's gradient rule (lowest neighbour, ties by the
smallest canonical key; plateaus walked breadth first to the nearest layer with
lower neighbours) and remembers every state it settles in a memo table, so that
later rows stop as soon as they meet one.

The memo has two levels: ``base``, read only, and ``memo``, read and written.  A
serial quench passes an empty ``base``.  A *speculative* quench of a block of
rows passes the shared memo as ``base`` and a fresh ``memo``, and logs every
lookup with the value it returned (its reads) and every entry it stored.  Blocks
run at once on threads; :func:`merge_block` then takes their rows in order.  A
row is a deterministic function of its input and of the values its lookups
returned, so when every logged lookup returns the same value (minima
renumbered) in the memo the serial run would have had at that row, the row's
result *is* the serial one and its entries and minimum are merged; any other
row is quenched again serially on the spot.  The result is the serial result,
whatever the number of threads or blocks.
"""
import numpy as np
from numba import njit

from .landscape import (_hash, canonical_key, key_less, pack_into, set_clear, set_insert, set_table, table_lookup,
                        unpack_into)
from .neighbour_energy import neighbours_below, walk_energy, workspace
from .prefetch import prefetch_row

__all__ = ["quench_state", "quench_rows", "quench_batch", "merge_block", "empty_table"]

# columns of ``row_ends``: where each row's reads, stored entries and minima end
_READ, _PUT, _MIN = 0, 1, 2


@njit(cache=True)
def empty_table(n_words, capacity=1024):
    """An empty memo table (``capacity`` a power of two): ``(table, shift)``."""
    return np.zeros((capacity, n_words + 1), dtype=np.uint64), 64 - int(np.log2(capacity))


@njit(cache=True)
def quench_state(length, n_words):
    """Empty memo and minima arrays for :func:`quench_rows`: ``(memo, memo_shift, dirs, energy, size, complete)``."""
    memo, shift = empty_table(n_words)
    return (memo, shift, np.zeros((16, length), dtype=np.int8), np.zeros(16, dtype=np.int64),
            np.zeros(16, dtype=np.int64), np.zeros(16, dtype=np.bool_))


@njit(cache=True)
def _memo_put(table, shift, count, key, value):
    """Store ``key -> value`` (value >= 0) unless present, doubling the table above half load.

    Returns ``(table, shift, count)``.
    """
    if 2 * (count + 1) > table.shape[0]:
        cap = table.shape[0] * 2
        shift -= 1
        bigger = np.zeros((cap, table.shape[1]), dtype=np.uint64)
        n_words = table.shape[1] - 1
        for h in range(table.shape[0]):
            if table[h, 0] != 0:
                g = _hash(table[h, 1:], n_words, shift)
                while bigger[g, 0] != 0:
                    g = (g + 1) & (cap - 1)
                for w in range(table.shape[1]):
                    bigger[g, w] = table[h, w]
        table = bigger
    n_words = table.shape[1] - 1
    cap_mask = table.shape[0] - 1
    h = _hash(key, n_words, shift)
    while table[h, 0] != 0:
        same = True
        for w in range(n_words):
            if table[h, w + 1] != key[w]:
                same = False
                break
        if same:
            return table, shift, count
        h = (h + 1) & cap_mask
    table[h, 0] = np.uint64(value + 1)
    for w in range(n_words):
        table[h, w + 1] = key[w]
    return table, shift, count + 1


@njit(cache=True, inline="always")
def _grow_rows(a, n):
    """``a`` with room for row ``n`` (doubled when full)."""
    if n < a.shape[0]:
        return a
    bigger = np.zeros((2 * a.shape[0], a.shape[1]), dtype=a.dtype)
    bigger[:n] = a[:n]
    return bigger


@njit(cache=True)
def _recall(base, base_shift, memo, memo_shift, key, log):
    """Memo value of ``key`` (-1 if absent); with ``log = (on, reads, n)`` on, the lookup is appended.

    A logged read is the key and the value returned.  Returns ``(value, reads, n)``.
    """
    on, reads, n_read = log
    if on:
        reads = _grow_rows(reads, n_read)
    hit, n_read = _recall_into(base, base_shift, memo, memo_shift, key, on, reads, n_read)
    return hit, reads, n_read


@njit(cache=True, _nrt=False, inline="always")
def _recall_into(base, base_shift, memo, memo_shift, key, on, reads, n_read):
    """:func:`_recall` into ``reads`` as it is: ``(value, n)``, n = -1 (nothing logged) when ``reads`` is full."""
    hit = table_lookup(base, key, base_shift)
    if hit < 0:
        hit = table_lookup(memo, key, memo_shift)
    if on:
        if n_read >= reads.shape[0]:
            return hit, -1
        n_words = key.shape[0]
        for w in range(n_words):
            reads[n_read, w] = key[w]
        reads[n_read, n_words] = np.uint64(hit + 1)
        n_read += 1
    return hit, n_read


@njit(cache=True)
def _remember(memo, memo_shift, memo_count, key, value, on, puts, n_put):
    """:func:`_memo_put`, logging the entry when ``on``.  Returns ``(memo, shift, count, puts, n_put)``."""
    memo, memo_shift, memo_count = _memo_put(memo, memo_shift, memo_count, key, value)
    if on:
        puts = _grow_rows(puts, n_put)
        n_words = key.shape[0]
        for w in range(n_words):
            puts[n_put, w] = key[w]
        puts[n_put, n_words] = np.uint64(value)
        n_put += 1
    return memo, memo_shift, memo_count, puts, n_put


@njit(cache=True)
def _add_minimum(min_dirs, min_energy, min_size, min_complete, n_min, key, bits, energy, size, complete):
    """Append a minimum (its canonical key unpacked), growing the arrays.  Returns them and the new count."""
    length = min_dirs.shape[1]
    if n_min == min_energy.shape[0]:
        grow = 2 * n_min
        d2 = np.zeros((grow, length), dtype=np.int8)
        e2 = np.zeros(grow, dtype=np.int64)
        s2 = np.zeros(grow, dtype=np.int64)
        c2 = np.zeros(grow, dtype=np.bool_)
        d2[:n_min] = min_dirs
        e2[:n_min] = min_energy
        s2[:n_min] = min_size
        c2[:n_min] = min_complete
        min_dirs, min_energy, min_size, min_complete = d2, e2, s2, c2
    unpack_into(key, bits, length, min_dirs[n_min])
    min_energy[n_min] = energy
    min_size[n_min] = size
    min_complete[n_min] = complete
    return min_dirs, min_energy, min_size, min_complete, n_min + 1


@njit(cache=True, inline="always")
def _prefer(e, key, row, have, e_best, best_key, best):
    """Make ``(e, key, row)`` the best if there is none yet, its energy is lower, or it ties with a smaller key.

    Returns the best energy; ``best_key`` and ``best`` hold the best key and row.
    """
    if have and (e > e_best or (e == e_best and not key_less(key, best_key))):
        return e_best
    for w in range(key.shape[0]):
        best_key[w] = key[w]
    for i in range(row.shape[0]):
        best[i] = row[i]
    return e


@njit(cache=True, _nrt=False)
def _lowest_below(cur, e_cur, wsp, move_mask, buf, nbe, group, candidates, bits, n_words, key, best_key, best):
    """The descent step: the lowest neighbour of ``cur`` below ``e_cur`` (ties: the smallest canonical key).

    Returns ``(found, e_best)``; the neighbour is left in ``best`` and its key in ``best_key``.
    Allocation free and compiled without reference counting (the row views of the loop).
    """
    k, _ = neighbours_below(cur, e_cur - 1, wsp, move_mask, buf, nbe)
    e_best = e_cur
    found = False
    for j in range(k):
        e = nbe[j]
        if found and e > e_best:
            continue
        canonical_key(buf[j], group, candidates, bits, n_words, key, key)
        e_best = _prefer(e, key, buf[j], found, e_best, best_key, best)
        found = True
    return found, e_best


@njit(cache=True)
def _walk_plateau(e_cur, wsp, move_mask, buf, nbe, group, candidates, bits, n_words, budget, table, shift, used,
                  store, best, key, keys, best_key, exit_key, base, base_shift, memo, memo_shift, min_energy, log):
    """Breadth-first walk of the plateau of ``store[0]`` (energy ``e_cur``) to its first layer with exits.

    Returns ``(exit_found, exit_e, complete, joined, fallback, n_store, rep, reads, n_read)``: the
    best exit is left in ``best``, the states walked in ``store[:n_store]`` (``rep`` the smallest
    canonical key), ``joined`` a minimum of this energy met in the memo (-1), ``fallback`` another
    minimum met (-1); ``table`` is left empty.  The walk itself is :func:`_walk`; when its log of
    reads fills up, the log is doubled and the walk (a function of its inputs) run again.
    """
    on, reads, n_read = log
    while True:
        res = _walk(e_cur, wsp, move_mask, buf, nbe, group, candidates, bits, n_words, budget, table, shift, used,
                    store, best, key, keys, best_key, exit_key, base, base_shift, memo, memo_shift, min_energy, on,
                    reads, n_read)
        if res[7] >= 0:
            return res[0], res[1], res[2], res[3], res[4], res[5], res[6], reads, res[7]
        reads = _grow_rows(reads, reads.shape[0])


@njit(cache=True, _nrt=False)
def _walk(e_cur, wsp, move_mask, buf, nbe, group, candidates, bits, n_words, budget, table, shift, used, store,
          best, key, keys, best_key, exit_key, base, base_shift, memo, memo_shift, min_energy, on, reads, n_read):
    """The walk of :func:`_walk_plateau`, allocation free (no reference counting): ``(exit_found, exit_e,
    complete, joined, fallback, n_store, rep, n_read)``, n_read = -1 when ``reads`` filled up (the
    walk was abandoned, ``table`` left empty).  ``keys`` (uint64 [max_k, n_words]) is scratch: the
    keys of one state's neighbours, computed first with their memo rows prefetched."""
    length = store.shape[1]
    n_used = 0
    n_store = 1
    canonical_key(store[0], group, candidates, bits, n_words, key, key)
    _, _, n_used = set_insert(table, key, shift, 0, used, n_used)
    for w in range(n_words):
        best_key[w] = key[w]  # smallest member so far
    rep = 0
    exit_found = False
    exit_e = e_cur
    complete = True
    joined = -1
    fallback = -1
    layer_start = 0
    layer_end = 1
    while layer_start < layer_end and not exit_found and complete:
        for head in range(layer_start, layer_end):
            k, _ = neighbours_below(store[head], exit_e if exit_found else e_cur, wsp, move_mask, buf, nbe)
            for j in range(k):  # every key first, the memo rows of the plateau ones prefetched
                canonical_key(buf[j], group, candidates, bits, n_words, key, keys[j])
                if nbe[j] == e_cur and not exit_found:
                    prefetch_row(base, _hash(keys[j], n_words, base_shift))
                    prefetch_row(memo, _hash(keys[j], n_words, memo_shift))
            for j in range(k):
                e = nbe[j]
                if exit_found and e > exit_e:
                    continue
                key = keys[j]
                if e < e_cur:
                    exit_e = _prefer(e, key, buf[j], exit_found, exit_e, exit_key, best)
                    exit_found = True
                    continue
                if exit_found:
                    continue  # this layer has an exit: the next layer is not needed
                if table_lookup(table, key, shift) >= 0:
                    continue  # walked already (its memo entry, if any, was looked at then)
                hit, n_read = _recall_into(base, base_shift, memo, memo_shift, key, on, reads, n_read)
                if n_read < 0:
                    set_clear(table, used, n_used)
                    return exit_found, exit_e, complete, joined, fallback, n_store, rep, -1
                if hit >= 0:
                    if min_energy[hit // 2] == e_cur:
                        joined = hit // 2  # the plateau of a minimum already walked (in part)
                        complete = False
                        break
                    if fallback < 0:
                        fallback = hit // 2
                if n_store >= budget:
                    complete = False  # out of budget: stop the walk here
                    break
                _, inserted, n_used = set_insert(table, key, shift, n_store, used, n_used)
                if inserted:
                    for i in range(length):
                        store[n_store, i] = buf[j, i]
                    if key_less(key, best_key):
                        for w in range(n_words):
                            best_key[w] = key[w]
                        rep = n_store
                    n_store += 1
            if not complete:
                break
        layer_start = layer_end
        layer_end = n_store
    set_clear(table, used, n_used)
    return exit_found, exit_e, complete, joined, fallback, n_store, rep, n_read


@njit(cache=True, nogil=True)
def quench_rows(dirs2d, r0, r1, types, matrix, vectors, group, move_mask, max_k, candidates, bits, n_words, budget,
                out_minimum, out_steps, out_exact, memo, memo_shift, memo_count, min_dirs, min_energy, min_size,
                min_complete, n_min, base, base_shift, speculate, reads, puts, row_ends):
    """Steepest descent of rows ``r0:r1`` of ``dirs2d`` to their local minima, with the flooding's tie-break.

    From a state with lower neighbours the descent moves to the lowest one (ties: smallest canonical
    key).  A state without lower neighbour is on a plateau: it is walked breadth first (at most
    ``budget`` states) up to the first layer whose states have lower neighbours, and the descent
    continues from the lowest of those neighbours (ties: smallest key); when the whole plateau has
    none it is a minimum, represented by its smallest canonical key.  When a walk reaches the budget
    it stops: the descent leaves by the best exit found so far, or joins the minimum of an already
    walked state of the plateau, or the part walked is taken as a minimum (flagged incomplete).
    Results are remembered for every state on a descent path and every state walked on a plateau
    that ended the descent, so later rows reaching them stop at once; a walk that meets a state of
    a minimum of its own energy joins that minimum (the two plateaus are one).

    The memo (``memo`` over the read-only ``base``, see the module notes) and the minima found so
    far are carried from call to call (start from :func:`quench_state` and :func:`empty_table`), so
    quenching rows in chunks gives the result of one call over all rows.  Writes ``out_minimum[r]``
    (index into the minima), the number of descent steps, and whether every plateau crossed was
    walked completely (then the minimum is the row's exact gradient basin).  With ``speculate``,
    lookups and stored entries are logged (``reads``, ``puts``: uint64 [*, n_words + 1], the key
    and the value + 1, resp. the value) and ``row_ends[r - r0]`` = where row r's reads, entries and
    minima end.

    Returns ``(memo, memo_shift, memo_count, min_dirs, min_energy, min_size, min_complete, n_min,
    reads, puts)``; the first ``n_min`` rows of the minima arrays are valid.

    Notes
    -----
    Cost: one neighbour generation (:func:`hpfold._kernels.neighbour_energy.neighbours_below`) per
    descent step and per plateau state expanded, at most ``budget`` states per plateau walk.
    """
    length = dirs2d.shape[1]
    n = length + 1
    wsp = workspace(n, vectors, group, max_k, types, matrix)
    buf = np.empty((max_k, length), dtype=np.int8)
    nbe = np.empty(max_k, dtype=np.int64)  # energies of the neighbours in ``buf``
    key = np.zeros(n_words, dtype=np.uint64)
    tmp = np.zeros(n_words, dtype=np.uint64)
    keys = np.zeros((max_k, n_words), dtype=np.uint64)  # scratch of the plateau walk
    best_key = np.zeros(n_words, dtype=np.uint64)
    exit_key = np.zeros(n_words, dtype=np.uint64)
    cur = np.empty(length, dtype=np.int8)
    best = np.empty(length, dtype=np.int8)
    table, shift, used = set_table(budget, n_words)
    store = np.empty((budget, length), dtype=np.int8)
    path = np.zeros((n * vectors.shape[0] + 4, n_words), dtype=np.uint64)
    n_read = 0
    n_put = 0
    for r in range(r0, r1):
        for i in range(length):
            cur[i] = dirs2d[r, i]
        steps = 0
        exact = True
        n_path = 0
        result = -1
        e_cur, _ = walk_energy(cur, wsp)
        while True:
            canonical_key(cur, group, candidates, bits, n_words, tmp, key)
            hit, reads, n_read = _recall(base, base_shift, memo, memo_shift, key, (speculate, reads, n_read))
            if hit >= 0:
                result = hit // 2
                exact = exact and (hit % 2 == 1)
                break
            if n_path < path.shape[0]:
                for w in range(n_words):
                    path[n_path, w] = key[w]
                n_path += 1
            found, e_best = _lowest_below(cur, e_cur, wsp, move_mask, buf, nbe, group, candidates, bits, n_words, key,
                                          best_key, best)
            if found:
                for i in range(length):
                    cur[i] = best[i]
                e_cur = e_best
                steps += 1
                continue
            # a plateau: walk it breadth first, layer by layer, until a layer has lower neighbours
            for i in range(length):
                store[0, i] = cur[i]
            exit_found, exit_e, complete, joined, fallback, n_store, rep, reads, n_read = _walk_plateau(
                e_cur, wsp, move_mask, buf, nbe, group, candidates, bits, n_words, budget, table, shift, used,
                store, best, key, keys, best_key, exit_key, base, base_shift, memo, memo_shift, min_energy,
                (speculate, reads, n_read))
            if not complete:
                exact = False
            if joined >= 0 or (not exit_found and not complete and fallback >= 0):
                result = joined if joined >= 0 else fallback
                for q in range(n_store):
                    canonical_key(store[q], group, candidates, bits, n_words, tmp, key)
                    memo, memo_shift, memo_count, puts, n_put = _remember(memo, memo_shift, memo_count, key,
                                                                          2 * result, speculate, puts, n_put)
                break
            if exit_found:
                for i in range(length):
                    cur[i] = best[i]
                e_cur = exit_e
                steps += 1
                continue
            # a minimum: record it and remember every state of its plateau
            canonical_key(store[rep], group, candidates, bits, n_words, tmp, key)
            min_dirs, min_energy, min_size, min_complete, n_min = _add_minimum(
                min_dirs, min_energy, min_size, min_complete, n_min, key, bits, e_cur, n_store, complete)
            result = n_min - 1
            for q in range(n_store):
                canonical_key(store[q], group, candidates, bits, n_words, tmp, key)
                memo, memo_shift, memo_count, puts, n_put = _remember(memo, memo_shift, memo_count, key,
                                                                      2 * result + (1 if complete else 0),
                                                                      speculate, puts, n_put)
            break
        for q in range(n_path):
            memo, memo_shift, memo_count, puts, n_put = _remember(memo, memo_shift, memo_count, path[q],
                                                                  2 * result + (1 if exact else 0),
                                                                  speculate, puts, n_put)
        out_minimum[r] = result
        out_steps[r] = steps
        out_exact[r] = exact
        if speculate:
            row_ends[r - r0, _READ] = n_read
            row_ends[r - r0, _PUT] = n_put
            row_ends[r - r0, _MIN] = n_min
    return memo, memo_shift, memo_count, min_dirs, min_energy, min_size, min_complete, n_min, reads, puts


@njit(cache=True, inline="always")
def _renumber(value, n0, local_map):
    """A memo value of a speculative block in the merged numbering (-2: its minimum has none)."""
    if value < 0:
        return value
    result = value // 2
    if result >= n0:
        result = local_map[result - n0]
        if result < 0:
            return -2
    return 2 * result + value % 2


@njit(cache=True)
def merge_block(dirs2d, r0, r1, types, matrix, vectors, group, move_mask, max_k, candidates, bits, n_words, budget,
                out_minimum, out_steps, out_exact, memo, memo_shift, memo_count, min_dirs, min_energy, min_size,
                min_complete, n_min, reads, puts, row_ends, spec_dirs, spec_energy, spec_size, spec_complete, n0):
    """Merge the speculative quench of rows ``r0:r1`` into the serial memo and minima, row by row.

    A row whose logged lookups all return, in ``memo`` now, the value they returned in the block
    (block minima renumbered) is the serial result: its entries and new minimum are merged and its
    outputs renumbered.  Any other row is quenched again here with :func:`quench_rows`.  The
    ``spec_*`` arrays are the block's minima (``n0`` of them were there before the block).

    Returns ``(memo, memo_shift, memo_count, min_dirs, min_energy, min_size, min_complete, n_min,
    rows redone)``.
    """
    local_map = np.full(spec_energy.shape[0], -1, dtype=np.int64)
    base, base_shift = empty_table(n_words, 4)
    no_reads = np.zeros((1, n_words + 1), dtype=np.uint64)
    no_puts = np.zeros((1, n_words + 1), dtype=np.uint64)
    no_ends = np.zeros((1, 3), dtype=np.int64)
    q0 = 0
    p0 = 0
    m0 = n0
    redone = 0
    for r in range(r0, r1):
        q1 = row_ends[r - r0, _READ]
        p1 = row_ends[r - r0, _PUT]
        m1 = row_ends[r - r0, _MIN]
        same = True
        for q in range(q0, q1):
            seen = _renumber(np.int64(reads[q, n_words]) - 1, n0, local_map)
            if seen == -2 or table_lookup(memo, reads[q], memo_shift) != seen:
                same = False
                break
        if same:
            for j in range(m0, m1):  # the row's new minimum (at most one)
                local_map[j - n0] = n_min
                key = np.zeros(n_words, dtype=np.uint64)
                pack_into(spec_dirs[j], bits, n_words, key)
                min_dirs, min_energy, min_size, min_complete, n_min = _add_minimum(
                    min_dirs, min_energy, min_size, min_complete, n_min, key, bits, spec_energy[j], spec_size[j],
                    spec_complete[j])
            for q in range(p0, p1):
                memo, memo_shift, memo_count = _memo_put(memo, memo_shift, memo_count, puts[q, :n_words],
                                                         _renumber(np.int64(puts[q, n_words]), n0, local_map))
            out_minimum[r] = _renumber(2 * out_minimum[r], n0, local_map) // 2
        else:
            redone += 1
            res = quench_rows(dirs2d, r, r + 1, types, matrix, vectors, group, move_mask, max_k, candidates, bits,
                              n_words, budget, out_minimum, out_steps, out_exact, memo, memo_shift, memo_count,
                              min_dirs, min_energy, min_size, min_complete, n_min, base, base_shift, False, no_reads,
                              no_puts, no_ends)
            memo, memo_shift, memo_count, min_dirs, min_energy, min_size, min_complete, n_min = res[:8]
        q0 = q1
        p0 = p1
        m0 = m1
    return memo, memo_shift, memo_count, min_dirs, min_energy, min_size, min_complete, n_min, redone


@njit(cache=True)
def quench_batch(dirs2d, types, matrix, vectors, group, move_mask, max_k, candidates, bits, n_words, budget,
                 out_minimum, out_steps, out_exact):
    """Steepest descent of every row of ``dirs2d`` to its local minimum, with the flooding's tie-break.

    One serial call of :func:`quench_rows` over all rows with a fresh memo; see there.  Returns
    ``(directions, energy, plateau size, complete)`` of the minima found.
    """
    memo, memo_shift, min_dirs, min_energy, min_size, min_complete = quench_state(dirs2d.shape[1], n_words)
    base, base_shift = empty_table(n_words, 4)
    logs = np.zeros((1, n_words), dtype=np.uint64)
    puts = np.zeros((1, n_words + 1), dtype=np.uint64)
    ends = np.zeros((1, 3), dtype=np.int64)
    res = quench_rows(dirs2d, 0, dirs2d.shape[0], types, matrix, vectors, group, move_mask, max_k, candidates, bits,
                      n_words, budget, out_minimum, out_steps, out_exact, memo, memo_shift, 0, min_dirs, min_energy,
                      min_size, min_complete, 0, base, base_shift, False, logs, puts, ends)
    min_dirs, min_energy, min_size, min_complete, n_min = res[3], res[4], res[5], res[6], res[7]
    return min_dirs[:n_min].copy(), min_energy[:n_min].copy(), min_size[:n_min].copy(), min_complete[:n_min].copy()
