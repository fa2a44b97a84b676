"""Block kernels: Philox blocks turned into uniform and normal values.

One loop step computes one Philox block and writes its values straight out, so
LLVM vectorizes across blocks. A 32-bit output (float32, or float16 rounded from
float32) takes one 32-bit word per value: four values a block. A float64 output
takes 64 bits per value: two values a block. All arithmetic is float64; the
value is rounded to the output type once, by ``store``.

Which words make which value (the stream specification, also in the README):

* uniform, 32-bit output: ``u = w / 2**32`` per word.
* uniform, float64: ``u = (A >> 12) / 2**52`` for ``A = w0 | w1 << 32`` and for ``B = w2 | w3 << 32``.
* normal, 32-bit output: Box-Muller on ``(w0, w1)`` and on ``(w2, w3)``:
  ``r = sqrt(-2 log(1 - w0 / 2**32))``, angle ``2*pi * w1 / 2**32``, values ``r cos``, ``r sin``.
* normal, float64: Box-Muller on ``(A, B)``: ``r = sqrt(-2 log(1 - (A >> 12) / 2**52))``,
  angle ``2*pi * B / 2**64`` (top 54 bits), values ``r cos``, ``r sin``.

* truncated normal, 32-bit output: per word ``u = (w + 1/2) / 2**32``; float64: per 64-bit
  word ``u = ((A >> 12) + 1/2) / 2**52``. Then ``z = Phi^-1(p_low + u * p_width)``.

A uniform value is ``min(a + width * u, high)``; a normal value is ``mean + std * z``; a
truncated normal value is ``mean + scale * z`` clamped to ``[low, high]``.
"""

import numpy as np
from numba import njit, types
from numba.extending import overload

from .philox import MASK32, SHIFT32, philox_block
from .transforms import (
    bfloat16_bits,
    float16_bits,
    normal_quantile,
    open_unit32,
    open_unit52,
    radius32,
    radius52,
    select64,
    sin_cos_turn32,
    sin_cos_turn64,
    unit32,
    unit52,
)

U64 = np.uint64
F32 = np.float32

UNIFORM = 0  # params: low, width, high
NORMAL = 1  # params: mean, std
TRUNCATED_NORMAL = 2  # params: mean, scale, p_low, p_width, low, high (see truncated4)
CONSTANT = 3  # params: value (no bits drawn)

_inline = dict(cache=True, error_model="numpy", inline="always")
_loop = dict(cache=True, error_model="numpy")  # one call per chunk: no need to inline


def store(dst, i, value):
    """``dst[i] = value`` rounded once to ``dst``'s type (uint16 holds float16 bits, int16 bfloat16 bits)."""


@overload(store, inline="always")
def _store(dst, i, value):
    if dst.dtype == types.float64:

        def impl(dst, i, value):
            dst[i] = value

    elif dst.dtype == types.float32:

        def impl(dst, i, value):
            dst[i] = F32(value)

    elif dst.dtype == types.uint16:  # float16 bits

        def impl(dst, i, value):
            dst[i] = float16_bits(value)

    elif dst.dtype == types.int16:  # bfloat16 bits

        def impl(dst, i, value):
            dst[i] = bfloat16_bits(value)

    else:
        return None
    return impl


def values_per_block(dst):
    """How many values one Philox block makes for ``dst``'s type: 2 for float64, else 4."""


@overload(values_per_block, inline="always")
def _values_per_block(dst):
    width = 2 if dst.dtype == types.float64 else 4
    return lambda dst: width


@njit(**_inline)
def _block(b, d0, d1, k0, k1):
    return philox_block(b & MASK32, b >> SHIFT32, d0, d1, k0, k1)


@njit(**_loop)
def uniform4(dst, b0, nb, k0, k1, d0, d1, params):
    a, width, high = params[0], params[1], params[2]
    for j in range(nb):
        w0, w1, w2, w3 = _block(b0 + U64(j), d0, d1, k0, k1)
        v0 = a + width * unit32(w0)
        v1 = a + width * unit32(w1)
        v2 = a + width * unit32(w2)
        v3 = a + width * unit32(w3)
        store(dst, 4 * j, select64(v0 > high, high, v0))
        store(dst, 4 * j + 1, select64(v1 > high, high, v1))
        store(dst, 4 * j + 2, select64(v2 > high, high, v2))
        store(dst, 4 * j + 3, select64(v3 > high, high, v3))


@njit(**_loop)
def uniform2(dst, b0, nb, k0, k1, d0, d1, params):
    a, width, high = params[0], params[1], params[2]
    for j in range(nb):
        w0, w1, w2, w3 = _block(b0 + U64(j), d0, d1, k0, k1)
        v0 = a + width * unit52(w0 | (w1 << SHIFT32))
        v1 = a + width * unit52(w2 | (w3 << SHIFT32))
        store(dst, 2 * j, select64(v0 > high, high, v0))
        store(dst, 2 * j + 1, select64(v1 > high, high, v1))


