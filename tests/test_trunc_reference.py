"""Every value of a truncated normal fill against an exact reference of the stream specification.

The reference (``tests/reference.py``) follows the README's "Stream specification" from the
same Philox words with other tools than Lucid's: ``Phi`` at the bounds in decimal arithmetic
by another series, ``Phi^-1`` by SciPy's ``ndtri`` (Cephes) instead of AS 241. Its float64
value has an error bar of its own, ``REFERENCE_ERROR * (|mean| + |scale * z|)``: SciPy's
``ndtri`` is within 1.8 * 2**-52 of the quantile, relatively (measured against mpmath at 160
bits over 13,000 p from 1e-323 to 1 - 1e-16), and ``mean + scale * z`` rounds twice more.

The stated accuracy is :data:`ULP_BOUND`: every stored value lies at most ``ULP_BOUND[dtype]``
steps of its dtype away from the reference rounded once to the dtype (from either end of the
error bar). 0 means correctly rounded (to the float64 precision of the specification); 1 means
within one unit in the last place of the correctly rounded value.

The error bar adds the stream's own stated error, :data:`STREAM_ERROR`: the 32-bit stream's
quantile (float32, float16, bfloat16) is a polynomial within ``2**-30.5`` of ``Phi^-1`` in its
central region (README, "Stream specification"), so its float64 value may stand that far from
the exact one; 0 ulp beyond that bar still means "the exact value's rounding, up to the stated
error", and each float32 value is within 1 ulp of the exactly rounded quantile.
"""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import lucid
from lucid import _fill, _special
from lucid.kernels import TRUNCATED_NORMAL
from lucid.nn import init
from lucid.nn._initializers import absolute_truncated_plan

from .reference import key_of, normal_cdf, truncated_normal_float64, values

# Lucid's stated accuracy, in units in the last place of the stored dtype (see the module's docstring).
# float64: AS 241 with Lucid's own log, measured at most 1 step beyond the reference's error bar over 4.7 M values.
ULP_BOUND = {np.dtype(np.float16): 0, np.dtype(np.float32): 0, np.dtype(np.float64): 2}
REFERENCE_ERROR = 2.0**-50  # the reference's float64 error bar, relative to |mean| + |scale * z|
# The stream's stated error, relative to the same size: the 32-bit stream's quantile (2**-34.1 from the fit,
# tools/fit_transforms.py, and 2**-31.3 measured with the 32-bit log's error in its argument; its tail is AS 241's);
# float64's is AS 241 itself, covered by its ULP_BOUND.
STREAM_ERROR = {np.dtype(np.float16): 2.0**-30.5, np.dtype(np.float32): 2.0**-30.5, np.dtype(np.float64): 0.0}

DTYPES = [np.float16, np.float32, np.float64]

# (mean, std, a, b): both tails, bounds at 10 and 37 standard deviations, one-sided and unbounded intervals.
CASES = [
    (0.0, 1.0, -2.0, 2.0),
    (0.0, 1.0, 3.0, 6.0),
    (0.0, 1.0, -6.0, -3.0),
    (0.0, 1.0, 10.0, 12.0),
    (0.0, 1.0, -12.0, -10.0),
    (0.0, 1.0, 10.0, math.inf),
    (0.0, 1.0, -math.inf, -10.0),
    (0.0, 1.0, 37.0, 37.5),
    (0.0, 1.0, -37.4, -37.0),
    (0.0, 1.0, 37.0, math.inf),
    (0.0, 1.0, -math.inf, -37.0),
    (0.0, 1.0, 0.0, math.inf),
    (0.0, 1.0, -math.inf, 1.0),
    (0.0, 1.0, -math.inf, math.inf),
    (0.0, 1.0, 1.0, 1.001),
    (0.0, 1.0, 0.25, 0.25),
    (3.0, 0.5, 1.0, 6.0),
    (-2.0, 3.0, -1e9, -2.0),
    (0.5, 2.0, -1.0, 0.6),
    (1000.0, 1e-3, 999.0, 1000.0001),
    (0.5, 0.0, -1.0, 1.0),
]

_INT = {np.dtype(np.float16): np.int16, np.dtype(np.float32): np.int32, np.dtype(np.float64): np.int64}


def ordinal(x: np.ndarray) -> np.ndarray:
    """Each float's position on the number line of its dtype: neighbours differ by 1, -0 and +0 are both 0."""
    ints = _INT[x.dtype]
    i = x.view(ints).astype(np.int64)
    return np.where(i < 0, -(i & np.iinfo(ints).max), i)


def steps_off(got: np.ndarray, reference: np.ndarray, size: np.ndarray) -> np.ndarray:
    """How many steps of ``got``'s dtype each value lies outside the error bar (the reference's and the
    stream's), rounded to that dtype."""
    slack = (REFERENCE_ERROR + STREAM_ERROR[got.dtype]) * size
    low = ordinal((reference - slack).astype(got.dtype))
    high = ordinal((reference + slack).astype(got.dtype))
    g = ordinal(got)
    return np.maximum(np.maximum(low - g, g - high), 0)


