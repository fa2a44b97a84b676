"""NumPy's order-based functions, made to refuse float16 input while the tests run.

NumPy 2.4's AVX-512 float16 sort (x86-simd-sort) returns unsorted output on some CPUs
(AMD Zen 4, for one): ``np.sort`` of a float16 array can leave descents, and everything
built on it (``unique``, ``median``, ``percentile``, ...) inherits them. A machine without
AVX-512 sorts correctly, so the bug cannot be seen there; these wrappers make every such
call fail on any machine instead, so no test (and nothing in ``lucid.testing``) comes to
rely on it. Order statistics of float16 data belong on an exact float32/float64 copy.

:func:`guarded` installs the wrappers on the ``numpy`` module; ``tests/conftest.py`` keeps
them installed for the whole test session. Methods (``ndarray.sort``) cannot be wrapped:
the tests and ``lucid.testing`` use the functions.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Iterator

import numpy as np
import pytest

# NumPy functions whose result depends on sorting (or searching sorted) data.
ORDER_FUNCTIONS = [
    "sort", "argsort", "lexsort", "partition", "argpartition", "searchsorted", "unique", "unique_all",
    "unique_counts", "unique_inverse", "unique_values", "median", "nanmedian", "percentile", "nanpercentile",
    "quantile", "nanquantile",
]


class Float16OrderError(AssertionError):
    """A float16 array reached one of NumPy's order-based functions."""


def _is_float16(value: object) -> bool:
    if getattr(value, "dtype", None) == np.float16:
        return True
    if isinstance(value, (list, tuple)):  # lexsort's keys, a list of arrays
        return any(getattr(v, "dtype", None) == np.float16 for v in value)
    return False


def _refusing(name: str, original):
    @functools.wraps(original)
    def wrapper(*args, **kwargs):
        if any(_is_float16(a) for a in (*args, *kwargs.values())):
            raise Float16OrderError(
                f"numpy.{name} was given float16 data: NumPy 2.4's AVX-512 float16 sort is wrong on some CPUs; "
                "work on an exact float32/float64 copy")
        return original(*args, **kwargs)

    wrapper.__float16_guard__ = True
    return wrapper


@contextlib.contextmanager
def guarded() -> Iterator[None]:
    """Within the block, NumPy's order-based functions raise :class:`Float16OrderError` on float16 input."""
    with pytest.MonkeyPatch.context() as patch:
        for name in ORDER_FUNCTIONS:
            original = getattr(np, name, None)
            if original is not None and not getattr(original, "__float16_guard__", False):
                patch.setattr(np, name, _refusing(name, original))
        yield
