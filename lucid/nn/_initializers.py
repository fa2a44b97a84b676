"""Lucid's initializers: the distributions, the variance-scaling core and every named initializer.

Every function fills its tensor in place and returns None; :mod:`lucid.nn._pytorch`
wraps them under PyTorch's names. Checks come first, then at most one kernel call
per draw: a bad call leaves the tensor bit-for-bit unchanged.
"""

from __future__ import annotations

import functools
import itertools
import math
import numbers
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np

from .. import _fill
from .._plans import Constant, Normal, Plan, TruncatedNormal, Uniform
from .._special import normal_cdf
from .._tensor import Tensor
from ..kernels import compute_fans
from ..random import Generator, default_generator
from ._checks import (
    Target,
    as_target,
    bump_versions,
    bumps_version_itself,
    choice,
    generator_of,
    is_empty,
    ndim_in,
    non_negative,
    number,
    real,
)
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
    "truncated_normal",
    "uniform",
    "variance_scaling",
    "xavier_normal",
    "xavier_uniform",
    "zeros",
]

Axes = int | tuple[int, ...]

FAN_MODES = ("fan_in", "fan_out", "fan_avg", "fan_geo_avg")
DISTRIBUTIONS = ("truncated_normal", "normal", "untruncated_normal", "uniform")
# Standard deviation of the standard normal truncated to [-2, 2]: dividing by it gives the
# truncated draw the variance asked for (JAX and Keras use the same constant).
TRUNCATED_STD_2 = 0.87962566103423978


# --- plans: what a fill draws (lucid._plans); the same for a tensor and for Dask chunks ------------------
def uniform_plan(low: float, high: float) -> Uniform:
    """``U(low, high)``, values kept in ``[low, high]``."""
    if not math.isfinite(high - low):
        raise ValueError(f"the uniform range [{low}, {high}] is wider than the largest float64")
    return Uniform(low, high - low, high)


def normal_plan(mean: float, std: float) -> Normal:
    """``N(mean, std**2)`` by Box-Muller."""
    return Normal(mean, std)


def truncated_normal_plan(mean: float, std: float, alpha: float, beta: float, low: float, high: float
                          ) -> TruncatedNormal:
    """``mean + std * z`` for ``z`` standard normal conditioned on ``[alpha, beta]``, clamped to ``[low, high]``.

    By inversion of the CDF. The interval is mirrored into the lower tail when most of
    it lies above zero, so the CDF values stay small and keep their relative precision
    even for bounds far in a tail.
    """
    if std == 0:
        return TruncatedNormal(mean, 0.0, 0.5, 0.0, low, high)
    mirror = alpha + beta > 0
    lo, hi = (-beta, -alpha) if mirror else (alpha, beta)
    p_low, p_high = normal_cdf(lo), normal_cdf(hi)
    if p_high < sys.float_info.min:
        raise ValueError(f"the interval [{low}, {high}] lies more than 37.5 standard deviations from the mean {mean}; "
                         "its probability is below float64's normal range")
    return TruncatedNormal(mean, -std if mirror else std, p_low, p_high - p_low, low, high)


def absolute_truncated_plan(mean: float, std: float, low: float, high: float) -> TruncatedNormal:
    """``N(mean, std**2)`` conditioned on the absolute bounds ``[low, high]`` (PyTorch's ``trunc_normal_``)."""
    if std == 0:
        return truncated_normal_plan(mean, 0.0, 0.0, 0.0, low, high)
    return truncated_normal_plan(mean, std, (low - mean) / std, (high - mean) / std, low, high)


def standard_truncated_plan(mean: float, std: float, alpha: float, beta: float) -> TruncatedNormal:
    """``mean + std * z``, ``z`` standard normal conditioned on ``[alpha, beta]`` (JAX's and timm's ``_tf_``)."""
    if std == 0:
        return truncated_normal_plan(mean, 0.0, 0.0, 0.0, mean, mean)
    return truncated_normal_plan(mean, std, alpha, beta, mean + std * alpha, mean + std * beta)


