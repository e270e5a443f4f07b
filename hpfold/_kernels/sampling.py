"""Monte Carlo kernels: Metropolis steps on an occupancy grid, replica exchange, saved frames.

One chain = ``pos`` (flat grid index of each monomer), ``grid`` (cells hold monomer
index + 1, 0 empty, ``N + 1`` wall) and its energy; see :mod:`hpfold._kernels.moves`
for the grid and the slot proposals.  A step draws a move type (mixtures), a slot
``floor(u * n_slots)`` with ``u`` from the replica's xoshiro256** stream (:mod:`.rng`),
applies it, computes the energy change
from the moved monomers only (their contacts before and after, ``O(moved x nd)``) and
accepts with ``min(1, exp(-dE / T))`` from a table ``ptab[dE]``.  Nothing is allocated
per move.

Replicas run in ``prange`` between exchange points; each replica owns its generator
state (uint64[4], seeded from one ``SeedSequence``) and the swaps use a separate master state, so
the results do not depend on the number of threads.  Everything (swaps, annealing
temperatures, frames) is keyed on the global step, so the results do not depend on
how the run is cut into blocks either: a resumed run repeats an uninterrupted one.
"""
import math

import numpy as np
from numba import njit, prange

_u = np.uint64   # unsigned indices skip numba's wraparound check (see moves._u)

from .moves import (H_DIM, H_DIROF, H_DOFF, H_S, T_PULL, T_PULL_LESH, cells_move, cells_move_inline,
                    decode_site, geometry, propose, propose_inline, propose_pull_fast, propose_recentred)
from .rng import to_unit, uniform, unit_times, xoshiro_next

#: counters[slot, move type, k]: k = 0 attempted, 1 geometrically valid, 2 accepted
C_ATTEMPTED = 0
C_VALID = 1
C_ACCEPTED = 2


def contact_tables(matrix, types):
    """The tables :func:`contacts` reads: ``iw`` (int64, ``iw[t * (N + 2) + cell]`` = energy of a
    monomer of type t with the occupant of a cell holding monomer index + 1; 0 for empty and wall
    cells) and ``next_active`` (int64 [N + 2], the first monomer >= k with any interaction, N if none).

    Examples
    --------
    >>> import numpy as np
    >>> iw, nxt = contact_tables(np.array([[-1, 0], [0, 0]]), np.array([1, 0, 1]))
    >>> iw.reshape(2, 5)[0].tolist(), nxt.tolist()
    ([0, 0, -1, 0, 0], [1, 1, 3, 3, 3])
    """
    n = len(types)
    iw = np.zeros((matrix.shape[0], n + 2), dtype=np.int64)
    for t in range(matrix.shape[0]):
        iw[t, 1:n + 1] = matrix[t, types]
    active = np.any(matrix[types] != 0, axis=1)
    nxt = np.full(n + 2, n, dtype=np.int64)
    for k in range(n - 1, -1, -1):
        nxt[k] = k if active[k] else nxt[k + 1]
    return np.ascontiguousarray(iw.ravel()), nxt


@njit(cache=True, _nrt=False)
def contacts(grid, p, a, b, types, iw, next_active, offt):
    """Contact energy of the pairs with at least one monomer in ``a..b`` (monomer k at ``p[k]``).

    Pairs inside the range are counted once, chain neighbours excluded; ``iw[t, cell]`` is
    the contact energy of a monomer of type t with the occupant of ``cell``; ``offt`` is the
    tuple of grid offsets (a tuple, so that the direction loop is unrolled) (0 for empty
    and wall cells), flattened: ``iw[t * (N + 2) + cell]``; ``next_active[k]`` is the first monomer >= k with any interaction.
    """
    c = 0
    width = next_active.shape[0]          # = N + 2 = columns of the flattened iw
    k = next_active[_u(a)]
    while k <= b:
        site = p[_u(k)]
        row = types[_u(k)] * width
        # the partner j = o - 1 of a cell value o counts iff j > k + 1 or j < min(a, k - 1)
        hi = k + 2
        lo = min(a, k - 1) + 1
        for od in offt:
            o = np.int64(grid[np.uint64(site + od)])
            keep = np.int64(o > hi) | np.int64(o < lo)
            c += iw[np.uint64(row + o)] * keep
        k = next_active[_u(k + 1)]
    return c


