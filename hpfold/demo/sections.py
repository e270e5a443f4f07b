"""The sections of the demonstration report; each returns a :class:`~hpfold.demo.report.Section`."""
from __future__ import annotations

import time

import numpy as np

from .funnel import energy_q_histogram, find_designing_sequence, folding_temperature, free_energy_profile
from .levinthal import count_conformations, fit_growth, search_time_years
from .report import Section

#: chain lengths enumerated per lattice for the growth-constant fit (full run, quick run)
LEVINTHAL_SIZES = {"square": (18, 14), "triangular": (12, 10), "cubic": (13, 10), "fcc": (9, 7)}


def _figure(width=7.0, height=4.8, ncols=1):
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(1, ncols, figsize=(width, height))
    return fig, axes


def levinthal_section(quick=False) -> Section:
    """Exact counts on four lattices, fitted growth constants, and random-search times at N = 100, 150."""
    from ..plot.demo_figures import plot_levinthal
    t0 = time.perf_counter()
    fits = []
    for lattice, sizes in LEVINTHAL_SIZES.items():
        ns, counts = count_conformations(lattice, sizes[1] if quick else sizes[0])
        fits.append(fit_growth(lattice, ns, counts))
    rows = []
    for f in fits:
        c100, c150 = f.predict([99, 149])
        y100, y150 = search_time_years([c100, c150])
        rows.append([f.lattice, int(f.n_steps[-1] + 1), int(f.counts[-1]), f.mu, f.known_mu,
                     100 * (f.mu / f.known_mu - 1), c100, y100, c150, y150])
    fig, ax = _figure()
    plot_levinthal(fits, ax)
    sec = Section("levinthal", "Levinthal's numbers",
                  intro="Every conformation of chains up to the sizes below was enumerated exactly; the "
                        "growth constant μ is fitted to ln c<sub>n</sub> = ln A + n ln μ + (γ−1) ln n "
                        "with the known exponent γ, then the fit is extrapolated.")
    sec.tables.append(("Exact counts, fitted growth constants and the time a random search would need "
                       "at 10^13 conformations per second",
                       ["lattice", "largest N enumerated", "its conformations", "fitted μ", "known μ",
                        "error %", "conformations N=100", "years N=100", "conformations N=150", "years N=150"],
                       rows))
    square = rows[0]
    sec.figures.append(("levinthal_counts", fig,
                        f"Exact conformation counts (dots) grow geometrically; the fitted lines reach "
                        f"{square[6]:.2g} conformations for a 100-mer on the square lattice: "
                        f"{square[7]:.2g} years of random search at 10<sup>13</sup> per second, far beyond the "
                        "age of the universe (dotted). Notice how much faster the 3D and fcc lines climb."))
    for f in fits:
        sec.data[f"{f.lattice}_n_monomers"] = f.n_steps + 1
        sec.data[f"{f.lattice}_counts"] = f.counts
        sec.data[f"{f.lattice}_mu_fit"] = f.mu
    sec.seconds = time.perf_counter() - t0
    return sec


def funnel_section(quick=False, seed=7) -> tuple:
    """The (E, Q) funnel of a designing sequence, and F(Q) below, at and above the folding temperature.

    Returns the section and the designing sequence used (reused by later sections).
    """
    from ..plot.demo_figures import plot_energy_q_map, plot_free_energy_profiles, plot_funnel
    t0 = time.perf_counter()
    n = 14 if quick else 16
    sequence = find_designing_sequence(n, "square", seed=seed)
    data = energy_q_histogram(sequence, "square")
    g = data.counts.sum(axis=1)
    t_fold = folding_temperature(data.energies, g)
    temps = [0.6 * t_fold, t_fold, 1.6 * t_fold]
    fig1, ax1 = _figure(6.5, 4.8)
    plot_funnel(data, ax1)
    fig2, axes = _figure(12, 4.3, ncols=2)
    plot_energy_q_map(data, axes[0])
    plot_free_energy_profiles(data, temps, ["below T_f", "at T_f", "above T_f"], free_energy_profile, axes[1])
    sec = Section("funnel", "The funnel",
                  intro=f"The {n}-mer <code>{sequence}</code> has a unique ground state (E = "
                        f"{int(data.energies[0])}); taking it as the native state, every one of its "
                        f"{int(g.sum()):,} conformations is counted by energy and by the fraction Q of the "
                        f"{data.n_native_contacts} native contacts it makes.")
    sec.tables.append(("Density of states with the mean native overlap at each energy",
                       ["E", "g(E)", "S(E) = ln g", "mean Q"],
                       [[int(e), int(c), float(s), float(q)]
                        for e, c, s, q in zip(data.energies, g, data.entropy, data.mean_q())]))
    sec.figures.append(("funnel", fig1,
                        "Width = entropy: many conformations at high energy, few at low energy, and the "
                        "lower the energy the more native-like they are (colour). This narrowing with "
                        "increasing similarity to the native state is the funnel."))
    sec.figures.append(("funnel_q_free_energy", fig2,
                        f"Left: conformations on the (Q, E) plane. Right: free-energy profiles F(Q); at the "
                        f"folding temperature T<sub>f</sub> = {t_fold:.3f} (where the native state holds half "
                        "the population) the native state (Q = 1) and the unfolded ensemble are equally "
                        "likely; below it the native state wins, above it the unfolded states do."))
    sec.data.update(sequence=sequence, energies=data.energies, counts_e_q=data.counts, q=data.q_values,
                    folding_temperature=t_fold, native=data.native)
    sec.seconds = time.perf_counter() - t0
    return sec, sequence, t_fold
