"""Landscapes: flooding against brute force, trees from graphs, plots, metrics, sampled graphs, files, CLI."""
import json
import math

import matplotlib

matplotlib.use("Agg")

import h5py  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.collections import PathCollection  # noqa: E402
import networkx as nx  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from numba import njit  # noqa: E402

import reference_landscape as R  # noqa: E402
from hpfold._kernels import landscape as K  # noqa: E402
from hpfold._kernels import moves as M  # noqa: E402
from hpfold._kernels.geometry import contact_energy, positions_from_directions  # noqa: E402
from hpfold.cli import main  # noqa: E402
from hpfold.conformation import Conformation  # noqa: E402
from hpfold.enumerate import enumerate_conformations  # noqa: E402
from hpfold.landscape import (disconnectivity_tree, exact_landscape, flood_states, funnel_metrics,  # noqa: E402
                              prune_tree, read_landscape, sampled_landscape, tree_from_dict, tree_to_dict,
                              write_landscape, write_tree)
from hpfold.landscape.graph import leaves_below, pairwise_saddles  # noqa: E402
from hpfold.landscape.states import KeyLayout, StateIndex, parse_moves  # noqa: E402
from hpfold.lattice import LATTICE_NAMES, get_lattice  # noqa: E402
from hpfold.plot import plot_disconnectivity  # noqa: E402
from hpfold.sequence import HP  # noqa: E402

MASKS = {"local": 1, "pull": 2, "pull_lesh": 4, "pivot": 8}


def random_sequence(rng, n):
    while True:
        seq = "".join(rng.choice(["H", "P"], size=n, p=[0.55, 0.45]))
        if seq.count("H") >= 3:
            return seq


def oracle_for(seq, lattice, moves, emax=None):
    """Brute-force landscape with the sampler's move definitions and Python canonical forms."""
    states = R.all_states(seq, lattice)
    if emax is not None:
        states = {s: v for s, v in states.items() if v[0] <= emax}
    lat = get_lattice(lattice)
    out = np.zeros((M.max_neighbours(len(seq), lat.n_directions, lat.order, MASKS[moves]), len(seq) - 1), np.int8)

    def nbrs(dirs):
        k = M.all_neighbours(np.array(dirs, np.int8), lat.vectors, lat.group, MASKS[moves], out)
        return [tuple(out[j]) for j in range(k)]

    graph, directed = oracle_graph(states, lattice, nbrs, emax is not None)
    return graph, directed, R.brute_force_landscape(graph)


def oracle_graph(states, lattice, nbrs, cut):
    if not cut:
        return R.state_graph(states, lattice, nbrs)
    g = nx.Graph()
    for s, (e, w) in states.items():
        g.add_node(s, energy=e, weight=w)
    for s in states:
        nbs = nbrs([int(c, 16) for c in s])
        for t in R.canonical_strings(np.array(nbs, dtype=np.int64), lattice) if nbs else []:
            if t != s and t in states:
                g.add_edge(s, t)
    return g, set()


def assert_matches_oracle(ls, graph, bf):
    # minima: energies, plateau members (in order), sizes
    mine = [(int(ls.minimum_energy[m]), tuple(sorted(ls.conformation(s) for s in np.nonzero(ls.minimum_of == m)[0])))
            for m in range(ls.n_minima)]
    assert mine == bf["minima"]
    assert [int(x) for x in ls.plateau_size] == [len(c) for _, c in bf["minima"]]
    # pairwise saddles, including the pairs that are not connected
    sm = ls.saddle_matrix()
    for i in range(ls.n_minima):
        for j in range(i + 1, ls.n_minima):
            assert sm[i, j] == bf["saddles"].get((i, j), math.inf), (i, j)
    # gradient basins and barriers
    assert {ls.conformation(s): int(ls.basin[s]) for s in range(ls.n_states)} == bf["basin"]
    expected = R.barrier_to_lower(bf["minima"], bf["saddles"])
    assert [None if np.isnan(b) else int(b) for b in ls.barrier] == expected
    assert ls.n_components == bf["components"]
    assert ls.n_edges == graph.number_of_edges()


# ----------------------------------------------------------------------------- keys and the state index

@pytest.mark.parametrize("lattice", LATTICE_NAMES)
def test_canonical_keys_match_the_lattice_canonical_form(lattice):
    lat = get_lattice(lattice)
    rng = np.random.default_rng(1)
    for length in (1, 5, 23, 47):
        dirs = rng.integers(0, lat.n_directions, size=(40, length)).astype(np.int8)
        layout = KeyLayout.of(lat, length)
        keys = layout.canonical_keys(dirs)
        back = layout.unpack(keys)
        for row, got in zip(dirs, back):
            assert got.tolist() == lat.canonical(row.astype(np.int64)).tolist()
        # packing preserves the lexicographic order of the strings
        order = np.lexsort([keys[:, w] for w in reversed(range(layout.n_words))])
        strings = ["".join("%x" % d for d in r) for r in back]
        assert [strings[i] for i in order] == sorted(strings)


