"""Exact barrier trees: flood every symmetry class by increasing energy with union-find."""
from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np

from ..lattice import encode_directions
from .core import CHUNK, THREADED_MIN_STATES, Landscape, flood  # noqa: F401  (re-exported)
from .states import StateIndex, native_overlaps, parse_moves

__all__ = ["ExactLandscape", "exact_landscape", "flood_states"]

log = logging.getLogger(__name__)



@dataclass(eq=False, kw_only=True)
class ExactLandscape(Landscape):
    """The exact barrier tree of an HP chain's conformations under a move set.

    A :class:`~hpfold.landscape.core.Landscape` of an :class:`~hpfold.spaces.HPSpace`: states are
    symmetry classes numbered by energy, then canonical string; ``weights`` are orbit sizes.

    Attributes
    ----------
    sequence, lattice, model, moves : str
    emax : int or None
        Energy cutoff: only states with ``E <= emax`` were flooded.
    directions : int8 array [S, N-1]
        Canonical direction string of every state.
    enumeration_seconds : float
    (and every attribute of :class:`~hpfold.landscape.core.Landscape`)
    """

    sequence: str = ""
    lattice: str = ""
    model: str = ""
    moves: str = ""
    emax: int | None = None
    directions: np.ndarray = field(default=None, repr=False)
    enumeration_seconds: float = 0.0

    def conformation(self, state: int) -> str:
        """Canonical direction string of a state."""
        return encode_directions(self.directions[state])

    def label(self, state: int) -> str:
        return self.conformation(state)

    def graph_attributes(self) -> dict:
        return {"sequence": self.sequence, "lattice": self.lattice, "model": self.model, "moves": self.moves}

    def node_extras(self, minimum: int) -> dict:
        return {"conformation": self.conformation(self.minimum_state[minimum])}

    def edge_extras(self, merge: int) -> dict:
        return {"saddle_conformation": self.conformation(self.merge_state[merge])}

    def to_graph(self, temperature=None, native=None):
        """The minima as a networkx Graph (see :meth:`Landscape.to_graph`).

        HP nodes also carry ``conformation`` and, with ``native`` given (a direction string or
        Conformation), ``q`` (native contact overlap of the representative, H-H contacts only);
        edges carry ``saddle_conformation``.
        """
        return super().to_graph(temperature, native)

    def _node_overlaps(self, native):
        return native_overlaps([self.directions[s] for s in self.minimum_state], native, self.lattice, self.sequence)

    _overlaps = _node_overlaps

    def minimum_record(self, m: int, barrier: float) -> dict:
        return {"id": int(m), "energy": int(self.minimum_energy[m]), "size": int(self.plateau_size[m]),
                "barrier": None if np.isnan(barrier) else _number(barrier),
                "conformation": self.conformation(self.minimum_state[m])}

    def to_dict(self) -> dict:
        """The JSON-ready summary printed by ``hpfold landscape --json`` (``barrier`` null = global)."""
        barrier = self.barrier
        n = self.n_minima
        return {
            "space": "hp",
            "sequence": self.sequence,
            "lattice": self.lattice,
            "model": self.model,
            "moves": self.moves,
            "exact": True,
            "emax": self.emax,
            "n_states": self.n_states,
            "n_edges": self.n_edges,
            "n_components": self.n_components,
            "n_minima": n,
            "minima": [self.minimum_record(m, barrier[m]) for m in range(n)],
            "merges": [{"id": n + k, "saddle": int(self.merge_saddle[k]),
                        "children": [int(c) for c in self.merge_children[k]],
                        "conformation": self.conformation(self.merge_state[k])} for k in range(self.n_merges)],
            "seconds": round(self.seconds, 6),
        }

    def header_lines(self) -> list:
        return [f"sequence    {self.sequence}  ({len(self.sequence)} monomers, {self.lattice} lattice, "
                f"{self.moves} moves)",
                f"states      {self.n_states:,} classes, {self.n_edges:,} edges"
                + (f" (E <= {self.emax})" if self.emax is not None else ""),
                f"minima      {self.n_minima:,} local minima, {self.n_merges:,} merge nodes",
                f"time        {self.seconds:.3f} s flooding (+ {self.enumeration_seconds:.3f} s enumeration)"]


