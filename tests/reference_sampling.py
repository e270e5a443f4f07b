"""Slow, obvious oracles for the move sets and samplers (plain Python on coordinates)."""
import math

import numpy as np

from hpfold.lattice import get_lattice


def walk_coords(dirs, lattice):
    """Coordinates (list of tuples) of the walk from the origin."""
    vecs = get_lattice(lattice).vectors
    pts = [tuple([0] * vecs.shape[1])]
    for d in dirs:
        pts.append(tuple(int(a + b) for a, b in zip(pts[-1], vecs[int(d)])))
    return pts


def coords_dirs(pts, lattice):
    """Direction string (tuple of ints) of a list of neighbouring sites."""
    vecs = {tuple(int(x) for x in v): i for i, v in enumerate(get_lattice(lattice).vectors)}
    return tuple(vecs[tuple(b - a for a, b in zip(p, q))] for p, q in zip(pts, pts[1:]))


def is_saw(pts, lattice):
    vecs = {tuple(int(x) for x in v) for v in get_lattice(lattice).vectors}
    steps_ok = all(tuple(b - a for a, b in zip(p, q)) in vecs for p, q in zip(pts, pts[1:]))
    return steps_ok and len(set(pts)) == len(pts)


def all_walks(n, lattice):
    """Every self-avoiding walk of n monomers from the origin (tuples of directions), by DFS."""
    lat = get_lattice(lattice)
    vecs = [tuple(int(x) for x in v) for v in lat.vectors]
    out = []

    def grow(pts, dirs):
        if len(pts) == n:
            out.append(tuple(dirs))
            return
        for d, v in enumerate(vecs):
            q = tuple(a + b for a, b in zip(pts[-1], v))
            if q not in pts:
                pts.append(q)
                dirs.append(d)
                grow(pts, dirs)
                pts.pop()
                dirs.pop()

    grow([tuple([0] * lat.dim)], [])
    return out


def energy(dirs, sequence, lattice):
    """-(number of H-H lattice contacts with |i - j| > 1), from coordinates."""
    pts = walk_coords(dirs, lattice)
    vecs = {tuple(int(x) for x in v) for v in get_lattice(lattice).vectors}
    e = 0
    for i in range(len(pts)):
        for j in range(i + 2, len(pts)):
            if sequence[i] == "H" and sequence[j] == "H" and tuple(b - a for a, b in zip(pts[i], pts[j])) in vecs:
                e -= 1
    return e


def _nbrs(p, vecs):
    return [tuple(a + b for a, b in zip(p, v)) for v in vecs]


def _adj(p, q, vecs):
    return tuple(b - a for a, b in zip(p, q)) in vecs


def local_neighbours(dirs, lattice):
    """End moves, corner flips and crankshafts, by their textbook definitions (square, cubic)."""
    lat = get_lattice(lattice)
    vecs = [tuple(int(x) for x in v) for v in lat.vectors]
    vset = set(vecs)
    pts = walk_coords(dirs, lattice)
    n = len(pts)
    occ = set(pts)
    out = set()
    for e, nb in ((0, 1), (n - 1, n - 2)):
        for q in _nbrs(pts[nb], vecs):
            if q not in occ:
                new = list(pts)
                new[e] = q
                out.add(coords_dirs(new, lattice))
    for i in range(1, n - 1):
        for q in _nbrs(pts[i - 1], vecs):
            if q != pts[i] and q not in occ and _adj(q, pts[i + 1], vset):
                new = list(pts)
                new[i] = q
                out.add(coords_dirs(new, lattice))
    for i in range(1, n - 2):
        a, b, c, d = pts[i - 1], pts[i], pts[i + 1], pts[i + 2]
        u = tuple(y - x for x, y in zip(a, d))
        if u not in vset or tuple(y - x for x, y in zip(b, c)) != u:
            continue
        for w in vecs:
            if w == u or w == tuple(-x for x in u) or w == tuple(y - x for x, y in zip(a, b)):
                continue
            p1 = tuple(x + y for x, y in zip(a, w))
            p2 = tuple(x + y for x, y in zip(d, w))
            if (p1 in occ and p1 not in (b, c)) or (p2 in occ and p2 not in (b, c)):
                continue
            new = list(pts)
            new[i], new[i + 1] = p1, p2
            out.add(coords_dirs(new, lattice))
    out.discard(tuple(int(x) for x in dirs))
    return out


