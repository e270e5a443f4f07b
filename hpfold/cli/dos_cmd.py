"""``hpfold dos``: the density of states g(E) of a chain, exact or estimated (flatPERM, Wang-Landau)."""
from __future__ import annotations

import json
import os
import sys

from ..lattice import LATTICE_NAMES
from . import add_overwrite_argument, claim
from ._types import count_like, positive_float, positive_int, seed_int

METHODS = ("exact", "flatperm", "wang-landau")


def add_parser(sub):
    p = sub.add_parser("dos", help="density of states g(E): exact enumeration, flatPERM or Wang-Landau",
                       description="Compute the density of states g(E) of an HP chain, exactly, with "
                                   "flatPERM (chain growth with a flat histogram in length and energy) or "
                                   "with Wang-Landau sampling (1/t refinement; pull, pivot and "
                                   "bond-rebridging moves).")
    add_source_arguments(p)
    p.add_argument("--json", action="store_true", help="print one JSON object (ln_g, cv_peaks, counters)")
    p.add_argument("-o", "--output", metavar="FILE.h5", help="write the density of states to an HDF5 file")
    p.add_argument("--checkpoint", metavar="FILE.h5", default=None,
                   help="flatperm, wang-landau: keep the whole state of every run in FILE (rewritten atomically "
                        "at the start, every few seconds, at the end and on Ctrl-C) so that --resume can continue it")
    p.add_argument("--checkpoint-every", type=positive_float("--checkpoint-every"), default=5.0, metavar="SEC",
                   help="seconds of wall time between checkpoints (default 5)")
    p.add_argument("--resume", action="store_true",
                   help="continue the runs stored in --checkpoint FILE (same sequence, lattice, method, "
                        "steps or tours, runs, seed and moves); the result equals an uninterrupted run's")
    add_overwrite_argument(p)
    return p


def add_source_arguments(p):
    """Arguments shared with ``hpfold thermo`` for computing a density of states from a sequence."""
    p.add_argument("sequence", help="HP sequence (e.g. HPHPPHHPHPPHPHHPPHPH) or a benchmark id (e.g. S1-8)")
    p.add_argument("--lattice", "-l", default=None, choices=LATTICE_NAMES,
                   help="lattice (default: the benchmark's lattice, else square)")
    p.add_argument("--method", "-m", default="exact", choices=METHODS, help="how to obtain g(E) (default: exact)")
    p.add_argument("--seed", type=seed_int("--seed"), default=None, help="random seed (flatperm, wang-landau)")
    p.add_argument("--tours", type=count_like("--tours", low=1), default=100_000,
                   help="flatPERM tours per run (default 100000: on S1-1, the square 20-mer, 4 runs give a mean "
                        "relative error of g(E) of 0.5%% against exact enumeration, at most 0.8%% over 6 seeds, "
                        "in about 2 s; the error falls roughly like 1/sqrt(tours))")
    p.add_argument("--steps", type=count_like("--steps", low=1), default=20_000_000,
                   help="Wang-Landau steps per run (default 20000000)")
    p.add_argument("--moves", default=None,
                   help="Wang-Landau move mixture (default pull:0.6,pivot:0.1,rebridge:0.3)")
    p.add_argument("--runs", type=positive_int("--runs", high=10**4), default=4,
                   help="independent runs, for error bars (default 4)")
    p.add_argument("--threads", type=positive_int("--threads"), default=1, help="threads for the runs (default 1)")
    p.add_argument("--max-seconds", type=positive_float("--max-seconds"), default=None,
                   help="wall-time limit for the runs (the result then depends on machine speed)")
    p.add_argument("--force", action="store_true",
                   help="run even if estimated to take over 10 minutes (exact: from the enumeration estimate; "
                        "flatperm, wang-landau: from a timed pilot of about 0.3 s)")


def resolve_sequence(text, lattice):
    """(sequence, lattice) from a sequence or a benchmark id such as ``S1-8``."""
    from .._data import benchmark_sequences

    for row in benchmark_sequences():
        if row["id"].lower() == text.strip().lower():
            return row["sequence"], lattice or row["lattice"]
    return text, lattice or "square"


