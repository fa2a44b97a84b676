"""``take(counter)``: the next task of a parallel loop, for whichever thread asks first.

Numba's ``prange`` hands each thread an equal, fixed share of the iterations. On a machine where another
process (a data loader, a second job, the host of a virtual machine) takes part of one core, the fill then
waits for the slowed thread's share: measured on 2 cores with one busy process beside it, a float32 normal
fill of 2^25 values ran at 450-515 M/s on 2 threads, below one thread's 610. The driver's parallel loops
instead let each thread take the next chunk when it finishes one (620-815 M/s there; the same rate as
before on an idle machine). Which thread fills which chunk changes no value: each depends only on its
logical index.

A loop runs ``min(WORKERS, tasks)`` workers, at least one per thread (a machine with more than ``WORKERS``
threads uses ``WORKERS`` of them): ``prange`` gives each thread a share of them, the first worker of each
thread takes tasks until none is left, and the rest find none (one atomic add each). Calling Numba's
``get_num_threads()`` instead would keep the entry points out of Numba's cache.

``take`` is one atomic fetch-and-add on ``counter[0]`` (relaxed ordering: the counter orders nothing but
itself, and the threads' writes are joined by the end of the parallel region). Numba's parfor passes do not
see it as a write: they never hoist it (a call they do not know is impure), but they may move a plain read of
the counter (``counter[0]``) that follows the loop to before it, so a function running such a loop must not
read the counter afterwards (the driver does not).
"""

import numpy as np
from numba import njit, types
from numba.extending import intrinsic

WORKERS = 1024  # workers per parallel loop (at most one per task): more than the machines' threads


@intrinsic
def take(typingctx, counter):
    """Add 1 to ``counter[0]`` (an int64 array) atomically and return the value it had."""
    if not (isinstance(counter, types.Array) and counter.dtype == types.int64 and counter.ndim == 1
            and counter.mutable):
        return None

    def codegen(context, builder, signature, args):
        array = context.make_array(signature.args[0])(context, builder, args[0])
        one = context.get_constant(types.int64, 1)
        return builder.atomic_rmw("add", array.data, one, "monotonic")

    return types.int64(counter), codegen


@njit(cache=True, inline="always")
def new_counter():
    """A task counter at 0, for ``take`` (``np.zeros`` would be a parallel loop of its own: a second launch)."""
    counter = np.empty(1, np.int64)
    counter[0] = 0
    return counter
