"""Benchmark reports: a markdown page with tables against the published baselines, and ECDF plots."""
from __future__ import annotations

import csv
import datetime
import math
import os
import platform
import re
from pathlib import Path

import numpy as np

from ..io._safe import atomic_path
from .stats import run_length_distribution, summarize

__all__ = ["published_baselines", "parse_published_time", "machine_description", "format_seconds",
           "plot_run_length_distributions", "plot_best_energies", "write_report", "summary_table"]


def published_baselines() -> dict:
    """``{sequence id: {method: text}}`` from ``hpfold/data/published_times.tsv``.

    Times are means to reach the best-known energy on a 2.4 GHz Pentium IV (Thachuk,
    Shmygelska & Hoos 2007, BMC Bioinformatics 8:342, Tables 2-3), verbatim.
    """
    from .._data import DATA_DIR

    with open(DATA_DIR / "published_times.tsv", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    return {r["id"]: {k: v for k, v in r.items() if k not in ("id", "best_energy")} for r in rows}


_TIME_UNITS = {"s": 1.0, "min": 60.0, "h": 3600.0, "day": 86400.0, "days": 86400.0}


def parse_published_time(text: str):
    """``(seconds, fraction of runs, exact)`` of a published entry, or ``None`` if the target was not reached.

    Examples
    --------
    >>> parse_published_time("<1 s")
    (1.0, 1.0, False)
    >>> parse_published_time("91% of runs, 18 min")
    (1080.0, 0.91, True)
    >>> parse_published_time("reached -34 only") is None
    True
    """
    text = text.strip()
    if not text or text.startswith("reached"):
        return None
    fraction = 1.0
    m = re.match(r"(\d+(?:\.\d+)?)% of runs,\s*(.*)", text)
    if m:
        fraction, text = float(m.group(1)) / 100.0, m.group(2)
    exact = not text.startswith("<")
    m = re.fullmatch(r"<?\s*(\d+(?:\.\d+)?)\s*(s|min|h|days?)", text)
    if not m:
        return None
    return float(m.group(1)) * _TIME_UNITS[m.group(2)], fraction, exact


def format_seconds(value) -> str:
    """A short human time (``"420 ms"``, ``"3.1 min"``), or ``"-"`` for None.

    Examples
    --------
    >>> format_seconds(0.0198), format_seconds(42.0), format_seconds(None)
    ('19.8 ms', '42 s', '-')
    """
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "-"
    if value < 1e-3:
        return f"{value * 1e6:.3g} us"
    if value < 1:
        return f"{value * 1000:.3g} ms"
    if value < 100:
        return f"{value:.3g} s"
    if value < 6000:
        return f"{value / 60:.3g} min"
    return f"{value / 3600:.3g} h"


def machine_description() -> str:
    """CPU model, logical cores, OS, Python / numba / numpy versions of this machine."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    try:
        import numba
        numba_version = numba.__version__
    except ImportError:  # pragma: no cover
        numba_version = "?"
    return (f"{cpu}, {os.cpu_count()} logical cores, {platform.system()} {platform.release()}, "
            f"Python {platform.python_version()}, numba {numba_version}, numpy {np.__version__}")


def _ci(pair) -> str:
    if not pair or pair[0] is None:
        return ""
    return f" [{format_seconds(pair[0])}, {format_seconds(pair[1]) if pair[1] is not None else 'inf'}]"


def summary_table(summaries, problems_by_id=None, baselines=None) -> str:
    """The per-sequence markdown table: each algorithm's successes, median time and best energy, then baselines."""
    baselines = published_baselines() if baselines is None else baselines
    algorithms = list(dict.fromkeys(s["algorithm"] for s in summaries))
    seq_ids = list(dict.fromkeys(s["sequence_id"] for s in summaries))
    methods = list(dict.fromkeys(m for sid in seq_ids for m in baselines.get(sid, {})))
    by = {(s["sequence_id"], s["algorithm"]): s for s in summaries}
    head = ["id", "N", "target"] + [f"{a}: solved, median time, best E" for a in algorithms] + \
        [f"{m} (2007)" for m in methods]
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join(["---"] * len(head)) + "|"]
    for sid in seq_ids:
        first = next(s for s in summaries if s["sequence_id"] == sid)
        row = [sid, str(first["length"]), str(first["target"])]
        for a in algorithms:
            s = by.get((sid, a))
            if s is None:
                row.append("")
                continue
            cell = f"{s['successes']}/{s['runs']}, {format_seconds(s['median_seconds_to_target'])}, " \
                   f"{s['best_energy'] if s['best_energy'] is not None else '-'}"
            if s["invalid_claims"]:
                cell += f", **{s['invalid_claims']} invalid**"
            row.append(cell)
        row += [baselines.get(sid, {}).get(m, "") for m in methods]
        lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines)


