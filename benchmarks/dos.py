"""Densities of states by chain growth: flatPERM speed and accuracy, nPERMis time to ground states.

Prints, on one core:
  1. flatPERM throughput on S1-1 (tours and chains grown per second, both variants);
  2. the wall time for one flatPERM run to reach the 1 % criterion on S1-1 (mean relative
     error of g(E) over the 10 levels <= 1 %, against exact enumeration), per seed, with the
     C_v peak error at that moment;
  2b. the same for Wang-Landau (1/t; pull 0.6, pivot 0.1, rebridge 0.3): steps and sweeps
     (N steps) per second, and the time for one walker to reach the 1 % criterion;
  3. nPERMis time to the best-known energy of the standard sequences (capped);
  5. flatPERM and Wang-Landau against exact g(E) on small square, triangular, cubic and fcc
     chains (after the nPERMis table; --lattices-only prints just this table);
  4. with --long SECONDS: flatPERM on the 2D 64-mer S1-8 and the 3D 48-mer H48-1 for that long
     (lowest energy reached, C_v peaks, levels, flatness), saved as DOS files in /tmp.

    .venv/bin/python benchmarks/dos.py [--quick] [--seeds 5] [--cap 30] [--long 120]
"""
import argparse
import math
import statistics
import time

import numpy as np


def throughput(seconds):
    from hpfold._data import benchmark
    from hpfold.perm import FlatPermRun, GrowthProblem

    row = benchmark("S1-1")
    problem = GrowthProblem.build(row["sequence"], row["lattice"])
    print(f"\n1. flatPERM throughput, S1-1 (N = 20, square), one run, {seconds:g} s each")
    print(f"{'variant':<12} {'tours/s':>12} {'chains/s':>12} {'chains/tour':>12}")
    for name, lookahead in (("lookahead", True), ("original", False)):
        run = FlatPermRun(problem, np.random.default_rng(0), lookahead=lookahead)
        run.advance(10)  # compile / load the cache
        t0, c0, s0 = run.tours, int(run.counters[1]), run.seconds
        batch = 1000
        while run.seconds - s0 < seconds:
            run.advance(batch)
        dt = run.seconds - s0
        tours, chains = run.tours - t0, int(run.counters[1]) - c0
        print(f"{name:<12} {tours / dt:>12.4g} {chains / dt:>12.4g} {chains / tours:>12.1f}")


def time_to_criterion(seeds, limit):
    from hpfold._data import benchmark
    from hpfold.dos import DensityOfStates
    from hpfold.enumerate import enumerate_conformations
    from hpfold.perm import FlatPermRun, GrowthProblem
    from hpfold.thermo import heat_capacity_peaks

    row = benchmark("S1-1")
    exact = DensityOfStates.from_enumeration(enumerate_conformations(row["sequence"], row["lattice"]))
    t_exact = heat_capacity_peaks(exact.energies, exact.ln_g, 0.1, 2.0)[0].temperature
    total = math.exp(exact.ln_total)
    problem = GrowthProblem.build(row["sequence"], row["lattice"])
    print(f"\n2. one flatPERM run on S1-1 until mean |g/g_exact - 1| <= 1 % over {len(exact.energies)} levels "
          f"(g scaled to sum = c_19); exact C_v peak T = {t_exact:.4f}")
    print(f"{'seed':>4} {'seconds':>9} {'tours':>9} {'chains':>11} {'mean err':>9} {'max err':>9} "
          f"{'dT_peak':>8} {'err at 2x':>10}")
    times = []
    for seed in range(seeds):
        run = FlatPermRun(problem, np.random.default_rng(seed))
        hit = None
        while run.seconds < limit:
            run.advance(2000)
            e, lg = run.ln_g()
            lg = lg - np.log(np.exp(lg - lg.max()).sum()) - lg.max() + math.log(total)
            err = np.ones(len(exact.energies))
            err[np.searchsorted(exact.energies, e)] = np.abs(np.expm1(lg - exact.ln_g[np.searchsorted(exact.energies, e)]))
            if err.mean() <= 0.01:
                peak = heat_capacity_peaks(e, lg, 0.1, 2.0)[0].temperature
                hit = (run.seconds, run.tours, int(run.counters[1]), err.mean(), err.max(), peak - t_exact)
                break
        if hit is None:
            print(f"{seed:>4} not reached in {limit:g} s")
            continue
        run.advance(run.tours)  # twice the work: does it stay below 1 %?
        e, lg = run.ln_g()
        lg = lg - np.log(np.exp(lg - lg.max()).sum()) - lg.max() + math.log(total)
        later = np.abs(np.expm1(lg - exact.ln_g[np.searchsorted(exact.energies, e)])).mean()
        times.append(hit[0])
        print(f"{seed:>4} {hit[0]:>9.2f} {hit[1]:>9d} {hit[2]:>11d} {hit[3]:>9.4f} {hit[4]:>9.4f} "
              f"{hit[5]:>+8.4f} {later:>10.4f}")
    if times:
        print(f"median {statistics.median(times):.2f} s, max {max(times):.2f} s (target: under 60 s on one core)")


