"""Block kernels: one per distribution, generic over the output's width.

A block kernel writes the values of Philox blocks ``first .. first + count - 1``
(``values_per_block(dst)`` values each) to ``dst``. It works in sub-blocks of
``SUB`` blocks and two passes: Philox words into a small scratch array, then the
transform of those words into values. Each pass is a short loop that LLVM
vectorizes across blocks, and short loops keep several iterations in flight
(one fused loop is a dependency chain too long for the out-of-order window).

The width picks the words and the transforms (the stream specification, also in
the README):

* 32-bit outputs (float32; float16 and bfloat16 held as 16-bit integers) take one
  32-bit word per value, four values a block, and the 32-bit stream's transforms;
* float64 outputs take 64 bits per value, ``A = w0 | w1 << 32`` and ``B = w2 | w3 << 32``,
  two values a block, and float64's transforms.

* uniform: 32-bit, ``min(fma(width * 2**-32, w, low), high)`` (``width * 2**-32`` rounded, then one fused
  multiply-add); float64, ``u = (A >> 12) / 2**52`` and ``min(low + width * u, high)``.
* normal: Box-Muller on ``(w0, w1)`` and ``(w2, w3)``, or on ``(A, B)``: radius ``r`` from the first
  word, angle ``2*pi * w / 2**32`` (or ``2*pi * B / 2**64``, top 54 bits) from the second; 32-bit:
  values ``fma(std * r, cos, mean)``, ``fma(std * r, sin, mean)`` (each rounded once); float64:
  ``mean + std * (r * cos)``, ``mean + std * (r * sin)``.
* truncated normal: one open uniform per value, ``u = (w + 1/2) / 2**32`` or ``((A >> 12) + 1/2) / 2**52``,
  ``p = max(p_low + u * p_width, 5e-324)``; the value is ``mean + scale * Phi^-1(p)`` clamped to
  ``[low, high]``, with the 32-bit stream's quantile or float64's (AS 241).

All arithmetic is float64; ``store`` rounds each value once to the output type.
"""

import numpy as np
from numba import njit, types
from numba.extending import overload

from ._fma import fma
from ._vectors import wide_vectors
from .philox import MASK32, SHIFT32, philox_block
from .transforms import (
    CENTRAL32,
    CENTRAL64,
    bfloat16_bits,
    float16_bits,
    normal_quantile_central,
    normal_quantile_tail,
    open_unit32,
    open_unit52,
    quantile32_central,
    radius32,
    radius52,
    select64,
    sin_cos_turn32,
    sin_cos_turn64,
    uniform32,
    unit52,
)

U64 = np.uint64
F32 = np.float32

UNIFORM = 0  # params: low, width, high
NORMAL = 1  # params: mean, std
TRUNCATED_NORMAL = 2  # params: mean, scale, p_low, p_width, low, high (see truncated_blocks)
CONSTANT = 3  # params: value (no bits drawn)

SUB = 512  # blocks per sub-block: their words (8 KiB) stay in the L1 cache between the two passes

_inline = dict(cache=True, error_model="numpy", inline="always")
_loop = dict(cache=True, error_model="numpy")  # called, not inlined: see the driver
# The width-specific transforms: compiled once as functions that LLVM inlines (forceinline). Inlined by Numba
# instead (inline="always"), an overload is compiled once to type it and then typed again where it is
# inlined: a third more compile time for the same machine code.
_merged = dict(forceinline=True, error_model="numpy")


# --- output types ------------------------------------------------------------------------------------
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


def largest_word(dst):
    """The largest word a value of ``dst``'s type is made from: ``2**32 - 1``, or ``2**64 - 1`` for float64."""


@overload(largest_word, inline="always")
def _largest_word(dst):
    largest = U64(2**64 - 1) if dst.dtype == types.float64 else U64(2**32 - 1)
    return lambda dst: largest


