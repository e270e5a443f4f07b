"""The benchmark sweep: (sequence, algorithm, run) trials, run under budget, judged, stored, resumable.

Every trial runs in a supervised child process (:mod:`hpfold.bench.runner`) that is killed
when it overruns ``budget + grace``.  Seeds are derived from (base seed, sequence id,
algorithm, run), never from the worker, so a sweep gives the same seeds (and, for
algorithms bounded by evaluations, the same results) serially, on local workers or on Dask.
"""
from __future__ import annotations

import datetime
import hashlib
import logging
import platform
import socket
import sys
from dataclasses import dataclass, field

import numpy as np

from .protocol import Budget, parse_budget, resolve_algorithm
from .store import ResultStore, run_key
from .suites import Problem, get_suite, parse_target

__all__ = ["derive_seed", "make_trials", "run_trial", "run_benchmark", "run_inline", "BenchmarkResult",
           "default_grace"]

log = logging.getLogger(__name__)


def derive_seed(base_seed: int, sequence_id: str, algorithm: str, run: int) -> int:
    """A 63-bit seed for one (sequence, algorithm, run), independent of where it runs.

    Examples
    --------
    >>> derive_seed(0, "S1-1", "random", 0) == derive_seed(0, "S1-1", "random", 0)
    True
    >>> derive_seed(0, "S1-1", "random", 0) != derive_seed(0, "S1-1", "random", 1)
    True
    """
    words = [int(base_seed)]
    for text in (sequence_id, algorithm):
        words.append(int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:8], "little"))
    words.append(int(run))
    state = np.random.SeedSequence(words).generate_state(2, dtype=np.uint32)
    return int((int(state[0]) << 31) ^ int(state[1])) & ((1 << 63) - 1)


def default_grace(seconds: float) -> float:
    """Seconds a run may overrun its budget before it is killed: max(1 s, 10 % of the budget)."""
    return max(1.0, 0.1 * float(seconds))


def make_trials(problems, algorithms, runs: int, budget, target="best-known", seed: int = 0) -> list:
    """The trial dicts of a sweep, in (sequence, algorithm, run) order."""
    budget = parse_budget(budget)
    trials = []
    for p in problems:
        tgt = parse_target(target, p)
        for alg in algorithms:
            for r in range(int(runs)):
                trials.append({
                    "sequence_id": p.id, "sequence": p.sequence, "lattice": p.lattice, "best_known": p.best_energy,
                    "algorithm": alg, "run": r, "seed": derive_seed(seed, p.id, alg, r), "base_seed": int(seed),
                    "target": tgt, "budget_seconds": float(budget.seconds),
                    "budget_evaluations": budget.evaluations,
                })
    return trials


