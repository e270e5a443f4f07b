"""Tests of hpfold.design: the sequence-space scan against brute force, sharding, resume, compact boxes, CLI."""
import json
import os
import signal
import subprocess
import sys
import time
from itertools import product

import numpy as np
import pytest

from hpfold.design import designability, structure_table
from hpfold.design.compact import compact_table, compact_walks
from hpfold.design.scan import decode_sequence, encode_sequence, shard_bounds
from hpfold.enumerate import enumerate_conformations
from hpfold.lattice import decode_directions, get_lattice

from reference import energy_from_scratch, walk_sites
from reference_design import brute_force_scan

BRUTE = [(8, "square"), (10, "square"), (12, "square"), (7, "cubic"), (8, "cubic"), (9, "cubic"),
         (7, "triangular"), (6, "fcc")]


@pytest.fixture(scope="module", params=BRUTE, ids=[f"{l}{n}" for n, l in BRUTE])
def brute(request):
    n, lattice = request.param
    return n, lattice, brute_force_scan(n, lattice)


def test_scan_equals_brute_force(brute):
    """Every sequence: ground energy, ground classes and the unique ground state equal one enumeration each."""
    n, lattice, (energy, classes, ground) = brute
    r = designability(n, lattice)
    assert np.array_equal(r.ground_energy, energy)
    assert np.array_equal(r.degeneracy, classes)
    assert set(r.designing_codes.tolist()) == set(ground)
    for code in r.designing_codes:
        assert r.table.conformation(r.structure[code]) == ground[int(code)]
    assert r.designability.sum() == r.n_designing == len(ground)


def test_designing_counts_per_length():
    """The counts the brute force confirms (square 8-12, cubic 7-9: none in 3D below 12)."""
    got = {(n, l): designability(n, l).n_designing for n, l in
           [(8, "square"), (10, "square"), (12, "square"), (9, "cubic"), (12, "cubic")]}
    assert got == {(8, "square"): 7, (10, "square"): 6, (12, "square"): 87, (9, "cubic"): 0, (12, "cubic"): 3}


