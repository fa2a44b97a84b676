"""From an ndarray and a generator to one call of the parallel driver.

This is the only place that calls a fill kernel. It lays the array out for the
driver (contiguous, or strided with its memory span), takes the draw number
from the generator and picks the serial or the parallel entry point; both give
the same bytes, so the choice is only about safety and speed:

* small fills (one chunk) run on the calling thread: no parallel launch to pay for;
* one parallel region at a time per process: a thread that finds one running
  fills on its own thread instead (Numba's workqueue layer aborts the process on
  concurrent launches, and OpenMP teams would oversubscribe the cores);
* a child forked after the parent ran parallel fills fills on one thread (GNU
  OpenMP terminates a forked child that starts a parallel region).
"""

from __future__ import annotations

import math
import os
import threading
from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from . import _compile
from ._plans import Constant, Plan
from .kernels import CHUNK, NO_AXES, make_job
from .random import Generator


class _Parallel:
    """Process-wide state of the parallel entry point."""

    lock = threading.Lock()
    used = False  # a parallel region has run in this process
    forbidden = False  # this process was forked after one ran: stay on one thread


def _after_fork_in_child() -> None:
    _Parallel.lock = threading.Lock()
    if _Parallel.used:
        _Parallel.forbidden = True


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)

try:  # NumPy's bfloat16, where ml_dtypes is installed
    import ml_dtypes

    BFLOAT16: np.dtype | None = np.dtype(ml_dtypes.bfloat16)
except ImportError:  # pragma: no cover - depends on the environment
    BFLOAT16 = None