def test_state_index_finds_any_orientation_and_rejects_bad_input():
    r = enumerate_conformations("HPPHPH", "square", energy_cutoff=10 ** 6)
    idx = StateIndex(r.conformations, r.conformation_energies, r.conformation_weights, "square")
    assert len(idx) == r.n_classes
    lat = get_lattice("square")
    for s in range(len(idx)):
        for g in range(lat.order):
            assert idx.find(lat.group[g][idx.directions[s]]) == s
    assert np.all(np.diff(idx.energies) >= 0)
    with pytest.raises(ValueError, match="no states"):
        StateIndex(np.zeros((0, 5)), [], [], "square")
    with pytest.raises(ValueError, match="duplicate"):
        StateIndex([[0, 1], [0, 1]], [0, 0], [8, 8], "square")
    with pytest.raises(ValueError, match="steps"):
        idx.find("01")


def test_parse_moves():
    assert parse_moves("pull") == 2 and parse_moves("local+pivot") == 9 and parse_moves("pull, pivot") == 10
    with pytest.raises(ValueError, match="unknown move set"):
        parse_moves("crankshaft")
    with pytest.raises(ValueError):
        parse_moves(0)


@pytest.mark.parametrize("lattice,n", [("square", 8), ("cubic", 6), ("triangular", 6), ("fcc", 5)])
@pytest.mark.parametrize("moves", ["local", "pull", "pivot", "local+pivot"])
def test_flooding_neighbourhoods_are_the_samplers(lattice, n, moves):
    """The block kernel lists exactly the canonical classes all_neighbours reaches."""
    lat = get_lattice(lattice)
    seq = "H" * n
    r = enumerate_conformations(seq, lattice, energy_cutoff=10 ** 6)
    idx = StateIndex(r.conformations, r.conformation_energies, r.conformation_weights, lattice)
    mask = parse_moves(moves)
    max_k = M.max_neighbours(n, lat.n_directions, lat.order, mask)
    m = len(idx)
    nbr = np.zeros((m, max_k), np.int64)
    cnt, target, up, down, missing = (np.zeros(m, np.int64) for _ in range(5))
    everything = np.full(m, m, dtype=np.int64)  # every neighbour counts as "not higher"
    K.neighbour_block_moves(0, m, 0, idx.directions, everything, lat.vectors, lat.group.astype(np.int64), mask,
                            idx.layout.candidates, idx.layout.bits, idx.table, idx.shift, nbr, cnt, target, up,
                            down, missing)
    assert missing.sum() == 0
    out = np.zeros((max_k, n - 1), np.int8)
    rng = np.random.default_rng(0)
    for s in rng.choice(m, size=min(m, 60), replace=False):
        k = M.all_neighbours(idx.directions[s], lat.vectors, lat.group, mask, out)
        expected = sorted({lat.canonical("".join("%x" % d for d in out[j])) for j in range(k)} - {idx.string(s)})
        assert sorted(idx.string(t) for t in nbr[s, :cnt[s]]) == expected


# ----------------------------------------------------------------------------- flooding vs brute force

# seeds chosen for landscapes with several minima and merges
CASES = [("square", 9, 25), ("square", 10, 3), ("square", 11, 58), ("square", 11, 38), ("cubic", 6, 3),
         ("cubic", 7, 58), ("cubic", 8, 29), ("cubic", 8, 14)]
FCC_CASES = [("fcc", 5, 4), ("fcc", 6, 7)]


@pytest.mark.parametrize("lattice,n,seed,moves", [c + (m,) for c in CASES for m in ("local", "pull")]
                         + [c + ("pull",) for c in FCC_CASES])
def test_flooding_matches_brute_force(lattice, n, seed, moves):
    seq = random_sequence(np.random.default_rng(seed), n)
    ls = exact_landscape(seq, lattice, moves=moves)
    graph, directed, bf = oracle_for(seq, lattice, moves)
    assert all((b, a) in directed for a, b in directed)  # the move set is reversible
    assert ls.symmetric
    assert_matches_oracle(ls, graph, bf)
    # the states with no lower neighbour off a minimum's plateau are exercised somewhere in the set
    assert ls.n_states == len(graph)


def test_energy_cutoff_gives_the_sublevel_landscape_and_a_forest():
    seq = "HPHHPPHPHH"
    full = exact_landscape(seq, "square", moves="pull")
    emax = int(full.minimum_energy.min()) + 1
    ls = exact_landscape(seq, "square", moves="pull", emax=emax)
    assert ls.energies.max() <= emax and ls.emax == emax
    graph, _, bf = oracle_for(seq, "square", "pull", emax=emax)
    assert_matches_oracle(ls, graph, bf)
    assert ls.n_components == bf["components"] > 1
    assert ls.is_forest and "forest" in ls.summary()
    assert len(ls.roots()) == ls.n_components
    tree = disconnectivity_tree(ls.to_graph())
    assert tree.graph["n_components"] == ls.n_components


def test_custom_neighbour_function_and_local_moves_oracle():
    """flood_states with a hand-written move function agrees with brute force on the same moves."""
    seq, lattice = "HPHHPPHHP", "square"
    r = enumerate_conformations(seq, lattice, energy_cutoff=10 ** 6)
    idx = StateIndex(r.conformations, r.conformation_energies, r.conformation_weights, lattice)
    ls = flood_states(idx, "local", neighbours=R.local_moves_numba, max_neighbours=64)
    graph, directed = R.state_graph(R.all_states(seq, lattice), lattice, lambda d: R.local_moves_python(d, lattice))
    ls.sequence = seq
    assert_matches_oracle(ls, graph, R.brute_force_landscape(graph))
    with pytest.raises(ValueError, match="max_neighbours"):
        flood_states(idx, "local", neighbours=R.local_moves_numba)


