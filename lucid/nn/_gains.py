"""Gains of nonlinearities: the factor that keeps activations' variance through a layer."""

from __future__ import annotations

import math
import numbers
from typing import Any

__all__ = ["calculate_gain"]

_UNIT = ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d", "sigmoid")
NONLINEARITIES = _UNIT + ("tanh", "relu", "leaky_relu", "selu")


def calculate_gain(nonlinearity: str, param: Any = None) -> float:
    """The recommended gain for a nonlinearity, PyTorch's table.

    ================================  ==========================================
    nonlinearity                      gain
    ================================  ==========================================
    linear, conv{1,2,3}d,             1
    conv_transpose{1,2,3}d, sigmoid
    tanh                              5/3
    relu                              sqrt(2)
    leaky_relu                        sqrt(2 / (1 + negative_slope**2))
    selu                              3/4
    ================================  ==========================================

    Args:
        nonlinearity: the name of the nonlinear function.
        param: the negative slope of ``leaky_relu`` (default 0.01); ignored otherwise.

    Raises:
        ValueError: an unknown nonlinearity, or a ``param`` for leaky_relu that is not a number.

    Example:
        >>> from lucid.nn.init import calculate_gain
        >>> calculate_gain("relu")
        1.4142135623730951
        >>> calculate_gain("leaky_relu", 0.2)
        1.3867504905630728
    """
    if nonlinearity in _UNIT:
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            slope = 0.01
        elif isinstance(param, bool) or not isinstance(param, numbers.Real):
            raise ValueError(f"calculate_gain(): negative_slope {param!r} is not a valid number")
        else:
            slope = float(param)
        try:
            return math.sqrt(2.0 / (1 + slope**2))  # PyTorch's formula and order of operations: the same bits
        except OverflowError:  # |slope| > 1e154: the gain is below float64's smallest normal anyway
            return math.sqrt(2.0) / math.hypot(1.0, slope)
    if nonlinearity == "selu":
        return 3.0 / 4
    accepted = ", ".join(NONLINEARITIES)
    raise ValueError(f"calculate_gain(): unsupported nonlinearity {nonlinearity!r}; accepted: {accepted}")
