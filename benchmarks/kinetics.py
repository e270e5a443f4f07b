"""Exact master-equation kinetics on the square lattice: states, edges, seconds and peak memory.

Each size runs in its own single-threaded process (numba, BLAS and OpenMP pinned to one thread), so
the peak resident memory is that run's.  Timed apart: enumeration, the state graph (every pull move of
every class), the sparse matrix, the MFPT solve (Jacobi-preconditioned CG) and the 4 slowest
relaxation rates (ARPACK).  Target (issue 15): the square 16-mer (802,075 classes) MFPT at one
temperature in under 60 s on one core.

    python benchmarks/kinetics.py                          # 12, 14 and 16 at T = 1.0
    python benchmarks/kinetics.py --sizes 16 --temperature 0.3
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time

#: prefixes of the first Unger & Moult benchmark sequence give every length
SEQUENCE = "HPHPPHHPHPPHPHHPPHPH"


def child(n: int, temperature: float, rates: bool) -> dict:
    from hpfold.kinetics import master_equation
    from hpfold.spaces import HPSpace

    HPSpace.from_sequence(SEQUENCE[:8]).state_graph()          # compile or load the kernels
    out = {"n": n, "temperature": temperature}
    t0 = time.perf_counter()
    space = HPSpace.from_sequence(SEQUENCE[:n])
    out["enumerate_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    graph = space.state_graph()
    out["graph_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    me = master_equation(space, temperature, graph=graph)
    out["matrix_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    out["mfpt"] = me.mean_first_passage()
    out["mfpt_s"] = time.perf_counter() - t0
    if rates:
        t0 = time.perf_counter()
        out["slowest_rate"] = float(me.relaxation_rates(4)[0])
        out["rates_s"] = time.perf_counter() - t0
    out["states"] = len(space)
    out["edges"] = graph.n_edges
    out["peak_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[12, 14, 16])
    ap.add_argument("--temperature", type=float, default=1.0)
    ap.add_argument("--no-rates", action="store_true", help="skip the ARPACK relaxation rates")
    ap.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.child, args.temperature, not args.no_rates)))
        return 0
    env = dict(os.environ, NUMBA_NUM_THREADS="1", OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1",
               MKL_NUM_THREADS="1")
    print(f"square lattice, pull moves, Metropolis at T = {args.temperature:g}, one thread per process")
    head = (f"{'N':>3} {'states':>10} {'edges':>12} {'enum s':>7} {'graph s':>8} {'matrix s':>8} {'MFPT s':>7} "
            f"{'total s':>8} {'rates s':>8} {'peak MiB':>9} {'MFPT':>11} {'slowest rate':>12}")
    print(head)
    for n in args.sizes:
        cmd = [sys.executable, __file__, "--child", str(n), "--temperature", str(args.temperature)]
        if args.no_rates:
            cmd.append("--no-rates")
        r = subprocess.run(cmd, capture_output=True, text=True, env=env)
        if r.returncode != 0:
            print(f"{n:>3} failed: {r.stderr.strip().splitlines()[-1] if r.stderr.strip() else r.returncode}")
            continue
        d = json.loads(r.stdout.strip().splitlines()[-1])
        total = d["graph_s"] + d["matrix_s"] + d["mfpt_s"]
        print(f"{n:>3} {d['states']:>10,} {d['edges']:>12,} {d['enumerate_s']:>7.2f} {d['graph_s']:>8.2f} "
              f"{d['matrix_s']:>8.2f} {d['mfpt_s']:>7.2f} {total:>8.2f} {d.get('rates_s', float('nan')):>8.2f} "
              f"{d['peak_mib']:>9.0f} {d['mfpt']:>11.5g} {d.get('slowest_rate', float('nan')):>12.4g}", flush=True)
    print("total s = state graph + matrix + MFPT solve (enumeration apart); peak MiB = the child's peak RSS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
