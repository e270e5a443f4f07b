"""Tests of the benchmark harness: suites, budgets, the random baseline (against a slow oracle and
exact enumeration), judging of claims, supervised runs with toy algorithms (honest, lying,
overrunning, crashing), resumable result files, statistics, reports and the CLI."""
import json
import math
import os
import time

import numpy as np
import pytest

from hpfold.bench.judge import check_conformation, judge_run
from hpfold.bench.protocol import Budget, parse_budget
from hpfold.bench.suites import Problem, get_suite, parse_target

HERE = __name__  # toy algorithms below are imported by the child processes as f"{HERE}:name"
TOY_SEQ = "HPHPPHHPHH"  # square, 10 monomers


# -- toy algorithms (module level: the harness imports them in a child process) -------------------
def _straight(sequence):
    return "0" * (len(sequence) - 1)


def honest(sequence, lattice, budget, seed, report):
    """Finds a true ground state by exact enumeration and reports it with its conformation."""
    from hpfold.enumerate import enumerate_conformations

    res = enumerate_conformations(sequence, lattice, ground_states=True)
    conf = res.ground_states[0]
    report(None, res.n_conformations, res.ground_energy, conf)
    return conf


honest.warmup = lambda sequence, lattice: honest(sequence, lattice, None, 0, lambda *a: False)


def liar(sequence, lattice, budget, seed, report):
    """Claims -100 for a straight chain (true energy 0)."""
    report(0.0, 1, -100, _straight(sequence))
    return _straight(sequence)


def silent_liar(sequence, lattice, budget, seed, report):
    """Claims -100 without a conformation, then returns a straight chain."""
    report(0.0, 1, -100)
    return _straight(sequence)


def collider(sequence, lattice, budget, seed, report):
    """Returns a walk that visits the origin twice."""
    return ("0123" * len(sequence))[:len(sequence) - 1]


def overrunner(sequence, lattice, budget, seed, report):
    """Reports a valid straight chain, then ignores the budget forever."""
    report(0.0, 1, 0, _straight(sequence))
    while True:
        time.sleep(0.02)


def crasher(sequence, lattice, budget, seed, report):
    raise RuntimeError("toy failure")


def hard_crash(sequence, lattice, budget, seed, report):
    os._exit(7)


def coords_returner(sequence, lattice, budget, seed, report):
    """Returns integer coordinates (a straight line along x) instead of a direction string."""
    coords = np.zeros((len(sequence), 2), dtype=np.int64)
    coords[:, 0] = np.arange(len(sequence))
    return coords


def printer(sequence, lattice, budget, seed, report):
    """Writes to stdout (which must not corrupt the harness's message stream)."""
    print("noise " * 20, flush=True)
    os.write(1, b"raw noise\n")
    return _straight(sequence)


def late(sequence, lattice, budget, seed, report):
    """Finds the ground state but returns it only after the budget (within the grace period)."""
    conf = honest(sequence, lattice, budget, seed, lambda *a: False)
    time.sleep(budget.seconds + 0.1)
    return conf


late.warmup = honest.warmup


# -- suites, targets, budgets, seeds ---------------------------------------------------------------
def test_suites_come_from_the_data_tables():
    std = get_suite("2d-standard")
    assert [p.id for p in std] == [f"S1-{k}" for k in range(1, 12)]
    assert {p.lattice for p in std} == {"square"}
    h48 = get_suite("harvard48")
    assert [p.id for p in h48] == [f"H48-{k}" for k in range(1, 11)]
    assert all(p.lattice == "cubic" and p.length == 48 for p in h48)
    mixed = get_suite("S1-3, h48-2,S1-3")
    assert [p.id for p in mixed] == ["S1-3", "H48-2"]
    proven = get_suite("proven")
    assert all(p.status.startswith(("proven", "optimal")) for p in proven) and len(proven) >= 13
    with pytest.raises(ValueError, match="unknown suite or sequence id 'S9-9'"):
        get_suite("S9-9")


def test_targets_and_budgets():
    p = get_suite("S1-8")[0]
    assert parse_target("best-known", p) == -42
    assert parse_target("best-known+3", p) == -39
    assert parse_target("-30", p) == parse_target(-30, p) == -30
    with pytest.raises(ValueError, match="target"):
        parse_target("lowest", p)
    assert parse_budget("60s") == Budget(60.0)
    assert parse_budget("1.5min") == Budget(90.0)
    assert parse_budget("500ms,2e4evals") == Budget(0.5, 20000)
    assert parse_budget("1e5evals") == Budget(60.0, 100000)
    for bad in ("soon", "-3s", "0s", "3x"):
        with pytest.raises(ValueError):
            parse_budget(bad)


