"""No partial writes: any argument, of any type or value, gives a documented exception or a fill; never a
crash, never another exception, never a changed tensor after an error."""

import math
import warnings

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import lucid
from lucid.nn import init


class Pretender:
    """Looks like a tensor from afar: shape, dtype and __array__, but not one."""

    shape = (4, 4)
    dtype = np.float32
    ndim = 2

    def __array__(self, dtype=None, copy=None):
        return np.zeros((4, 4), np.float32)


def make_tensor(kind):
    if kind == "pretender":
        return Pretender()
    if kind == "list":
        return [[0.0] * 4] * 4
    if kind == "none":
        return None
    dtype, shape, layout = kind
    base = np.arange(math.prod(shape) * 4, dtype=np.float64).reshape((-1,) + shape[1:]) if shape else np.array(1.5)
    base = base.astype(dtype)
    if layout == "strided" and shape:
        array = base[::2]
    elif layout == "readonly":
        array = base
        array.flags.writeable = False
    elif layout == "fortran":
        array = np.asfortranarray(base)
    else:
        array = base
    return lucid.Tensor(array) if layout != "ndarray" else array


tensor_kinds = st.one_of(
    st.sampled_from(["pretender", "list", "none"]),
    st.tuples(st.sampled_from([np.float16, np.float32, np.float64, np.int32, np.bool_, np.complex64]),
              st.sampled_from([(), (3,), (4, 4), (2, 3, 2), (0, 3)]),
              st.sampled_from(["plain", "strided", "readonly", "fortran", "ndarray"])),
)
values = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True), st.integers(-10**30, 10**30), st.booleans(), st.none(),
    st.text(max_size=3), st.just([1.0]), st.just(1j), st.just(np.float32(0.5)), st.just(object()),
    st.sampled_from(["fan_in", "fan_out", "fan_avg", "relu", "leaky_relu", "normal", "uniform", "truncated_normal"]),
)

CALLS = {
    "uniform": lambda t, v: init.uniform(t, *v[:2]),
    "normal": lambda t, v: init.normal(t, *v[:2]),
    "trunc_normal": lambda t, v: init.trunc_normal(t, *v[:4]),
    "constant": lambda t, v: init.constant(t, v[0]),
    "kaiming_normal": lambda t, v: init.kaiming_normal(t, v[0], a=v[1], nonlinearity=v[2]),
    "kaiming_uniform_": lambda t, v: init.kaiming_uniform_(t, *v[:3]),
    "xavier_normal": lambda t, v: init.xavier_normal(t, v[0]),
    "xavier_uniform_": lambda t, v: init.xavier_uniform_(t, v[0]),
    "variance_scaling": lambda t, v: init.variance_scaling(t, *v[:3]),
    "variance_scaling_axes": lambda t, v: init.variance_scaling(t, in_axis=v[0], out_axis=v[1], batch_axis=v[2]),
    "orthogonal": lambda t, v: init.orthogonal(t, v[0]),
    "sparse": lambda t, v: init.sparse(t, *v[:2]),
    "dirac": lambda t, v: init.dirac(t, v[0]),
    "eye": lambda t, v: init.eye(t),
    "generator": lambda t, v: init.normal(t, generator=v[0]),
    "lecun_normal": lambda t, v: init.lecun_normal(t, in_axis=v[0]),
}


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(sorted(CALLS)), tensor_kinds, st.lists(values, min_size=4, max_size=4))
def test_only_documented_errors_and_no_partial_writes(name, kind, args):
    tensor = make_tensor(kind)
    before = np.array(np.asarray(tensor), copy=True) if isinstance(tensor, (lucid.Tensor, np.ndarray)) else None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        try:
            CALLS[name](tensor, args)
        except (TypeError, ValueError) as e:
            assert str(e), "an error without a message"
            if before is not None:
                after = np.asarray(tensor)
                assert after.tobytes() == before.tobytes() and after.shape == before.shape
            return
    # It filled: then the tensor was a writable float tensor.
    assert isinstance(tensor, (lucid.Tensor, np.ndarray)) and np.asarray(tensor).dtype.kind == "f"
