"""``hpfold info``: a readable summary of an hpfold HDF5 file (trajectory, enumeration or density of states)."""
from __future__ import annotations

import json


def add_parser(sub):
    p = sub.add_parser("info", help="summarise an hpfold HDF5 file (trajectory, enumeration, scan, dos or checkpoint)",
                       description="Print what an hpfold HDF5 file holds: chain, lattice, frames, replicas, "
                                   "energies, checkpoint and versions.")
    p.add_argument("file", metavar="FILE", help="an .h5 file written by hpfold sample, enumerate, dos or designability -o, "
                                              "or a dos --checkpoint file")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    return p


def run(args) -> int:
    from .._dos_checkpoint import describe_checkpoint, is_checkpoint
    from ..io.summary import describe_file

    if is_checkpoint(args.file):
        info = describe_checkpoint(args.file)
        print(json.dumps(info) if args.json else format_checkpoint(info))
        return 0
    info = describe_file(args.file)
    print(json.dumps(info) if args.json else format_info(info))
    return 0


def format_checkpoint(info: dict) -> str:
    """Format :func:`hpfold._dos_checkpoint.describe_checkpoint` as aligned text."""
    p = info["parameters"]
    total = info["total_per_run"]
    progress = ", ".join(f"{d:,}" for d in info["done"])
    rows = [("file", f"{info['path']}  ({_size(info['file_bytes'])})"),
            ("kind", f"{info['method']} checkpoint (hpfold dos --checkpoint)"),
            ("sequence", f"{p['sequence']}  ({len(p['sequence'])} monomers, {p['model']} model)"),
            ("lattice", p["lattice"]),
            ("runs", f"{len(info['done'])}, seed {p.get('seed')}"),
            ("progress", f"{progress} of {total:,} {info['unit']} per run"
             + ("  (finished)" if info["finished"] else "  (continue with --resume)")),
            ("run time", f"{sum(info['seconds']):.1f} s in total")]
    width = max(len(name) for name, _ in rows)
    return "\n".join(f"{name:<{width}}  {value}" for name, value in rows)


def format_info(info: dict) -> str:
    """Format the dict of :func:`hpfold.io.summary.describe_file` as aligned text."""
    rows = [
        ("file", f"{info['path']}  ({_size(info['file_bytes'])})"),
        ("kind", f"{info['kind']}  (hpfold format {info['format_version']}, H5MD {info['h5md_version']})"),
        ("sequence", f"{info['sequence']}  ({info['n_monomers']} monomers, {info['model']} model)"
         if info["kind"] != "designability" else f"all {info['n_sequences']:,} of {info['n_monomers']} monomers"),
        ("lattice", info["lattice"]),
    ]
    if info["kind"] == "designability":
        rows += _designability_rows(info)
    elif info["kind"] == "trajectory":
        rows += _trajectory_rows(info)
    elif info["kind"] == "dos":
        rows += _dos_rows(info)
    else:
        rows += _enumeration_rows(info)
    versions = ", ".join(f"{k} {v}" for k, v in info["versions"].items())
    rows += [("created", f"{info['created']} by {info['creator']}"), ("versions", versions)]
    if info.get("command_line"):
        rows.append(("command", info["command_line"]))
    width = max(len(name) for name, _ in rows)
    return "\n".join(f"{name:<{width}}  {value}" for name, value in rows)


def _trajectory_rows(info):
    rows = [("replicas", str(info["n_replicas"]))]
    if info["n_frames"]:
        rows.append(("frames", f"{info['n_frames']:,}  (steps {info['first_step']:,} to {info['last_step']:,})"))
    else:
        rows.append(("frames", "0"))
    if info["temperatures"] is not None:
        rows.append(("temperatures", ", ".join(f"{t:.4g}" for t in info["temperatures"])))
    rows.append(("observables", ", ".join(info["observables"]) or "none"))
    if info["best_energy"] is not None:
        rows.append(("energy range", f"{_num(info['energy_min'])} to {_num(info['energy_max'])}"))
        best = f"{_num(info['best_energy'])}  (replica {info['best_replica']}, step {info['best_step']:,})"
        rows.append(("best energy", best))
        if info["best_conformation"]:
            rows.append(("best conformation", info["best_conformation"]))
    ckpt = info["checkpoint"]
    if ckpt is None:
        rows.append(("checkpoint", "none"))
    else:
        step = "no frames" if ckpt["step"] is None else f"step {ckpt['step']:,}"
        rows.append(("checkpoint", f"after frame {ckpt['frames']:,} ({step}), written {ckpt['written']}"))
    if info["resumes"]:
        rows.append(("resumed", f"{info['resumes']} time(s)"))
    params = info.get("parameters", {})
    shown = {k: v for k, v in params.items()
             if not k.endswith("_version") and k not in ("sequence", "lattice", "model", "n_replicas",
                                                         "command_line")}
    if shown:
        rows.append(("parameters", ", ".join(f"{k}={v}" for k, v in shown.items())))
    return rows


def _designability_rows(info):
    what = f"compact {info['compact']}" if info.get("compact") else "all conformations"
    return [("structures", f"{what}: {info['n_conformation_classes']:,} classes, {info['n_contact_maps']:,} contact maps"),
            ("designing", f"{info['n_designing']:,} sequences with a unique ground state"),
            ("designable", f"{info['n_designable_structures']:,} structures (at most {info['max_designability']} "
                           "sequences each)")]


def _dos_rows(info):
    ln_g = info["ln_g"]
    rows = [("density of states", f"{info['method']}, {info['energy_levels']} levels"
                                  + (" with error estimates" if info["has_errors"] else "")),
            ("normalisation", str(info["normalisation"]))]
    if ln_g:
        rows.append(("energies", f"E = {ln_g[0][0]} to {ln_g[-1][0]}"))
        rows.append(("ln g(E)", ", ".join(f"{e}: {v:.4g}" for e, v in ln_g[:6]) + (" ..." if len(ln_g) > 6 else "")))
    if info.get("best_conformation"):
        rows.append(("best conformation", info["best_conformation"]))
    return rows


def _enumeration_rows(info):
    rows = [
        ("conformations", f"{info['n_conformations']:,}  ({info['n_classes']:,} symmetry classes)"),
        ("ground state", f"E = {info['ground_energy']}, {info['ground_count']:,} conformations "
                         f"({info['ground_classes']:,} classes)"),
        ("energy levels", f"{len(info['density_of_states'])}  "
                          f"(E = {info['density_of_states'][0][0]} to {info['density_of_states'][-1][0]})"
         if info["density_of_states"] else "0"),
    ]
    if info["ground_states"] is not None:
        shown = info["ground_states"][:5]
        more = f" ... ({len(info['ground_states'])} in all)" if len(info["ground_states"]) > 5 else ""
        rows.append(("ground states", " ".join(shown) + more))
    if info["n_stored_conformations"]:
        rows.append(("stored confs", f"{info['n_stored_conformations']:,}"))
    if info["seconds"] is not None:
        rows.append(("time", f"{info['seconds']:.3f} s on {info['threads']} thread(s)"))
    return rows


def _num(value) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _size(n_bytes: int) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n_bytes < 1024 or unit == "GiB":
            return f"{n_bytes:.0f} {unit}" if unit == "B" else f"{n_bytes:.1f} {unit}"
        n_bytes /= 1024
    return f"{n_bytes} B"
