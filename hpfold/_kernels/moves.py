"""Move sets as numba kernels: slots, proposals on an occupancy grid, and the neighbour enumerator.

Every move type has a fixed, state-independent number of *slots* (labels) for a
chain of N monomers (:func:`n_labels`).  A proposal draws a slot uniformly and
applies it to the current conformation with :func:`propose`; a slot whose move
is geometrically impossible is a rejection.  Hence the proposal probability is
``q(X -> Y) = m(X, Y) / n_labels`` where ``m`` counts the slots turning X into
Y, and the proposal is symmetric when ``m(X, Y) = m(Y, X)`` (tested exhaustively
in ``tests/test_moves.py``).  :func:`all_neighbours` runs the very same
:func:`propose` over every slot, so an exact landscape's neighbourhood and the
sampler's proposal set are identical.

State layout: monomer ``k`` sits at flat index ``pos[k]`` of a grid of side
``S`` per dimension whose outer layer is a wall; a cell holds 0 (empty),
``k + 1`` (monomer k) or ``wall = N + 1``.  Every candidate site of a local or
pull move is a lattice neighbour of an occupied (non-wall) site, so reads stay
inside the array; when a candidate is a wall cell the proposal returns -1, the
caller translates the chain to the middle of the grid (:func:`recenter`) and
evaluates the same slot again.  Translation does not change the conformation,
so the dynamics are those of the infinite lattice.  Pivot moves walk the moved
side bond by bond and stop at the first wall cell; they recentre on the pivot
monomer, which always succeeds when ``S >= 2N + 3`` (:func:`grid_side`).

Slots (``nd`` directions, ``P = nd - 2`` directions other than ``+-v``):

``local``  ``2 nd`` end moves (monomer 0 or N-1 to ``r_1 + e_d`` / ``r_{N-2} + e_d``);
           ``NC (N - 2)`` corner flips (monomer i to another common neighbour of
           ``r_{i-1}`` and ``r_{i+1}``; NC = 1 on the square and cubic lattices);
           ``(P - 1)(N - 3)`` crankshafts of monomers i, i+1 when ``r_{i-1} .. r_{i+2}``
           is a parallelogram ``v, u, -v`` (square: the 180-degree flip; cubic: 90,
           180 and 270 degrees).
``pull``   ``P (N - 1)`` pulls of monomer i towards ``L = r_{i+1} + e_w`` with
           ``C = r_i + e_w`` (Lesh, Mitzenmacher & Whitesides 2003), monomers below
           i following, and as many with the chain direction reversed; ``nd (nd - 1)``
           end pulls at each end (``C = r_end + e_c``, ``L = C + e_l``).  End pulls
           that move three or more monomers and put L next to the old site of the
           second monomer are rejected: this makes the set exactly reversible on
           Z^d.  On other lattices (triangular, fcc) a pull is also rejected unless its
           designated reverse returns (:func:`_reverse_returns`; docs/sampling.md).
``pull_lesh`` the same without that rejection (the textbook set; irreversible,
           Gyorffy, Zavodszky & Szilagyi 2012).
``pivot``  ``2 (N - 2)(order - 1)`` slots: side (monomers above or below the pivot),
           pivot monomer 1..N-2, non-identity point-group element.
"""
import numpy as np
from numba import njit

__all__ = ["LOCAL", "PULL", "PULL_LESH", "PIVOT", "MOVE_BITS", "N_MOVE_TYPES", "all_neighbours", "find_row", "moved_row", "row_table", "clear_rows",
           "prefix_hashes",
           "max_neighbours", "proposal_results", "geometry", "neighbour_workspace", "neighbours_with", "n_labels", "propose", "build_tables", "grid_side"]

#: move-set bits for ``move_mask``
LOCAL = 1
PULL = 2
PULL_LESH = 4
PIVOT = 8
#: move-type index -> bit (type indices 0 local, 1 pull, 2 pull_lesh, 3 pivot)
#: index cast for the hot loops: numba checks every signed index for wraparound (a[-1]); the
#: kernels never use negative indices, and unsigned ones skip the check (8-14 % more moves per second)
_u = np.uint64

MOVE_BITS = (LOCAL, PULL, PULL_LESH, PIVOT)
N_MOVE_TYPES = 4
T_LOCAL = 0
T_PULL = 1
T_PULL_LESH = 2
T_PIVOT = 3


def grid_side(n, with_pivot=True):
    """Grid side per dimension for an N-monomer chain (pivot moves need ``2N + 3``)."""
    return 2 * n + 3 if with_pivot else n + 24


# layout of the int64 table array ``T`` built by :func:`build_tables`
H_DIM, H_ND, H_P, H_NC, H_S, H_DOFF, H_WALL, H_ORDER = 0, 1, 2, 3, 4, 5, 6, 7
H_OFF, H_DIROF, H_PERP, H_ALT, H_GRP = 8, 9, 10, 11, 12
H_LAB = 13            # H_LAB + t: base of the slot decoding table of move type t (2 entries per slot)
H_N = 17
#: 1 if ``pull`` keeps only the moves whose designated reverse returns (lattices other than Z^d)
H_CHECK = 18
_HEADER = 20