def assert_matches_reference(got: np.ndarray, reference: np.ndarray, size: np.ndarray, what: str) -> None:
    off = steps_off(got, reference, size)
    bound = ULP_BOUND[got.dtype]
    bad = np.flatnonzero(off > bound)
    if bad.size:
        i = bad[np.argmax(off[bad])]
        raise AssertionError(
            f"{what}: {bad.size} of {got.size} {got.dtype} values more than {bound} ulp from the reference; "
            f"worst at index {i}: {got[i]!r} vs reference {reference[i]!r} ({off[i]} ulp beyond its error bar)")


def lucid_fill(dtype, n, mean, std, a, b, seed=7, draw=0):
    t = lucid.zeros(n, dtype=dtype)
    g = lucid.random.Generator(seed)
    if draw:
        g.set_state({"key": key_of(seed), "draw": draw, "spawned": 0})
    init.trunc_normal(t, mean, std, a, b, generator=g)
    return t.numpy()


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("mean,std,a,b", CASES)
def test_every_value_matches_the_reference(dtype, mean, std, a, b):
    """Two chunks' worth (the parallel path), every value within ULP_BOUND of the reference."""
    n = (1 << 17) + 3
    got = lucid_fill(dtype, n, mean, std, a, b)
    reference, size = truncated_normal_float64(key_of(7), 0, n, mean, std, a, b, np.dtype(dtype) == np.float64)
    assert_matches_reference(got, reference, size, f"trunc_normal({mean}, {std}, {a}, {b})")
    with np.errstate(over="ignore"):  # a bound beyond float16's range rounds to an infinity
        low, high = np.asarray(a, dtype), np.asarray(b, dtype)
    assert (got >= low).all() and (got <= high).all()


# Bounds in standard deviations from the mean: near, far (to 37), or none.
lows = st.one_of(st.floats(-37.0, 37.0), st.just(-math.inf))
highs = st.one_of(st.floats(-37.0, 37.0), st.just(math.inf))


@pytest.mark.parametrize("dtype", DTYPES)
@given(n=st.integers(1, 3000), start=st.integers(0, 2**40), seed=st.integers(0, 2**64 - 1),
       draw=st.integers(0, 2**40), mean=st.floats(-10, 10), std=st.floats(1e-3, 10), lo=lows, hi=highs)
def test_windows_match_the_reference(dtype, n, start, seed, draw, mean, std, lo, hi):
    """Any seed, draw, window start and interval (either tail, mirrored or not; one-sided; unbounded)."""
    lo, hi = min(lo, hi), max(lo, hi)
    a, b = mean + std * lo, mean + std * hi
    plan = absolute_truncated_plan(mean, std, a, b)
    assert plan.kind == TRUNCATED_NORMAL
    got = np.empty(n, dtype)
    _fill.fill_stream(got, plan, key_of(seed), draw, start)
    reference, size = truncated_normal_float64(key_of(seed), draw, n, mean, std, a, b, got.dtype == np.float64,
                                               start)
    assert_matches_reference(got, reference, size, f"window [{start}, {start + n}) of ({mean}, {std}, {a}, {b})")


def test_reference_values_are_the_float64_value_rounded_once():
    for dtype in DTYPES:
        reference, _ = truncated_normal_float64(key_of(3), 5, 999, 0.5, 2.0, -1.0, 4.0, dtype == np.float64, 17)
        want = values(TRUNCATED_NORMAL, dtype, key_of(3), 5, 999, (0.5, 2.0, -1.0, 4.0), 17)
        assert want.dtype == dtype and np.array_equal(want, reference.astype(dtype))


def test_the_check_fails_one_ulp_off_and_on_double_rounding():
    """The comparison can fail: a float32 value one ulp off, a float16 value rounded through float32."""
    n = 1 << 18
    reference, size = truncated_normal_float64(key_of(7), 0, n, 0.0, 1.0, -2.0, 2.0, False)
    got = reference.astype(np.float32)
    assert_matches_reference(got, reference, size, "exact")
    got[100] = np.nextafter(got[100], np.float32(np.inf))
    with pytest.raises(AssertionError, match=f"1 of {n} float32 values more than 0 ulp"):
        assert_matches_reference(got, reference, size, "one ulp off")
    # float64 -> float32 -> float16 differs from one rounding where float32 lands on a float16 tie (1 in 20,000)
    twice = reference.astype(np.float32).astype(np.float16)
    assert (twice != reference.astype(np.float16)).any()
    with pytest.raises(AssertionError, match="float16 values more than 0 ulp"):
        assert_matches_reference(twice, reference, size, "double rounding")


@given(st.floats(-40.0, 40.0))
def test_reference_cdf_equals_lucids_at_any_bound(x):
    """Two decimal methods agree on Phi to the last bit: the same p for the same word."""
    assert normal_cdf(x) == _special.normal_cdf(x)


@pytest.mark.parametrize("x", [0.0, -2.0, 2.0, -10.0, 10.0, -37.0, -37.5, -38.0, 5e-324, -1e-300, math.inf, -math.inf])
def test_reference_cdf_at_chosen_points(x):
    assert normal_cdf(x) == _special.normal_cdf(x)
