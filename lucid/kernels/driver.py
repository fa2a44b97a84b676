"""The one driver: it splits a fill into chunks and places the values.

A fill writes ``F(key, draw, start + i)`` at logical C-order index ``i`` of an
``n``-element tensor. The tensor arrives as ``flat``, a 1-D array spanning its
memory, with the offset ``origin`` of its first element and its shape and strides
in elements (``axes``). Chunks of ``CHUNK`` logical elements are independent, so
any split between threads gives the same bytes. In the parallel entries each
thread takes the next chunk when it finishes one (:mod:`._tasks`), so a core that
another process slows does not hold back the fill.

A chunk whose values start on a block boundary of a contiguous tensor is
generated in place; any other chunk (an unaligned window, a tail, a strided
view) is generated into a chunk-sized scratch buffer and copied or scattered.

A uniform fill of at least ``STREAM_BYTES`` generates its in-place chunks (``STREAM_RUN`` bytes or more) a piece
at a time in the cache and streams each piece to memory (:mod:`._stream`): the same
bytes, and about 1.7 times the rate where writing memory is what limits it (the
uniform kernel outruns the memory's write rate; the normal and truncated normal
kernels do not, and streamed copies measured slower for them).

Entry points take four arguments, ``(flat, job, axes, params)``:

* ``job``: the fill's integers, a tuple of seven int64 built by :func:`make_job` and read at
  ``KEY_LO, KEY_HI, DRAW_LO, DRAW_HI`` (the Philox key and draw, 32 bits each),
  ``START`` (the global index of the first element), ``COUNT`` (elements) and ``ORIGIN``;
* ``axes``: int64 ``(2, ndim)``, the shape and the strides in elements of a strided
  tensor; ``(2, 0)`` for a C-contiguous one;
* ``params``: the distribution's float64 parameters (see :mod:`.distributions`).

There is one set of entry points per distribution (:data:`ENTRIES`): ``serial``
(the calling thread), ``parallel`` (chunks over Numba's threads), ``rows`` (a
C-contiguous 2-D array whose rows are runs of global indices: a shard or a Dask
chunk, on the calling thread) and ``rows_parallel`` (the same over Numba's threads).
Each is compiled, for an output type, only when first called with it, and holds
only its own distribution's kernel, so a first call compiles what it needs and
nothing else.
"""

from collections.abc import Callable
from typing import NamedTuple

import numpy as np
from numba import njit, prange

from ._stream import stream_copy
from ._tasks import WORKERS, new_counter, take
from .distributions import (
    CONSTANT,
    NORMAL,
    TRUNCATED_NORMAL,
    UNIFORM,
    constant_blocks,
    normal_blocks,
    stream_key,
    truncated_blocks,
    uniform_blocks,
    values_per_block,
)
from .fpenv import enter_ieee, restore

U64 = np.uint64
CHUNK = 1 << 16  # logical elements per chunk; a multiple of every block width
# A streaming kernel's fills of at least STREAM_BYTES (beyond the 32 MiB L3 of the machines measured) are made
# PIECE blocks at a time (64 KiB of values, 32 KiB for 16-bit types: in the L2 cache) and reach memory by
# non-temporal stores.
STREAM_BYTES = 1 << 26
STREAM_RUN = 1 << 14  # and only chunks of 16 KiB or more: short rows of a Dask chunk or shard measured slower
PIECE = 1 << 12

KEY_LO, KEY_HI, DRAW_LO, DRAW_HI, START, COUNT, ORIGIN = range(7)  # fields of a job
NO_AXES = np.empty((2, 0), np.int64)  # the axes of a C-contiguous tensor

_inline = dict(cache=True, error_model="numpy", inline="always")
_entry = dict(cache=True, error_model="numpy", nogil=True)


def make_job(key: int, draw: int, start: int = 0, count: int = 0, origin: int = 0) -> tuple[int, ...]:
    """The ``job`` of a fill: 64-bit ``key`` and ``draw`` split into 32-bit words, then the window.

    A tuple of seven ints below 2**63 (Numba types it as ``UniTuple(int64, 7)``): cheaper to
    pass than an array to build.

    Example:
        >>> make_job(2**40 + 3, 7, start=5, count=10)
        (3, 256, 7, 0, 5, 10, 0)
    """
    return (key & 0xFFFFFFFF, key >> 32, draw & 0xFFFFFFFF, draw >> 32, start, count, origin)


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


@njit(**_inline)
def _blocks_of(flat, axes, start, lo, hi):
    """The blocks holding logical elements ``lo .. hi - 1``: ``(first block, blocks, values skipped in the first,
    whether the blocks fill them in place)``."""
    width = values_per_block(flat)
    first = start + lo  # global index of the chunk's first value
    b_first = first // width
    nb = (start + hi + width - 1) // width - b_first
    skip = first - b_first * width
    direct = axes.shape[1] == 0 and skip == 0 and hi - lo == nb * width
    return b_first, nb, skip, direct