# Largest finite value of each dtype Lucid fills (np.finfo does not know bfloat16 everywhere).
LARGEST = {"float16": 65504.0, "bfloat16": 3.3895313892515355e38, "float32": 3.4028234663852886e38,
           "float64": sys.float_info.max}


_LARGEST_BY_DTYPE: dict[np.dtype, float] = {}


def _largest(dtype: np.dtype) -> float:
    """``LARGEST[dtype.name]``, remembered by dtype: NumPy 2 computes ``dtype.name`` in Python (3 us a call)."""
    largest = _LARGEST_BY_DTYPE.get(dtype)
    if largest is None:
        largest = _LARGEST_BY_DTYPE[dtype] = LARGEST[dtype.name]
    return largest


def check_fits(fn: str, plan: Plan | None, dtype: np.dtype) -> None:
    """Every value the plan can produce must be finite in ``dtype``: else ValueError, before any write.

    The reach of a random plan is known from the stream specification (``Plan.extremes``),
    so a call that could write an infinity is refused whether or not this draw would.
    Non-finite constants are written as asked (PyTorch allows them).
    """
    if plan is None:
        return
    lo, hi = plan.extremes()
    if isinstance(plan, Constant) and not math.isfinite(plan.value):
        return
    largest = _largest(dtype)
    if not -largest <= lo <= hi <= largest:
        what = f"the value {lo:g}" if lo == hi else f"values in [{lo:g}, {hi:g}]"
        raise ValueError(f"{fn}(): {what} would overflow {dtype.name} (largest finite value {largest:g}); "
                         "use a wider dtype or smaller arguments")


def fill_plan(fn: str, target: Target, plan: Plan | None, generator: Any) -> None:
    """Check the plan against the dtype and the generator, skip an empty tensor with a warning, else fill.

    A shard takes its draw even when its own block is empty, so every shard of a tensor
    draws the same number and the generators stay in step.
    """
    check_fits(fn, plan, target.array.dtype)
    gen = generator_of(fn, generator)
    if is_empty(fn, target):
        return
    assert plan is not None
    key, draw = gen.take_draw()
    fill_drawn(target, plan, key, draw)


def fill_drawn(target: Target, plan: Plan, key: int, draw: int) -> None:
    """Write draw ``draw`` under ``key`` into a whole tensor or a shard (Dask chunks come here too)."""
    if target.offset is None:
        _fill.fill_stream(target.array, plan, key, draw)
    else:
        _fill.fill_box(target.array, plan, key, draw, target.shape, target.offset)


def _plan(fn: str, make: Any, *args: float) -> Any:
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


def trunc_normal_args(fn: str, mean: Any, std: Any, a: Any, b: Any, *, standard: bool = False,
                      names: tuple[str, str, str, str] = ("mean", "std", "a", "b")) -> Plan:
    """A truncated normal's plan: absolute bounds ``[a, b]``, or bounds in standard deviations if ``standard``.

    ``names`` are the caller's names of the four arguments, for the messages.
    """
    mu, sigma = real(fn, names[0], mean), non_negative(fn, names[1], std)
    low, high = number(fn, names[2], a), number(fn, names[3], b)
    if math.isnan(low) or math.isnan(high):
        raise ValueError(f"{fn}(): {names[2]} and {names[3]} must not be NaN, got {low} and {high}")
    if low > high:
        raise ValueError(f"{fn}(): {names[2]} must be <= {names[3]}, got {names[2]}={low}, {names[3]}={high}")
    return _plan(fn, standard_truncated_plan if standard else absolute_truncated_plan, mu, sigma, low, high)


# --- plain distributions ------------------------------------------------------------------
@bumps_version_itself
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
    initialize("uniform", tensor, generator, _uniform_plan, a, b, signed=True)


@bumps_version_itself
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
    initialize("normal", tensor, generator, _normal_plan, mean, std, signed=True)


@bumps_version_itself
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
    initialize("trunc_normal", tensor, generator, _trunc_normal_plan, mean, std, a, b, signed=True)


