"""Statistical assertions for tests of initialization code.

Each assertion runs a few exact or conservative tests, each at false-positive
rate ``alpha`` (default ``1e-9``): a correct sample fails one of them with
probability at most ``alpha`` times the number of checks. Values are compared
as the float type they are stored in: the reference distribution is rounded to
that type before it is compared, so float16 and float32 samples are judged fairly.

Failures raise ``AssertionError`` with the statistic, the bound and the sample size.

Hypothesis strategies for the inputs: :func:`weight_shapes` (linear and convolution
layouts), :func:`dtypes` and :func:`generators`.

Needs SciPy and Hypothesis (the ``test`` extra, ``pip install 'lucid-init[test]'``): importing
this module without SciPy, or calling a strategy without Hypothesis, raises an ``ImportError`` that
says so.

Samples are never sorted in their own dtype: NumPy 2.4's AVX-512 float16 sort returns unsorted output
on some CPUs, so statistics that need an order work on an exact float64 copy (see :func:`ks_statistic`).

Example:
    >>> import lucid
    >>> from lucid.nn.init import normal
    >>> from lucid.testing import assert_normal
    >>> w = lucid.zeros(100, 100)
    >>> normal(w, 0.0, 2.0, generator=lucid.random.Generator(0))
    >>> assert_normal(w, 0.0, 2.0)
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

_TEST_EXTRA_HINT = "pip install 'lucid-init[test]'"

try:
    from scipy import stats
except ImportError as error:  # ModuleNotFoundError, or an import that SciPy itself could not finish
    raise ImportError(f"lucid.testing needs SciPy, which is not importable ({error}): {_TEST_EXTRA_HINT}") from error

__all__ = [
    "DEFAULT_ALPHA",
    "assert_normal",
    "assert_truncated_normal",
    "assert_uniform",
    "dtypes",
    "generators",
    "ks_statistic",
    "weight_shapes",
]

DEFAULT_ALPHA = 1e-9


def _values(x: Any) -> np.ndarray:
    array = np.asarray(x)
    if array.dtype.kind != "f":
        raise TypeError(f"expected a float array, got dtype {array.dtype}")
    flat = array.reshape(-1)
    if flat.size == 0:
        raise ValueError("expected at least one value, got an empty array")
    if not np.isfinite(flat).all():
        raise AssertionError(f"{int((~np.isfinite(flat)).sum())} of {flat.size} values are not finite")
    return flat


def _rounding_error(x: np.ndarray) -> np.ndarray:
    """A bound on how far each stored value can be from the real number it was rounded from.

    One unit in the last place covers a value rounded once or twice (float64 to float32 to float16).
    """
    return np.spacing(np.abs(x)).astype(np.float64)


def _rounding_cells(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Float64 bounds of the interval that rounds to each value in its own dtype."""
    dtype = values.dtype
    v = values.astype(np.float64)
    up = np.nextafter(values, np.asarray(np.inf, dtype)).astype(np.float64)
    down = np.nextafter(values, np.asarray(-np.inf, dtype)).astype(np.float64)
    if dtype == np.float64:
        return down, up  # midpoints are not float64 numbers: take the whole neighbourhood (conservative)
    return (v + down) / 2, (v + up) / 2


def _sorted_float64(x: np.ndarray) -> np.ndarray:
    """An exact float64 copy of ``x``, sorted, by a sort whose output is checked.

    Never a sort of float16 data: NumPy 2.4's AVX-512 float16 sort (x86-simd-sort)
    returns unsorted output on some CPUs. Every float16 and float32 value is exactly
    a float64, so nothing is lost. The result is checked for order; if NumPy's
    default sort left a descent, the stable sort (another algorithm) is used, and if
    that fails too a ``RuntimeError`` says so rather than a statistic being skewed.
    """
    copy = np.asarray(x).astype(np.float64).reshape(-1)
    for kind in (None, "stable"):
        ordered = np.sort(copy, kind=kind)
        if not np.any(ordered[1:] < ordered[:-1]):
            return ordered
    raise RuntimeError(f"numpy.sort returned unsorted output for {copy.size} float64 values (NumPy {np.__version__})")


