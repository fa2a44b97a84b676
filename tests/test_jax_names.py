"""JAX's and timm's vocabularies: each with its framework's layout, maths and signatures."""

import inspect
import math

import numpy as np
import pytest

import lucid
from lucid.nn import init
from lucid.testing import assert_normal, assert_truncated_normal, assert_uniform

TRUNC_STD = 0.87962566103423978  # std of N(0, 1) cut to [-2, 2]


def filled(fn, shape, *args, seed=0, **kwargs):
    w = np.zeros(shape, np.float64)
    fn(w, *args, generator=lucid.random.Generator(seed), **kwargs)
    return w


# --- JAX's names read JAX's kernel layout (..., in, out) ---------------------------------------
JAX_NAMES = [  # name, scale, fan (a function of fan_in, fan_out), distribution
    ("lecun_normal", 1.0, lambda i, o: i, "truncated_normal"),
    ("lecun_uniform", 1.0, lambda i, o: i, "uniform"),
    ("glorot_normal", 1.0, lambda i, o: (i + o) / 2, "truncated_normal"),
    ("glorot_uniform", 1.0, lambda i, o: (i + o) / 2, "uniform"),
    ("he_normal", 2.0, lambda i, o: i, "truncated_normal"),
    ("he_uniform", 2.0, lambda i, o: i, "uniform"),
]


def check_variance_scaling(w, std, distribution):
    """``w``'s values are the distribution with standard deviation ``std`` (at lucid.testing's 1e-9 rate)."""
    if distribution == "truncated_normal":
        sigma = std / TRUNC_STD
        assert_truncated_normal(w, 0.0, sigma, -2 * sigma, 2 * sigma)
    elif distribution == "uniform":
        bound = math.sqrt(3) * std
        assert_uniform(w, -bound, bound)
    else:
        assert_normal(w, 0.0, std)


@pytest.mark.parametrize("name,scale,fan,distribution", JAX_NAMES)
@pytest.mark.parametrize("shape,fan_in,fan_out", [((784, 10), 784, 10), ((3, 3, 64, 128), 9 * 64, 9 * 128)])
def test_jax_names_use_jax_layout_by_default(name, scale, fan, distribution, shape, fan_in, fan_out):
    w = filled(getattr(init, name), shape)
    check_variance_scaling(w, math.sqrt(scale / fan(fan_in, fan_out)), distribution)


def test_the_issues_flax_dense_kernel():
    # JAX: lecun_normal on a (784, 10) Dense kernel has std sqrt(1/784) = 0.0357, not 0.317.
    w = filled(init.lecun_normal, (784, 10))
    assert abs(w.std() - math.sqrt(1 / 784)) < 0.004


@pytest.mark.parametrize("name,scale,fan,distribution", JAX_NAMES)
def test_jax_names_take_pytorchs_layout_when_told(name, scale, fan, distribution):
    a = filled(getattr(init, name), (40, 300), in_axis=1, out_axis=0)
    b = filled(init.variance_scaling, (40, 300), scale, "fan_in" if fan(1, 3) == 1 else "fan_avg", distribution,
               in_axis=1, out_axis=0)
    assert a.tobytes() == b.tobytes()
    check_variance_scaling(a, math.sqrt(scale / fan(300, 40)), distribution)


def test_variance_scaling_defaults_are_jaxs():
    sig = inspect.signature(init.variance_scaling)
    assert [(p.name, p.default) for p in sig.parameters.values()][1:4] == [
        ("scale", 1.0), ("mode", "fan_in"), ("distribution", "truncated_normal")]
    assert (sig.parameters["in_axis"].default, sig.parameters["out_axis"].default) == (-2, -1)


def test_fan_geo_avg():
    w = filled(init.variance_scaling, (100, 400), 1.0, "fan_geo_avg", "normal")
    assert_normal(w, 0.0, math.sqrt(1.0 / math.sqrt(100 * 400)))


def test_jax_truncated_normal_bounds_are_in_standard_deviations():
    w = filled(init.truncated_normal, (200, 300), 0.5, -1.0, 3.0)
    assert_truncated_normal(w, 0.0, 0.5, -0.5, 1.5)
    default = filled(init.truncated_normal, (200, 300))
    assert_truncated_normal(default, 0.0, 0.01, -0.02, 0.02)
    assert [p.default for p in inspect.signature(init.truncated_normal).parameters.values()][1:4] == [1e-2, -2.0, 2.0]


def test_jax_truncated_normal_errors_name_jaxs_arguments():
    w = np.zeros(4)
    with pytest.raises(ValueError, match="lower must be <= upper"):
        init.truncated_normal(w, 1.0, 2.0, 1.0)
    with pytest.raises(ValueError, match="stddev must be >= 0"):
        init.truncated_normal(w, -1.0)
    assert (w == 0).all()


