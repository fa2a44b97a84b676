"""Generators: seeds, keys, draw numbers, spawn, state, threads."""

import threading

import numpy as np
import pytest

import lucid
from lucid.nn.init import normal
from lucid.random import Generator, splitmix64


def fill(generator, n=64):
    t = lucid.zeros(n)
    normal(t, generator=generator)
    return t.numpy().copy()


def test_splitmix64_known_values():
    # SplitMix64 from state 0: the first outputs of the reference generator.
    assert splitmix64(0) == 0xE220A8397B1DCDAF
    assert splitmix64(0x9E3779B97F4A7C15) == 0x6E789E6AA1B965F4


def test_same_seed_same_values_and_successive_draws_differ():
    a, b = Generator(3), Generator(3)
    first_a, first_b = fill(a), fill(b)
    assert first_a.tobytes() == first_b.tobytes()
    second_a = fill(a)
    assert not np.array_equal(first_a, second_a)
    assert not np.array_equal(fill(Generator(4)), first_a)


def test_seed_resets_default_generator():
    lucid.random.seed(11)
    x1, x2 = fill(None), fill(None)
    lucid.random.seed(11)
    assert fill(None).tobytes() == x1.tobytes()
    assert fill(None).tobytes() == x2.tobytes()
    assert lucid.random.default_generator().seed == 11


def test_state_round_trip():
    g = Generator(5)
    fill(g)
    state = g.get_state()
    x = fill(g)
    g.set_state(state)
    assert fill(g).tobytes() == x.tobytes()
    lucid.random.seed(1)
    s = lucid.random.get_state()
    y = fill(None)
    lucid.random.set_state(s)
    assert fill(None).tobytes() == y.tobytes()


def test_spawn_children_are_distinct_and_reproducible():
    kids = Generator(0).spawn(3)
    again = Generator(0).spawn(3)
    assert len({k.key for k in kids}) == 3
    assert [k.key for k in kids] == [k.key for k in again]
    parent = Generator(0)
    first, second = parent.spawn(2), parent.spawn(2)
    assert {k.key for k in first}.isdisjoint(k.key for k in second)
    assert fill(kids[0]).tobytes() != fill(kids[1]).tobytes()
    assert kids[0].seed is None


def test_spawn_does_not_disturb_parent_draws():
    a, b = Generator(9), Generator(9)
    a.spawn(5)
    assert fill(a).tobytes() == fill(b).tobytes()


def test_bad_seeds_and_states():
    with pytest.raises(ValueError, match=r"\[0, 2\*\*64\)"):
        Generator(-1)
    with pytest.raises(ValueError, match=r"\[0, 2\*\*64\)"):
        Generator(2**64)
    with pytest.raises(TypeError, match="seed must be an int, got float"):
        Generator(1.5)
    with pytest.raises(TypeError, match="got bool"):
        Generator(True)
    with pytest.raises(TypeError, match="must be an int"):
        lucid.random.seed("0")
    with pytest.raises(ValueError, match="lacks"):
        Generator(0).set_state({"key": 1})
    with pytest.raises(TypeError, match="must be a dict"):
        Generator(0).set_state([1, 2])
    with pytest.raises(ValueError, match="n must be >= 0"):
        Generator(0).spawn(-1)
    assert Generator(np.uint64(2**63)).seed == 2**63


def test_entropy_seeded_generators_differ():
    assert Generator().key != Generator().key


def test_draw_numbers_are_handed_out_once_under_threads():
    g = Generator(0)
    taken = []
    lock = threading.Lock()

    def work():
        mine = [g.take_draw()[1] for _ in range(2000)]
        with lock:
            taken.extend(mine)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(taken) == list(range(16000))
