"""Kinetics plots: the folding curve MFPT(T), macrostate population curves, implied timescales."""
from __future__ import annotations

import numpy as np

__all__ = ["plot_folding_curve", "plot_populations", "plot_implied_timescales"]


def _plain_log_ticks(axis, lo, hi):
    """Readable ticks (0.2, 0.5, 1, 2 ...) on a log axis spanning lo .. hi."""
    from matplotlib.ticker import FixedLocator, FormatStrFormatter, NullFormatter

    ticks = [m * 10.0 ** e for e in range(-3, 4) for m in (1, 2, 5) if lo <= m * 10.0 ** e <= hi]
    if len(ticks) >= 2:
        axis.set_major_locator(FixedLocator(ticks))
        axis.set_major_formatter(FormatStrFormatter("%g"))
        axis.set_minor_formatter(NullFormatter())


def _axes(ax):
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=(6, 4))
    return ax


def plot_folding_curve(curve, ax=None, label="master equation (exact)"):
    """MFPT against temperature (log-log), the optimum and its range shaded."""
    ax = _axes(ax)
    ax.loglog(curve.temperatures, curve.mfpt, "o-", ms=3, label=label)
    lo, hi = curve.temperature_range
    ax.axvspan(lo, hi, color="0.85", zorder=0,
               label=f"within x{curve.range_factor:g} of the fastest")
    ax.loglog([curve.optimal_temperature], [curve.optimal_mfpt], "v", color="k",
              label=f"optimal T = {curve.optimal_temperature:.3g}")
    ax.set_xlabel("temperature T")
    ax.set_ylabel("mean first-passage time (move attempts)")
    _plain_log_ticks(ax.xaxis, curve.temperatures.min(), curve.temperatures.max())
    ax.legend(fontsize=8)
    return ax


def plot_populations(times, populations, labels=None, ax=None, n_show=6, exact=None):
    """Macrostate populations against time (log time axis), the ``n_show`` most populated at the end.

    With ``exact`` (the microscopic populations summed per macrostate) those are drawn solid and
    the lumped model dashed in the same colour.
    """
    ax = _axes(ax)
    pops = np.asarray(populations)
    order = np.argsort(pops[-1])[::-1][:n_show]
    for k in order:
        name = None if labels is None else labels[k]
        if exact is None:
            ax.semilogx(times, pops[:, k], label=name)
        else:
            line, = ax.semilogx(times, np.asarray(exact)[:, k], label=name)
            ax.semilogx(times, pops[:, k], "--", color=line.get_color(), lw=1)
    if pops.shape[1] > n_show:
        ax.semilogx(times, pops[:, np.setdiff1d(np.arange(pops.shape[1]), order)].sum(axis=1), "--", color="0.5",
                    label=f"{pops.shape[1] - n_show} others")
    if exact is not None:
        ax.plot([], [], "k-", label="exact (microscopic, summed per basin)")
        ax.plot([], [], "k--", lw=1, label="lumped basin model (treekin-style)")
    ax.set_xlabel("time (move attempts)")
    ax.set_ylabel("population")
    ax.set_ylim(-0.02, 1.02)
    ax.legend(fontsize=7)
    return ax


def plot_implied_timescales(lags, timescales, errors=None, ax=None, exact=None):
    """Implied timescales against lag time; optional exact values as horizontal lines."""
    ax = _axes(ax)
    ts = np.asarray(timescales, dtype=float)
    for k in range(ts.shape[1]):
        if not np.isfinite(ts[:, k]).any():
            continue
        err = None if errors is None else np.nan_to_num(np.asarray(errors)[:, k])
        ax.errorbar(lags, ts[:, k], yerr=err, fmt="o-", ms=3, capsize=2, label=f"timescale {k + 1}")
    if exact is not None:
        for k, t in enumerate(exact):
            ax.axhline(t, color="k", ls=":", lw=1, label="exact" if k == 0 else None)
    ax.set_yscale("log")
    ax.set_xlabel("lag (move attempts)")
    ax.set_ylabel("implied timescale (move attempts)")
    ax.legend(fontsize=7)
    return ax


def figure_exact(path, result, times=None, populations=None, exact=None):
    """Save the figure of ``hpfold kinetics --exact``: MFPT(T) (when scanned) beside basin populations."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    panels = [p for p in ("curve", "populations") if (p == "curve" and result.curve is not None)
              or (p == "populations" and populations is not None)]
    if not panels:
        raise ValueError("nothing to plot: give a temperature range or keep the basins")
    fig, axes = plt.subplots(1, len(panels), figsize=(6 * len(panels), 4.2), squeeze=False)
    for ax, panel in zip(axes[0], panels):
        if panel == "curve":
            plot_folding_curve(result.curve, ax)
            ax.set_title("folding time against temperature")
        else:
            b = result.basins
            labels = [f"basin {k} (E = {e:g})" for k, e in enumerate(b.energy)]
            plot_populations(times, populations, labels, ax, exact=exact)
            ax.set_title(f"basin populations from a random start, T = {result.temperature:.3g}")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def figure_msm(path, its):
    """Save the implied-timescale figure of ``hpfold kinetics --from``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4.2))
    plot_implied_timescales(its["lags"], its["timescales"], its["errors"], ax)
    ax.set_title("implied timescales against lag")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