def wang_landau_criterion(seeds, limit):
    from hpfold._data import benchmark
    from hpfold.dos import DensityOfStates
    from hpfold.enumerate import enumerate_conformations
    from hpfold.thermo import heat_capacity_peaks
    from hpfold.wang_landau import WangLandauRun

    row = benchmark("S1-1")
    n = row["length"]
    exact = DensityOfStates.from_enumeration(enumerate_conformations(row["sequence"], row["lattice"]))
    t_exact = heat_capacity_peaks(exact.energies, exact.ln_g, 0.1, 2.0)[0].temperature
    warm = WangLandauRun(row["sequence"], row["lattice"], "HP", np.random.default_rng(0))
    t0 = time.perf_counter()
    warm.advance(100)
    compile_s = time.perf_counter() - t0
    warm.advance(2_000_000)
    rate = (warm.steps - 100) / (warm.seconds - compile_s)
    print(f"\n2b. Wang-Landau on S1-1, one walker: {rate:.3g} steps/s = {rate / n:.3g} sweeps/s "
          f"(first call {compile_s:.1f} s: numba cache load or compile)")
    print(f"{'seed':>4} {'seconds':>9} {'steps':>11} {'mean err':>9} {'max err':>9} {'dT_peak':>8} {'err at 2x':>10}")
    times = []
    for seed in range(seeds):
        run = WangLandauRun(row["sequence"], row["lattice"], "HP", np.random.default_rng(seed))
        hit = None
        while run.seconds < limit:
            run.advance(500_000)
            e, lg = run.ln_g_levels()
            lg = lg - np.log(np.exp(lg).sum()) + exact.ln_total
            where = np.searchsorted(exact.energies, e)
            err = np.ones(len(exact.energies))
            err[where] = np.abs(np.expm1(lg - exact.ln_g[where]))
            if err.mean() <= 0.01:
                peak = heat_capacity_peaks(e, lg, 0.1, 2.0)[0].temperature
                hit = (run.seconds, run.steps, err.mean(), err.max(), peak - t_exact)
                break
        if hit is None:
            print(f"{seed:>4} not reached in {limit:g} s")
            continue
        run.advance(run.steps)
        e, lg = run.ln_g_levels()
        lg = lg - np.log(np.exp(lg).sum()) + exact.ln_total
        later = np.abs(np.expm1(lg - exact.ln_g[np.searchsorted(exact.energies, e)])).mean()
        times.append(hit[0])
        print(f"{seed:>4} {hit[0]:>9.2f} {hit[1]:>11d} {hit[2]:>9.4f} {hit[3]:>9.4f} {hit[4]:>+8.4f} {later:>10.4f}")
    if times:
        print(f"median {statistics.median(times):.2f} s, max {max(times):.2f} s (target: under 60 s on one core)")


#: small chains on every lattice, where exact enumeration gives the reference g(E) (fixed sequences)
LATTICE_ROWS = [("square", "HPHPPHHPHH"), ("triangular", "HPHPPHHPH"), ("cubic", "HPHPPHHPHH"),
                ("fcc", "HPHPPHHPH"), ("fcc", "HPHHPPHHPH")]


def _err_vs_exact(exact, e, lg):
    lg = lg - np.log(np.exp(lg - lg.max()).sum()) - lg.max() + exact.ln_total
    err = np.ones(len(exact.energies))
    where = np.searchsorted(exact.energies, e)
    ok = (where < len(exact.energies))
    ok[ok] = exact.energies[where[ok]] == e[ok]
    err[where[ok]] = np.abs(np.expm1(lg[ok] - exact.ln_g[where[ok]]))
    return err.mean(), err.max()


def lattice_rows(seconds):
    """flatPERM and Wang-Landau error of g(E) against exact enumeration on small chains of each lattice."""
    from hpfold.dos import DensityOfStates
    from hpfold.enumerate import enumerate_conformations
    from hpfold.perm import FlatPermRun, GrowthProblem
    from hpfold.wang_landau import WangLandauRun

    print(f"\n5. small chains on every lattice: mean / max |g/g_exact - 1| over the levels after {seconds:g} s "
          "of one flatPERM run and one Wang-Landau walker (seed 0)")
    print(f"{'lattice':<10} {'sequence':<12} {'N':>3} {'levels':>6} {'exact s':>8} | {'PERM tours':>10} "
          f"{'mean err':>9} {'max err':>9} | {'WL steps':>10} {'mean err':>9} {'max err':>9}")
    for lat, seq in LATTICE_ROWS:
        t0 = time.perf_counter()
        exact = DensityOfStates.from_enumeration(enumerate_conformations(seq, lat))
        t_exact = time.perf_counter() - t0
        run = FlatPermRun(GrowthProblem.build(seq, lat), np.random.default_rng(0))
        run.advance(10)
        s0 = run.seconds
        while run.seconds - s0 < seconds:
            run.advance(2000)
        pm, px = _err_vs_exact(exact, *run.ln_g())
        wl = WangLandauRun(seq, lat, "HP", np.random.default_rng(0))
        wl.advance(100)
        w0 = wl.seconds
        while wl.seconds - w0 < seconds:
            wl.advance(200_000)
        wm, wx = _err_vs_exact(exact, *wl.ln_g_levels())
        print(f"{lat:<10} {seq:<12} {len(seq):>3} {len(exact.energies):>6} {t_exact:>8.2f} | {run.tours:>10d} "
              f"{pm:>9.4f} {px:>9.4f} | {wl.steps:>10d} {wm:>9.4f} {wx:>9.4f}", flush=True)


