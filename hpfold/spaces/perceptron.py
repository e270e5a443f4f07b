"""The binary (Ising) perceptron, teacher-student: every weight vector in {-1, +1}^N, exactly."""
from __future__ import annotations

import math

import numpy as np

from .._resources import available_memory as _available_memory
from .base import KeySpace

__all__ = ["PerceptronSpace", "MAX_WEIGHTS", "perceptron_memory"]

#: the enumeration is refused above this many weights, whatever the memory
MAX_WEIGHTS = 30
#: bytes per weight vector: keys, energies, weights, level_stop, rank, test error and the flooding's six arrays
BYTES_PER_STATE = 8 * 12
#: fixed-point scale of the Gaussian patterns (integer fields are exact; ties have probability ~1e-5 per field)
SCALE = 1 << 20


def perceptron_memory(n: int) -> int:
    """Estimated peak bytes of the landscape of an N-weight perceptron."""
    return BYTES_PER_STATE * (1 << n)


class PerceptronSpace(KeySpace):
    """Teacher-student binary perceptron: N weights in {-1, +1}, P = round(alpha N) Gaussian patterns.

    A random teacher ``w*`` labels the patterns, ``y = sign(x . w*)``; the energy (training loss)
    of a student ``w`` is the number of training patterns it misclassifies; a move flips one
    weight.  Every one of the 2^N weight vectors is a state (key bit i set = ``w_i = +1``).

    Parameters
    ----------
    n : int
        Weights (2 .. 30, and as many as fit in memory: about 96 bytes per weight vector).
    alpha : float
        Patterns per weight (> 0).
    seed : int
        Draws the teacher and, with ``sample``, the training set.
    sample : int
        Which training set: the same teacher with ``sample = 0, 1, 2, ...`` gives independent
        training sets of the same size (to see which minima survive resampling).

    Attributes
    ----------
    teacher : uint64
        The teacher's key (a ground state: energy 0).
    patterns : int64 array [P, N]
        The training patterns (Gaussian, in fixed point: ``round(x * 2^20)``).
    labels : int64 array [P]

    Examples
    --------
    >>> space = PerceptronSpace(10, alpha=0.6, seed=1)
    >>> len(space), space.n_patterns, int(space.energies[0]), bool(space.index_of(space.teacher) < space.level_bounds[1])
    (1024, 6, 0, True)

    Notes
    -----
    Gardner & Derrida, J. Phys. A 22, 1983 (1989) (the binary perceptron's teacher-student
    capacity); Baldassi, Ingrosso, Lucibello, Saglietti & Zecchina, PRL 115, 128101 (2015) (rare
    wide flat minima).  Symmetry: none (the global flip ``w -> -w`` maps E to P - E, not to E).
    The test error of a student on fresh Gaussian patterns is exactly ``arccos(R) / pi`` with
    ``R = w . w* / N`` (the infinite test set).  Cost: O(2^N P) for the energies (Gray code),
    O(2^N N) for the flooding; memory about 96 bytes per weight vector.
    """

    def __init__(self, n, alpha=0.6, seed=0, *, sample=0, force=False):
        from .._kernels import perceptron as KP

        n = _check_int(n, "n")
        alpha = float(alpha)
        if not (math.isfinite(alpha) and alpha > 0):
            raise ValueError(f"perceptron: alpha must be positive, got {alpha:g}")
        if n < 2:
            raise ValueError(f"perceptron: n must be at least 2, got {n}")
        if n > MAX_WEIGHTS:
            raise ValueError(f"perceptron: n = {n} would mean 2^{n} weight vectors; at most {MAX_WEIGHTS}")
        need, have = perceptron_memory(n), _available_memory()
        if need > have and not force:
            raise ValueError(f"perceptron: n = {n} needs about {need / 2 ** 30:.1f} GiB, "
                             f"{have / 2 ** 30:.1f} GiB are available (n <= {_largest_fitting(have)} fits)")
        seed = _check_int(seed, "seed")
        sample = _check_int(sample, "sample")
        p = max(1, int(round(alpha * n)))
        teacher_rng = np.random.default_rng([seed, 0])
        teacher = teacher_rng.integers(0, 2, size=n)
        self.teacher = np.uint64(int(sum(int(b) << i for i, b in enumerate(teacher))))
        self.teacher_weights = 2 * teacher.astype(np.int64) - 1
        self.n_weights, self.alpha, self.seed, self.sample = n, alpha, seed, sample
        self.patterns, self.labels = self.draw_patterns(p, np.random.default_rng([seed, 1, sample]))
        energies = KP.training_errors(self.patterns, self.labels)
        order = np.argsort(energies, kind="stable")  # keys are 0 .. 2^N - 1: (energy, key) order
        super().__init__("perceptron", order.astype(np.uint64), energies[order], KP.bit_flips, n, params=[n],
                         symmetry="none (w -> -w maps E to P - E)", presorted=True,
                         parameters={"n": n, "alpha": alpha, "patterns": p, "seed": seed, "sample": sample})
        self._labeller = self._weights_string

    @property
    def n_patterns(self) -> int:
        return len(self.labels)

    def draw_patterns(self, count, rng):
        """``count`` Gaussian patterns (fixed point) labelled by the teacher (``sign(0) = +1``)."""
        x = np.round(rng.standard_normal((count, self.n_weights)) * SCALE).astype(np.int64)
        y = np.where(x @ self.teacher_weights >= 0, 1, -1).astype(np.int64)
        return x, y

    def weights_of(self, state) -> np.ndarray:
        """The weight vector (int64 in {-1, +1}) of a state."""
        key = int(self.keys[state])
        return np.array([1 if key >> i & 1 else -1 for i in range(self.n_weights)], dtype=np.int64)

    def _weights_string(self, key) -> str:
        return "".join("+" if key >> i & 1 else "-" for i in range(self.n_weights))

    def overlap(self, states=None) -> np.ndarray:
        """``R = w . w* / N`` of the given states (default all)."""
        from .._kernels import perceptron as KP

        keys = self.keys if states is None else self.keys[np.asarray(states, dtype=np.int64)]
        return KP.hamming_overlaps(keys, self.teacher, self.n_weights) / self.n_weights

    def test_error(self, states=None) -> np.ndarray:
        """Generalisation error on fresh patterns from the teacher: ``arccos(R) / pi`` (exact, infinite test set)."""
        return np.arccos(np.clip(self.overlap(states), -1.0, 1.0)) / np.pi

    def test_error_sampled(self, states, n_patterns=10000, seed=None) -> np.ndarray:
        """Error fraction on ``n_patterns`` fresh patterns (a finite test set; checks :meth:`test_error`)."""
        from .._kernels import perceptron as KP

        rng = np.random.default_rng([self.seed, 2] if seed is None else seed)
        x, y = self.draw_patterns(int(n_patterns), rng)
        keys = self.keys[np.asarray(states, dtype=np.int64)]
        return KP.errors_on(x, y, keys) / float(n_patterns)

    def resampled(self, sample):
        """The same teacher with another training set of the same size."""
        return PerceptronSpace(self.n_weights, self.alpha, self.seed, sample=sample, force=True)


def _largest_fitting(have):
    n = 2
    while n < MAX_WEIGHTS and perceptron_memory(n + 1) <= have:
        n += 1
    return n


def _check_int(value, name):
    if isinstance(value, bool) or not float(value).is_integer():
        raise ValueError(f"perceptron: {name} must be an integer, got {value!r}")
    value = int(value)
    if value < 0:
        raise ValueError(f"perceptron: {name} must be non-negative, got {value}")
    return value
