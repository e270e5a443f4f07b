"""Figures of the demonstration (matplotlib only; each draws on a caller's ``ax`` and returns it)."""
from __future__ import annotations

import numpy as np

__all__ = ["plot_levinthal", "plot_funnel", "plot_energy_q_map", "plot_free_energy_profiles",
           "plot_first_passage", "plot_mfpt_temperature", "plot_basin_occupancy"]

_COLOURS = {"square": "tab:blue", "triangular": "tab:orange", "cubic": "tab:green", "fcc": "tab:red"}


def _axes(ax):
    if ax is None:
        import matplotlib.pyplot as plt
        _, ax = plt.subplots()
    return ax


def plot_levinthal(fits, ax=None, extrapolate_to=150):
    """Exact counts c_{N-1} against N (points) and the fitted mu^N growth extrapolated (lines)."""
    ax = _axes(ax)
    for fit in fits:
        colour = _COLOURS.get(fit.lattice)
        ax.semilogy(fit.n_steps + 1, fit.counts, "o", ms=4, color=colour,
                    label=f"{fit.lattice}: μ = {fit.mu:.3f} (known {fit.known_mu:.3f})")
        n = np.arange(2, extrapolate_to + 1)
        ax.semilogy(n, fit.predict(n - 1), "-", lw=1, color=colour, alpha=0.6)
    ax.axhline(1e13 * 3.156e7 * 13.8e9, color="grey", ls=":", lw=1)
    ax.text(3, 1e13 * 3.156e7 * 13.8e9 * 3, "age of the universe at 10¹³ conformations/s", fontsize=8,
            color="grey")
    ax.set_xlabel("chain length N (monomers)")
    ax.set_ylabel("number of conformations")
    ax.set_title("Levinthal's numbers: exact counts (dots), fitted growth (lines)")
    ax.legend(fontsize=8, loc="upper left")
    return ax


def plot_funnel(data, ax=None, cmap="viridis"):
    """The funnel: at each energy a bar of width S(E) = ln g(E), coloured by the mean Q there."""
    import matplotlib as mpl
    ax = _axes(ax)
    entropy = data.entropy
    mean_q = data.mean_q()
    norm = mpl.colors.Normalize(0, 1)
    colours = mpl.colormaps[cmap](norm(mean_q))
    ax.barh(data.energies, entropy, left=-entropy / 2, height=0.85, color=colours, edgecolor="k", lw=0.4)
    for e, s, g in zip(data.energies, entropy, data.counts.sum(axis=1)):
        ax.text(s / 2 + 0.3, e, f"{g:,}", va="center", fontsize=7)
    ax.set_xlabel("entropy S(E) = ln g(E)   (bar width)")
    ax.set_ylabel("energy E")
    ax.set_xlim(-entropy.max() / 2 - 1, entropy.max() / 2 + 5)
    ax.figure.colorbar(mpl.cm.ScalarMappable(norm, cmap), ax=ax, label="mean native overlap Q")
    ax.set_title(f"the funnel of {data.sequence}")
    return ax


def plot_energy_q_map(data, ax=None, cmap="magma_r"):
    """ln(number of conformations) on the (Q, E) plane."""
    ax = _axes(ax)
    with np.errstate(divide="ignore"):
        image = np.where(data.counts > 0, np.log10(data.counts.astype(float)), np.nan)
    q = data.q_values
    dq = q[1] - q[0] if len(q) > 1 else 1
    extent = (q[0] - dq / 2, q[-1] + dq / 2, data.energies[0] - 0.5, data.energies[-1] + 0.5)
    im = ax.imshow(image, origin="lower", aspect="auto", extent=extent, cmap=cmap)
    ax.figure.colorbar(im, ax=ax, label="log10 conformations")
    ax.set_xlabel("native overlap Q")
    ax.set_ylabel("energy E")
    ax.set_title("conformations per (Q, E)")
    return ax


def plot_free_energy_profiles(data, temperatures, labels, free_energy, ax=None):
    """F(Q) curves, one per temperature; ``free_energy(data, T)`` computes each."""
    ax = _axes(ax)
    for t, label in zip(temperatures, labels):
        f = free_energy(data, t)
        ax.plot(data.q_values, f, "o-", ms=4, label=f"{label} (T = {t:.2f})")
    ax.set_xlabel("native overlap Q")
    ax.set_ylabel("free energy F(Q) − min F")
    ax.set_title("free-energy profiles")
    ax.legend(fontsize=8)
    return ax


def plot_first_passage(table, ax=None):
    """Median first-passage times (moves or draws) to the native state against N, log scale, with fits."""
    ax = _axes(ax)
    for name, marker in (("random", "s"), ("metropolis", "o")):
        rows = [r for r in table if r["method"] == name]
        if not rows:
            continue
        n = np.array([r["n"] for r in rows], dtype=float)
        t = np.array([r["median"] for r in rows], dtype=float)
        lo = np.array([r["q25"] for r in rows], dtype=float)
        hi = np.array([r["q75"] for r in rows], dtype=float)
        slope, icpt = np.polyfit(n, np.log(t), 1)
        label = {"random": "random search", "metropolis": "Metropolis, pull moves"}[name]
        ax.errorbar(n, t, yerr=[t - lo, hi - t], fmt=marker, capsize=3,
                    label=f"{label}: ×{np.exp(slope):.2f} per monomer")
        ax.plot(n, np.exp(icpt + slope * n), "--", lw=1, color=ax.lines[-1].get_color())
    ax.set_yscale("log")
    ax.set_xlabel("chain length N")
    ax.set_ylabel("first-passage time to the native state (trials)")
    ax.set_title("random search against guided search")
    ax.legend(fontsize=8)
    return ax


def plot_mfpt_temperature(temperatures, mfpt_exact, mc=None, ax=None):
    """Mean first-passage time to the native state against temperature (master equation; MC points)."""
    ax = _axes(ax)
    ax.semilogy(temperatures, mfpt_exact, "-", label="master equation (exact)")
    best = int(np.nanargmin(mfpt_exact))
    ax.semilogy([temperatures[best]], [mfpt_exact[best]], "v", color="k",
                label=f"optimal T = {temperatures[best]:.2f}")
    if mc is not None:
        t_mc, mean, err = mc
        ax.errorbar(t_mc, mean, yerr=err, fmt="o", capsize=3, label="Monte Carlo")
    ax.set_xlabel("temperature T")
    ax.set_ylabel("mean first-passage time (Monte Carlo steps)")
    ax.set_title("folding time against temperature")
    ax.legend(fontsize=8)
    return ax


def plot_basin_occupancy(temperatures, occupancies, labels, ax=None):
    """Equilibrium occupancy of basins against temperature."""
    ax = _axes(ax)
    for occ, label in zip(occupancies, labels):
        ax.plot(temperatures, occ, label=label)
    ax.set_xlabel("temperature T")
    ax.set_ylabel("equilibrium occupancy")
    ax.set_title("a wide shallow basin against a narrow deep one")
    ax.legend(fontsize=8)
    return ax
