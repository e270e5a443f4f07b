"""Exact pull-move barrier trees on the square and fcc lattices: states per second and peak memory.

Each size runs in its own process so that the peak resident memory is that run's; ``cpu s`` is the
process CPU time of the run (all threads), a steadier number than wall time on a shared machine.  Targets
(issue 4): 14-mer (110,188 classes) under 2 s, 16-mer (802,075) under 20 s, 18-mer (5.8 M)
under 5 minutes within 24 GiB.  Timings exclude numba compilation (reported apart).

    python benchmarks/landscape.py                 # square 14 and 16, fcc 7 and 8
    python benchmarks/landscape.py --fcc           # no fcc rows
    python benchmarks/landscape.py --sizes 14 16 18 --threads 2
    python benchmarks/landscape.py --sizes 14 16 18 --baseline /path/to/old/checkout --repeat 3

With ``--baseline DIR`` every size also runs with the hpfold package of the source tree ``DIR``
(e.g. ``git worktree add /tmp/old <commit>``), interleaved with this tree's runs, and the table gains
the ratio of flooding rates (this tree / baseline; the best of ``--repeat`` runs of each).

Pull moves are reversible on fcc, so its exact landscapes flood a symmetric neighbour relation; the fcc rows
(``--fcc 7 8``, prefixes of the same sequence; the 8-mer has 337,056 classes) have no target.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time

#: the prefix of the first Unger & Moult benchmark sequence gives every length
SEQUENCE = "HPHPPHHPHPPHPHHPPHPH"


#: a small chain per lattice that loads (or compiles) the kernels before the timed run
WARM_LENGTH = {"square": 11, "fcc": 5}


def child(n: int, threads, moves: str, lattice: str = "square") -> dict:
    from hpfold.landscape import exact_landscape

    t0 = time.perf_counter()
    exact_landscape(SEQUENCE[:WARM_LENGTH.get(lattice, 6)], lattice, moves=moves, threads=threads)  # load kernels
    warm = time.perf_counter() - t0
    t0 = time.perf_counter()
    c0 = time.process_time()
    ls = exact_landscape(SEQUENCE[:n], lattice, moves=moves, threads=threads)
    total = time.perf_counter() - t0
    cpu_s = time.process_time() - c0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # KiB -> MiB on Linux
    return {"n": n, "lattice": lattice, "states": ls.n_states, "edges": ls.n_edges, "minima": ls.n_minima, "merges": ls.n_merges,
            "enumerate_s": ls.enumeration_seconds, "flood_s": ls.seconds, "total_s": total, "warmup_s": warm,
            "peak_mib": peak, "cpu_s": cpu_s, "states_per_s": ls.n_states / ls.seconds}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sizes", type=int, nargs="*", default=[14, 16], help="square sizes")
    p.add_argument("--threads", type=int, default=None)
    p.add_argument("--fcc", type=int, nargs="*", default=[7, 8], help="fcc sizes (none: no fcc rows)")
    p.add_argument("--moves", default="pull")
    p.add_argument("--baseline", help="source tree of the hpfold to compare with (its package is imported)")
    p.add_argument("--repeat", type=int, default=1, help="runs per size and tree; the best counts")
    p.add_argument("--child", type=int, help=argparse.SUPPRESS)
    p.add_argument("--child-lattice", default="square", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.child, args.threads, args.moves, args.child_lattice)))
        return 0
    targets = {14: 2.0, 16: 20.0, 18: 300.0}
    print(f"exact {args.moves}-move barrier trees, square and fcc lattices, threads={args.threads or 'default'}")
    print(f"{'lattice':<8} {'N':>3} {'classes':>10} {'edges':>12} {'minima':>7} {'enum s':>7} {'flood s':>8} {'total s':>8} "
          f"{'cpu s':>7} {'states/s':>10} {'peak MiB':>9} {'target s':>8}")
    base_rows = {}
    for lattice, n in [("square", n) for n in args.sizes] + [("fcc", n) for n in args.fcc]:
        cmd = [sys.executable, __file__, "--child", str(n), "--child-lattice", lattice, "--moves", args.moves]
        if args.threads:
            cmd += ["--threads", str(args.threads)]
        runs, base = [], []
        for _ in range(max(1, args.repeat)):
            runs.append(_run(cmd, None))
            if args.baseline:
                base.append(_run(cmd, args.baseline))
        runs = [r for r in runs if isinstance(r, dict)] or runs
        if not isinstance(runs[0], dict):
            print(f"{lattice:<8} {n:>3} failed: {runs[0]}")
            continue
        r = max(runs, key=lambda x: x["states_per_s"])
        target = targets.get(n, float("nan")) if lattice == "square" else float("nan")
        print(f"{lattice:<8} {n:>3} {r['states']:>10,} {r['edges']:>12,} {r['minima']:>7,} {r['enumerate_s']:>7.2f} "
              f"{r['flood_s']:>8.2f} {r['total_s']:>8.2f} {r['cpu_s']:>7.2f} {r['states_per_s']:>10.3g} "
              f"{r['peak_mib']:>9.0f} "
              f"{target:>8g}")
        base = [b for b in base if isinstance(b, dict)]
        if base:
            base_rows[lattice, n] = (r, max(base, key=lambda x: x["states_per_s"]))
        sys.stdout.flush()
    if base_rows:
        print(f"\nagainst the baseline tree {args.baseline} (best of {args.repeat} interleaved runs each)")
        print(f"{'lattice':<8} {'N':>3} {'classes':>10} {'states/s now':>13} {'states/s base':>14} {'ratio':>6} "
              f"{'same minima':>12}")
        for (lattice, n), (r, b) in base_rows.items():
            same = (r["minima"], r["merges"], r["edges"]) == (b["minima"], b["merges"], b["edges"])
            print(f"{lattice:<8} {n:>3} {r['states']:>10,} {r['states_per_s']:>13.3g} {b['states_per_s']:>14.3g} "
                  f"{r['states_per_s'] / b['states_per_s']:>6.2f} {'yes' if same else 'NO':>12}")
    return 0


def _run(cmd, tree):
    env = dict(os.environ)
    if tree:
        env["PYTHONPATH"] = os.path.abspath(tree) + os.pathsep + env.get("PYTHONPATH", "")
    out = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if out.returncode:
        return out.stderr.strip().splitlines()[-1] if out.stderr.strip() else f"exit {out.returncode}"
    return json.loads(out.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    sys.exit(main())
