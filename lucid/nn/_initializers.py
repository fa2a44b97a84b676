"""Lucid's initializers: the distributions, the variance-scaling core and every named initializer.

Every function fills its tensor in place and returns None; :mod:`lucid.nn._pytorch`
wraps them under PyTorch's names. Checks come first, then at most one kernel call
per draw: a bad call leaves the tensor bit-for-bit unchanged.
"""

from __future__ import annotations

import math
import numbers
import sys
from typing import Any

import numpy as np

from .. import _fill
from .._special import normal_cdf
from ..kernels import NORMAL, TRUNCATED_NORMAL, UNIFORM, compute_fans
from ..random import Generator
from ._checks import as_array, choice, generator_of, is_empty, ndim_in, non_negative, number, real
from ._gains import NONLINEARITIES, calculate_gain

__all__ = [
    "constant",
    "dirac",
    "eye",
    "glorot_normal",
    "glorot_uniform",
    "he_normal",
    "he_uniform",
    "kaiming_normal",
    "kaiming_uniform",
    "lecun_normal",
    "lecun_uniform",
    "normal",
    "ones",
    "orthogonal",
    "sparse",
    "trunc_normal",
    "uniform",
    "variance_scaling",
    "xavier_normal",
    "xavier_uniform",
    "zeros",
]

Axes = int | tuple[int, ...]

FAN_MODES = ("fan_in", "fan_out", "fan_avg")
DISTRIBUTIONS = ("truncated_normal", "normal", "untruncated_normal", "uniform")
# Standard deviation of the standard normal truncated to [-2, 2]: dividing by it gives the
# truncated draw the variance asked for (JAX and Keras use the same constant).
TRUNCATED_STD_2 = 0.87962566103423978


# --- plans: what a fill draws, as (kernel kind, parameters); the same for a tensor and for Dask chunks ----
Plan = tuple[int, tuple[float, ...]]


def uniform_plan(low: float, high: float) -> Plan:
    """``U(low, high)``, values kept in ``[low, high]``."""
    if not math.isfinite(high - low):
        raise ValueError(f"the uniform range [{low}, {high}] is wider than the largest float64")
    return UNIFORM, (low, high - low, high)


def normal_plan(mean: float, std: float) -> Plan:
    """``N(mean, std**2)`` by Box-Muller."""
    return NORMAL, (mean, std)


def truncated_normal_plan(mean: float, std: float, low: float, high: float) -> Plan:
    """``N(mean, std**2)`` conditioned on ``[low, high]``, by inversion of the CDF.

    The interval is mirrored into the lower tail when most of it lies above the
    mean, so the CDF values stay small and keep their relative precision even for
    bounds far in a tail.
    """
    if std == 0:
        return TRUNCATED_NORMAL, (mean, 0.0, 0.5, 0.0, low, high)
    alpha, beta = (low - mean) / std, (high - mean) / std
    mirror = alpha + beta > 0
    lo, hi = (-beta, -alpha) if mirror else (alpha, beta)
    p_low, p_high = normal_cdf(lo), normal_cdf(hi)
    if p_high < sys.float_info.min:
        raise ValueError(f"the interval [{low}, {high}] lies more than 37.5 standard deviations from the mean {mean}; "
                         "its probability is below float64's normal range")
    return TRUNCATED_NORMAL, (mean, -std if mirror else std, p_low, p_high - p_low, low, high)


def check_fits(fn: str, plan: Plan | None, dtype: np.dtype) -> None:
    """A uniform range must fit the output dtype, or its values would round to infinities."""
    if plan is not None and plan[0] == UNIFORM:
        largest = float(np.finfo(dtype).max)
        low, high = plan[1][0], plan[1][2]
        if not -largest <= low <= high <= largest:
            raise ValueError(f"{fn}(): the range [{low}, {high}] does not fit {dtype} (largest {largest:g})")


