"""``Tensor``: a thin facade over one NumPy ndarray.

A Tensor owns no memory of its own: it wraps an ndarray, and indexing returns a
Tensor over a view of that ndarray, so an initializer called on ``w[:, :2]``
writes into ``w``. ``t.numpy()`` and ``np.asarray(t)`` hand back the same memory.
"""

from __future__ import annotations

import operator
from typing import Any

import numpy as np

__all__ = [
    "Tensor",
    "empty",
    "empty_like",
    "full",
    "full_like",
    "ones",
    "ones_like",
    "tensor",
    "zeros",
    "zeros_like",
]

float16 = np.dtype(np.float16)
float32 = np.dtype(np.float32)
float64 = np.dtype(np.float64)
int32 = np.dtype(np.int32)
int64 = np.dtype(np.int64)
bool_ = np.dtype(np.bool_)

DEFAULT_DTYPE = float32


class Tensor:
    """An n-dimensional array of numbers, backed by a NumPy ndarray it shares.

    Args:
        data: an ndarray to wrap without copying (anything else is converted, float
            data to the default dtype, float32).
        requires_grad: a flag carried for model code; Lucid's initializers
            never read or change it.

    Example:
        >>> import numpy as np, lucid
        >>> a = np.zeros((2, 2), np.float32)
        >>> t = lucid.Tensor(a)
        >>> t[0, 1] = 5.0
        >>> float(a[0, 1])
        5.0
    """

    __slots__ = ("_array", "requires_grad")

    __array_priority__ = 1000

    _array: np.ndarray

    def __init__(self, data: Any, requires_grad: bool = False) -> None:
        if isinstance(data, Tensor):
            data = data._array
        if not isinstance(data, np.ndarray):
            data = np.asarray(data)
            if data.dtype.kind == "f":  # Python floats: the default dtype, as lucid.tensor() does
                data = data.astype(DEFAULT_DTYPE)
        self._array = data
        self.requires_grad = bool(requires_grad)

    # --- what it is -----------------------------------------------------------
    @property
    def data(self) -> np.ndarray:
        """The wrapped ndarray (shares memory with the tensor)."""
        return self._array

    @property
    def shape(self) -> tuple[int, ...]:
        """The size of each dimension."""
        return self._array.shape

    @property
    def ndim(self) -> int:
        """The number of dimensions."""
        return self._array.ndim

    @property
    def dtype(self) -> np.dtype:
        """The element type, a NumPy dtype such as ``lucid.float32``."""
        return self._array.dtype

    @property
    def size(self) -> int:
        """The number of elements."""
        return self._array.size

    def numel(self) -> int:
        """The number of elements."""
        return self._array.size

    def dim(self) -> int:
        """The number of dimensions."""
        return self._array.ndim

    def __len__(self) -> int:
        return len(self._array)

    # --- NumPy interop (no copies) --------------------------------------------
    def numpy(self) -> np.ndarray:
        """The wrapped ndarray, without copying."""
        return self._array

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> np.ndarray:
        if copy:
            return self._array.astype(dtype or self._array.dtype, copy=True)
        if dtype is None or np.dtype(dtype) == self._array.dtype:
            return self._array
        if copy is False:
            raise ValueError("Tensor.__array__: a dtype change needs a copy, but copy=False was given")
        return self._array.astype(dtype)

    def __dlpack__(self, **kwargs: Any) -> Any:
        return self._array.__dlpack__(**kwargs)

    def __dlpack_device__(self) -> tuple[int, int]:
        return self._array.__dlpack_device__()

    # --- views ------------------------------------------------------------------
    def __getitem__(self, index: Any) -> Tensor:
        view = self._array[index]
        if not isinstance(view, np.ndarray):
            # An integer index of every dimension: keep a 0-d view, not a copied scalar.
            view = self._array[(index if isinstance(index, tuple) else (index,)) + (Ellipsis,)]
        return Tensor(view, requires_grad=self.requires_grad)

    def __setitem__(self, index: Any, value: Any) -> None:
        self._array[index] = value._array if isinstance(value, Tensor) else value

    def item(self) -> Any:
        """The value of a one-element tensor as a Python number."""
        return self._array.item()

    def tolist(self) -> Any:
        """The values as nested Python lists."""
        return self._array.tolist()

    def __repr__(self) -> str:
        prefix = "Tensor("
        body = np.array2string(self._array, precision=3, separator=", ", prefix=prefix)
        extra = "" if self._array.dtype == DEFAULT_DTYPE else f", dtype={self._array.dtype}"
        return f"{prefix}{body}{extra}, requires_grad={self.requires_grad})"


