"""Values stay finite, inside their bounds, and the same whatever the thread's flush-to-zero mode.

Covers: overflow refused before any write (normal, trunc_normal, uniform, constant, fan-based
initializers), bounds never crossed in any dtype, 16-bit outputs rounded once, bfloat16 arrays,
and identical bytes with flush-to-zero / denormals-are-zero on, in the serial and parallel paths.
"""

import math
import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import lucid
from lucid import _fill
from lucid.kernels import CHUNK, flush_mode, set_flush_mode
from lucid.kernels.driver import STREAM_BYTES
from lucid.nn import init

ml_dtypes = pytest.importorskip("ml_dtypes", reason="bfloat16 needs ml_dtypes (the test extra; nox -s tests)")
BF16 = np.dtype(ml_dtypes.bfloat16)
DTYPES = [np.dtype(np.float16), BF16, np.dtype(np.float32), np.dtype(np.float64)]
LARGEST = {"float16": 65504.0, "bfloat16": 3.3895313892515355e38, "float32": 3.4028234663852886e38,
           "float64": 1.7976931348623157e308}


def as_float64(x):
    """Exact float64 copy (bfloat16 and float16 widen exactly)."""
    return np.asarray(x).astype(np.float64)


def rounded(value, dtype):
    """``value`` rounded once to ``dtype`` (reference: exact rounding at the format's unit)."""
    if dtype == np.float64:
        return value
    mbits, bias = {"float16": (10, 15), "bfloat16": (7, 127), "float32": (23, 127)}[dtype.name]
    _, e = math.frexp(value)
    unit = max(e - 1, 1 - bias) - mbits
    return math.ldexp(round(math.ldexp(value, -unit)), unit)  # round(): ties to even, exact here


def bits(a):
    return a.view(np.uint16 if a.itemsize == 2 else np.uint32 if a.itemsize == 4 else np.uint64).copy()


# --- overflow: a ValueError before any write ----------------------------------------------------
OVERFLOWS = [
    ("normal", lambda t: init.normal(t, 0.0, 1e5), np.float16),
    ("normal", lambda t: init.normal(t, 60000.0, 1000.0), np.float16),
    ("normal", lambda t: init.normal(t, 0.0, 1e38), np.float32),
    ("normal", lambda t: init.normal(t, 0.0, 1e308), np.float64),
    ("trunc_normal", lambda t: init.trunc_normal(t, 0.0, 1e5, -np.inf, np.inf), np.float16),
    ("trunc_normal", lambda t: init.trunc_normal(t, 0.0, 1e4, -1e6, 0.0), np.float16),
    ("uniform", lambda t: init.uniform(t, 0.0, 1e6), np.float16),
    ("constant", lambda t: init.constant(t, 1e6), np.float16),
    ("constant", lambda t: init.constant(t, -1e39), np.float32),
    ("xavier_normal", lambda t: init.xavier_normal(t, gain=1e5), np.float16),
    ("he_normal", lambda t: init.variance_scaling(t, 1e12), np.float16),
    ("truncated_normal", lambda t: init.truncated_normal(t, 1e5), np.float16),
]


@pytest.mark.parametrize("name,call,dtype", OVERFLOWS)
def test_values_that_could_overflow_are_refused_before_any_write(name, call, dtype):
    t = np.full((4, 3), 7.0, dtype)
    before = t.copy()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no NumPy "overflow encountered in cast" either
        with pytest.raises(ValueError, match=r"would overflow (float16|float32|float64)"):
            call(t)
    assert bits(t).tobytes() == bits(before).tobytes()


def test_normal_in_float16_at_its_edge_is_allowed_and_finite():
    # |z| < 8.5 for the stream's Box-Muller radius: 65504 / 8.5 = 7706 is the largest std float16 takes.
    t = np.zeros(1 << 17, np.float16)
    init.normal(t, 0.0, 7700.0, generator=lucid.random.Generator(0))
    assert np.isfinite(t).all()
    with pytest.raises(ValueError, match="would overflow float16"):
        init.normal(t, 0.0, 7710.0)


def test_non_finite_constants_are_written_as_asked():
    t = np.zeros(3, np.float16)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        init.constant(t, math.inf)
        assert (t == np.inf).all()
        init.constant(t, math.nan)
        assert np.isnan(t).all()


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
def test_constants_are_rounded_once(dtype):
    value = 1 + 3 * 2**-11 - 2**-30  # float16: 1.001 directly, 1.002 through float32
    t = np.zeros(5, dtype)
    init.constant(t, value)
    assert (as_float64(t) == rounded(value, dtype)).all()


# --- bounds: never crossed, in any dtype -----------------------------------------------------------
def test_the_issues_uniform_case():
    b = 1 + 3 * 2**-11 - 2**-30
    t = lucid.zeros(64, dtype=lucid.float16)
    init.uniform(t, b, b)
    assert (t.numpy() == np.float16(b)).all()  # 1.001, not 1.002


bounds = st.floats(-1e4, 1e4, allow_nan=False, allow_subnormal=True)


@given(st.sampled_from(DTYPES), bounds, bounds, st.integers(0, 2**32))
def test_uniform_values_stay_within_the_rounded_bounds(dtype, a, b, seed):
    low, high = min(a, b), max(a, b)
    t = np.zeros(4099, dtype)
    init.uniform(t, low, high, generator=lucid.random.Generator(seed))
    v = as_float64(t)
    assert rounded(low, dtype) <= v.min() and v.max() <= rounded(high, dtype)


