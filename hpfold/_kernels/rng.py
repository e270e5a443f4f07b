"""xoshiro256** random numbers held in a uint64[4] state, for the sampler's hot loop.

A numpy ``Generator`` passed into a numba kernel costs about 5 ns per ``random()``
call (a call through the bit generator's function pointer); the same draw from an
inlined xoshiro256** whose state lives in local variables costs about 1 ns.  The
sampler draws one to three numbers per move, so this is a few percent of a move.

Streams are seeded from :class:`numpy.random.SeedSequence` children (one per
replica, one for the exchange decisions), so they stay independent and
reproducible, and the four words are the whole state: a checkpoint stores them.

Notes
-----
Blackman & Vigna, "Scrambled linear pseudorandom number generators", ACM Trans.
Math. Softw. 47:36 (2021).  Period 2^256 - 1; O(1) per draw.

Examples
--------
>>> import numpy as np
>>> st = seed_state(np.random.SeedSequence(7))
>>> 0.0 <= uniform(st) < 1.0
True
"""
import numpy as np
from numba import njit

__all__ = ["seed_state", "xoshiro_next", "to_unit", "unit_times", "uniform", "draw", "below"]

_U = np.uint64
_TWO_M53 = 1.0 / 9007199254740992.0      # 2**-53


@njit(inline="always")
def _rotl(x, k):
    return (x << _U(k)) | (x >> _U(64 - k))


@njit(inline="always")
def xoshiro_next(s0, s1, s2, s3):
    """One xoshiro256** step: returns (64-bit output, new s0, s1, s2, s3)."""
    out = _rotl(s1 * _U(5), 7) * _U(9)
    t = s1 << _U(17)
    s2 ^= s0
    s3 ^= s1
    s1 ^= s2
    s0 ^= s3
    s2 ^= t
    s3 = _rotl(s3, 45)
    return out, s0, s1, s2, s3


@njit(inline="always")
def to_unit(x):
    """The top 53 bits of a 64-bit output as a float in [0, 1)."""
    return float(x >> _U(11)) * _TWO_M53


_MASK53 = (1 << 53) - 1
_NEAR53 = (1 << 53) - (1 << 11)


@njit(inline="always")
def unit_times(x, n):
    """``int(to_unit(x) * n)`` for ``0 <= n``, bit for bit, mostly in integer arithmetic.

    With ``m = x >> 11`` the float expression is ``floor(round(m n) / 2^53)``
    (``round`` to a double; the scaling by ``2^-53`` is exact).  For ``n < 2^11`` the product
    ``p = m n`` fits in 64 bits and rounding moves it by at most ``2^10``, so ``p >> 53``
    is the same unless the low 53 bits of ``p`` lie within ``2^11`` of the next multiple of
    ``2^53`` (odds ``2^-42``), where the float expression is evaluated instead.  Saves the
    int-float-int round trip (about 10 cycles) on the path from the draw to a move's first
    memory access.
    """
    m = x >> _U(11)
    if n < 2048:
        p = m * _U(n)
        if (p & _U(_MASK53)) < _U(_NEAR53):
            return np.int64(p >> _U(53))
    return np.int64(float(m) * _TWO_M53 * n)


@njit(cache=True)
def uniform(state):
    """A float in [0, 1) from the uint64[4] ``state`` (updated in place); for code off the hot path."""
    out, s0, s1, s2, s3 = xoshiro_next(state[0], state[1], state[2], state[3])
    state[0] = s0
    state[1] = s1
    state[2] = s2
    state[3] = s3
    return to_unit(out)


@njit(inline="always")
def draw(state):
    """One 64-bit output from the uint64[4] ``state`` (updated in place)."""
    out, s0, s1, s2, s3 = xoshiro_next(state[0], state[1], state[2], state[3])
    state[0] = s0
    state[1] = s1
    state[2] = s2
    state[3] = s3
    return out


@njit(inline="always")
def below(state, n):
    """A uniform integer in ``0 .. n-1`` (n < 2^53) from the uint64[4] ``state``."""
    return np.int64(to_unit(draw(state)) * n)


def seed_state(seed_sequence):
    """A uint64[4] xoshiro256** state drawn from a :class:`numpy.random.SeedSequence` (never all zero)."""
    words = seed_sequence.generate_state(4, np.uint64)
    if not words.any():             # the one state xoshiro cannot leave; 2**-256 odds
        words[0] = 1
    return words
