"""bfloat16 PyTorch tensors: each value is the float64 value rounded once, to nearest even (``nox -s torch``).

A bfloat16 fill takes its values from 32-bit words, like float32 (the README's stream specification), and
rounds each float64 value once. The reference rounding below is integer-exact NumPy, itself checked against
ml_dtypes' float32 -> bfloat16 conversion (a single rounding when the value is a float32). The fills are
checked against it in every binade of the bfloat16 range, subnormals included, and at every tie.
"""

import math

import numpy as np
import pytest

import lucid
from lucid.nn import init
from lucid.testing import assert_normal, assert_uniform

from .reference import fused_multiply_add, words

torch = pytest.importorskip("torch", reason="needs PyTorch: nox -s torch runs these tests")
ml_dtypes = pytest.importorskip("ml_dtypes", reason="needs ml_dtypes (the torch extra): nox -s torch runs these")
lt = pytest.importorskip("lucid.torch", reason="needs PyTorch: nox -s torch runs these tests")

BF16_MAX = float(ml_dtypes.finfo(ml_dtypes.bfloat16).max)  # (2 - 2**-7) * 2**127


def reference_bits(x: np.ndarray) -> np.ndarray:
    """The bfloat16 bits of float64 ``x`` rounded once to nearest even (overflow to infinity)."""
    x = np.asarray(x, np.float64)
    a = np.abs(x)
    _, e = np.frexp(a)  # a = m * 2**e, m in [0.5, 1)
    quantum = np.ldexp(1.0, np.maximum(e, -125) - 8)  # 8 significant bits; below 2**-126 the step is 2**-133
    y = np.rint(a / quantum) * quantum  # exact: scaling by a power of two, then an integer
    y = np.where(y > BF16_MAX, np.inf, y)
    bits = (y.astype(np.float32).view(np.uint32) >> 16).astype(np.uint16)  # y is a bfloat16 number
    return bits | (np.signbit(x).astype(np.uint16) << 15)


def bits_of(t) -> np.ndarray:
    return t.detach().view(torch.int16).numpy().view(np.uint16).reshape(-1)


def test_the_reference_is_ml_dtypes_on_float32_values():
    """Every float32 whose low 16 bits are a tie, next to one, or arbitrary, for every high half."""
    high = np.arange(1 << 16, dtype=np.uint32) << 16
    low = np.array([0, 1, 0x7FFF, 0x8000, 0x8001, 0xFFFF, 0x1234, 0xC000], np.uint32)
    f32 = (high[:, None] | low[None, :]).reshape(-1).view(np.float32)
    f32 = f32[np.isfinite(f32)]
    want = f32.astype(ml_dtypes.bfloat16).view(np.uint16)
    np.testing.assert_array_equal(reference_bits(f32.astype(np.float64)), want)


def uniform_values(seed: int, n: int, low: float, high: float) -> np.ndarray:
    """The float64 values of a uniform fill from 32-bit words (the stream specification), before rounding."""
    w = words(lucid.random.Generator(seed).key, 0, 0, (n + 3) // 4).reshape(-1)[:n]
    return np.minimum(fused_multiply_add((high - low) * 2.0**-32, w, low), high)


def test_every_binade_rounds_once_to_nearest_even():
    """Uniform fills over each power-of-two interval from the smallest subnormal to the largest finite."""
    n = 4096
    for exponent in range(-133, 128):
        low, high = math.ldexp(1.0, exponent), min(math.ldexp(1.0, exponent + 1), BF16_MAX)
        for sign in (1, -1):
            a, b = sorted((sign * low, sign * high))
            t = torch.empty(n, dtype=torch.bfloat16)
            init.uniform(t, a, b, generator=lucid.random.Generator(exponent & 0xFFFF))
            want = reference_bits(uniform_values(exponent & 0xFFFF, n, a, b))
            np.testing.assert_array_equal(bits_of(t), want, err_msg=f"[{a}, {b}]")


def test_the_whole_range_in_one_fill():
    t = torch.empty(1 << 16, dtype=torch.bfloat16)
    init.uniform(t, -BF16_MAX, BF16_MAX, generator=lucid.random.Generator(1))
    np.testing.assert_array_equal(bits_of(t), reference_bits(uniform_values(1, 1 << 16, -BF16_MAX, BF16_MAX)))


def test_every_tie_and_its_neighbours():
    """Each midpoint between two adjacent positive bfloat16 numbers, and one float64 step to either side."""
    finite = np.arange(0, 0x7F7F, dtype=np.uint16)  # 0 up to the one below the largest finite
    lower = finite.view(ml_dtypes.bfloat16).astype(np.float64)
    upper = (finite + 1).view(ml_dtypes.bfloat16).astype(np.float64)
    ties = (lower + upper) / 2  # exact in float64
    values = np.concatenate([ties, np.nextafter(ties, 0), np.nextafter(ties, np.inf)])
    got = np.empty(values.size, np.uint16)
    t = torch.empty(1, dtype=torch.bfloat16)
    g = lucid.random.Generator(0)
    for i, v in enumerate(values.tolist()):
        init.normal(t, mean=v, std=0.0, generator=g)  # the value is the mean, rounded once
        got[i] = bits_of(t)[0]
    np.testing.assert_array_equal(got, reference_bits(values))
    assert (got[: ties.size] % 2 == 0).all()  # ties go to the even neighbour


@pytest.mark.parametrize("name", ["uniform", "normal", "trunc_normal", "kaiming_normal", "kaiming_uniform",
                                  "xavier_normal", "xavier_uniform", "orthogonal", "sparse"])
def test_a_torch_bfloat16_fill_is_the_numpy_bfloat16_fill(name):
    args = {"sparse": (0.3,)}.get(name, ())
    t = torch.empty(64, 48, dtype=torch.bfloat16)
    getattr(init, name)(t, *args, generator=lucid.random.Generator(7))
    a = np.empty((64, 48), ml_dtypes.bfloat16)
    getattr(init, name)(a, *args, generator=lucid.random.Generator(7))
    assert bits_of(t).tobytes() == a.view(np.uint16).reshape(-1).tobytes()


def test_a_bfloat16_model():
    m = torch.nn.Sequential(torch.nn.Linear(512, 256), torch.nn.Embedding(400, 256)).to(torch.bfloat16)
    loss = (m[0].weight * m[0].weight).sum()  # saves the bfloat16 weight
    lt.init_module(m, seed=0)
    assert m[0].weight.dtype == torch.bfloat16 and m[0].weight.requires_grad
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        loss.backward()
    assert_uniform(m[0].weight.detach().float().numpy(), -1 / math.sqrt(512), 1 / math.sqrt(512))
    assert_normal(m[1].weight.detach().float().numpy(), 0.0, 1.0)
    want = torch.empty(256, 512, dtype=torch.bfloat16)
    init.kaiming_uniform(want, a=math.sqrt(5), generator=lucid.random.Generator(0).child("0.weight"))
    assert torch.equal(m[0].weight, want)


def test_use_builds_bfloat16_layers():
    with lt.use(seed=0):
        a = torch.nn.Linear(64, 32, dtype=torch.bfloat16)
    with lt.use(seed=0):
        b = torch.nn.Linear(64, 32, dtype=torch.bfloat16)
    assert torch.equal(a.weight, b.weight) and a.weight.abs().max() <= 1 / 8
