"""Statistics of benchmark runs: success rates, times to target with bootstrap intervals, run-length ECDFs.

Unsuccessful runs are *censored*: their time to target is only known to exceed the budget.
They enter medians and run-length distributions as +infinity (so a median exists only when
at least half the runs succeed) and the expected run time with restarts as the time they
spent, following Hoos & Stutzle, *Stochastic Local Search* (2004), ch. 4.
"""
from __future__ import annotations

import math
from collections import Counter

import numpy as np

__all__ = ["bootstrap_ci", "wilson_interval", "run_length_distribution", "summarize_runs", "summarize"]


def bootstrap_ci(values, statistic=np.median, n_boot: int = 2000, level: float = 0.95, seed=0):
    """Percentile bootstrap confidence interval of ``statistic`` over ``values``.

    Parameters
    ----------
    values : array_like of float
        May hold ``inf`` (censored runs); the interval's ends are then taken without
        interpolation (the lower and higher order statistics), and may be ``inf``.
    statistic : callable
        Applied along axis 1 of an (n_boot, n) array of resamples.
    n_boot : int
    level : float
    seed : int or Generator
        The resampling is reproducible for a given seed.

    Returns
    -------
    (float, float)
        ``(nan, nan)`` for no values.

    Examples
    --------
    >>> lo, hi = bootstrap_ci([1.0, 2.0, 3.0, 4.0, 5.0], seed=0)
    >>> 1.0 <= lo <= 3.0 <= hi <= 5.0
    True

    Notes
    -----
    Efron & Tibshirani, *An Introduction to the Bootstrap* (1993), ch. 13. Cost O(n_boot n log n).
    """
    x = np.asarray(values, dtype=float)
    if x.size == 0:
        return math.nan, math.nan
    rng = np.random.default_rng(seed)
    samples = x[rng.integers(0, x.size, size=(n_boot, x.size))]
    stats = np.asarray(statistic(samples, axis=1), dtype=float)
    alpha = (1.0 - level) / 2.0
    return (float(np.percentile(stats, 100 * alpha, method="lower")),
            float(np.percentile(stats, 100 * (1 - alpha), method="higher")))


def wilson_interval(successes: int, n: int, level: float = 0.95):
    """Wilson score interval of a success probability (good for small n and rates near 0 or 1).

    Examples
    --------
    >>> [round(v, 3) for v in wilson_interval(10, 10)]
    [0.722, 1.0]

    Notes
    -----
    Wilson, J. Am. Stat. Assoc. 22, 209 (1927).
    """
    if n == 0:
        return math.nan, math.nan
    from statistics import NormalDist

    z = NormalDist().inv_cdf(0.5 + level / 2.0)
    p = successes / n
    denom = 1 + z * z / n
    center = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    lo = 0.0 if successes == 0 else max(0.0, center - half)
    hi = 1.0 if successes == n else min(1.0, center + half)
    return lo, hi


def run_length_distribution(times, n_runs: int | None = None):
    """Empirical CDF of the time to target: ``(t, P(solved by t))`` as step points.

    Parameters
    ----------
    times : array_like of float
        Time to target of each run; ``inf`` or ``nan`` for runs that failed.
    n_runs : int, optional
        Total runs (default ``len(times)``): the curve levels off at the success rate.

    Returns
    -------
    (ndarray, ndarray)
        Sorted finite times and the fraction of all runs solved by each.

    Examples
    --------
    >>> t, p = run_length_distribution([2.0, float("inf"), 1.0, 4.0])
    >>> t.tolist(), p.tolist()
    ([1.0, 2.0, 4.0], [0.25, 0.5, 0.75])
    """
    x = np.asarray(times, dtype=float)
    n = len(x) if n_runs is None else int(n_runs)
    solved = np.sort(x[np.isfinite(x)])
    return solved, np.arange(1, len(solved) + 1) / max(n, 1)


def _finite_or_none(v):
    return None if v is None or not math.isfinite(v) else float(v)


