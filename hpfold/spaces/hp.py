"""HP lattice chains as a space of the landscape core: symmetry classes of self-avoiding walks."""
from __future__ import annotations

import os
from functools import lru_cache

import numba
import numpy as np

from .base import DiscreteSpace, StateGraph

__all__ = ["HPSpace"]


class HPSpace(DiscreteSpace):
    """The symmetry classes of an HP chain's conformations, with a move set.

    Parameters
    ----------
    states : hpfold.landscape.StateIndex
        Canonical conformations sorted by energy (:meth:`from_sequence` builds it).
    moves : str or int
        Move set name or mask (``"pull"``, ``"local"``, ``"local+pivot"``, ...).
    neighbours : numba function, optional
        ``neighbours(dirs, vectors, group, move_mask, out) -> count`` (see
        :func:`hpfold.landscape.flood_states`); default the sampler's own move definitions.
    max_neighbours : int, optional
        Required with ``neighbours``.
    sequence, model : str
        For labels and JSON.

    Examples
    --------
    >>> space = HPSpace.from_sequence("HPPHPH", "square", "pull")
    >>> len(space), int(space.energies[0]), space.label(0)
    (36, -2, '01223')

    Notes
    -----
    A state is a class of conformations under the lattice point group (weight = orbit size);
    the Metropolis dynamics commutes with the group, so the lumping is exact (Kemeny & Snell,
    *Finite Markov Chains*, 1960).
    """

    name = "hp"

    def __init__(self, states, moves="pull", *, neighbours=None, max_neighbours=None, sequence="", model="HP"):
        from ..landscape.states import moves_label, parse_moves

        self.states = states
        self.mask = parse_moves(moves)
        self.moves = moves_label(self.mask)
        self.sequence = sequence
        self.model = model
        lat = states.lattice
        self.lattice = lat
        self.symmetry = f"classes of the {lat.name} lattice's {len(lat.group)} point symmetries"
        # share the index's arrays: the state order is the StateIndex's (energy, then canonical key)
        self.energies = states.energies
        self.weights = states.weights
        self.levels, self.level_bounds, self.level_stop = states.levels, states.level_bounds, states.level_stop
        length = states.layout.length
        self.custom = neighbours
        if neighbours is None:
            from .._kernels import moves as M

            self.max_neighbours = max(1, int(M.max_neighbours(length + 1, lat.n_directions, lat.order, self.mask)))
            self._serial, self._parallel = _shipped_kernels()
        else:
            if max_neighbours is None:
                raise ValueError("HPSpace: give max_neighbours with a custom neighbour function")
            self.max_neighbours = int(max_neighbours)
            self._serial, self._parallel = _custom_kernels(neighbours)
        self._args = (states.directions, states.level_stop, lat.vectors.astype(np.int64), lat.group.astype(np.int64),
                      self.mask, states.layout.candidates, states.layout.bits, states.table, states.shift)

    @classmethod
    def from_sequence(cls, sequence, lattice="square", moves="pull", model="HP", *, emax=None, threads=None,
                      progress=None, force=False):
        """Enumerate every class of ``sequence`` (``E <= emax``) and index it.

        Returns
        -------
        HPSpace
            With ``enumeration_seconds`` and ``emax`` set.
        """
        import time

        from ..enumerate import enumerate_conformations
        from ..landscape.states import StateIndex
        from ..lattice import get_lattice
        from ..sequence import get_model, parse_sequence

        lat = get_lattice(lattice)
        mdl = get_model(model)
        seq = parse_sequence(sequence, mdl.alphabet)
        t0 = time.perf_counter()
        result = enumerate_conformations(seq, lat.name, mdl, energy_cutoff=10 ** 9 if emax is None else int(emax),
                                         threads=threads, force=force, progress=progress)
        seconds = time.perf_counter() - t0
        states = StateIndex(result.conformations, result.conformation_energies, result.conformation_weights, lat)
        del result
        space = cls(states, moves, sequence=seq, model=mdl.name)
        space.enumeration_seconds = seconds
        space.emax = None if emax is None else int(emax)
        return space

    @property
    def directions(self) -> np.ndarray:
        return self.states.directions

    def neighbour_pass(self, s0, s1, c0, out_nbr, out_cnt, target, out_up, out_down, out_missing, threads=False):
        outs = (out_nbr, out_cnt, target, out_up, out_down, out_missing)
        if threads:
            self._parallel(8 * max(numba.get_num_threads(), 1), s0, s1, c0, *self._args, *outs)
            return
        pieces = self._split(s1 - s0)
        if pieces <= 1:
            self._serial(s0, s1, c0, *self._args, *outs)
            return
        # the cached serial kernel releases the GIL: disjoint ranges on Python threads, no compilation
        from concurrent.futures import ThreadPoolExecutor

        cuts = np.linspace(s0, s1, pieces + 1).astype(np.int64)
        with ThreadPoolExecutor(max_workers=pieces) as pool:
            list(pool.map(lambda k: self._serial(int(cuts[k]), int(cuts[k + 1]), c0, *self._args, *outs),
                          range(pieces)))

    def _split(self, n_states) -> int:
        """Python threads for a serial block: the numba thread count, one per 4,096 states at least."""
        if self.custom is not None:
            return 1
        return max(1, min(numba.get_num_threads(), os.cpu_count() or 1, n_states // 4096))

    def state_graph(self) -> StateGraph:
        """Every proposal slot of one conformation of each class, lumped onto classes.

        ``n_slots`` is the number of move slots of the move set for this chain length (the
        sampler's uniform slot choice); ``multiplicity[s -> t]`` the slots of a representative
        of ``s`` that land in class ``t``.  Only single move types (not mixtures) are supported.
        """
        from .._kernels import flood as F
        from .._kernels.moves import MOVE_BITS, build_tables, grid_side, max_neighbours, n_labels

        if self.custom is not None:
            raise ValueError("HPSpace.state_graph: not available with a custom neighbour function")
        if self.mask not in MOVE_BITS:
            raise ValueError("HPSpace.state_graph: give a single move type (e.g. 'pull'), not a mixture")
        lat = self.lattice
        n = self.states.layout.length + 1
        rows = int(max_neighbours(n, lat.n_directions, lat.order, self.mask))
        dirs, _, vectors, group, mask, cand, bits, table, shift = self._args
        indptr, indices, mult, missing = F.hp_state_graph(dirs, vectors, group, mask, cand, bits, table, shift, rows)
        tables = build_tables(lat.vectors, lat.group, grid_side(n), n)
        slots = int(n_labels(MOVE_BITS.index(self.mask), n, tables))
        return StateGraph(self.energies, self.weights, indptr, indices, mult,
                          np.full(len(self), slots, dtype=np.int64), int(missing))

    def label(self, state: int) -> str:
        return self.states.string(int(state))

    def describe(self) -> dict:
        return {"space": "hp", "sequence": self.sequence, "lattice": self.lattice.name, "model": self.model,
                "moves": self.moves, "symmetry": self.symmetry}


@lru_cache(maxsize=None)
def _custom_kernels(neighbours):
    """Serial and threaded neighbour passes around a user-supplied numba neighbour function."""
    from numba import njit, prange

    from .._kernels import landscape as K

    block = K.neighbour_block

    @njit
    def serial(s0, s1, c0, dirs, level_stop, vectors, group, mask, cand, bits, table, shift,
               out_nbr, out_cnt, target, out_up, out_down, out_missing):
        block(neighbours, s0, s1, c0, dirs, level_stop, vectors, group, mask, cand, bits, table, shift, out_nbr,
              out_cnt, target, out_up, out_down, out_missing)

    @njit(parallel=True)
    def parallel(n_sub, s0, s1, c0, dirs, level_stop, vectors, group, mask, cand, bits, table, shift,
                 out_nbr, out_cnt, target, out_up, out_down, out_missing):
        step = (s1 - s0 + n_sub - 1) // n_sub
        for i in prange(n_sub):
            lo = s0 + i * step
            hi = min(s1, lo + step)
            if lo < hi:
                block(neighbours, lo, hi, c0, dirs, level_stop, vectors, group, mask, cand, bits, table, shift,
                      out_nbr, out_cnt, target, out_up, out_down, out_missing)

    return serial, parallel


def _shipped_kernels():
    """The cached serial and the threaded neighbour passes over :func:`hpfold._kernels.moves.all_neighbours`."""
    from .._kernels import landscape as K

    if K._neighbours_with is None:
        raise RuntimeError("the move kernels (hpfold._kernels.moves) are not available")
    return K.neighbour_block_moves, K.neighbour_block_moves_parallel