def _environment() -> dict:
    from .. import __version__

    return {"host": socket.gethostname(), "hpfold_version": __version__, "python": platform.python_version(),
            "finished": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")}


def run_trial(grace: float, threads: int, trial: dict) -> dict:
    """Run one trial in this thread's supervised child process and return its judged record."""
    from .judge import judge_run
    from .runner import supervisor_for_thread

    outcome, events, seconds = supervisor_for_thread(threads).run(trial, grace)
    record = judge_run(trial, outcome, events, seconds)
    record.update(_environment(), threads=int(threads))
    return record


def run_inline(algorithm: str, sequence: str, lattice: str = "square", budget="10s", seed: int = 0,
               target=None) -> dict:
    """Run one algorithm once in *this* process (no hard kill) and judge it: for trying a plug-in.

    Parameters
    ----------
    algorithm : str
        A built-in name or ``"package.module:function"``.
    sequence, lattice : str
    budget : str or Budget
    seed : int
    target : int, optional
        Target energy (default: none; the run uses its whole budget).

    Returns
    -------
    dict
        The run record (see :func:`hpfold.bench.judge.judge_run`).

    Examples
    --------
    >>> rec = run_inline("random", "HPPHPPHH", "square", budget="1s,2000evals", seed=3, target=-2)
    >>> rec["success"], rec["invalid_claims"]
    (True, 0)
    """
    from .judge import judge_run
    from .runner import execute_trial

    budget = parse_budget(budget)
    resolve_algorithm(algorithm)
    trial = {"sequence_id": "inline", "sequence": sequence, "lattice": lattice, "algorithm": algorithm, "run": 0,
             "seed": int(seed), "target": target, "budget_seconds": budget.seconds,
             "budget_evaluations": budget.evaluations}
    events = []
    execute_trial(trial, events.append)
    outcome = "error" if events and events[-1]["kind"] == "error" else "done"
    seconds = events[-1].get("t", 0.0) if events else 0.0
    return judge_run(trial, outcome, [e for e in events if e["kind"] != "start"], seconds)


_SETTINGS = ("sequence", "lattice", "target", "budget_seconds", "budget_evaluations", "seed")


@dataclass
class BenchmarkResult:
    """The records of a sweep (old and new) and their per-(sequence, algorithm) summaries."""

    records: list
    problems: list
    algorithms: list
    budget: Budget
    new_runs: int = 0
    executor: str = "serial"
    summaries: list = field(default_factory=list)

    def summary(self, **kwargs) -> list:
        """Per (sequence, algorithm) statistics, see :func:`hpfold.bench.stats.summarize`."""
        from .stats import summarize

        if not self.summaries or kwargs:
            self.summaries = summarize(self.records, **kwargs)
        return self.summaries


def run_benchmark(suite, algorithms, runs: int = 10, budget="60s", target="best-known", seed: int = 0,
                  output=None, workers=None, scheduler=None, threads: int = 1, grace=None,
                  progress=None) -> BenchmarkResult:
    """Run every algorithm ``runs`` times on every sequence of a suite, under a budget.

    Parameters
    ----------
    suite : str or list of Problem
        A suite name or comma list of ids (see :func:`hpfold.bench.suites.get_suite`).
    algorithms : str or list of str
        Built-in names (``random``, ``remc``, ...) or ``package.module:function`` plug-ins.
    runs : int
        Independent runs per (sequence, algorithm).
    budget : str or Budget
        Per run, e.g. ``"60s"`` or ``"10s,1e6evals"``.
    target : str or int
        ``"best-known"`` (default), ``"best-known+K"`` or an energy.
    seed : int
        Base seed; run seeds are derived from it per (sequence, algorithm, run).
    output : str or Path, optional
        Results file (``.jsonl`` or ``.h5``); runs already in it are skipped (resume).
    workers : int, optional
        Trials at a time on this machine (default 1).
    scheduler : str or distributed.Client, optional
        Run the trials on a Dask cluster instead (see :mod:`hpfold.parallel`).
    threads : int
        numba threads of each trial's process (default 1: one core per run).
    grace : float, optional
        Seconds past the budget before a run is killed (default :func:`default_grace`).
    progress : bool, optional
        tqdm bar on stderr (default: when stderr is a terminal).

    Returns
    -------
    BenchmarkResult

    Raises
    ------
    ValueError
        On an unknown suite or algorithm, a bad budget, or a results file holding the same
        runs with different settings.

    Examples
    --------
    >>> res = run_benchmark("X2-18a", "random", runs=2, budget="5s,20000evals", target="best-known+1")
    >>> [s["successes"] for s in res.summary()]
    [2]

    Notes
    -----
    Statistics follow Hoos & Stutzle, *Stochastic Local Search* (2004): run-length
    distributions and censored medians. Cost: runs x sequences x algorithms x budget,
    divided by the workers.
    """
    problems = get_suite(suite) if not (isinstance(suite, list) and suite and isinstance(suite[0], Problem)) \
        else suite
    if isinstance(algorithms, str):
        algorithms = [a.strip() for a in algorithms.split(",") if a.strip()]
    if not algorithms:
        raise ValueError("no algorithms given")
    for alg in algorithms:
        resolve_algorithm(alg)  # fail early, in this process, with a one-line error
    if int(runs) < 0:
        raise ValueError(f"runs must be >= 0, got {runs}")
    budget = parse_budget(budget)
    grace = default_grace(budget.seconds) if grace is None else float(grace)
    if threads < 1:
        raise ValueError(f"threads must be at least 1, got {threads}")
    trials = make_trials(problems, algorithms, runs, budget, target, seed)
    store = ResultStore(output)
    with store.lock():
        records_new, existing, description = _run_missing(store, trials, output, workers, scheduler, threads,
                                                         grace, progress)
    wanted = {run_key(t) for t in trials}
    by_key = {run_key(r): r for r in list(existing.values()) + records_new}
    ordered = [by_key[run_key(t)] for t in trials if run_key(t) in by_key]
    assert len(ordered) == len(wanted)
    return BenchmarkResult(ordered, problems, list(algorithms), budget, len(records_new), description)


def _run_missing(store, trials, output, workers, scheduler, threads, grace, progress):
    """Run the trials not yet in ``store``; return (new records, existing records by key, executor name)."""
    existing = {run_key(r): r for r in store.records()}
    todo = []
    for t in trials:
        old = existing.get(run_key(t))
        if old is None:
            todo.append(t)
            continue
        diff = [k for k in _SETTINGS if old.get(k) != t.get(k)]
        if diff:
            raise ValueError(f"{output} already holds {t['sequence_id']}/{t['algorithm']}/run {t['run']} with a "
                             f"different {', '.join(diff)}; use another results file")
    if len(todo) < len(trials):
        log.info("resuming: %d of %d runs already in %s", len(trials) - len(todo), len(trials), output)
    records_new = []
    description = "nothing to run"
    if todo:
        from ..parallel import DaskExecutor, get_executor
        from .runner import close_supervisors, kill_supervisors

        bar = _progress_bar(len(todo), progress)
        ex = get_executor(workers, scheduler, threads_per_worker=threads, kind="threads")
        description = ex.description
        try:
            for _, rec in ex.map_unordered(run_trial, todo, shared=(grace, threads)):
                store.append(rec)
                records_new.append(rec)
                if bar is not None:
                    bar.update(1)
                    bar.set_postfix_str(f"{rec['sequence_id']} {rec['algorithm']} "
                                        f"{'ok' if rec['success'] else 'miss'}")
        except BaseException:
            kill_supervisors()  # Ctrl-C or a failure: do not wait for running trials
            raise
        finally:
            if bar is not None:
                bar.close()
            if isinstance(ex, DaskExecutor):
                try:
                    ex.client.run(close_supervisors)
                except Exception:  # noqa: BLE001 - best effort: children also exit with their worker
                    pass
            ex.close()
            close_supervisors()
    return records_new, existing, description


def _progress_bar(total, progress):
    if progress is None:
        progress = sys.stderr.isatty()
    if not progress:
        return None
    from tqdm import tqdm

    return tqdm(total=total, unit="run", desc="bench", file=sys.stderr)
