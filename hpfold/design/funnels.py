"""Funnels across sequence space: landscape, thermodynamics and kinetics of designing and random sequences.

:func:`funnel_survey` takes the designing sequences of one length (from an exhaustive
:func:`~hpfold.design.designability` scan) and, as controls, seeded shuffles of their letters
(same length and composition), and measures per sequence the exact funnel metrics, the energy
gap and spread of the density of states, a folding temperature and a mean first-passage time.
"""
from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass, field

import numpy as np

__all__ = ["FunnelRow", "FunnelSurvey", "funnel_survey", "sequence_metrics", "pick_sequences",
           "folding_temperature", "METRICS"]

#: the per-sequence numbers compared between designing and random sequences (name, label)
METRICS = (("drain_fraction", "drain fraction"), ("n_minima", "local minima"),
           ("energy_gap", "energy gap E1 - E0"), ("z_score", "stability gap (<E> - E0) / sd(E)"),
           ("folding_temperature", "folding temperature T_f"), ("mfpt", "MFPT (move attempts)"))


@dataclass
class FunnelRow:
    """The measurements of one sequence (see :func:`funnel_survey` for the definitions)."""

    sequence: str
    kind: str                 # "designing" or "random"
    partner: str              # the designing sequence whose letters were shuffled (itself if designing)
    designing: bool           # unique ground state in the scan
    structure: int            # index of the unique ground contact map in the scan, -1 if none
    designability: int        # sequences choosing that structure (0 if not designing)
    ground_energy: int
    ground_classes: int       # symmetry classes at the ground energy
    n_states: int
    n_minima: int
    drain_fraction: float
    classification: str
    energy_gap: float
    z_score: float
    folding_temperature: float
    cv_peak_temperature: float
    mfpt: float
    mfpt_temperature: float


@dataclass(eq=False)
class FunnelSurvey:
    """Per-sequence rows of a :func:`funnel_survey`, designing sequences first."""

    n: int
    lattice: str
    seed: int
    mfpt_temperature: float
    n_designing_total: int
    rows: list = field(default_factory=list)
    seconds: float = 0.0

    def column(self, name: str, kind: str | None = None) -> np.ndarray:
        """One metric for the rows of ``kind`` (``"designing"``, ``"random"`` or all)."""
        return np.array([getattr(r, name) for r in self.rows if kind is None or r.kind == kind])

    def medians(self) -> dict:
        """``{metric: {"designing": median, "random": median}}`` for every name of :data:`METRICS` (NaN left out)."""
        return {name: {kind: float(np.nanmedian(self.column(name, kind).astype(float)))
                       for kind in ("designing", "random")} for name, _ in METRICS}

    @classmethod
    def from_dict(cls, d: dict) -> "FunnelSurvey":
        """The survey back from :meth:`to_dict` (e.g. a saved JSON file)."""
        rows = [FunnelRow(**{k: math.nan if v is None else v for k, v in r.items()}) for r in d["rows"]]
        return cls(d["n_monomers"], d["lattice"], d["seed"], d["mfpt_temperature"], d["n_designing_total"], rows,
                   d.get("seconds", 0.0))

    def to_dict(self) -> dict:
        """JSON-ready: parameters, the medians and every row (NaN as None)."""
        return {"n_monomers": self.n, "lattice": self.lattice, "seed": self.seed,
                "mfpt_temperature": self.mfpt_temperature, "n_designing_total": self.n_designing_total,
                "n_rows": len(self.rows), "medians": self.medians(), "seconds": round(self.seconds, 3),
                "rows": [{k: _json(v) for k, v in asdict(r).items()} for r in self.rows]}


def _json(value):
    return None if isinstance(value, float) and math.isnan(value) else value


