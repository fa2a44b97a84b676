"""Weight initializers: validation, fan and gain maths, then one kernel call.

Every initializer fills its tensor in place and returns None. Every argument is
checked before the first element is written: a bad call raises ``TypeError`` or
``ValueError`` and leaves the tensor bit-for-bit unchanged. A tensor with no
elements is left alone with a ``UserWarning``.

The fan-based initializers are thin wrappers over one core,
:func:`variance_scaling`: a target variance ``scale / fan``, met by a normal
draw with ``std = sqrt(scale / fan)`` or a uniform draw on ``[-bound, bound]``
with ``bound = sqrt(3 * scale / fan)``.

Fans follow PyTorch's layout ``(out, in, *kernel)``:
``fan_in = shape[1] * prod(shape[2:])``, ``fan_out = shape[0] * prod(shape[2:])``.
"""

from __future__ import annotations

import math
import numbers
import warnings
from typing import Any

import numpy as np

from .. import _fill
from .._tensor import Tensor
from ..kernels import NORMAL, UNIFORM, compute_fans
from ..random import Generator, default_generator

__all__ = [
    "constant",
    "kaiming_normal",
    "kaiming_uniform",
    "normal",
    "uniform",
    "variance_scaling",
    "xavier_normal",
    "xavier_uniform",
]

_FLOATS = frozenset(np.dtype(t) for t in (np.float16, np.float32, np.float64))
_FAN_MODES = ("fan_in", "fan_out", "fan_avg")
_DISTRIBUTIONS = ("normal", "uniform")
_SQRT2 = math.sqrt(2.0)  # the ReLU gain of He initialization


# --- validation ------------------------------------------------------------------
def _array(fn: str, tensor: Any) -> np.ndarray:
    """The writable float ndarray behind ``tensor``, or the documented error."""
    if isinstance(tensor, Tensor):
        array = tensor._array
    elif isinstance(tensor, np.ndarray):
        array = tensor
    else:
        raise TypeError(f"{fn}(): tensor must be a lucid.Tensor or a NumPy ndarray, got {type(tensor).__name__}")
    if array.dtype not in _FLOATS:
        raise TypeError(f"{fn}(): tensor must have dtype float16, float32 or float64, got {array.dtype}")
    if not array.flags.writeable:
        raise ValueError(f"{fn}(): tensor is read-only; pass a writable tensor")
    problem = _fill.check_layout(array)
    if problem:
        raise ValueError(f"{fn}(): tensor {problem}; pass a tensor with distinct elements")
    return array


