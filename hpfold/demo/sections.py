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


def _quartiles(values):
    v = np.asarray(values, dtype=float)
    return float(np.median(v)), float(np.percentile(v, 25)), float(np.percentile(v, 75))


def search_section(quick=False, seed=11) -> Section:
    """First-passage times to the native state: uniform random search against Metropolis (pull moves)."""
    from ..enumerate import enumerate_conformations
    from ..plot.demo_figures import plot_first_passage
    from ..sample import sample
    from .search import random_search_first_passage
    t0 = time.perf_counter()
    sizes = range(8, 15, 2) if quick else range(8, 21, 2)
    runs = 12 if quick else 20
    table, rows = [], []
    for n in sizes:
        seq = find_designing_sequence(n, "square", seed=seed + n)
        exact = enumerate_conformations(seq, "square")
        t_fold = folding_temperature(exact.energies, exact.counts)
        draws, p = random_search_first_passage(seq, "square", runs=runs, seed=seed + n)
        steps = []
        for run in range(runs):
            res = sample(seq, "square", method="metropolis", moves="pull", temperature=t_fold,
                         target=exact.ground_energy, steps=10**9, seed=seed * 100_000 + n * 1000 + run)
            steps.append(res.steps_to_target)
        for name, values in (("random", draws), ("metropolis", steps)):
            med, q25, q75 = _quartiles(values)
            table.append(dict(method=name, n=n, median=med, q25=q25, q75=q75))
        rows.append([n, seq, int(exact.ground_energy), exact.n_conformations, t_fold,
                     _quartiles(draws)[0], _quartiles(steps)[0], _quartiles(draws)[0] / _quartiles(steps)[0]])
    fig, ax = _figure()
    plot_first_passage(table, ax)
    rates = {}
    for name in ("random", "metropolis"):
        sel = [r for r in table if r["method"] == name]
        rates[name] = float(np.exp(np.polyfit([r["n"] for r in sel], np.log([r["median"] for r in sel]), 1)[0]))
    sec = Section("search", "Random search against guided search",
                  intro=f"For designing sequences (unique ground state) of N = {sizes.start} … {sizes[-1]} "
                        "monomers: (a) independent uniform draws of conformations — each hits the native "
                        "state with probability p = g(E<sub>min</sub>)/total from the exact enumeration, so "
                        "the number of draws is geometric and is sampled exactly; (b) Metropolis Monte Carlo "
                        "with pull moves at the sequence's folding temperature, from a straight chain, "
                        f"{runs} runs each, counting attempted moves until the native energy is reached.")
    sec.tables.append(("Median first-passage times (trials: draws or attempted moves)",
                       ["N", "sequence", "E_min", "conformations", "T_f", "random search",
                        "Metropolis", "ratio"], rows))
    sec.figures.append(("first_passage", fig,
                        f"The random search's time grows ×{rates['random']:.2f} per monomer (like the number "
                        f"of conformations); the Monte Carlo search, guided downhill by the energy, grows only "
                        f"×{rates['metropolis']:.2f} per monomer. The widening gap between the two lines is "
                        "Levinthal's paradox resolved: a biased search is exponentially faster."))
    sec.data.update(n=np.array([r[0] for r in rows]), sequences=np.array([r[1] for r in rows], dtype="S"),
                    random_median=np.array([r[5] for r in rows]), metropolis_median=np.array([r[6] for r in rows]),
                    random_growth=rates["random"], metropolis_growth=rates["metropolis"])
    sec.seconds = time.perf_counter() - t0
    return sec


