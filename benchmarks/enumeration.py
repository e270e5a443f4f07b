"""Exact enumeration speed: hpfold beside the C yardstick (../shared/bench/enum.c), same inputs, same run.

Prints conformations per second (symmetry reduced, unreduced count / wall time)
for both and the ratio hpfold/C, single-threaded; then the 2-thread speed-up on
square N = 22, the JIT compile time, and the wall time of ``hpfold enumerate``
on a 10-mer with a warm numba cache.

    .venv/bin/python benchmarks/enumeration.py [--repeat 3] [--quick]
"""
import argparse
import json
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
C_SOURCE = ROOT.parent / "shared" / "bench" / "enum.c"
C_BINARY = Path("/tmp/hpfold-bench-enum")


def build_c():
    if not C_SOURCE.exists():
        sys.exit(f"C yardstick not found at {C_SOURCE}")
    subprocess.run(["cc", "-O3", "-march=native", "-o", str(C_BINARY), str(C_SOURCE)], check=True)


def run_c(lattice, sequence, repeat):
    rates, out = [], None
    for _ in range(repeat):
        out = json.loads(subprocess.check_output([str(C_BINARY), lattice, sequence]))
        rates.append(out["conf_per_s"])
    return statistics.median(rates), out


def run_hpfold(lattice, sequence, repeat, threads=1):
    from hpfold.enumerate import enumerate_conformations
    rates, res = [], None
    for _ in range(repeat):
        res = enumerate_conformations(sequence, lattice, threads=threads)
        rates.append(res.n_conformations / res.seconds)
    return statistics.median(rates), res


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per row (median is printed)")
    parser.add_argument("--quick", action="store_true", help="smaller rows (N = 18, 20 square; 13 cubic)")
    args = parser.parse_args()
    build_c()
    rng = random.Random(1995)
    rows = [("square", 18), ("square", 20), ("square", 22), ("cubic", 13), ("cubic", 14)]
    if args.quick:
        rows = [("square", 18), ("square", 20), ("cubic", 13)]

    t0 = time.perf_counter()
    from hpfold.enumerate import enumerate_conformations
    import_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    warm = enumerate_conformations("HPPHPPHPPH", "square", threads=1)
    first_call_s = time.perf_counter() - t0
    enumerate_conformations("HPPHPPHPPH", "cubic", threads=1)
    par = enumerate_conformations("HP" * 9, "square", threads=2)  # compiles the parallel kernel

    print(f"hpfold import {import_s:.2f} s; first enumeration (JIT compile or cache load) {first_call_s:.2f} s; "
          f"parallel kernel compile {par.compile_seconds:.2f} s\n")
    header = f"{'lattice':<8} {'N':>3} {'sequence':<24} {'conformations':>15} {'C conf/s':>11} {'hpfold conf/s':>14} {'ratio':>6}"
    print(header)
    print("-" * len(header))
    for lattice, n in rows:
        hp_seq = "".join(rng.choice("HP") for _ in range(n))
        for seq in ("P" * n, hp_seq):
            c_rate, c_out = run_c(lattice, seq, args.repeat)
            h_rate, h_res = run_hpfold(lattice, seq, args.repeat)
            assert h_res.n_conformations == c_out["total"], "counts differ from the C reference"
            assert [[e, g] for e, g in sorted(c_out["dos"])] == h_res.density_of_states(), "DOS differs"
            label = seq if n <= 24 else seq[:21] + "..."
            print(f"{lattice:<8} {n:>3} {label:<24} {h_res.n_conformations:>15,} {c_rate:>11.3g} "
                  f"{h_rate:>14.3g} {h_rate / c_rate:>6.2f}", flush=True)

    n22 = "P" * (18 if args.quick else 22)
    one, _ = run_hpfold("square", n22, args.repeat, threads=1)
    two, _ = run_hpfold("square", n22, args.repeat, threads=2)
    print(f"\nthreads: square N = {len(n22)} all-P, 1 thread {one:.3g} conf/s, 2 threads {two:.3g} conf/s, "
          f"speed-up {two / one:.2f}x")

    walls = []
    for _ in range(3):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "hpfold", "enumerate", "HPHPPHHPHP"], check=True,
                       capture_output=True)
        walls.append(time.perf_counter() - t0)
    print(f"'hpfold enumerate HPHPPHHPHP' wall time with a warm cache: median {statistics.median(walls):.2f} s")
    print("(all DOS and counts checked equal to the C reference)")


if __name__ == "__main__":
    main()