def fill_plan(fn: str, array: np.ndarray, plan: Plan | None, generator: Any) -> None:
    """Check the plan against the dtype and the generator, skip an empty tensor with a warning, else fill."""
    check_fits(fn, plan, array.dtype)
    gen = generator_of(fn, generator)
    if not is_empty(fn, array):
        assert plan is not None
        _fill.fill(array, plan[0], plan[1], gen)


def _plan(fn: str, make: Any, *args: float) -> Plan:
    """``make(*args)``, its ValueError prefixed with the function's name."""
    try:
        return make(*args)
    except ValueError as e:
        raise ValueError(f"{fn}(): {e}") from None


def uniform_args(fn: str, a: Any, b: Any) -> Plan:
    low, high = real(fn, "a", a), real(fn, "b", b)
    if low > high:
        raise ValueError(f"{fn}(): a must be <= b, got a={low}, b={high}")
    return _plan(fn, uniform_plan, low, high)


def normal_args(fn: str, mean: Any, std: Any) -> Plan:
    return normal_plan(real(fn, "mean", mean), non_negative(fn, "std", std))


def trunc_normal_args(fn: str, mean: Any, std: Any, a: Any, b: Any) -> Plan:
    mu, sigma = real(fn, "mean", mean), non_negative(fn, "std", std)
    low, high = number(fn, "a", a), number(fn, "b", b)
    if math.isnan(low) or math.isnan(high):
        raise ValueError(f"{fn}(): a and b must not be NaN, got a={low}, b={high}")
    if low > high:
        raise ValueError(f"{fn}(): a must be <= b, got a={low}, b={high}")
    return _plan(fn, truncated_normal_plan, mu, sigma, low, high)


# --- plain distributions ------------------------------------------------------------------
def uniform(tensor: Any, a: float = 0.0, b: float = 1.0, *, generator: Generator | None = None) -> None:
    """Fill ``tensor`` with draws from the uniform distribution on ``[a, b]``.

    Values are ``a + (b - a) * u`` with ``u`` uniform on ``[0, 1)``, rounded to
    the tensor's dtype, so they never leave ``[a, b]``.

    Args:
        tensor: a ``lucid.Tensor``, a writable float NumPy ndarray or a PyTorch CPU
            tensor, filled in place.
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
    array = as_array(fn, tensor)
    fill_plan(fn, array, uniform_args(fn, a, b), generator)


def normal(tensor: Any, mean: float = 0.0, std: float = 1.0, *, generator: Generator | None = None) -> None:
    """Fill ``tensor`` with draws from the normal distribution ``N(mean, std**2)``.

    Args:
        tensor: a ``lucid.Tensor``, a writable float NumPy ndarray or a PyTorch CPU
            tensor, filled in place.
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
    array = as_array(fn, tensor)
    fill_plan(fn, array, normal_args(fn, mean, std), generator)


def trunc_normal(tensor: Any, mean: float = 0.0, std: float = 1.0, a: float = -2.0, b: float = 2.0, *,
                 generator: Generator | None = None) -> None:
    """Fill ``tensor`` with draws from ``N(mean, std**2)`` truncated to ``[a, b]``.

    ``a`` and ``b`` are absolute bounds (as in PyTorch), not multiples of ``std``.
    Each value is ``Phi^-1`` of a uniform draw between ``Phi((a - mean) / std)``
    and ``Phi((b - mean) / std)``: one draw per element, no rejection, so the
    stream contract holds and bounds far in a tail (``a = 3, b = 6``) cost the same.
    No value ever leaves ``[a, b]``.

    Args:
        tensor: a ``lucid.Tensor``, a writable float NumPy ndarray or a PyTorch CPU
            tensor, filled in place.
        mean: the mean of the untruncated normal (finite).
        std: its standard deviation (finite, ``>= 0``).
        a: the lower bound (may be ``-inf``).
        b: the upper bound (may be ``inf``, ``>= a``).
        generator: the generator to draw from; the default generator if None.

    Raises:
        TypeError: ``tensor`` is not a tensor of float16/32/64, or an argument is not a number.
        ValueError: ``mean`` or ``std`` not finite, ``std < 0``, a NaN bound, ``a > b``,
            or a read-only tensor.

    Example:
        >>> import lucid
        >>> from lucid.nn.init import trunc_normal
        >>> w = lucid.zeros(1000)
        >>> trunc_normal(w, a=3.0, b=6.0, generator=lucid.random.Generator(0))
        >>> bool(w.numpy().min() >= 3.0 and w.numpy().max() <= 6.0)
        True
    """
    fn = "trunc_normal"
    array = as_array(fn, tensor)
    fill_plan(fn, array, trunc_normal_args(fn, mean, std, a, b), generator)