def landscapes_section(quick=False, seed=5, temperature=0.3) -> tuple:
    """Disconnectivity graphs of a designing sequence and a random one of the same composition."""
    from ..enumerate import enumerate_conformations
    from ..landscape import exact_landscape, funnel_metrics
    from ..plot.disconnectivity import plot_disconnectivity
    t0 = time.perf_counter()
    n = 12 if quick else 14
    designed = find_designing_sequence(n, "square", seed=seed)
    rng = np.random.default_rng(seed)
    for _ in range(200):  # a shuffle of the same letters whose ground state is degenerate
        shuffled = "".join(rng.permutation(list(designed)))
        if enumerate_conformations(shuffled, "square").ground_classes > 1:
            break
    fig, axes = _figure(13, 5.2, ncols=2)
    rows, landscapes = [], {}
    for ax, (label, seq) in zip(axes, (("designing", designed), ("random", shuffled))):
        ls = exact_landscape(seq, "square", "pull", temperature=temperature)
        native = ls.conformation(ls.minimum_state[int(np.argmin(ls.minimum_energy))])
        graph = ls.to_graph(native=native)
        metrics = funnel_metrics(ls)
        plot_disconnectivity(graph, ax, color_by="q", vmin=0, vmax=1)
        ax.set_title(f"{label}: {seq}\n{metrics.classification}, {ls.n_minima} minima")
        # both are averages over the minima that are not global: undefined when every minimum is global
        all_global = "- (every minimum is global)"
        mean_barrier = metrics.to_dict()["mean_barrier_to_global"]
        funnelled = metrics.funnelled_fraction
        rows.append([label, seq, ls.n_states, ls.n_minima, int(ls.minimum_energy.min()),
                     metrics.n_global, metrics.drain_fraction, all_global if mean_barrier is None else mean_barrier,
                     all_global if not np.isfinite(funnelled) else funnelled, metrics.classification])
        landscapes[label] = ls
    sec = Section("landscapes", "Two landscapes side by side",
                  intro=f"Exact barrier trees (pull moves, every one of the symmetry classes flooded) of a "
                        f"designing {n}-mer and of a shuffle of its letters with a degenerate ground state. "
                        "Leaves are local minima, coloured by their overlap Q with the lowest minimum; "
                        "horizontal bars are the exact saddles joining basins.")
    sec.tables.append(("Funnel metrics (docs/landscape.md defines each)",
                       ["sequence", "letters", "states", "minima", "E_min", "global minima",
                        "drain fraction", "mean barrier to global", "funnelled fraction", "shape"], rows))
    sec.figures.append(("landscapes", fig,
                        "Left, the designing sequence: the minima hang from one trunk that leads to a single "
                        "deepest minimum (a palm tree: a funnel). Right, the random sequence: several "
                        "comparably deep minima with separate branches (a banyan tree), i.e. a frustrated "
                        "landscape. Notice the drain fractions in the table."))
    for label, ls in landscapes.items():
        sec.data[f"{label}_minimum_energy"] = ls.minimum_energy
        sec.data[f"{label}_basin_weight"] = ls.basin_weight
        sec.data[f"{label}_barrier"] = ls.barrier
    sec.seconds = time.perf_counter() - t0
    return sec, landscapes


