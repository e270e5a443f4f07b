"""Benchmarking folding algorithms: suites, a plug-in harness with budgets, statistics and reports.

Public names are imported lazily (nothing compiles at import)::

    from hpfold.bench import run_benchmark, write_report
    res = run_benchmark("2d-standard", ["remc", "random"], runs=10, budget="60s", output="runs.jsonl")
    write_report(res.records, "report/")

See ``docs/benchmarking.md`` for the plug-in protocol, the rules and the file format.
"""
from .._lazy import lazy_exports

_LAZY = {
    "Problem": "hpfold.bench.suites",
    "get_suite": "hpfold.bench.suites",
    "suite_names": "hpfold.bench.suites",
    "Budget": "hpfold.bench.protocol",
    "parse_budget": "hpfold.bench.protocol",
    "Reporter": "hpfold.bench.protocol",
    "resolve_algorithm": "hpfold.bench.protocol",
    "available_algorithms": "hpfold.bench.algorithms",
    "random_search": "hpfold.bench.algorithms",
    "run_benchmark": "hpfold.bench.harness",
    "run_inline": "hpfold.bench.harness",
    "derive_seed": "hpfold.bench.harness",
    "BenchmarkResult": "hpfold.bench.harness",
    "check_conformation": "hpfold.bench.judge",
    "judge_run": "hpfold.bench.judge",
    "ResultStore": "hpfold.bench.store",
    "summarize": "hpfold.bench.stats",
    "summarize_runs": "hpfold.bench.stats",
    "bootstrap_ci": "hpfold.bench.stats",
    "run_length_distribution": "hpfold.bench.stats",
    "write_report": "hpfold.bench.report",
    "plot_run_length_distributions": "hpfold.bench.report",
}

__getattr__, __dir__, __all__ = lazy_exports(__name__, _LAZY, globals())
