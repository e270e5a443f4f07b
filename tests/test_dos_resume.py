"""Wang-Landau and flatPERM runs lose no data: checkpoints, --resume, kill -9 and Ctrl-C (issue 18).

In-process tests check that batches do not matter and that a saved state continues exactly; the
real-process tests kill ``python -m hpfold dos`` with SIGKILL or SIGINT and compare the resumed result
with an uninterrupted run's, bit for bit.
"""
import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from hpfold._dos_checkpoint import Interrupted, read_checkpoint, write_checkpoint
from hpfold.cli import main
from hpfold.perm import FlatPermRun, GrowthProblem, flatperm
from hpfold.wang_landau import WangLandauRun, wang_landau

SEQ = "HPHPPHHPHPPH"
LONG = "HPHPPHHPHPPHPHHPPHPH"


def _wl(seed, check_every=777):
    return WangLandauRun(SEQ, "square", "HP", np.random.Generator(np.random.PCG64(seed)), check_every=check_every)


def _fp(seed):
    return FlatPermRun(GrowthProblem.build(SEQ), np.random.Generator(np.random.PCG64(seed)))


def _same(a, b):
    """True when two runs have equal state arrays (nan == nan) and generator states."""
    return (all(np.array_equal(getattr(a, k), getattr(b, k), equal_nan=True) for k in a.STATE_ARRAYS)
            and a.rng.bit_generator.state == b.rng.bit_generator.state)


# --- in process ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("make, n", [(_wl, 5000), (_fp, 50)])
def test_the_kernels_advance_the_generator_state_numpy_sees(make, n):
    run = make(3)
    before = run.rng.bit_generator.state
    run.advance(n)
    after = run.rng.bit_generator.state
    assert after != before
    twin = np.random.Generator(np.random.PCG64(0))
    twin.bit_generator.state = after
    assert twin.random() == run.rng.random()


@pytest.mark.parametrize("split", [[300_000], [1, 776, 1, 12_345, 100_000, 186_877], [150_000, 150_000]])
def test_wang_landau_batches_do_not_matter(split):
    straight, batched = _wl(1), _wl(1)
    straight.advance(300_000)
    for n in split:
        batched.advance(n)
    assert _same(straight, batched)
    # the flatness checks (every 777 steps) and the switch to 1/t fell inside the batches
    assert straight.istate[4] >= 1 and 0 < straight.istate[5] < 300_000
    other = _wl(2)
    other.advance(300_000)
    assert not np.array_equal(other.ln_g, straight.ln_g)


@pytest.mark.parametrize("split", [[1, 7, 992, 2000], [2999, 1]])
def test_flatperm_batches_do_not_matter(split):
    straight, batched = _fp(2), _fp(2)
    straight.advance(3000)
    for n in split:
        batched.advance(n)
    assert _same(straight, batched)
    other = _fp(5)
    other.advance(3000)
    assert not np.array_equal(other.sum_w, straight.sum_w)


@pytest.mark.parametrize("make, first, second, method", [(_wl, 40_000, 60_000, "wang-landau"),
                                                         (_fp, 300, 700, "flatperm")])
def test_a_state_read_back_from_the_file_continues_exactly(make, first, second, method, tmp_path):
    path = tmp_path / "c.h5"
    straight, cut = make(4), make(4)
    straight.advance(first + second)
    cut.advance(first)
    write_checkpoint(path, method, {"x": 1}, [cut.get_state()])
    params, states = read_checkpoint(path, method)
    assert params == {"x": 1} and len(states) == 1
    fresh = make(99)  # another seed: everything must come from the file
    fresh.set_state(states[0])
    fresh.advance(second)
    assert _same(straight, fresh)
    assert os.listdir(tmp_path) == ["c.h5"]  # no temporary file left beside it


def _interrupt_after(cls, monkeypatch, calls):
    """Make ``cls.advance`` send this process a SIGINT after ``calls`` calls (a Ctrl-C between batches)."""
    original, count = cls.advance, [0]

    def advance(self, n):
        original(self, n)
        count[0] += 1
        if count[0] == calls:
            os.kill(os.getpid(), signal.SIGINT)

    monkeypatch.setattr(cls, "advance", advance)


@pytest.mark.parametrize("method, threads", [("wang-landau", 1), ("wang-landau", 2), ("flatperm", 1)])
def test_ctrl_c_saves_the_runs_and_resume_finishes_them_identically(method, threads, monkeypatch, tmp_path):
    path = tmp_path / "c.h5"
    if method == "wang-landau":
        cls, compute, kw = WangLandauRun, wang_landau, {"steps": 3_000_000, "runs": 2, "seed": 6}
    else:
        cls, compute, kw = FlatPermRun, flatperm, {"tours": 20_000, "runs": 2, "seed": 6}
    straight = compute(SEQ, **kw)
    with monkeypatch.context() as m:
        _interrupt_after(cls, m, 2)
        with pytest.raises(Interrupted) as info:
            compute(SEQ, **kw, checkpoint=path, threads=threads)
    assert info.value.checkpoint == path
    _, states = read_checkpoint(path, method)
    done = [int(s["istate"][1]) if method == "wang-landau" else int(s["counters"][0]) for s in states]
    assert sum(done) < 2 * kw.get("steps", kw.get("tours")), done
    resumed = compute(SEQ, **kw, checkpoint=path, resume=True, threads=threads)
    assert np.array_equal(resumed.ln_g, straight.ln_g) and np.array_equal(resumed.ln_g_err, straight.ln_g_err)
    for key in ("seconds", "cpu_seconds"):
        straight.counters.pop(key), resumed.counters.pop(key)
    assert resumed.counters == straight.counters


