"""The generic landscape core: any discrete space, checked against brute force and the HP flooding."""
import math
from pathlib import Path

import networkx as nx
import numba
import numpy as np
import pytest

import reference_landscape as R
from hpfold.landscape import exact_landscape
from hpfold.landscape.core import flood
from hpfold.spaces import GraphSpace, HPSpace, KeySpace

GOLDEN = Path(__file__).parent / "data" / "landscape_golden.npz"


# ----------------------------------------------------------------------------- a generic oracle

def space_graph(space):
    """networkx graph of a space: nodes = state numbers (the space's order), from its state graph."""
    sg = space.state_graph()
    g = nx.Graph()
    for s in range(len(space)):
        g.add_node(s, energy=space.energies[s].item(), weight=int(space.weights[s]))
    g.add_edges_from(zip(sg.sources().tolist(), sg.indices.tolist()))
    return g


def assert_landscape_is_brute_force(ls, graph):
    bf = R.brute_force_landscape(graph)
    mine = [(ls.minimum_energy[m].item(), tuple(sorted(np.nonzero(ls.minimum_of == m)[0].tolist())))
            for m in range(ls.n_minima)]
    assert mine == bf["minima"]
    sm = ls.saddle_matrix()
    for i in range(ls.n_minima):
        for j in range(i + 1, ls.n_minima):
            assert sm[i, j] == bf["saddles"].get((i, j), math.inf), (i, j)
    assert {s: int(ls.basin[s]) for s in range(ls.n_states)} == bf["basin"]
    expected = R.barrier_to_lower(bf["minima"], bf["saddles"])
    assert [None if np.isnan(b) else b for b in ls.barrier] == pytest.approx(expected)
    assert ls.n_components == bf["components"]
    assert ls.n_edges == graph.number_of_edges()


# ----------------------------------------------------------------------------- an Ising chain (the README example)

@numba.njit
def spin_flips(key, params, out):
    n = params[0]
    for i in range(n):
        out[i] = key ^ (np.uint64(1) << np.uint64(i))
    return n


def ising_chain(n, coupling, field):
    keys = np.arange(2 ** n, dtype=np.uint64)
    spins = 2 * ((keys[:, None] >> np.arange(n, dtype=np.uint64)) & np.uint64(1)).astype(np.int64) - 1
    energies = -coupling * (spins * np.roll(spins, -1, axis=1)).sum(1) - field * spins.sum(1)
    return KeySpace("ising", keys, energies, spin_flips, n, params=[n], parameters={"n": n})


@pytest.mark.parametrize("n,coupling,field", [(6, 1, 0), (7, 1, 1), (8, -1, 0), (9, 2, 1)])
def test_ising_chain_flooding_is_brute_force(n, coupling, field):
    space = ising_chain(n, coupling, field)
    ls = flood(space)
    assert ls.symmetric and ls.n_components == 1
    assert_landscape_is_brute_force(ls, space_graph(space))
    if coupling > 0 and field == 0:  # the two ferromagnetic ground states
        assert ls.n_minima >= 2 and sorted(ls.label(s) for s in ls.minimum_state[:2]) == ["0" * 1, "1" * n]


def test_key_space_lookups_dense_and_hashed():
    space = ising_chain(5, 1, 0)
    assert space.rank.size and all(space.index_of(int(k)) == s for s, k in enumerate(space.keys))
    sparse = KeySpace("sparse", np.array([3, 1 << 40, 7], np.uint64), [1, 0, 2], spin_flips, 1, params=[1])
    assert not sparse.rank.size and sparse.index_of(1 << 40) == 0 and sparse.index_of(5) == -1
    with pytest.raises(ValueError, match="duplicate keys"):
        KeySpace("dup", np.array([1, 1], np.uint64), [0, 0], spin_flips, 1, params=[1])


def test_float_energies_and_graph_space():
    rng = np.random.default_rng(4)
    for trial in range(20):
        n = int(rng.integers(5, 40))
        energies = np.round(rng.normal(size=n), 1)
        edges = rng.integers(0, n, size=(2 * n, 2))
        space = GraphSpace(energies, edges)
        ls = flood(space)
        assert_landscape_is_brute_force(ls, space_graph(space))
        d = ls.to_dict()
        assert d["space"] == "graph" and d["n_minima"] == ls.n_minima
        assert sum(m["barrier"] is None for m in d["minima"]) >= ls.n_components  # ties: several global


# ----------------------------------------------------------------------------- HP through the generic core

def golden_cases():
    data = np.load(GOLDEN)
    return sorted({k.split("/")[0] for k in data.files})


@pytest.mark.parametrize("case", golden_cases())
def test_hp_flooding_is_bit_identical_to_the_previous_engine(case):
    """tests/data/landscape_golden.npz was written by the HP-only flooding of commit eaaccfa."""
    data = np.load(GOLDEN)
    lattice, seq, moves = case.split("-")
    ls = exact_landscape(seq, lattice, moves=moves)
    for key in ("minimum_of", "basin", "minimum_state", "merge_saddle", "merge_state", "tree_parent"):
        np.testing.assert_array_equal(getattr(ls, key), data[f"{case}/{key}"], err_msg=key)
    ptr = data[f"{case}/children_ptr"]
    kids = data[f"{case}/children"]
    assert [c.tolist() for c in ls.merge_children] == [kids[ptr[k]:ptr[k + 1]].tolist() for k in range(len(ptr) - 1)]
    assert [ls.n_edges, ls.n_components, int(ls.symmetric)] == data[f"{case}/counts"].tolist()


@pytest.mark.parametrize("seq,lattice", [("HPHPPHHPHH", "square"), ("HHPPHPH", "cubic")])
def test_hp_state_graph_floods_to_the_same_landscape(seq, lattice):
    space = HPSpace.from_sequence(seq, lattice, "pull")
    sg = space.state_graph()
    assert sg.is_reversible() and sg.n_missing == 0
    as_graph = GraphSpace(space.energies, np.stack([sg.sources(), sg.indices], 1))
    a, b = exact_landscape(seq, lattice, moves="pull"), flood(as_graph)
    for key in ("minimum_of", "basin", "minimum_state", "merge_saddle", "merge_state", "tree_parent"):
        np.testing.assert_array_equal(getattr(a, key), getattr(b, key))
    assert a.n_edges == b.n_edges == sg.n_edges // 2