def test_seeds_depend_only_on_sequence_algorithm_run():
    from hpfold.bench.harness import derive_seed, make_trials

    seeds = {derive_seed(0, s, a, r) for s in ("S1-1", "S1-2") for a in ("random", "remc") for r in range(5)}
    assert len(seeds) == 20
    assert derive_seed(1, "S1-1", "random", 0) != derive_seed(0, "S1-1", "random", 0)
    a = make_trials(get_suite("S1-1,S1-2"), ["random", "x:y"], 3, "1s")
    b = make_trials(get_suite("S1-2,S1-1"), ["x:y", "random"], 3, "1s")
    key = lambda t: (t["sequence_id"], t["algorithm"], t["run"])  # noqa: E731
    assert {key(t): t["seed"] for t in a} == {key(t): t["seed"] for t in b}


# -- the random baseline: fast kernel against a slow oracle, and against exact enumeration ----------
def grow_reference(n_walks, sequence, lattice, rng, target):
    """Slow, obvious version of :func:`hpfold.bench._kernels.random_walk_search` (same random draws)."""
    from hpfold.lattice import get_lattice
    from hpfold.sequence import HP

    vecs = [tuple(int(x) for x in v) for v in get_lattice(lattice).vectors]
    types = HP.encode(sequence)
    n = len(types)
    best, best_dirs, completed, attempts = 1 << 62, None, 0, 0
    while completed < n_walks:
        attempts += 1
        origin = (0,) * len(vecs[0])
        where = {origin: 0}
        path, dirs, energy = [origin], [], 0
        while len(path) < n:
            free = [d for d in range(len(vecs)) if tuple(a + b for a, b in zip(path[-1], vecs[d])) not in where]
            if not free:
                break
            d = free[min(int(rng.random() * len(free)), len(free) - 1)]
            site = tuple(a + b for a, b in zip(path[-1], vecs[d]))
            i = len(path)
            for v in vecs:
                j = where.get(tuple(a + b for a, b in zip(site, v)))
                if j is not None and j != i - 1:
                    energy += int(HP.matrix[types[i], types[j]])
            where[site] = i
            path.append(site)
            dirs.append(d)
        if len(path) < n:
            continue
        completed += 1
        if energy < best:
            best, best_dirs = energy, list(dirs)
            if energy <= target:
                break
    return best, best_dirs, completed, attempts


def _kernel_search(n_walks, sequence, lattice, rng, target, best=1 << 62, dirs=None):
    from hpfold.bench._kernels import grid_layout, random_walk_search
    from hpfold.lattice import get_lattice
    from hpfold.sequence import HP

    types = HP.encode(sequence)
    offsets, n_sites, center = grid_layout(len(types), get_lattice(lattice).vectors)
    dirs = np.zeros(len(types) - 1, dtype=np.int8) if dirs is None else dirs
    e, done, tries = random_walk_search(n_walks, types, HP.matrix, offsets, n_sites, center, rng, target, best, dirs)
    return e, dirs, done, tries


@pytest.mark.parametrize("lattice,sequence", [("square", "HPHPPHHPHPPHPHHPPHPH"), ("cubic", "HPHHPPHHHHPH"),
                                              ("triangular", "HHPHPPHHPH"), ("fcc", "HPHHPHHP")])
def test_random_kernel_matches_slow_oracle(lattice, sequence):
    from hpfold.conformation import Conformation

    fast = _kernel_search(300, sequence, lattice, np.random.default_rng(11), -(1 << 62))
    slow = grow_reference(300, sequence, lattice, np.random.default_rng(11), -(1 << 62))
    assert fast[0] == slow[0]
    assert fast[1].tolist() == slow[1]
    assert fast[2:] == tuple(slow[2:])
    assert Conformation(fast[1], lattice).energy(sequence) == fast[0]
    # stopping at a target: both stop at the same walk
    target = fast[0] + 1
    assert _kernel_search(300, sequence, lattice, np.random.default_rng(11), target)[2:] == \
        tuple(grow_reference(300, sequence, lattice, np.random.default_rng(11), target)[2:])