contacts_inline = njit(cache=True, _nrt=False, inline="always")(contacts.py_func)


@njit(cache=True)
def acceptance_table(beta, ptab):
    """``ptab[d] = exp(-beta d)`` (1 for beta = 0, 0 for d > 0 and beta = inf)."""
    for d in range(ptab.shape[0]):
        if d == 0 or beta == 0.0:
            ptab[d] = 1.0
        elif math.isinf(beta):
            ptab[d] = 0.0
        else:
            ptab[d] = math.exp(-beta * d)


@njit(cache=True)
def anneal_beta(kind, t_start, t_end, total, step):
    """Inverse temperature of an annealing schedule at ``step`` (kind 1 linear, 2 geometric in T)."""
    frac = min(max(step / max(total, 1.0), 0.0), 1.0)
    if kind == 1:
        t = t_start + (t_end - t_start) * frac
    else:
        t = t_start * (t_end / t_start) ** frac
    if t <= 0.0:
        return np.inf
    return 1.0 / t


@njit(cache=True)
def record_frame(T, pos, n, cart, native, energy, xyz, out_pos, out_obs, f):
    """Write positions (relative to monomer 0) and observables (E, Rg, end-to-end, Q) of frame f."""
    dim = T[H_DIM]
    S = T[H_S]
    for k in range(n):
        decode_site(pos[k], S, dim, xyz[k])
    for k in range(n):
        for a in range(dim):
            out_pos[f, k, a] = xyz[k, a] - xyz[0, a]
    # Cartesian coordinates relative to monomer 0: centre, spread, end-to-end
    c0 = 0.0
    c1 = 0.0
    c2 = 0.0
    for k in range(n):
        for a in range(dim):
            v = 0.0
            for b in range(dim):
                v += cart[a, b] * (xyz[k, b] - xyz[0, b])
            if a == 0:
                c0 += v
            elif a == 1:
                c1 += v
            else:
                c2 += v
    c0 /= n
    c1 /= n
    c2 /= n
    ssq = 0.0
    ee = 0.0
    for k in range(n):
        for a in range(dim):
            v = 0.0
            for b in range(dim):
                v += cart[a, b] * (xyz[k, b] - xyz[0, b])
            c = c0 if a == 0 else (c1 if a == 1 else c2)
            ssq += (v - c) ** 2
            if k == n - 1:
                ee += v * v
    out_obs[0, f] = energy
    out_obs[1, f] = math.sqrt(ssq / n)
    out_obs[2, f] = math.sqrt(ee)
    if native.shape[0] == 0:
        out_obs[3, f] = np.nan
    else:
        doff = T[H_DOFF]
        b_dir = T[H_DIROF]
        hit = 0
        for c in range(native.shape[0]):
            x = pos[native[c, 1]] - pos[native[c, 0]]
            if x >= -doff and x <= doff and T[b_dir + x + doff] >= 0:
                hit += 1
        out_obs[3, f] = hit / native.shape[0]


@njit(cache=True, _nrt=False, inline="always")
def _propose_step(T, G, pw, offt, mtype, lab, pos, grid, n, nw):
    """One proposal of slot ``lab`` of move type ``mtype``, recentring the chain if a wall is in the way.

    Pull moves go through :func:`~hpfold._kernels.moves.propose_pull_fast` (``pw`` its table),
    the others through :func:`~hpfold._kernels.moves.propose`; returns ``(status, a, b)``.
    """
    off, dir_of, doff, perp, alt, grp, labs, nd, P, NC, wall = G
    if mtype == T_PULL or mtype == T_PULL_LESH:
        status, a, b = propose_pull_fast(lab, pos, grid, n, nw, mtype == T_PULL, pw, offt, off, dir_of, doff, labs,
                                         wall)
    else:
        status, a, b = propose_inline(mtype, lab, pos, grid, n, nw, off, dir_of, doff, perp, alt, grp, labs,
                                      nd, P, NC, wall)
    if status < 0:
        # propose gives the same results as propose_pull_fast
        status, a, b = propose_recentred(T, G, mtype, lab, pos, grid, n, nw, a)
    return status, a, b


