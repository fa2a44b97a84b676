"""Lucid's own elementary functions against NumPy, SciPy or mpmath over their whole input ranges.

float64 stream: log, sin, cos within 1 ulp. 32-bit stream: each transform within its stated relative
error (tools/fit_transforms.py), which keeps every float32 within 1 ulp of the exactly rounded value.
"""

import math
from fractions import Fraction

import mpmath
import numpy as np
import pytest
from numba import njit
from scipy import special

from lucid.kernels._fma import fma
from lucid.kernels.transforms import (
    CENTRAL32,
    COS32,
    COS32_TURN,
    RAD_PER_TURN32,
    SIN32,
    SIN32_TURN,
    bfloat16_bits,
    float16_bits,
    log32,
    log_positive,
    normal_quantile,
    normal_quantile32,
    quantile32_central,
    radius32,
    radius52,
    sin_cos_reduced,
    sin_cos_turn32,
    sin_cos_turn64,
    uniform32,
    unit52,
)

# The 32-bit stream's stated errors, relative (tools/fit_transforms.py prints the fits' bounds: LOG32 2**-27.9,
# SIN32 2**-28.0, COS32 2**-33.9, QUANTILE32 2**-34.1 with an exact log, about 2**-31.3 with LOG32's; the radius has
# half its log's error). Measured: 2**-27.87, 2**-28.87 (radius), 2**-27.97 (sin, cos), 2**-31.3 (quantile).
LOG32_ERROR = 2.0**-27.5
RADIUS32_ERROR = 2.0**-28.5
TURN32_ERROR = 2.0**-27.5
QUANTILE32_ERROR = 2.0**-30.5

U64 = np.uint64


@njit(cache=True)
def _log(x, out):
    for i in range(x.size):
        out[i] = log_positive(x[i])


@njit(cache=True)
def _sin_cos(a, s, c):
    for i in range(a.size):
        s[i], c[i] = sin_cos_reduced(a[i])


@njit(cache=True)
def _turn32(w, s, c):
    for i in range(w.size):
        s[i], c[i] = sin_cos_turn32(U64(w[i]))


@njit(cache=True)
def _turn64(w, s, c):
    for i in range(w.size):
        s[i], c[i] = sin_cos_turn64(U64(w[i]))


@njit(cache=True)
def _log32(x, out):
    for i in range(x.size):
        out[i] = log32(x[i])


@njit(cache=True)
def _quantiles(p, out64, out32):
    for i in range(p.size):
        out64[i] = normal_quantile(p[i])
        out32[i] = normal_quantile32(p[i])


@njit(cache=True)
def _central32(q, out):
    for i in range(q.size):
        out[i] = quantile32_central(q[i])


@njit(cache=True)
def _units_and_radii(w, u32, u52, r32, r52):
    for i in range(w.size):
        u32[i] = uniform32(U64(w[i]) & U64(0xFFFFFFFF), 0.0, 1.0)
        u52[i] = unit52(U64(w[i]))
        r32[i] = radius32(U64(w[i]) & U64(0xFFFFFFFF))
        r52[i] = radius52(U64(w[i]))


@njit(cache=True)
def _f16(x, out):
    for i in range(x.size):
        out[i] = float16_bits(x[i])


@njit(cache=True)
def _bf16(x, out):
    for i in range(x.size):
        out[i] = bfloat16_bits(x[i])


def ulp_error(got, want):
    return np.abs(got - want) / np.spacing(np.abs(want))


RNG = np.random.default_rng(20261129)


def test_log_over_its_whole_range():
    # Every binade from 2**-1022 to 2**1, random mantissas, and the edges of the mantissa split.
    exps = np.repeat(np.arange(-1022, 2), 2000)
    x = np.ldexp(RNG.uniform(1, 2, exps.size), exps)
    edges = np.array([1.0, np.nextafter(1.0, 0), 2.0**-52, 2.0**-32, 0.5, np.sqrt(0.5), np.nextafter(np.sqrt(0.5), 1),
                      np.nextafter(np.sqrt(0.5), 0), 1 - 2.0**-32, 1 - 2.0**-52, np.finfo(float).tiny])
    x = np.concatenate([x, edges, 1 - RNG.uniform(0, 1e-6, 100_000)])
    got = np.empty_like(x)
    _log(x, got)
    want = np.log(x)
    nonzero = want != 0
    assert np.max(ulp_error(got[nonzero], want[nonzero])) <= 1.0
    assert got[x == 1.0].tolist() == [0.0]