@bumps_version_itself
def truncated_normal(tensor: Any, stddev: float = 1e-2, lower: float = -2.0, upper: float = 2.0, *,
                     generator: Generator | None = None) -> None:
    """JAX's ``truncated_normal``: ``stddev * z`` for ``z`` standard normal conditioned on ``[lower, upper]``.

    The bounds are in standard deviations (JAX's and Keras's convention), not absolute
    values as in :func:`trunc_normal`; ``stddev`` scales the truncated draw as it is, so
    the values' standard deviation is below ``stddev`` (about ``0.88 * stddev`` for the
    default bounds). Drawn by inversion of the CDF like :func:`trunc_normal`.

    Args:
        tensor: a ``lucid.Tensor``, a writable float NumPy ndarray or a PyTorch CPU
            tensor, filled in place.
        stddev: the scale (finite, ``>= 0``).
        lower: the lower bound in standard deviations (may be ``-inf``).
        upper: the upper bound in standard deviations (may be ``inf``, ``>= lower``).
        generator: the generator to draw from; the default generator if None.

    Raises:
        TypeError: ``tensor`` is not a float tensor, or an argument is not a number.
        ValueError: ``stddev`` negative or not finite, a NaN bound, ``lower > upper``, values
            that would overflow the dtype, or a read-only tensor.

    Example:
        >>> import lucid
        >>> from lucid.nn.init import truncated_normal
        >>> w = lucid.zeros(1000)
        >>> truncated_normal(w, 0.5, -1.0, 1.0, generator=lucid.random.Generator(0))
        >>> bool(abs(w.numpy()).max() <= 0.5)
        True
    """
    initialize("truncated_normal", tensor, generator, _truncated_normal_plan, stddev, lower, upper, signed=True)


def constant(tensor: Any, val: float) -> None:
    """Fill ``tensor`` with the value ``val``.

    Args:
        tensor: a ``lucid.Tensor``, a writable float NumPy ndarray or a PyTorch CPU
            tensor, filled in place.
        val: the value (a real number; inf and nan are allowed, as in PyTorch), rounded
            once to the dtype.

    Raises:
        TypeError: ``tensor`` is not a tensor of float16/32/64, or ``val`` is not a real number.
        ValueError: a finite ``val`` that overflows the dtype (``1e6`` in float16), or a read-only tensor.

    Example:
        >>> import lucid
        >>> from lucid.nn.init import constant
        >>> w = lucid.zeros(2)
        >>> constant(w, 0.5)
        >>> w
        Tensor([0.5, 0.5], requires_grad=False)
    """
    fn = "constant"
    target = as_target(fn, tensor)
    plan = Constant(number(fn, "val", val))
    check_fits(fn, plan, target.array.dtype)
    if not is_empty(fn, target):
        _fill.fill_constant(target.array, plan.value)


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
    target = as_target(fn, tensor)
    if not is_empty(fn, target):
        target.array[...] = 1


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
    target = as_target(fn, tensor)
    if not is_empty(fn, target):
        target.array[...] = 0


# --- the variance-scaling core -------------------------------------------------------------
def fan_of(fan_in: int, fan_out: int, mode: str) -> float:
    """The fan ``mode`` names: ``fan_in``, ``fan_out``, their mean (``fan_avg``) or geometric mean (``fan_geo_avg``)."""
    if mode == "fan_in":
        return fan_in
    if mode == "fan_out":
        return fan_out
    if mode == "fan_avg":
        return (fan_in + fan_out) / 2
    return math.sqrt(fan_in) * math.sqrt(fan_out)


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
    std = gain / math.sqrt(fan_of(fan_in, fan_out, mode))
    if distribution == "uniform":
        bound = math.sqrt(3.0) * std
        return _plan(fn, uniform_plan, -bound, bound)
    if distribution == "truncated_normal":
        return standard_truncated_plan(0.0, std / TRUNCATED_STD_2, -2.0, 2.0)
    return normal_plan(0.0, std)


_MakePlan = TypeVar("_MakePlan", bound=Callable[..., "Plan | None"])
_PLAIN = frozenset([str, int, float, type(None), tuple])
_PLANS: dict[tuple[Any, ...], Plan | None] = {}
_PLANS_MAX = 4096  # remembered argument lists; the memo starts over when full