@njit(cache=True)
def build_tables(vectors, group, side, n):
    """All lookup tables for a lattice on a grid of side ``side``, packed in one int64 array ``T``.

    Header ``T[0:8]`` = dim, nd, P = nd - 2, NC, S, doff, wall (= n + 1), group order; then the
    base indices of: grid offsets ``off[d]``; ``dir_of[diff + doff]`` (direction of a unit grid
    difference, or -1); ``perp[v, k]`` (the P directions other than v and its opposite);
    ``alt[d1, d2, k]`` (the NC alternative first directions ``w1 != d1`` with
    ``e_w1 + e_w2 = e_d1 + e_d2``, -1 padded); the point group ``grp[g, d]``.  One array
    (not a tuple of arrays) keeps kernel calls free of reference counting.
    """
    nd = vectors.shape[0]
    dim = vectors.shape[1]
    P = nd - 2
    S = side
    half = nd // 2
    order = group.shape[0]
    stride = np.ones(dim, dtype=np.int64)
    for a in range(1, dim):
        stride[a] = stride[a - 1] * S
    off = np.zeros(nd, dtype=np.int64)
    for d in range(nd):
        for a in range(dim):
            off[d] += vectors[d, a] * stride[a]
    doff = 0
    for a in range(dim):
        doff += stride[a]
    # corner alternatives via a table of sums of two steps
    d3 = 3 * doff
    big = np.full(2 * d3 + 1, -1, dtype=np.int64)
    for d in range(nd):
        big[off[d] + d3] = d
    NC = 0
    for d1 in range(nd):
        for d2 in range(nd):
            if d2 == (d1 + half) % nd:
                continue
            c = 0
            for w1 in range(nd):
                if w1 != d1 and big[off[d1] + off[d2] - off[w1] + d3] >= 0:
                    c += 1
            NC = max(NC, c)
    NCc = max(NC, 1)
    nlab_local = 2 * nd + NC * max(n - 2, 0) + (P - 1) * max(n - 3, 0) if n >= 2 else 0
    nlab_pull = 2 * P * (n - 1) + 2 * nd * (nd - 1) if n >= 2 else 0
    nlab_pivot = 2 * max(n - 2, 0) * (order - 1)
    size = (_HEADER + nd + (2 * doff + 1) + nd * max(P, 1) + nd * nd * NCc + order * nd
            + 2 * (nlab_local + nlab_pull + nlab_pivot))
    T = np.full(size, -1, dtype=np.int64)
    T[H_DIM] = dim
    T[H_ND] = nd
    T[H_P] = P
    T[H_NC] = NC
    T[H_S] = S
    T[H_DOFF] = doff
    T[H_WALL] = n + 1
    T[H_ORDER] = order
    b_off = _HEADER
    b_dir = b_off + nd
    b_perp = b_dir + 2 * doff + 1
    b_alt = b_perp + nd * max(P, 1)
    b_grp = b_alt + nd * nd * NCc
    T[H_OFF] = b_off
    T[H_DIROF] = b_dir
    T[H_PERP] = b_perp
    T[H_ALT] = b_alt
    T[H_GRP] = b_grp
    for d in range(nd):
        T[b_off + d] = off[d]
        T[b_dir + off[d] + doff] = d
    for v in range(nd):
        k = 0
        for w in range(nd):
            if w != v and w != (v + half) % nd:
                T[b_perp + v * P + k] = w
                k += 1
    for d1 in range(nd):
        for d2 in range(nd):
            if d2 == (d1 + half) % nd:
                continue
            c = 0
            for w1 in range(nd):
                if w1 != d1 and big[off[d1] + off[d2] - off[w1] + d3] >= 0:
                    T[b_alt + (d1 * nd + d2) * NCc + c] = w1
                    c += 1
    for g in range(order):
        for d in range(nd):
            T[b_grp + g * nd + d] = group[g, d]
    T[H_N] = n
    T[H_CHECK] = 0 if nd == 2 * dim else 1
    # slot decoding tables: two integers per slot, so that no division runs per move
    b = b_grp + order * nd
    T[H_LAB + T_LOCAL] = b
    for lab in range(nlab_local):
        if lab < 2 * nd:                         # end move: (monomer, direction)
            e = 1 if lab >= nd else 0
            T[b + 2 * lab] = n - 1 if e else 0
            T[b + 2 * lab + 1] = lab - e * nd
        elif lab < 2 * nd + NC * (n - 2):        # corner flip: (monomer, alternative)
            r = lab - 2 * nd
            T[b + 2 * lab] = r // NC + 1
            T[b + 2 * lab + 1] = r % NC
        else:                                    # crankshaft: (monomer, slot)
            r = lab - 2 * nd - NC * (n - 2)
            T[b + 2 * lab] = r // (P - 1) + 1
            T[b + 2 * lab + 1] = r % (P - 1)
    b += 2 * nlab_local
    T[H_LAB + T_PULL] = b
    T[H_LAB + T_PULL_LESH] = b
    half = P * (n - 1)
    ne = nd * (nd - 1)
    for lab in range(nlab_pull):
        if lab < 2 * half:                       # pull: (monomer, perpendicular slot)
            up = 1 if lab >= half else 0
            r = lab - up * half
            T[b + 2 * lab] = r // P + up
            T[b + 2 * lab + 1] = r % P
        else:                                    # end pull: (end, dc * nd + dl)
            r = lab - 2 * half
            at0 = r >= ne
            if at0:
                r -= ne
            dc = r // (nd - 1)
            dl = r % (nd - 1)
            if dl >= (dc + nd // 2) % nd:
                dl += 1
            T[b + 2 * lab] = 0 if at0 else n - 1
            T[b + 2 * lab + 1] = dc * nd + dl
    b += 2 * nlab_pull
    T[H_LAB + T_PIVOT] = b
    per = order - 1
    span = max(n - 2, 0) * per
    for lab in range(nlab_pivot):                # pivot: (side * n + monomer, group element)
        side = lab // span
        r = lab % span
        T[b + 2 * lab] = side * n + r // per + 1
        T[b + 2 * lab + 1] = r % per + 1
    return T


@njit(cache=True, _nrt=False)
def n_labels(mtype, n, T):
    """Number of slots of move type ``mtype`` (0 local, 1 pull, 2 pull_lesh, 3 pivot) for N = n."""
    nd = T[H_ND]
    P = T[H_P]
    NC = T[H_NC]
    if n < 2 or n != T[H_N]:
        return 0
    if mtype == T_LOCAL:
        return 2 * nd + NC * max(n - 2, 0) + (P - 1) * max(n - 3, 0)
    if mtype == T_PULL or mtype == T_PULL_LESH:
        return 2 * P * (n - 1) + 2 * nd * (nd - 1)
    if mtype == T_PIVOT:
        return 2 * max(n - 2, 0) * (T[H_ORDER] - 1)
    return 0


def max_neighbours(n, nd, order, move_mask):
    """A safe number of rows for the ``out`` buffer of :func:`all_neighbours` (one per slot)."""
    P = nd - 2
    nc = nd - 1          # corner alternatives per monomer never exceed nd - 1
    total = 0
    if n < 2:
        return 1
    if move_mask & LOCAL:
        total += 2 * nd + nc * max(n - 2, 0) + (P - 1) * max(n - 3, 0)
    if move_mask & PULL:
        total += 2 * P * (n - 1) + 2 * nd * (nd - 1)
    if move_mask & PULL_LESH:
        total += 2 * P * (n - 1) + 2 * nd * (nd - 1)
    if move_mask & PIVOT:
        total += 2 * max(n - 2, 0) * (order - 1)
    return max(total, 1)


@njit(cache=True)
def geometry(T):
    """The hot-loop view of ``T``: ``(off, dir_of, doff, perp, alt, grp, labs, nd, P, NC, wall)``.

    Separate arrays and scalars (not lookups into ``T``) let the compiler keep them in
    registers across the stores of a move.  ``labs[t, 2 * slot + {0, 1}]`` decodes a slot of
    type t; ``labs[4, 0]`` is ``T[H_CHECK]``, the reverse check of ``pull`` (see :func:`_reverse_returns`);
    ``labs[4, 1:3]`` = (S, S^2 or -1) on Z^d, (0, -1) otherwise (see :func:`_adjacent_z`).
    """
    nd = T[H_ND]
    P = T[H_P]
    NC = T[H_NC]
    doff = T[H_DOFF]
    order = T[H_ORDER]
    off = T[T[H_OFF]:T[H_OFF] + nd]
    dir_of = T[T[H_DIROF]:T[H_DIROF] + 2 * doff + 1]
    perp = T[T[H_PERP]:T[H_PERP] + nd * max(P, 1)]
    alt = T[T[H_ALT]:T[H_ALT] + nd * nd * max(NC, 1)]
    grp = T[T[H_GRP]:T[H_GRP] + order * nd]
    n = T[H_N]
    width = 3
    for t in range(4):
        width = max(width, 2 * n_labels(t, n, T))
    labs = np.zeros((5, width), dtype=np.int64)
    for t in range(4):
        m = 2 * n_labels(t, n, T)
        labs[t, :m] = T[T[H_LAB + t]:T[H_LAB + t] + m]
    labs[4, 0] = T[H_CHECK]
    # Z^d (2 dim directions, the unit vectors): S and S^2 (-1 in 2D) for the arithmetic adjacency test of pull moves
    labs[4, 1] = 0
    labs[4, 2] = -1
    if T[H_ND] == 2 * T[H_DIM] and (T[H_DIM] == 2 or T[H_DIM] == 3):
        labs[4, 1] = T[H_S]
        labs[4, 2] = T[H_S] * T[H_S] if T[H_DIM] == 3 else -1
    return (off, dir_of, doff, perp, alt, grp, labs, nd, P, NC, T[H_WALL])


@njit(cache=True, _nrt=False, inline="always")
def _adjacent(dir_of, doff, diff):
    """True if the grid difference ``diff`` is one lattice step."""
    x = diff + doff
    return x >= 0 and x < dir_of.shape[0] and dir_of[_u(x)] >= 0


@njit(cache=True, _nrt=False, inline="always")
def _adjacent_z(dir_of, doff, diff, zs, zs2):
    """:func:`_adjacent`, by arithmetic on Z^d (``zs`` = S > 0, ``zs2`` = S^2 in 3D, -1 in 2D;
    a difference is one step iff its absolute value is 1, S or S^2), by the table otherwise (``zs = 0``)."""
    if zs > 0:
        ad = diff if diff >= 0 else -diff
        return (ad == 1) | (ad == zs) | (ad == zs2)
    return _adjacent(dir_of, doff, diff)


@njit(cache=True, _nrt=False, inline="always")
def _follow(pos, nw, n, s, C, j, dir_of, doff, zs=0, zs2=-1):
    """Pull-move following rule from monomer j on (direction -s); returns the first unmoved index."""
    if j >= 0 and j < n and not _adjacent_z(dir_of, doff, pos[_u(j)] - C, zs, zs2):
        nw[_u(j)] = pos[_u(j + 2 * s)]
        j -= s
        while j >= 0 and j < n and not _adjacent_z(dir_of, doff, pos[_u(j)] - pos[_u(j + 3 * s)], zs, zs2):
            nw[_u(j)] = pos[_u(j + 2 * s)]
            j -= s
    return j


@njit(cache=True, _nrt=False, inline="always")
def _pull_inner(s, i, w, pos, grid, n, nw, dir_of, doff, wall, zs=0, zs2=-1):
    """Pull monomer i to ``L = r_{i+s} + w`` and i - s to ``C = r_i + w`` (grid offset w); the rest follows."""
    pi = pos[_u(i)]
    L = pos[_u(i + s)] + w
    gv = np.int64(grid[_u(L)])
    if gv != 0:
        return (-1 if gv == wall else 0), 0, 0
    nw[_u(i)] = L
    ip = i - s
    if ip < 0 or ip >= n:
        return 1, i, i
    C = pi + w
    if C == pos[_u(ip)]:
        return 1, i, i
    gv = np.int64(grid[_u(C)])
    if gv != 0:
        return (-1 if gv == wall else 0), 0, 0
    nw[_u(ip)] = C
    j = _follow(pos, nw, n, s, C, ip - s, dir_of, doff, zs, zs2)
    lo = j + s
    if s > 0:
        return 1, lo, i
    return 1, i, lo


@njit(cache=True, _nrt=False, inline="always")
def _pull_end(i, oc, ol, fix, pos, grid, n, nw, dir_of, doff, wall, zs=0, zs2=-1):
    """End pull: end monomer i to ``L = C + ol``, its neighbour to ``C = r_i + oc``; the rest follows."""
    s = -1 if i == 0 else 1
    C = pos[_u(i)] + oc
    gv = np.int64(grid[_u(C)])
    if gv != 0:
        return (-1 if gv == wall else 0), 0, 0
    L = C + ol
    gv = np.int64(grid[_u(L)])
    if gv != 0:
        return (-1 if gv == wall else 0), 0, 0
    nw[_u(i)] = L
    nw[_u(i - s)] = C
    j = _follow(pos, nw, n, s, C, i - 2 * s, dir_of, doff, zs, zs2)
    if fix and s * (i - j) >= 3 and _adjacent_z(dir_of, doff, L - pos[_u(i - s)], zs, zs2):
        return 0, 0, 0
    lo = j + s
    if s > 0:
        return 1, lo, i
    return 1, i, lo


@njit(cache=True, _nrt=False, inline="always")
def _transverse(dir_of, doff, w, v):
    """True if grid offsets ``w`` and ``v`` are lattice steps and ``w`` is neither ``v`` nor ``-v``."""
    return _adjacent(dir_of, doff, w) and _adjacent(dir_of, doff, v) and w != v and w != -v


@njit(cache=True, _nrt=False)
def _reverse_returns(s, i, a, b, pos, grid, n, nw, dir_of, doff, wall):
    """True if the designated reverse of a pull that moved ``a..b`` (``nw[a..b]``) leads back.

    ``i`` is the pulled monomer (the one sent to L) and ``s`` its anchor side for an
    internal pull.  The designated reverse pulls the *last* monomer the move displaced,
    f, back to its old site, with its old chain neighbour in the segment as C:

    * one monomer moved (``a == b == i``): the pull of i on the same anchor side to its old site;
    * f is a chain end: the end pull of f with ``L = x_f`` and ``C = x_{f+-1}``;
    * otherwise: the pull of f towards its unmoved neighbour g with ``L = x_f`` (w = x_f - x_g).

    The rule maps a move and its designated reverse onto each other (the designated
    reverse of the reverse is the move), so keeping exactly the moves whose designated
    reverse exists and returns gives equal slot multiplicities both ways on any lattice.
    Needs ``nw.shape[0] >= 2 n`` (scratch in ``nw[n:]``); ``pos`` and ``grid`` are put back.
    """
    if nw.shape[0] < 2 * n:
        return False
    for k in range(a, b + 1):             # X's sites to the scratch half, Y into pos and grid
        nw[_u(n + k)] = pos[_u(k)]
        grid[_u(pos[_u(k)])] = 0
    for k in range(a, b + 1):
        pos[_u(k)] = nw[_u(k)]
        grid[_u(pos[_u(k)])] = k + 1
    status = 0
    ra = -1
    rb = -1
    if a == b:
        w = nw[_u(n + i)] - pos[_u(i + s)]
        if _transverse(dir_of, doff, w, pos[_u(i)] - pos[_u(i + s)]):
            status, ra, rb = _pull_inner(s, i, w, pos, grid, n, nw, dir_of, doff, wall)
    else:
        f = a if i == b else b
        if f == 0 or f == n - 1:
            t = 1 if f == 0 else -1
            oc = nw[_u(n + f + t)] - pos[_u(f)]
            ol = nw[_u(n + f)] - nw[_u(n + f + t)]
            if _adjacent(dir_of, doff, oc):
                status, ra, rb = _pull_end(f, oc, ol, True, pos, grid, n, nw, dir_of, doff, wall)
        else:
            sg = -1 if f == a else 1
            g = pos[_u(f + sg)]
            w = nw[_u(n + f)] - g
            if _transverse(dir_of, doff, w, pos[_u(f)] - g):
                status, ra, rb = _pull_inner(sg, f, w, pos, grid, n, nw, dir_of, doff, wall)
    ok = status == 1 and ra == a and rb == b
    if ok:
        for k in range(a, b + 1):
            if nw[_u(k)] != nw[_u(n + k)]:
                ok = False
                break
    for k in range(a, b + 1):             # back to X, with Y's sites in nw[a..b]
        grid[_u(pos[_u(k)])] = 0
    for k in range(a, b + 1):
        nw[_u(k)] = pos[_u(k)]
        pos[_u(k)] = nw[_u(n + k)]
        grid[_u(pos[_u(k)])] = k + 1
    return ok


@njit(cache=True, _nrt=False, inline="always")
def _propose_pull(lab, pos, grid, n, nw, fix, off, dir_of, doff, perp, labs, nd, P, wall):
    half = P * (n - 1)
    i = labs[1, _u(2 * lab)]
    k = labs[1, _u(2 * lab + 1)]
    check = labs[4, 0]
    zs = labs[4, 1]
    zs2 = labs[4, 2]
    s = 0
    if lab < 2 * half:
        s = 1 if lab < half else -1
        v = dir_of[_u(pos[_u(i)] - pos[_u(i + s)] + doff)]
        w = off[_u(perp[_u(v * P + k)])]
        status, lo, hi = _pull_inner(s, i, w, pos, grid, n, nw, dir_of, doff, wall, zs, zs2)
    else:
        dc = k // nd
        dl = k - dc * nd
        status, lo, hi = _pull_end(i, off[_u(dc)], off[_u(dl)], fix, pos, grid, n, nw, dir_of, doff, wall, zs, zs2)
    if status == 1 and fix and check != 0:
        if not _reverse_returns(s, i, lo, hi, pos, grid, n, nw, dir_of, doff, wall):
            return 0, 0, 0
    return status, lo, hi


@njit(cache=True)
def pull_table(T):
    """Perpendicular offsets by bond: ``pw[(d + doff) * P + k]`` = ``off[perp[dir_of[d] * P + k]]``.

    ``d`` is a unit grid difference (a bond ``r_i - r_{i+-1}``); other entries are 0.  One
    lookup of this table replaces the three dependent ones (``dir_of``, ``perp``, ``off``)
    of an internal pull in :func:`propose_pull_fast`.  Size ``(2 doff + 1) P`` (int64).
    """
    nd = T[H_ND]
    P = T[H_P]
    doff = T[H_DOFF]
    pw = np.zeros((2 * doff + 1) * max(P, 1), dtype=np.int64)
    for v in range(nd):
        d = T[T[H_OFF] + v]
        for k in range(P):
            pw[(d + doff) * P + k] = T[T[H_OFF] + T[T[H_PERP] + v * P + k]]
    return pw


@njit(cache=True, _nrt=False, inline="always")
def propose_pull_fast(lab, pos, grid, n, nw, fix, pw, offt, off, dir_of, doff, labs, wall):
    """:func:`propose` for ``pull`` (``fix`` True) and ``pull_lesh`` (False), the same proposals, faster.

    ``pw`` is :func:`pull_table`; the number of directions is ``len(offt)`` (the tuple of grid
    offsets), a compile-time constant, so that the slot arithmetic needs no division.
    """
    nd = len(offt)
    P = nd - 2
    half = P * (n - 1)
    i = labs[1, _u(2 * lab)]
    k = labs[1, _u(2 * lab + 1)]
    zs = labs[4, 1]
    # four directions (a compile-time constant) = the square lattice: 2D (no S^2 step) and Z^d (no reverse check)
    zs2 = -1 if nd == 4 else labs[4, 2]
    check = 0 if nd == 4 else labs[4, 0]
    s = 0
    if lab < 2 * half:
        s = 1 if lab < half else -1
        w = pw[_u((pos[_u(i)] - pos[_u(i + s)] + doff) * P + k)]
        status, lo, hi = _pull_inner(s, i, w, pos, grid, n, nw, dir_of, doff, wall, zs, zs2)
    else:
        dc = k // nd
        dl = k - dc * nd
        status, lo, hi = _pull_end(i, off[_u(dc)], off[_u(dl)], fix, pos, grid, n, nw, dir_of, doff, wall, zs, zs2)
    if status == 1 and fix and check != 0:
        if not _reverse_returns(s, i, lo, hi, pos, grid, n, nw, dir_of, doff, wall):
            return 0, 0, 0
    return status, lo, hi


@njit(cache=True, _nrt=False, inline="always")
def _propose_local(lab, pos, grid, n, nw, off, dir_of, doff, perp, alt, labs, nd, P, NC, wall):
    i = labs[0, _u(2 * lab)]
    k = labs[0, _u(2 * lab + 1)]
    if lab < 2 * nd:                       # end move: monomer i to a neighbour of its chain neighbour
        nb = n - 2 if i > 0 else 1
        q = pos[_u(nb)] + off[_u(k)]
        gv = np.int64(grid[_u(q)])
        if gv != 0:
            return (-1 if gv == wall else 0), 0, 0
        nw[i] = q
        return 1, i, i
    if lab < 2 * nd + NC * (n - 2):        # corner flip
        d1 = dir_of[_u(pos[_u(i)] - pos[_u(i - 1)] + doff)]
        d2 = dir_of[_u(pos[_u(i + 1)] - pos[_u(i)] + doff)]
        w1 = alt[_u((d1 * nd + d2) * max(NC, 1) + k)]
        if w1 < 0:
            return 0, 0, 0
        q = pos[_u(i - 1)] + off[_u(w1)]
        gv = np.int64(grid[_u(q)])
        if gv != 0:
            return (-1 if gv == wall else 0), 0, 0
        nw[i] = q
        return 1, i, i
    ud = pos[i + 2] - pos[i - 1]           # crankshaft of i, i+1
    if not _adjacent(dir_of, doff, ud) or pos[i + 1] - pos[i] != ud:
        return 0, 0, 0
    u = dir_of[ud + doff]
    v = dir_of[pos[i] - pos[i - 1] + doff]
    w = perp[u * P + k]
    if w == v:
        w = perp[u * P + P - 1]
    p1 = pos[i - 1] + off[w]
    p2 = pos[i + 2] + off[w]
    gv = np.int64(grid[p1])
    if gv != 0 and gv != i + 1 and gv != i + 2:
        return (-1 if gv == wall else 0), 0, 0
    gv = np.int64(grid[p2])
    if gv != 0 and gv != i + 1 and gv != i + 2:
        return (-1 if gv == wall else 0), 0, 0
    nw[i] = p1
    nw[i + 1] = p2
    return 1, i, i + 1


@njit(cache=True, _nrt=False, inline="always")
def _propose_pivot(lab, pos, grid, n, nw, off, dir_of, doff, grp, labs, nd, wall):
    k = labs[3, 2 * lab]
    g = labs[3, 2 * lab + 1]
    if k < n:              # monomers k+1 .. N-1 turn about monomer k
        a = k + 1
        b = n - 1
        prev = pos[k]
        for j in range(a, b + 1):
            d = dir_of[_u(pos[_u(j)] - pos[_u(j - 1)] + doff)]
            q = prev + off[_u(grp[_u(g * nd + d)])]
            gv = np.int64(grid[_u(q)])
            if gv != 0:
                if gv == wall:
                    return -1, k, 0
                if gv - 1 < a:
                    return 0, 0, 0
            nw[_u(j)] = q
            prev = q
    else:                  # monomers 0 .. k-1 turn about monomer k
        k -= n
        a = 0
        b = k - 1
        prev = pos[k]
        for j in range(b, -1, -1):
            d = dir_of[_u(pos[_u(j + 1)] - pos[_u(j)] + doff)]
            q = prev - off[_u(grp[_u(g * nd + d)])]
            gv = np.int64(grid[_u(q)])
            if gv != 0:
                if gv == wall:
                    return -1, k, 0
                if gv - 1 > b:
                    return 0, 0, 0
            nw[_u(j)] = q
            prev = q
    return 1, a, b


@njit(cache=True, _nrt=False)
def propose(mtype, lab, pos, grid, n, nw, off, dir_of, doff, perp, alt, grp, labs, nd, P, NC, wall):
    """Apply slot ``lab`` of move type ``mtype`` to the chain, read-only on ``pos`` and ``grid``.

    The trailing arguments are ``geometry(T)``.  Returns ``(status, a, b)``: status 1
    writes the new sites of the moved monomers ``a..b`` into ``nw[a..b]`` (every new
    site is empty or vacated by a moved monomer); 0 means the slot's move is impossible
    (a rejection); -1 means a candidate site is a wall cell: call
    ``recenter(T, pos, grid, n, a if mtype == 3 else -1)`` and retry.  ``nw`` needs
    ``2 n`` entries: pull moves on lattices other than Z^d use ``nw[n:]`` as scratch for
    the reverse check (``pos`` and ``grid`` are modified there and put back).
    """
    if mtype == T_PULL:
        return _propose_pull(lab, pos, grid, n, nw, True, off, dir_of, doff, perp, labs, nd, P, wall)
    if mtype == T_LOCAL:
        return _propose_local(lab, pos, grid, n, nw, off, dir_of, doff, perp, alt, labs, nd, P, NC, wall)
    if mtype == T_PIVOT:
        return _propose_pivot(lab, pos, grid, n, nw, off, dir_of, doff, grp, labs, nd, wall)
    return _propose_pull(lab, pos, grid, n, nw, False, off, dir_of, doff, perp, labs, nd, P, wall)


#: the same proposal function inlined into the Monte Carlo loop (no call, no reference counting there)
propose_inline = njit(cache=True, _nrt=False, inline="always")(propose.py_func)


@njit(cache=True, _nrt=False)
def cells_move(grid, frm, to, a, b):
    """Move monomers ``a..b`` from sites ``frm[k]`` to ``to[k]`` in the occupancy grid."""
    for k in range(a, b + 1):
        grid[_u(frm[_u(k)])] = 0
    for k in range(a, b + 1):
        grid[_u(to[_u(k)])] = k + 1


cells_move_inline = njit(cache=True, _nrt=False, inline="always")(cells_move.py_func)


@njit(cache=True)
def decode_site(p, S, dim, out):
    """Integer coordinates of flat grid index ``p`` into ``out[:dim]``."""
    for a in range(dim):
        out[a] = p % S
        p //= S


@njit(cache=True, _nrt=False)
def recenter(T, pos, grid, n, about):
    """Translate the chain: its bounding box (``about < 0``) or monomer ``about`` to the grid centre."""
    dim = T[H_DIM]
    S = T[H_S]
    shift = 0
    stride = 1
    for a in range(dim):
        lo = 1 << 40
        hi = -(1 << 40)
        for k in range(n):
            if about >= 0 and k != about:
                continue
            x = (pos[k] // stride) % S
            lo = min(lo, x)
            hi = max(hi, x)
        shift += (S // 2 - (lo + hi) // 2) * stride
        stride *= S
    for k in range(n):
        grid[pos[k]] = 0
    for k in range(n):
        pos[k] += shift
        grid[pos[k]] = k + 1


@njit(cache=True)
def fill_walls(grid, S, dim, wall):
    """Clear ``grid`` and set its outer layer to ``wall``."""
    grid[:] = 0
    if dim == 2:
        for x in range(S):
            grid[x] = wall
            grid[(S - 1) * S + x] = wall
            grid[x * S] = wall
            grid[x * S + S - 1] = wall
    else:
        S2 = S * S
        for x in range(S):
            for y in range(S):
                grid[x * S + y] = wall
                grid[(S - 1) * S2 + x * S + y] = wall
                grid[x * S2 + y] = wall
                grid[x * S2 + (S - 1) * S + y] = wall
                grid[x * S2 + y * S] = wall
                grid[x * S2 + y * S + S - 1] = wall


@njit(cache=True, _nrt=False)
def place_chain(T, dirs, vectors, pos, grid):
    """Put the walk ``dirs`` in the middle of a walled, empty grid; False if it is not self-avoiding.

    Allocates nothing (two passes over the walk: its bounding box, then the sites), so that it
    can be called from the kernels compiled without reference counting.
    """
    dim = T[H_DIM]
    S = T[H_S]
    n = dirs.shape[0] + 1
    shift = 0
    stride = 1
    for a in range(dim):
        x = 0
        lo = 0
        hi = 0
        for k in range(1, n):
            x += vectors[dirs[k - 1], a]
            lo = min(lo, x)
            hi = max(hi, x)
        if hi - lo > S - 3:
            return False
        shift += (S // 2 - (lo + hi) // 2) * stride
        stride *= S
    ok = True
    p = shift
    for k in range(n):
        if k > 0:
            d = dirs[k - 1]
            stride = 1
            for a in range(dim):
                p += vectors[d, a] * stride
                stride *= S
        pos[k] = p
        if grid[p] != 0:
            ok = False
        grid[p] = k + 1
    return ok


@njit(cache=True)
def directions_of(T, pos, n, out):
    """Direction string of the chain at ``pos`` into ``out[:n-1]``."""
    doff = T[H_DOFF]
    b_dir = T[H_DIROF]
    for k in range(n - 1):
        out[k] = T[b_dir + pos[k + 1] - pos[k] + doff]


@njit(cache=True)
def _hash_dirs(row, m):
    h = np.uint64(1469598103934665603)
    for k in range(m):
        h = (h ^ np.uint64(row[k] + 1)) * np.uint64(1099511628211)
    return h


@njit(cache=True)
def neighbour_workspace(n, vectors, group, max_rows):
    """Reusable tables and buffers for :func:`neighbours_with` (chains of n monomers)."""
    S = 2 * n + 3
    T = build_tables(vectors, group, S, n)
    dim = T[H_DIM]
    ncell = 1
    for a in range(dim):
        ncell *= S
    grid = np.zeros(ncell, dtype=np.uint16)
    fill_walls(grid, S, dim, n + 1)
    return (T, grid, np.zeros(n, dtype=np.int64), np.zeros(2 * n, dtype=np.int64), np.zeros(n, dtype=np.int64),
            np.zeros(max(n - 1, 1), dtype=np.int8), row_table(max_rows))


@njit(cache=True)
def row_table(max_rows):
    """The hash table of :func:`find_row` for up to ``max_rows`` rows, empty.

    int64 ``[cap + max_rows + 1]``: ``cap`` (a power of two, at least ``2 max_rows + 2``) slots
    holding a row number or -1, then the log of the slots filled (``cap + i`` holds the slot of
    row ``i``, so that :func:`clear_rows` empties only those), then ``cap`` itself.
    """
    cap = 1
    while cap < 2 * max_rows + 2:
        cap *= 2
    table = np.full(cap + max_rows + 1, -1, dtype=np.int64)
    table[cap + max_rows] = cap
    return table


@njit(cache=True, _nrt=False, inline="always")
def clear_rows(table, n_rows):
    """Empty the slots of the first ``n_rows`` rows kept in ``table`` (see :func:`row_table`)."""
    cap = table[table.shape[0] - 1]
    for i in range(n_rows):
        table[table[cap + i]] = -1


@njit(cache=True, _nrt=False, inline="always")
def prefix_hashes(dirs, m, prefix):
    """``prefix[k]`` = the FNV hash (:func:`_hash_dirs`) of ``dirs[:k]``, k = 0 .. m."""
    h = np.uint64(1469598103934665603)
    for k in range(m):
        prefix[k] = h
        h = (h ^ np.uint64(dirs[k] + 1)) * np.uint64(1099511628211)
    prefix[m] = h


@njit(cache=True, _nrt=False, inline="always")
def moved_row(dirs, pos, nw, a, b, m, row, b_dir, doff_t, T):
    """The direction string after moving monomers ``a..b`` to ``nw[a..b]``, into ``row``.

    Only the directions into, inside and out of the segment are recomputed.  Returns
    ``(lo, same)``: the first index that may differ from ``dirs``, and whether none does.
    """
    lo = max(a - 1, 0)
    hi = min(b, m - 1)
    same = True
    for k in range(lo):
        row[k] = dirs[k]
    for k in range(lo, hi + 1):
        p0 = nw[k] if a <= k <= b else pos[k]
        p1 = nw[k + 1] if a <= k + 1 <= b else pos[k + 1]
        row[k] = T[b_dir + p1 - p0 + doff_t]
        if row[k] != dirs[k]:
            same = False
    for k in range(hi + 1, m):
        row[k] = dirs[k]
    return lo, same


@njit(cache=True, _nrt=False, inline="always")
def find_row(out, row, m, table, prefix, lo):
    """Open-addressing lookup of ``row`` among the rows of ``out`` indexed by ``table``.

    The hash is :func:`_hash_dirs` of ``row``, resumed from ``prefix[lo]`` (``row[:lo]`` equals the
    hashed prefix).  Returns ``(slot, found)``: the table slot holding ``row``, or the free slot for it.
    """
    cap = table[table.shape[0] - 1]
    h = prefix[lo]
    for k in range(lo, m):
        h = (h ^ np.uint64(row[k] + 1)) * np.uint64(1099511628211)
    slot = np.int64(h & np.uint64(cap - 1))
    while table[slot] >= 0:
        t = table[slot]
        eq = True
        for k in range(m):
            if out[t, k] != row[k]:
                eq = False
                break
        if eq:
            return slot, True
        slot = (slot + 1) & (cap - 1)
    return slot, False


@njit(cache=True, _nrt=False)
def propose_recentred(T, G, mtype, lab, pos, grid, n, nw, a):
    """:func:`propose` after recentring the chain, until no wall is in the way.

    ``G`` is :func:`geometry` of ``T``; ``a`` is what the failed proposal returned (the pivot
    monomer of a pivot move).  The rare slow path of every proposal loop, kept out of it.
    """
    off, dir_of, doff, perp, alt, grp, labs, nd, P, NC, wall = G
    status = -1
    b = 0
    while status < 0:
        recenter(T, pos, grid, n, a if mtype == T_PIVOT else -1)
        status, a, b = propose(mtype, lab, pos, grid, n, nw, off, dir_of, doff, perp, alt, grp, labs, nd, P, NC, wall)
    return status, a, b


@njit(cache=True, _nrt=False, inline="always")
def keep_row(out, row, m, table, prefix, lo, count):
    """Append ``row`` as ``out[count]`` unless :func:`find_row` has it already.

    Returns ``(count, appended)``; count -2 when ``out`` (or the table's log) is full.  The caller
    empties the table with :func:`clear_rows` once done with the rows.
    """
    slot, found = find_row(out, row, m, table, prefix, lo)
    if found:
        return count, False
    cap = table[table.shape[0] - 1]
    if count >= out.shape[0] or cap + count >= table.shape[0] - 1:
        return -2, False
    table[slot] = count
    table[cap + count] = slot  # the log of filled slots, for clear_rows
    for k in range(m):
        out[count, k] = row[k]
    return count + 1, True


@njit(cache=True)
def neighbours_with(dirs, vectors, ws, move_mask, out, distinct):
    """:func:`all_neighbours` (``distinct=True``) or :func:`proposal_results` with a workspace."""
    return neighbours_into(dirs, vectors, ws, geometry(ws[0]), move_mask, out, distinct,
                           np.empty(dirs.shape[0] + 1, np.uint64))


@njit(cache=True, _nrt=False)
def neighbours_into(dirs, vectors, ws, G, move_mask, out, distinct, prefix):
    """:func:`neighbours_with` with ``G = geometry(ws[0])`` and ``prefix`` (uint64 [N], scratch) given.

    Allocates nothing and is compiled without reference counting (``_nrt=False``): the
    atomic reference counts of the array views in the slot loop otherwise dominate its time.
    """
    T, grid, pos, nw, cand, row, table = ws
    off, dir_of, doff, perp, alt, grp, labs, nd, P, NC, wall = G
    n = dirs.shape[0] + 1
    m = n - 1
    if not place_chain(T, dirs, vectors, pos, grid):
        for k in range(n):
            if grid[pos[k]] == k + 1:
                grid[pos[k]] = 0
        return -1
    doff_t = T[H_DOFF]
    b_dir = T[H_DIROF]
    prefix_hashes(dirs, m, prefix)  # FNV hashes (_hash_dirs) of the prefixes of dirs
    count = 0
    n_kept = 0  # rows in the table (count, until out is full)
    for mtype in range(4):
        if not (move_mask >> mtype) & 1:
            continue
        nl = n_labels(mtype, n, T)
        for lab in range(nl):
            status, a, b = propose(mtype, lab, pos, grid, n, nw, off, dir_of, doff, perp, alt, grp, labs,
                                   nd, P, NC, wall)
            if status < 0:
                status, a, b = propose_recentred(T, G, mtype, lab, pos, grid, n, nw, a)
            if status == 0:
                continue
            lo, same = moved_row(dirs, pos, nw, a, b, m, row, b_dir, doff_t, T)
            if distinct:
                if not same:
                    count, kept = keep_row(out, row, m, table, prefix, lo, count)
                    if count < 0:
                        break
                    n_kept += kept
                continue
            if count >= out.shape[0]:
                count = -2
                break
            for k in range(m):
                out[count, k] = row[k]
            count += 1
        if count < 0:
            break
    for k in range(n):
        grid[pos[k]] = 0
    if distinct:
        clear_rows(table, n_kept)
    return count


@njit(cache=True)
def all_neighbours(dirs, vectors, group, move_mask, out):
    """Every distinct conformation one move away from ``dirs``; returns how many were written.

    Parameters
    ----------
    dirs : int8 array (N - 1,)
        The direction string of the conformation (need not be canonical).
    vectors : int64 array (nd, dim)
        ``Lattice.vectors``.
    group : int8 array (order, nd)
        ``Lattice.group`` (used by pivot moves).
    move_mask : int
        Bit set of ``LOCAL``, ``PULL``, ``PULL_LESH``, ``PIVOT``.
    out : int8 array (max_k, N - 1)
        Buffer; use ``max_neighbours(N, nd, order, move_mask)`` rows.

    Returns
    -------
    int
        The number of rows written: each a direction string (not canonicalised) reachable
        in one move, the input itself excluded, no duplicates.  -1 if ``dirs`` is not
        self-avoiding, -2 if ``out`` is too small.

    Notes
    -----
    Runs :func:`propose` on every slot of every selected move type, exactly as the
    Monte Carlo proposals do.  Cost O(slots x N) plus building the tables and a grid of
    (2N + 3)^dim cells; to call it for many conformations, build the workspace once with
    ``ws = neighbour_workspace(N, vectors, group, max_rows)`` and call
    ``neighbours_with(dirs, vectors, ws, move_mask, out, True)``.
    """
    ws = neighbour_workspace(dirs.shape[0] + 1, vectors, group, out.shape[0])
    return neighbours_with(dirs, vectors, ws, move_mask, out, True)


@njit(cache=True)
def proposal_results(dirs, vectors, group, move_mask, out):
    """The result of every valid slot (duplicates and self-loops kept), for detailed-balance checks."""
    ws = neighbour_workspace(dirs.shape[0] + 1, vectors, group, out.shape[0])
    return neighbours_with(dirs, vectors, ws, move_mask, out, False)
