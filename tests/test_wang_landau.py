"""Bond-rebridging moves (exhaustively) and Wang-Landau densities of states against exact enumeration."""
import collections
import math

import numpy as np
import pytest

from hpfold._data import benchmark
from hpfold._kernels.rebridging import n_rebridge_labels, rebridge_results
from hpfold.conformation import Conformation
from hpfold.dos import DensityOfStates, relative_errors
from hpfold.enumerate import enumerate_conformations
from hpfold.lattice import get_lattice
from hpfold.thermo import heat_capacity_peaks
from hpfold.wang_landau import WangLandauRun, parse_wl_moves, wang_landau

from reference_thermo import rebridge_reference


def _walks(lattice, n):
    """Every self-avoiding walk of n monomers from the origin, as direction tuples (plain DFS)."""
    lat = get_lattice(lattice)
    vectors = [tuple(int(x) for x in v) for v in lat.vectors]
    out = []

    def grow(dirs, sites):
        if len(sites) == n:
            out.append(tuple(dirs))
            return
        for d, v in enumerate(vectors):
            s = tuple(a + b for a, b in zip(sites[-1], v))
            if s not in sites:
                grow(dirs + [d], sites + [s])

    grow([], [(0,) * lat.dim])
    return out


@pytest.mark.parametrize("lattice,n", [("square", 8), ("cubic", 6), ("triangular", 6), ("fcc", 4)])
def test_rebridging_matches_reference_and_is_symmetric(lattice, n):
    lat = get_lattice(lattice)
    counts = collections.Counter()
    nl = n_rebridge_labels(n, lat.n_directions)
    out = np.zeros((nl, n - 1), dtype=np.int8)
    walks = _walks(lattice, n)
    for w in walks:
        assert rebridge_results(np.array(w, dtype=np.int8), lat.vectors, lat.group, out) == nl
        ref = rebridge_reference(w, lattice)
        assert len(ref) == nl
        for lab in range(nl):
            got = None if out[lab, 0] < 0 else tuple(int(x) for x in out[lab])
            assert got == ref[lab], (w, lab)
            if got is not None:
                counts[w, got] += 1
    assert sum(counts.values()) > len(walks) // 4  # the move set is not empty
    for (x, y), m in counts.items():
        assert counts[y, x] == m, (x, y)  # every move is undone by as many slots: symmetric proposal
        assert x != y


def test_rebridging_keeps_the_occupied_sites():
    lat = get_lattice("square")
    walk = (0, 0, 1, 2, 2, 1, 0, 0)  # a 3 x 3 snake: many contacts
    out = np.zeros((n_rebridge_labels(9, 4), 8), dtype=np.int8)
    rebridge_results(np.array(walk, dtype=np.int8), lat.vectors, lat.group, out)
    sites = {tuple(x) for x in Conformation(walk, "square").coords.tolist()}
    moved = [row for row in out if row[0] >= 0]
    assert len(moved) == 2  # the two end moves; no interior 2-opt square exists in a snake
    for row in moved:
        xyz = [tuple(x) for x in Conformation(row.astype(np.int64), "square").coords.tolist()]
        # some translation maps the new walk's sites onto the old ones
        assert any({tuple(np.add(p, np.subtract(s, xyz[0]))) for p in xyz} == sites for s in sites)


def test_energy_bookkeeping_and_reproducibility():
    for seq, lattice, model in [("HPHPPHHPHPPHPHHPPHPH", "square", "HP"), ("HPPHHPHHPHPH", "cubic", "HP"),
                                ("HPNXHHNPXHPN", "square", "HPNX")]:
        run = WangLandauRun(seq, lattice, model, np.random.default_rng(3))
        run.advance(30000)
        run.advance(20000)
        assert Conformation(run.directions(), lattice).energy(seq, model) == run.energy
        assert Conformation(run.best_directions(), lattice).energy(seq, model) == run.best_energy <= run.energy
        again = WangLandauRun(seq, lattice, model, np.random.default_rng(3))
        again.advance(50000)
        np.testing.assert_array_equal(again.ln_g, run.ln_g)
        assert again.directions() == run.directions()
    a = wang_landau("HPHPPHHPHPPH", steps=100000, runs=3, seed=4, threads=1)
    b = wang_landau("HPHPPHHPHPPH", steps=100000, runs=3, seed=4, threads=2)
    np.testing.assert_array_equal(a.ln_g, b.ln_g)


