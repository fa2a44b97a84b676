"""Distribution statistics of every initializer, property-tested over shapes, dtypes, modes, gains and seeds.

Each assertion of ``lucid.testing`` fails a correct implementation with probability
at most 1e-9 (exact z and chi-square tests, Hoeffding bounds, Kolmogorov-Smirnov).
"""

import math

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

import lucid
from lucid.kernels import compute_fans
from lucid.nn import init
from lucid.testing import assert_normal, assert_uniform

from .strategies import dtypes, gains, modes, seeds, weight_shapes


def filled(fn, shape, dtype, seed, *args, **kwargs):
    t = lucid.zeros(shape, dtype=dtype)
    fn(t, *args, generator=lucid.random.Generator(seed), **kwargs)
    return t.numpy()


def fan(shape, mode):
    fan_in, fan_out = compute_fans(shape)
    return fan_in if mode == "fan_in" else fan_out


@given(weight_shapes(), dtypes, modes, seeds)
def test_kaiming_normal(shape, dtype, mode, seed):
    x = filled(init.kaiming_normal, shape, dtype, seed, mode=mode)
    assert_normal(x, 0.0, math.sqrt(2.0 / fan(shape, mode)))


@given(weight_shapes(), dtypes, modes, seeds)
def test_kaiming_uniform(shape, dtype, mode, seed):
    x = filled(init.kaiming_uniform, shape, dtype, seed, mode=mode)
    bound = math.sqrt(6.0 / fan(shape, mode))
    assert_uniform(x, -bound, bound)


@given(weight_shapes(), dtypes, gains, seeds)
def test_xavier_normal(shape, dtype, gain, seed):
    x = filled(init.xavier_normal, shape, dtype, seed, gain)
    fan_in, fan_out = compute_fans(shape)
    assert_normal(x, 0.0, gain * math.sqrt(2.0 / (fan_in + fan_out)))


@given(weight_shapes(), dtypes, gains, seeds)
def test_xavier_uniform(shape, dtype, gain, seed):
    x = filled(init.xavier_uniform, shape, dtype, seed, gain)
    fan_in, fan_out = compute_fans(shape)
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
    assert_uniform(x, -bound, bound)


@given(weight_shapes(min_dims=1), dtypes, st.floats(-100, 100), st.floats(0, 100), seeds)
def test_normal(shape, dtype, mean, std, seed):
    x = filled(init.normal, shape, dtype, seed, mean, std)
    assert_normal(x, mean, std)


@given(weight_shapes(min_dims=1), dtypes, st.floats(-100, 100), st.floats(0, 100), seeds)
def test_uniform(shape, dtype, a, width, seed):
    x = filled(init.uniform, shape, dtype, seed, a, a + width)
    assert_uniform(x, a, a + width)


@given(weight_shapes(min_dims=1, min_size=1, max_size=4096), dtypes, st.floats(-1e4, 1e4))
def test_constant(shape, dtype, val):
    t = lucid.zeros(shape, dtype=dtype)
    init.constant(t, val)
    assert (t.numpy() == np.asarray(val, dtype)).all()


def test_uniform_bounds_are_never_exceeded_at_extremes():
    """Huge tensors of tight ranges: every value stays in [a, b] after rounding to the dtype."""
    for dtype in (np.float16, np.float32, np.float64):
        for a, b in [(0.0, 1.0), (-1e-3, 1e-3), (1.0, 1.0 + 1e-6), (-65000.0, 65000.0)]:
            x = filled(init.uniform, (1 << 20,), dtype, 1, a, b)
            assert x.min() >= np.asarray(a, dtype) and x.max() <= np.asarray(b, dtype)


def test_the_assertions_catch_wrong_distributions():
    """The statistical checks have power: a 2% scale error or a small shift fails them."""
    x = filled(init.normal, (1 << 18,), np.float32, 3, 0.0, 1.02)
    for wrong in [lambda: assert_normal(x, 0.0, 1.0), lambda: assert_normal(x + 0.02, 0.0, 1.02)]:
        try:
            wrong()
        except AssertionError:
            continue
        raise AssertionError("a wrong distribution passed")
    u = filled(init.uniform, (1 << 18,), np.float32, 3, 0.0, 0.98)
    try:
        assert_uniform(u, 0.0, 1.0)
    except AssertionError:
        return
    raise AssertionError("a wrong uniform passed")
