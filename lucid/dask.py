"""Initialization beyond one machine: Lucid's random initializers as Dask arrays.

``lucid.dask.kaiming_normal((65536, 16384), chunks=(4096, 16384), seed=0)`` returns a
lazy ``dask.array.Array``. Every chunk is filled by Lucid's kernels at its global
indices, so the computed array is bit-identical to a single-process fill of the
whole tensor with the same seed (``kaiming_normal(w, generator=Generator(0))``),
for any chunking and on any scheduler: threads, processes or a ``dask.distributed``
cluster. Chunks never hold more than their own values.

The generator's draw is taken once, when the array is built: building two arrays
from one generator gives two different draws, as two fills would.

Needs the ``dask`` extra: ``pip install 'lucid-init[dask]'``.
"""

from __future__ import annotations

import operator
import warnings
from typing import Any

import numpy as np

from ._plans import Plan
from .nn import _initializers as _init
from .nn._checks import FLOATS, as_target
from .random import Generator
from .shard import Shard

__all__ = [
    "glorot_normal",
    "glorot_uniform",
    "he_normal",
    "he_uniform",
    "kaiming_normal",
    "kaiming_uniform",
    "lecun_normal",
    "lecun_uniform",
    "normal",
    "trunc_normal",
    "uniform",
    "variance_scaling",
    "xavier_normal",
    "xavier_uniform",
]

Axes = _init.Axes


def _shape(fn: str, shape: Any) -> tuple[int, ...]:
    if isinstance(shape, int) and not isinstance(shape, bool):
        shape = (shape,)
    try:
        dims = tuple(operator.index(d) for d in shape)
    except TypeError:
        raise TypeError(f"{fn}(): shape must be an int or a tuple of ints, got {shape!r}") from None
    if any(d < 0 for d in dims):
        raise ValueError(f"{fn}(): shape must not be negative, got {dims}")
    return dims


def _dtype(fn: str, dtype: Any) -> np.dtype:
    try:
        dt = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"{fn}(): dtype must be float16, bfloat16, float32 or float64, got {dtype!r}") from None
    if dt not in FLOATS:
        raise TypeError(f"{fn}(): dtype must be float16, bfloat16, float32 or float64, got {dt}")
    return dt


def _key_and_draw(fn: str, seed: Any, generator: Any) -> tuple[int, int]:
    if seed is not None and generator is not None:
        raise ValueError(f"{fn}(): give seed or generator, not both")
    if generator is None:
        generator = Generator(seed) if seed is not None else None
    gen = _init.generator_of(fn, generator)
    return gen.take_draw()


def _fill_block(plan: Plan, key: int, draw: int, dtype: np.dtype, block_info: Any = None) -> np.ndarray:
    info = block_info[None]
    block = np.empty(info["chunk-shape"], dtype)
    chunk = Shard(block, tuple(info["shape"]), tuple(start for start, _ in info["array-location"]))
    _init.fill_drawn(as_target("lucid.dask", chunk), plan, key, draw)  # a chunk is a shard of the array
    return block


def _array(fn: str, shape: tuple[int, ...], dtype: np.dtype, chunks: Any, plan: Plan | None, seed: Any,
           generator: Any) -> Any:
    try:
        import dask.array as da
    except ImportError:
        raise ImportError(f"{fn}() needs Dask: pip install 'lucid-init[dask]'") from None
    _init.check_fits(fn, plan, dtype)  # the arguments were checked when the plan was made, zeros in shape or not
    chunks = da.core.normalize_chunks(chunks, shape, dtype=dtype)
    if plan is None or 0 in shape:  # no elements: no draw, as for an empty tensor
        _init.generator_of(fn, generator if seed is None else Generator(seed))
        warnings.warn(f"{fn}(): the array has no elements; nothing to initialize", UserWarning, stacklevel=3)
        return da.empty(shape, dtype=dtype, chunks=chunks)
    key, draw = _key_and_draw(fn, seed, generator)
    return da.map_blocks(_fill_block, plan, key, draw, dtype, chunks=chunks, dtype=dtype,
                         meta=np.empty((0,) * len(shape), dtype))


