"""lucid.Shard: any tiling of any tensor, filled box by box in any order, equals one whole fill."""

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import lucid
from lucid import Shard
from lucid.nn import init

# Every initializer that takes a generator, in all three vocabularies, and the constant ones.
RANDOM = {
    "uniform": lambda t, g: init.uniform(t, -1.0, 2.0, generator=g),
    "normal": lambda t, g: init.normal(t, 0.5, 2.0, generator=g),
    "trunc_normal": lambda t, g: init.trunc_normal(t, 0.0, 1.0, -0.5, 3.0, generator=g),
    "truncated_normal": lambda t, g: init.truncated_normal(t, 0.1, generator=g),
    "kaiming_normal": lambda t, g: init.kaiming_normal(t, "fan_out", generator=g),
    "kaiming_uniform_": lambda t, g: init.kaiming_uniform_(t, 0.1, generator=g),
    "xavier_normal_": lambda t, g: init.xavier_normal_(t, 2.0, g),
    "xavier_uniform": lambda t, g: init.xavier_uniform(t, generator=g),
    "lecun_normal": lambda t, g: init.lecun_normal(t, generator=g),
    "glorot_uniform": lambda t, g: init.glorot_uniform(t, generator=g),
    "he_normal": lambda t, g: init.he_normal(t, generator=g),
    "variance_scaling": lambda t, g: init.variance_scaling(t, 3.0, "fan_geo_avg", "uniform", generator=g),
    "variance_scaling_": lambda t, g: init.variance_scaling_(t, 1.0, "fan_avg", "truncated_normal", g),
    "lecun_normal_": lambda t, g: init.lecun_normal_(t, g),
    "trunc_normal_tf_": lambda t, g: init.trunc_normal_tf_(t, 0.0, 0.02, -2.0, 2.0, g),
    "orthogonal": lambda t, g: init.orthogonal(t, 2.0, generator=g),
    "orthogonal_jax": lambda t, g: init.orthogonal(t, generator=g, column_axis=-1),
    "constant": lambda t, g: init.constant(t, 0.3),
    "ones_": lambda t, g: init.ones_(t),
    "zeros": lambda t, g: init.zeros(t),
}
TWO_D = {"sparse": lambda t, g: init.sparse(t, 0.4, generator=g), "eye_": lambda t, g: init.eye_(t)}
CONV = {"dirac": lambda t, g: init.dirac(t, 2)}
DTYPES = [np.float16, np.float32, np.float64]


@st.composite
def tilings(draw, min_dims=2, max_dims=4, even_first=1):
    """A shape and a tiling of it: per axis, sorted cut points (boxes may have one element)."""
    ndim = draw(st.integers(min_dims, max_dims))
    shape = tuple(draw(st.integers(1, 9 if ndim > 2 else 40)) for _ in range(ndim))
    shape = (shape[0] * even_first,) + shape[1:]
    cuts = []
    for n in shape:
        inner = sorted(draw(st.sets(st.integers(1, n - 1), max_size=3))) if n > 1 else []
        cuts.append([0] + inner + [n])
    return shape, cuts


def boxes(cuts):
    """Every box of the tiling as (offset, size) per axis."""
    per_axis = [list(zip(c[:-1], np.diff(c), strict=True)) for c in cuts]
    for combo in itertools.product(*per_axis):
        yield tuple(o for o, _ in combo), tuple(int(n) for _, n in combo)


def whole_and_tiled(fill, shape, cuts, dtype, seed, order):
    whole = np.zeros(shape, dtype)
    fill(whole, lucid.random.Generator(seed))
    tiled = np.full(shape, np.nan, dtype)
    every = list(boxes(cuts))
    for i in order.permutation(len(every)):
        offset, size = every[i]
        local = np.zeros(size, dtype)
        fill(Shard(local, shape, offset), lucid.random.Generator(seed))
        tiled[tuple(slice(o, o + n) for o, n in zip(offset, size))] = local
    return whole, tiled


def assert_same(whole, tiled):
    assert whole.tobytes() == tiled.tobytes()


@settings(max_examples=60)
@given(st.sampled_from(sorted(RANDOM)), tilings(), st.sampled_from(DTYPES), st.integers(0, 2**64 - 1),
       st.integers(0, 2**32 - 1))
def test_any_tiling_filled_in_any_order_equals_one_fill(name, tiling, dtype, seed, order_seed):
    shape, cuts = tiling
    whole, tiled = whole_and_tiled(RANDOM[name], shape, cuts, dtype, seed, np.random.default_rng(order_seed))
    assert_same(whole, tiled)


@settings(max_examples=20)
@given(st.sampled_from(sorted(TWO_D)), tilings(2, 2), st.sampled_from(DTYPES), st.integers(0, 2**32))
def test_two_dimensional_structures_tile(name, tiling, dtype, seed):
    shape, cuts = tiling
    assert_same(*whole_and_tiled(TWO_D[name], shape, cuts, dtype, seed, np.random.default_rng(seed)))