# --- Philox words ----------------------------------------------------------------------------------------
@njit(**_inline)
def stream_key(k0, k1, d0, d1):
    """The Philox key and draw words as the block kernels take them: four uint64 of 32 bits each
    (the masks tell LLVM so: every Philox multiply is then one 32x32->64-bit ``vpmuludq``)."""
    return (U64(k0) & MASK32, U64(k1) & MASK32, U64(d0) & MASK32, U64(d1) & MASK32)


@njit(**_loop)
def _philox_run(words, at, k0, k1, d0, d1, lo, hi, count):
    """``words[k * SUB + at + j]`` = word ``k`` of the block with counter words ``(lo + j, hi)``, ``j < count``
    (``lo + count <= 2**32``; the masks change no value and tell LLVM every word is 32-bit)."""
    wide_vectors()
    k0, k1, d0, d1 = stream_key(k0, k1, d0, d1)  # 32-bit words where LLVM sees it: vpmuludq
    for j in range(count):
        w0, w1, w2, w3 = philox_block((lo + U64(j)) & MASK32, hi & MASK32, d0, d1, k0, k1)
        i = at + U64(j)
        words[i] = np.uint32(w0)
        words[U64(SUB) + i] = np.uint32(w1)
        words[U64(2 * SUB) + i] = np.uint32(w2)
        words[U64(3 * SUB) + i] = np.uint32(w3)


@njit(**_loop)
def _philox_run_in_order(words, at, k0, k1, d0, d1, lo, hi, count):
    """``words[4 * (at + j) + k]`` = word ``k`` of the block with counter words ``(lo + j, hi)``, ``j < count``."""
    wide_vectors()
    k0, k1, d0, d1 = stream_key(k0, k1, d0, d1)  # 32-bit words where LLVM sees it: vpmuludq
    for j in range(count):
        w0, w1, w2, w3 = philox_block((lo + U64(j)) & MASK32, hi & MASK32, d0, d1, k0, k1)
        i = U64(4) * (at + U64(j))
        words[i] = np.uint32(w0)
        words[i + U64(1)] = np.uint32(w1)
        words[i + U64(2)] = np.uint32(w2)
        words[i + U64(3)] = np.uint32(w3)


@njit(**_inline)
def _runs(first, count):
    """Blocks ``first .. first + count - 1`` as two runs with one high counter word each: ``(lo, hi, before)``,
    the first run's low word, its high word and its length; the second run (``count - before`` blocks,
    usually none) starts at low word 0 under ``hi + 1``. In a run the high word is the same for every
    block, so LLVM does the first rounds' work on it once, outside the loop (about 8% of Philox's time)."""
    lo = first & MASK32
    return lo, first >> SHIFT32, min(U64(count), (MASK32 - lo) + U64(1))


@njit(**_inline)
def philox_words(words, key, first, count):
    """``words[k * SUB + j]`` = word ``k`` of block ``first + j`` for ``j < count``; ``key = (k0, k1, d0, d1)``."""
    k0, k1, d0, d1 = key
    lo, hi, before = _runs(first, count)
    _philox_run(words, U64(0), k0, k1, d0, d1, lo, hi, before)
    _philox_run(words, before, k0, k1, d0, d1, U64(0), hi + U64(1), U64(count) - before)


@njit(**_inline)
def philox_words_in_order(words, key, first, count):
    """``words[4 * j + k]`` = word ``k`` of block ``first + j`` for ``j < count``: the words in value order."""
    k0, k1, d0, d1 = key
    lo, hi, before = _runs(first, count)
    _philox_run_in_order(words, U64(0), k0, k1, d0, d1, lo, hi, before)
    _philox_run_in_order(words, before, k0, k1, d0, d1, U64(0), hi + U64(1), U64(count) - before)


@njit(**_inline)
def word(words, k, j):
    """Word ``k`` (0..3) of block ``j`` of the sub-block, as a uint64."""
    return U64(words[U64(k * SUB) + j])


@njit(**_inline)
def word64(words, k, j):
    """``w[k] | w[k + 1] << 32`` of block ``j``: the 64-bit word ``A`` (``k = 0``) or ``B`` (``k = 2``)."""
    return word(words, k, j) | (word(words, k + 1, j) << SHIFT32)


