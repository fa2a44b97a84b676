#!/usr/bin/env python
"""Lucid's initializers beside NumPy, PyTorch and ``ndarray.fill``, measured in one process.

Run with Lucid installed (PyTorch optional: without it its columns read n/a), or ``nox -s bench -- ARGS``::

    python benchmarks/bench.py                  # the default run (about 5 minutes on 2 cores): tables on stdout
    python benchmarks/bench.py --quick          # a smoke run: small sizes, few repeats
    python benchmarks/bench.py --json           # every result as one JSON document on stdout
    python benchmarks/bench.py --sizes 20 25 --threads 1 2 --dtypes float32 --skip startup rss

What it measures:

* throughput (elements/s) of ``lucid.nn.init.kaiming_normal``, ``kaiming_uniform``, ``normal`` and
  ``uniform`` on 2-D float arrays ``(n // 1024, 1024)``, beside NumPy's ``Generator(PCG64)``
  ``standard_normal(out=...)`` / ``random(out=...)``, PyTorch's matching ``torch.nn.init`` functions on a
  tensor that shares the same memory, and ``ndarray.fill(1.0)`` (the memory-bandwidth floor), for each
  size, dtype and thread count; every peer writes into the same pre-touched buffer and the peers take
  turns, so noise hits them alike;
* the truncated normal at 2^25 elements on all threads: Lucid's ``trunc_normal(std=0.02)`` (PyTorch's
  default bounds -2, 2) and ``he_normal`` (JAX's layout, truncated at 2 stds) beside Lucid's own
  ``kaiming_normal``, PyTorch's ``trunc_normal_(std=0.02)`` and JAX's ``truncated_normal(0.02)`` and
  ``he_normal`` (jitted, CPU; n/a when JAX is not installed), in float32 and float64;
* the time per call on small tensors (64x64, 256x256, 64x3x3x3 float32);
* the cold start of a fresh process (import + first call), with Numba's cache warm and cold, beside
  ``import torch`` + first call, and ``python -m lucid`` (the default main job) with an empty cache;
* the peak RSS of filling a 2^27-element float32 tensor, beside the tensor's own size.

It only measures: the targets in the summary are reported as PASS/MISS and never change the exit code.
Timings are only as good as the machine is quiet, so the run also records (from /proc/stat) how many CPU
cores other processes kept busy, and flags the sizes and the run where that exceeded 0.1 cores. A progress
counter runs on stderr when stderr is a terminal.
"""

from __future__ import annotations

import argparse
import datetime
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from functools import partial
from pathlib import Path
from typing import Any

import numba
import numpy as np

try:
    import lucid
    from lucid.nn import init as lucid_init
except ImportError:  # pragma: no cover - a usage error, not a measurement
    sys.exit("bench.py: cannot import lucid; install it first (pip install -e .)")

try:
    import torch
except ImportError:
    torch = None

try:  # optional: JAX's initializers as a truncated-normal peer
    import jax
    import jax.numpy as jnp

    jax.config.update("jax_enable_x64", True)  # float64 arrays, as the float64 rows need
except ImportError:
    jax = None

MIB = 1 << 20
ROW = 1024  # columns of every 2-D benchmark array, so fan_in = 1024
DEFAULT_SIZES = (10, 14, 18, 22, 25, 26)
QUICK_SIZES = (10, 14, 18)
NOISY = 0.1  # CPU cores kept busy by other processes above which a measurement is flagged
TARGET_EXP = 25  # the size (2^25 elements) the throughput targets are stated at
SMALL_SHAPES = ((64, 64), (256, 256), (64, 3, 3, 3))
LUCID_FUNCS = ("kaiming_normal", "kaiming_uniform", "normal", "uniform")
# the NumPy and PyTorch peer of each Lucid function
NUMPY_PEER = {"kaiming_normal": "standard_normal", "kaiming_uniform": "random", "normal": "standard_normal",
              "uniform": "random"}
TORCH_PEER = {f: f + "_" for f in LUCID_FUNCS}
PARTS = ("throughput", "truncated", "small", "startup", "rss")
TRUNC_STD = 0.02  # trunc_normal_(std=0.02): timm's ViT initialization, PyTorch's default bounds (-2, 2)


# --- settings -------------------------------------------------------------------------
@dataclass(frozen=True)
class Settings:
    """How much to measure: sizes (exponents of 2), dtypes, thread counts and repeat budgets."""

    sizes: tuple[int, ...]
    dtypes: tuple[str, ...]
    threads: tuple[int, ...]
    repeats: int  # timed rounds per peer in a throughput case
    min_time: float  # seconds one timed round should last at least (small calls are batched)
    small_repeats: int
    small_min_time: float
    startup_repeats: int  # fresh processes per start-up scenario (best taken)
    cold_repeats: int  # fresh processes with an empty Numba cache
    rss_exp: int  # the RSS check fills a float32 tensor of 2^rss_exp elements
    skip: tuple[str, ...]


