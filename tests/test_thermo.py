"""Thermodynamics from densities of states: against direct decimal sums, overflow, peaks, errors, IO, plots, CLI."""
import json
import math

import numpy as np
import pytest

from hpfold.cli import main
from hpfold.dos import DensityOfStates, combine_runs, read_dos, relative_errors, write_dos
from hpfold.enumerate import enumerate_conformations
from hpfold.thermo import canonical_curves, heat_capacity_peaks, microcanonical_entropy, thermodynamics

from reference_thermo import cv_peak_by_scan, thermo_direct, thermo_over_conformations

CHAINS = [("HPHPPHHPHPPH", "square"), ("HHPPHPHHPHHPPH", "square"), ("HPPHHPHHP", "cubic"),
          ("HPHPPHHPHP", "triangular")]
NAMES = ("ln_z", "energy", "heat_capacity", "free_energy", "entropy", "p_native")


@pytest.fixture(scope="module")
def exact_dos():
    return {key: DensityOfStates.from_enumeration(enumerate_conformations(*key)) for key in CHAINS}


@pytest.mark.parametrize("key", CHAINS)
def test_curves_match_direct_decimal_sums(exact_dos, key):
    dos = exact_dos[key]
    counts = [round(float(g)) for g in dos.g]
    temps = [0.04, 0.1, 0.3, 0.45, 1.0, 3.0, 50.0]
    fast = canonical_curves(dos.energies, dos.ln_g, temps)
    for i, t in enumerate(temps):
        ref = thermo_direct(dos.energies.tolist(), counts, t)
        for name in NAMES:
            assert fast[name][i] == pytest.approx(ref[name], rel=1e-9, abs=1e-12), (name, t)


def test_level_sums_equal_conformation_sums():
    res = enumerate_conformations("HPHHPPHPHH", "square", energy_cutoff=10 ** 6)
    dos = DensityOfStates.from_enumeration(res)
    for t in (0.2, 0.5, 2.0):
        ref = thermo_over_conformations(res.conformation_energies, res.conformation_weights, t)
        fast = canonical_curves(dos.energies, dos.ln_g, [t])
        for name in NAMES:
            assert fast[name][0] == pytest.approx(ref[name], rel=1e-9, abs=1e-12)