def kinetics_section(quick=False, seed=3) -> Section:
    """Mean first-passage time to the native state against temperature (hpfold.kinetics), checked by
    Monte Carlo, and basin populations: the exact master equation against the lumped basin model."""
    from ..kinetics import basin_kinetics, folding_curve, master_equation
    from ..landscape import flood
    from ..plot.demo_figures import plot_mfpt_temperature
    from ..plot.kinetics import plot_populations
    from ..sample import sample
    from ..spaces import HPSpace
    t0 = time.perf_counter()
    n = 9 if quick else 10
    seq = find_designing_sequence(n, "square", seed=seed)
    space = HPSpace.from_sequence(seq, "square", "pull")
    graph = space.state_graph()
    rod = space.states.find("0" * (n - 1))
    curve = folding_curve(space, np.geomspace(0.12, 3.0, 18 if quick else 30), start=[rod], refine=6, graph=graph)
    temps, mfpt = curve.temperatures, curve.mfpt
    e_min = int(space.energies.min())
    mc_t = temps[np.linspace(2, len(temps) - 3, 5).astype(int)]
    runs = 150 if quick else 500
    mc_mean, mc_err, exact_at = [], [], []
    for t in mc_t:
        steps = [sample(seq, "square", temperature=float(t), target=e_min, steps=10**9,
                        seed=seed * 10**7 + int(1000 * t) * 1000 + run).steps_to_target for run in range(runs)]
        mc_mean.append(np.mean(steps))
        mc_err.append(np.std(steps) / np.sqrt(runs))
        exact_at.append(float(master_equation(space, float(t), graph=graph).first_passage_times()[rod]))
    fig, ax = _figure()
    plot_mfpt_temperature(temps, mfpt, (mc_t, mc_mean, mc_err), ax)
    t_opt = curve.optimal_temperature
    me = master_equation(space, t_opt, graph=graph)
    ls = flood(space, progress=False)
    bk = basin_kinetics(me, ls)
    slowest = float(me.relaxation_rates(1)[0])
    times = np.geomspace(1.0, 20.0 / slowest, 80)
    micro = me.populations([rod], times)
    exact_pop = np.stack([np.bincount(bk.macro_of, weights=row, minlength=bk.n_macrostates) for row in micro])
    lumped = bk.populations(int(bk.macro_of[rod]), times)
    fig2, ax2 = _figure()
    plot_populations(times, lumped, [f"basin {k} (E = {e:g})" for k, e in enumerate(bk.energy)], ax2,
                     exact=exact_pop)
    ax2.set_title(f"from the straight chain at T = {t_opt:.2f}")
    gap = float(np.max(np.abs(exact_pop - lumped)))
    sec = Section("kinetics", "Kinetics on the exact landscape",
                  intro=f"All {len(space):,} symmetry classes of the {n}-mer <code>{seq}</code> and the "
                        f"{graph.n_edges:,} pull-move transitions between them define the Metropolis master "
                        f"equation exactly (<code>hpfold.kinetics</code>; each attempt draws one of "
                        f"{int(graph.n_slots[0])} move slots); the mean first-passage time from the straight "
                        "chain to the native state solves a sparse linear system. Monte Carlo runs of the same "
                        f"dynamics ({runs} per temperature) check it.")
    sec.tables.append(("Mean first-passage time from the straight chain (attempted moves)",
                       ["T", "master equation", "Monte Carlo mean", "± standard error", "difference / error"],
                       [[float(t), x, m, e, (m - x) / e] for t, x, m, e in zip(mc_t, exact_at, mc_mean, mc_err)]))
    lo, hi = curve.temperature_range
    sec.figures.append(("kinetics", fig,
                        f"The folding time is U-shaped in temperature: too cold and the chain is trapped in "
                        f"non-native minima (Arrhenius escapes), too hot and the energy no longer guides it "
                        f"(random search). The optimum, T = {t_opt:.2f}, gives {curve.optimal_mfpt:.3g} attempted "
                        f"moves; within a factor 2 of it from T = {lo:.2f} to {hi:.2f}. The Monte Carlo points "
                        "fall on the exact curve."))
    sec.figures.append(("basin_populations", fig2,
                        f"Populations of the {bk.n_macrostates} gradient basins after a start in the straight chain, "
                        f"at T = {t_opt:.2f}: solid, the exact master equation summed over each basin; dashed, the "
                        f"lumped basin model with rates from the equilibrium fluxes (as <code>barriers --rates</code> "
                        f"and treekin). They differ by up to {gap:.2f} in population: the basins do not equilibrate "
                        f"internally before they exchange, so the lumped model is only a sketch here. Slowest "
                        f"relaxation rate {slowest:.3g} per attempt (time {1 / slowest:.3g})."))
    sec.data.update(sequence=seq, temperatures=temps, mfpt=mfpt, mc_temperatures=mc_t,
                    mc_mean=np.array(mc_mean), mc_error=np.array(mc_err), population_times=times,
                    basin_populations_exact=exact_pop, basin_populations_lumped=lumped,
                    optimal_temperature=t_opt)
    sec.seconds = time.perf_counter() - t0
    return sec


def run_demo(out_dir="demo_out", quick=False, progress=print):
    """Compute every section and write the report; returns the path of report.html."""
    from .report import write_report
    t0 = time.perf_counter()
    sections = []
    steps = [("Levinthal's numbers", lambda: levinthal_section(quick)),
             ("random against guided search", lambda: search_section(quick)),
             ("the funnel", lambda: funnel_section(quick)[0])]
    for label, make in steps:
        progress(f"[{time.perf_counter() - t0:6.1f} s] {label} ...")
        sections.append(make())
    progress(f"[{time.perf_counter() - t0:6.1f} s] two landscapes ...")
    landscape_sec, landscapes = landscapes_section(quick)
    sections.append(landscape_sec)
    progress(f"[{time.perf_counter() - t0:6.1f} s] funnels across sequence space ...")
    from .design import design_section
    sections.append(design_section(quick))
    progress(f"[{time.perf_counter() - t0:6.1f} s] kinetics on the exact landscape ...")
    sections.append(kinetics_section(quick))
    progress(f"[{time.perf_counter() - t0:6.1f} s] funnels beside loss landscapes ...")
    from .analogy import analogy_section
    sections.append(analogy_section(landscapes, quick))
    path = write_report(sections, out_dir, parameters={"quick": bool(quick)})
    progress(f"[{time.perf_counter() - t0:6.1f} s] report written to {path}")
    return path, sections
