"""Funnels across sequence space: hpfold.design.funnels, its figure and its demo section."""
from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from hpfold.design import designability, encode_sequence
from hpfold.design.funnels import FunnelSurvey, funnel_survey, pick_sequences, sequence_metrics


@pytest.fixture(scope="module")
def scan12():
    return designability(12, "square")


@pytest.fixture(scope="module")
def survey10():
    return funnel_survey(10, "square", n_designing=3, seed=4, workers=1)


def _rows(survey):
    return [dataclasses.astuple(r) for r in survey.rows]


def test_rows_do_not_depend_on_workers(survey10):
    two = funnel_survey(10, "square", n_designing=3, seed=4, workers=2)
    assert _rows(two) == _rows(survey10)


def test_seeded_draws_are_reproducible_and_differ_between_seeds(scan12):
    a = pick_sequences(scan12, 6, seed=11)
    assert pick_sequences(scan12, 6, seed=11) == a
    assert pick_sequences(scan12, 6, seed=12) != a
    # a partner depends on its designing sequence and the seed, not on the others drawn
    partners = {p: s for s, kind, p in a if kind == "random"}
    for s, kind, p in pick_sequences(scan12, 20, seed=11):
        if kind == "random" and p in partners:
            assert s == partners[p]


def test_shuffles_keep_the_composition_and_can_make_contacts(scan12):
    items = pick_sequences(scan12, 10, seed=3)
    designing = [s for s, kind, _ in items if kind == "designing"]
    random = [(s, p) for s, kind, p in items if kind == "random"]
    assert len(designing) == len(random) == 10
    assert all(scan12.structure[encode_sequence(s)] >= 0 for s in designing)
    for s, p in random:
        assert p in designing and sorted(s) == sorted(p)
        assert scan12.ground_energy[encode_sequence(s)] < 0
    assert {p for _, p in random} == set(designing)


def test_n_random_is_checked(scan12):
    assert len(pick_sequences(scan12, 5, 2, seed=0)) == 7
    with pytest.raises(ValueError, match="n_random"):
        pick_sequences(scan12, 5, 6, seed=0)


def test_survey_rows_record_the_scan(survey10):
    scan = designability(10, "square")
    assert [r.kind for r in survey10.rows] == ["designing"] * 3 + ["random"] * 3
    for r in survey10.rows:
        m = int(scan.structure[encode_sequence(r.sequence)])
        assert r.designing == (m >= 0) and r.structure == m
        assert r.designability == (int(scan.designability[m]) if m >= 0 else 0)
        assert (r.ground_classes == 1) == r.designing
        assert r.ground_energy == int(scan.ground_energy[encode_sequence(r.sequence)])
    back = FunnelSurvey.from_dict(survey10.to_dict())
    assert _rows(back) == _rows(survey10) and back.medians() == survey10.medians()


def test_metrics_equal_the_direct_computations():
    from hpfold.demo.funnel import folding_temperature
    from hpfold.enumerate import enumerate_conformations
    from hpfold.kinetics import master_equation
    from hpfold.landscape import exact_landscape, funnel_metrics
    from hpfold.spaces import HPSpace

    seq = "HPPHPPHHPPHH"
    got = sequence_metrics(seq, "square", mfpt_temperature=0.45)
    m = funnel_metrics(exact_landscape(seq, "square", "pull"))
    assert (got["n_minima"], got["classification"]) == (m.n_minima, m.classification)
    assert got["drain_fraction"] == pytest.approx(m.drain_fraction, abs=1e-12)
    ex = enumerate_conformations(seq, "square")
    e, g = ex.energies.astype(float), ex.counts.astype(float)
    mean = (g @ e) / g.sum()
    sd = math.sqrt(g @ (e - mean) ** 2 / g.sum())
    assert got["ground_energy"] == ex.ground_energy and got["ground_classes"] == ex.ground_classes
    assert got["energy_gap"] == e[1] - e[0]
    assert got["z_score"] == pytest.approx((mean - e[0]) / sd, rel=1e-12)
    assert got["folding_temperature"] == pytest.approx(folding_temperature(e, g), rel=1e-9)
    space = HPSpace.from_sequence(seq, "square", "pull")
    assert got["mfpt"] == pytest.approx(master_equation(space, 0.45).mean_first_passage("ground", "uniform"),
                                        rel=1e-9)


def test_survey_figure_has_every_panel(survey10):
    import matplotlib
    matplotlib.use("Agg")
    from hpfold.design.funnels import METRICS
    from hpfold.plot.design import plot_survey

    fig = plot_survey(survey10)
    titles = [ax.get_title() for ax in fig.axes if ax.get_visible()]
    assert len(titles) == len(METRICS) + 2
    assert all(label in titles for _, label in METRICS)


def test_design_section_quick():
    from hpfold.demo.design import design_section

    sec = design_section(quick=True)
    assert sec.key == "design" and len(sec.figures) == 1
    medians = {row[0]: row[1:3] for row in sec.tables[0][2]}
    assert len(medians) == 6 and all(np.isfinite(v).all() for v in medians.values())
    caption = sec.figures[0][2]
    assert f"{medians['stability gap (<E> - E0) / sd(E)'][0]:.2f}" in caption
    assert len(sec.data["sequences"]) == len(sec.tables[1][2])
