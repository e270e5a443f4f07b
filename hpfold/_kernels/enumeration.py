"""Depth-first enumeration of canonical self-avoiding walks with incremental contact energies.

Grid layout: ``grid[s * (C + 1)]`` is 1 when site ``s`` is occupied, and
``grid[s * (C + 1) + 1 + c]`` is the *field* of channel ``c``: the energy a
monomer reading channel ``c`` would gain at ``s`` from the monomers already
placed around it (one channel per interacting monomer type; C = 1 for HP).
Placing a monomer adds its emission vector to the field of every neighbouring
site; the chain predecessor's contribution is subtracted
(``pred_correction``).  Monomer N-2 never emits (only N-1 could read it, and
N-1 is its chain neighbour): the caller clears ``emits[n - 2]``.

Symmetry reduction: the first step is direction 0; ``mask`` is the bit set of
elements of the stabiliser G0 of direction 0 that fix the prefix so far.  A
step ``d`` is allowed when no element of the mask maps ``d`` to a smaller
index (``valid[mask, d]``); the mask then shrinks to ``nxt[mask, d]``.  A leaf
with final mask ``m`` is canonical and its orbit has ``order / popcount(m)``
members.  Once the mask is trivial (only the identity) no check is needed and
the last level is counted inline (inlining one more level, as the C
yardstick does, measured slower under numba).

The grid offsets are passed as a tuple, so numba specialises the kernels per
number of directions and the direction loops have compile-time trip counts.
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

    ``off`` is a tuple of grid offsets (already multiplied by the grid stride C + 1) and
    ``channels`` a tuple with one entry per field channel: their lengths (the number of
    directions and of channels) are compile-time constants.  Returns the number of
    conformations written to ``out_*`` (collect mode), or -1 for a non-canonical prefix.
    """
    ND = len(off)
    NCH = len(channels)
    STRIDE = NCH + 1
    grid = grid_template.copy()
    pos = np.empty(n, dtype=np.int64)
    en = np.zeros(n + 1, dtype=np.int64)
    mask = np.zeros(n + 1, dtype=np.int64)
    di = np.zeros(n + 1, dtype=np.int64)
    dirs = np.zeros(max(n - 1, 1), dtype=np.int8)
    written = 0
    full_mask = valid.shape[0] - 1
    c0 = center * STRIDE

    pos[0] = c0
    grid[c0] = 1
    if emits[0]:
        for e in range(ND):
            s2 = c0 + off[e] + 1
            for c in range(NCH):
                grid[s2 + c] += emission[0, c]
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
        s = pos[k - 1] + off[d]
        if grid[s]:
            return -1
        if reads[k] >= 0:
            energy += grid[s + 1 + reads[k]] - pred_correction[k]
        pos[k] = s
        grid[s] = 1
        dirs[k - 1] = d
        if emits[k]:
            for e in range(ND):
                s2 = s + off[e] + 1
                for c in range(NCH):
                    grid[s2 + c] += emission[k, c]
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
    r_last = reads[last]
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
            grid[s] = 0
            if emits[k]:
                for e in range(ND):
                    s2 = s + off[e] + 1
                    for c in range(NCH):
                        grid[s2 + c] -= emission[k, c]
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
        s = pos[k - 1] + off[d]
        if grid[s]:
            continue
        e_new = en[k]
        r = reads[k]
        if r >= 0:
            e_new += grid[s + 1 + r] - pred_correction[k]
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
        if nm == 1 and not collect:
            if k == last - 1:
                # monomer N-2 at s: count the leaves (monomer N-1) at once
                _count_leaves(grid, s, off, e_new, r_last, e_offset, hist_fast)
                continue
        pos[k] = s
        grid[s] = 1
        dirs[k - 1] = d
        if emits[k]:
            for e in range(ND):
                s2 = s + off[e] + 1
                for c in range(NCH):
                    grid[s2 + c] += emission[k, c]
        k += 1
        en[k] = e_new
        mask[k] = nm
        di[k] = 0
        if nm == 1 and not collect and k <= last - 1:
            # trivial stabiliser from here on: enumerate the whole subtree in the lean loop
            _fast_subtree(k, grid, pos, en, di, off, channels, reads, emits, emission, pred_correction,
                          last, r_last, e_offset, hist_fast)
            di[k] = ND
    return written


@njit(cache=True)
def _fast_subtree(k0, grid, pos, en, di, off, channels, reads, emits, emission, pred_correction,
                  last, r_last, e_offset, hist_fast):
    """All completions from level ``k0`` (monomers 0..k0-1 placed, ``en[k0]`` set, k0 <= N-2),
    with no symmetry checks and no collection: the hot loop of the enumeration."""
    ND = len(off)
    NCH = len(channels)
    k = k0
    di[k] = 0
    while True:
        d = di[k]
        if d == ND:
            k -= 1
            if k < k0:
                return
            s = pos[k]
            grid[s] = 0
            if emits[k]:
                for e in range(ND):
                    s2 = s + off[e] + 1
                    for c in range(NCH):
                        grid[s2 + c] -= emission[k, c]
            continue
        di[k] = d + 1
        s = pos[k - 1] + off[d]
        if grid[s]:
            continue
        e_new = en[k]
        r = reads[k]
        if r >= 0:
            e_new += grid[s + 1 + r] - pred_correction[k]
        if k == last - 1:
            _count_leaves(grid, s, off, e_new, r_last, e_offset, hist_fast)
            continue
        pos[k] = s
        grid[s] = 1
        if emits[k]:
            for e in range(ND):
                s2 = s + off[e] + 1
                for c in range(NCH):
                    grid[s2 + c] += emission[k, c]
        k += 1
        en[k] = e_new
        di[k] = 0

@njit(cache=True, inline="always")
def _count_leaves(grid, s, off, energy, r_last, e_offset, hist_fast):
    ND = len(off)
    if r_last >= 0:
        for e in range(ND):
            t = s + off[e]
            if not grid[t]:
                hist_fast[energy + grid[t + 1 + r_last] + e_offset] += 1
    else:
        free = 0
        for e in range(ND):
            free += grid[s + off[e]] == 0
        hist_fast[energy + e_offset] += free

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
