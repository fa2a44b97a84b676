"""Interop: DLPack and NumPy sharing, and in-place fills of PyTorch tensors (when PyTorch is installed)."""

import numpy as np
import pytest

import lucid
from lucid.nn import init


def test_numpy_from_dlpack_shares_memory():
    t = lucid.zeros(3, 4)
    a = np.from_dlpack(t)
    a[0, 0] = 7
    assert t.numpy()[0, 0] == 7
    assert t.__dlpack_device__() == (1, 0)


def test_array_protocol_is_zero_copy():
    t = lucid.zeros(5)
    assert np.shares_memory(np.asarray(t), t.numpy())
    assert np.array(t, copy=False) is t.numpy()


class TestTorch:
    @pytest.fixture(autouse=True)
    def _torch(self):
        # In a fixture, not the class body: without PyTorch only these tests skip, not the module.
        self.torch = pytest.importorskip("torch", reason="needs PyTorch: nox -s torch (and nox -s parity) run these")

    def test_torch_from_dlpack_shares_memory(self):
        t = lucid.zeros(3, 4)
        tt = self.torch.from_dlpack(t)
        tt[1, 1] = 5
        assert t.numpy()[1, 1] == 5

    @pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
    def test_fills_a_parameter_in_place(self, dtype):
        p = self.torch.nn.Parameter(self.torch.zeros(64, 32, dtype=getattr(self.torch, dtype)))
        out = init.kaiming_normal_(p, generator=lucid.random.Generator(0))
        assert out is p and p.requires_grad
        want = lucid.zeros(64, 32, dtype=dtype)
        init.kaiming_normal(want, generator=lucid.random.Generator(0))
        assert p.detach().numpy().tobytes() == want.numpy().tobytes()

    def test_fills_a_non_contiguous_torch_view(self):
        base = self.torch.zeros(10, 8)
        view = base[:, ::2]
        init.uniform(view, -1, 1, generator=lucid.random.Generator(1))
        want = lucid.zeros(10, 4)
        init.uniform(want, -1, 1, generator=lucid.random.Generator(1))
        assert np.array_equal(base[:, ::2].numpy(), want.numpy()) and (base[:, 1::2] == 0).all()

    def test_refuses_what_it_cannot_fill(self):
        with pytest.raises(TypeError, match="got complex64"):
            init.normal(self.torch.zeros(3, dtype=self.torch.complex64))
        with pytest.raises(TypeError, match="got int64"):
            init.normal(self.torch.zeros(3, dtype=self.torch.int64))