@settings(max_examples=20)
@given(tilings(3, 5, even_first=2), st.integers(0, 2**32))
def test_dirac_tiles(tiling, seed):
    shape, cuts = tiling
    assert_same(*whole_and_tiled(CONV["dirac"], shape, cuts, np.float32, seed, np.random.default_rng(seed)))


def test_large_boxes_cross_chunks_and_split_runs():
    shape = (3, 70_000)  # each box's run is longer than a kernel chunk and starts mid-block
    cuts = [[0, 1, 3], [0, 5, 65_541, 70_000]]
    for name in ("normal", "kaiming_normal", "trunc_normal"):
        assert_same(*whole_and_tiled(RANDOM[name], shape, cuts, np.float32, 5, np.random.default_rng(0)))


def test_large_boxes_of_short_rows_and_from_worker_threads():
    """Many short runs (grouped per task when the box is spread over threads from the main thread), and the
    same boxes filled from a thread pool (each on its worker's thread, as Dask's are): the same values."""
    from concurrent.futures import ThreadPoolExecutor

    shape = (40_000, 9)
    cuts = [[0, 17_001, 40_000], [0, 3, 9]]
    for name in ("normal", "kaiming_normal", "trunc_normal", "uniform"):
        whole, tiled = whole_and_tiled(RANDOM[name], shape, cuts, np.float32, 11, np.random.default_rng(1))
        assert_same(whole, tiled)
        pooled = np.zeros(shape, np.float32)
        boxes = [(slice(r0, r1), slice(c0, c1)) for r0, r1 in itertools.pairwise(cuts[0])
                 for c0, c1 in itertools.pairwise(cuts[1])]

        def one(box, pooled=pooled, fill=RANDOM[name]):
            local = np.zeros_like(pooled[box])
            fill(Shard(local, shape, (box[0].start, box[1].start)), lucid.random.Generator(11))
            pooled[box] = local

        with ThreadPoolExecutor(2) as pool:
            list(pool.map(one, boxes))
        assert_same(whole, pooled)


def test_fans_come_from_the_logical_shape():
    local = np.zeros((2, 500))
    init.kaiming_normal(Shard(local, (4000, 500), (100, 0)), generator=lucid.random.Generator(0))
    whole = np.zeros((4000, 500))
    init.kaiming_normal(whole, generator=lucid.random.Generator(0))
    assert local.tobytes() == whole[100:102].tobytes()


def test_strided_local_blocks_and_lucid_tensors():
    whole = np.zeros((6, 8), np.float32)
    init.normal(whole, generator=lucid.random.Generator(3))
    base = lucid.zeros(6, 8)
    init.normal(Shard(base[:, 4:], (6, 8), (0, 4)), generator=lucid.random.Generator(3))  # a view
    assert base.numpy()[:, 4:].tobytes() == whole[:, 4:].tobytes()
    assert (base.numpy()[:, :4] == 0).all()


def test_an_empty_local_block_still_takes_its_draw():
    g = lucid.random.Generator(0)
    init.normal(Shard(np.zeros((0, 5)), (4, 5), (4, 0)), generator=g)
    assert g.get_state()["draw"] == 1  # every shard of one fill draws once: generators stay in step


def test_a_shard_of_an_empty_tensor_warns_and_draws_nothing():
    g = lucid.random.Generator(0)
    with pytest.warns(UserWarning, match="no elements"):
        init.normal(Shard(np.zeros((0, 5)), (0, 5), (0, 0)), generator=g)
    assert g.get_state()["draw"] == 0


@pytest.mark.parametrize("shape,offset,local,match", [
    ((4, 5), (3, 0), (2, 5), "reaches past the tensor on axis 0"),
    ((4, 5), (0, 1), (4, 5), "reaches past the tensor on axis 1"),
    ((4, 5), (-1, 0), (2, 5), "must not be negative"),
    ((4, -5), (0, 0), (2, 5), "must not be negative"),
    ((4, 5, 1), (0, 0, 0), (2, 5), "same number of dimensions"),
    ((4, 5), (0,), (2, 5), "same number of dimensions"),
])
def test_bad_boxes_are_refused(shape, offset, local, match):
    a = np.full(local, 7.0)
    with pytest.raises(ValueError, match=match):
        init.normal(Shard(a, shape, offset))
    assert (a == 7).all()


@pytest.mark.parametrize("bad", [(0.5, 0), "ab", (True, 0), None])
def test_box_coordinates_must_be_ints(bad):
    with pytest.raises(TypeError, match="must be a tuple of ints"):
        Shard(np.zeros((2, 2)), (4, 4), bad)


def test_a_bad_local_tensor_is_refused_like_any_tensor():
    with pytest.raises(TypeError, match="tensor must have dtype"):
        init.normal(Shard(np.zeros((2, 2), np.int32), (4, 2), (0, 0)))