def test_resume_with_other_parameters_is_refused_in_the_api(tmp_path):
    path = tmp_path / "c.h5"
    wang_landau(SEQ, steps=20_000, runs=1, seed=1, checkpoint=path)
    with pytest.raises(ValueError, match="has seed 1, not 2"):
        wang_landau(SEQ, steps=20_000, runs=1, seed=2, checkpoint=path, resume=True)
    with pytest.raises(ValueError, match="of a wang-landau run, not flatperm"):
        flatperm(SEQ, tours=10, runs=1, seed=1, checkpoint=path, resume=True)
    with pytest.raises(ValueError, match="no such file to resume"):
        wang_landau(SEQ, steps=20_000, runs=1, seed=1, checkpoint=tmp_path / "missing.h5", resume=True)


# --- the command line: refusals (in process) ------------------------------------------------------------------

def _cli(capsys, *argv):
    code = main([str(a) for a in argv])
    captured = capsys.readouterr()
    return code, captured.err.strip().splitlines()


WL = ["dos", SEQ, "-m", "wang-landau", "--steps", "20000", "--runs", "2", "--seed", "1"]
FP = ["dos", SEQ, "-m", "flatperm", "--tours", "200", "--runs", "2", "--seed", "1"]


@pytest.mark.parametrize("base, change, key", [
    (WL, ["--steps", "30000"], "steps"), (WL, ["--runs", "3"], "runs"), (WL, ["--seed", "2"], "seed"),
    (WL, ["--moves", "pull,pivot"], "moves"), (WL, ["--lattice", "triangular"], "lattice"),
    (FP, ["--tours", "300"], "tours"), (FP, ["--runs", "1"], "runs"), (FP, ["--seed", "7"], "seed"),
    (FP, ["--lattice", "cubic"], "lattice")])
def test_resume_with_other_parameters_is_refused(base, change, key, tmp_path, capsys):
    path = tmp_path / "c.h5"
    assert _cli(capsys, *base, "--checkpoint", path)[0] == 0
    before = path.read_bytes()
    code, err = _cli(capsys, *base, *change, "--checkpoint", path, "--resume")
    assert code == 2 and len(err) == 1, err
    assert err[0].startswith(f"hpfold dos: error: {path}: cannot resume, the checkpoint has {key} "), err
    assert path.read_bytes() == before
    code, err = _cli(capsys, "dos", "HPPHPPHHPPHH", *base[2:], "--checkpoint", path, "--resume")
    assert code == 2 and len(err) == 1 and "the checkpoint has sequence 'HPHPPHHPHPPH'" in err[0], err


def test_missing_existing_and_misplaced_checkpoints_are_refused(tmp_path, capsys):
    path = tmp_path / "c.h5"
    code, err = _cli(capsys, *WL, "--checkpoint", path, "--resume")
    assert code == 2 and err == [f"hpfold dos: error: {path}: no such file to resume (drop --resume to start a "
                                 "new run)"]
    assert os.listdir(tmp_path) == []
    assert _cli(capsys, *WL, "--checkpoint", path)[0] == 0
    code, err = _cli(capsys, *WL, "--checkpoint", path)
    assert code == 2 and err == [f"hpfold dos: error: {path}: exists; pass --overwrite to replace it"]
    assert _cli(capsys, *WL, "--checkpoint", path, "--overwrite")[0] == 0
    for argv, text in ((WL + ["--resume"], "--resume needs --checkpoint"),
                       (WL + ["--checkpoint", path, "--resume", "--overwrite"], "not both"),
                       (["dos", SEQ, "--checkpoint", path], "only --method flatperm or wang-landau"),
                       (WL + ["--checkpoint", path, "-o", path], "different files")):
        code, err = _cli(capsys, *argv)
        assert code == 2 and len(err) == 1 and text in err[0], (argv, err)


# --- real processes: kill -9 and Ctrl-C, then --resume ---------------------------------------------------------

REAL = {"wang-landau": ["--steps", "20000000"], "flatperm": ["--tours", "150000"]}


def _command(method, path=None, *extra):
    argv = [sys.executable, "-m", "hpfold", "dos", LONG, "-m", method, *REAL[method], "--runs", "2", "--seed", "1",
            "--json"]
    if path is not None:
        argv += ["--checkpoint", str(path), "--checkpoint-every", "0.3"]
    return argv + list(extra)


def _without_times(text):
    out = json.loads(text)
    for key in ("seconds", "cpu_seconds"):
        out["counters"].pop(key)
    return out