@pytest.mark.parametrize("n,lattice", [(10, "square"), (7, "cubic"), (7, "triangular")])
def test_structure_table_covers_every_class(n, lattice):
    t = structure_table(n, lattice)
    classes = enumerate_conformations("P" * n, lattice).n_classes
    assert t.n_classes == classes == int(t.multiplicity.sum())
    assert np.all(np.diff(t.sizes) <= 0)  # most contacts first
    lat = get_lattice(lattice)
    steps = {tuple(int(x) for x in v) for v in lat.vectors}
    for k in range(0, t.n_maps, max(1, t.n_maps // 40)):  # contacts of the representative, from scratch
        sites = walk_sites(decode_directions(t.conformation(k)), lattice)
        touching = [(i, j) for i in range(n) for j in range(i + 2, n)
                    if tuple(b - a for a, b in zip(sites[i], sites[j])) in steps]
        assert t.contacts(k) == touching and len(touching) == t.sizes[k]


def test_sequence_codes_round_trip():
    assert encode_sequence("HPPH") == 9 and decode_sequence(9, 4) == "HPPH"
    for code in (0, 1, 37, 255):
        assert encode_sequence(decode_sequence(code, 8)) == code
    with pytest.raises(ValueError, match="only H and P"):
        encode_sequence("HPX")


def test_shards_cover_every_code_once():
    for n in (4, 10, 18, 22):
        b = shard_bounds(n)
        assert b[0][0] == 0 and b[-1][1] == 1 << n
        assert all(x[1] == y[0] for x, y in zip(b, b[1:]))
    assert len(shard_bounds(18)) == 64


def test_local_processes_equal_serial():
    serial = designability(12, "square")
    two = designability(12, "square", workers=2)
    for name in ("ground_energy", "degeneracy", "structure"):
        assert np.array_equal(getattr(serial, name), getattr(two, name))


def test_dask_local_cluster_equals_serial():
    distributed = pytest.importorskip("distributed")
    serial = designability(11, "square")
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
    try:
        with distributed.Client(cluster) as client:
            dask = designability(11, "square", scheduler=client)
    finally:
        cluster.close()
    for name in ("ground_energy", "degeneracy", "structure"):
        assert np.array_equal(getattr(serial, name), getattr(dask, name))


def test_file_round_trip(tmp_path):
    from hpfold.io.design import read_designability

    r = designability(10, "square", output=tmp_path / "s.h5")
    assert not (tmp_path / "s.h5.partial").exists()
    back = read_designability(tmp_path / "s.h5")
    assert back.to_dict() == r.to_dict()
    with pytest.raises(ValueError, match="no such file"):
        read_designability(tmp_path / "missing.h5")


def test_lookup_of_one_sequence():
    r = designability(10, "square")
    seq = r.designing_sequences()[0]
    found = r.lookup(seq)
    e = enumerate_conformations(seq, "square", ground_states=True)
    assert found["ground_energy"] == e.ground_energy and found["ground_state"] == e.ground_states[0]
    assert r.lookup("P" * 10)["degeneracy"] == enumerate_conformations("P" * 10, "square").n_classes


# -- compact boxes -----------------------------------------------------------------------------------
def test_compact_walk_counts():
    """Hamiltonian walks of boxes up to symmetry: 5x5 has 1081 (as listed by Li et al.), 2x2x2 has 3."""
    assert [len(compact_walks(s, "square")) for s in [(2, 2), (3, 3), (4, 4), (5, 5)]] == [1, 5, 69, 1081]
    assert len(compact_walks((2, 2, 2), "cubic")) == 3


@pytest.mark.slow
def test_compact_cube_has_103346_classes():
    """Shakhnovich & Gutin 1990: 103,346 compact 27-mers in the 3x3x3 cube (51,704 up to reversal)."""
    t = compact_table("3x3x3", "cubic")
    assert t.n_classes == t.n_maps == 103346
    assert np.all(t.sizes == 28)
    reversed_forms = {_reverse_canonical(t.conformation(k)) for k in range(t.n_maps)}
    forms = {t.conformation(k) for k in range(t.n_maps)}
    assert forms == reversed_forms
    assert len({min(a, _reverse_canonical(a)) for a in forms}) == 51704
    res = hpfold("designability", "27", "--lattice", "cubic", "--compact", "3x3x3")
    assert res.returncode == 2 and "--force" in res.stderr and "estimated at" in res.stderr


def _reverse_canonical(text):
    from hpfold.lattice import encode_directions, get_lattice

    lat = get_lattice("cubic")
    d = decode_directions(text)
    return encode_directions(lat.canonical(lat.opposite[d[::-1]]))


@pytest.mark.parametrize("box", ["3x3", "2x4"])
def test_compact_scan_equals_brute_force(box):
    t = compact_table(box, "square")
    r = designability(t.n, "square", table=t)
    walks = [decode_directions(t.conformation(k)) for k in range(t.n_maps)]
    for code in range(1 << t.n):
        seq = decode_sequence(code, t.n)
        energies = [energy_from_scratch(seq, w, "square") for w in walks]
        best = min(energies)
        assert r.ground_energy[code] == best and r.degeneracy[code] == energies.count(best)


def test_bad_boxes():
    with pytest.raises(ValueError, match="expected 3 sides"):
        compact_table("3x3", "cubic")
    with pytest.raises(ValueError, match="square and cubic"):
        compact_table("3x3", "triangular")


# -- command line, kill and resume ---------------------------------------------------------------------
def hpfold(*argv, timeout=300):
    return subprocess.run([sys.executable, "-m", "hpfold", *argv], capture_output=True, text=True, timeout=timeout)


def test_cli_json_and_errors(tmp_path):
    out = hpfold("designability", "10", "--json")
    assert out.returncode == 0
    d = json.loads(out.stdout)
    assert d["n_designing"] == 6 and d["n_sequences"] == 1024 and d["reverse_counted_separately"]
    assert d["designing_sequences"] == designability(10, "square").designing_sequences()
    for argv, text in [(("40",), "at most 34 monomers"), (("17", "--lattice", "cubic"), "GiB available"), (("3",), "at least 4 monomers"),
                       (("10", "--lattice", "hex"), "invalid choice"), (("10", "--resume"), "needs -o"),
                       (("12", "--compact", "3x3"), "not N = 12"),
                       (("10", "-o", str(tmp_path / "x.h5"), "--resume"), "no interrupted scan")]:
        res = hpfold("designability", *argv)
        assert res.returncode == 2, (argv, res.stderr)
        assert text in res.stderr and len(res.stderr.strip().splitlines()) == 1, res.stderr


def test_kill_then_resume_is_identical(tmp_path):
    """kill -9 in the middle of a checkpointed scan; --resume keeps the shards done and gives the same file."""
    from hpfold.io.design import read_designability

    out = tmp_path / "scan.h5"
    proc = subprocess.Popen([sys.executable, "-m", "hpfold", "designability", "17", "-o", str(out)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    partial = tmp_path / "scan.h5.partial"
    deadline = time.time() + 120
    while time.time() < deadline and len(list(partial.glob("shard-*.npz"))) < 3:
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    kept = len(list(partial.glob("shard-*.npz")))
    assert 3 <= kept < len(shard_bounds(17)), "the scan finished before it was killed: make it longer"
    assert not out.exists()
    again = hpfold("designability", "17", "-o", str(out), "--lattice", "triangular", "--resume")
    assert again.returncode == 2 and "another scan" in again.stderr
    again = hpfold("designability", "17", "-o", str(out), "--resume")
    assert again.returncode == 0, again.stderr
    assert not partial.exists()
    straight = designability(17, "square")
    resumed = read_designability(out)
    for name in ("ground_energy", "degeneracy", "structure"):
        assert np.array_equal(getattr(resumed, name), getattr(straight, name))


# -- benchmark sets --------------------------------------------------------------------------------------
def test_shipped_designing_suites_match_a_fresh_scan():
    from hpfold._data import designing_sequences
    from hpfold.design.benchset import suite_rows

    shipped = designing_sequences()
    for n, lattice in [(10, "square"), (12, "square"), (12, "cubic"), (11, "triangular")]:
        fresh = suite_rows(designability(n, lattice))
        mine = [r for r in shipped if r["length"] == n and r["lattice"] == lattice]
        assert [{k: str(v) for k, v in r.items()} for r in fresh] == [{k: str(v) for k, v in r.items()}
                                                                         for r in mine]


def test_shipped_ground_states_are_unique_and_reach_the_energy():
    from hpfold._data import designing_sequences

    rows = designing_sequences()
    rng = np.random.default_rng(0)
    triangular = [k for k, r in enumerate(rows) if r["lattice"] == "triangular" and r["length"] <= 11]
    assert len(triangular) == 8
    for k in list(rng.choice(len(rows), size=25, replace=False)) + triangular:
        r = rows[int(k)]
        dirs = decode_directions(r["ground_state"])
        assert energy_from_scratch(r["sequence"], dirs, r["lattice"]) == r["best_energy"]
        e = enumerate_conformations(r["sequence"], r["lattice"], ground_states=True)
        assert e.ground_energy == r["best_energy"] and e.ground_classes == 1
        assert e.ground_states == [r["ground_state"]]


def test_designing_suites_in_the_harness():
    from hpfold.bench.suites import get_suite, suite_names

    assert {"designing-10", "designing-16", "designing-3d-14"} <= set(suite_names())
    problems = get_suite("designing-10,S1-1")
    assert [p.id for p in problems][:2] == ["D10-0001", "D10-0002"] and problems[-1].id == "S1-1"
    assert len(get_suite("designing-14")) == 386
    with pytest.raises(ValueError, match="the designing suites are"):
        get_suite("designing-99")
    assert [p.lattice for p in get_suite("designing-triangular-12")] == ["triangular"] * 2


def test_a_problems_file_is_a_suite_on_any_lattice(tmp_path):
    from hpfold.bench.suites import get_suite

    path = tmp_path / "mine.tsv"
    path.write_text("id\tlattice\tsequence\tbest_energy\nF8\tfcc\tHPHPPHPH\t-6\nT8\ttriangular\thphhpphh\t-5\n")
    problems = get_suite(f"{path},S1-1")
    assert [(p.id, p.lattice, p.sequence, p.best_energy) for p in problems[:2]] == [
        ("F8", "fcc", "HPHPPHPH", -6), ("T8", "triangular", "HPHHPPHH", -5)]
    csv_path = tmp_path / "mine.csv"
    csv_path.write_text("id,lattice,sequence,best_energy,source\nC1,cubic,HPPH,-1,me\n")
    assert get_suite(str(csv_path))[0].source == "me"
    bad = {"id\tlattice\tsequence\nA\tfcc\tHP\n": "missing: best_energy",
           "id\tlattice\tsequence\tbest_energy\nA\thex\tHP\t0\n": "line 2: unknown lattice",
           "id\tlattice\tsequence\tbest_energy\nA\tfcc\tHPX\t0\n": "letters H and P",
           "id\tlattice\tsequence\tbest_energy\nA\tfcc\tHP\tlow\n": "must be an integer",
           "id\tlattice\tsequence\tbest_energy\nA\tfcc\tHP\t0\nA\tfcc\tHP\t0\n": "line 3: the id 'A'",
           "": "has no rows"}
    for k, (text, message) in enumerate(bad.items()):
        f = tmp_path / f"bad{k}.tsv"
        f.write_text(text)
        with pytest.raises(ValueError, match=message) as info:
            get_suite(str(f))
        assert "\n" not in str(info.value)
    with pytest.raises(ValueError, match="not found"):
        get_suite(str(tmp_path / "absent.tsv"))
