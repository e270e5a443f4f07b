"""Benchmark suites: named sets of standard HP sequences with best-known energies."""
from __future__ import annotations

from dataclasses import dataclass

from .._data import benchmark, benchmark_sequences, designing_sequences

__all__ = ["Problem", "SUITES", "get_suite", "parse_target", "read_suite_file", "suite_names"]


@dataclass(frozen=True)
class Problem:
    """One benchmark sequence: its id, lattice, sequence, best-known energy and where that comes from."""

    id: str
    lattice: str
    sequence: str
    best_energy: int
    status: str = ""
    source: str = ""

    @property
    def length(self) -> int:
        return len(self.sequence)

    @classmethod
    def from_row(cls, row: dict) -> "Problem":
        return cls(row["id"], row["lattice"], row["sequence"], int(row["best_energy"]), row.get("status", ""),
                   row.get("source", ""))


def _by_prefix(prefix):
    return lambda r: r["id"].startswith(prefix)


def _by_status(*starts):
    return lambda r: r["status"].lower().startswith(starts)


#: suite name -> (description, row filter) over ``hpfold/data/benchmarks.tsv``
SUITES = {
    "2d-standard": ("square lattice S1-1 ... S1-11 (Unger & Moult 1993; Thachuk et al. 2007)",
                    lambda r: r["id"].startswith("S1-") and r["lattice"] == "square"),
    "harvard48": ("cubic Harvard 48-mers H48-1 ... H48-10 (Yue et al. 1995)", _by_prefix("H48-")),
    "2d-short": ("short square test chains X2-* (18-20 monomers, ground states proven)", _by_prefix("X2-")),
    "3d-standard": ("the S1 chains on the cubic lattice (S1-*_3D)", lambda r: r["id"].endswith("_3D")),
    "3d-other": ("other cubic chains: 3D46, 3D58, 3D103, 3D136, 3D64-*",
                 lambda r: r["id"].startswith("3D")),
    "proven": ("every chain whose best-known energy is proven optimal (enumeration or complete search)",
               _by_status("proven", "optimal")),
    "reported-optimal": ("chains reported optimal by an exact search (not re-verified)",
                         _by_status("reported optimal")),
    "best-known": ("chains with a best-known (not proven) energy", _by_status("best known")),
    "reachable": ("chains whose listed energy is only known reachable", _by_status("reachable")),
}


def designing_suites() -> dict:
    """``designing-N`` (square) and ``designing-3d-N`` (cubic) suites: sequences with a unique ground state
    proven by an exhaustive scan (``hpfold designability``), from ``hpfold/data/designing.tsv``."""
    from ..design.benchset import suite_name

    out = {}
    for r in designing_sequences():
        out.setdefault(suite_name(r["length"], r["lattice"]), []).append(r)
    return out


def suite_names() -> list:
    """Names of the predefined suites (the designing-N suites last)."""
    return list(SUITES) + list(designing_suites())


def get_suite(spec) -> list:
    """The problems of a suite, or of a comma-separated list of suite names and sequence ids.

    Parameters
    ----------
    spec : str or list of str
        A suite name (see :data:`SUITES`), a benchmark id (``"S1-8"``), a problems file
        (``*.tsv`` / ``*.csv``, see :func:`read_suite_file`), or a comma-separated mix
        (``"2d-short,S1-1"``). Duplicates are dropped, order is kept.

    Returns
    -------
    list of Problem

    Raises
    ------
    ValueError
        On an unknown suite name or sequence id.

    Examples
    --------
    >>> [p.id for p in get_suite("2d-standard")][:3]
    ['S1-1', 'S1-2', 'S1-3']
    >>> [p.id for p in get_suite("S1-1,H48-1")]
    ['S1-1', 'H48-1']
    """
    items = spec.split(",") if isinstance(spec, str) else list(spec)
    out, seen = [], set()
    for item in (s.strip() for s in items):
        if not item:
            continue
        if item.lower().endswith((".tsv", ".csv")):
            rows = read_suite_file(item)
        elif item.lower() in SUITES:
            rows = [r for r in benchmark_sequences() if SUITES[item.lower()][1](r)]
        elif item.lower() in designing_suites():
            rows = designing_suites()[item.lower()]
        elif item.lower().startswith("designing-"):
            raise ValueError(f"unknown suite {item!r}: the designing suites are {', '.join(designing_suites())} "
                             "(others: run hpfold designability N and data/make_designing_suites.py)")
        else:
            try:
                rows = [benchmark(item)]
            except KeyError:
                raise ValueError(f"unknown suite or sequence id {item!r} (suites: {', '.join(suite_names())}; "
                                 f"ids as in hpfold/data/benchmarks.tsv, e.g. S1-1, H48-1)") from None
        for r in rows:
            if r["id"] not in seen:
                seen.add(r["id"])
                out.append(Problem.from_row(r))
    if not out:
        raise ValueError(f"suite {spec!r} selects no sequences")
    return out