def test_random_kernel_chunks_continue_one_stream():
    one = _kernel_search(200, TOY_SEQ, "square", np.random.default_rng(5), -(1 << 62))
    rng = np.random.default_rng(5)
    e, dirs, a, _ = _kernel_search(120, TOY_SEQ, "square", rng, -(1 << 62))
    e, dirs, b, _ = _kernel_search(80, TOY_SEQ, "square", rng, -(1 << 62), e, dirs)
    assert (e, dirs.tolist(), a + b) == (one[0], one[1].tolist(), one[2])


@pytest.mark.parametrize("lattice,sequence", [("square", "HPPHHPHPPH"), ("cubic", "HHPPHPHH")])
def test_random_search_reaches_the_exact_ground_state(lattice, sequence):
    from hpfold.bench.harness import run_inline
    from hpfold.enumerate import enumerate_conformations

    exact = enumerate_conformations(sequence, lattice, ground_states=True)
    rec = run_inline("random", sequence, lattice, budget="30s,200000evals", seed=2, target=exact.ground_energy)
    assert rec["success"] and rec["invalid_claims"] == 0
    assert rec["best_energy"] == exact.ground_energy
    assert Problem("x", lattice, sequence, 0) and \
        check_conformation(rec["best_conformation"], sequence, lattice) == (exact.ground_energy, None)
    # without a target it never claims anything below the exact ground state, and is reproducible
    a = run_inline("random", sequence, lattice, budget="30s,3000evals", seed=9)
    b = run_inline("random", sequence, lattice, budget="30s,3000evals", seed=9)
    assert a["best_energy"] >= exact.ground_energy and a["evaluations"] == 3000
    assert (a["best_energy"], a["best_conformation"]) == (b["best_energy"], b["best_conformation"])


# -- judging claims ------------------------------------------------------------------------------
def test_check_conformation():
    assert check_conformation("012", "HPPH", "square") == (-1, None)
    assert check_conformation([[0, 0], [1, 0], [1, 1], [0, 1]], "HPPH", "square") == (-1, None)
    assert "not self-avoiding" in check_conformation("0123", "HPPHP", "square")[1]
    assert "expected 3" in check_conformation("01", "HPPH", "square")[1]
    assert "not a direction" in check_conformation("014", "HPPH", "square")[1]
    assert "not lattice neighbours" in check_conformation([[0, 0], [2, 0], [2, 1], [1, 1]], "HPPH", "square")[1]
    assert check_conformation({"unreadable": "object"}, "HPPH", "square")[0] is None


def _trial(**kw):
    t = {"sequence_id": "t", "sequence": "HPPH", "lattice": "square", "algorithm": "toy", "run": 0, "seed": 0,
         "target": -1, "budget_seconds": 1.0, "budget_evaluations": None}
    t.update(kw)
    return t


def _report(t, energy, conf=None, evals=10):
    return {"kind": "report", "t": t, "cpu": t / 2, "elapsed": None, "evaluations": evals, "energy": energy,
            "conformation": conf}


def _done(t, conf):
    return {"kind": "done", "t": t, "cpu": t / 2, "conformation": conf, "evaluations": 99}


def test_judge_rules():
    # an honest report: success at its time, evaluations at that report
    rec = judge_run(_trial(), "done", [_report(0.1, 0, "000"), _report(0.3, -1, "012", 40), _done(0.4, "012")], 0.4)
    assert rec["success"] and rec["seconds_to_target"] == 0.3 and rec["evaluations_to_target"] == 40
    assert rec["cpu_seconds_to_target"] == 0.15 and rec["cpu_seconds"] == 0.2
    assert rec["best_energy"] == -1 and rec["best_conformation"] == "012" and rec["invalid_claims"] == 0
    # a wrong energy with a conformation is flagged and never a success, even if the return is fine
    rec = judge_run(_trial(), "done", [_report(0.1, -1, "000"), _done(0.4, "012")], 0.4)
    assert not rec["success"] and rec["invalid_claims"] == 1 and "recomputed E=0" in rec["invalid_reasons"][0]
    # a claim without conformation stands if a conformation at least as good arrives ...
    rec = judge_run(_trial(), "done", [_report(0.2, -1), _done(0.5, "012")], 0.5)
    assert rec["success"] and rec["seconds_to_target"] == 0.2 and rec["best_conformation"] == "012"
    # ... and is invalid if the run ends without one
    rec = judge_run(_trial(), "done", [_report(0.2, -1), _done(0.5, "000")], 0.5)
    assert not rec["success"] and rec["invalid_claims"] == 1 and rec["best_energy"] == 0
    # ... and merely unverified if the run was killed
    rec = judge_run(_trial(), "overrun", [_report(0.2, -1)], 1.5)
    assert not rec["success"] and rec["invalid_claims"] == 0 and rec["unverified_claims"] == 1
    assert rec["status"] == "overrun" and rec["best_energy"] is None
    # nothing after the budget counts
    rec = judge_run(_trial(), "done", [_report(0.5, 0, "000"), _report(1.2, -1, "012"), _done(1.3, "012")], 1.3)
    assert not rec["success"] and rec["best_energy"] == 0 and rec["invalid_claims"] == 0
    # an invalid returned walk
    rec = judge_run(_trial(sequence="HPPHP"), "done", [_done(0.1, "0123")], 0.1)
    assert rec["invalid_claims"] == 1 and "not self-avoiding" in rec["invalid_reasons"][0]
    # errors are recorded, not successes
    rec = judge_run(_trial(), "error", [{"kind": "error", "t": 0.1, "message": "RuntimeError: x"}], 0.1)
    assert rec["status"] == "error" and rec["error"] == "RuntimeError: x" and not rec["success"]


