"""``hpfold enumerate``: exact enumeration of every conformation of a sequence."""
from __future__ import annotations

import json
import shlex
import sys

from ..lattice import LATTICE_NAMES
from . import add_overwrite_argument, claim
from ._types import positive_int


def add_parser(sub):
    p = sub.add_parser("enumerate", help="enumerate every conformation: counts, density of states, ground states",
                       description="Enumerate every conformation of an HP chain exactly (symmetry reduced).")
    p.add_argument("sequence", help="HP sequence, e.g. HPHPPHHPHPPHPHHPPHPH (case-insensitive)")
    p.add_argument("--lattice", "-l", default="square", choices=LATTICE_NAMES)
    p.add_argument("--ground-states", action="store_true", help="list the canonical ground-state conformations")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("-o", "--output", metavar="FILE.h5", help="write the result to an HDF5 file")
    p.add_argument("--threads", type=positive_int("--threads"), default=None, help="numba threads (default: all cores)")
    p.add_argument("--force", action="store_true", help="run even if estimated to take over 10 minutes")
    p.add_argument("--workers", type=positive_int("--workers", high=1024), default=None,
                   help="shard over N local processes (Dask)")
    p.add_argument("--scheduler", default=None, help="shard over a Dask scheduler at ADDRESS")
    add_overwrite_argument(p)
    return p


def run(args) -> int:
    with claim(args, args.output):
        return _run(args)


def _run(args) -> int:
    from ..enumerate import enumerate_conformations

    if args.workers or args.scheduler:
        from ..parallel import enumerate_distributed
        result = enumerate_distributed(args.sequence, args.lattice, ground_states=args.ground_states,
                                       workers=args.workers, scheduler=args.scheduler, force=args.force)
    else:
        result = enumerate_conformations(args.sequence, args.lattice, ground_states=args.ground_states,
                                         threads=args.threads, force=args.force)
    if args.output:
        from ..io import write_enumeration
        write_enumeration(args.output, result, command_line=shlex.join(["hpfold", *sys.argv[1:]]))
    if args.json:
        print(json.dumps(result.to_dict()))
    else:
        print(format_summary(result))
    return 0


def format_summary(result) -> str:
    """A readable multi-line summary of an :class:`~hpfold.enumerate.EnumerationResult`."""
    lines = [
        f"sequence      {result.sequence}  ({len(result.sequence)} monomers, {result.lattice} lattice)",
        f"conformations {result.n_conformations:,}  (monomer 0 fixed; {result.n_classes:,} symmetry classes)",
        f"ground state  E = {result.ground_energy}, {result.ground_count:,} conformations "
        f"({result.ground_classes:,} classes)",
        f"time          {result.seconds:.3f} s on {result.threads} thread(s), "
        f"{result.n_conformations / max(result.seconds, 1e-9):.3g} conformations/s",
        "",
        "density of states",
        f"{'E':>6} {'g(E)':>22} {'classes':>18}",
    ]
    for e, g, c in zip(result.energies, result.counts, result.class_counts):
        lines.append(f"{int(e):>6} {int(g):>22,} {int(c):>18,}")
    if result.ground_states is not None:
        lines += ["", "canonical ground states"] + [f"  {s}" for s in result.ground_states]
    return "\n".join(lines)
