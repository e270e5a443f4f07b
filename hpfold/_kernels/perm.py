"""Chain-growth kernels: flatPERM (density of states) and nPERMis (low-temperature PERM).

Both kernels grow self-avoiding walks monomer by monomer, depth first, with an
explicit stack instead of recursion.  A *tour* starts from a single monomer at
the centre of an occupancy grid and ends when every copy made during it has
died or reached full length.  All state that must survive between calls
(weight sums, histograms, counters, the best conformation) lives in arrays the
caller owns, so a run can be split into batches of tours with identical
results.

Conventions shared by both kernels
----------------------------------
* ``grid`` is a flat int32 array over a cube of side ``2N + 3``; a site holds
  ``monomer index + 1`` or 0.  ``offsets[d]`` is the flat offset of direction
  ``d`` and ``center`` the flat index of monomer 0.  Backtracking clears the
  grid, so the caller's grid is all zeros again after every call.
* Depth ``n`` means monomers ``0 .. n-1`` are placed; its energy is the contact
  energy of that prefix.  Energies are stored at index ``E + e_offset``.
* Weights are kept as logarithms.  Sums at depth ``n`` are stored relative to
  ``ln_ref[n]``, the log-weight of the first chain that reached depth ``n``
  (``ln_ref[n]`` is NaN until then), so that ``exp`` never overflows for the
  chain lengths hpfold handles (up to a few hundred monomers).
* Random numbers come only from ``rng.random()``, in a fixed order, so that the
  slow reference in ``tests/reference_thermo.py`` reproduces a run exactly.

Counters (int64 array, see ``COUNTER_NAMES``): tours, chains (nodes visited),
full-length chains, dead ends (no free neighbour), pruned, copies made by
enrichment, best energy, chains visited when the best energy was first reached.
"""
import math

import numpy as np
from numba import njit

COUNTER_NAMES = ("tours", "chains", "full_length", "dead_ends", "pruned", "enriched", "best_energy",
                 "chains_at_best")
TOURS, CHAINS, FULL, DEAD, PRUNED, ENRICHED, BEST_E, AT_BEST = range(8)
#: sentinel for "no full-length chain yet" in ``counters[BEST_E]``
NO_ENERGY = 2 ** 62


def new_counters() -> np.ndarray:
    """A zeroed counter array with the best-energy sentinel set."""
    c = np.zeros(len(COUNTER_NAMES), dtype=np.int64)
    c[BEST_E] = NO_ENERGY
    return c


@njit(cache=True, nogil=True)
def delta_energy(grid, site, monomer, offsets, types, matrix, interacts):
    """Contact energy gained by placing ``monomer`` at ``site`` next to monomers ``0 .. monomer-2``."""
    ti = types[monomer]
    if not interacts[ti]:
        return 0
    de = 0
    for d in range(offsets.shape[0]):
        j = grid[site + offsets[d]] - 1
        if j >= 0 and j != monomer - 1:
            de += matrix[ti, types[j]]
    return de


@njit(cache=True, nogil=True)
def _record_full(n, energy, dirs, counters, best_dirs):
    counters[FULL] += 1
    if energy < counters[BEST_E]:
        counters[BEST_E] = energy
        counters[AT_BEST] = counters[CHAINS]
        for i in range(n - 1):
            best_dirs[i] = dirs[i]


