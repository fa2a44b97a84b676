"""The floating-point environment of the calling thread: IEEE mode for the length of a fill.

Flush-to-zero (FTZ) and denormals-are-zero (DAZ) are per-thread modes that inference
code turns on (``torch.set_flush_denormal(True)``, ``-ffast-math`` libraries). Under them
a subnormal result becomes zero, so a fill's values would depend on the calling
thread's mode, and a parallel fill on which thread ran which chunk. Each chunk of a
fill therefore runs with both modes off and puts the thread's control word back after.

x86-64: MXCSR (FTZ is bit 15, DAZ bit 6). AArch64: FPCR (FZ is bit 24, FZ16 bit 19).
Elsewhere the control word is left alone.
"""

import platform

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.core import cgutils
from numba.extending import intrinsic

_MACHINE = platform.machine().lower()
if _MACHINE in ("x86_64", "amd64"):
    ARCH = "x86_64"
    FLUSH_BITS = (1 << 15) | (1 << 6)
elif _MACHINE in ("aarch64", "arm64"):
    ARCH = "aarch64"
    FLUSH_BITS = (1 << 24) | (1 << 19)
else:  # pragma: no cover - no flush modes known for this architecture
    ARCH = "other"
    FLUSH_BITS = 0

_I32 = ir.IntType(32)
_I64 = ir.IntType(64)


def _x86_csr(builder, value=None):
    """Read MXCSR, or write ``value`` (an i64) to it, through a stack slot."""
    slot = cgutils.alloca_once(builder, _I32)
    name = "llvm.x86.sse.stmxcsr" if value is None else "llvm.x86.sse.ldmxcsr"
    if value is not None:
        builder.store(builder.trunc(value, _I32), slot)
    fn = cgutils.get_or_insert_function(builder.module, ir.FunctionType(ir.VoidType(), [slot.type]), name)
    builder.call(fn, [slot])
    return builder.zext(builder.load(slot), _I64)


@intrinsic
def read_control(typingctx):
    """The thread's floating-point control word (MXCSR or FPCR) as a uint64; 0 elsewhere."""

    def codegen(context, builder, signature, args):
        if ARCH == "x86_64":
            return _x86_csr(builder)
        if ARCH == "aarch64":
            fn = cgutils.get_or_insert_function(builder.module, ir.FunctionType(_I64, []), "llvm.aarch64.get.fpcr")
            return builder.call(fn, [])
        return ir.Constant(_I64, 0)

    return types.uint64(), codegen


def _barrier(builder):
    """A compiler barrier (an empty inline assembly that may touch any memory): LLVM moves no load or store
    across it, hence no arithmetic on loaded values either. Without it, LLVM, which assumes the default
    floating-point environment everywhere, may hoist a loop-invariant conversion above the write of the
    control word, into the caller's flush-to-zero mode."""
    builder.asm(ir.FunctionType(ir.VoidType(), []), "", "~{memory}", [], side_effect=True)


@intrinsic
def write_control(typingctx, value):
    """Set the thread's floating-point control word to ``value`` (a uint64); no-op elsewhere. A compiler
    barrier on both sides keeps the floating-point work between two writes between them."""
    if value != types.uint64:
        return None

    def codegen(context, builder, signature, args):
        _barrier(builder)
        if ARCH == "x86_64":
            _x86_csr(builder, args[0])
        elif ARCH == "aarch64":
            fn = cgutils.get_or_insert_function(
                builder.module, ir.FunctionType(ir.VoidType(), [_I64]), "llvm.aarch64.set.fpcr")
            builder.call(fn, [args[0]])
        _barrier(builder)
        return context.get_dummy_value()

    return types.none(types.uint64), codegen


_inline = dict(cache=True, inline="always")
_MASK = 0xFFFFFFFFFFFFFFFF ^ FLUSH_BITS


@njit(**_inline)
def enter_ieee():
    """Turn flush-to-zero and denormals-are-zero off; returns the control word to restore."""
    old = read_control()
    write_control(old & np.uint64(_MASK))
    return old


@njit(**_inline)
def restore(old):
    """Put back the control word that :func:`enter_ieee` returned."""
    write_control(old)


@njit(cache=True)
def flush_mode() -> bool:
    """Whether the calling thread flushes subnormals (FTZ or DAZ on)."""
    return (read_control() & np.uint64(FLUSH_BITS)) != 0


@njit(cache=True)
def set_flush_mode(on: bool) -> None:
    """Turn flush-to-zero and denormals-are-zero on or off for the calling thread (for tests)."""
    old = read_control()
    write_control(old | np.uint64(FLUSH_BITS) if on else old & np.uint64(_MASK))
