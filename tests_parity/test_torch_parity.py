"""Lucid against torch.nn.init itself: signatures, fans, gains, bounds and error types over Hypothesis-drawn shapes.

Run by ``nox -s parity``, which installs PyTorch. Where PyTorch raises RuntimeError for a
bad value, Lucid raises ValueError (its error policy); every other error type matches.
"""

import inspect
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import lucid
from lucid.kernels import compute_fans
from lucid.nn import init
from lucid.testing import DEFAULT_ALPHA, assert_uniform

torch = pytest.importorskip("torch")

shapes = st.lists(st.integers(1, 9), min_size=2, max_size=5).map(tuple)
NONLINEARITIES = ["linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
                  "conv_transpose3d", "sigmoid", "tanh", "relu", "leaky_relu", "selu"]


@given(shapes)
def test_fans(shape):
    assert compute_fans(shape) == torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(shape))


@given(st.sampled_from(NONLINEARITIES), st.one_of(st.none(), st.floats(-10, 10), st.integers(-5, 5)))
def test_gains(nonlinearity, param):
    assert init.calculate_gain(nonlinearity, param) == pytest.approx(torch.nn.init.calculate_gain(nonlinearity, param),
                                                                      rel=1e-15)


def assert_fills_the_bound(x: np.ndarray, bound: float, who: str) -> None:
    """Values inside ``[-bound, bound]`` (float32 rounding allowed) and reaching close to it, and uniform there.

    ``max |x|`` of n uniform draws stays below ``bound * q`` with probability ``q**n``: the lower
    side ``bound * alpha**(1/n)`` fails a correct fill with probability at most alpha.
    """
    top = float(np.abs(x).max())
    reach = bound * DEFAULT_ALPHA ** (1 / x.size) * (1 - 1e-6)
    assert reach <= top <= float(np.float32(bound)) * (1 + 1e-6), f"{who}: max |x| = {top!r}, bound {bound!r}"
    assert_uniform(x, -bound, bound)


@given(shapes, st.sampled_from(["fan_in", "fan_out"]), st.floats(0, 1), st.sampled_from(["relu", "leaky_relu"]))
def test_kaiming_uniform_bound(shape, mode, a, nonlinearity):
    """Both libraries draw uniformly inside the same bound, and come as close to it as uniform draws do."""
    fan_in, fan_out = compute_fans(shape)
    bound = init.calculate_gain(nonlinearity, a) * math.sqrt(3.0 / (fan_in if mode == "fan_in" else fan_out))
    t = torch.empty(shape)
    torch.nn.init.kaiming_uniform_(t, a, mode, nonlinearity)
    w = lucid.zeros(shape)
    init.kaiming_uniform_(w, a, mode, nonlinearity)
    assert_fills_the_bound(t.numpy(), bound, "torch")
    assert_fills_the_bound(w.numpy(), bound, "lucid")


@given(shapes, st.floats(0.1, 3))
def test_xavier_uniform_bound(shape, gain):
    fan_in, fan_out = compute_fans(shape)
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
    w = lucid.zeros(shape)
    init.xavier_uniform_(w, gain)
    t = torch.nn.init.xavier_uniform_(torch.empty(shape), gain)
    assert_fills_the_bound(t.numpy(), bound, "torch")
    assert_fills_the_bound(w.numpy(), bound, "lucid")


# Every public function of torch.nn.init that Lucid speaks (its in-place names and calculate_gain).
TORCH_NAMES = sorted(name for name, fn in vars(torch.nn.init).items()
                     if inspect.isfunction(fn) and not name.startswith("_") and name.endswith("_")) + ["calculate_gain"]
LAYOUT_AXES = {"in_axis", "out_axis", "batch_axis"}  # Lucid's keyword-only extras for other weight layouts


def test_lucid_has_every_torch_name():
    assert len(TORCH_NAMES) >= 15
    assert [name for name in TORCH_NAMES if not hasattr(init, name)] == []


@pytest.mark.parametrize("name", TORCH_NAMES)
def test_signature_is_torchs(name):
    """Names, order, kinds and defaults of PyTorch's parameters, read from torch.nn.init itself."""
    def part(params):
        return [(p.name, p.kind, p.default) for p in params]

    theirs = inspect.signature(getattr(torch.nn.init, name)).parameters.values()
    ours = inspect.signature(getattr(init, name)).parameters.values()
    extras = [p for p in ours if p.name in LAYOUT_AXES]
    assert all(p.kind is p.KEYWORD_ONLY for p in extras), extras
    assert part(p for p in ours if p.name not in LAYOUT_AXES) == part(theirs)


def test_statistics_agree_on_a_large_tensor():
    shape = (512, 256, 3, 3)
    for name, args in [("kaiming_normal_", ()), ("kaiming_uniform_", ()), ("xavier_normal_", ()),
                       ("xavier_uniform_", ()), ("trunc_normal_", (0.0, 0.02)), ("normal_", (0.5, 2.0))]:
        t = getattr(torch.nn.init, name)(torch.empty(shape), *args).numpy()
        w = getattr(init, name)(lucid.zeros(shape), *args).numpy()
        assert w.std() == pytest.approx(t.std(), rel=0.01), name
        assert abs(w.mean() - t.mean()) < 0.01 * t.std(), name


BAD_CALLS = [
    ("kaiming_normal_", ((4,),), {}),
    ("kaiming_uniform_", ((3, 4),), {"mode": "fan_avg"}),
    ("kaiming_normal_", ((3, 4),), {"nonlinearity": "gelu"}),
    ("xavier_uniform_", ((4,),), {}),
    ("eye_", ((2, 2, 2),), {}),
    ("dirac_", ((2, 2),), {}),
    ("dirac_", ((3, 2, 3),), {"groups": 2}),
    ("orthogonal_", ((4,),), {}),
    ("sparse_", ((2, 2, 2), 0.5), {}),
    ("normal_", ((3,), 0.0, -1.0), {}),
]


@pytest.mark.parametrize("name,args,kwargs", BAD_CALLS)
def test_error_types(name, args, kwargs):
    shape, rest = args[0], args[1:]
    try:
        getattr(torch.nn.init, name)(torch.empty(shape), *rest, **kwargs)
    except Exception as e:  # noqa: BLE001 - the type is what is compared
        torch_error = type(e)
    else:
        pytest.fail(f"torch accepted {name}{args}")
    expected = ValueError if torch_error is RuntimeError else torch_error
    with pytest.raises(expected):
        getattr(init, name)(lucid.zeros(shape), *rest, **kwargs)


def test_calculate_gain_errors():
    for bad in [("gelu", None), ("leaky_relu", True), ("leaky_relu", "x")]:
        with pytest.raises(ValueError):
            torch.nn.init.calculate_gain(*bad)
        with pytest.raises(ValueError):
            init.calculate_gain(*bad)
