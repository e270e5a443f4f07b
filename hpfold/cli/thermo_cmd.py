"""``hpfold thermo``: thermodynamics (Z, U, C_v, F, S, P_native, C_v peaks) from a density of states."""
from __future__ import annotations

import json
import os

from . import add_overwrite_argument, claim, dos_cmd
from ._types import positive_float, positive_int


def add_parser(sub):
    p = sub.add_parser("thermo", help="thermodynamics from a density of states: C_v peaks, U, F, S, P_native",
                       description="Canonical thermodynamics from a density of states: a file written by "
                                   "'hpfold dos -o' or 'hpfold enumerate -o', or a sequence (its density of "
                                   "states is computed first, exactly by default).")
    dos_cmd.add_source_arguments(p)
    p.add_argument("--tmin", type=positive_float("--tmin"), default=None, help="lowest temperature (default 0.05)")
    p.add_argument("--tmax", type=positive_float("--tmax"), default=None,
                   help="highest temperature (default: from the levels)")
    p.add_argument("--points", type=positive_int("--points", high=10**6), default=400,
                   help="temperatures in the grid (default 400)")
    p.add_argument("--plot", metavar="FILE.png", help="save C_v(T), U(T), P_native(T) and ln g(E) to an image")
    p.add_argument("--json", action="store_true", help="print one JSON object (curves, cv_peaks, ln_g, counters)")
    add_overwrite_argument(p)
    return p


def run(args) -> int:
    with claim(args, args.plot):
        return _run(args)


def _run(args) -> int:
    from ..dos import read_dos
    from ..thermo import thermodynamics

    if os.path.exists(args.sequence) or args.sequence.lower().endswith((".h5", ".hdf5")):
        dos = read_dos(args.sequence)
    else:
        dos = dos_cmd.compute_dos(args)
    if args.points < 3:
        raise ValueError("--points must be at least 3")
    thermo = thermodynamics(dos, tmin=args.tmin, tmax=args.tmax, n=args.points)
    if args.plot:
        from ..io._safe import atomic_path
        from ..plot.thermo import plot_thermodynamics

        axes = plot_thermodynamics(thermo, dos)
        with atomic_path(args.plot) as tmp:
            axes[0, 0].figure.savefig(tmp, dpi=120)
    if args.json:
        out = thermo.to_dict()
        out["ln_g"] = [[int(e), float(v)] for e, v in zip(dos.energies, dos.ln_g)]
        out["counters"] = dict(dos.counters)
        out["normalisation"] = dos.normalisation
        print(json.dumps(out))
    else:
        print(format_thermo(thermo, dos))
    return 0


def format_thermo(thermo, dos, rows=12) -> str:
    """Peaks first, then a short table of the curves on an evenly thinned temperature grid."""
    seq = dos.sequence if len(dos.sequence) <= 64 else dos.sequence[:61] + "..."
    lines = [f"sequence      {seq}  ({dos.n_monomers} monomers, {dos.lattice} lattice)",
             f"density       {dos.method}; {len(dos.energies)} levels, lowest E = {dos.ground_energy}"]
    if thermo.peaks:
        for p in thermo.peaks:
            err = f" +- {p.temperature_err:.4f}" if p.temperature_err else ""
            lines.append(f"C_v peak      T = {p.temperature:.4f}{err}   C_v = {p.height:.4f}")
    else:
        lines.append("C_v peak      none inside the temperature range")
    lines += ["", f"{'T':>8} {'U':>10} {'C_v':>10} {'F':>12} {'S':>10} {'P_native':>10}"]
    step = max(1, len(thermo.temperatures) // rows)
    for i in range(0, len(thermo.temperatures), step):
        lines.append(f"{thermo.temperatures[i]:>8.4f} {thermo.energy[i]:>10.4f} {thermo.heat_capacity[i]:>10.4f} "
                     f"{thermo.free_energy[i]:>12.4f} {thermo.entropy[i]:>10.4f} {thermo.p_native[i]:>10.4f}")
    return "\n".join(lines)
