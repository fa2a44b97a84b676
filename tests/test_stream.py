"""The fill kernels against the slow NumPy reference of the stream specification."""

import json

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from numba import njit

import lucid
from lucid import _fill
from lucid._plans import Normal, TruncatedNormal, Uniform
from lucid.kernels import CHUNK, NORMAL, UNIFORM
from lucid.kernels.distributions import uniform_needs_clamp
from lucid.kernels.transforms import normal_quantile, normal_quantile32
from lucid.nn._initializers import absolute_truncated_plan

from .conftest import run_python
from .reference import key_of, standard_normals, values, words

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


_INT = {np.dtype(np.float16): np.int16, np.dtype(np.float32): np.int32, np.dtype(np.float64): np.int64}


def ordinal(x):
    """Each float's position on the number line of its dtype: neighbours differ by 1, -0 and +0 are both 0."""
    ints = _INT[x.dtype]
    i = x.view(ints).astype(np.int64)
    return np.where(i < 0, -(i & np.iinfo(ints).max), i)


# The 32-bit stream's transforms are within 2**-27 of the exact ones, relatively (tools/fit_transforms.py: the
# radius 2**-28.9, sin and cos 2**-28.0): a 32-bit-stream normal is mean + std * z rounded once, with z within
# 2**-27 |z| of the exact transform.
NORMAL32_ERROR = 2.0**-27


def assert_32_bit_normals(got, mean, std, z):
    """``got`` (a 32-bit-stream dtype) lies between the roundings of the two ends of the exact value's error bar.

    The error bar: ``NORMAL32_ERROR |std z|`` from the transform, ``2**-52 (|mean| + |std z|)`` from ``mean +
    std * z``. Rounding is monotonic, so a value outside these bounds is a real error, however small."""
    exact = mean + std * z
    slack = NORMAL32_ERROR * np.abs(std * z) + 2.0**-52 * (abs(mean) + np.abs(std * z))
    low, high = ordinal((exact - slack).astype(got.dtype)), ordinal((exact + slack).astype(got.dtype))
    g = ordinal(got)
    bad = np.flatnonzero((g < low) | (g > high))
    assert bad.size == 0, f"{bad.size} values outside the error bar, e.g. {got[bad[0]]!r} vs exact {exact[bad[0]]!r}"


@pytest.mark.parametrize("dtype", DTYPES)
@given(n=st.integers(1, 3000), start=st.integers(0, 2**40), seed=st.integers(0, 2**64 - 1),
       draw=st.integers(0, 2**40), low=st.floats(-10, 10), width=st.floats(0, 10))
@example(n=3000, start=0, seed=1, draw=0, low=-0.3, width=0.7)  # fused and unfused arithmetic differ here
def test_uniform_matches_reference_exactly(dtype, n, start, seed, draw, low, width):
    p = (low, width, low + width)
    got = kernel_fill(UNIFORM, dtype, n, p, seed, draw, start)
    want = values(UNIFORM, dtype, key_of(seed), draw, n, p, start)
    np.testing.assert_array_equal(got, want)


def _largest_uniform(dtype, low, width):
    """The largest value the kernel's uniform computes before its clamp (word 2**32 - 1, or A = 2**64 - 1)."""
    from .reference import fused_multiply_add

    if dtype == np.float64:
        return low + width * ((2**52 - 1) / 2.0**52)
    return float(fused_multiply_add(width * 2.0**-32, np.array([2**32 - 1]), low)[0])


