"""Hypothesis strategies shared by the tests."""

import math

import numpy as np
from hypothesis import strategies as st

DTYPES = [np.float16, np.float32, np.float64]


@st.composite
def weight_shapes(draw, min_dims=2, max_dims=5, min_size=256, max_size=1 << 17):
    """Shapes of ``min_dims`` to ``max_dims`` axes whose element count lies in ``[min_size, max_size]``."""
    ndim = draw(st.integers(min_dims, max_dims))
    dims = []
    budget = max_size
    for axis in range(ndim):
        left = ndim - axis - 1
        cap = max(1, int(budget // (1 if left == 0 else 1)))
        cap = min(cap, 512 if axis < 2 else 7)
        dims.append(draw(st.integers(1, max(1, cap))))
        budget //= dims[-1]
    size = math.prod(dims)
    if size < min_size:
        dims[0] = dims[0] * math.ceil(min_size / size)
    while math.prod(dims) > max_size:
        i = int(np.argmax(dims))
        dims[i] = max(1, dims[i] // 2)
    return tuple(dims)


dtypes = st.sampled_from(DTYPES)
seeds = st.integers(0, 2**64 - 1)
modes = st.sampled_from(["fan_in", "fan_out"])
gains = st.floats(0.0, 5.0)
