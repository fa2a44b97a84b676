#!/usr/bin/env python
"""Fit the polynomials of the 32-bit stream's transforms (lucid/kernels/transforms.py, "32-bit stream").

Each polynomial is a weighted minimax fit (Lawson's algorithm: iteratively reweighted least squares,
which converges to the minimax solution) in a Chebyshev basis, against reference values computed with
mpmath at 50 digits; the result is converted to monomial coefficients at that precision and rounded
once to float64. The script then evaluates each polynomial as the kernel does (Horner's rule in fused
multiply-adds, each rounded once) at many points and prints the worst relative error of the transform
against mpmath. It also prints ``SIN32_TURN`` and ``COS32_TURN``, the sine's and cosine's coefficients
scaled to the angle's integer turn residual (``SIN32[i] * RAD**(2 i + 3)``, ``COS32[i] * RAD**(2 i + 2)``
with ``RAD = pi * 2**-31`` as float64), computed exactly and rounded once.

Run ``python tools/fit_transforms.py`` (needs numpy and mpmath). The constants in transforms.py are
the stream's: a fit on another machine can differ from them in the last bits (its least-squares
solves run on that machine's LAPACK), so the script also prints the bound of transforms.py's own
constants, evaluated the same way, and derives the ``_TURN`` constants from them.
"""

from __future__ import annotations

import math
from fractions import Fraction

import os
import sys

import mpmath as mp
import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from lucid.kernels import transforms  # noqa: E402  (the stream's constants)

mp.mp.dps = 50


def nodes(lo: float, hi: float, n: int) -> list[mp.mpf]:
    """``n`` Chebyshev points of the first kind on ``[lo, hi]`` (dense near the ends, where minimax errors peak)."""
    a, b = mp.mpf(lo), mp.mpf(hi)
    return [(a + b) / 2 + (b - a) / 2 * mp.cos(mp.pi * (k + mp.mpf(1) / 2) / n) for k in range(n)]


def lawson(x: np.ndarray, target: np.ndarray, weight: np.ndarray, degree: int, lo: float, hi: float,
           iterations: int = 400) -> np.ndarray:
    """Chebyshev coefficients on ``[lo, hi]`` of the weighted minimax fit of ``target`` (float64 arrays)."""
    t = (2 * x - (lo + hi)) / (hi - lo)
    basis = np.polynomial.chebyshev.chebvander(t, degree) * weight[:, None]
    b = target * weight
    w = np.full(x.size, 1.0 / x.size)
    c = np.zeros(degree + 1)
    for _ in range(iterations):
        s = np.sqrt(w)
        c = np.linalg.lstsq(basis * s[:, None], b * s, rcond=None)[0]
        err = np.abs(basis @ c - b)
        w = w * err
        w /= w.sum()
    return c


def to_monomial(cheb: np.ndarray, lo: float, hi: float) -> list[float]:
    """Monomial coefficients in ``x`` (lowest first) of the Chebyshev series on ``[lo, hi]``, rounded once."""
    a, b = mp.mpf(lo), mp.mpf(hi)
    scale, shift = 2 / (b - a), -(a + b) / (b - a)  # t = scale * x + shift
    n = len(cheb)
    # T_k(t) as monomial coefficients in t, then substitute t = scale * x + shift.
    t_polys = [[mp.mpf(1)], [mp.mpf(0), mp.mpf(1)]]
    for k in range(2, n):
        prev, prev2 = t_polys[k - 1], t_polys[k - 2]
        nxt = [mp.mpf(0)] + [2 * v for v in prev]
        for i, v in enumerate(prev2):
            nxt[i] -= v
        t_polys.append(nxt)
    in_t = [mp.mpf(0)] * n
    for k, ck in enumerate(cheb):
        for i, v in enumerate(t_polys[k]):
            in_t[i] += mp.mpf(float(ck)) * v
    out = [mp.mpf(0)] * n
    for i, v in enumerate(in_t):  # (scale * x + shift)^i by the binomial theorem
        for j in range(i + 1):
            out[j] += v * mp.binomial(i, j) * scale**j * shift ** (i - j)
    return [float(v) for v in out]


def fit(func, lo: float, hi: float, degree: int, n: int = 3000) -> tuple[list[float], list[mp.mpf], list[mp.mpf]]:
    """Fit ``P`` of ``degree`` to ``P(x) = g(x)``, ``(g, s) = func(x)`` in mpmath, minimizing ``max |s (P - g)|``:
    ``s`` is the sensitivity of the transform's relative error to an error of ``P``."""
    xs = nodes(lo, hi, n)
    gs, ss = zip(*(func(x) for x in xs))
    x = np.array([float(v) for v in xs])
    g = np.array([float(v) for v in gs])
    cheb = lawson(x, g, np.abs(np.array([float(v) for v in ss])), degree, lo, hi)
    return to_monomial(cheb, lo, hi), xs, list(zip(gs, ss))


