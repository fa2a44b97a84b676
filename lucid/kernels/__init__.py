"""Numba kernels: Philox bits, transforms, the parallel fill driver and fans.

Nothing here imports the rest of Lucid. The driver's entry points take plain
arrays and integers: see :mod:`lucid.kernels.driver`.
"""

from .distributions import NORMAL, TRUNCATED_NORMAL, UNIFORM
from .driver import CHUNK, fill_parallel, fill_rows, fill_serial
from .fans import compute_fans
from .philox import philox4x32

__all__ = [
    "CHUNK",
    "NORMAL",
    "TRUNCATED_NORMAL",
    "UNIFORM",
    "compute_fans",
    "fill_parallel",
    "fill_rows",
    "fill_serial",
    "philox4x32",
]
