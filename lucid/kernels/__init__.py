"""Numba kernels: Philox bits, transforms, the parallel fill driver and fans.

Nothing here imports the rest of Lucid. The driver's entry points take plain
arrays and integers: see :mod:`lucid.kernels.driver`.
"""

from .distributions import CONSTANT, NORMAL, TRUNCATED_NORMAL, UNIFORM
from .driver import CHUNK, fill_parallel, fill_rows, fill_serial
from .fans import compute_fans
from .fpenv import flush_mode, set_flush_mode
from .philox import philox4x32

__all__ = [
    "CHUNK",
    "CONSTANT",
    "NORMAL",
    "TRUNCATED_NORMAL",
    "UNIFORM",
    "compute_fans",
    "fill_parallel",
    "fill_rows",
    "fill_serial",
    "flush_mode",
    "philox4x32",
    "set_flush_mode",
]