def fma(a: float, b: float, c: float) -> float:
    """``a * b + c`` rounded once (exact rationals; a ``Fraction``'s ``float`` is correctly rounded)."""
    return float(Fraction(a) * Fraction(b) + Fraction(c))


def horner(coeffs: list[float], x: float) -> float:
    """The polynomial by Horner's rule from the top in fused multiply-adds, as the kernels evaluate it."""
    out = coeffs[-1]
    for c in reversed(coeffs[:-1]):
        out = fma(out, x, c)
    return out


RAD_PER_TURN32 = math.pi * 2.0**-31  # as transforms.py has it: float64 pi, scaled exactly


def per_turn(coeffs: list[float], first_power: int) -> tuple[float, ...]:
    """``coeffs[i] * RAD_PER_TURN32**(first_power + 2 i)``, exactly, rounded once."""
    rad = Fraction(RAD_PER_TURN32)
    return tuple(float(Fraction(c) * rad ** (first_power + 2 * i)) for i, c in enumerate(coeffs))


# --- the transforms' domains --------------------------------------------------------------------
SQRT_HALF_LOW = float.fromhex("0x1.6a09e00000000p-1")  # the kernel's split point (sqrt(1/2) truncated)
F_LO, F_HI = SQRT_HALF_LOW - 1.0, 2 * SQRT_HALF_LOW - 1.0  # f = m - 1 for m in [split, 2 * split)
Z_HI = (math.pi / 4) ** 2  # z = a * a for |a| <= pi/4
Q_CENTRAL = 0.48  # |p - 1/2| below which the quantile uses its central polynomial
W_HI = -math.log(1 - 4 * Q_CENTRAL**2)


def log_p(f):
    """``P`` with ``log(1 + f) = f + f^2 P(f)``; an error of ``P`` moves ``log(1 + f)`` by ``f^2 / log(1 + f)``
    relatively (``|f|`` near 1, where the radius's relative error is that of the log)."""
    if f == 0:
        return mp.mpf(-0.5), mp.mpf(0)
    return (mp.log1p(f) - f) / (f * f), f * f / mp.log1p(f)


def sin_p(z):
    """``P`` with ``sin(a) = a + a z P(z)``, ``z = a^2``."""
    a = mp.sqrt(z)
    if z == 0:
        return mp.mpf(-1) / 6, mp.mpf(0)
    return (mp.sin(a) - a) / (a * z), a * z / mp.sin(a)


def cos_p(z):
    """``P`` with ``cos(a) = 1 + z P(z)``."""
    a = mp.sqrt(z)
    if z == 0:
        return mp.mpf(-1) / 2, mp.mpf(0)
    return (mp.cos(a) - 1) / z, z / mp.cos(a)


def quantile_g(w):
    """``G`` with ``Phi^-1(1/2 + q) = q G(w)``, ``w = -log(1 - 4 q^2)``: the quantile's relative error is ``G``'s."""
    if w == 0:
        g = mp.sqrt(2 * mp.pi)
    else:
        q = mp.sqrt(-mp.expm1(-w)) / 2
        g = -mp.sqrt(2) * mp.erfinv(-2 * q) / q
    return g, 1 / g


def main() -> None:
    fits = {
        "LOG32": (log_p, F_LO, F_HI, 8),
        "SIN32": (sin_p, 0.0, Z_HI, 2),
        "COS32": (cos_p, 0.0, Z_HI, 3),
        "QUANTILE32": (quantile_g, 0.0, W_HI, 8),
    }
    for name, (func, lo, hi, degree) in fits.items():
        coeffs, xs, gs = fit(func, lo, hi, degree)
        stream = list(getattr(transforms, name))
        for label, cs in ((f"{name}, fitted here", coeffs), (f"transforms.py's {name}", stream)):
            worst = max(abs((horner(cs, float(x)) - g) * s) for x, (g, s) in zip(xs, gs))
            print(f"# {label}: degree {degree} on [{lo!r}, {hi!r}], "
                  f"relative error of the transform <= 2^{math.log2(worst):.1f}")
        print(f"{name} = (" + ", ".join(repr(c) for c in coeffs) + ")")
        if name in ("SIN32", "COS32"):
            print(f"{name}_TURN = {per_turn(stream, 3 if name == 'SIN32' else 2)!r}  # from transforms.py's {name}")


if __name__ == "__main__":
    main()