@pytest.mark.parametrize("dtype", DTYPES)
def test_uniform_clamps_exactly_where_values_pass_high(dtype):
    """The kernel leaves its clamp out only where no value can exceed ``high``: the decision at the largest
    value and just below it; fills with ``high`` inside the range (clamped), at the largest value and below."""
    dst = np.empty(0, np.uint16 if dtype == np.float16 else dtype)  # the kernels hold float16 as its bits
    for low, width in [(-0.3, 0.7), (1.0, 1e-9), (0.0, 2.0), (-1.0, 2.0)]:
        largest = _largest_uniform(dtype, low, width)
        assert not uniform_needs_clamp(dst, low, width, largest)
        assert uniform_needs_clamp(dst, low, width, np.nextafter(largest, -np.inf))
        assert uniform_needs_clamp(dst, low, width, np.nan)
    # A negative width (kernel level only; the initializers refuse b < a): its smallest word gives its top value.
    assert uniform_needs_clamp(dst, 1.0, -1.0, 0.5) and not uniform_needs_clamp(dst, 1.0, -1.0, 1.0)
    n = 50_000
    for low, width in [(-0.3, 0.7), (1.0, 1e-9)]:
        largest = _largest_uniform(dtype, low, width)
        highs = [low + width * q for q in (0.5, 0.9, 0.999)] + [largest, np.nextafter(largest, -np.inf)]
        for high in highs:
            p = (low, width, high)
            got = kernel_fill(UNIFORM, dtype, n, p, seed=4)
            np.testing.assert_array_equal(got, values(UNIFORM, dtype, key_of(4), 0, n, p))
            assert got.max() <= np.asarray(high).astype(dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@given(n=st.integers(1, 3000), start=st.integers(0, 2**40), seed=st.integers(0, 2**64 - 1),
       draw=st.integers(0, 2**40), mean=st.floats(-10, 10), std=st.floats(0.01, 10))
def test_normal_matches_reference(dtype, n, start, seed, draw, mean, std):
    """float64: within a few float64 ulp of libm's transform of the same words. 32-bit stream: the exact
    transform's value, rounded, up to the stream's stated error (:func:`assert_32_bit_normals`)."""
    p = (mean, std, 0.0)
    got = kernel_fill(NORMAL, dtype, n, p, seed, draw, start)
    if dtype == np.float64:
        want = values(NORMAL, dtype, key_of(seed), draw, n, p, start)
        # Lucid's log/sin/cos versus libm: a few float64 ulp of the result, absolute near zero.
        np.testing.assert_allclose(got, want, rtol=1e-14, atol=1e-14 * std)
    else:
        assert_32_bit_normals(got, mean, std, standard_normals(key_of(seed), draw, n, start))


@pytest.mark.parametrize("dtype", [np.float16, np.float32])
def test_32_bit_normals_are_within_one_ulp_of_the_exactly_rounded_value(dtype):
    """With mean 0 (every fan-based initializer) each value is within 1 ulp of the exact value rounded."""
    n = 1 << 20
    z = standard_normals(key_of(11), 2, n)
    for std in (1.0, 0.0123, 3e-3):
        got = kernel_fill(NORMAL, dtype, n, (0.0, std), seed=11, draw=2)
        assert_32_bit_normals(got, 0.0, std, z)
        off = np.abs(ordinal(got) - ordinal((std * z).astype(dtype)))
        assert off.max() <= 1
        # and almost always the exactly rounded value itself: 1.7% of float32 values are 1 ulp off (the transform's
        # error, up to 2**-27.4 relatively, against a float32's half ulp of 2**-25 to 2**-24), float16 values 5e-6.
        assert np.mean(off) < 0.03



@pytest.mark.parametrize("kind", [UNIFORM, NORMAL])
def test_float16_is_the_float64_value_rounded_once(kind):
    # The same 32-bit words as float32; the float64 value rounded once to float16, which differs from
    # rounding the float32 value again in a few cases (double rounding), never by more than one ulp.
    p = (0.0, 3.0, 3.0) if kind == UNIFORM else (0.0, 3.0)
    a = kernel_fill(kind, np.float32, 1_000_000, p, seed=5)
    b = kernel_fill(kind, np.float16, 1_000_000, p, seed=5)
    if kind == UNIFORM:
        np.testing.assert_array_equal(b, values(kind, np.float16, key_of(5), 0, 1_000_000, p))
    else:
        assert_32_bit_normals(b, 0.0, 3.0, standard_normals(key_of(5), 0, 1_000_000))
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


@pytest.mark.parametrize("dtype", DTYPES)
def test_streamed_uniform_fills_equal_cached_ones(dtype):
    """A uniform fill of ``STREAM_BYTES`` or more reaches memory by streamed stores: the same bytes as fills
    below the threshold, from every entry point, at several alignments of the destination, with a last chunk
    cut short; its ends are the reference's values."""
    from lucid.kernels import ENTRIES, make_job
    from lucid.kernels.driver import NO_AXES, STREAM_BYTES

    n = STREAM_BYTES // np.dtype(dtype).itemsize + CHUNK // 2 + 4
    p = (-0.3, 0.7, 0.4)
    half = n // 2  # windows below the threshold: not streamed
    cached = np.concatenate([kernel_fill(UNIFORM, dtype, half, p, seed=4, draw=2),
                             kernel_fill(UNIFORM, dtype, n - half, p, seed=4, draw=2, start=half)])
    for start in (0, n - 1000):
        np.testing.assert_array_equal(cached[start:start + 1000], values(UNIFORM, dtype, key_of(4), 2, 1000, p, start))
    params = np.array(p)
    job = make_job(key_of(4), 2, 0, n)
    raw = np.zeros(n + 40, dtype)
    view = raw.view(np.uint16) if dtype == np.float16 else raw
    for entry in (ENTRIES[UNIFORM].serial, ENTRIES[UNIFORM].parallel):
        for offset in (0, 1, 3, 8):
            raw[:] = 0
            entry(view[offset:offset + n], job, NO_AXES, params)
            np.testing.assert_array_equal(raw[offset:offset + n], cached)
            assert not raw[:offset].any() and not raw[offset + n:].any()
    if dtype == np.float32:  # the rows entries (shards, Dask chunks) in one dtype: each compiles for seconds
        rows = np.zeros((1, n), dtype)
        for entry in (ENTRIES[UNIFORM].rows, ENTRIES[UNIFORM].rows_parallel):
            rows[:] = 0
            entry(rows, np.zeros(1, np.int64), job, params)
            np.testing.assert_array_equal(rows[0], cached)


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16, np.float32, np.float64])
def test_stream_copy_is_a_plain_copy(dtype):
    """``stream_copy`` against slice assignment: every alignment of the destination, counts around a line,
    nothing outside the window written; a destination whose address is not a multiple of its item size."""
    from lucid.kernels._stream import stream_copy

    copy = njit(lambda dst, at, src, count: stream_copy(dst, at, src, count))
    src = np.arange(1, 300).astype(dtype)
    for at in range(0, 70):
        for count in (0, 1, 15, 16, 17, 31, 64, 65, 130, 299 - 70):
            dst = np.zeros(400, dtype)
            copy(dst, at, src, count)
            want = np.zeros(400, dtype)
            want[at:at + count] = src[:count]
            np.testing.assert_array_equal(dst, want, err_msg=f"at {at}, count {count}")
    if dtype != np.uint8:
        buffer = bytearray(401 * np.dtype(dtype).itemsize)
        dst = np.frombuffer(buffer, dtype, count=400, offset=1)  # not aligned to its item size
        copy(dst, 3, src, 200)
        np.testing.assert_array_equal(dst[3:203], src[:200])
        assert not dst[:3].any() and not dst[203:].any()
    wide = np.zeros(800, dtype)
    copy(wide[::2], 5, src, 200)  # a strided destination: every other item, none between written
    np.testing.assert_array_equal(wide[10:410:2], src[:200])
    assert np.count_nonzero(wide) == 200
    dst = np.zeros(400, dtype)
    copy(dst, 5, np.repeat(src, 2)[::2], 200)  # a strided source
    np.testing.assert_array_equal(dst[5:205], src[:200])
    assert np.count_nonzero(dst) == 200


