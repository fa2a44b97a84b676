"""Lucid's own elementary functions against NumPy over their whole input ranges."""

import numpy as np
import pytest
from numba import njit

from lucid.kernels.transforms import (
    bfloat16_bits,
    float16_bits,
    log_positive,
    radius32,
    radius52,
    sin_cos_reduced,
    sin_cos_turn32,
    sin_cos_turn64,
    unit32,
    unit52,
)

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
def _units_and_radii(w, u32, u52, r32, r52):
    for i in range(w.size):
        u32[i] = unit32(U64(w[i]) & U64(0xFFFFFFFF))
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
    # Random words plus every quadrant and octant boundary and its neighbours.
    marks = np.arange(0, 2**32, 2**28, dtype=np.int64)
    w = np.concatenate([RNG.integers(0, 2**32, 2_000_000), marks, marks + 1, (marks - 1) % 2**32])
    s, c = np.empty(w.size), np.empty(w.size)
    _turn32(w.astype(np.uint64), s, c)
    rs, rc = reference_turn(w, 32)
    nz = rs != 0
    assert np.max(ulp_error(s[nz], rs[nz])) <= 1.0 and np.max(ulp_error(c[rc != 0], rc[rc != 0])) <= 1.0
    np.testing.assert_allclose(s, np.sin(2 * np.pi * w / 2**32), rtol=0, atol=2e-15)


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
    np.testing.assert_allclose(r32, want32, rtol=4e-16, atol=0)
    np.testing.assert_allclose(r52, want52, rtol=4e-16, atol=0)
    assert 0 <= r32.min() and r32.max() <= np.sqrt(2 * 32 * np.log(2)) + 1e-12
    assert r52.max() <= np.sqrt(2 * 52 * np.log(2)) + 1e-12


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