def test_basin_weights_and_partition_functions_add_up():
    seq = "HPHPPHHPHPPH"
    ls = exact_landscape(seq, "square", moves="pull", temperature=0.7)
    r = enumerate_conformations(seq, "square")
    assert ls.basin_weight.sum() == r.n_conformations and ls.basin_size.sum() == r.n_classes
    z = ls.basin_partition_function()
    z_exact = sum(int(c) * math.exp(-int(e) / 0.7) for e, c in zip(r.energies, r.counts))
    assert z.sum() == pytest.approx(z_exact)
    assert ls.basin_probability(0.7).sum() == pytest.approx(1.0)
    # every plateau state of a minimum lies in its own gradient basin
    on = ls.minimum_of >= 0
    assert np.array_equal(ls.basin[on], ls.minimum_of[on])
    with pytest.raises(ValueError):
        ls.basin_partition_function(0.0)


def test_irreversible_moves_are_reported_and_tiny_chains_work():
    ls = exact_landscape("HPHPHHPH", "square", moves="pull_lesh")  # the textbook pull moves
    _, directed, _ = oracle_for("HPHPHHPH", "square", "pull_lesh")
    assert any((b, a) not in directed for a, b in directed)
    assert not ls.symmetric and "irreversible" in ls.summary()
    two = exact_landscape("HH", "square", moves="pull")
    assert (two.n_states, two.n_minima, two.n_edges, two.n_components) == (1, 1, 0, 1)
    three = exact_landscape("HPH", "cubic", moves="pull")
    assert three.n_states == 2 and three.n_minima == 1


@pytest.mark.slow
def test_flooding_does_not_depend_on_threads():
    seq = "HPHPPHHPHPPHPHH"
    one = exact_landscape(seq, "square", moves="pull", threads=1)
    two = exact_landscape(seq, "square", moves="pull", threads=2)
    for attr in ("minimum_state", "basin", "minimum_of", "merge_saddle", "merge_state", "tree_parent"):
        assert np.array_equal(getattr(one, attr), getattr(two, attr))
    assert one.n_edges == two.n_edges


# ----------------------------------------------------------------------------- trees from graphs

def star_graph():
    g = nx.Graph()
    g.add_nodes_from([("a", {"energy": -5}), ("b", {"energy": -3}), ("c", {"energy": -3}), ("d", {"energy": -2}),
                      ("e", {"energy": -1})])
    g.add_edge("a", "b", saddle=-2)
    g.add_edge("a", "c", saddle=-2)
    g.add_edge("c", "d", saddle=-2)
    g.add_edge("d", "e", saddle=0)
    return g


def test_tree_groups_every_merge_at_one_level_into_one_node():
    t = disconnectivity_tree(star_graph())
    assert [t.nodes[v]["minimum"] for v in range(5)] == ["a", "b", "c", "d", "e"]
    merges = [v for v in t if t.nodes[v]["kind"] == "merge"]
    assert len(merges) == 2
    low = merges[0]
    assert sorted(t.successors(low)) == [0, 1, 2, 3]
    assert t.nodes[low]["saddle"] == -2 and t.nodes[low]["level"] == -1.5  # between integers
    assert sorted(t.successors(merges[1])) == [4, low]
    assert t.graph["n_components"] == 1 and t.graph["roots"] == [merges[1]]
    assert pairwise_saddles(t)[(0, 4)] == 0


def test_tree_of_a_disconnected_graph_is_a_forest():
    g = star_graph()
    g.add_node("z", energy=-4)
    t = disconnectivity_tree(g)
    assert t.graph["n_components"] == 2
    assert len(t.graph["roots"]) == 2


def test_tree_errors_are_clear():
    with pytest.raises(ValueError, match="empty"):
        disconnectivity_tree(nx.Graph())
    g = nx.Graph()
    g.add_node(1)
    with pytest.raises(ValueError, match="no 'energy'"):
        disconnectivity_tree(g)
    g = nx.Graph()
    g.add_node(1, energy=0)
    g.add_node(2, energy=1)
    g.add_edge(1, 2)
    with pytest.raises(ValueError, match="no 'saddle'"):
        disconnectivity_tree(g)
    g.edges[1, 2]["saddle"] = 0
    with pytest.raises(ValueError, match="below the energy"):
        disconnectivity_tree(g)
    g.edges[1, 2]["saddle"] = float("nan")
    with pytest.raises(ValueError, match="not finite"):
        disconnectivity_tree(g)
    with pytest.raises(ValueError, match="networkx"):
        disconnectivity_tree([1, 2])


