#!/usr/bin/env python
"""Fit the polynomials of the 32-bit stream's transforms (lucid/kernels/transforms.py, "32-bit stream").

Each polynomial is a weighted minimax fit (Lawson's algorithm: iteratively reweighted least squares,
which converges to the minimax solution) in a Chebyshev basis, against reference values computed with
mpmath at 50 digits; the result is converted to monomial coefficients at that precision and rounded
once to float64. The script then evaluates each transform exactly as the kernel does (same float64
operations, same order) at many points and prints the worst relative error against mpmath.

Run ``python tools/fit_transforms.py`` (needs numpy and mpmath); the printed constants are the ones
in transforms.py. The fits are deterministic: same grid, same iterations, same output.
"""

from __future__ import annotations

import math

import mpmath as mp
import numpy as np

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


def horner(coeffs: list[float], x: float) -> float:
    out = 0.0
    for c in reversed(coeffs):
        out = out * x + c
    return out


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
        worst = max(abs((horner(coeffs, float(x)) - g) * s) for x, (g, s) in zip(xs, gs))
        bound = f"relative error of the transform <= 2^{math.log2(worst):.1f}"
        print(f"# {name}: degree {degree} on [{lo!r}, {hi!r}], {bound}")
        print(f"{name} = (" + ", ".join(repr(c) for c in coeffs) + ")")


if __name__ == "__main__":
    main()
