"""``hpfold designability``: scan all 2^N HP sequences for designing sequences and designable structures."""
from __future__ import annotations

import json
import sys

from ..lattice import LATTICE_NAMES
from . import add_overwrite_argument, claim
from ._types import positive_int


def add_parser(sub):
    p = sub.add_parser(
        "designability", help="all 2^N sequences: designing sequences (unique ground state), designable structures",
        description="Score every HP sequence of length N (a sequence and its reverse counted separately) against "
                    "every conformation, enumerated once as symmetry classes and reduced to distinct contact maps. "
                    "A sequence is designing when one class alone has its lowest energy; a structure's "
                    "designability is the number of sequences it is the unique ground state of. Runs estimated "
                    "over 10 minutes are refused without --force. With -o, finished shards are kept in "
                    "FILE.h5.partial/ and an interrupted scan continues with --resume.")
    p.add_argument("n", type=positive_int("N", high=64), help="chain length N")
    p.add_argument("--lattice", "-l", default="square", choices=LATTICE_NAMES, help="lattice (default: square)")
    p.add_argument("--compact", metavar="BOX", default=None,
                   help="only the compact conformations filling a box, e.g. 3x3x3 (cubic, N = 27) or 4x4 (square, "
                        "N = 16), as Li et al. 1996")
    p.add_argument("--workers", type=positive_int("--workers", high=4096), default=None,
                   help="local processes (default: this process)")
    p.add_argument("--scheduler", metavar="ADDRESS", default=None,
                   help="Dask scheduler address or scheduler file; 'local' starts a LocalCluster of --workers")
    p.add_argument("-o", "--output", metavar="FILE.h5", help="write the scan (every sequence) to an HDF5 file")
    p.add_argument("--resume", action="store_true", help="continue the interrupted scan of -o FILE.h5")
    p.add_argument("--force", action="store_true", help="run even if estimated to take over 10 minutes")
    p.add_argument("--top", type=positive_int("--top", high=10**6), default=10,
                   help="how many of the most designable structures to list (default 10)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    add_overwrite_argument(p)
    return p


def run(args) -> int:
    if args.resume and not args.output:
        raise ValueError("--resume needs -o FILE.h5 (the scan to continue)")
    with claim(args, args.output):
        return _run(args)


def _run(args) -> int:
    from ..design import designability
    from ..design.compact import compact_table

    table = None
    if args.compact:
        table = compact_table(args.compact, args.lattice, n=args.n)
    result = designability(args.n, args.lattice, workers=args.workers, scheduler=args.scheduler,
                           output=args.output, resume=args.resume, force=args.force, table=table,
                           command_line=" ".join(sys.argv))
    if args.json:
        print(json.dumps(result.to_dict(top=args.top)))
    else:
        print(format_scan(result, args.top))
    if args.output:
        print(f"wrote {args.output}", file=sys.stderr)
    return 0


def format_scan(result, top: int = 10) -> str:
    """A readable summary: counts, the designability histogram and the most designable structures."""
    d = result.to_dict(top=top, sequences_limit=0)
    what = f"compact {d['compact']} conformations" if d["compact"] else "all conformations"
    lines = [f"{d['n_sequences']:,} sequences of {d['n_monomers']} monomers on the {d['lattice']} lattice "
             "(a sequence and its reverse counted separately)",
             f"{what}: {d['n_conformation_classes']:,} symmetry classes, {d['n_contact_maps']:,} distinct contact maps",
             f"designing sequences (unique ground state): {d['n_designing']:,}",
             f"designable structures: {d['n_designable_structures']:,} (most designable: {d['max_designability']} "
             "sequences)",
             f"time: table {d['table_seconds']:.2f} s, scan {d['scan_seconds']:.2f} s on {d['workers']} worker(s)", ""]
    if d["designability_histogram"]:
        lines.append("designability  structures")
        lines += [f"{k:>13}  {c:>10}" for k, c in d["designability_histogram"]]
        lines.append("")
    if d["top_structures"]:
        lines.append(f"{'rank':>4} {'designability':>13} {'contacts':>8}  conformation")
        lines += [f"{i + 1:>4} {s['designability']:>13} {s['contacts']:>8}  {s['conformation']}"
                  for i, s in enumerate(d["top_structures"])]
    return "\n".join(lines)
