"""Weight initializers: ``lucid.nn.init``.

Three vocabularies over one mechanism:

* Lucid's own names (``kaiming_normal(w, mode="fan_in")``, ...): fill in place, return None.
* PyTorch's names (``kaiming_normal_(w, a=0, mode="fan_in", nonlinearity="leaky_relu")``, ...):
  the same signatures and defaults as ``torch.nn.init``, returning the tensor.
* JAX's and Keras's ``variance_scaling(w, scale, mode, distribution)``, its aliases
  ``lecun_*``, ``glorot_*``, ``he_*``, and ``truncated_normal(w, stddev, lower, upper)``;
  timm's ``variance_scaling_``, ``lecun_normal_`` and ``trunc_normal_tf_`` for the same
  maths on PyTorch's layout.

Every fan-based initializer, in any vocabulary, is a thin wrapper over one
variance-scaling core with standard deviation ``gain / sqrt(fan)``. Each vocabulary
keeps its framework's layout: Lucid's and PyTorch's names (and timm's) read
``(out, in, *kernel)`` (``fan_in = shape[1] * prod(shape[2:])``), JAX's names read
``(..., in, out)`` (``in_axis=-2, out_axis=-1``). Every fan-based initializer takes
``in_axis``/``out_axis``/``batch_axis`` for any other layout.

Every argument is checked before the first element is written: a bad call raises
``TypeError`` (a wrong kind of object or dtype) or ``ValueError`` (a bad value, shape or
mode) and leaves the tensor bit-for-bit unchanged. A tensor with no elements is left
alone with a ``UserWarning``. Tensors may be ``lucid.Tensor``, writable float NumPy
arrays, or PyTorch CPU tensors (filled in place through a shared-memory view; the tensor's
autograd version counter moves as with PyTorch's own in-place init).
"""

from ._checks import bumps_version as _bumps_version
from ._gains import calculate_gain
from ._initializers import (
    constant,
    dirac,
    eye,
    glorot_normal,
    glorot_uniform,
    he_normal,
    he_uniform,
    kaiming_normal,
    kaiming_uniform,
    lecun_normal,
    lecun_uniform,
    normal,
    ones,
    orthogonal,
    sparse,
    trunc_normal,
    truncated_normal,
    uniform,
    variance_scaling,
    xavier_normal,
    xavier_uniform,
    zeros,
)
from ._pytorch import (
    constant_,
    dirac_,
    eye_,
    kaiming_normal_,
    kaiming_uniform_,
    lecun_normal_,
    normal_,
    ones_,
    orthogonal_,
    sparse_,
    trunc_normal_,
    trunc_normal_tf_,
    uniform_,
    variance_scaling_,
    xavier_normal_,
    xavier_uniform_,
    zeros_,
)

__all__ = [
    "calculate_gain",
    "constant",
    "constant_",
    "dirac",
    "dirac_",
    "eye",
    "eye_",
    "glorot_normal",
    "glorot_uniform",
    "he_normal",
    "he_uniform",
    "kaiming_normal",
    "kaiming_normal_",
    "kaiming_uniform",
    "kaiming_uniform_",
    "lecun_normal",
    "lecun_normal_",
    "lecun_uniform",
    "normal",
    "normal_",
    "ones",
    "ones_",
    "orthogonal",
    "orthogonal_",
    "sparse",
    "sparse_",
    "trunc_normal",
    "trunc_normal_",
    "trunc_normal_tf_",
    "truncated_normal",
    "uniform",
    "uniform_",
    "variance_scaling",
    "variance_scaling_",
    "xavier_normal",
    "xavier_normal_",
    "xavier_uniform",
    "xavier_uniform_",
    "zeros",
    "zeros_",
]

# A write into a PyTorch tensor moves its autograd version counter, as PyTorch's own in-place init does.
for _name in __all__:
    if _name != "calculate_gain":
        globals()[_name] = _bumps_version(globals()[_name])
del _name
