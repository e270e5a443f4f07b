"""Judging one run: check every conformation an algorithm claims, and decide success and time to target.

Rules (see ``docs/benchmarking.md``):

* A conformation (reported or returned) must be a self-avoiding walk of the right length on
  the right lattice; its energy is recomputed from scratch.  A reported conformation whose
  recomputed energy differs from the energy reported with it is an invalid claim.
* A reported energy without a conformation is provisional: it stands if a valid conformation
  at least as good is reported or returned; if the algorithm returns normally and none is,
  the claim is invalid.  (If the run is killed, it is merely unverified.)
* Only what happens within ``budget.seconds`` on the harness clock counts.  The time to
  target is the first such moment with a verified energy <= target.
* A run with any invalid claim is never a success.
"""
from __future__ import annotations

import numpy as np

__all__ = ["check_conformation", "judge_run"]

#: at most this many trace points are stored per run (improvements are kept first)
MAX_TRACE = 400


def check_conformation(conf, sequence: str, lattice: str):
    """``(energy, None)`` for a valid conformation, or ``(None, reason)``.

    ``conf`` is a direction string or an integer coordinate array (N, dim).

    Examples
    --------
    >>> check_conformation("012", "HPPH", "square")
    (-1, None)
    >>> check_conformation("0123", "HPPHP", "square")[1]
    'not self-avoiding: monomers 0 and 4 are both at (0, 0)'
    """
    from ..conformation import Conformation

    n = len(sequence)
    if conf is None:
        return None, "no conformation"
    if isinstance(conf, dict):
        return None, f"unreadable conformation ({conf.get('unreadable', '?')})"
    try:
        if isinstance(conf, str):
            if len(conf) != n - 1:
                return None, f"direction string has {len(conf)} steps, expected {n - 1}"
            c = Conformation(conf, lattice, validate=False)
        else:
            coords = np.asarray(conf)
            if coords.ndim != 2 or len(coords) != n:
                return None, f"coordinates of shape {coords.shape}, expected ({n}, dim)"
            c = Conformation.from_coords(coords, lattice, validate=False)
        if not c.is_valid:
            try:
                c.validate()
            except ValueError as exc:
                return None, str(exc).replace("conformation is ", "")
        return c.energy(sequence), None
    except ValueError as exc:
        return None, str(exc)


