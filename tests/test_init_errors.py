"""Every documented error: its type, a message naming the problem, and the tensor left bit-for-bit unchanged."""

import math

import numpy as np
import pytest

import lucid
from lucid.nn import init

RANDOM_FNS = [init.uniform, init.normal, init.xavier_uniform, init.xavier_normal,
              init.kaiming_uniform, init.kaiming_normal]
FAN_FNS = [init.xavier_uniform, init.xavier_normal, init.kaiming_uniform, init.kaiming_normal]
ALL_FNS = RANDOM_FNS + [lambda t: init.constant(t, 1.0)]


def sentinel(shape=(4, 5), dtype=np.float32):
    """A tensor full of a recognizable pattern, and a copy of its bytes."""
    t = lucid.tensor(np.arange(np.prod(shape), dtype=dtype).reshape(shape) * 0.5 + 0.25)
    return t, t.numpy().tobytes()


def assert_unchanged(t, before):
    assert np.asarray(t).tobytes() == before


@pytest.mark.parametrize("fn", ALL_FNS)
@pytest.mark.parametrize("bad", [[[1.0, 2.0]], 3.0, None, "w"])
def test_non_tensor_is_a_type_error(fn, bad):
    with pytest.raises(TypeError, match="must be a lucid.Tensor, a NumPy ndarray or a PyTorch CPU tensor, got"):
        fn(bad)


@pytest.mark.parametrize("fn", ALL_FNS)
@pytest.mark.parametrize("dtype", [np.int32, np.int64, np.bool_, np.complex64, np.uint8])
def test_non_float_dtype_is_a_type_error(fn, dtype):
    t = lucid.zeros(4, 5, dtype=dtype)
    before = t.numpy().tobytes()
    with pytest.raises(TypeError, match=f"float16, bfloat16, float32 or float64, got {np.dtype(dtype)}"):
        fn(t)
    assert_unchanged(t, before)


@pytest.mark.parametrize("fn", ALL_FNS)
def test_read_only_is_a_value_error(fn):
    t, before = sentinel()
    t.numpy().flags.writeable = False
    with pytest.raises(ValueError, match="read-only"):
        fn(t)
    assert_unchanged(t, before)


@pytest.mark.parametrize("fn", [init.kaiming_normal, init.kaiming_uniform])
@pytest.mark.parametrize("mode", ["fan_avg", "in", None, 1])
def test_unknown_mode_lists_the_accepted_ones(fn, mode):
    t, before = sentinel()
    with pytest.raises(ValueError, match=r"mode must be one of 'fan_in', 'fan_out', got"):
        fn(t, mode=mode)
    assert_unchanged(t, before)


@pytest.mark.parametrize("name", ["kaiming_normal", "kaiming_uniform"])
def test_kaiming_modes_ignore_case_as_pytorch_does(name):
    a, b = lucid.zeros(6, 4), lucid.zeros(6, 4)
    getattr(init, name)(a, mode="FAN_OUT", generator=lucid.random.Generator(0))
    getattr(init, name)(b, mode="fan_out", generator=lucid.random.Generator(0))
    assert a.numpy().tobytes() == b.numpy().tobytes()
    getattr(init, name + "_")(a, mode="Fan_Out", generator=lucid.random.Generator(0))
    assert a.numpy().tobytes() == b.numpy().tobytes()


@pytest.mark.parametrize("fn", FAN_FNS)
@pytest.mark.parametrize("shape", [(), (7,)])
def test_fan_initializers_need_two_dimensions(fn, shape):
    t, before = sentinel(shape)
    with pytest.raises(ValueError, match=r"at least 2 dimensions, got shape"):
        fn(t)
    assert_unchanged(t, before)


@pytest.mark.parametrize("std", [-1.0, -1e-300, math.inf, math.nan, -math.inf])
def test_bad_std(std):
    t, before = sentinel()
    with pytest.raises(ValueError, match="std must be"):
        init.normal(t, 0.0, std)
    assert_unchanged(t, before)


@pytest.mark.parametrize("mean", [math.inf, math.nan])
def test_bad_mean(mean):
    t, before = sentinel()
    with pytest.raises(ValueError, match="mean must be finite"):
        init.normal(t, mean, 1.0)
    assert_unchanged(t, before)


@pytest.mark.parametrize("a,b,match", [(1.0, 0.0, "a must be <= b"), (math.nan, 1.0, "a must be finite"),
                                       (0.0, math.inf, "b must be finite")])
def test_bad_uniform_bounds(a, b, match):
    t, before = sentinel()
    with pytest.raises(ValueError, match=match):
        init.uniform(t, a, b)
    assert_unchanged(t, before)