def uniform(shape: Any, a: float = 0.0, b: float = 1.0, *, chunks: Any = "auto", seed: int | None = None,
            generator: Generator | None = None, dtype: Any = "float32") -> Any:
    """A Dask array of ``U(a, b)`` draws: :func:`lucid.nn.init.uniform` of a tensor of ``shape``.

    Args:
        shape: the array's shape.
        a, b: the bounds, as in :func:`lucid.nn.init.uniform`.
        chunks: Dask chunks (``"auto"``, an int, a tuple per axis, ...).
        seed: seed of a fresh ``lucid.random.Generator``; or pass ``generator``; neither: the default generator.
        generator: the generator whose next draw the array takes.
        dtype: float16, float32 (default) or float64.

    Raises:
        TypeError, ValueError: as the in-memory initializer, for the shape, dtype and arguments.

    Example:
        >>> import numpy as np, lucid, lucid.dask
        >>> x = lucid.dask.uniform((1000, 300), -1, 1, chunks=(128, 100), seed=3)
        >>> w = np.zeros((1000, 300), np.float32)
        >>> lucid.nn.init.uniform(w, -1, 1, generator=lucid.random.Generator(3))
        >>> bool((x.compute() == w).all())
        True
    """
    fn = "lucid.dask.uniform"
    dims, dt = _shape(fn, shape), _dtype(fn, dtype)
    return _array(fn, dims, dt, chunks, _init.uniform_args(fn, a, b), seed, generator)


def normal(shape: Any, mean: float = 0.0, std: float = 1.0, *, chunks: Any = "auto", seed: int | None = None,
           generator: Generator | None = None, dtype: Any = "float32") -> Any:
    """A Dask array of ``N(mean, std**2)`` draws: :func:`lucid.nn.init.normal` of a tensor of ``shape``.

    Arguments as :func:`uniform`'s, with ``mean`` and ``std`` as in :func:`lucid.nn.init.normal`.
    """
    fn = "lucid.dask.normal"
    dims, dt = _shape(fn, shape), _dtype(fn, dtype)
    return _array(fn, dims, dt, chunks, _init.normal_args(fn, mean, std), seed, generator)


def trunc_normal(shape: Any, mean: float = 0.0, std: float = 1.0, a: float = -2.0, b: float = 2.0, *,
                 chunks: Any = "auto", seed: int | None = None, generator: Generator | None = None,
                 dtype: Any = "float32") -> Any:
    """A Dask array of truncated normal draws: :func:`lucid.nn.init.trunc_normal` of a tensor of ``shape``."""
    fn = "lucid.dask.trunc_normal"
    dims, dt = _shape(fn, shape), _dtype(fn, dtype)
    plan = _init.trunc_normal_args(fn, mean, std, a, b)
    return _array(fn, dims, dt, chunks, plan, seed, generator)


def variance_scaling(shape: Any, scale: float = 1.0, mode: str = "fan_in", distribution: str = "truncated_normal",
                     *, chunks: Any = "auto", seed: int | None = None, generator: Generator | None = None,
                     dtype: Any = "float32", in_axis: Axes = -2, out_axis: Axes = -1, batch_axis: Axes = ()) -> Any:
    """A Dask array filled as :func:`lucid.nn.init.variance_scaling` fills a tensor of ``shape``.

    Fans default to JAX's layout ``(..., in, out)``, as in memory.
    """
    fn = "lucid.dask.variance_scaling"
    dims, dt = _shape(fn, shape), _dtype(fn, dtype)
    plan = _init.variance_scaling_args(fn, dims, scale, mode, distribution, in_axis, out_axis, batch_axis)
    return _array(fn, dims, dt, chunks, plan, seed, generator)


def kaiming_normal(shape: Any, mode: str = "fan_in", *, a: float = 0.0, nonlinearity: str = "leaky_relu",
                   chunks: Any = "auto", seed: int | None = None, generator: Generator | None = None,
                   dtype: Any = "float32", in_axis: Axes = 1, out_axis: Axes = 0, batch_axis: Axes = ()) -> Any:
    """A Dask array filled as :func:`lucid.nn.init.kaiming_normal` fills a tensor of ``shape``.

    Example:
        >>> import numpy as np, lucid, lucid.dask
        >>> x = lucid.dask.kaiming_normal((512, 256), chunks=(100, 50), seed=0)
        >>> w = lucid.zeros(512, 256)
        >>> lucid.nn.init.kaiming_normal(w, generator=lucid.random.Generator(0))
        >>> bool((x.compute() == w.numpy()).all())
        True
    """
    fn = "lucid.dask.kaiming_normal"
    dims, dt = _shape(fn, shape), _dtype(fn, dtype)
    plan = _init.kaiming_args(fn, dims, mode, a, nonlinearity, "normal", in_axis, out_axis, batch_axis)
    return _array(fn, dims, dt, chunks, plan, seed, generator)


