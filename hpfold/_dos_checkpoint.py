"""Checkpoints and resume of Wang-Landau and flatPERM runs, and the batch driver that writes them.

A checkpoint is one HDF5 file holding the parameters of the call and the complete state of every run
(its arrays, counters and the ``bit_generator.state`` of its numpy Generator), stored with
:func:`hpfold.io._checkpoint.write_state`.  It is written to a temporary file in the same folder and
renamed over the old one (:func:`hpfold.io._safe.atomic_path`, under the file's lock), every few seconds
of wall time, at the start and the end, and when Ctrl-C stops the runs.  The kernels keep all their state in those
arrays and the generator, so a resumed run is bit-identical to an uninterrupted one.
"""
from __future__ import annotations

import math
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from ._interrupt import deferred_interrupt

__all__ = ["Interrupted", "write_checkpoint", "read_checkpoint", "check_parameters", "array_state",
           "restore_arrays", "drive_runs", "estimate_seconds", "check_cost", "is_checkpoint",
           "describe_checkpoint", "STATE_VERSION"]

#: version of the checkpoint layout; a checkpoint of another version is refused
STATE_VERSION = 1
#: root attribute naming the kind of file
KIND_ATTR, KIND = "hpfold_kind", "dos-checkpoint"


class Interrupted(KeyboardInterrupt):
    """Ctrl-C stopped the runs; ``checkpoint`` names the file the final state was written to (or None)."""

    def __init__(self, checkpoint=None):
        super().__init__(checkpoint)
        self.checkpoint = checkpoint


class ResumableRun:
    """Mixin of the Wang-Landau and flatPERM runs: their state is ``STATE_ARRAYS``, ``rng`` and ``seconds``."""

    STATE_ARRAYS: tuple = ()

    def get_state(self) -> dict:
        """Copies of every state array, the generator's ``bit_generator.state`` and ``seconds``."""
        state = array_state(self, self.STATE_ARRAYS, self.rng)
        state["seconds"] = float(self.seconds)
        return state

    def set_state(self, state: dict, where: str = "checkpoint") -> None:
        """Continue from ``state`` (from :meth:`get_state` of a run with the same parameters)."""
        restore_arrays(self, self.STATE_ARRAYS, self.rng, state, where)
        self.seconds = float(state.get("seconds", 0.0))


def array_state(obj, names, rng) -> dict:
    """Copies of the arrays ``names`` of ``obj`` and the state of ``rng`` (a plain dict)."""
    state = {name: np.array(getattr(obj, name), copy=True) for name in names}
    state["rng"] = rng.bit_generator.state
    return state


def restore_arrays(obj, names, rng, state, where) -> None:
    """Copy the arrays ``names`` of ``state`` into ``obj`` (same shape and dtype) and restore ``rng``.

    Raises
    ------
    ValueError
        One line naming ``where`` and the array that does not fit.
    """
    for name in names:
        mine, saved = getattr(obj, name), state.get(name)
        if not isinstance(saved, np.ndarray) or saved.shape != mine.shape or saved.dtype != mine.dtype:
            raise ValueError(f"{where}: the stored {name!r} does not fit this run (damaged or foreign checkpoint)")
        mine[...] = saved
    try:
        rng.bit_generator.state = state["rng"]
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"{where}: unreadable random-number state ({exc})") from None


def write_checkpoint(path, method: str, parameters: dict, run_states: list) -> None:
    """Write the parameters and the states of all runs to ``path`` atomically (temporary file + rename).

    Parameters
    ----------
    path : str or path-like
    method : {"wang-landau", "flatperm"}
    parameters : dict
        JSON-ready values (sequence, lattice, model, steps or tours, runs, seed, ...).
    run_states : list of dict
        One state per run, as returned by the runs' ``get_state``.
    """
    from .io._checkpoint import write_state
    from .io._format import open_for_writing
    from .io._safe import atomic_path

    with atomic_path(path) as tmp, open_for_writing(tmp, "w") as f:
        f.attrs[KIND_ATTR] = KIND
        write_state(f.create_group("checkpoint"), {
            "version": STATE_VERSION, "method": method, "parameters": dict(parameters),
            "runs": {str(i): s for i, s in enumerate(run_states)}})


def is_checkpoint(path) -> bool:
    """True if ``path`` is an HDF5 file marked as a Wang-Landau or flatPERM checkpoint."""
    import h5py

    try:
        with h5py.File(os.fspath(path), "r") as f:
            return f.attrs.get(KIND_ATTR) in (KIND, KIND.encode())
    except (OSError, RuntimeError):
        return False


