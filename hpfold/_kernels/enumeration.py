"""Depth-first enumeration of canonical self-avoiding walks with incremental contact energies.

Grid layout, ``C`` channels (one per interacting monomer type; C = 1 for HP,
where a site is one byte as in the C yardstick): ``grid[s * C + c]`` holds
twice the *field* of channel ``c`` at site ``s`` -- the energy a monomer
reading channel ``c`` would gain there from the monomers already placed around
it -- and bit 0 of ``grid[s * C]`` is set when ``s`` is occupied.  Placing a
monomer sets that bit and adds twice its emission vector to the neighbouring
sites; the chain predecessor's contribution is subtracted
(``pred_correction``).  Monomer N-2 never emits (only N-1 could read it, and
N-1 is its chain neighbour): the caller clears ``emits[n - 2]``.

Symmetry reduction: the first step is direction 0; ``mask`` is the bit set of
elements of the stabiliser G0 of direction 0 that fix the prefix so far.  A
step ``d`` is allowed when no element of the mask maps ``d`` to a smaller
index (``valid[mask, d]``); the mask then shrinks to ``nxt[mask, d]``.  A leaf
with final mask ``m`` is canonical and its orbit has ``order / popcount(m)``
members.  Once the mask is trivial (only the identity) no check is needed:
:func:`_fast_subtree` enumerates the rest with monomers N-2 and N-1 as two
straight loops over the directions inside the loop that places monomer N-3.

Code generation, measured (numba 0.68, x86-64):

* The grid offsets are a tuple of ``uint64`` (negative offsets wrap modulo
  2**64), so its length is compiled in, the loops over all directions unroll,
  and grid and stack indices are unsigned: numba adds a negative-index
  wraparound (``i < 0 ? i + len : i``) to every signed index.
* A tuple indexed by a *run-time* direction compiles to a jump table (an
  indirect branch per step); those lookups go through a small array ``step``.
* Helpers are written out inside the loops: a numba ``inline="always"`` call
  in a loop costs an atomic reference-count pair per iteration.
"""
import numpy as np
from numba import njit, prange


@njit(cache=True)
def _popcount(m):
    c = 0
    while m:
        c += m & 1
        m >>= 1
    return c


