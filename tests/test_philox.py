"""Philox4x32-10 against the Random123 known answers and a pure-Python reference."""

import os

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from lucid.kernels import philox4x32

KAT = os.path.join(os.path.dirname(__file__), "data", "philox4x32_10_kat.txt")
M0, M1 = 0xD2511F53, 0xCD9E8D57
W0, W1 = 0x9E3779B9, 0xBB67AE85


def philox_reference(counter, key, rounds=10):
    """Philox4x32 in plain Python integers, straight from the paper."""
    c0, c1, c2, c3 = counter
    k0, k1 = key
    for r in range(rounds):
        if r:
            k0, k1 = (k0 + W0) & 0xFFFFFFFF, (k1 + W1) & 0xFFFFFFFF
        p0, p1 = M0 * c0, M1 * c2
        c0, c1, c2, c3 = (p1 >> 32) ^ c1 ^ k0, p1 & 0xFFFFFFFF, (p0 >> 32) ^ c3 ^ k1, p0 & 0xFFFFFFFF
    return c0, c1, c2, c3


def kat_vectors(rounds):
    vectors, section = [], 10
    with open(KAT) as f:
        for line in f:
            if line.startswith("#"):
                section = 7 if "7 rounds" in line else section
                continue
            if line.strip() and section == rounds:
                words = [int(w, 16) for w in line.split()]
                vectors.append((words[:4], words[4:6], words[6:10]))
    return vectors


def test_kat_file_has_vectors():
    assert len(kat_vectors(10)) == 3 and len(kat_vectors(7)) == 3


@pytest.mark.parametrize("counter,key,expected", kat_vectors(10))
def test_kernel_matches_known_answers(counter, key, expected):
    out = philox4x32(np.array([counter], np.uint32), np.array(key, np.uint32))
    assert out[0].tolist() == expected


@pytest.mark.parametrize("rounds", [10, 7])
def test_reference_matches_known_answers(rounds):
    for counter, key, expected in kat_vectors(rounds):
        assert list(philox_reference(counter, key, rounds)) == expected


words = st.integers(0, 2**32 - 1)


@given(st.lists(st.tuples(words, words, words, words), min_size=1, max_size=50), st.tuples(words, words))
def test_kernel_matches_reference(counters, key):
    out = philox4x32(np.array(counters, np.uint32), np.array(key, np.uint32))
    assert [tuple(row) for row in out.tolist()] == [philox_reference(c, key) for c in counters]


def test_bad_arguments():
    with pytest.raises(TypeError, match="uint32"):
        philox4x32(np.zeros((1, 4), np.int64), np.zeros(2, np.uint32))
    with pytest.raises(ValueError, match=r"shape \(n, 4\)"):
        philox4x32(np.zeros((1, 3), np.uint32), np.zeros(2, np.uint32))
    with pytest.raises(ValueError, match=r"shape \(2,\)"):
        philox4x32(np.zeros((1, 4), np.uint32), np.zeros(3, np.uint32))
