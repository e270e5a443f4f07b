"""No run loses data (issue 18): output locks, no silent overwrite, atomic whole-file writes, honest resume."""
import fcntl
import json
import os
import subprocess
import sys
import time

import h5py
import numpy as np
import pytest

from hpfold.cli import main
from hpfold.io import load_trajectory, read_enumeration, write_enumeration
from hpfold.io._safe import atomic_path, lock_output

SEQ = "HPHPPHHPHPPHPHHPPHPH"
LONG_STEPS, LONG_EVERY = 100_000_000, 100_000  # a few seconds of sampling, 1000 frames


def _hpfold(*argv, timeout=300):
    return subprocess.run([sys.executable, "-m", "hpfold", *argv], capture_output=True, text=True, timeout=timeout)


def _start_long_sampler(path):
    proc = subprocess.Popen([sys.executable, "-m", "hpfold", "sample", SEQ, "--steps", str(LONG_STEPS), "--every",
                             str(LONG_EVERY), "--seed", "5", "--threads", "1", "--no-progress", "-o", str(path)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 300  # a cold numba cache compiles the sampler first
    while time.time() < deadline and proc.poll() is None:
        time.sleep(0.1)
        try:
            if load_trajectory(path).n_frames >= 1:
                return proc
        except (ValueError, OSError):
            pass
    pytest.fail(f"the sampler wrote no frame (exit {proc.poll()}): {proc.stderr.read() if proc.stderr else ''}")


def _refused(proc, what="another hpfold process"):
    err = proc.stderr.strip()
    return proc.returncode == 2 and err.count("\n") == 0 and what in err, err


def test_concurrent_writers_leave_the_first_file_intact_and_complete(tmp_path):
    """1a: a second sampler on the same file; 1b: an enumeration onto a trajectory being written."""
    path = tmp_path / "r1.h5"
    first = _start_long_sampler(path)
    try:
        attempts = [_hpfold("sample", SEQ, "--steps", "1000", "-o", str(path)),
                    _hpfold("sample", SEQ, "--steps", "1000", "-o", str(path), "--overwrite"),
                    _hpfold("sample", SEQ, "--steps", "1000", "-o", str(path), "--resume"),
                    _hpfold("enumerate", "HPHPPHHPHP", "-o", str(path)),
                    _hpfold("enumerate", "HPHPPHHPHP", "-o", str(path), "--overwrite")]
        still_running = first.poll() is None
    finally:
        first.wait(timeout=300)
    assert still_running, "the first sampler finished before the others tried; raise LONG_STEPS"
    for proc in attempts:
        ok, err = _refused(proc)
        assert ok, (proc.args, proc.returncode, err)
    assert first.returncode == 0, first.stderr.read()
    with h5py.File(path, "r") as f:  # h5py opens it ...
        assert "particles/replica_0/position/value" in f
    traj = load_trajectory(path)  # ... and every frame is there
    assert traj.n_frames == LONG_STEPS // LONG_EVERY
    assert np.array_equal(traj.steps, np.arange(1, traj.n_frames + 1) * LONG_EVERY)
    assert traj.checkpoint_frames == traj.n_frames and traj.checkpoint["step"] == LONG_STEPS
    assert not os.path.exists(f"{path}.lock")  # released and removed at the end
    assert sorted(os.listdir(tmp_path)) == ["r1.h5"]  # no temporary files left behind


def test_a_locked_file_is_refused_before_it_is_touched(tmp_path, capsys):
    path = tmp_path / "x.h5"
    path.write_bytes(b"precious")
    with open(f"{path}.lock", "w") as fh:  # another holder: flock conflicts between open files
        fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        for argv in (["sample", "HPPH", "--steps", "10", "--overwrite"], ["enumerate", "HPPH", "--overwrite"],
                     ["dos", "HPPH", "--overwrite"], ["landscape", "HPPH", "--overwrite"]):
            assert main([*argv, "-o", str(path)]) == 2, argv
            err = capsys.readouterr().err.strip()
            assert err.startswith(f"hpfold {argv[0]}: error: ") and "another hpfold process" in err
            assert err.count("\n") == 0
    assert path.read_bytes() == b"precious"


@pytest.mark.parametrize("argv, out", [
    (["sample", "HPPHPH", "--steps", "100", "-o"], "t.h5"),
    (["enumerate", "HPPHPH", "-o"], "e.h5"),
    (["dos", "HPPHPH", "-o"], "d.h5"),
    (["thermo", "HPPHPH", "--plot"], "c.png"),
    (["landscape", "HPPHPH", "-o"], "l.h5"),
    (["landscape", "HPPHPH", "--tree"], "t.json"),
    (["landscape", "HPPHPH", "--plot"], "g.png"),
])
def test_existing_outputs_need_overwrite(tmp_path, capsys, argv, out):
    path = tmp_path / out
    path.write_bytes(b"old")
    assert main([*argv, str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert err == f"hpfold {argv[0]}: error: {path}: exists; pass --overwrite to replace it"
    assert path.read_bytes() == b"old"
    assert main([*argv, str(path), "--overwrite"]) == 0
    assert path.read_bytes() != b"old" and path.stat().st_size > 0
    assert sorted(os.listdir(tmp_path)) == [out]  # no lock or temporary file left


def test_whole_file_write_is_atomic(tmp_path, monkeypatch):
    from hpfold.enumerate import enumerate_conformations
    from hpfold.io import enumeration

    path = tmp_path / "e.h5"
    write_enumeration(path, enumerate_conformations("HPPHPPH", "square"))
    before = path.read_bytes()

    def broken(f, *args):
        f.create_group("observables")
        raise OSError("disk full (simulated)")

    monkeypatch.setattr(enumeration, "_write", broken)
    with pytest.raises(OSError, match="simulated"):
        write_enumeration(path, enumerate_conformations("HPPHPPHH", "square"))
    assert path.read_bytes() == before and read_enumeration(path).sequence == "HPPHPPH"
    assert sorted(os.listdir(tmp_path)) == ["e.h5"]


def _landscape_writer():
    from hpfold.landscape import exact_landscape
    from hpfold.landscape.h5 import write_landscape

    ls = exact_landscape("HPPHPH", "square", moves="pull")
    return lambda path: write_landscape(path, ls), "hpfold.landscape.h5._write_exact"


def _tree_writer():
    from hpfold.landscape import exact_landscape
    from hpfold.landscape.graph import disconnectivity_tree, write_tree

    tree = disconnectivity_tree(exact_landscape("HPPHPH", "square", moves="pull").to_graph())
    return lambda path: write_tree(tree, path), "hpfold.landscape.graph.tree_to_dict"


def _dos_writer():
    from hpfold.dos import DensityOfStates, write_dos

    dos = DensityOfStates("HPPH", "square", "HP", [-1, 0], np.log([8, 28]), "exact", "toy")
    return lambda path: write_dos(path, dos), "hpfold.io._format.set_attributes"


@pytest.mark.parametrize("make, name", [(_landscape_writer, "l.h5"), (_tree_writer, "t.json"),
                                        (_dos_writer, "d.h5")])
def test_failed_rewrite_keeps_the_old_file(tmp_path, monkeypatch, make, name):
    write, inner = make()
    path = tmp_path / name
    write(path)
    before = path.read_bytes()

    def broken(*args, **kwargs):
        raise OSError("disk full (simulated)")

    monkeypatch.setattr(inner, broken)
    with pytest.raises(OSError, match="simulated"):
        write(path)
    assert path.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == [name]


def test_atomic_path_keeps_the_extension_and_mode(tmp_path):
    target = tmp_path / "fig.png"
    with atomic_path(target) as tmp:
        assert tmp.endswith(".png") and os.path.dirname(tmp) == str(tmp_path)
        assert os.path.exists(f"{target}.lock")
        with open(tmp, "w") as fh:
            fh.write("x")
    assert target.read_text() == "x" and not os.path.exists(f"{target}.lock")
    mask = os.umask(0)
    os.umask(mask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~mask


def test_a_stale_lock_file_of_a_killed_run_does_not_block(tmp_path, capsys):
    path = tmp_path / "e.h5"
    (tmp_path / "e.h5.lock").write_text("999999")  # left by kill -9: nobody holds the flock
    assert main(["enumerate", "HPPHPH", "-o", str(path)]) == 0
    assert read_enumeration(path).sequence == "HPPHPH" and sorted(os.listdir(tmp_path)) == ["e.h5"]


def test_lock_is_reentrant_in_one_process(tmp_path):
    path = tmp_path / "x.h5"
    with lock_output(path):
        with lock_output(path):
            assert os.path.exists(f"{path}.lock")
        assert os.path.exists(f"{path}.lock")
    assert not os.path.exists(f"{path}.lock")


# ---------------------------------------------------------------------------------------------- resume
def _json_run(capsys, *argv):
    assert main(["sample", SEQ, "--seed", "4", "--threads", "1", "--json", *argv]) == 0
    return json.loads(capsys.readouterr().out)


def test_resume_of_a_missing_file_is_refused(tmp_path, capsys):
    path = tmp_path / "missing.h5"
    assert main(["sample", SEQ, "--steps", "100", "--resume", "-o", str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert err == f"hpfold sample: error: {path}: no such file to resume (drop --resume to start a new run)"
    assert not path.exists() and os.listdir(tmp_path) == []
    assert main(["sample", SEQ, "--steps", "100", "--resume", "--overwrite", "-o", str(path)]) == 2
    assert "not both" in capsys.readouterr().err


def test_anneal_resume_with_other_steps_is_refused(tmp_path, capsys):
    path = tmp_path / "a.h5"
    first = _json_run(capsys, "--method", "anneal", "--steps", "20000", "--every", "100", "-o", str(path))
    before = load_trajectory(path)
    assert main(["sample", SEQ, "--method", "anneal", "--steps", "40000", "--resume", "-o", str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert err == ("hpfold sample: error: anneal: the resumed run's schedule runs over 20000 steps, not 40000; "
                   "resume with --steps 20000 or start a new run")
    after = load_trajectory(path)  # refused before the file was reopened
    assert after.n_frames == before.n_frames and after.parameters == before.parameters
    again = _json_run(capsys, "--method", "anneal", "--steps", "20000", "--resume", "-o", str(path))
    assert again["steps"] == first["steps"] and again["frames"] == first["frames"]
    assert again["energy_histogram"] == first["energy_histogram"]
    # the file keeps one schedule, the planned one, which ends near tmin = 0.1 (its last update interval)
    assert 0.1 <= load_trajectory(path).observables["temperature"][0, -1] < 0.11


@pytest.mark.parametrize("method", [["--method", "metropolis"], ["--method", "remc", "--replicas", "3"]])
def test_resumed_json_reports_the_whole_run(tmp_path, capsys, method):
    straight = _json_run(capsys, *method, "--steps", "40000", "--every", "200", "-o", str(tmp_path / "s.h5"))
    path = tmp_path / "r.h5"
    half = _json_run(capsys, *method, "--steps", "20000", "--every", "200", "-o", str(path))
    assert half["frames"] == straight["frames"] // 2
    resumed = _json_run(capsys, *method, "--steps", "40000", "--resume", "-o", str(path))
    assert resumed["steps"] == straight["steps"] == 40000
    assert resumed["frames"] == straight["frames"] == 200
    assert resumed["energy_histogram"] == straight["energy_histogram"]
    assert resumed["best_energy"] == straight["best_energy"]
