"""Sampled landscapes of a 48-mer: quench and saddle-search time per distinct state.

A replica-exchange trajectory of H48-1 (cubic, pull moves, 8 replicas x 200 frames,
seed 1) is sampled once and cached; each tree (this checkout, and ``--baseline``
another source tree) then builds its sampled landscape in a fresh process, serial and
on ``--threads`` threads.  Printed: distinct states, milliseconds per state for the
quench and for the saddle searches, the total, the speed-up over the first row, and
whether the minima, the frame assignments and the saddles are the same as the first row's.

    .venv/bin/python benchmarks/sampled.py                          # this tree, 1 and 2 threads
    .venv/bin/python benchmarks/sampled.py --baseline /tmp/old-tree --repeat 3
"""
import argparse
import hashlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

SEQUENCE = "HPHHPPHHHHPHHHPPHHPPHPHHHPHPHHPPHHPPPHPPPPPPPPHH"  # H48-1
TRAJECTORY = Path("/tmp/hpfold-bench-h48-1-remc.h5")


def make_trajectory(path: Path) -> None:
    cmd = [sys.executable, "-m", "hpfold", "sample", SEQUENCE, "--lattice", "cubic", "--method", "remc", "--steps",
           "2e5", "--every", "1000", "--seed", "1", "-o", str(path), "--no-progress", "--json"]
    subprocess.run(cmd, check=True, capture_output=True)


def child(path: str, threads: int) -> dict:
    """Build the landscape (warm kernels first): the time of everything and of the saddle searches."""
    import inspect

    import numpy as np

    import hpfold.landscape.sampled as S
    from hpfold.io import load_trajectory

    traj = load_trajectory(path)
    kw = {"threads": threads} if "threads" in inspect.signature(S.sampled_landscape).parameters else {}
    S.sampled_landscape(np.asarray(traj.positions)[:, :3], traj.sequence, traj.lattice, moves="pull", **kw)
    searches = [0.0]
    tighten = S._tighten

    def timed(*a, **k):
        t = time.perf_counter()
        out = tighten(*a, **k)
        searches[0] += time.perf_counter() - t
        return out

    S._tighten = timed
    t0 = time.perf_counter()
    ls = S.sampled_landscape(traj, **kw)
    total = time.perf_counter() - t0
    g = ls.graph
    minima = hashlib.md5(ls.frame_minimum.tobytes() + str([g.nodes[v]["conformation"] for v in g]).encode())
    saddles = hashlib.md5(str(sorted((a, b, d["saddle"], d["exact"]) for a, b, d in g.edges(data=True))).encode())
    return {"states": ls.n_states, "minima": ls.n_minima, "edges": g.number_of_edges(), "quench": total - searches[0],
            "total": total, "minima_hash": minima.hexdigest(), "saddle_hash": saddles.hexdigest(),
            "threads_used": threads if kw else 1}


def run_child(tree, threads, path):
    env = dict(os.environ)
    if tree:
        env["PYTHONPATH"] = os.path.abspath(tree) + os.pathsep + env.get("PYTHONPATH", "")
    out = subprocess.run([sys.executable, __file__, "--child", str(path), "--threads", str(threads)],
                         capture_output=True, text=True, env=env)
    if out.returncode:
        sys.exit(f"child failed ({tree or 'this tree'}): {out.stderr.strip()[-500:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--baseline", help="source tree of the hpfold to compare with (serial, first row)")
    p.add_argument("--threads", type=int, nargs="*", default=[1, 2], help="thread counts for this tree")
    p.add_argument("--repeat", type=int, default=1, help="runs per row; the fastest counts")
    p.add_argument("--trajectory", default=str(TRAJECTORY), help="trajectory file (made if missing)")
    p.add_argument("--child", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.child, args.threads[0])))
        return 0
    path = Path(args.trajectory)
    if not path.exists():
        print(f"sampling the H48-1 trajectory into {path} ...", flush=True)
        make_trajectory(path)
    rows = []
    if args.baseline:
        rows.append(("baseline", args.baseline, 1))
    rows += [("this tree", None, t) for t in args.threads]
    results = []
    for name, tree, threads in rows:
        runs = [run_child(tree, threads, path) for _ in range(max(1, args.repeat))]
        results.append((name, threads, min(runs, key=lambda r: r["total"])))
    first = results[0][2]
    print(f"H48-1 REMC trajectory, {first['states']:,} distinct states, {first['minima']:,} minima, "
          f"{first['edges']:,} edges")
    print(f"{'tree':<10} {'threads':>7} {'quench ms':>10} {'saddle ms':>10} {'total ms':>9} {'speed-up':>9} "
          f"{'same minima':>12} {'same saddles':>13}")
    for name, threads, r in results:
        u = r["states"]
        print(f"{name:<10} {r['threads_used']:>7} {1e3 * r['quench'] / u:>10.2f} {1e3 * (r['total'] - r['quench']) / u:>10.2f} "
              f"{1e3 * r['total'] / u:>9.2f} {first['total'] / r['total']:>9.2f} "
              f"{'yes' if r['minima_hash'] == first['minima_hash'] else 'NO':>12} "
              f"{'yes' if r['saddle_hash'] == first['saddle_hash'] else 'NO':>13}")
    print("(per distinct state; saddle = the bounded saddle searches, quench = the rest; speed-up of the total over the first row)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