def _real(fn: str, name: str, value: Any) -> float:
    """``value`` as a finite float, or the documented error."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{fn}(): {name} must be a real number, got {type(value).__name__}")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{fn}(): {name} must be finite, got {value}")
    return value


def _non_negative(fn: str, name: str, value: Any) -> float:
    value = _real(fn, name, value)
    if value < 0:
        raise ValueError(f"{fn}(): {name} must be >= 0, got {value}")
    return value


def _generator(fn: str, generator: Any) -> Generator:
    if generator is None:
        return default_generator()
    if not isinstance(generator, Generator):
        raise TypeError(f"{fn}(): generator must be a lucid.random.Generator or None, got {type(generator).__name__}")
    return generator


def _choice(fn: str, name: str, value: Any, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        accepted = ", ".join(repr(a) for a in allowed)
        raise ValueError(f"{fn}(): {name} must be one of {accepted}, got {value!r}")
    return value


def _is_empty(fn: str, array: np.ndarray) -> bool:
    if array.size:
        return False
    warnings.warn(f"{fn}(): the tensor has no elements; nothing to initialize", UserWarning, stacklevel=3)
    return True


# --- the distributions -------------------------------------------------------------
def _uniform(array: np.ndarray, low: float, high: float, generator: Generator) -> None:
    _fill.fill(array, UNIFORM, low, high - low, high, generator)


def _normal(array: np.ndarray, mean: float, std: float, generator: Generator) -> None:
    _fill.fill(array, NORMAL, mean, std, 0.0, generator)


def uniform(tensor: Any, a: float = 0.0, b: float = 1.0, *, generator: Generator | None = None) -> None:
    """Fill ``tensor`` with draws from the uniform distribution on ``[a, b]``.

    Values are ``a + (b - a) * u`` with ``u`` uniform on ``[0, 1)``, rounded to
    the tensor's dtype, so they never leave ``[a, b]``.

    Args:
        tensor: a ``lucid.Tensor`` or a writable float NumPy ndarray, filled in place.
        a: the lower bound (finite).
        b: the upper bound (finite, ``>= a``).
        generator: the generator to draw from; the default generator if None.

    Raises:
        TypeError: ``tensor`` is not a tensor of float16/32/64, or a bound is not a number.
        ValueError: a bound is not finite, ``a > b``, or the tensor is read-only.

    Example:
        >>> import lucid
        >>> from lucid.nn.init import uniform
        >>> w = lucid.zeros(2, 3)
        >>> uniform(w, -1.0, 1.0, generator=lucid.random.Generator(0))
        >>> bool(((w.numpy() >= -1) & (w.numpy() <= 1)).all())
        True
    """
    fn = "uniform"
    array = _array(fn, tensor)
    low = _real(fn, "a", a)
    high = _real(fn, "b", b)
    if low > high:
        raise ValueError(f"{fn}(): a must be <= b, got a={low}, b={high}")
    gen = _generator(fn, generator)
    if not _is_empty(fn, array):
        _uniform(array, low, high, gen)


def normal(tensor: Any, mean: float = 0.0, std: float = 1.0, *, generator: Generator | None = None) -> None:
    """Fill ``tensor`` with draws from the normal distribution ``N(mean, std**2)``.

    Args:
        tensor: a ``lucid.Tensor`` or a writable float NumPy ndarray, filled in place.
        mean: the mean (finite).
        std: the standard deviation (finite, ``>= 0``).
        generator: the generator to draw from; the default generator if None.

    Raises:
        TypeError: ``tensor`` is not a tensor of float16/32/64, or ``mean``/``std`` is not a number.
        ValueError: ``mean`` or ``std`` is not finite, ``std < 0``, or the tensor is read-only.

    Example:
        >>> import lucid
        >>> from lucid.nn.init import normal
        >>> w = lucid.zeros(256, 256)
        >>> normal(w, mean=1.0, std=0.5, generator=lucid.random.Generator(0))
        >>> round(float(w.numpy().mean()), 1), round(float(w.numpy().std()), 1)
        (1.0, 0.5)
    """
    fn = "normal"
    array = _array(fn, tensor)
    mu = _real(fn, "mean", mean)
    sigma = _non_negative(fn, "std", std)
    gen = _generator(fn, generator)
    if not _is_empty(fn, array):
        _normal(array, mu, sigma, gen)


def constant(tensor: Any, val: float) -> None:
    """Fill ``tensor`` with the value ``val``.

    Args:
        tensor: a ``lucid.Tensor`` or a writable float NumPy ndarray, filled in place.
        val: the value (a real number; inf and nan are allowed, as in PyTorch).

    Raises:
        TypeError: ``tensor`` is not a tensor of float16/32/64, or ``val`` is not a real number.
        ValueError: the tensor is read-only.

    Example:
        >>> import lucid
        >>> from lucid.nn.init import constant
        >>> w = lucid.zeros(2)
        >>> constant(w, 0.5)
        >>> w
        Tensor([0.5, 0.5], requires_grad=False)
    """
    fn = "constant"
    array = _array(fn, tensor)
    if isinstance(val, bool) or not isinstance(val, numbers.Real):
        raise TypeError(f"{fn}(): val must be a real number, got {type(val).__name__}")
    if not _is_empty(fn, array):
        array[...] = val


# --- the variance-scaling core -------------------------------------------------------
def variance_scaling(
    tensor: Any,
    scale: float = 1.0,
    mode: str = "fan_in",
    distribution: str = "normal",
    *,
    generator: Generator | None = None,
    in_axis: int | tuple[int, ...] = 1,
    out_axis: int | tuple[int, ...] = 0,
    batch_axis: int | tuple[int, ...] = (),
) -> None:
    """Fill ``tensor`` with draws whose variance is ``scale / fan``.

    ``fan`` is ``fan_in``, ``fan_out`` or ``(fan_in + fan_out) / 2`` (``fan_avg``).
    ``distribution="normal"``: ``N(0, sigma**2)`` with ``sigma = sqrt(scale / fan)``;
    ``distribution="uniform"``: ``U(-bound, bound)`` with ``bound = sqrt(3 * scale / fan)``.
    The fan axes default to PyTorch's layout ``(out, in, *kernel)``.

    Args:
        tensor: a ``lucid.Tensor`` or a writable float NumPy ndarray with at least
            2 dimensions, filled in place.
        scale: the variance multiplier (finite, ``>= 0``).
        mode: ``"fan_in"``, ``"fan_out"`` or ``"fan_avg"``.
        distribution: ``"normal"`` or ``"uniform"``.
        generator: the generator to draw from; the default generator if None.
        in_axis, out_axis, batch_axis: the axes (an int or a tuple) holding the
            inputs, the outputs and the batch; all other axes form the receptive field.

    Raises:
        TypeError: ``tensor`` is not a tensor of float16/32/64, or an argument has the wrong type.
        ValueError: an unknown ``mode`` or ``distribution``, fewer than 2 dimensions,
            a bad axis, a negative or non-finite ``scale``, or a read-only tensor.

    Example:
        >>> import lucid
        >>> from lucid.nn.init import variance_scaling
        >>> w = lucid.zeros(512, 256)
        >>> variance_scaling(w, 2.0, "fan_in", generator=lucid.random.Generator(0))
        >>> round(float(w.numpy().std()) ** 2 * 256, 1)
        2.0
    """
    fn = "variance_scaling"
    _scaled(fn, _array(fn, tensor), math.sqrt(_non_negative(fn, "scale", scale)), mode, distribution, generator,
            in_axis, out_axis, batch_axis, modes=_FAN_MODES)


def _scaled(
    fn: str,
    array: np.ndarray,
    gain: float,
    mode: Any,
    distribution: Any,
    generator: Any,
    in_axis: Any = 1,
    out_axis: Any = 0,
    batch_axis: Any = (),
    modes: tuple[str, ...] = _FAN_MODES[:2],
) -> None:
    """The core under every fan-based initializer: standard deviation ``gain / sqrt(fan)``.

    ``gain = sqrt(scale)``; taking the gain keeps a tiny gain from underflowing when squared.
    ``array`` and ``gain`` come checked; ``fn`` names the public function in messages.
    """
    mode = _choice(fn, "mode", mode, modes)
    distribution = _choice(fn, "distribution", distribution, _DISTRIBUTIONS)
    if array.ndim < 2:
        raise ValueError(f"{fn}(): fans need a tensor with at least 2 dimensions, got shape {array.shape}")
    try:
        fan_in, fan_out = compute_fans(array.shape, in_axis, out_axis, batch_axis)
    except (TypeError, ValueError) as e:
        raise type(e)(f"{fn}(): {e}") from None
    gen = _generator(fn, generator)
    if _is_empty(fn, array):
        return
    fan = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[mode]
    std = gain / math.sqrt(fan)
    if distribution == "normal":
        _normal(array, 0.0, std, gen)
    else:
        bound = math.sqrt(3.0) * std
        _uniform(array, -bound, bound, gen)


# --- named initializers: one line each over the core --------------------------------------
def kaiming_normal(tensor: Any, mode: str = "fan_in", *, generator: Generator | None = None) -> None:
    """He initialization, normal: ``N(0, sigma**2)`` with ``sigma = sqrt(2 / fan)``.

    He, Zhang, Ren and Sun, "Delving Deep into Rectifiers" (2015). ``fan`` is
    ``fan_in`` (preserves the variance of the forward pass) or ``fan_out`` (of the backward pass).

    Args:
        tensor: a ``lucid.Tensor`` or a writable float NumPy ndarray with at least
            2 dimensions, filled in place.
        mode: ``"fan_in"`` or ``"fan_out"``.
        generator: the generator to draw from; the default generator if None.

    Raises:
        TypeError: ``tensor`` is not a tensor of float16/32/64.
        ValueError: ``mode`` is not ``"fan_in"`` or ``"fan_out"``, the tensor has fewer
            than 2 dimensions, or it is read-only.

    Example:
        >>> import lucid
        >>> from lucid.nn.init import kaiming_normal
        >>> w = lucid.zeros(256, 512)
        >>> kaiming_normal(w, generator=lucid.random.Generator(0))
        >>> round(float(w.numpy().std()) * (512 / 2) ** 0.5, 1)
        1.0
    """
    fn = "kaiming_normal"
    _scaled(fn, _array(fn, tensor), _SQRT2, mode, "normal", generator)


def kaiming_uniform(tensor: Any, mode: str = "fan_in", *, generator: Generator | None = None) -> None:
    """He initialization, uniform: ``U(-bound, bound)`` with ``bound = sqrt(6 / fan)``.

    Args:
        tensor: a ``lucid.Tensor`` or a writable float NumPy ndarray with at least
            2 dimensions, filled in place.
        mode: ``"fan_in"`` or ``"fan_out"``.
        generator: the generator to draw from; the default generator if None.

    Raises:
        TypeError: ``tensor`` is not a tensor of float16/32/64.
        ValueError: ``mode`` is not ``"fan_in"`` or ``"fan_out"``, the tensor has fewer
            than 2 dimensions, or it is read-only.

    Example:
        >>> import lucid
        >>> from lucid.nn.init import kaiming_uniform
        >>> w = lucid.zeros(64, 24)
        >>> kaiming_uniform(w, generator=lucid.random.Generator(0))
        >>> bool(abs(w.numpy()).max() <= 0.5)
        True
    """
    fn = "kaiming_uniform"
    _scaled(fn, _array(fn, tensor), _SQRT2, mode, "uniform", generator)


def xavier_normal(tensor: Any, gain: float = 1.0, *, generator: Generator | None = None) -> None:
    """Glorot initialization, normal: ``N(0, sigma**2)``, ``sigma = gain * sqrt(2 / (fan_in + fan_out))``.

    Glorot and Bengio, "Understanding the difficulty of training deep feedforward
    neural networks" (2010).

    Args:
        tensor: a ``lucid.Tensor`` or a writable float NumPy ndarray with at least
            2 dimensions, filled in place.
        gain: the scaling factor (finite, ``>= 0``).
        generator: the generator to draw from; the default generator if None.

    Raises:
        TypeError: ``tensor`` is not a tensor of float16/32/64, or ``gain`` is not a number.
        ValueError: ``gain`` is negative or not finite, the tensor has fewer than
            2 dimensions, or it is read-only.

    Example:
        >>> import lucid
        >>> from lucid.nn.init import xavier_normal
        >>> w = lucid.zeros(300, 500)
        >>> xavier_normal(w, generator=lucid.random.Generator(0))
        >>> round(float(w.numpy().std()) * (800 / 2) ** 0.5, 1)
        1.0
    """
    fn = "xavier_normal"
    _scaled(fn, _array(fn, tensor), _non_negative(fn, "gain", gain), "fan_avg", "normal", generator,
            modes=_FAN_MODES)


def xavier_uniform(tensor: Any, gain: float = 1.0, *, generator: Generator | None = None) -> None:
    """Glorot initialization, uniform: ``U(-bound, bound)``, ``bound = gain * sqrt(6 / (fan_in + fan_out))``.

    Args:
        tensor: a ``lucid.Tensor`` or a writable float NumPy ndarray with at least
            2 dimensions, filled in place.
        gain: the scaling factor (finite, ``>= 0``).
        generator: the generator to draw from; the default generator if None.

    Raises:
        TypeError: ``tensor`` is not a tensor of float16/32/64, or ``gain`` is not a number.
        ValueError: ``gain`` is negative or not finite, the tensor has fewer than
            2 dimensions, or it is read-only.

    Example:
        >>> import lucid
        >>> from lucid.nn.init import xavier_uniform
        >>> w = lucid.zeros(10, 14)
        >>> xavier_uniform(w, generator=lucid.random.Generator(0))
        >>> bool(abs(w.numpy()).max() <= 0.75)
        True
    """
    fn = "xavier_uniform"
    _scaled(fn, _array(fn, tensor), _non_negative(fn, "gain", gain), "fan_avg", "uniform", generator,
            modes=_FAN_MODES)