def _plan_key(fn: str, shape: tuple[int, ...], args: tuple[Any, ...]) -> tuple[Any, ...] | None:
    """The memo key of a plan's arguments, or None when they are not all plain values.

    Plain: a str, an int, a float or None (exactly those types, so a bool or a NumPy scalar
    always goes through the checks), or a tuple of ints. The types are part of the key: ``1``
    and ``1.0`` are remembered apart (an axis must be an int). ``0.0`` and ``-0.0`` share a key:
    the plan makers take both zeros to the same plan.
    """
    types = tuple(map(type, args))
    if not _PLAIN.issuperset(types):
        return None
    if tuple in types:
        for arg in args:
            if type(arg) is tuple and arg and not all(type(item) is int for item in arg):
                return None
    return fn, shape, args, types


def remembered(make: _MakePlan) -> _MakePlan:
    """``make(fn, shape, *args)``, remembered: the same plain arguments give the same plan without the checks
    and the fan arithmetic again (research code initializes many tensors of few shapes).

    Only results are remembered; arguments that raise are checked, and raise, on every call.
    """

    @functools.wraps(make)
    def cached(fn: str, shape: tuple[int, ...], *args: Any) -> Plan | None:
        key = _plan_key(fn, shape, args)
        if key is None:
            return make(fn, shape, *args)
        try:
            return _PLANS[key]
        except KeyError:
            pass
        plan = make(fn, shape, *args)
        if len(_PLANS) >= _PLANS_MAX:
            _PLANS.clear()
        _PLANS[key] = plan
        return plan

    return cached  # type: ignore[return-value]


_READY: dict[tuple[Any, ...], _fill.Ready] = {}  # by plan key: the plan made ready for the dtype last filled


def _plain_array(tensor: Any) -> np.ndarray | None:
    """The ndarray behind a plain tensor, cheaply: an ndarray, a ``lucid.Tensor``, or a ``torch.Tensor`` or
    ``Parameter`` NumPy can view (CPU, float16/32/64); None for anything else (the whole way says why)."""
    kind = type(tensor)
    if kind is np.ndarray:
        return tensor
    if kind is Tensor:
        return tensor._array
    torch = sys.modules.get("torch")
    if torch is not None and (kind is torch.Tensor or kind is torch.nn.Parameter):
        try:
            return tensor.detach().numpy()
        except Exception:  # another device, bfloat16, a conjugate view...: the whole way handles or refuses it
            return None
    return None


def initialize(fn: str, tensor: Any, generator: Any, make: Callable[..., Plan | None], *args: Any,
               signed: bool = False) -> None:
    """Fill ``tensor`` in place with the plan ``make(fn, shape, *args)`` for its logical ``shape``.

    The path of the initializers drawn from one plan. A plain tensor (:func:`_plain_array`),
    C-contiguous and writable, whose plain arguments, shape and dtype were filled before, goes straight
    to the driver with the plan made ready then: the checks that passed for them cannot fail now.
    Anything else (a first call, other arguments, a shard, a DTensor, a strided view) takes the whole
    way. ``signed``: the signs of zero arguments matter to ``make`` (they are remembered apart). Either
    way a PyTorch tensor's version counter moves after the write (:func:`bump_versions`), so the public
    initializers that come here are marked :func:`bumps_version_itself`.
    """
    array = _plain_array(tensor)
    key = None
    if array is not None:
        key = _plan_key(fn, array.shape, args)
        if signed and key is not None:
            try:
                key = key + tuple(map(math.copysign, _ONES, args))
            except (TypeError, OverflowError):  # not a number, or an int beyond floats: the whole way raises
                key = None
        ready = _READY.get(key) if key is not None else None
        if ready is not None and ready.dtype is array.dtype:
            flags = array.flags
            if flags.writeable and flags.c_contiguous:
                gen = default_generator() if generator is None else generator_of(fn, generator)
                stream, draw = gen.take_draw()
                _fill.fill_ready(array, ready, stream, draw)
                if array is not tensor:  # a lucid.Tensor (nothing to tell) or a torch tensor
                    bump_versions(tensor)
                return
    target = as_target(fn, tensor)
    plan = make(fn, target.shape, *args)
    fill_plan(fn, target, plan, generator)
    bump_versions(tensor)
    if key is not None and plan is not None and target.array.size and target.array.flags.c_contiguous:
        if len(_READY) >= _PLANS_MAX:
            _READY.clear()
        _READY[key] = _fill.ready(plan, target.array.dtype)


