"""Lucid's writes into PyTorch tensors behave like PyTorch's own in-place init (run by ``nox -s torch``).

For every public initializer: the autograd version counter moves by one, so backward through a graph
that saved the old values raises; no graph is recorded on a leaf that requires grad; nothing else about
the tensor changes; a refused call changes nothing, the version counter included.
"""

import math

import numpy as np
import pytest

import lucid
from lucid.nn import init

torch = pytest.importorskip("torch", reason="needs PyTorch: nox -s torch runs these tests")

# name -> (shape, extra positional arguments); every tensor function of lucid.nn.init.
CALLS = {
    "uniform": ((6, 4), (-1.0, 1.0)),
    "normal": ((6, 4), (0.0, 2.0)),
    "trunc_normal": ((6, 4), (0.0, 1.0, -1.0, 1.0)),
    "constant": ((6, 4), (0.5,)),
    "ones": ((6, 4), ()),
    "zeros": ((6, 4), ()),
    "kaiming_normal": ((6, 4), ()),
    "kaiming_uniform": ((6, 4), ()),
    "xavier_normal": ((6, 4), ()),
    "xavier_uniform": ((6, 4), ()),
    "lecun_normal": ((6, 4), ()),
    "lecun_uniform": ((6, 4), ()),
    "glorot_normal": ((6, 4), ()),
    "glorot_uniform": ((6, 4), ()),
    "he_normal": ((6, 4), ()),
    "he_uniform": ((6, 4), ()),
    "variance_scaling": ((6, 4), (2.0, "fan_avg", "uniform")),
    "truncated_normal": ((6, 4), (0.5,)),
    "trunc_normal_tf": ((6, 4), (0.0, 1.0, -1.0, 1.0)),
    "eye": ((6, 4), ()),
    "dirac": ((4, 3, 3), ()),
    "orthogonal": ((6, 4), ()),
    "sparse": ((6, 4), (0.5,)),
}
CALLS.update({name + "_": CALLS[name] for name in list(CALLS) if name + "_" in init.__all__})
del CALLS["trunc_normal_tf"]  # only timm's name, with the underscore
RANDOM = {name for name in CALLS if "generator" in __import__("inspect").signature(getattr(init, name)).parameters}


def test_every_initializer_is_covered():
    assert set(CALLS) == set(init.__all__) - {"calculate_gain"}


def call(name, tensor):
    shape, args = CALLS[name]
    kwargs = {"generator": lucid.random.Generator(0)} if name in RANDOM else {}
    return getattr(init, name)(tensor, *args, **kwargs)


def saved_leaf(shape, dtype=None):
    """A leaf parameter that requires grad, and a loss whose backward needs its current values."""
    p = torch.nn.Parameter(torch.rand(shape, dtype=dtype or torch.float32) + 0.5)
    loss = (p * p).sum()  # mul saves p
    return p, loss


@pytest.mark.parametrize("name", sorted(CALLS))
def test_backward_through_a_saved_tensor_raises_after_a_fill(name):
    p, loss = saved_leaf(CALLS[name][0])
    version = p._version
    call(name, p)
    assert p._version == version + 1
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        loss.backward()


@pytest.mark.parametrize("name", ["normal_", "kaiming_uniform_", "xavier_normal_", "zeros_", "orthogonal_"])
def test_pytorch_behaves_the_same(name):
    """The scenario itself: PyTorch's own in-place init makes backward raise the same way."""
    p, loss = saved_leaf(CALLS[name][0])
    version = p._version
    getattr(torch.nn.init, name)(p, *CALLS[name][1])
    assert p._version > version
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        loss.backward()


def snapshot(t):
    return {"requires_grad": t.requires_grad, "is_leaf": t.is_leaf, "grad_fn": t.grad_fn, "dtype": t.dtype,
            "shape": tuple(t.shape), "stride": t.stride(), "data_ptr": t.data_ptr(), "device": t.device,
            "grad": None if t.grad is None else t.grad.clone(), "type": type(t)}


@pytest.mark.parametrize("name", sorted(CALLS))
def test_nothing_else_about_a_parameter_changes(name):
    p = torch.nn.Parameter(torch.zeros(CALLS[name][0]))
    p.grad = torch.full_like(p, 3.0)
    before = snapshot(p)
    out = call(name, p)
    assert out is None or out is p
    after = snapshot(p)
    grad_before, grad_after = before.pop("grad"), after.pop("grad")
    assert before == after
    assert torch.equal(grad_before, grad_after)
    assert p.grad_fn is None  # no graph recorded
    # The parameter still trains: a fresh backward works and accumulates into the same grad.
    (p * 2).sum().backward()
    assert torch.equal(p.grad, grad_before + 2)


@pytest.mark.parametrize("name", sorted(RANDOM))
def test_values_are_the_lucid_values(name):
    shape = CALLS[name][0]
    p = torch.nn.Parameter(torch.zeros(shape))
    call(name, p)
    want = np.zeros(shape, np.float32)
    call(name, want)
    assert p.detach().numpy().tobytes() == want.tobytes()