# -- supervised runs with toy algorithms -------------------------------------------------------------
@pytest.fixture(scope="module")
def toy_problem():
    from hpfold.enumerate import enumerate_conformations

    return Problem("toy10", "square", TOY_SEQ, enumerate_conformations(TOY_SEQ, "square").ground_energy)


def test_harness_with_toy_algorithms(toy_problem, tmp_path):
    from hpfold.bench.harness import run_benchmark

    names = ["honest", "liar", "silent_liar", "collider", "overrunner", "crasher", "hard_crash", "coords_returner",
             "printer", "late"]
    res = run_benchmark([toy_problem], [f"{HERE}:{n}" for n in names], runs=1, budget="0.6s", grace=0.4,
                        output=tmp_path / "toys.jsonl")
    by = {r["algorithm"].split(":")[1]: r for r in res.records}
    assert set(by) == set(names)
    h = by["honest"]
    assert h["success"] and h["status"] == "ok" and h["best_energy"] == toy_problem.best_energy
    assert h["warmup_seconds"] > 0 and h["seconds_to_target"] < 0.6
    assert 0 <= h["cpu_seconds_to_target"] <= h["cpu_seconds"]
    for name in ("liar", "silent_liar", "collider"):
        assert by[name]["invalid_claims"] >= 1 and not by[name]["success"], name
    assert by["liar"]["best_energy"] is None or by["liar"]["best_energy"] == 0
    o = by["overrunner"]
    assert o["status"] == "overrun" and not o["success"] and o["best_energy"] == 0 and o["invalid_claims"] == 0
    assert 0.6 + 0.4 - 0.05 <= o["seconds"] < 0.6 + 0.4 + 2.0  # killed at budget + grace
    assert o["cpu_seconds"] < 0.5  # it slept: CPU time (up to its last report) stays small
    assert by["crasher"]["status"] == "error" and "toy failure" in by["crasher"]["error"]
    assert by["hard_crash"]["status"] == "crashed" and not by["hard_crash"]["success"]
    assert by["coords_returner"]["status"] == "ok" and by["coords_returner"]["best_energy"] == 0
    assert by["printer"]["status"] == "ok" and by["printer"]["invalid_claims"] == 0
    lt = by["late"]
    assert lt["status"] == "ok" and not lt["success"] and lt["best_energy"] is None
    summary = {s["algorithm"].split(":")[1]: s for s in res.summary()}
    assert summary["honest"]["successes"] == 1 and summary["liar"]["successes"] == 0
    assert summary["liar"]["invalid_claims"] >= 1 and summary["overrunner"]["overruns"] == 1
    assert summary["crasher"]["errors"] == 1 and summary["hard_crash"]["errors"] == 1


