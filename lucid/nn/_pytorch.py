"""PyTorch's names for the initializers: same signatures, defaults, order of arguments and return value.

Also timm's PyTorch-layout names for JAX's maths: ``variance_scaling_``, ``lecun_normal_`` and
``trunc_normal_tf_`` (timm.layers), with timm's signatures.

Each is a one-line wrapper over Lucid's own initializer that returns the tensor it
filled, so ``torch.nn.init`` code ports by changing the import. Where PyTorch raises
``RuntimeError`` for a bad value (a negative std, ``a > b``), Lucid raises ``ValueError``.
Fan-based ones also take Lucid's keyword-only ``in_axis``, ``out_axis`` and ``batch_axis``.
"""

from __future__ import annotations

from typing import TypeVar

from ..random import Generator
from . import _initializers as _init
from ._checks import bumps_version_itself
from ._initializers import Axes

__all__ = [
    "constant_",
    "dirac_",
    "eye_",
    "kaiming_normal_",
    "kaiming_uniform_",
    "lecun_normal_",
    "normal_",
    "ones_",
    "orthogonal_",
    "sparse_",
    "trunc_normal_",
    "trunc_normal_tf_",
    "uniform_",
    "variance_scaling_",
    "xavier_normal_",
    "xavier_uniform_",
    "zeros_",
]

T = TypeVar("T")


@bumps_version_itself
def uniform_(tensor: T, a: float = 0.0, b: float = 1.0, generator: Generator | None = None) -> T:
    """PyTorch's ``uniform_``: :func:`lucid.nn.init.uniform`, returning ``tensor``.

    Example:
        >>> import lucid
        >>> from lucid.nn.init import uniform_
        >>> uniform_(lucid.zeros(2), -1, 1).shape
        (2,)
    """
    _init.uniform(tensor, a, b, generator=generator)
    return tensor


@bumps_version_itself
def normal_(tensor: T, mean: float = 0.0, std: float = 1.0, generator: Generator | None = None) -> T:
    """PyTorch's ``normal_``: :func:`lucid.nn.init.normal`, returning ``tensor``."""
    _init.normal(tensor, mean, std, generator=generator)
    return tensor


@bumps_version_itself
def trunc_normal_(tensor: T, mean: float = 0.0, std: float = 1.0, a: float = -2.0, b: float = 2.0,
                  generator: Generator | None = None) -> T:
    """PyTorch's ``trunc_normal_``: :func:`lucid.nn.init.trunc_normal` (absolute bounds), returning ``tensor``."""
    _init.trunc_normal(tensor, mean, std, a, b, generator=generator)
    return tensor


def constant_(tensor: T, val: float) -> T:
    """PyTorch's ``constant_``: :func:`lucid.nn.init.constant`, returning ``tensor``."""
    _init.constant(tensor, val)
    return tensor


def ones_(tensor: T) -> T:
    """PyTorch's ``ones_``: fill with ones, returning ``tensor``."""
    _init.ones(tensor)
    return tensor


def zeros_(tensor: T) -> T:
    """PyTorch's ``zeros_``: fill with zeros, returning ``tensor``."""
    _init.zeros(tensor)
    return tensor


def eye_(tensor: T) -> T:
    """PyTorch's ``eye_``: :func:`lucid.nn.init.eye` (2-D only), returning ``tensor``."""
    _init.eye(tensor)
    return tensor


def dirac_(tensor: T, groups: int = 1) -> T:
    """PyTorch's ``dirac_``: :func:`lucid.nn.init.dirac` (3-5 D), returning ``tensor``."""
    _init.dirac(tensor, groups)
    return tensor


@bumps_version_itself
def xavier_uniform_(tensor: T, gain: float = 1.0, generator: Generator | None = None, *, in_axis: Axes = 1,
                    out_axis: Axes = 0, batch_axis: Axes = ()) -> T:
    """PyTorch's ``xavier_uniform_``: :func:`lucid.nn.init.xavier_uniform`, returning ``tensor``."""
    _init.xavier_uniform(tensor, gain, generator=generator, in_axis=in_axis, out_axis=out_axis, batch_axis=batch_axis)
    return tensor


@bumps_version_itself
def xavier_normal_(tensor: T, gain: float = 1.0, generator: Generator | None = None, *, in_axis: Axes = 1,
                   out_axis: Axes = 0, batch_axis: Axes = ()) -> T:
    """PyTorch's ``xavier_normal_``: :func:`lucid.nn.init.xavier_normal`, returning ``tensor``."""
    _init.xavier_normal(tensor, gain, generator=generator, in_axis=in_axis, out_axis=out_axis, batch_axis=batch_axis)
    return tensor


