"""lucid.testing: its assertions pass on correct data, fail on shifted or scaled data, and say why."""

import math

import numpy as np
import pytest
from hypothesis import given
from scipy import stats

import lucid
from lucid import testing
from lucid.nn import init
from lucid.testing import assert_normal, assert_truncated_normal, assert_uniform

from . import float16_guard
from .conftest import run_python

RNG = np.random.default_rng(2026)
N = 200_000


def test_correct_samples_pass():
    assert_normal(RNG.normal(1.5, 2.0, N), 1.5, 2.0)
    assert_normal(RNG.normal(0, 1e-3, N).astype(np.float16), 0.0, 1e-3)
    assert_uniform(RNG.uniform(-3, 5, N), -3.0, 5.0)
    assert_uniform(RNG.uniform(0, 1, N).astype(np.float32), 0.0, 1.0)
    assert_truncated_normal(stats.truncnorm.rvs(-1, 2, loc=1, scale=0.5, size=N, random_state=RNG), 1.0, 0.5,
                            0.5, 2.0)


@pytest.mark.parametrize("wrong,match", [
    (lambda: assert_normal(RNG.normal(0.02, 1.0, N), 0.0, 1.0), "normal mean"),
    (lambda: assert_normal(RNG.normal(0.0, 1.02, N), 0.0, 1.0), "normal variance"),
    (lambda: assert_normal(RNG.uniform(-math.sqrt(3), math.sqrt(3), N), 0.0, 1.0), "Kolmogorov-Smirnov"),
    (lambda: assert_uniform(RNG.uniform(0.02, 1.02, N), 0.0, 1.02), "uniform mean"),
    (lambda: assert_uniform(RNG.uniform(0.0, 1.0, N), -0.01, 1.0), "uniform mean|Kolmogorov"),
    (lambda: assert_uniform(RNG.uniform(-1.0, 1.0, N) * 0.98, -1.0, 1.0), "uniform variance|Kolmogorov"),
    (lambda: assert_uniform(np.array([0.5, 1.5]), 0.0, 1.0), "uniform bounds"),
    (lambda: assert_truncated_normal(stats.truncnorm.rvs(3, 6, size=N, random_state=RNG) + 0.03, 0.0, 1.0, 3.0,
                                     6.1), "truncated normal mean"),
    (lambda: assert_truncated_normal(np.array([2.9, 3.5]), 0.0, 1.0, 3.0, 6.0), "truncated normal bounds"),
    (lambda: assert_normal(np.array([np.nan, 1.0]), 0.0, 1.0), "not finite"),
])
def test_wrong_samples_fail_with_the_statistic_the_bound_and_n(wrong, match):
    with pytest.raises(AssertionError, match=match) as e:
        wrong()
    message = str(e.value)
    assert "n = " in message or "values" in message


def test_alpha_controls_the_bound():
    x = RNG.normal(0.0, 1.0, N)
    x += 0.004 - x.mean()  # 1.8 standard errors off
    assert_normal(x, 0.0, 1.0)  # alpha 1e-9: passes
    with pytest.raises(AssertionError, match="alpha = 0.2"):
        assert_normal(x, 0.0, 1.0, alpha=0.2)


def test_false_positive_rate_is_at_most_alpha():
    """At alpha = 0.1 the checks on correct samples fail about as often as promised, never much more."""
    failures = 0
    trials = 300
    for _ in range(trials):
        try:
            assert_normal(RNG.normal(0, 1, 2000), 0.0, 1.0, alpha=0.1)
        except AssertionError:
            failures += 1
    # Three checks at 0.1 each: at most 0.3 per trial by the union bound. 90 +- 8 at worst: 150 is 7 sds away.
    assert failures < 150


def test_rounding_aware_ks_accepts_float16_of_a_correct_law():
    x = RNG.normal(0, 1, 1_000_000).astype(np.float16)
    d = testing.ks_statistic(x, stats.norm.cdf)
    assert stats.kstwo.sf(d, x.size) > 1e-9


@given(testing.weight_shapes(), testing.dtypes(), testing.generators())
def test_strategies_draw_valid_inputs(shape, dtype, generator):
    assert 2 <= len(shape) <= 5 and all(d >= 1 for d in shape) and math.prod(shape) <= 1 << 17
    assert dtype in (np.float16, np.float32, np.float64)
    assert generator.get_state()["draw"] == 0


def test_weight_shapes_bounds_and_errors():
    from hypothesis import find

    big = find(testing.weight_shapes(("linear",), min_size=1000, max_size=2000), lambda s: True)
    assert len(big) == 2 and 1000 <= math.prod(big) <= 2000
    with pytest.raises(ValueError, match="layouts must be among"):
        testing.weight_shapes(("conv4d",))
    with pytest.raises(ValueError, match="min_size <= max_size"):
        testing.weight_shapes(min_size=10, max_size=5)


# --- never NumPy's float16 sort ----------------------------------------------------------------------
# NumPy 2.4's AVX-512 float16 sort returns unsorted output on some CPUs (this reproducer leaves 15 descents
# on an AMD Zen 4); this machine may sort it correctly, so the bug is simulated by scrambling what NumPy returns.
AVX512_CASE = np.random.default_rng(0).normal(-32, 1, 57050).astype(np.float16)


