"""``hpfold enumerate`` through a real subprocess: JSON fields, summaries and one-line errors."""
import json
import subprocess
import sys

import pytest


def run(*args):
    return subprocess.run([sys.executable, "-m", "hpfold", *args], capture_output=True, text=True, timeout=300)


def test_json_fields():
    out = run("enumerate", "HPHPPHHPHHP", "--lattice", "square", "--json", "--ground-states")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    for key in ("sequence", "lattice", "n_conformations", "n_classes", "density_of_states", "ground_energy",
                "ground_count", "ground_classes", "ground_states", "seconds"):
        assert key in data
    assert data["n_conformations"] == 44100
    assert sum(c for _, c in data["density_of_states"]) == 44100
    energies = [e for e, _ in data["density_of_states"]]
    assert energies == sorted(energies) and energies[0] == data["ground_energy"]
    assert len(data["ground_states"]) == data["ground_classes"]


def test_readable_summary():
    out = run("enumerate", "hpph", "-l", "cubic")
    assert out.returncode == 0
    assert "density of states" in out.stdout and "150" in out.stdout


@pytest.mark.parametrize("args,needle", [
    (("HPZ",), "'Z' at position 3"),
    (("H",), "at least 2 monomers"),
    (("HPPH", "--lattice", "hex"), "invalid choice"),
    (("HP" * 20,), "--force"),
])
def test_bad_input_is_one_line_status_2(args, needle):
    out = run("enumerate", *args)
    assert out.returncode == 2
    assert needle in out.stderr
    assert "Traceback" not in out.stderr


def test_version_and_module_entry():
    out = run("--version")
    assert out.returncode == 0 and out.stdout.startswith("hpfold ")


def test_ctrl_c_stops_cleanly():
    import signal
    import time

    proc = subprocess.Popen([sys.executable, "-m", "hpfold", "enumerate", "HP" * 13, "--threads", "1", "--force"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(6)  # imports, estimate and a few batches of shards
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert "interrupted" in err and "Traceback" not in err