def pull_neighbours(dirs, lattice, reversible=True):
    """Pull moves (Lesh et al. 2003) with end pulls; ``reversible`` drops the end pulls that move
    three or more monomers and put L next to the old site of the second monomer."""
    lat = get_lattice(lattice)
    vecs = [tuple(int(x) for x in v) for v in lat.vectors]
    vset = set(vecs)
    pts = walk_coords(dirs, lattice)
    n = len(pts)
    out = set()

    def pulled(seq):
        """Pull in the direction of decreasing index of ``seq`` (a list of sites)."""
        res = []
        m = len(seq)
        occ = set(seq)
        for i in range(m - 1):
            v = tuple(a - b for a, b in zip(seq[i], seq[i + 1]))
            for w in vecs:
                if w == v or w == tuple(-x for x in v):
                    continue
                L = tuple(a + b for a, b in zip(seq[i + 1], w))
                C = tuple(a + b for a, b in zip(seq[i], w))
                if L in occ:
                    continue
                new = list(seq)
                new[i] = L
                if i == 0 or C == seq[i - 1]:
                    res.append(new)
                    continue
                if C in occ:
                    continue
                new[i - 1] = C
                j = i - 2
                while j >= 0 and not _adj(seq[j], new[j + 1], vset):
                    new[j] = seq[j + 2]
                    j -= 1
                res.append(new)
        # end pull of the last monomer
        e = m - 1
        for C in _nbrs(seq[e], vecs):
            if C in occ:
                continue
            for L in _nbrs(C, vecs):
                if L in occ or L == seq[e]:
                    continue
                new = list(seq)
                new[e], new[e - 1] = L, C
                j = e - 2
                while j >= 0 and not _adj(seq[j], new[j + 1], vset):
                    new[j] = seq[j + 2]
                    j -= 1
                moved = e - j
                if reversible and moved >= 3 and _adj(L, seq[e - 1], vset):
                    continue
                res.append(new)
        return res

    for new in pulled(list(pts)):
        out.add(coords_dirs(new, lattice))
    for new in pulled(list(reversed(pts))):
        out.add(coords_dirs(list(reversed(new)), lattice))
    out.discard(tuple(int(x) for x in dirs))
    return out


def pivot_neighbours(dirs, lattice):
    """One side of the chain turned about monomer k (1..N-2) by a non-identity point-group element."""
    lat = get_lattice(lattice)
    d = [int(x) for x in dirs]
    n = len(d) + 1
    out = set()
    for k in range(1, n - 1):
        for g in lat.group[1:]:
            for new in (d[:k] + [int(g[x]) for x in d[k:]], [int(g[x]) for x in d[:k]] + d[k:]):
                if is_saw(walk_coords(new, lattice), lattice):
                    out.add(tuple(new))
    out.discard(tuple(d))
    return out


def xoshiro256ss(state, count):
    """``count`` outputs of xoshiro256** (Blackman & Vigna 2021) from four 64-bit words, in plain integers."""
    mask = (1 << 64) - 1
    s = [int(w) for w in state]

    def rotl(x, k):
        return ((x << k) | (x >> (64 - k))) & mask

    out = []
    for _ in range(count):
        out.append(rotl(s[1] * 5 & mask, 7) * 9 & mask)
        t = s[1] << 17 & mask
        s[2] ^= s[0]
        s[3] ^= s[1]
        s[1] ^= s[2]
        s[0] ^= s[3]
        s[2] ^= t
        s[3] = rotl(s[3], 45)
    return out, s


def boltzmann(energies, counts, temperature):
    """Exact probabilities of the energy levels at ``temperature`` (inf: proportional to counts)."""
    e = np.asarray(energies, dtype=float)
    g = np.asarray(counts, dtype=float)
    if math.isinf(temperature):
        w = g
    else:
        w = g * np.exp(-(e - e.min()) / temperature)
    return w / w.sum()


def chi_square_pvalue(observed, probabilities, min_expected=5.0):
    """Pearson chi-square p-value (bins with small expectation pooled); uses the regularised gamma."""
    obs = np.asarray(observed, dtype=float)
    p = np.asarray(probabilities, dtype=float)
    total = obs.sum()
    exp_ = p * total
    # pool bins in order until each has the minimum expectation
    o_pool, e_pool = [], []
    ob = eb = 0.0
    for o, e in zip(obs, exp_):
        ob += o
        eb += e
        if eb >= min_expected:
            o_pool.append(ob)
            e_pool.append(eb)
            ob = eb = 0.0
    if eb > 0 and e_pool:
        o_pool[-1] += ob
        e_pool[-1] += eb
    o_pool = np.array(o_pool)
    e_pool = np.array(e_pool)
    stat = float(((o_pool - e_pool) ** 2 / e_pool).sum())
    dof = len(e_pool) - 1
    if dof <= 0:
        return 1.0
    return _gamma_q(dof / 2.0, stat / 2.0)


