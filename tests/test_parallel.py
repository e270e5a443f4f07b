"""Tests of hpfold.parallel: executors, numba thread caps, sharded enumeration and benchmark sweeps
on local processes and on a 2-process Dask LocalCluster, all equal to serial runs."""
import numpy as np
import pytest

from hpfold.parallel import LocalExecutor, SerialExecutor, enumerate_distributed, get_executor, split_ranges


def numba_threads(_):
    import numba

    return numba.get_num_threads()


def square(x):
    return x * x


def add(a, b, x):
    return a + b + x


def test_split_ranges_cover_everything_once():
    for n in (1, 5, 17, 256):
        for pieces in (1, 3, 8, 1000):
            ranges = split_ranges(n, pieces)
            assert ranges[0][0] == 0 and ranges[-1][1] == n
            assert all(a < b for a, b in ranges) and all(r[1] == s[0] for r, s in zip(ranges, ranges[1:]))
            assert len(ranges) == min(n, pieces)
            sizes = [b - a for a, b in ranges]
            assert max(sizes) - min(sizes) <= 1


def test_executor_choice_and_errors():
    assert isinstance(get_executor(), SerialExecutor)
    assert isinstance(get_executor(1), SerialExecutor)
    with get_executor(2, kind="threads") as ex:
        assert isinstance(ex, LocalExecutor) and ex.n_workers == 2
        assert sorted(ex.map_unordered(add, [1, 2, 3], shared=(10, 100))) == [(0, 111), (1, 112), (2, 113)]
    with pytest.raises(ValueError, match="workers must be at least 1"):
        get_executor(0)
    with pytest.raises(ValueError, match="cannot connect to the Dask scheduler"):
        get_executor(scheduler="tcp://127.0.0.1:9")


def test_serial_executor_restores_the_callers_thread_count():
    import numba

    before = numba.get_num_threads()
    with SerialExecutor(threads_per_worker=1) as ex:
        assert [r for _, r in ex.map_unordered(numba_threads, [0])] == [1]
    assert numba.get_num_threads() == before


@pytest.fixture(scope="module")
def process_pool():
    with LocalExecutor(2, threads_per_worker=1) as ex:
        yield ex


def test_local_processes_cap_numba_threads(process_pool):
    results = dict(process_pool.map_unordered(numba_threads, range(4)))
    assert results == {i: 1 for i in range(4)}
    assert sorted(r for _, r in process_pool.map_unordered(square, range(5))) == [0, 1, 4, 9, 16]


CASES = [("HPHPPHHPHPPHPH", "square"), ("HPHHPPHHP", "cubic"), ("HPPHHPH", "triangular")]


def _same_enumeration(a, b):
    assert np.array_equal(a.energies, b.energies)
    assert np.array_equal(a.counts, b.counts)
    assert np.array_equal(a.class_counts, b.class_counts)
    assert a.ground_states == b.ground_states and len(a.ground_states) > 0


@pytest.mark.parametrize("sequence,lattice", CASES)
def test_enumeration_on_local_processes_equals_serial(sequence, lattice):
    from hpfold.enumerate import enumerate_conformations

    serial = enumerate_conformations(sequence, lattice, ground_states=True, energy_cutoff=-1)
    for workers in (2, 1):
        dist = enumerate_distributed(sequence, lattice, ground_states=True, workers=workers, energy_cutoff=-1)
        _same_enumeration(dist, serial)
        assert np.array_equal(dist.conformations, serial.conformations) and len(dist.conformations) > 0
        assert np.array_equal(dist.conformation_energies, serial.conformation_energies)
        assert np.array_equal(dist.conformation_weights, serial.conformation_weights)


def test_distributed_enumeration_refuses_huge_runs():
    from hpfold.enumerate import EnumerationTooLarge

    with pytest.raises(EnumerationTooLarge, match="--force"):
        enumerate_distributed("HP" * 20, "square", workers=1)


# -- Dask -------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def dask_client():
    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
    client = distributed.Client(cluster)
    yield client
    client.close()
    cluster.close()


def test_dask_workers_cap_numba_threads(dask_client):
    with get_executor(scheduler=dask_client, threads_per_worker=1) as ex:
        assert ex.n_workers == 2
        assert dict(ex.map_unordered(numba_threads, range(4))) == {i: 1 for i in range(4)}
        assert dict(ex.map_unordered(add, [1, 2], shared=(ex.broadcast(10), 100))) == {0: 111, 1: 112}


@pytest.mark.parametrize("sequence,lattice", CASES[:2])
def test_enumeration_on_dask_equals_serial(dask_client, sequence, lattice):
    from hpfold.enumerate import enumerate_conformations

    serial = enumerate_conformations(sequence, lattice, ground_states=True)
    _same_enumeration(enumerate_distributed(sequence, lattice, ground_states=True, scheduler=dask_client), serial)


def test_benchmark_sweep_on_dask_equals_serial(dask_client, tmp_path):
    from hpfold.bench.harness import run_benchmark

    kwargs = dict(runs=2, budget="30s,3000evals", target="best-known+1", seed=7)
    serial = run_benchmark("X2-18a,S1-1", "random", **kwargs)
    dask = run_benchmark("X2-18a,S1-1", "random", scheduler=dask_client, output=tmp_path / "d.h5", **kwargs)
    keep = ("sequence_id", "algorithm", "run", "seed", "status", "success", "evaluations_to_target", "best_energy",
            "best_conformation", "evaluations", "invalid_claims")
    assert [{k: r[k] for k in keep} for r in dask.records] == [{k: r[k] for k in keep} for r in serial.records]
    assert dask.executor.startswith("Dask") and len(dask.records) == 4
