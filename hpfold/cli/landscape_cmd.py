"""``hpfold landscape``: exact barrier trees and sampled minima graphs, disconnectivity plots."""
from __future__ import annotations

import json
import sys

from ..lattice import LATTICE_NAMES
from . import add_overwrite_argument, claim
from ._types import any_int, nonneg_float, nonneg_int, positive_float, positive_int, seed_int

COLOURS = ("q", "basin", "energy", "none")


def add_parser(sub):
    p = sub.add_parser(
        "landscape", help="energy landscape: minima, barriers, disconnectivity graph",
        description="Exact barrier tree of a sequence (every symmetry class flooded by increasing energy), or "
                    "the minima graph of a trajectory (--from), with funnel metrics and a disconnectivity plot.")
    p.add_argument("sequence", nargs="?", help="HP sequence (exact landscape); omit with --from")
    p.add_argument("--space", default="hp", metavar="NAME",
                   help="state space: hp (a SEQUENCE; default), perceptron (--n --alpha --seed --sample) or "
                        "kmeans (--n points, --k clusters, --seed)")
    p.add_argument("--n", type=positive_int("--n"), default=None,
                   help="perceptron weights (default 16) or kmeans points (10)")
    p.add_argument("--alpha", type=positive_float("--alpha"), default=None,
                   help="perceptron patterns per weight (default 0.6)")
    p.add_argument("--seed", type=seed_int("--seed"), default=None,
                   help="perceptron teacher/training set, kmeans points (0)")
    p.add_argument("--sample", type=seed_int("--sample"), default=None,
                   help="perceptron training set of the same teacher (0)")
    p.add_argument("--k", type=positive_int("--k"), default=None, help="kmeans clusters (default 3)")
    p.add_argument("--from-barriers", metavar="STATES.txt",
                   help="a landscape from a file: energy-sorted 'label energy' lines (barriers' input) and a "
                        "'neighbours' section of 'i j k ...' lines (or RNA dot-brackets)")
    p.add_argument("--edges", metavar="FILE", help="the adjacency list of --from-barriers, as a separate file")
    p.add_argument("--radius", type=nonneg_int("--radius"), default=2,
                   help="moves (Hamming distance) of the local entropy of non-HP spaces (default 2)")
    p.add_argument("--delta", type=nonneg_float("--delta"), default=0.0,
                   help="energy allowance of the local entropy: states within E_min + DELTA count (default 0)")
    p.add_argument("--from", dest="trajectory", metavar="TRAJ.h5", help="sampled landscape of a trajectory file")
    p.add_argument("--exact", action="store_true",
                   help="enumerate and flood every state (the default when a sequence is given)")
    p.add_argument("--lattice", "-l", default=None, choices=LATTICE_NAMES, help="lattice (default: square)")
    p.add_argument("--moves", default=None,
                   help="move set: pull, local, pull_lesh, pivot or a mixture like local+pivot (default: pull, "
                        "or the trajectory's)")
    p.add_argument("--model", default=None, help="energy model (HP, HPNX); default HP or the trajectory's")
    p.add_argument("--emax", type=any_int("--emax"), default=None, help="flood only the states with E <= EMAX")
    p.add_argument("--temperature", "-T", type=positive_float("--temperature"), default=1.0,
                   help="temperature of basin probabilities")
    p.add_argument("--budget", type=nonneg_int("--budget"), default=2000,
                   help="states per bounded saddle search between two minima (--from; default 2000)")
    p.add_argument("--plateau-budget", type=nonneg_int("--plateau-budget"), default=1000,
                   help="states per plateau walk when quenching a frame (--from; default 1000)")
    p.add_argument("--max-pairs", type=nonneg_int("--max-pairs"), default=None,
                   help="tighten at most this many saddles, the most often crossed first (--from)")
    p.add_argument("--no-tighten", action="store_true", help="keep the trajectory's saddle bounds (--from)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("-o", "--output", metavar="FILE.h5", help="write minima, merges and per-state basins to HDF5")
    p.add_argument("--tree", metavar="FILE", help="write the disconnectivity tree (.json or .graphml)")
    p.add_argument("--plot", metavar="FILE", help="draw the disconnectivity graph (.png, .svg, .pdf)")
    p.add_argument("--color", default="q", choices=COLOURS,
                   help="colour minima by Q to the lowest minimum, basin size, energy, or not (default q)")
    p.add_argument("--stride", type=positive_int("--stride"), default=1,
                   help="use every K-th frame of each replica (--from; quenching costs ~7 ms per distinct "
                        "state of a 48-mer on one thread, ~4 ms on two)")
    p.add_argument("--n-lowest", type=positive_int("--n-lowest"), default=None, help="plot only the N lowest minima")
    p.add_argument("--threads", type=positive_int("--threads"), default=None,
                   help="numba threads for the exact landscape (default: serial unless large); Python threads "
                        "for the quench and saddle searches of --from (default: the cores); every count gives "
                        "the same result")
    p.add_argument("--force", action="store_true", help="enumerate even if estimated to take over 10 minutes")
    add_overwrite_argument(p)
    return p


def run(args) -> int:
    with claim(args, args.output, args.tree, args.plot):
        if args.space != "hp" or args.from_barriers:
            return run_space(args)
        return run_hp(args)


def run_hp(args) -> int:
    """A SEQUENCE (exact landscape) or ``--from TRAJ.h5`` (sampled landscape)."""
    for flag in ("n", "alpha", "seed", "sample", "k", "edges"):
        if getattr(args, flag) is not None:
            raise ValueError(f"--{flag} applies to --space perceptron/kmeans or --from-barriers, not to HP chains")
    if args.trajectory and args.sequence:
        raise ValueError("give a SEQUENCE (exact landscape) or --from TRAJ.h5 (sampled landscape), not both")
    if not args.trajectory and not args.sequence:
        raise ValueError("give a SEQUENCE for an exact landscape or --from TRAJ.h5 for a sampled one")
    if args.trajectory and (args.exact or args.emax is not None):
        raise ValueError("--exact and --emax apply to a SEQUENCE, not to --from")
    if args.stride < 1:
        raise ValueError("--stride must be at least 1")
    if args.stride != 1 and not args.trajectory:
        raise ValueError("--stride applies to --from TRAJ.h5")
    if args.budget < 2 or args.plateau_budget < 1:
        raise ValueError("--budget must be at least 2 and --plateau-budget at least 1")
    if not args.temperature > 0:
        raise ValueError("--temperature must be positive")
    if args.n_lowest is not None and args.n_lowest < 1:
        raise ValueError("--n-lowest must be at least 1")
    if args.tree and not (args.tree.endswith(".json") or args.tree.endswith(".graphml")):
        raise ValueError("--tree: use a .json or .graphml file name")
    if args.plot and not args.plot.lower().endswith((".png", ".svg", ".pdf")):
        raise ValueError("--plot: use a .png, .svg or .pdf file name")

    from ..landscape.graph import disconnectivity_tree, write_tree
    from ..landscape.metrics import funnel_metrics

    if args.trajectory:
        from ..landscape.sampled import sampled_landscape

        ls = sampled_landscape(args.trajectory, lattice=args.lattice, moves=args.moves, model=args.model,
                               budget=args.budget, plateau_budget=args.plateau_budget, tighten=not args.no_tighten,
                               max_pairs=args.max_pairs, stride=args.stride, threads=args.threads)
        native = ls.graph.nodes[0]["conformation"] if ls.n_minima else None
    else:
        from ..landscape.flooding import exact_landscape

        ls = exact_landscape(args.sequence, args.lattice or "square", moves=args.moves or "pull",
                             model=args.model or "HP", emax=args.emax, temperature=args.temperature,
                             threads=args.threads, force=args.force)
        native = ls.conformation(ls.minimum_state[0]) if ls.n_minima else None
    graph = ls.to_graph(native=native)
    tree = disconnectivity_tree(graph)
    metrics = funnel_metrics(tree)
    if args.output:
        from ..landscape.h5 import write_landscape

        write_landscape(args.output, ls, command_line=" ".join(sys.argv))
    if args.tree:
        write_tree(tree, args.tree)
    if args.plot:
        _plot(tree, args)
    if args.json:
        out = ls.to_dict()
        out["funnel"] = metrics.to_dict()
        print(json.dumps(out))
    else:
        print(ls.summary())
        print()
        print(format_metrics(metrics))
    return 0


def run_space(args) -> int:
    """``--space NAME`` or ``--from-barriers FILE``: flood a generic space."""
    if args.space != "hp" and args.from_barriers:
        raise ValueError("give --space or --from-barriers, not both")
    if args.sequence or args.trajectory:
        raise ValueError("a SEQUENCE or --from TRAJ.h5 is for HP chains; not with --space/--from-barriers")
    for flag in ("lattice", "moves", "model", "emax"):
        if getattr(args, flag) is not None:
            raise ValueError(f"--{flag} applies to HP chains")
    if args.radius < 0:
        raise ValueError("--radius must be >= 0")
    if not args.temperature > 0:
        raise ValueError("--temperature must be positive")
    if args.plot and not args.plot.lower().endswith((".png", ".svg", ".pdf")):
        raise ValueError("--plot: use a .png, .svg or .pdf file name")
    if args.output:
        raise ValueError("-o: HDF5 output is for HP landscapes; use --json or --tree for other spaces")
    from ..landscape.core import flood
    from ..landscape.graph import disconnectivity_tree, write_tree
    from ..landscape.metrics import funnel_metrics
    from ..landscape.minima import minimum_properties

    if args.from_barriers:
        if any(getattr(args, f) is not None for f in ("n", "alpha", "seed", "sample", "k")):
            raise ValueError("--n/--alpha/--seed/--sample/--k describe a --space, not a file")
        from ..spaces.from_file import read_barriers_file

        space = read_barriers_file(args.from_barriers, args.edges)
    else:
        if args.edges:
            raise ValueError("--edges applies to --from-barriers")
        from ..spaces.registry import make_space

        space = make_space(args.space, n=args.n, alpha=args.alpha, seed=args.seed, sample=args.sample, k=args.k,
                           force=args.force)
    ls = flood(space, threads=args.threads, temperature=args.temperature)
    props = minimum_properties(ls, radius=args.radius, delta=args.delta)
    tree = disconnectivity_tree(ls.to_graph())
    metrics = funnel_metrics(tree)
    if args.tree:
        write_tree(tree, args.tree)
    if args.plot:
        _plot(tree, args)
    if args.json:
        out = ls.to_dict()
        for m, rec in enumerate(out["minima"]):
            for key in ("local_entropy", "test_error"):
                if key in props:
                    rec[key] = round(float(props[key][m]), 6)
        out["funnel"] = metrics.to_dict()
        print(json.dumps(out))
    else:
        print(ls.summary())
        print()
        print(format_metrics(metrics))
    return 0


def format_metrics(m) -> str:
    """Readable lines for :class:`~hpfold.landscape.metrics.FunnelMetrics`."""
    def pct(x):
        return "-" if x is None else f"{100 * x:.1f}%"

    hist = ", ".join(f"{b}: {c}" for b, c in m.barrier_histogram().items()) or "-"
    return "\n".join([
        f"funnel      {m.classification}; {m.n_minima} minima ({m.n_global} at E = {m.global_energy})",
        f"drainage    {pct(m.drain_fraction)} of conformations ({pct(m.drain_fraction_classes)} of classes) "
        "descend into a global minimum",
        f"barriers    to the global minimum (barrier: minima): {hist}",
        f"shape       {m.funnelled_fraction:.2f} of minima drain straight into the global branch; "
        f"median downhill barrier / energy gained {m.downhill_ratio:.2f}",
    ])


def _plot(tree, args):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from ..io._safe import atomic_path
    from ..plot.disconnectivity import plot_disconnectivity

    colour = {"q": "q", "basin": "basin_size", "energy": "energy", "none": None}[args.color]
    if colour == "q" and not any("q" in d for _, d in tree.nodes(data=True)):
        colour = "basin_size"  # no native overlap outside HP chains
    if colour == "basin_size" and not any("basin_size" in d for _, d in tree.nodes(data=True)):
        colour = "visits"
    fig, ax = plt.subplots(figsize=(8, 5.5))
    plot_disconnectivity(tree, ax=ax, color_by=colour, n_lowest=args.n_lowest,
                         log_color=colour in ("basin_size", "visits"))
    if "sequence" in tree.graph:
        title = (f"{tree.graph['sequence']}  ({tree.graph.get('lattice', '')}, {tree.graph.get('moves', '')} "
                 "moves)")
    else:
        skip = ("space", "symmetry", "exact", "n_states", "n_edges", "n_components", "temperature", "roots",
                "integer", "binned")
        params = ", ".join(f"{k}={v}" for k, v in tree.graph.items() if k not in skip and v is not None)
        title = f"{tree.graph.get('space', '')}  ({params})"
    ax.set_title(title, fontsize=9)
    try:
        with atomic_path(args.plot) as tmp:
            fig.savefig(tmp, dpi=150, bbox_inches="tight")
    finally:
        plt.close(fig)