@pytest.mark.parametrize("fn", [init.xavier_normal, init.xavier_uniform])
@pytest.mark.parametrize("gain", [-0.5, math.nan, math.inf])
def test_bad_gain(fn, gain):
    t, before = sentinel()
    with pytest.raises(ValueError, match="gain must be"):
        fn(t, gain)
    assert_unchanged(t, before)


@pytest.mark.parametrize("call", [
    lambda t: init.normal(t, "0", 1.0),
    lambda t: init.normal(t, 0.0, [1.0]),
    lambda t: init.uniform(t, None, 1.0),
    lambda t: init.xavier_normal(t, "1"),
    lambda t: init.normal(t, True, 1.0),
    lambda t: init.constant(t, "x"),
    lambda t: init.constant(t, 1j),
])
def test_non_number_arguments_are_type_errors(call):
    t, before = sentinel()
    with pytest.raises(TypeError, match="must be a real number"):
        call(t)
    assert_unchanged(t, before)


@pytest.mark.parametrize("fn", RANDOM_FNS)
def test_bad_generator(fn):
    t, before = sentinel()
    with pytest.raises(TypeError, match="generator must be a lucid.random.Generator"):
        fn(t, generator=np.random.default_rng(0))
    assert_unchanged(t, before)


def test_overlapping_memory_is_refused():
    base = np.zeros(4, np.float32)
    overlapping = np.lib.stride_tricks.as_strided(base, shape=(4, 4), strides=(0, 4))
    with pytest.raises(ValueError, match="overlapping"):
        init.kaiming_normal(overlapping)
    assert (base == 0).all()


@pytest.mark.parametrize("fn,shape", [(fn, shape) for fn in ALL_FNS for shape in [(0,), (0, 3), (3, 0, 2)]
                                      if fn not in FAN_FNS or len(shape) >= 2])
def test_zero_elements_is_a_no_op_with_a_warning(fn, shape):
    t = lucid.zeros(*shape)
    g = lucid.random.Generator(0)
    with pytest.warns(UserWarning, match="no elements"):
        if fn in RANDOM_FNS:
            fn(t, generator=g)
        else:
            fn(t)
    assert g.get_state()["draw"] == 0


def test_errors_do_not_consume_draws():
    g = lucid.random.Generator(0)
    t, _ = sentinel()
    with pytest.raises(ValueError):
        init.kaiming_normal(t, mode="bad", generator=g)
    assert g.get_state()["draw"] == 0


def test_initializers_return_none():
    t = lucid.zeros(3, 3)
    assert all(fn(t) is None for fn in RANDOM_FNS)
    assert init.constant(t, 2.0) is None and (t.numpy() == 2).all()


def test_remembered_plans_still_check_every_call():
    """Fan-based plans are remembered per argument list; arguments that raise raise on every call, a bool or a
    NaN never reaches a remembered plan, and 1 and 1.0 are remembered apart; each remembered plan is the one
    the unremembered maker gives, signs of zeros included."""
    from lucid.nn import _initializers as core

    w = np.zeros((8, 4), np.float32)
    for _ in range(2):
        init.kaiming_normal(w, a=0.0)
        with pytest.raises(TypeError, match="a must be a real number"):
            init.kaiming_normal(w, a=True)
        with pytest.raises(ValueError, match="a must be finite"):
            init.kaiming_normal(w, a=math.nan)
        with pytest.raises(TypeError, match="batch_axis"):
            init.variance_scaling(w, batch_axis=(True,))
        with pytest.raises(ValueError, match="gain must be >= 0"):
            init.xavier_normal(w, -1.0)
    for fn, gain in (("xavier_uniform", 0.0), ("xavier_uniform", -0.0), ("xavier_normal", 1), ("xavier_normal", 1.0)):
        plan = core.xavier_args(fn, (8, 4), gain, fn.split("_")[1], 1, 0, ())
        assert plan == core.xavier_args.__wrapped__(fn, (8, 4), gain, fn.split("_")[1], 1, 0, ())
        assert [math.copysign(1.0, v) for v in plan] == \
            [math.copysign(1.0, v) for v in core.xavier_args.__wrapped__(fn, (8, 4), gain, fn.split("_")[1], 1, 0, ())]


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_both_zeros_make_the_same_plan_and_the_same_values(dtype):
    """The remembered plans share one key for 0.0 and -0.0; the plan makers take both to the same plan, and the
    values are the same bytes (a std of -0.0 or 0.0 writes +0.0 either way)."""
    from lucid.nn import _initializers as core

    calls = {
        "xavier_normal": lambda w, z: init.xavier_normal(w, z, generator=lucid.random.Generator(3)),
        "xavier_uniform": lambda w, z: init.xavier_uniform(w, z, generator=lucid.random.Generator(3)),
        "variance_scaling normal": lambda w, z: init.variance_scaling(w, z, "fan_in", "normal",
                                                                      generator=lucid.random.Generator(3)),
        "variance_scaling uniform": lambda w, z: init.variance_scaling(w, z, "fan_in", "uniform",
                                                                       generator=lucid.random.Generator(3)),
        "variance_scaling truncated": lambda w, z: init.variance_scaling(w, z, generator=lucid.random.Generator(3)),
        "kaiming_normal": lambda w, z: init.kaiming_normal(w, a=z, generator=lucid.random.Generator(3)),
    }
    for name, call in calls.items():
        filled = []
        for zero in (-0.0, 0.0):
            core._PLANS.clear()
            core._READY.clear()
            w = np.full((40, 30), 7.0, dtype)
            call(w, zero)
            filled.append(w.tobytes())
        assert filled[0] == filled[1], name
    for fn in ("xavier_normal", "xavier_uniform"):
        plans = [core.xavier_args.__wrapped__(fn, (8, 4), z, fn.split("_")[1], 1, 0, ()) for z in (-0.0, 0.0)]
        assert [math.copysign(1.0, v) for v in plans[0]] == [math.copysign(1.0, v) for v in plans[1]]