def test_sweep_resumes_and_refuses_mixed_settings(tmp_path):
    from hpfold.bench.harness import run_benchmark
    from hpfold.bench.store import ResultStore

    path = tmp_path / "runs.jsonl"
    first = run_benchmark("X2-18a", "random", runs=2, budget="20s,3000evals", output=path)
    assert first.new_runs == 2
    # a crash mid-write leaves a truncated last line: it is skipped, and the run redone
    with open(path, "a") as fh:
        fh.write('{"sequence_id": "X2-18a", "algorithm": "ran')
    second = run_benchmark("X2-18a", "random", runs=3, budget="20s,3000evals", output=path)
    assert second.new_runs == 1 and len(second.records) == 3
    strip = lambda r: {k: r[k] for k in ("seed", "best_energy", "best_conformation", "evaluations")}  # noqa: E731
    assert [strip(r) for r in second.records[:2]] == [strip(r) for r in first.records]
    assert len(ResultStore(path).records()) == 3
    third = run_benchmark("X2-18a", "random", runs=3, budget="20s,3000evals", output=path)
    assert third.new_runs == 0
    with pytest.raises(ValueError, match="different budget_evaluations"):
        run_benchmark("X2-18a", "random", runs=3, budget="20s,4000evals", output=path)
    # two sweeps never write one file at once
    with ResultStore(path).lock():
        with pytest.raises(ValueError, match="being written by another sweep"):
            run_benchmark("X2-18a", "random", runs=4, budget="20s,3000evals", output=path)
    assert len(ResultStore(path).records()) == 3


def test_hdf5_store_round_trip(tmp_path):
    from hpfold.bench.store import ResultStore

    store = ResultStore(tmp_path / "runs.h5")
    recs = [{"sequence_id": "S1-1", "algorithm": "random", "run": k, "best_energy": -k, "trace": [[0.1, 2, None, -1]]}
            for k in range(3)]
    for r in recs:
        store.append(r)
    assert ResultStore(tmp_path / "runs.h5").records() == recs
    assert ResultStore(tmp_path / "runs.h5").done_keys() == {("S1-1", "random", k) for k in range(3)}
    (tmp_path / "junk.h5").write_bytes(b"not hdf5")
    with pytest.raises(ValueError, match="junk.h5"):
        ResultStore(tmp_path / "junk.h5").records()


def test_local_workers_give_the_serial_results():
    from hpfold.bench.harness import run_benchmark

    kwargs = dict(runs=2, budget="20s,4000evals", target="best-known+1", seed=4)
    serial = run_benchmark("X2-18a,X2-18b", "random", **kwargs)
    local = run_benchmark("X2-18a,X2-18b", "random", workers=2, **kwargs)
    keep = ("sequence_id", "run", "seed", "success", "evaluations_to_target", "best_energy", "best_conformation",
            "evaluations")
    assert [{k: r[k] for k in keep} for r in serial.records] == [{k: r[k] for k in keep} for r in local.records]


# -- statistics ----------------------------------------------------------------------------------
def test_bootstrap_and_intervals():
    from hpfold.bench.stats import bootstrap_ci, run_length_distribution, wilson_interval

    x = np.random.default_rng(0).exponential(2.0, size=40)
    a, b = bootstrap_ci(x, seed=3), bootstrap_ci(x, seed=3)
    assert a == b and a[0] < np.median(x) < a[1]
    lo, hi = bootstrap_ci(np.r_[x[:10], np.full(30, np.inf)], seed=1)  # 3/4 censored: the median is infinite
    assert math.isinf(lo) and math.isinf(hi)
    lo, hi = wilson_interval(5, 10)
    assert 0.2 < lo < 0.5 < hi < 0.8
    assert wilson_interval(0, 10)[0] == 0.0 and wilson_interval(10, 10)[1] == 1.0
    t, p = run_length_distribution([3.0, np.inf, 1.0, np.nan], n_runs=4)
    assert t.tolist() == [1.0, 3.0] and p.tolist() == [0.25, 0.5]


def test_summaries_of_runs():
    from hpfold.bench.stats import summarize_runs

    def rec(ok, t=None, best=-5, invalid=0, status="ok", seconds=10.0):
        return {"success": ok, "seconds_to_target": t, "evaluations_to_target": 100 if ok else None,
                "best_energy": best, "invalid_claims": invalid, "status": status, "seconds": seconds,
                "budget_seconds": 10.0}

    runs = [rec(True, 1.0), rec(True, 3.0), rec(True, 2.0), rec(False, best=-4), rec(False, best=-9, invalid=1),
            rec(False, status="overrun", seconds=11.0)]
    s = summarize_runs(runs, seed=0)
    assert s["runs"] == 6 and s["successes"] == 3 and s["success_rate"] == 0.5
    assert s["median_seconds_to_target"] is None  # half the runs unsolved: median is infinite
    assert s["mean_seconds_to_target"] == pytest.approx(2.0)
    assert s["expected_seconds_to_target"] == pytest.approx((1 + 3 + 2 + 10 + 10 + 10) / 3)
    assert s["best_energy"] == -5  # the run with an invalid claim does not count
    assert s["invalid_claims"] == 1 and s["invalid_runs"] == 1 and s["overruns"] == 1
    assert s["median_cpu_seconds_to_target"] is None  # these records carry no CPU times
    s = summarize_runs(runs[:4], seed=0)
    assert s["median_seconds_to_target"] == pytest.approx(2.5)
    lo, hi = s["median_seconds_to_target_ci"]
    assert lo <= 2.5 and (hi is None or hi >= 2.5)


