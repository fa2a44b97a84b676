"""Shards: the local block of a logical tensor, filled as its part of one whole fill.

A :class:`Shard` pairs a local tensor with the shape of the logical tensor it is part
of and the offset of its first element there. Every initializer in
:mod:`lucid.nn.init` accepts one in place of a tensor: fans come from the logical
shape, and each local element gets the value of its global index, so filling the
shards of a tiling one by one (in any order, in any process) writes, between them,
exactly the bytes of one fill of the whole tensor with the same seed. No process
ever holds more than its shard (``orthogonal`` and ``sparse`` excepted: a QR and a
per-column choice of zeros need the whole matrix, which each shard computes).

Dask chunks (:mod:`lucid.dask`) and PyTorch DTensor shards (:mod:`lucid.torch`) are
shards.

Example:
    >>> import numpy as np, lucid
    >>> from lucid import Shard
    >>> from lucid.nn.init import kaiming_normal
    >>> whole = np.zeros((4, 6), np.float32)
    >>> kaiming_normal(whole, generator=lucid.random.Generator(0))
    >>> top, bottom = np.zeros((2, 6), np.float32), np.zeros((2, 6), np.float32)
    >>> kaiming_normal(Shard(top, (4, 6), (0, 0)), generator=lucid.random.Generator(0))
    >>> kaiming_normal(Shard(bottom, (4, 6), (2, 0)), generator=lucid.random.Generator(0))
    >>> bool((np.concatenate([top, bottom]) == whole).all())
    True
"""

from __future__ import annotations

import operator
from collections.abc import Sequence
from typing import Any

__all__ = ["Shard"]


def _ints(name: str, values: Any) -> tuple[int, ...]:
    if isinstance(values, int) and not isinstance(values, bool):
        values = (values,)
    try:
        items = tuple(values)
        if any(isinstance(v, bool) for v in items):
            raise TypeError
        return tuple(operator.index(v) for v in items)
    except TypeError:
        raise TypeError(f"Shard(): {name} must be a tuple of ints, got {values!r}") from None


class Shard:
    """The block of a logical tensor of ``shape`` that starts at ``offset``, held by ``local``.

    Args:
        local: the local tensor (a ``lucid.Tensor``, a writable float NumPy ndarray or a
            PyTorch CPU tensor): the logical tensor's elements
            ``offset[k] <= index[k] < offset[k] + local.shape[k]``.
        shape: the logical (global) tensor's shape.
        offset: the global index of ``local``'s first element, one int per dimension.

    Raises:
        TypeError: ``shape`` or ``offset`` is not a tuple of ints.
        ValueError: ``shape`` and ``offset`` do not have ``local``'s number of dimensions, a
            size or an offset is negative, or the box reaches past ``shape``. (``local`` itself
            is checked by the initializer it is passed to, like any tensor.)

    Example:
        >>> import numpy as np
        >>> from lucid import Shard
        >>> Shard(np.zeros((2, 3)), (4, 3), (2, 0))
        Shard(local shape (2, 3), shape (4, 3), offset (2, 0))
    """

    __slots__ = ("local", "shape", "offset")

    def __init__(self, local: Any, shape: Sequence[int], offset: Sequence[int]) -> None:
        self.local = local
        self.shape = _ints("shape", shape)
        self.offset = _ints("offset", offset)
        local_shape = tuple(getattr(local, "shape", ()))
        if not len(self.shape) == len(self.offset) == len(local_shape):
            raise ValueError(f"Shard(): local shape {local_shape}, shape {self.shape} and offset {self.offset} "
                             "must have the same number of dimensions")
        if any(d < 0 for d in self.shape) or any(o < 0 for o in self.offset):
            raise ValueError(f"Shard(): shape {self.shape} and offset {self.offset} must not be negative")
        for axis, (o, n, d) in enumerate(zip(self.offset, local_shape, self.shape)):
            if o + n > d:
                raise ValueError(f"Shard(): the box reaches past the tensor on axis {axis}: offset {o} + local size "
                                 f"{n} > size {d} (local shape {local_shape}, shape {self.shape})")

    def __repr__(self) -> str:
        return f"Shard(local shape {tuple(self.local.shape)}, shape {self.shape}, offset {self.offset})"