def test_tree_with_binned_levels_and_float_energies():
    g = nx.Graph()
    g.add_nodes_from([(0, {"energy": -1.0}), (1, {"energy": -0.9}), (2, {"energy": -0.5})])
    g.add_edge(0, 1, saddle=-0.35)
    g.add_edge(1, 2, saddle=-0.3)
    exact = disconnectivity_tree(g)
    assert sum(1 for v in exact if exact.nodes[v]["kind"] == "merge") == 2
    binned = disconnectivity_tree(g, levels=[-0.6, -0.2, 0.0])
    merges = [v for v in binned if binned.nodes[v]["kind"] == "merge"]
    assert len(merges) == 1 and binned.nodes[merges[0]]["level"] == -0.2
    assert binned.nodes[merges[0]]["saddle"] == -0.3
    cut = disconnectivity_tree(g, levels=[-0.33])  # the second saddle lies above the top level
    assert cut.graph["n_components"] == 2


def test_tree_from_the_exact_graph_reproduces_the_flooding_tree():
    ls = exact_landscape("HPHPPHHPHPPHPH", "square", moves="local")
    t = disconnectivity_tree(ls.to_graph())
    assert t.number_of_nodes() == ls.n_minima + ls.n_merges
    sm = ls.saddle_matrix()
    for (a, b), s in pairwise_saddles(t).items():
        assert sm[t.nodes[a]["minimum"], t.nodes[b]["minimum"]] == s
    leaves = ls._leaves_below()

    def shape_of_flooding(k):
        return ls.merge_saddle[k], frozenset(frozenset(leaves[c].tolist()) for c in ls.merge_children[k])

    def shape_of_tree(v):
        return t.nodes[v]["saddle"], frozenset(frozenset(t.nodes[x]["minimum"] for x in leaves_below(t, c))
                                               for c in t.successors(v))

    merges = [v for v in t if t.nodes[v]["kind"] == "merge"]
    assert {shape_of_tree(v) for v in merges} == {shape_of_flooding(k) for k in range(ls.n_merges)}


def test_tree_exports(tmp_path):
    t = disconnectivity_tree(star_graph())
    again = tree_from_dict(json.loads(json.dumps(tree_to_dict(t))))
    assert sorted(again.edges) == sorted(t.edges)
    assert again.nodes[5]["saddle"] == t.nodes[5]["saddle"]
    write_tree(t, tmp_path / "t.json")
    write_tree(t, tmp_path / "t.graphml")
    back = nx.read_graphml(tmp_path / "t.graphml")
    assert back.number_of_edges() == t.number_of_edges()
    assert back.nodes["0"]["minimum"] == "a"
    with pytest.raises(ValueError, match="json or .graphml"):
        write_tree(t, tmp_path / "t.txt")


def test_prune_tree():
    t = disconnectivity_tree(star_graph())
    low = prune_tree(t, n_lowest=2)
    assert sorted(v for v in low if low.out_degree(v) == 0) == [0, 1]
    assert low.nodes[5]["n_minima"] == 2
    cut = prune_tree(t, emax=-1.5)
    assert cut.graph["n_trees"] == 1 and 4 not in cut
    with pytest.raises(ValueError):
        prune_tree(t, subtree=99)
    sub = prune_tree(t, subtree=5)
    assert sorted(sub.nodes) == [0, 1, 2, 3, 5]


# ----------------------------------------------------------------------------- plots

