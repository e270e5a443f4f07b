"""Monte Carlo speed: hpfold beside the C yardstick (../shared/bench/mc.c), same inputs, same run.

1. Attempted pull moves per second at T = 1 on one core (S1-8, 2D 64-mer; H48-1, 3D
   48-mer): wall and CPU rates of both, and the ratio hpfold / C; then hpfold alone on
   H48-1's sequence on the triangular and fcc lattices (no C there), as a ratio to its
   own cubic H48-1 rate.
2. Replica exchange with pull moves to the best-known energy (8 replicas, T 0.15-1.5
   geometric, swaps every 10 sweeps) over several seeds: success rate, median wall time
   and median moves to target for hpfold and C, beside the published pull-move REMC
   times (Thachuk, Shmygelska & Hoos 2007; 2.4 GHz Pentium IV).

    .venv/bin/python benchmarks/sampling.py --quick            # a couple of minutes
    .venv/bin/python benchmarks/sampling.py --seeds 5 --max-time 120 --sequences S1-1,...,H48-10,S1-9,S1-10,S1-11
    .venv/bin/python benchmarks/sampling.py --no-speed --no-remc --check-moves 300   # same proposals as the C?
"""
import argparse
import csv
import json
import math
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# the yardstick lives beside the checkout (../shared/bench); a git worktree sits one level deeper
C_SOURCE = next((q / "shared" / "bench" / "mc.c" for q in ROOT.parents if (q / "shared" / "bench" / "mc.c").exists()),
                ROOT.parent / "shared" / "bench" / "mc.c")
C_BINARY = Path("/tmp/hpfold-bench-mc")
STANDARD = [f"S1-{k}" for k in range(1, 9)] + [f"H48-{k}" for k in range(1, 11)]
LONG = ["S1-9", "S1-10", "S1-11"]


def build_c():
    if not C_SOURCE.exists():
        sys.exit(f"C yardstick not found at {C_SOURCE}")
    subprocess.run(["cc", "-O3", "-march=native", "-o", str(C_BINARY), str(C_SOURCE), "-lm"], check=True)


def run_c(args):
    return json.loads(subprocess.check_output([str(C_BINARY), *map(str, args)]))


def published():
    path = ROOT / "hpfold" / "data" / "published_times.tsv"
    with open(path, newline="") as fh:
        return {r["id"]: r["REMC_pull"] for r in csv.DictReader(fh, delimiter="\t")}


def speed(bench, steps, repeat):
    from hpfold.sample import sample
    b = bench
    sample(b["sequence"], b["lattice"], steps=1000, seed=1)            # compile
    h_wall, h_cpu = [], []
    for k in range(repeat):
        c0 = time.process_time()
        r = sample(b["sequence"], b["lattice"], moves="pull", temperature=1.0, steps=steps, seed=k + 1,
                   every=steps, threads=1)
        cpu = time.process_time() - c0
        h_wall.append(r.moves_attempted / r.seconds)
        h_cpu.append(r.moves_attempted / cpu)
    c_wall, c_cpu = [], []
    for k in range(repeat):
        out = run_c(["-T", 1.0, "-n", steps, "-s", k + 1, b["lattice"], b["sequence"]])
        c_wall.append(out["moves_per_s"])
        c_cpu.append(out["moves_per_cpu_s"])
    return (statistics.median(h_wall), statistics.median(h_cpu), statistics.median(c_wall),
            statistics.median(c_cpu))


def speed_hpfold(sequence, lattice, steps, repeat):
    """hpfold's wall and CPU rates only (lattices the C does not support)."""
    from hpfold.sample import sample
    sample(sequence, lattice, moves="pull", steps=1000, seed=1)            # compile
    h_wall, h_cpu = [], []
    for k in range(repeat):
        c0 = time.process_time()
        r = sample(sequence, lattice, moves="pull", temperature=1.0, steps=steps, seed=k + 1, every=steps, threads=1)
        cpu = time.process_time() - c0
        h_wall.append(r.moves_attempted / r.seconds)
        h_cpu.append(r.moves_attempted / cpu)
    return statistics.median(h_wall), statistics.median(h_cpu)


#: rows the C yardstick cannot run: H48-1's 48-mer sequence on the triangular and fcc lattices;
#: their ratio columns are hpfold / hpfold's own cubic H48-1 row of the same run
OTHER_LATTICES = [("tri-H48", "H48-1", "triangular"), ("fcc-H48", "H48-1", "fcc")]