_ONES = itertools.repeat(1.0)  # math.copysign(1.0, x) for each x: the signs of zero arguments


def _uniform_plan(fn: str, shape: tuple[int, ...], a: Any, b: Any) -> Plan:
    return uniform_args(fn, a, b)


def _normal_plan(fn: str, shape: tuple[int, ...], mean: Any, std: Any) -> Plan:
    return normal_args(fn, mean, std)


def _trunc_normal_plan(fn: str, shape: tuple[int, ...], mean: Any, std: Any, a: Any, b: Any) -> Plan:
    return trunc_normal_args(fn, mean, std, a, b)


def _truncated_normal_plan(fn: str, shape: tuple[int, ...], stddev: Any, lower: Any, upper: Any) -> Plan:
    return trunc_normal_args(fn, 0.0, stddev, lower, upper, standard=True, names=("mean", "stddev", "lower", "upper"))


def standard_trunc_normal_plan(fn: str, shape: tuple[int, ...], mean: Any, std: Any, a: Any, b: Any) -> Plan:
    """timm's ``trunc_normal_tf_``: bounds in standard deviations."""
    return trunc_normal_args(fn, mean, std, a, b, standard=True)


@remembered
def variance_scaling_args(fn: str, shape: tuple[int, ...], scale: Any, mode: Any, distribution: Any,
                          in_axis: Any, out_axis: Any, batch_axis: Any) -> Plan | None:
    # + 0.0: -0.0 becomes 0.0, so both zeros make the same plan (and may share a remembered one)
    return scaled_plan(fn, shape, math.sqrt(non_negative(fn, "scale", scale) + 0.0), mode, distribution,
                       in_axis, out_axis, batch_axis, modes=FAN_MODES)


@remembered
def kaiming_args(fn: str, shape: tuple[int, ...], mode: Any, a: Any, nonlinearity: Any, distribution: str,
                 in_axis: Any, out_axis: Any, batch_axis: Any) -> Plan | None:
    gain = calculate_gain(choice(fn, "nonlinearity", nonlinearity, NONLINEARITIES), real(fn, "a", a))
    if isinstance(mode, str):
        mode = mode.lower()  # as PyTorch: "FAN_OUT" is "fan_out"
    return scaled_plan(fn, shape, gain, mode, distribution, in_axis, out_axis, batch_axis)


@remembered
def xavier_args(fn: str, shape: tuple[int, ...], gain: Any, distribution: str, in_axis: Any, out_axis: Any,
                batch_axis: Any) -> Plan | None:
    return scaled_plan(fn, shape, non_negative(fn, "gain", gain) + 0.0, "fan_avg", distribution, in_axis, out_axis,
                       batch_axis, modes=FAN_MODES)