@njit(**_loop)
def normal4(dst, b0, nb, k0, k1, d0, d1, params):
    mean, std = params[0], params[1]
    for j in range(nb):
        w0, w1, w2, w3 = _block(b0 + U64(j), d0, d1, k0, k1)
        r0 = radius32(w0)
        s0, c0 = sin_cos_turn32(w1)
        r1 = radius32(w2)
        s1, c1 = sin_cos_turn32(w3)
        store(dst, 4 * j, mean + std * (r0 * c0))
        store(dst, 4 * j + 1, mean + std * (r0 * s0))
        store(dst, 4 * j + 2, mean + std * (r1 * c1))
        store(dst, 4 * j + 3, mean + std * (r1 * s1))


@njit(**_loop)
def normal2(dst, b0, nb, k0, k1, d0, d1, params):
    mean, std = params[0], params[1]
    for j in range(nb):
        w0, w1, w2, w3 = _block(b0 + U64(j), d0, d1, k0, k1)
        r = radius52(w0 | (w1 << SHIFT32))
        s, c = sin_cos_turn64(w2 | (w3 << SHIFT32))
        store(dst, 2 * j, mean + std * (r * c))
        store(dst, 2 * j + 1, mean + std * (r * s))


SMALLEST = 5e-324  # the smallest positive float64: p never reaches 0


@njit(**_inline)
def _truncated(u, mean, scale, p_low, p_width, low, high):
    p = p_low + u * p_width
    v = mean + scale * normal_quantile(select64(p < SMALLEST, SMALLEST, p))
    return select64(v < low, low, select64(v > high, high, v))


@njit(**_loop)
def truncated4(dst, b0, nb, k0, k1, d0, d1, params):
    """Truncated normal by inversion: one word, one value, no rejection.

    ``p_low``/``p_width`` are the CDF at the lower bound and the CDF's rise across the
    interval, of the tail that keeps them small (``scale`` is negative when mirrored),
    so bounds far in a tail keep their precision.
    """
    mean, scale, p_low, p_width, low, high = params[0], params[1], params[2], params[3], params[4], params[5]
    for j in range(nb):
        w0, w1, w2, w3 = _block(b0 + U64(j), d0, d1, k0, k1)
        store(dst, 4 * j, _truncated(open_unit32(w0), mean, scale, p_low, p_width, low, high))
        store(dst, 4 * j + 1, _truncated(open_unit32(w1), mean, scale, p_low, p_width, low, high))
        store(dst, 4 * j + 2, _truncated(open_unit32(w2), mean, scale, p_low, p_width, low, high))
        store(dst, 4 * j + 3, _truncated(open_unit32(w3), mean, scale, p_low, p_width, low, high))


@njit(**_loop)
def truncated2(dst, b0, nb, k0, k1, d0, d1, params):
    mean, scale, p_low, p_width, low, high = params[0], params[1], params[2], params[3], params[4], params[5]
    for j in range(nb):
        w0, w1, w2, w3 = _block(b0 + U64(j), d0, d1, k0, k1)
        store(dst, 2 * j, _truncated(open_unit52(w0 | (w1 << SHIFT32)), mean, scale, p_low, p_width, low, high))
        store(dst, 2 * j + 1, _truncated(open_unit52(w2 | (w3 << SHIFT32)), mean, scale, p_low, p_width, low, high))


@njit(**_loop)
def constant_values(dst, nb, params):
    value = params[0]
    for i in range(nb * values_per_block(dst)):
        store(dst, i, value)


def gen_blocks(kind, dst, b0, nb, k0, k1, d0, d1, params):
    """Fill ``dst[:nb * V]`` with the values of blocks ``b0 .. b0 + nb - 1`` of distribution ``kind``."""


@overload(gen_blocks)
def _gen_blocks(kind, dst, b0, nb, k0, k1, d0, d1, params):
    wide = dst.dtype == types.float64
    uniform = uniform2 if wide else uniform4
    normal = normal2 if wide else normal4
    truncated = truncated2 if wide else truncated4

    def impl(kind, dst, b0, nb, k0, k1, d0, d1, params):
        if kind == UNIFORM:
            uniform(dst, b0, nb, k0, k1, d0, d1, params)
        elif kind == NORMAL:
            normal(dst, b0, nb, k0, k1, d0, d1, params)
        elif kind == CONSTANT:
            constant_values(dst, nb, params)
        else:
            truncated(dst, b0, nb, k0, k1, d0, d1, params)

    return impl
