"""``hpfold demo``: the main demonstration (Levinthal's numbers and the folding funnel)."""
from __future__ import annotations


def add_parser(sub):
    p = sub.add_parser("demo", help="the main demonstration: Levinthal's paradox in numbers",
                       description="Enumerate a 2D 16-mer exactly and show how many conformations it has.")
    p.add_argument("--out", default="demo_out", help="output directory for the report (default: demo_out)")
    p.add_argument("--quick", action="store_true", help="a shorter run")
    return p


def run(args) -> int:
    from ..enumerate import enumerate_conformations
    from .enumerate_cmd import format_summary

    sequence = "HPHHPPHHHHPHHHPH"  # a 2D 16-mer
    result = enumerate_conformations(sequence, "square", ground_states=True)
    print("Levinthal's problem in numbers: every conformation of a 16-mer on the square lattice\n")
    print(format_summary(result))
    per_second = 1e13
    print(f"\nA random search testing {per_second:.0e} conformations per second would need "
          f"{result.n_conformations / per_second:.2g} s for this chain; the count grows about 2.64-fold "
          f"per monomer, so a 100-mer would need ~{2.638 ** 99 / per_second / 3.15e7:.1e} years.")
    return 0