# --- the values of one block, per output width ------------------------------------------------------------
def _clamp_high(v, high):
    """``high if v > high else v`` (NaN stays NaN); ``v`` itself where ``high`` is None."""


@overload(_clamp_high, inline="always")
def _clamp_high_impl(v, high):
    # A plain select (compare and masked move): faster here than select64's integer masks, which the truncated
    # normal's clamps keep because there they measured faster (benchmarks/RESULTS.md, AVX-512 probes).
    if isinstance(high, types.NoneType):
        return lambda v, high: v
    return lambda v, high: high if v > high else v


def uniform_value(dst, w, low, width):
    """The uniform value of word ``w`` (32-bit outputs) or 64-bit word ``w`` (float64), before the clamp."""


@overload(uniform_value, jit_options=_merged)
def _uniform_value(dst, w, low, width):
    if dst.dtype == types.float64:
        return lambda dst, w, low, width: low + width * unit52(w)
    return lambda dst, w, low, width: uniform32(w, low, width)


def uniform_block(dst, words, j, low, width, high):
    """Store the uniform values of block ``j`` (``high`` None: none can exceed it, no clamp)."""


@overload(uniform_block, jit_options=_merged)
def _uniform_block(dst, words, j, low, width, high):
    # Loops over a block's values (not written-out copies): each transform is typed and lowered once.
    if dst.dtype == types.float64:

        def impl(dst, words, j, low, width, high):
            for k in range(2):
                v = uniform_value(dst, word64(words, 2 * k, j), low, width)
                store(dst, U64(2) * j + U64(k), _clamp_high(v, high))

    else:

        def impl(dst, words, j, low, width, high):
            for k in range(4):
                v = uniform_value(dst, word(words, k, j), low, width)
                store(dst, U64(4) * j + U64(k), _clamp_high(v, high))

    return impl


@njit(**_inline)
def uniform_needs_clamp(dst, low, width, high):
    """Whether some word's value could exceed ``high``: the value is monotonic in the word (each step rounds
    monotonically), so the smallest and largest words' values bound every other; rounding can take ``low +
    width`` past ``high``. NaN anywhere: clamp (the values are then what the clamped formula gives)."""
    first = uniform_value(dst, U64(0), low, width)
    last = uniform_value(dst, largest_word(dst), low, width)
    return not (first <= high and last <= high)


def normal_block(dst, words, j, mean, std):
    """Store the normal values of block ``j``."""


@overload(normal_block, jit_options=_merged)
def _normal_block(dst, words, j, mean, std):
    if dst.dtype == types.float64:

        def impl(dst, words, j, mean, std):
            r = radius52(word64(words, 0, j))
            s, c = sin_cos_turn64(word64(words, 2, j))
            o = U64(2) * j
            store(dst, o, mean + std * (r * c))
            store(dst, o + U64(1), mean + std * (r * s))

    else:

        def impl(dst, words, j, mean, std):
            for h in range(2):  # pairs (w0, w1) and (w2, w3); one copy of the transforms to compile
                r = std * radius32(word(words, 2 * h, j))
                s, c = sin_cos_turn32(word(words, 2 * h + 1, j))
                o = U64(4) * j + U64(2 * h)
                store(dst, o, fma(r, c, mean))
                store(dst, o + U64(1), fma(r, s, mean))

    return impl


SMALLEST = 5e-324  # the smallest positive float64: p never reaches 0


@njit(**_inline)
def _probability(u, p_low, p_width):
    p = p_low + u * p_width
    return select64(p < SMALLEST, SMALLEST, p)


@njit(**_inline)
def _truncated_value(z, mean, scale, low, high):
    v = mean + scale * z
    return select64(v < low, low, select64(v > high, high, v))


def open_unit(dst, words, i):
    """The open uniform of value ``i`` of words in value order: word ``i``, or the 64-bit word ``i`` (float64)."""