def _gamma_q(a, x):
    """Upper regularised incomplete gamma Q(a, x) (series / continued fraction, Numerical Recipes)."""
    if x <= 0:
        return 1.0
    gln = math.lgamma(a)
    if x < a + 1:
        ap, s, delta = a, 1.0 / a, 1.0 / a
        for _ in range(1000):
            ap += 1
            delta *= x / ap
            s += delta
            if abs(delta) < abs(s) * 1e-14:
                break
        return 1.0 - s * math.exp(-x + a * math.log(x) - gln)
    b = x + 1 - a
    c = 1e300
    d = 1 / b
    h = d
    for i in range(1, 1000):
        an = -i * (i - a)
        b += 2
        d = an * d + b
        d = 1e-300 if abs(d) < 1e-300 else d
        c = b + an / c
        c = 1e-300 if abs(c) < 1e-300 else c
        d = 1 / d
        delta = d * c
        h *= delta
        if abs(delta - 1) < 1e-14:
            break
    return math.exp(-x + a * math.log(x) - gln) * h


def _apply_pull(pts, desc, vset):
    """The new sites after pull slot ``desc`` (``("in", i, s, L)``: monomer i to L next to its
    neighbour i+s; ``("end", e, C, L)``: end e to L, its neighbour to C), or None if rejected."""
    n = len(pts)
    occ = set(pts)
    sub = lambda p, q: tuple(a - b for a, b in zip(p, q))

    def follow(new, j, s):
        while 0 <= j < n and not _adj(pts[j], new[j + s], vset):
            new[j] = pts[j + 2 * s]
            j -= s
        return j

    new = list(pts)
    if desc[0] == "in":
        _, i, s, L = desc
        w = sub(L, pts[i + s])
        v = sub(pts[i], pts[i + s])
        if w not in vset or w == v or w == tuple(-x for x in v) or L in occ:
            return None
        new[i] = L
        C = tuple(a + b for a, b in zip(pts[i], w))
        if not 0 <= i - s < n or C == pts[i - s]:
            return new
        if C in occ:
            return None
        new[i - s] = C
        follow(new, i - 2 * s, s)
        return new
    _, e, C, L = desc
    s = -1 if e == 0 else 1
    if not _adj(pts[e], C, vset) or not _adj(C, L, vset) or C in occ or L in occ:
        return None
    new[e], new[e - s] = L, C
    j = follow(new, e - 2 * s, s)
    if s * (e - j) >= 3 and _adj(L, pts[e - s], vset):
        return None
    return new


def _pull_slots(pts, vecs):
    """Every pull-move slot of the chain ``pts`` as a descriptor (see :func:`_apply_pull`)."""
    n = len(pts)
    out = []
    for i in range(n):
        for s in (1, -1):
            if 0 <= i + s < n:
                out += [("in", i, s, L) for L in _nbrs(pts[i + s], vecs)]
    for e in (0, n - 1):
        out += [("end", e, C, L) for C in _nbrs(pts[e], vecs) for L in _nbrs(C, vecs) if L != pts[e]]
    return out


def _designated_reverse(pts, desc, new):
    """The slot that must undo ``desc`` (see hpfold._kernels.moves._reverse_returns), as a descriptor."""
    n = len(pts)
    moved = [k for k in range(n) if new[k] != pts[k]]
    i = desc[1]
    if len(moved) == 1:
        return ("in", i, desc[2], pts[i])
    f = moved[0] if moved[-1] == i else moved[-1]
    if f in (0, n - 1):
        t = 1 if f == 0 else -1
        return ("end", f, pts[f + t], pts[f])
    s = -1 if f == moved[0] else 1
    return ("in", f, s, pts[f])


def checked_pull_results(dirs, lattice):
    """Every kept pull-move result (with multiplicity) when a move is kept only if its designated
    reverse exists and leads back: the ``pull`` set on lattices other than Z^d."""
    lat = get_lattice(lattice)
    vecs = [tuple(int(x) for x in v) for v in lat.vectors]
    vset = set(vecs)
    pts = walk_coords(dirs, lattice)
    results = []
    for desc in _pull_slots(pts, vecs):
        new = _apply_pull(pts, desc, vset)
        if new is not None and _apply_pull(new, _designated_reverse(pts, desc, new), vset) == list(pts):
            results.append(coords_dirs(new, lattice))
    return results
