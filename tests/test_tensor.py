"""The Tensor facade: construction, attributes, zero-copy views and repr."""

import numpy as np
import pytest

import lucid
from lucid.nn.init import kaiming_normal


@pytest.mark.parametrize("make", [lambda: lucid.zeros((3, 2)), lambda: lucid.zeros(3, 2), lambda: lucid.zeros([3, 2])])
def test_zeros_forms(make):
    t = make()
    assert t.shape == (3, 2) and t.ndim == 2 and t.size == 6 and t.numel() == 6
    assert t.dtype == lucid.float32 and not t.requires_grad
    assert (t.numpy() == 0).all()


def test_creators_and_dtypes():
    assert (lucid.ones(2, 2).numpy() == 1).all()
    assert lucid.empty(4).shape == (4,)
    assert (lucid.full((2, 3), 1.5).numpy() == 1.5).all()
    assert lucid.full(3, 2.0).shape == (3,)
    for dt in (lucid.float16, lucid.float32, lucid.float64):
        assert lucid.zeros(2, dtype=dt).dtype == dt
    assert lucid.zeros(2, dtype=np.float64).dtype == np.float64
    t = lucid.tensor([[1.0, 2.0]])
    assert t.dtype == lucid.float32 and t.tolist() == [[1.0, 2.0]]
    assert lucid.tensor([1, 2]).dtype == np.int64
    assert lucid.tensor(np.zeros(2, np.float64)).dtype == np.float64
    assert lucid.tensor([1.0], dtype=lucid.float16).dtype == np.float16


def test_like_functions():
    base = lucid.zeros(2, 3, dtype=lucid.float64)
    for f in (lucid.zeros_like, lucid.ones_like, lucid.empty_like):
        t = f(base)
        assert t.shape == (2, 3) and t.dtype == np.float64
    assert lucid.zeros_like(base, dtype=lucid.float16).dtype == np.float16
    assert (lucid.full_like(base, 7.0).numpy() == 7).all()


def test_tensor_copies_its_data():
    a = np.zeros(3, np.float32)
    t = lucid.tensor(a)
    t[0] = 1
    assert a[0] == 0


def test_bad_sizes():
    with pytest.raises(ValueError, match="sizes must be >= 0"):
        lucid.zeros(-1, 2)
    with pytest.raises(TypeError, match="sizes must be ints"):
        lucid.zeros(2.5)
    with pytest.raises(TypeError, match="dtype"):
        lucid.zeros(2, dtype="not a dtype")


def test_numpy_is_zero_copy():
    t = lucid.zeros(3, 2)
    assert np.shares_memory(t.numpy(), np.asarray(t))
    assert t.numpy() is t.data
    np.asarray(t)[0, 0] = 5
    assert t.numpy()[0, 0] == 5
    assert np.asarray(t, dtype=np.float64).dtype == np.float64


def test_views_share_memory():
    w = lucid.zeros(4, 6)
    v = w[:, :2]
    assert isinstance(v, lucid.Tensor) and v.shape == (4, 2)
    kaiming_normal(v, generator=lucid.random.Generator(0))
    assert (w.numpy()[:, :2] != 0).all() and (w.numpy()[:, 2:] == 0).all()
    scalar_view = w[1, 1]
    assert isinstance(scalar_view, lucid.Tensor) and scalar_view.shape == ()
    scalar_view[...] = 9
    assert w.numpy()[1, 1] == 9


def test_requires_grad_is_kept_by_views_and_initializers():
    w = lucid.zeros(4, 4, requires_grad=True)
    kaiming_normal(w)
    assert w.requires_grad and w[0].requires_grad


def test_repr():
    t = lucid.tensor([[0.4231, -0.2342]])
    assert repr(t) == "Tensor([[ 0.423, -0.234]], requires_grad=False)"
    assert repr(lucid.zeros(1, dtype=lucid.float64)) == "Tensor([0.], dtype=float64, requires_grad=False)"
    assert "..." in repr(lucid.zeros(100, 100))


def test_len_item_and_wrap():
    assert len(lucid.zeros(5, 2)) == 5
    assert lucid.full((1,), 3.0).item() == 3.0
    a = np.ones(2)
    assert lucid.Tensor(a).numpy() is a
