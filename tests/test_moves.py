"""Move sets: against textbook definitions, validity, incremental energies, detailed balance, ergodicity."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import reference_sampling as ref
from hpfold._kernels import moves as mk
from hpfold._kernels import sampling as sk
from hpfold.lattice import get_lattice
from hpfold.moves import connected_components, neighbours, parse_moves, reversibility_report

# a compact 4x4 double spiral: no end move, corner flip or crankshaft is possible
DOUBLE_SPIRAL = "003222111000322"


def _rows(arr):
    return {tuple(int(x) for x in r) for r in arr}


# ---------------------------------------------------------------------------------- parsing
def test_parse_moves_fractions_and_mask():
    ms = parse_moves("pull:0.9, pivot:0.1")
    assert ms.names == ("pull", "pivot")
    assert ms.fractions == pytest.approx((0.9, 0.1))
    assert ms.mask == mk.PULL | mk.PIVOT
    assert parse_moves("local,pull").fractions == (0.5, 0.5)
    assert parse_moves("pull:3,local:1").fractions == pytest.approx((0.75, 0.25))
    assert str(parse_moves("pull")) == "pull"


@pytest.mark.parametrize("text, message", [
    ("wiggle", "unknown move type"),
    ("pull:0.5,local", "for every move type or for none"),
    ("pull:x", "is not a number"),
    ("pull:-1", "must be positive"),
    ("pull,pull", "given twice"),
    ("", "expected a string"),
])
def test_parse_moves_errors_are_one_line(text, message):
    with pytest.raises(ValueError, match=message) as info:
        parse_moves(text)
    assert "\n" not in str(info.value)


# ------------------------------------------------------------------- against the definitions
@pytest.mark.parametrize("lattice, n", [("square", 7), ("cubic", 5)])
def test_neighbours_match_textbook_definitions(lattice, n):
    walks = ref.all_walks(n, lattice)
    for w in walks[:: max(1, len(walks) // 120)]:
        d = np.array(w)
        assert _rows(neighbours(d, lattice, "local")) == ref.local_neighbours(w, lattice)
        assert _rows(neighbours(d, lattice, "pull")) == ref.pull_neighbours(w, lattice, reversible=True)
        assert _rows(neighbours(d, lattice, "pull_lesh")) == ref.pull_neighbours(w, lattice, reversible=False)
        assert _rows(neighbours(d, lattice, "pivot")) == ref.pivot_neighbours(w, lattice)
        union = _rows(neighbours(d, lattice, "local,pull,pivot"))
        assert union == (ref.local_neighbours(w, lattice) | ref.pull_neighbours(w, lattice)
                         | ref.pivot_neighbours(w, lattice))


@pytest.mark.parametrize("lattice", ["triangular", "fcc"])
def test_other_lattices_local_and_pivot_match_definitions(lattice):
    walks = ref.all_walks(4, lattice)
    for w in walks[:: max(1, len(walks) // 40)]:
        d = np.array(w)
        assert _rows(neighbours(d, lattice, "local")) == ref.local_neighbours(w, lattice)
        assert _rows(neighbours(d, lattice, "pivot")) == ref.pivot_neighbours(w, lattice)


def test_neighbours_commute_with_the_point_group():
    lat = get_lattice("cubic")
    d = np.array([0, 1, 3, 2, 1, 5, 0], dtype=np.int64)
    base = _rows(neighbours(d, lat, "pull,local,pivot"))
    for g in lat.group[::5]:
        images = {tuple(int(g[x]) for x in r) for r in base}
        assert _rows(neighbours(g[d].astype(np.int64), lat, "pull,local,pivot")) == images


def test_neighbours_rejects_bad_input():
    with pytest.raises(ValueError, match="not self-avoiding"):
        neighbours("0123", "square", "pull")
    with pytest.raises(ValueError, match="unknown move type"):
        neighbours("012", "square", "jump")


def test_all_neighbours_kernel_contract():
    lat = get_lattice("square")
    d = np.array([0, 0, 1, 2, 1, 0, 0], dtype=np.int8)
    rows = mk.max_neighbours(8, 4, 8, mk.PULL | mk.PIVOT)
    out = np.zeros((rows, 7), dtype=np.int8)
    k = mk.all_neighbours(d, lat.vectors, lat.group, mk.PULL | mk.PIVOT, out)
    got = _rows(out[:k])
    assert len(got) == k                      # distinct
    assert tuple(d) not in got                # input excluded
    assert got == ref.pull_neighbours(tuple(d), "square") | ref.pivot_neighbours(tuple(d), "square")
    small = np.zeros((2, 7), dtype=np.int8)
    assert mk.all_neighbours(d, lat.vectors, lat.group, mk.PULL, small) == -2


# ---------------------------------------------------------- validity and incremental energy
@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), lattice=st.sampled_from(["square", "cubic", "triangular", "fcc"]),
       n=st.integers(3, 14), mtype=st.integers(0, 3))
def test_every_move_is_a_saw_and_incremental_energy_is_exact(seed, lattice, n, mtype):
    from hpfold.sample import _Problem
    rng = np.random.default_rng(seed)
    seq = "".join(rng.choice(["H", "P"], size=n))
    lat = get_lattice(lattice)
    prob = _Problem(seq, lat, "HP", ["local", "pull", "pull_lesh", "pivot"][mtype], None, with_pivot=True)
    pos = np.zeros(n, dtype=np.int64)
    grid = prob.new_grid(1)[0]
    e = prob.place(np.zeros(n - 1, dtype=np.int8), pos, grid)
    nw = np.zeros(2 * n, dtype=np.int64)
    nl = mk.n_labels(mtype, n, prob.T)
    for _ in range(200):
        ok, de = sk.try_move(prob.T, prob.offt, pos, grid, nw, n, prob.types, prob.iw, prob.next_active, mtype,
                             int(rng.integers(nl)))
        if ok:
            dirs = prob.directions(pos)
            assert ref.is_saw(ref.walk_coords(dirs, lattice), lattice)
            e += de
            assert e == ref.energy(dirs, seq, lattice)
            assert np.count_nonzero(grid[(grid > 0) & (grid <= n)]) == n


# ---------------------------------------------------------------- detailed balance
def _every_walk(n, lattice):
    return np.array(ref.all_walks(n, lattice), dtype=np.int8)


@pytest.mark.parametrize("lattice, n", [("square", 9), ("cubic", 6)])
@pytest.mark.parametrize("moves", ["pull", "local"])
def test_exhaustive_reversibility(lattice, n, moves):
    report = reversibility_report(_every_walk(n, lattice), lattice, moves)
    assert report["n_pairs"] > 0
    assert report["n_asymmetric"] == 0, report
    assert report["n_irreversible"] == 0


def test_pull_moves_on_other_lattices():
    """With the reverse check, pull moves are exactly reversible on triangular and fcc chains too."""
    assert reversibility_report(_every_walk(5, "triangular"), "triangular", "pull")["n_asymmetric"] == 0
    report = reversibility_report(_every_walk(4, "fcc"), "fcc", "pull")
    assert report["n_pairs"] > 250_000 and report["n_asymmetric"] == 0 and report["n_irreversible"] == 0
    assert reversibility_report(_every_walk(4, "fcc"), "fcc", "local")["n_asymmetric"] == 0
    # the unchecked parallelogram moves are not (the reason for the check): 003 -> 731 has no way back
    assert (7, 3, 1) in ref.pull_neighbours((0, 0, 3), "fcc")
    assert (0, 0, 3) not in ref.pull_neighbours((7, 3, 1), "fcc")


def _random_walks(n, lattice, count, seed):
    rng = np.random.default_rng(seed)
    nd = get_lattice(lattice).n_directions
    out = []
    while len(out) < count:
        d = tuple(int(x) for x in rng.integers(0, nd, n - 1))
        if ref.is_saw(ref.walk_coords(d, lattice), lattice):
            out.append(d)
    return out


@pytest.mark.parametrize("lattice, n, count", [("fcc", 4, None), ("fcc", 6, 80), ("fcc", 9, 40),
                                               ("triangular", 8, 80)])
def test_checked_pull_moves_match_the_reference(lattice, n, count):
    """Every slot result, with multiplicity, equals the coordinate-level reference of the checked set."""
    from collections import Counter
    walks = ref.all_walks(n, lattice) if count is None else _random_walks(n, lattice, count, seed=n)
    lat = get_lattice(lattice)
    out = np.zeros((mk.max_neighbours(n, lat.n_directions, lat.order, mk.PULL), n - 1), dtype=np.int8)
    for w in walks:
        k = mk.proposal_results(np.asarray(w, dtype=np.int8), lat.vectors, lat.group, mk.PULL, out)
        got = Counter(tuple(int(x) for x in row) for row in out[:k])
        assert got == Counter(ref.checked_pull_results(w, lattice)), w


@pytest.mark.parametrize("lattice, n", [("square", 8), ("cubic", 6), ("triangular", 6)])
def test_reverse_check_keeps_every_pull_move_where_the_old_set_was_reversible(lattice, n):
    """On square and cubic chains the check is skipped; it would reject nothing there (nor on triangular)."""
    lat = get_lattice(lattice)
    rows = mk.max_neighbours(n, lat.n_directions, lat.order, mk.PULL)
    checked = mk.neighbour_workspace(n, lat.vectors, lat.group, rows)
    plain = mk.neighbour_workspace(n, lat.vectors, lat.group, rows)
    assert checked[0][mk.H_CHECK] == (lattice == "triangular")
    checked[0][mk.H_CHECK], plain[0][mk.H_CHECK] = 1, 0
    a, b = (np.zeros((rows, n - 1), dtype=np.int8) for _ in range(2))
    total = 0
    for w in _every_walk(n, lattice):
        ka = mk.neighbours_with(w, lat.vectors, checked, mk.PULL, a, False)
        kb = mk.neighbours_with(w, lat.vectors, plain, mk.PULL, b, False)
        assert ka == kb and np.array_equal(a[:ka], b[:kb])
        total += ka
    assert total > 60_000


def test_fcc_pull_moves_connect_small_chains():
    for n in range(3, 8):
        assert connected_components(n, "fcc", "pull").n_components == 1


def test_textbook_pull_moves_are_reported_irreversible():
    report = reversibility_report(_every_walk(7, "square"), "square", "pull_lesh")
    assert report["n_irreversible"] > 0
    x, y = report["example"]
    assert tuple(int(c) for c in y) in ref.pull_neighbours(x, "square", reversible=False)
    assert tuple(int(c) for c in x) not in ref.pull_neighbours(y, "square", reversible=False)


@pytest.mark.parametrize("lattice, n", [("square", 7), ("cubic", 4)])
def test_pivot_and_mixtures_are_symmetric(lattice, n):
    report = reversibility_report(_every_walk(n, lattice), lattice, "pivot,pull,local")
    assert report["n_asymmetric"] == 0


# ------------------------------------------------------------------------- ergodicity
def test_pull_moves_connect_square_chains():
    for n in (6, 10):
        report = connected_components(n, "square", "pull")
        assert report.connected, report
        assert report.n_states == {6: 36, 10: 2034}[n]


def test_cubic_pull_and_local_connect_small_chains():
    assert connected_components(6, "cubic", "pull").n_components == 1
    assert connected_components(6, "cubic", "local").n_components == 1


def test_double_spiral_has_no_local_move():
    assert ref.is_saw(ref.walk_coords(DOUBLE_SPIRAL, "square"), "square")
    assert len(neighbours(DOUBLE_SPIRAL, "square", "local")) == 0
    assert ref.local_neighbours(tuple(int(c) for c in DOUBLE_SPIRAL), "square") == set()
    # it is isolated under local moves, so local moves cannot connect square 16-mers; pull moves leave it
    assert len(neighbours(DOUBLE_SPIRAL, "square", "pull")) > 0


@pytest.mark.slow
def test_pull_moves_connect_square_14mers():
    report = connected_components(14, "square", "pull")
    assert report.n_states == 110188
    assert report.connected


def test_dimer_neighbours_are_the_other_orientations():
    from hpfold.moves import neighbours as _neighbours
    for moves in ("pull", "local", "pull_lesh", "pivot"):
        assert sorted(_neighbours("0", "square", moves).ravel().tolist()) == [1, 2, 3]


@pytest.mark.parametrize("lattice, n, moves", [("square", 9, mk.PULL | mk.PIVOT), ("cubic", 7, mk.PULL | mk.LOCAL)])
def test_a_reused_workspace_empties_its_row_table(lattice, n, moves):
    """Only the slots filled are cleared after a call: the next call (and a fresh workspace) agree."""
    lat = get_lattice(lattice)
    rows = mk.max_neighbours(n, lat.n_directions, lat.order, moves)
    ws = mk.neighbour_workspace(n, lat.vectors, lat.group, rows)
    table = ws[6]
    cap = int(table[-1])
    assert cap & (cap - 1) == 0 and cap >= 2 * rows + 2 and table.shape[0] == cap + rows + 1
    reused, fresh = (np.zeros((rows, n - 1), dtype=np.int8) for _ in range(2))
    for w in _random_walks(n, lattice, 60, seed=3):
        w = np.asarray(w, dtype=np.int8)
        k = mk.neighbours_with(w, lat.vectors, ws, moves, reused, True)
        assert k > 0 and np.all(table[:cap] == -1)
        kf = mk.all_neighbours(w, lat.vectors, lat.group, moves, fresh)
        assert kf == k and np.array_equal(reused[:k], fresh[:k])
        assert len({tuple(r) for r in reused[:k]}) == k
