"""A sampling run killed with SIGKILL and resumed writes exactly the frames of an uninterrupted run."""
import signal
import subprocess
import sys
import time

import numpy as np

from hpfold.io import load_trajectory

SEQ = "HPHPPHHPHPPHPHHPPHPH"


def _command(path, *extra):
    return [sys.executable, "-m", "hpfold", "sample", SEQ, "--method", "remc", "--replicas", "4",
            "--steps", "6000000", "--every", "20000", "--seed", "11", "--threads", "1", "--no-progress",
            "-o", str(path), *extra]


def test_killed_run_resumes_to_the_uninterrupted_frames(tmp_path):
    full = tmp_path / "full.h5"
    subprocess.run(_command(full), check=True, capture_output=True, timeout=600)
    cut = tmp_path / "cut.h5"
    proc = subprocess.Popen(_command(cut), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 600  # a cold numba cache compiles the sampler first
    while time.time() < deadline:  # wait until some frames are on disk, then kill without warning
        time.sleep(0.2)
        try:
            if load_trajectory(cut).n_frames >= 10:
                break
        except (ValueError, OSError):
            pass
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    partial = load_trajectory(cut)
    a = load_trajectory(full)
    assert 0 < partial.n_frames < a.n_frames, "the run finished before it was killed; raise --steps"
    subprocess.run(_command(cut, "--resume"), check=True, capture_output=True, timeout=600)
    b = load_trajectory(cut)
    assert np.array_equal(a.steps, b.steps)
    assert np.array_equal(a.positions, b.positions)
    assert np.array_equal(a.observables["energy"], b.observables["energy"])
    assert np.array_equal(a.temperature_index, b.temperature_index)
