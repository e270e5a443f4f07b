"""Binary perceptron kernels: training errors of every weight vector (Gray code), flips, dynamics."""
import numpy as np
from numba import njit

from .rng import below as _below
from .rng import draw as _draw
from .rng import to_unit


@njit(cache=True)
def training_errors(patterns, labels):
    """Misclassified patterns of every weight vector ``w`` (key bit i set = ``w_i = +1``), int64 [2^N].

    ``patterns`` int64 [P, N] (integer-valued, so that every field is exact), ``labels`` int64 [P]
    in {-1, +1}; ``sign(0) = +1``.  Walks the weight vectors in Gray-code order, updating the P
    fields by one column per step: O(2^N P).
    """
    p, n = patterns.shape
    total = np.int64(1) << n
    out = np.empty(total, dtype=np.int64)
    field = np.zeros(p, dtype=np.int64)
    for mu in range(p):  # start at key 0: every weight -1
        s = 0
        for i in range(n):
            s -= patterns[mu, i]
        field[mu] = s
    key = np.int64(0)
    for g in range(total):
        if g > 0:
            # the bit that changes between Gray codes g-1 and g is the lowest set bit of g
            i = 0
            while not (g >> i) & 1:
                i += 1
            key ^= np.int64(1) << i
            up = (key >> i) & 1  # 1: w_i went -1 -> +1
            for mu in range(p):
                if up:
                    field[mu] += 2 * patterns[mu, i]
                else:
                    field[mu] -= 2 * patterns[mu, i]
        e = 0
        for mu in range(p):
            out_label = 1 if field[mu] >= 0 else -1
            if out_label != labels[mu]:
                e += 1
        out[key] = e
    return out


@njit(cache=True)
def bit_flips(key, params, out):
    """Neighbours of a weight vector: every single weight flip (``params[0]`` = N)."""
    n = params[0]
    for i in range(n):
        out[i] = key ^ (np.uint64(1) << np.uint64(i))
    return n


@njit(cache=True)
def hamming_overlaps(keys, teacher, n):
    """``w . w_teacher`` of every key (N minus twice the Hamming distance), int64."""
    out = np.empty(keys.shape[0], dtype=np.int64)
    for r in range(keys.shape[0]):
        x = keys[r] ^ teacher
        c = 0
        while x:
            x &= x - np.uint64(1)
            c += 1
        out[r] = n - 2 * c
    return out


@njit(cache=True)
def errors_on(patterns, labels, keys):
    """Misclassified patterns of the given weight vectors (for fresh test sets)."""
    p, n = patterns.shape
    out = np.empty(keys.shape[0], dtype=np.int64)
    for r in range(keys.shape[0]):
        e = 0
        for mu in range(p):
            s = 0
            for i in range(n):
                if (keys[r] >> np.uint64(i)) & np.uint64(1):
                    s += patterns[mu, i]
                else:
                    s -= patterns[mu, i]
            if (1 if s >= 0 else -1) != labels[mu]:
                e += 1
        out[r] = e
    return out


@njit(cache=True)
def minibatch_descent(patterns, labels, starts, batch, steps, temperature, seeds):
    """Single-flip dynamics whose acceptance uses the energy change on a fresh random mini-batch.

    Walker r starts at ``starts[r]`` with its own xoshiro256** state ``seeds[r]`` (uint64 [4]); each
    step picks a weight uniformly and ``batch`` patterns uniformly (with replacement) and accepts
    the flip with probability ``min(1, exp(-dE_batch / T))`` (T = 0: accept iff dE_batch <= 0).
    With ``batch`` = P this is plain Metropolis / zero-temperature descent on the training error,
    except that the batch is drawn with replacement.  Returns the final keys.
    """
    p, n = patterns.shape
    out = np.empty(starts.shape[0], dtype=np.uint64)
    field = np.zeros(p, dtype=np.int64)
    for r in range(starts.shape[0]):
        st = seeds[r].copy()
        key = starts[r]
        for mu in range(p):
            s = 0
            for i in range(n):
                if (key >> np.uint64(i)) & np.uint64(1):
                    s += patterns[mu, i]
                else:
                    s -= patterns[mu, i]
            field[mu] = s
        for _ in range(steps):
            i = _below(st, n)
            plus = (key >> np.uint64(i)) & np.uint64(1)
            sgn = -2 if plus else 2  # change of w_i
            de = 0
            for _b in range(batch):
                mu = _below(st, p)
                f_new = field[mu] + sgn * patterns[mu, i]
                before = (1 if field[mu] >= 0 else -1) != labels[mu]
                after = (1 if f_new >= 0 else -1) != labels[mu]
                de += np.int64(after) - np.int64(before)
            if de <= 0:
                accept = True
            elif temperature > 0:
                accept = to_unit(_draw(st)) < np.exp(-de / temperature)
            else:
                accept = False
            if accept:
                key ^= np.uint64(1) << np.uint64(i)
                for mu in range(p):
                    field[mu] += sgn * patterns[mu, i]
        out[r] = key
    return out
