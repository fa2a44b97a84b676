"""From Philox words to uniforms and normals, with Lucid's own elementary functions.

libm's ``log``, ``sin`` and ``cos`` differ between platforms in their last bits
and, called once per element, keep loops from vectorizing. Lucid evaluates its
own polynomials in float64 with a fixed order of IEEE operations instead, so the
same words give the same bits on every CPU at every SIMD width.

Two sets of polynomials, one per stream:

* **float64 outputs** (the 64-bit stream) keep float64's accuracy: the published
  fdlibm minimax constants (Sun Microsystems, 1993), ``Lg1..Lg7`` for ``log(1+f)``
  through ``s = f / (2 + f)`` on ``[sqrt(1/2), sqrt(2))``, ``S1..S6`` and ``C1..C6``
  for ``sin`` and ``cos`` on ``[-pi/4, pi/4]``, and Wichura's AS 241 for the normal
  quantile.
* **32-bit-stream outputs** (float32, float16, bfloat16) are rounded from a float64
  value that only needs to be within far less than a float32 ulp: Lucid's own
  minimax polynomials (``tools/fit_transforms.py`` fits them and prints their
  bounds), with no division: ``LOG32`` for ``log(1+f)`` on the same interval
  (within ``2**-27.9`` relatively), ``SIN32`` and ``COS32`` on ``[-pi/4, pi/4]``
  (``2**-28.0``, ``2**-33.9``), ``QUANTILE32`` for the normal quantile's central
  region (``2**-34.1``, and about ``2**-31`` with ``LOG32``'s error in its argument).
  A normal ``r cos`` or ``r sin`` is then within ``2**-27`` of the exact transform
  relatively, a quarter of the ``2**-25`` past which a rounded float32 could stray
  more than 1 ulp from the exactly rounded value: the lowest degrees with that
  margin, since each coefficient costs a fused multiply-add per value. Evaluated
  by Horner's rule with ``fma`` (``a * b + c`` rounded once, an IEEE operation:
  the same bits on every CPU) in the order the code writes.

Angles never pass through ``2*pi*u`` in floating point: a word is a fraction of
a full turn, its top two bits pick the quadrant and the rest, an exact integer,
becomes the residual angle in ``[-pi/4, pi/4)`` with a single rounding.
"""

import numpy as np
from numba import njit

from ._bits import f64_as_u64, u64_as_f64
from ._fma import fma

U64 = np.uint64
I64 = np.int64
F32 = np.float32

# Inlined by LLVM where they are called (forceinline): the same machine code as Numba's own inlining, without
# typing each function again at every call site.
_inline = dict(cache=True, error_model="numpy", forceinline=True)

ONE_BITS = U64(0x3FF0000000000000)  # bits of 1.0
TWO52_BITS = U64(0x4330000000000000)  # bits of 2**52
TWO52 = 4503599627370496.0
MANTISSA64 = U64(0x000FFFFFFFFFFFFF)
SQRT_HALF_BITS = U64(0x3FE6A09E00000000)  # sqrt(1/2), truncated: the split point of log

LN2_HI = 6.93147180369123816490e-01
LN2_LO = 1.90821492927058770002e-10
LG1 = 6.666666666666735130e-01
LG2 = 3.999999999940941908e-01
LG3 = 2.857142874366239149e-01
LG4 = 2.222219843214978396e-01
LG5 = 1.818357216161805012e-01
LG6 = 1.531383769920937332e-01
LG7 = 1.479819860511658591e-01

S1 = -1.66666666666666324348e-01
S2 = 8.33333333332248946124e-03
S3 = -1.98412698298579493134e-04
S4 = 2.75573137070700676789e-06
S5 = -2.50507602534068634195e-08
S6 = 1.58969099521155010221e-10
C1 = 4.16666666666666019037e-02
C2 = -1.38888888888741095749e-03
C3 = 2.48015872894767294178e-05
C4 = -2.75573143513906633035e-07
C5 = 2.08757232129817482790e-09
C6 = -1.13596475577881948265e-11

# pi * 2**-31 and pi * 2**-53: radians per unit of a 32-bit and of a 54-bit turn fraction.
RAD_PER_TURN32 = np.pi * 2.0**-31
RAD_PER_TURN54 = np.pi * 2.0**-53


