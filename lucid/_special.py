"""The standard normal CDF in software decimal arithmetic: the same bits on every platform.

A truncated normal fill needs ``Phi`` at its two bounds, once per call. libm's
``erfc`` differs between platforms in the last bits, and those bits would reach
every value of the fill; Python's :mod:`decimal` does not. 40 significant digits,
then one correct rounding to float64.
"""

from __future__ import annotations

import math
from decimal import Decimal, localcontext
from functools import lru_cache

_PI = Decimal("3.141592653589793238462643383279502884197169399375")


def _lower_tail(t: Decimal) -> Decimal:
    """``Phi(-t)`` for ``t >= 0``."""
    y = t / Decimal(2).sqrt()
    if t < 3:
        # erf(y) = 2/sqrt(pi) * sum (-1)^n y^(2n+1) / (n! (2n+1)); terms shrink past n ~ y^2.
        term, total, n, y2 = y, y, 0, y * y
        while abs(term) > Decimal(10) ** -45:
            n += 1
            term = -term * y2 / n
            total += term / (2 * n + 1)
        return (1 - 2 / _PI.sqrt() * total) / 2
    # erfc(y) = exp(-y^2) / sqrt(pi) / (y + (1/2) / (y + (2/2) / (y + (3/2) / ...))), from the far end.
    f = y
    for k in range(400, 0, -1):
        f = y + Decimal(k) / 2 / f
    return (-y * y).exp() / _PI.sqrt() / f / 2


@lru_cache(maxsize=1024)
def normal_cdf(x: float) -> float:
    """``Phi(x)``, the standard normal CDF, correctly rounded in almost every case.

    Example:
        >>> normal_cdf(0.0)
        0.5
        >>> normal_cdf(-2.0)
        0.02275013194817921
    """
    if math.isnan(x):
        return math.nan
    if math.isinf(x):
        return 0.0 if x < 0 else 1.0
    with localcontext() as ctx:
        ctx.prec = 40
        t = Decimal(abs(x))
        tail = _lower_tail(t)
        return float(tail if x <= 0 else 1 - tail)