@njit(**_inline)
def _fill_chunk(blocks, flat, origin, axes, start, lo, hi, key, params, large):
    """Logical elements ``lo .. hi - 1`` of the tensor, whose first element has global index ``start``
    (``large`` is for :func:`_stream_chunk`: this ignores it)."""
    width = values_per_block(flat)
    b_first, nb, skip, direct = _blocks_of(flat, axes, start, lo, hi)
    if direct:
        dst = flat[origin + lo : origin + hi]
    else:
        dst = np.empty(nb * width, flat.dtype)
    # The same values whatever this thread's flush-to-zero mode. `blocks` is a call, not inlined: inlined, the
    # parallel entry's parfor pass would hoist its loop-invariant arithmetic (a constant's conversion to
    # float32) out of the chunk loop, before enter_ieee.
    control = enter_ieee()
    blocks(dst, U64(b_first), nb, key, params)
    restore(control)
    if direct:
        return
    count = hi - lo
    if axes.shape[1] == 0:  # a plain loop: a slice assignment would compile its shape-mismatch message (seconds)
        for i in range(count):
            flat[origin + lo + i] = dst[skip + i]
    else:
        _scatter(flat, origin, axes[0], axes[1], lo, dst[skip:], count)


@njit(**_inline)
def _stream_chunk(blocks, flat, origin, axes, start, lo, hi, key, params, large):
    """:func:`_fill_chunk`, but in a ``large`` fill an in-place chunk is made ``PIECE`` blocks at a time into a
    scratch buffer and streamed to memory (:func:`stream_copy`): the same bytes. Only the streaming kernels'
    entries hold this code."""
    width = values_per_block(flat)
    b_first, nb, skip, direct = _blocks_of(flat, axes, start, lo, hi)
    if not (large and direct and (hi - lo) * flat.itemsize >= STREAM_RUN):  # short rows: streaming measured slower
        _fill_chunk(blocks, flat, origin, axes, start, lo, hi, key, params, large)
        return
    piece = np.empty(PIECE * width, flat.dtype)
    control = enter_ieee()
    for p in range(0, nb, PIECE):
        m = min(PIECE, nb - p)
        blocks(piece, U64(b_first + p), m, key, params)
        stream_copy(flat, origin + lo + p * width, piece, m * width)
    restore(control)


@njit(**_inline)
def _key(job):
    return stream_key(job[KEY_LO], job[KEY_HI], job[DRAW_LO], job[DRAW_HI])