def npermis_table(ids, cap):
    from hpfold._data import benchmark
    from hpfold.perm import npermis

    npermis("HPPHPPHH", tours=2, seed=0)
    print(f"\n3. nPERMis (T = 0.3, C = 1e-3, both ends), time to the best-known energy, cap {cap:g} s, seed 0")
    print(f"{'id':<8} {'N':>3} {'lattice':<7} {'target':>6} {'reached':>7} {'seconds':>8} {'tours':>9} "
          f"{'from':>6} {'published PERM':>15}")
    published = _published()
    for bid in ids:
        row = benchmark(bid)
        res = npermis(row["sequence"], row["lattice"], target_energy=row["best_energy"], seed=0, tours=1 << 50,
                      max_seconds=cap)
        ok = res.best_energy is not None and res.best_energy <= row["best_energy"]
        when = f"{res.seconds_to_best:.2f}" if ok else f">{cap:g}"
        print(f"{bid:<8} {row['length']:>3} {row['lattice']:<7} {row['best_energy']:>6} {res.best_energy:>7} "
              f"{when:>8} {res.counters['tours']:>9} {res.best_grown_from or '-':>6} {published.get(bid, '-'):>15}")


def _published():
    from hpfold._data import _rows
    try:
        return {r["id"]: r["PERM"] for r in _rows("published_times.tsv")}
    except OSError:
        return {}


def long_runs(seconds):
    from hpfold._data import benchmark
    from hpfold.dos import write_dos
    from hpfold.perm import flatperm
    from hpfold.thermo import thermodynamics

    print(f"\n4. flatPERM on long chains, {seconds:g} s each (4 runs on 1 thread)")
    for bid in ("S1-8", "H48-1"):
        row = benchmark(bid)
        dos = flatperm(row["sequence"], row["lattice"], tours=1 << 40, runs=4, seed=1, max_seconds=seconds)
        th = thermodynamics(dos, tmin=0.1, tmax=2.0)
        path = f"/tmp/hpfold-dos-{bid}.h5"
        write_dos(path, dos)
        c = dos.counters
        peaks = ", ".join(f"{p.temperature:.3f}+-{p.temperature_err:.3f}" if p.temperature_err else
                          f"{p.temperature:.3f}" for p in th.peaks)
        print(f"{bid}: N = {row['length']} {row['lattice']}, best known {row['best_energy']}, lowest reached "
              f"{dos.ground_energy}; {len(dos.energies)} levels; {c['tours']} tours, {c['chains']:.3g} chains in "
              f"{c['cpu_seconds']:.0f} s; flatness {c['flatness']}; C_v peaks T = {peaks}; saved {path}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer seeds and sequences")
    parser.add_argument("--seeds", type=int, default=5, help="seeds for the 1 %% criterion (default 5)")
    parser.add_argument("--cap", type=float, default=30.0, help="nPERMis time cap per sequence (default 30 s)")
    parser.add_argument("--long", type=float, default=0.0, metavar="SECONDS",
                        help="also run flatPERM on S1-8 and H48-1 for this long each")
    parser.add_argument("--lattices-only", action="store_true", help="only table 5 (small chains, every lattice)")
    parser.add_argument("--lattice-seconds", type=float, default=None, help="budget per method in table 5 (default 5 s; quick 2 s)")
    args = parser.parse_args()
    import numba

    numba.set_num_threads(1)
    t0 = time.perf_counter()
    from hpfold.perm import flatperm
    flatperm("HPPH", tours=2, runs=1)
    print(f"import + first flatPERM call (numba cache load or compile): {time.perf_counter() - t0:.2f} s")
    lat_s = args.lattice_seconds or (2.0 if args.quick else 5.0)
    if args.lattices_only:
        lattice_rows(lat_s)
        return
    throughput(1.0 if args.quick else 3.0)
    time_to_criterion(2 if args.quick else args.seeds, 60.0)
    wang_landau_criterion(2 if args.quick else args.seeds, 60.0)
    ids = ["S1-1", "S1-2", "S1-3", "S1-4", "S1-5"] if args.quick else \
        ["S1-1", "S1-2", "S1-3", "S1-4", "S1-5", "S1-6", "S1-7", "S1-9", "S1-10", "S1-11", "H48-1", "H48-2",
         "H48-3", "H48-4", "H48-5", "H48-6", "H48-7", "H48-8", "H48-9", "H48-10"]
    npermis_table(ids, 5.0 if args.quick else args.cap)
    lattice_rows(lat_s)
    if args.long > 0:
        long_runs(args.long)


if __name__ == "__main__":
    main()
