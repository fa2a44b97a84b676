"""Argument checks shared by the initializers: each raises the documented error or returns a clean value.

Every message names the function, the argument, what it got and what it accepts.
"""

from __future__ import annotations

import functools
import math
import numbers
import os
import sys
import warnings
from collections.abc import Callable
from types import FrameType
from typing import Any, NamedTuple, TypeVar, cast

import numpy as np

from .. import _fill
from .._tensor import Tensor
from ..random import Generator, default_generator
from ..shard import Shard

# The dtypes Lucid fills: NumPy's floats, and bfloat16 where ml_dtypes provides it to NumPy.
FLOATS = frozenset([np.dtype(t) for t in (np.float16, np.float32, np.float64)]
                   + ([_fill.BFLOAT16] if _fill.BFLOAT16 is not None else []))


def _torch_array(fn: str, tensor: Any) -> np.ndarray:
    """The NumPy view of a PyTorch CPU tensor (a parameter with ``requires_grad`` too), sharing its memory.

    A bfloat16 tensor becomes an ndarray of ``ml_dtypes.bfloat16`` over the same bytes.
    """
    if tensor.device.type != "cpu":
        advice = ("materialize it first (lucid.torch.init_module materializes meta parameters on the CPU)"
                  if tensor.device.type == "meta" else "fill it on the CPU, then move it with .to(device)")
        raise TypeError(f"{fn}(): a PyTorch tensor must be on the CPU to be filled in place, "
                        f"got device {tensor.device}; {advice}")
    torch = sys.modules["torch"]
    data = tensor.detach()
    try:
        if data.dtype == torch.bfloat16:
            if _fill.BFLOAT16 is None:
                raise TypeError(f"{fn}(): filling a bfloat16 PyTorch tensor needs ml_dtypes: "
                                "pip install 'lucid-init[torch]'")
            return data.view(torch.int16).numpy().view(_fill.BFLOAT16)
        return data.numpy()
    except RuntimeError as e:
        raise TypeError(
            f"{fn}(): tensor must have dtype float16, bfloat16, float32 or float64, got {tensor.dtype} ({e})"
        ) from None


F = TypeVar("F", bound=Callable[..., Any])


def bump_versions(tensor: Any) -> None:
    """Move a PyTorch tensor's autograd version counter after Lucid wrote into it (a no-op for anything else).

    Lucid writes through a NumPy view, which autograd does not see; bumping the counter makes a
    Lucid fill behave like PyTorch's own in-place init: backward through a graph that saved the
    old values raises instead of giving wrong gradients. A DTensor's local tensor moves too, and
    a :class:`lucid.Shard`'s local tensor.
    """
    kind = type(tensor)
    if kind is np.ndarray or kind is Tensor:  # the common cases: no autograd to tell
        return
    torch = sys.modules.get("torch")
    local = tensor.local if isinstance(tensor, Shard) else tensor
    if torch is not None and isinstance(local, torch.Tensor):
        torch.autograd.graph.increment_version(local)
        if is_dtensor(local):
            torch.autograd.graph.increment_version(local.to_local())  # and the local tensor autograd sees


def bumps_version_itself(initializer: F) -> F:
    """Mark ``initializer`` as one that calls :func:`bump_versions` after its own write (every path of
    ``initialize()`` does): :func:`bumps_version` then leaves it as it is, one Python call the cheaper."""
    initializer._bumps_version_itself = True  # type: ignore[attr-defined]
    return initializer


def bumps_version(initializer: F) -> F:
    """``initializer`` that also moves a PyTorch tensor's autograd version counter after it writes
    (:func:`bump_versions`); nothing is bumped when the call raises. An initializer marked with
    :func:`bumps_version_itself` is returned as it is."""
    if getattr(initializer, "_bumps_version_itself", False):
        return initializer

    @functools.wraps(initializer)
    def wrapper(tensor: Any, *args: Any, **kwargs: Any) -> Any:
        result = initializer(tensor, *args, **kwargs)
        bump_versions(tensor)
        return result

    return cast(F, wrapper)


def as_array(fn: str, tensor: Any) -> np.ndarray:
    """The writable float ndarray behind ``tensor`` (a lucid.Tensor, an ndarray or a PyTorch CPU tensor)."""
    if isinstance(tensor, Tensor):
        array = tensor._array
    elif isinstance(tensor, np.ndarray):
        array = tensor if type(tensor) is np.ndarray else tensor.view(np.ndarray)  # np.matrix: its plain memory
    elif "torch" in sys.modules and isinstance(tensor, sys.modules["torch"].Tensor):
        array = _torch_array(fn, tensor)
    else:
        accepted = "a lucid.Tensor, a NumPy ndarray or a PyTorch CPU tensor"
        raise TypeError(f"{fn}(): tensor must be {accepted}, got {type(tensor).__name__}")
    return _checked(fn, array)


def _checked(fn: str, array: np.ndarray) -> np.ndarray:
    """``array`` if Lucid can fill it in place: a float dtype, writable, a layout the driver takes."""
    if array.dtype not in FLOATS:
        raise TypeError(f"{fn}(): tensor must have dtype float16, bfloat16, float32 or float64, got {array.dtype}")
    if not array.flags.writeable:
        raise ValueError(f"{fn}(): tensor is read-only; pass a writable tensor")
    problem = _fill.check_layout(array)
    if problem:
        raise ValueError(f"{fn}(): tensor {problem}")
    return array