# ---------------------------------------------------------------------------- engine

#: neighbour generations (state x move slot) per second of the serial flooding (measured: square 16-mer
#: 6.8e4 states/s x 84 slots = 5.7e6, fcc 8-mer 8.6e3 states/s x 404 slots = 3.5e6; the lower is used)
SLOT_RATE = 3.5e6
#: peak bytes per flooded class (measured: square 18-mer, 5.8 M classes, 2,982 MiB)
BYTES_PER_CLASS = 540
#: floods estimated above this many seconds are refused without ``force``
MAX_FLOOD_SECONDS = 600.0


def estimate_landscape_cost(n_monomers, lattice, moves="pull") -> dict:
    """Estimated classes, seconds and peak bytes of an exact landscape, before anything is enumerated.

    Classes from the self-avoiding-walk counts (``hpfold.enumerate``) over the point-group order; time
    from :data:`SLOT_RATE` neighbour generations per second; memory from :data:`BYTES_PER_CLASS`.

    Examples
    --------
    >>> c = estimate_landscape_cost(16, "square")
    >>> 7e5 < c["classes"] < 9e5, c["seconds"] < 60
    (True, True)
    """
    from .._kernels.moves import max_neighbours
    from ..enumerate import _estimated_count
    from ..lattice import get_lattice

    lat = get_lattice(lattice)
    classes = _estimated_count(lat.name, int(n_monomers) - 1) / len(lat.group)
    slots = int(max_neighbours(int(n_monomers), lat.n_directions, lat.order, parse_moves(moves)))
    return {"classes": classes, "seconds": classes * slots / SLOT_RATE, "bytes": classes * BYTES_PER_CLASS}


def check_landscape_cost(n_monomers, lattice, moves="pull", *, force=False, what="landscape") -> dict:
    """Refuse (ValueError, one line with the estimate) a flood over 10 minutes or the available memory."""
    from .._resources import available_memory

    cost = estimate_landscape_cost(n_monomers, lattice, moves)
    if force:
        return cost
    avail = available_memory()
    if cost["bytes"] > 0.8 * avail:
        raise ValueError(f"the exact {what} of a {lattice} {n_monomers}-mer has about {cost['classes']:,.0f} classes "
                         f"needing ~{cost['bytes'] / 2**30:.1f} GiB, "
                         f"over 80% of the {avail / 2**30:.1f} GiB available; "
                         "use --force (force=True) to try anyway")
    if cost["seconds"] > MAX_FLOOD_SECONDS:
        raise ValueError(f"the exact {what} of a {lattice} {n_monomers}-mer has about {cost['classes']:,.0f} classes: "
                         f"estimated {cost['seconds'] / 60:,.0f} min; use --force (force=True) to run it anyway")
    return cost


