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
        children = []
        for m in range(first, first + n):
            child = Generator.__new__(Generator)
            child._seed = None
            child._lock = threading.Lock()
            child._key = splitmix64(self._key ^ splitmix64((_SPAWN_SALT + m) & _MASK64))
            child._draw = 0
            child._spawned = 0
            _live.add(child)
            children.append(child)
        return children

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
