"""Slow, obvious reference implementations (test oracles) for thermo.py and the PERM kernels.

* Thermodynamics by direct sums over energy levels (or over individual
  conformations) in 60-digit decimal arithmetic: no log-sum-exp tricks, no
  overflow, so it checks the fast float64 code.
* flatPERM and nPERMis written as plain recursive Python over a dict of
  occupied sites.  They draw random numbers with ``rng.random()`` at the same
  decision points as the numba kernels, so on small chains the two must agree
  exactly (same histograms, weights to rounding).
"""
from __future__ import annotations

import math
from decimal import Decimal, getcontext

import numpy as np

from hpfold.lattice import get_lattice
from hpfold.sequence import get_model

getcontext().prec = 60


# -- thermodynamics ---------------------------------------------------------------------------------

def thermo_direct(energies, counts, temperature):
    """Z, U, C_v, F, S, P(ground) at one temperature from integer counts g(E), in Decimal."""
    t = Decimal(repr(float(temperature)))
    weights = [Decimal(int(g)) * (-Decimal(int(e)) / t).exp() for e, g in zip(energies, counts)]
    z = sum(weights)
    u = sum(w * int(e) for w, e in zip(weights, energies)) / z
    e2 = sum(w * int(e) * int(e) for w, e in zip(weights, energies)) / z
    f = -t * z.ln()
    ground = min(range(len(energies)), key=lambda i: energies[i])
    return {
        "ln_z": float(z.ln()),
        "energy": float(u),
        "heat_capacity": float((e2 - u * u) / (t * t)),
        "free_energy": float(f),
        "entropy": float((u - f) / t),
        "p_native": float(weights[ground] / z),
    }


def thermo_over_conformations(conformation_energies, orbit_weights, temperature):
    """The same sums taken conformation by conformation (each canonical conformation times its orbit size)."""
    levels = {}
    for e, w in zip(conformation_energies, orbit_weights):
        levels[int(e)] = levels.get(int(e), 0) + int(w)
    energies = sorted(levels)
    return thermo_direct(energies, [levels[e] for e in energies], temperature)


def cv_peak_by_scan(energies, counts, lo, hi, points=2001):
    """The temperature of the largest C_v on a dense linear grid, then on a 1000x finer grid around it."""
    def best(a, b):
        grid = [a + (b - a) * i / (points - 1) for i in range(points)]
        cvs = [thermo_direct(energies, counts, t)["heat_capacity"] for t in grid]
        i = max(range(points), key=lambda k: cvs[k])
        return grid[i], (b - a) / (points - 1)
    t, step = best(lo, hi)
    t, _ = best(max(lo, t - step), t + step)
    return t


# -- chain growth ------------------------------------------------------------------------------------

class _Chain:
    """A growing walk: the list of sites and a dict site -> monomer index."""

    def __init__(self, lattice, types, matrix):
        self.vectors = [tuple(int(x) for x in v) for v in get_lattice(lattice).vectors]
        self.types = [int(t) for t in types]
        self.matrix = np.asarray(matrix)
        self.sites = []
        self.where = {}
        self.dirs = []

    def neighbour(self, site, d):
        return tuple(a + b for a, b in zip(site, self.vectors[d]))

    def free_directions(self):
        last = self.sites[-1]
        return [d for d in range(len(self.vectors)) if self.neighbour(last, d) not in self.where]

    def gain(self, d):
        """Contact energy gained by putting the next monomer one step along ``d``."""
        i = len(self.sites)
        site = self.neighbour(self.sites[-1], d)
        total = 0
        for e in range(len(self.vectors)):
            j = self.where.get(self.neighbour(site, e))
            if j is not None and j != i - 1:
                total += int(self.matrix[self.types[i], self.types[j]])
        return total

    def free_after(self, d):
        site = self.neighbour(self.sites[-1], d)
        return sum(1 for e in range(len(self.vectors)) if self.neighbour(site, e) not in self.where)

    def push(self, site, d=None):
        self.where[site] = len(self.sites)
        self.sites.append(site)
        if d is not None:
            self.dirs.append(d)

    def pop(self):
        del self.where[self.sites.pop()]
        if self.dirs:
            self.dirs.pop()