def summarize_runs(records, level: float = 0.95, n_boot: int = 2000, seed=0) -> dict:
    """Statistics of the runs of one algorithm on one sequence.

    A run succeeds only if it reached the target within the budget with no invalid claim.
    Times are in seconds; ``None`` stands for "not reached" (an infinite median).

    Returns
    -------
    dict
        ``runs, successes, success_rate, success_rate_ci, median_seconds_to_target,
        median_seconds_to_target_ci, median_cpu_seconds_to_target, mean_seconds_to_target,
        mean_seconds_to_target_ci,
        expected_seconds_to_target, median_evaluations_to_target, best_energy,
        median_best_energy, best_energy_counts, invalid_claims, invalid_runs, errors, overruns``.
    """
    records = list(records)
    n = len(records)
    ok = [r for r in records if r.get("success")]
    k = len(ok)
    ttt = np.array([r["seconds_to_target"] if r.get("success") else np.inf for r in records], dtype=float)
    solved = ttt[np.isfinite(ttt)]
    median = float(np.median(ttt)) if n else math.inf
    med_ci = bootstrap_ci(ttt, np.median, n_boot, level, seed) if n else (math.nan, math.nan)
    cpu = np.array([r.get("cpu_seconds_to_target") if r.get("success") and r.get("cpu_seconds_to_target") is not None
                    else np.inf for r in records], dtype=float)
    has_cpu = any(r.get("cpu_seconds_to_target") is not None for r in ok)
    mean = float(solved.mean()) if k else math.inf
    mean_ci = bootstrap_ci(solved, np.mean, n_boot, level, seed) if k else (math.nan, math.nan)
    spent = sum(r["seconds_to_target"] if r.get("success") else min(float(r.get("seconds", 0.0)),
                                                                       float(r.get("budget_seconds", math.inf)))
                for r in records)
    ert = spent / k if k else math.inf
    evals = np.array([r["evaluations_to_target"] if r.get("success") and r.get("evaluations_to_target") is not None
                      else np.inf for r in records], dtype=float)
    honest = [r for r in records if not r.get("invalid_claims") and r.get("best_energy") is not None]
    best = [int(r["best_energy"]) for r in honest]
    return {
        "runs": n,
        "successes": k,
        "success_rate": k / n if n else None,
        "success_rate_ci": list(wilson_interval(k, n, level)) if n else None,
        "median_seconds_to_target": _finite_or_none(median),
        "median_seconds_to_target_ci": [_finite_or_none(v) for v in med_ci],
        "median_cpu_seconds_to_target": _finite_or_none(float(np.median(cpu))) if n and has_cpu else None,
        "mean_seconds_to_target": _finite_or_none(mean),
        "mean_seconds_to_target_ci": [_finite_or_none(v) for v in mean_ci],
        "expected_seconds_to_target": _finite_or_none(ert),
        "median_evaluations_to_target": _finite_or_none(float(np.median(evals))) if n else None,
        "best_energy": min(best) if best else None,
        "median_best_energy": float(np.median(best)) if best else None,
        "best_energy_counts": sorted([[e, c] for e, c in Counter(best).items()]),
        "invalid_claims": int(sum(int(r.get("invalid_claims", 0)) for r in records)),
        "invalid_runs": sum(1 for r in records if r.get("invalid_claims")),
        "errors": sum(1 for r in records if r.get("status") in ("error", "crashed")),
        "overruns": sum(1 for r in records if r.get("status") == "overrun"),
    }


def summarize(records, **kwargs) -> list:
    """One summary per (sequence, algorithm), in the order they first appear in ``records``.

    Each summary holds ``sequence_id, algorithm, lattice, length, target, budget_seconds``
    and the fields of :func:`summarize_runs`.
    """
    groups = {}
    for r in records:
        groups.setdefault((r["sequence_id"], r["algorithm"]), []).append(r)
    out = []
    for (sid, alg), runs in groups.items():
        first = runs[0]
        row = {"sequence_id": sid, "algorithm": alg, "lattice": first.get("lattice"),
               "length": len(first.get("sequence", "")), "target": first.get("target"),
               "budget_seconds": first.get("budget_seconds")}
        row.update(summarize_runs(runs, **kwargs))
        out.append(row)
    return out