def _layout(array: np.ndarray) -> tuple[np.ndarray, int, np.ndarray]:
    """``(flat, origin, axes)`` for the driver: ``axes`` holds the shape and strides in elements of a
    strided array, and is empty (``(2, 0)``) for a C-contiguous one."""
    if array.flags.c_contiguous:
        return array.ravel(), 0, NO_AXES  # a view; cheaper than reshape(-1)
    itemsize = array.itemsize
    strides = [s // itemsize for s in array.strides]
    # Flip the axes that run backwards: the view then starts at the lowest address.
    low = array[tuple(slice(None, None, -1) if s < 0 else slice(None) for s in strides)]
    origin = sum((d - 1) * -s for d, s in zip(array.shape, strides) if s < 0)
    span = origin + sum((d - 1) * s for d, s in zip(array.shape, strides) if s > 0) + 1
    flat = np.lib.stride_tricks.as_strided(low, shape=(span,), strides=(itemsize,))
    return flat, origin, np.array([array.shape, strides], np.int64)


def check_layout(array: np.ndarray) -> str | None:
    """Why the driver cannot fill ``array`` in place (a phrase with its advice), or None if it can.

    Elements must be whole items apart and distinct: sorted by stride, each axis must step past
    everything the smaller axes span (sufficient for no two elements to share memory).
    """
    if array.size == 0 or array.flags.c_contiguous:
        return None
    itemsize = array.itemsize
    if any(s % itemsize for s in array.strides):
        return f"has strides {array.strides}, not multiples of its item size {itemsize}; pass a copy"
    span = itemsize
    for s, d in sorted((abs(s), d) for d, s in zip(array.shape, array.strides) if d > 1):
        if s < span:
            return "has overlapping elements (strides that make two elements share memory); pass distinct elements"
        span = s * (d - 1) + span
    return None


def fill(array: np.ndarray, plan: Plan, generator: Generator) -> None:
    """Write ``plan``'s distribution into ``array`` with the generator's next draw.

    ``array`` is a writable float16/bfloat16/float32/float64 ndarray with at least one
    element, laid out as :func:`check_layout` accepts.
    """
    key, draw = generator.take_draw()
    fill_stream(array, plan, key, draw)


# The smallest normal value of each dtype NumPy rounds to exactly once from float64 (bfloat16's cast is ml_dtypes').
_SMALLEST_NORMAL = {"e": 2.0**-14, "f": 2.0**-126, "d": 2.0**-1022}


def fill_constant(array: np.ndarray, value: float) -> None:
    """Write ``value``, rounded once to the dtype, to every element of ``array`` (no draw).

    A zero, or a finite value whose rounding is a normal number, is written by ``ndarray.fill``:
    NumPy rounds a float64 once to float16, float32 (and float64), and no flush-to-zero mode
    touches a normal number or a zero, so these are the kernel's bits without its compilation.
    Anything else (subnormal results, infinities, NaN, bfloat16) goes through the kernel.
    """
    smallest = _SMALLEST_NORMAL.get(array.dtype.char)
    if smallest is not None and (value == 0.0 or smallest <= abs(value) < math.inf):
        array.fill(value)
        return
    fill_stream(array, Constant(value), 0, 0)


def fill_stream(array: np.ndarray, plan: Plan, key: int, draw: int, start: int = 0) -> None:
    """Write the values ``F(key, draw, start + i)`` at logical index ``i`` of ``array``.

    The window form of a fill: ``start`` is the global index of ``array``'s first
    element, so pieces of one big logical tensor can be filled separately (by
    threads, processes or Dask chunks) and agree with a single fill.
    """
    flat, origin, axes = _layout(array)
    n = array.size
    _dispatch(plan.kind, "serial", "parallel", n,
              (_kernel_view(flat), make_job(key, draw, start, n, origin), axes, _kernel_params(plan)))


class Ready(NamedTuple):
    """A plan made ready for one dtype: what :func:`fill_ready` needs beyond the array and the draw.

    The initializers remember one per argument list once a fill with it succeeded (its values were
    checked to fit the dtype then), so a repeated call goes straight to the driver.
    """

    plan: Plan
    dtype: np.dtype
    params: np.ndarray  # the plan's fields as the kernels read them
    bits: np.dtype | None  # the integer view the kernels write float16 and bfloat16 through
    serial: Callable[..., None] | None  # the serial entry point, where it has run in this process


def ready(plan: Plan, dtype: np.dtype) -> Ready:
    """``plan`` made ready for arrays of ``dtype`` (a dtype Lucid fills; its fit is the caller's to check)."""
    bits = _kernel_view(np.empty(0, dtype)).dtype
    serial = _compile.ready_entry(plan.kind, "serial", bits)
    return Ready(plan, dtype, _kernel_params(plan), None if bits == dtype else bits, serial)


def fill_ready(array: np.ndarray, ready: Ready, key: int, draw: int) -> None:
    """:func:`fill_stream` of a non-empty C-contiguous ``array`` of ``ready.dtype`` from index 0, with
    the layout and the kernel's parameters known: the short way of small repeated fills."""
    flat = array.ravel()  # a view
    if ready.bits is not None:
        flat = flat.view(ready.bits)
    n = flat.size
    job = make_job(key, draw, 0, n)
    serial = ready.serial
    if n <= CHUNK and serial is not None:  # what _dispatch would run, without its lookups
        serial(flat, job, NO_AXES, ready.params)
    else:
        _dispatch(ready.plan.kind, "serial", "parallel", n, (flat, job, NO_AXES, ready.params))


_PARAMS: dict[int, tuple[Plan, np.ndarray]] = {}  # by id(plan), the plan held so that its id stays its own


def _kernel_params(plan: Plan) -> np.ndarray:
    """``plan``'s fields as the kernels read them (and never write), one array per plan object: the
    initializers hand out the same plan for the same arguments, so repeated calls reuse it."""
    hit = _PARAMS.get(id(plan))
    if hit is not None and hit[0] is plan:
        return hit[1]
    params = np.fromiter(plan, np.float64, len(plan))
    if len(_PARAMS) >= 4096:
        _PARAMS.clear()
    _PARAMS[id(plan)] = (plan, params)
    return params


def _kernel_view(array: np.ndarray) -> np.ndarray:
    """``array`` as the kernels write it: float16 as uint16 bits, bfloat16 as int16 bits."""
    char = array.dtype.char  # cheap, unlike dtype comparisons; byte order was checked before
    if char == "e":
        return array.view(np.uint16)
    if char == "E" and BFLOAT16 is not None and array.dtype == BFLOAT16:
        return array.view(np.int16)
    return array


def _dispatch(kind: int, serial: str, parallel: str, n: int, args: tuple) -> None:
    """Run entry point ``parallel`` for an ``n``-element fill when the module's rules allow it, else ``serial``."""
    if n > CHUNK and not _Parallel.forbidden and _Parallel.lock.acquire(blocking=False):
        try:
            _Parallel.used = True
            _compile.run(kind, parallel, args)
        finally:
            _Parallel.lock.release()
    else:
        _compile.run(kind, serial, args)


def fill_box(block: np.ndarray, plan: Plan, key: int, draw: int, shape: tuple[int, ...],
             offset: tuple[int, ...]) -> None:
    """Fill ``block``, the box at ``offset`` of a C-ordered logical tensor of ``shape``, with its global values.

    Each run of consecutive global indices (the trailing axes the box covers in full,
    plus one) is one row for the kernel, so a box that spans whole rows of the tensor is
    a single run. A block that is not C-contiguous is filled through a C-contiguous copy.
    From the main thread a large box is spread over Numba's threads (a shard of a model);
    from any other thread (Dask's workers, whose pool already spreads the chunks) it stays
    on the calling thread.
    """
    if block.size == 0:
        return
    if not block.flags.c_contiguous:
        scratch = np.empty(block.shape, block.dtype)
        fill_box(scratch, plan, key, draw, shape, offset)
        block[...] = scratch
        return
    ndim = len(shape)
    split = ndim - 1  # axes split..ndim-1 form one run
    while split > 0 and block.shape[split] == shape[split]:
        split -= 1
    run = math.prod(block.shape[split:])
    strides = np.ones(ndim, np.int64)
    for axis in range(ndim - 2, -1, -1):
        strides[axis] = strides[axis + 1] * shape[axis + 1]
    starts = np.full((1,) * split, int(np.dot(offset, strides)), np.int64)
    for axis in range(split):  # add each leading axis's contribution, broadcast to every row
        step = np.arange(block.shape[axis], dtype=np.int64) * strides[axis]
        starts = starts + step.reshape((-1,) + (1,) * (split - axis - 1))
    args = (_kernel_view(block.reshape(-1, run)), starts.reshape(-1), make_job(key, draw), _kernel_params(plan))
    if threading.current_thread() is threading.main_thread():
        _dispatch(plan.kind, "rows", "rows_parallel", block.size, args)
    else:
        _compile.run(plan.kind, "rows", args)
