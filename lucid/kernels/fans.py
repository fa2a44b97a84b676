"""Fan-in and fan-out of a weight shape, with explicit axes.

The receptive field is the product of every axis that is neither an input, an
output nor a batch axis. ``fan_in = prod(shape[in_axis]) * receptive`` and
``fan_out = prod(shape[out_axis]) * receptive``. The default axes are PyTorch's
layout ``(out, in, *kernel)``: ``in_axis=1, out_axis=0``. A JAX ``(in, out)``
kernel is ``in_axis=-2, out_axis=-1``; an HWIO convolution the same.

Plain integer arithmetic, cheap enough to run per call from Python.
"""

from __future__ import annotations

from collections.abc import Sequence

Axes = int | Sequence[int]


def _axes(name: str, axes: Axes, ndim: int) -> tuple[int, ...]:
    if isinstance(axes, bool):
        raise TypeError(f"{name} must be an int or a tuple of ints, got bool")
    if isinstance(axes, int):
        axes = (axes,)
    try:
        items = tuple(axes)
    except TypeError:
        raise TypeError(f"{name} must be an int or a tuple of ints, got {type(axes).__name__}") from None
    out = []
    for a in items:
        if isinstance(a, bool) or not isinstance(a, int):
            raise TypeError(f"{name} must be an int or a tuple of ints, got an item of type {type(a).__name__}")
        if not -ndim <= a < ndim:
            raise ValueError(f"{name}={a} is out of range for a tensor with {ndim} dimensions")
        out.append(a % ndim)
    return tuple(out)


def compute_fans(
    shape: Sequence[int],
    in_axis: Axes = 1,
    out_axis: Axes = 0,
    batch_axis: Axes = (),
) -> tuple[int, int]:
    """``(fan_in, fan_out)`` of ``shape``.

    Raises:
        ValueError: an axis is out of range, or an axis is named twice.
        TypeError: an axis is not an int.

    Example:
        >>> compute_fans((64, 3, 3, 3))
        (27, 576)
        >>> compute_fans((3, 3, 16, 32), in_axis=-2, out_axis=-1)
        (144, 288)
    """
    ndim = len(shape)
    if type(in_axis) is int and in_axis == 1 and type(out_axis) is int and out_axis == 0 and batch_axis == () \
            and ndim >= 2:  # PyTorch's layout, the common case
        receptive = 1
        for size in shape[2:]:
            receptive *= size
        return shape[1] * receptive, shape[0] * receptive
    ins = _axes("in_axis", in_axis, ndim)
    outs = _axes("out_axis", out_axis, ndim)
    batch = _axes("batch_axis", batch_axis, ndim)
    named = ins + outs + batch
    if len(set(named)) != len(named):
        raise ValueError(
            f"in_axis, out_axis and batch_axis must name different axes, got in={ins}, out={outs}, batch={batch}"
        )
    receptive = 1
    for axis, size in enumerate(shape):
        if axis not in named:
            receptive *= size
    fan_in = receptive
    for a in ins:
        fan_in *= shape[a]
    fan_out = receptive
    for a in outs:
        fan_out *= shape[a]
    return fan_in, fan_out