def flatperm_reference(sequence, lattice, n_tours, rng, lookahead=True, max_copies=1, model="HP"):
    """Recursive flatPERM; returns (sum_w, hist, ln_ref, counts) with sum_w, hist as dicts (n, E) -> value.

    counts: dict with tours, chains, full_length, dead_ends, pruned, enriched, best_energy.
    """
    mdl = get_model(model)
    types = mdl.encode(sequence)
    n_total = len(types)
    dim = get_lattice(lattice).dim
    sum_w, hist, ln_ref = {}, {}, {}
    counts = dict(tours=0, chains=0, full_length=0, dead_ends=0, pruned=0, enriched=0, best_energy=None)
    chain = _Chain(lattice, types, mdl.matrix)

    def visit(energy, lnw):
        n = len(chain.sites)
        counts["chains"] += 1
        ln_ref.setdefault(n, lnw)
        w_rel = math.exp(lnw - ln_ref[n])
        sum_w[n, energy] = sum_w.get((n, energy), 0.0) + w_rel
        hist[n, energy] = hist.get((n, energy), 0) + 1
        if n == n_total:
            counts["full_length"] += 1
            if counts["best_energy"] is None or energy < counts["best_energy"]:
                counts["best_energy"] = energy
            return
        free = chain.free_directions()
        a = len(free)
        if a == 0:
            counts["dead_ends"] += 1
            return
        children = []  # (direction, log weight)
        tours = counts["tours"]
        if lookahead:
            u = rng.random()
            cum, target = 0.0, u
            for d in free:
                cell = (n + 1, energy + chain.gain(d))
                ratio = 1.0
                if n + 1 in ln_ref and sum_w.get(cell, 0.0) > 0.0:
                    ratio = math.exp(lnw - ln_ref[n + 1]) * tours / sum_w[cell]
                expected = min(max_copies, ratio)
                cum += expected
                while target < cum:
                    children.append((d, lnw - math.log(expected)))
                    target = u + len(children)
        else:
            estimate = sum_w[n, energy] / tours
            r = w_rel / estimate
            if r >= 1.0:
                k = min(int(r), a)
                child = lnw + math.log(a) - math.log(k)
            elif rng.random() < r:
                k = 1
                child = math.log(estimate) + ln_ref[n] + math.log(a)
            else:
                k = 0
            for i in range(k):
                j = i + int(rng.random() * (a - i))
                free[i], free[j] = free[j], free[i]
                children.append((free[i], child))
        if not children:
            counts["pruned"] += 1
        counts["enriched"] += max(len(children) - 1, 0)
        for d, child_lnw in children:
            de = chain.gain(d)
            chain.push(chain.neighbour(chain.sites[-1], d), d)
            visit(energy + de, child_lnw)
            chain.pop()

    for _ in range(n_tours):
        counts["tours"] += 1
        chain.push((0,) * dim)
        visit(0, 0.0)
        chain.pop()
    return sum_w, hist, ln_ref, counts


