"""``hpfold kinetics``: exact master-equation kinetics of a sequence, or a Markov model of a trajectory."""
from __future__ import annotations

import json
import os
import sys

from ..lattice import LATTICE_NAMES
from . import add_overwrite_argument, claim, output_folder
from ._types import nonneg_int, positive_float, positive_int, seed_int


def add_parser(sub):
    p = sub.add_parser(
        "kinetics", help="folding kinetics: MFPT(T), relaxation rates, basin rates, Markov models",
        description="Exact Metropolis master equation over every symmetry class of a sequence (mean first-passage "
                    "time to the native state, slowest relaxation rates, the U-shaped MFPT(T) curve and its "
                    "optimal temperature, rates between basins), or a Markov state model of a trajectory (--from).")
    p.add_argument("sequence", nargs="?", help="HP sequence (exact kinetics); omit with --from")
    p.add_argument("--exact", action="store_true", help="exact master equation (the default with a SEQUENCE)")
    p.add_argument("--lattice", "-l", default="square", choices=LATTICE_NAMES, help="lattice (default: square)")
    p.add_argument("--moves", default="pull", help="one move type: pull, local, pull_lesh, pivot (default pull)")
    p.add_argument("--model", default="HP", help="energy model (default HP)")
    p.add_argument("--temperature", "-T", type=positive_float("--temperature"), default=None,
                   help="one temperature; without it the MFPT is scanned from --tmin to --tmax")
    p.add_argument("--tmin", type=positive_float("--tmin"), default=None,
                   help="lowest temperature of the scan (default 0.15)")
    p.add_argument("--tmax", type=positive_float("--tmax"), default=None,
                   help="highest temperature of the scan (default 3)")
    p.add_argument("--points", type=positive_int("--points", high=10**5), default=12,
                   help="temperatures in the scan, log-spaced (default 12)")
    p.add_argument("--native", metavar="DIRS", default=None,
                   help="target conformation (direction string); default every ground state")
    p.add_argument("--start", default="uniform", choices=("uniform", "boltzmann"),
                   help="start distribution: a random conformation (uniform, default) or equilibrium")
    p.add_argument("--rule", default="metropolis", choices=("metropolis", "glauber"), help="acceptance rule")
    p.add_argument("--basins", metavar="LEVEL", default="gradient",
                   help="macrostates for the basin rates: 'gradient' basins (default), a barrier-tree cut "
                        "energy LEVEL, or 'none'")
    p.add_argument("--rates", type=positive_int("--rates"), default=4,
                   help="slowest relaxation rates to report (default 4)")
    p.add_argument("--from", dest="trajectory", metavar="TRAJ.h5", help="Markov state model of a trajectory")
    p.add_argument("--lag", type=positive_int("--lag"), default=None, help="lag time in frames (--from)")
    p.add_argument("--lags", default=None, metavar="K1,K2,...",
                   help="lags for the implied-timescale plot (--from; default 1,2,5,10,20 x --lag)")
    p.add_argument("--assign", default="basin", choices=("basin", "state"),
                   help="frames to quench basins (default) or to exact states (small chains) (--from)")
    p.add_argument("--bootstrap", type=nonneg_int("--bootstrap"), default=20,
                   help="bootstrap resamples for error bars (--from)")
    p.add_argument("--seed", type=seed_int("--seed"), default=0, help="bootstrap seed (--from)")
    p.add_argument("--plot", metavar="FILE", help="figure: MFPT(T) and basin populations (or implied timescales)")
    p.add_argument("--bar", metavar="FILE.bar", help="write a barriers-style .bar file (treekin input)")
    p.add_argument("--rates-file", metavar="FILE", help="write the basin rate matrix as text (treekin -m I)")
    p.add_argument("--pathsample", metavar="DIR", help="write PATHSAMPLE min.data and ts.data into DIR")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("-o", "--output", metavar="FILE.h5", help="write per-state MFPTs, the curve and basin data")
    add_overwrite_argument(p)
    p.add_argument("--force", action="store_true", help="run even if estimated over 10 minutes or the memory")
    return p