def describe_checkpoint(path) -> dict:
    """What a checkpoint holds: method, parameters, and per run the steps or tours done of the total.

    Examples
    --------
    >>> import os, tempfile
    >>> from hpfold.perm import flatperm
    >>> path = os.path.join(tempfile.mkdtemp(), "ck.h5")
    >>> _ = flatperm("HPPHPPH", tours=500, runs=2, seed=1, checkpoint=path)
    >>> d = describe_checkpoint(path)
    >>> d["method"], d["done"], d["total_per_run"]
    ('flatperm', [500, 500], 500)
    """
    import h5py

    from .io._checkpoint import read_state

    path = os.fspath(path)
    with h5py.File(path, "r") as f:
        state = read_state(f["checkpoint"])
    method = state.get("method")
    params, runs = read_checkpoint(path, method)
    if method == "wang-landau":
        done, total, unit = [int(r["istate"][1]) for r in runs], int(params["steps"]), "steps"
    else:
        done, total, unit = [int(r["counters"][0]) for r in runs], int(params["tours"]), "tours"
    return {"path": path, "kind": "dos-checkpoint", "method": method, "parameters": params, "unit": unit,
            "total_per_run": total, "done": done, "seconds": [float(r["seconds"]) for r in runs],
            "file_bytes": os.path.getsize(path), "finished": all(d >= total for d in done)}


def read_checkpoint(path, method: str) -> tuple:
    """(parameters, run states) stored in the checkpoint ``path`` of a ``method`` run.

    Raises
    ------
    ValueError
        One line: no such file, not a checkpoint, damaged, another version or another method.
    """
    import h5py

    from .io._checkpoint import read_state
    from .io._format import first_line

    path = os.fspath(path)
    if not os.path.exists(path):
        raise ValueError(f"{path}: no such file to resume (drop --resume to start a new run)")
    try:
        with h5py.File(path, "r") as f:
            if f.attrs.get(KIND_ATTR) not in (KIND, KIND.encode()):
                raise ValueError(f"{path}: not a Wang-Landau or flatPERM checkpoint")
            state = read_state(f["checkpoint"])
    except ValueError:
        raise
    except (OSError, KeyError, RuntimeError, TypeError) as exc:
        raise ValueError(f"{path}: damaged checkpoint ({first_line(exc)})") from None
    if state.get("version") != STATE_VERSION:
        raise ValueError(f"{path}: checkpoint version {state.get('version')} (this hpfold reads {STATE_VERSION})")
    if state.get("method") != method:
        raise ValueError(f"{path}: the checkpoint is of a {state.get('method')} run, not {method}")
    runs = state["runs"]
    return state["parameters"], [runs[str(i)] for i in range(len(runs))]


def check_parameters(path, stored: dict, given: dict) -> None:
    """Refuse to resume when a parameter differs from the checkpoint's (one line naming the first one)."""
    for key, value in given.items():
        if stored.get(key) != value:
            raise ValueError(f"{os.fspath(path)}: cannot resume, the checkpoint has {key} {stored.get(key)!r}, "
                             f"not {value!r}; give the same parameters or start a new run")


class _Saver:
    """Writes a consistent snapshot of every run at most every ``every`` seconds (thread-safe)."""

    def __init__(self, runs, save, every):
        self.runs, self.save, self.every = runs, save, float(every)
        self.locks = [threading.Lock() for _ in runs]
        self.guard = threading.Lock()
        self.last = time.perf_counter()

    def maybe(self, force=False) -> None:
        if self.save is None or not (force or time.perf_counter() - self.last >= self.every):
            return
        if not self.guard.acquire(blocking=force):
            return  # another thread is writing it
        try:
            states = []
            for run, lock in zip(self.runs, self.locks):
                with lock:
                    states.append(run.get_state())
            self.save(states)
            self.last = time.perf_counter()
        finally:
            self.guard.release()


def estimate_seconds(runs, total, done, *, threads=1, max_seconds=None, first_batch=16, pilot=0.3) -> float:
    """Wall seconds the remaining work should take, from a short timed pilot on the first unfinished run.

    The pilot advances a copy of that run (first untimed, so that compilation is not counted), then in
    doubling batches for about ``pilot`` seconds; the rate found is applied to every run's remaining
    steps.  The runs themselves are not touched.  Capped at ``max_seconds`` when given.
    """
    import copy

    run = next((r for r in runs if done(r) < total), None)
    if run is None:
        return 0.0
    run = copy.deepcopy(run)
    run.advance(min(int(first_batch), total - done(run)))
    used, units, batch = 0.0, 0, int(first_batch)
    while used < pilot and done(run) < total:
        n = min(batch, total - done(run))
        t0 = time.perf_counter()
        run.advance(n)
        used += time.perf_counter() - t0
        units += n
        batch *= 2
    if units == 0:
        return 0.0
    remaining = sum(max(0, total - done(r)) for r in runs)
    seconds = remaining * used / units / max(1, min(int(threads), len(runs)))
    return seconds if max_seconds is None else min(seconds, float(max_seconds))


