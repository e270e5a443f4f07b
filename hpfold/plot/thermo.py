"""Plots of thermodynamics and densities of states: C_v(T), U(T), P_native(T), ln g(E).

Every function draws on the caller's ``ax`` (a new figure's axes when None) and
returns it; curves that carry standard errors get a shaded band of +-
``n_sigma`` errors.  matplotlib is imported only when a function is called.
"""
from __future__ import annotations

import numpy as np

__all__ = ["plot_heat_capacity", "plot_energy", "plot_native_probability", "plot_ln_g",
           "plot_thermodynamics", "new_figure"]


def new_figure(nrows=1, ncols=1, size=(5.0, 3.6)):
    """A matplotlib Figure (no pyplot state, safe without a display) and its axes, squeezed as
    ``pyplot.subplots`` does (one Axes, a 1-d or a 2-d array); ``size`` is per panel, in inches."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(size[0] * ncols, size[1] * nrows), layout="constrained")
    return fig, fig.subplots(nrows, ncols)


def _axis(ax):
    return new_figure()[1] if ax is None else ax


def _curve(ax, t, y, err, n_sigma, label, clip=(-np.inf, np.inf), **kwargs):
    line, = ax.plot(t, y, label=label, **kwargs)
    if err is not None:
        lo = np.clip(y - n_sigma * err, *clip)
        hi = np.clip(y + n_sigma * err, *clip)
        ax.fill_between(t, lo, hi, color=line.get_color(), alpha=0.25, lw=0,
                        label=f"\u00b1{n_sigma:g}\u03c3" if label else None)
    return line


def plot_heat_capacity(thermo, ax=None, *, label=None, show_peaks=True, n_sigma=2.0, **kwargs):
    """C_v(T) with its error band and the refined peak temperatures marked.

    Parameters
    ----------
    thermo : Thermodynamics
    ax : matplotlib Axes, optional
    label : str, optional
        Legend label (default: the method of the density of states).
    show_peaks : bool
        Dashed vertical lines at the C_v maxima, with their temperatures.
    n_sigma : float
        Half-width of the band in standard errors.

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> from hpfold.dos import DensityOfStates
    >>> from hpfold.thermo import thermodynamics
    >>> th = thermodynamics(DensityOfStates("HPPH", "square", "HP", [-1, 0], [2.0, 3.3], "exact", "toy"))
    >>> plot_heat_capacity(th).get_ylabel()
    '$C_v$ ($k_B$)'
    """
    ax = _axis(ax)
    line = _curve(ax, thermo.temperatures, thermo.heat_capacity, thermo.heat_capacity_err, n_sigma,
                  label or thermo.method, clip=(0.0, np.inf), **kwargs)
    if show_peaks:
        for peak in thermo.peaks:
            ax.axvline(peak.temperature, color=line.get_color(), ls="--", lw=0.8)
            text = f"{peak.temperature:.3f}"
            if peak.temperature_err:
                text += f"\u00b1{peak.temperature_err:.3f}"
            stagger = -12 - 11 * len(ax.texts)  # several curves on one axes: labels do not overlap
            ax.annotate(text, (peak.temperature, peak.height), xytext=(5, stagger), textcoords="offset points",
                        fontsize=8, color=line.get_color())
    ax.set_xlabel("$T$ ($\\epsilon/k_B$)")
    ax.set_ylabel("$C_v$ ($k_B$)")
    return ax


def plot_energy(thermo, ax=None, *, label=None, n_sigma=2.0, **kwargs):
    """Mean energy U(T) = <E> with its error band; returns ``ax``."""
    ax = _axis(ax)
    _curve(ax, thermo.temperatures, thermo.energy, thermo.energy_err, n_sigma, label or thermo.method, **kwargs)
    ax.axhline(thermo.ground_energy, color="0.6", lw=0.8, ls=":")
    ax.set_xlabel("$T$ ($\\epsilon/k_B$)")
    ax.set_ylabel("$U = \\langle E \\rangle$ ($\\epsilon$)")
    return ax


def plot_native_probability(thermo, ax=None, *, label=None, n_sigma=2.0, **kwargs):
    """P_native(T): the Boltzmann probability of the lowest energy level; returns ``ax``."""
    ax = _axis(ax)
    _curve(ax, thermo.temperatures, thermo.p_native, thermo.p_native_err, n_sigma, label or thermo.method,
           clip=(0.0, 1.0), **kwargs)
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel("$T$ ($\\epsilon/k_B$)")
    ax.set_ylabel(f"$P(E = {thermo.ground_energy})$")
    return ax


def plot_ln_g(dos, ax=None, *, label=None, n_sigma=2.0, exact=None, **kwargs):
    """ln g(E) as points, with +- ``n_sigma`` error bars when known; ``exact`` (a DensityOfStates)
    is drawn underneath as a reference line.  Returns ``ax``."""
    ax = _axis(ax)
    if exact is not None:
        ax.plot(exact.energies, exact.ln_g, color="0.5", lw=1.2, label="exact", zorder=1)
    err = None if dos.ln_g_err is None or not np.all(np.isfinite(dos.ln_g_err)) else n_sigma * dos.ln_g_err
    kwargs.setdefault("marker", "o")
    kwargs.setdefault("ms", 3)
    kwargs.setdefault("ls", "none" if exact is not None else "-")
    ax.errorbar(dos.energies, dos.ln_g, yerr=err, label=label or dos.method, capsize=2, zorder=2, **kwargs)
    ax.set_xlabel("$E$ ($\\epsilon$)")
    ax.set_ylabel("$\\ln g(E)$")
    return ax


def plot_thermodynamics(thermo, dos=None, axes=None, *, title=None):
    """A 2x2 panel: C_v(T), U(T), P_native(T) and (with ``dos``) ln g(E).

    Parameters
    ----------
    thermo : Thermodynamics
    dos : DensityOfStates, optional
    axes : array of 4 matplotlib Axes, optional
    title : str, optional
        Figure title (default: sequence, lattice and method).

    Returns
    -------
    ndarray of Axes, shape (2, 2)
    """
    if axes is None:
        _, axes = new_figure(2, 2, size=(4.6, 3.4))
    axes = np.asarray(axes).reshape(2, 2)
    plot_heat_capacity(thermo, axes[0, 0])
    plot_energy(thermo, axes[0, 1])
    plot_native_probability(thermo, axes[1, 0])
    if dos is not None:
        plot_ln_g(dos, axes[1, 1])
    else:
        axes[1, 1].set_axis_off()
    fig = axes[0, 0].figure
    if title is None:
        seq = thermo.sequence if len(thermo.sequence) <= 30 else thermo.sequence[:27] + "..."
        title = f"{seq} ({len(thermo.sequence)} monomers, {thermo.lattice}), {thermo.method}"
    fig.suptitle(title, fontsize=10)
    return axes