@njit(cache=True, nogil=True)
def flatperm_tours(n_tours, types, matrix, interacts, offsets, grid, center, e_offset, lookahead, max_copies,
                   sum_w, hist, ln_ref, counters, best_dirs, rng):
    """Run ``n_tours`` flatPERM tours, updating ``sum_w``, ``hist``, ``ln_ref``, ``counters`` in place.

    ``sum_w[n, E + e_offset]`` accumulates the weights of chains of ``n`` monomers and energy ``E``
    (relative to ``exp(ln_ref[n])``) and ``hist`` counts them.  After ``S = counters[TOURS]`` tours,
    ``sum_w[n, i] * exp(ln_ref[n]) / S`` estimates the number of ``n``-monomer walks of that energy.

    At each chain the ratio ``r = W / (sum_w / S)`` of its weight to the current estimate decides:
    ``r >= 1``: ``k = min(floor(r), a)`` distinct continuations among the ``a`` free neighbours, each
    with weight ``W a / k``; ``r < 1``: survive with probability ``r`` with weight ``(W / r) a``
    (Prellberg & Krawczyk, PRL 92, 120602, 2004).

    With ``lookahead`` the decision is taken before the step instead, on each continuation
    ``alpha`` (energy ``E_alpha``): it is kept with probability ``pi_alpha = min(1, W / est(n+1,
    E_alpha))`` (1 for a level not seen yet), by systematic sampling with one uniform number, and
    gets weight ``W / pi_alpha``.  Every kept chain then arrives with about the estimated weight of
    its (length, energy) cell, so rare low-energy cells are reached as often as common ones instead
    of being enriched at most ``a``-fold per step after arrival.
    """
    n = types.shape[0]
    nd = offsets.shape[0]
    site = np.zeros(n, dtype=np.int64)
    energy = np.zeros(n + 1, dtype=np.int64)
    lnw = np.zeros(n + 1, dtype=np.float64)
    width = nd * max(int(max_copies), 1) + 1
    choice = np.zeros((n + 1, width), dtype=np.int64)
    child_lnw_each = np.zeros((n + 1, width), dtype=np.float64)
    n_choice = np.full(n + 1, -1, dtype=np.int64)
    next_choice = np.zeros(n + 1, dtype=np.int64)
    dirs = np.zeros(max(n - 1, 1), dtype=np.int64)
    free = np.zeros(nd, dtype=np.int64)
    for _ in range(n_tours):
        counters[TOURS] += 1
        tours = counters[TOURS]
        depth = 1
        site[0] = center
        grid[center] = 1
        energy[1] = 0
        lnw[1] = 0.0
        n_choice[1] = -1
        next_choice[1] = 0
        while depth >= 1:
            if n_choice[depth] == -1:
                # first visit of this node: record it and decide its continuations
                n_choice[depth] = 0
                e_idx = energy[depth] + e_offset
                counters[CHAINS] += 1
                if math.isnan(ln_ref[depth]):
                    ln_ref[depth] = lnw[depth]
                w_rel = math.exp(lnw[depth] - ln_ref[depth])
                sum_w[depth, e_idx] += w_rel
                hist[depth, e_idx] += 1
                if depth == n:
                    _record_full(n, energy[depth], dirs, counters, best_dirs)
                else:
                    last = site[depth - 1]
                    a = 0
                    for d in range(nd):
                        if grid[last + offsets[d]] == 0:
                            free[a] = d
                            a += 1
                    if a == 0:
                        counters[DEAD] += 1
                    elif lookahead:
                        k = 0
                        u = rng.random()
                        cum = 0.0
                        target = u
                        for i in range(a):
                            d = free[i]
                            de = delta_energy(grid, last + offsets[d], depth, offsets, types, matrix, interacts)
                            ci = energy[depth] + de + e_offset
                            ratio = 1.0
                            if not math.isnan(ln_ref[depth + 1]) and sum_w[depth + 1, ci] > 0.0:
                                ratio = math.exp(lnw[depth] - ln_ref[depth + 1]) * tours / sum_w[depth + 1, ci]
                            expected = min(max_copies, ratio)
                            cum += expected
                            while target < cum:  # systematic sampling: E[copies] = expected exactly
                                choice[depth, k] = d
                                child_lnw_each[depth, k] = lnw[depth] - math.log(expected)
                                k += 1
                                target = u + k
                        if k == 0:
                            counters[PRUNED] += 1
                        elif k > 1:
                            counters[ENRICHED] += k - 1
                        n_choice[depth] = k
                    else:
                        estimate = sum_w[depth, e_idx] / tours
                        r = w_rel / estimate
                        k = 0
                        if r >= 1.0:
                            k = min(int(r), a)
                            for i in range(k):
                                child_lnw_each[depth, i] = lnw[depth] + math.log(a) - math.log(k)
                            if k > 1:
                                counters[ENRICHED] += k - 1
                        elif rng.random() < r:
                            k = 1
                            child_lnw_each[depth, 0] = math.log(estimate) + ln_ref[depth] + math.log(a)
                        else:
                            counters[PRUNED] += 1
                        for i in range(k):  # k distinct continuations: partial Fisher-Yates shuffle
                            j = i + int(rng.random() * (a - i))
                            tmp = free[i]
                            free[i] = free[j]
                            free[j] = tmp
                            choice[depth, i] = free[i]
                        n_choice[depth] = k
            if next_choice[depth] < n_choice[depth]:
                d = choice[depth, next_choice[depth]]
                next_choice[depth] += 1
                s = site[depth - 1] + offsets[d]
                de = delta_energy(grid, s, depth, offsets, types, matrix, interacts)
                grid[s] = depth + 1
                site[depth] = s
                dirs[depth - 1] = d
                energy[depth + 1] = energy[depth] + de
                lnw[depth + 1] = child_lnw_each[depth, next_choice[depth] - 1]
                depth += 1
                n_choice[depth] = -1
                next_choice[depth] = 0
            else:
                grid[site[depth - 1]] = 0
                n_choice[depth] = -1
                next_choice[depth] = 0
                depth -= 1
    return 0


