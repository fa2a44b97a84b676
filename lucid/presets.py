"""Parameter shapes of real architectures, for ``python -m lucid``.

A preset is a list of ``(name, shape)`` pairs, one per learnable parameter, in
the order and with the names of the model's PyTorch ``state_dict`` (buffers such
as batch-norm running statistics are not parameters and are left out). Shapes
use PyTorch's layout: ``(out, in)`` for a linear weight, ``(out, in, kh, kw)``
for a convolution weight; biases and normalization weights are 1-D.

- ``mlp``: a 784-512-256-10 multilayer perceptron (MNIST-sized), 535,818 parameters.
- ``resnet50``: torchvision's ``resnet50()``, 25,557,032 parameters.
- ``vit-b16``: torchvision's ``vit_b_16()``, 86,567,656 parameters.

Example:
    >>> from lucid.presets import preset, PRESETS
    >>> PRESETS
    ('mlp', 'resnet50', 'vit-b16')
    >>> preset("mlp")[:2]
    [('0.weight', (512, 784)), ('0.bias', (512,))]
"""

from __future__ import annotations

import math
from collections.abc import Callable

__all__ = ["PRESETS", "Param", "count", "preset"]

Param = tuple[str, tuple[int, ...]]


def _linear(name: str, n_in: int, n_out: int, bias: bool = True) -> list[Param]:
    params: list[Param] = [(f"{name}.weight", (n_out, n_in))]
    if bias:
        params.append((f"{name}.bias", (n_out,)))
    return params


def _conv(name: str, n_in: int, n_out: int, kernel: int) -> list[Param]:
    """A convolution without bias (ResNets follow every conv with batch norm)."""
    return [(f"{name}.weight", (n_out, n_in, kernel, kernel))]


def _norm(name: str, n: int) -> list[Param]:
    """Batch norm or layer norm: a 1-D weight (scale) and bias (shift)."""
    return [(f"{name}.weight", (n,)), (f"{name}.bias", (n,))]


def _mlp() -> list[Param]:
    """784-512-256-10 linear layers (``nn.Sequential`` names: ReLUs sit at indices 1 and 3)."""
    widths = [784, 512, 256, 10]
    params: list[Param] = []
    for i, (n_in, n_out) in enumerate(zip(widths[:-1], widths[1:], strict=True)):
        params += _linear(str(2 * i), n_in, n_out)
    return params


def _resnet50() -> list[Param]:
    """torchvision ``resnet50()``: bottleneck blocks [3, 4, 6, 3], expansion 4, 1000 classes."""
    params = _conv("conv1", 3, 64, 7) + _norm("bn1", 64)
    inplanes = 64
    for stage, (planes, blocks) in enumerate([(64, 3), (128, 4), (256, 6), (512, 3)], start=1):
        for b in range(blocks):
            prefix = f"layer{stage}.{b}"
            params += _conv(f"{prefix}.conv1", inplanes, planes, 1) + _norm(f"{prefix}.bn1", planes)
            params += _conv(f"{prefix}.conv2", planes, planes, 3) + _norm(f"{prefix}.bn2", planes)
            params += _conv(f"{prefix}.conv3", planes, planes * 4, 1) + _norm(f"{prefix}.bn3", planes * 4)
            if b == 0:  # the first block of each stage changes the width (and the stride): a 1x1 projection
                params += _conv(f"{prefix}.downsample.0", inplanes, planes * 4, 1)
                params += _norm(f"{prefix}.downsample.1", planes * 4)
            inplanes = planes * 4
    return params + _linear("fc", 2048, 1000)


def _vit_b16() -> list[Param]:
    """torchvision ``vit_b_16()``: 224x224 images, 16x16 patches, 12 blocks of width 768, MLP 3072."""
    width, mlp, layers, tokens = 768, 3072, 12, (224 // 16) ** 2 + 1
    params: list[Param] = [
        ("class_token", (1, 1, width)),
        ("conv_proj.weight", (width, 3, 16, 16)),
        ("conv_proj.bias", (width,)),
        ("encoder.pos_embedding", (1, tokens, width)),
    ]
    for i in range(layers):
        prefix = f"encoder.layers.encoder_layer_{i}"
        params += _norm(f"{prefix}.ln_1", width)
        params += [
            (f"{prefix}.self_attention.in_proj_weight", (3 * width, width)),  # q, k and v stacked
            (f"{prefix}.self_attention.in_proj_bias", (3 * width,)),
        ]
        params += _linear(f"{prefix}.self_attention.out_proj", width, width)
        params += _norm(f"{prefix}.ln_2", width)
        params += _linear(f"{prefix}.mlp.0", width, mlp) + _linear(f"{prefix}.mlp.3", mlp, width)
    return params + _norm("encoder.ln", width) + _linear("heads.head", width, 1000)


_BUILDERS: dict[str, Callable[[], list[Param]]] = {
    "mlp": _mlp,
    "resnet50": _resnet50,
    "vit-b16": _vit_b16,
}

PRESETS: tuple[str, ...] = tuple(_BUILDERS)


def preset(name: str) -> list[Param]:
    """The ``(name, shape)`` pairs of preset ``name``, one per parameter, in ``state_dict`` order.

    Raises:
        ValueError: ``name`` is not one of :data:`PRESETS`.

    Example:
        >>> from lucid.presets import preset
        >>> preset("resnet50")[0]
        ('conv1.weight', (64, 3, 7, 7))
    """
    try:
        builder = _BUILDERS[name]
    except (KeyError, TypeError):
        raise ValueError(f"preset(): name must be one of {', '.join(PRESETS)}, got {name!r}") from None
    return builder()


def count(params: list[Param]) -> int:
    """The total number of elements of ``params``.

    Example:
        >>> from lucid.presets import count, preset
        >>> count(preset("resnet50"))
        25557032
    """
    return sum(math.prod(shape) for _, shape in params)
