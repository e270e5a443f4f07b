"""Sequence-space scans (``hpfold designability``): wall time, peak memory and time per sequence.

Each row runs in its own process (numba, BLAS and OpenMP pinned to one thread per process), so
the peak resident memory is that run's (the parent plus its largest worker).  Target (issue 16):
the square 18-mer (262,144 sequences) in under 10 minutes on 2 cores.  The last lines extrapolate
the measured growth to N = 22 and 25 on a 64-core cluster.

    python benchmarks/designability.py                     # square 14, 16, 18 and cubic 12, 14
    python benchmarks/designability.py --rows square:16:1 square:16:2
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time

ROWS = ["square:14:1", "square:16:1", "square:16:2", "square:18:2", "cubic:12:2", "cubic:14:2"]


def child(lattice: str, n: int, workers: int) -> dict:
    from hpfold.design import designability

    designability(8, lattice)                              # compile or load the kernels
    t0 = time.perf_counter()
    r = designability(n, lattice, workers=workers if workers > 1 else None)
    wall = time.perf_counter() - t0
    peak = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, 0) + \
        resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return {"lattice": lattice, "n": n, "workers": workers, "wall_s": wall, "table_s": r.table.seconds,
            "scan_s": r.seconds, "classes": r.table.n_classes, "maps": r.table.n_maps,
            "designing": r.n_designing, "peak_mib": peak / 1024, "us_per_sequence": 1e6 * r.seconds * workers / 2**n}


def run_row(spec: str) -> dict:
    lattice, n, workers = spec.split(":")
    env = dict(os.environ, NUMBA_NUM_THREADS="1", OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    out = subprocess.run([sys.executable, __file__, "--child", spec], capture_output=True, text=True, env=env,
                         check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def extrapolate(rows: list) -> list:
    """Lines estimating N = 22 and 25 (square) on 64 cores from the growth of the last two square sizes."""
    from hpfold.design.scan import table_cost

    square = sorted((r for r in rows if r["lattice"] == "square"), key=lambda r: r["n"])
    sizes = sorted({r["n"] for r in square})
    if len(sizes) < 2:
        return []
    a = min((r for r in square if r["n"] == sizes[-2]), key=lambda r: r["us_per_sequence"])
    b = min((r for r in square if r["n"] == sizes[-1]), key=lambda r: r["us_per_sequence"])
    growth = (b["us_per_sequence"] / a["us_per_sequence"]) ** (1 / (b["n"] - a["n"]))
    lines = [f"time per sequence grows x{growth:.2f} per monomer (square {a['n']} -> {b['n']})"]
    for n in (22, 25):
        per_seq = b["us_per_sequence"] * growth ** (n - b["n"]) * 1e-6
        cost = table_cost(n, "square")
        lines.append(f"square N = {n}: {2**n:.3g} sequences x {per_seq * 1e3:.2f} ms = "
                     f"{per_seq * 2**n / 3600:.3g} core-hours, {per_seq * 2**n / 64 / 3600:.3g} h on 64 cores; "
                     f"structure table {cost['classes']:.3g} classes, ~{cost['bytes'] / 2**30:.0f} GiB on one node")
    return lines


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rows", nargs="*", default=ROWS, help="lattice:N:workers")
    p.add_argument("--child", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.child:
        lattice, n, workers = args.child.split(":")
        print(json.dumps(child(lattice, int(n), int(workers))))
        return 0
    print(f"{'lattice':>8} {'N':>3} {'workers':>7} {'classes':>12} {'maps':>9} {'designing':>9} {'table s':>8} "
          f"{'scan s':>8} {'wall s':>8} {'us/seq':>8} {'peak MiB':>9}")
    rows = []
    for spec in args.rows:
        r = run_row(spec)
        rows.append(r)
        print(f"{r['lattice']:>8} {r['n']:>3} {r['workers']:>7} {r['classes']:>12,} {r['maps']:>9,} "
              f"{r['designing']:>9,} {r['table_s']:>8.2f} {r['scan_s']:>8.2f} {r['wall_s']:>8.2f} "
              f"{r['us_per_sequence']:>8.1f} {r['peak_mib']:>9.0f}", flush=True)
    for line in extrapolate(rows):
        print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
