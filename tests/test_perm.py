"""flatPERM and nPERMis: kernels against the recursive reference, against exact enumeration, reproducibility."""
import math

import numpy as np
import pytest

from hpfold._data import benchmark
from hpfold._kernels.perm import _systematic_sample, inclusion_probabilities
from hpfold.conformation import Conformation
from hpfold.dos import DensityOfStates, exact_total, relative_errors
from hpfold.enumerate import enumerate_conformations
from hpfold.perm import FlatPermRun, GrowthProblem, NPermisRun, flatperm, npermis
from hpfold.thermo import heat_capacity_peaks

from reference_thermo import flatperm_reference, npermis_reference

SMALL = [("HPHPPHHPHH", "square", "HP"), ("HPPHHPH", "cubic", "HP"), ("HPNXHHNPX", "square", "HPNX"),
         ("HPHHPPH", "triangular", "HP")]


def _exact(seq, lattice="square"):
    return DensityOfStates.from_enumeration(enumerate_conformations(seq, lattice))


def _random_sequence(rng, n):
    return "".join(rng.choice(list("HP"), n))


# -- kernels against the slow reference ------------------------------------------------------------

@pytest.mark.parametrize("lookahead,max_copies", [(True, 1), (False, 1), (True, 3)])
@pytest.mark.parametrize("seq,lattice,model", SMALL)
def test_flatperm_kernel_matches_reference(seq, lattice, model, lookahead, max_copies):
    problem = GrowthProblem.build(seq, lattice, model)
    run = FlatPermRun(problem, np.random.default_rng(11), lookahead=lookahead, max_copies=max_copies)
    run.advance(90)
    run.advance(60)  # batches must not matter
    sum_w, hist, ln_ref, counts = flatperm_reference(seq, lattice, 150, np.random.default_rng(11), lookahead,
                                                     max_copies, model)
    assert run.hist.sum() == sum(hist.values())
    for (n, e), h in hist.items():
        assert run.hist[n, e + problem.e_offset] == h
        assert run.sum_w[n, e + problem.e_offset] == pytest.approx(sum_w[n, e], rel=1e-10)
    for n, ref in ln_ref.items():
        assert run.ln_ref[n] == pytest.approx(ref, rel=1e-12, abs=1e-12)
    got = run.counter_dict()
    assert {k: got[k] for k in counts} == counts
    assert not run.grid.any()  # backtracking leaves the grid empty


@pytest.mark.parametrize("importance", [True, False])
@pytest.mark.parametrize("seq,lattice,model", SMALL)
def test_npermis_kernel_matches_reference(seq, lattice, model, importance):
    problem = GrowthProblem.build(seq, lattice, model)
    run = NPermisRun(problem, np.random.default_rng(5), beta=2.0, threshold=0.01, importance=importance)
    run.advance(120)
    run.advance(80)
    sum_w, n_chains, sum_w_full, ln_ref, counts = npermis_reference(seq, lattice, 200, np.random.default_rng(5),
                                                                    2.0, 0.01, importance, model)
    for n, c in n_chains.items():
        assert run.n_chains[n] == c
        assert run.sum_w[n] == pytest.approx(sum_w[n], rel=1e-10)
    for e, w in sum_w_full.items():
        assert run.sum_w_full[e + problem.e_offset] == pytest.approx(w, rel=1e-10)
    got = {name: int(v) for name, v in zip(("tours", "chains", "full_length", "dead_ends", "pruned", "enriched",
                                             "best_energy"), run.counters)}
    assert got == counts
    assert not run.grid.any()


def test_systematic_sampling_inclusion_probabilities():
    q = np.array([5.0, 1.0, 0.2, 3.0, 0.8, 0.0001])
    rng = np.random.default_rng(0)
    for k in range(1, 7):
        pi = np.zeros(6)
        inclusion_probabilities(q, 6, k, pi)
        assert pi.sum() == pytest.approx(k) and np.all(pi <= 1.0 + 1e-12) and np.all(pi >= 0)
        # proportional to q among the uncapped entries
        free = pi < 1.0
        if free.sum() > 1:
            ratios = pi[free] / q[free]
            np.testing.assert_allclose(ratios, ratios[0], rtol=1e-12)
        hits = np.zeros(6)
        out = np.zeros(6, dtype=np.int64)
        trials = 20000
        for _ in range(trials):
            got = _systematic_sample(pi, 6, k, rng.random(), out)
            assert got == k and len(set(out[:got].tolist())) == k  # k distinct picks
            hits[out[:got]] += 1
        np.testing.assert_allclose(hits / trials, pi, atol=4 * np.sqrt(0.25 / trials) + 1e-9)