def test_schedule_switches_to_one_over_t():
    run = WangLandauRun("HPHPPHHPHPPH", "square", "HP", np.random.default_rng(0))
    run.advance(400000)
    c = run.counter_dict()
    assert c["stages"] >= 3 and 0 < c["switch_step"] < 400000
    assert c["ln_f"] == pytest.approx(c["levels"] / 400000)


@pytest.mark.parametrize("lattice,n,which", [("square", 14, 1), ("cubic", 9, 0), ("fcc", 8, 2), ("triangular", 10, 3)])
def test_wang_landau_reproduces_exact_dos(lattice, n, which):
    seq = "".join(np.random.default_rng(100 + which).choice(list("HP"), n))
    exact = DensityOfStates.from_enumeration(enumerate_conformations(seq, lattice))
    est = wang_landau(seq, lattice, steps=3_000_000, runs=4, seed=which)
    assert est.energies.tolist() == exact.energies.tolist()
    assert relative_errors(est, exact).mean() <= 0.01
    p_exact = max(heat_capacity_peaks(exact.energies, exact.ln_g, 0.1, 3.0), key=lambda p: p.height)
    p_est = max(heat_capacity_peaks(est.energies, est.ln_g, 0.1, 3.0), key=lambda p: p.height)
    assert abs(p_est.temperature - p_exact.temperature) <= 0.005
    assert est.counters["levels_found_late"] == 0
    assert est.counters["best_energy"] == exact.ground_energy
    assert Conformation(est.best_conformation, lattice).energy(seq) == exact.ground_energy


def test_move_parsing_and_errors():
    assert parse_wl_moves("pull:3,rebridge:1") == (("pull", "rebridge"), (0.75, 0.25))
    with pytest.raises(ValueError, match="unknown move type"):
        parse_wl_moves("pull,crankshaft")
    with pytest.raises(ValueError, match="positive"):
        parse_wl_moves("pull:0")
    with pytest.raises(ValueError, match="positive integer"):
        wang_landau("HPPHPH", steps=0)
    with pytest.raises(ValueError, match="at least 3"):
        wang_landau("HP")


@pytest.mark.slow
def test_wang_landau_s1_1_within_one_percent():
    row = benchmark("S1-1")
    exact = DensityOfStates.from_enumeration(enumerate_conformations(row["sequence"]))
    est = wang_landau(row["sequence"], steps=30_000_000, runs=4, seed=1)
    assert relative_errors(est, exact).mean() <= 0.01
    t_exact = heat_capacity_peaks(exact.energies, exact.ln_g, 0.1, 2.0)[0].temperature
    assert abs(heat_capacity_peaks(est.energies, est.ln_g, 0.1, 2.0)[0].temperature - t_exact) <= 0.005
    assert math.isclose(est.ln_total, exact.ln_total, rel_tol=1e-12)


def test_cli_wang_landau(capsys):
    import json

    from hpfold.cli import main
    assert main(["dos", "HPPHPPHPH", "--method", "wang-landau", "--steps", "100000", "--runs", "2", "--seed", "2",
                 "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["method"] == "wang-landau" and [e for e, _ in out["ln_g"]] == [-2, -1, 0]
    assert out["counters"]["steps"] == 200000 and len(out["cv_peaks"]) == 1
    assert main(["dos", "HPPHPPHPH", "--method", "wang-landau", "--moves", "pull,warp"]) == 2