def test_a_view_moves_its_base_version_counter():
    base = torch.rand(6, 8, requires_grad=True)
    y = base * 1.0  # not a leaf: views of it may be modified
    loss = (y * y).sum()
    view = y[:, ::2]
    init.normal(view, generator=lucid.random.Generator(1))
    assert torch.equal(y[:, 1::2], base[:, 1::2].detach())
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        loss.backward()


def test_inference_mode_tensors_are_filled():
    with torch.inference_mode():
        t = torch.zeros(64)
    init.normal(t, generator=lucid.random.Generator(2))
    assert t.abs().sum() > 0


class FakeCuda(torch.Tensor):
    """A CPU tensor that says it is on a CUDA device (this machine has none)."""

    @property
    def device(self):
        return torch.device("cuda", 0)


BAD = [
    ("normal", lambda p: init.normal(p, 0.0, -1.0), ValueError, "std must be >= 0"),
    ("kaiming_normal", lambda p: init.kaiming_normal(p, mode="fan_avg"), ValueError, "mode must be one of"),
    ("uniform_", lambda p: init.uniform_(p, 2.0, 1.0), ValueError, "a must be <= b"),
    ("eye", lambda p: init.eye(p.view(2, 3, 4)), ValueError, "2 dimensions"),
    ("generator", lambda p: init.normal(p, generator=torch.Generator()), TypeError,
     "generator must be a lucid.random.Generator or None, got Generator"),
    ("cuda", lambda p: init.normal(p.detach().as_subclass(FakeCuda)), TypeError,
     r"must be on the CPU .* got device cuda:0; fill it on the CPU, then move it with .to\(device\)"),
    ("meta", lambda p: init.normal(torch.empty(3, device="meta")), TypeError, "got device meta"),
    ("int", lambda p: init.normal(torch.zeros(3, dtype=torch.int64)), TypeError, "got int64"),
]


@pytest.mark.parametrize("case,bad,error,message", BAD, ids=[b[0] for b in BAD])
def test_a_refused_call_changes_nothing(case, bad, error, message):
    p, loss = saved_leaf((6, 4))
    values, version = p.detach().clone(), p._version
    with pytest.raises(error, match=message):
        bad(p)
    assert p._version == version and torch.equal(p.detach(), values)
    loss.backward()  # still valid: nothing was modified
    assert torch.allclose(p.grad, 2 * values)


def test_every_float_dtype_moves_the_counter():
    for dtype in (torch.float16, torch.float32, torch.float64):
        p, loss = saved_leaf((8, 8), dtype)
        init.kaiming_uniform_(p, a=math.sqrt(5), generator=lucid.random.Generator(0))
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            loss.backward()


ONE_PLAN = sorted(RANDOM - {"orthogonal", "orthogonal_", "sparse", "sparse_"})  # each filled from one plan


@pytest.mark.parametrize("name", ONE_PLAN)
@pytest.mark.parametrize("kind", [torch.Tensor, torch.nn.Parameter])
def test_a_repeated_call_on_a_torch_tensor_takes_the_short_way(name, kind, monkeypatch):
    """A second call with the same arguments, shape and dtype skips the whole way for a torch.Tensor and a
    Parameter too (as_target is not called): the bytes of an ndarray's fill, and the version counter moves."""
    from lucid.nn import _initializers as core

    shape = CALLS[name][0]
    for dtype in (torch.float16, torch.float32, torch.float64):
        want = np.zeros(shape, torch.empty(0, dtype=dtype).numpy().dtype)
        call(name, want)
        call(name, kind(torch.zeros(shape, dtype=dtype)))  # the whole way, which makes the plan ready
        with monkeypatch.context() as m:
            m.setattr(core, "as_target", None)
            again = kind(torch.zeros(shape, dtype=dtype))
            version = again._version
            call(name, again)
        assert again._version == version + 1
        assert again.detach().numpy().tobytes() == want.tobytes(), (name, dtype)


def test_a_ready_plan_still_refuses_what_the_whole_way_refuses():
    """After a plan is ready for a shape, a meta tensor, a bfloat16 tensor (filled the whole way) and a
    transposed view of that shape each get what the whole way gives them."""
    init.kaiming_normal_(torch.zeros(6, 4))
    init.kaiming_normal_(torch.zeros(6, 4))
    with pytest.raises(TypeError, match="must be on the CPU"):
        init.kaiming_normal_(torch.zeros(6, 4, device="meta"))
    from lucid import _fill

    b = torch.zeros(6, 4, dtype=torch.bfloat16)
    init.kaiming_normal_(b, generator=lucid.random.Generator(2))
    bits = np.zeros((6, 4), _fill.BFLOAT16)  # Lucid's bfloat16 values, from an ml_dtypes array
    init.kaiming_normal_(bits, generator=lucid.random.Generator(2))
    assert b.view(torch.int16).numpy().tobytes() == bits.tobytes()
    want = torch.zeros(6, 4)
    init.kaiming_normal_(want, generator=lucid.random.Generator(2))
    t = torch.zeros(4, 6).T
    init.kaiming_normal_(t, generator=lucid.random.Generator(2))
    assert torch.equal(t, want)