def ks_statistic(x: Any, cdf: Callable[[np.ndarray], np.ndarray]) -> float:
    """Kolmogorov-Smirnov distance between the sample and ``cdf`` rounded to the sample's dtype.

    The reference is the law of ``round(X)`` in the sample's dtype:
    its CDF just below and at a stored value ``v`` is ``cdf`` at the lower and
    upper edges of the interval that rounds to ``v``. The statistic is then at
    most the continuous one, so continuous p-values are conservative. The sample
    is ordered as an exact float64 copy (:func:`_sorted_float64`), never in its own dtype.
    """
    stored = _values(x)
    ordered = _sorted_float64(stored)
    n = ordered.size
    first = np.flatnonzero(np.concatenate(([True], ordered[1:] != ordered[:-1])))  # where each distinct value starts
    counts = np.diff(np.append(first, n))
    above = np.cumsum(counts) / n  # ECDF at each distinct value
    below = above - counts / n  # ECDF just below it
    lo, hi = _rounding_cells(ordered[first].astype(stored.dtype))  # exact: the copy holds the stored values
    with np.errstate(all="ignore"):  # a tiny scale overflows (v - loc) / scale to inf: the CDF is still right
        return float(max(np.max(above - cdf(hi)), np.max(cdf(lo) - below), 0.0))


def _ks_check(what: str, x: np.ndarray, cdf: Callable[[np.ndarray], np.ndarray], alpha: float) -> None:
    d = ks_statistic(x, cdf)
    p = float(stats.kstwo.sf(d, x.size))
    if p < alpha:
        bound = float(stats.kstwo.isf(alpha, x.size))
        raise AssertionError(
            f"{what}: Kolmogorov-Smirnov distance {d:.6g} exceeds {bound:.6g} "
            f"(p = {p:.3g} < alpha = {alpha:g}, n = {x.size})"
        )


def assert_normal(x: Any, mean: float, std: float, *, alpha: float = DEFAULT_ALPHA) -> None:
    """Assert that ``x`` looks like i.i.d. draws from ``N(mean, std**2)``.

    Three checks, each at false-positive rate ``alpha``: the sample mean
    (an exact z-test), the sum of squares about ``mean`` (an exact chi-square
    test with ``n`` degrees of freedom) and the Kolmogorov-Smirnov distance.
    The first two widen their bounds by the most that rounding to ``x``'s dtype
    can move the statistic, so a std far below the dtype's resolution passes.
    ``std == 0`` asserts that every value equals ``mean``.

    Raises:
        AssertionError: a check fails; the message names the statistic, the bound and ``n``.

    Example:
        >>> import numpy as np
        >>> from lucid.testing import assert_normal
        >>> x = np.random.default_rng(0).normal(3.0, 1.0, 10_000)
        >>> assert_normal(x, 3.0, 1.0)
        >>> assert_normal(x + 0.1, 3.0, 1.0)
        Traceback (most recent call last):
        ...
        AssertionError: normal mean: |mean - 3| = 0.106312 exceeds 0.0610941 (std 1, alpha = 1e-09, n = 10000)
    """
    x = _values(x)
    n = x.size
    if std == 0:
        bad = int(np.count_nonzero(x != np.asarray(mean, x.dtype)))
        if bad:
            raise AssertionError(f"normal with std 0: {bad} of {n} values differ from the mean {mean}")
        return
    centered = x.astype(np.float64) - mean
    delta = _rounding_error(x)
    z = float(stats.norm.isf(alpha / 2))
    err = abs(float(centered.mean()))
    bound = z * std / math.sqrt(n) + float(delta.mean())
    if err > bound:
        raise AssertionError(
            f"normal mean: |mean - {mean:g}| = {err:.6g} exceeds {bound:.6g} (std {std:g}, alpha = {alpha:g}, n = {n})"
        )
    with np.errstate(over="ignore"):
        scaled, scaled_delta = centered / std, delta / std
        q = float(np.dot(scaled, scaled))
        slack = float(np.sum(scaled_delta * (2 * np.abs(scaled) + scaled_delta)))
    lo, hi = stats.chi2.ppf(alpha / 2, n) - slack, stats.chi2.isf(alpha / 2, n) + slack
    if not lo <= q <= hi:
        raise AssertionError(
            f"normal variance: sum((x - mean)**2) / std**2 = {q:.6g} is outside [{lo:.6g}, {hi:.6g}] "
            f"(sample std {math.sqrt(q / n) * std:.6g}, target {std:g}, alpha = {alpha:g}, n = {n})"
        )
    _ks_check(f"normal({mean:g}, {std:g})", x, lambda v: stats.norm.cdf(v, mean, std), alpha)


