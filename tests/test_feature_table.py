"""The README's lattice x engine table: every "yes" cell runs on a small chain of its lattice.

The table is read from README.md (between the feature-table markers), so a cell changed there
changes what is tested.  A "no" cell must fail with a one-line error that exits 2.
"""
import json
import re
from pathlib import Path

import pytest

from hpfold.cli import main

README = Path(__file__).resolve().parents[1] / "README.md"
#: small chains with at least one contact in their ground state on each lattice
SEQUENCES = {"square": "HPHPPHHPHH", "cubic": "HPHHPHPH", "triangular": "HPHHPPHH", "fcc": "HPHPPH"}


def feature_table() -> dict:
    """``{(lattice, column): cell text}`` from the README."""
    text = README.read_text()
    m = re.search(r"<!-- feature-table -->\n(.*?)<!-- /feature-table -->", text, re.S)
    assert m, "README.md has no feature table"
    lines = [ln.strip().strip("|").split("|") for ln in m.group(1).strip().splitlines()]
    header = [c.strip() for c in lines[0]]
    cells = {}
    for row in lines[2:]:
        row = [c.strip() for c in row]
        for column, cell in zip(header[1:], row[1:]):
            cells[(row[0], column)] = cell
    return cells


CELLS = feature_table()
LATTICES = sorted({lat for lat, _ in CELLS})
COLUMNS = sorted({col for _, col in CELLS})


@pytest.fixture(scope="module")
def trajectories(tmp_path_factory):
    """A short replica-exchange trajectory per lattice, for the sampled landscape and the Markov model."""
    folder = tmp_path_factory.mktemp("trajectories")
    out = {}
    for lat, seq in SEQUENCES.items():
        path = folder / f"{lat}.h5"
        assert main(["sample", seq, "--lattice", lat, "--method", "remc", "--steps", "3000", "--every", "10",
                     "--seed", "1", "-o", str(path), "--no-progress"]) == 0
        out[lat] = path
    return out


def commands(column, lattice, trajectory, folder) -> list:
    """The CLI runs that make a cell's "yes" (each must exit 0 and print JSON)."""
    seq = SEQUENCES[lattice]
    on = ["--lattice", lattice]
    sample = ["sample", seq, *on, "--steps", "2000", "--seed", "1", "--json", "--no-progress", "--moves"]
    problems = folder / f"{lattice}.tsv"
    problems.write_text(f"id\tlattice\tsequence\tbest_energy\nX\t{lattice}\t{seq}\t-1\n")
    return {
        "enumerate": [["enumerate", seq, *on, "--json"]],
        "sample: local": [sample + ["local"]],
        "sample: pull": [sample + ["pull"]],
        "sample: pivot": [sample + ["pivot"]],
        "flatPERM": [["dos", seq, *on, "--method", "flatperm", "--tours", "2000", "--runs", "1", "--seed", "1",
                      "--json"]],
        "Wang-Landau": [["dos", seq, *on, "--method", "wang-landau", "--steps", "100000", "--runs", "1",
                         "--seed", "1", "--json"]],
        "exact landscape": [["landscape", seq, *on, "--json"]],
        "sampled landscape": [["landscape", "--from", str(trajectory), "--json"]],
        "kinetics": [["kinetics", seq, *on, "--temperature", "0.5", "--json"],
                     ["kinetics", "--from", str(trajectory), "--lag", "2", "--assign", "state", "--bootstrap", "0", "--json"]],
        "bench": [["bench", "--suite", str(problems), "--algorithms", "remc,perm,anneal,wang-landau,random", "--runs", "1",
                   "--budget", "1s", "--json"]],
        "designability": [["designability", str(len(seq)), *on, "--json"]],
    }[column]


def test_the_table_covers_every_lattice_and_engine():
    assert LATTICES == sorted(SEQUENCES)
    assert len(COLUMNS) == 11 and len(CELLS) == 44
    for cell in CELLS.values():
        assert cell.startswith(("yes", "no")), cell


@pytest.mark.parametrize("lattice", LATTICES)
@pytest.mark.parametrize("column", COLUMNS)
def test_feature_cell(column, lattice, trajectories, tmp_path, capsys):
    cell = CELLS[(lattice, column)]
    for args in commands(column, lattice, trajectories[lattice], tmp_path):
        capsys.readouterr()
        rc = main(args)
        out, err = capsys.readouterr()
        if cell.startswith("yes"):
            assert rc == 0, (args, err)
            data = json.loads(out)
            assert data, args
            if "lattice" in data:
                assert data["lattice"] == lattice
        else:
            assert rc == 2 and len(err.strip().splitlines()) == 1, (args, err)
