"""Compiling Lucid's kernels: on first use, one entry point at a time, or all ahead of time.

Numba compiles a kernel the first time it runs for an output type and caches the machine
code next to the package (or in ``NUMBA_CACHE_DIR``), so each machine compiles each kernel
once. A fill compiles only its own entry point: the distribution it draws, for its output
type, on one thread or on several (:mod:`lucid.kernels.driver`).

:func:`announce` prints a line on stderr *before* such a compilation starts, so a first call
that takes seconds says why. :func:`compile_all` (``lucid compile``) compiles every entry
point ahead of time, for Docker images, CI caches and Dask workers.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TextIO

import numpy as np
from numba.core import event

from .kernels import CONSTANT, ENTRIES, NO_AXES, NORMAL, TRUNCATED_NORMAL, UNIFORM, make_job

#: The kernels' view of each output type: float16 travels as uint16 bits, bfloat16 as int16 bits.
KERNEL_TYPES = {"float64": np.float64, "float32": np.float32, "float16": np.uint16, "bfloat16": np.int16}
#: Seconds an entry point takes to compile with its distribution's kernel, roughly (measured on a 2-core Zen 3 at
#: 2.45 GHz with Numba 0.68; the parallel entry points take about two more).
COMPILE_SECONDS = {UNIFORM: 3, NORMAL: 3, TRUNCATED_NORMAL: 6, CONSTANT: 2}
ENTRY_POINTS = ("serial", "parallel", "rows", "rows_parallel")
ENTRY_WORDS = {"serial": "one thread", "parallel": "all threads", "rows": "shards, one thread",
               "rows_parallel": "shards, all threads"}
PARALLEL_ENTRIES = ("parallel", "rows_parallel")

_NAMES = {v: k for k, v in KERNEL_TYPES.items()}
# The entry points that ran in this process, by (kind, entry point, kernel dtype's char).
_ready: dict[tuple[int, str, str], Callable[..., None]] = {}
_lock = threading.Lock()


class Settings:
    """Process-wide: whether :func:`announce` prints (the command turns it off for ``--json`` and ``--quiet``)."""

    announce = True
    stream: TextIO | None = None  # None: sys.stderr at the time of printing


class _FirstCompile(event.Listener):
    """Prints one line when the first compilation under it starts."""

    def __init__(self, line: str) -> None:
        self.line = line
        self.printed = False

    def on_start(self, event: event.Event) -> None:
        if not self.printed:
            self.printed = True
            stream = Settings.stream or sys.stderr
            stream.write(self.line + "\n")
            stream.flush()

    def on_end(self, event: event.Event) -> None:
        pass


def _line(kind: int, entry: str, dtype_name: str) -> str:
    seconds = COMPILE_SECONDS[kind] + 2 * (entry in PARALLEL_ENTRIES)
    return (f"lucid: compiling the {ENTRIES[kind].name} kernel for {dtype_name} ({ENTRY_WORDS[entry]}), "
            f"once per machine, about {seconds} s ...")


def run(kind: int, entry: str, args: Sequence[Any]) -> None:
    """Call entry point ``entry`` of distribution ``kind`` with ``args`` (kernel view first, or ``rows``).

    The first call per process of an entry point and output type listens for Numba compiling
    it and, if Numba does (no cached machine code), says so on stderr before it starts.
    """
    marker = (kind, entry, args[0].dtype.char)
    fn = _ready.get(marker)
    if fn is not None:
        fn(*args)
        return
    fn = getattr(ENTRIES[kind], entry)
    with _listening(kind, entry, args[0].dtype):
        fn(*args)
    _ready[marker] = fn


def ready_entry(kind: int, entry: str, dtype: np.dtype) -> Callable[..., None] | None:
    """The compiled entry point :func:`run` calls for this kind, entry and kernel dtype, if it has run in this
    process (so calling it compiles nothing and has nothing to announce); else None."""
    return _ready.get((kind, entry, dtype.char))


@contextmanager
def _listening(kind: int, entry: str, dtype: np.dtype) -> Iterator[None]:
    if not Settings.announce:
        yield
        return
    listener = _FirstCompile(_line(kind, entry, _NAMES.get(dtype.type, str(dtype))))
    with _lock, event.install_listener("numba:compile", listener):
        yield


def tiny_args(entry: str, dtype: type) -> tuple[Any, ...]:
    """The smallest arguments entry point ``entry`` accepts for the kernel type ``dtype`` (one element)."""
    params = np.zeros(6)
    if entry in ("rows", "rows_parallel"):
        return np.zeros((1, 1), dtype), np.zeros(1, np.int64), make_job(0, 0), params
    return np.zeros(1, dtype), make_job(0, 0, 0, 1), NO_AXES, params


def prepare(kind: int, entry: str, dtype_name: str) -> None:
    """Compile (or load) one entry point for output type ``dtype_name``, announced as :func:`run` does."""
    run(kind, entry, tiny_args(entry, KERNEL_TYPES[dtype_name]))


def cache_dir() -> str:
    """Where Numba keeps Lucid's compiled kernels: ``NUMBA_CACHE_DIR``, or ``__pycache__`` next to the kernels."""
    import os

    import numba

    from . import kernels

    configured: str = numba.config.CACHE_DIR  # type: ignore[attr-defined]
    return configured or os.path.join(os.path.dirname(kernels.__file__), "__pycache__")


def compile_all(dtypes: Sequence[str] = tuple(KERNEL_TYPES), entries: Sequence[str] = ENTRY_POINTS,
                progress: Callable[[int, int, str], None] | None = None) -> tuple[int, float]:
    """Compile (or load from Numba's cache) every entry point for ``dtypes``; return how many and the seconds.

    ``progress(done, total, label)`` is called before each entry point.

    Example:
        >>> from lucid._compile import compile_all
        >>> compile_all(["float32"], ["serial"])[0]
        4
    """
    start = time.perf_counter()
    work = [(kind, entry, name) for name in dtypes for kind in (NORMAL, UNIFORM, TRUNCATED_NORMAL, CONSTANT)
            for entry in entries]
    for i, (kind, entry, name) in enumerate(work):
        if progress is not None:
            progress(i, len(work), f"{ENTRIES[kind].name} {name} ({ENTRY_WORDS[entry]})")
        getattr(ENTRIES[kind], entry)(*tiny_args(entry, KERNEL_TYPES[name]))
    if progress is not None:
        progress(len(work), len(work), "done")
    return len(work), time.perf_counter() - start
