"""Oracles for hpfold.kinetics: dense master equations over every conformation (no symmetry lumping)."""
import numpy as np

from hpfold._kernels.moves import MOVE_BITS, build_tables, grid_side, max_neighbours, n_labels
from hpfold._kernels.state_graph import all_proposal_results
from hpfold.landscape.states import parse_moves
from hpfold.lattice import get_lattice

from reference import all_walks, energy_from_scratch


def unreduced_chain(sequence, lattice, moves, temperature):
    """Dense one-step Metropolis matrix over every conformation (monomer 0 at the origin), its energies.

    Moves come from the sampler's own proposal kernel, applied to each conformation with the
    identity as the only symmetry: nothing is lumped.
    """
    lat = get_lattice(lattice)
    n = len(sequence)
    walks = all_walks(n, lattice)
    dirs = np.array(walks, dtype=np.int8)
    energies = np.array([energy_from_scratch(sequence, w, lattice) for w in walks], dtype=float)
    mask = parse_moves(moves)
    identity = np.arange(lat.n_directions, dtype=np.int64)[None, :]
    rows, starts = all_proposal_results(dirs, lat.vectors, identity.astype(lat.group.dtype), mask,
                                        max_neighbours(n, lat.n_directions, lat.order, mask))
    tables = build_tables(lat.vectors, lat.group, grid_side(n), n)
    slots = int(n_labels(MOVE_BITS.index(mask), n, tables))
    index = {tuple(int(x) for x in w): i for i, w in enumerate(walks)}
    p = np.zeros((len(walks), len(walks)))
    for i in range(len(walks)):
        for r in range(starts[i], starts[i + 1]):
            j = index[tuple(int(x) for x in rows[r])]
            if j != i:
                de = energies[j] - energies[i]
                p[i, j] += min(1.0, np.exp(-de / temperature)) / slots
    p[np.diag_indices_from(p)] = 1.0 - p.sum(axis=1)
    return p, energies


def dense_mfpt(p, target_mask):
    """Mean first-passage times into the target from every state: (I - P_oo) m = 1."""
    others = np.nonzero(~target_mask)[0]
    m = np.zeros(len(p))
    m[others] = np.linalg.solve(np.eye(len(others)) - p[np.ix_(others, others)], np.ones(len(others)))
    return m


def dense_rates(p):
    """All relaxation rates 1 - lambda of a transition matrix (eigenvalues sorted descending), ascending."""
    lam = np.sort(np.real(np.linalg.eigvals(p)))[::-1]
    return 1.0 - lam[1:]