STORES_SCRIPT = """
import json
import numpy as np
from lucid.kernels import ENTRIES, NO_AXES, NORMAL, UNIFORM, make_job

counts = {}
for kind in (UNIFORM, NORMAL):
    serial = ENTRIES[kind].serial
    serial(np.zeros(8, np.float32), make_job(1, 0, 0, 8), NO_AXES, np.array([0.0, 1.0, 1.0]))
    (ir,) = serial.inspect_llvm().values()
    counts[ENTRIES[kind].name] = ir.count("!nontemporal")
print(json.dumps(counts))
"""


def test_only_the_uniform_streams_its_stores(tmp_path):
    """The uniform's entry holds a non-temporal store (the copy of :mod:`lucid.kernels._stream`); the normal's
    holds none. Compiled in a fresh process with an empty cache: Numba keeps no IR for cached code. The bytes
    are tested above; this tests that streaming is there at all."""
    counts = json.loads(run_python(STORES_SCRIPT, NUMBA_CACHE_DIR=str(tmp_path)))
    assert counts == {"uniform": 1, "normal": 0}


def test_fills_across_the_block_counters_low_word_wrap():
    """A fill whose Philox blocks run past block 2**32 - 1 (where the counter's low word wraps and its high
    word steps) gives each element the value of a fill of that element alone; uniforms match the reference."""
    plans = [Uniform(-1.0, 2.0, 1.0), Normal(0.5, 2.0), TruncatedNormal(0.0, 1.0, 0.02, 0.96, -2.0, 2.0)]
    for dtype in DTYPES:
        per_block = 2 if dtype == np.float64 else 4
        for wrap in (2**32, 2**33):
            start = per_block * wrap - 37
            for plan in plans:
                whole = np.empty(80, dtype)
                _fill.fill_stream(whole, plan, key_of(5), 9, start)
                alone = np.empty(80, dtype)
                for i in range(80):
                    _fill.fill_stream(alone[i:i + 1], plan, key_of(5), 9, start + i)
                np.testing.assert_array_equal(whole, alone, err_msg=f"{plan} {dtype.__name__} {wrap}")
            want = values(UNIFORM, dtype, key_of(5), 9, 80, (-1.0, 2.0, 1.0), start)
            np.testing.assert_array_equal(kernel_fill(UNIFORM, dtype, 80, (-1.0, 2.0, 1.0), 5, 9, start), want)


