"""argparse ``type=`` functions that check numeric flags at the command-line boundary.

Each helper is a factory taking the flag's name and returning the ``type=`` function, so that a bad
value is refused by argparse as ``hpfold CMD: error: --flag must be ..., got '...'`` in one line
(exit status 2; see :class:`hpfold.cli.OneLineParser`), before any work.

Examples
--------
>>> import argparse
>>> p = argparse.ArgumentParser()
>>> _ = p.add_argument("--steps", type=count_like("--steps"))
>>> p.parse_args(["--steps", "1e6"]).steps
1000000
"""
from __future__ import annotations

import argparse
import math

__all__ = ["COUNT_LIMIT", "SEED_LIMIT", "count_like", "positive_int", "nonneg_int", "seed_int", "any_int",
           "positive_float", "nonneg_float", "finite_float"]

#: the largest count a ``count_like`` flag accepts (steps, tours: far beyond any feasible run, fits int64)
COUNT_LIMIT = 10**15
#: seeds are passed to numpy's SeedSequence, which takes non-negative integers; 2**63 - 1 keeps them in int64
SEED_LIMIT = 2**63 - 1


def _fail(name, want, text):
    raise argparse.ArgumentTypeError(f"{name} must be {want}, got {text!r}")


def _parse_integer(name, text, want, allow_float_syntax=False):
    """An int from ``text``; with ``allow_float_syntax`` also "1e6" or "2.0" (but not inf, nan or 1.5)."""
    try:
        return int(text)
    except ValueError:
        pass
    if allow_float_syntax:
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        if math.isfinite(value) and value == int(value) and abs(value) <= 2**63:
            return int(value)
    _fail(name, want, text)


def _ranged_int(name, text, low, high, want, allow_float_syntax=False):
    value = _parse_integer(name, text, want, allow_float_syntax)
    if (low is not None and value < low) or (high is not None and value > high):
        _fail(name, want, text)
    return value


def count_like(name, low=0, high=COUNT_LIMIT):
    """A whole count in [low, high] that may be written "1e6"; inf, nan, 1.5 and values above ``high`` fail."""
    want = f"a whole number from {low} to {high:.0e} (e.g. 1e6)".replace("e+", "e")
    return lambda text: _ranged_int(name, text, low, high, want, allow_float_syntax=True)


def _limit(high):
    return "1e15" if high == COUNT_LIMIT else str(high)


def positive_int(name, high=COUNT_LIMIT):
    """An integer from 1 to ``high`` (default 1e15: far beyond any use, and safe in int64 kernels)."""
    return lambda text: _ranged_int(name, text, 1, high, f"an integer from 1 to {_limit(high)}")


def nonneg_int(name, high=COUNT_LIMIT):
    """An integer from 0 to ``high`` (default 1e15)."""
    return lambda text: _ranged_int(name, text, 0, high, f"an integer from 0 to {_limit(high)}")


def seed_int(name="--seed"):
    """A random seed: an integer from 0 to 2**63 - 1."""
    return lambda text: _ranged_int(name, text, 0, SEED_LIMIT, "an integer from 0 to 2**63-1")


def any_int(name, bound=2**62):
    """An integer of magnitude <= ``bound`` (e.g. an energy); keeps values inside int64 arithmetic."""
    return lambda text: _ranged_int(name, text, -bound, bound, f"an integer of magnitude <= {bound:.1e}")


def _ranged_float(name, text, ok, want):
    try:
        value = float(text)
    except ValueError:
        _fail(name, want, text)
    if not (math.isfinite(value) and ok(value)):
        _fail(name, want, text)
    return value


def positive_float(name):
    """A finite number > 0."""
    return lambda text: _ranged_float(name, text, lambda v: v > 0, "positive (a finite number > 0)")


def nonneg_float(name):
    """A finite number >= 0."""
    return lambda text: _ranged_float(name, text, lambda v: v >= 0, "a finite number >= 0")


def finite_float(name):
    """Any finite number (not inf or nan)."""
    return lambda text: _ranged_float(name, text, lambda v: True, "a finite number")
