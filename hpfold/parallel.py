"""Executors for independent tasks: in-process, local processes (default) or a Dask cluster.

The same task functions run on every executor, so results do not depend on where they
ran.  Local processes are *spawned* (never forked: a process forked after a parallel numba
kernel ran is killed by the OpenMP layer), and every task caps numba's threads with
``numba.set_num_threads`` (the setting is per thread, so it is applied inside each task).

* ``workers=None`` (or 1), no scheduler: run in this process, in order.
* ``workers=N``: a ``concurrent.futures.ProcessPoolExecutor`` of N spawned processes, no server.
* ``scheduler=ADDRESS``: a Dask distributed scheduler (``tcp://host:8786``), a scheduler file
  (``scheduler.json``, as written by ``dask scheduler --scheduler-file`` or dask-jobqueue),
  ``"local"`` (a Dask ``LocalCluster`` of ``workers`` processes started here), or a
  ``distributed.Client`` / cluster object.  See ``docs/distributed.md``.
"""
from __future__ import annotations

import dataclasses
import logging
import os
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor, as_completed

__all__ = ["get_executor", "SerialExecutor", "LocalExecutor", "DaskExecutor", "enumerate_distributed",
           "split_ranges"]

log = logging.getLogger(__name__)


def _cap_threads(threads: int) -> None:
    import numba

    numba.set_num_threads(max(1, min(int(threads), numba.config.NUMBA_NUM_THREADS)))