@given(st.sampled_from(DTYPES), st.floats(-50, 50), st.floats(1e-3, 100), bounds, bounds, st.integers(0, 2**32))
def test_trunc_normal_values_stay_within_the_rounded_bounds(dtype, mean, std, a, b, seed):
    low, high = min(a, b), max(a, b)
    if max(abs(low - mean), abs(high - mean)) / std > 30 and (low - mean) * (high - mean) > 0:
        return  # farther than float64's CDF reaches: refused, tested elsewhere
    t = np.zeros(4099, dtype)
    init.trunc_normal(t, mean, std, low, high, generator=lucid.random.Generator(seed))
    v = as_float64(t)
    assert rounded(low, dtype) <= v.min() and v.max() <= rounded(high, dtype)


# --- bfloat16 arrays -------------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["uniform", "normal", "trunc_normal"])
def test_bfloat16_is_the_32_bit_stream_rounded_once(kind):
    # The float32 and bfloat16 fills share their words. bfloat16 rounds the float64 value once, so it
    # equals the float32 value rounded again except where that lands exactly on a bfloat16 midpoint.
    args = {"uniform": (-3.0, 3.0), "normal": (0.5, 2.0), "trunc_normal": (0.0, 1.0, -1.5, 2.0)}[kind]
    f32 = np.zeros(200_000, np.float32)
    b16 = np.zeros(200_000, BF16)
    getattr(init, kind)(f32, *args, generator=lucid.random.Generator(4))
    getattr(init, kind)(b16, *args, generator=lucid.random.Generator(4))
    wide, got = f32.astype(np.float64), b16.astype(np.float64)
    want = np.array([rounded(x, BF16) for x in wide])
    step = np.spacing(np.abs(wide).astype(np.float32)).astype(np.float64)  # below the float32 ulp
    on_midpoint = np.abs(wide - want) == np.abs(np.array([rounded(x + s, BF16) for x, s in zip(wide, step)]) - wide)
    assert (got[~on_midpoint] == want[~on_midpoint]).all()
    assert (np.abs(got - wide) <= np.abs(want - wide) + 2 * np.spacing(np.abs(wide))).all()


def test_bfloat16_views_and_parallel_fills_match_one_contiguous_fill():
    base = np.zeros((300, 2 * 700), BF16)
    init.kaiming_normal(base[:, ::2], generator=lucid.random.Generator(9))
    want = np.zeros((300, 700), BF16)
    init.kaiming_normal(want, generator=lucid.random.Generator(9))
    assert base[:, ::2].tobytes() == want.tobytes()
    assert (base[:, 1::2].astype(np.float32) == 0).all()


# --- flush-to-zero and denormals-are-zero --------------------------------------------------------
SUBNORMAL_FILLS = [
    (np.float32, lambda t, g: init.normal(t, 0.0, 1e-39, generator=g)),
    (np.float32, lambda t, g: init.uniform(t, -1e-39, 1e-39, generator=g)),
    (np.float32, lambda t, g: init.trunc_normal(t, 0.0, 1e-39, -2e-39, 2e-39, generator=g)),
    (np.float32, lambda t, g: init.constant(t, 3e-40)),
    (np.float16, lambda t, g: init.normal(t, 0.0, 1e-6, generator=g)),
    (BF16, lambda t, g: init.normal(t, 0.0, 1e-39, generator=g)),
    (np.float64, lambda t, g: init.normal(t, 0.0, 1e-310, generator=g)),
    (np.float64, lambda t, g: init.uniform(t, -3e-308, 3e-308, generator=g)),
    # Not covered: float64 arguments that are themselves subnormal (below 2.2e-308), which Python's own
    # float arithmetic on the arguments (ranges, fans) reads under the caller's mode.
]


@pytest.mark.parametrize("size", [2**15, 4 * CHUNK + 3], ids=["serial", "parallel"])
@pytest.mark.parametrize("dtype,call", SUBNORMAL_FILLS)
def test_flush_to_zero_mode_does_not_change_a_single_bit(size, dtype, call):
    want = np.zeros(size, dtype)
    call(want, lucid.random.Generator(1))
    assert np.count_nonzero(bits(want)) > size // 2  # mostly subnormal, nonzero values
    got = np.zeros(size, dtype)
    assert not flush_mode()
    set_flush_mode(True)
    try:
        assert flush_mode()
        call(got, lucid.random.Generator(1))
        assert flush_mode()  # the caller's mode is put back
    finally:
        set_flush_mode(False)
    assert bits(got).tobytes() == bits(want).tobytes()


@pytest.mark.parametrize("dtype,bound", [(np.float32, 1e-39), (np.float64, 3e-308)])
def test_flush_to_zero_mode_does_not_change_a_streamed_uniform(dtype, bound):
    """A uniform fill of ``STREAM_BYTES`` or more is made in pieces and streamed to memory: under the
    caller's flush-to-zero mode its subnormal values are still the same bits."""
    size = STREAM_BYTES // np.dtype(dtype).itemsize + 16
    want = np.zeros(size, dtype)
    init.uniform(want, -bound, bound, generator=lucid.random.Generator(3))
    assert np.count_nonzero(want[-1000:]) > 900  # nonzero subnormals, up to the end
    got = np.zeros(size, dtype)
    set_flush_mode(True)
    try:
        init.uniform(got, -bound, bound, generator=lucid.random.Generator(3))
    finally:
        set_flush_mode(False)
    assert bits(got).tobytes() == bits(want).tobytes()


def test_the_issues_flush_to_zero_case():
    set_flush_mode(True)
    try:
        t = np.zeros(2**15, np.float32)
        init.normal(t, 0.0, 1e-39, generator=lucid.random.Generator(0))
    finally:
        set_flush_mode(False)
    assert np.count_nonzero(bits(t)) == 2**15


def test_fill_stream_accepts_every_plan_kind():
    out = np.zeros(7, np.float16)
    _fill.fill_constant(out, 0.1)
    assert (out == np.float16(0.1)).all()
