"""Lucid's own elementary functions against NumPy over their whole input ranges."""

import numpy as np
import pytest
from numba import njit

from lucid.kernels.transforms import (
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


@pytest.mark.parametrize("part", range(4))
def test_float16_rounding_matches_numpy(part):
    # A quarter of all float32 bit patterns per part, every 61st one, plus random ones.
    bits = np.arange(part * 2**30, (part + 1) * 2**30, 61, dtype=np.uint64).astype(np.uint32)
    bits = np.concatenate([bits, RNG.integers(0, 2**32, 1_000_000, dtype=np.uint64).astype(np.uint32)])
    x = bits.view(np.float32)
    got = np.empty(x.size, np.uint16)
    _f16(x, got)
    with np.errstate(over="ignore", invalid="ignore"):
        want = x.astype(np.float16)
    nan = np.isnan(x)
    np.testing.assert_array_equal(got[~nan], want[~nan].view(np.uint16))
    assert np.isnan(got[nan].view(np.float16)).all()


def test_float16_rounding_at_every_float16_boundary():
    # Every float16 value, the midpoints to its neighbours and one float32 ulp either side of them.
    h = np.arange(0, 2**16, dtype=np.uint32).astype(np.uint16).view(np.float16)
    h = h[np.isfinite(h)].astype(np.float32)
    with np.errstate(over="ignore"):
        up = np.nextafter(h.astype(np.float16), np.float16(np.inf)).astype(np.float32)
    mid = ((h.astype(np.float64) + up) / 2).astype(np.float32)
    x = np.concatenate([h, mid, np.nextafter(mid, np.float32(np.inf)), np.nextafter(mid, np.float32(-np.inf))])
    x = x[np.isfinite(x)]
    got = np.empty(x.size, np.uint16)
    _f16(x, got)
    with np.errstate(over="ignore"):
        np.testing.assert_array_equal(got, x.astype(np.float16).view(np.uint16))
