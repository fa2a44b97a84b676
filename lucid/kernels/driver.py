"""The one parallel driver: it splits a fill into chunks and places the values.

A fill writes ``F(key, draw, start + i)`` at logical C-order index ``i`` of an
``n``-element tensor. The tensor arrives as ``flat``, a 1-D array spanning its
memory, with the offset ``origin`` of its first element and its ``shape`` and
``strides`` in elements. Chunks of ``CHUNK`` logical elements are independent,
so any split between threads gives the same bytes.

A chunk whose values start on a block boundary of a contiguous tensor is
generated in place; any other chunk (an unaligned window, a tail, a strided
view) is generated into a chunk-sized scratch buffer and copied or scattered.
"""

import numpy as np
from numba import njit, prange

from .distributions import gen_blocks, values_per_block
from .fpenv import enter_ieee, restore

U64 = np.uint64
CHUNK = 1 << 16  # logical elements per chunk; a multiple of every block width

_inline = dict(cache=True, error_model="numpy", inline="always")
_kernel = dict(cache=True, error_model="numpy", nogil=True)


@njit(**_inline)
def _scatter(flat, origin, shape, strides, lo, src, count):
    """Write ``src[:count]`` to logical indices ``lo .. lo + count - 1`` of the strided tensor."""
    nd = shape.shape[0]
    idx = np.empty(nd, np.int64)
    rem = lo
    pos = origin
    for k in range(nd - 1, -1, -1):
        idx[k] = rem % shape[k]
        rem //= shape[k]
        pos += idx[k] * strides[k]
    last = nd - 1
    step = strides[last]
    done = 0
    while done < count:
        run = min(shape[last] - idx[last], count - done)
        for r in range(run):
            flat[pos + r * step] = src[done + r]
        done += run
        idx[last] += run
        pos += run * step
        k = last
        while k > 0 and idx[k] == shape[k]:
            pos -= shape[k] * strides[k]
            idx[k] = 0
            k -= 1
            idx[k] += 1
            pos += strides[k]


@njit(cache=True, error_model="numpy")
def _fill_chunk(kind, flat, origin, shape, strides, contiguous, start, lo, hi, k0, k1, d0, d1, params):
    width = values_per_block(flat)
    first = start + lo  # global index of the chunk's first value
    b_first = first // width
    nb = (start + hi + width - 1) // width - b_first
    skip = first - b_first * width
    count = hi - lo
    direct = contiguous and skip == 0 and count == nb * width
    if direct:
        dst = flat[origin + lo : origin + hi]
    else:
        dst = np.empty(nb * width, flat.dtype)
    control = enter_ieee()  # the same values whatever this thread's flush-to-zero mode
    gen_blocks(kind, dst, U64(b_first), nb, U64(k0), U64(k1), U64(d0), U64(d1), params)
    restore(control)
    if direct:
        return
    if contiguous:
        flat[origin + lo : origin + hi] = dst[skip : skip + count]
    else:
        _scatter(flat, origin, shape, strides, lo, dst[skip:], count)


@njit(parallel=True, **_kernel)
def fill_parallel(kind, flat, origin, shape, strides, contiguous, start, n, k0, k1, d0, d1, params):
    """Fill ``n`` values, chunks spread over Numba's threads."""
    for c in prange((n + CHUNK - 1) // CHUNK):
        lo = c * CHUNK
        _fill_chunk(kind, flat, origin, shape, strides, contiguous, start, lo, min(n, lo + CHUNK),
                    k0, k1, d0, d1, params)


@njit(**_kernel)
def fill_serial(kind, flat, origin, shape, strides, contiguous, start, n, k0, k1, d0, d1, params):
    """Fill ``n`` values on the calling thread; the same bytes as ``fill_parallel``."""
    for c in range((n + CHUNK - 1) // CHUNK):
        lo = c * CHUNK
        _fill_chunk(kind, flat, origin, shape, strides, contiguous, start, lo, min(n, lo + CHUNK),
                    k0, k1, d0, d1, params)


@njit(**_kernel)
def fill_rows(kind, rows, starts, k0, k1, d0, d1, params):
    """Row ``r`` of the C-contiguous 2-D ``rows`` gets ``F(starts[r] + j)`` at column ``j``.

    The form of a fill for a box cut out of a larger logical tensor (a Dask chunk):
    each row is a run of consecutive global indices. On the calling thread; nogil,
    so several chunks fill at once from a thread pool.
    """
    no_axes = np.empty(0, np.int64)
    n = rows.shape[1]
    for r in range(rows.shape[0]):
        row = rows[r]
        for lo in range(0, n, CHUNK):
            _fill_chunk(kind, row, 0, no_axes, no_axes, True, starts[r], lo, min(n, lo + CHUNK),
                        k0, k1, d0, d1, params)
