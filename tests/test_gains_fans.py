"""PyTorch's semantics pinned as facts: the gain table, fans for 2-D to 5-D, explicit axes, errors."""

import inspect
import math

import numpy as np
import pytest

import lucid
from lucid.kernels import compute_fans
from lucid.nn import init

GAINS = {
    "linear": 1.0, "conv1d": 1.0, "conv2d": 1.0, "conv3d": 1.0, "conv_transpose1d": 1.0,
    "conv_transpose2d": 1.0, "conv_transpose3d": 1.0, "sigmoid": 1.0, "tanh": 5 / 3,
    "relu": math.sqrt(2.0), "leaky_relu": math.sqrt(2.0 / (1 + 0.01**2)), "selu": 0.75,
}


@pytest.mark.parametrize("name,gain", GAINS.items())
def test_gain_table(name, gain):
    assert init.calculate_gain(name) == pytest.approx(gain, rel=1e-15)


@pytest.mark.parametrize("slope", [0, 0.2, -0.5, 3])
def test_leaky_relu_gain_with_param(slope):
    assert init.calculate_gain("leaky_relu", slope) == pytest.approx(math.sqrt(2 / (1 + slope**2)), rel=1e-15)
    assert init.calculate_gain("relu", slope) == pytest.approx(math.sqrt(2))


def test_gain_errors():
    with pytest.raises(ValueError, match="unsupported nonlinearity 'gelu'"):
        init.calculate_gain("gelu")
    with pytest.raises(ValueError, match="negative_slope True is not a valid number"):
        init.calculate_gain("leaky_relu", True)
    with pytest.raises(ValueError, match="not a valid number"):
        init.calculate_gain("leaky_relu", "0.1")


# (shape, fan_in, fan_out) as torch.nn.init._calculate_fan_in_and_fan_out gives them.
FANS = [
    ((3, 5), 5, 3),
    ((16, 3, 7), 21, 112),
    ((64, 3, 3, 3), 27, 576),
    ((8, 4, 2, 3, 5), 120, 240),
    ((1, 1), 1, 1),
]


@pytest.mark.parametrize("shape,fan_in,fan_out", FANS)
def test_pytorch_fans(shape, fan_in, fan_out):
    assert compute_fans(shape) == (fan_in, fan_out)


def test_explicit_axes():
    assert compute_fans((5, 3), in_axis=0, out_axis=1) == (5, 3)  # a JAX (in, out) dense kernel
    assert compute_fans((3, 3, 16, 32), in_axis=-2, out_axis=-1) == (144, 288)  # HWIO
    assert compute_fans((4, 3, 3, 16, 32), in_axis=-2, out_axis=-1, batch_axis=0) == (144, 288)
    assert compute_fans((2, 3, 5, 7), in_axis=(1, 2), out_axis=3) == (2 * 15, 2 * 7)
    with pytest.raises(ValueError, match="different axes"):
        compute_fans((3, 4), in_axis=0, out_axis=0)
    with pytest.raises(ValueError, match="out of range"):
        compute_fans((3, 4), in_axis=2)
    with pytest.raises(TypeError, match="int or a tuple"):
        compute_fans((3, 4), in_axis=1.0)


@pytest.mark.parametrize("fn", [init.kaiming_normal_, init.kaiming_uniform_, init.xavier_normal_,
                                init.xavier_uniform_])
def test_pytorch_fan_error(fn):
    with pytest.raises(ValueError, match="at least 2 dimensions"):
        fn(lucid.zeros(5))


