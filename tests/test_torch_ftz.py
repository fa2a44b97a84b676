"""The issue's case with PyTorch itself: torch.set_flush_denormal(True) changes no value Lucid writes."""

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="a PyTorch test: nox -s torch runs it")

import lucid  # noqa: E402
from lucid.kernels import CHUNK, flush_mode  # noqa: E402
from lucid.nn import init  # noqa: E402


@pytest.fixture
def flush_denormal():
    if not torch.set_flush_denormal(True):
        pytest.skip("this CPU has no flush-to-zero mode PyTorch can set")
    try:
        yield
    finally:
        torch.set_flush_denormal(False)


@pytest.mark.parametrize("size", [2**15, 4 * CHUNK + 3], ids=["serial", "parallel"])
def test_subnormal_values_survive_torch_set_flush_denormal(flush_denormal, size):
    assert flush_mode()
    a = np.zeros(size, np.float32)
    init.normal(a, 0.0, 1e-39, generator=lucid.random.Generator(0))
    assert np.count_nonzero(a.view(np.uint32)) == size  # every value kept, none flushed to zero
    t = torch.zeros(size, dtype=torch.bfloat16)
    init.normal(t, 0.0, 1e-39, generator=lucid.random.Generator(0))
    assert flush_mode()  # the caller's mode is left as it was
    torch.set_flush_denormal(False)
    b = np.zeros(size, np.float32)
    init.normal(b, 0.0, 1e-39, generator=lucid.random.Generator(0))
    u = torch.zeros(size, dtype=torch.bfloat16)
    init.normal(u, 0.0, 1e-39, generator=lucid.random.Generator(0))
    assert a.tobytes() == b.tobytes() and torch.equal(t.view(torch.int16), u.view(torch.int16))
