"""The demonstration's sequence-space section: funnels of designing sequences against shuffled ones."""
from __future__ import annotations

import time

import numpy as np

from .report import Section

__all__ = ["design_section"]


def _medians_table(survey) -> list:
    from ..design.funnels import METRICS

    med = survey.medians()
    rows = []
    for name, label in METRICS:
        d, r = med[name]["designing"], med[name]["random"]
        rows.append([label, d, r, d / r if r else float("nan")])
    return rows


def _compare(med, name, fmt=".3g") -> str:
    d, r = med[name]["designing"], med[name]["random"]
    word = "higher" if d > r else "lower" if d < r else "the same"
    return f"{word} for designing sequences (median {d:{fmt}} against {r:{fmt}} for the shuffles)"


def _gap_text(survey) -> str:
    gaps = np.unique(survey.column("energy_gap"))
    if len(gaps) == 1:
        return f"is {gaps[0]:g} for every sequence here (integer HP energies), so it does not tell them apart"
    return f"takes the values {', '.join(f'{g:g}' for g in gaps)}"


def _shapes(survey) -> str:
    from collections import Counter

    parts = []
    for kind in ("designing", "random"):
        counts = Counter(r.classification for r in survey.rows if r.kind == kind)
        parts.append(f"{kind} " + ", ".join(f"{c} {shape}" for shape, c in sorted(counts.items())))
    return "; ".join(parts)


def _caption(survey) -> str:
    med = survey.medians()
    shuffled_designing = survey.column("designing", "random")
    classes = survey.column("ground_classes", "random")
    return (f"Each dot is one {survey.n}-mer; boxes span the quartiles, the black bar is the median; open circles "
            f"are shuffles that are designing themselves ({int(shuffled_designing.sum())} of "
            f"{len(shuffled_designing)}). The stability gap (&lt;E&gt; − E<sub>0</sub>)/sd(E) is "
            f"{_compare(med, 'z_score', '.2f')}; the energy gap E<sub>1</sub> − E<sub>0</sub> {_gap_text(survey)}. "
            f"The shuffles have a median of {np.median(classes):g} symmetry classes at their lowest energy "
            f"(designing: 1), and every level-based measure counts reaching any of them: the drain fraction is "
            f"{_compare(med, 'drain_fraction', '.2f')}, the folding temperature {_compare(med, 'folding_temperature')}"
            f", the MFPT at T = {survey.mfpt_temperature:g} {_compare(med, 'mfpt')}. "
            f"Tree shapes: {_shapes(survey)}. "
            "Right: designability of each designing sequence's structure against its stability gap and drain "
            "fraction, with the rank correlation (Li et al. 1996 found the most designable structures to have "
            "the largest gaps).")


def design_section(quick=False, seed=2) -> Section:
    """Designing sequences (unique ground state) of one length against shuffles of their letters."""
    from ..design import funnel_survey
    from ..plot.design import plot_survey

    t0 = time.perf_counter()
    n, k = (10, 4) if quick else (12, 30)
    survey = funnel_survey(n, "square", n_designing=k, seed=seed)
    fig = plot_survey(survey)
    sec = Section("design", "Funnels across sequence space",
                  intro=f"All 2<sup>{n}</sup> = {2 ** n:,} HP {n}-mers were scored against every conformation; "
                        f"{survey.n_designing_total} have a unique ground state (designing). {k} of them, drawn "
                        "at random, are compared with one shuffle of each one's letters (same composition). "
                        "Per sequence: the exact barrier tree (pull moves), the exact density of states (energy "
                        "gap, stability gap, folding temperature T<sub>f</sub> where the lowest level holds half "
                        "the population) and the exact Metropolis mean first-passage time from a random "
                        "conformation to the lowest level.")
    sec.tables.append(("Medians, designing against shuffled sequences",
                       ["metric", "designing", "random", "ratio"], _medians_table(survey)))
    sec.tables.append(("Every sequence",
                       ["kind", "sequence", "designing", "designability", "E0", "classes at E0", "minima",
                        "drain fraction", "shape", "z-score", "T_f", "MFPT"],
                       [[r.kind, r.sequence, "yes" if r.designing else "no", r.designability, r.ground_energy,
                         r.ground_classes, r.n_minima, r.drain_fraction, r.classification, r.z_score,
                         r.folding_temperature, r.mfpt] for r in survey.rows]))
    sec.figures.append(("designing_vs_random", fig, _caption(survey)))
    sec.data["sequences"] = np.array([r.sequence for r in survey.rows], dtype="S")
    sec.data["designing_kind"] = np.array([r.kind == "designing" for r in survey.rows])
    for name in ("designing", "designability", "ground_classes", "n_minima", "drain_fraction", "energy_gap",
                 "z_score", "folding_temperature", "cv_peak_temperature", "mfpt"):
        sec.data[name] = survey.column(name)
    sec.data["mfpt_temperature"] = survey.mfpt_temperature
    sec.seconds = time.perf_counter() - t0
    return sec