# --- orthogonal(column_axis=) ----------------------------------------------------------------------
@pytest.mark.parametrize("shape,axis", [((3, 3, 16, 8), -1), ((5, 12), 0), ((2, 7, 4), 1), ((6, 40), -1)])
def test_orthogonal_column_axis_makes_those_columns_orthonormal(shape, axis):
    w = filled(init.orthogonal, shape, column_axis=axis)
    m = np.moveaxis(w, axis, -1).reshape(-1, shape[axis])
    small = min(m.shape)
    gram = m.T @ m if m.shape[0] >= m.shape[1] else m @ m.T
    np.testing.assert_allclose(gram, np.eye(small), atol=1e-12)


def test_orthogonal_column_axis_errors():
    w = np.zeros((3, 4))
    with pytest.raises(ValueError, match="column_axis=2 is out of range"):
        init.orthogonal(w, column_axis=2)
    with pytest.raises(TypeError, match="column_axis must be an int or None"):
        init.orthogonal(w, column_axis=1.0)
    assert (w == 0).all()


# --- timm's names: JAX's maths on PyTorch's layout -------------------------------------------------
def test_timm_signatures():
    def params(fn):
        return [(p.name, p.default) for p in inspect.signature(fn).parameters.values()
                if p.kind is p.POSITIONAL_OR_KEYWORD]
    # timm.layers.weight_init (timm 1.0): trunc_normal_tf_(tensor, mean=0., std=1., a=-2., b=2.),
    # variance_scaling_(tensor, scale=1.0, mode='fan_in', distribution='normal'), lecun_normal_(tensor).
    empty = inspect.Parameter.empty
    assert params(init.trunc_normal_tf_)[:5] == [("tensor", empty), ("mean", 0.0), ("std", 1.0), ("a", -2.0),
                                                 ("b", 2.0)]
    assert params(init.variance_scaling_)[:4] == [("tensor", empty), ("scale", 1.0), ("mode", "fan_in"),
                                                  ("distribution", "normal")]
    assert params(init.lecun_normal_)[:1] == [("tensor", empty)]


def test_trunc_normal_tf_scales_after_truncating():
    w = np.zeros((300, 300))
    assert init.trunc_normal_tf_(w, 1.0, 0.5, -1.0, 2.0, lucid.random.Generator(0)) is w
    assert_truncated_normal(w, 1.0, 0.5, 0.5, 2.0)


@pytest.mark.parametrize("distribution", ["normal", "truncated_normal", "uniform"])
def test_timm_variance_scaling_reads_pytorchs_layout(distribution):
    w = filled(init.variance_scaling_, (64, 32, 3, 3), 2.0, "fan_out", distribution)
    check_variance_scaling(w, math.sqrt(2.0 / (64 * 9)), distribution)


def test_timm_lecun_normal_reads_pytorchs_layout():
    w = filled(init.lecun_normal_, (10, 784))  # torch.nn.Linear(784, 10).weight
    check_variance_scaling(w, math.sqrt(1 / 784), "truncated_normal")


# --- lucid.dask follows the same defaults ------------------------------------------------------
def test_dask_jax_names_follow_the_in_memory_default():
    ldask = pytest.importorskip("lucid.dask", reason="needs dask (the dask extra; nox -s tests)")
    pytest.importorskip("dask.array", reason="needs dask (the dask extra; nox -s tests)")
    for name in ("lecun_normal", "glorot_uniform", "he_normal"):
        x = getattr(ldask, name)((784, 10), chunks=(100, 10), seed=3, dtype="float64").compute()
        assert x.tobytes() == filled(getattr(init, name), (784, 10), seed=3).tobytes()
    x = ldask.variance_scaling((3, 3, 16, 32), 2.0, "fan_in", "normal", chunks=(1, 3, 16, 32), seed=1,
                               dtype="float64").compute()
    assert x.tobytes() == filled(init.variance_scaling, (3, 3, 16, 32), 2.0, "fan_in", "normal", seed=1).tobytes()


@pytest.mark.parametrize("call", [
    lambda d: d.uniform((0, 3), a=1.0, b=0.0),
    lambda d: d.normal((3, 0), std=-1.0),
    lambda d: d.trunc_normal((0,), a=2.0, b=1.0),
])
def test_dask_checks_arguments_when_the_shape_has_a_zero(call):
    ldask = pytest.importorskip("lucid.dask", reason="needs dask (the dask extra; nox -s tests)")
    pytest.importorskip("dask.array", reason="needs dask (the dask extra; nox -s tests)")
    with pytest.raises(ValueError):
        call(ldask)
