"""DTensor and FSDP2: each rank fills its own shard, and the union equals one single-process fill, byte for byte.

Two ranks with the gloo backend on 127.0.0.1, a free port found at run time, spawned processes and a
bounded wait (a hang fails the test). Runs in ``nox -s torch``.
"""

import os
import pickle
import socket
import time

import pytest

torch = pytest.importorskip("torch", reason="a PyTorch test: nox -s torch runs it")
if not torch.distributed.is_available() or not torch.distributed.is_gloo_available():
    pytest.skip("torch.distributed with gloo is not available in this PyTorch build", allow_module_level=True)

from . import distributed_ranks  # noqa: E402

TIMEOUT = 300  # seconds for two ranks to start, compile Lucid's kernels if need be, and finish


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_ranks(scenario: str, tmp_path, world: int = 2) -> dict:
    out = str(tmp_path / f"{scenario}.pkl")
    context = torch.multiprocessing.start_processes(
        distributed_ranks.rank_main, args=(world, free_port(), scenario, out), nprocs=world, join=False,
        start_method="spawn")
    deadline = time.monotonic() + TIMEOUT
    while not context.join(timeout=5):
        if time.monotonic() > deadline:
            for process in context.processes:
                process.kill()
            pytest.fail(f"the {world} ranks of {scenario!r} did not finish within {TIMEOUT} s")
    with open(out, "rb") as f:
        return pickle.load(f)


def assert_same_bytes(got: dict, want: dict) -> None:
    assert sorted(got) == sorted(want)
    different = [k for k in want if got[k].dtype != want[k].dtype or got[k].shape != want[k].shape
                 or got[k].numpy().tobytes() != want[k].detach().numpy().tobytes()]
    assert not different, f"{len(different)} of {len(want)} tensors differ, e.g. {different[:5]}"


@pytest.mark.slow
def test_dtensor_placements_fill_like_one_tensor(tmp_path):
    """Shard(0), Shard(1), uneven shards, an empty block, Replicate, and a 2x1 mesh, for several initializers."""
    assert_same_bytes(run_ranks("placements", tmp_path), distributed_ranks.single_process("placements"))


@pytest.mark.slow
def test_fsdp2_on_meta_equals_the_single_process_init_module(tmp_path):
    assert_same_bytes(run_ranks("fsdp2", tmp_path), distributed_ranks.single_process("fsdp2"))


@pytest.mark.slow
def test_use_routes_dtensor_resets_like_one_process(tmp_path):
    assert_same_bytes(run_ranks("use", tmp_path), distributed_ranks.single_process("use"))


def test_partial_dtensors_are_refused(monkeypatch):
    """A Partial placement holds summands, not a box: refused before any write (checked without a process group)."""
    from torch.distributed.tensor import Partial

    import lucid.nn.init as init
    from lucid.nn import _checks

    class FakeDTensor(torch.Tensor):
        placements = (Partial(),)

    monkeypatch.setattr(torch.distributed.tensor, "DTensor", FakeDTensor)
    t = torch.zeros(3, 3).as_subclass(FakeDTensor)
    with pytest.raises(ValueError, match="cannot be filled as one box per rank"):
        init.normal(t)
    assert _checks.is_dtensor(t) and (t.as_subclass(torch.Tensor) == 0).all()


def test_rank_scenarios_are_importable_by_spawned_processes():
    assert os.path.basename(distributed_ranks.__file__) == "distributed_ranks.py"