def judge_run(trial: dict, outcome: str, events: list, seconds: float) -> dict:
    """Turn a trial's outcome and messages into its result record (a JSON-ready dict).

    Parameters
    ----------
    trial : dict
        The trial as sent to the child (``sequence``, ``lattice``, ``budget_seconds``, ``target``, ...).
    outcome : {"done", "error", "overrun", "crashed"}
    events : list of dict
        The child's ``report`` / ``done`` / ``error`` / ``warm`` messages in order.
    seconds : float
        Wall time of the run on the parent clock.

    Returns
    -------
    dict
        The trial fields plus ``status, success, seconds_to_target, evaluations_to_target,
        cpu_seconds_to_target, best_energy, best_conformation, invalid_claims, invalid_reasons,
        unverified_claims, evaluations, seconds, cpu_seconds, warmup_seconds, error, trace``.
    """
    seq, lattice = trial["sequence"], trial["lattice"]
    limit = float(trial["budget_seconds"])
    target = trial.get("target")
    invalid, points, trace = [], [], []
    provisional = []  # (t, evaluations, claimed energy, cpu) reported without a conformation
    confs = []  # (energy, conformation) of every valid conformation seen
    verified_best = None
    best_conf = None
    evaluations = 0
    error = None
    warmup = 0.0
    returned = False
    cpu_total = None  # CPU seconds of the child at its last message

    def consider(t, evals, energy, conf, cpu):
        nonlocal verified_best, best_conf
        points.append((t, evals, energy, cpu))
        confs.append((energy, conf if isinstance(conf, str) else _as_list(conf)))
        if t <= limit and (verified_best is None or energy < verified_best):
            verified_best = energy
            best_conf = conf if isinstance(conf, str) else _as_list(conf)

    for ev in events:
        kind = ev.get("kind")
        if kind == "warm":
            warmup = float(ev.get("seconds", 0.0))
        elif kind == "report":
            t, evals, claim, conf = ev["t"], ev.get("evaluations", 0), ev.get("energy"), ev.get("conformation")
            evaluations = max(evaluations, int(evals or 0))
            cpu_total = ev.get("cpu", cpu_total)
            true_energy = None
            if conf is not None:
                true_energy, reason = check_conformation(conf, seq, lattice)
                if reason is not None:
                    invalid.append(f"t={t:.3g}s: reported conformation invalid: {reason}")
                elif claim is not None and true_energy != claim:
                    invalid.append(f"t={t:.3g}s: claimed E={claim}, recomputed E={true_energy}")
                else:
                    consider(t, evals, true_energy, conf, ev.get("cpu"))
            elif claim is not None:
                provisional.append((t, evals, claim, ev.get("cpu")))
            trace.append([round(t, 6), int(evals or 0), claim, true_energy])
        elif kind == "done":
            returned = True
            evaluations = max(evaluations, int(ev.get("evaluations") or 0))
            cpu_total = ev.get("cpu", cpu_total)
            true_energy, reason = check_conformation(ev.get("conformation"), seq, lattice)
            if reason is not None:
                invalid.append(f"returned conformation invalid: {reason}")
            else:
                consider(ev["t"], evaluations, true_energy, ev.get("conformation"), ev.get("cpu"))
            trace.append([round(ev["t"], 6), evaluations, None, true_energy])
        elif kind == "error":
            error = ev.get("message", "error")
            evaluations = max(evaluations, int(ev.get("evaluations") or 0))
            cpu_total = ev.get("cpu", cpu_total)
    # provisional claims: substantiated by any valid conformation at least as good
    best_seen = min((p[2] for p in points), default=None)
    unverified = 0
    for t, evals, claim, cpu in provisional:
        if best_seen is not None and best_seen <= claim:
            points.append((t, evals, claim, cpu))
            if t <= limit and (verified_best is None or claim < verified_best):
                verified_best = claim
                best_conf = None
        elif returned:
            invalid.append(f"t={t:.3g}s: claimed E={claim}, but no conformation that good was returned")
        else:
            unverified += 1
    if verified_best is not None and best_conf is None:  # the best came from a substantiated claim:
        best_conf = min(confs, key=lambda ec: ec[0])[1]  # store the conformation that substantiates it
    hits = sorted((p for p in points if p[0] <= limit and target is not None and p[2] <= target),
                  key=lambda p: p[0])
    ttt, ett, ctt = (hits[0][0], int(hits[0][1]), hits[0][3]) if hits else (None, None, None)
    status = {"done": "ok", "error": "error", "overrun": "overrun", "crashed": "crashed"}[outcome]
    if outcome == "crashed" and error is None:
        error = "the child process died"
    record = dict(trial)
    record.update({
        "status": status,
        "success": bool(ttt is not None and not invalid),
        "seconds_to_target": ttt,
        "evaluations_to_target": ett,
        "cpu_seconds_to_target": None if ctt is None else round(float(ctt), 6),
        "best_energy": verified_best,
        "best_conformation": best_conf,
        "invalid_claims": len(invalid),
        "invalid_reasons": invalid[:20],
        "unverified_claims": unverified,
        "evaluations": evaluations,
        "seconds": round(float(seconds), 6),
        "cpu_seconds": None if cpu_total is None else round(float(cpu_total), 6),
        "warmup_seconds": round(warmup, 6),
        "error": error,
        "trace": _thin(trace),
    })
    return record


def _as_list(conf):
    return None if conf is None else np.asarray(conf).tolist()


def _thin(trace):
    if len(trace) <= MAX_TRACE:
        return trace
    step = len(trace) / MAX_TRACE
    return [trace[int(i * step)] for i in range(MAX_TRACE - 1)] + [trace[-1]]
