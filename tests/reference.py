"""Slow, obvious NumPy references for the fill kernels: the stream specification in code."""

import functools
import math
from decimal import Decimal, localcontext
from fractions import Fraction

import numpy as np
from scipy import special

from lucid.kernels import NORMAL, TRUNCATED_NORMAL, UNIFORM, philox4x32
from lucid.random import splitmix64


def words(key: int, draw: int, first_block: int, n_blocks: int) -> np.ndarray:
    """Philox words of blocks ``first_block ..`` for ``draw`` under ``key``: shape (n_blocks, 4), uint64."""
    blocks = np.arange(first_block, first_block + n_blocks, dtype=np.uint64)
    counters = np.stack(
        [blocks & 0xFFFFFFFF, blocks >> np.uint64(32), np.full_like(blocks, draw & 0xFFFFFFFF),
         np.full_like(blocks, draw >> 32)], axis=1).astype(np.uint32)
    return philox4x32(counters, np.array([key & 0xFFFFFFFF, key >> 32], np.uint32)).astype(np.uint64)


def sin_cos_of_turn(t: np.ndarray, bits: int) -> tuple[np.ndarray, np.ndarray]:
    """(sin, cos) of ``2*pi * t / 2**bits`` with the quadrant taken exactly from the integer."""
    t = t.astype(object) if bits > 53 else t.astype(np.int64)
    full = 1 << bits
    v = (t + (full >> 3)) % full
    q = np.asarray(v // (full >> 2), dtype=np.int64)
    r = np.asarray(v % (full >> 2) - (full >> 3), dtype=np.float64)  # exact: at most 2**(bits-3) in size
    a = r * (2 * np.pi / full)
    s, c = np.sin(a), np.cos(a)
    sin = np.choose(q, [s, c, -s, -c])
    cos = np.choose(q, [c, -s, -c, s])
    return sin, cos


def normal_cdf(x: float) -> float:
    """``Phi(x)`` correctly rounded to float64, in decimal arithmetic.

    Another method than Lucid's (``lucid._special``): the series
    ``Phi(x) = 1/2 + phi(x) * sum_n x**(2n+1) / (1 * 3 * ... * (2n+1))`` for every ``x``, with
    enough digits to survive its cancellation in the lower tail (about ``x**2 / 4.6`` of them),
    then one rounding to float64. Below -40 the result rounds to 0 (``Phi(-38.5)`` is already
    below the smallest float64).
    """
    if math.isnan(x):
        return math.nan
    if abs(x) > 40:
        return 0.0 if x < 0 else 1.0
    with localcontext() as ctx:
        ctx.prec = 50 + int(x * x / (2 * math.log(10)))
        t = Decimal(x)  # exact
        t2 = t * t
        term, total, k = t, t, 1
        while abs(term) > abs(total) * Decimal(10) ** -(ctx.prec + 2) or k < 3:
            k += 2
            term = term * t2 / k
            total += term
        density = (-t2 / 2).exp() / (2 * _pi(ctx.prec)).sqrt()
        return float(Decimal(1) / 2 + density * total)


@functools.cache
def _pi(digits: int) -> Decimal:
    """pi to ``digits`` significant digits (Gauss-Legendre: each step doubles the correct digits)."""
    with localcontext() as ctx:
        ctx.prec = digits + 10
        a, b, t, p = Decimal(1), Decimal(1) / Decimal(2).sqrt(), Decimal(1) / 4, Decimal(1)
        for _ in range(int(math.log2(digits + 10)) + 2):
            a, b, t, p = (a + b) / 2, (a * b).sqrt(), t - p * ((a - b) / 2) ** 2, 2 * p
        return +((a + b) ** 2 / (4 * t))


def truncated_normal_float64(key: int, draw: int, n: int, mean: float, std: float, a: float, b: float, wide: bool,
                             start: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """The truncated normal stream before its rounding to the dtype, as the README specifies it.

    Returns ``(value, size)``: ``value`` is ``mean + scale * Phi^-1(p)`` clamped to ``[a, b]``, in float64,
    with SciPy's ``ndtri`` for ``Phi^-1``; ``size`` is ``|mean| + |scale * z|``, the magnitude the
    float64 arithmetic of the specification works at (its rounding errors are relative to it).

    The specification: one value per 32-bit word ``w`` (``u = (w + 1/2) / 2**32``) or per 64-bit
    word ``A`` (``u = ((A >> 12) + 1/2) / 2**52``) when ``wide``; the interval, in standard units
    ``[(a - mean) / std, (b - mean) / std]``, mirrored (negated and swapped, ``scale = -std``)
    when its midpoint lies above the mean; ``P_lo``, ``P_hi`` = ``Phi`` at its ends, correctly
    rounded; ``p = P_lo + u * (P_hi - P_lo)`` in float64 (at least the smallest float64, 5e-324).
    """
    if std == 0:
        value = np.full(n, min(max(mean, a), b))
        return value, np.abs(value)
    alpha, beta = (a - mean) / std, (b - mean) / std
    mirror = alpha + beta > 0
    lo, hi = (-beta, -alpha) if mirror else (alpha, beta)
    p_lo, p_hi = normal_cdf(lo), normal_cdf(hi)
    scale = -std if mirror else std
    per_block = 2 if wide else 4
    first = start // per_block
    w = words(key, draw, first, (start + n + per_block - 1) // per_block - first)
    if wide:
        big = np.stack([w[:, 0] | (w[:, 1] << np.uint64(32)), w[:, 2] | (w[:, 3] << np.uint64(32))], 1)
        u = ((big >> np.uint64(12)).astype(np.float64) + 0.5) / 2.0**52
    else:
        u = (w.astype(np.float64) + 0.5) / 2.0**32
    u = u.reshape(-1)[start - first * per_block:][:n]
    p = np.maximum(p_lo + u * (p_hi - p_lo), 5e-324)
    z = special.ndtri(p)
    value = np.minimum(np.maximum(mean + scale * z, a), b)
    return value, abs(mean) + np.abs(scale * z)


def _box_muller(w: np.ndarray, wide: bool) -> np.ndarray:
    """Standard normals of the blocks' words, ``(n_blocks, values per block)``, by libm in float64."""
    if wide:
        a_words = w[:, 0] | (w[:, 1] << np.uint64(32))
        b_words = w[:, 2] | (w[:, 3] << np.uint64(32))
        r = np.sqrt(-2.0 * np.log(1.0 - (a_words >> np.uint64(12)) / 2.0**52))
        s, c = sin_cos_of_turn(b_words >> np.uint64(10), 54)
        return np.stack([r * c, r * s], 1)
    r0 = np.sqrt(-2.0 * np.log(1.0 - w[:, 0] / 2.0**32))
    r1 = np.sqrt(-2.0 * np.log(1.0 - w[:, 2] / 2.0**32))
    s0, c0 = sin_cos_of_turn(w[:, 1], 32)
    s1, c1 = sin_cos_of_turn(w[:, 3], 32)
    return np.stack([r0 * c0, r0 * s0, r1 * c1, r1 * s1], 1)


def standard_normals(key: int, draw: int, n: int, start: int = 0, wide: bool = False) -> np.ndarray:
    """The exact (libm, float64) standard normals ``z`` at logical indices ``start ..`` of the 32-bit stream
    (or of the 64-bit one when ``wide``): a normal fill holds ``mean + std * z`` rounded to its dtype,
    within the stream's stated error."""
    per_block = 2 if wide else 4
    first = start // per_block
    w = words(key, draw, first, (start + n + per_block - 1) // per_block - first)
    return _box_muller(w, wide).reshape(-1)[start - first * per_block:][:n]


def values(kind: int, dtype, key: int, draw: int, n: int, p, start: int = 0) -> np.ndarray:
    """The values a fill of ``n`` elements (logical indices ``start ..``) must hold, in ``dtype``.

    ``p``: the kernel's parameters for ``UNIFORM`` ``(low, width, high)`` and ``NORMAL`` ``(mean, std)``;
    the user's ``(mean, std, a, b)`` for ``TRUNCATED_NORMAL``, whose float64 value is rounded once
    to ``dtype`` (see :func:`truncated_normal_float64`).
    """
    dtype = np.dtype(dtype)
    if kind == TRUNCATED_NORMAL:
        return truncated_normal_float64(key, draw, n, *p, dtype == np.float64, start)[0].astype(dtype)
    wide = dtype == np.float64
    per_block = 2 if wide else 4
    first = start // per_block
    n_blocks = (start + n + per_block - 1) // per_block - first
    w = words(key, draw, first, n_blocks)
    if wide:
        a_words = w[:, 0] | (w[:, 1] << np.uint64(32))
        b_words = w[:, 2] | (w[:, 3] << np.uint64(32))
    if kind == UNIFORM:
        low, width, high = p
        if wide:
            u = np.stack([(a_words >> np.uint64(12)) / 2.0**52, (b_words >> np.uint64(12)) / 2.0**52], 1)
            out = np.minimum(low + width * u, high)
        else:
            out = np.minimum(fused_multiply_add(width * 2.0**-32, w, low), high)
    elif kind == NORMAL:
        mean, std = p[0], p[1]
        out = mean + std * _box_muller(w, wide)
    else:
        raise ValueError(kind)
    flat = out.reshape(-1)[start - first * per_block:][:n]
    return flat.astype(dtype)  # rounded once (NumPy casts float64 to float16 directly)


def fused_multiply_add(a: float, w: np.ndarray, c: float) -> np.ndarray:
    """``a * w + c`` rounded once to float64, for float64 ``a`` and ``c`` and integers ``0 <= w < 2**53``.

    In exact rational arithmetic (``int / int`` is correctly rounded in Python). Where NumPy's product ``a * w``
    is exact (``a``'s significand has at most ``53 - bits of w`` significant bits, and ``a`` is far from
    underflow and overflow) or ``c`` is 0, NumPy's unfused arithmetic rounds once too and gives the same value
    faster.
    """
    w = np.asarray(w)
    odd = Fraction(a).numerator
    odd >>= (odd & -odd).bit_length() - 1 if odd else 0
    room = 53 - int(w.max(initial=0)).bit_length()
    if c == 0 or a == 0 or (odd.bit_length() <= room and 2.0**-960 <= abs(a) < 2.0**960):
        return a * w.astype(np.float64) + c
    fa, fc = Fraction(a), Fraction(c)
    return np.array([float(fa * int(x) + fc) for x in w.reshape(-1)]).reshape(w.shape)


def key_of(seed: int) -> int:
    return splitmix64(seed)
