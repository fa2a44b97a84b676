"""lucid.dask: every chunk filled at its global indices, bit-identical to one in-memory fill."""

import numpy as np
import pytest

import lucid
from lucid.nn import init

da = pytest.importorskip("dask.array")
import lucid.dask as ldask  # noqa: E402

CHUNKINGS = [(64, 48), (100, 30), (1000, 1000), (7, 240), ((10, 300, 690), (1, 239))]
SHAPE = (1000, 240)


def in_memory(name, shape, dtype="float32", seed=0, *args, **kwargs):
    w = lucid.zeros(shape, dtype=dtype)
    getattr(init, name)(w, *args, generator=lucid.random.Generator(seed), **kwargs)
    return w.numpy()


@pytest.mark.parametrize("chunks", CHUNKINGS)
@pytest.mark.parametrize("name,args", [("kaiming_normal", ()), ("uniform", (-2.0, 3.0)), ("trunc_normal", (0.0, 1.0)),
                                       ("xavier_uniform", ()), ("lecun_normal", ())])
def test_chunks_equal_one_fill_threaded(name, args, chunks):
    x = getattr(ldask, name)(SHAPE, *args, chunks=chunks, seed=7)
    np.testing.assert_array_equal(x.compute(scheduler="threads"), in_memory(name, SHAPE, "float32", 7, *args))


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
@pytest.mark.parametrize("shape,chunks", [((17, 5, 6, 4), (5, 2, 6, 3)), ((3, 4, 100, 100), (1, 4, 100, 100)),
                                          ((2, 30, 30), (2, 7, 11))])
def test_higher_rank_boxes(dtype, shape, chunks):
    x = ldask.kaiming_uniform(shape, chunks=chunks, seed=2, dtype=dtype)
    assert x.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(x.compute(), in_memory("kaiming_uniform", shape, dtype, 2))


def test_generator_draws_are_taken_once_per_array():
    g = lucid.random.Generator(4)
    first = ldask.normal((50, 50), chunks=10, generator=g)
    second = ldask.normal((50, 50), chunks=10, generator=g)
    ref = lucid.random.Generator(4)
    a, b = lucid.zeros(50, 50), lucid.zeros(50, 50)
    init.normal(a, generator=ref)
    init.normal(b, generator=ref)
    np.testing.assert_array_equal(first.compute(), a.numpy())
    np.testing.assert_array_equal(second.compute(), b.numpy())


def test_errors_are_raised_when_building():
    with pytest.raises(ValueError, match="mode must be one of"):
        ldask.kaiming_normal((4, 4), mode="avg")
    with pytest.raises(ValueError, match="at least 2 dimensions"):
        ldask.xavier_normal((4,))
    with pytest.raises(TypeError, match="dtype must be float16, bfloat16, float32 or float64"):
        ldask.normal((4, 4), dtype="int32")
    with pytest.raises(ValueError, match="seed or generator, not both"):
        ldask.normal((4,), seed=1, generator=lucid.random.Generator(1))
    with pytest.raises(ValueError, match="must not be negative"):
        ldask.normal((-1, 4))
    g = lucid.random.Generator(0)
    with pytest.warns(UserWarning, match="no elements"):
        assert ldask.normal((0, 4), generator=g).compute().shape == (0, 4)
    assert g.get_state()["draw"] == 0  # like an empty tensor: no draw
    with pytest.raises(ValueError):
        ldask.normal((4, 4), chunks=(3,), generator=g)
    assert g.get_state()["draw"] == 0  # a bad call takes no draw


@pytest.mark.slow
def test_local_cluster_gives_the_same_bytes():
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, host="127.0.0.1", processes=True,
                                  dashboard_address=None) as cluster, distributed.Client(cluster) as client:
        for chunks in [(128, 240), (100, 64), (1000, 17)]:
            x = ldask.kaiming_normal(SHAPE, chunks=chunks, seed=11)
            np.testing.assert_array_equal(client.compute(x).result(), in_memory("kaiming_normal", SHAPE, seed=11))
        y = ldask.trunc_normal((300, 300), 0.0, 0.02, -0.04, 0.04, chunks=77, seed=1, dtype="float64")
        np.testing.assert_array_equal(client.compute(y).result(),
                                      in_memory("trunc_normal", (300, 300), "float64", 1, 0.0, 0.02, -0.04, 0.04))