FAN_CALLS = {
    "kaiming_normal": lambda w, g: init.kaiming_normal(w, generator=g),
    "kaiming_uniform": lambda w, g: init.kaiming_uniform(w, "fan_out", a=0.1, generator=g),
    "xavier_normal": lambda w, g: init.xavier_normal(w, 1.5, generator=g),
    "xavier_uniform": lambda w, g: init.xavier_uniform(w, generator=g),
    "variance_scaling": lambda w, g: init.variance_scaling(w, 2.0, "fan_avg", "normal", generator=g),
    "he_normal": lambda w, g: init.he_normal(w, generator=g),
    "lecun_uniform": lambda w, g: init.lecun_uniform(w, generator=g),
    "normal": lambda w, g: init.normal(w, 0.5, 0.02, generator=g),
    "uniform": lambda w, g: init.uniform(w, -0.25, 0.5, generator=g),
    "trunc_normal": lambda w, g: init.trunc_normal(w, 0.0, 0.02, -0.04, 0.03, generator=g),
    "truncated_normal": lambda w, g: init.truncated_normal(w, 0.1, -1.0, 3.0, generator=g),
}


def dtypes_filled():
    from lucid import _fill

    return [np.float16, np.float32, np.float64] + ([_fill.BFLOAT16] if _fill.BFLOAT16 is not None else [])


@pytest.mark.parametrize("name", sorted(FAN_CALLS))
@pytest.mark.parametrize("shape", [(64, 48), (3, 70001)], ids=["serial", "parallel"])
def test_a_repeated_call_takes_the_short_way_and_writes_the_same_bytes(name, shape, monkeypatch):
    """The second call of an initializer drawn from one plan with an argument list, shape and dtype goes
    straight to the driver with the plan made ready by the first (nothing of the whole way runs: as_target
    is not called), and writes the bytes the whole way writes: for a contiguous array, a lucid.Tensor, and a
    strided view (always the whole way)."""
    from lucid.nn import _initializers as core

    call = FAN_CALLS[name]
    for dtype in dtypes_filled():
        core._READY.clear()
        first = np.zeros(shape, dtype)
        call(first, lucid.random.Generator(5))
        strided = np.zeros(shape[::-1], dtype).T
        call(strided, lucid.random.Generator(5))
        with monkeypatch.context() as m:
            m.setattr(core, "as_target", None)  # the short way must not need it
            again = np.zeros(shape, dtype)
            call(again, lucid.random.Generator(5))
            wrapped = lucid.zeros(*shape, dtype=dtype)
            call(wrapped, lucid.random.Generator(5))
        assert again.tobytes() == first.tobytes() == np.ascontiguousarray(strided).tobytes(), (name, dtype)
        assert wrapped.numpy().tobytes() == first.tobytes()


