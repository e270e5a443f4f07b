"""Brute-force reference of the sequence-space scan: every sequence enumerated on its own."""
from __future__ import annotations

import numpy as np

from hpfold.enumerate import enumerate_conformations


def brute_force_scan(n: int, lattice: str):
    """Per code (bit i = monomer i is H): ground energy, ground classes, and the ground state if unique."""
    energy = np.zeros(1 << n, dtype=np.int64)
    classes = np.zeros(1 << n, dtype=np.int64)
    ground = {}
    for code in range(1 << n):
        seq = "".join("H" if code >> i & 1 else "P" for i in range(n))
        r = enumerate_conformations(seq, lattice, threads=1)
        energy[code], classes[code] = r.ground_energy, r.ground_classes
        if r.ground_classes == 1:
            ground[code] = enumerate_conformations(seq, lattice, ground_states=True, threads=1).ground_states[0]
    return energy, classes, ground
