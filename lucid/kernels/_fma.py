"""Fused multiply-add: ``a * b + c`` rounded once, the IEEE 754 ``fusedMultiplyAdd`` operation.

Numba has no ``fma``; this exposes LLVM's ``llvm.fma.f64``, which is always fused: one
``vfmadd`` instruction per vector where the CPU has FMA (x86-64 since 2013, every ARM64),
a call to the C library's correctly rounded ``fma`` where it has not (a generic x86-64
build: the same bits, slowly). It never depends on ``fastmath``, so a kernel that writes
``fma(a, b, c)`` gets the same bits on every CPU, where ``a * b + c`` left to the compiler
could be contracted on one target and not on another.
"""

from numba import types
from numba.extending import intrinsic


@intrinsic
def fma(typingctx, a, b, c):
    """``a * b + c`` for float64, rounded once."""
    if not (a == b == c == types.float64):
        return None

    def codegen(context, builder, signature, args):
        return builder.fma(*args)

    return types.float64(types.float64, types.float64, types.float64), codegen