@njit(**_inline)
def log_positive(x):
    """Natural log of a positive, normal, finite float64 (no checks)."""
    b = f64_as_u64(x) + (ONE_BITS - SQRT_HALF_BITS)
    e = np.float64(I64(b >> U64(52)) - I64(1023))
    m = u64_as_f64((b & MANTISSA64) + SQRT_HALF_BITS)  # x = 2**e * m, m in [sqrt(1/2), sqrt(2))
    f = m - 1.0
    s = f / (2.0 + f)
    z = s * s
    w = z * z
    r = z * (LG1 + w * (LG3 + w * (LG5 + w * LG7))) + w * (LG2 + w * (LG4 + w * LG6))
    hfsq = 0.5 * f * f
    return e * LN2_HI - ((hfsq - (s * (hfsq + r) + e * LN2_LO)) - f)


@njit(**_inline)
def sin_cos_reduced(a):
    """``(sin(a), cos(a))`` for ``|a| <= pi/4``."""
    z = a * a
    s = a + a * z * (S1 + z * (S2 + z * (S3 + z * (S4 + z * (S5 + z * S6)))))
    r = z * (C1 + z * (C2 + z * (C3 + z * (C4 + z * (C5 + z * C6)))))
    hz = 0.5 * z
    w = 1.0 - hz
    c = w + (((1.0 - w) - hz) + z * r)
    return s, c


@njit(**_inline)
def mask64(condition):
    """All ones if ``condition`` else zero: a branch-free select mask."""
    return U64(0) - U64(condition)


@njit(**_inline)
def select_u64(condition, x, y):
    """``x if condition else y`` for uint64, branch-free."""
    m = mask64(condition)
    return (x & m) | (y & ~m)


@njit(**_inline)
def select64(condition, x, y):
    """``x if condition else y`` for float64, branch-free."""
    m = mask64(condition)
    return u64_as_f64((f64_as_u64(x) & m) | (f64_as_u64(y) & ~m))


SIGN64 = U64(1 << 63)


@njit(**_inline)
def sin_cos_quadrant(hi, lo, s, c):
    """``(sin, cos)`` of ``q * pi/2 + a`` from ``s = sin(a)``, ``c = cos(a)``: a swap and signs.

    The quadrant ``q`` (0..3) is in the top bits of two words: bit 63 of ``hi`` is its high bit,
    bit 63 of ``lo`` its low bit. Odd ``q`` swaps sin and cos (one blend each); ``q`` = 2, 3
    negate the sine and ``q`` = 1, 2 the cosine (a sign bit each).
    """
    bs = f64_as_u64(s)
    bc = f64_as_u64(c)
    odd = I64(lo) < I64(0)
    sq = (bc if odd else bs) ^ (hi & SIGN64)
    cq = (bs if odd else bc) ^ ((hi ^ lo) & SIGN64)
    return u64_as_f64(sq), u64_as_f64(cq)


@njit(**_inline)
def sin_cos_turn64(w):
    """``(sin, cos)`` of the angle ``2*pi * w / 2**64``, from the top 54 bits of a 64-bit word."""
    v = w + U64(1 << 61)  # shift by half a quadrant: the top two bits are the nearest quadrant
    t = u64_as_f64(TWO52_BITS | ((v & U64((1 << 62) - 1)) >> U64(10))) - (TWO52 + 2251799813685248.0)
    s, c = sin_cos_reduced(t * RAD_PER_TURN54)
    return sin_cos_quadrant(v, v << U64(1), s, c)


@njit(**_inline)
def uniform32(w, low, width):
    """``fma(width * 2**-32, w, low)``: the 32-bit stream's uniform ``low + width * w / 2**32`` rounded once (for
    widths from ``2**-990``), for a 32-bit word ``w``: one exact conversion and one fused multiply-add (LLVM
    computes the loop-invariant ``width * 2**-32`` once, outside a kernel's loop)."""
    return fma(width * 2.0**-32, np.float64(w), low)


@njit(**_inline)
def unit52(w):
    """``(w >> 12) / 2**52`` in ``[0, 1)`` for a 64-bit word, exact."""
    return u64_as_f64(ONE_BITS | (w >> U64(12))) - 1.0


@njit(**_inline)
def radius52(w):
    """Box-Muller radius ``sqrt(-2 log(1 - (w >> 12) / 2**52))`` for a 64-bit word."""
    return np.sqrt(-2.0 * log_positive(2.0 - u64_as_f64(ONE_BITS | (w >> U64(12)))))


