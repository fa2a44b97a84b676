"""lucid.testing: its assertions pass on correct data, fail on shifted or scaled data, and say why."""

import math

import numpy as np
import pytest
from hypothesis import given
from scipy import stats

from lucid import testing
from lucid.testing import assert_normal, assert_truncated_normal, assert_uniform

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
