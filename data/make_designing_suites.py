"""Regenerate hpfold/data/designing.tsv: the designing sequences of exhaustive scans, as benchmark rows.

    python data/make_designing_suites.py        # square 10-16, cubic 12 and 14, triangular 10-12 (about a minute)
"""
from pathlib import Path

from hpfold.design import designability
from hpfold.design.benchset import suite_rows, write_suite_rows

SCANS = [(10, "square"), (12, "square"), (14, "square"), (16, "square"), (12, "cubic"), (14, "cubic"),
         (10, "triangular"), (11, "triangular"), (12, "triangular")]


def main() -> int:
    rows = []
    for n, lattice in SCANS:
        found = suite_rows(designability(n, lattice, workers=2))
        print(f"{lattice} {n}: {len(found)} designing sequences")
        rows += found
    write_suite_rows(Path(__file__).resolve().parents[1] / "hpfold" / "data" / "designing.tsv", rows)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