@njit(**_inline)
def narrow_bits(x, mbits, bias):
    """Bits of the float64 ``x`` rounded once, to nearest even, to a 16-bit binary format with
    ``mbits`` mantissa bits and exponent bias ``bias`` (float16: 10, 15; bfloat16: 7, 127).

    Integer arithmetic on the float64's bits only: exact, branch-free, and the same on every
    CPU whatever its flush-to-zero mode. Subnormal results are rounded at the format's own
    unit; a value past the largest finite one becomes infinity (callers check ranges first),
    and NaN a quiet NaN.
    """
    b = f64_as_u64(x)
    a = b & U64(0x7FFFFFFFFFFFFFFF)
    d = U64(52 - mbits)  # mantissa bits dropped in the normal range
    e = I64(a >> U64(52))  # biased float64 exponent
    first_normal = I64(1024 - bias)  # float64 biased exponent of the format's smallest normal
    # Normal range: rebias the exponent, round the d dropped bits to nearest even (a carry moves the exponent).
    t = a - (U64(1023 - bias) << U64(52))
    normal = (t + ((U64(1) << (d - U64(1))) - U64(1)) + ((t >> d) & U64(1))) >> d
    # Subnormal range: the significand with its leading bit, shifted to the format's unit.
    shift = U64(min(I64(d) + first_normal - e, I64(63)))
    m = (a & MANTISSA64) | (U64(1) << U64(52))
    sub = (m + ((U64(1) << (shift - U64(1))) - U64(1)) + ((m >> shift) & U64(1))) >> shift
    h = select_u64(e >= first_normal, normal, sub)
    inf = U64(2 * bias + 1) << U64(mbits)
    h = select_u64(h > inf, inf, h)
    h = select_u64(a > U64(0x7FF0000000000000), inf | (U64(1) << U64(mbits - 1)), h)  # NaN: a quiet NaN
    return ((b >> U64(63)) << U64(15)) | h


@njit(**_inline)
def float16_bits(x):
    """IEEE binary16 bits of the float64 ``x``, rounded once to nearest even."""
    return np.uint16(narrow_bits(x, 10, 15))


@njit(**_inline)
def bfloat16_bits(x):
    """bfloat16 bits of the float64 ``x``, rounded once to nearest even."""
    return np.int16(narrow_bits(x, 7, 127))


# Wichura's AS 241 (PPND16), Applied Statistics 37(3), 1988: rational approximations of the
# normal quantile, accurate to about 1e-16, for |p - 1/2| <= 0.425, then in r = sqrt(-log(tail)).
_NQ_A = (3.3871328727963666080e0, 1.3314166789178437745e2, 1.9715909503065514427e3, 1.3731693765509461125e4,
         4.5921953931549871457e4, 6.7265770927008700853e4, 3.3430575583588128105e4, 2.5090809287301226727e3)
_NQ_B = (1.0, 4.2313330701600911252e1, 6.8718700749205790830e2, 5.3941960214247511077e3, 2.1213794301586595867e4,
         3.9307895800092710610e4, 2.8729085735721942674e4, 5.2264952788528545610e3)
_NQ_C = (1.42343711074968357734e0, 4.63033784615654529590e0, 5.76949722146069140550e0, 3.64784832476320460504e0,
         1.27045825245236838258e0, 2.41780725177450611770e-1, 2.27238449892691845833e-2, 7.74545014278341407640e-4)
_NQ_D = (1.0, 2.05319162663775882187e0, 1.67638483018380384940e0, 6.89767334985100004550e-1,
         1.48103976427480074590e-1, 1.51986665636164571966e-2, 5.47593808499534494600e-4, 1.05075007164441684324e-9)
_NQ_E = (6.65790464350110377720e0, 5.46378491116411436990e0, 1.78482653991729133580e0, 2.96560571828504891230e-1,
         2.65321895265761230930e-2, 1.24266094738807843860e-3, 2.71155556874348757815e-5, 2.01033439929228813265e-7)
_NQ_F = (1.0, 5.99832206555887937690e-1, 1.36929880922735805310e-1, 1.48753612908506148525e-2,
         7.86869131145613259100e-4, 1.84631831751005468180e-5, 1.42151175831644588870e-7, 2.04426310338993978564e-15)


@njit(**_inline)
def _horner8(c, r):
    """``c[7] r^7 + ... + c[0]`` by Horner's rule from the top (written out: no loop to inline)."""
    v = c[7] * r + c[6]
    v = v * r + c[5]
    v = v * r + c[4]
    v = v * r + c[3]
    v = v * r + c[2]
    v = v * r + c[1]
    return v * r + c[0]


@njit(**_inline)
def _ratio8(num, den, r):
    """``num(r) / den(r)`` for two degree-7 polynomials, Horner's rule from the top."""
    return _horner8(num, r) / _horner8(den, r)


