"""``wide_vectors()``: the kernel that calls it is vectorized at its CPU's full vector width.

LLVM tunes the Intel AVX-512 cores it knows (``skylake-avx512`` to ``sapphirerapids``, ``rocketlake``
among them) to prefer 256-bit vectors, so a kernel compiled for such a host uses ymm registers and
leaves half of each zmm unused (AMD's Zen 4 and 5 are tuned for 512 bits). A call of ``wide_vectors()``,
first thing in a kernel's body, gives the function being compiled LLVM's ``"prefer-vector-width"="512"``
attribute, which X86's backend reads per function, as clang's ``-mprefer-vector-width=512`` sets it: only
Lucid's kernels change, not other Numba code in the process (the ``NUMBA_CPU_FEATURES`` switch would
change them all). Where the CPU has no 512-bit vectors the widest it has is used, as before; a
generic-CPU build and other architectures ignore the attribute.

Which function it marks: the one whose body Numba is lowering, so a call inside a Numba
``inline="always"`` helper marks the helper's caller, and inside a ``forceinline`` overload only that
overload. Numba optimizes (and vectorizes) each kernel in its own module before linking it into its
callers, so marking the kernels themselves is enough: code LLVM inlines later keeps its vectors.

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
        try:
            set.add(builder.function.attributes, PREFER_WIDE)
        except (TypeError, AttributeError):  # an llvmlite whose attributes are not a set: the default width
            pass  # (speed only; the test of this function in test_determinism notices)
        return context.get_dummy_value()

    return types.void(), codegen
