"""Benchmark sets from a scan: designing sequences, whose unique ground state is proven by the scan.

Every designing sequence of a :class:`~hpfold.design.DesignabilityResult` becomes a row of
``hpfold/data/designing.tsv`` (the ``designing-N`` suites of ``hpfold bench``), with its ground
energy, its unique ground state and the scan that proves it.
"""
from __future__ import annotations

import csv

__all__ = ["suite_rows", "suite_name", "write_suite_rows", "COLUMNS"]

COLUMNS = ["id", "lattice", "length", "sequence", "best_energy", "status", "source", "ground_state"]


def suite_name(n: int, lattice: str) -> str:
    """``designing-N`` on the square lattice, ``designing-3d-N`` on the cubic one, ``designing-<lattice>-N`` else."""
    tag = {"square": "", "cubic": "3d-"}.get(lattice, f"{lattice}-")
    return f"designing-{tag}{n}"


def _id_prefix(n: int, lattice: str) -> str:
    return {"square": "D", "cubic": "D3D"}.get(lattice, f"D{lattice[:3].upper()}") + str(n)


def suite_rows(result) -> list:
    """One benchmark row (dict over :data:`COLUMNS`) per designing sequence of a full (not compact) scan.

    Examples
    --------
    >>> from hpfold.design import designability
    >>> rows = suite_rows(designability(10, "square"))
    >>> len(rows), rows[0]["id"], rows[0]["best_energy"]
    (6, 'D10-0001', -3)
    """
    if result.table.compact:
        raise ValueError("a compact scan proves uniqueness among compact conformations only: not a benchmark set")
    prefix = _id_prefix(result.n, result.lattice)
    source = (f"hpfold designability {result.n} --lattice {result.lattice} (exhaustive scan of all "
              f"{2 ** result.n:,} sequences against {result.table.n_classes:,} conformation classes)")
    rows = []
    for k, code in enumerate(result.designing_codes, start=1):
        found = result.lookup(_decode(int(code), result.n))
        rows.append({"id": f"{prefix}-{k:04d}", "lattice": result.lattice, "length": result.n,
                     "sequence": found["sequence"], "best_energy": found["ground_energy"],
                     "status": "proven (unique ground state, exhaustive sequence-space scan)", "source": source,
                     "ground_state": found["ground_state"]})
    return rows


def _decode(code: int, n: int) -> str:
    from .scan import decode_sequence

    return decode_sequence(code, n)


def write_suite_rows(path, rows) -> None:
    """Write rows as the tab-separated table ``hpfold/data/designing.tsv`` reads."""
    with open(path, "w", newline="") as fh:
        writer = csv.DictWriter(fh, COLUMNS, delimiter="\t", lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