def remc(bench, seeds, max_time, threads):
    from hpfold.sample import sample
    b = bench
    n = len(b["sequence"])
    sample(b["sequence"], b["lattice"], method="remc", steps=10 * n, seed=0, threads=threads)   # compile
    h_t, h_m, h_ok, c_t, c_m, c_ok = [], [], 0, [], [], 0
    h_total = c_total = 0          # all moves of all runs, solved or not (for the exponential rate)
    for seed in range(1, seeds + 1):
        r = sample(b["sequence"], b["lattice"], method="remc", moves="pull", replicas=8, tmin=0.15, tmax=1.5,
                   target=b["best_energy"], max_time=max_time, seed=seed, threads=threads, every=10**9)
        # unsolved runs count as infinitely long, so a median exists only when at least half are solved
        if r.reached_target:
            h_ok += 1
            h_t.append(r.seconds_to_target)
            h_m.append(r.steps_to_target * r.n_replicas)
            h_total += r.steps_to_target * r.n_replicas
        else:
            h_total += r.moves_attempted
            h_t.append(math.inf)
            h_m.append(math.inf)
        out = run_c(["-R", 8, "-a", 0.15, "-z", 1.5, "-k", 10, "-e", b["best_energy"], "-t", max_time,
                     "-s", seed, b["lattice"], b["sequence"]])
        if out.get("reached"):
            c_ok += 1
            c_t.append(out["time_to_target_s"])
            c_m.append(out["steps_to_target"])
            c_total += out["steps_to_target"]
        else:
            c_total += out["attempted"]
            c_t.append(math.inf)
            c_m.append(math.inf)

    def med(xs):
        m = statistics.median_high(xs) if len(xs) % 2 == 0 else statistics.median(xs)
        if len(xs) % 2 == 0 and math.isfinite(m):
            m = statistics.median(xs)
        return m
    # moves to target are close to exponential on the hard sequences; the censored maximum-likelihood
    # mean is (all moves) / (successes), far less noisy than a median of few runs
    mean_ratio = (h_total / h_ok) / (c_total / c_ok) if h_ok and c_ok else float("nan")
    return h_ok, med(h_t), med(h_m), c_ok, med(c_t), med(c_m), mean_ratio