@bumps_version_itself
def kaiming_uniform_(tensor: T, a: float = 0, mode: str = "fan_in", nonlinearity: str = "leaky_relu",
                     generator: Generator | None = None, *, in_axis: Axes = 1, out_axis: Axes = 0,
                     batch_axis: Axes = ()) -> T:
    """PyTorch's ``kaiming_uniform_``: :func:`lucid.nn.init.kaiming_uniform`, returning ``tensor``.

    Example:
        >>> import lucid
        >>> from lucid.nn.init import kaiming_uniform_
        >>> w = kaiming_uniform_(lucid.zeros(16, 8), a=0.1, nonlinearity="leaky_relu")
        >>> w.shape
        (16, 8)
    """
    _init.kaiming_uniform(tensor, mode, a=a, nonlinearity=nonlinearity, generator=generator, in_axis=in_axis,
                          out_axis=out_axis, batch_axis=batch_axis)
    return tensor


@bumps_version_itself
def kaiming_normal_(tensor: T, a: float = 0, mode: str = "fan_in", nonlinearity: str = "leaky_relu",
                    generator: Generator | None = None, *, in_axis: Axes = 1, out_axis: Axes = 0,
                    batch_axis: Axes = ()) -> T:
    """PyTorch's ``kaiming_normal_``: :func:`lucid.nn.init.kaiming_normal`, returning ``tensor``."""
    _init.kaiming_normal(tensor, mode, a=a, nonlinearity=nonlinearity, generator=generator, in_axis=in_axis,
                         out_axis=out_axis, batch_axis=batch_axis)
    return tensor


def orthogonal_(tensor: T, gain: float = 1, generator: Generator | None = None) -> T:
    """PyTorch's ``orthogonal_``: :func:`lucid.nn.init.orthogonal`, returning ``tensor``."""
    _init.orthogonal(tensor, gain, generator=generator)
    return tensor


def sparse_(tensor: T, sparsity: float, std: float = 0.01, generator: Generator | None = None) -> T:
    """PyTorch's ``sparse_``: :func:`lucid.nn.init.sparse` (2-D only), returning ``tensor``."""
    _init.sparse(tensor, sparsity, std, generator=generator)
    return tensor


# --- timm's names (timm.layers.weight_init): JAX's maths on PyTorch's (out, in, *kernel) layout ---------
@bumps_version_itself
def trunc_normal_tf_(tensor: T, mean: float = 0.0, std: float = 1.0, a: float = -2.0, b: float = 2.0,
                     generator: Generator | None = None) -> T:
    """timm's ``trunc_normal_tf_``: ``mean + std * z``, ``z`` standard normal on ``[a, b]``, returning ``tensor``.

    Unlike :func:`trunc_normal_`, the bounds are in standard deviations (TensorFlow's and
    JAX's convention): the values lie in ``[mean + a * std, mean + b * std]``.

    Example:
        >>> import lucid
        >>> from lucid.nn.init import trunc_normal_tf_
        >>> w = trunc_normal_tf_(lucid.zeros(1000), mean=1.0, std=0.5, generator=lucid.random.Generator(0))
        >>> bool(w.numpy().min() >= 0.0 and w.numpy().max() <= 2.0)
        True
    """
    _init.initialize("trunc_normal_tf_", tensor, generator, _init.standard_trunc_normal_plan, mean, std, a, b,
                     signed=True)
    return tensor


@bumps_version_itself
def variance_scaling_(tensor: T, scale: float = 1.0, mode: str = "fan_in", distribution: str = "normal",
                      generator: Generator | None = None) -> T:
    """timm's ``variance_scaling_``: :func:`lucid.nn.init.variance_scaling` on PyTorch's layout, returning ``tensor``.

    Variance ``scale / fan`` with fans from ``(out, in, *kernel)``; timm's default
    distribution is ``"normal"`` (JAX's is ``"truncated_normal"``).

    Example:
        >>> import lucid
        >>> from lucid.nn.init import variance_scaling_
        >>> w = variance_scaling_(lucid.zeros(256, 512), 2.0, generator=lucid.random.Generator(0))
        >>> round(float(w.numpy().std()) ** 2 * 512, 1)
        2.0
    """
    _init.variance_scaling(tensor, scale, mode, distribution, generator=generator, in_axis=1, out_axis=0)
    return tensor


@bumps_version_itself
def lecun_normal_(tensor: T, generator: Generator | None = None) -> T:
    """timm's ``lecun_normal_``: truncated normal, variance ``1 / fan_in``, PyTorch's layout; returns ``tensor``.

    Example:
        >>> import lucid
        >>> from lucid.nn.init import lecun_normal_
        >>> lecun_normal_(lucid.zeros(10, 784)).shape  # a torch.nn.Linear(784, 10) weight
        (10, 784)
    """
    _init.lecun_normal(tensor, generator=generator, in_axis=1, out_axis=0)
    return tensor
