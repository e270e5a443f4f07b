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


# ----------------------------------------------------------------------------- machine-learning spaces

from hpfold.landscape.minima import local_entropy, minimum_properties  # noqa: E402
from hpfold.spaces import KMeansSpace, PerceptronSpace  # noqa: E402


def hamming_graph(space, n):
    """The perceptron's state graph built independently: states = keys, edges = one differing bit."""
    g = nx.Graph()
    state_of = {int(k): s for s, k in enumerate(space.keys)}
    for s, k in enumerate(space.keys):
        g.add_node(s, energy=int(space.energies[s]), weight=1)
    for key, s in state_of.items():
        for i in range(n):
            t = state_of[key ^ (1 << i)]
            if s < t:
                g.add_edge(s, t)
    return g


@pytest.mark.parametrize("n,alpha,seed", [(5, 0.6, 0), (8, 1.0, 3), (10, 0.6, 1), (12, 0.8, 7), (12, 2.0, 2)])
def test_perceptron_flooding_is_brute_force(n, alpha, seed):
    space = PerceptronSpace(n, alpha, seed)
    # energies: misclassified patterns, computed directly
    w = 2 * ((space.keys[:, None] >> np.arange(n, dtype=np.uint64)) & np.uint64(1)).astype(np.int64) - 1
    out = np.where(w @ space.patterns.T >= 0, 1, -1)
    np.testing.assert_array_equal((out != space.labels).sum(1), space.energies)
    assert space.energies[space.index_of(space.teacher)] == 0
    ls = flood(space)
    assert_landscape_is_brute_force(ls, hamming_graph(space, n))


def test_perceptron_test_error_and_local_entropy():
    space = PerceptronSpace(12, 0.6, 4)
    ls = flood(space)
    assert space.test_error([space.index_of(space.teacher)])[0] == 0
    exact = space.test_error(ls.minimum_state)
    sampled = space.test_error_sampled(ls.minimum_state, 40000)
    assert np.abs(exact - sampled).max() < 0.02  # 4 sigma of a 40,000-pattern estimate
    # local entropy against a direct count over the Hamming ball
    for radius in (0, 1, 2):
        le = local_entropy(ls, radius=radius, delta=1)
        for m, s in enumerate(ls.minimum_state[:20]):
            key = int(space.keys[s])
            dist = np.array([bin(int(k) ^ key).count("1") for k in space.keys])
            inside = (dist <= radius) & (space.energies <= space.energies[s] + 1)
            assert le[m] == pytest.approx(np.log(inside.sum()))
    table = minimum_properties(ls)
    assert len(table["test_error"]) == ls.n_minima and np.all(table["plateau_size"] >= 1)


def test_perceptron_bad_parameters():
    with pytest.raises(ValueError, match="alpha must be positive"):
        PerceptronSpace(10, 0)
    with pytest.raises(ValueError, match="at most 30"):
        PerceptronSpace(31, 0.5)
    with pytest.raises(ValueError, match="GiB"):
        from hpfold.spaces import perceptron as P
        saved = P._available_memory
        P._available_memory = lambda: 1 << 20
        try:
            PerceptronSpace(20, 0.5)
        finally:
            P._available_memory = saved


def canonical_partition(labels):
    remap = {}
    return tuple(remap.setdefault(c, len(remap)) for c in labels)


@pytest.mark.parametrize("m,k,seed", [(6, 2, 0), (7, 3, 1), (8, 3, 5), (7, 4, 2)])
def test_kmeans_flooding_is_brute_force(m, k, seed):
    import itertools

    space = KMeansSpace(n_points=m, k=k, seed=seed)
    assert int(space.weights.sum()) == k ** m
    # independent oracle: every labelled assignment, canonicalised in Python
    parts = {}
    for labels in itertools.product(range(k), repeat=m):
        parts.setdefault(canonical_partition(labels), []).append(labels)
    assert len(parts) == len(space)
    state = {tuple(space.labels_of(s)): s for s in range(len(space))}
    g = nx.Graph()
    for p, s in state.items():
        pts = space.points
        sse = sum(((pts[np.array(p) == c] - pts[np.array(p) == c].mean(0)) ** 2).sum()
                  for c in set(p))
        assert space.energies[s] == pytest.approx(sse, abs=1e-8)
        assert space.weights[s] == len(parts[p])
        g.add_node(s, energy=space.energies[s].item(), weight=len(parts[p]))
    for p, s in state.items():
        for i in range(m):
            for c in range(k):
                q = list(p)
                q[i] = c
                t = state[canonical_partition(q)]
                if t != s:
                    g.add_edge(s, t)
    assert_landscape_is_brute_force(flood(space), g)


def test_barriers_file_space(tmp_path):
    from hpfold.spaces import read_barriers_file

    f = tmp_path / "states.txt"
    f.write_text("# a ring\nA -3\nD -2\nB -1\nC 1\nneighbours\n1 4\n4 2\n3 2 1\n")
    ls = flood(read_barriers_file(f))
    assert ls.n_minima == 2 and ls.merge_saddle.tolist() == [-1] and ls.label(ls.merge_state[0]) == "B"
    rna = tmp_path / "rna.txt"
    rna.write_text("GGGAAACCC -1.20 1.50\n(((...))) -1.20\n((.....)) -0.30\n......... 0.00\n.((...)). 0.10\n"
                   "(.......) 0.20\n.(.....). 0.50\n")
    ls = flood(read_barriers_file(rna))
    assert [ls.label(s) for s in ls.minimum_state] == ["(((...)))", "........."]
    assert ls.barrier[1] == pytest.approx(0.2)
    for text, message in [("A 1\nB 0\n", "sorted ascending"), ("A x\n", "label energy"),
                          ("A 0\nB 1\nneighbours\n1 3\n", "from 1 to 2"), ("A 0\nB 1\n", "no neighbours"),
                          ("A 0\nA 1\nedges\n1 2\n", "duplicate")]:
        f.write_text(text)
        with pytest.raises(ValueError, match=message):
            read_barriers_file(f)


