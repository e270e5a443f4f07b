"""Readers for the reference tables shipped in ``hpfold/data``."""
import csv
from functools import lru_cache
from pathlib import Path

DATA_DIR = Path(__file__).with_name("data")


def _rows(name):
    with open(DATA_DIR / name, newline="") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


@lru_cache(maxsize=None)
def saw_counts(lattice: str) -> dict:
    """Exact self-avoiding-walk counts ``{n_steps: c_n}`` for a lattice."""
    return {int(r["n"]): int(r["count"]) for r in _rows("saw_counts.tsv") if r["lattice"] == lattice}


@lru_cache(maxsize=None)
def benchmark_sequences() -> list:
    """Standard HP benchmark sequences with best-known energies (list of dicts)."""
    rows = _rows("benchmarks.tsv")
    for r in rows:
        r["length"] = int(r["length"])
        r["best_energy"] = int(r["best_energy"])
    return rows


@lru_cache(maxsize=None)
def designing_sequences() -> list:
    """Designing sequences (a unique ground state, proven by an exhaustive scan) as benchmark rows."""
    rows = _rows("designing.tsv")
    for r in rows:
        r["length"] = int(r["length"])
        r["best_energy"] = int(r["best_energy"])
    return rows


def benchmark(identifier: str) -> dict:
    """One benchmark row by its id (e.g. ``"S1-1"``, ``"H48-1"``, or a designing sequence ``"D14-0001"``)."""
    for r in (*benchmark_sequences(), *designing_sequences()):
        if r["id"].lower() == identifier.lower():
            return r
    raise KeyError(f"unknown benchmark sequence {identifier!r}")