def check_cost(seconds, what, *, force=False) -> None:
    """Refuse (``ValueError``, one line) a run estimated over :data:`hpfold.enumerate.MAX_SECONDS`
    unless ``force``; log a warning from one minute on."""
    import logging

    from .enumerate import MAX_SECONDS, _human

    if seconds > MAX_SECONDS and not force:
        raise ValueError(f"{what} is estimated at {_human(seconds)} (over {_human(MAX_SECONDS)}); "
                         "use --force (force=True) to run it anyway, or --max-seconds to cap it")
    if seconds > 60:
        logging.getLogger("hpfold").warning("%s: estimated at %s", what, _human(seconds))


def drive_runs(runs, total, done, *, threads=1, max_seconds=None, first_batch=16, save=None, every=5.0,
               path=None, progress=None, unit="step", label="runs", cost=None, force=False):
    """Advance every run until ``done(run) >= total``, in batches of about 0.25-1 s, on ``threads`` threads.

    Parameters
    ----------
    runs : list
        Objects with ``advance(n)`` (and ``get_state()`` when ``save`` is given).
    total : int
        Steps or tours each run must reach.
    done : callable
        ``done(run)``: steps or tours the run has made.
    threads : int
    max_seconds : float, optional
        Wall-time limit, shared equally: runs on one thread in turn, ``threads`` runs at a time in parallel.
    first_batch : int
    save : callable, optional
        ``save(list of run states)``: called at the start (so that a run killed at any moment can be
        resumed), every ``every`` seconds of wall time and at the end.
    every : float
    path : str, optional
        The checkpoint file ``save`` writes, named by :class:`Interrupted`.
    progress : bool, optional
        A progress bar on stderr (default: when stderr is a terminal), shown after two seconds.
    unit, label : str
        What the bar counts and its title.
    cost : str, optional
        Name the work in a refusal: first a short timed pilot (:func:`estimate_seconds`) and
        :func:`check_cost`, which raises ``ValueError`` over 10 minutes unless ``force`` (nothing is
        saved then).
    force : bool

    Raises
    ------
    Interrupted
        On Ctrl-C, after the current batches, once the final state has been saved.
    """
    threads = max(1, min(int(threads), len(runs)))
    share = None if max_seconds is None else float(max_seconds) / math.ceil(len(runs) / threads)
    saver = _Saver(runs, save, every)
    stop = threading.Event()
    with deferred_interrupt() as check:
        if cost is not None:
            check_cost(estimate_seconds(runs, total, done, threads=threads, max_seconds=max_seconds,
                                        first_batch=first_batch), cost, force=force)
        bar = _progress_bar(runs, total, done, progress, unit, label)
        saver.maybe(force=True)
        def drive(i):
            run, batch, started = runs[i], int(first_batch), time.perf_counter()
            while done(run) < total and not stop.is_set():
                if share is not None and time.perf_counter() - started > share:
                    break
                t0 = time.perf_counter()
                before = done(run)
                with saver.locks[i]:
                    run.advance(min(batch, total - done(run)))
                elapsed = time.perf_counter() - t0
                if bar is not None:
                    bar.update(done(run) - before)
                batch = batch * 2 if elapsed < 0.25 else (max(1, batch // 2) if elapsed > 1.0 else batch)
                if _pressed(check):
                    stop.set()
                saver.maybe()

        if threads <= 1:
            for i in range(len(runs)):
                drive(i)
        else:
            with ThreadPoolExecutor(max_workers=threads) as pool:
                list(pool.map(drive, range(len(runs))))
        stopped = stop.is_set() or _pressed(check)
        saver.maybe(force=True)
    if bar is not None:
        bar.close()
    if stopped:
        raise Interrupted(path if save is not None else None)


def _progress_bar(runs, total, done, progress, unit, label):
    import sys

    if not (sys.stderr.isatty() if progress is None else progress):
        return None
    from tqdm import tqdm

    return tqdm(total=total * len(runs), initial=sum(min(total, done(r)) for r in runs), unit=unit,
                unit_scale=True, desc=label, delay=2.0, file=sys.stderr, leave=False)


def _pressed(check) -> bool:
    try:
        check()
    except KeyboardInterrupt:
        return True
    return False
