"""Sharded initialization of a 350 M-parameter transformer: 2 gloo ranks (FSDP2 on meta) vs one process.

Measures, never asserts. Each rank builds the model on the meta device, shards it with FSDP2's
``fully_shard`` and runs ``lucid.torch.init_module(model, seed=0)``; the single process builds the
same model on the CPU and runs ``init_module`` on it. Each process reports its resident set before
the initialization (the model on meta, or built on the CPU for the single process, which is then
already counted) and its peak after, so "peak growth" is what initialization itself cost. The goal:
each rank's growth at most 0.6x the full model's bytes (it holds half the model).

    python benchmarks/shard_bench.py [--layers 24] [--width 1024] [--json]

Needs the torch extra (torch 2.13, CPU) and 2 cores; about a minute and 4 GB of memory.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import socket
import subprocess
import sys
import time

VOCAB = 50257


def build(layers: int, width: int):
    import torch.nn as nn

    layer = nn.TransformerEncoderLayer(width, width // 64, 4 * width, batch_first=True)
    return nn.Sequential(nn.Embedding(VOCAB, width), nn.TransformerEncoder(layer, layers, enable_nested_tensor=False),
                         nn.LayerNorm(width))


def rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def peak_bytes() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def rank_main(rank: int, world: int, port: int, layers: int, width: int, queue) -> None:
    import torch
    import torch.distributed as dist
    from torch.distributed.device_mesh import init_device_mesh
    from torch.distributed.fsdp import fully_shard

    import lucid.torch

    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
    dist.init_process_group("gloo", rank=rank, world_size=world)
    mesh = init_device_mesh("cpu", (world,))
    with torch.device("meta"):
        model = build(layers, width)
    for layer in model[1].layers:
        fully_shard(layer, mesh=mesh)
    fully_shard(model, mesh=mesh)
    lucid.torch.init_module(torch.nn.Linear(4, 4), seed=0)  # load the kernels before measuring
    dist.barrier()
    before, start = rss_bytes(), time.perf_counter()
    lucid.torch.init_module(model, seed=0)
    seconds = time.perf_counter() - start
    local = sum(p.to_local().numel() * p.element_size() for p in model.parameters())
    queue.put({"rank": rank, "seconds": seconds, "rss_before": before, "peak": peak_bytes(), "local_bytes": local})
    dist.barrier()
    dist.destroy_process_group()


def single(layers: int, width: int) -> dict:
    import torch

    import lucid.torch

    model = build(layers, width)  # PyTorch's own init runs here (and is not timed)
    lucid.torch.init_module(torch.nn.Linear(4, 4), seed=0)
    before, start = rss_bytes(), time.perf_counter()
    lucid.torch.init_module(model, seed=0)
    seconds = time.perf_counter() - start
    params = sum(p.numel() for p in model.parameters())
    return {"seconds": seconds, "rss_before": before, "peak": peak_bytes(), "params": params,
            "bytes": sum(p.numel() * p.element_size() for p in model.parameters())}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def machine() -> dict:
    flags = ""
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("flags"):
                flags = line
                break
    import torch

    return {"cpu": platform.processor() or platform.machine(), "avx512f": " avx512f" in flags,
            "avx2": " avx2" in flags, "cores": os.cpu_count(), "torch": torch.__version__,
            "load": os.getloadavg()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--layers", type=int, default=24)
    parser.add_argument("--width", type=int, default=1024)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--single", action="store_true", help=argparse.SUPPRESS)  # the child process
    args = parser.parse_args()
    if args.single:
        print(json.dumps(single(args.layers, args.width)))
        return
    import torch.multiprocessing as mp

    one = json.loads(subprocess.run([sys.executable, __file__, "--single", "--layers", str(args.layers),
                                     "--width", str(args.width)], capture_output=True, text=True, check=True,
                                    timeout=900).stdout)
    queue = mp.get_context("spawn").Queue()
    context = mp.start_processes(rank_main, args=(2, free_port(), args.layers, args.width, queue), nprocs=2,
                                 join=False, start_method="spawn")
    deadline = time.monotonic() + 900
    while not context.join(timeout=5):
        if time.monotonic() > deadline:
            for p in context.processes:
                p.kill()
            sys.exit("the ranks did not finish in 900 s")
    ranks = sorted((queue.get() for _ in range(2)), key=lambda r: r["rank"])
    report = {"machine": machine(), "params": one["params"], "model_bytes": one["bytes"], "single": one,
              "ranks": ranks}
    if args.json:
        print(json.dumps(report, indent=1))
        return
    gib = 2**30
    print(f"model: {one['params'] / 1e6:.1f} M parameters, {one['bytes'] / gib:.2f} GiB float32; machine: "
          f"{report['machine']}")
    print(f"{'':>16} {'time (s)':>9} {'RSS before':>11} {'peak':>9} {'peak growth':>12} {'growth / model':>15}")
    for label, r in [("single process", one)] + [(f"rank {r['rank']} of 2", r) for r in ranks]:
        growth = r["peak"] - r["rss_before"]
        print(f"{label:>16} {r['seconds']:9.2f} {r['rss_before'] / gib:10.2f}G {r['peak'] / gib:8.2f}G "
              f"{growth / gib:11.2f}G {growth / one['bytes']:15.2f}")
    print("goal: each rank's peak growth <= 0.60x the model's bytes")


if __name__ == "__main__":
    main()