def log_inputs():
    """Every binade from 2**-1022 to 2**1, random mantissas, the edges of the mantissa split, and 1 - tiny."""
    exps = np.repeat(np.arange(-1022, 2), 2000)
    x = np.ldexp(RNG.uniform(1, 2, exps.size), exps)
    edges = np.array([1.0, np.nextafter(1.0, 0), 2.0**-52, 2.0**-32, 0.5, np.sqrt(0.5), np.nextafter(np.sqrt(0.5), 1),
                      np.nextafter(np.sqrt(0.5), 0), 1 - 2.0**-32, 1 - 2.0**-52, np.finfo(float).tiny])
    return np.concatenate([x, edges, 1 - RNG.uniform(0, 1e-6, 100_000), RNG.uniform(0.5, 2, 1_000_000)])


@njit(cache=True)
def _fma(a, b, c, out):
    for i in range(a.size):
        out[i] = fma(a[i], b[i], c[i])


def test_fma_rounds_once():
    """``fma`` against exact rationals: one rounding, where ``a * b + c`` in float64 rounds twice."""
    a = np.concatenate([RNG.uniform(-2, 2, 2000), [1 + 2.0**-30, 0.1, 1e308, 2.0**-600, 3.0]])
    b = np.concatenate([RNG.uniform(-2, 2, 2000), [1 - 2.0**-30, 0.1, 10.0, 2.0**-600, 1 / 3]])
    c = np.concatenate([-a[:2000] * b[:2000], [-1.0, -0.01, -1e308, 0.0, -1.0]])  # cancellations: fusing shows
    got = np.empty_like(a)
    _fma(a, b, c, got)
    want = [float(Fraction(x) * Fraction(y) + Fraction(z)) if math.isfinite(x * y) else x * y + z
            for x, y, z in zip(a.tolist(), b.tolist(), c.tolist())]
    assert got.tolist() == want
    assert got[2000] == -(2.0**-60) and got[2000] != a[2000] * b[2000] + c[2000]


def test_turn_coefficients_are_the_angle_polynomials_scaled_exactly():
    """``SIN32_TURN`` / ``COS32_TURN``: ``SIN32[i] * RAD**(2 i + 3)``, ``COS32[i] * RAD**(2 i + 2)``, rounded once."""
    rad = Fraction(RAD_PER_TURN32)
    assert SIN32_TURN == tuple(float(Fraction(c) * rad ** (2 * i + 3)) for i, c in enumerate(SIN32))
    assert COS32_TURN == tuple(float(Fraction(c) * rad ** (2 * i + 2)) for i, c in enumerate(COS32))


def test_log32_over_its_whole_range():
    x = log_inputs()
    got = np.empty_like(x)
    _log32(x, got)
    want = np.log(x)
    nonzero = want != 0
    assert np.max(np.abs(got[nonzero] - want[nonzero]) / np.abs(want[nonzero])) <= LOG32_ERROR
    assert got[x == 1.0].tolist() == [0.0]


def test_sin_cos_reduced_over_its_whole_range():
    a = np.concatenate([np.linspace(-np.pi / 4, np.pi / 4, 2_000_001), RNG.uniform(-1e-6, 1e-6, 10_000),
                        [0.0, -0.0, 1e-300, np.pi / 4, -np.pi / 4]])
    s, c = np.empty_like(a), np.empty_like(a)
    _sin_cos(a, s, c)
    nonzero = a != 0
    assert np.max(ulp_error(s[nonzero], np.sin(a[nonzero]))) <= 1.0
    assert np.max(ulp_error(c, np.cos(a))) <= 1.0
    s0, c0 = np.empty(2), np.empty(2)
    _sin_cos(np.array([0.0, -0.0]), s0, c0)
    assert s0.tolist() == [0.0, 0.0] and c0.tolist() == [1.0, 1.0]


def reference_turn(w, bits):
    from .reference import sin_cos_of_turn

    return sin_cos_of_turn(w, bits)


def test_sin_cos_of_32_bit_turns():
    # Random words plus every quadrant and octant boundary and its neighbours, and the words next to the zeros.
    marks = np.arange(0, 2**32, 2**28, dtype=np.int64)
    w = np.concatenate([RNG.integers(0, 2**32, 2_000_000), marks, marks + 1, (marks - 1) % 2**32,
                        (np.arange(-1000, 1000)[:, None] + np.arange(0, 2**32, 2**30)).ravel() % 2**32])
    s, c = np.empty(w.size), np.empty(w.size)
    _turn32(w.astype(np.uint64), s, c)
    rs, rc = reference_turn(w, 32)
    for got, want in ((s, rs), (c, rc)):
        nz = want != 0
        assert np.max(np.abs(got[nz] - want[nz]) / np.abs(want[nz])) <= TURN32_ERROR
        assert (got[~nz] == 0).all()
    np.testing.assert_allclose(s, np.sin(2 * np.pi * w / 2**32), rtol=0, atol=TURN32_ERROR)


