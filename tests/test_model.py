"""The model layer: lattices, sequences and conformations (including hypothesis invariants)."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hpfold.conformation import Conformation
from hpfold.lattice import LATTICE_NAMES, decode_directions, encode_directions, get_lattice
from hpfold.sequence import HP, EnergyModel, parse_sequence
from reference import energy_from_scratch

ORDERS = {"square": 8, "cubic": 48, "triangular": 12, "fcc": 48}


@pytest.mark.parametrize("name", LATTICE_NAMES)
def test_point_groups(name):
    lat = get_lattice(name)
    assert lat.order == ORDERS[name]
    assert list(lat.group[0]) == list(range(lat.n_directions))
    # each permutation is realised by its matrix and respects opposites
    for perm, mat in zip(lat.group, lat.group_matrices):
        assert np.array_equal(lat.vectors @ mat.T, lat.vectors[perm])
        assert np.array_equal(perm[lat.opposite], lat.opposite[perm])
    assert len({tuple(p) for p in lat.group}) == lat.order


@st.composite
def walks(draw, max_len=14):
    """A random self-avoiding walk grown step by step (dead ends end the walk early)."""
    name = draw(st.sampled_from(LATTICE_NAMES))
    lat = get_lattice(name)
    n_steps = draw(st.integers(1, max_len))
    sites = {(0,) * lat.dim}
    here = (0,) * lat.dim
    dirs = []
    for _ in range(n_steps):
        free = [d for d in range(lat.n_directions)
                if tuple(int(a + b) for a, b in zip(here, lat.vectors[d])) not in sites]
        if not free:
            break
        d = draw(st.sampled_from(free))
        here = tuple(int(a + b) for a, b in zip(here, lat.vectors[d]))
        sites.add(here)
        dirs.append(d)
    seq = draw(st.text(alphabet="HP", min_size=len(dirs) + 1, max_size=len(dirs) + 1))
    return name, dirs, seq


@settings(max_examples=60, deadline=None)
@given(walks())
def test_energy_and_validity_invariant_under_point_group(walk):
    name, dirs, seq = walk
    conf = Conformation(dirs, name)
    energy = conf.energy(seq)
    assert energy == energy_from_scratch(seq, dirs, name)
    canon = conf.canonical()
    for g in range(conf.lattice.order):
        image = conf.transformed(g)
        assert image.is_valid
        assert image.energy(seq) == energy
        assert image.canonical() == canon  # the same canonical form for every symmetric image
    assert canon.string <= conf.string
    assert conf.orbit_size() == conf.lattice.order // sum(
        np.array_equal(conf.lattice.group[g][conf.directions], conf.directions) for g in range(conf.lattice.order))


@settings(max_examples=60, deadline=None)
@given(walks())
def test_encodings_round_trip(walk):
    name, dirs, _ = walk
    conf = Conformation(dirs, name)
    assert Conformation(conf.string, name) == conf
    assert Conformation.from_coords(conf.coords + 3, name) == conf
    assert decode_directions(encode_directions(dirs)).tolist() == list(dirs)


def test_overlap_and_contacts():
    native = Conformation("012", "square")  # U shape: contact 0-3
    assert native.contacts().tolist() == [[0, 3]]
    rod = Conformation("000", "square")
    assert rod.overlap(native) == 0.0 and native.overlap(native) == 1.0
    assert native.transformed(5).overlap(native) == 1.0
    assert native.contact_map().sum() == 2


def test_triangular_and_fcc_count_i_i_plus_2_contacts():
    # a 60-degree turn on the triangular lattice puts monomers 0 and 2 side by side
    assert Conformation("02", "triangular").energy("HPH") == -1
    assert Conformation("0a", "fcc").energy("HPH") == -1
    assert Conformation("00", "fcc").energy("HPH") == 0


def test_sequence_parsing_and_errors():
    assert parse_sequence(" hp\nHP ") == "HPHP"
    with pytest.raises(ValueError, match="'X' at position 3"):
        parse_sequence("HPXH")
    with pytest.raises(ValueError, match="empty"):
        parse_sequence("")
    with pytest.raises(ValueError, match="symmetric"):
        EnergyModel("HP", [[-1, 1], [0, 0]])
    assert HP.is_hp


def test_conformation_errors():
    with pytest.raises(ValueError, match="not self-avoiding: monomers 0 and 4"):
        Conformation("0123", "square")
    with pytest.raises(ValueError, match="'4' at position 2"):
        Conformation("04", "square")
    with pytest.raises(ValueError, match="not lattice neighbours"):
        Conformation.from_coords([[0, 0], [2, 0]], "square")
    with pytest.raises(ValueError, match="unknown lattice"):
        get_lattice("honeycomb")
    with pytest.raises(ValueError, match="sequence has 4 monomers"):
        Conformation("00", "square").energy("HHHH")
