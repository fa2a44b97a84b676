"""Name-keyed streams: ``name_key`` (part of the stream specification) and ``Generator.child``."""

import pickle

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import lucid
from lucid.nn.init import normal
from lucid.random import Generator, name_key, splitmix64

# Pinned: changing any of these changes every init_module stream (README, "Stream stability").
GOLDEN = [
    (0, "", 0xA706DD2F4D197E6F),
    (0, "weight", 0x2C611D4098448B2C),
    (0, "layer1.0.conv1.weight", 0x862EF9BBD47B3DF9),
    (1234567, "transformer.h.11.mlp.c_proj.weight", 0x5EF8FDBFDDD4FFD6),
    (2**64 - 1, "é名", 0x8FDF12AE0D06B14B),
    (0, "aaaaaaaa", 0x5EBCE561E2AE07F2),
    (0, "aaaaaaaaa", 0xA429C5E619CF8D86),
]


def reference_name_key(key: int, name: str) -> int:
    """The README's words, spelled out: chain SplitMix64 over 8-byte little-endian words, then the length."""
    data = name.encode("utf-8")
    h = key
    for j in range(0, len(data), 8):
        word = data[j : j + 8].ljust(8, b"\0")
        h = splitmix64(h ^ int.from_bytes(word, "little"))
    return splitmix64(h ^ len(data))


@pytest.mark.parametrize("seed,name,key", GOLDEN)
def test_golden_name_keys(seed, name, key):
    assert name_key(splitmix64(seed), name) == key
    assert Generator(seed).child(name).key == key


@given(st.integers(0, 2**64 - 1), st.text(max_size=40))
def test_name_key_follows_the_specification(key, name):
    assert name_key(key, name) == reference_name_key(key, name)


@given(st.integers(0, 2**64 - 1), st.binary(min_size=1, max_size=24), st.data())
def test_names_of_one_length_never_collide(key, raw, data):
    """Each chained step is a bijection of the state, so equal-length names give distinct keys."""
    other = data.draw(st.binary(min_size=len(raw), max_size=len(raw)).filter(lambda b: b != raw))
    a, b = raw.decode("latin-1"), other.decode("latin-1")
    if a.encode("utf-8") != b.encode("utf-8") and len(a.encode("utf-8")) == len(b.encode("utf-8")):
        assert name_key(key, a) != name_key(key, b)


def test_trailing_zero_bytes_and_lengths_are_told_apart():
    key = Generator(0).key
    keys = {name_key(key, n) for n in ["", "\0", "\0" * 8, "a", "a\0", "a" * 8, "a" * 8 + "\0"]}
    assert len(keys) == 7


def test_child_is_a_pure_function_of_key_and_name():
    g = Generator(5)
    before = g.get_state()
    a, b = g.child("fc.weight"), g.child("fc.weight")
    assert g.get_state() == before
    assert a.key == b.key and a.get_state()["draw"] == 0 and a.seed is None
    ta, tb = lucid.zeros(100), lucid.zeros(100)
    normal(ta, generator=a)
    normal(tb, generator=b)
    assert ta.numpy().tobytes() == tb.numpy().tobytes()
    assert g.child("fc.bias").key != a.key
    # Spawning or drawing from the parent does not move its named children.
    normal(lucid.zeros(4), generator=g)
    g.spawn(3)
    assert g.child("fc.weight").key == a.key


def test_children_nest_and_pickle():
    g = Generator(9)
    nested = g.child("encoder").child("0.weight")
    assert nested.key == name_key(name_key(g.key, "encoder"), "0.weight")
    assert nested.key != g.child("encoder.0.weight").key
    copy = pickle.loads(pickle.dumps(nested))
    assert copy.get_state() == nested.get_state()


def test_child_refuses_a_name_that_is_not_a_str():
    with pytest.raises(TypeError, match=r"Generator.child\(\): name must be a str, got bytes"):
        Generator(0).child(b"fc.weight")
    with pytest.raises(TypeError, match=r"name_key\(\): name must be a str, got int"):
        name_key(0, 3)
    with pytest.raises(ValueError, match=r"name_key\(\): key must be in \[0, 2\*\*64\)"):
        name_key(-1, "w")


def test_named_fills_differ_from_each_other_and_from_the_parent():
    g = Generator(0)
    out = []
    for gen in [g, g.child("a"), g.child("b")]:
        t = np.zeros(64, np.float32)
        normal(t, generator=gen)
        out.append(t.tobytes())
    assert len(set(out)) == 3
