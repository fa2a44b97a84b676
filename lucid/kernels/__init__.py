"""Numba kernels: Philox bits, transforms, the fill driver and fans.

Nothing here imports the rest of Lucid. The driver's entry points take plain
arrays: see :mod:`lucid.kernels.driver`.
"""

from .distributions import CONSTANT, NORMAL, TRUNCATED_NORMAL, UNIFORM
from .driver import CHUNK, ENTRIES, NO_AXES, Entries, make_job
from .fans import compute_fans
from .fpenv import flush_mode, set_flush_mode
from .philox import philox4x32

__all__ = [
    "CHUNK",
    "CONSTANT",
    "ENTRIES",
    "NORMAL",
    "NO_AXES",
    "TRUNCATED_NORMAL",
    "UNIFORM",
    "Entries",
    "compute_fans",
    "flush_mode",
    "make_job",
    "philox4x32",
    "set_flush_mode",
]