def folding_temperature(energies, ln_g, lo: float = 0.01, hi: float = 20.0) -> float:
    """The temperature at which the lowest energy level holds half the population (k_B = 1).

    Bisection on log T of :func:`hpfold.thermo.canonical_curves`'s ``p_native``, which falls
    monotonically with T; NaN when 1/2 is not crossed inside ``[lo, hi]``.
    """
    from ..thermo import canonical_curves

    def p(t):
        return float(canonical_curves(energies, ln_g, [t])["p_native"][0])

    if not (p(lo) > 0.5 > p(hi)):
        return math.nan
    a, b = math.log(lo), math.log(hi)
    for _ in range(60):
        mid = 0.5 * (a + b)
        a, b = (mid, b) if p(math.exp(mid)) > 0.5 else (a, mid)
    return math.exp(0.5 * (a + b))


def _dos_numbers(energies, weights) -> dict:
    """Gap, stability z-score, T_f and the C_v peak of the exact density of states of one chain."""
    from ..thermo import heat_capacity_peaks

    levels, index = np.unique(energies, return_inverse=True)
    g = np.bincount(index, weights=weights).astype(np.float64)
    ln_g = np.log(g)
    mean = float(g @ levels / g.sum())
    sd = float(np.sqrt(g @ (levels - mean) ** 2 / g.sum()))
    peaks = heat_capacity_peaks(levels, ln_g)
    return {"energy_gap": float(levels[1] - levels[0]) if len(levels) > 1 else math.nan,
            "z_score": (mean - float(levels[0])) / sd if sd > 0 else math.nan,
            "folding_temperature": folding_temperature(levels, ln_g),
            "cv_peak_temperature": max(peaks, key=lambda c: c.height).temperature if peaks else math.nan}


def sequence_metrics(sequence: str, lattice: str = "square", mfpt_temperature: float = 0.3) -> dict:
    """The exact measurements of one sequence: funnel metrics (pull moves), density of states, MFPT.

    Returns a dict with the physics fields of :class:`FunnelRow`.  The MFPT is the mean number of
    Metropolis pull-move attempts, at ``mfpt_temperature``, from a uniformly random conformation
    to the lowest energy level.
    """
    from ..kinetics import master_equation
    from ..landscape import flood, funnel_metrics
    from ..spaces import HPSpace

    space = HPSpace.from_sequence(sequence, lattice, "pull")
    metrics = funnel_metrics(flood(space, progress=False))
    graph = space.state_graph()
    mfpt = master_equation(space, float(mfpt_temperature), graph=graph).mean_first_passage("ground", "uniform")
    ground = space.energies == space.energies.min()
    out = {"ground_energy": int(space.energies.min()), "ground_classes": int(np.count_nonzero(ground)),
           "n_states": len(space), "n_minima": int(metrics.n_minima),
           "drain_fraction": float(metrics.drain_fraction), "classification": metrics.classification,
           "mfpt": float(mfpt), "mfpt_temperature": float(mfpt_temperature)}
    out.update(_dos_numbers(space.energies, space.weights))
    return out


def pick_sequences(scan, n_designing=None, n_random=None, seed=0) -> list:
    """The sequences of a survey: ``[(sequence, kind, partner), ...]``, designing ones first.

    ``n_designing`` designing sequences are drawn without replacement (all when None or more than
    there are), then ``n_random`` of them (default all) get a partner: a shuffle of their letters
    seeded by ``(seed, code of the designing sequence)``, so that a partner does not depend on
    which other sequences were drawn.  Shuffles whose H can never touch (ground energy 0, a flat
    landscape with every conformation "native") are drawn again from the same generator.
    """
    from .scan import decode_sequence

    codes = scan.designing_codes
    rng = np.random.default_rng(seed)
    if n_designing is not None and int(n_designing) < len(codes):
        codes = np.sort(rng.choice(codes, int(n_designing), replace=False))
    partners = codes
    if n_random is not None:
        if not 0 <= int(n_random) <= len(codes):
            raise ValueError(f"n_random must lie in 0 .. {len(codes)} (one shuffle per designing sequence)")
        partners = np.sort(rng.choice(codes, int(n_random), replace=False))
    items = [(decode_sequence(c, scan.n), "designing", decode_sequence(c, scan.n)) for c in codes]
    for c in partners:
        items.append((_shuffle(scan, int(c), int(seed)), "random", decode_sequence(c, scan.n)))
    return items


