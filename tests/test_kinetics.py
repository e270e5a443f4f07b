"""hpfold.kinetics against dense reference solves, the unreduced chain, Monte Carlo and its own sum rules."""
import json
import subprocess
import sys

import numpy as np
import pytest

import reference_kinetics as RK
from hpfold.kinetics import (basin_kinetics, estimate_msm, folding_curve, graph_transformation,
                             master_equation)
from hpfold.kinetics import master as M
from hpfold.kinetics.basins import macrostates
from hpfold.kinetics.msm import assign_states, reversible_transition_matrix
from hpfold.landscape import flood
from hpfold.spaces import GraphSpace, HPSpace, PerceptronSpace


def dense_p(me):
    p = me.transitions.toarray()
    p[np.diag_indices_from(p)] = 1.0 - p.sum(axis=1)
    return p


def random_graph_space(seed, n=40, chords=80):
    rng = np.random.default_rng(seed)
    energies = rng.integers(-4, 4, n)
    edges = {(i, (i + 1) % n) for i in range(n)} | {tuple(sorted(rng.choice(n, 2, replace=False)))
                                                   for _ in range(chords)}
    return GraphSpace(energies, sorted(edges))


SPACES = [lambda: HPSpace.from_sequence("HPHPPHHPH"), lambda: HPSpace.from_sequence("HPHHPH", "cubic"),
          lambda: HPSpace.from_sequence("HPPHHPH", "triangular"), lambda: PerceptronSpace(8, 0.6, seed=2),
          lambda: random_graph_space(1)]


@pytest.mark.parametrize("make", SPACES)
@pytest.mark.parametrize("direct", [True, False])
@pytest.mark.parametrize("temperature", [0.3, 1.5])
def test_first_passage_times_equal_a_dense_solve(make, direct, temperature, monkeypatch):
    monkeypatch.setattr(M, "DIRECT_MAX_STATES", 10**9 if direct else 0)
    space = make()
    me = master_equation(space, temperature)
    target = me.target_mask("ground")
    expected = RK.dense_mfpt(dense_p(me), target)
    got = me.first_passage_times("ground")
    assert np.allclose(got, expected, rtol=1e-7, atol=1e-9)
    w = np.where(target, 0.0, space.weights)
    assert me.mean_first_passage() == pytest.approx(w @ expected / w.sum(), rel=1e-9)


@pytest.mark.parametrize("seq,lattice", [("HPPHHPH", "square"), ("HPHHP", "cubic")])
def test_symmetry_classes_give_the_unreduced_chain_s_answers(seq, lattice):
    t = 0.7
    p, e = RK.unreduced_chain(seq, lattice, "pull", t)
    space = HPSpace.from_sequence(seq, lattice)
    assert space.weights.sum() == len(e)
    me = master_equation(space, t)
    full = RK.dense_mfpt(p, e == e.min())
    # a random conformation: every microstate off the target equally likely
    assert me.mean_first_passage() == pytest.approx(full[e > e.min()].mean(), rel=1e-9)
    # every rate of the lumped chain is a rate of the full chain (the symmetric sector)
    full_rates = RK.dense_rates(p)
    for r in me.relaxation_rates(6):
        assert np.min(np.abs(full_rates - r)) < 1e-8


def test_relaxation_rates_sparse_path_equals_dense():
    space = HPSpace.from_sequence("HPHPPHHPHH")          # 2,034 classes: above the dense threshold
    me = master_equation(space, 0.5)
    assert len(space) >= 2000
    rates = me.relaxation_rates(3)
    expected = np.sort(RK.dense_rates(dense_p(me)))[:3]
    assert np.allclose(rates, expected, rtol=1e-6)


def test_populations_relax_to_boltzmann_and_both_propagators_agree(monkeypatch):
    space = HPSpace.from_sequence("HPHPPHHPH")
    me = master_equation(space, 0.6)
    times = [0.0, 5.0, 50.0, 400.0]
    dense = me.populations(0, times)
    assert np.allclose(dense[0], np.eye(len(space))[0])
    monkeypatch.setattr(np, "__hpfold_probe__", None, raising=False)
    p = dense_p(me)
    # explicit reference: p(t) = p0 expm(t (P - I))
    from scipy.linalg import expm
    for t, row in zip(times, dense):
        ref = np.eye(len(space))[0] @ expm(t * (p - np.eye(len(p))))
        assert np.allclose(row, ref, atol=1e-9)
    assert np.allclose(me.populations(0, [1e6])[0], me.stationary, atol=1e-8)


def test_glauber_rule_is_detailed_balanced():
    me = master_equation(HPSpace.from_sequence("HPHPPHHPH"), 0.8, rule="glauber")
    flow = me.stationary[:, None] * dense_p(me)
    assert np.allclose(flow, flow.T, atol=1e-14)
    with pytest.raises(ValueError, match="unknown acceptance rule"):
        master_equation(HPSpace.from_sequence("HPHP"), 1.0, rule="kawasaki")