def test_pytorch_structural_errors():
    with pytest.raises(ValueError, match="2 dimensions"):
        init.eye_(lucid.zeros(2, 2, 2))
    with pytest.raises(ValueError, match="3, 4 or 5 dimensions"):
        init.dirac_(lucid.zeros(2, 2))
    with pytest.raises(ValueError, match="divisible by groups"):
        init.dirac_(lucid.zeros(3, 2, 3), groups=2)
    with pytest.raises(ValueError, match="at least 2 dimensions"):
        init.orthogonal_(lucid.zeros(3))
    with pytest.raises(ValueError, match="2 dimensions"):
        init.sparse_(lucid.zeros(3, 3, 3), 0.5)
    with pytest.raises(ValueError, match="mode must be one of 'fan_in', 'fan_out'"):
        init.kaiming_normal_(lucid.zeros(3, 3), mode="fan_avg")
    with pytest.raises(ValueError, match="nonlinearity must be one of"):
        init.kaiming_uniform_(lucid.zeros(3, 3), nonlinearity="gelu")
    with pytest.raises(ValueError, match="std must be >= 0"):
        init.normal_(lucid.zeros(3), std=-1)
    with pytest.raises(ValueError, match="a must be <= b"):
        init.uniform_(lucid.zeros(3), 1, 0)


# torch.nn.init's signatures (torch 2.x), as (name, default) pairs in order.
TORCH_SIGNATURES = {
    "uniform_": [("tensor", None), ("a", 0.0), ("b", 1.0), ("generator", None)],
    "normal_": [("tensor", None), ("mean", 0.0), ("std", 1.0), ("generator", None)],
    "trunc_normal_": [("tensor", None), ("mean", 0.0), ("std", 1.0), ("a", -2.0), ("b", 2.0), ("generator", None)],
    "constant_": [("tensor", None), ("val", None)],
    "ones_": [("tensor", None)],
    "zeros_": [("tensor", None)],
    "eye_": [("tensor", None)],
    "dirac_": [("tensor", None), ("groups", 1)],
    "xavier_uniform_": [("tensor", None), ("gain", 1.0), ("generator", None)],
    "xavier_normal_": [("tensor", None), ("gain", 1.0), ("generator", None)],
    "kaiming_uniform_": [("tensor", None), ("a", 0), ("mode", "fan_in"), ("nonlinearity", "leaky_relu"),
                         ("generator", None)],
    "kaiming_normal_": [("tensor", None), ("a", 0), ("mode", "fan_in"), ("nonlinearity", "leaky_relu"),
                        ("generator", None)],
    "orthogonal_": [("tensor", None), ("gain", 1), ("generator", None)],
    "sparse_": [("tensor", None), ("sparsity", None), ("std", 0.01), ("generator", None)],
}


@pytest.mark.parametrize("name,params", TORCH_SIGNATURES.items())
def test_pytorch_signatures(name, params):
    sig = inspect.signature(getattr(init, name))
    positional = [p for p in sig.parameters.values() if p.kind is p.POSITIONAL_OR_KEYWORD]
    got = [(p.name, None if p.default is p.empty else p.default) for p in positional]
    assert got == params
    assert all(p.kind is p.KEYWORD_ONLY for p in sig.parameters.values() if p not in positional)


@pytest.mark.parametrize("name", TORCH_SIGNATURES)
def test_pytorch_names_return_the_tensor(name):
    t = lucid.zeros(6, 4, 3) if name == "dirac_" else lucid.zeros(6, 4)
    args = {"constant_": (0.5,), "sparse_": (0.5,)}.get(name, ())
    assert getattr(init, name)(t, *args) is t
    a = np.zeros((6, 4, 3) if name == "dirac_" else (6, 4), np.float32)
    assert getattr(init, name)(a, *args) is a