@overload(open_unit, jit_options=_merged)
def _open_unit(dst, words, i):
    if dst.dtype == types.float64:
        return lambda dst, words, i: open_unit52(U64(words[U64(2) * i]) | (U64(words[U64(2) * i + U64(1)]) << SHIFT32))
    return lambda dst, words, i: open_unit32(U64(words[i]))


def central_region(dst, q):
    """Whether ``q = p - 1/2`` lies in the central region of ``dst``'s stream quantile."""


@overload(central_region, inline="always")
def _central_region(dst, q):
    if dst.dtype == types.float64:
        return lambda dst, q: abs(q) <= CENTRAL64
    return lambda dst, q: abs(q) < CENTRAL32


def central_quantile(dst, q):
    """``Phi^-1(1/2 + q)`` in the central region, by ``dst``'s stream quantile."""


@overload(central_quantile, jit_options=_merged)
def _central_quantile(dst, q):
    if dst.dtype == types.float64:
        return lambda dst, q: normal_quantile_central(q)
    return lambda dst, q: quantile32_central(q)


@njit(**_inline)
def _tail(u, p_low, p_width, mean, scale, low, high):
    p = _probability(u, p_low, p_width)
    return _truncated_value(normal_quantile_tail(p, p - 0.5), mean, scale, low, high)