def detail_table(summaries) -> str:
    """One row per (sequence, algorithm) with every statistic and its 95 % interval.

    The CPU-time column appears only when some run recorded CPU times.
    """
    with_cpu = any(s.get("median_cpu_seconds_to_target") is not None for s in summaries)
    head = ["id", "algorithm", "runs", "solved", "success rate [95% CI]", "median time [95% CI]"] + \
        (["median CPU time"] if with_cpu else []) + \
        ["mean time [95% CI]", "expected time (restarts)", "median evals", "best E", "median best E",
         "invalid claims", "errors", "overruns"]
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join(["---"] * len(head)) + "|"]
    for s in summaries:
        ci = s["success_rate_ci"] or [math.nan, math.nan]
        evals = s["median_evaluations_to_target"]
        cells = [s["sequence_id"], s["algorithm"], str(s["runs"]), str(s["successes"]),
                 f"{s['success_rate']:.2f} [{ci[0]:.2f}, {ci[1]:.2f}]" if s["success_rate"] is not None else "-",
                 format_seconds(s["median_seconds_to_target"]) + _ci(s["median_seconds_to_target_ci"])]
        if with_cpu:
            cells.append(format_seconds(s.get("median_cpu_seconds_to_target")))
        cells += [format_seconds(s["mean_seconds_to_target"]) + _ci(s["mean_seconds_to_target_ci"]),
                  format_seconds(s["expected_seconds_to_target"]),
                  f"{evals:.3g}" if evals is not None else "-",
                  str(s["best_energy"]) if s["best_energy"] is not None else "-",
                  f"{s['median_best_energy']:g}" if s["median_best_energy"] is not None else "-",
                  str(s["invalid_claims"]), str(s["errors"]), str(s["overruns"])]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


# -- plots --------------------------------------------------------------------------------------
_BASELINE_STYLE = {"PERM": ":", "ACO-HPPFP-3": "-.", "REMC_VSHD": (0, (1, 3)), "REMC_pull": "--",
                   "REMC_mixed": (0, (5, 2, 1, 2))}


