"""``stream_copy``: a copy whose stores bypass the caches (non-temporal stores).

An ordinary store to memory that is not in the cache first reads the line it writes into (a
read for ownership), and the written line then pushes other data out of the cache. A fill much
larger than the cache gains nothing from either: its first values are evicted long before it
ends. Non-temporal stores write whole 64-byte lines straight to memory, so a large fill moves
half the bytes and leaves the cache to the data around it (measured on the Intel AVX-512
machine: 2 threads wrote 128 MiB of float32 at 3.1 G values/s with ordinary stores, 8.8 G with
these).

The driver generates a large fill's values a cache-sized piece at a time into a scratch buffer
and copies each piece with :func:`stream_copy`, so the bytes are the same either way: only how
they reach memory differs.

LLVM's ``!nontemporal`` store of a 64-byte vector is ``vmovntdq`` (one zmm, or two ymm) on x86-64 with
AVX, four ``movntps`` on a generic x86-64; a target without such stores stores normally. It needs 64-byte
alignment, so the copy stores ordinarily up to the first aligned element and after the last
aligned line. A fence at the end orders the streamed stores before whatever the thread does next
(non-temporal stores are weakly ordered on x86).
"""

from llvmlite import ir
from numba import njit, types
from numba.extending import intrinsic

LINE = 64  # bytes per non-temporal vector store: one cache line


@intrinsic
def _store_line(typingctx, dst, i, src, j):
    """The 64 bytes at ``src[j]`` (any alignment) to ``dst[i]`` (64-byte aligned), bypassing the caches."""
    if not (isinstance(dst, types.Array) and isinstance(src, types.Array) and dst.dtype == src.dtype):
        return None

    def codegen(context, builder, signature, args):
        d, at, s, frm = args
        line = ir.VectorType(ir.IntType(8), LINE).as_pointer()
        dst_arr = context.make_array(signature.args[0])(context, builder, d)
        src_arr = context.make_array(signature.args[2])(context, builder, s)
        value = builder.load(builder.bitcast(builder.gep(src_arr.data, [frm]), line), align=1)
        store = builder.store(value, builder.bitcast(builder.gep(dst_arr.data, [at]), line), align=LINE)
        store.set_metadata("nontemporal", builder.module.add_metadata([ir.Constant(ir.IntType(32), 1)]))
        return context.get_dummy_value()

    return types.void(dst, types.int64, src, types.int64), codegen


@intrinsic
def _fence(typingctx):
    """A sequentially consistent fence (a locked instruction on x86-64, which orders non-temporal stores as
    ``mfence`` does): earlier stores, streamed ones included, come first."""

    def codegen(context, builder, signature, args):
        builder.fence("seq_cst")
        return context.get_dummy_value()

    return types.void(), codegen


@intrinsic
def _address(typingctx, a, i):
    """The address of ``a[i]``, as an int64."""
    if not isinstance(a, types.Array):
        return None

    def codegen(context, builder, signature, args):
        arr = context.make_array(signature.args[0])(context, builder, args[0])
        return builder.ptrtoint(builder.gep(arr.data, [args[1]]), ir.IntType(64))

    return types.int64(a, types.int64), codegen


@njit(cache=True, error_model="numpy", inline="always")
def stream_copy(dst, at, src, count):
    """``dst[at : at + count] = src[:count]`` (1-D, one dtype), the aligned lines by non-temporal stores.

    The same bytes as a plain copy; ``dst`` is written once, ``src`` only read. The lines are stored from
    contiguous memory: where either array has gaps between its items, or ``dst[at]`` is not at a multiple
    of the item size, the whole copy is an ordinary one.
    """
    size = dst.itemsize
    per_line = LINE // size
    address = _address(dst, at)
    head = count  # strided or misaligned: an ordinary copy
    if address % size == 0 and dst.strides[0] == size and src.strides[0] == size:
        head = min(count, ((LINE - address % LINE) % LINE) // size)
    for k in range(head):
        dst[at + k] = src[k]
    k = head
    while k + per_line <= count:
        _store_line(dst, at + k, src, k)
        k += per_line
    for m in range(k, count):
        dst[at + m] = src[m]
    _fence()