def assert_uniform(x: Any, a: float, b: float, *, alpha: float = DEFAULT_ALPHA) -> None:
    """Assert that ``x`` looks like i.i.d. draws from the uniform law on ``[a, b]``.

    Checks: every value lies in ``[a, b]`` (the bounds rounded to ``x``'s dtype);
    the mean and the mean square about the centre, each within a Hoeffding bound
    at rate ``alpha``; and the Kolmogorov-Smirnov distance at rate ``alpha``.

    Raises:
        AssertionError: a check fails; the message names the statistic, the bound and ``n``.

    Example:
        >>> import numpy as np
        >>> from lucid.testing import assert_uniform
        >>> assert_uniform(np.random.default_rng(0).uniform(-1, 1, 10_000), -1.0, 1.0)
    """
    x = _values(x)
    n = x.size
    lo_bound, hi_bound = np.asarray(a, x.dtype), np.asarray(b, x.dtype)
    outside = int(np.count_nonzero((x < lo_bound) | (x > hi_bound)))
    if outside:
        raise AssertionError(
            f"uniform bounds: {outside} of {n} values outside [{a:g}, {b:g}] "
            f"(min {float(x.min()):.9g}, max {float(x.max()):.9g})"
        )
    if a == b:
        return
    half = (b - a) / 2
    centre = (a + b) / 2
    t = math.sqrt(math.log(2 / alpha) / (2 * n))  # Hoeffding: P(|mean - E| > t * range) <= alpha
    centered = x.astype(np.float64) - centre
    delta = _rounding_error(x)
    err = abs(float(centered.mean()))
    bound = t * (b - a) + float(delta.mean())
    if err > bound:
        raise AssertionError(
            f"uniform mean: |mean - {centre:g}| = {err:.6g} exceeds {bound:.6g} (alpha = {alpha:g}, n = {n})"
        )
    second = float(np.dot(centered, centered)) / n
    target = half * half / 3
    bound = t * half * half + float(np.mean(delta * (2 * np.abs(centered) + delta)))
    if abs(second - target) > bound:
        raise AssertionError(
            f"uniform variance: mean square about the centre {second:.6g} is not within {bound:.6g} "
            f"of {target:.6g} (alpha = {alpha:g}, n = {n})"
        )
    _ks_check(f"uniform({a:g}, {b:g})", x, lambda v: stats.uniform.cdf(v, a, b - a), alpha)


def assert_truncated_normal(x: Any, mean: float, std: float, a: float, b: float, *,
                            alpha: float = DEFAULT_ALPHA) -> None:
    """Assert that ``x`` looks like i.i.d. draws from ``N(mean, std**2)`` truncated to ``[a, b]``.

    ``a`` and ``b`` are absolute bounds and may be infinite. Checks: every value in
    ``[a, b]`` (rounded to ``x``'s dtype); the sample mean within a Gaussian-concentration
    bound (a truncated normal is at least as concentrated as the normal it comes from);
    with finite bounds, the mean square about the true mean within a Hoeffding bound;
    and the Kolmogorov-Smirnov distance. Each at false-positive rate ``alpha``.

    Raises:
        AssertionError: a check fails; the message names the statistic, the bound and ``n``.

    Example:
        >>> import numpy as np
        >>> from scipy import stats
        >>> from lucid.testing import assert_truncated_normal
        >>> x = stats.truncnorm(3, 6).rvs(10_000, random_state=0)
        >>> assert_truncated_normal(x, 0.0, 1.0, 3.0, 6.0)
    """
    x = _values(x)
    n = x.size
    outside = int(np.count_nonzero((x < np.asarray(a, x.dtype)) | (x > np.asarray(b, x.dtype))))
    if outside:
        raise AssertionError(
            f"truncated normal bounds: {outside} of {n} values outside [{a:g}, {b:g}] "
            f"(min {float(x.min()):.9g}, max {float(x.max()):.9g})"
        )
    if std == 0 or a == b:
        return
    law = stats.truncnorm((a - mean) / std, (b - mean) / std, loc=mean, scale=std)
    true_mean, true_var = float(law.mean()), float(law.var())
    delta = _rounding_error(x)
    centered = x.astype(np.float64) - true_mean
    err = abs(float(centered.mean()))
    bound = std * math.sqrt(2 * math.log(2 / alpha) / n) + float(delta.mean())
    if err > bound:
        raise AssertionError(
            f"truncated normal mean: |mean - {true_mean:.6g}| = {err:.6g} exceeds {bound:.6g} "
            f"(alpha = {alpha:g}, n = {n})"
        )
    if math.isfinite(a) and math.isfinite(b):
        reach = max(true_mean - a, b - true_mean) ** 2  # (x - true_mean)**2 lies in [0, reach]
        second = float(np.dot(centered, centered)) / n
        rounding = float(np.mean(delta * (2 * np.abs(centered) + delta)))
        bound = reach * math.sqrt(math.log(2 / alpha) / (2 * n)) + rounding
        if abs(second - true_var) > bound:
            raise AssertionError(
                f"truncated normal variance: {second:.6g} is not within {bound:.6g} of {true_var:.6g} "
                f"(alpha = {alpha:g}, n = {n})"
            )
    _ks_check(f"truncated normal({mean:g}, {std:g}, [{a:g}, {b:g}])", x, law.cdf, alpha)


