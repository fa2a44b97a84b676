"""Models built from PyTorch layers for the PyTorch tests (and their subprocesses); needs PyTorch."""

import pytest

torch = pytest.importorskip("torch", reason="needs PyTorch: nox -s torch runs these tests")
nn = torch.nn


def block(c_in: int, c_out: int, stride: int) -> "nn.Module":
    """Two 3x3 convolutions with batch norms: a ResNet-style block without the skip."""
    return nn.Sequential(nn.Conv2d(c_in, c_out, 3, stride, 1, bias=False), nn.BatchNorm2d(c_out), nn.ReLU(),
                         nn.Conv2d(c_out, c_out, 3, 1, 1, bias=False), nn.BatchNorm2d(c_out), nn.ReLU())


def build_cnn() -> "nn.Module":
    """A ResNet-style CNN (1.6 M parameters; its largest weights take Lucid's parallel path)."""
    return nn.Sequential(nn.Conv2d(3, 64, 7, 2, 3, bias=False), nn.BatchNorm2d(64), nn.ReLU(),
                         block(64, 64, 1), block(64, 128, 2), block(128, 256, 2),
                         nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(256, 1000))


def build_transformer() -> "nn.Module":
    """A small torch.nn.Transformer (its feed-forward weights take Lucid's parallel path)."""
    return nn.Transformer(d_model=256, nhead=4, num_encoder_layers=2, num_decoder_layers=2, dim_feedforward=1024)


def digest(module: "nn.Module") -> str:
    """SHA-256 of a module's state_dict: names and bytes of every parameter and buffer."""
    import hashlib

    h = hashlib.sha256()
    for name, t in module.state_dict().items():
        h.update(name.encode())
        h.update(t.detach().contiguous().reshape(-1).view(torch.uint8).numpy().tobytes())
    return h.hexdigest()
