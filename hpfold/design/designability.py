"""Designing sequences and designable structures: the result of a sequence-space scan, and its entry point."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from .scan import build_table, decode_sequence, encode_sequence, scan_sequence_space
from .structures import StructureTable

__all__ = ["DesignabilityResult", "designability"]


@dataclass(eq=False)
class DesignabilityResult:
    """Ground states of all 2^N HP sequences of length N on one structure table.

    Attributes
    ----------
    table : StructureTable
    ground_energy, degeneracy, structure : ndarray, shape (2^N,)
        Per code (bit ``i`` = monomer ``i`` is H): the ground-state energy, the number of
        conformation classes at it, and the index in ``table`` of the unique ground structure
        (-1 when the ground state is degenerate).
    """

    table: StructureTable = field(repr=False)
    ground_energy: np.ndarray = field(repr=False)
    degeneracy: np.ndarray = field(repr=False)
    structure: np.ndarray = field(repr=False)
    seconds: float = 0.0
    workers: int = 1

    @property
    def n(self) -> int:
        return self.table.n

    @property
    def lattice(self) -> str:
        return self.table.lattice

    @cached_property
    def designing_codes(self) -> np.ndarray:
        """Codes of the designing sequences (a unique ground state), ascending."""
        return np.nonzero(self.structure >= 0)[0]

    @property
    def n_designing(self) -> int:
        return len(self.designing_codes)

    def designing_sequences(self) -> list:
        """The designing sequences as HP strings, in code order."""
        return [decode_sequence(c, self.n) for c in self.designing_codes]

    @cached_property
    def designability(self) -> np.ndarray:
        """Per map of the table: how many sequences have it as their unique ground state."""
        return np.bincount(self.structure[self.structure >= 0], minlength=self.table.n_maps).astype(np.int64)

    def histogram(self) -> list:
        """``[[d, number of structures chosen by exactly d sequences], ...]`` for d >= 1."""
        counts = np.bincount(self.designability)
        return [[int(d), int(c)] for d, c in enumerate(counts) if d >= 1 and c]

    def top_structures(self, k: int = 10) -> list:
        """The ``k`` most designable structures: dicts with designability, conformation, contacts, energy."""
        order = np.lexsort((np.arange(self.table.n_maps), -self.designability))[:k]
        return [{"designability": int(self.designability[m]), "conformation": self.table.conformation(m),
                 "contacts": int(self.table.sizes[m]), "structure": int(m)}
                for m in order if self.designability[m] > 0]

    def lookup(self, sequence: str) -> dict:
        """Ground energy, degeneracy and (if unique) the ground conformation of one sequence."""
        if len(sequence.strip()) != self.n:
            raise ValueError(f"{sequence!r}: this scan is of {self.n}-mers")
        code = encode_sequence(sequence)
        m = int(self.structure[code])
        return {"sequence": decode_sequence(code, self.n), "ground_energy": int(self.ground_energy[code]),
                "degeneracy": int(self.degeneracy[code]),
                "ground_state": self.table.conformation(m) if m >= 0 else None}

    def to_dict(self, top: int = 10, sequences_limit: int = 1000) -> dict:
        """The JSON summary of ``hpfold designability --json``."""
        designing = self.designing_codes
        return {
            "n_monomers": self.n, "lattice": self.lattice, "compact": self.table.compact,
            "n_sequences": int(len(self.structure)), "reverse_counted_separately": True,
            "n_conformation_classes": self.table.n_classes, "n_contact_maps": self.table.n_maps,
            "n_designing": int(len(designing)), "n_designable_structures": int(np.count_nonzero(self.designability)),
            "max_designability": int(self.designability.max(initial=0)),
            "designability_histogram": self.histogram(), "top_structures": self.top_structures(top),
            "designing_sequences": [decode_sequence(c, self.n) for c in designing[:sequences_limit]],
            "designing_sequences_truncated": bool(len(designing) > sequences_limit),
            "ground_energy_histogram": [[int(e), int(c)] for e, c in
                                        zip(*np.unique(self.ground_energy, return_counts=True))],
            "table_seconds": round(self.table.seconds, 3), "scan_seconds": round(self.seconds, 3),
            "workers": self.workers,
        }


def designability(n: int, lattice: str = "square", *, workers=None, scheduler=None, output=None, resume=False,
                  force=False, progress=None, table: StructureTable | None = None,
                  command_line=None) -> DesignabilityResult:
    """Scan all 2^N HP sequences of length N: designing sequences and the designability of structures.

    Parameters
    ----------
    n : int
        Chain length.
    lattice : {"square", "cubic", "triangular", "fcc"}
    workers : int, optional
        Local processes (default: this process only).
    scheduler : str or distributed.Client, optional
        A Dask scheduler (see :func:`hpfold.parallel.get_executor`); ``"local"`` starts a LocalCluster.
    output : path-like, optional
        HDF5 file for the result; while the scan runs, finished shards are kept in ``<output>.partial/``.
    resume : bool
        Continue the interrupted scan of ``output`` (its shards already done are kept).
    force : bool
        Run even when estimated to take over 10 minutes or to need most of the memory.
    table : StructureTable, optional
        Score against this table (e.g. :func:`hpfold.design.compact.compact_table`) instead of all conformations.
    command_line : str, optional
        Stored in the output file's ``/parameters``.

    Returns
    -------
    DesignabilityResult

    Examples
    --------
    >>> r = designability(10, "square")
    >>> r.n_designing, r.designing_sequences()[0]
    (6, 'PHPPHHPPHP')

    Notes
    -----
    Conformations are enumerated once, as symmetry classes, and reduced to their distinct contact
    maps; every sequence is then scored against the maps in order of decreasing contact number,
    stopping once no remaining map can reach the best HH count found (the energy is minus the
    number of HH contacts).  A sequence is *designing* when one class alone has the lowest energy
    (Li, Helling, Tang & Wingreen, Science 273, 666, 1996; the counting as in Irbäck & Troein,
    J. Biol. Phys. 28, 1, 2002).  Cost: O(c_{N-1}/|G|) for the table, then 2^N times the maps
    scanned per sequence (all of them for sequences with few H), W words per map.
    """
    from .checkpoint import ShardCheckpoint

    checkpoint = None if output is None else ShardCheckpoint(output, resume=resume)
    if checkpoint is not None:
        from ..lattice import get_lattice

        checkpoint.check_scan(int(n), get_lattice(lattice).name, None if table is None else table.compact)
    if table is None:
        table = build_table(int(n), lattice, force=force, progress=progress)
    energy, degeneracy, structure, seconds, used = scan_sequence_space(
        table, workers=workers, scheduler=scheduler, checkpoint=checkpoint, progress=progress, force=force)
    result = DesignabilityResult(table, energy, degeneracy, structure, seconds, used)
    if output is not None:
        from ..io.design import write_designability

        write_designability(output, result, command_line)
        checkpoint.remove()
    return result