def _outputs(args):
    """Every file the run writes (for the locks and the overwrite check)."""
    paths = [args.output, args.plot, args.bar, args.rates_file]
    if args.pathsample:
        paths += [os.path.join(args.pathsample, "min.data"), os.path.join(args.pathsample, "ts.data")]
    for path in paths:                 # --pathsample's folder is made before this
        if path is not None and not os.path.isdir(os.path.dirname(os.path.abspath(path))):
            raise ValueError(f"{path}: folder {os.path.dirname(os.path.abspath(path))} does not exist")
    return paths


def _stages(enabled):
    """A tqdm bar naming the running step (shown after two seconds on a terminal), or None."""
    if not enabled:
        return None, None
    from tqdm import tqdm

    bar = tqdm(total=5, unit="step", desc="kinetics", delay=2.0, file=sys.stderr, leave=False,
               bar_format="{desc}: {n}/{total} steps, {elapsed}")

    def stage(name):
        if bar.desc != "kinetics":
            bar.update(1)
        bar.set_description_str(f"kinetics: {name}")
    return stage, bar


def _progress(enabled):
    if not enabled:
        return None
    from tqdm import tqdm

    bar = {}

    def tick(done, total):
        if "bar" not in bar:
            bar["bar"] = tqdm(total=total, unit="T", desc="MFPT(T)", delay=2.0, file=sys.stderr, leave=False)
        bar["bar"].total = max(total, done)
        bar["bar"].n = done
        bar["bar"].refresh()
    return tick


def run(args) -> int:
    if args.trajectory:
        if args.sequence:
            raise ValueError("give a SEQUENCE (exact kinetics) or --from TRAJ.h5 (Markov model), not both")
        return run_msm(args)
    if not args.sequence:
        raise ValueError("give a SEQUENCE (exact kinetics) or --from TRAJ.h5 --lag K (Markov model)")
    if args.lag is not None or args.lags is not None:
        raise ValueError("--lag and --lags apply to --from TRAJ.h5")
    level = None
    if args.basins not in ("gradient", "none"):
        try:
            level = float(args.basins)
        except ValueError:
            raise ValueError(f"--basins: give 'gradient', 'none' or an energy, got {args.basins!r}") from None
    if (args.bar or args.rates_file or args.pathsample) and args.basins == "none":
        raise ValueError("--bar, --rates-file and --pathsample need basins (drop --basins none)")
    if args.pathsample:
        output_folder(args.pathsample, "--pathsample", parents=None)
    with claim(args, *_outputs(args)):
        return _run_exact(args, level)


def _run_exact(args, level) -> int:
    import numpy as np

    from ..kinetics.run import basin_populations, exact_kinetics, write_kinetics
    from ..landscape.flooding import check_landscape_cost
    from ..spaces import HPSpace

    check_landscape_cost(len(args.sequence), args.lattice, args.moves, force=args.force, what="kinetics")
    space = HPSpace.from_sequence(args.sequence, args.lattice, args.moves, args.model, force=args.force)
    target = "ground"
    if args.native:
        state = space.states.find(args.native)
        if state < 0:
            raise ValueError(f"--native {args.native}: not a conformation of this chain")
        target = [state]
    show = sys.stderr.isatty() and not args.json
    stage, bar = _stages(show)
    try:
        result = exact_kinetics(space, temperature=args.temperature, tmin=args.tmin, tmax=args.tmax,
                                points=args.points, target=target, start=args.start, rule=args.rule,
                                basins=args.basins != "none", level=level, n_rates=args.rates, force=args.force,
                                progress=_progress(show), stage=stage)
    finally:
        if bar is not None:
            bar.close()
    times, populations = None, (None, None)
    if result.basins is not None and (args.output or args.plot):
        slow = result.relaxation_rates[0] if len(result.relaxation_rates) else 1.0
        times = np.geomspace(1.0, 20.0 / max(slow, 1e-12), 60)
        populations = basin_populations(result, times)         # once, for the file and the figure
    if args.output:
        write_kinetics(args.output, result, times=times, populations=populations if times is not None else None)
    if result.basins is not None:
        from ..kinetics.export import write_bar, write_pathsample, write_rates

        if args.bar:
            write_bar(args.bar, result.landscape)
        if args.rates_file:
            write_rates(args.rates_file, result.basins.rates)
        if args.pathsample:
            write_pathsample(args.pathsample, result.landscape)
    if args.plot:
        from ..io._safe import atomic_path
        from ..plot.kinetics import figure_exact

        with atomic_path(args.plot) as tmp:
            figure_exact(tmp, result, times, *populations)
    out = result.to_dict()
    if args.json:
        print(json.dumps(out))
    else:
        print(summary_text(out))
    return 0