def test_sin_cos_of_64_bit_turns():
    marks = np.arange(0, 2**64, 2**60, dtype=object)
    w = np.concatenate([RNG.integers(0, 2**64, 500_000, dtype=np.uint64).astype(object), marks,
                        marks + 1, (marks - 1) % 2**64])
    s, c = np.empty(w.size), np.empty(w.size)
    _turn64(w.astype(np.uint64), s, c)
    rs, rc = reference_turn(w >> 10, 54)
    nz = rs != 0
    assert np.max(ulp_error(s[nz], rs[nz])) <= 1.0 and np.max(ulp_error(c[rc != 0], rc[rc != 0])) <= 1.0


def test_units_and_radii():
    w = np.concatenate([RNG.integers(0, 2**64, 1_000_000, dtype=np.uint64),
                        np.array([0, 1, 2**32 - 1, 2**64 - 1, 2**63], np.uint64)])
    u32, u52, r32, r52 = (np.empty(w.size) for _ in range(4))
    _units_and_radii(w, u32, u52, r32, r52)
    lo = (w & np.uint64(0xFFFFFFFF)).astype(np.float64)
    np.testing.assert_array_equal(u32, lo / 2**32)
    np.testing.assert_array_equal(u52, (w >> np.uint64(12)).astype(np.float64) / 2**52)
    want32 = np.sqrt(-2 * np.log(1 - lo / 2**32))
    want52 = np.sqrt(-2 * np.log(1 - (w >> np.uint64(12)).astype(np.float64) / 2**52))
    np.testing.assert_allclose(r32, want32, rtol=RADIUS32_ERROR, atol=0)
    np.testing.assert_allclose(r52, want52, rtol=4e-16, atol=0)
    assert r32[(w & np.uint64(0xFFFFFFFF)) == 0].tolist() == [0.0] * int(np.sum((w & np.uint64(0xFFFFFFFF)) == 0))
    assert 0 <= r32.min() and r32.max() <= np.sqrt(2 * 32 * np.log(2)) + 1e-12
    assert r52.max() <= np.sqrt(2 * 52 * np.log(2)) + 1e-12


@njit(cache=True)
def _uniform32(w, low, width, out):
    for i in range(w.size):
        out[i] = uniform32(U64(w[i]), low, width)


def test_uniform32_is_one_fused_multiply_add():
    """``fma(width * 2**-32, w, low)`` rounded once, against exact rational arithmetic: also where unfused
    arithmetic (the product rounded, then the sum) gives another value."""
    from .reference import fused_multiply_add

    w = np.concatenate([RNG.integers(0, 2**32, 3000, dtype=np.uint64), np.array([0, 1, 2**31, 2**32 - 1], np.uint64)])
    unfused_differs = 0
    for low, width in [(-1.0, 2.0), (-0.3, 0.7), (1e-3, 3.3e-7), (-5.0, 9.87654321), (2.5, -1.25), (-1e-300, 3e-300)]:
        scale = width * 2.0**-32
        got = np.empty(w.size)
        _uniform32(w, low, width, got)
        np.testing.assert_array_equal(got, fused_multiply_add(scale, w, low))
        unfused_differs += int(np.sum(got != low + scale * w.astype(np.float64)))
    assert unfused_differs > 0


def test_radius32_over_every_binade_of_its_argument():
    # 1 - w / 2**32 for w = 2**32 - 2**k (arguments 2**-32 .. 1/2) and w = 2**k (near 1), plus neighbours.
    k = np.arange(32, dtype=np.uint64)
    w = np.concatenate([2**32 - 2**k, 2**k, 2**32 - 2**k - 1, 2**k + 1, [0, 2**32 - 1]]).astype(np.uint64) % 2**32
    u32, u52, r32, r52 = (np.empty(w.size) for _ in range(4))
    _units_and_radii(w, u32, u52, r32, r52)
    want = np.array([float(mpmath.sqrt(-2 * mpmath.log(1 - mpmath.mpf(int(v)) / 2**32))) for v in w])
    np.testing.assert_allclose(r32, want, rtol=RADIUS32_ERROR, atol=0)


