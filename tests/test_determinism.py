"""Same seed, same bytes: across views, memory orders, thread counts, processes and CPU targets."""

import hashlib
import json

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import lucid
from lucid.kernels import CHUNK
from lucid.kernels.driver import STREAM_BYTES
from lucid.nn import init

from .conftest import run_python

SHAPES = [(3, 5), (64, 3, 3, 3), (513, 257), (2, 3 * CHUNK + 5)]
STREAMED = STREAM_BYTES // 4 + 5  # float32 elements of a fill that streams its stores (the uniform's)
NAMES = ["kaiming_normal", "kaiming_uniform", "xavier_normal", "normal", "uniform", "trunc_normal", "variance_scaling"]


def fill(fn, shape_or_array, seed=0, dtype=np.float32, **kwargs):
    t = lucid.zeros(shape_or_array, dtype=dtype) if isinstance(shape_or_array, tuple) else shape_or_array
    fn(t, generator=lucid.random.Generator(seed), **kwargs)
    return np.asarray(t)


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
@pytest.mark.parametrize("fn", [init.kaiming_normal, init.kaiming_uniform, init.normal, init.uniform, init.trunc_normal,
                                init.lecun_normal])
def test_view_gets_the_values_of_a_contiguous_tensor(fn, dtype):
    w = lucid.full((40, 30, 6), 7.0, dtype=dtype)
    before = w.numpy().copy()
    index = (slice(3, 37, 2), slice(None, None, -3), slice(1, 5))
    view = w[index]
    fn(view, generator=lucid.random.Generator(4))
    fresh = fill(fn, view.shape, seed=4, dtype=dtype)
    assert np.asarray(view).tobytes() == np.ascontiguousarray(view.numpy()).tobytes()
    np.testing.assert_array_equal(view.numpy(), fresh)
    outside = np.ones(w.shape, bool)
    outside[index] = False
    np.testing.assert_array_equal(w.numpy()[outside], before[outside])


@pytest.mark.parametrize("order", ["F", "negative", "transposed", "every-other"])
def test_memory_order_does_not_change_values(order):
    shape = (33, 17, 5)
    want = fill(init.kaiming_normal, shape, seed=2)
    base = np.zeros((66, 34, 10), np.float32)
    array = {
        "F": np.zeros(shape, np.float32, order="F"),
        "negative": base[::-2, ::-2, ::-2][:33, :17, :5],
        "transposed": np.zeros(shape[::-1], np.float32).T,
        "every-other": base[::2, 1::2, ::2][:33, :17, :5],
    }[order]
    init.kaiming_normal(array, generator=lucid.random.Generator(2))
    np.testing.assert_array_equal(array, want)


def test_zero_d_and_one_d_tensors():
    t0 = lucid.zeros(())
    init.normal(t0, generator=lucid.random.Generator(1))
    t1 = lucid.zeros(1)
    init.normal(t1, generator=lucid.random.Generator(1))
    assert t0.numpy().reshape(1).tobytes() == t1.numpy().tobytes()


def test_wrapping_an_ndarray_or_passing_it_directly_is_the_same():
    a = fill(init.kaiming_uniform, np.zeros((8, 9), np.float64), seed=3)
    b = fill(init.kaiming_uniform, (8, 9), seed=3, dtype=np.float64)
    assert a.tobytes() == b.tobytes()


HASH_SCRIPT = """
import hashlib, json, sys
import numpy as np
import lucid
from lucid.nn import init
out = {}
for name in NAMES:
    for dtype in ["float16", "float32", "float64"]:
        for shape in SHAPES:
            t = lucid.zeros(shape, dtype=dtype)
            getattr(init, name)(t, generator=lucid.random.Generator(12345))
            out[f"{name}/{dtype}/{shape}"] = hashlib.sha256(t.numpy().tobytes()).hexdigest()
big = np.zeros(STREAMED, np.float32)  # 64 MiB: streamed to memory
init.uniform(big, -1.0, 1.0, generator=lucid.random.Generator(12345))
out["uniform/streamed"] = hashlib.sha256(big.tobytes()).hexdigest()
print(json.dumps(out))
"""


def hashes_in_subprocess(**env):
    return json.loads(run_python(f"SHAPES = {SHAPES!r}\nNAMES = {NAMES!r}\nSTREAMED = {STREAMED}\n" + HASH_SCRIPT,
                                 **env))