def plot_run_length_distributions(records, sequence_id, ax=None, baselines=None, legend="all"):
    """Draw the run-length distribution (ECDF of time to target) of every algorithm on one sequence.

    Published mean times (2007 hardware) are drawn as grey vertical lines for orientation.

    Parameters
    ----------
    records : list of dict
        Run records (any sequences; only ``sequence_id`` is drawn).
    sequence_id : str
    ax : matplotlib Axes, optional
    baselines : dict, optional
        ``{sequence id: {method: text}}`` (default :func:`published_baselines`); ``{}`` for none.
    legend : {"all", "baselines", None}
        What the axes legend lists ("baselines": only the published times, for a figure
        with one shared legend of the algorithms).

    Returns
    -------
    matplotlib Axes
    """
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(4.5, 3.2))
    baselines = published_baselines() if baselines is None else baselines
    runs = [r for r in records if r["sequence_id"] == sequence_id]
    budget = max((r["budget_seconds"] for r in runs), default=1.0)
    lo = budget
    for alg in dict.fromkeys(r["algorithm"] for r in runs):
        mine = [r for r in runs if r["algorithm"] == alg]
        t = [r["seconds_to_target"] if r.get("success") else math.inf for r in mine]
        x, y = run_length_distribution(t)
        if len(x):
            lo = min(lo, x[0])
        xs = np.concatenate([[x[0] if len(x) else budget], x, [budget]])
        ys = np.concatenate([[0.0], y, [y[-1] if len(y) else 0.0]])
        solved = sum(1 for v in t if math.isfinite(v))
        ax.step(xs, ys, where="post", lw=1.8, color=_color(alg, records),
                label=f"{alg} ({solved}/{len(t)})" if legend == "all" else f"_{alg}")
    same = {}  # published entries with the same text share one line
    for method, text in baselines.get(sequence_id, {}).items():
        if parse_published_time(text) is not None:
            same.setdefault(text, []).append(method)
    hi = budget * 1.5
    for text, methods in same.items():
        seconds = parse_published_time(text)[0]
        shown = seconds <= budget * 100
        ax.axvline(seconds, color="0.55", lw=1.0, ls=_BASELINE_STYLE.get(methods[0], ":"),
                   label=f"{', '.join(methods)}: {text}" + ("" if shown else " (off scale)"))
        if shown:
            lo, hi = min(lo, seconds), max(hi, seconds * 1.5)
    ax.axvline(budget, color="k", lw=0.8, alpha=0.5)
    ax.set_xscale("log")
    lo = min(lo, budget / 10)
    ax.set_xlim(max(lo / 3, 1e-4), max(hi, lo * 10))
    from matplotlib.ticker import NullFormatter

    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_ylim(-0.02, 1.02)
    target = runs[0]["target"] if runs else None
    ax.set_title(f"{sequence_id} (N={len(runs[0]['sequence']) if runs else '?'}, target {target})", fontsize=9)
    ax.set_xlabel("time to target (s)", fontsize=8)
    ax.set_ylabel("fraction of runs solved", fontsize=8)
    ax.tick_params(labelsize=7)
    if legend is not None and ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=6, loc="best", framealpha=0.8)
    return ax


def _color(algorithm, records):
    """The same colour for an algorithm in every panel."""
    import matplotlib.pyplot as plt

    names = list(dict.fromkeys(r["algorithm"] for r in records))
    cycle = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    return cycle[names.index(algorithm) % len(cycle)] if algorithm in names else None


def plot_best_energies(records, ax=None):
    """Best energy of every run minus the target, per sequence (columns) and algorithm (offset dots).

    Returns
    -------
    matplotlib Axes
    """
    import matplotlib.pyplot as plt

    seq_ids = list(dict.fromkeys(r["sequence_id"] for r in records))
    algorithms = list(dict.fromkeys(r["algorithm"] for r in records))
    if ax is None:
        _, ax = plt.subplots(figsize=(max(4.0, 0.6 * len(seq_ids) + 2), 3.2))
    width = 0.7 / max(len(algorithms), 1)
    rng = np.random.default_rng(0)
    for k, alg in enumerate(algorithms):
        xs, ys, bad = [], [], []
        for i, sid in enumerate(seq_ids):
            for r in records:
                if r["sequence_id"] != sid or r["algorithm"] != alg or r.get("best_energy") is None:
                    continue
                x = i - 0.35 + width * (k + 0.5) + rng.uniform(-0.2, 0.2) * width
                (bad if r.get("invalid_claims") else xs).append(x)
                if not r.get("invalid_claims"):
                    ys.append(r["best_energy"] - r["target"])
        ax.plot(xs, ys, "o", ms=3.5, alpha=0.75, label=alg)
    ax.axhline(0, color="k", lw=0.8)
    from matplotlib.ticker import MaxNLocator

    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xticks(range(len(seq_ids)))
    ax.set_xticklabels(seq_ids, rotation=45, ha="right", fontsize=7)
    ax.set_ylabel("best energy - target", fontsize=8)
    ax.tick_params(axis="y", labelsize=7)
    ax.legend(fontsize=7, frameon=False)
    ax.set_title("best energy within budget, per run (0 = target reached)", fontsize=9)
    return ax


def _ecdf_figure(records, seq_ids, baselines):
    import matplotlib.pyplot as plt

    cols = min(4, len(seq_ids))
    rows = math.ceil(len(seq_ids) / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 3.1 * rows), squeeze=False)
    for ax, sid in zip(axes.flat, seq_ids):
        plot_run_length_distributions(records, sid, ax=ax, baselines=baselines, legend="baselines")
    for ax in list(axes.flat)[len(seq_ids):]:
        ax.set_visible(False)
    from matplotlib.lines import Line2D

    algorithms = list(dict.fromkeys(r["algorithm"] for r in records))
    handles = [Line2D([], [], color=_color(a, records), lw=1.8) for a in algorithms]
    fig.legend(handles, algorithms, loc="upper center", ncol=len(algorithms), frameon=False, fontsize=9)
    fig.tight_layout(rect=(0, 0, 1, 1 - 0.35 / (3.1 * rows)))
    return fig