def test_bad_temperatures_and_targets_are_refused():
    space = HPSpace.from_sequence("HPHPH")
    for t in (0.0, -1.0, float("nan")):
        with pytest.raises(ValueError, match="temperature must be positive"):
            master_equation(space, t)
    me = master_equation(space, 1.0)
    with pytest.raises(ValueError, match="empty"):
        me.first_passage_times(np.zeros(len(space), dtype=bool))
    with pytest.raises(ValueError, match="must lie in"):
        me.first_passage_times([len(space)])


@pytest.mark.parametrize("level", [None, -4, -3, 0])
def test_basin_rates_obey_detailed_balance_and_sum_rules(level):
    space = HPSpace.from_sequence("HPHPPHHPHHPH")
    ls = flood(space)
    me = master_equation(space, 0.5)
    bk = basin_kinetics(me, ls, level)
    flux = bk.equilibrium[:, None] * bk.rates
    assert np.allclose(flux, flux.T, rtol=1e-9, atol=1e-15)
    assert bk.equilibrium.sum() == pytest.approx(1.0)
    assert np.allclose(np.bincount(bk.macro_of, weights=me.stationary, minlength=bk.n_macrostates), bk.equilibrium)
    # the lumped master equation conserves probability and relaxes to the basin equilibrium
    pops = bk.populations(0, [0.0, 10.0, 1e7])
    assert np.allclose(pops.sum(axis=1), 1.0)
    assert np.allclose(pops[-1], bk.equilibrium, atol=1e-8)
    assert bk.n_macrostates == len(np.unique(bk.macro_of))
    if level is None:
        assert bk.n_macrostates == ls.n_minima


def test_macrostates_cut_the_tree_at_a_level():
    ring = GraphSpace([0, 1, 2, -1, 1, 1], [[k, (k + 1) % 6] for k in range(6)])
    ls = flood(ring)
    assert macrostates(ls)[0].tolist() == [0, 1, 1, 0, 1, 0]
    assert macrostates(ls, level=0)[0].tolist() == [0, 1, 1, 0, 1, 0]
    assert macrostates(ls, level=1)[0].tolist() == [0] * 6


@pytest.mark.parametrize("temperature", [0.6, 1.0])
def test_graph_transformation_equals_the_microscopic_mfpt(temperature):
    space = HPSpace.from_sequence("HPHPPHHPHH")          # 2,034 classes: about 2,000 eliminated
    me = master_equation(space, temperature)
    tgt = np.nonzero(space.energies == space.energies.min())[0]
    start = len(space) - 1
    assert graph_transformation(me, [start], tgt) == pytest.approx(me.first_passage_times(tgt)[start], rel=1e-8)
    # between two basins of a random landscape, the source in local equilibrium
    gs = random_graph_space(3, 60, chords=6)
    ls = flood(gs)
    me = master_equation(gs, temperature)
    bk = basin_kinetics(me, ls)
    src = np.nonzero(bk.macro_of == bk.n_macrostates - 1)[0]
    tgt = np.nonzero(bk.macro_of == 0)[0]
    tau = me.first_passage_times(tgt)
    micro = me.stationary[src] @ tau[src] / me.stationary[src].sum()
    assert bk.n_macrostates > 2
    assert graph_transformation(me, src, tgt) == pytest.approx(micro, rel=1e-8)
    with pytest.raises(ValueError, match="overlap"):
        graph_transformation(me, src, src)


def test_folding_curve_is_u_shaped_with_the_optimum_inside_its_range():
    space = HPSpace.from_sequence("HPHPPHHPHH")
    c = folding_curve(space, np.geomspace(0.1, 4, 10))
    lo, hi = c.temperature_range
    assert lo < c.optimal_temperature < hi
    assert c.mfpt[0] > 2 * c.optimal_mfpt and c.mfpt[-1] > 2 * c.optimal_mfpt
    grid_best = min(m for t, m in zip(c.temperatures, c.mfpt) if np.isclose(t, np.geomspace(0.1, 4, 10)).any())
    assert c.optimal_mfpt <= grid_best


def test_reversible_estimator_is_detailed_balanced_and_recovers_a_known_chain():
    rng = np.random.default_rng(4)
    c = rng.integers(0, 50, (5, 5)).astype(float) + np.eye(5) * 100
    t = reversible_transition_matrix(c)
    assert np.allclose(t.sum(axis=1), 1.0)
    w, v = np.linalg.eig(t.T)
    pi = np.abs(np.real(v[:, np.argmax(np.real(w))]))
    flux = pi[:, None] * t
    assert np.allclose(flux, flux.T, atol=1e-10)
    sym = np.array([[60., 40.], [40., 60.]])
    assert np.allclose(reversible_transition_matrix(sym), sym / 100)


