"""Neural-network helpers: :mod:`lucid.nn.init` holds the weight initializers."""

from . import init

__all__ = ["init"]