@njit(cache=True, nogil=True)
def enumerate_prefix(prefix, n, off, channels, grid_template, center, reads, emits, emission, pred_correction,
                     valid, nxt, order, e_offset, cutoff, collect,
                     hist_fast, hist_weighted, hist_classes, out_dirs, out_energy, out_weight):
    """Enumerate every canonical completion of one prefix (a shard); see the module docstring.

    ``off`` is a tuple of ``uint64`` grid offsets (already multiplied by the number of channels
    C) and ``channels`` a tuple with one entry per channel: their lengths (the number of
    directions and of channels) are compile-time constants.  Returns the number of
    conformations written to ``out_*`` (collect mode), or -1 for a non-canonical prefix.
    """
    ND = len(off)
    NCH = len(channels)
    grid = grid_template.copy()
    emit2 = 2 * emission
    step = np.empty(ND, dtype=np.uint64)
    for e in range(ND):
        step[e] = off[e]
    pos = np.empty(n, dtype=np.uint64)
    en = np.zeros(n + 1, dtype=np.int64)
    mask = np.zeros(n + 1, dtype=np.int64)
    di = np.zeros(n + 1, dtype=np.int64)
    dirs = np.zeros(max(n - 1, 1), dtype=np.int8)
    written = 0
    full_mask = valid.shape[0] - 1

    s = np.uint64(center * NCH)
    pos[0] = s
    grid[s] += 1
    if emits[0]:
        for c in range(NCH):
            v = emit2[0, c]
            for e in range(ND):
                grid[s + off[e] + np.uint64(c)] += v
    plen = prefix.shape[0]
    m = full_mask
    energy = 0
    for k in range(1, plen + 1):
        d = prefix[k - 1]
        if k == 1:
            if d != 0:
                return -1
        else:
            if not valid[m, d]:
                return -1
            m = nxt[m, d]
        s = pos[k - 1] + step[d]
        if grid[s] & 1:
            return -1
        if reads[k] >= 0:
            energy += (grid[s + np.uint64(reads[k])] >> 1) - pred_correction[k]
        pos[k] = s
        grid[s] += 1
        dirs[k - 1] = d
        if emits[k]:
            for c in range(NCH):
                v = emit2[k, c]
                for e in range(ND):
                    grid[s + off[e] + np.uint64(c)] += v
    k0 = plen + 1
    if k0 >= n:  # the prefix is a whole walk
        w = order // _popcount(m)
        if m == 1:
            hist_fast[energy + e_offset] += 1
        else:
            hist_weighted[energy + e_offset] += w
            hist_classes[energy + e_offset] += 1
        if collect and energy <= cutoff:
            for i in range(n - 1):
                out_dirs[0, i] = dirs[i]
            out_energy[0] = energy
            out_weight[0] = w
            written = 1
        return written

    last = n - 1
    k = k0
    en[k] = energy
    mask[k] = m
    di[k] = 0
    while True:
        d = di[k]
        if d == ND:
            k -= 1
            if k < k0:
                break
            s = pos[k]
            grid[s] -= 1
            if emits[k]:
                for c in range(NCH):
                    v = emit2[k, c]
                    for e in range(ND):
                        grid[s + off[e] + np.uint64(c)] -= v
            continue
        di[k] = d + 1
        mk = mask[k]
        nm = 1
        if mk != 1:
            if k == 1:
                if d != 0:
                    continue
                nm = mk
            else:
                if not valid[mk, d]:
                    continue
                nm = nxt[mk, d]
        s = pos[k - 1] + step[d]
        if grid[s] & 1:
            continue
        e_new = en[k]
        r = reads[k]
        if r >= 0:
            e_new += (grid[s + np.uint64(r)] >> 1) - pred_correction[k]
        if k == last:
            w = order // _popcount(nm)
            if nm == 1:
                hist_fast[e_new + e_offset] += 1
            else:
                hist_weighted[e_new + e_offset] += w
                hist_classes[e_new + e_offset] += 1
            if collect and e_new <= cutoff:
                dirs[k - 1] = d
                for i in range(n - 1):
                    out_dirs[written, i] = dirs[i]
                out_energy[written] = e_new
                out_weight[written] = w
                written += 1
            continue
        pos[k] = s
        grid[s] += 1
        dirs[k - 1] = d
        if emits[k]:
            for c in range(NCH):
                v = emit2[k, c]
                for e in range(ND):
                    grid[s + off[e] + np.uint64(c)] += v
        k += 1
        en[k] = e_new
        mask[k] = nm
        di[k] = 0
        if nm == 1 and not collect and k <= last - 2:
            # trivial stabiliser from here on: enumerate the whole subtree in the lean loop
            _fast_subtree(k, grid, pos, en, di, step, off, channels, reads, emits, emit2, pred_correction,
                          last, e_offset, hist_fast)
            di[k] = ND
    return written