def _dtype(dtype: Any, default: np.dtype = DEFAULT_DTYPE) -> np.dtype:
    if dtype is None:
        return default
    try:
        return np.dtype(dtype)
    except TypeError:
        raise TypeError(f"dtype must be a NumPy dtype such as lucid.float32, got {dtype!r}") from None


def _size(size: tuple[Any, ...], what: str) -> tuple[int, ...]:
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    dims = []
    for d in size:
        if isinstance(d, bool):
            raise TypeError(f"{what}(): sizes must be ints, got bool")
        try:
            d = operator.index(d)
        except TypeError:
            raise TypeError(f"{what}(): sizes must be ints, got {type(d).__name__}") from None
        if d < 0:
            raise ValueError(f"{what}(): sizes must be >= 0, got {d}")
        dims.append(d)
    return tuple(dims)


def zeros(*size: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of zeros: ``zeros(3, 2)`` or ``zeros((3, 2))``; float32 by default.

    Example:
        >>> import lucid
        >>> lucid.zeros(2, 3).shape
        (2, 3)
    """
    return Tensor(np.zeros(_size(size, "zeros"), _dtype(dtype)), requires_grad)


def ones(*size: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of ones: ``ones(3, 2)`` or ``ones((3, 2))``; float32 by default."""
    return Tensor(np.ones(_size(size, "ones"), _dtype(dtype)), requires_grad)


def empty(*size: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """An uninitialized tensor: ``empty(3, 2)`` or ``empty((3, 2))``; float32 by default."""
    return Tensor(np.empty(_size(size, "empty"), _dtype(dtype)), requires_grad)


def full(size: Any, fill_value: Any, *, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of ``size`` (an int or a tuple) filled with ``fill_value``; float32 by default.

    Example:
        >>> import lucid
        >>> lucid.full((2,), 1.5)
        Tensor([1.5, 1.5], requires_grad=False)
    """
    size = (size,) if not isinstance(size, (tuple, list)) else tuple(size)
    return Tensor(np.full(_size(size, "full"), fill_value, _dtype(dtype)), requires_grad)


def tensor(data: Any, *, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """A new tensor holding a copy of ``data``.

    Python floats become float32 (the default dtype); an ndarray or Tensor keeps
    its dtype unless ``dtype`` is given.

    Example:
        >>> import lucid
        >>> lucid.tensor([[1.0, 2.0]]).dtype
        dtype('float32')
    """
    if isinstance(data, Tensor):
        data = data._array
    if dtype is None and not isinstance(data, np.ndarray):
        array = np.array(data)
        if array.dtype.kind == "f":
            array = array.astype(DEFAULT_DTYPE)
    else:
        array = np.array(data, dtype=None if dtype is None else _dtype(dtype))
    return Tensor(array, requires_grad)


def _like(t: Any, dtype: Any) -> tuple[tuple[int, ...], np.dtype]:
    array = t._array if isinstance(t, Tensor) else np.asarray(t)
    return array.shape, _dtype(dtype, array.dtype)


def zeros_like(t: Any, *, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Zeros of ``t``'s shape and (unless given) dtype."""
    return Tensor(np.zeros(*_like(t, dtype)), requires_grad)


def ones_like(t: Any, *, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Ones of ``t``'s shape and (unless given) dtype."""
    return Tensor(np.ones(*_like(t, dtype)), requires_grad)


def empty_like(t: Any, *, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """An uninitialized tensor of ``t``'s shape and (unless given) dtype."""
    return Tensor(np.empty(*_like(t, dtype)), requires_grad)


def full_like(t: Any, fill_value: Any, *, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """``fill_value`` in ``t``'s shape and (unless given) dtype."""
    shape, dt = _like(t, dtype)
    return Tensor(np.full(shape, fill_value, dt), requires_grad)