def constant(tensor: Any, val: float) -> None:
    """Fill ``tensor`` with the value ``val``.

    Args:
        tensor: a ``lucid.Tensor``, a writable float NumPy ndarray or a PyTorch CPU
            tensor, filled in place.
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
    array = as_array(fn, tensor)
    value = number(fn, "val", val)
    if not is_empty(fn, array):
        array[...] = value


def ones(tensor: Any) -> None:
    """Fill ``tensor`` with ones (see :func:`constant`).

    Example:
        >>> import lucid
        >>> from lucid.nn.init import ones
        >>> w = lucid.zeros(2)
        >>> ones(w)
        >>> w.tolist()
        [1.0, 1.0]
    """
    fn = "ones"
    array = as_array(fn, tensor)
    if not is_empty(fn, array):
        array[...] = 1


def zeros(tensor: Any) -> None:
    """Fill ``tensor`` with zeros (see :func:`constant`).

    Example:
        >>> import lucid
        >>> from lucid.nn.init import zeros
        >>> w = lucid.ones(2)
        >>> zeros(w)
        >>> w.tolist()
        [0.0, 0.0]
    """
    fn = "zeros"
    array = as_array(fn, tensor)
    if not is_empty(fn, array):
        array[...] = 0


# --- the variance-scaling core -------------------------------------------------------------
def scaled_plan(
    fn: str,
    shape: tuple[int, ...],
    gain: float,
    mode: Any,
    distribution: Any,
    in_axis: Any = 1,
    out_axis: Any = 0,
    batch_axis: Any = (),
    modes: tuple[str, ...] = FAN_MODES[:2],
) -> Plan | None:
    """The core under every fan-based initializer: standard deviation ``gain / sqrt(fan)``.

    ``gain = sqrt(scale)``: taking the gain keeps a tiny gain from underflowing when
    squared. ``fn`` names the caller in messages. The truncated normal is cut at two
    of its own (pre-truncation) standard deviations and widened by ``1 / TRUNCATED_STD_2``
    so the result has the asked-for variance. None for a shape with no elements.
    """
    mode = choice(fn, "mode", mode, modes)
    distribution = choice(fn, "distribution", distribution, DISTRIBUTIONS)
    if len(shape) < 2:
        raise ValueError(f"{fn}(): fans need a tensor with at least 2 dimensions, got shape {shape}")
    try:
        fan_in, fan_out = compute_fans(shape, in_axis, out_axis, batch_axis)
    except (TypeError, ValueError) as e:
        raise type(e)(f"{fn}(): {e}") from None
    if 0 in shape:
        return None
    fan = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[mode]
    std = gain / math.sqrt(fan)
    if distribution == "uniform":
        bound = math.sqrt(3.0) * std
        return _plan(fn, uniform_plan, -bound, bound)
    if distribution == "truncated_normal":
        std /= TRUNCATED_STD_2
        return truncated_normal_plan(0.0, std, -2.0 * std, 2.0 * std)
    return normal_plan(0.0, std)


def variance_scaling_args(fn: str, shape: tuple[int, ...], scale: Any, mode: Any, distribution: Any,
                          in_axis: Any, out_axis: Any, batch_axis: Any) -> Plan | None:
    return scaled_plan(fn, shape, math.sqrt(non_negative(fn, "scale", scale)), mode, distribution,
                       in_axis, out_axis, batch_axis, modes=FAN_MODES)


def kaiming_args(fn: str, shape: tuple[int, ...], mode: Any, a: Any, nonlinearity: Any, distribution: str,
                 in_axis: Any, out_axis: Any, batch_axis: Any) -> Plan | None:
    gain = calculate_gain(choice(fn, "nonlinearity", nonlinearity, NONLINEARITIES), real(fn, "a", a))
    return scaled_plan(fn, shape, gain, mode, distribution, in_axis, out_axis, batch_axis)


def xavier_args(fn: str, shape: tuple[int, ...], gain: Any, distribution: str, in_axis: Any, out_axis: Any,
                batch_axis: Any) -> Plan | None:
    return scaled_plan(fn, shape, non_negative(fn, "gain", gain), "fan_avg", distribution, in_axis, out_axis,
                       batch_axis, modes=FAN_MODES)


def variance_scaling(
    tensor: Any,
    scale: float = 1.0,
    mode: str = "fan_in",
    distribution: str = "truncated_normal",
    *,
    generator: Generator | None = None,
    in_axis: Axes = 1,
    out_axis: Axes = 0,
    batch_axis: Axes = (),
) -> None:
    """Fill ``tensor`` with draws whose variance is ``scale / fan`` (JAX's and Keras's ``variance_scaling``).

    ``fan`` is ``fan_in``, ``fan_out`` or ``(fan_in + fan_out) / 2`` (``fan_avg``).

    * ``"truncated_normal"``: ``N(0, sigma**2)`` cut at ``+-2 sigma``, with
      ``sigma = sqrt(scale / fan) / 0.87962566103423978`` so the result has variance ``scale / fan``;
    * ``"normal"`` (or ``"untruncated_normal"``): ``N(0, scale / fan)``;
    * ``"uniform"``: ``U(-bound, bound)`` with ``bound = sqrt(3 * scale / fan)``.

    Fans use the axes given, PyTorch's layout ``(out, in, *kernel)`` by default
    (``in_axis=1, out_axis=0``). For a JAX ``(in, out)`` kernel or an HWIO convolution
    pass ``in_axis=-2, out_axis=-1``. ``batch_axis`` axes count in neither fan.

    Args:
        tensor: a ``lucid.Tensor``, a writable float NumPy ndarray or a PyTorch CPU
            tensor with at least 2 dimensions, filled in place.
        scale: the variance multiplier (finite, ``>= 0``).
        mode: ``"fan_in"``, ``"fan_out"`` or ``"fan_avg"``.
        distribution: ``"truncated_normal"``, ``"normal"``, ``"untruncated_normal"`` or ``"uniform"``.
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
        >>> w = lucid.zeros(3, 3, 64, 128)  # HWIO
        >>> variance_scaling(w, 2.0, "fan_in", "normal", in_axis=-2, out_axis=-1,
        ...                  generator=lucid.random.Generator(0))
        >>> round(float(w.numpy().std()) ** 2 * (3 * 3 * 64), 1)
        2.0
    """
    fn = "variance_scaling"
    array = as_array(fn, tensor)
    plan = variance_scaling_args(fn, array.shape, scale, mode, distribution, in_axis, out_axis, batch_axis)
    fill_plan(fn, array, plan, generator)


def _jax_alias(name: str, scale: float, mode: str, distribution: str, paper: str) -> Any:
    def initializer(tensor: Any, *, generator: Generator | None = None, in_axis: Axes = 1, out_axis: Axes = 0,
                    batch_axis: Axes = ()) -> None:
        array = as_array(name, tensor)
        plan = variance_scaling_args(name, array.shape, scale, mode, distribution, in_axis, out_axis, batch_axis)
        fill_plan(name, array, plan, generator)

    initializer.__name__ = initializer.__qualname__ = name
    initializer.__doc__ = f"""``variance_scaling(tensor, {scale}, "{mode}", "{distribution}")``: {paper}.

    Takes the keyword-only ``generator``, ``in_axis``, ``out_axis`` and ``batch_axis`` of
    :func:`variance_scaling`; fans default to PyTorch's layout ``(out, in, *kernel)``.

    Example:
        >>> import lucid
        >>> from lucid.nn.init import {name}
        >>> w = lucid.zeros(64, 32)
        >>> {name}(w, generator=lucid.random.Generator(0))
    """
    return initializer


lecun_normal = _jax_alias("lecun_normal", 1.0, "fan_in", "truncated_normal", "LeCun normal (LeCun et al., 1998)")
lecun_uniform = _jax_alias("lecun_uniform", 1.0, "fan_in", "uniform", "LeCun uniform (LeCun et al., 1998)")
glorot_normal = _jax_alias("glorot_normal", 1.0, "fan_avg", "truncated_normal", "Glorot normal (Glorot & Bengio, 2010)")
glorot_uniform = _jax_alias("glorot_uniform", 1.0, "fan_avg", "uniform", "Glorot uniform (Glorot & Bengio, 2010)")
he_normal = _jax_alias("he_normal", 2.0, "fan_in", "truncated_normal", "He normal (He et al., 2015)")
he_uniform = _jax_alias("he_uniform", 2.0, "fan_in", "uniform", "He uniform (He et al., 2015)")


def kaiming_normal(tensor: Any, mode: str = "fan_in", *, a: float = 0.0, nonlinearity: str = "leaky_relu",
                   generator: Generator | None = None, in_axis: Axes = 1, out_axis: Axes = 0,
                   batch_axis: Axes = ()) -> None:
    """He initialization, normal: ``N(0, sigma**2)`` with ``sigma = gain / sqrt(fan)``.

    He, Zhang, Ren and Sun, "Delving Deep into Rectifiers" (2015). With the defaults
    (``a=0``, ``nonlinearity="leaky_relu"``) the gain is ``sqrt(2)``, so
    ``sigma = sqrt(2 / fan)``. ``fan`` is ``fan_in`` (keeps the variance of the
    forward pass) or ``fan_out`` (of the backward pass).

    Args:
        tensor: a ``lucid.Tensor``, a writable float NumPy ndarray or a PyTorch CPU
            tensor with at least 2 dimensions, filled in place.
        mode: ``"fan_in"`` or ``"fan_out"``.
        a: the negative slope of the rectifier after this layer (for ``leaky_relu``).
        nonlinearity: a name :func:`calculate_gain` knows; ``"relu"`` or ``"leaky_relu"`` are the usual.
        generator: the generator to draw from; the default generator if None.
        in_axis, out_axis, batch_axis: fan axes, as in :func:`variance_scaling`.

    Raises:
        TypeError: ``tensor`` is not a tensor of float16/32/64, or ``a`` is not a number.
        ValueError: ``mode`` is not ``"fan_in"`` or ``"fan_out"``, an unknown nonlinearity,
            fewer than 2 dimensions, a bad axis, or a read-only tensor.

    Example:
        >>> import lucid
        >>> from lucid.nn.init import kaiming_normal
        >>> w = lucid.zeros(256, 512)
        >>> kaiming_normal(w, generator=lucid.random.Generator(0))
        >>> round(float(w.numpy().std()) * (512 / 2) ** 0.5, 1)
        1.0
    """
    fn = "kaiming_normal"
    array = as_array(fn, tensor)
    plan = kaiming_args(fn, array.shape, mode, a, nonlinearity, "normal", in_axis, out_axis, batch_axis)
    fill_plan(fn, array, plan, generator)


def kaiming_uniform(tensor: Any, mode: str = "fan_in", *, a: float = 0.0, nonlinearity: str = "leaky_relu",
                    generator: Generator | None = None, in_axis: Axes = 1, out_axis: Axes = 0,
                    batch_axis: Axes = ()) -> None:
    """He initialization, uniform: ``U(-bound, bound)`` with ``bound = gain * sqrt(3 / fan)``.

    With the defaults (``a=0``, ``nonlinearity="leaky_relu"``) ``bound = sqrt(6 / fan)``.

    Args:
        tensor: a ``lucid.Tensor``, a writable float NumPy ndarray or a PyTorch CPU
            tensor with at least 2 dimensions, filled in place.
        mode: ``"fan_in"`` or ``"fan_out"``.
        a: the negative slope of the rectifier after this layer (for ``leaky_relu``).
        nonlinearity: a name :func:`calculate_gain` knows.
        generator: the generator to draw from; the default generator if None.
        in_axis, out_axis, batch_axis: fan axes, as in :func:`variance_scaling`.

    Raises:
        TypeError: ``tensor`` is not a tensor of float16/32/64, or ``a`` is not a number.
        ValueError: ``mode`` is not ``"fan_in"`` or ``"fan_out"``, an unknown nonlinearity,
            fewer than 2 dimensions, a bad axis, or a read-only tensor.

    Example:
        >>> import lucid
        >>> from lucid.nn.init import kaiming_uniform
        >>> w = lucid.zeros(64, 24)
        >>> kaiming_uniform(w, generator=lucid.random.Generator(0))
        >>> bool(abs(w.numpy()).max() <= 0.5)
        True
    """
    fn = "kaiming_uniform"
    array = as_array(fn, tensor)
    plan = kaiming_args(fn, array.shape, mode, a, nonlinearity, "uniform", in_axis, out_axis, batch_axis)
    fill_plan(fn, array, plan, generator)


def xavier_normal(tensor: Any, gain: float = 1.0, *, generator: Generator | None = None, in_axis: Axes = 1,
                  out_axis: Axes = 0, batch_axis: Axes = ()) -> None:
    """Glorot initialization, normal: ``N(0, sigma**2)``, ``sigma = gain * sqrt(2 / (fan_in + fan_out))``.

    Glorot and Bengio, "Understanding the difficulty of training deep feedforward
    neural networks" (2010).

    Args:
        tensor: a ``lucid.Tensor``, a writable float NumPy ndarray or a PyTorch CPU
            tensor with at least 2 dimensions, filled in place.
        gain: the scaling factor (finite, ``>= 0``).
        generator: the generator to draw from; the default generator if None.
        in_axis, out_axis, batch_axis: fan axes, as in :func:`variance_scaling`.

    Raises:
        TypeError: ``tensor`` is not a tensor of float16/32/64, or ``gain`` is not a number.
        ValueError: ``gain`` is negative or not finite, fewer than 2 dimensions, a bad axis,
            or a read-only tensor.

    Example:
        >>> import lucid
        >>> from lucid.nn.init import xavier_normal
        >>> w = lucid.zeros(300, 500)
        >>> xavier_normal(w, generator=lucid.random.Generator(0))
        >>> round(float(w.numpy().std()) * (800 / 2) ** 0.5, 1)
        1.0
    """
    fn = "xavier_normal"
    array = as_array(fn, tensor)
    fill_plan(fn, array, xavier_args(fn, array.shape, gain, "normal", in_axis, out_axis, batch_axis), generator)


def xavier_uniform(tensor: Any, gain: float = 1.0, *, generator: Generator | None = None, in_axis: Axes = 1,
                   out_axis: Axes = 0, batch_axis: Axes = ()) -> None:
    """Glorot initialization, uniform: ``U(-bound, bound)``, ``bound = gain * sqrt(6 / (fan_in + fan_out))``.

    Args:
        tensor: a ``lucid.Tensor``, a writable float NumPy ndarray or a PyTorch CPU
            tensor with at least 2 dimensions, filled in place.
        gain: the scaling factor (finite, ``>= 0``).
        generator: the generator to draw from; the default generator if None.
        in_axis, out_axis, batch_axis: fan axes, as in :func:`variance_scaling`.

    Raises:
        TypeError: ``tensor`` is not a tensor of float16/32/64, or ``gain`` is not a number.
        ValueError: ``gain`` is negative or not finite, fewer than 2 dimensions, a bad axis,
            or a read-only tensor.

    Example:
        >>> import lucid
        >>> from lucid.nn.init import xavier_uniform
        >>> w = lucid.zeros(10, 14)
        >>> xavier_uniform(w, generator=lucid.random.Generator(0))
        >>> bool(abs(w.numpy()).max() <= 0.75)
        True
    """
    fn = "xavier_uniform"
    array = as_array(fn, tensor)
    fill_plan(fn, array, xavier_args(fn, array.shape, gain, "uniform", in_axis, out_axis, batch_axis), generator)


# --- structured initializers ------------------------------------------------------------------
def eye(tensor: Any) -> None:
    """Fill a 2-D ``tensor`` with the identity: ones on the diagonal, zeros elsewhere.

    Raises:
        TypeError: ``tensor`` is not a tensor of float16/32/64.
        ValueError: ``tensor`` is not 2-D, or it is read-only.

    Example:
        >>> import lucid
        >>> from lucid.nn.init import eye
        >>> w = lucid.empty(2, 3)
        >>> eye(w)
        >>> w.tolist()
        [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]
    """
    fn = "eye"
    array = as_array(fn, tensor)
    ndim_in(fn, array, (2,), "2 dimensions")
    if not is_empty(fn, array):
        array[...] = 0
        np.fill_diagonal(array, 1)


def dirac(tensor: Any, groups: int = 1) -> None:
    """Fill a 3-, 4- or 5-D convolution weight with the Dirac delta: the layer passes its input through.

    In each of ``groups`` groups of output channels, output channel ``d`` gets a 1 at
    input channel ``d`` and the centre of the kernel, for ``d < min(out / groups, in)``;
    everything else is zero (PyTorch's definition).

    Args:
        tensor: a ``lucid.Tensor``, a writable float NumPy ndarray or a PyTorch CPU
            tensor of shape ``(out, in, *kernel)``.
        groups: the number of groups (``out`` must be divisible by it).

    Raises:
        TypeError: ``tensor`` is not a tensor of float16/32/64, or ``groups`` is not an int.
        ValueError: not 3-5 dimensions, ``groups < 1`` or not dividing ``out``, or a read-only tensor.

    Example:
        >>> import lucid
        >>> from lucid.nn.init import dirac
        >>> w = lucid.empty(2, 2, 3)
        >>> dirac(w)
        >>> w.numpy()[:, :, 1].tolist()
        [[1.0, 0.0], [0.0, 1.0]]
    """
    fn = "dirac"
    array = as_array(fn, tensor)
    ndim_in(fn, array, (3, 4, 5), "3, 4 or 5 dimensions")
    if isinstance(groups, bool) or not isinstance(groups, numbers.Integral):
        raise TypeError(f"{fn}(): groups must be an int, got {type(groups).__name__}")
    groups = int(groups)
    if groups < 1 or array.shape[0] % groups:
        raise ValueError(f"{fn}(): dim 0 ({array.shape[0]}) must be divisible by groups >= 1, got groups={groups}")
    if is_empty(fn, array):
        return
    per_group = array.shape[0] // groups
    centre = tuple(k // 2 for k in array.shape[2:])
    array[...] = 0
    for g in range(groups):
        for d in range(min(per_group, array.shape[1])):
            array[(g * per_group + d, d) + centre] = 1


def orthogonal(tensor: Any, gain: float = 1.0, *, generator: Generator | None = None) -> None:
    """Fill ``tensor`` with a (semi-)orthogonal matrix drawn from the Haar measure, times ``gain``.

    Saxe, McClelland and Ganguli (2013). Trailing dimensions are flattened:
    ``rows = shape[0]``, ``cols = size / rows``. A ``rows x cols`` standard normal
    matrix (transposed if wide) is factored ``Q R``; multiplying ``Q``'s columns by
    the signs of ``R``'s diagonal makes ``Q`` Haar-distributed. Tall results have
    orthonormal columns, wide ones orthonormal rows.

    The normal draws follow the stream contract; the QR factorization is NumPy's
    (LAPACK), so the last bits can differ between LAPACK builds.

    Args:
        tensor: a ``lucid.Tensor``, a writable float NumPy ndarray or a PyTorch CPU
            tensor with at least 2 dimensions, filled in place.
        gain: the scaling factor (finite, ``>= 0``).
        generator: the generator to draw from; the default generator if None.

    Raises:
        TypeError: ``tensor`` is not a tensor of float16/32/64, or ``gain`` is not a number.
        ValueError: fewer than 2 dimensions, ``gain`` negative or not finite, or a read-only tensor.

    Example:
        >>> import numpy as np, lucid
        >>> from lucid.nn.init import orthogonal
        >>> w = lucid.zeros(4, 3, dtype=lucid.float64)
        >>> orthogonal(w, generator=lucid.random.Generator(0))
        >>> bool(np.allclose(w.numpy().T @ w.numpy(), np.eye(3)))
        True
    """
    fn = "orthogonal"
    array = as_array(fn, tensor)
    g = non_negative(fn, "gain", gain)
    if array.ndim < 2:
        raise ValueError(f"{fn}(): needs a tensor with at least 2 dimensions, got shape {array.shape}")
    gen = generator_of(fn, generator)
    if is_empty(fn, array):
        return
    rows = array.shape[0]
    cols = array.size // rows
    wide = rows < cols
    gaussian = np.empty((cols, rows) if wide else (rows, cols), np.float64)
    _fill.fill(gaussian, *normal_plan(0.0, 1.0), gen)
    q, r = np.linalg.qr(gaussian)
    q *= np.where(np.diagonal(r) < 0, -1.0, 1.0)
    if wide:
        q = q.T
    array[...] = (g * q).reshape(array.shape)


def sparse(tensor: Any, sparsity: float, std: float = 0.01, *, generator: Generator | None = None) -> None:
    """Fill a 2-D ``tensor`` with ``N(0, std**2)`` values and zero a fraction of each column.

    Martens (2010). In every column, ``ceil(sparsity * rows)`` rows chosen uniformly at
    random are set to zero. Two draws: one for the values, one for the choice of zeros.

    Args:
        tensor: a ``lucid.Tensor``, a writable float NumPy ndarray or a PyTorch CPU 2-D tensor.
        sparsity: the fraction of each column to zero, in ``[0, 1]``.
        std: the standard deviation of the non-zero values (finite, ``>= 0``).
        generator: the generator to draw from; the default generator if None.

    Raises:
        TypeError: ``tensor`` is not a tensor of float16/32/64, or an argument is not a number.
        ValueError: ``tensor`` is not 2-D, ``sparsity`` outside ``[0, 1]``, a bad ``std``,
            or a read-only tensor.

    Example:
        >>> import lucid
        >>> from lucid.nn.init import sparse
        >>> w = lucid.zeros(10, 4)
        >>> sparse(w, 0.3, generator=lucid.random.Generator(0))
        >>> (w.numpy() == 0).sum(axis=0).tolist()
        [3, 3, 3, 3]
    """
    fn = "sparse"
    array = as_array(fn, tensor)
    ndim_in(fn, array, (2,), "2 dimensions")
    fraction = real(fn, "sparsity", sparsity)
    if not 0 <= fraction <= 1:
        raise ValueError(f"{fn}(): sparsity must be in [0, 1], got {fraction}")
    sigma = non_negative(fn, "std", std)
    gen = generator_of(fn, generator)
    if is_empty(fn, array):
        return
    rows, cols = array.shape
    k0, k1, values_draw = gen._take_draw()
    _, _, keys_draw = gen._take_draw()
    key = k0 | (k1 << 32)
    # The zeros are chosen before the tensor is touched: nothing can fail after the first write.
    keys = np.empty((rows, cols), np.float64)
    _fill.fill_stream(keys, *uniform_plan(0.0, 1.0), key, keys_draw)
    chosen = np.argsort(keys, axis=0, kind="stable")[: math.ceil(fraction * rows)]
    _fill.fill_stream(array, *normal_plan(0.0, sigma), key, values_draw)
    array[chosen, np.arange(cols)] = 0
