"""Statistics of the initializers beyond the seed's: truncated normal, variance scaling, orthogonal, sparse."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

import lucid
from lucid.kernels import compute_fans
from lucid.nn import init
from lucid.nn._initializers import TRUNCATED_STD_2
from lucid.testing import assert_normal, assert_truncated_normal, assert_uniform, ks_statistic

from .strategies import dtypes, seeds, weight_shapes


def gen(seed):
    return lucid.random.Generator(seed)


bounds = st.tuples(st.floats(-8, 8), st.floats(0.05, 6)).map(lambda t: (t[0], t[0] + t[1]))


@given(weight_shapes(min_dims=1), dtypes, st.floats(-5, 5), st.floats(0.01, 5), bounds, seeds)
def test_trunc_normal(shape, dtype, mean, std, ab, seed):
    a, b = mean + std * ab[0], mean + std * ab[1]
    t = lucid.zeros(shape, dtype=dtype)
    init.trunc_normal(t, mean, std, a, b, generator=gen(seed))
    assert_truncated_normal(t.numpy(), mean, std, a, b)


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
@pytest.mark.parametrize("a,b", [(3.0, 6.0), (-6.0, -3.0), (8.0, 9.0), (-2.0, 2.0), (0.0, math.inf),
                                 (-math.inf, -5.0), (-math.inf, math.inf), (1.0, 1.0 + 1e-3)])
def test_trunc_normal_tails(dtype, a, b):
    """Bounds far in one tail, where rejection would stall: exact bounds, the right mean, variance and shape."""
    t = lucid.zeros(1 << 18, dtype=dtype)
    init.trunc_normal(t, 0.0, 1.0, a, b, generator=gen(7))
    x = t.numpy()
    assert_truncated_normal(x, 0.0, 1.0, a, b)
    law = stats.truncnorm(a, b)
    n = x.size
    assert abs(x.astype(np.float64).mean() - law.mean()) < 7 * law.std() / math.sqrt(n) + np.spacing(np.float16(9))


def test_trunc_normal_degenerate_cases():
    t = lucid.zeros(100)
    init.trunc_normal(t, 0.5, 0.0, -1.0, 1.0)
    assert (t.numpy() == 0.5).all()
    init.trunc_normal(t, 5.0, 0.0, -1.0, 1.0)
    assert (t.numpy() == 1.0).all()
    init.trunc_normal(t, 0.0, 1.0, 0.25, 0.25)
    assert (t.numpy() == 0.25).all()
    with pytest.raises(ValueError, match="NaN"):
        init.trunc_normal(t, 0.0, 1.0, math.nan, 1.0)


@given(weight_shapes(), dtypes, st.floats(0.1, 4), st.sampled_from(["fan_in", "fan_out", "fan_avg"]), seeds,
       st.sampled_from(["pytorch", "jax", "hwio-batch"]))
def test_variance_scaling_distributions(shape, dtype, scale, mode, seed, layout):
    axes = {"pytorch": {"in_axis": 1, "out_axis": 0}, "jax": {"in_axis": -2, "out_axis": -1},
            "hwio-batch": {"in_axis": -2, "out_axis": -1, "batch_axis": 0}}[layout]
    if layout == "hwio-batch" and len(shape) < 3:
        shape = (2,) + shape
    fan_in, fan_out = compute_fans(shape, **axes)
    fan = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[mode]
    std = math.sqrt(scale / fan)
    for dist in ["truncated_normal", "normal", "uniform"]:
        t = lucid.zeros(shape, dtype=dtype)
        init.variance_scaling(t, scale, mode, dist, generator=gen(seed), **axes)
        x = t.numpy()
        if dist == "normal":
            assert_normal(x, 0.0, std)
        elif dist == "uniform":
            assert_uniform(x, -math.sqrt(3) * std, math.sqrt(3) * std)
        else:
            sigma = std / TRUNCATED_STD_2
            assert_truncated_normal(x, 0.0, sigma, -2 * sigma, 2 * sigma)


def test_truncation_constant_restores_the_variance():
    assert stats.truncnorm(-2, 2).std() == pytest.approx(TRUNCATED_STD_2, rel=1e-15)


@given(st.integers(1, 40), st.integers(1, 40), st.sampled_from([(), (3,), (2, 2)]), st.floats(0.1, 3), seeds)
def test_orthogonal_is_orthogonal(rows, cols, trailing, gain, seed):
    shape = (rows, cols) + trailing
    for dtype, tol in [(np.float32, 1e-5), (np.float64, 1e-12)]:
        t = lucid.zeros(shape, dtype=dtype)
        init.orthogonal(t, gain, generator=gen(seed))
        q = t.numpy().reshape(rows, -1).astype(np.float64)
        gram = q @ q.T if rows < q.shape[1] else q.T @ q
        np.testing.assert_allclose(gram / gain**2, np.eye(gram.shape[0]), rtol=0, atol=tol)


def test_orthogonal_is_haar_distributed():
    """For a Haar n x n orthogonal matrix, Q[0,0]**2 ~ Beta(1/2, (n-1)/2) and its sign is fair."""
    n, draws = 6, 4000
    g = gen(11)
    entries = np.empty(draws)
    for i in range(draws):
        t = lucid.zeros(n, n, dtype=lucid.float64)
        init.orthogonal(t, generator=g)
        entries[i] = t.numpy()[0, 0]
    beta = stats.beta(0.5, (n - 1) / 2)

    def cdf(v):
        return 0.5 + 0.5 * np.sign(v) * beta.cdf(v * v)

    d = ks_statistic(entries, cdf)
    assert stats.kstwo.sf(d, draws) > 1e-9


@given(st.integers(1, 60), st.integers(1, 30), st.floats(0, 1), seeds)
def test_sparse_zeros_per_column(rows, cols, sparsity, seed):
    t = lucid.zeros(rows, cols)
    init.sparse(t, sparsity, std=0.5, generator=gen(seed))
    zeros = (t.numpy() == 0).sum(axis=0)
    assert (zeros == math.ceil(sparsity * rows)).all()


def check_zero_placement(zero: np.ndarray, k: int, alpha: float = 1e-9) -> None:
    """Each column's ``k`` zeros are a uniform random subset of the rows, independently of the other columns.

    Two consequences, each checked at false-positive rate ``alpha``:
    * each row is zeroed in Binomial(cols, k / rows) columns (exact tails, a union bound over the rows);
    * the mean over columns of the sum of a column's zero-row indices is within a Bernstein bound of
      ``k (rows - 1) / 2`` (the sum of a uniform k-subset of 0 .. rows-1 has variance
      ``k (rows - k) (rows + 1) / 12`` and lies within ``k (rows - k) / 2`` of its mean).
    """
    rows, cols = zero.shape
    per_row = zero.sum(axis=1)
    q = alpha / 2 / rows
    low, high = stats.binom.ppf(q, cols, k / rows), stats.binom.isf(q, cols, k / rows)
    assert low <= per_row.min() and per_row.max() <= high, (
        f"zeros per row in [{per_row.min()}, {per_row.max()}], outside [{low:g}, {high:g}] "
        f"(Binomial({cols}, {k}/{rows}), alpha = {alpha:g})")
    sums = (zero * np.arange(rows)[:, None]).sum(axis=0)
    var, reach, log_term = k * (rows - k) * (rows + 1) / 12, k * (rows - k) / 2, math.log(4 / alpha)
    # Bernstein: P(|mean - E| >= t) <= 2 exp(-cols t^2 / (2 var + 2 reach t / 3)); solve for t at alpha / 2.
    b = 2 * reach * log_term / 3
    t = (b + math.sqrt(b * b + 8 * cols * var * log_term)) / (2 * cols)
    err = abs(sums.mean() - k * (rows - 1) / 2)
    assert err <= t, f"mean sum of zero-row indices off by {err:.4g}, bound {t:.4g} (alpha = {alpha:g})"


def test_sparse_values_are_normal_and_zeros_uniform():
    rows, cols, sparsity = 400, 500, 0.25
    t = lucid.zeros(rows, cols, dtype=lucid.float64)
    init.sparse(t, sparsity, std=0.02, generator=gen(1))
    x = t.numpy()
    assert_normal(x[x != 0], 0.0, 0.02)
    k = math.ceil(sparsity * rows)
    assert ((x == 0).sum(axis=0) == k).all()
    check_zero_placement(x == 0, k)


@pytest.mark.parametrize("placement", ["first rows", "same rows", "biased"])
def test_zero_placement_check_catches_bad_placements(placement):
    rows, cols, k = 400, 500, 100
    rng = np.random.default_rng(0)
    zero = np.zeros((rows, cols), bool)
    shared = rng.permutation(rows)[:k]
    weights = np.linspace(1.0, 1.5, rows) / np.linspace(1.0, 1.5, rows).sum()  # later rows 1.5 times as likely
    for c in range(cols):
        chosen = {"first rows": np.arange(k), "same rows": shared,
                  "biased": rng.choice(rows, k, replace=False, p=weights)}[placement]
        zero[chosen, c] = True
    with pytest.raises(AssertionError):
        check_zero_placement(zero, k)
    uniform = np.zeros((rows, cols), bool)
    for c in range(cols):
        uniform[rng.permutation(rows)[:k], c] = True
    check_zero_placement(uniform, k)


def test_eye_and_dirac_exact():
    e = lucid.full((3, 5), 9.0)
    init.eye(e)
    np.testing.assert_array_equal(e.numpy(), np.eye(3, 5))
    w = lucid.full((6, 4, 3, 3), 9.0)
    init.dirac(w, groups=2)
    expected = np.zeros((6, 4, 3, 3), np.float32)
    for g in range(2):
        for d in range(3):
            expected[g * 3 + d, d, 1, 1] = 1
    np.testing.assert_array_equal(w.numpy(), expected)
    x = np.random.default_rng(0).standard_normal((1, 4, 8, 8)).astype(np.float32)
    w1 = lucid.zeros(4, 4, 3, 3)
    init.dirac(w1)
    # A Dirac kernel passes a same-padded convolution's input through.
    pad = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    out = np.einsum("oikl,bihwkl->bohw", w1.numpy(),
                    np.lib.stride_tricks.sliding_window_view(pad, (3, 3), axis=(2, 3)))
    np.testing.assert_allclose(out, x, rtol=1e-6)