def parse_args(argv: Sequence[str] | None = None) -> tuple[Settings, bool]:
    """The command line as :class:`Settings`, and whether to print JSON."""
    max_threads = numba.config.NUMBA_NUM_THREADS
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true", help="print every result as one JSON document on stdout")
    parser.add_argument("--quick", action="store_true", help="a fast smoke run: small sizes, few repeats")
    parser.add_argument("--sizes", type=int, nargs="+", metavar="EXP",
                        help=f"sizes as exponents of 2, 10..27 (default {' '.join(map(str, DEFAULT_SIZES))})")
    parser.add_argument("--threads", type=int, nargs="+", metavar="N",
                        help=f"thread counts, 1..{max_threads} (default 1, 2 and {max_threads})")
    parser.add_argument("--dtypes", nargs="+", choices=("float32", "float64"), default=["float32", "float64"])
    parser.add_argument("--repeats", type=int, help="timed rounds per peer (default 5, quick 2)")
    parser.add_argument("--skip", nargs="+", default=[], choices=PARTS, help="parts to leave out")
    args = parser.parse_args(argv)

    sizes = tuple(args.sizes) if args.sizes else (QUICK_SIZES if args.quick else DEFAULT_SIZES)
    if any(not 10 <= e <= 27 for e in sizes):
        parser.error("--sizes: exponents must lie in 10..27")
    threads = tuple(args.threads) if args.threads else tuple(sorted({1, min(2, max_threads), max_threads}))
    if any(not 1 <= t <= max_threads for t in threads):
        parser.error(f"--threads: counts must lie in 1..{max_threads} (NUMBA_NUM_THREADS)")
    repeats = args.repeats if args.repeats is not None else (2 if args.quick else 5)
    if repeats < 1:
        parser.error("--repeats must be >= 1")
    settings = Settings(
        sizes=tuple(sorted(set(sizes))),
        dtypes=tuple(dict.fromkeys(args.dtypes)),
        threads=tuple(sorted(set(threads))),
        repeats=repeats,
        min_time=0.005 if args.quick else 0.02,
        small_repeats=3 if args.quick else 7,
        small_min_time=0.01 if args.quick else 0.05,
        startup_repeats=1 if args.quick else 5,
        cold_repeats=1 if args.quick else 2,
        rss_exp=24 if args.quick else 27,
        skip=tuple(args.skip),
    )
    return settings, args.json


# --- progress and tables -----------------------------------------------------------------
class Progress:
    """A one-line counter on stderr, redrawn in place; silent when stderr is not a terminal."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.done = 0
        self.enabled = sys.stderr.isatty()
        self.width = 0

    def step(self, label: str) -> None:
        """Announce the step about to run."""
        self.done += 1
        if self.enabled:
            line = f"[{self.done:>{len(str(self.total))}}/{self.total}] {label}"
            sys.stderr.write("\r" + line.ljust(self.width))
            sys.stderr.flush()
            self.width = len(line)

    def close(self) -> None:
        """Erase the line."""
        if self.enabled:
            sys.stderr.write("\r" + " " * self.width + "\r")
            sys.stderr.flush()


def format_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """``rows`` under ``headers``, the first column left-aligned, the others right-aligned."""
    widths = [max(len(str(r[i])) for r in [headers, *rows]) for i in range(len(headers))]

    def line(cells: Sequence[str]) -> str:
        padded = [str(c).ljust(w) if i == 0 else str(c).rjust(w) for i, (c, w) in enumerate(zip(cells, widths,
                                                                                                  strict=True))]
        return "  ".join(padded)

    return "\n".join([line(headers), line(["-" * w for w in widths]), *(line(r) for r in rows)])


def fmt_rate(elements_per_s: float | None) -> str:
    """Elements/s as millions, or n/a."""
    return "n/a" if elements_per_s is None else f"{elements_per_s / 1e6:,.1f}"


def fmt_ratio(x: float | None) -> str:
    """A ratio as ``1.23x``, or n/a."""
    return "n/a" if x is None or not math.isfinite(x) else f"{x:.2f}x"


def ratio(a: float | None, b: float | None) -> float | None:
    """``a / b``, or None when either is missing."""
    return None if a is None or b is None or b == 0 else a / b


# --- timing ----------------------------------------------------------------------------------
def time_calls(fn: Callable[[], Any], number: int) -> float:
    """Seconds per call of ``fn``, over ``number`` back-to-back calls."""
    start = time.perf_counter()
    for _ in range(number):
        fn()
    return (time.perf_counter() - start) / number


def calls_per_round(fn: Callable[[], Any], min_time: float) -> int:
    """How many calls one timed round needs to last about ``min_time`` seconds (``fn`` is warm)."""
    once = time_calls(fn, 1)
    if once >= min_time:
        return 1
    probe = max(1, int(min_time / max(once, 1e-7) / 10))
    per_call = time_calls(fn, probe)
    return max(1, math.ceil(min_time / max(per_call, 1e-9)))


def interleaved(peers: dict[str, Callable[[], Any]], repeats: int, min_time: float) -> dict[str, dict[str, Any]]:
    """Time every peer ``repeats`` rounds, the peers taking turns (rotated each round).

    Each peer is called once first (warm-up), then batched so one round lasts ``min_time``.
    Returns per peer the best and median seconds per call, the rounds and the calls per round.
    """
    names = list(peers)
    for fn in peers.values():
        fn()
    number = {name: calls_per_round(peers[name], min_time) for name in names}
    samples: dict[str, list[float]] = {name: [] for name in names}
    for r in range(repeats):
        shift = r % len(names)
        for name in names[shift:] + names[:shift]:
            samples[name].append(time_calls(peers[name], number[name]))
    return {name: {"best_s": min(s), "median_s": statistics.median(s), "repeats": repeats, "number": number[name]}
            for name, s in samples.items()}


def set_threads(n: int) -> None:
    """Use ``n`` threads in Numba (Lucid) and PyTorch."""
    numba.set_num_threads(n)
    if torch is not None:
        torch.set_num_threads(n)


# --- the peers ---------------------------------------------------------------------------------
def lucid_peers(array: np.ndarray) -> dict[str, Callable[[], Any]]:
    """The four Lucid initializers, each on ``array`` with its own generator."""
    return {f"lucid.{name}": partial(getattr(lucid_init, name), array, generator=lucid.random.Generator(0))
            for name in LUCID_FUNCS}


def numpy_peers(array: np.ndarray) -> dict[str, Callable[[], Any]]:
    """NumPy's ``standard_normal`` and ``random`` writing into ``array``."""
    rng = np.random.Generator(np.random.PCG64(0))
    dtype = array.dtype
    return {
        "numpy.standard_normal": lambda: rng.standard_normal(out=array, dtype=dtype),
        "numpy.random": lambda: rng.random(out=array, dtype=dtype),
    }