TINY = 2.2250738585072014e-308  # the smallest normal float64
LN2_54 = 54 * 0.6931471805599453094  # log(2**54), to undo the scaling of a subnormal


@njit(**_inline)
def log_tail(x):
    """Natural log of a positive float64, subnormals included (scaled up by 2**54 first, then ``- log(2**54)``).

    Branch-free, one ``log_positive``: for a normal ``x`` the scaling is by 1.0 and the shift 0.0, both exact."""
    sub = x < TINY
    return log_positive(x * select64(sub, 18014398509481984.0, 1.0)) - select64(sub, LN2_54, 0.0)


CENTRAL64 = 0.425  # AS 241's central region: |p - 1/2| <= 0.425


@njit(**_inline)
def normal_quantile_central(q):
    """AS 241's ``Phi^-1(1/2 + q)`` for ``|q| <= CENTRAL64``."""
    return q * _ratio8(_NQ_A, _NQ_B, 0.180625 - q * q)


@njit(**_inline)
def normal_quantile(p):
    """The standard normal quantile ``Phi^-1(p)`` for ``0 < p < 1`` (AS 241, with Lucid's own log)."""
    q = p - 0.5
    if abs(q) <= CENTRAL64:
        return normal_quantile_central(q)
    return normal_quantile_tail(p, q)


@njit(**_inline)
def open_unit32(w):
    """``(w + 1/2) / 2**32`` in ``(0, 1)`` for a 32-bit word, exact: never 0, never 1."""
    return u64_as_f64(ONE_BITS | (w << U64(20)) | U64(1 << 19)) - 1.0


@njit(**_inline)
def open_unit52(w):
    """``((w >> 12) + 1/2) / 2**52`` in ``(0, 1)`` for a 64-bit word: the top 52 bits and a half."""
    return (u64_as_f64(ONE_BITS | (w >> U64(12))) - 1.0) + 2.0**-53


# --- the 32-bit stream: float32, float16 and bfloat16 outputs -----------------------------------
# Lucid's own minimax polynomials (tools/fit_transforms.py), each within the relative error stated beside it;
# the stream's value is the float64 result of exactly these operations.
LN2 = 0.6931471805599453  # ln 2, rounded to float64
# log(1 + f) = f + f^2 * LOG32(f) for f in [sqrt(1/2) - 1, sqrt(2) - 1): relative error < 2**-27.9
LOG32 = (-0.4999998834596163, 0.3333332568869981, -0.25001582983221876, 0.2000197413520072,
         -0.16609082346143123, 0.14181821312433077, -0.13242985366273874, 0.12904455898228673,
         -0.07621812010224085)
# sin(a) = a + a z SIN32(z), z = a^2, |a| <= pi/4: relative error < 2**-28.0
SIN32 = (-0.16666654609543674, 0.008332160761629378, -0.0001951528316708821)
# cos(a) = 1 + z COS32(z): relative error < 2**-33.9
COS32 = (-0.4999999969447583, 0.04166662035711673, -0.0013886681647644068, 2.4383567289427412e-05)
# Phi^-1(1/2 + q) = q QUANTILE32(w), w = -log(1 - 4 q^2), |q| < CENTRAL32: relative error < 2**-34.1
QUANTILE32 = (2.5066282745118476, 0.6562337454917444, 0.032666545826028966, -0.006605160452523348,
              -0.0003606745410563354, 0.0001294156910831855, 8.033370658231966e-06, -4.195304801108177e-06,
              3.302707254368088e-07)
# SIN32[i] * RAD_PER_TURN32**(2 i + 3) and COS32[i] * RAD_PER_TURN32**(2 i + 2), exactly, rounded once
# (tools/fit_transforms.py prints them): the polynomials in the angle's integer turn residual t.
SIN32_TURN = (-5.2180526495534e-28, 5.582872070149978e-47, -2.7984329584815715e-66)
COS32_TURN = (-1.0700646467847455e-18, 1.908395149438281e-37, -1.3611892859817698e-56, 5.1151373486924926e-76)
CENTRAL32 = 0.48  # |p - 1/2| below this: QUANTILE32; at or above: AS 241's tail (float64 accuracy)


