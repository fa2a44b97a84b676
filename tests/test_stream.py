"""The fill kernels against the slow NumPy reference of the stream specification."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import lucid
from lucid import _fill
from lucid._plans import Normal, Uniform
from lucid.kernels import CHUNK, NORMAL, UNIFORM

from .reference import key_of, values

DTYPES = [np.float16, np.float32, np.float64]


def kernel_fill(kind, dtype, n, p, seed=0, draw=0, start=0):
    out = np.empty(n, dtype)
    plan = Uniform(*p[:3]) if kind == UNIFORM else Normal(*p[:2])
    _fill.fill_stream(out, plan, key_of(seed), draw, start)
    return out


def test_plans_carry_their_kernel_and_parameters():
    assert (Uniform(0.0, 1.0, 1.0).kind, Normal(0.0, 1.0).kind) == (UNIFORM, NORMAL)
    np.testing.assert_array_equal(_fill._kernel_params(Normal(2.0, 3.0)), [2.0, 3.0])


def test_fill_takes_the_generators_next_draw():
    g = lucid.random.Generator(8)
    g.set_state({"key": key_of(8), "draw": 5, "spawned": 0})
    out = np.empty(100, np.float32)
    _fill.fill(out, Normal(0.0, 1.0), g)
    np.testing.assert_array_equal(out, kernel_fill(NORMAL, np.float32, 100, (0.0, 1.0, 0.0), seed=8, draw=5))
    assert g.get_state()["draw"] == 6


def ulps(a, b):
    """Distance in units in the last place of the coarser dtype."""
    a64, b64 = a.astype(np.float64), b.astype(np.float64)
    return np.abs(a64 - b64) / np.spacing(np.maximum(np.abs(a64), np.abs(b64)).astype(a.dtype)).astype(np.float64)


@pytest.mark.parametrize("dtype", DTYPES)
@given(n=st.integers(1, 3000), start=st.integers(0, 2**40), seed=st.integers(0, 2**64 - 1),
       draw=st.integers(0, 2**40), low=st.floats(-10, 10), width=st.floats(0, 10))
def test_uniform_matches_reference_exactly(dtype, n, start, seed, draw, low, width):
    p = (low, width, low + width)
    got = kernel_fill(UNIFORM, dtype, n, p, seed, draw, start)
    want = values(UNIFORM, dtype, key_of(seed), draw, n, p, start)
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("dtype", DTYPES)
@given(n=st.integers(1, 3000), start=st.integers(0, 2**40), seed=st.integers(0, 2**64 - 1),
       draw=st.integers(0, 2**40), mean=st.floats(-10, 10), std=st.floats(0.01, 10))
def test_normal_matches_reference(dtype, n, start, seed, draw, mean, std):
    """Each normal is within 1 ulp of the float64 transform of the same words (2 ulp for float16)."""
    p = (mean, std, 0.0)
    got = kernel_fill(NORMAL, dtype, n, p, seed, draw, start)
    want = values(NORMAL, dtype, key_of(seed), draw, n, p, start)
    if dtype == np.float64:
        # Lucid's log/sin/cos versus libm: a few float64 ulp of the result, absolute near zero.
        np.testing.assert_allclose(got, want, rtol=1e-14, atol=1e-14 * std)
    else:
        assert np.max(ulps(got, want)) <= 1


@pytest.mark.parametrize("kind", [UNIFORM, NORMAL])
def test_float16_is_the_float64_value_rounded_once(kind):
    # The same 32-bit words as float32; the float64 value rounded once to float16, which differs from
    # rounding the float32 value again in a few cases (double rounding), never by more than one ulp.
    p = (0.0, 3.0, 3.0) if kind == UNIFORM else (0.0, 3.0)
    a = kernel_fill(kind, np.float32, 1_000_000, p, seed=5)
    b = kernel_fill(kind, np.float16, 1_000_000, p, seed=5)
    np.testing.assert_array_equal(b, values(kind, np.float16, key_of(5), 0, 1_000_000, p))
    twice = a.astype(np.float16)
    differ = b != twice
    assert 0 < differ.sum() < 100  # double rounding happens, rarely
    assert (np.abs(b[differ].astype(np.float64) - twice[differ]) <= np.spacing(np.abs(b[differ]))).all()


@pytest.mark.parametrize("kind", [UNIFORM, NORMAL])
@pytest.mark.parametrize("dtype", DTYPES)
def test_chunked_windows_equal_one_fill(kind, dtype):
    """Any split of the index range into windows gives the same bytes as one fill."""
    n = 3 * CHUNK + 12345
    p = (-1.0, 2.0, 1.0)
    whole = kernel_fill(kind, dtype, n, p, seed=9, draw=3)
    for cuts in ([0, 1, 7, CHUNK + 3, 2 * CHUNK, n], [0, CHUNK - 1, n - 5, n]):
        parts = [kernel_fill(kind, dtype, hi - lo, p, seed=9, draw=3, start=lo) for lo, hi in zip(cuts, cuts[1:])]
        np.testing.assert_array_equal(np.concatenate(parts), whole)


def test_large_start_and_draw():
    """Indices past 2**32 elements and draw numbers past 2**32 follow the same formula."""
    for start, draw in [(2**32 - 2, 0), (2**40 + 1, 2**32 + 5), (2**62, 2**63)]:
        for dtype in DTYPES:
            got = kernel_fill(NORMAL, dtype, 10, (0.0, 1.0, 0.0), seed=1, draw=draw, start=start)
            want = values(NORMAL, dtype, key_of(1), draw, 10, (0.0, 1.0, 0.0), start)
            assert np.max(ulps(got, want)) <= 1 if dtype != np.float64 else np.allclose(got, want, 0, 1e-14)


def test_angle_is_a_fraction_of_a_turn():
    """The exact quadrant reduction is the textbook angle 2*pi*w/2**32."""
    from .reference import sin_cos_of_turn

    w = np.random.default_rng(0).integers(0, 2**32, 10_000)
    s, c = sin_cos_of_turn(w, 32)
    np.testing.assert_allclose(s, np.sin(2 * np.pi * w / 2**32), atol=1e-14)
    np.testing.assert_allclose(c, np.cos(2 * np.pi * w / 2**32), atol=1e-14)