# -- flatPERM against exact enumeration -------------------------------------------------------------

#: documented budget for the default suite: 4 runs x 80000 tours (square N = 14: ~5e6 chains per run)
BUDGET = dict(tours=80000, runs=4)


@pytest.mark.parametrize("lattice,n,which", [("square", 14, 0), ("square", 14, 1), ("cubic", 9, 0),
                                              ("cubic", 9, 1)])
def test_flatperm_reproduces_exact_dos(lattice, n, which):
    seq = _random_sequence(np.random.default_rng(100 + which), n)
    exact = _exact(seq, lattice)
    est = flatperm(seq, lattice, seed=which, **BUDGET)
    rel = relative_errors(est, exact)
    assert rel.mean() <= 0.01, (seq, rel)
    assert est.energies.tolist() == exact.energies.tolist()
    p_exact = max(heat_capacity_peaks(exact.energies, exact.ln_g, 0.1, 3.0), key=lambda p: p.height)
    p_est = max(heat_capacity_peaks(est.energies, est.ln_g, 0.1, 3.0), key=lambda p: p.height)
    assert abs(p_est.temperature - p_exact.temperature) <= 0.005, (seq, p_est, p_exact)


def test_flatperm_unnormalised_estimates_total_count():
    seq = "HPHPPHHPHPPHH"
    est = flatperm(seq, "square", tours=20000, runs=4, seed=2, normalise=False)
    total = exact_total("square", len(seq))
    assert abs(math.exp(est.ln_total) / total - 1) < 0.01
    assert "not rescaled" in est.normalisation
    scaled = flatperm(seq, "square", tours=20000, runs=4, seed=2)
    assert scaled.ln_total == pytest.approx(math.log(total), abs=1e-9) and str(total) in scaled.normalisation


def test_flatperm_other_lattices():
    seq = "HPHHPPHHP"
    rel = relative_errors(flatperm(seq, "triangular", tours=20000, runs=2, seed=1), _exact(seq, "triangular"))
    assert rel.mean() <= 0.02, rel
    # fcc: the unscaled estimate of the total number of walks against the exact count
    est = flatperm("HPPHHPHH", "fcc", tours=20000, runs=2, seed=1, normalise=False)
    assert abs(math.exp(est.ln_total) / exact_total("fcc", 8) - 1) < 0.02


def test_flatperm_reproducible_across_threads_and_batches():
    seq = "HPHPPHHPHPPHPH"
    a = flatperm(seq, tours=3000, runs=3, seed=42, threads=1)
    b = flatperm(seq, tours=3000, runs=3, seed=42, threads=2)
    np.testing.assert_array_equal(a.ln_g, b.ln_g)
    np.testing.assert_array_equal(a.ln_g_runs, b.ln_g_runs)
    assert a.counters["chains"] == b.counters["chains"]
    c = flatperm(seq, tours=3000, runs=3, seed=43)
    assert not np.array_equal(a.ln_g, c.ln_g)


def test_flatperm_best_conformation_is_real():
    seq = "HPHPPHHPHPPHPHHPPHPH"
    est = flatperm(seq, tours=5000, runs=2, seed=0)
    conf = Conformation(est.best_conformation, "square")
    assert conf.energy(seq) == est.counters["best_energy"] == est.ground_energy == -9


def test_growth_input_errors():
    with pytest.raises(ValueError, match="at least 2"):
        flatperm("H")
    with pytest.raises(ValueError, match="positive integer"):
        flatperm("HPPH", tours=0)
    with pytest.raises(ValueError, match="positive integer"):
        flatperm("HPPH", runs=1.5)
    with pytest.raises(ValueError, match="grow_from"):
        npermis("HPPH", grow_from="middle")
    with pytest.raises(ValueError, match="temperature"):
        npermis("HPPH", temperature=0)