def test_quantile32_central_region():
    """The central polynomial over |p - 1/2| < 0.48, against SciPy's ndtri (within 2**-51 of the quantile).

    As in the kernels, ``q = p - 1/2`` for a float64 ``p`` (exact for ``p >= 1/4``)."""
    p = np.concatenate([np.linspace(0.5 - CENTRAL32, 0.5 + CENTRAL32, 2_000_001),
                        0.5 + RNG.uniform(-1e-3, 1e-3, 100_000),
                        0.5 + np.array([0.0, 2.0**-53, -2.0**-54, 1e-9, -1e-9])])
    q = p - 0.5
    q = q[np.abs(q) < CENTRAL32]
    p = q + 0.5
    got = np.empty_like(q)
    _central32(q, got)
    want = special.ndtri(p)
    nz = want != 0
    assert np.max(np.abs(got[nz] - want[nz]) / np.abs(want[nz])) <= QUANTILE32_ERROR
    assert np.max(np.abs(got[~nz])) < 1e-15


def test_quantile32_against_mpmath_at_chosen_points():
    q = np.array([0.0, 1e-9, 0.1, 0.2, 0.3, 0.4, 0.45, 0.47, 0.475, np.nextafter(CENTRAL32, 0)])
    got = np.empty_like(q)
    _central32(q, got)
    mpmath.mp.dps = 40
    want = [float(-mpmath.sqrt(2) * mpmath.erfinv(-2 * mpmath.mpf(v))) for v in q]
    assert all(w == 0 and g == 0 or abs(g - w) <= QUANTILE32_ERROR * abs(w) for g, w in zip(got, want))


def test_whole_quantiles_over_their_whole_range():
    """Both streams' Phi^-1 over p from 5e-324 to 1 - 2**-53: float64 (AS 241) to 2e-15, 32-bit within its error."""
    p = np.concatenate([np.exp(RNG.uniform(math.log(5e-324), 0, 400_000)), RNG.uniform(0, 1, 400_000),
                        1 - np.exp(RNG.uniform(math.log(2.0**-53), 0, 200_000)),
                        0.5 + np.array([-CENTRAL32, CENTRAL32, np.nextafter(-CENTRAL32, 0),
                                        np.nextafter(CENTRAL32, 0)]),
                        [5e-324, 1e-300, 2.2e-308, 0.5, 1 - 2.0**-53]])
    p = p[(p > 0) & (p < 1)]
    got64, got32 = np.empty_like(p), np.empty_like(p)
    _quantiles(p, got64, got32)
    want = special.ndtri(p)
    nz = want != 0
    rel64 = np.abs(got64[nz] - want[nz]) / np.abs(want[nz])
    rel32 = np.abs(got32[nz] - want[nz]) / np.abs(want[nz])
    assert rel64.max() <= 2e-15 and rel32.max() <= QUANTILE32_ERROR
    tails = np.abs(p - 0.5) >= CENTRAL32  # beyond the central region both are AS 241's tail, bit for bit
    np.testing.assert_array_equal(got32[tails], got64[tails])


def _decode_bf16(bits):
    with np.errstate(invalid="ignore"):  # NaN patterns
        return (bits.astype(np.uint32) << 16).view(np.float32).astype(np.float64)


# 16-bit formats: (mantissa bits, exponent bias, kernel, decode bits to float64)
FORMATS = {
    "float16": (10, 15, _f16, lambda bits: bits.view(np.float16).astype(np.float64)),
    "bfloat16": (7, 127, _bf16, _decode_bf16),
}


def rounded_once(x, mbits, bias):
    """The slow obvious reference: ``x`` rounded to nearest even at the format's unit, inf past its largest value."""
    _, e = np.frexp(x)  # |x| in [2**(e-1), 2**e)
    unit = np.maximum(e - 1, 1 - bias) - mbits  # log2 of the unit in the last place at x (subnormals: fixed)
    r = np.ldexp(np.rint(np.ldexp(x, -unit)), unit)  # both scalings are exact; rint rounds half to even
    largest = (2 - 2.0**-mbits) * 2.0**bias
    return np.where(np.abs(r) > largest, np.copysign(np.inf, x), r)


