"""The plug-in protocol: how the harness calls a folding algorithm, and the budget it gets.

An algorithm is any importable function::

    def my_algorithm(sequence, lattice, budget, seed, report):
        ...
        return best_conformation

``sequence`` is the HP string, ``lattice`` the lattice name (``"square"``, ``"cubic"``, ...),
``budget`` a :class:`Budget` (``budget.seconds``, ``budget.evaluations``), ``seed`` an int that
the harness derives from (sequence, algorithm, run), and ``report`` a :class:`Reporter`:
call ``report(elapsed, evaluations, best_energy, conformation=None)`` whenever the best
energy improves (and now and then otherwise). It returns True when the algorithm should
stop: the time or evaluation budget is used up, or ``best_energy`` reached ``report.target``.
Return the best conformation found: a direction string (``"0011..."``, see
:mod:`hpfold.lattice`) or integer lattice coordinates of shape (N, dim).

An optional attribute ``my_algorithm.warmup(sequence, lattice)`` is called before the clock
starts (to compile numba kernels, for example).
"""
from __future__ import annotations

import importlib
import re
import time
from dataclasses import dataclass

import numpy as np

__all__ = ["Budget", "parse_budget", "Reporter", "resolve_algorithm"]


@dataclass(frozen=True)
class Budget:
    """What one run may spend: wall-clock seconds (always) and, optionally, energy evaluations.

    The harness tells the algorithm to stop (through its reporter) when either is used up,
    and kills the run ``grace`` seconds after ``seconds`` have passed.
    """

    seconds: float
    evaluations: int | None = None

    def __post_init__(self):
        if not (self.seconds > 0 and np.isfinite(self.seconds)):
            raise ValueError(f"budget: seconds must be a positive number, got {self.seconds!r}")
        if self.evaluations is not None and self.evaluations <= 0:
            raise ValueError(f"budget: evaluations must be positive, got {self.evaluations!r}")

    def __str__(self) -> str:
        text = f"{self.seconds:g}s"
        return text if self.evaluations is None else f"{text},{self.evaluations}evals"


_UNITS = {"ms": 1e-3, "s": 1.0, "sec": 1.0, "m": 60.0, "min": 60.0, "h": 3600.0}


def parse_budget(text) -> Budget:
    """Read a budget such as ``"60s"``, ``"2min"``, ``"0.5h"``, ``"30s,1e6evals"``.

    A bare number means seconds.  An evaluations part alone (``"1e6evals"``) keeps the
    default time limit of 60 s as the hard cap.

    Examples
    --------
    >>> parse_budget("90s")
    Budget(seconds=90.0, evaluations=None)
    >>> parse_budget("2min,1e5evals")
    Budget(seconds=120.0, evaluations=100000)
    """
    if isinstance(text, Budget):
        return text
    if isinstance(text, (int, float)):
        return Budget(float(text))
    seconds, evaluations = None, None
    for part in str(text).lower().replace(" ", "").split(","):
        m = re.fullmatch(r"([0-9.]+(?:e[0-9]+)?)(ms|s|sec|m|min|h|evals?|evaluations)?", part)
        if not m:
            raise ValueError(f"budget {text!r}: use e.g. 60s, 2min, 0.5h or 30s,1e6evals")
        value = float(m.group(1))
        unit = m.group(2) or "s"
        if unit.startswith("eval"):
            evaluations = int(value)
        else:
            seconds = value * _UNITS[unit]
    return Budget(60.0 if seconds is None else seconds, evaluations)


class Reporter:
    """The callback an algorithm calls with its progress; returns True when it should stop.

    Parameters
    ----------
    budget : Budget
    target : int or None
        Energy at which the run counts as solved (the algorithm may stop there).
    sink : callable
        Receives ``(t, elapsed, evaluations, best_energy, conformation)`` for every report
        the harness keeps (improvements, and one every ``min_interval`` seconds).
    clock : callable
        Seconds since the start of the run (the harness clock).

    Attributes
    ----------
    target : int or None
    budget : Budget
    evaluations : int
        The last reported evaluation count.
    best_energy : int or None
        The lowest energy reported so far.
    """

    def __init__(self, budget: Budget, target, sink, clock, min_interval: float = 0.5):
        self.budget = budget
        self.target = target
        self._sink = sink
        self._clock = clock
        self._min_interval = min_interval
        self._last_sent = -np.inf
        self.evaluations = 0
        self.best_energy = None
        self.calls = 0

    def elapsed(self) -> float:
        """Seconds since the run started, on the harness clock."""
        return self._clock()

    def remaining_seconds(self) -> float:
        """Seconds left in the budget (never negative)."""
        return max(0.0, self.budget.seconds - self._clock())

    @property
    def stop(self) -> bool:
        """True once the budget is spent or the target is reached."""
        if self._clock() >= self.budget.seconds:
            return True
        if self.budget.evaluations is not None and self.evaluations >= self.budget.evaluations:
            return True
        return self.target is not None and self.best_energy is not None and self.best_energy <= self.target

    def __call__(self, elapsed, evaluations, best_energy, conformation=None) -> bool:
        t = self._clock()
        self.calls += 1
        self.evaluations = int(evaluations or 0)
        improved = best_energy is not None and (self.best_energy is None or best_energy < self.best_energy)
        if improved:
            self.best_energy = int(best_energy)
        if improved or conformation is not None or t - self._last_sent >= self._min_interval:
            self._last_sent = t
            self._sink(t, None if elapsed is None else float(elapsed), self.evaluations,
                       None if best_energy is None else int(best_energy), conformation)
        return self.stop


def resolve_algorithm(name: str):
    """The callable behind an algorithm name: a built-in (``"random"``, ``"remc"``, ...) or ``"pkg.mod:func"``.

    Raises
    ------
    ValueError
        One line, when the name is unknown, the module cannot be imported, or the attribute
        is not callable.
    """
    from .algorithms import builtin

    if ":" not in name:
        return builtin(name)
    module_name, _, attr = name.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise ValueError(f"algorithm {name!r}: cannot import {module_name!r} ({exc})") from None
    fn = module
    for part in attr.split("."):
        fn = getattr(fn, part, None)
        if fn is None:
            raise ValueError(f"algorithm {name!r}: {module_name} has no attribute {attr!r}")
    if not callable(fn):
        raise ValueError(f"algorithm {name!r}: {attr!r} is not callable")
    return fn


def monotonic_clock():
    """A clock function returning seconds since the moment it was created."""
    t0 = time.perf_counter()
    return lambda: time.perf_counter() - t0