def torch_peers(array: np.ndarray) -> dict[str, Callable[[], Any]]:
    """PyTorch's matching ``torch.nn.init`` functions on a tensor sharing ``array``'s memory; none without torch."""
    if torch is None:
        return {}
    tensor = torch.from_numpy(array)
    return {f"torch.{TORCH_PEER[f]}": partial(getattr(torch.nn.init, TORCH_PEER[f]), tensor) for f in LUCID_FUNCS}


def touched(shape: tuple[int, ...], dtype: str) -> np.ndarray:
    """A C-contiguous array of ``shape`` with every page written once."""
    array = np.empty(shape, dtype)
    array.fill(0.0)
    return array


def shape_for(exp: int) -> tuple[int, int]:
    """A 2-D shape ``(2^exp / 1024, 1024)`` with 2^exp elements."""
    n = 1 << exp
    return (n // ROW, ROW)


def warm_up(dtypes: Sequence[str]) -> None:
    """Compile (or load) every kernel the throughput runs use, serial and parallel, before any timing."""
    for dtype in dtypes:
        for shape in ((2, ROW), shape_for(17)):  # under and over one chunk: serial and parallel entry points
            array = touched(shape, dtype)
            for fn in lucid_peers(array).values():
                fn()
            lucid_init.trunc_normal(array, std=TRUNC_STD)
            lucid_init.he_normal(array)


# --- the measurements --------------------------------------------------------------------------------
def run_throughput(settings: Settings, progress: Progress) -> list[dict[str, Any]]:
    """Every peer at every size, dtype and thread count; one record per (case, peer)."""
    records = []
    for exp in settings.sizes:
        for dtype in settings.dtypes:
            array = touched(shape_for(exp), dtype)
            peers = {**lucid_peers(array), **numpy_peers(array), **torch_peers(array),
                     "fill": lambda array=array: array.fill(1.0)}
            for threads in settings.threads:
                progress.step(f"throughput {dtype} 2^{exp} threads={threads}")
                set_threads(threads)
                case_cpu = cpu_snapshot()
                timings = interleaved(peers, settings.repeats, settings.min_time)
                load = foreign_load(case_cpu)
                for peer, t in timings.items():
                    records.append({"exp": exp, "n": array.size, "dtype": dtype, "threads": threads, "peer": peer,
                                    **t, "elements_per_s": array.size / t["best_s"], "foreign_load": load})
            del peers, array
    set_threads(max(settings.threads))
    return records


def truncated_peers(array: np.ndarray) -> dict[str, Callable[[], Any]]:
    """Lucid's truncated normals and kaiming_normal on ``array``, PyTorch's ``trunc_normal_`` on a tensor sharing
    it, and JAX's jitted ``truncated_normal`` and ``he_normal`` (new arrays: JAX has no in-place fill)."""
    peers: dict[str, Callable[[], Any]] = {
        "lucid.trunc_normal": partial(lucid_init.trunc_normal, array, std=TRUNC_STD,
                                      generator=lucid.random.Generator(0)),
        "lucid.he_normal": partial(lucid_init.he_normal, array, generator=lucid.random.Generator(0)),
        "lucid.kaiming_normal": partial(lucid_init.kaiming_normal, array, generator=lucid.random.Generator(0)),
    }
    if torch is not None:
        peers["torch.trunc_normal_"] = partial(torch.nn.init.trunc_normal_, torch.from_numpy(array), std=TRUNC_STD)
    if jax is not None:
        shape, dtype = array.shape, jnp.dtype(array.dtype.name)
        key = jax.random.PRNGKey(0)
        for name, init_fn in (("jax.truncated_normal", jax.nn.initializers.truncated_normal(TRUNC_STD)),
                              ("jax.he_normal", jax.nn.initializers.he_normal())):
            jitted = jax.jit(lambda k, init_fn=init_fn: init_fn(k, shape, dtype))
            peers[name] = lambda jitted=jitted: jitted(key).block_until_ready()
    return peers


def run_truncated(settings: Settings, progress: Progress) -> list[dict[str, Any]]:
    """The truncated normal at 2^TARGET_EXP elements, all threads, each dtype: Lucid beside PyTorch and JAX."""
    threads = max(settings.threads)
    set_threads(threads)
    records = []
    for dtype in settings.dtypes:
        progress.step(f"truncated normal {dtype} 2^{TARGET_EXP}")
        array = touched(shape_for(TARGET_EXP), dtype)
        case_cpu = cpu_snapshot()
        timings = interleaved(truncated_peers(array), settings.repeats, settings.min_time)
        load = foreign_load(case_cpu)
        for peer, t in timings.items():
            records.append({"exp": TARGET_EXP, "n": array.size, "dtype": dtype, "threads": threads, "peer": peer,
                            **t, "elements_per_s": array.size / t["best_s"], "foreign_load": load})
        del array
    return records


def run_small(settings: Settings, progress: Progress) -> list[dict[str, Any]]:
    """Microseconds per call on small float32 tensors, all threads."""
    set_threads(numba.config.NUMBA_NUM_THREADS)
    records = []
    for shape in SMALL_SHAPES:
        progress.step(f"small {'x'.join(map(str, shape))}")
        array = touched(shape, "float32")
        gen = lucid.random.Generator(0)
        rng = np.random.Generator(np.random.PCG64(0))
        peers: dict[str, Callable[[], Any]] = {
            "lucid.kaiming_normal": lambda array=array, gen=gen: lucid_init.kaiming_normal(array, generator=gen),
            "numpy.standard_normal": lambda array=array, rng=rng: rng.standard_normal(out=array, dtype=np.float32),
        }
        if torch is not None:
            tensor = torch.from_numpy(array)
            peers["torch.kaiming_normal_"] = lambda tensor=tensor: torch.nn.init.kaiming_normal_(tensor)
            # what PyTorch code calls: Lucid's kaiming_normal_ on the torch tensor itself
            peers["lucid.kaiming_normal_.torch"] = (
                lambda tensor=tensor, gen=gen: lucid_init.kaiming_normal_(tensor, generator=gen))
        for peer, t in interleaved(peers, settings.small_repeats, settings.small_min_time).items():
            records.append({"shape": list(shape), "peer": peer, **t})
    return records


STARTUP_LUCID = """\
import json, time
t0 = time.perf_counter()
import numpy as np
import lucid
from lucid.nn.init import kaiming_normal
t1 = time.perf_counter()
w = np.empty((64, 64), np.float32)
kaiming_normal(w, generator=lucid.random.Generator(0))
t2 = time.perf_counter()
print(json.dumps({"import_s": t1 - t0, "first_call_s": t2 - t1, "total_s": t2 - t0}))
"""

STARTUP_TORCH = """\
import json, time
t0 = time.perf_counter()
import torch
t1 = time.perf_counter()
w = torch.empty(64, 64)
torch.nn.init.kaiming_normal_(w)
t2 = time.perf_counter()
print(json.dumps({"import_s": t1 - t0, "first_call_s": t2 - t1, "total_s": t2 - t0}))
"""

STARTUP_PYTHON = """\
import json
print(json.dumps({"import_s": 0.0, "first_call_s": 0.0, "total_s": 0.0}))
"""


def child(code: str, env: dict[str, str], args: Sequence[str] = (), timeout: float = 600) -> dict[str, Any]:
    """Run ``code`` with ``args`` in a fresh interpreter; its last stdout line as JSON, plus the wall time."""
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, env=env,
                          timeout=timeout, check=False)
    wall = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"benchmark subprocess failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return {**json.loads(done.stdout.strip().splitlines()[-1]), "wall_s": wall}


