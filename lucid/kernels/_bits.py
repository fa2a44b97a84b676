"""Bit reinterpretation between IEEE floats and unsigned integers.

These are LLVM ``bitcast`` instructions exposed to Numba: free in registers and
vectorizable, unlike a round trip through memory. They let the transforms build
floats straight from Philox words and split a float into exponent and mantissa
without calling libm.
"""

from llvmlite import ir
from numba import types
from numba.extending import intrinsic


def _bitcast(src, dst, dst_llvm):
    @intrinsic
    def cast(typingctx, value):
        if value != src:
            return None

        def codegen(context, builder, signature, args):
            return builder.bitcast(args[0], dst_llvm)

        return dst(src), codegen

    return cast


#: ``u64_as_f64(u)``: the float64 whose bits are the uint64 ``u``.
u64_as_f64 = _bitcast(types.uint64, types.float64, ir.DoubleType())
#: ``f64_as_u64(x)``: the bits of the float64 ``x`` as a uint64.
f64_as_u64 = _bitcast(types.float64, types.uint64, ir.IntType(64))
#: ``u32_as_f32(u)``: the float32 whose bits are the uint32 ``u``.
u32_as_f32 = _bitcast(types.uint32, types.float32, ir.FloatType())
#: ``f32_as_u32(x)``: the bits of the float32 ``x`` as a uint32.
f32_as_u32 = _bitcast(types.float32, types.uint32, ir.IntType(32))