@njit(cache=True, _nrt=False, inline="always")
def _metropolis(grid, pos, nw, a, b, types, iw, next_active, offt, ptab, beta, r0, r1, r2, r3):
    """Apply a valid proposal (monomers ``a..b`` to ``nw[a..b]``) to the grid and test it.

    The energy change comes from the moved monomers' contacts before and after; a rise
    dE is accepted with ``ptab[dE]`` (``exp(-beta dE)`` beyond the table) against one draw,
    and a rejected move is taken back out of the grid.  ``pos`` is left alone.  Returns
    ``(accept, dE, energy evaluated, r0, r1, r2, r3)``.
    """
    accept = True
    dE = 0
    ev = 0
    if next_active[_u(a)] <= b:
        c0 = contacts_inline(grid, pos, a, b, types, iw, next_active, offt)
        cells_move_inline(grid, pos, nw, a, b)
        c1 = contacts_inline(grid, nw, a, b, types, iw, next_active, offt)
        ev = 1
        dE = c1 - c0
        if dE > 0:
            x, r0, r1, r2, r3 = xoshiro_next(r0, r1, r2, r3)
            u = to_unit(x)
            p = ptab[_u(dE)] if dE < ptab.shape[0] else math.exp(-beta * dE)
            if not (u < p):
                accept = False
                cells_move_inline(grid, nw, pos, a, b)
    else:
        cells_move_inline(grid, pos, nw, a, b)
    return accept, dE, ev, r0, r1, r2, r3


@njit(cache=True, _nrt=False)
def _new_best(pos, n, E, s, best, best_pos, target, reached):
    """Record energy E at step s as the chain's best (and the step the target was reached)."""
    best[0] = E
    best[1] = s
    for k in range(n):
        best_pos[k] = pos[k]
    if E <= target and not reached:
        best[2] = s
        reached = True
    return reached


@njit(cache=True, _nrt=False)
def _save_frame(T, pos, n, cart, native, E, xyz, out_pos, out_obs, out_slot, slot, beta, f):
    """:func:`record_frame` of row f, with the temperature slot and the temperature."""
    record_frame(T, pos, n, cart, native, E, xyz, out_pos, out_obs, f)
    out_slot[f] = slot
    out_obs[4, f] = 1.0 / beta if beta > 0 else np.inf