@pytest.mark.parametrize("argv,message", [
    (["--space", "nope"], "unknown space 'nope'"),
    (["--space", "perceptron", "--alpha", "0"], "alpha must be positive"),
    (["--space", "perceptron", "--alpha", "-1"], "alpha must be positive"),
    (["--space", "perceptron", "--n", "40"], "at most 30"),
    (["--space", "perceptron", "--k", "3"], "--k applies to kmeans"),
    (["HPPH", "--n", "5"], "--n applies"),
    (["--from-barriers", "/nonexistent/states.txt"], "cannot read"),
])
def test_cli_space_errors_are_one_line(argv, message, capsys):
    from hpfold.cli import main

    assert main(["landscape", *argv]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and message in err


def test_cli_perceptron_json_and_plot(tmp_path, capsys):
    import json

    from hpfold.cli import main

    assert main(["landscape", "--space", "perceptron", "--n", "12", "--alpha", "0.6", "--seed", "1", "--plot",
                 str(tmp_path / "dg.png"), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    ls = flood(PerceptronSpace(12, 0.6, 1))
    assert out["space"] == "perceptron" and out["n_states"] == 4096 and out["n_minima"] == ls.n_minima
    for key in ("n_edges", "n_components", "minima", "merges", "funnel"):
        assert key in out
    assert all({"energy", "size", "barrier", "local_entropy", "test_error"} <= set(m) for m in out["minima"])
    assert (tmp_path / "dg.png").stat().st_size > 1000
    assert main(["landscape", "--space", "kmeans", "--n", "7", "--k", "3"]) == 0
    assert "kmeans" in capsys.readouterr().out


# ----------------------------------------------------------------------------- dynamics and the analogy

from hpfold.landscape.dynamics import run_dynamics  # noqa: E402


def test_metropolis_walkers_reach_the_boltzmann_distribution():
    space = ising_chain(6, 1, 0.5)
    ls = flood(space)
    t = 1.5
    r = run_dynamics(ls, "metropolis", temperature=t, steps=300, n_walkers=4000, seed=2)
    p = np.exp(-(space.energies - space.energies.min()) / t)
    p /= p.sum()
    seen = np.bincount(r.end_state, minlength=len(space)) / 4000
    by_energy = {e: (p[space.energies == e].sum(), seen[space.energies == e].sum()) for e in np.unique(space.energies)}
    for e, (exact, measured) in by_energy.items():
        assert abs(exact - measured) < 4 * np.sqrt(exact * (1 - exact) / 4000) + 1e-3, e


def test_dynamics_are_reproducible_and_per_walker():
    ls = flood(PerceptronSpace(10, 0.8, seed=3))
    for kind, t in (("descent", 0), ("metropolis", 0.4), ("minibatch", 0.0)):
        a = run_dynamics(ls, kind, temperature=t, n_walkers=30, seed=9)
        b = run_dynamics(ls, kind, temperature=t, n_walkers=60, seed=9)
        np.testing.assert_array_equal(a.end_state, b.end_state[:30])
        assert np.all(ls.basin[a.end_state] == a.end_minimum)
    # zero-temperature descent ends at a state that no single flip improves, most of the time at a minimum
    d = run_dynamics(ls, "descent", n_walkers=100, steps=5000, seed=1)
    sg = ls.space.state_graph()
    for s in d.end_state:
        nb = sg.indices[sg.indptr[s]:sg.indptr[s + 1]]
        assert ls.energies[nb].min() >= ls.energies[s]
    hp = exact_landscape("HPHPPHHPHH")
    r = run_dynamics(hp, "descent", n_walkers=20, seed=1)
    assert r.end_minimum.max() < hp.n_minima
    with pytest.raises(ValueError, match="training patterns"):
        run_dynamics(hp, "minibatch")
    with pytest.raises(ValueError, match="unknown kind"):
        run_dynamics(hp, "sgd")


def test_resampling_and_growth():
    from hpfold.landscape.analogy import minima_growth, resampling_survival

    ref = flood(PerceptronSpace(10, 1.0, seed=2))
    other = flood(PerceptronSpace(10, 1.0, seed=2, sample=1))
    assert other.space.teacher == ref.space.teacher
    r = resampling_survival(ref, [ref, other])
    assert r["survival"][0] == 1.0 and 0 <= r["survival"][1] <= 1
    assert r["ground_survival"][1] > 0  # the teacher is a ground state of every training set
    g = minima_growth(lambda n, k: flood(ising_chain(n, 1, 0)), [4, 6], repeats=1)
    assert g["minima"] == [2.0, 2.0] and g["rate"] == pytest.approx(0)


@pytest.mark.parametrize("module", ["hpfold.spaces.base", "hpfold.spaces.perceptron", "hpfold.spaces.kmeans",
                                    "hpfold.spaces.from_file", "hpfold.spaces.registry", "hpfold.spaces.hp",
                                    "hpfold.landscape.core", "hpfold.landscape.minima", "hpfold.landscape.dynamics",
                                    "hpfold.landscape.analogy"])
def test_docstring_examples(module):
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module(module), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