@njit(**_inline)
def log32(x, k=1.0):
    """``k`` times the natural log of a positive, normal, finite float64, within 2**-27.9 relatively; no division.

    ``x = 2**e * (1 + f)`` with ``1 + f`` in ``[sqrt(1/2), sqrt(2))``; ``log(1 + f) = f (1 + f P(f))``
    with ``P = LOG32``, by Horner's rule in fused multiply-adds from ``k * LOG32[8]`` down to the
    constant term ``k``, then ``fma(e, k * LN2, f * h)``: 11 multiplies or fused multiply-adds.
    ``k``, a power of two known where this is inlined, scales the constants instead of the
    result: every operation is scaled exactly, so the bits are ``k`` times those of ``log32(x)``.
    """
    b = f64_as_u64(x) + (ONE_BITS - SQRT_HALF_BITS)
    e = u64_as_f64(TWO52_BITS | (b >> U64(52))) - (TWO52 + 1023.0)  # the exponent, exactly
    f = u64_as_f64((b & MANTISSA64) + SQRT_HALF_BITS) - 1.0
    c = LOG32
    h = fma(f, k * c[8], k * c[7])
    h = fma(f, h, k * c[6])
    h = fma(f, h, k * c[5])
    h = fma(f, h, k * c[4])
    h = fma(f, h, k * c[3])
    h = fma(f, h, k * c[2])
    h = fma(f, h, k * c[1])
    h = fma(f, h, k * c[0])
    h = fma(f, h, k)
    return fma(e, k * LN2, f * h)


@njit(**_inline)
def radius32(w):
    """Box-Muller radius ``sqrt(-2 log(1 - w / 2**32))`` for a 32-bit word (``log32``; 0 for ``w = 0``)."""
    return np.sqrt(log32(2.0 - u64_as_f64(ONE_BITS | (w << U64(20))), -2.0))


@njit(**_inline)
def sin_cos_turn32(w):
    """``(sin, cos)`` of the angle ``2*pi * w / 2**32`` for a 32-bit word ``w`` (``SIN32``, ``COS32``).

    The residual angle is ``a = t * RAD_PER_TURN32`` for an integer ``t`` in ``[-2**29, 2**29)``; the
    polynomials take ``t`` itself, their coefficients scaled by powers of ``RAD_PER_TURN32``
    (``SIN32_TURN``, ``COS32_TURN``): ``sin = t (RAD + z S(z))``, ``cos = 1 + z C(z)``, ``z = t * t``,
    by Horner's rule in fused multiply-adds (9 multiplies or fused multiply-adds for both).
    """
    v = w + U64(1 << 29)  # shift by half a quadrant: bits 31 and 30 are the nearest quadrant (32 and up: dropped)
    t = u64_as_f64(TWO52_BITS | (v & U64((1 << 30) - 1))) - (TWO52 + 536870912.0)
    z = t * t
    sc = SIN32_TURN
    cc = COS32_TURN
    s = t * fma(z, fma(z, fma(z, sc[2], sc[1]), sc[0]), RAD_PER_TURN32)
    c = fma(z, fma(z, fma(z, fma(z, cc[3], cc[2]), cc[1]), cc[0]), 1.0)
    return sin_cos_quadrant(v << U64(32), v << U64(33), s, c)


@njit(**_inline)
def quantile32_central(q):
    """``Phi^-1(1/2 + q)`` for ``|q| < CENTRAL32``: ``q * QUANTILE32(-log32(1 - 4 q^2))``, no division.

    ``1 - 4 q^2`` is one fused multiply-add, ``-log32`` the log with ``k = -1``, and ``QUANTILE32``
    Horner's rule in fused multiply-adds."""
    w = log32(fma(-4.0 * q, q, 1.0), -1.0)
    g = QUANTILE32
    h = fma(w, g[8], g[7])
    h = fma(w, h, g[6])
    h = fma(w, h, g[5])
    h = fma(w, h, g[4])
    h = fma(w, h, g[3])
    h = fma(w, h, g[2])
    h = fma(w, h, g[1])
    return q * fma(w, h, g[0])


@njit(**_inline)
def normal_quantile_tail(p, q):
    """AS 241's ``Phi^-1(p)`` for ``|q| = |p - 1/2| > 0.425`` (float64 accuracy, Lucid's own log)."""
    r = np.sqrt(-log_tail(p if q < 0.0 else 1.0 - p))
    if r <= 5.0:
        x = _ratio8(_NQ_C, _NQ_D, r - 1.6)
    else:
        x = _ratio8(_NQ_E, _NQ_F, r - 5.0)
    return -x if q < 0.0 else x


@njit(**_inline)
def normal_quantile32(p):
    """The 32-bit stream's ``Phi^-1(p)``, ``0 < p < 1``: ``quantile32_central`` for ``|p - 1/2| < CENTRAL32``,
    AS 241's tail beyond."""
    q = p - 0.5
    if abs(q) < CENTRAL32:
        return quantile32_central(q)
    return normal_quantile_tail(p, q)
