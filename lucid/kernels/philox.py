"""Philox4x32-10, the counter-based bit generator of Random123.

Salmon, Moraes, Dror and Shaw, "Parallel Random Numbers: As Easy as 1, 2, 3"
(SC11). A block maps a 128-bit counter ``(c0, c1, c2, c3)`` and a 64-bit key
``(k0, k1)`` to four 32-bit words through ten rounds of two 32x32->64-bit
multiplies, with a Weyl sequence bumping the key between rounds.

Words travel in ``uint64`` lanes whose upper halves are zero. A 32x32->64
multiply of two such lanes is then one ``vpmuludq`` per four lanes on AVX2,
with no shuffles, and the round is plain shifts, masks and xors.
"""

import numpy as np
from numba import njit

U64 = np.uint64
MASK32 = U64(0xFFFFFFFF)
SHIFT32 = U64(32)
# Round multipliers and Weyl key increments (Random123, Philox4x32 defaults).
PHILOX_M0 = U64(0xD2511F53)
PHILOX_M1 = U64(0xCD9E8D57)
PHILOX_W0 = U64(0x9E3779B9)
PHILOX_W1 = U64(0xBB67AE85)
ROUNDS = 10

_inline = dict(cache=True, error_model="numpy", inline="always")


@njit(**_inline)
def philox_round(c0, c1, c2, c3, k0, k1):
    """One Philox4x32 round on 32-bit words held in uint64 lanes."""
    p0 = PHILOX_M0 * c0
    p1 = PHILOX_M1 * c2
    return (
        (p1 >> SHIFT32) ^ c1 ^ k0,
        p1 & MASK32,
        (p0 >> SHIFT32) ^ c3 ^ k1,
        p0 & MASK32,
    )


@njit(**_inline)
def philox_block(c0, c1, c2, c3, k0, k1):
    """Philox4x32-10 of counter ``(c0..c3)`` under key ``(k0, k1)``.

    Every argument and result is a 32-bit word in a uint64.
    """
    for r in range(ROUNDS):
        rk = U64(r)
        c0, c1, c2, c3 = philox_round(
            c0, c1, c2, c3, (k0 + rk * PHILOX_W0) & MASK32, (k1 + rk * PHILOX_W1) & MASK32
        )
    return c0, c1, c2, c3


@njit(cache=True, error_model="numpy")
def _philox_rows(counters, key, out):
    k0 = U64(key[0])
    k1 = U64(key[1])
    for i in range(counters.shape[0]):
        w0, w1, w2, w3 = philox_block(
            U64(counters[i, 0]), U64(counters[i, 1]), U64(counters[i, 2]), U64(counters[i, 3]), k0, k1
        )
        out[i, 0] = np.uint32(w0)
        out[i, 1] = np.uint32(w1)
        out[i, 2] = np.uint32(w2)
        out[i, 3] = np.uint32(w3)


def philox4x32(counters, key):
    """Philox4x32-10 of many counters under one key.

    Args:
        counters: ``(n, 4)`` array of uint32 counter words, word 0 first.
        key: ``(2,)`` array of uint32 key words, word 0 first.

    Returns:
        ``(n, 4)`` uint32 array of output words.

    Raises:
        TypeError: an argument is not a uint32 array.
        ValueError: an argument has the wrong shape.

    Example:
        >>> import numpy as np
        >>> from lucid.kernels import philox4x32
        >>> out = philox4x32(np.zeros((1, 4), np.uint32), np.zeros(2, np.uint32))
        >>> [f"{w:08x}" for w in out[0]]
        ['6627e8d5', 'e169c58d', 'bc57ac4c', '9b00dbd8']
    """
    counters = np.asarray(counters)
    key = np.asarray(key)
    if counters.dtype != np.uint32 or key.dtype != np.uint32:
        raise TypeError(
            f"philox4x32(): counters and key must be uint32 arrays, got {counters.dtype} and {key.dtype}"
        )
    if counters.ndim != 2 or counters.shape[1] != 4:
        raise ValueError(f"philox4x32(): counters must have shape (n, 4), got {counters.shape}")
    if key.shape != (2,):
        raise ValueError(f"philox4x32(): key must have shape (2,), got {key.shape}")
    out = np.empty(counters.shape, np.uint32)
    _philox_rows(counters, key, out)
    return out