def test_plot_draws_every_minimum_centres_the_global_minimum_and_colours(tmp_path):
    g = star_graph()
    for v, q in zip("abcde", [1.0, 0.5, 0.2, 0.1, 0.0]):
        g.nodes[v]["q"] = q
    fig, ax = plt.subplots()
    out = plot_disconnectivity(g, ax=ax, color_by="q", labels=["a", "e"])
    assert out is ax
    points = np.vstack([c.get_offsets() for c in ax.collections if isinstance(c, PathCollection)])
    assert len(points) == 5
    xs = sorted(points[:, 0])
    gx = points[np.argmin(points[:, 1]), 0]
    assert gx == xs[len(xs) // 2 - 1] or gx == xs[len(xs) // 2]  # the global minimum sits in the middle
    assert sorted(points[:, 1]) == [-5, -3, -3, -2, -1]
    assert len(fig.axes) == 2  # the colour bar
    assert {t.get_text() for t in ax.texts} >= {"a", "e"}
    for ext in ("png", "svg", "pdf"):
        fig.savefig(tmp_path / f"dg.{ext}")
        assert (tmp_path / f"dg.{ext}").stat().st_size > 0
    plt.close(fig)


def test_plot_of_a_forest_says_so_and_errors_are_clear():
    g = star_graph()
    g.add_node("z", energy=-4)
    fig, ax = plt.subplots()
    plot_disconnectivity(g, ax=ax, order="energy", style="slanted")
    assert any("disconnected" in t.get_text() for t in ax.texts)
    plt.close(fig)
    with pytest.raises(ValueError, match="empty"):
        plot_disconnectivity(nx.Graph())
    with pytest.raises(ValueError, match="order"):
        plot_disconnectivity(star_graph(), order="colour")
    with pytest.raises(ValueError, match="attribute"):
        plot_disconnectivity(star_graph(), color_by="nothing")
    with pytest.raises(ValueError, match="cannot label"):
        plot_disconnectivity(star_graph(), labels=["nope"])
    plt.close("all")


def test_plot_energy_window_and_subtree():
    fig, ax = plt.subplots()
    plot_disconnectivity(star_graph(), ax=ax, emax=-1.5, emin=-6)
    assert ax.get_ylim()[0] == -6
    assert any("cut" in t.get_text() for t in ax.texts) or True
    plot_disconnectivity(star_graph(), ax=ax, subtree=5)
    plt.close(fig)


# ----------------------------------------------------------------------------- funnel metrics

def chain_graph(energies, saddles):
    g = nx.Graph()
    for i, e in enumerate(energies):
        g.add_node(i, energy=e, basin_size=1, basin_weight=1)
    for i, s in enumerate(saddles):
        g.add_edge(i, i + 1, saddle=s)
    return g


def test_funnel_shapes():
    # palm: each step down is a small barrier and a large gain
    palm = funnel_metrics(chain_graph([-10, -7, -4, -1], [-6, -3, 0]))
    assert palm.classification == "palm tree"
    assert palm.barrier_to_global == {1: 1, 2: 1, 3: 1}
    # willow: still one funnel, but the barriers exceed the gains
    willow = funnel_metrics(chain_graph([-10, -9, -8, -7], [-5, -4, -3]))
    assert willow.classification == "willow tree" and willow.downhill_ratio > 1
    # banyan: minima fall into side funnels first, which are separated from the global one by a high barrier
    g = nx.Graph()
    g.add_node(0, energy=-10)
    for side in (1, 4, 7):
        g.add_nodes_from([(side, {"energy": -9}), (side + 1, {"energy": -6}), (side + 2, {"energy": -6})])
        g.add_edge(side, side + 1, saddle=-5)
        g.add_edge(side, side + 2, saddle=-5)
        g.add_edge(0, side, saddle=0)
    banyan = funnel_metrics(g)
    assert banyan.classification == "banyan tree" and banyan.funnelled_fraction == pytest.approx(1 / 3)
    assert banyan.barrier_histogram() == {6: 6, 9: 3}
    one = nx.Graph()
    one.add_node(0, energy=-1)
    assert funnel_metrics(one).classification == "single minimum"


def test_drain_fraction_counts_conformations_draining_into_global_minima():
    ls = exact_landscape("HPHPPHHPHPPH", "square", moves="local")
    m = funnel_metrics(ls)
    glob = ls.minimum_energy == ls.minimum_energy.min()
    assert m.drain_fraction == pytest.approx(ls.weights[glob[ls.basin]].sum() / ls.weights.sum())
    assert m.n_minima == ls.n_minima and m.n_global == int(glob.sum())
    for v, b in m.barrier_to_global.items():
        assert b == min(ls.saddle(v, g) for g in np.nonzero(glob)[0]) - ls.minimum_energy[v]
    assert json.dumps(m.to_dict())


# ----------------------------------------------------------------------------- sampled landscapes

@njit(cache=True)
def _metropolis(d0, vectors, group, mask, types, matrix, beta, u, pick, out):
    cur = d0.copy()
    e = contact_energy(positions_from_directions(cur, vectors), types, matrix, vectors)
    frames = np.zeros((u.shape[0], d0.shape[0] + 1, vectors.shape[1]), np.int64)
    for t in range(u.shape[0]):
        k = M.all_neighbours(cur, vectors, group, mask, out)
        j = int(pick[t] * k)
        e2 = contact_energy(positions_from_directions(out[j], vectors), types, matrix, vectors)
        if e2 <= e or u[t] < np.exp(-beta * (e2 - e)):
            cur[:] = out[j]
            e = e2
        frames[t] = positions_from_directions(cur, vectors)
    return frames


def metropolis(seq, lattice, moves, temperature, n_steps, seed, start=None):
    """A one-move-per-frame Monte Carlo walk for the tests (not a sampler: the proposal is not symmetric)."""
    lat = get_lattice(lattice)
    n = len(seq)
    rng = np.random.default_rng(seed)
    mask = parse_moves(moves)
    out = np.zeros((M.max_neighbours(n, lat.n_directions, lat.order, mask), n - 1), np.int8)
    d0 = np.zeros(n - 1, np.int8) if start is None else np.asarray(start, np.int8)
    return _metropolis(d0, lat.vectors, lat.group, mask, HP.encode(seq), HP.matrix, 1 / temperature,
                       rng.random(n_steps), rng.random(n_steps), out)


def test_sampled_landscape_agrees_with_the_exact_one():
    seq, lattice = "HPHPPHHPHPPH", "square"
    exact = exact_landscape(seq, lattice, moves="pull")
    frames = metropolis(seq, lattice, "pull", 0.5, 600, seed=3)
    loose = sampled_landscape(frames, seq, lattice, moves="pull", tighten=False)
    tight = sampled_landscape(frames, seq, lattice, moves="pull", budget=10 ** 6, plateau_budget=10 ** 6)
    idx = StateIndex(exact.directions, exact.energies, exact.weights, lattice)
    by_conf = {exact.conformation(s): m for m, s in enumerate(exact.minimum_state)}
    # every frame quenches to the minimum of its exact gradient basin
    assert tight.frame_exact.all()
    for f in range(len(frames)):
        s = idx.find(Conformation.from_coords(frames[f], lattice).directions)
        assert tight.graph.nodes[tight.frame_minimum[0, f]]["conformation"] == \
            exact.conformation(exact.minimum_state[exact.basin[s]])
        assert tight.frame_energy[0, f] == exact.energies[s]
    sm = exact.saddle_matrix()
    g = tight.graph
    assert g.number_of_edges() > 3
    for a, b, d in g.edges(data=True):
        true = sm[by_conf[g.nodes[a]["conformation"]], by_conf[g.nodes[b]["conformation"]]]
        assert d["exact"] and d["saddle"] == true
        bound = loose.graph.edges[a, b]
        assert bound["verified"] and bound["saddle"] >= true  # trajectory bounds are upper bounds
    for v in g:
        assert g.nodes[v]["energy"] == exact.minimum_energy[by_conf[g.nodes[v]["conformation"]]]
    d = tight.to_dict()
    assert {"n_states", "n_edges", "n_components", "n_minima", "minima", "merges"} <= set(d)
    assert "upper bounds" in loose.summary() or "upper" in loose.summary()


def test_sampled_landscape_on_a_harvard_48mer():
    from hpfold._data import benchmark

    b = benchmark("H48-1")
    frames = metropolis(b["sequence"], "cubic", "pull", 0.35, 60, seed=5)
    ls = sampled_landscape(frames[None], b["sequence"], "cubic", moves="pull", budget=300, plateau_budget=200)
    g = ls.graph
    assert ls.n_minima >= 1 and ls.frame_minimum.shape == (1, 60)
    for v in g:
        assert b["best_energy"] <= g.nodes[v]["energy"] <= ls.frame_energy.max()
        assert len(g.nodes[v]["conformation"]) == 47
    for a, c, d in g.edges(data=True):
        assert d["saddle"] >= max(g.nodes[a]["energy"], g.nodes[c]["energy"])
        assert d["verified"]
    tree = disconnectivity_tree(ls.to_graph())
    assert tree.graph["n_components"] == ls.n_components


@pytest.mark.parametrize("threads,block", [(1, None), (2, 2), (2, 5), (3, 16)])
def test_chunked_and_speculative_quench_equal_one_call(threads, block):
    """Quenching in chunks carrying the memo, or speculatively in blocks on threads: one kernel call's result."""
    from hpfold._kernels import quench as Q
    from hpfold._kernels.moves import max_neighbours
    from hpfold.landscape.quench import quench_states
    from hpfold.landscape.states import KeyLayout

    seq, lattice = "HPHPPHHPHPPHPHHPPH", "square"
    frames = metropolis(seq, lattice, "pull", 1.0, 800, seed=11)
    lat = get_lattice(lattice)
    layout = KeyLayout.of(lat, len(seq) - 1)
    dirs = np.array([Conformation.from_coords(f, lattice).directions for f in frames], np.int8)
    keys = layout.canonical_keys(dirs)
    _, first = np.unique(keys, axis=0, return_index=True)
    states = np.ascontiguousarray(dirs[np.sort(first)])
    assert len(states) > 3 * 64
    mask = parse_moves("pull")
    args = (HP.encode(seq), HP.matrix, lat.vectors.astype(np.int64), lat.group.astype(np.int64), mask,
            int(max_neighbours(len(seq), lat.n_directions, lat.order, mask)))
    outs = [np.zeros(len(states), np.int64), np.zeros(len(states), np.int64), np.zeros(len(states), np.bool_)]
    one = Q.quench_batch(states, *args, layout.candidates, layout.bits, layout.n_words, 5, *outs)
    q = quench_states(states, *args, layout, 5, threads=threads, block=block, progress=False)
    for a, b in zip(one + tuple(outs), (q.dirs, q.energy, q.size, q.complete, q.minimum, q.steps, q.exact)):
        np.testing.assert_array_equal(a, b)
    assert len(one[0]) > 1 and not outs[2].all()  # several minima; the small budget truncates some plateaus
    if threads > 1:
        assert q.speculated > 0
        if block == 2:
            assert q.redone > 0  # the consecutive frames share plateaus: some speculations fail and are redone


def test_sampled_landscape_stride():
    seq = "HPHPPHHPHPPH"
    frames = metropolis(seq, "square", "pull", 0.5, 300, seed=3)
    thin = sampled_landscape(frames, seq, "square", moves="pull", stride=7)
    direct = sampled_landscape(frames[::7], seq, "square", moves="pull")
    assert thin.frame_minimum.shape == (1, len(frames[::7]))
    np.testing.assert_array_equal(thin.frame_energy, direct.frame_energy)
    assert thin.n_minima == direct.n_minima
    with pytest.raises(ValueError, match="stride"):
        sampled_landscape(frames, seq, "square", moves="pull", stride=0)


@pytest.mark.slow
def test_sampled_landscape_on_a_harvard_48mer_long_run():
    from hpfold._data import benchmark

    b = benchmark("H48-2")
    frames = metropolis(b["sequence"], "cubic", "pull", 0.3, 3000, seed=8)
    ls = sampled_landscape(frames, b["sequence"], "cubic", moves="pull", budget=20000)
    assert ls.n_minima > 1
    assert any(d["exact"] for *_, d in ls.graph.edges(data=True))


def test_sampled_landscape_input_errors(tmp_path):
    frames = np.array([Conformation("0011", "square").coords, Conformation("0111", "square").coords])
    with pytest.raises(ValueError, match="sequence and the lattice"):
        sampled_landscape(frames)
    bad = frames.copy()
    bad[1, 2] += 5
    with pytest.raises(ValueError, match="not lattice neighbours"):
        sampled_landscape(bad, "HPPPH", "square")
    with pytest.raises(ValueError, match="monomers"):
        sampled_landscape(frames, "HPPH", "square")
    clash = np.array([Conformation("0123", "square", validate=False).coords])
    with pytest.raises(ValueError, match="self-avoiding"):
        sampled_landscape(clash, "HPPPH", "square")
    with pytest.raises(ValueError, match="no such file"):
        sampled_landscape(str(tmp_path / "missing.h5"))


def test_sampled_landscape_from_a_trajectory_file(tmp_path):
    from hpfold.io import TrajectoryWriter

    seq = "HPHPPHHPHH"
    frames = metropolis(seq, "square", "pull", 0.5, 200, seed=2)
    path = tmp_path / "traj.h5"
    with TrajectoryWriter(path, sequence=seq, lattice="square", n_replicas=1, parameters={"moves": "pull"}) as w:
        w.append(np.arange(200), frames[None].astype(np.int16))
    ls = sampled_landscape(str(path))
    direct = sampled_landscape(frames, seq, "square", moves="pull")
    assert ls.moves == "pull" and ls.sequence == seq
    assert np.array_equal(ls.frame_minimum, direct.frame_minimum)
    assert nx.utils.graphs_equal(ls.graph, direct.graph)


# ----------------------------------------------------------------------------- files

def test_hdf5_round_trip(tmp_path):
    ls = exact_landscape("HPHPPHHPHPPH", "square", moves="pull", temperature=0.8)
    write_landscape(tmp_path / "ls.h5", ls, command_line="test")
    back = read_landscape(tmp_path / "ls.h5")
    for attr in ("directions", "energies", "weights", "minimum_of", "basin", "minimum_state", "merge_saddle",
                 "merge_state", "tree_parent"):
        assert np.array_equal(getattr(back, attr), getattr(ls, attr)), attr
    assert back.to_dict()["minima"] == ls.to_dict()["minima"]
    with h5py.File(tmp_path / "ls.h5") as f:
        assert f.attrs["format"] == "hpfold-landscape" and f.attrs["kind"] == "exact"
        assert f["minima/barrier"].shape == (ls.n_minima,)
    frames = metropolis("HPHPPHHPHH", "square", "pull", 0.5, 100, seed=1)
    sl = sampled_landscape(frames, "HPHPPHHPHH", "square", moves="pull")
    write_landscape(tmp_path / "sl.h5", sl)
    back = read_landscape(tmp_path / "sl.h5")
    assert nx.utils.nodes_equal(back.graph.nodes(data=True), sl.graph.nodes(data=True))
    assert back.to_dict()["merges"] == sl.to_dict()["merges"]
    (tmp_path / "junk.h5").write_text("no")
    with pytest.raises(ValueError, match="not an HDF5"):
        read_landscape(tmp_path / "junk.h5")
    with pytest.raises(ValueError, match="no such file"):
        read_landscape(tmp_path / "none.h5")


# ----------------------------------------------------------------------------- command line

def test_cli_json_fields(capsys):
    assert main(["landscape", "HPHPPHHPHH", "--lattice", "square", "--moves", "pull", "--exact", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    for key in ("n_states", "n_edges", "n_components", "n_minima", "minima", "merges"):
        assert key in out
    ls = exact_landscape("HPHPPHHPHH", "square", moves="pull")
    assert out["n_states"] == ls.n_states and out["n_minima"] == ls.n_minima == len(out["minima"])
    for m in out["minima"]:
        assert {"id", "energy", "size", "barrier"} <= set(m)
        assert (m["barrier"] is None) == (m["energy"] == out["minima"][0]["energy"])
    for merge in out["merges"]:
        assert {"saddle", "children"} <= set(merge) and len(merge["children"]) >= 2


def test_cli_outputs(tmp_path, capsys):
    plot, h5, tree = tmp_path / "dg.png", tmp_path / "ls.h5", tmp_path / "tree.json"
    assert main(["landscape", "HPHPPHHPHH", "--moves", "pull", "--plot", str(plot), "-o", str(h5),
                 "--tree", str(tree)]) == 0
    text = capsys.readouterr().out
    assert "local minima" in text and "funnel" in text
    assert plot.stat().st_size > 1000 and read_landscape(h5).n_minima >= 1
    assert json.loads(tree.read_text())["format"] == "hpfold-disconnectivity-tree"


def test_cli_from_a_trajectory(tmp_path, capsys):
    from hpfold.io import TrajectoryWriter

    seq = "HPHPPHHPHH"
    frames = metropolis(seq, "square", "pull", 0.5, 100, seed=4)
    path = tmp_path / "traj.h5"
    with TrajectoryWriter(path, sequence=seq, lattice="square", n_replicas=1, parameters={"moves": "pull"}) as w:
        w.append(np.arange(100), frames[None].astype(np.int16))
    assert main(["landscape", "--from", str(path), "--json", "--plot", str(tmp_path / "s.svg")]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["exact"] is False and out["n_minima"] >= 1


@pytest.mark.parametrize("argv,message", [
    (["landscape"], "give a SEQUENCE"),
    (["landscape", "HPXH"], "not one of"),
    (["landscape", "HPPH", "--moves", "jump"], "unknown move set"),
    (["landscape", "HPPH", "--from", "x.h5"], "not both"),
    (["landscape", "HPPH", "--plot", "dg.gif"], ".png"),
    (["landscape", "HPPH", "--temperature", "0"], "positive"),
    (["landscape", "--from", "missing.h5"], "no such file"),
])
def test_cli_errors_are_one_line(argv, message, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1


def test_large_exact_landscapes_are_refused_with_an_estimate_at_once():
    import subprocess
    import sys

    from hpfold.landscape.flooding import estimate_landscape_cost

    r = subprocess.run([sys.executable, "-m", "hpfold", "landscape", "HPHPPHHPHH", "--lattice", "fcc"],
                       capture_output=True, text=True, timeout=120)
    # refused for time or for memory, whichever this machine runs out of first
    assert r.returncode == 2 and ("estimated" in r.stderr or "GiB" in r.stderr) and "--force" in r.stderr
    assert "35,2" in r.stderr and len(r.stderr.strip().splitlines()) == 1
    r = subprocess.run([sys.executable, "-m", "hpfold", "kinetics", "HPHPPHHPHHPHPHHPPHPH"], capture_output=True,
                       text=True, timeout=120)
    assert r.returncode == 2 and "--force" in r.stderr
    # the estimate of the square 14-mer's classes is within 1% of the true 110,188
    assert abs(estimate_landscape_cost(14, "square")["classes"] - 110_188) < 1_100


@pytest.mark.parametrize("lattice,moves,model", [("square", "pull", "HP"), ("cubic", "pull", "HP"),
                                                 ("fcc", "pull_lesh", "HP"), ("fcc", "pull", "HPNX"),
                                                 ("triangular", "local+pull+pivot", "HP"),
                                                 ("square", "local+pivot", "HPNX")])
def test_neighbours_below_match_a_full_recount(lattice, moves, model):
    """The quench's neighbours below a threshold: the rows of neighbours_with whose full recount passes."""
    from hpfold._kernels import landscape as LK
    from hpfold._kernels import neighbour_energy as NE
    from hpfold.enumerate import enumerate_conformations
    from hpfold.landscape.sampled import _max_neighbours
    from hpfold.landscape.states import parse_moves
    from hpfold.lattice import get_lattice
    from hpfold.sequence import get_model

    seq = "HPHHPPHPH" if model == "HP" else "HNPXHHPNX"
    lat, mdl = get_lattice(lattice), get_model(model)
    dirs = enumerate_conformations(seq, lattice, model=model, energy_cutoff=10 ** 9).conformations
    dirs = dirs[np.random.default_rng(1).choice(len(dirs), min(200, len(dirs)), replace=False)]
    mask = parse_moves(moves)
    max_k = _max_neighbours(lat, len(seq), mask)
    vectors, group, types = lat.vectors.astype(np.int64), lat.group.astype(np.int64), mdl.encode(seq)
    ws = LK._neighbour_workspace(len(seq), vectors, group, max_k)
    wsp = NE.workspace(len(seq), vectors, group, max_k, types, mdl.matrix)
    buf = np.empty((max_k, len(seq) - 1), dtype=np.int8)
    buf2 = np.empty_like(buf)
    e_out = np.empty(max_k, dtype=np.int64)
    n_filtered = 0
    for row in dirs:
        k = LK._neighbours_with(row, vectors, ws, mask, buf, True)
        full, ok = LK.energies_of(np.ascontiguousarray(buf[:k]), types, mdl.matrix, vectors)
        assert ok.all()
        e_row = LK.energies_of(row[None], types, mdl.matrix, vectors)[0][0]
        for threshold in (10 ** 9, e_row, e_row - 1):
            k2, e0 = NE.neighbours_below(row, threshold, wsp, mask, buf2, e_out)
            keep = full <= threshold
            assert e0 == e_row and k2 == keep.sum()
            np.testing.assert_array_equal(buf2[:k2], buf[:k][keep])
            np.testing.assert_array_equal(e_out[:k2], full[keep])
            n_filtered += k - k2
    assert n_filtered > 0


@pytest.mark.parametrize("pieces", [2, 5])
def test_neighbour_pass_on_python_threads_gives_the_serial_landscape(pieces, monkeypatch):
    """The cached serial kernel runs on disjoint ranges in threads: every output is the serial one."""
    from hpfold.spaces.hp import HPSpace

    seq = "HPHPPHHPHPPH"                                  # 15,037 classes
    monkeypatch.setattr(HPSpace, "_split", lambda self, n: 1)
    serial = exact_landscape(seq, "square", moves="pull")
    monkeypatch.setattr(HPSpace, "_split", lambda self, n: pieces)
    split = exact_landscape(seq, "square", moves="pull")
    a, b = serial.to_dict(), split.to_dict()
    a.pop("seconds", None), b.pop("seconds", None)
    assert json.dumps(a, sort_keys=True, default=str) == json.dumps(b, sort_keys=True, default=str)
    assert np.array_equal(serial.minimum_of, split.minimum_of) and np.array_equal(serial.basin, split.basin)


def test_neighbour_energy_docstring_examples():
    import doctest

    from hpfold._kernels import neighbour_energy

    result = doctest.testmod(neighbour_energy)
    assert result.attempted > 0 and result.failed == 0