def boundary_inputs(mbits, bias, decode):
    """Every finite value of the format, the midpoints to its neighbours, and one float64 ulp either side."""
    bits = np.arange(2**16, dtype=np.uint32).astype(np.uint16)
    v = decode(bits)
    v = np.unique(v[np.isfinite(v)])  # float64: safe to sort
    mid = (v[:-1] + v[1:]) / 2  # exact in float64
    top = (2 - 2.0**-mbits) * 2.0**bias
    edge = np.array([top + 2.0**(bias - mbits - 1), -(top + 2.0**(bias - mbits - 1)), 1e300, -1e300, 0.0, -0.0])
    x = np.concatenate([v, mid, np.nextafter(mid, np.inf), np.nextafter(mid, -np.inf), edge])
    return np.concatenate([x, RNG.standard_normal(200_000) * np.exp2(RNG.integers(-160, 130, 200_000))])


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_16_bit_rounding_is_once_from_float64(fmt):
    mbits, bias, kernel, decode = FORMATS[fmt]
    x = boundary_inputs(mbits, bias, decode)
    got = np.empty(x.size, np.uint16 if fmt == "float16" else np.int16)
    kernel(x, got)
    np.testing.assert_array_equal(decode(got.view(np.uint16)), rounded_once(x, mbits, bias))
    np.testing.assert_array_equal(np.signbit(decode(got.view(np.uint16))), np.signbit(x))


def test_float16_rounding_matches_numpys_direct_cast():
    # NumPy casts float64 to float16 directly, rounding once: an independent second reference.
    x = boundary_inputs(10, 15, FORMATS["float16"][3])
    got = np.empty(x.size, np.uint16)
    _f16(x, got)
    with np.errstate(over="ignore"):
        np.testing.assert_array_equal(got, x.astype(np.float16).view(np.uint16))


def test_double_rounding_is_gone():
    # The case: b rounds to 1.001 in float16 directly, to 1.002 through float32.
    b = 1 + 3 * 2**-11 - 2**-30
    got = np.empty(1, np.uint16)
    _f16(np.array([b]), got)
    assert got.view(np.float16)[0] == np.float16(b) < np.float16(np.float32(b))


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_16_bit_nan_stays_nan(fmt):
    mbits, bias, kernel, decode = FORMATS[fmt]
    got = np.empty(2, np.uint16 if fmt == "float16" else np.int16)
    kernel(np.array([np.nan, -np.inf]), got)
    values = decode(got.view(np.uint16))
    assert np.isnan(values[0]) and values[1] == -np.inf


# --- the truncated normal's values against an exact quantile ------------------------------------------
TRUNCATED_CASES = [  # (mean, std, a, b): central, both tails, 10 and 37 stds out, one-sided, unbounded
    (0.0, 1.0, -2.0, 2.0), (0.0, 0.02, -2.0, 2.0), (0.0, 1.0, -np.inf, np.inf), (0.0, 1.0, 3.0, 6.0),
    (0.0, 1.0, -6.0, -3.0), (0.0, 1.0, 10.0, 12.0), (0.0, 1.0, -12.0, -10.0), (0.0, 1.0, 10.0, np.inf),
    (0.0, 1.0, 37.0, 37.5), (0.0, 1.0, -np.inf, -37.0), (0.0, 1.0, 0.0, np.inf), (0.0, 1.0, -np.inf, 1.0),
    (3.0, 0.5, 1.0, 6.0), (0.0, 1.0, 1.0, 1.001),
]


@pytest.mark.parametrize("mean,std,a,b", TRUNCATED_CASES)
def test_float32_truncated_normals_are_within_one_ulp_of_the_exact_quantile(mean, std, a, b):
    """Each float32 value is within 1 ulp of ``mean + scale * ndtri(p)`` rounded (SciPy: within 2**-51), for the
    same words; bounds never crossed."""
    from lucid import _fill
    from lucid.nn._initializers import absolute_truncated_plan

    from .reference import key_of, words

    n = 1 << 17
    plan = absolute_truncated_plan(mean, std, a, b)
    got = np.empty(n, np.float32)
    _fill.fill_stream(got, plan, key_of(7), 0)
    u = (words(key_of(7), 0, 0, n // 4).reshape(-1).astype(np.float64) + 0.5) / 2.0**32
    p = np.maximum(plan.p_low + u * plan.p_width, 5e-324)
    exact = np.clip(plan.mean + plan.scale * special.ndtri(p), plan.low, plan.high)
    ulp = np.spacing(np.abs(exact).astype(np.float32)).astype(np.float64)
    assert np.max(np.abs(got - exact) / ulp) <= 1.0
    assert (got >= np.float32(a)).all() and (got <= np.float32(b)).all()
