"""``hpfold sample``: Monte Carlo sampling (Metropolis, annealing, replica exchange), optionally to HDF5."""
from __future__ import annotations

import json
import math
import sys

from ..lattice import LATTICE_NAMES
from . import add_overwrite_argument, claim
from ._types import any_int, count_like, positive_float, positive_int, seed_int


def add_parser(sub):
    p = sub.add_parser("sample", help="Monte Carlo: Metropolis, simulated annealing or replica exchange",
                       description="Sample conformations of an HP chain by Monte Carlo with local, pull or pivot "
                                   "moves; stop on steps, wall time or a target energy.")
    p.add_argument("sequence", help="HP sequence, e.g. HPHPPHHPHPPHPHHPPHPH")
    p.add_argument("--lattice", "-l", default="square", choices=LATTICE_NAMES)
    p.add_argument("--method", "-m", default="metropolis", choices=["metropolis", "anneal", "remc"])
    p.add_argument("--moves", default="pull", help="move set, e.g. pull, local, pull:0.9,pivot:0.1 (default pull)")
    p.add_argument("--steps", type=count_like("--steps"), default=None, help="attempted moves per replica (e.g. 1e7)")
    p.add_argument("--max-time", type=positive_float("--max-time"), default=None, metavar="SEC",
                   help="wall-clock budget in seconds")
    p.add_argument("--temperature", "-T", type=positive_float("--temperature"), default=1.0,
                   help="Metropolis temperature (default 1)")
    p.add_argument("--tmin", type=positive_float("--tmin"), default=None,
                   help="lowest temperature (remc 0.15, anneal end 0.1)")
    p.add_argument("--tmax", type=positive_float("--tmax"), default=None,
                   help="highest temperature (remc 1.5, anneal start 2.0)")
    p.add_argument("--replicas", "-R", type=positive_int("--replicas", high=4096), default=None,
                   help="remc ladder size (8) or independent chains (1)")
    p.add_argument("--temperatures", default=None, help="explicit remc ladder, comma separated")
    p.add_argument("--schedule", default="geometric", choices=["geometric", "linear"], help="annealing schedule")
    p.add_argument("--exchange-every", type=positive_int("--exchange-every"), default=None, metavar="K",
                   help="remc: steps between swap attempts (default 10 sweeps); anneal: schedule update interval")
    p.add_argument("--target", type=any_int("--target"), default=None, metavar="E",
                   help="stop when an energy <= E is reached")
    p.add_argument("--seed", type=seed_int("--seed"), default=None)
    p.add_argument("--native", default=None, metavar="DIRS", help="native conformation (direction string) for Q")
    p.add_argument("--init", default=None, metavar="DIRS", help="initial conformation (default straight)")
    p.add_argument("-o", "--output", default=None, metavar="FILE.h5", help="write frames and checkpoints to HDF5")
    p.add_argument("--every", type=positive_int("--every"), default=None, metavar="K",
                   help="save a frame every K steps")
    p.add_argument("--resume", action="store_true",
                   help="continue the run checkpointed in -o FILE (which must exist; same --steps for anneal)")
    add_overwrite_argument(p)
    p.add_argument("--threads", type=positive_int("--threads"), default=None, help="numba threads for the replicas")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    return p


def _temperature_list(text):
    if text is None:
        return None
    try:
        values = [float(x) for x in text.split(",") if x.strip()]
    except ValueError:
        values = [float("nan")]
    if not values or not all(math.isfinite(t) and t > 0 for t in values):
        raise ValueError(f"--temperatures: expected comma-separated positive numbers, got {text!r}")
    return values


def run(args) -> int:
    from ..sample import sample

    steps = args.steps  # a whole number in [0, 1e15], checked by argparse
    if steps is None and args.max_time is None and args.target is None:
        raise ValueError("give --steps, --max-time or --target")
    if args.resume and not args.output:
        raise ValueError("--resume needs -o FILE (the trajectory to continue)")
    if args.resume and args.overwrite:
        raise ValueError("give --resume (continue FILE) or --overwrite (replace it), not both")
    temperatures = _temperature_list(args.temperatures)
    with claim(args, args.output, resume=args.resume):
        return _run(args, steps, temperatures)


def _check_resume(path, steps) -> None:
    """Refuse a resume the stored checkpoint cannot honour, before the file is reopened (and trimmed)."""
    from ..io import load_trajectory
    from ..sample import check_resume_steps

    checkpoint = load_trajectory(path, frames=slice(0, 0)).checkpoint
    if checkpoint is not None:
        check_resume_steps(checkpoint, steps)


