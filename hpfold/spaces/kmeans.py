"""K-means partitions of a small point set: every partition into at most K clusters, exactly."""
from __future__ import annotations

import math

import numpy as np
from numba import njit

from .base import KeySpace

__all__ = ["KMeansSpace", "blob_points"]

#: refuse partitions spaces above this many states (the enumeration itself is cheap; memory is not)
MAX_STATES = 50_000_000


@njit(cache=True, inline="always")
def _canonical(labels, m, k):
    """Relabel an assignment by order of first appearance (a restricted growth string); its base-k key."""
    remap = np.full(k, -1, dtype=np.int64)
    nxt = 0
    key = np.uint64(0)
    scale = np.uint64(1)
    for i in range(m):
        c = labels[i]
        if remap[c] < 0:
            remap[c] = nxt
            nxt += 1
        key += np.uint64(remap[c]) * scale
        scale *= np.uint64(k)
    return key


@njit(cache=True)
def reassignments(key, params, out):
    """Neighbours of a partition: move one point to another (possibly empty) cluster; ``params = [m, k]``."""
    m, k = params[0], params[1]
    labels = np.empty(m, dtype=np.int64)
    x = key
    for i in range(m):
        labels[i] = np.int64(x % np.uint64(k))
        x //= np.uint64(k)
    cnt = 0
    for i in range(m):
        own = labels[i]
        for c in range(k):
            if c != own:
                labels[i] = c
                out[cnt] = _canonical(labels, m, k)
                cnt += 1
        labels[i] = own
    return cnt


@njit(cache=True)
def _all_partitions(m, k, total):
    """Every restricted growth string of length m with values < k: keys, labels [S, m]."""
    labels = np.zeros((total, m), dtype=np.int64)
    keys = np.empty(total, dtype=np.uint64)
    cur = np.zeros(m, dtype=np.int64)
    top = np.ones(m, dtype=np.int64)  # top[i] = max(cur[:i]) + 1 (labels allowed at i: 0 .. min(top, k-1))
    s = 0
    i = m - 1
    # iterate in lexicographic order of the string
    while True:
        labels[s] = cur
        key = np.uint64(0)
        scale = np.uint64(1)
        for j in range(m):
            key += np.uint64(cur[j]) * scale
            scale *= np.uint64(k)
        keys[s] = key
        s += 1
        # next string: the rightmost position that can grow
        i = m - 1
        while i > 0:
            limit = min(top[i], k - 1)
            if cur[i] < limit:
                break
            i -= 1
        if i == 0:
            break
        cur[i] += 1
        for j in range(i + 1, m):
            cur[j] = 0
            top[j] = max(top[j - 1], cur[j - 1] + 1)
    return keys[:s], labels[:s]


def _count_partitions(m, k):
    """Partitions of m points into at most k blocks: sum of Stirling numbers S(m, j), j <= k."""
    s = [[0] * (k + 1) for _ in range(m + 1)]
    s[0][0] = 1
    for i in range(1, m + 1):
        for j in range(1, k + 1):
            s[i][j] = j * s[i - 1][j] + s[i - 1][j - 1]
    return sum(s[m][1:k + 1])


def blob_points(n_points, n_blobs=3, dim=2, spread=0.6, seed=0):
    """``n_points`` points around ``n_blobs`` Gaussian centres (a clustering problem with a known answer)."""
    rng = np.random.default_rng(seed)
    centres = rng.uniform(-3, 3, size=(n_blobs, dim))
    which = np.arange(n_points) % n_blobs
    return centres[which] + spread * rng.standard_normal((n_points, dim))


class KMeansSpace(KeySpace):
    """K-means partitions: energy = within-cluster sum of squares, move = reassign one point.

    States are the partitions of the points into at most ``k`` clusters (unlabelled: the K!
    relabellings of an assignment are one state, its weight the number of labelled
    assignments it stands for, ``k! / (k - j)!`` for ``j`` non-empty clusters).

    Parameters
    ----------
    points : float array [m, d], optional
        The points; default ``blob_points(n_points, k, seed=seed)``.
    k : int
        Clusters (2 or more).
    n_points, seed : int
        For the default points.

    Examples
    --------
    >>> space = KMeansSpace(n_points=8, k=3, seed=1)
    >>> len(space), int(space.weights.sum()) == 3 ** 8
    (1094, True)

    Notes
    -----
    Energy as in Lloyd's k-means (S. Lloyd, IEEE Trans. Inf. Theory 28, 129 (1982)); the
    landscape of single-point reassignments is the one Lloyd's and Hartigan's local searches
    descend.  Symmetry: the K! label permutations (quotiented out).  Cost: O(S m d) for the
    energies, O(S m k) moves for the flooding, S = sum_{j <= k} S(m, j) (Stirling numbers).
    """

    def __init__(self, points=None, k=3, *, n_points=10, seed=0):
        k = int(k)
        if k < 2:
            raise ValueError(f"kmeans: k must be at least 2, got {k}")
        pts = blob_points(int(n_points), k, seed=seed) if points is None else np.asarray(points, dtype=np.float64)
        if pts.ndim != 2 or len(pts) < 2 or not np.all(np.isfinite(pts)):
            raise ValueError("kmeans: points must be a finite [m, d] array with at least two points")
        m = len(pts)
        if k ** m >= 2 ** 63:
            raise ValueError(f"kmeans: {m} points with k = {k} do not fit a 64-bit key")
        total = _count_partitions(m, k)
        if total > MAX_STATES:
            raise ValueError(f"kmeans: {m} points into <= {k} clusters is {total:,} partitions; at most "
                             f"{MAX_STATES:,}")
        keys, labels = _all_partitions(m, k, total)
        energies = np.round(_within_ss(pts, labels, k), 9)
        n_used = labels.max(axis=1) + 1
        weights = np.array([math.perm(k, int(j)) for j in range(k + 1)], dtype=np.int64)[n_used]
        self.points, self.k = pts, k
        super().__init__("kmeans", keys, energies, reassignments, m * (k - 1), params=[m, k], weights=weights,
                         symmetry=f"classes of the {k}! label permutations",
                         parameters={"points": m, "k": k, "seed": seed if points is None else None},
                         labeller=lambda key: _label_string(key, m, k))

    def labels_of(self, state) -> np.ndarray:
        """Cluster of each point (restricted growth string: clusters numbered by first point)."""
        key = int(self.keys[state])
        return np.array([(key // self.k ** i) % self.k for i in range(len(self.points))], dtype=np.int64)


def _label_string(key, m, k):
    return "".join(str((key // k ** i) % k) for i in range(m))


def _within_ss(points, labels, k):
    out = np.zeros(len(labels))
    for c in range(k):
        mask = labels == c                      # [S, m]
        cnt = mask.sum(1)
        sums = mask.astype(np.float64) @ points  # [S, d]
        sq = mask.astype(np.float64) @ (points ** 2).sum(1)
        with np.errstate(invalid="ignore", divide="ignore"):
            out += np.where(cnt > 0, sq - (sums ** 2).sum(1) / np.maximum(cnt, 1), 0.0)
    return out