@bumps_version_itself
def variance_scaling(
    tensor: Any,
    scale: float = 1.0,
    mode: str = "fan_in",
    distribution: str = "truncated_normal",
    *,
    generator: Generator | None = None,
    in_axis: Axes = -2,
    out_axis: Axes = -1,
    batch_axis: Axes = (),
) -> None:
    """Fill ``tensor`` with draws whose variance is ``scale / fan`` (JAX's and Keras's ``variance_scaling``).

    ``fan`` is ``fan_in``, ``fan_out``, ``(fan_in + fan_out) / 2`` (``fan_avg``) or
    ``sqrt(fan_in * fan_out)`` (``fan_geo_avg``).

    * ``"truncated_normal"``: ``N(0, sigma**2)`` cut at ``+-2 sigma``, with
      ``sigma = sqrt(scale / fan) / 0.87962566103423978`` so the result has variance ``scale / fan``;
    * ``"normal"`` (or ``"untruncated_normal"``): ``N(0, scale / fan)``;
    * ``"uniform"``: ``U(-bound, bound)`` with ``bound = sqrt(3 * scale / fan)``.

    Fans use JAX's kernel layout by default, as JAX does: ``in_axis=-2, out_axis=-1``, so a
    Dense kernel is ``(in, out)`` and a convolution kernel HWIO (``(*kernel, in, out)``).
    For PyTorch's layout ``(out, in, *kernel)`` pass ``in_axis=1, out_axis=0``, or use
    :func:`variance_scaling_` (timm's name, PyTorch's layout). ``batch_axis`` axes count
    in neither fan.

    Args:
        tensor: a ``lucid.Tensor``, a writable float NumPy ndarray or a PyTorch CPU
            tensor with at least 2 dimensions, filled in place.
        scale: the variance multiplier (finite, ``>= 0``).
        mode: ``"fan_in"``, ``"fan_out"``, ``"fan_avg"`` or ``"fan_geo_avg"``.
        distribution: ``"truncated_normal"``, ``"normal"``, ``"untruncated_normal"`` or ``"uniform"``.
        generator: the generator to draw from; the default generator if None.
        in_axis, out_axis, batch_axis: the axes (an int or a tuple) holding the
            inputs, the outputs and the batch; all other axes form the receptive field.

    Raises:
        TypeError: ``tensor`` is not a tensor of float16/32/64, or an argument has the wrong type.
        ValueError: an unknown ``mode`` or ``distribution``, fewer than 2 dimensions,
            a bad axis, a negative or non-finite ``scale``, values that would overflow the
            dtype, or a read-only tensor.

    Example:
        >>> import lucid
        >>> from lucid.nn.init import variance_scaling
        >>> w = lucid.zeros(3, 3, 64, 128)  # HWIO
        >>> variance_scaling(w, 2.0, "fan_in", "normal", generator=lucid.random.Generator(0))
        >>> round(float(w.numpy().std()) ** 2 * (3 * 3 * 64), 1)
        2.0
    """
    initialize("variance_scaling", tensor, generator, variance_scaling_args, scale, mode, distribution, in_axis,
               out_axis, batch_axis)


def _jax_alias(name: str, scale: float, mode: str, distribution: str, paper: str) -> Any:
    @bumps_version_itself
    def initializer(tensor: Any, *, generator: Generator | None = None, in_axis: Axes = -2, out_axis: Axes = -1,
                    batch_axis: Axes = ()) -> None:
        initialize(name, tensor, generator, variance_scaling_args, scale, mode, distribution, in_axis, out_axis,
                   batch_axis)

    initializer.__name__ = initializer.__qualname__ = name
    initializer.__doc__ = f"""``variance_scaling(tensor, {scale}, "{mode}", "{distribution}")``: {paper}.

    Takes the keyword-only ``generator``, ``in_axis``, ``out_axis`` and ``batch_axis`` of
    :func:`variance_scaling`; fans default to JAX's kernel layout ``(..., in, out)``
    (``in_axis=-2, out_axis=-1``). For a PyTorch ``(out, in, *kernel)`` weight pass
    ``in_axis=1, out_axis=0``.

    Example:
        >>> import lucid
        >>> from lucid.nn.init import {name}
        >>> w = lucid.zeros(784, 10)  # a Flax Dense kernel: (in, out)
        >>> {name}(w, generator=lucid.random.Generator(0))
    """
    return initializer


lecun_normal = _jax_alias("lecun_normal", 1.0, "fan_in", "truncated_normal", "LeCun normal (LeCun et al., 1998)")
lecun_uniform = _jax_alias("lecun_uniform", 1.0, "fan_in", "uniform", "LeCun uniform (LeCun et al., 1998)")
glorot_normal = _jax_alias("glorot_normal", 1.0, "fan_avg", "truncated_normal", "Glorot normal (Glorot & Bengio, 2010)")
glorot_uniform = _jax_alias("glorot_uniform", 1.0, "fan_avg", "uniform", "Glorot uniform (Glorot & Bengio, 2010)")
he_normal = _jax_alias("he_normal", 2.0, "fan_in", "truncated_normal", "He normal (He et al., 2015)")
he_uniform = _jax_alias("he_uniform", 2.0, "fan_in", "uniform", "He uniform (He et al., 2015)")