# --- Hypothesis strategies ----------------------------------------------------------------------------
def _hypothesis_strategies() -> Any:
    """``hypothesis.strategies``, or an ImportError that names the ``test`` extra."""
    try:
        from hypothesis import strategies
    except ImportError as error:
        raise ImportError(f"lucid.testing's strategies need Hypothesis, which is not importable ({error}): "
                          f"{_TEST_EXTRA_HINT}") from error
    return strategies


LAYOUTS = {"linear": 0, "conv1d": 1, "conv2d": 2, "conv3d": 3}  # number of kernel axes after (out, in)


def weight_shapes(layouts: tuple[str, ...] = ("linear", "conv1d", "conv2d", "conv3d"), *, min_size: int = 1,
                  max_size: int = 1 << 17, max_channels: int = 512, max_kernel: int = 7) -> Any:
    """A Hypothesis strategy of weight shapes in PyTorch's layout ``(out, in, *kernel)``.

    Args:
        layouts: which of ``"linear"`` (2-D), ``"conv1d"``, ``"conv2d"``, ``"conv3d"`` to draw from.
        min_size, max_size: bounds on the number of elements (draws that cannot meet them are discarded).
        max_channels: the largest ``out`` or ``in``; max_kernel: the largest kernel side.

    Example:
        >>> from hypothesis import given
        >>> from lucid.testing import weight_shapes
        >>> @given(weight_shapes(("conv2d",), max_size=4096))
        ... def test_rank(shape):
        ...     assert len(shape) == 4
        >>> test_rank()
    """
    st = _hypothesis_strategies()
    from hypothesis import assume

    unknown = set(layouts) - LAYOUTS.keys()
    if unknown or not layouts:
        raise ValueError(f"weight_shapes(): layouts must be among {sorted(LAYOUTS)}, got {layouts!r}")
    if not 1 <= min_size <= max_size:
        raise ValueError(f"weight_shapes(): need 1 <= min_size <= max_size, got {min_size}, {max_size}")

    @st.composite
    def shapes(draw: Any) -> tuple[int, ...]:
        kernel = tuple(draw(st.integers(1, max_kernel)) for _ in range(LAYOUTS[draw(st.sampled_from(layouts))]))
        room = max(1, max_size // math.prod(kernel))
        out = draw(st.integers(1, min(max_channels, room)))
        inp = draw(st.integers(1, min(max_channels, max(1, room // out))))
        dims = [out, inp, *kernel]
        while math.prod(dims) < min_size and dims[0] < max_channels:  # grow the output channels if needed
            dims[0] = min(max_channels, max(dims[0] + 1, -(-min_size * dims[0] // math.prod(dims))))
        assume(min_size <= math.prod(dims) <= max_size)  # rare draws that cannot fit are discarded
        return tuple(dims)

    return shapes()


def dtypes(*, half: bool = True) -> Any:
    """A Hypothesis strategy of the float dtypes Lucid fills: float16 (unless ``half=False``), float32, float64."""
    st = _hypothesis_strategies()
    names = (["float16"] if half else []) + ["float32", "float64"]
    return st.sampled_from([np.dtype(n) for n in names])


def generators() -> Any:
    """A Hypothesis strategy of fresh ``lucid.random.Generator`` objects over the whole seed range.

    Example:
        >>> from hypothesis import given
        >>> from lucid.testing import generators
        >>> @given(generators())
        ... def test_seed(g):
        ...     assert 0 <= g.seed < 2**64
        >>> test_seed()
    """
    st = _hypothesis_strategies()
    from .random import Generator

    return st.integers(0, 2**64 - 1).map(Generator)