def read_suite_file(path) -> list:
    r"""Benchmark problems from a tab- (``.tsv``) or comma-separated (``.csv``) file with a header row.

    Columns ``id``, ``lattice``, ``sequence`` and ``best_energy`` are required, ``status`` and
    ``source`` optional; any lattice works (``square``, ``cubic``, ``triangular``, ``fcc``).

    Raises
    ------
    ValueError
        One line naming the file, the row and what is wrong (missing file or column, unknown
        lattice, letters other than H and P, a non-integer energy, a repeated id).

    Examples
    --------
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "mine.tsv")
    >>> _ = open(path, "w").write("id\tlattice\tsequence\tbest_energy\nF8\tfcc\tHPHPPHPH\t-6\n")
    >>> [(p.id, p.lattice, p.best_energy) for p in get_suite(path)]
    [('F8', 'fcc', -6)]
    """
    import csv
    import os

    from ..lattice import LATTICE_NAMES as LATTICES

    if not os.path.isfile(path):
        raise ValueError(f"suite file {path!r} not found")
    try:
        with open(path, newline="") as fh:
            table = list(csv.DictReader(fh, delimiter="," if path.lower().endswith(".csv") else "\t"))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise ValueError(f"suite file {path!r} cannot be read: {exc}") from None
    need = ("id", "lattice", "sequence", "best_energy")
    missing = [c for c in need if not table or c not in table[0]]
    if missing:
        raise ValueError(f"suite file {path!r} needs the columns {', '.join(need)} "
                         f"(missing: {', '.join(missing)})" if table else f"suite file {path!r} has no rows")
    rows, ids = [], set()
    for k, r in enumerate(table, start=2):
        where = f"suite file {path!r}, line {k}"
        lattice = (r["lattice"] or "").strip().lower()
        sequence = (r["sequence"] or "").strip().upper()
        if lattice not in LATTICES:
            raise ValueError(f"{where}: unknown lattice {r['lattice']!r} (one of {', '.join(LATTICES)})")
        if len(sequence) < 2 or set(sequence) - set("HP"):
            raise ValueError(f"{where}: the sequence must be at least 2 letters H and P, got {r['sequence']!r}")
        try:
            energy = int(r["best_energy"])
        except (TypeError, ValueError):
            raise ValueError(f"{where}: best_energy must be an integer, got {r['best_energy']!r}") from None
        if r["id"] in ids or not (r["id"] or "").strip():
            raise ValueError(f"{where}: the id {r['id']!r} is empty or repeated")
        ids.add(r["id"])
        rows.append({"id": r["id"].strip(), "lattice": lattice, "sequence": sequence, "best_energy": energy,
                     "status": r.get("status") or f"from {os.path.basename(path)}", "source": r.get("source") or path})
    return rows


def parse_target(target, problem: Problem) -> int:
    """The target energy of a problem: ``"best-known"``, ``"best-known+K"`` or an integer energy.

    Examples
    --------
    >>> p = get_suite("S1-1")[0]
    >>> parse_target("best-known", p), parse_target("best-known+2", p), parse_target(-5, p)
    (-9, -7, -5)
    """
    if target is None:
        return problem.best_energy
    if isinstance(target, (int,)) and not isinstance(target, bool):
        return int(target)
    text = str(target).strip().lower().replace(" ", "")
    if text in ("best-known", "best", "bestknown"):
        return problem.best_energy
    if text.startswith("best-known"):
        rest = text[len("best-known"):]
        try:
            return problem.best_energy + int(rest)
        except ValueError:
            pass
    try:
        return int(text)
    except ValueError:
        raise ValueError(f"target {target!r}: use best-known, best-known+K or an integer energy") from None