def kaiming_uniform(shape: Any, mode: str = "fan_in", *, a: float = 0.0, nonlinearity: str = "leaky_relu",
                    chunks: Any = "auto", seed: int | None = None, generator: Generator | None = None,
                    dtype: Any = "float32", in_axis: Axes = 1, out_axis: Axes = 0, batch_axis: Axes = ()) -> Any:
    """A Dask array filled as :func:`lucid.nn.init.kaiming_uniform` fills a tensor of ``shape``."""
    fn = "lucid.dask.kaiming_uniform"
    dims, dt = _shape(fn, shape), _dtype(fn, dtype)
    plan = _init.kaiming_args(fn, dims, mode, a, nonlinearity, "uniform", in_axis, out_axis, batch_axis)
    return _array(fn, dims, dt, chunks, plan, seed, generator)


def xavier_normal(shape: Any, gain: float = 1.0, *, chunks: Any = "auto", seed: int | None = None,
                  generator: Generator | None = None, dtype: Any = "float32", in_axis: Axes = 1, out_axis: Axes = 0,
                  batch_axis: Axes = ()) -> Any:
    """A Dask array filled as :func:`lucid.nn.init.xavier_normal` fills a tensor of ``shape``."""
    fn = "lucid.dask.xavier_normal"
    dims, dt = _shape(fn, shape), _dtype(fn, dtype)
    plan = _init.xavier_args(fn, dims, gain, "normal", in_axis, out_axis, batch_axis)
    return _array(fn, dims, dt, chunks, plan, seed, generator)


def xavier_uniform(shape: Any, gain: float = 1.0, *, chunks: Any = "auto", seed: int | None = None,
                   generator: Generator | None = None, dtype: Any = "float32", in_axis: Axes = 1, out_axis: Axes = 0,
                   batch_axis: Axes = ()) -> Any:
    """A Dask array filled as :func:`lucid.nn.init.xavier_uniform` fills a tensor of ``shape``."""
    fn = "lucid.dask.xavier_uniform"
    dims, dt = _shape(fn, shape), _dtype(fn, dtype)
    plan = _init.xavier_args(fn, dims, gain, "uniform", in_axis, out_axis, batch_axis)
    return _array(fn, dims, dt, chunks, plan, seed, generator)


def _alias(name: str, scale: float, mode: str, distribution: str) -> Any:
    def initializer(shape: Any, *, chunks: Any = "auto", seed: int | None = None, generator: Generator | None = None,
                    dtype: Any = "float32", in_axis: Axes = -2, out_axis: Axes = -1, batch_axis: Axes = ()) -> Any:
        return variance_scaling(shape, scale, mode, distribution, chunks=chunks, seed=seed, generator=generator,
                                dtype=dtype, in_axis=in_axis, out_axis=out_axis, batch_axis=batch_axis)

    initializer.__name__ = initializer.__qualname__ = name
    initializer.__doc__ = (f"A Dask array filled as :func:`lucid.nn.init.{name}` fills a tensor of ``shape`` "
                           "(JAX's layout ``(..., in, out)`` by default, as in memory).")
    return initializer


lecun_normal = _alias("lecun_normal", 1.0, "fan_in", "truncated_normal")
lecun_uniform = _alias("lecun_uniform", 1.0, "fan_in", "uniform")
glorot_normal = _alias("glorot_normal", 1.0, "fan_avg", "truncated_normal")
glorot_uniform = _alias("glorot_uniform", 1.0, "fan_avg", "uniform")
he_normal = _alias("he_normal", 2.0, "fan_in", "truncated_normal")
he_uniform = _alias("he_uniform", 2.0, "fan_in", "uniform")