# -- nPERMis ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("lattice,n,which", [("square", 14, 0), ("square", 16, 1), ("cubic", 10, 2),
                                              ("triangular", 10, 3)])
def test_npermis_finds_exact_ground_state(lattice, n, which):
    seq = _random_sequence(np.random.default_rng(200 + which), n)
    exact = enumerate_conformations(seq, lattice)
    res = npermis(seq, lattice, seed=which, tours=20000, target_energy=exact.ground_energy)
    assert res.best_energy == exact.ground_energy
    assert Conformation(res.best_conformation, lattice).energy(seq) == res.best_energy


@pytest.mark.parametrize("bid", ["S1-1", "S1-2", "S1-3"])
def test_npermis_reaches_best_known_energies(bid):
    row = benchmark(bid)
    res = npermis(row["sequence"], row["lattice"], seed=1, tours=50000, target_energy=row["best_energy"])
    assert res.best_energy == row["best_energy"]
    conf = Conformation(res.best_conformation, row["lattice"])
    assert conf.energy(row["sequence"]) == row["best_energy"]  # also checks the reversed-growth mapping


def test_npermis_partition_sum_is_unbiased():
    seq = "HPHPPHHPHPPH"
    exact = _exact(seq)
    t = 0.8
    ln_z_exact = math.log(sum(float(g) * math.exp(-e / t) for e, g in zip(exact.energies, exact.g)))
    ests = [npermis(seq, temperature=t, tours=4000, seed=s, grow_from="start").ln_z for s in range(4)]
    assert abs(np.mean(np.exp(np.array(ests) - ln_z_exact)) - 1) < 0.015
    dos = npermis(seq, temperature=t, tours=4000, seed=9, grow_from="start").density_of_states()
    rel = relative_errors(dos, exact)
    assert rel[-3:].mean() < 0.03  # well sampled levels near T = 0.8 (the most probable energies)


def test_npermis_reproducible_and_both_ends():
    seq = benchmark("S1-5")["sequence"]
    a = npermis(seq, seed=5, tours=300)
    b = npermis(seq, seed=5, tours=300)
    assert a.best_energy == b.best_energy and a.best_conformation == b.best_conformation
    assert a.counters == b.counters
    start = npermis(seq, seed=5, tours=300, grow_from="start")
    end = npermis(seq, seed=5, tours=300, grow_from="end")
    assert start.best_grown_from == "start" and end.best_grown_from == "end"
    for res in (a, start, end):
        assert Conformation(res.best_conformation, "square").energy(seq) == res.best_energy


# -- slow: the full criteria -------------------------------------------------------------------

@pytest.mark.slow
def test_flatperm_s1_1_within_one_percent():
    row = benchmark("S1-1")
    exact = _exact(row["sequence"])
    est = flatperm(row["sequence"], tours=150000, runs=4, seed=7)
    assert relative_errors(est, exact).mean() <= 0.01
    p_exact = heat_capacity_peaks(exact.energies, exact.ln_g, 0.1, 2.0)[0]
    p_est = heat_capacity_peaks(est.energies, est.ln_g, 0.1, 2.0)[0]
    assert abs(p_est.temperature - p_exact.temperature) <= 0.005


@pytest.mark.slow
def test_flatperm_cubic_13_within_one_percent():
    seq = _random_sequence(np.random.default_rng(313), 13)
    exact = _exact(seq, "cubic")
    est = flatperm(seq, "cubic", tours=100000, runs=4, seed=3)
    assert relative_errors(est, exact).mean() <= 0.01
    p_exact = max(heat_capacity_peaks(exact.energies, exact.ln_g, 0.1, 3.0), key=lambda p: p.height)
    p_est = max(heat_capacity_peaks(est.energies, est.ln_g, 0.1, 3.0), key=lambda p: p.height)
    assert abs(p_est.temperature - p_exact.temperature) <= 0.005


def test_flatperm_time_limit_shared_between_runs():
    dos = flatperm("HPHPPHHPHPPHPHHPPHPH", tours=1 << 40, runs=3, seed=0, max_seconds=0.6)
    assert dos.counters["runs"] == 3 and dos.n_runs == 3  # every run got its share of the time
    assert dos.counters["tours"] > 3000