def hashes_here():
    out = {}
    for name in NAMES:
        for dtype in ["float16", "float32", "float64"]:
            for shape in SHAPES:
                t = fill(getattr(init, name), shape, seed=12345, dtype=dtype)
                out[f"{name}/{dtype}/{shape}"] = hashlib.sha256(t.tobytes()).hexdigest()
    big = fill(init.uniform, (STREAMED,), 12345, a=-1.0, b=1.0)
    out["uniform/streamed"] = hashlib.sha256(big.tobytes()).hexdigest()
    return out


def test_thread_counts_give_identical_bytes():
    one = hashes_in_subprocess(NUMBA_NUM_THREADS="1")
    two = hashes_in_subprocess(NUMBA_NUM_THREADS="2")
    assert one == two
    assert one == hashes_here()
    # More threads than this machine's cores: they take chunks in an order that changes from run to run.
    assert hashes_in_subprocess(NUMBA_NUM_THREADS="5") == one


def test_parallel_workers_take_each_task_once():
    """The parallel entries' workers take chunks from one atomic counter (``take``): every task once, any
    number of workers against any number of tasks."""
    from numba import njit, prange
    from numba.core.errors import TypingError

    from lucid.kernels._tasks import WORKERS, new_counter, take

    @njit(parallel=True)
    def run(tasks, workers):
        taken = new_counter()
        times = np.zeros(tasks, np.int64)
        for _ in prange(min(workers, tasks)):
            t = take(taken)
            while t < tasks:
                times[t] += 1
                t = take(taken)
        return times, taken  # read outside: Numba's loop fusion would move a read of taken[0] here above the loop

    for tasks in (0, 1, 2, 3, 512, 5000):
        for workers in (1, 2, 7, WORKERS):
            times, taken = run(tasks, workers)
            assert (times == 1).all()
            assert taken[0] == tasks + min(workers, tasks)  # one empty take per worker

    @njit
    def take_from(counter):
        return take(counter)

    frozen = np.zeros(1, np.int64)
    frozen.flags.writeable = False
    for bad in (frozen, np.zeros(1, np.int32), np.zeros((1, 1), np.int64)):
        with pytest.raises(TypingError):  # only a writable 1-D int64 array can count
            take_from(bad)


@pytest.mark.slow
def test_generic_cpu_target_gives_identical_bytes(generic_cache):
    """Compiled for a generic x86-64/ARM CPU (no AVX) or for this host: the same bytes."""
    host = hashes_in_subprocess()
    generic = hashes_in_subprocess(NUMBA_CPU_NAME="generic", NUMBA_CACHE_DIR=generic_cache)
    assert host == generic


def test_wide_vectors_marks_the_function_that_calls_it():
    """The kernels' ``wide_vectors()`` gives the function being compiled LLVM's prefer-vector-width attribute
    (a string attribute that llvmlite's own API does not list: this notices if llvmlite drops it)."""
    from numba import njit

    from lucid.kernels._vectors import PREFER_WIDE, wide_vectors

    @njit
    def marked(x):
        wide_vectors()
        return x + 1

    @njit
    def plain(x):
        return x + 1

    assert marked(1) == plain(1) == 2
    assert PREFER_WIDE in marked.inspect_llvm(marked.signatures[0])
    assert PREFER_WIDE not in plain.inspect_llvm(plain.signatures[0])


@st.composite
def strided_views(draw):
    """A base array of rank 1 to 5 and a slicing of it: steps of either sign, offsets, possibly transposed."""
    ndim = draw(st.integers(1, 5))
    shape = tuple(draw(st.lists(st.integers(1, 9), min_size=ndim, max_size=ndim)))
    index = []
    for size in shape:
        step = draw(st.sampled_from([1, 2, 3, -1, -2]))
        start = draw(st.integers(0, size - 1))
        index.append(slice(start, None, step) if step > 0 else slice(start, None, step))
    order = draw(st.permutations(range(ndim)))
    return shape, tuple(index), tuple(order), draw(st.sampled_from(["C", "F"]))


@given(strided_views(), st.sampled_from([np.float16, np.float32, np.float64]),
       st.sampled_from(["normal", "uniform", "trunc_normal"]))
def test_views_of_every_rank(view_spec, dtype, name):
    shape, index, order, memory = view_spec
    base = np.full(shape, 7.0, dtype=dtype, order=memory)
    view = base[index].transpose(order)
    fn = getattr(init, name)
    fn(view, generator=lucid.random.Generator(5))
    want = np.zeros(view.shape, dtype)
    fn(want, generator=lucid.random.Generator(5))
    np.testing.assert_array_equal(view, want)
    touched = np.zeros(shape, bool)
    touched[index] = True
    assert (base[~touched] == 7.0).all()
