"""Exact enumeration: known self-avoiding-walk counts, brute force agreement, published ground states."""
import random

import numpy as np
import pytest

from hpfold._data import benchmark, saw_counts
from hpfold.enumerate import (EnumerationTooLarge, collect_conformations, enumerate_conformations,
                              enumerate_shards, merge_counts, plan_enumeration)
from hpfold.sequence import EnergyModel, HPNX
from reference import brute_force_enumeration

# largest walk length (steps) checked against the table in the default suite
SAW_STEPS = {"square": 16, "cubic": 11, "triangular": 11, "fcc": 7}


@pytest.mark.parametrize("lattice", sorted(SAW_STEPS))
def test_all_p_chain_counts_equal_saw_counts(lattice):
    table = saw_counts(lattice)
    for steps in range(1, SAW_STEPS[lattice] + 1):
        result = enumerate_conformations("P" * (steps + 1), lattice)
        assert result.n_conformations == table[steps], (lattice, steps)
        assert result.density_of_states() == [[0, table[steps]]]


@pytest.mark.slow
@pytest.mark.parametrize("lattice,steps", [("square", 22), ("cubic", 14), ("triangular", 13), ("fcc", 9)])
def test_longer_saw_counts(lattice, steps):
    assert enumerate_conformations("P" * (steps + 1), lattice).n_conformations == saw_counts(lattice)[steps]


BRUTE_MAX = {"square": 10, "cubic": 8, "triangular": 8, "fcc": 5}
BRUTE_MAX_SLOW = {"square": 11, "cubic": 9, "triangular": 9, "fcc": 6}


def _agree_with_brute_force(lattice, max_n, seed):
    rng = random.Random(seed)
    for trial in range(4):
        n = rng.randint(max(2, max_n - 3), max_n)
        seq = "".join(rng.choice("HP") for _ in range(n))
        dos, n_classes, ground = brute_force_enumeration(seq, lattice)
        result = enumerate_conformations(seq, lattice, ground_states=True)
        assert result.density_of_states() == sorted([e, c] for e, c in dos.items()), seq
        assert result.n_classes == n_classes, seq
        assert result.ground_states == ground, seq


@pytest.mark.parametrize("lattice", sorted(BRUTE_MAX))
def test_kernel_agrees_with_brute_force_on_random_sequences(lattice):
    _agree_with_brute_force(lattice, BRUTE_MAX[lattice], 20261128 + len(lattice))


@pytest.mark.slow
@pytest.mark.parametrize("lattice", sorted(BRUTE_MAX_SLOW))
def test_kernel_agrees_with_brute_force_on_longer_random_sequences(lattice):
    _agree_with_brute_force(lattice, BRUTE_MAX_SLOW[lattice], 1995 + len(lattice))


def test_kernel_agrees_with_brute_force_for_a_general_contact_matrix():
    seq = "HPNXHNPH"
    for lattice in ("square", "triangular"):
        dos, n_classes, ground = brute_force_enumeration(seq, lattice, HPNX.matrix.tolist(), "HPNX")
        result = enumerate_conformations(seq, lattice, model=HPNX, ground_states=True)
        assert result.density_of_states() == sorted([e, c] for e, c in dos.items())
        assert result.ground_states == ground


def test_s1_1_ground_state():
    row = benchmark("S1-1")
    result = enumerate_conformations(row["sequence"], "square", ground_states=True)
    assert result.ground_energy == row["best_energy"] == -9
    assert result.ground_count == 16 and result.ground_classes == 2
    assert len(result.ground_states) == 2
    assert result.n_conformations == saw_counts("square")[19]


@pytest.mark.slow
@pytest.mark.parametrize("ident,classes", [("S1-2", 19), ("S1-3", 16)])
def test_published_ground_states(ident, classes):
    row = benchmark(ident)
    result = enumerate_conformations(row["sequence"], "square", threads=2)
    assert result.ground_energy == row["best_energy"]
    assert result.ground_classes == classes


def test_results_identical_for_one_and_two_threads():
    seq = "HPHPPHHPHPPHPHHP"
    one = enumerate_conformations(seq, "square", threads=1, ground_states=True)
    two = enumerate_conformations(seq, "square", threads=2, ground_states=True)
    assert one.density_of_states() == two.density_of_states()
    assert np.array_equal(one.class_counts, two.class_counts)
    assert one.ground_states == two.ground_states


def test_shards_merge_in_any_order_and_collect_every_class():
    plan = plan_enumeration("HPPHHPHPPH", "cubic", target_shards=40)
    parts = [enumerate_shards(plan, a, min(a + 7, plan.n_shards)) for a in range(0, plan.n_shards, 7)]
    merged = merge_counts(plan, list(reversed(parts)))
    reference = enumerate_conformations("HPPHHPHPPH", "cubic")
    assert merged.density_of_states() == reference.density_of_states()
    dirs, energies, weights = collect_conformations(plan, parts, 10**6)
    assert len(dirs) == reference.n_classes and weights.sum() == reference.n_conformations
    assert len({row.tobytes() for row in dirs}) == len(dirs)
    with pytest.raises(ValueError, match="shards"):
        merge_counts(plan, parts[:-1])


def test_energy_cutoff_returns_exactly_the_low_energy_classes():
    result = enumerate_conformations("HPHPPHHPHH", "square", energy_cutoff=-3)
    expected = int(result.class_counts[result.energies <= -3].sum())
    assert len(result.conformations) == expected
    assert result.conformation_energies.max() <= -3


def test_bad_input():
    with pytest.raises(ValueError, match="position 3"):
        enumerate_conformations("HPX", "square")
    with pytest.raises(ValueError, match="empty"):
        enumerate_conformations("  ", "square")
    with pytest.raises(ValueError, match="at least 2"):
        enumerate_conformations("H", "square")
    with pytest.raises(ValueError, match="unknown lattice"):
        enumerate_conformations("HPPH", "hexagonal")
    with pytest.raises(EnumerationTooLarge, match="force"):
        enumerate_conformations("HP" * 20, "square")
    with pytest.raises(EnumerationTooLarge, match="int64"):
        enumerate_conformations("HP" * 40, "cubic", force=True)
    with pytest.raises(ValueError, match="integers"):
        EnergyModel("HP", [[-1.5, 0], [0, 0]])