@pytest.fixture(scope="module")
def straight():
    """The JSON of uninterrupted runs, by method (no checkpoint)."""
    return {m: _without_times(subprocess.run(_command(m), check=True, capture_output=True, text=True,
                                             timeout=300).stdout) for m in REAL}


def _progress(path, method):
    """Steps or tours stored in the checkpoint ``path``, summed over runs (None while there is none)."""
    try:
        _, states = read_checkpoint(path, method)
    except (ValueError, OSError):
        return None
    return sum(int(s["istate"][1]) if method == "wang-landau" else int(s["counters"][0]) for s in states)


def _signal_after_checkpoint(proc, path, method, sig, timeout=300):
    deadline = time.time() + timeout  # a cold numba cache compiles the kernels first
    while time.time() < deadline and proc.poll() is None:
        time.sleep(0.05)
        if (_progress(path, method) or 0) > 0:
            break
    proc.send_signal(sig)
    return proc.wait(timeout=60)


@pytest.mark.parametrize("method", sorted(REAL))
def test_kill_9_then_resume_is_bit_identical(method, straight, tmp_path):
    path = tmp_path / "c.h5"
    proc = subprocess.Popen(_command(method, path), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    assert _signal_after_checkpoint(proc, path, method, signal.SIGKILL) == -signal.SIGKILL
    total = 2 * int(float(REAL[method][1]))
    assert 0 < _progress(path, method) < total, "the run finished before the kill; raise the steps or tours"
    resumed = subprocess.run(_command(method, path, "--resume"), capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    assert _without_times(resumed.stdout) == straight[method]
    assert _progress(path, method) == total


def test_ctrl_c_writes_a_final_checkpoint_exits_130_and_resumes(straight, tmp_path):
    path = tmp_path / "c.h5"
    proc = subprocess.Popen(_command("wang-landau", path, "--checkpoint-every", "100"), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 300  # the first checkpoint is written at the start: the run is under way
    while time.time() < deadline and _progress(path, "wang-landau") is None:
        time.sleep(0.05)
    assert _progress(path, "wang-landau") == 0
    time.sleep(1.0)
    assert _progress(path, "wang-landau") == 0  # with --checkpoint-every 100 the next one is the final one
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130 and out == ""
    assert err.strip().splitlines() == [f"hpfold dos: interrupted; the runs are saved in {path} "
                                        "(continue with --resume)"]
    assert 0 < _progress(path, "wang-landau") < 2 * 20_000_000
    resumed = subprocess.run(_command("wang-landau", path, "--resume"), capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    assert _without_times(resumed.stdout) == straight["wang-landau"]


# ------------------------------------------------------------------------- cost estimate before a long run
@pytest.mark.parametrize("method, budget", [("flatperm", ["--tours", "100000000"]),
                                            ("wang-landau", ["--steps", "100000000000"])])
def test_huge_budgets_are_refused_with_an_estimate_and_nothing_written(method, budget, tmp_path, capsys):
    ck = tmp_path / "ck.h5"
    rc = main(["dos", "HPHPPHHPHPPHPHHPPHPH", "--method", method, *budget, "--checkpoint", str(ck)])
    err = capsys.readouterr().err.strip()
    assert rc == 2 and "estimated at" in err and "--force" in err and "--max-seconds" in err
    assert len(err.splitlines()) == 1 and not ck.exists()


def test_a_capped_run_is_not_refused_and_the_pilot_changes_nothing():
    dos = wang_landau("HPHPPHHPHH", steps=10 ** 12, runs=1, seed=3, max_seconds=0.5)
    assert dos.counters["steps"] < 10 ** 12
    with pytest.raises(ValueError, match="estimated at"):
        flatperm("HPHPPHHPHPPHPHHPPHPH", tours=10 ** 9, runs=1, seed=1)
    # the pilot advances a copy of a run; a bar and the threads change nothing
    a = flatperm("HPHPPHHPHH", tours=3000, runs=2, seed=5, progress=True)
    b = flatperm("HPHPPHHPHH", tours=3000, runs=2, seed=5, threads=2)
    assert np.array_equal(a.ln_g, b.ln_g)


def test_info_describes_a_checkpoint(tmp_path, capsys):
    path = tmp_path / "ck.h5"
    kw = {"tours": 20_000, "runs": 2, "seed": 6}
    with pytest.MonkeyPatch.context() as m:
        _interrupt_after(FlatPermRun, m, 2)
        with pytest.raises(Interrupted):
            flatperm(SEQ, **kw, checkpoint=path)
    assert main(["info", str(path), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["method"] == "flatperm" and info["parameters"]["sequence"] == SEQ
    assert info["total_per_run"] == 20_000 and 0 < sum(info["done"]) < 40_000 and not info["finished"]
    assert main(["info", str(path)]) == 0
    text = capsys.readouterr().out
    assert "flatperm checkpoint" in text and "continue with --resume" in text


@pytest.mark.parametrize("module", ["hpfold._dos_checkpoint", "hpfold.bench.suites"])
def test_docstring_examples(module):
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module(module), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0
