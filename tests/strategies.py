"""Hypothesis strategies shared by the tests: lucid.testing's own, plus 1-D shapes for non-fan initializers."""

from hypothesis import strategies as st

from lucid import testing


def weight_shapes(min_dims=2, min_size=256, max_size=1 << 17):
    """Weight shapes of 2 to 5 axes (linear and convolution layouts); with ``min_dims=1``, flat vectors too."""
    shapes = testing.weight_shapes(min_size=min_size, max_size=max_size)
    if min_dims == 1:
        return st.one_of(shapes, st.integers(min_size, max_size).map(lambda n: (n,)))
    return shapes


dtypes = testing.dtypes()
seeds = st.integers(0, 2**64 - 1)
modes = st.sampled_from(["fan_in", "fan_out"])
gains = st.floats(0.0, 5.0)