@njit(cache=True, _nrt=False)
def _pull_chain(T, G, pw, offt, n, pos, grid, nw, energy, rng, step0, step1, types, iw, next_active, mtype, nl,
                ptab, beta, every, frame_base, cart, native, xyz, out_pos, out_obs, out_slot, slot, counters,
                best, best_pos, target):
    """:func:`run_chain` for one pull move type (``nl > 0`` slots) at a fixed temperature.

    The same steps, draws and results as the general loop, in a smaller loop: no mixture
    draw, no annealing, no other move types.  Returns (energy, steps done, energy evaluations).
    """
    E = energy
    evals = 0
    s = step0
    best_e = best[0]
    reached = best[2] >= 0
    next_frame = (s // every + 1) * every
    fix = mtype == T_PULL
    off, dir_of, doff, perp, alt, grp, labs, nd, P, NC, wall = G
    r0 = rng[0]
    r1 = rng[1]
    r2 = rng[2]
    r3 = rng[3]
    val = 0
    acc = 0
    while s < step1:
        x, r0, r1, r2, r3 = xoshiro_next(r0, r1, r2, r3)
        lab = unit_times(x, nl)                             # = int(to_unit(x) * nl)
        if lab >= nl:
            lab = nl - 1
        status, a, b = propose_pull_fast(lab, pos, grid, n, nw, fix, pw, offt, off, dir_of, doff, labs, wall)
        if status < 0:
            status, a, b = propose_recentred(T, G, mtype, lab, pos, grid, n, nw, a)
        s += 1
        if status > 0:
            val += 1
            accept, dE, ev, r0, r1, r2, r3 = _metropolis(grid, pos, nw, a, b, types, iw, next_active, offt, ptab,
                                                          beta, r0, r1, r2, r3)
            evals += ev
            if accept:
                for k in range(a, b + 1):
                    pos[_u(k)] = nw[_u(k)]
                E += dE
                acc += 1
                if E < best_e:
                    best_e = E
                    reached = _new_best(pos, n, E, s, best, best_pos, target, reached)
        if s == next_frame:
            next_frame += every
            _save_frame(T, pos, n, cart, native, E, xyz, out_pos, out_obs, out_slot, slot, beta,
                        s // every - frame_base - 1)
        if reached:
            break
    rng[0] = r0
    rng[1] = r1
    rng[2] = r2
    rng[3] = r3
    counters[_u(mtype), C_ATTEMPTED] += s - step0
    counters[_u(mtype), C_VALID] += val
    counters[_u(mtype), C_ACCEPTED] += acc
    return E, s - step0, evals


@njit(cache=True, _nrt=False)
def run_chain(T, G, pw, offt, n, pos, grid, nw, energy, rng, step0, step1, types, iw, next_active,
              mix_codes, mix_cum, mix_nlab, ptab, beta, anneal, every, frame_base,
              cart, native, xyz, out_pos, out_obs, out_slot, slot, counters, best, best_pos, target):
    """Metropolis steps ``step0 .. step1 - 1`` (global numbering) of one chain.

    ``T`` is :func:`~hpfold._kernels.moves.build_tables`, ``G`` its ``geometry(T)`` and ``pw`` its
    :func:`~hpfold._kernels.moves.pull_table`.

    ``best`` = [best energy, step of best, step the target was reached (-1)]; the chain
    stops right after reaching ``target``.  ``anneal`` = [kind, T start, T end, total steps,
    update interval] with kind 0 for a fixed temperature (``ptab``/``beta`` are then left
    alone).  Frames are saved after every global step that is a multiple of ``every``,
    into row ``step // every - frame_base - 1``.  A single pull move type at a fixed
    temperature runs in :func:`_pull_chain`.  Returns (energy, steps done, energy evaluations).
    """
    nmix = mix_codes.shape[0]
    akind = int(anneal[0])
    if (nmix == 1 and akind == 0 and mix_nlab[0] > 0
            and (mix_codes[0] == T_PULL or mix_codes[0] == T_PULL_LESH)):
        return _pull_chain(T, G, pw, offt, n, pos, grid, nw, energy, rng, step0, step1, types, iw, next_active,
                           mix_codes[0], mix_nlab[0], ptab, beta, every, frame_base, cart, native, xyz, out_pos,
                           out_obs, out_slot, slot, counters, best, best_pos, target)
    E = energy
    aevery = int(anneal[4])
    evals = 0
    s = step0
    best_e = best[0]
    reached = best[2] >= 0
    next_frame = (s // every + 1) * every
    r0 = rng[0]
    r1 = rng[1]
    r2 = rng[2]
    r3 = rng[3]
    att0 = 0
    val0 = 0
    acc0 = 0
    if akind > 0 and s < step1:
        beta = anneal_beta(akind, anneal[1], anneal[2], anneal[3], (s // aevery) * aevery)
        acceptance_table(beta, ptab)
    while s < step1:
        if akind > 0 and s % aevery == 0:
            beta = anneal_beta(akind, anneal[1], anneal[2], anneal[3], s)
            acceptance_table(beta, ptab)
        t = 0
        if nmix > 1:
            x, r0, r1, r2, r3 = xoshiro_next(r0, r1, r2, r3)
            u = to_unit(x)
            while t < nmix - 1 and u >= mix_cum[t]:
                t += 1
        mtype = mix_codes[_u(t)]
        nl = mix_nlab[_u(t)]
        x, r0, r1, r2, r3 = xoshiro_next(r0, r1, r2, r3)
        lab = unit_times(x, nl)                             # = int(to_unit(x) * nl)
        if lab >= nl:
            lab = nl - 1
        # counts of mixture entry 0 (all moves of a single move set) stay in registers
        if t == 0:
            att0 += 1
        else:
            counters[_u(mtype), C_ATTEMPTED] += 1
        status = 0
        a = 0
        b = 0
        if nl > 0:
            status, a, b = _propose_step(T, G, pw, offt, mtype, lab, pos, grid, n, nw)
        s += 1
        if status > 0:
            if t == 0:
                val0 += 1
            else:
                counters[_u(mtype), C_VALID] += 1
            accept, dE, ev, r0, r1, r2, r3 = _metropolis(grid, pos, nw, a, b, types, iw, next_active, offt, ptab,
                                                          beta, r0, r1, r2, r3)
            evals += ev
            if accept:
                for k in range(a, b + 1):
                    pos[_u(k)] = nw[_u(k)]
                E += dE
                if t == 0:
                    acc0 += 1
                else:
                    counters[_u(mtype), C_ACCEPTED] += 1
                if E < best_e:
                    best_e = E
                    reached = _new_best(pos, n, E, s, best, best_pos, target, reached)
        if s == next_frame:
            next_frame += every
            _save_frame(T, pos, n, cart, native, E, xyz, out_pos, out_obs, out_slot, slot, beta,
                        s // every - frame_base - 1)
        if reached:
            break
    rng[0] = r0
    rng[1] = r1
    rng[2] = r2
    rng[3] = r3
    if nmix > 0:
        m0 = mix_codes[0]
        counters[m0, C_ATTEMPTED] += att0
        counters[m0, C_VALID] += val0
        counters[m0, C_ACCEPTED] += acc0
    return E, s - step0, evals


def _run_block_body(n, pos, grid, nw, energies, rngs, master, step0, step_end, round_steps, do_swaps,
                    slot_of, ptabs, betas, swap_counts, T, G, pw, offt, types, iw, next_active,
                    mix_codes, mix_cum, mix_nlab, anneal, every, frame_base, cart, native, xyz,
                    out_pos, out_obs, out_slot, counters, evals, best, best_pos, target, steps_done):
    """Run all replicas from global step ``step0`` to ``step_end``; exchanges at multiples of ``round_steps``.

    Returns the global step reached (``step_end``, or the end of the round in which a
    replica reached the target).
    """
    R = pos.shape[0]
    s = step0
    rep_at = np.empty(R, dtype=np.int64)
    while s < step_end:
        nxt = min((s // round_steps + 1) * round_steps, step_end)
        for r in prange(R):
            sl = slot_of[r]
            e, done, ev = run_chain(T, G, pw, offt, n, pos[r], grid[r], nw[r], energies[r], rngs[r], s, nxt, types, iw,
                                    next_active, mix_codes, mix_cum, mix_nlab, ptabs[sl], betas[sl], anneal,
                                    every, frame_base, cart, native, xyz[r], out_pos[r], out_obs[r],
                                    out_slot[r], sl, counters[sl], best[r], best_pos[r], target)
            energies[r] = e
            evals[r] += ev
            steps_done[r] = s + done
        s = nxt
        reached = False
        for r in range(R):
            if best[r, 2] >= 0:
                reached = True
        if reached:
            return s
        if do_swaps and s % round_steps == 0:
            for r in range(R):
                rep_at[slot_of[r]] = r
            t = (s // round_steps - 1) & 1
            while t + 1 < R:
                ra = rep_at[t]
                rb = rep_at[t + 1]
                d = (betas[t] - betas[t + 1]) * (energies[ra] - energies[rb])
                swap_counts[t, 0] += 1
                if d >= 0 or uniform(master) < math.exp(d):
                    slot_of[ra] = t + 1
                    slot_of[rb] = t
                    rep_at[t] = rb
                    rep_at[t + 1] = ra
                    swap_counts[t, 1] += 1
                t += 2
    return s


#: serial block runner (cached); ``run_block_parallel`` is the same body with prange over replicas
run_block_serial = njit(cache=True)(_run_block_body)
_parallel = None


def run_block_parallel(*args):
    """The block runner with the replica loop in ``prange`` (compiled on first use, not cached)."""
    global _parallel
    if _parallel is None:
        _parallel = njit(parallel=True)(_run_block_body)
    return _parallel(*args)


@njit(cache=True)
def chain_energy(pos, grid, n, types, iw, next_active, offt):
    """Total contact energy of a placed chain."""
    return contacts(grid, pos, 0, n - 1, types, iw, next_active, offt)


@njit(cache=True)
def try_move(T, offt, pos, grid, nw, n, types, iw, next_active, mtype, lab):
    """Apply one slot and keep it if valid (no acceptance test): returns (status, dE incremental)."""
    G = geometry(T)
    off, dir_of, doff, perp, alt, grp, labs, nd, P, NC, wall = G
    status, a, b = propose(mtype, lab, pos, grid, n, nw, off, dir_of, doff, perp, alt, grp, labs, nd, P, NC, wall)
    if status < 0:
        status, a, b = propose_recentred(T, G, mtype, lab, pos, grid, n, nw, a)
    if status <= 0:
        return 0, 0
    c0 = contacts(grid, pos, a, b, types, iw, next_active, offt)
    cells_move(grid, pos, nw, a, b)
    c1 = contacts(grid, nw, a, b, types, iw, next_active, offt)
    for k in range(a, b + 1):
        pos[k] = nw[k]
    return 1, c1 - c0
