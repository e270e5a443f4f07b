"""Cost estimates against measured times: the enumeration estimate (refusal over 10 minutes) and the
exact-landscape estimate, on chains long enough to be timed.  Prints estimate / measured per row;
the target (issue 18) is a ratio between 1/3 and 3.

    python benchmarks/estimates.py
"""
from __future__ import annotations

import time

ROWS_ENUMERATE = [("square", 22), ("square", 24), ("cubic", 15), ("triangular", 17), ("triangular", 18),
                  ("fcc", 11), ("fcc", 12)]
ROWS_LANDSCAPE = [("square", 14), ("square", 16), ("cubic", 11), ("fcc", 7)]


def main() -> int:
    from hpfold.enumerate import enumerate_conformations, estimate_enumeration, plan_enumeration
    from hpfold.landscape import exact_landscape
    from hpfold.landscape.flooding import estimate_landscape_cost

    print(f"{'what':>10} {'lattice':>10} {'N':>3} {'estimate s':>11} {'measured s':>11} {'ratio':>6}")
    for lattice, n in ROWS_ENUMERATE:
        seq = ("HPPH" * 8)[:n]
        _, est = estimate_enumeration(plan_enumeration(seq, lattice), threads=1)
        got = enumerate_conformations(seq, lattice, threads=1).seconds
        print(f"{'enumerate':>10} {lattice:>10} {n:>3} {est:>11.2f} {got:>11.2f} {est / got:>6.2f}", flush=True)
    for lattice, n in ROWS_LANDSCAPE:
        seq = ("HPPH" * 8)[:n]
        exact_landscape(seq[:5], lattice)                 # compile or load the kernels
        est = estimate_landscape_cost(n, lattice)["seconds"]
        t0 = time.perf_counter()
        exact_landscape(seq, lattice)
        got = time.perf_counter() - t0
        print(f"{'landscape':>10} {lattice:>10} {n:>3} {est:>11.2f} {got:>11.2f} {est / got:>6.2f}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
