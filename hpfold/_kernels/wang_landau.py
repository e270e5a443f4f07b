"""Wang-Landau random walk in energy with the 1/t refinement, on pull, pivot and rebridging moves.

One walker: ``pos`` / ``grid`` as in :mod:`hpfold._kernels.moves` (cells hold monomer
index + 1, 0 empty, ``N + 1`` wall), its energy, and the arrays ``ln_g``, ``hist``,
``visited`` over energy indices ``E + e_offset``.  A step draws a move type from the
cumulative fractions ``mix_cum`` and a slot uniformly (``floor(u * n_slots)``), applies
it, updates the energy from the contacts of the moved monomers (before and after), and accepts with ``min(1, g(E_old) / g(E_new))``; then
``ln g(E) += ln f`` and ``hist[E] += 1`` for the current energy E.

Schedule (Belardinelli & Pereyra, Phys. Rev. E 75, 046701, 2007): ``ln f = 1`` at the
start; every ``check_every`` steps, if every visited level has been visited again since the
last reset, ``ln f`` is halved and the histogram reset; as soon as ``ln f <= 1/t``, with
``t = steps / (number of visited levels)``, the walk switches to ``ln f = 1/t`` for good.
A level met for the first time gets the smallest ``ln g`` of the visited levels (counted in
``LATE`` when it happens after the switch).

State arrays (the caller owns them; batches of steps give identical results):
``fstate`` float64 [ln f]; ``istate`` int64 [energy, steps, phase, visited levels, stages,
step of the switch to 1/t, levels found after the switch, lowest energy seen] and ``best_pos``
(the sites of the lowest-energy conformation seen); ``counters[type, k]`` with k = 0
attempted, 1 geometrically valid, 2 accepted, for type codes 0 local, 1 pull, 2 pull_lesh,
3 pivot, 4 rebridge.
"""
import math

import numpy as np
from numba import njit

from .moves import T_PIVOT, cells_move, geometry, propose_inline, recenter
from .rebridging import propose_rebridge
from .sampling import contacts_inline

T_REBRIDGE = 4
N_TYPES = 5
#: indices into ``istate``
ENERGY, STEPS, PHASE, N_VISITED, STAGES, SWITCH_STEP, LATE, BEST_E = range(8)


@njit(cache=True, nogil=True)
def wl_steps(n_steps, T, n, types, iw, next_active, offt, pos, grid, nw, saved, mix_codes, mix_cum, mix_nlab,
             e_offset, check_every, ln_g, hist, visited, fstate, istate, best_pos, counters, rng):
    """Run ``n_steps`` Wang-Landau steps, updating every state array in place.

    The energy change of a move comes from :func:`hpfold._kernels.sampling.contacts` (the
    Metropolis kernel's: ``iw`` and ``next_active`` as built by ``hpfold.sample``, ``offt``
    the tuple of grid offsets), before and after the moved range.
    """
    n_types = mix_codes.shape[0]
    n_levels = ln_g.shape[0]
    # the unpacked tables that moves.propose takes after its first six arguments
    off, dir_of, doff, perp, alt, grp, labs, nd, P, NC, wall = geometry(T)
    for _ in range(n_steps):
        u = rng.random()
        t = 0
        while t < n_types - 1 and u >= mix_cum[t]:
            t += 1
        mtype = mix_codes[t]
        nl = mix_nlab[t]
        lab = int(rng.random() * nl)
        if lab >= nl:
            lab = nl - 1
        counters[mtype, 0] += 1
        status = 0
        a = 0
        b = 0
        if nl > 0:
            if mtype == T_REBRIDGE:
                status, a, b = propose_rebridge(T, lab, pos, grid, n, nw)
            else:
                status, a, b = propose_inline(mtype, lab, pos, grid, n, nw, off, dir_of, doff, perp, alt, grp, labs, nd, P,
                                           NC, wall)
                while status < 0:
                    recenter(T, pos, grid, n, a if mtype == T_PIVOT else -1)
                    status, a, b = propose_inline(mtype, lab, pos, grid, n, nw, off, dir_of, doff, perp, alt, grp, labs, nd, P,
                                           NC, wall)
        e_old = istate[ENERGY]
        i_old = e_old + e_offset
        if status > 0:
            counters[mtype, 1] += 1
            before = contacts_inline(grid, pos, a, b, types, iw, next_active, offt)
            cells_move(grid, pos, nw, a, b)
            after = contacts_inline(grid, nw, a, b, types, iw, next_active, offt)
            for k in range(a, b + 1):
                saved[k] = pos[k]
                pos[k] = nw[k]
            e_new = e_old + after - before
            i_new = e_new + e_offset
            if not visited[i_new]:
                low = math.inf
                for i in range(n_levels):
                    if visited[i] and ln_g[i] < low:
                        low = ln_g[i]
                visited[i_new] = True
                ln_g[i_new] = low
                istate[N_VISITED] += 1
                if istate[PHASE] == 1:
                    istate[LATE] += 1
            delta = ln_g[i_old] - ln_g[i_new]
            if delta >= 0.0 or rng.random() < math.exp(delta):
                istate[ENERGY] = e_new
                counters[mtype, 2] += 1
                if e_new < istate[BEST_E]:
                    istate[BEST_E] = e_new
                    for k in range(n):
                        best_pos[k] = pos[k]
            else:
                cells_move(grid, pos, saved, a, b)
                for k in range(a, b + 1):
                    pos[k] = saved[k]
        i_cur = istate[ENERGY] + e_offset
        ln_g[i_cur] += fstate[0]
        hist[i_cur] += 1
        istate[STEPS] += 1
        steps = istate[STEPS]
        if istate[PHASE] == 1:
            fstate[0] = istate[N_VISITED] / steps
        elif steps % check_every == 0:
            flat = True
            for i in range(n_levels):
                if visited[i] and hist[i] == 0:
                    flat = False
                    break
            if flat:
                fstate[0] *= 0.5
                istate[STAGES] += 1
                for i in range(n_levels):
                    hist[i] = 0
            if fstate[0] <= istate[N_VISITED] / steps:
                istate[PHASE] = 1
                istate[SWITCH_STEP] = steps
                fstate[0] = istate[N_VISITED] / steps
    return 0
