"""``wide_vectors()``: the kernel that calls it is vectorized at its CPU's full vector width.

LLVM tunes the Intel AVX-512 cores it knows (``skylake-avx512`` to ``sapphirerapids``, ``rocketlake``
among them) to prefer 256-bit vectors, so a kernel compiled for such a host uses ymm registers and
leaves half of each zmm unused (AMD's Zen 4 is tuned for 512 bits). A call of ``wide_vectors()``,
first thing in a kernel's body, gives the function being compiled LLVM's ``"prefer-vector-width"="512"``
attribute, which X86's backend reads per function, as clang's ``-mprefer-vector-width=512`` sets it: only
Lucid's kernels change, not other Numba code in the process (the ``NUMBA_CPU_FEATURES`` switch would
change them all). Where the CPU has no 512-bit vectors the widest it has is used, as before, and
other architectures ignore the attribute.

No value changes: the fill paths use no ``fastmath`` and every fused multiply-add is explicit, so
every vector width computes the same operations on each element (the tests compare a build for a
generic CPU with the host's).
"""

from numba import types
from numba.extending import intrinsic

# A string attribute, which llvmlite's FunctionAttributes.add() does not know; the set prints it as given.
PREFER_WIDE = '"prefer-vector-width"="512"'


@intrinsic
def wide_vectors(typingctx):
    """Mark the calling function ``"prefer-vector-width"="512"`` (compiles to nothing)."""

    def codegen(context, builder, signature, args):
        set.add(builder.function.attributes, PREFER_WIDE)
        return context.get_dummy_value()

    return types.void(), codegen