def test_large_start_and_draw():
    """Indices past 2**32 elements and draw numbers past 2**32 follow the same formula."""
    for start, draw in [(2**32 - 2, 0), (2**40 + 1, 2**32 + 5), (2**62, 2**63)]:
        for dtype in DTYPES:
            got = kernel_fill(NORMAL, dtype, 10, (0.0, 1.0, 0.0), seed=1, draw=draw, start=start)
            if dtype == np.float64:
                want = values(NORMAL, dtype, key_of(1), draw, 10, (0.0, 1.0, 0.0), start)
                assert np.allclose(got, want, 0, 1e-14)
            else:
                assert_32_bit_normals(got, 0.0, 1.0, standard_normals(key_of(1), draw, 10, start))


def test_angle_is_a_fraction_of_a_turn():
    """The exact quadrant reduction is the textbook angle 2*pi*w/2**32."""
    from .reference import sin_cos_of_turn

    w = np.random.default_rng(0).integers(0, 2**32, 10_000)
    s, c = sin_cos_of_turn(w, 32)
    np.testing.assert_allclose(s, np.sin(2 * np.pi * w / 2**32), atol=1e-14)
    np.testing.assert_allclose(c, np.cos(2 * np.pi * w / 2**32), atol=1e-14)


@njit(cache=True)
def _truncated_reference(u, mean, scale, p_low, p_width, low, high, wide, out):
    """One value at a time, by the scalar quantile of the value's stream: no regions, no gathering."""
    for i in range(u.size):
        p = max(p_low + u[i] * p_width, 5e-324)
        z = normal_quantile(p) if wide else normal_quantile32(p)
        out[i] = min(max(mean + scale * z, low), high)


TRUNCATED_INTERVALS = [  # (mean, std, a, b): central only, mixed, tails only, mirrored, one-sided
    (0.0, 1.0, -2.0, 2.0), (0.0, 1.0, -1.0, 1.0), (0.0, 0.02, -2.0, 2.0), (0.0, 1.0, -np.inf, np.inf),
    (0.0, 1.0, 3.0, 6.0), (0.0, 1.0, -6.0, -3.0), (0.5, 2.0, -1.0, 4.0), (0.0, 1.0, 2.0, np.inf),
    (0.0, 1.0, -np.inf, -2.5), (0.0, 1.0, 10.0, 12.0), (0.0, 1.0, -37.4, -37.0), (1.0, 3.0, 0.9, 1.1),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("mean,std,a,b", TRUNCATED_INTERVALS)
def test_truncated_normal_is_the_scalar_quantile_of_each_word(dtype, mean, std, a, b):
    """Whatever formulas an interval needs (central, tails, both), each value is the stream's quantile of its word."""
    n = 3 * 4096 + 7
    plan = absolute_truncated_plan(mean, std, a, b)
    got = np.empty(n, dtype)
    _fill.fill_stream(got, plan, key_of(3), 1, 5)
    wide = np.dtype(dtype) == np.float64
    per_block = 2 if wide else 4
    w = words(key_of(3), 1, 5 // per_block, (5 + n + per_block - 1) // per_block - 5 // per_block)
    if wide:
        big = np.stack([w[:, 0] | (w[:, 1] << np.uint64(32)), w[:, 2] | (w[:, 3] << np.uint64(32))], 1)
        u = ((big >> np.uint64(12)).astype(np.float64) + 0.5) / 2.0**52
    else:
        u = (w.astype(np.float64) + 0.5) / 2.0**32
    u = u.reshape(-1)[5 % per_block:][:n]
    want = np.empty(n)
    _truncated_reference(u, plan.mean, plan.scale, plan.p_low, plan.p_width, plan.low, plan.high, wide, want)
    np.testing.assert_array_equal(got, want.astype(dtype))
