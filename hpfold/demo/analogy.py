"""Section 6 of the report: the folding funnel beside a perceptron's loss landscape, from the same code."""
from __future__ import annotations

import time

import numpy as np

from .report import Section


def _perceptron(n, alpha, seed, sample=0):
    from ..landscape.core import flood
    from ..spaces import PerceptronSpace

    return flood(PerceptronSpace(n, alpha, seed, sample=sample))


def _global_and_widest(ls, temps):
    """Equilibrium occupancy of the global minima's basins and of the widest other basin, against T."""
    energy, size = ls.minimum_energy, ls.basin_weight
    glob = energy == energy.min()
    others = np.nonzero(~glob)[0]
    wide = int(others[np.argmax(size[others])]) if len(others) else None
    occ = np.array([ls.basin_probability(t) for t in temps])
    return occ[:, glob].sum(1), (occ[:, wide] if wide is not None else np.zeros(len(temps))), wide


def analogy_section(landscapes, quick=False, seed=1) -> Section:
    """HP and perceptron side by side: trees, wide versus deep basins, dynamics, minima growth, resampling."""
    import matplotlib.pyplot as plt

    from ..landscape import exact_landscape, funnel_metrics
    from ..landscape.analogy import flatness_against_outcome, minima_growth, resampling_survival
    from ..landscape.dynamics import run_dynamics
    from ..landscape.minima import minimum_properties
    from ..plot.disconnectivity import plot_disconnectivity

    t0 = time.perf_counter()
    n_w, alpha = (14, 0.6) if quick else (18, 0.6)
    hp = landscapes["designing"]
    pc = _perceptron(n_w, alpha, seed)
    space = pc.space
    sec = Section("analogy", "Folding funnels beside loss landscapes: the analogy measured",
                  intro=f"The same flooding code maps the HP chain <code>{hp.sequence}</code> (states: "
                        f"{hp.n_states:,} symmetry classes of conformations, moves: pull moves) and a binary "
                        f"teacher-student perceptron with N = {n_w} weights and P = {space.n_patterns} random "
                        f"Gaussian patterns (states: all {pc.n_states:,} weight vectors, moves: single weight "
                        "flips, energy: misclassified training patterns). The test error of a weight vector "
                        "is its exact error on fresh patterns from the same teacher, arccos(w·w*/N)/π.")

    # 1. trees and funnel metrics
    fig, axes = plt.subplots(1, 2, figsize=(13, 5.2))
    rows = []
    for ax, (name, ls) in zip(axes, (("HP chain", hp), ("perceptron", pc))):
        graph = ls.to_graph()
        m = funnel_metrics(graph)
        plot_disconnectivity(graph, ax, color_by="basin_size", log_color=True, n_lowest=60)
        shown = " (60 lowest shown)" if ls.n_minima > 60 else ""
        ax.set_title(f"{name}: {ls.n_minima} minima, {m.classification}{shown}")
        rows.append([name, ls.n_states, ls.n_minima, m.n_global, m.drain_fraction, m.funnelled_fraction,
                     m.classification])
    sec.tables.append(("Funnel metrics of the two landscapes", ["space", "states", "minima", "global minima",
                                                                "drain fraction", "funnelled fraction", "shape"],
                       rows))
    floor = {name: int(ls.plateau_size[ls.minimum_energy == ls.minimum_energy.min()].sum())
             for name, ls in (("hp", hp), ("pc", pc))}
    sec.figures.append(("analogy_trees", fig,
                        f"Left the HP funnel, right the perceptron's training loss. The HP chain has "
                        f"{hp.n_minima} local minima, {rows[0][3]} at its lowest energy, whose plateaus hold "
                        f"{floor['hp']} symmetry classes; the perceptron has {pc.n_minima}, {rows[1][3]} at "
                        f"training error {int(pc.minimum_energy.min())} (the teacher among them), whose "
                        f"plateaus hold {floor['pc']} weight vectors. Colours: gradient-basin size (log)."))

    # 2. wide against deep basins in equilibrium
    temps = np.geomspace(0.05, 5.0, 60)
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.2))
    occupancy = {}
    for ax, (name, ls) in zip(axes, (("HP chain", hp), ("perceptron", pc))):
        g, w, wide = _global_and_widest(ls, temps)
        occupancy[name] = (g, w, wide)
        ax.semilogx(temps, g, label="basins of the global minima")
        if wide is not None:
            ax.semilogx(temps, w, label=f"widest other basin (E = {ls.minimum_energy[wide]}, "
                                        f"{ls.basin_weight[wide]:,} states)")
        ax.set_xlabel("temperature")
        ax.set_ylabel("equilibrium occupancy")
        ax.set_title(name)
        ax.legend(fontsize=8)
    words = []
    for name, (g, w, wide) in occupancy.items():
        above = np.nonzero(w > g)[0]
        words.append(f"{name}: the widest other basin overtakes the global ones above T = {temps[above[0]]:.2f}"
                     if len(above) else f"{name}: the global basins hold more than the widest other basin at "
                     f"every temperature shown (at T = {temps[-1]:.1f}: {g[-1]:.2f} against {w[-1]:.2f})")
    sec.figures.append(("analogy_occupancy", fig,
                        "Equilibrium occupancy of the global minima's gradient basins and of the widest other "
                        "basin. " + "; ".join(words) + "."))

    # 3. dynamics against flatness and generalisation
    props = {"HP chain": minimum_properties(hp, radius=2), "perceptron": minimum_properties(pc, radius=2)}
    walkers = 150 if quick else 400
    runs = {}
    for name, ls in (("HP chain", hp), ("perceptron", pc)):
        kinds = [("metropolis", 0.5, None), ("descent", 0.0, None)]
        if name == "perceptron":
            kinds.append(("minibatch", 0.0, max(1, space.n_patterns // 4)))
        runs[name] = [run_dynamics(ls, k, temperature=t, batch=b, n_walkers=walkers, seed=seed) for k, t, b in kinds]
    table = []
    for name in runs:
        for row in flatness_against_outcome(props[name], runs[name]):
            dynamics, temperature, batch, *rest = row
            # say what an undefined cell means instead of printing None / nan
            temperature = "-" if temperature is None else temperature
            if batch is None:
                batch = "full" if name == "perceptron" and dynamics != "every minimum once" else "-"
            if name == "HP chain":
                rest[-1] = "no test set"
            table.append([name, dynamics, temperature, batch, *rest])
    sec.tables.append((f"Where {walkers} walkers per dynamics end ({runs['perceptron'][0].steps:,} moves each), "
                       "averaged over the minima they reach, against the average over minima",
                       ["space", "dynamics", "T", "batch", "E", "log basin size", "local entropy (d = 2)",
                        "test error"], table))
    pp = props["perceptron"]
    zero = pp["energy"] == pp["energy"].min()
    corr = float(np.corrcoef(pp["local_entropy"][zero], pp["test_error"][zero])[0, 1]) if zero.sum() > 2 else np.nan
    corr_b = (float(np.corrcoef(np.log(pp["basin_size"][zero]), pp["test_error"][zero])[0, 1])
              if zero.sum() > 2 else np.nan)
    fig, ax = plt.subplots(figsize=(7, 4.6))
    occ = runs["perceptron"][1].occupancy(pc.n_minima)
    ax.scatter(pp["local_entropy"][zero], pp["test_error"][zero], s=10 + 2000 * occ[zero], alpha=0.6,
               label="zero-training-error minima (area: descent endpoints)")
    ax.set_xlabel("local entropy: log #states within 2 flips with E <= E_min")
    ax.set_ylabel("test error")
    ax.legend(fontsize=8, loc="best", markerscale=0.3)
    verdict = ("flatter minima generalise better here, as Baldassi et al. (2015) and Keskar et al. (2017) report"
               if corr < -0.1 else "flatness does not predict lower test error here" if np.isfinite(corr)
               else "too few zero-error minima to correlate")
    walk = {r.kind: r.mean_of(pp["test_error"]) for r in runs["perceptron"]}
    sec.figures.append(("analogy_flatness", fig,
                        f"Among the perceptron's {int(zero.sum())} minima at the lowest training error, local "
                        f"entropy against test error: correlation {corr:+.2f} (log basin size against test "
                        f"error {corr_b:+.2f}): {verdict}. Walkers end at test error "
                        + ", ".join(f"{k} {v:.3f}" for k, v in walk.items())
                        + f" against {float(np.mean(pp['test_error'])):.3f} for a minimum picked at random: "
                        "the dynamics find the wide basins, and wide basins generalise better than the "
                        "average minimum." if min(walk.values()) < np.mean(pp["test_error"]) else
                        f"Walkers end at test error " + ", ".join(f"{k} {v:.3f}" for k, v in walk.items())
                        + "."))

    # 4. growth of the number of minima
    sizes_w = list(range(8, 15 if quick else 19, 2))
    sizes_hp = list(range(8, 13 if quick else 15))
    repeats = 3 if quick else 5
    grow_w = minima_growth(lambda n, r: _perceptron(n, alpha, 100 + r), sizes_w, repeats)

    def random_hp(n, r):
        letters = np.random.default_rng([n, r]).choice(["H", "P"], size=n)
        return exact_landscape("".join(letters), "square", "pull")

    grow_hp = minima_growth(random_hp, sizes_hp, repeats)
    fig, ax = plt.subplots(figsize=(7, 4.4))
    ax.semilogy(grow_w["sizes"], grow_w["minima"], "o-", label=f"perceptron, alpha = {alpha}: x{grow_w['growth']:.2f} per weight")
    ax.semilogy(grow_hp["sizes"], grow_hp["minima"], "s-", label=f"HP, random sequences: x{grow_hp['growth']:.2f} per monomer")
    ax.set_xlabel("N (weights or monomers)")
    ax.set_ylabel(f"local minima (mean of {repeats} instances)")
    ax.legend(fontsize=8)
    sec.figures.append(("analogy_growth", fig,
                        f"Fitted growth of the number of local minima: x{grow_w['growth']:.2f} per "
                        f"added weight for the perceptron (Fontanari & Koberle 1990 predict exponential "
                        f"growth) and x{grow_hp['growth']:.2f} per added monomer for the HP chain, whose "
                        f"number of states grows x{np.exp(np.polyfit(sizes_hp, np.log(grow_hp['states']), 1)[0]):.2f} "
                        "per monomer: minima are a shrinking fraction of HP states."))

    # 5. where the analogy breaks: resampling the data, and symmetries
    others = [_perceptron(n_w, alpha, seed, sample=k) for k in range(1, 4 if quick else 6)]
    surv_w = resampling_survival(pc, others)
    rng = np.random.default_rng(seed)
    mutants = []
    for _ in range(len(others)):
        i = int(rng.integers(len(hp.sequence)))
        mutant = hp.sequence[:i] + ("P" if hp.sequence[i] == "H" else "H") + hp.sequence[i + 1:]
        mutants.append(exact_landscape(mutant, "square", "pull"))
    surv_hp = resampling_survival(hp, mutants)
    sec.tables.append(("Resampling: the perceptron's training set redrawn (same teacher, same size) against "
                       "one-letter mutants of the HP sequence (a sequence fixes its landscape once)",
                       ["space", "change", "minimum states kept (mean)", "ground states kept (mean)",
                        "ground-set overlap (mean)"],
                       [["perceptron", f"{len(others)} new training sets", float(np.mean(surv_w["survival"])),
                         float(np.mean(surv_w["ground_survival"])), float(np.mean(surv_w["ground_jaccard"]))],
                        ["HP chain", "none: the same sequence", 1.0, 1.0, 1.0],
                        ["HP chain", f"{len(mutants)} point mutants", float(np.mean(surv_hp["survival"])),
                         float(np.mean(surv_hp["ground_survival"])), float(np.mean(surv_hp["ground_jaccard"]))]]))
    sec.tables.append(("Symmetries", ["space", "what one state stands for"],
                       [["HP chain", hp.space.symmetry if hp.space is not None else "lattice point group"],
                        ["perceptron", space.symmetry],
                        ["K-means (hpfold.spaces.KMeansSpace)", "classes of the K! label permutations"]]))
    sec.data.update(perceptron_minimum_energy=pc.minimum_energy, perceptron_local_entropy=pp["local_entropy"],
                    perceptron_test_error=pp["test_error"], perceptron_basin_size=pp["basin_size"],
                    growth_perceptron=np.array(grow_w["minima"]), growth_hp=np.array(grow_hp["minima"]),
                    survival_perceptron=np.array(surv_w["survival"]), survival_hp=np.array(surv_hp["survival"]),
                    flatness_test_correlation=corr, temperatures=temps)
    sec.seconds = time.perf_counter() - t0
    return sec