def summary_text(d) -> str:
    lines = [f"sequence     {d.get('sequence')}  ({d.get('lattice')} lattice, {d.get('moves')} moves)",
             f"states       {d['n_states']:,} classes, {d['n_edges']:,} directed transitions",
             f"temperature  {d['temperature']:.4g}" + ("  (optimal)" if d.get("optimal_temperature") else ""),
             f"MFPT         {d['mfpt']:.4g} move attempts from a {d['start']} start to "
             f"{len(d['target'])} target state(s)",
             "rates        " + ", ".join(f"{r:.3g}" for r in d["relaxation_rates"]) + " per attempt (slowest first)"]
    opt = d.get("optimal_temperature")
    if opt:
        lo, hi = opt["range"]
        lines.append(f"optimal T    {opt['value']:.3g} (MFPT {opt['mfpt']:.4g}; within x{opt['range_factor']:g} "
                     f"from {lo:.3g} to {hi:.3g})"
                     + ("; at the edge of the scan: widen --tmin/--tmax" if opt.get("at_edge") else ""))
    if "basins" in d:
        b = d["basins"]
        lines.append(f"basins       {b['n_macrostates']} macrostates; slowest basin rates "
                     + ", ".join(f"{r:.3g}" for r in b["relaxation_rates"][:3]))
    lines.append("time         " + ", ".join(f"{k} {v:.2f} s" for k, v in d["seconds"].items())
                 + f"; peak memory {d['peak_memory_mib']:.0f} MiB")
    return "\n".join(lines)


def run_msm(args) -> int:
    if args.lag is None:
        raise ValueError("--from needs --lag K (frames)")
    for flag in ("temperature", "tmin", "tmax", "native", "bar", "rates_file", "pathsample", "output"):
        if getattr(args, flag) is not None:
            raise ValueError(f"--{flag.replace('_', '-')} applies to exact kinetics (a SEQUENCE), not to --from")
    lags = [args.lag * k for k in (1, 2, 5, 10, 20)]
    if args.lags:
        try:
            lags = [int(x) for x in args.lags.split(",")]
        except ValueError:
            raise ValueError(f"--lags: give integers like 1,2,5, got {args.lags!r}") from None
        if min(lags) < 1:
            raise ValueError("--lags must be at least 1")
    with claim(args, args.plot):
        return _run_msm(args, lags)


def _run_msm(args, lags) -> int:
    from ..kinetics.msm import implied_timescales, msm_from_trajectory

    model, summary = msm_from_trajectory(args.trajectory, args.lag, assign=args.assign, bootstrap=args.bootstrap,
                                         seed=args.seed)
    if args.plot:
        from ..io._safe import atomic_path
        from ..plot.kinetics import figure_msm

        with atomic_path(args.plot) as tmp:
            figure_msm(tmp, implied_timescales(model, lags))
    if args.json:
        print(json.dumps(summary))
    else:
        err = summary["mfpt_error"]
        print(f"frames       {summary['frames']:,} ({summary['frame_steps']:g} move attempts apart), "
              f"{summary['n_states']} {args.assign}s in the model")
        print(f"lag          {summary['lag']} frames")
        print(f"MFPT         {summary['mfpt']:.4g}" + (f" ± {err:.2g}" if err is not None else "")
              + " move attempts into the lowest basin")
        print("timescales   " + ", ".join(f"{t:.4g}" for t in summary["timescales"]) + " move attempts")
    return 0