@njit(cache=True, nogil=True)
def _fast_subtree(k0, grid, pos, en, di, step, off, channels, reads, emits, emit2, pred_correction,
                  last, e_offset, hist_fast):
    """All completions from level ``k0`` (monomers 0..k0-1 placed, ``en[k0]`` set, 1 <= k0 <= N-3),
    with no symmetry checks and no collection: the hot loop of the enumeration.

    Levels k0..N-4 run on the explicit stack; at level N-3 the monomer is placed and
    monomers N-2 and N-1 are straight loops over the directions (the leaves, N-1, counted
    in bulk).  ``step`` holds the offsets of ``off`` as an array.
    """
    ND = len(off)
    NCH = len(channels)
    ante = last - 2  # monomer N-3
    r_pen = reads[last - 1]  # monomer N-2
    r_pen_u = np.uint64(max(r_pen, 0))
    pc_pen = pred_correction[last - 1]
    r_last = reads[last]
    r_last_u = np.uint64(max(r_last, 0))
    emits_ante = emits[ante]
    one = np.uint64(1)
    kmin = np.uint64(k0)
    k_ante = np.uint64(ante)
    k = kmin
    di[k] = 0
    while True:
        d = di[k]
        if d == ND:
            k -= one
            if k < kmin:
                return
            s = pos[k]
            grid[s] -= 1
            if emits[k]:
                for c in range(NCH):
                    v = emit2[k, c]
                    sc = s + np.uint64(c)
                    for e in range(ND):
                        grid[sc + off[e]] -= v
            continue
        di[k] = d + 1
        s = pos[k - one] + step[np.uint64(d)]
        g = grid[s]
        if g & 1:
            continue
        e_new = en[k]
        r = reads[k]
        if r >= 0:
            f = g if NCH == 1 else grid[s + np.uint64(r)]
            e_new += (f >> 1) - pred_correction[k]
        if k < k_ante:
            pos[k] = s
            grid[s] = g + 1
            if emits[k]:
                for c in range(NCH):
                    v = emit2[k, c]
                    sc = s + np.uint64(c)
                    for e in range(ND):
                        grid[sc + off[e]] += v
            k += one
            en[k] = e_new
            di[k] = 0
            continue
        # k == N-3: place it at s, then monomer N-2 at t and the leaves (N-1) around t
        grid[s] = g + 1
        if emits_ante:
            for c in range(NCH):
                v = emit2[ante, c]
                sc = s + np.uint64(c)
                for e in range(ND):
                    grid[sc + off[e]] += v
        for e2 in range(ND):
            t = s + step[e2]
            h = grid[t]
            if h & 1:
                continue
            e_pen = e_new + e_offset
            if r_pen >= 0:
                f = h if NCH == 1 else grid[t + r_pen_u]
                e_pen += (f >> 1) - pc_pen
            # N-2 never emits, so the leaves need no predecessor correction
            if r_last >= 0:
                for e in range(ND):
                    u = t + off[e]
                    h = grid[u]
                    if not h & 1:
                        f = h if NCH == 1 else grid[u + r_last_u]
                        hist_fast[np.uint64(e_pen + (f >> 1))] += 1
            else:
                free = 0
                for e in range(ND):
                    free += 1 - (grid[t + off[e]] & 1)
                hist_fast[np.uint64(e_pen)] += free
        grid[s] = g
        if emits_ante:
            for c in range(NCH):
                v = emit2[ante, c]
                sc = s + np.uint64(c)
                for e in range(ND):
                    grid[sc + off[e]] -= v


def _enumerate_shards(prefixes, n, offsets, channels, grid_template, center, reads, emits, emission, pred_correction,
                      valid, nxt, order, e_offset, n_levels):
    """Energy histograms of every shard (one row each); no collection."""
    n_shards = prefixes.shape[0]
    fast = np.zeros((n_shards, n_levels), dtype=np.int64)
    weighted = np.zeros((n_shards, n_levels), dtype=np.int64)
    classes = np.zeros((n_shards, n_levels), dtype=np.int64)
    dummy_dirs = np.zeros((1, 1), dtype=np.int8)
    dummy = np.zeros(1, dtype=np.int64)
    for i in prange(n_shards):
        enumerate_prefix(prefixes[i], n, offsets, channels, grid_template, center, reads, emits, emission,
                         pred_correction, valid, nxt, order, e_offset, 0, False,
                         fast[i], weighted[i], classes[i], dummy_dirs, dummy, dummy)
    return fast, weighted, classes


def _collect_shards(prefixes, starts, n, offsets, channels, grid_template, center, reads, emits, emission,
                    pred_correction, valid, nxt, order, e_offset, n_levels, cutoff,
                    out_dirs, out_energy, out_weight):
    """Write every canonical conformation with energy <= ``cutoff``; shard ``i`` writes rows
    ``starts[i]:starts[i + 1]`` (sizes known from a counting pass), in shard order."""
    for i in prange(prefixes.shape[0]):
        fast = np.zeros(n_levels, dtype=np.int64)
        weighted = np.zeros(n_levels, dtype=np.int64)
        classes = np.zeros(n_levels, dtype=np.int64)
        a = starts[i]
        b = starts[i + 1]
        enumerate_prefix(prefixes[i], n, offsets, channels, grid_template, center, reads, emits, emission,
                         pred_correction, valid, nxt, order, e_offset, cutoff, True,
                         fast, weighted, classes, out_dirs[a:b], out_energy[a:b], out_weight[a:b])


# one body compiled twice: a cached serial version (fast start) and an uncached parallel one (threads)
enumerate_shards_serial = njit(cache=True)(_enumerate_shards)
enumerate_shards_parallel = njit(parallel=True)(_enumerate_shards)
collect_shards_serial = njit(cache=True)(_collect_shards)
collect_shards_parallel = njit(parallel=True)(_collect_shards)

