"""Slow, obvious NumPy references for the fill kernels: the stream specification in code."""

import numpy as np

from lucid.kernels import NORMAL, UNIFORM, philox4x32
from lucid.random import splitmix64


def words(key: int, draw: int, first_block: int, n_blocks: int) -> np.ndarray:
    """Philox words of blocks ``first_block ..`` for ``draw`` under ``key``: shape (n_blocks, 4), uint64."""
    blocks = np.arange(first_block, first_block + n_blocks, dtype=np.uint64)
    counters = np.stack(
        [blocks & 0xFFFFFFFF, blocks >> np.uint64(32), np.full_like(blocks, draw & 0xFFFFFFFF),
         np.full_like(blocks, draw >> 32)], axis=1).astype(np.uint32)
    return philox4x32(counters, np.array([key & 0xFFFFFFFF, key >> 32], np.uint32)).astype(np.uint64)


def sin_cos_of_turn(t: np.ndarray, bits: int) -> tuple[np.ndarray, np.ndarray]:
    """(sin, cos) of ``2*pi * t / 2**bits`` with the quadrant taken exactly from the integer."""
    t = t.astype(object) if bits > 53 else t.astype(np.int64)
    full = 1 << bits
    v = (t + (full >> 3)) % full
    q = np.asarray(v // (full >> 2), dtype=np.int64)
    r = np.asarray(v % (full >> 2) - (full >> 3), dtype=np.float64)  # exact: at most 2**(bits-3) in size
    a = r * (2 * np.pi / full)
    s, c = np.sin(a), np.cos(a)
    sin = np.choose(q, [s, c, -s, -c])
    cos = np.choose(q, [c, -s, -c, s])
    return sin, cos


def _box_muller(w: np.ndarray, wide: bool) -> np.ndarray:
    """Standard normals of the blocks' words, ``(n_blocks, values per block)``, by libm in float64."""
    if wide:
        a_words = w[:, 0] | (w[:, 1] << np.uint64(32))
        b_words = w[:, 2] | (w[:, 3] << np.uint64(32))
        r = np.sqrt(-2.0 * np.log(1.0 - (a_words >> np.uint64(12)) / 2.0**52))
        s, c = sin_cos_of_turn(b_words >> np.uint64(10), 54)
        return np.stack([r * c, r * s], 1)
    r0 = np.sqrt(-2.0 * np.log(1.0 - w[:, 0] / 2.0**32))
    r1 = np.sqrt(-2.0 * np.log(1.0 - w[:, 2] / 2.0**32))
    s0, c0 = sin_cos_of_turn(w[:, 1], 32)
    s1, c1 = sin_cos_of_turn(w[:, 3], 32)
    return np.stack([r0 * c0, r0 * s0, r1 * c1, r1 * s1], 1)


def standard_normals(key: int, draw: int, n: int, start: int = 0, wide: bool = False) -> np.ndarray:
    """The exact (libm, float64) standard normals ``z`` at logical indices ``start ..`` of the 32-bit stream
    (or of the 64-bit one when ``wide``): a normal fill holds ``mean + std * z`` rounded to its dtype,
    within the stream's stated error."""
    per_block = 2 if wide else 4
    first = start // per_block
    w = words(key, draw, first, (start + n + per_block - 1) // per_block - first)
    return _box_muller(w, wide).reshape(-1)[start - first * per_block:][:n]


def values(kind: int, dtype, key: int, draw: int, n: int, p, start: int = 0) -> np.ndarray:
    """The values a fill of ``n`` elements (logical indices ``start ..``) must hold, in ``dtype``."""
    dtype = np.dtype(dtype)
    wide = dtype == np.float64
    per_block = 2 if wide else 4
    first = start // per_block
    n_blocks = (start + n + per_block - 1) // per_block - first
    w = words(key, draw, first, n_blocks)
    if wide:
        a_words = w[:, 0] | (w[:, 1] << np.uint64(32))
        b_words = w[:, 2] | (w[:, 3] << np.uint64(32))
    if kind == UNIFORM:
        low, width, high = p
        u = np.stack([(a_words >> np.uint64(12)) / 2.0**52, (b_words >> np.uint64(12)) / 2.0**52], 1) if wide \
            else w / 2.0**32
        out = np.minimum(low + width * u, high)
    elif kind == NORMAL:
        mean, std = p[0], p[1]
        out = mean + std * _box_muller(w, wide)
    else:
        raise ValueError(kind)
    flat = out.reshape(-1)[start - first * per_block:][:n]
    return flat.astype(dtype)  # rounded once (NumPy casts float64 to float16 directly)


def key_of(seed: int) -> int:
    return splitmix64(seed)