class Target(NamedTuple):
    """What an initializer fills: ``array`` (local memory) as the block at ``offset`` of a tensor of ``shape``.

    ``offset`` is None for a whole tensor (``shape`` is then ``array.shape``).
    """

    array: np.ndarray
    shape: tuple[int, ...]
    offset: tuple[int, ...] | None

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def size(self) -> int:
        """Elements of the logical tensor."""
        return math.prod(self.shape)


_new_target = tuple.__new__


def as_target(fn: str, tensor: Any) -> Target:
    """The :class:`Target` of ``tensor``: a tensor :func:`as_array` accepts, a :class:`lucid.Shard` of one,
    or a PyTorch DTensor (its local tensor as the shard its placements make it)."""
    kind = type(tensor)
    if kind is np.ndarray or kind is Tensor:  # the common cases, first and cheaply
        array = _checked(fn, tensor if kind is np.ndarray else tensor._array)
        return _new_target(Target, (array, array.shape, None))  # a third cheaper than Target(...)
    if isinstance(tensor, Shard):
        return Target(as_array(fn, tensor.local), tensor.shape, tensor.offset)
    dtensor = dtensor_shard(fn, tensor)
    if dtensor is not None:
        return as_target(fn, dtensor)
    array = as_array(fn, tensor)
    return Target(array, array.shape, None)


def is_dtensor(tensor: Any) -> bool:
    """Whether ``tensor`` is a PyTorch DTensor (without importing torch.distributed)."""
    dt = sys.modules.get("torch.distributed.tensor")
    return dt is not None and isinstance(tensor, dt.DTensor)


def dtensor_shard(fn: str, tensor: Any) -> Shard | None:
    """The :class:`lucid.Shard` a PyTorch DTensor's local tensor is on this rank; None for anything else.

    ``Shard(dim)`` placements on any mesh dimensions, uneven ones included, and ``Replicate()``
    make the local tensor a box of the logical tensor: PyTorch's own placement arithmetic gives
    its offset. ``Partial`` (local tensors that are summands) and strided shards (not one box)
    are refused.
    """
    if not is_dtensor(tensor):
        return None
    dt = sys.modules["torch.distributed.tensor"]
    for placement in tensor.placements:
        if not (isinstance(placement, dt.Replicate) or type(placement) is dt.Shard):
            raise ValueError(f"{fn}(): a DTensor with placement {placement} cannot be filled as one box per rank; "
                             "Lucid fills Shard(dim) and Replicate() placements")
    from torch.distributed.tensor._utils import compute_local_shape_and_global_offset

    _, offset = compute_local_shape_and_global_offset(tensor.shape, tensor.device_mesh, tensor.placements)
    return Shard(tensor.to_local(), tuple(tensor.shape), tuple(offset))


def number(fn: str, name: str, value: Any) -> float:
    """``value`` as a float (any real number but a bool), or TypeError."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{fn}(): {name} must be a real number, got {type(value).__name__}")
    return float(value)


def real(fn: str, name: str, value: Any) -> float:
    """``value`` as a finite float, or the documented error."""
    value = number(fn, name, value)
    if not math.isfinite(value):
        raise ValueError(f"{fn}(): {name} must be finite, got {value}")
    return value


def non_negative(fn: str, name: str, value: Any) -> float:
    """``value`` as a finite float ``>= 0``, or the documented error."""
    value = real(fn, name, value)
    if value < 0:
        raise ValueError(f"{fn}(): {name} must be >= 0, got {value}")
    return value


def generator_of(fn: str, generator: Any) -> Generator:
    """The generator to draw from: ``generator``, or the default one for None."""
    if generator is None:
        return default_generator()
    if not isinstance(generator, Generator):
        raise TypeError(f"{fn}(): generator must be a lucid.random.Generator or None, got {type(generator).__name__}")
    return generator


def choice(fn: str, name: str, value: Any, allowed: tuple[str, ...]) -> str:
    """``value`` if it is one of ``allowed``, or ValueError listing them."""
    if not isinstance(value, str) or value not in allowed:
        accepted = ", ".join(repr(a) for a in allowed)
        raise ValueError(f"{fn}(): {name} must be one of {accepted}, got {value!r}")
    return value


def ndim_in(fn: str, array: np.ndarray | Target, allowed: tuple[int, ...], what: str) -> None:
    """ValueError unless ``array.ndim`` is one of ``allowed``; ``what`` says it in words."""
    if array.ndim not in allowed:
        raise ValueError(f"{fn}(): needs a tensor with {what}, got shape {array.shape}")


_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _caller_stacklevel() -> int:
    """The ``stacklevel`` that points a warning at the first frame outside Lucid."""
    level = 1
    frame: FrameType | None = sys._getframe(1)
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(_PACKAGE + os.sep):
        level += 1
        frame = frame.f_back
    return level


def is_empty(fn: str, array: np.ndarray | Target) -> bool:
    """True, with a UserWarning at the caller's line, if ``array`` (the logical tensor of a target) has no
    elements: the call is then a no-op."""
    if array.size:
        return False
    warnings.warn(f"{fn}(): the tensor has no elements; nothing to initialize", UserWarning,
                  stacklevel=_caller_stacklevel())
    return True
