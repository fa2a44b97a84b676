"""What a fill draws: one small named record per kernel distribution.

A plan is built once per call by :mod:`lucid.nn._initializers` (validation, fans and
gains), then handed to :mod:`lucid._fill` for a tensor or to :mod:`lucid.dask` for
chunks. Its fields are the kernel's parameters in the kernel's order, so
``np.array(plan)`` is what the kernel reads and ``plan.kind`` says which kernel reads it.
"""

from __future__ import annotations

import math
from typing import NamedTuple

from .kernels import CONSTANT, NORMAL, TRUNCATED_NORMAL, UNIFORM


class Uniform(NamedTuple):
    """``min(low + width * u, high)`` for ``u`` uniform on ``[0, 1)``."""

    low: float
    width: float
    high: float

    @property
    def kind(self) -> int:
        """The kernel that draws it."""
        return UNIFORM

    def extremes(self) -> tuple[float, float]:
        """The smallest and largest value the fill can hold (before rounding to the dtype)."""
        return self.low, self.high

    def moments(self) -> tuple[float, float]:
        """The mean and standard deviation of the distribution drawn."""
        return (self.low + self.high) / 2, self.width / math.sqrt(12.0)


class Normal(NamedTuple):
    """``mean + std * z`` for ``z`` standard normal by Box-Muller."""

    mean: float
    std: float

    @property
    def kind(self) -> int:
        """The kernel that draws it."""
        return NORMAL

    def extremes(self) -> tuple[float, float]:
        # |z| <= sqrt(-2 log(2**-52)) < 8.5 for the stream's Box-Muller radius (8.4932...).
        return self.mean - 8.5 * self.std, self.mean + 8.5 * self.std

    def moments(self) -> tuple[float, float]:
        return self.mean, self.std


class TruncatedNormal(NamedTuple):
    """``mean + scale * Phi^-1(p_low + u * p_width)`` clamped to ``[low, high]``.

    ``p_low`` and ``p_width`` are the CDF at the lower bound and its rise across the
    interval, of the tail that keeps them small: ``scale`` is ``-std`` when the interval
    is mirrored into the lower tail.
    """

    mean: float
    scale: float
    p_low: float
    p_width: float
    low: float
    high: float

    @property
    def kind(self) -> int:
        """The kernel that draws it."""
        return TRUNCATED_NORMAL

    def extremes(self) -> tuple[float, float]:
        # p >= 5e-324, so |z| <= -Phi^-1(5e-324) < 38.5.
        reach = 38.5 * abs(self.scale)
        return min(max(self.low, self.mean - reach), self.high), max(min(self.high, self.mean + reach), self.low)

    def moments(self) -> tuple[float, float]:
        """Mean and standard deviation of ``N(mean, scale**2)`` conditioned on ``[low, high]``."""
        sigma = abs(self.scale)
        if sigma == 0 or self.p_width == 0:
            return min(max(self.mean, self.low), self.high), 0.0
        alpha, beta = (self.low - self.mean) / sigma, (self.high - self.mean) / sigma
        pdf_a, pdf_b = _pdf(alpha), _pdf(beta)
        shift = (pdf_a - pdf_b) / self.p_width
        spread = (_times_pdf(alpha) - _times_pdf(beta)) / self.p_width
        return self.mean + sigma * shift, sigma * math.sqrt(1.0 + spread - shift * shift)


class Constant(NamedTuple):
    """Every element ``value``; no bits drawn."""

    value: float

    @property
    def kind(self) -> int:
        """The kernel that draws it."""
        return CONSTANT

    def extremes(self) -> tuple[float, float]:
        return self.value, self.value

    def moments(self) -> tuple[float, float]:
        return self.value, 0.0


def _pdf(x: float) -> float:
    """The standard normal density (0 at infinities)."""
    return math.exp(-0.5 * x * x) / math.sqrt(2.0 * math.pi)


def _times_pdf(x: float) -> float:
    """``x * pdf(x)``, 0 at infinities."""
    return 0.0 if math.isinf(x) else x * _pdf(x)


Plan = Uniform | Normal | TruncatedNormal | Constant