def exact_landscape(sequence, lattice="square", moves="pull", model="HP", *, emax=None, temperature=1.0,
                    threads=None, progress=None, force=False) -> ExactLandscape:
    """Exact barrier tree of a sequence: every symmetry class, flooded by increasing energy.

    Parameters
    ----------
    sequence : str
        HP sequence (at least two monomers).
    lattice : {"square", "cubic", "triangular", "fcc"}
    moves : str or int
        Move set: ``"pull"``, ``"local"``, ``"pull_lesh"``, ``"pivot"`` or a mixture such as
        ``"local+pivot"`` (see :mod:`hpfold._kernels.moves`).
    model : str or EnergyModel
    emax : int, optional
        Flood only the states with ``E <= emax`` (merges above it are not seen; the tree may be a forest).
    temperature : float
        Temperature of the basin probabilities (k_B = 1).
    threads : int, optional
        numba threads for the neighbour pass (default: threaded only for large state spaces).
    progress : bool, optional
        tqdm bar on stderr (default: when stderr is a terminal).
    force : bool
        Run floods estimated over 10 minutes or over the available memory
        (:func:`estimate_landscape_cost`); also passed to the enumeration.

    Returns
    -------
    ExactLandscape

    Examples
    --------
    >>> ls = exact_landscape("HPHPPHHPHH", "square", moves="pull")
    >>> int(ls.minimum_energy.min())
    -4
    >>> ls.n_components
    1

    Notes
    -----
    Flooding with union-find in the manner of the ``barriers`` program (Flamm, Hofacker,
    Stadler & Wolfinger, Z. Phys. Chem. 216, 155 (2002)), with plateaus handled as in
    their degenerate-landscape construction: states are processed level by level; equal-energy
    neighbours are joined first, a plateau with no lower neighbour is a minimum, and components
    that become connected at the same level form one merge node.  Cost: O(S k) neighbour
    generations and canonicalisations for S states with k moves each, plus near-linear
    union-find; memory O(S).
    """
    from ..spaces.hp import HPSpace

    mask = parse_moves(moves)
    if emax is None:
        check_landscape_cost(len(sequence), lattice, mask, force=force)
    space = HPSpace.from_sequence(sequence, lattice, mask, model, emax=emax, threads=threads, progress=progress,
                                  force=force)
    ls = _flood_hp(space, threads=threads, progress=progress, complete=emax is None, temperature=temperature)
    ls.emax = space.emax
    ls.enumeration_seconds = space.enumeration_seconds
    return ls


def flood_states(states: StateIndex, moves="pull", *, neighbours=None, max_neighbours=None, threads=None,
                 progress=None, complete=True) -> ExactLandscape:
    """Flood an indexed set of states (see :class:`StateIndex`) under a move set.

    Parameters
    ----------
    states : StateIndex
    moves : str or int
        Move set name or mask, passed to the neighbour function.
    neighbours : numba function, optional
        ``neighbours(dirs, vectors, group, move_mask, out) -> count`` writing every one-move
        neighbour of ``dirs`` (int8) into the rows of ``out`` (int8 [max_neighbours, N-1]).
        Default: :func:`hpfold._kernels.moves.all_neighbours`, the sampler's own move definitions.
    max_neighbours : int, optional
        Rows of ``out``; required with a custom ``neighbours``.
    complete : bool
        The states are every state of the chain: a neighbour missing from the index is an error.

    Returns
    -------
    ExactLandscape
        With ``sequence`` and ``model`` left empty for the caller to fill in.
    """
    from ..spaces.hp import HPSpace

    space = HPSpace(states, moves, neighbours=neighbours, max_neighbours=max_neighbours)
    return _flood_hp(space, threads=threads, progress=progress, complete=complete)


def _flood_hp(space, *, threads, progress, complete, temperature=1.0) -> ExactLandscape:
    """:func:`hpfold.landscape.core.flood` of an HP space, as an :class:`ExactLandscape`."""
    states = space.states
    hp = dict(sequence=space.sequence, lattice=space.lattice.name, model=space.model, moves=space.moves,
              directions=states.directions)
    if states.layout.length < 2:
        # two monomers: a single class, no moves to flood (and none worth asking the move kernels for)
        n = len(states)
        ident = np.arange(n, dtype=np.int64)
        return ExactLandscape(energies=states.energies, weights=states.weights, minimum_of=ident, basin=ident.copy(),
                              minimum_state=ident.copy(), merge_saddle=np.zeros(0, np.int64),
                              merge_state=np.zeros(0, np.int64), merge_children=[],
                              tree_parent=np.full(n, -1, dtype=np.int64), n_edges=0, n_components=n,
                              symmetric=True, space=space, temperature=float(temperature), **hp)
    return flood(space, threads=threads, progress=progress, complete=complete, temperature=temperature,
                 landscape_class=ExactLandscape, **hp)


def _number(x):
    x = float(x)
    return int(x) if x.is_integer() else x
