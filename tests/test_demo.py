"""The demonstration's computations on tiny inputs, and the report it renders."""
from html.parser import HTMLParser

import numpy as np
import pytest

from hpfold.demo.funnel import energy_q_histogram, folding_temperature, free_energy_profile
from hpfold.demo.levinthal import count_conformations, fit_growth, search_time_years
from hpfold.demo.search import random_search_first_passage
from hpfold.enumerate import enumerate_conformations


def test_growth_constant_fit_is_close_to_the_connective_constant():
    ns, counts = count_conformations("square", 13)
    fit = fit_growth("square", ns, counts)
    assert abs(fit.mu / fit.known_mu - 1) < 0.02
    # the fit reproduces the counts it was fitted to within a few per cent
    assert np.allclose(fit.predict(ns[4:] - 1), counts[4:], rtol=0.05)
    assert search_time_years(3.156e20) == pytest.approx(1.0)


def test_funnel_histogram_is_exact():
    seq = "HPHPPHHPHH"
    data = energy_q_histogram(seq)
    exact = enumerate_conformations(seq)
    assert np.array_equal(data.counts.sum(axis=1), exact.counts)
    assert np.array_equal(data.energies, exact.energies)
    # the native state has Q = 1 and lies at the ground energy only
    assert data.counts[:, -1].sum() == data.counts[0, -1] > 0
    g = data.counts.sum(axis=1)
    t_f = folding_temperature(data.energies, g)
    weights = g * np.exp(-(data.energies - data.energies[0]) / t_f)
    assert weights[0] / weights.sum() == pytest.approx(0.5, abs=1e-6)
    f = free_energy_profile(data, t_f)
    assert np.nanmin(f[np.isfinite(f)]) == 0.0


def test_random_search_law_matches_explicit_uniform_draws():
    seq = "HPPHPPHH"
    exact = enumerate_conformations(seq, energy_cutoff=10**6)
    rng = np.random.default_rng(3)
    prob = exact.conformation_weights / exact.conformation_weights.sum()
    hits = exact.conformation_energies == exact.ground_energy
    explicit = []
    for _ in range(400):  # draw uniform conformations until a ground state comes up
        draws = 1
        while not hits[rng.choice(len(prob), p=prob)]:
            draws += 1
        explicit.append(draws)
    sampled, p = random_search_first_passage(seq, runs=4000, seed=4)
    assert p == pytest.approx(hits @ exact.conformation_weights / exact.n_conformations)
    assert np.mean(explicit) == pytest.approx(1 / p, rel=0.15)
    assert np.mean(sampled) == pytest.approx(1 / p, rel=0.06)


class _Collector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.images, self.tables = [], 0

    def handle_starttag(self, tag, attrs):
        if tag == "img":
            self.images.append(dict(attrs)["src"])
        elif tag == "table":
            self.tables += 1


def test_report_renders_with_embedded_figures(tmp_path):
    import matplotlib
    matplotlib.use("Agg")
    from hpfold.demo.report import Section, write_report
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    ax.plot([0, 1], [1, 0])
    sec = Section("toy", "Toy", intro="a toy section", figures=[("toy", fig, "a line")],
                  tables=[("numbers", ["a", "b"], [[1, 2.5]])], data={"x": np.arange(3), "label": "t"})
    path = write_report([sec], tmp_path)
    parser = _Collector()
    parser.feed(path.read_text())
    assert parser.tables == 1 and len(parser.images) == 1
    assert parser.images[0].startswith("data:image/png;base64,")
    assert (tmp_path / "toy.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    import h5py
    with h5py.File(tmp_path / "demo_data.h5") as h5:
        assert list(h5["toy/x"][()]) == [0, 1, 2] and h5["toy"].attrs["label"] == "t"


def test_master_equation_is_detailed_balanced_and_matches_monte_carlo():
    from hpfold.kinetics import master_equation
    from hpfold.sample import sample
    from hpfold.spaces import HPSpace

    seq = "HPPHPHPH"
    space = HPSpace.from_sequence(seq, "square", "pull")
    exact = enumerate_conformations(seq)
    assert len(space) == exact.n_classes and space.weights.sum() == exact.n_conformations
    t = 0.6
    me = master_equation(space, t)
    p = me.transitions.toarray()
    p[np.diag_indices_from(p)] = 1.0 - p.sum(axis=1)
    assert np.allclose(p.sum(axis=1), 1.0) and p.min() >= 0
    flow = me.stationary[:, None] * p
    assert np.allclose(flow, flow.T, atol=1e-12)  # detailed balance at the level of classes
    rod = space.states.find("0" * (len(seq) - 1))
    tau = me.first_passage_times("ground")[rod]
    runs = [sample(seq, temperature=t, target=int(space.energies.min()), steps=10**8, seed=s).steps_to_target
            for s in range(400)]
    assert abs(np.mean(runs) - tau) < 4 * np.std(runs) / np.sqrt(len(runs))


def test_quick_demo_renders_every_figure(tmp_path):
    import matplotlib
    matplotlib.use("Agg")
    from hpfold.demo.sections import run_demo

    path, sections = run_demo(tmp_path, quick=True, progress=lambda msg: None)
    parser = _Collector()
    parser.feed(path.read_text())
    stems = [stem for sec in sections for stem, _, _ in sec.figures]
    assert len(parser.images) == len(stems) >= 6
    for stem in stems:
        data = (tmp_path / f"{stem}.png").read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 5000
    assert parser.tables >= 6