def test_pytorch_names_equal_lucid_names():
    """The two vocabularies are one mechanism: the same generator state gives the same bytes."""
    pairs = [
        (lambda t, g: init.kaiming_normal_(t, 0.1, "fan_out", "leaky_relu", g),
         lambda t, g: init.kaiming_normal(t, "fan_out", a=0.1, generator=g)),
        (lambda t, g: init.xavier_uniform_(t, 2.0, g), lambda t, g: init.xavier_uniform(t, 2.0, generator=g)),
        (lambda t, g: init.trunc_normal_(t, 1.0, 2.0, -1.0, 3.0, g),
         lambda t, g: init.trunc_normal(t, 1.0, 2.0, -1.0, 3.0, generator=g)),
        (lambda t, g: init.kaiming_uniform_(t, generator=g),
         lambda t, g: init.variance_scaling_(t, 2.0, "fan_in", "uniform", generator=g)),
        (lambda t, g: init.xavier_normal_(t, generator=g),
         lambda t, g: init.variance_scaling(t, 1.0, "fan_avg", "normal", generator=g, in_axis=1, out_axis=0)),
        (lambda t, g: init.lecun_normal_(t, generator=g),
         lambda t, g: init.lecun_normal(t, generator=g, in_axis=1, out_axis=0)),
    ]
    for torch_style, lucid_style in pairs:
        a, b = lucid.zeros(30, 20), lucid.zeros(30, 20)
        torch_style(a, lucid.random.Generator(1))
        lucid_style(b, lucid.random.Generator(1))
        assert a.numpy().tobytes() == b.numpy().tobytes()


def test_kaiming_defaults_reproduce_the_seed_formula():
    """kaiming_normal(w) with a=0, leaky_relu: sigma = sqrt(2 / fan_in), exactly as the seed defined it."""
    a, b = lucid.zeros(50, 40), lucid.zeros(50, 40)
    init.kaiming_normal(a, generator=lucid.random.Generator(3))
    init.normal(b, 0.0, math.sqrt(2 / 40), generator=lucid.random.Generator(3))
    np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-6)


def test_jax_aliases_are_variance_scaling():
    cases = [(init.lecun_normal, 1.0, "fan_in", "truncated_normal"), (init.lecun_uniform, 1.0, "fan_in", "uniform"),
             (init.glorot_normal, 1.0, "fan_avg", "truncated_normal"), (init.glorot_uniform, 1.0, "fan_avg", "uniform"),
             (init.he_normal, 2.0, "fan_in", "truncated_normal"), (init.he_uniform, 2.0, "fan_in", "uniform")]
    for alias, scale, mode, dist in cases:
        a, b = lucid.zeros(3, 3, 8, 16), lucid.zeros(3, 3, 8, 16)
        alias(a, generator=lucid.random.Generator(2), in_axis=-2, out_axis=-1)
        init.variance_scaling(b, scale, mode, dist, generator=lucid.random.Generator(2), in_axis=-2, out_axis=-1)
        assert a.numpy().tobytes() == b.numpy().tobytes(), alias.__name__


def test_variance_scaling_errors():
    t = lucid.zeros(4, 4)
    before = t.numpy().tobytes()
    with pytest.raises(ValueError, match="distribution must be one of"):
        init.variance_scaling(t, distribution="cauchy")
    with pytest.raises(ValueError, match="mode must be one of 'fan_in', 'fan_out', 'fan_avg'"):
        init.variance_scaling(t, mode="avg")
    with pytest.raises(ValueError, match="scale must be >= 0"):
        init.variance_scaling(t, -1.0)
    with pytest.raises(ValueError, match="variance_scaling.*different axes"):
        init.variance_scaling(t, in_axis=0, out_axis=0)
    assert t.numpy().tobytes() == before


@pytest.mark.parametrize("slope", [None, 0.01, 0.2, 1e-3, 0.5, 3.0, 1e-200])
def test_leaky_relu_gain_is_pytorchs_float_bit_for_bit(slope):
    s = 0.01 if slope is None else slope
    assert init.calculate_gain("leaky_relu", slope) == math.sqrt(2.0 / (1 + s**2))  # torch.nn.init's formula
    assert init.calculate_gain("leaky_relu") == 1.4141428569978354  # the value torch 2.13 returns


def test_leaky_relu_gain_with_a_huge_slope_is_tiny_not_an_error():
    assert 0 < init.calculate_gain("leaky_relu", 1e200) < 1e-199