def test_a_ready_plan_still_checks_the_tensor_and_the_generator():
    """After a call made its plan ready, each other call with the same arguments and shape checks what it gets:
    read-only and non-float tensors, another dtype (whose values may overflow), a bad generator, overlapping
    memory; each raises its documented error and leaves the tensor unchanged."""
    for _ in range(2):  # the second round after the good calls below made the plans ready
        init.variance_scaling(np.zeros((4, 5), np.float32), 1e10, "fan_in", "normal")
        init.kaiming_normal(np.zeros((4, 5), np.float32))
        t, before = sentinel()
        t.numpy().flags.writeable = False
        with pytest.raises(ValueError, match="read-only"):
            init.kaiming_normal(t)
        assert_unchanged(t, before)
        for dtype in (np.int32, np.dtype(">f4")):
            t = np.ones((4, 5), dtype)
            with pytest.raises(TypeError, match="float16, bfloat16, float32 or float64, got"):
                init.kaiming_normal(t)
            assert (t == 1).all()
        t, before = sentinel(dtype=np.float16)
        with pytest.raises(ValueError, match="would overflow float16"):
            init.variance_scaling(t, 1e10, "fan_in", "normal")
        assert_unchanged(t, before)
        t, before = sentinel()
        with pytest.raises(TypeError, match="generator must be a lucid.random.Generator"):
            init.kaiming_normal(t, generator=np.random.default_rng(0))
        assert_unchanged(t, before)
        base = np.zeros(5, np.float32)
        with pytest.raises(ValueError, match="overlapping"):
            init.kaiming_normal(np.lib.stride_tricks.as_strided(base, shape=(4, 5), strides=(0, 4)))
        assert (base == 0).all()


@pytest.mark.parametrize("name,call", [
    ("normal", lambda w, z1, z2: init.normal(w, z1, z2, generator=lucid.random.Generator(1))),
    ("uniform", lambda w, z1, z2: init.uniform(w, z1, z2 + 0.0, generator=lucid.random.Generator(1))),
    ("trunc_normal", lambda w, z1, z2: init.trunc_normal(w, z1, z2, -1.0, 1.0, generator=lucid.random.Generator(1))),
    ("kaiming_normal", lambda w, z1, z2: init.kaiming_normal(w, a=z1, generator=lucid.random.Generator(1))),
])
def test_a_ready_plan_is_one_signs_of_zeros_included(name, call):
    """A remembered plan serves only the arguments that made it: where the sign of a zero argument can change
    a value (``normal(w, -0.0, 0.0)`` writes some -0.0 that ``normal(w, 0.0, 0.0)`` writes as +0.0), each sign
    writes what the whole way writes, whichever was remembered first."""
    from lucid.nn import _initializers as core

    zeros = [(z1, z2) for z1 in (-0.0, 0.0) for z2 in (-0.0, 0.0)]
    want = []  # by position: a dict would take (-0.0, 0.0) and (0.0, 0.0) for one key
    for z in zeros:
        core._READY.clear()
        w = np.full((16, 16), 7.0, np.float32)
        call(w, *z)
        want.append(w.tobytes())
    assert name != "normal" or len(set(want)) > 1  # there the signs do change values
    for first in zeros:
        core._READY.clear()
        call(np.zeros((16, 16), np.float32), *first)
        for i, z in enumerate(zeros):
            w = np.full((16, 16), 7.0, np.float32)
            call(w, *z)
            assert w.tobytes() == want[i], (name, first, z)


@pytest.mark.parametrize("name", sorted(FAN_CALLS))
def test_every_call_on_an_empty_tensor_warns(name):
    for _ in range(3):
        w = np.zeros((0, 5), np.float32)
        with pytest.warns(UserWarning, match="no elements"):
            FAN_CALLS[name](w, lucid.random.Generator(0))


def test_a_huge_integer_argument_does_not_hide_the_tensor_error():
    """The plain distributions key their zero arguments' signs; an int beyond floats must not raise there,
    ahead of the tensor's own error."""
    for _ in range(2):
        with pytest.raises(TypeError, match="float16, bfloat16, float32 or float64, got int32"):
            init.normal(np.zeros(3, np.int32), 10**400, 1.0)
        a = np.zeros(3, np.float32)
        a.flags.writeable = False
        with pytest.raises(ValueError, match="read-only"):
            init.uniform(a, 10**400, 10**401)


def test_an_ndarray_subclass_is_filled_through_its_plain_memory():
    """np.matrix (an ndarray subclass Numba cannot type) is filled like the ndarray over its memory."""
    m = np.zeros((4, 3)).view(np.matrix)
    init.kaiming_normal(m, generator=lucid.random.Generator(4))
    want = np.zeros((4, 3))
    init.kaiming_normal(want, generator=lucid.random.Generator(4))
    assert np.asarray(m).tobytes() == want.tobytes()