def best_of(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The run with the smallest in-process total, with the number of runs and the median total."""
    best = min(runs, key=lambda r: r["total_s"])
    return {**best, "runs": len(runs), "median_total_s": statistics.median(r["total_s"] for r in runs)}


def startup_steps(settings: Settings) -> int:
    """How many fresh processes :func:`run_startup` starts (for the progress counter)."""
    torch_runs = 1 + settings.startup_repeats if torch is not None else 0
    return (1 + settings.startup_repeats + (1 + settings.startup_repeats) + 2 * settings.cold_repeats
            + torch_runs)


def main_job(env: dict[str, str]) -> dict[str, Any]:
    """``python -m lucid --quiet`` (the default main job: ResNet-50, kaiming_normal, float32) in a fresh process."""
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "lucid", "--quiet"], capture_output=True, text=True, env=env,
                          timeout=600, check=False)
    wall = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"python -m lucid failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return {"import_s": math.nan, "first_call_s": math.nan, "total_s": wall, "wall_s": wall}


def run_startup(settings: Settings, progress: Progress) -> list[dict[str, Any]]:
    """Import + first 64x64 call in fresh processes: Lucid with Numba's cache warm and cold, PyTorch, bare Python.

    Each scenario runs once unmeasured first (filling the OS file cache and, for the warm case, a private
    Numba cache directory), then the best of several runs is kept. The cold case gives every run an empty
    cache directory, so every kernel it needs is compiled.
    """
    records = []
    with tempfile.TemporaryDirectory(prefix="lucid-bench-") as tmp:
        env = dict(os.environ)
        runs = []
        for i in range(1 + settings.startup_repeats):
            progress.step(f"start-up: python ({i + 1}/{1 + settings.startup_repeats})")
            runs.append(child(STARTUP_PYTHON, env))
        records.append({"scenario": "python -c (interpreter only)", **best_of(runs[1:] or runs)})

        warm_env = {**env, "NUMBA_CACHE_DIR": str(Path(tmp) / "warm")}
        runs = []
        for i in range(1 + settings.startup_repeats):
            progress.step(f"start-up: lucid, warm cache ({i + 1}/{1 + settings.startup_repeats})")
            runs.append(child(STARTUP_LUCID, warm_env))
        records.append({"scenario": "lucid, numba cache warm", **best_of(runs[1:])})

        runs = []
        for i in range(settings.cold_repeats):
            progress.step(f"start-up: lucid, cold cache ({i + 1}/{settings.cold_repeats})")
            runs.append(child(STARTUP_LUCID, {**env, "NUMBA_CACHE_DIR": str(Path(tmp) / f"cold{i}")}))
        records.append({"scenario": "lucid, numba cache cold", **best_of(runs)})

        runs = []
        for i in range(settings.cold_repeats):
            progress.step(f"start-up: python -m lucid, cold cache ({i + 1}/{settings.cold_repeats})")
            runs.append(main_job({**env, "NUMBA_CACHE_DIR": str(Path(tmp) / f"main{i}")}))
        records.append({"scenario": "python -m lucid, cache cold", **best_of(runs)})

        if torch is not None:
            runs = []
            for i in range(1 + settings.startup_repeats):
                progress.step(f"start-up: torch ({i + 1}/{1 + settings.startup_repeats})")
                runs.append(child(STARTUP_TORCH, env))
            records.append({"scenario": "torch", **best_of(runs[1:])})
    return records


RSS_CHILD = """\
import json, resource, sys
import numpy as np

def maxrss():
    r = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux, bytes on macOS
    return r if sys.platform == "darwin" else r * 1024

def status(field):
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None

peer, exp = sys.argv[1], int(sys.argv[2])
if peer == "lucid":
    import lucid
    from lucid.nn.init import kaiming_normal
    gen = lucid.random.Generator(0)
    def fill(a):
        kaiming_normal(a, generator=gen)
elif peer == "numpy":
    rng = np.random.Generator(np.random.PCG64(0))
    def fill(a):
        rng.standard_normal(out=a, dtype=np.float32)
else:
    import torch
    def fill(a):
        torch.nn.init.kaiming_normal_(torch.from_numpy(a))
fill(np.zeros((128, 1024), np.float32))  # warm: compile or load the parallel entry point before measuring

before_now, before_max = status("VmRSS") or maxrss(), maxrss()
array = np.empty(((1 << exp) // 1024, 1024), np.float32)  # untouched: its pages count once the fill writes them
fill(array)
after_max = maxrss()
print(json.dumps({"rss_before": before_now, "maxrss_before": before_max, "maxrss_after": after_max,
                  "vmhwm_after": status("VmHWM"), "tensor_bytes": array.nbytes}))
"""

# Linux carries the ru_maxrss of the process that forks over an exec, so a child started straight from this
# (large) process would report this process's peak. A small launcher in between keeps the peak it inherits small.
RSS_LAUNCHER = """\
import subprocess, sys
sys.exit(subprocess.run([sys.executable, "-c", *sys.argv[1:]]).returncode)
"""


def rss_peers() -> list[str]:
    """The peers of the peak-RSS check."""
    return ["lucid", "numpy"] + (["torch"] if torch is not None else [])


def run_rss(settings: Settings, progress: Progress) -> list[dict[str, Any]]:
    """Peak RSS of one in-place fill of a 2^rss_exp float32 tensor, each peer in its own fresh process.

    The growth is ``ru_maxrss`` after the fill minus the resident set just before the tensor is allocated;
    an in-place fill grows by the tensor's size and no more. Lucid runs with a Numba cache filled beforehand,
    so no compilation happens in the measured process.
    """
    records = []
    with tempfile.TemporaryDirectory(prefix="lucid-bench-rss-") as tmp:
        env = {**os.environ, "NUMBA_CACHE_DIR": tmp}
        child(RSS_LAUNCHER, env, [RSS_CHILD, "lucid", "17"])  # fill the private cache
        for peer in rss_peers():
            progress.step(f"peak RSS: {peer}, 2^{settings.rss_exp} float32")
            r = child(RSS_LAUNCHER, env, [RSS_CHILD, peer, str(settings.rss_exp)])
            growth = r["maxrss_after"] - r["rss_before"]
            records.append({"peer": peer, "exp": settings.rss_exp, **r, "growth_bytes": growth,
                            "growth_over_tensor": growth / r["tensor_bytes"],
                            # an earlier peak (imports, compilation) above before + tensor would hide the fill's
                            "masked": r["maxrss_before"] > r["rss_before"] + r["tensor_bytes"]})
    return records


# --- the machine ---------------------------------------------------------------------------------------
def cpu_snapshot() -> tuple[float, float, float] | None:
    """``(wall, machine busy CPU-seconds, this process's and its children's CPU-seconds)``; None off Linux."""
    try:
        with open("/proc/stat") as f:
            fields = [int(x) for x in f.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    # user nice system idle iowait irq softirq steal ...: busy is everything but idle and iowait
    busy = (sum(fields[:8]) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")
    t = os.times()
    return time.perf_counter(), busy, t.user + t.system + t.children_user + t.children_system


def foreign_load(start: tuple[float, float, float] | None) -> float | None:
    """CPU cores kept busy by other processes since ``start``, on average (0 on a quiet machine)."""
    end = cpu_snapshot()
    if start is None or end is None or end[0] <= start[0]:
        return None
    return max(0.0, ((end[1] - start[1]) - (end[2] - start[2])) / (end[0] - start[0]))


def cpu_model() -> str:
    """The CPU's model name, from /proc/cpuinfo, lscpu or platform."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.lower().startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, check=False).stdout
        for line in out.splitlines():
            if line.startswith("Model name:"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def git_state() -> tuple[str | None, list[str]]:
    """The short hash of the checkout Lucid is imported from (``+dirty`` with uncommitted changes under
    ``lucid/``) and the changed files there; ``(None, [])`` outside a git checkout. Read-only git calls."""
    root = Path(lucid.__file__).resolve().parents[1]
    try:
        head = subprocess.run(["git", "-C", str(root), "rev-parse", "--short", "HEAD"], capture_output=True,
                              text=True, check=False)
        if head.returncode != 0:
            return None, []
        status = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no", "--",
                                 "lucid"], capture_output=True, text=True, check=False).stdout
    except OSError:
        return None, []
    dirty = [line[3:] for line in status.splitlines() if line.strip()]
    return head.stdout.strip() + ("+dirty" if dirty else ""), dirty


def machine_kind() -> str:
    """``"avx512"`` (the CPU flags list avx512f), ``"avx2"``, or ``"other"``: which goals apply (see the targets)."""
    try:
        with open("/proc/cpuinfo") as f:
            flags = next((line.split(":", 1)[1].split() for line in f if line.startswith("flags")), [])
    except OSError:
        flags = []
    return "avx512" if "avx512f" in flags else "avx2" if "avx2" in flags else "other"


def machine_info() -> dict[str, Any]:
    """CPU, SIMD kind, cores, thread settings, versions, commit and date."""
    commit, changed = git_state()
    import llvmlite

    try:
        affinity = len(os.sched_getaffinity(0))
    except AttributeError:
        affinity = None
    return {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "cpu": cpu_model(),
        "simd": machine_kind(),
        "cpu_count": os.cpu_count(),
        "cpus_usable": affinity,
        "numba_num_threads": numba.config.NUMBA_NUM_THREADS,
        "numba_threading_layer": _threading_layer(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "numba": numba.__version__,
        "llvmlite": llvmlite.__version__,
        "torch": torch.__version__ if torch is not None else None,
        "jax": jax.__version__ if jax is not None else None,
        "lucid": lucid.__version__,
        "lucid_commit": commit,
        "lucid_changed_files": changed,
        "env": {k: os.environ[k] for k in ("NUMBA_NUM_THREADS", "OMP_NUM_THREADS", "OPENBLAS_CORETYPE",
                                           "NUMBA_THREADING_LAYER") if k in os.environ},
    }


def _threading_layer() -> str | None:
    """Numba's threading layer (known once a parallel kernel has run)."""
    try:
        return numba.threading_layer()
    except ValueError:
        return None


# --- targets -------------------------------------------------------------------------------------------------
def lookup(records: list[dict[str, Any]], **match: Any) -> dict[str, Any] | None:
    """The first record whose fields equal ``match``."""
    return next((r for r in records if all(r.get(k) == v for k, v in match.items())), None)


def best_s(records: list[dict[str, Any]], **match: Any) -> float | None:
    """The best seconds per call of the matching record, or None."""
    r = lookup(records, **match)
    return None if r is None else r["best_s"]


# Goals per machine kind (issues "Speed II" and "Speed of the truncated normal"): (AVX-512, AVX2, higher is better).
# A machine with neither gets the AVX2 goals.
GOALS = {
    "kaiming_vs_torch": (5.0, 3.0, True),
    "kaiming_vs_numpy": (12.0, 7.0, True),
    "kaiming_over_fill": (4.0, 7.0, False),
    "uniform_over_fill": (2.0, 3.0, False),
    "threads": (1.8, 1.8, True),
    "small_vs_torch": (0.6, 0.85, False),
    "cold_first_call": (3.5, 5.0, False),
    "cold_main_job": (8.0, 12.0, False),
    "trunc_vs_torch": (3.0, 2.0, True),
    "he_vs_kaiming": (0.6, 0.6, True),
    "trunc64_vs_torch": (3.0, 2.0, True),
    "normal64_vs_numpy": (6.0, 6.0, True),  # from the first speed issue
    "warm_start_vs_torch": (0.5, 0.5, False),  # from the first speed issue
}


def evaluate_targets(results: dict[str, Any], settings: Settings) -> list[dict[str, Any]]:
    """The team's targets as measured ratios with PASS / MISS / n/a (never an assertion), with the goals of
    this machine's kind (AVX-512 or AVX2)."""
    tp = results.get("throughput", [])
    tn = results.get("truncated", [])
    top = max(settings.threads)
    at = {"exp": TARGET_EXP, "threads": top}
    kind = results["machine"]["simd"]

    def t(peer: str, dtype: str = "float32", **over: Any) -> float | None:
        return best_s(tp, **{**at, "dtype": dtype, "peer": peer, **over})

    def tt(peer: str, dtype: str = "float32") -> float | None:
        return best_s(tn, exp=TARGET_EXP, threads=top, dtype=dtype, peer=peer)

    small = results.get("small", [])
    startup = {r["scenario"]: r for r in results.get("startup", [])}
    warm, cold, torch_start = (startup.get(k) for k in ("lucid, numba cache warm", "lucid, numba cache cold", "torch"))
    main_cold = startup.get("python -m lucid, cache cold")
    where = f"float32 2^{TARGET_EXP}, {top} threads"
    rows = [
        # (goal key, target, measured value)
        ("kaiming_vs_torch", f"kaiming_normal vs torch kaiming_normal_, speedup ({where})",
         ratio(t("torch.kaiming_normal_"), t("lucid.kaiming_normal"))),
        ("kaiming_vs_numpy", f"kaiming_normal vs numpy standard_normal, speedup ({where})",
         ratio(t("numpy.standard_normal"), t("lucid.kaiming_normal"))),
        ("kaiming_over_fill", f"kaiming_normal time / fill time ({where})",
         ratio(t("lucid.kaiming_normal"), t("fill"))),
        ("uniform_over_fill", f"uniform time / fill time ({where})", ratio(t("lucid.uniform"), t("fill"))),
        ("threads", f"kaiming_normal 2 threads vs 1, speedup (float32 2^{TARGET_EXP})",
         ratio(t("lucid.kaiming_normal", threads=1), t("lucid.kaiming_normal", threads=2))),
        ("small_vs_torch", "64x64 kaiming_normal time per call / torch's",
         ratio(best_s(small, shape=[64, 64], peer="lucid.kaiming_normal"),
               best_s(small, shape=[64, 64], peer="torch.kaiming_normal_"))),
        ("cold_first_call", "first call, empty Numba cache (64x64 kaiming_normal float32), seconds",
         cold["first_call_s"] if cold else None),
        ("cold_main_job", "python -m lucid, empty Numba cache, whole process, seconds",
         main_cold["wall_s"] if main_cold else None),
        ("trunc_vs_torch", f"trunc_normal(std={TRUNC_STD}) vs torch trunc_normal_, speedup ({where})",
         ratio(tt("torch.trunc_normal_"), tt("lucid.trunc_normal"))),
        ("he_vs_kaiming", f"he_normal (truncated) / lucid kaiming_normal, throughput ({where})",
         ratio(tt("lucid.kaiming_normal"), tt("lucid.he_normal"))),
        ("trunc64_vs_torch", f"float64 trunc_normal vs torch float64 trunc_normal_, speedup (2^{TARGET_EXP}, "
         f"{top} threads)", ratio(tt("torch.trunc_normal_", "float64"), tt("lucid.trunc_normal", "float64"))),
        ("normal64_vs_numpy", f"normal float64 vs numpy float64, speedup (2^{TARGET_EXP}, {top} threads)",
         ratio(t("numpy.standard_normal", "float64"), t("lucid.normal", "float64"))),
        ("warm_start_vs_torch", "start-up, warm cache / torch import + first call",
         ratio(warm["total_s"] if warm else None, torch_start["total_s"] if torch_start else None)),
    ]
    out = []
    for key, name, value in rows:
        avx512, avx2, higher = GOALS[key]
        threshold = avx512 if kind == "avx512" else avx2
        if value is None or not math.isfinite(value):
            verdict = "n/a"
        else:
            verdict = "PASS" if (value >= threshold if higher else value <= threshold) else "MISS"
        out.append({"target": name, "value": value, "threshold": threshold, "kind": kind,
                    "goal": (">= " if higher else "<= ") + f"{threshold:g}", "result": verdict})
    return out


# --- the report --------------------------------------------------------------------------------------------------
def header_lines(results: dict[str, Any]) -> list[str]:
    """The machine, the versions, how to read the tables, and how quiet the machine was."""
    m = results["machine"]
    lines = [
        "Lucid benchmark",
        f"  {m['date']}  |  {m['cpu']} ({m['simd']})  |  {m['cpu_count']} CPUs ({m['cpus_usable']} usable)  |  "
        f"numba threads {m['numba_num_threads']} ({m['numba_threading_layer']})",
        f"  python {m['python']}  numpy {m['numpy']}  numba {m['numba']}  torch {m['torch'] or 'n/a'}  "
        f"jax {m['jax'] or 'n/a'}  "
        f"lucid {m['lucid']} @ {m['lucid_commit'] or 'unknown commit'}"
        + (f" (changed: {', '.join(m['lucid_changed_files'])})" if m["lucid_changed_files"] else ""),
        "  throughput in millions of elements/s (best of rounds); lucid/x = lucid's throughput over x's "
        "(above 1: lucid is faster);",
        "  time vs fill = lucid's time over ndarray.fill(1.0)'s on the same array (fill is single-threaded).",
    ]
    load = results["foreign_load"]
    if load.get("all") is not None:
        by_part = ", ".join(f"{k} {v:.2f}" for k, v in load.items() if k != "all" and v is not None)
        lines.append(f"  other processes kept {load['all']:.2f} CPU cores busy on average during the run ({by_part})"
                     + ("  <-- NOT A QUIET MACHINE: numbers are disturbed" if load["all"] > NOISY else ""))
    return lines


def throughput_row(tp: list[dict[str, Any]], exp: int, dtype: str, threads: int, func: str) -> list[str]:
    """One table row: a Lucid function at one size beside its NumPy and PyTorch peers and fill."""
    sel = {"exp": exp, "dtype": dtype, "threads": threads}
    fill = lookup(tp, peer="fill", **sel)
    found = {
        "lucid": lookup(tp, peer=f"lucid.{func}", **sel),
        "numpy": lookup(tp, peer=f"numpy.{NUMPY_PEER[func]}", **sel),
        "torch": lookup(tp, peer=f"torch.{TORCH_PEER[func]}", **sel),
        "fill": fill,
    }
    rate = {k: None if r is None else r["elements_per_s"] for k, r in found.items()}
    noisy = fill is not None and (fill["foreign_load"] or 0.0) > NOISY
    return [f"2^{exp}" + ("*" if noisy else ""), func, *(fmt_rate(v) for v in rate.values()),
            fmt_ratio(ratio(rate["lucid"], rate["numpy"])), fmt_ratio(ratio(rate["lucid"], rate["torch"])),
            fmt_ratio(ratio(rate["fill"], rate["lucid"]))]


def throughput_lines(tp: list[dict[str, Any]], settings: Settings) -> list[str]:
    """One throughput table per dtype and thread count, then the thread-scaling table."""
    lines = []
    for dtype in settings.dtypes:
        for threads in settings.threads:
            rows = [throughput_row(tp, exp, dtype, threads, f) for exp in settings.sizes for f in LUCID_FUNCS]
            lines.append(f"\nThroughput, {dtype}, {threads} thread{'s' if threads > 1 else ''} "
                         f"(numpy peer: standard_normal for normals, random for uniforms)")
            lines.append(format_table(["size", "function", "lucid", "numpy", "torch", "fill", "lucid/numpy",
                                       "lucid/torch", "time vs fill"], rows))
            if any(r[0].endswith("*") for r in rows):
                lines.append(f"  * other processes kept more than {NOISY} CPU cores busy while this size ran")
    if len(settings.threads) > 1:
        lo, hi = min(settings.threads), max(settings.threads)
        peers = [f"lucid.{f}" for f in LUCID_FUNCS] + ["torch.kaiming_normal_"]
        rows = [[f"{dtype} 2^{exp}", *(fmt_ratio(ratio(best_s(tp, peer=p, dtype=dtype, exp=exp, threads=lo),
                                                        best_s(tp, peer=p, dtype=dtype, exp=exp, threads=hi)))
                                       for p in peers)]
                for dtype in settings.dtypes for exp in settings.sizes]
        lines.append(f"\nThread scaling: time with {lo} thread(s) over time with {hi} (above 1: faster with {hi})")
        lines.append(format_table(["case", *LUCID_FUNCS, "torch kaiming_normal_"], rows))
    return lines


def small_lines(small: list[dict[str, Any]]) -> list[str]:
    """The time-per-call table for small tensors."""
    rows = []
    for shape in SMALL_SHAPES:
        us = {p: best_s(small, shape=list(shape), peer=p)
              for p in ("lucid.kaiming_normal", "torch.kaiming_normal_", "numpy.standard_normal",
                        "lucid.kaiming_normal_.torch")}
        rows.append(["x".join(map(str, shape)), *("n/a" if v is None else f"{v * 1e6:.2f}" for v in us.values()),
                     fmt_ratio(ratio(us["lucid.kaiming_normal"], us["torch.kaiming_normal_"])),
                     fmt_ratio(ratio(us["lucid.kaiming_normal_.torch"], us["torch.kaiming_normal_"]))])
    return ["\nTime per call on small float32 tensors, microseconds (best of rounds); lucid on torch = Lucid's"
            " kaiming_normal_ on the torch tensor",
            format_table(["shape", "lucid kaiming_normal", "torch kaiming_normal_", "numpy standard_normal",
                          "lucid on torch", "lucid time / torch", "lucid on torch / torch"], rows)]


def startup_lines(startup: list[dict[str, Any]]) -> list[str]:
    """The start-up table."""
    torch_total = next((r["total_s"] for r in startup if r["scenario"] == "torch"), None)
    rows = []
    for r in startup:
        timed = ["-" if math.isnan(r[k]) else f"{r[k]:.3f}" for k in ("import_s", "first_call_s", "total_s")]
        rows.append([r["scenario"], *(["-"] * 3 if r["scenario"].startswith("python") else timed),
                     f"{r['wall_s']:.3f}", str(r["runs"]),
                     fmt_ratio(ratio(r["total_s"], torch_total)) if r["scenario"].startswith("lucid") else ""])
    return ["\nStart-up of a fresh process: import + first 64x64 kaiming_normal(_), seconds (best of runs);\n"
            "  wall = the whole process, interpreter start included; vs torch = import + call over torch's",
            format_table(["scenario", "import", "first call", "import + call", "wall", "runs", "vs torch"], rows)]


def rss_lines(rss: list[dict[str, Any]]) -> list[str]:
    """The peak-RSS table."""
    rows = [[r["peer"], f"{r['tensor_bytes'] / MIB:.0f}", f"{r['rss_before'] / MIB:.0f}",
             f"{r['maxrss_after'] / MIB:.0f}", f"{r['growth_bytes'] / MIB:.0f}",
             f"{r['growth_over_tensor']:.2f}" + (" (masked by an earlier peak)" if r["masked"] else "")]
            for r in rss]
    return [f"\nPeak RSS of one in-place normal fill of a 2^{rss[0]['exp']}-element float32 tensor in a fresh process, "
            "MiB\n  (ru_maxrss after the fill; growth = that peak minus the resident set before allocating)",
            format_table(["peer", "tensor", "before", "peak after", "growth", "growth / tensor"], rows)]


def target_lines(targets: list[dict[str, Any]]) -> list[str]:
    """The PASS/MISS summary."""
    rows = [[r["target"], "n/a" if r["value"] is None else f"{r['value']:.2f}", r["goal"], r["result"]]
            for r in targets]
    kind = targets[0]["kind"] if targets else "?"
    return [f"\nTargets (measured, not asserted; goals for a machine with {kind})",
            format_table(["target", "measured", "goal", "result"], rows)]


def truncated_lines(tn: list[dict[str, Any]], settings: Settings) -> list[str]:
    """The truncated-normal table: each peer's throughput and its ratio to Lucid's trunc_normal."""
    peers = ["lucid.trunc_normal", "lucid.he_normal", "lucid.kaiming_normal", "torch.trunc_normal_",
             "jax.truncated_normal", "jax.he_normal"]
    rows = []
    for dtype in settings.dtypes:
        lucid_rate = next((r["elements_per_s"] for r in tn if r["dtype"] == dtype and r["peer"] == peers[0]), None)
        for peer in peers:
            r = next((r for r in tn if r["dtype"] == dtype and r["peer"] == peer), None)
            rate = None if r is None else r["elements_per_s"]
            rows.append([f"{dtype} {peer}", fmt_rate(rate), fmt_ratio(ratio(lucid_rate, rate))])
    threads = max(settings.threads)
    return [f"\nTruncated normal, 2^{TARGET_EXP} elements, {threads} threads: trunc_normal(std={TRUNC_STD}) "
            "(bounds -2, 2 as PyTorch's default), he_normal (JAX's, truncated at 2 stds); JAX n/a when not installed",
            format_table(["peer", "M elements/s", "lucid trunc_normal / peer"], rows)]


def report(results: dict[str, Any], settings: Settings) -> str:
    """All results as readable tables."""
    lines = header_lines(results)
    if results.get("throughput"):
        lines += throughput_lines(results["throughput"], settings)
    if results.get("truncated"):
        lines += truncated_lines(results["truncated"], settings)
    if results.get("small"):
        lines += small_lines(results["small"])
    if results.get("startup"):
        lines += startup_lines(results["startup"])
    if results.get("rss"):
        lines += rss_lines(results["rss"])
    lines += target_lines(results["targets"])
    return "\n".join(lines)


# --- main -----------------------------------------------------------------------------------------------------
def main(argv: Sequence[str] | None = None) -> int:
    """Run every part not skipped; print the tables (or JSON). Always returns 0: this only measures."""
    settings, as_json = parse_args(argv)
    parts = [p for p in PARTS if p not in settings.skip]
    steps = {
        "throughput": len(settings.sizes) * len(settings.dtypes) * len(settings.threads),
        "truncated": len(settings.dtypes),
        "small": len(SMALL_SHAPES),
        "startup": startup_steps(settings),
        "rss": len(rss_peers()),
    }
    progress = Progress(1 + sum(steps[p] for p in parts))
    started = time.perf_counter()
    progress.step("warm-up: compiling or loading Lucid's kernels")
    set_threads(max(settings.threads))
    warm_up(settings.dtypes)

    results: dict[str, Any] = {"machine": machine_info(), "settings": asdict(settings), "foreign_load": {}}
    run_cpu = cpu_snapshot()
    runners = {"throughput": run_throughput, "truncated": run_truncated, "small": run_small, "startup": run_startup,
               "rss": run_rss}
    try:
        for part in parts:
            part_cpu = cpu_snapshot()
            results[part] = runners[part](settings, progress)
            results["foreign_load"][part] = foreign_load(part_cpu)
    finally:
        progress.close()
    results["foreign_load"]["all"] = foreign_load(run_cpu)
    results["targets"] = evaluate_targets(results, settings)
    results["elapsed_s"] = time.perf_counter() - started
    if as_json:
        print(json.dumps(results, indent=2))
    else:
        print(report(results, settings))
        print(f"\n(measured in {results['elapsed_s']:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
