"""Cycle accounting: what each part of a fill costs per value, on one thread, with everything in the L2 cache.

Each part of the 32-bit stream runs in its own compiled loop over words drawn once beforehand, so
its time is its own: Philox's words, the Box-Muller radius (log + sqrt), its angle (sin + cos), the
central quantile of the truncated normal; then the whole block kernels (words, transforms and
stores) of both streams. Cycles are the
best of ``--repeats`` timings times the clock that ``/proc/cpuinfo`` reports (a VM's nominal
clock; a boosting core runs faster, so these are upper bounds in real cycles).

    python benchmarks/cycles.py                 # a table
    python benchmarks/cycles.py --json          # one JSON document
    python benchmarks/cycles.py --build avx2    # the same kernels built for AVX2 only (ymm, no AVX-512)

``--build`` compares code generation on one machine: ``host`` (Numba's default: every feature of this
CPU) or ``avx2`` (the host's features with AVX-512's switched off: what an AVX2-only CPU of the same
kind would run). Numba keeps the host's features under another ``NUMBA_CPU_NAME``, so ``avx2`` sets
``NUMBA_CPU_FEATURES`` instead, in a child process with a Numba cache of its own.

Measures, never asserts. RESULTS.md records runs, with the machine's kind (AVX2 or AVX-512).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time

os.environ.setdefault("NUMBA_NUM_THREADS", "1")

import numpy as np  # noqa: E402
from numba import njit  # noqa: E402

from lucid.kernels.distributions import (  # noqa: E402
    SUB,
    normal_blocks,
    philox_words,
    stream_key,
    truncated_blocks,
    uniform_blocks,
)
from lucid.kernels.transforms import (  # noqa: E402
    open_unit32,
    quantile32_central,
    radius32,
    sin_cos_turn32,
)

N = 1 << 14  # values per timed pass (64 KiB of float32, 128 KiB of float64: L2-resident)
U64 = np.uint64


@njit(cache=True)
def _philox(words, key, blocks):
    for s in range(0, blocks, SUB):
        philox_words(words, key, U64(s), min(SUB, blocks - s))


@njit(cache=True)
def _radius32(out, words):
    for i in range(out.shape[0]):
        out[i] = radius32(U64(words[i]))


@njit(cache=True)
def _angle32(out, words):
    for i in range(out.shape[0]):
        s, c = sin_cos_turn32(U64(words[i]))
        out[i] = s + c


@njit(cache=True)
def _quantile32(out, words):
    for i in range(out.shape[0]):
        out[i] = quantile32_central(0.95 * (open_unit32(U64(words[i])) - 0.5))


@njit(cache=True)
def _kernel(kind, dst, blocks, key, params):
    if kind == 0:
        uniform_blocks(dst, U64(0), blocks, key, params)
    elif kind == 1:
        normal_blocks(dst, U64(0), blocks, key, params)
    else:
        truncated_blocks(dst, U64(0), blocks, key, params)


def best(fn, repeats):
    fn()
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        for _ in range(20):
            fn()
        times.append((time.perf_counter() - t) / 20)
    return min(times)


def clock_hz():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("cpu MHz"):
                    return float(line.split(":")[1]) * 1e6
    except OSError:
        pass
    return float("nan")


def simd_kind():
    try:
        with open("/proc/cpuinfo") as f:
            flags = f.read()
    except OSError:
        return "unknown"
    return "avx512" if " avx512f" in flags else "avx2" if " avx2" in flags else "other"


def measure(repeats):
    rng = np.random.default_rng(0)
    w32 = rng.integers(0, 2**32, N, dtype=np.uint64).astype(np.uint32)
    key = tuple(U64(k) for k in stream_key(1, 2, 3, 4))  # uint64 lanes, as the kernels take them
    f64 = np.empty(N)
    words = np.empty(4 * SUB, np.uint32)
    trunc2 = np.array([0.0, 1.0, 0.022750131948179195, 0.9544997361036416, -2.0, 2.0])  # 2-sigma truncation
    parts = {}
    # 32-bit stream: four values per Philox block; a normal pair takes one radius and one angle.
    parts["philox words (per 32-bit word)"] = ("32", best(lambda: _philox(words, key, N // 4), repeats) / N)
    parts["normal: radius, log + sqrt (per value)"] = ("32", best(lambda: _radius32(f64[: N // 2], w32[: N // 2]),
                                                                  repeats) / N)
    parts["normal: angle, sin + cos (per value)"] = ("32", best(lambda: _angle32(f64[: N // 2], w32[: N // 2]),
                                                                repeats) / N)
    parts["truncated: central quantile (per value)"] = ("32", best(lambda: _quantile32(f64, w32), repeats) / N)
    f32 = np.empty(N, np.float32)
    params_u, params_n = np.array([-1.0, 2.0, 1.0]), np.array([0.0, 1.0])
    parts["uniform kernel, whole"] = ("32", best(lambda: _kernel(0, f32, N // 4, key, params_u), repeats) / N)
    parts["normal kernel, whole"] = ("32", best(lambda: _kernel(1, f32, N // 4, key, params_n), repeats) / N)
    parts["truncated kernel (2 sigma), whole"] = ("32", best(lambda: _kernel(2, f32, N // 4, key, trunc2),
                                                              repeats) / N)
    # float64: whole kernels only (the parts' loops alone do not vectorize as they do inside the kernel).
    parts["uniform kernel, whole "] = ("64", best(lambda: _kernel(0, f64, N // 2, key, params_u), repeats) / N)
    parts["normal kernel, whole "] = ("64", best(lambda: _kernel(1, f64, N // 2, key, params_n), repeats) / N)
    parts["truncated kernel (2 sigma), whole "] = ("64", best(lambda: _kernel(2, f64, N // 2, key, trunc2),
                                                               repeats) / N)
    return parts


BUILDS = ("host", "avx2")
BUILD_VAR = "LUCID_CYCLES_BUILD"  # set in the child process that measures a non-host build


def build_features(build):
    """``NUMBA_CPU_FEATURES`` for ``build``: the host's features, with AVX-512's off for ``avx2``."""
    import llvmlite.binding as llvm

    flags = []
    for name, on in llvm.get_host_cpu_features().items():
        if build == "avx2" and (name.startswith("avx512") or name in ("evex512", "avx10.1-256", "avx10.1-512")):
            on = False
        flags.append(("+" if on else "-") + name)
    return ",".join(flags)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true", help="one JSON document on stdout")
    parser.add_argument("--repeats", type=int, default=7, help="timed rounds per part (default 7)")
    parser.add_argument("--build", choices=BUILDS, default="host",
                        help="compile the kernels for this machine (host) or for AVX2 only (default: host)")
    args = parser.parse_args(argv)
    if args.build != "host" and os.environ.get(BUILD_VAR) != args.build:
        # Numba reads its target when imported: measure in a child process that sets it first.
        with tempfile.TemporaryDirectory(prefix="lucid-cycles-") as cache:
            env = dict(os.environ, NUMBA_CPU_FEATURES=build_features(args.build), NUMBA_CACHE_DIR=cache,
                       **{BUILD_VAR: args.build})
            raise SystemExit(subprocess.call([sys.executable, os.path.abspath(__file__), *argv], env=env))
    hz = clock_hz()
    parts = measure(args.repeats)
    result = {"machine": platform.processor() or platform.machine(), "simd": simd_kind(), "build": args.build,
              "clock_mhz": hz / 1e6,
              "parts": [{"part": name.strip(), "stream": stream, "ns": 1e9 * s, "cycles": s * hz}
                        for name, (stream, s) in parts.items()]}
    if args.json:
        print(json.dumps(result, indent=1))
        return
    print(f"cycles per value, one thread, L2-resident ({result['simd']}, {hz / 1e6:.0f} MHz as /proc/cpuinfo says; "
          f"kernels built for: {args.build})")
    print(f"{'stream':>7}  {'part':<42} {'ns':>6} {'cycles':>7}")
    for p in result["parts"]:
        print(f"{p['stream'] + '-bit':>7}  {p['part']:<42} {p['ns']:6.2f} {p['cycles']:7.2f}")


if __name__ == "__main__":
    main()