def scrambled(original, dtypes):
    """``original`` (a NumPy function returning an array first), with descents put into its output for ``dtypes``."""
    real = getattr(original, "__wrapped__", original)  # past the session's float16 guard: this is the bug itself

    def sort(a, *args, **kwargs):
        out = real(a, *args, **kwargs)
        first = out[0] if isinstance(out, tuple) else out
        if first.dtype in dtypes and kwargs.get("kind") != "stable" and first.size > 2:
            first[:-1:7], first[1::7] = first[1::7].copy(), first[:-1:7].copy()  # swap neighbours: descents
        return out

    return sort


def test_the_session_refuses_float16_order_functions():
    """tests/conftest.py keeps NumPy's order-based functions closed to float16 in every test."""
    x = np.array([3.0, 1.0, 2.0], np.float16)
    for name in float16_guard.ORDER_FUNCTIONS:
        fn = getattr(np, name, None)
        if fn is None:
            continue
        args = {"lexsort": ([x],), "searchsorted": (x, x), "percentile": (x, 50), "nanpercentile": (x, 50),
                "quantile": (x, 0.5), "nanquantile": (x, 0.5), "partition": (x, 1), "argpartition": (x, 1)}.get(
            name, (x,))
        with pytest.raises(float16_guard.Float16OrderError, match=f"numpy.{name} was given float16"):
            fn(*args)
        fn(*[a.astype(np.float32) if isinstance(a, np.ndarray) else [v.astype(np.float32) for v in a]
             if isinstance(a, list) else a for a in args])


def test_float16_statistics_do_not_depend_on_numpys_float16_sort(monkeypatch):
    law = stats.norm(-32, 1)
    want = testing.ks_statistic(AVX512_CASE, law.cdf)
    assert stats.kstwo.sf(want, AVX512_CASE.size) > 1e-9
    for name in ["sort", "unique", "argsort"]:
        monkeypatch.setattr(np, name, scrambled(getattr(np, name), {np.dtype(np.float16)}))
    assert np.any(np.diff(np.sort(AVX512_CASE).astype(np.float64)) < 0)  # the simulated bug is in place
    assert testing.ks_statistic(AVX512_CASE, law.cdf) == want
    assert_normal(AVX512_CASE, -32.0, 1.0)
    x = lucid.zeros(1 << 16, dtype=lucid.float16)
    init.trunc_normal(x, 0.0, 1.0, -6.0, -3.0, generator=lucid.random.Generator(7))
    assert_truncated_normal(x, 0.0, 1.0, -6.0, -3.0)
    u = lucid.zeros(1 << 16, dtype=lucid.float16)
    init.uniform(u, -2.0, 2.0, generator=lucid.random.Generator(7))
    assert_uniform(u, -2.0, 2.0)


def test_an_unsorted_float64_sort_is_caught(monkeypatch):
    """The float64 copy's order is checked: a bad default sort falls back to the stable one, two bad sorts raise."""
    x = RNG.normal(0, 1, 10_000)
    want = testing.ks_statistic(x, stats.norm.cdf)
    monkeypatch.setattr(np, "sort", scrambled(np.sort, {np.dtype(np.float64)}))
    assert testing.ks_statistic(x, stats.norm.cdf) == want
    real = np.sort.__wrapped__ if hasattr(np.sort, "__wrapped__") else np.sort

    def always_scrambled(a, *args, **kwargs):
        out = real(a, *args, **kwargs)
        out[0], out[-1] = out[-1], out[0]
        return out

    monkeypatch.setattr(np, "sort", always_scrambled)
    with pytest.raises(RuntimeError, match="unsorted output"):
        testing.ks_statistic(x, stats.norm.cdf)


# --- without the test extra ----------------------------------------------------------------------------
def blocked(module, code):
    """Run ``code`` in a fresh interpreter where ``module`` cannot be imported."""
    return run_python(f"import sys\nsys.modules[{module!r}] = None  # import {module} raises ImportError\n{code}")


def test_import_without_scipy_names_the_test_extra():
    out = blocked("scipy", """
try:
    import lucid.testing
except ImportError as e:
    print(type(e).__name__, "|", e)
""").decode()
    kind, message = out.strip().split(" | ")
    assert kind == "ImportError", out  # not a bare ModuleNotFoundError
    assert "lucid.testing needs SciPy" in message and "pip install 'lucid-init[test]'" in message, out


def test_strategies_without_hypothesis_name_the_test_extra():
    out = blocked("hypothesis", """
import numpy as np
import lucid.testing as t
t.assert_normal(np.random.default_rng(0).normal(0, 1, 1000), 0.0, 1.0)  # the assertions need only SciPy
for strategy in [t.weight_shapes, t.dtypes, t.generators]:
    try:
        strategy()
    except ImportError as e:
        print(type(e).__name__, "|", e)
""").decode()
    lines = out.strip().splitlines()
    assert len(lines) == 3, out
    for line in lines:
        kind, message = line.split(" | ")
        assert kind == "ImportError" and "need Hypothesis" in message and "lucid-init[test]" in message, out