# -- report and CLI -----------------------------------------------------------------------------
def test_published_times_parse():
    from hpfold.bench.report import parse_published_time, published_baselines

    base = published_baselines()
    assert base["S1-8"]["REMC_pull"] == "5 s" and base["H48-1"]["PERM"] == "0.1 min"
    assert parse_published_time("5 s") == (5.0, 1.0, True)
    assert parse_published_time("0.1 min") == pytest.approx((6.0, 1.0, True))
    assert parse_published_time("20% of runs, 1 day") == (86400.0, 0.2, True)
    assert parse_published_time("78 h") == (78 * 3600.0, 1.0, True)
    assert parse_published_time("reached -49 only") is None


def test_report_files(tmp_path):
    from hpfold.bench.harness import run_benchmark
    from hpfold.bench.report import write_report

    res = run_benchmark("S1-1,X2-18a", "random", runs=2, budget="20s,2000evals", seed=1)
    path = write_report(res.records, tmp_path / "rep", note="A test sweep.")
    text = path.read_text()
    assert "| S1-1 | 20 | -9 |" in text and "<1 s" in text and "A test sweep." in text
    assert "Xeon" in text or "cores" in text
    for name in ("ecdf.png", "best_energy.png"):
        assert (tmp_path / "rep" / name).stat().st_size > 5000


def test_cli_bench_json_and_errors(tmp_path, capsys):
    from hpfold.cli import main

    out = tmp_path / "cli.jsonl"
    code = main(["bench", "--suite", "X2-18a", "--algorithms", "random", "--runs", "2", "--budget",
                 "20s,2000evals", "--target", "best-known+1", "-o", str(out), "--json"])
    assert code == 0
    doc = json.loads(capsys.readouterr().out)
    (row,) = doc["results"]
    for key in ("runs", "successes", "median_seconds_to_target", "best_energy", "invalid_claims"):
        assert key in row
    assert row["runs"] == 2 and row["sequence_id"] == "X2-18a" and row["target"] == -3
    assert main(["bench", "--suite", "nope"]) == 2
    assert "unknown suite or sequence id 'nope'" in capsys.readouterr().err
    assert main(["bench", "--algorithms", "nosuchmodule:fn", "--suite", "S1-1"]) == 2
    assert "cannot import 'nosuchmodule'" in capsys.readouterr().err
    assert main(["bench", "--budget", "10 parsecs"]) == 2
    assert main(["bench", "--list"]) == 0
    assert "harvard48" in capsys.readouterr().out


@pytest.fixture
def one_numba_thread():
    """Runs in the harness get one numba thread; so do these in-process runs (no parallel compile)."""
    import numba

    before = numba.get_num_threads()
    numba.set_num_threads(1)
    yield
    numba.set_num_threads(before)


@pytest.mark.parametrize("algorithm,engine", [("perm", "hpfold.perm"), ("wang-landau", "hpfold.wang_landau"),
                                              ("remc", "hpfold.sample"), ("anneal", "hpfold.sample")])
@pytest.mark.parametrize("lattice,sequence", [("square", "HPHPPHHPHPPHPHH"), ("cubic", "HPHHPPHHPH")])
def test_builtin_adapters_reach_the_exact_ground_state(algorithm, engine, lattice, sequence, one_numba_thread):
    pytest.importorskip(engine)
    from hpfold.bench.harness import run_inline
    from hpfold.enumerate import enumerate_conformations

    exact = enumerate_conformations(sequence, lattice)
    rec = run_inline(algorithm, sequence, lattice, budget="30s", seed=4, target=exact.ground_energy)
    assert rec["error"] is None and rec["invalid_claims"] == 0
    assert rec["success"] and rec["best_energy"] == exact.ground_energy
    assert rec["evaluations"] > 0
    # with a target beyond the ground state, the run spends its budget and never claims below it
    rec = run_inline(algorithm, sequence, lattice, budget="0.3s", seed=5, target=exact.ground_energy - 1)
    assert not rec["success"] and rec["invalid_claims"] == 0
    assert rec["best_energy"] is None or rec["best_energy"] >= exact.ground_energy