@bumps_version_itself
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
    initialize("kaiming_normal", tensor, generator, kaiming_args, mode, a, nonlinearity, "normal", in_axis, out_axis,
               batch_axis)


@bumps_version_itself
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
    initialize("kaiming_uniform", tensor, generator, kaiming_args, mode, a, nonlinearity, "uniform", in_axis,
               out_axis, batch_axis)


@bumps_version_itself
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
    initialize("xavier_normal", tensor, generator, xavier_args, gain, "normal", in_axis, out_axis, batch_axis)


@bumps_version_itself
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
    initialize("xavier_uniform", tensor, generator, xavier_args, gain, "uniform", in_axis, out_axis, batch_axis)


def box(target: Target) -> tuple[slice, ...]:
    """Where the target's array lies in the logical tensor: one slice per axis (everything for a whole tensor)."""
    offset = target.offset or (0,) * target.ndim
    return tuple(slice(o, o + n) for o, n in zip(offset, target.array.shape))


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
    target = as_target(fn, tensor)
    ndim_in(fn, target, (2,), "2 dimensions")
    if is_empty(fn, target):
        return
    array = target.array
    oi, oj = target.offset or (0, 0)
    array[...] = 0
    first, stop = max(oi, oj), min(oi + array.shape[0], oj + array.shape[1])  # the diagonal inside the box
    k = np.arange(first, max(first, stop))
    array[k - oi, k - oj] = 1


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
    target = as_target(fn, tensor)
    ndim_in(fn, target, (3, 4, 5), "3, 4 or 5 dimensions")
    if isinstance(groups, bool) or not isinstance(groups, numbers.Integral):
        raise TypeError(f"{fn}(): groups must be an int, got {type(groups).__name__}")
    groups = int(groups)
    out = target.shape[0]
    if groups < 1 or out % groups:
        raise ValueError(f"{fn}(): dim 0 ({out}) must be divisible by groups >= 1, got groups={groups}")
    if is_empty(fn, target):
        return
    array = target.array
    offset = target.offset or (0,) * target.ndim
    per_group = out // groups
    centre = tuple(k // 2 for k in target.shape[2:])
    array[...] = 0
    for g in range(groups):
        for d in range(min(per_group, target.shape[1])):
            local = [i - o for i, o in zip((g * per_group + d, d) + centre, offset)]
            if all(0 <= i < n for i, n in zip(local, array.shape)):  # this one lies in the box
                array[tuple(local)] = 1


def orthogonal(tensor: Any, gain: float = 1.0, *, generator: Generator | None = None,
               column_axis: int | None = None) -> None:
    """Fill ``tensor`` with a (semi-)orthogonal matrix drawn from the Haar measure, times ``gain``.

    Saxe, McClelland and Ganguli (2013). The tensor is read as a matrix: by default
    PyTorch's way, ``rows = shape[0]`` and the other dimensions flattened into the
    columns; with ``column_axis`` JAX's way, the columns along ``column_axis`` and every
    other dimension flattened into the rows. A standard normal matrix of that shape
    (transposed if wide) is factored ``Q R``; multiplying ``Q``'s columns by the signs
    of ``R``'s diagonal makes ``Q`` Haar-distributed. Tall results have orthonormal
    columns, wide ones orthonormal rows.

    The normal draws follow the stream contract; the QR factorization is NumPy's
    (LAPACK), so the last bits can differ between LAPACK builds.

    Args:
        tensor: a ``lucid.Tensor``, a writable float NumPy ndarray or a PyTorch CPU
            tensor with at least 2 dimensions, filled in place.
        gain: the scaling factor (finite, ``>= 0``; JAX calls it ``scale``).
        generator: the generator to draw from; the default generator if None.
        column_axis: None for PyTorch's reading (rows along axis 0), or the axis that
            holds the columns (JAX's ``column_axis``, ``-1`` there by default).

    Raises:
        TypeError: ``tensor`` is not a float tensor, ``gain`` is not a number, or
            ``column_axis`` is not an int.
        ValueError: fewer than 2 dimensions, ``gain`` negative or not finite, ``column_axis``
            out of range, or a read-only tensor.

    Example:
        >>> import numpy as np, lucid
        >>> from lucid.nn.init import orthogonal
        >>> w = lucid.zeros(4, 3, dtype=lucid.float64)
        >>> orthogonal(w, generator=lucid.random.Generator(0))
        >>> bool(np.allclose(w.numpy().T @ w.numpy(), np.eye(3)))
        True
        >>> k = np.zeros((3, 3, 16, 8))  # an HWIO kernel: its 8 output columns orthonormal
        >>> orthogonal(k, column_axis=-1, generator=lucid.random.Generator(0))
        >>> m = k.reshape(-1, 8)
        >>> bool(np.allclose(m.T @ m, np.eye(8)))
        True
    """
    fn = "orthogonal"
    target = as_target(fn, tensor)
    g = non_negative(fn, "gain", gain)
    ndim = target.ndim
    if ndim < 2:
        raise ValueError(f"{fn}(): needs a tensor with at least 2 dimensions, got shape {target.shape}")
    if column_axis is not None:
        if isinstance(column_axis, bool) or not isinstance(column_axis, numbers.Integral):
            raise TypeError(f"{fn}(): column_axis must be an int or None, got {type(column_axis).__name__}")
        if not -ndim <= column_axis < ndim:
            raise ValueError(f"{fn}(): column_axis={column_axis} is out of range for a tensor with {ndim} dimensions")
    gen = generator_of(fn, generator)
    if is_empty(fn, target):
        return
    # The matrix: PyTorch's (shape[0], rest), or JAX's (rest, shape[column_axis]) of the axis moved last.
    shape = target.shape if column_axis is None else \
        tuple(np.delete(target.shape, column_axis)) + (target.shape[column_axis],)
    size = math.prod(shape)
    rows, cols = (shape[0], size // shape[0]) if column_axis is None else (size // shape[-1], shape[-1])
    wide = rows < cols
    gaussian = np.empty((cols, rows) if wide else (rows, cols), np.float64)
    _fill.fill(gaussian, normal_plan(0.0, 1.0), gen)
    q, r = np.linalg.qr(gaussian)
    q *= np.where(np.diagonal(r) < 0, -1.0, 1.0)
    whole = (g * (q.T if wide else q)).reshape(shape)
    if column_axis is not None:
        whole = np.moveaxis(whole, -1, int(column_axis))
    target.array[...] = whole[box(target)]  # a shard computes the whole matrix and keeps its block


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
    target = as_target(fn, tensor)
    ndim_in(fn, target, (2,), "2 dimensions")
    fraction = real(fn, "sparsity", sparsity)
    if not 0 <= fraction <= 1:
        raise ValueError(f"{fn}(): sparsity must be in [0, 1], got {fraction}")
    sigma = non_negative(fn, "std", std)
    gen = generator_of(fn, generator)
    if is_empty(fn, target):
        return
    rows, cols = target.shape
    row_box, col_box = box(target)
    key, values_draw = gen.take_draw()
    _, keys_draw = gen.take_draw()
    # The zeros are chosen before the tensor is touched: nothing can fail after the first write. A column's
    # choice needs the keys of all its rows: a shard draws them for its columns, every row.
    keys = np.empty((rows, col_box.stop - col_box.start), np.float64)
    _fill.fill_box(keys, uniform_plan(0.0, 1.0), key, keys_draw, (rows, cols), (0, col_box.start))
    chosen = np.argsort(keys, axis=0, kind="stable")[: math.ceil(fraction * rows)]
    _fill.fill_box(target.array, normal_plan(0.0, sigma), key, values_draw, (rows, cols),
                   (row_box.start, col_box.start))
    inside = (chosen >= row_box.start) & (chosen < row_box.stop)
    target.array[chosen[inside] - row_box.start, np.nonzero(inside)[1]] = 0