def npermis_reference(sequence, lattice, n_tours, rng, beta, threshold_c, importance=True, model="HP"):
    """Recursive nPERMis; returns (sum_w, n_chains, sum_w_full, ln_ref, counts) as dicts."""
    mdl = get_model(model)
    types = mdl.encode(sequence)
    n_total = len(types)
    dim = get_lattice(lattice).dim
    sum_w, n_chains, sum_w_full, ln_ref = {}, {}, {}, {}
    counts = dict(tours=0, chains=0, full_length=0, dead_ends=0, pruned=0, enriched=0, best_energy=None)
    chain = _Chain(lattice, types, mdl.matrix)

    def visit(energy, lnw):
        n = len(chain.sites)
        counts["chains"] += 1
        ln_ref.setdefault(n, lnw)
        w_rel = math.exp(lnw - ln_ref[n])
        sum_w[n] = sum_w.get(n, 0.0) + w_rel
        n_chains[n] = n_chains.get(n, 0) + 1
        if n == n_total:
            sum_w_full[energy] = sum_w_full.get(energy, 0.0) + w_rel
            counts["full_length"] += 1
            if counts["best_energy"] is None or energy < counts["best_energy"]:
                counts["best_energy"] = energy
            return
        free = chain.free_directions()
        if not free:
            counts["dead_ends"] += 1
            return
        gains = [chain.gain(d) for d in free]
        child_w = [lnw - beta * g for g in gains]
        if not importance:
            q = [1.0] * len(free)
        else:
            low = min(gains)
            q = [math.exp(-beta * (g - low)) * (1.0 if n + 1 == n_total else chain.free_after(d) + 0.5)
                 for d, g in zip(free, gains)]
        k, extra = 1, 0.0
        tours = counts["tours"]
        if n_chains.get(n + 1, 0) > 0:
            predicted = sum(math.exp(w - ln_ref[n + 1]) for w in child_w)
            w_plus = threshold_c * (sum_w[n + 1] / tours) * (n_chains[n + 1] / tours) ** 2
            if predicted > w_plus:
                k = min(len(free), math.ceil(predicted / w_plus))
            elif predicted < 0.2 * w_plus:
                if rng.random() < 0.5:
                    k = 0
                else:
                    extra = math.log(2.0)
        if k == 0:
            counts["pruned"] += 1
            return
        counts["enriched"] += k - 1
        pi = _capped_proportional(q, k)
        u = rng.random()
        picked, cum = [], 0.0
        for i, p in enumerate(pi):  # systematic sampling: point u + j lands in interval i
            cum += p
            if i == len(pi) - 1:
                cum = k + 1.0
            if len(picked) < k and u + len(picked) < cum:
                picked.append(i)
        for i in picked:
            d = free[i]
            chain.push(chain.neighbour(chain.sites[-1], d), d)
            visit(energy + gains[i], child_w[i] - math.log(pi[i]) + extra)
            chain.pop()

    for _ in range(n_tours):
        counts["tours"] += 1
        chain.push((0,) * dim)
        visit(0, 0.0)
        chain.pop()
    return sum_w, n_chains, sum_w_full, ln_ref, counts


def _capped_proportional(q, k):
    """pi_i = min(1, c q_i) with sum pi = k: cap the largest repeatedly."""
    pi = [0.0] * len(q)
    capped = set()
    while True:
        rest = [i for i in range(len(q)) if i not in capped]
        remaining = k - len(capped)
        if remaining == 0:
            return [1.0 if i in capped else 0.0 for i in range(len(q))]
        total = sum(q[i] for i in rest)
        over = [i for i in rest if remaining * q[i] / total >= 1.0]
        if not over:
            for i in range(len(q)):
                pi[i] = 1.0 if i in capped else remaining * q[i] / total
            return pi
        capped.add(over[0])


# -- bond rebridging -----------------------------------------------------------------------------------

def rebridge_reference(directions, lattice):
    """Every rebridging slot of a walk, by definition on the list of sites: a list with, per slot,
    the new direction tuple or None.  Slot order: (end 0, d), (end 1, d), then (i, d) for i = 0..N-3."""
    lat = get_lattice(lattice)
    vectors = [tuple(int(x) for x in v) for v in lat.vectors]
    sites = [(0,) * lat.dim]
    for d in directions:
        sites.append(tuple(a + b for a, b in zip(sites[-1], vectors[int(d)])))
    n = len(sites)
    index = {s: k for k, s in enumerate(sites)}

    def step(s, d):
        return tuple(a + b for a, b in zip(s, vectors[d]))

    def dirs_of(walk):
        return tuple(vectors.index(tuple(b - a for a, b in zip(walk[k], walk[k + 1]))) for k in range(n - 1))

    if n < 4:
        return []
    out = []
    for end in (0, 1):
        for d in range(len(vectors)):
            if end == 0:
                j = index.get(step(sites[0], d))
                ok = j is not None and j > 1
                walk = sites[:j][::-1] + sites[j:] if ok else None
            else:
                j = index.get(step(sites[-1], d))
                ok = j is not None and j < n - 2
                walk = sites[:j + 1] + sites[j + 1:][::-1] if ok else None
            out.append(dirs_of(walk) if ok else None)
    for i in range(n - 2):
        for d in range(len(vectors)):
            j = index.get(step(sites[i], d))
            ok = (j is not None and i + 1 < j < n - 1
                  and any(step(sites[i + 1], e) == sites[j + 1] for e in range(len(vectors))))
            out.append(dirs_of(sites[:i + 1] + sites[i + 1:j + 1][::-1] + sites[j + 1:]) if ok else None)
    return out
