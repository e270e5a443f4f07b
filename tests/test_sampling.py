"""Samplers against exact enumeration, determinism, resume, stopping rules, observables and the CLI."""
import json
import math

import numpy as np
import pytest

import reference_sampling as ref
from hpfold.cli import main
from hpfold.conformation import Conformation
from hpfold.enumerate import enumerate_conformations
from hpfold.lattice import encode_directions, get_lattice
from hpfold.sample import sample, temperature_ladder

SQ10 = "HPHHPPHHPH"
CUB8 = "HPHHPHPH"
FCC8 = "HPHPPHPH"
P_MIN = 1e-4


def _exact(seq, lattice):
    res = enumerate_conformations(seq, lattice)
    return res.energies, res.counts


def _hist(samples, energies):
    return np.array([np.count_nonzero(samples == e) for e in energies])


def _metropolis_energies(seq, lattice, moves, temperature, seed, steps=600_000, every=300):
    r = sample(seq, lattice, method="metropolis", moves=moves, temperature=temperature, steps=steps,
               every=every, replicas=4, seed=seed, threads=1)
    e = r.observables["energy"]
    return e[:, e.shape[1] // 10:].ravel()      # drop a burn-in tenth


# ----------------------------------------------------------------- Boltzmann distribution
@pytest.mark.parametrize("moves", ["pull", "local", "pull:0.5,pivot:0.5"])
@pytest.mark.parametrize("temperature", [0.5, 1.0, math.inf])
def test_metropolis_reproduces_exact_boltzmann_square(moves, temperature):
    energies, counts = _exact(SQ10, "square")
    e = _metropolis_energies(SQ10, "square", moves, temperature, seed=11)
    p = ref.chi_square_pvalue(_hist(e, energies), ref.boltzmann(energies, counts, temperature))
    assert p > P_MIN, (moves, temperature, p)


@pytest.mark.parametrize("seq, lattice, moves, seed, steps", [
    (CUB8, "cubic", "pull", 12, 800_000), (CUB8, "cubic", "local,pivot", 12, 800_000),
    # fcc pull moves are kept only when their designated reverse leads back (docs/sampling.md)
    (FCC8, "fcc", "pull", 13, 400_000), (FCC8, "fcc", "pull:0.5,pivot:0.5", 13, 400_000)])
def test_metropolis_reproduces_exact_boltzmann_3d(seq, lattice, moves, seed, steps):
    energies, counts = _exact(seq, lattice)
    for temperature in (0.5, 1.0, math.inf):
        e = _metropolis_energies(seq, lattice, moves, temperature, seed=seed, steps=steps, every=steps // 1000)
        p = ref.chi_square_pvalue(_hist(e, energies), ref.boltzmann(energies, counts, temperature))
        assert p > P_MIN, (lattice, moves, temperature, p)


def test_chi_square_test_has_power():
    """The same samples are rejected against the distribution at a slightly wrong temperature."""
    energies, counts = _exact(SQ10, "square")
    e = _metropolis_energies(SQ10, "square", "pull", 1.0, seed=11)
    h = _hist(e, energies)
    assert ref.chi_square_pvalue(h, ref.boltzmann(energies, counts, 1.0)) > P_MIN
    assert ref.chi_square_pvalue(h, ref.boltzmann(energies, counts, 0.8)) < 1e-8


def test_infinite_temperature_visits_classes_by_orbit_weight():
    lat = get_lattice("square")
    res = enumerate_conformations("P" * 7, "square", energy_cutoff=10**6)
    classes = {encode_directions(c): i for i, c in enumerate(res.conformations)}
    weights = res.conformation_weights / res.conformation_weights.sum()
    r = sample("P" * 7, "square", moves="pull,pivot", temperature=math.inf, steps=400_000, every=40, seed=3,
               keep_positions=True)
    seen = np.zeros(len(classes))
    for xyz in r.positions[0]:
        seen[classes[Conformation.from_coords(xyz, lat).canonical().string]] += 1
    assert ref.chi_square_pvalue(seen, weights) > P_MIN
    small = res.conformation_weights < res.conformation_weights.max()   # e.g. the straight chain
    assert small.any()
    ratio = seen[small].mean() / seen[~small].mean()
    expected = res.conformation_weights[small].mean() / res.conformation_weights.max()
    assert abs(ratio - expected) < 0.15                      # orbit weights matter, not classes


def test_replica_exchange_lowest_replica_is_boltzmann():
    seq = "HPHPPHHPHPHH"
    energies, counts = _exact(seq, "square")
    temps = [0.4, 0.55, 0.75, 1.0, 1.4]
    r = sample(seq, "square", method="remc", temperatures=temps, steps=500_000, every=100, seed=21, threads=1)
    e = r.lowest_temperature_energies()
    e = e[len(e) // 10:]
    p = ref.chi_square_pvalue(_hist(e, energies), ref.boltzmann(energies, counts, temps[0]))
    assert p > P_MIN
    assert all(a is not None and 0 < a <= 1 for a in r.swap_acceptance())
    assert np.all(np.sort(r.temperature_index, axis=0) == np.arange(len(temps))[:, None])


# ------------------------------------------------------------------- determinism, resume
def test_same_seed_same_run_and_thread_independence():
    kw = dict(method="remc", replicas=4, steps=40_000, every=500, seed=7, moves="pull:0.8,pivot:0.2")
    a = sample("HPHPPHHPHPPHPHHPPHPH", threads=1, **kw)
    b = sample("HPHPPHHPHPPHPHHPPHPH", threads=2, **kw)
    c = sample("HPHPPHHPHPPHPHHPPHPH", threads=1, **dict(kw, seed=8))
    for k in a.observables:
        np.testing.assert_array_equal(a.observables[k], b.observables[k])
    np.testing.assert_array_equal(a.temperature_index, b.temperature_index)
    np.testing.assert_array_equal(a.counters, b.counters)
    assert a.get_state()["rng_states"] == b.get_state()["rng_states"]
    assert not np.array_equal(a.observables["energy"], c.observables["energy"])


class _Interrupt(Exception):
    pass


@pytest.mark.parametrize("method, extra", [("metropolis", {"replicas": 2}), ("remc", {"replicas": 3}),
                                           ("anneal", {"tmax": 2.0, "tmin": 0.2})])
def test_resumed_run_repeats_uninterrupted_run(method, extra):
    """A run stopped after its second block (checkpoint taken in on_block) and resumed from that
    state writes exactly the frames of an uninterrupted run."""
    seq = "HPHPPHHPHPPHPHHPPHPH"
    frames = {"full": [], "parts": []}
    saved = {}

    def keep(name, stop_after=None):
        def on_block(block):
            frames[name].append((block.steps.copy(), block.positions.copy(), block.observables["energy"].copy()))
            if stop_after is not None and len(frames[name]) == stop_after:
                saved["state"] = json.loads(json.dumps(block.get_state()))    # a plain, JSON-able dict
                raise _Interrupt
        return on_block

    kw = dict(method=method, moves="pull:0.9,pivot:0.1", every=250, seed=99, threads=1, exchange_every=100,
              steps=30_000, block_seconds=1e-4, **extra)
    full = sample(seq, on_block=keep("full"), **kw)
    assert len(frames["full"]) > 3
    with pytest.raises(_Interrupt):
        sample(seq, on_block=keep("parts", stop_after=2), **kw)
    assert 0 < saved["state"]["step"] < 30_000
    rest = sample(seq, state=saved["state"], on_block=keep("parts"), **kw)
    cat = {name: [np.concatenate([f[i] for f in fr], axis=1 if i else 0) for i in range(3)]
           for name, fr in frames.items()}
    for a, b in zip(cat["full"], cat["parts"]):
        np.testing.assert_array_equal(a, b)
    assert rest.best_energy == full.best_energy
    assert rest.get_state()["rng_states"] == full.get_state()["rng_states"]
    np.testing.assert_array_equal(rest.counters, full.counters)


def test_xoshiro_kernel_matches_the_reference():
    from hpfold._kernels.rng import seed_state, uniform
    state = seed_state(np.random.SeedSequence(2026))
    expected, final = ref.xoshiro256ss(state, 1000)
    got = [uniform(state) for _ in range(1000)]
    assert got == [(x >> 11) * 2.0 ** -53 for x in expected]
    assert [int(w) for w in state] == final


def test_unit_times_is_the_float_slot_formula_bit_for_bit():
    from numba import njit

    from hpfold._kernels.rng import to_unit, unit_times

    @njit
    def both(xs, n, out):
        for k in range(xs.shape[0]):
            out[0, k] = unit_times(xs[k], n)
            out[1, k] = np.int64(to_unit(xs[k]) * n)

    rng = np.random.default_rng(5)
    for n in [0, 1, 2, 3, 7, 276, 348, 1000, 2047, 2048, 2244, 10**6]:
        xs = rng.integers(0, 2**64, 20000, dtype=np.uint64)
        # values whose product with n lies just below a multiple of 2^53 (where rounding can carry)
        m = np.arange(1, 2000, dtype=object)
        edge = [((((q * 2**53 + n - 1) // max(n, 1)) - d) % 2**53) << 11 for q in m for d in (0, 1)]
        xs = np.concatenate([xs, np.array(edge, dtype=np.uint64), np.array([0, 2**64 - 1], dtype=np.uint64)])
        out = np.zeros((2, xs.shape[0]), dtype=np.int64)
        both(xs, n, out)
        np.testing.assert_array_equal(out[0], out[1])


def test_old_sampler_state_is_refused_in_one_line():
    state = sample("HPPHPH", steps=100, seed=1).get_state()
    state["version"] = 1
    with pytest.raises(ValueError, match="version 1") as info:
        sample("HPPHPH", steps=200, state=state)
    assert "\n" not in str(info.value)


# ----------------------------------------------------------------------- stopping rules
def test_target_stops_the_run_and_records_time_to_target():
    r = sample("HPHPPHHPHPPHPHHPPHPH", method="remc", target=-9, steps=5_000_000, seed=4, threads=1)
    assert r.reached_target and r.best_energy <= -9
    assert 0 < r.steps_to_target <= r.steps < 5_000_000
    assert r.seconds_to_target is not None and r.seconds_to_target <= r.seconds + 1e-9
    assert Conformation(r.best_conformation, "square").energy("HPHPPHHPHPPHPHHPPHPH") == r.best_energy
    assert r.stopped_by == "target"


def test_wall_time_stops_the_run():
    r = sample("HPHPPHHPHPPHPHHPPHPH", max_time=0.3, seed=1, block_seconds=0.05)
    assert r.stopped_by == "max_time"
    assert r.seconds >= 0.3  # the budget is honoured (a stop, not a speed check)
    assert r.steps > 0 and not r.reached_target


# ------------------------------------------------------------------------- observables
def test_frame_observables_match_conformation_methods():
    seq = "HPHPPHHPHPPHPHHPPHPH"
    native = Conformation(sample(seq, method="remc", steps=20_000, seed=1, threads=1).best_conformation, "square")
    r = sample(seq, "square", moves="pull", steps=20_000, every=1000, seed=2, native=native, keep_positions=True)
    lat = get_lattice("square")
    for f in range(r.positions.shape[1]):
        c = Conformation.from_coords(r.positions[0, f], lat)
        assert r.observables["energy"][0, f] == c.energy(seq)
        assert r.observables["rg"][0, f] == pytest.approx(c.radius_of_gyration())
        assert r.observables["end_to_end"][0, f] == pytest.approx(c.end_to_end())
        assert r.observables["q"][0, f] == pytest.approx(c.overlap(native))
        assert r.observables["temperature"][0, f] == 1.0
    att = r.counters[:, :, 0].sum()
    assert att == r.steps == 20_000
    assert 0 < r.acceptance()["pull"] < 1
    assert r.energy_evaluations <= att


def test_annealing_cools_down_and_ladders_are_geometric():
    r = sample("HPHPPHHPHPPHPHHPPHPH", method="anneal", tmax=3.0, tmin=0.1, steps=100_000, every=5000, seed=3)
    t = r.observables["temperature"][0]
    assert t[0] > t[-1] and np.all(np.diff(t) <= 0)
    assert t[-1] == pytest.approx(0.1, rel=0.1)
    lin = sample("HPHPPHHPHPPHPHHPPHPH", method="anneal", schedule="linear", tmax=2.0, tmin=1.0, steps=10_000,
                 every=5000, exchange_every=5000, seed=3)
    assert lin.observables["temperature"][0].tolist() == pytest.approx([2.0, 1.5])
    assert temperature_ladder(0.15, 1.5, 8)[[0, -1]].tolist() == pytest.approx([0.15, 1.5])


@pytest.mark.parametrize("kwargs, message", [
    ({"method": "gibbs", "steps": 10}, "unknown 'gibbs'"),
    ({"steps": 10, "moves": "hop"}, "unknown move type"),
    ({}, "stopping rule"),
    ({"steps": -1}, "steps must be"),
    ({"method": "remc", "steps": 10, "replicas": 1}, "at least 2 replicas"),
    ({"method": "remc", "steps": 10, "tmin": 2.0, "tmax": 1.0}, "tmin <= tmax"),
    ({"method": "anneal", "max_time": 1}, "give steps"),
    ({"steps": 10, "init": "0123"}, "expected 3 directions"),
    ({"steps": 10, "native": "0"}, "native"),
])
def test_bad_input_is_a_one_line_value_error(kwargs, message):
    with pytest.raises(ValueError, match=message) as info:
        sample("HPPH", **kwargs)
    assert "\n" not in str(info.value)


# --------------------------------------------------------------------------------- CLI
def test_cli_sample_json(capsys):
    code = main(["sample", "HPHPPHHPHPPHPHHPPHPH", "--method", "remc", "--steps", "200000", "--target", "-9",
                 "--seed", "3", "--json", "--every", "2000"])
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    for key in ("best_energy", "best_conformation", "reached_target", "steps_to_target", "seconds_to_target",
                "steps", "seconds", "acceptance", "energy_histogram"):
        assert key in out
    assert out["reached_target"] and out["best_energy"] == -9
    assert Conformation(out["best_conformation"]).energy("HPHPPHHPHPPHPHHPPHPH") == -9
    assert set(out["acceptance"]) == {"pull"}


def test_cli_sample_bad_input_exits_2(capsys):
    assert main(["sample", "HPXH", "--steps", "10"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "error" in err
    assert main(["sample", "HPPH", "--moves", "pull:x", "--steps", "10"]) == 2
    assert main(["sample", "HPPH"]) == 2