def _shuffle(scan, code: int, seed: int, tries: int = 1000) -> str:
    """A seeded shuffle of the letters of ``code`` that can make at least one HH contact."""
    from .scan import decode_sequence, encode_sequence

    letters = list(decode_sequence(code, scan.n))
    rng = np.random.default_rng([seed, code])
    for _ in range(tries):
        shuffled = "".join(rng.permutation(letters))
        if scan.ground_energy[encode_sequence(shuffled)] < 0:
            return shuffled
    raise ValueError(f"no shuffle of {''.join(letters)} with an HH contact in {tries} tries")


def _measure(lattice, mfpt_temperature, item):
    sequence, kind, partner, structure, designability = item
    return FunnelRow(sequence=sequence, kind=kind, partner=partner, designing=structure >= 0, structure=structure,
                     designability=designability, **sequence_metrics(sequence, lattice, mfpt_temperature))


def funnel_survey(n=14, lattice="square", *, n_designing=20, n_random=None, seed=0, mfpt_temperature=0.3,
                  workers=None, progress=None, scan=None) -> FunnelSurvey:
    """Funnel quality of designing sequences against shuffled sequences of the same composition.

    Parameters
    ----------
    n : int
        Chain length (every sequence of the survey has it).
    lattice : str
    n_designing : int or None
        Designing sequences drawn (seeded, without replacement) from the scan; None: all of them.
    n_random : int or None
        Shuffled controls, one per designing sequence drawn (default: one for each).
    seed : int
        Seeds the draw and, with each designing sequence's code, its shuffle.
    mfpt_temperature : float
        Temperature of the mean first-passage times (k_B = 1, contact energy 1).
    workers : int, optional
        Processes for the per-sequence work (:func:`hpfold.parallel.get_executor`); the rows do
        not depend on it.
    progress : callable, optional
        ``progress(done, total)`` after each sequence.
    scan : DesignabilityResult, optional
        The scan of all 2^N sequences, if already computed.

    Returns
    -------
    FunnelSurvey
        Rows: sequence, kind, partner, designing (a shuffle may be designing too), structure,
        designability, ground energy and classes, states, minima, drain fraction, palm / banyan /
        willow class, energy gap E1 - E0, stability z-score (<E> - E0) / sd(E) over all
        conformations, folding temperature T_f (the lowest level holds half the population),
        C_v peak temperature, MFPT from a random conformation to the lowest level.

    Examples
    --------
    >>> s = funnel_survey(10, n_designing=2, seed=1)
    >>> [r.kind for r in s.rows], sorted(s.rows[0].sequence) == sorted(s.rows[2].sequence)
    (['designing', 'designing', 'random', 'random'], True)

    Notes
    -----
    Designing sequences (a unique ground state) and the designability of their structures after
    Li, Helling, Tang & Wingreen, Science 273, 666 (1996), who found the highly designable
    structures to have the largest energy gaps.  Cost per sequence: one exact enumeration, one
    flood and one sparse MFPT solve over the c_{N-1}/|G| symmetry classes (about 5 s for a
    square 14-mer, 0.5 s for a 12-mer), plus the 2^N scan once.
    """
    from ..parallel import get_executor
    from .designability import designability
    from .scan import encode_sequence

    t0 = time.perf_counter()
    scan = designability(int(n), lattice) if scan is None else scan
    items = []
    for seq, kind, partner in pick_sequences(scan, n_designing, n_random, seed):
        m = int(scan.structure[encode_sequence(seq)])
        items.append((seq, kind, partner, m, int(scan.designability[m]) if m >= 0 else 0))
    rows = [None] * len(items)
    with get_executor(workers) as ex:
        for done, (i, row) in enumerate(ex.map_unordered(_measure, items, shared=(lattice, mfpt_temperature)), 1):
            rows[i] = row
            if progress is not None:
                progress(done, len(items))
    return FunnelSurvey(int(n), scan.lattice, int(seed), float(mfpt_temperature), scan.n_designing, rows,
                        time.perf_counter() - t0)