def _run(args, steps, temperatures) -> int:
    from ..sample import sample

    writer = None
    state = None
    earlier = None
    on_block = None
    bar = None
    if not args.no_progress and sys.stderr.isatty() and not args.json:
        from tqdm import tqdm
        if steps is not None:
            bar = tqdm(total=steps, unit="step", unit_scale=True, file=sys.stderr, leave=False)
        else:
            bar = tqdm(total=args.max_time, unit="s", file=sys.stderr, leave=False, bar_format="{l_bar}{bar}| "
                       "{n:.1f}/{total:.1f} s")
    if args.resume:
        _check_resume(args.output, steps)
    if args.output:
        from ..io import TrajectoryWriter
        from ..sample import _temperatures
        temps = _temperatures(args.method, args.temperature, args.tmin, args.tmax, args.replicas, temperatures)[0]
        n_rep = len(temps) if args.method == "remc" else (args.replicas or 1)
        params = {"method": args.method, "moves": args.moves, "seed": args.seed, "every": args.every,
                  "steps": steps, "max_time": args.max_time, "target": args.target, "native": args.native,
                  "schedule": args.schedule, "command_line": " ".join(sys.argv)}
        writer = TrajectoryWriter(args.output, sequence=args.sequence, lattice=args.lattice, n_replicas=n_rep,
                                  parameters={k: v for k, v in params.items() if v is not None},
                                  temperatures=temps if args.method == "remc" else None,
                                  resume=args.resume)
        if args.resume:
            state = writer.read_checkpoint()
            earlier = writer.read_frames(writer.resumed_from) if writer.resumed_from else None

    progress = {"done": 0.0}

    def on_block(block):
        if writer is not None:
            tix = block.temperature_index
            writer.append(block.steps, block.positions, block.observables, tix)
            writer.write_checkpoint(block.get_state())
        if bar is not None:
            now = float(block.steps[-1]) if steps is not None else min(args.max_time, block.get_state()["seconds"])
            bar.update(now - progress["done"])
            progress["done"] = now

    try:
        result = sample(args.sequence, args.lattice, method=args.method, moves=args.moves, steps=steps,
                        max_time=args.max_time, temperature=args.temperature, tmin=args.tmin, tmax=args.tmax,
                        replicas=args.replicas, temperatures=temperatures, schedule=args.schedule,
                        target=args.target, native=args.native, every=args.every,
                        exchange_every=args.exchange_every, seed=args.seed, on_block=on_block, state=state,
                        init=args.init, threads=args.threads)
        if writer is not None:
            writer.write_checkpoint(result.get_state())
        if earlier is not None:  # report the whole run, not only the resumed part
            result = result.with_earlier_frames(*earlier)
    finally:
        if bar is not None:
            bar.close()
        if writer is not None:
            writer.close()
    if args.json:
        print(json.dumps(result.to_dict()))
    else:
        print(format_summary(result))
    return 0


def format_summary(result) -> str:
    """A readable summary of a :class:`~hpfold.sample.SampleResult`."""
    acc = ", ".join(f"{k} {v:.3f}" for k, v in result.acceptance().items())
    lines = [
        f"sequence     {result.sequence}  ({len(result.sequence)} monomers, {result.lattice} lattice)",
        f"method       {result.method} with {result.moves} moves, {result.n_replicas} replica(s), "
        f"T = {', '.join(f'{t:g}' for t in result.temperatures)}",
        f"steps        {result.steps:,} per replica ({result.moves_attempted:,} moves) in {result.seconds:.3f} s "
        f"({result.moves_attempted / max(result.seconds, 1e-9):.3g} moves/s), stopped by {result.stopped_by}",
        f"best energy  {result.best_energy}  {result.best_conformation}",
    ]
    if result.target is not None:
        if result.reached_target:
            lines.append(f"target       {result.target} reached after {result.steps_to_target:,} steps, "
                         f"{result.seconds_to_target:.3f} s")
        else:
            lines.append(f"target       {result.target} not reached")
    lines.append(f"acceptance   {acc}")
    if result.method == "remc":
        sw = ", ".join("-" if a is None else f"{a:.2f}" for a in result.swap_acceptance())
        lines.append(f"swaps        {sw}")
    hist = result.energy_histogram()
    if hist:
        lines.append("energies     " + ", ".join(f"{e}: {c}" for e, c in hist[:12]) + (" ..." if len(hist) > 12 else ""))
    return "\n".join(lines)