def check_moves(ids, n_conf):
    """Compare every pull-move slot of hpfold and of the C on conformations the C samples at T = 0.35.

    The C's ``-C n -V file`` writes each sampled conformation with its distinct neighbours and
    reports the number of valid slots and the multiplicity histogram; hpfold's
    ``proposal_results`` runs every slot of the same conformation.  Equal sets, slot counts
    and multiplicities mean the two proposal distributions are the same.
    """
    import collections
    import tempfile

    import numpy as np

    from hpfold._data import benchmark
    from hpfold._kernels.moves import PULL, max_neighbours, proposal_results
    from hpfold.lattice import decode_directions, encode_directions, get_lattice

    print(f"\n## Pull-move proposals, hpfold vs C, on {n_conf} conformations sampled by the C at T = 0.35")
    print(f"{'sequence':<8} {'N':>4} {'lattice':<7} {'differ':>6} {'hpfold valid slots':>18} {'C valid slots':>13} "
          f"{'hpfold pairs':>12} {'C pairs':>8}  multiplicities (hpfold | C)")
    for sid in ids:
        b = benchmark(sid)
        lat = get_lattice(b["lattice"])
        n = len(b["sequence"])
        with tempfile.NamedTemporaryFile("r", suffix=".txt") as tmp:
            out = run_c(["-C", n_conf, "-k", 20000, "-T", 0.35, "-b", 2e6, "-s", 1, "-V", tmp.name, b["lattice"],
                         b["sequence"]])
            lines = tmp.read().splitlines()
        buf = np.zeros((max_neighbours(n, lat.n_directions, lat.order, PULL), n - 1), dtype=np.int8)
        differ = slots = pairs = 0
        mult = collections.Counter()
        for line in lines:
            x, *nbrs = line.split()
            k = proposal_results(decode_directions(x).astype(np.int8), lat.vectors, lat.group, PULL, buf)
            got = collections.Counter(encode_directions(row) for row in buf[:k])
            got.pop(x, None)                                  # self-loops: the C does not list them either
            slots += sum(got.values())
            pairs += len(got)
            mult.update(got.values())
            differ += set(got) != set(nbrs)
        c_mult = {m: c for m, c in enumerate(out["mult_hist"]) if c}
        print(f"{sid:<8} {n:>4} {b['lattice']:<7} {differ:>6} {slots:>18} {out['labels_valid']:>13} {pairs:>12} "
              f"{out['distinct_pairs']:>8}  {dict(sorted(mult.items()))} | {c_mult}", flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="short version: fewer steps, sequences and seeds")
    ap.add_argument("--steps", type=float, default=None, help="steps per speed run (default 2e7; quick 5e6)")
    ap.add_argument("--repeat", type=int, default=None, help="speed runs per program (median; default 3)")
    ap.add_argument("--seeds", type=int, default=None, help="REMC seeds per sequence (default 5; quick 3)")
    ap.add_argument("--max-time", type=float, default=None, help="REMC budget per run in s (default 60)")
    ap.add_argument("--sequences", default=None, help="comma-separated benchmark ids (default: S1-1..S1-8, H48-*)")
    ap.add_argument("--long", action="store_true", help="also the 85-mer and both 100-mers")
    ap.add_argument("--threads", type=int, default=1, help="numba threads for REMC (default 1, like the C)")
    ap.add_argument("--no-speed", action="store_true")
    ap.add_argument("--no-remc", action="store_true")
    ap.add_argument("--check-moves", type=int, default=0, metavar="K",
                    help="also compare every pull-move slot with the C's on K sampled conformations per sequence")
    args = ap.parse_args()
    from hpfold._data import benchmark

    steps = int(args.steps or (5e6 if args.quick else 2e7))
    repeat = args.repeat or (1 if args.quick else 3)
    seeds = args.seeds or (3 if args.quick else 5)
    max_time = args.max_time or (20.0 if args.quick else 60.0)
    if args.sequences:
        ids = args.sequences.split(",")
    elif args.quick:
        ids = ["S1-1", "S1-4", "S1-7", "S1-8", "H48-1", "H48-5"]
    else:
        ids = list(STANDARD)
    if args.long:
        ids += [i for i in LONG if i not in ids]
    build_c()
    print(f"# hpfold sampling benchmark ({time.strftime('%Y-%m-%d %H:%M')}); C yardstick {C_SOURCE}")
    if not args.no_speed:
        print(f"\n## Attempted pull moves per second, T = 1, one core, {steps:.2g} steps, median of {repeat}")
        print(f"{'sequence':<8} {'N':>4} {'lattice':<7} {'hpfold M/s':>11} {'C M/s':>8} {'ratio':>6}   "
              f"{'hpfold M/cpu-s':>14} {'C M/cpu-s':>10} {'ratio':>6}")
        ref = {}
        for sid in ("S1-8", "H48-1"):
            b = benchmark(sid)
            hw, hc, cw, cc = speed(b, steps, repeat)
            ref[sid] = (hw, hc)
            print(f"{sid:<8} {len(b['sequence']):>4} {b['lattice']:<7} {hw / 1e6:>11.2f} {cw / 1e6:>8.2f} "
                  f"{hw / cw:>6.2f}   {hc / 1e6:>14.2f} {cc / 1e6:>10.2f} {hc / cc:>6.2f}", flush=True)
        for name, sid, lat in OTHER_LATTICES:
            seq = benchmark(sid)["sequence"]
            hw, hc = speed_hpfold(seq, lat, steps, repeat)
            rw, rc = ref["H48-1"]
            print(f"{name:<8} {len(seq):>4} {lat.replace('triangular', 'triang'):<7} {hw / 1e6:>11.2f} {'n/a':>8} {hw / rw:>6.2f}*  "
                  f"{hc / 1e6:>14.2f} {'n/a':>10} {hc / rc:>6.2f}*", flush=True)
        print("* no C on this lattice: ratio = hpfold here / hpfold on cubic H48-1 (same sequence, same run)")
    if args.check_moves:
        check_moves(args.sequences.split(",") if args.sequences else ["S1-8", "H48-2"], args.check_moves)
    if not args.no_remc:
        pub = published()
        print(f"\n## REMC (pull, 8 replicas, T 0.15-1.5, swaps every 10 sweeps) to the best-known energy; "
              f"{seeds} seeds, budget {max_time:g} s each, hpfold threads={args.threads}")
        print("median over all runs, an unsolved run counting as infinite ('>budget' when half or fewer "
              "are solved);\nmoves ratio: hpfold / C of the mean moves to target, all moves of all runs / "
              "successes (censored exponential fit)")
        print(f"{'sequence':<8} {'N':>4} {'E*':>4} | {'hpfold ok':>9} {'median s':>9} {'median moves':>13} | "
              f"{'C ok':>5} {'median s':>9} {'median moves':>13} | {'time ratio':>10} | {'moves ratio':>11} | "
              "published")
        for sid in ids:
            b = benchmark(sid)
            h_ok, h_t, h_m, c_ok, c_t, c_m, mean_ratio = remc(b, seeds, max_time, args.threads)
            ratio = h_t / c_t if math.isfinite(c_t) and math.isfinite(h_t) and c_t > 0 else float("nan")
            sec = lambda x: f"{x:>9.3f}" if math.isfinite(x) else f"{'>' + format(max_time, 'g'):>9}"  # noqa: E731
            mv = lambda x: f"{x:>13.3g}" if math.isfinite(x) else f"{'-':>13}"  # noqa: E731
            rt = f"{ratio:>10.2f}" if ratio == ratio else f"{'-':>10}"
            print(f"{sid:<8} {len(b['sequence']):>4} {b['best_energy']:>4} | {h_ok:>4}/{seeds:<4} {sec(h_t)} "
                  f"{mv(h_m)} | {c_ok:>2}/{seeds:<2} {sec(c_t)} {mv(c_m)} | {rt} | {mean_ratio:>11.2f} | "
                  f"{pub.get(sid, '-')}", flush=True)


if __name__ == "__main__":
    main()