def compute_dos(args):
    """The DensityOfStates asked for by the parsed arguments."""
    sequence, lattice = resolve_sequence(args.sequence, args.lattice)
    saving = {"checkpoint": getattr(args, "checkpoint", None), "resume": getattr(args, "resume", False),
              "checkpoint_seconds": getattr(args, "checkpoint_every", 5.0)}
    if args.method == "exact":
        from ..dos import DensityOfStates
        from ..enumerate import enumerate_conformations

        return DensityOfStates.from_enumeration(enumerate_conformations(sequence, lattice, force=args.force))
    if args.method == "wang-landau":
        from ..wang_landau import DEFAULT_MOVES, wang_landau

        return wang_landau(sequence, lattice, steps=args.steps, runs=args.runs, seed=args.seed, threads=args.threads,
                           moves=args.moves or DEFAULT_MOVES, max_seconds=args.max_seconds, force=args.force,
                           **saving)
    from ..perm import flatperm

    return flatperm(sequence, lattice, tours=args.tours, runs=args.runs, seed=args.seed, threads=args.threads,
                    max_seconds=args.max_seconds, force=args.force, **saving)


def run(args) -> int:
    _check_checkpoint_flags(args)
    with claim(args, args.output), claim(args, args.checkpoint, resume=args.resume):
        return _run(args)


def _check_checkpoint_flags(args) -> None:
    """Refuse --checkpoint and --resume where they cannot apply (one line, before any file is touched)."""
    if args.resume and not args.checkpoint:
        raise ValueError("--resume needs --checkpoint FILE (the runs to continue)")
    if args.resume and args.overwrite:
        raise ValueError("give --resume (continue FILE) or --overwrite (replace it), not both")
    if args.checkpoint and args.method == "exact":
        raise ValueError("--checkpoint: only --method flatperm or wang-landau keep a checkpoint")
    if args.checkpoint and args.output and os.path.abspath(args.checkpoint) == os.path.abspath(args.output):
        raise ValueError("--checkpoint and -o must name different files")


def _run(args) -> int:
    from .._dos_checkpoint import Interrupted
    from ..dos import write_dos
    from ..thermo import thermodynamics

    try:
        dos = compute_dos(args)
    except Interrupted as exc:
        if exc.checkpoint is None:
            raise
        print(f"hpfold dos: interrupted; the runs are saved in {exc.checkpoint} (continue with --resume)",
              file=sys.stderr)
        return 130
    if args.output:
        write_dos(args.output, dos, command_line=" ".join(sys.argv))
    thermo = thermodynamics(dos)
    if args.json:
        out = dos.to_dict()
        out["cv_peaks"] = thermo.cv_peaks
        out["cv_peak_errors"] = [p.temperature_err for p in thermo.peaks]
        print(json.dumps(out))
    else:
        print(format_dos(dos, thermo.cv_peaks))
    return 0


def format_dos(dos, cv_peaks=()) -> str:
    """A readable summary: provenance, normalisation, the levels with ln g and its error."""
    seq = dos.sequence if len(dos.sequence) <= 64 else dos.sequence[:61] + "..."
    lines = [f"sequence      {seq}  ({dos.n_monomers} monomers, {dos.lattice} lattice)",
             f"method        {dos.method}",
             f"normalisation {dos.normalisation}",
             f"ln sum g      {dos.ln_total:.6f}",
             f"lowest energy {dos.ground_energy}" + (f"  ({dos.best_conformation})" if dos.best_conformation else "")]
    counters = {k: v for k, v in dos.counters.items() if v is not None}
    if counters:
        lines.append("counters      " + ", ".join(f"{k}={v}" for k, v in counters.items()))
    if cv_peaks:
        lines.append("C_v peaks     T = " + ", ".join(f"{t:.4f}" for t in cv_peaks))
    lines += ["", f"{'E':>6} {'ln g(E)':>14} {'+-':>10} {'g(E)':>14}"]
    err = dos.ln_g_err
    for i, (e, lg) in enumerate(zip(dos.energies, dos.ln_g)):
        g = f"{float(dos.g[i]):.6g}" if lg < 700 else "-"
        pm = "" if err is None else f"{err[i]:.2e}"
        lines.append(f"{int(e):>6} {lg:>14.6f} {pm:>10} {g:>14}")
    return "\n".join(lines)