def test_huge_densities_do_not_overflow():
    energies = np.arange(-40, 1)
    ln_g = 2000.0 + 30.0 * np.sqrt(energies + 41.0)  # g ~ e^2000..e^2190, far beyond float64
    temps = np.array([0.05, 0.5, 2.0, 20.0])
    out = canonical_curves(energies, ln_g, temps)
    for name in NAMES:
        assert np.all(np.isfinite(out[name])), name
    shifted = canonical_curves(energies, ln_g - 2000.0, temps)
    for name in ("energy", "heat_capacity", "p_native"):
        np.testing.assert_allclose(out[name], shifted[name], rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(out["ln_z"], shifted["ln_z"] + 2000.0, rtol=1e-14)
    # the decimal oracle handles e^2000 directly
    counts = [int(__import__("decimal").Decimal(v).exp()) for v in ln_g]
    ref = thermo_direct(energies.tolist(), counts, 0.5)
    assert out["heat_capacity"][1] == pytest.approx(ref["heat_capacity"], rel=1e-9)
    assert out["ln_z"][1] == pytest.approx(ref["ln_z"], rel=1e-12)


def test_limits():
    dos = DensityOfStates.from_enumeration(enumerate_conformations("HPHPPHHPHPPH", "square"))
    out = canonical_curves(dos.energies, dos.ln_g, [0.01, 1e6])
    assert out["p_native"][0] == pytest.approx(1.0, abs=1e-12)
    assert out["energy"][0] == pytest.approx(dos.ground_energy, abs=1e-9)
    assert out["p_native"][1] == pytest.approx(float(dos.g[0] / dos.g.sum()), rel=1e-4)
    assert out["ln_z"][1] == pytest.approx(dos.ln_total, abs=1e-4)  # T -> inf: Z -> number of states
    assert out["entropy"][1] == pytest.approx(dos.ln_total, abs=1e-4)
    e, s = microcanonical_entropy(dos)
    np.testing.assert_array_equal(s, dos.ln_g)


@pytest.mark.parametrize("key", CHAINS[:3])
def test_peaks_refined_against_dense_scan(exact_dos, key):
    dos = exact_dos[key]
    counts = [round(float(g)) for g in dos.g]
    peaks = heat_capacity_peaks(dos.energies, dos.ln_g, 0.1, 2.0)
    top = max(peaks, key=lambda p: p.height)
    scanned = cv_peak_by_scan(dos.energies.tolist(), counts, 0.1, 2.0, points=401)
    assert top.temperature == pytest.approx(scanned, abs=2e-5)
    coarse = heat_capacity_peaks(dos.energies, dos.ln_g, 0.1, 2.0, n_grid=40)
    assert max(coarse, key=lambda p: p.height).temperature == pytest.approx(top.temperature, abs=1e-7)


def test_two_peaks_found_and_boundaries_ignored():
    # two transitions: 0 -> -5 near T = 5/15 and -5 -> -10 near T = 5/45
    energies = [-10, -5, 0]
    ln_g = [0.0, 45.0, 60.0]
    peaks = heat_capacity_peaks(energies, ln_g, 0.02, 20.0)
    assert len(peaks) == 2 and peaks[0].temperature < peaks[1].temperature
    assert heat_capacity_peaks(energies, ln_g, peaks[0].temperature + 0.01, peaks[1].temperature - 0.01) == []


def test_errors_from_runs_and_none_for_exact(exact_dos):
    dos = exact_dos[CHAINS[0]]
    th = thermodynamics(dos, tmin=0.1, tmax=2.0)
    assert th.heat_capacity_err is None and th.peaks[0].temperature_err is None
    rng = np.random.default_rng(0)
    runs = dos.ln_g[None, :] + rng.normal(0, 0.02, (5, len(dos.energies)))
    e, ln_g, err, ln_runs = combine_runs([dos.energies] * 5, list(runs))
    noisy = DensityOfStates(dos.sequence, dos.lattice, dos.model, e, ln_g, "test", "test", ln_g_err=err,
                            ln_g_runs=ln_runs)
    th = thermodynamics(noisy, tmin=0.1, tmax=2.0)
    for name in NAMES:
        err = getattr(th, name + "_err")
        assert err is not None and np.all(err >= 0) and np.any(err > 0), name
    assert th.peaks[0].temperature_err > 0
    # the spread of per-run peaks, recomputed by hand
    per_run = [max(heat_capacity_peaks(e, row, 0.1, 2.0), key=lambda p: p.height).temperature for row in ln_runs]
    assert th.peaks[0].temperature_err == pytest.approx(np.std(per_run, ddof=1) / math.sqrt(5), rel=1e-6)


def test_combine_runs_mean_of_g():
    e, ln_g, err, runs = combine_runs([[0, 1], [0, 1], [1]], [np.log([1.0, 2.0]), np.log([3.0, 4.0]), np.log([6.0])])
    np.testing.assert_allclose(np.exp(ln_g), [4.0 / 3.0, 4.0])
    assert runs.shape == (3, 2) and np.isneginf(runs[2, 0])
    np.testing.assert_allclose(err, np.std([[1, 2], [3, 4], [0, 6]], axis=0, ddof=1) / np.sqrt(3) / [4 / 3, 4])


def test_relative_errors():
    ex = DensityOfStates("HHHH", "square", "HP", [-1, 0], np.log([8.0, 28.0]), "exact", "x")
    est = DensityOfStates("HHHH", "square", "HP", [0], [math.log(28.0 * 1.02)], "flatperm", "x")
    np.testing.assert_allclose(relative_errors(est, ex), [1.0, 0.02])
    bad = DensityOfStates("HHHH", "square", "HP", [-2], [0.0], "flatperm", "x")
    with pytest.raises(ValueError, match="absent"):
        relative_errors(bad, ex)


def test_bad_input():
    with pytest.raises(ValueError, match="positive"):
        canonical_curves([0, 1], [0.0, 0.0], [0.0])
    with pytest.raises(ValueError, match="ascending"):
        DensityOfStates("HH", "square", "HP", [1, 0], [0.0, 0.0], "x", "x")
    with pytest.raises(ValueError, match="finite"):
        DensityOfStates("HH", "square", "HP", [0], [np.inf], "x", "x")
    dos = DensityOfStates("HH", "square", "HP", [0], [0.0], "x", "x")
    with pytest.raises(ValueError, match="tmin"):
        thermodynamics(dos, tmin=2.0, tmax=1.0)


def test_hdf5_round_trip(tmp_path, exact_dos):
    dos = exact_dos[CHAINS[0]]
    noisy = DensityOfStates(dos.sequence, dos.lattice, dos.model, dos.energies, dos.ln_g + 0.01, "flatperm",
                            "scaled", ln_g_err=np.full(len(dos.energies), 0.01),
                            ln_g_runs=np.vstack([dos.ln_g, dos.ln_g + 0.02]),
                            counters={"tours": 5, "best_energy": -4, "seconds": 0.5, "missing": None},
                            best_conformation="0123")
    path = tmp_path / "dos.h5"
    write_dos(path, noisy, command_line="hpfold dos test")
    back = read_dos(path)
    np.testing.assert_array_equal(back.energies, noisy.energies)
    np.testing.assert_array_equal(back.ln_g, noisy.ln_g)
    np.testing.assert_array_equal(back.ln_g_runs, noisy.ln_g_runs)
    assert back.method == "flatperm" and back.normalisation == "scaled" and back.best_conformation == "0123"
    assert back.counters == noisy.counters
    import h5py
    with h5py.File(path, "r") as f:
        module = f["h5md/modules/hpfold"].attrs
        assert module["kind"] == "dos" and module["sequence"] == dos.sequence and module["lattice"] == "square"
        assert list(f["h5md"].attrs["version"]) == [1, 1] and f["h5md/creator"].attrs["name"] == "hpfold"
        assert f["observables/energy"].attrs["unit"] == "epsilon"


def test_read_dos_from_enumeration_file_and_errors(tmp_path):
    from hpfold.io import write_enumeration
    res = enumerate_conformations("HPHPPHHPHPPH", "square")
    write_enumeration(tmp_path / "enum.h5", res)
    dos = read_dos(tmp_path / "enum.h5")
    assert dos.method == "exact" and dos.energies.tolist() == res.energies.tolist()
    (tmp_path / "junk.h5").write_text("not hdf5")
    with pytest.raises(ValueError, match="not an HDF5 file"):
        read_dos(tmp_path / "junk.h5")
    import h5py
    with h5py.File(tmp_path / "other.h5", "w") as f:
        f.create_group("data")
    with pytest.raises(ValueError, match="not an hpfold file"):
        read_dos(tmp_path / "other.h5")


def test_plots_draw_on_given_axes(exact_dos):
    from hpfold.plot.thermo import (new_figure, plot_energy, plot_heat_capacity, plot_ln_g,
                                    plot_native_probability, plot_thermodynamics)
    dos = exact_dos[CHAINS[0]]
    runs = np.vstack([dos.ln_g, dos.ln_g + 0.05, dos.ln_g - 0.03])
    e, ln_g, err, ln_runs = combine_runs([dos.energies] * 3, list(runs))
    noisy = DensityOfStates(dos.sequence, dos.lattice, dos.model, e, ln_g, "flatperm", "x", ln_g_err=err,
                            ln_g_runs=ln_runs)
    th = thermodynamics(noisy, tmin=0.1, tmax=2.0)
    fig, ax = new_figure()
    assert plot_heat_capacity(th, ax) is ax
    assert len(ax.lines) == 2  # the curve and the peak marker
    assert len(ax.collections) == 1  # the error band
    np.testing.assert_allclose(ax.lines[0].get_ydata(), th.heat_capacity)
    assert plot_energy(th, new_figure()[1]).get_lines()[0].get_ydata()[0] == pytest.approx(th.energy[0])
    assert len(plot_native_probability(th).collections) == 1
    ax = plot_ln_g(noisy, exact=dos)
    assert len(ax.lines) >= 2
    axes = plot_thermodynamics(thermodynamics(dos, tmin=0.1, tmax=2.0), dos)
    assert axes.shape == (2, 2) and not axes[0, 0].collections  # exact: no error band


def test_cli_dos_and_thermo(tmp_path, capsys):
    seq = "HPHPPHHPHPPH"
    assert main(["dos", seq, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    exact = DensityOfStates.from_enumeration(enumerate_conformations(seq))
    assert [e for e, _ in out["ln_g"]] == exact.energies.tolist()
    np.testing.assert_allclose([v for _, v in out["ln_g"]], exact.ln_g)
    assert len(out["cv_peaks"]) == 1 and out["counters"]["n_conformations"] == exact.counters["n_conformations"]
    path = tmp_path / "fp.h5"
    assert main(["dos", seq, "--method", "flatperm", "--seed", "3", "--tours", "2000", "--runs", "2",
                 "-o", str(path), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["method"] == "flatperm" and out["counters"]["tours"] == 4000 and out["runs"] == 2
    png = tmp_path / "cv.png"
    assert main(["thermo", str(path), "--tmin", "0.1", "--tmax", "2", "--plot", str(png), "--json"]) == 0
    th = json.loads(capsys.readouterr().out)
    assert png.stat().st_size > 10000
    assert abs(th["cv_peaks"][0] - out["cv_peaks"][0]) < 0.05 and th["cv_peak_errors"][0] > 0
    assert th["counters"]["tours"] == 4000 and "heat_capacity_err" in th
    assert main(["thermo", seq]) == 0
    assert "C_v peak" in capsys.readouterr().out
    assert main(["dos", "S1-1"]) == 0  # a benchmark id
    assert "HPHPPHHPHPPHPHHPPHPH" in capsys.readouterr().out


def test_cli_errors_are_one_line(tmp_path, capsys):
    assert main(["dos", "HPX"]) == 2
    assert main(["thermo", str(tmp_path / "missing.h5")]) == 2
    assert main(["thermo", "HPPH", "--tmin", "3", "--tmax", "1"]) == 2
    assert main(["dos", "HPHPPH", "--method", "flatperm", "--tours", "0"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 4 and all(line.startswith("hpfold ") for line in err)
