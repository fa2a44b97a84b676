"""Lucid: fast, reproducible neural-network weight initialization.

>>> import lucid
>>> from lucid.nn.init import kaiming_normal
>>> w = lucid.zeros((3, 2))
>>> kaiming_normal(w, generator=lucid.random.Generator(0))
>>> w.shape
(3, 2)
"""

from . import nn, random
from ._tensor import (
    Tensor,
    bool_,
    empty,
    empty_like,
    float16,
    float32,
    float64,
    full,
    full_like,
    int32,
    int64,
    ones,
    ones_like,
    tensor,
    zeros,
    zeros_like,
)
from .shard import Shard

__version__ = "0.1.0"

__all__ = [
    "Shard",
    "Tensor",
    "bool_",
    "empty",
    "empty_like",
    "float16",
    "float32",
    "float64",
    "full",
    "full_like",
    "int32",
    "int64",
    "nn",
    "ones",
    "ones_like",
    "random",
    "tensor",
    "zeros",
    "zeros_like",
]