@njit(cache=True, nogil=True)
def _systematic_sample(pi, m, k, u, out):
    """Choose ``k`` distinct indices of ``pi[:m]`` (each ``pi <= 1``, sum ``k``) with inclusion
    probabilities exactly ``pi`` from one uniform ``u`` (systematic sampling); return the count."""
    got = 0
    cum = 0.0
    target = u
    for i in range(m):
        cum += pi[i]
        if i == m - 1:
            cum = k + 1.0  # guard against rounding: the last interval closes the line
        if got < k and target < cum:  # each interval has length <= 1: at most one point in it
            out[got] = i
            got += 1
            target = u + got
    return got


@njit(cache=True, nogil=True)
def inclusion_probabilities(q, m, k, pi):
    """``pi[i] = min(1, c q[i])`` with ``c`` chosen so that ``sum(pi[:m]) == k`` (``k <= m``)."""
    capped = np.zeros(m, dtype=np.bool_)
    remaining = k
    while True:
        total = 0.0
        for i in range(m):
            if not capped[i]:
                total += q[i]
        changed = False
        for i in range(m):
            if capped[i]:
                pi[i] = 1.0
            else:
                pi[i] = remaining * q[i] / total
                if pi[i] >= 1.0:
                    capped[i] = True
                    remaining -= 1
                    changed = True
                    break
        if not changed or remaining == 0:
            if remaining == 0:
                for i in range(m):
                    pi[i] = 1.0 if capped[i] else 0.0
            return


