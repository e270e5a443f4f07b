"""PDB export: exact column layout, coordinates that map back to the lattice, bonds, models."""
import numpy as np
import pytest

from hpfold.conformation import Conformation
from hpfold.io.pdb import format_pdb, write_pdb
from hpfold.lattice import get_lattice


def parse_pdb(text):
    """A strict column reader (wwPDB v3.3): models of atoms, TER and CONECT records."""
    models, atoms, conect, ter = [], None, {}, []
    for line in text.splitlines():
        assert len(line) == 80, repr(line)
        record = line[:6]
        if record == "MODEL ":
            assert line[6:10] == "    " and atoms is None
            atoms = []
            models.append((int(line[10:14]), atoms))
        elif record == "ATOM  ":
            assert line[11] == " " and line[20] == " " and line[26] == " " and line[27:30] == "   "
            atoms.append(dict(serial=int(line[6:11]), name=line[12:16], alt=line[16], res=line[17:20],
                              chain=line[21], seq=int(line[22:26]),
                              xyz=(float(line[30:38]), float(line[38:46]), float(line[46:54])),
                              occupancy=float(line[54:60]), beta=float(line[60:66]), element=line[76:78]))
        elif record == "TER   ":
            ter.append((int(line[6:11]), line[17:20], line[21], int(line[22:26])))
        elif record == "ENDMDL":
            atoms = None
        elif record == "CONECT":
            fields = [line[i:i + 5] for i in range(6, 31, 5)]
            conect[int(fields[0])] = [int(f) for f in fields[1:] if f.strip()]
        else:
            assert record in ("TITLE ", "END   "), record
    return models, conect, ter


@pytest.mark.parametrize("lattice, dirs", [("square", "0121103"), ("cubic", "0120121"),
                                           ("triangular", "0011223"), ("fcc", "0123456")])
def test_coordinates_map_back_to_the_lattice(lattice, dirs):
    lat = get_lattice(lattice)
    seq = "HPPHHPHP"
    conf = Conformation(dirs, lat)
    models, conect, ter = parse_pdb(format_pdb(conf, seq, lattice))
    (number, atoms), = models
    assert number == 1 and len(atoms) == len(seq)
    xyz = np.array([a["xyz"] for a in atoms])
    lattice_xyz = xyz[:, :lat.dim] / 3.8 @ np.linalg.inv(lat.cartesian).T
    assert np.allclose(lattice_xyz, conf.coords, atol=2e-3)
    if lat.dim == 2:
        assert np.all(xyz[:, 2] == 0)
    bonds = np.linalg.norm(np.diff(xyz, axis=0), axis=1)
    assert np.allclose(bonds, 3.8, atol=2e-3)
    for i, atom in enumerate(atoms):
        assert atom["serial"] == atom["seq"] == i + 1 and atom["name"] == " CA " and atom["alt"] == " "
        assert atom["res"] == {"H": "HYD", "P": "POL"}[seq[i]] and atom["chain"] == "A"
        assert atom["beta"] == (1.0 if seq[i] == "H" else 0.0) and atom["occupancy"] == 1.0
        assert atom["element"] == " C"
    assert ter == [(len(seq) + 1, atoms[-1]["res"], "A", len(seq))]
    expected = {i: [j for j in (i - 1, i + 1) if 1 <= j <= len(seq)] for i in range(1, len(seq) + 1)}
    assert conect == expected


def test_many_models_from_every_input_kind():
    lat = get_lattice("square")
    seq = "HPHPPH"
    strings = ["01210", "00303", "01123"]
    confs = [Conformation(s, lat) for s in strings]
    dirs = np.array([c.directions for c in confs])
    coords = np.array([c.coords for c in confs]) + 7  # translated coordinates are kept as given
    by_string = parse_pdb(format_pdb(strings, seq))[0]
    assert [n for n, _ in by_string] == [1, 2, 3]
    assert parse_pdb(format_pdb(confs, seq))[0] == by_string
    assert parse_pdb(format_pdb(dirs, seq))[0] == by_string
    shifted = parse_pdb(format_pdb(coords, seq))[0]
    for (_, a), (_, b) in zip(shifted, by_string):
        assert np.allclose(np.array([x["xyz"] for x in a]) - np.array([x["xyz"] for x in b]), [7 * 3.8, 7 * 3.8, 0])
    single = parse_pdb(format_pdb(dirs[0], seq))[0]
    assert len(single) == 1 and single[0][1] == by_string[0][1]


def test_write_pdb_file_and_hpnx_names(tmp_path):
    path = tmp_path / "fold.pdb"
    write_pdb(path, "0121", "HPNXH", "square", model="HPNX", chain_id="B", title="my fold")
    text = path.read_text()
    assert text.startswith("TITLE     my fold") and text.endswith("END" + " " * 77 + "\n")
    models, _, _ = parse_pdb(text)
    assert [a["res"] for a in models[0][1]] == ["HYD", "POS", "NEG", "NEU", "HYD"]
    assert {a["chain"] for a in models[0][1]} == {"B"}
    custom = parse_pdb(format_pdb("01", "HPH", residue_names={"H": "ALA", "p": "GLY"}))[0]
    assert [a["res"] for a in custom[0][1]] == ["ALA", "GLY", "ALA"]


def test_long_title_uses_continuation_lines():
    seq = "HP" * 50
    text = format_pdb("0" * 99, seq, "cubic")
    titles = [line for line in text.splitlines() if line.startswith("TITLE")]
    assert len(titles) == 3 and titles[1][8:10] == " 2" and titles[2][8:10] == " 3"
    assert seq in "".join(t[10:].strip() if i == 0 else t[11:].strip() for i, t in enumerate(titles))


@pytest.mark.parametrize("conformations, sequence, message", [
    ("0123", "HPPHH", "not self-avoiding"),
    ("012", "HPPHH", "steps"),
    (np.array([[0, 1, 5]]), "HPPH", "directions must lie"),
    (np.array([[[0, 0], [2, 0], [2, 1]]]), "HPP", "not lattice neighbours"),
    (np.zeros((1, 3, 3), dtype=int), "HPP", "shape"),
    (np.array([[0.0, 1.0]]), "HPP", "integer array"),
    ("012", "HPZH", "sequence"),
    ("2" * 300, "H" * 301, "8.3 columns"),
])
def test_bad_input_one_line(conformations, sequence, message):
    with pytest.raises(ValueError, match=message) as excinfo:
        format_pdb(conformations, sequence, "square")
    assert "\n" not in str(excinfo.value)


def test_bad_options():
    with pytest.raises(ValueError, match="chain_id"):
        format_pdb("01", "HPH", chain_id="AB")
    with pytest.raises(ValueError, match="residue name"):
        format_pdb("01", "HPH", residue_names={"H": "HYDRO"})
    with pytest.raises(ValueError, match="bond_length"):
        format_pdb("01", "HPH", bond_length=0)
    with pytest.raises(ValueError, match="lattice"):
        format_pdb([Conformation("01", "cubic")], "HPH", "square")