@njit(**_inline)
def _serial(blocks, chunk, flat, job, axes, params):
    key = _key(job)
    n = job[COUNT]
    large = n * flat.itemsize >= STREAM_BYTES
    for c in range((n + CHUNK - 1) // CHUNK):
        lo = c * CHUNK
        chunk(blocks, flat, job[ORIGIN], axes, job[START], lo, min(n, lo + CHUNK), key, params, large)


@njit(**_inline)
def _parallel(blocks, chunk, flat, job, axes, params):
    key = _key(job)
    n = job[COUNT]
    large = n * flat.itemsize >= STREAM_BYTES
    tasks = (n + CHUNK - 1) // CHUNK
    taken = new_counter()  # chunks taken so far: each worker takes the next when it is free
    for _ in prange(min(WORKERS, tasks)):
        c = take(taken)
        while c < tasks:
            lo = c * CHUNK
            chunk(blocks, flat, job[ORIGIN], axes, job[START], lo, min(n, lo + CHUNK), key, params, large)
            c = take(taken)


@njit(**_inline)
def _rows(blocks, chunk, rows, starts, job, params):
    key = _key(job)
    n = rows.shape[1]
    large = rows.size * rows.itemsize >= STREAM_BYTES
    for r in range(rows.shape[0]):
        for lo in range(0, n, CHUNK):
            chunk(blocks, rows[r], 0, NO_AXES, starts[r], lo, min(n, lo + CHUNK), key, params, large)


@njit(**_inline)
def _rows_parallel(blocks, chunk, rows, starts, job, params):
    """``_rows`` spread over Numba's threads: each task is a run of whole short rows (about a chunk's worth of
    elements) or one chunk of a long row, taken as in ``_parallel``."""
    key = _key(job)
    nrows, n = rows.shape
    large = rows.size * rows.itemsize >= STREAM_BYTES
    per_row = (n + CHUNK - 1) // CHUNK  # column chunks per row
    group = max(1, CHUNK // max(n, 1))  # rows per task
    groups = (nrows + group - 1) // group
    tasks = groups * per_row
    taken = new_counter()
    for _ in prange(min(WORKERS, tasks)):
        t = take(taken)
        while t < tasks:
            g = t // per_row
            lo = (t - g * per_row) * CHUNK
            hi = min(n, lo + CHUNK)
            for r in range(g * group, min(nrows, (g + 1) * group)):
                chunk(blocks, rows[r], 0, NO_AXES, starts[r], lo, hi, key, params, large)
            t = take(taken)


# --- the entry points: (serial, parallel, rows) per distribution -------------------------------------------
# serial(flat, job, axes, params): the fill on the calling thread.
# parallel(flat, job, axes, params): the same bytes, chunks spread over Numba's threads.
# rows(rows, starts, job, params): row r of the C-contiguous 2-D `rows` gets F(starts[r] + j) at column j:
#   a box cut out of a larger logical tensor (a Dask chunk), on the calling thread; nogil, so several
#   chunks fill at once from a thread pool.
# rows_parallel(rows, starts, job, params): the same bytes as rows, spread over Numba's threads (a large shard).
# Each fills its chunks by _stream_chunk (the uniform: its kernel outruns memory) or _fill_chunk (the rest).
@njit(**_entry)
def uniform_serial(flat, job, axes, params):
    _serial(uniform_blocks, _stream_chunk, flat, job, axes, params)


@njit(parallel=True, **_entry)
def uniform_parallel(flat, job, axes, params):
    _parallel(uniform_blocks, _stream_chunk, flat, job, axes, params)


@njit(**_entry)
def uniform_rows(rows, starts, job, params):
    _rows(uniform_blocks, _stream_chunk, rows, starts, job, params)


@njit(parallel=True, **_entry)
def uniform_rows_parallel(rows, starts, job, params):
    _rows_parallel(uniform_blocks, _stream_chunk, rows, starts, job, params)


@njit(**_entry)
def normal_serial(flat, job, axes, params):
    _serial(normal_blocks, _fill_chunk, flat, job, axes, params)


@njit(parallel=True, **_entry)
def normal_parallel(flat, job, axes, params):
    _parallel(normal_blocks, _fill_chunk, flat, job, axes, params)


@njit(**_entry)
def normal_rows(rows, starts, job, params):
    _rows(normal_blocks, _fill_chunk, rows, starts, job, params)


@njit(parallel=True, **_entry)
def normal_rows_parallel(rows, starts, job, params):
    _rows_parallel(normal_blocks, _fill_chunk, rows, starts, job, params)


@njit(**_entry)
def truncated_serial(flat, job, axes, params):
    _serial(truncated_blocks, _fill_chunk, flat, job, axes, params)


@njit(parallel=True, **_entry)
def truncated_parallel(flat, job, axes, params):
    _parallel(truncated_blocks, _fill_chunk, flat, job, axes, params)


@njit(**_entry)
def truncated_rows(rows, starts, job, params):
    _rows(truncated_blocks, _fill_chunk, rows, starts, job, params)


@njit(parallel=True, **_entry)
def truncated_rows_parallel(rows, starts, job, params):
    _rows_parallel(truncated_blocks, _fill_chunk, rows, starts, job, params)


@njit(**_entry)
def constant_serial(flat, job, axes, params):
    _serial(constant_blocks, _fill_chunk, flat, job, axes, params)


@njit(parallel=True, **_entry)
def constant_parallel(flat, job, axes, params):
    _parallel(constant_blocks, _fill_chunk, flat, job, axes, params)


@njit(**_entry)
def constant_rows(rows, starts, job, params):
    _rows(constant_blocks, _fill_chunk, rows, starts, job, params)


@njit(parallel=True, **_entry)
def constant_rows_parallel(rows, starts, job, params):
    _rows_parallel(constant_blocks, _fill_chunk, rows, starts, job, params)


class Entries(NamedTuple):
    """The entry points of one distribution."""

    name: str
    serial: Callable[..., None]
    parallel: Callable[..., None]
    rows: Callable[..., None]
    rows_parallel: Callable[..., None]


#: The entry points of each distribution, indexed by its kind (``UNIFORM``, ``NORMAL``, ...).
ENTRIES = {
    UNIFORM: Entries("uniform", uniform_serial, uniform_parallel, uniform_rows, uniform_rows_parallel),
    NORMAL: Entries("normal", normal_serial, normal_parallel, normal_rows, normal_rows_parallel),
    TRUNCATED_NORMAL: Entries("truncated normal", truncated_serial, truncated_parallel, truncated_rows,
                              truncated_rows_parallel),
    CONSTANT: Entries("constant", constant_serial, constant_parallel, constant_rows, constant_rows_parallel),
}