def _init_process(threads: int) -> None:
    """Initializer of spawned workers: size numba's pool before numba is imported."""
    for var in ("NUMBA_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ[var] = str(threads)


def _call_capped(item, fn, threads, shared=()):
    if threads is None:
        return fn(*shared, item)
    import numba

    before = numba.get_num_threads()
    _cap_threads(threads)
    try:
        return fn(*shared, item)
    finally:
        numba.set_num_threads(before)


class SerialExecutor:
    """Runs tasks one after the other in this process."""

    n_workers = 1
    description = "serial (this process)"

    def __init__(self, threads_per_worker: int | None = None):
        self.threads = threads_per_worker

    def map_unordered(self, fn, items, shared=()):
        """Yield ``(index, fn(*shared, item))`` as tasks finish (here: in order).

        ``shared`` are arguments common to every task (sent once per worker on Dask).
        """
        for i, item in enumerate(items):
            yield i, _call_capped(item, fn, self.threads, shared)

    def broadcast(self, obj):
        return obj

    def close(self):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class LocalExecutor(SerialExecutor):
    """N local workers: spawned processes (default) or threads of this process.

    Parameters
    ----------
    workers : int
    threads_per_worker : int
        numba threads per task.
    kind : {"processes", "threads"}
        Threads suit tasks that only wait on their own child processes (benchmark trials).
    """

    def __init__(self, workers: int, threads_per_worker: int = 1, kind: str = "processes"):
        if int(workers) < 1:
            raise ValueError(f"workers must be at least 1, got {workers}")
        self.n_workers = int(workers)
        self.threads = int(threads_per_worker)
        self.kind = kind
        if kind == "threads":
            self._pool = ThreadPoolExecutor(self.n_workers)
        else:
            import multiprocessing

            self._pool = ProcessPoolExecutor(self.n_workers, mp_context=multiprocessing.get_context("spawn"),
                                             initializer=_init_process, initargs=(self.threads,))
        self.description = f"{self.n_workers} local {kind}"

    def map_unordered(self, fn, items, shared=()):
        threads = None if self.kind == "threads" else self.threads
        futures = {self._pool.submit(_call_capped, item, fn, threads, tuple(shared)): i
                   for i, item in enumerate(items)}
        try:
            for fut in as_completed(futures):
                yield futures[fut], fut.result()
        finally:
            for fut in futures:
                fut.cancel()

    def close(self):
        self._pool.shutdown(wait=True, cancel_futures=True)


class DaskExecutor(SerialExecutor):
    """Tasks on a Dask distributed cluster (see the module docstring for ``scheduler``)."""

    def __init__(self, scheduler, workers: int | None = None, threads_per_worker: int = 1):
        try:
            from distributed import Client, LocalCluster
        except ImportError:
            raise ValueError("--scheduler needs Dask: pip install 'dask[distributed]' (or hpfold[dask])") from None
        self.threads = int(threads_per_worker)
        self._own_client = True
        self._cluster = None
        try:
            if isinstance(scheduler, Client):
                self.client, self._own_client = scheduler, False
            elif hasattr(scheduler, "scheduler_address"):
                self.client = Client(scheduler)
            elif str(scheduler) == "local":
                self._cluster = LocalCluster(n_workers=workers or os.cpu_count() or 1, threads_per_worker=1,
                                             processes=True, dashboard_address=None)
                self.client = Client(self._cluster)
            elif str(scheduler).endswith(".json") and os.path.exists(str(scheduler)):
                self.client = Client(scheduler_file=str(scheduler), timeout="30s")
            else:
                _check_reachable(str(scheduler))
                self.client = Client(str(scheduler), timeout="30s")
        except (OSError, TimeoutError) as exc:
            raise ValueError(f"cannot connect to the Dask scheduler {scheduler!r}: {exc}") from None
        info = self.client.scheduler_info()
        workers_info = info.get("workers", {})
        self.n_workers = max(1, sum(int(w.get("nthreads", 1)) for w in workers_info.values()))
        self.description = f"Dask at {self.client.scheduler.address} ({self.n_workers} worker threads)"

    def map_unordered(self, fn, items, shared=()):
        from distributed import as_completed as dask_completed

        items = list(items)
        futures = self.client.map(_call_capped, items, fn=fn, threads=self.threads, shared=list(shared),
                                  pure=False)
        index = {fut.key: i for i, fut in enumerate(futures)}
        try:
            for fut, result in dask_completed(futures, with_results=True):
                yield index[fut.key], result
        finally:
            for fut in futures:
                fut.cancel()

    def broadcast(self, obj):
        return self.client.scatter(obj, broadcast=True, hash=False)

    def close(self):
        if self._own_client:
            self.client.close()
        if self._cluster is not None:
            self._cluster.close()


def _check_reachable(address: str, timeout: float = 5.0) -> None:
    """Fail fast (OSError) when a tcp:// scheduler address does not accept connections."""
    import socket
    from urllib.parse import urlsplit

    if "://" not in address:
        address = "tcp://" + address
    parts = urlsplit(address)
    if parts.scheme == "tcp" and parts.hostname and parts.port:
        socket.create_connection((parts.hostname, parts.port), timeout=timeout).close()


def get_executor(workers=None, scheduler=None, *, threads_per_worker: int = 1, kind: str = "processes"):
    """The executor for ``workers`` / ``scheduler`` (see the module docstring).

    Examples
    --------
    >>> with get_executor() as ex:
    ...     sorted(ex.map_unordered(abs, [-1, 2]))
    [(0, 1), (1, 2)]
    """
    if scheduler is not None:
        return DaskExecutor(scheduler, workers, threads_per_worker)
    if workers is None or int(workers) <= 1:
        if workers is not None and int(workers) < 1:
            raise ValueError(f"workers must be at least 1, got {workers}")
        return SerialExecutor(threads_per_worker)
    return LocalExecutor(int(workers), threads_per_worker, kind)


def split_ranges(n: int, pieces: int) -> list:
    """``[(start, stop), ...]`` cutting ``range(n)`` into at most ``pieces`` contiguous nearly equal parts."""
    pieces = max(1, min(int(pieces), n))
    bounds = [round(k * n / pieces) for k in range(pieces + 1)]
    return [(a, b) for a, b in zip(bounds[:-1], bounds[1:]) if b > a]


# -- sharded exact enumeration -------------------------------------------------------------------
def _count_range(plan, bounds):
    from .enumerate import enumerate_shards

    return enumerate_shards(plan, *bounds)


def _collect_range(plan, cutoff, part):
    from .enumerate import ShardCounts, collect_conformations

    stop = part.start + len(part.fast)
    sub = dataclasses.replace(plan, prefixes=plan.prefixes[part.start:stop])
    local = ShardCounts(0, part.fast, part.weighted, part.classes)
    return collect_conformations(sub, [local], cutoff)


def enumerate_distributed(sequence, lattice="square", ground_states=False, workers=None, scheduler=None,
                          force=False, *, model="HP", energy_cutoff=None, threads_per_worker=1, tasks_per_worker=8):
    """Exact enumeration with its shards spread over local processes or a Dask cluster.

    Parameters
    ----------
    sequence : str
    lattice : str
    ground_states : bool
        Also list the canonical ground states (a second distributed pass).
    workers : int, optional
        Local processes (default: all cores), or the size of a ``scheduler="local"`` cluster.
    scheduler : str or distributed.Client, optional
        A Dask scheduler (see :func:`get_executor`).
    force : bool
        Run even when estimated to take over 10 minutes.
    model : str or EnergyModel
    energy_cutoff : int, optional
        Also return every canonical conformation with E <= cutoff, in the order of the serial
        enumeration (``conformations``, ``conformation_energies``, ``conformation_weights``).
    threads_per_worker : int
        numba threads per task.
    tasks_per_worker : int
        Shard ranges per worker (more balances better, costs more scheduling).

    Returns
    -------
    EnumerationResult
        Identical to :func:`hpfold.enumerate.enumerate_conformations` (counts, classes,
        ground states, conformations); ``threads`` is the total number of worker threads.

    Examples
    --------
    >>> r = enumerate_distributed("HPPHPPH", "square", workers=1)
    >>> r.n_conformations, r.ground_energy
    (780, -2)

    Notes
    -----
    The shards of :func:`hpfold.enumerate.plan_enumeration` (one canonical prefix each) are
    cut into contiguous ranges, counted by :func:`~hpfold.enumerate.enumerate_shards` on the
    workers and merged by :func:`~hpfold.enumerate.merge_counts`, as in stumpy's ``stumped``.
    Cost: that of the serial enumeration, divided by the workers, plus one pickled plan per
    task (broadcast once on Dask).
    """
    from .enumerate import (MAX_CONFORMATIONS, MAX_SECONDS, EnumerationTooLarge, estimate_enumeration,
                            merge_counts, plan_enumeration)
    import numpy as np

    from .lattice import encode_directions

    if workers is None and scheduler is None:
        workers = os.cpu_count() or 1
    with get_executor(workers, scheduler, threads_per_worker=threads_per_worker) as ex:
        total_threads = ex.n_workers * int(threads_per_worker)
        plan = plan_enumeration(sequence, lattice, model, target_shards=max(256, 64 * total_threads))
        count, seconds = estimate_enumeration(plan, total_threads)
        if count > MAX_CONFORMATIONS:
            raise EnumerationTooLarge(f"{plan.sequence[:20]}... ({plan.n} monomers) on {plan.lattice}: about "
                                      f"{count:.2g} conformations, too many to count exactly in int64")
        if seconds > MAX_SECONDS and not force:
            raise EnumerationTooLarge(
                f"enumerating {plan.n} monomers on {plan.lattice} is estimated at {count:.3g} conformations and "
                f"{seconds / 60:.0f} min on {total_threads} worker thread(s); use --force (force=True) to run it")
        ref = ex.broadcast(plan)
        ranges = split_ranges(plan.n_shards, tasks_per_worker * ex.n_workers)
        log.info("enumerating %s on %s: %d shards in %d tasks on %s", plan.sequence, plan.lattice, plan.n_shards,
                 len(ranges), ex.description)
        t0 = time.perf_counter()
        parts = [part for _, part in ex.map_unordered(_count_range, ranges, shared=(ref,))]
        result = merge_counts(plan, parts, time.perf_counter() - t0, total_threads)
        if ground_states or energy_cutoff is not None:
            cutoff = result.ground_energy if energy_cutoff is None else max(int(energy_cutoff), result.ground_energy)
            found = dict(ex.map_unordered(_collect_range, parts, shared=(ref, cutoff)))
            order = sorted(found, key=lambda k: parts[k].start)  # shard order, as the serial collection
            dirs = np.concatenate([found[k][0] for k in order])
            energies = np.concatenate([found[k][1] for k in order])
            weights = np.concatenate([found[k][2] for k in order])
            if ground_states:
                result.ground_states = sorted(encode_directions(row) for row in dirs[energies == result.ground_energy])
            if energy_cutoff is not None:
                result.conformations, result.conformation_energies = dirs, energies
                result.conformation_weights = weights
        result.seconds = time.perf_counter() - t0
    return result