@njit(cache=True, nogil=True)
def npermis_tours(n_tours, types, matrix, interacts, offsets, grid, center, e_offset, beta, threshold_c,
                  importance, target_energy, sum_w, n_chains, sum_w_full, ln_ref, counters, best_dirs, rng):
    """Run up to ``n_tours`` nPERMis tours at inverse temperature ``beta``; stop early after the tour
    in which a full-length chain with energy <= ``target_energy`` appears.  Returns the tours run.

    ``sum_w[n]`` and ``n_chains[n]`` accumulate the weight and number of chains of ``n`` monomers;
    ``sum_w_full[E + e_offset]`` the weights of full-length chains by energy (relative to
    ``exp(ln_ref[n])``).  ``sum_w[n] * exp(ln_ref[n]) / tours`` estimates the partition sum
    ``Z_n(beta)`` of the ``n``-monomer prefix.

    At a chain of weight ``W`` with free neighbours ``alpha``, the next-generation weights are
    ``w_alpha = W exp(-beta dE_alpha)`` and their sum ``W_pred``.  With ``Z = sum_w[n+1] / tours`` and
    ``c = n_chains[n+1] / tours``, the thresholds are ``W+ = C Z c**2`` and ``W- = W+ / 5``.
    ``W_pred > W+``: ``k = min(a, ceil(W_pred / W+))`` distinct continuations;
    ``W_pred < W-``: killed with probability 1/2, else one continuation with doubled weight;
    otherwise one continuation.  The ``k`` continuations are drawn by systematic sampling with
    inclusion probabilities ``pi_alpha`` proportional to the importance
    ``q_alpha = exp(-beta dE_alpha) (f_alpha + 1/2)`` (``f_alpha``: free neighbours of the candidate
    site; ``q = exp(-beta dE)`` for the last monomer, and ``q = 1`` without importance sampling), and
    continuation ``alpha`` gets weight ``w_alpha / pi_alpha``
    (Hsu, Mehra, Nadler & Grassberger, J. Chem. Phys. 118, 444, 2003).
    """
    n = types.shape[0]
    nd = offsets.shape[0]
    site = np.zeros(n, dtype=np.int64)
    energy = np.zeros(n + 1, dtype=np.int64)
    lnw = np.zeros(n + 1, dtype=np.float64)
    choice = np.zeros((n + 1, nd), dtype=np.int64)
    choice_de = np.zeros((n + 1, nd), dtype=np.int64)
    child_lnw = np.zeros((n + 1, nd), dtype=np.float64)
    n_choice = np.full(n + 1, -1, dtype=np.int64)
    next_choice = np.zeros(n + 1, dtype=np.int64)
    dirs = np.zeros(max(n - 1, 1), dtype=np.int64)
    cand = np.zeros(nd, dtype=np.int64)
    cand_de = np.zeros(nd, dtype=np.int64)
    cand_lnw = np.zeros(nd, dtype=np.float64)
    q = np.zeros(nd, dtype=np.float64)
    pi = np.zeros(nd, dtype=np.float64)
    picked = np.zeros(nd, dtype=np.int64)
    done = 0
    for _ in range(n_tours):
        counters[TOURS] += 1
        done += 1
        tours = counters[TOURS]
        depth = 1
        site[0] = center
        grid[center] = 1
        energy[1] = 0
        lnw[1] = 0.0
        n_choice[1] = -1
        next_choice[1] = 0
        while depth >= 1:
            if n_choice[depth] == -1:
                n_choice[depth] = 0
                counters[CHAINS] += 1
                if math.isnan(ln_ref[depth]):
                    ln_ref[depth] = lnw[depth]
                w_rel = math.exp(lnw[depth] - ln_ref[depth])
                sum_w[depth] += w_rel
                n_chains[depth] += 1
                if depth == n:
                    sum_w_full[energy[depth] + e_offset] += w_rel
                    _record_full(n, energy[depth], dirs, counters, best_dirs)
                else:
                    last = site[depth - 1]
                    a = 0
                    de_min = 0
                    for d in range(nd):
                        s = last + offsets[d]
                        if grid[s] == 0:
                            de = delta_energy(grid, s, depth, offsets, types, matrix, interacts)
                            cand[a] = d
                            cand_de[a] = de
                            cand_lnw[a] = lnw[depth] - beta * de
                            if a == 0 or de < de_min:
                                de_min = de
                            f = 0
                            if importance and depth + 1 < n:
                                grid[s] = depth + 1  # look ahead: free neighbours of the candidate
                                for d2 in range(nd):
                                    if grid[s + offsets[d2]] == 0:
                                        f += 1
                                grid[s] = 0
                            q[a] = f + 0.5
                            a += 1
                    for i in range(a):  # importance, scaled by the best Boltzmann factor (ratios matter)
                        if not importance:
                            q[i] = 1.0
                        elif depth + 1 == n:
                            q[i] = math.exp(-beta * (cand_de[i] - de_min))
                        else:
                            q[i] = q[i] * math.exp(-beta * (cand_de[i] - de_min))
                    if a == 0:
                        counters[DEAD] += 1
                    else:
                        k = 1
                        factor = 0.0  # log of the pruning compensation
                        if n_chains[depth + 1] > 0:
                            ref = ln_ref[depth + 1]
                            w_pred = 0.0
                            for i in range(a):
                                w_pred += math.exp(cand_lnw[i] - ref)
                            z_est = sum_w[depth + 1] / tours
                            c_est = n_chains[depth + 1] / tours
                            w_plus = threshold_c * z_est * c_est * c_est
                            if w_pred > w_plus:
                                k = min(a, int(math.ceil(w_pred / w_plus)))
                                counters[ENRICHED] += k - 1
                            elif w_pred < 0.2 * w_plus:
                                if rng.random() < 0.5:
                                    k = 0
                                    counters[PRUNED] += 1
                                else:
                                    factor = math.log(2.0)
                        if k > 0:
                            inclusion_probabilities(q, a, k, pi)
                            got = _systematic_sample(pi, a, k, rng.random(), picked)
                            for i in range(got):
                                c = picked[i]
                                choice[depth, i] = cand[c]
                                choice_de[depth, i] = cand_de[c]
                                child_lnw[depth, i] = cand_lnw[c] - math.log(pi[c]) + factor
                            n_choice[depth] = got
            if next_choice[depth] < n_choice[depth]:
                i = next_choice[depth]
                next_choice[depth] += 1
                d = choice[depth, i]
                s = site[depth - 1] + offsets[d]
                grid[s] = depth + 1
                site[depth] = s
                dirs[depth - 1] = d
                energy[depth + 1] = energy[depth] + choice_de[depth, i]
                lnw[depth + 1] = child_lnw[depth, i]
                depth += 1
                n_choice[depth] = -1
                next_choice[depth] = 0
            else:
                grid[site[depth - 1]] = 0
                n_choice[depth] = -1
                next_choice[depth] = 0
                depth -= 1
        if counters[BEST_E] <= target_energy:
            break
    return done
