"""``hpfold demo``: Levinthal's paradox and the folding funnel, measured, as a report."""
from __future__ import annotations

import sys

from . import output_folder


def add_parser(sub):
    p = sub.add_parser("demo", help="the main demonstration: Levinthal's paradox and the folding funnel",
                       description="Compute Levinthal's numbers, random against guided search, the exact funnel, "
                                   "two disconnectivity graphs, folding kinetics and basin occupancies; write PNG "
                                   "figures, a self-contained report.html and demo_data.h5.")
    p.add_argument("--out", default="demo_out", help="output directory (default: demo_out)")
    p.add_argument("--parents", action="store_true",
                   help="also create missing parent folders of --out (default: the parent must exist)")
    p.add_argument("--quick", action="store_true", help="smaller chains: about 30 s instead of 3 min")
    return p


def run(args) -> int:
    import matplotlib
    matplotlib.use("Agg")
    from ..demo.sections import run_demo

    output_folder(args.out, "--out", parents=args.parents)
    path, sections = run_demo(args.out, quick=args.quick, progress=lambda msg: print(msg, file=sys.stderr))
    print(f"report: {path}")
    for sec in sections:
        print(f"  {sec.title:<60} {sec.seconds:6.1f} s")
    return 0
