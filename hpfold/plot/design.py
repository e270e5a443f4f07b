"""Plots of a funnel survey (:func:`hpfold.design.funnel_survey`): designing against random sequences."""
from __future__ import annotations

import numpy as np

__all__ = ["plot_metric", "plot_designability", "plot_survey", "KIND_COLOURS"]

#: colours of the two kinds of sequence
KIND_COLOURS = {"designing": "tab:blue", "random": "tab:orange"}
#: metrics drawn on a log axis
_LOG = {"mfpt"}
#: metrics that take integer values
_INTEGER = {"n_minima", "energy_gap", "ground_classes"}


def _axes(ax):
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=(4, 3.5))
    return ax


def plot_metric(survey, name, label=None, ax=None, seed=0):
    """Box plot of one metric for the designing and the random sequences, every sequence as a dot.

    Dots are jittered sideways (``seed``); random sequences that happen to be designing are
    drawn as open circles.  NaN values (e.g. no folding temperature) are left out and counted.
    """
    ax = _axes(ax)
    rng = np.random.default_rng(seed)
    kinds = ("designing", "random")
    for x, kind in enumerate(kinds):
        rows = [r for r in survey.rows if r.kind == kind]
        v = np.array([getattr(r, name) for r in rows], dtype=float)
        ok = np.isfinite(v)
        if ok.any():
            ax.boxplot(v[ok], positions=[x], widths=0.5, showfliers=False,
                       medianprops={"color": "k", "lw": 2}, boxprops={"color": "0.4"},
                       whiskerprops={"color": "0.4"}, capprops={"color": "0.4"})
        jitter = x + rng.uniform(-0.18, 0.18, len(v))
        designing = np.array([r.designing for r in rows], dtype=bool)
        solid = ok & (designing if kind == "designing" else ~designing)
        ax.scatter(jitter[solid], v[solid], s=14, color=KIND_COLOURS[kind], alpha=0.75, zorder=3)
        ax.scatter(jitter[ok & ~solid], v[ok & ~solid], s=16, facecolors="none",
                   edgecolors=KIND_COLOURS[kind], zorder=3)
        if (~ok).any():
            ax.annotate(f"{int((~ok).sum())} NaN", (x, 1.0), xycoords=("data", "axes fraction"),
                        ha="center", va="top", fontsize=7)
    if name in _LOG:
        ax.set_yscale("log")
    if name in _INTEGER:
        from matplotlib.ticker import MaxNLocator

        top = np.nanmax(survey.column(name).astype(float))
        ax.set_ylim(-0.3 if name == "energy_gap" else 0.5, top + 0.7)
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    counts = {k: sum(r.kind == k for r in survey.rows) for k in kinds}
    ax.set_xticks([0, 1], [f"{k}\n(n = {counts[k]})" for k in kinds], fontsize=8)
    ax.set_xlim(-0.6, 1.6)
    ax.set_title(label or name, fontsize=9)
    ax.tick_params(axis="y", labelsize=8)
    return ax


def plot_designability(survey, name="z_score", label=None, ax=None):
    """Designability of the structure of every designing sequence against one of its metrics.

    Shuffles that are designing are included as open circles; a least-squares line (on
    log designability) and the Spearman rank correlation of the designing sequences are shown.
    """
    from scipy.stats import spearmanr

    ax = _axes(ax)
    for kind in ("designing", "random"):
        rows = [r for r in survey.rows if r.kind == kind and r.designing]
        if not rows:
            continue
        d = np.array([r.designability for r in rows], dtype=float)
        v = np.array([getattr(r, name) for r in rows], dtype=float)
        filled = {"color": KIND_COLOURS[kind]} if kind == "designing" else \
            {"facecolors": "none", "edgecolors": KIND_COLOURS[kind]}
        ax.scatter(d, v, s=18, alpha=0.8, label=f"{kind} ({len(rows)})", **filled)
    d = survey.column("designability", "designing").astype(float)
    v = survey.column(name, "designing").astype(float)
    ok = np.isfinite(v) & (d > 0)
    if ok.sum() >= 3 and np.ptp(d[ok]) > 0:
        rho = spearmanr(d[ok], v[ok]).statistic
        slope, icept = np.polyfit(np.log(d[ok]), v[ok], 1)
        xs = np.geomspace(d[ok].min(), d[ok].max(), 20)
        ax.plot(xs, icept + slope * np.log(xs), "k--", lw=1, label=f"Spearman ρ = {rho:.2f}")
    from matplotlib.ticker import LogFormatter

    ax.set_xscale("log")
    ax.xaxis.set_major_formatter(LogFormatter(labelOnlyBase=False, minor_thresholds=(2, 1)))
    ax.xaxis.set_minor_formatter(LogFormatter(labelOnlyBase=False, minor_thresholds=(2, 1)))
    ax.set_title(f"designability against {label or name}", fontsize=9)
    ax.set_xlabel("designability of the ground structure (sequences)", fontsize=8)
    ax.set_ylabel(label or name, fontsize=8)
    ax.tick_params(labelsize=8)
    ax.legend(fontsize=7)
    return ax


def plot_survey(survey, metrics=None, scatter=("z_score", "drain_fraction")):
    """The survey figure: one box plot per metric, then designability scatters; returns the Figure."""
    import matplotlib.pyplot as plt

    from ..design.funnels import METRICS

    metrics = METRICS if metrics is None else metrics
    labels = dict(METRICS)
    n_panels = len(metrics) + len(scatter)
    ncols = 4
    nrows = -(-n_panels // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(3.4 * ncols, 3.3 * nrows), squeeze=False)
    flat = axes.ravel()
    for ax, (name, label) in zip(flat, metrics):
        plot_metric(survey, name, label, ax)
    for ax, name in zip(flat[len(metrics):], scatter):
        plot_designability(survey, name, labels.get(name, name), ax)
    for ax in flat[n_panels:]:
        ax.set_visible(False)
    fig.suptitle(f"{survey.n}-mers on the {survey.lattice} lattice: designing sequences against shuffles of "
                 f"their letters (MFPT at T = {survey.mfpt_temperature:g})", fontsize=10)
    fig.tight_layout()
    return fig