@njit(**_loop)
def _gather_tails(dst, words, n, every, tails, groups, where, units):
    """Positions and open uniforms of the values ``i < n`` with ``tails[i]`` (``every``: of all of them);
    returns how many.

    Branch-free compactions (write always, advance when it counts), since which values lie in a
    tail is random: first the groups of 8 values with a tail (one uint64 of flags each), then
    their values."""
    wide_vectors()
    if every:
        for i in range(n):
            where[U64(i)] = i
            units[U64(i)] = open_unit(dst, words, U64(i))
        return n
    flags = tails.view(np.uint64)
    flagged = 0
    for g in range((n + 7) // 8):
        groups[flagged] = g
        flagged += flags[g] != 0
    m = 0
    for f in range(flagged):
        for i in range(8 * groups[f], min(8 * groups[f] + 8, n)):  # flags past n: stale, from a longer sub-block
            where[m] = i
            units[m] = open_unit(dst, words, U64(i))
            m += tails[i]
    return m


CENTRAL, TAIL, MIXED = 0, 1, 2  # which quantile formulas the p of a truncated normal can need


@njit(**_inline)
def quantile_region(dst, p_low, p_width):
    """``CENTRAL``, ``TAIL`` or ``MIXED``: which formulas the values of this interval need, exactly.

    ``p`` grows monotonically with ``u`` (correctly rounded operations are monotonic), so the
    smallest and largest open uniforms bound every ``p`` the kernel computes.
    """
    one = 2.0**-32 if values_per_block(dst) == 4 else 2.0**-52
    q_min = _probability(0.5 * one, p_low, p_width) - 0.5
    q_max = _probability(1.0 - 0.5 * one, p_low, p_width) - 0.5
    if central_region(dst, q_min) and central_region(dst, q_max):
        return CENTRAL
    if q_max < 0.0 and not central_region(dst, q_max) or q_min > 0.0 and not central_region(dst, q_min):
        return TAIL
    return MIXED


# --- the block kernels ---------------------------------------------------------------------------------------
@njit(**_loop)
def uniform_blocks(dst, first, count, key, params):
    """Uniform values ``min(low + width * u, high)`` of blocks ``first ..`` into ``dst[:count * V]``.

    The loop leaves the clamp out where no value can exceed ``high`` (:func:`uniform_needs_clamp`):
    the same values, about 6% faster."""
    wide_vectors()
    low, width, high = params[0], params[1], params[2]
    clamped = uniform_needs_clamp(dst, low, width, high)
    words = np.empty(4 * SUB, np.uint32)
    for s in range(0, count, SUB):
        n = min(SUB, count - s)
        philox_words(words, key, first + U64(s), n)
        out = dst[values_per_block(dst) * s:]
        if clamped:
            for j in range(n):
                uniform_block(out, words, U64(j), low, width, high)
        else:
            for j in range(n):
                uniform_block(out, words, U64(j), low, width, None)


@njit(**_loop)
def normal_blocks(dst, first, count, key, params):
    """Box-Muller normals ``mean + std * z`` of blocks ``first ..`` into ``dst[:count * V]``."""
    wide_vectors()
    mean, std = params[0], params[1]
    words = np.empty(4 * SUB, np.uint32)
    for s in range(0, count, SUB):
        n = min(SUB, count - s)
        philox_words(words, key, first + U64(s), n)
        out = dst[values_per_block(dst) * s:]
        for j in range(n):
            normal_block(out, words, U64(j), mean, std)


@njit(**_loop)
def central_values(out, words, n, params, flag, tails):
    """``out[:n]`` by the central quantile from words in value order; with ``flag``, ``tails[i]`` = 1 where
    value ``i``'s ``p`` lies in a tail instead (the caller overwrites those). A function of its own: small
    functions type much faster than one big one."""
    wide_vectors()
    mean, scale, p_low, p_width, low, high = params[0], params[1], params[2], params[3], params[4], params[5]
    for i in range(n):
        q = _probability(open_unit(out, words, U64(i)), p_low, p_width) - 0.5
        store(out, U64(i), _truncated_value(central_quantile(out, q), mean, scale, low, high))
        if flag:
            tails[U64(i)] = not central_region(out, q)


@njit(**_loop)
def tail_values(units, m, p_low, p_width, mean, scale, low, high, values):
    """``values[:m]``: the truncated normal values of open uniforms ``units[:m]`` whose ``p`` lies in a tail.

    A function of its own (float64 in, float64 out): compiled once for every output type, and
    vectorized over the gathered values."""
    wide_vectors()
    for i in range(m):
        values[U64(i)] = _tail(units[U64(i)], p_low, p_width, mean, scale, low, high)


@njit(**_loop)
def truncated_blocks(dst, first, count, key, params):
    """Truncated normals by inversion: one word, one value, no rejection.

    ``p_low``/``p_width`` are the CDF at the lower bound and the CDF's rise across the
    interval, of the tail that keeps them small (``scale`` is negative when mirrored),
    so bounds far in a tail keep their precision. The quantile's central formula runs
    vectorized over every value when the interval's ``p`` can be central; the values whose
    ``p`` is in a tail (all of them, or the few) are then gathered branch-free and get
    AS 241's tail in one vectorized pass. Either way each value is the same function of its word.
    """
    wide_vectors()
    mean, scale, p_low, p_width, low, high = params[0], params[1], params[2], params[3], params[4], params[5]
    region = quantile_region(dst, p_low, p_width)
    words = np.empty(4 * SUB, np.uint32)  # in value order
    tailed = 4 * SUB if region != CENTRAL else 0
    tails = np.zeros(tailed, np.uint8)  # per value: 1 if its p is in a tail
    groups = np.empty(tailed // 8, np.int64)
    where = np.empty(tailed, np.int64)  # the tail values of a sub-block: positions, open uniforms, values
    units = np.empty(tailed, np.float64)
    values = np.empty(tailed, np.float64)
    for s in range(0, count, SUB):
        n = min(SUB, count - s) * values_per_block(dst)
        philox_words_in_order(words, key, first + U64(s), min(SUB, count - s))
        out = dst[values_per_block(dst) * s:]
        if region != TAIL:
            central_values(out, words, n, params, region == MIXED, tails)
            if region == CENTRAL:
                continue
        m = _gather_tails(out, words, n, region == TAIL, tails, groups, where, units)
        tail_values(units, m, p_low, p_width, mean, scale, low, high, values)
        for i in range(m):
            store(out, where[i], values[i])


@njit(**_loop)
def constant_blocks(dst, first, count, key, params):
    """``params[0]`` rounded once to ``dst``'s type in ``dst[:count * V]``; no bits drawn."""
    wide_vectors()
    value = params[0]
    for i in range(count * values_per_block(dst)):
        store(dst, i, value)
