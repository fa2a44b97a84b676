"""What each rank runs in tests/test_torch_distributed.py (a module of its own: spawned ranks import it).

Every scenario returns ``{name: logical tensor}`` on rank 0 (assembled with ``full_tensor()``), which the
parent compares byte for byte with one single-process fill.
"""

from __future__ import annotations

import datetime
import os
import pickle
import sys

import torch
import torch.distributed as dist
from torch import nn

import lucid
import lucid.torch
from lucid.nn import init

# (name, logical shape, mesh shape, placements as (kind, dim) pairs)
PLACEMENTS = [
    ("shard0", (8, 6), (2,), [("S", 0)]),
    ("shard1_uneven", (6, 9), (2,), [("S", 1)]),
    ("shard0_uneven", (5, 3, 2), (2,), [("S", 0)]),
    ("one_row", (1, 4), (2,), [("S", 0)]),  # rank 1's block is empty
    ("replicate", (7, 5), (2,), [("R", None)]),
    ("mesh2x1", (6, 10), (2, 1), [("S", 0), ("S", 1)]),
    ("mesh2x1_replicated", (9, 4), (2, 1), [("R", None), ("S", 0)]),
]
INITIALIZERS = {
    "kaiming_normal": lambda t, g: init.kaiming_normal(t, "fan_out", generator=g),
    "trunc_normal_": lambda t, g: init.trunc_normal_(t, 0.0, 0.02, -0.04, 0.04, g),
    "xavier_uniform_": lambda t, g: init.xavier_uniform_(t, 1.5, g),
    "he_normal": lambda t, g: init.he_normal(t, generator=g),
    "normal": lambda t, g: init.normal(t, 1.0, 2.0, generator=g),
    "orthogonal": lambda t, g: init.orthogonal(t, generator=g),
    "constant_": lambda t, g: init.constant_(t, 0.5),
}


def small_transformer(padding_idx: int | None = 3) -> nn.Module:
    """Embedding, two encoder layers, a norm and a head: every kind of layer FSDP2 shards.

    ``use()`` scenarios leave out the padding row: Embedding zeroes it with a plain indexing write
    (``weight[padding_idx].fill_(0)``), which is PyTorch's DTensor code, not a torch.nn.init call.
    """
    layer = nn.TransformerEncoderLayer(d_model=16, nhead=2, dim_feedforward=24, batch_first=True)
    return nn.Sequential(nn.Embedding(30, 16, padding_idx=padding_idx), nn.TransformerEncoder(layer, 2),
                         nn.LayerNorm(16), nn.Linear(16, 30))


def reset_all(model: nn.Module) -> None:
    """Unmodified model code: every layer's own reset, in module order, routed through Lucid by use()."""
    with lucid.torch.use(seed=0):
        for m in model.modules():
            reset = getattr(m, "reset_parameters", None) or getattr(m, "_reset_parameters", None)
            if reset is not None:
                reset()


def logical(t: torch.Tensor) -> torch.Tensor:
    from torch.distributed.tensor import DTensor

    return t.full_tensor() if isinstance(t, DTensor) else t


def scenario_placements(mesh_for) -> dict[str, torch.Tensor]:
    from torch.distributed.tensor import Replicate, Shard
    from torch.distributed.tensor import empty as dempty

    out = {}
    for case, shape, mesh_shape, placements in PLACEMENTS:
        mesh = mesh_for(mesh_shape)
        places = [Shard(d) if kind == "S" else Replicate() for kind, d in placements]
        for name, fill in INITIALIZERS.items():
            t = dempty(*shape, device_mesh=mesh, placements=places)
            fill(t, lucid.random.Generator(11))
            out[f"{case}/{name}"] = logical(t)
    return out


def scenario_fsdp2(mesh_for) -> dict[str, torch.Tensor]:
    from torch.distributed.fsdp import fully_shard

    mesh = mesh_for((2,))
    with torch.device("meta"):
        model = small_transformer()
    for layer in model[1].layers:
        fully_shard(layer, mesh=mesh)
    fully_shard(model, mesh=mesh)
    lucid.torch.init_module(model, seed=0)
    return {k: logical(v) for k, v in model.state_dict().items()}


def scenario_use(mesh_for) -> dict[str, torch.Tensor]:
    from torch.distributed.fsdp import fully_shard

    mesh = mesh_for((2,))
    with torch.device("meta"):
        model = small_transformer(padding_idx=None)
    fully_shard(model, mesh=mesh)
    model.to_empty(device="cpu")
    reset_all(model)
    return {k: logical(v) for k, v in model.named_parameters()}


SCENARIOS = {"placements": scenario_placements, "fsdp2": scenario_fsdp2, "use": scenario_use}


def rank_main(rank: int, world: int, port: int, scenario: str, out_path: str) -> None:
    """One rank: join the gloo group on 127.0.0.1, run the scenario, rank 0 pickles its tensors."""
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
    dist.init_process_group("gloo", rank=rank, world_size=world, timeout=datetime.timedelta(seconds=120))
    try:
        from torch.distributed.device_mesh import init_device_mesh

        meshes: dict[tuple[int, ...], object] = {}

        def mesh_for(shape: tuple[int, ...]) -> object:
            if shape not in meshes:
                meshes[shape] = init_device_mesh("cpu", shape)
            return meshes[shape]

        result = SCENARIOS[scenario](mesh_for)
        if rank == 0:
            with open(out_path, "wb") as f:
                pickle.dump({k: v.detach().clone() for k, v in result.items()}, f)
        # Both ranks leave their last collective together: one rank tearing gloo down while the other
        # still works is the one teardown race left to an ordinary run.
        dist.barrier()
    finally:
        dist.destroy_process_group()
    # A rank of this test once died of SIGABRT in CI after its work ("terminate called without an active
    # exception", from PyTorch's C++ teardown; not reproduced in 120 runs here). Nothing is left to do:
    # leave without interpreter finalization, where PyTorch's C++ objects are destroyed in no set order.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


def single_process(scenario: str) -> dict[str, torch.Tensor]:
    """What the scenario's tensors must hold: the same fills on whole, ordinary tensors in one process."""
    if scenario == "placements":
        out = {}
        for case, shape, _, _ in PLACEMENTS:
            for name, fill in INITIALIZERS.items():
                t = torch.empty(*shape)
                fill(t, lucid.random.Generator(11))
                out[f"{case}/{name}"] = t
        return out
    model = small_transformer(padding_idx=3 if scenario == "fsdp2" else None)
    if scenario == "fsdp2":
        lucid.torch.init_module(model, seed=0)
        return dict(model.state_dict())
    reset_all(model)
    return dict(model.named_parameters())


if __name__ == "__main__":  # pragma: no cover - a manual check
    print(sorted(single_process(sys.argv[1])))
