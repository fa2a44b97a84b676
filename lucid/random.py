"""Seeds and generators: a Philox key and a counter of draws.

A :class:`Generator` turns a seed into a 64-bit Philox key with SplitMix64 and
hands out draw numbers 0, 1, 2, ... one per fill. The values of a fill depend
only on (key, draw, element index), so a generator's whole state is its key, its
next draw number and how many children it has spawned. This module knows
nothing of tensors.
"""

from __future__ import annotations

import operator
import os
import threading
import weakref
from typing import Any

__all__ = [
    "Generator",
    "default_generator",
    "get_state",
    "name_key",
    "seed",
    "set_state",
    "splitmix64",
]

_MASK64 = (1 << 64) - 1
_SPAWN_SALT = 0x6C75636964  # "lucid": a fixed offset for the children's key derivation


def splitmix64(x: int) -> int:
    """SplitMix64 finalizer of ``x + golden ratio`` (Steele, Lea and Flood, 2014).

    Example:
        >>> hex(splitmix64(0))
        '0xe220a8397b1dcdaf'
    """
    z = (x + 0x9E3779B97F4A7C15) & _MASK64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK64
    return z ^ (z >> 31)


def name_key(key: int, name: str) -> int:
    """The 64-bit key of the stream named ``name`` under ``key`` (what :meth:`Generator.child` uses).

    The name's UTF-8 bytes, zero-padded to a multiple of 8, are read as little-endian
    64-bit words ``w_0, w_1, ...``; then ``h = key``, ``h = splitmix64(h ^ w_j)`` for each
    word in order, and finally ``splitmix64(h ^ len(bytes))``. Two names of the same length
    under the same key always get different keys (each step is a bijection); names of
    different lengths collide no more often than random 64-bit keys do. Part of the stream
    specification: the values are pinned by the tests.

    Raises:
        TypeError: ``key`` is not an int or ``name`` is not a str.
        ValueError: ``key`` is outside ``[0, 2**64)``.

    Example:
        >>> key = Generator(0).key
        >>> hex(name_key(key, "layer1.0.conv1.weight"))
        '0x862ef9bbd47b3df9'
        >>> name_key(key, "layer1.0.conv1.weight") != name_key(key, "layer1.0.conv2.weight")
        True
    """
    h = _check_uint64("key", key, "name_key()")
    if not isinstance(name, str):
        raise TypeError(f"name_key(): name must be a str, got {type(name).__name__}")
    data = name.encode("utf-8")
    words = int.from_bytes(data, "little")  # w_0 in the low 64 bits; the zero padding is the high bits' zeros
    for _ in range((len(data) + 7) // 8):  # splitmix64(h ^ w_j), written out: a third of the time of the calls
        z = ((h ^ (words & _MASK64)) + 0x9E3779B97F4A7C15) & _MASK64
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK64
        h = z ^ (z >> 31)
        words >>= 64
    return splitmix64(h ^ len(data))


def _check_uint64(name: str, value: Any, what: str) -> int:
    if isinstance(value, bool):
        raise TypeError(f"{what}: {name} must be an int, got bool")
    try:
        value = operator.index(value)
    except TypeError:
        raise TypeError(f"{what}: {name} must be an int, got {type(value).__name__}") from None
    if not 0 <= value <= _MASK64:
        raise ValueError(f"{what}: {name} must be in [0, 2**64), got {value}")
    return value


_live: weakref.WeakSet[Generator] = weakref.WeakSet()


class Generator:
    """A seeded source of fills: a Philox key and the number of the next draw.

    Each fill asks its generator for a draw number; a generator hands out each
    number once, also under concurrent threads. Two generators with the same
    seed produce the same values for the same calls.

    Args:
        seed: an int in ``[0, 2**64)``, or None for a seed from the operating
            system's entropy.

    Raises:
        TypeError: ``seed`` is not an int.
        ValueError: ``seed`` is negative or ``>= 2**64``.

    Example:
        >>> import lucid
        >>> from lucid.nn.init import normal
        >>> a, b = lucid.zeros(4), lucid.zeros(4)
        >>> normal(a, generator=lucid.random.Generator(7))
        >>> normal(b, generator=lucid.random.Generator(7))
        >>> bool((a.numpy() == b.numpy()).all())
        True
    """

    __slots__ = ("_seed", "_key", "_draw", "_spawned", "_lock", "__weakref__")

    def __init__(self, seed: int | None = None) -> None:
        if seed is None:
            seed = int.from_bytes(os.urandom(8), "little")
        seed = _check_uint64("seed", seed, "Generator()")
        self._seed: int | None = seed
        self._lock = threading.Lock()
        self._key = splitmix64(seed)
        self._draw = 0
        self._spawned = 0
        _live.add(self)

    @property
    def seed(self) -> int | None:
        """The seed this generator was made from (None for a spawned child)."""
        return self._seed

    @property
    def key(self) -> int:
        """The 64-bit Philox key."""
        return self._key

    def take_draw(self) -> tuple[int, int]:
        """Hand out the next draw number, atomically: ``(key, draw)`` for one fill.

        Every fill calls this once (``sparse`` twice); code that fills through
        Lucid's stream by other means (a Dask array, a shard) takes its draw here so
        the generator moves on exactly as for an in-memory fill.

        Raises:
            OverflowError: all ``2**64`` draw numbers have been handed out.

        Example:
            >>> import lucid
            >>> g = lucid.random.Generator(0)
            >>> g.take_draw()[1], g.take_draw()[1]
            (0, 1)
        """
        with self._lock:
            draw = self._draw
            if draw > _MASK64:
                raise OverflowError("Generator: all 2**64 draw numbers have been used")
            self._draw = draw + 1
            return self._key, draw

    def spawn(self, n: int) -> list[Generator]:
        """Make ``n`` independent child generators.

        The ``m``-th child spawned overall gets the key ``splitmix64(key ^ splitmix64(SALT + m))``:
        spawning again gives new children, and the parent's own draws are not affected. Child
        keys collide with other keys no more often than the keys of random seeds do.

        Raises:
            TypeError: ``n`` is not an int.
            ValueError: ``n`` is negative.

        Example:
            >>> import lucid
            >>> children = lucid.random.Generator(0).spawn(2)
            >>> children[0].key != children[1].key
            True
        """
        if isinstance(n, bool):
            raise TypeError("Generator.spawn(): n must be an int, got bool")
        try:
            n = operator.index(n)
        except TypeError:
            raise TypeError(f"Generator.spawn(): n must be an int, got {type(n).__name__}") from None
        if n < 0:
            raise ValueError(f"Generator.spawn(): n must be >= 0, got {n}")
        with self._lock:
            first = self._spawned
            self._spawned += n
        return [_keyed(splitmix64(self._key ^ splitmix64((_SPAWN_SALT + m) & _MASK64)))
                for m in range(first, first + n)]

    def child(self, name: str) -> Generator:
        """The generator of the stream named ``name``: a fresh generator keyed ``name_key(key, name)``.

        A pure function of this generator's key and ``name``: the same name gives a generator
        with the same key and draw 0 every time, and asking for it does not change this
        generator's state. :func:`lucid.torch.init_module` fills each parameter from the child
        named by its qualified name (``"layer1.0.conv1.weight"``), so a parameter's values do
        not depend on which other parameters exist or in which order they are filled.

        Raises:
            TypeError: ``name`` is not a str.

        Example:
            >>> import lucid
            >>> g = lucid.random.Generator(0)
            >>> g.child("fc.weight").key == g.child("fc.weight").key != g.child("fc.bias").key
            True
        """
        if not isinstance(name, str):
            raise TypeError(f"Generator.child(): name must be a str, got {type(name).__name__}")
        return _keyed(name_key(self._key, name))

    def get_state(self) -> dict[str, int | None]:
        """The state as a dict: ``key``, ``draw`` and ``spawned`` (ints) and ``seed`` (int or None).

        Example:
            >>> import lucid
            >>> g = lucid.random.Generator(1)
            >>> state = g.get_state()
            >>> state["draw"]
            0
        """
        with self._lock:
            return {"seed": self._seed, "key": self._key, "draw": self._draw, "spawned": self._spawned}

    def set_state(self, state: dict[str, int | None]) -> None:
        """Restore a state from :meth:`get_state`: the next fills repeat the ones made after it.

        Raises:
            TypeError: ``state`` is not a dict of ints.
            ValueError: ``state`` lacks a key or a value is out of range.
        """
        if not isinstance(state, dict):
            raise TypeError(f"Generator.set_state(): state must be a dict, got {type(state).__name__}")
        missing = {"key", "draw", "spawned"} - state.keys()
        if missing:
            raise ValueError(f"Generator.set_state(): state lacks {sorted(missing)}")
        key = _check_uint64("state['key']", state["key"], "Generator.set_state()")
        draw = _check_uint64("state['draw']", state["draw"], "Generator.set_state()")
        spawned = _check_uint64("state['spawned']", state["spawned"], "Generator.set_state()")
        seed = state.get("seed")
        if seed is not None:
            seed = _check_uint64("state['seed']", seed, "Generator.set_state()")
        with self._lock:
            self._seed = seed
            self._key = key
            self._draw = draw
            self._spawned = spawned

    def __reduce__(self) -> tuple[Any, tuple[dict[str, int | None]]]:
        # Pickle and copy by state: a copy continues the same stream from the same draw.
        return _from_state, (self.get_state(),)

    def __repr__(self) -> str:
        return f"Generator(key=0x{self._key:016x}, draw={self._draw})"


def _keyed(key: int) -> Generator:
    """A fresh generator (no seed, draw 0, nothing spawned) with the 64-bit ``key``."""
    generator = Generator.__new__(Generator)
    generator._seed = None
    generator._lock = threading.Lock()
    generator._key = key
    generator._draw = 0
    generator._spawned = 0
    _live.add(generator)
    return generator


def _from_state(state: dict[str, int | None]) -> Generator:
    generator = Generator(0)
    generator.set_state(state)
    return generator


def _reinit_locks_after_fork() -> None:
    # A lock held by another thread at fork time would stay locked forever in the child.
    for generator in list(_live):
        generator._lock = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_reinit_locks_after_fork)

_default = Generator()


def default_generator() -> Generator:
    """The generator that fills use when no ``generator=`` is given.

    It starts from operating-system entropy; :func:`seed` makes it reproducible.
    """
    return _default


def seed(n: int) -> None:
    """Reset the default generator to ``Generator(n)``'s state.

    Example:
        >>> import lucid
        >>> from lucid.nn.init import normal
        >>> a, b = lucid.zeros(3), lucid.zeros(3)
        >>> lucid.random.seed(0); normal(a)
        >>> lucid.random.seed(0); normal(b)
        >>> bool((a.numpy() == b.numpy()).all())
        True
    """
    fresh = Generator(_check_uint64("n", n, "seed()"))
    _default.set_state(fresh.get_state())


def get_state() -> dict[str, int | None]:
    """The default generator's state (see :meth:`Generator.get_state`)."""
    return _default.get_state()


def set_state(state: dict[str, int | None]) -> None:
    """Restore the default generator's state (see :meth:`Generator.set_state`)."""
    _default.set_state(state)
