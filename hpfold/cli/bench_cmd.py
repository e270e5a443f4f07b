"""``hpfold bench``: run folding algorithms on standard HP sets under a budget, with honest statistics."""
from __future__ import annotations

import json
import os
import sys

from . import output_folder
from ._types import nonneg_float, positive_int, seed_int


def add_parser(sub):
    p = sub.add_parser(
        "bench", help="benchmark folding algorithms on standard HP sequence sets",
        description="Run algorithms several times on every sequence of a suite under a per-run budget; "
                    "verify every claimed conformation; report success rates, times to target "
                    "(bootstrap CIs) and run-length distributions against published baselines.")
    p.add_argument("--suite", default="2d-standard",
                   help="suite name (2d-standard, harvard48, 2d-short, 3d-standard, 3d-other, proven, "
                        "reported-optimal, best-known, reachable; designing-10 ... designing-16 and designing-3d-12, "
                        "designing-3d-14, designing-triangular-10 ... -12: sequences with a unique ground state proven by "
                        "hpfold designability), a file of your own problems (FILE.tsv or FILE.csv with columns id, "
                        "lattice, sequence, best_energy; any lattice), or a comma list of these (S1-1,H48-2)")
    p.add_argument("--algorithms", default=None,
                   help="comma list of built-ins (random, remc, anneal, perm, wang-landau) and/or "
                        "package.module:function plug-ins (default: every available built-in)")
    p.add_argument("--algorithm", action="append", default=[], metavar="MODULE:FUNCTION",
                   help="add a plug-in algorithm (repeatable)")
    p.add_argument("--runs", type=positive_int("--runs", high=10**6), default=10,
                   help="runs per (sequence, algorithm) (default 10)")
    p.add_argument("--budget", default="60s", help="per run: 60s, 2min, or 30s,1e6evals (default 60s)")
    p.add_argument("--target", default="best-known", help="best-known (default), best-known+K, or an energy")
    p.add_argument("--seed", type=seed_int("--seed"), default=0, help="base seed; run seeds derive from it (default 0)")
    p.add_argument("-o", "--output", metavar="FILE", help="results file (.jsonl or .h5); a rerun resumes it")
    p.add_argument("--report", metavar="DIR", help="write report.md and plots into DIR")
    p.add_argument("--json", action="store_true", help="print the per-(sequence, algorithm) statistics as JSON")
    p.add_argument("--workers", type=positive_int("--workers", high=1024), default=None,
                   help="run N trials at a time on this machine")
    p.add_argument("--scheduler", default=None, metavar="ADDRESS",
                   help="run trials on a Dask scheduler (tcp://host:8786, scheduler.json, or 'local')")
    p.add_argument("--threads", type=positive_int("--threads"), default=1, help="numba threads per run (default 1)")
    p.add_argument("--grace", type=nonneg_float("--grace"), default=None,
                   help="seconds past the budget before a run is killed (default max(1, 10%% of budget))")
    p.add_argument("--list", action="store_true", help="list suites and algorithms, then exit")
    return p


def run(args) -> int:
    from ..bench.algorithms import BUILTINS, available_algorithms
    from ..bench.suites import SUITES, designing_suites

    if args.list:
        have = available_algorithms()
        print("suites:")
        for name, (desc, _) in SUITES.items():
            print(f"  {name:<17} {desc}")
        for name, rows in designing_suites().items():
            print(f"  {name:<17} {len(rows)} {rows[0]['lattice']} {rows[0]['length']}-mers with a unique ground state "
                  "(proven by hpfold designability)")
        print("algorithms:")
        for name, (_, _, desc) in BUILTINS.items():
            print(f"  {name:<17} {desc}{'' if name in have else '  [not available]'}")
        return 0
    from ..bench.harness import run_benchmark

    if os.getcwd() not in sys.path:  # plug-ins "module:function" are looked up from here, as with python -m
        sys.path.insert(0, os.getcwd())
    if args.algorithms is None:
        chosen = [] if args.algorithm else list(available_algorithms())
    else:
        chosen = [a.strip() for a in args.algorithms.split(",") if a.strip()]
    algorithms = chosen + list(args.algorithm)
    if args.runs < 1:
        raise ValueError(f"--runs must be at least 1, got {args.runs}")
    if args.workers is not None and args.workers < 1:
        raise ValueError(f"--workers must be at least 1, got {args.workers}")
    if args.output and not os.path.isdir(os.path.dirname(os.path.abspath(args.output))):
        raise ValueError(f"-o: folder {os.path.dirname(os.path.abspath(args.output))!r} does not exist")
    if args.report:
        output_folder(args.report, "--report", parents=None)
    result = run_benchmark(args.suite, algorithms, runs=args.runs, budget=args.budget, target=_target(args.target),
                           seed=args.seed, output=args.output, workers=args.workers, scheduler=args.scheduler,
                           threads=args.threads, grace=args.grace)
    summaries = result.summary()
    if args.report:
        from ..bench.report import write_report

        path = write_report(result.records, args.report, command="hpfold " + " ".join(sys.argv[1:]))
        print(f"report written to {path}", file=sys.stderr)
    if args.json:
        print(json.dumps({"suite": args.suite, "algorithms": algorithms, "runs": args.runs,
                          "budget_seconds": result.budget.seconds, "budget_evaluations": result.budget.evaluations,
                          "new_runs": result.new_runs, "executor": result.executor, "results": summaries}))
    else:
        print(format_table(summaries))
    return 0


def _target(text):
    try:
        return int(text)
    except ValueError:
        return text


def format_table(summaries) -> str:
    """A plain-text table: one line per (sequence, algorithm)."""
    from ..bench.report import format_seconds

    lines = [f"{'sequence':<10} {'algorithm':<14} {'solved':>7} {'median t':>10} {'95% CI':>21} "
             f"{'best E':>7} {'target':>7} {'invalid':>7}"]
    for s in summaries:
        lo, hi = s["median_seconds_to_target_ci"] or (None, None)
        ci = f"[{format_seconds(lo)}, {format_seconds(hi) if hi is not None else 'inf'}]" if lo is not None else "-"
        best = "-" if s["best_energy"] is None else str(s["best_energy"])
        lines.append(f"{s['sequence_id']:<10} {s['algorithm'][:14]:<14} {s['successes']:>3}/{s['runs']:<3} "
                     f"{format_seconds(s['median_seconds_to_target']):>10} {ci:>21} {best:>7} {s['target']:>7} "
                     f"{s['invalid_claims']:>7}")
    return "\n".join(lines)
