"""The start-up policy of the ``hpfold`` process (collector held back, frozen at exit) and the prefetch intrinsic."""
import gc
import subprocess
import sys
import time

import numpy as np
from numba import njit

from hpfold._kernels.prefetch import prefetch_row
from hpfold.cli._startup import collector_held_back


def test_collector_is_held_back_then_restored():
    assert gc.isenabled()
    with collector_held_back(resume_after=60.0):
        assert not gc.isenabled()
    assert gc.isenabled()
    assert gc.get_freeze_count() == 0


def test_a_long_run_gets_its_collector_back():
    with collector_held_back(resume_after=0.05):
        deadline = time.monotonic() + 10.0
        while not gc.isenabled() and time.monotonic() < deadline:
            time.sleep(0.01)
        assert gc.isenabled()
        assert gc.get_freeze_count() > 0  # the start-up objects were frozen when it resumed
    assert gc.isenabled()
    assert gc.get_freeze_count() == 0  # and given back to the collector at the end


def test_an_error_restores_the_collector():
    try:
        with collector_held_back(resume_after=60.0):
            raise RuntimeError("boom")
    except RuntimeError:
        pass
    assert gc.isenabled()


def test_python_m_hpfold_runs_the_console_entry():
    out = subprocess.run([sys.executable, "-m", "hpfold", "--version"], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and out.stdout.startswith("hpfold ")
    out = subprocess.run([sys.executable, "-m", "hpfold", "enumerate", "HPXH"], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 2 and len(out.stderr.strip().splitlines()) == 1


@njit(cache=False)
def _sum_prefetched(table, rows):
    total = 0
    for r in rows:
        prefetch_row(table, r)
    for r in rows:
        total += table[r, 0] + table[r, 1]
    return total


def test_prefetch_does_not_change_what_is_read():
    table = np.arange(40, dtype=np.uint64).reshape(20, 2)
    rows = np.array([3, 19, 0, 7, 7])
    assert _sum_prefetched(table, rows) == int(table[rows].sum())
    # a 1-d array and an index past the end (a prefetch never faults)
    assert _first(np.arange(5), 4) == 4


@njit(cache=False)
def _first(a, i):
    prefetch_row(a, i + 1000)
    return a[i]