def test_msm_of_a_long_metropolis_run_reproduces_the_exact_kinetics():
    from hpfold.sample import sample

    seq, t = "HPPHPH", 0.8
    space = HPSpace.from_sequence(seq)
    me = master_equation(space, t)
    res = sample(seq, temperature=t, steps=400_000, every=1, seed=11, keep_positions=True, replicas=2)
    labels = assign_states(res.positions, space.states, "square")
    assert (labels >= 0).all()
    target = np.nonzero(space.energies == space.energies.min())[0]
    source = np.setdiff1d(np.arange(len(space)), target)
    model = estimate_msm([r for r in labels], 1, n_states=len(space), bootstrap=20, seed=1,
                         source=source, target=target)
    exact_mfpt = me.mean_first_passage(target, "boltzmann")
    assert abs(model.mean_first_passage(source, target) - exact_mfpt) < 4 * model.errors["mfpt"] + 1e-3 * exact_mfpt
    exact_ts = -1.0 / np.log(1.0 - me.relaxation_rates(1)[0])
    assert abs(model.timescales(1)[0] - exact_ts) < 4 * model.errors["timescales"][0] + 1e-3 * exact_ts


def run_cli(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "hpfold", "kinetics", *args], capture_output=True, text=True,
                          cwd=cwd)


def test_cli_json_fields_exports_and_plot(tmp_path):
    r = run_cli("HPHPPHHPH", "--json", "--points", "6", "--plot", str(tmp_path / "k.png"),
                "--bar", str(tmp_path / "k.bar"), "--rates-file", str(tmp_path / "rates.out"),
                "--pathsample", str(tmp_path / "ps"), "-o", str(tmp_path / "k.h5"))
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    for key in ("mfpt", "relaxation_rates", "optimal_temperature", "rates", "n_states", "n_edges"):
        assert key in d
    lo, hi = d["optimal_temperature"]["range"]
    assert lo <= d["optimal_temperature"]["value"] <= hi
    bar = (tmp_path / "k.bar").read_text().splitlines()
    assert len(bar) == 1 + d["basins"]["n_macrostates"]
    rates = np.loadtxt(tmp_path / "rates.out", ndmin=2)
    assert rates.shape == (d["basins"]["n_macrostates"],) * 2
    assert (tmp_path / "ps" / "min.data").exists() and (tmp_path / "ps" / "ts.data").exists()
    import h5py
    with h5py.File(tmp_path / "k.h5") as f:
        assert len(f["states/first_passage_time"]) == d["n_states"]
    assert (tmp_path / "k.png").stat().st_size > 10_000
    again = run_cli("HPHPPHHPH", "-T", "1", "-o", str(tmp_path / "k.h5"))
    assert again.returncode == 2 and "exists" in again.stderr


@pytest.mark.parametrize("args,message", [
    (["HPHPH", "-T", "0"], "must be positive"),
    (["HPHPH", "-T", "1", "--tmin", "0.2"], "not both"),
    (["HPHPH", "--tmin", "2", "--tmax", "1"], "--tmin < --tmax"),
    (["HPHPH", "--lag", "3"], "apply to --from"),
    (["HPHPH", "--basins", "deep"], "--basins"),
    (["HPHPH", "--native", "0202"], "not a conformation"),
    (["HPXPH"], ""),
    ([], "give a SEQUENCE"),
    (["--from", "missing.h5"], "--lag"),
    (["--from", "missing.h5", "--lag", "2"], "missing.h5"),
])
def test_cli_bad_input_is_one_line_exit_2(args, message, tmp_path):
    r = run_cli(*args, cwd=tmp_path)
    assert r.returncode == 2, r.stderr
    assert message in r.stderr and len(r.stderr.strip().splitlines()) == 1


def test_cli_msm_from_a_trajectory(tmp_path):
    traj = tmp_path / "t.h5"
    r = subprocess.run([sys.executable, "-m", "hpfold", "sample", "HPPHPH", "-T", "0.8", "--steps", "60000",
                        "--every", "2", "--seed", "3", "-o", str(traj)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    r = run_cli("--from", str(traj), "--lag", "1", "--assign", "state", "--json", "--bootstrap", "5",
                "--plot", str(tmp_path / "its.png"))
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    assert d["frame_steps"] == 2 and d["mfpt"] > 0 and len(d["timescales"]) >= 1
    exact = master_equation(HPSpace.from_sequence("HPPHPH"), 0.8)
    target = np.nonzero(exact.energies == exact.energies.min())[0]
    assert d["mfpt"] == pytest.approx(exact.mean_first_passage(target, "boltzmann"), rel=0.25)


@pytest.mark.parametrize("module", ["hpfold.kinetics.master", "hpfold.kinetics.temperature", "hpfold.kinetics.basins",
                                    "hpfold.kinetics.reduction", "hpfold.kinetics.msm", "hpfold.kinetics.run"])
def test_docstring_examples(module):
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module(module), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0