def write_report(records, directory, title: str = "hpfold benchmark report", command: str | None = None,
                 baselines=None, note: str | None = None) -> Path:
    """Write ``report.md``, ``ecdf.png`` and ``best_energy.png`` into ``directory``.

    Parameters
    ----------
    records : list of dict
        Run records (from :func:`hpfold.bench.run_benchmark` or a results file).
    directory : str or Path
    title : str
    command : str, optional
        The command line, quoted in the report.
    baselines : dict, optional
        Published times (default :func:`published_baselines`).
    note : str, optional
        A paragraph placed under the title (what was run and why).

    Returns
    -------
    Path
        The markdown file.
    """
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    if not records:
        raise ValueError("no run records to report")
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    baselines = published_baselines() if baselines is None else baselines
    summaries = summarize(records)
    seq_ids = list(dict.fromkeys(r["sequence_id"] for r in records))
    fig = _ecdf_figure(records, seq_ids, baselines)
    with atomic_path(out / "ecdf.png") as tmp:
        fig.savefig(tmp, dpi=110)
    plt.close(fig)
    fig, ax = plt.subplots(figsize=(max(5.0, 0.55 * len(seq_ids) + 2.5), 3.4))
    plot_best_energies(records, ax=ax)
    fig.tight_layout()
    with atomic_path(out / "best_energy.png") as tmp:
        fig.savefig(tmp, dpi=110)
    plt.close(fig)
    budgets = sorted({r["budget_seconds"] for r in records})
    evals = sorted({r.get("budget_evaluations") for r in records if r.get("budget_evaluations")})
    hosts = sorted({r.get("host", "?") for r in records})
    runs_per = sorted({s["runs"] for s in summaries})
    lines = [f"# {title}", ""]
    if note:
        lines += [note, ""]
    lines += [
        f"- Date: {datetime.date.today().isoformat()}; machine: {machine_description()}; hosts: {', '.join(hosts)}",
        f"- Budget per run: {', '.join(format_seconds(b) for b in budgets)}"
        + (f", at most {', '.join(f'{e:g}' for e in evals)} energy evaluations" if evals else "")
        + f"; runs per (sequence, algorithm): {', '.join(map(str, runs_per))}; "
        f"numba threads per run: {', '.join(sorted({str(r.get('threads', 1)) for r in records}))}",
        "- A run is solved when a conformation the harness verified (self-avoiding, energy recomputed) "
        "reached the target within the budget. Median times count unsolved runs as infinite ('-' = half "
        "or fewer solved); intervals are 95 % percentile bootstrap (seeded).",
        "- Published columns: mean CPU time to the best-known energy, Thachuk, Shmygelska & Hoos 2007 "
        "(BMC Bioinformatics 8:342), 2.4 GHz Pentium IV: other hardware, other budgets, quoted verbatim.",
    ]
    if command:
        lines += [f"- Command: `{command}`"]
    lines += ["", "## Per sequence", "", summary_table(summaries, baselines=baselines), "",
              "## Run-length distributions", "",
              "Fraction of runs that reached the target by time t (Hoos & Stutzle); grey lines: published "
              "mean times; black line: the budget.", "", "![run-length distributions](ecdf.png)", "",
              "![best energies](best_energy.png)", "", "## All statistics", "", detail_table(summaries), ""]
    flagged = [r for r in records if r.get("invalid_claims") or r.get("error")]
    if flagged:
        lines += ["## Invalid claims and errors", ""]
        for r in flagged[:50]:
            why = "; ".join(r.get("invalid_reasons") or []) or r.get("error") or ""
            lines.append(f"- {r['sequence_id']} {r['algorithm']} run {r['run']} ({r['status']}): {why}")
        lines.append("")
    path = out / "report.md"
    with atomic_path(path) as tmp:
        Path(tmp).write_text("\n".join(lines))
    return path
