#!/usr/bin/env python
"""Initializing whole PyTorch models: PyTorch's own init beside ``lucid.torch.init_module`` and ``lucid.torch.use``.

Run with Lucid and the ``torch`` extra installed::

    python benchmarks/torch_bench.py                 # ResNet-50 and GPT-2 small, 1 and 2 threads (about 3 min)
    python benchmarks/torch_bench.py --quick         # a smoke run: small models, 2 repeats
    python benchmarks/torch_bench.py --json          # every result as one JSON document on stdout
    python benchmarks/torch_bench.py --save out.json # the tables, and the JSON document in out.json

Two models built from ``torch.nn`` layers with their real shapes: a ResNet-50 (torchvision's Bottleneck
layout, 25.6 M parameters) and a GPT-2 small (nanoGPT's names, the LM head tied to the token embedding,
124.4 M parameters). For each model and thread count (``numba.set_num_threads`` and ``torch.set_num_threads``
together), in one process, the peers take turns and each time is the best of ``--repeats`` rounds:

* re-initializing a built model with its layers' default init: PyTorch (``reset_parameters`` of every
  module), ``init_module(model, seed=0)``, and the same ``reset_parameters`` loop inside ``use(seed=0)``;
* the model's published init on a built model: PyTorch's loop (torchvision's ``kaiming_normal_`` fan_out
  for ResNet, nanoGPT's ``normal_(0, 0.02)`` with scaled residual projections for GPT-2) beside
  ``init_module`` with the equivalent rules;
* building the model from scratch (memory allocation included): PyTorch's constructor, the constructor
  inside ``use(seed=0)``, and building on the meta device followed by ``init_module``.

It only measures. It records the machine (CPU model, AVX2/AVX-512 from /proc/cpuinfo), the load average
and the CPU time other processes took during the run.
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
import sys
import time
import warnings
from collections.abc import Callable
from typing import Any

import bench  # benchmarks/bench.py: timing and machine helpers
import numba

try:
    import torch
    from torch import nn

    import lucid.torch
    from lucid.nn.init import kaiming_normal, normal, ones, zeros
    from lucid.torch import Rule
except ImportError as e:  # pragma: no cover - a usage error, not a measurement
    sys.exit(f"torch_bench.py needs Lucid's torch extra (pip install -e '.[torch]' torch==2.13.0): {e}")


# --- the models -------------------------------------------------------------------------------
class Bottleneck(nn.Module):
    """torchvision's ResNet-50 block: 1x1, 3x3 (stride), 1x1 x4, with a projection on the skip when needed."""

    def __init__(self, c_in: int, width: int, stride: int) -> None:
        super().__init__()
        c_out = width * 4
        self.conv1, self.bn1 = nn.Conv2d(c_in, width, 1, bias=False), nn.BatchNorm2d(width)
        self.conv2, self.bn2 = nn.Conv2d(width, width, 3, stride, 1, bias=False), nn.BatchNorm2d(width)
        self.conv3, self.bn3 = nn.Conv2d(width, c_out, 1, bias=False), nn.BatchNorm2d(c_out)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = None
        if stride != 1 or c_in != c_out:
            self.downsample = nn.Sequential(nn.Conv2d(c_in, c_out, 1, stride, bias=False), nn.BatchNorm2d(c_out))


def resnet50(scale: int = 1) -> nn.Module:
    """ResNet-50's layers (``scale`` divides the widths, for a quick run)."""
    stem = 64 // scale
    layers: list[nn.Module] = [nn.Conv2d(3, stem, 7, 2, 3, bias=False), nn.BatchNorm2d(stem), nn.ReLU(inplace=True),
                               nn.MaxPool2d(3, 2, 1)]
    c = stem
    for i, (blocks, width) in enumerate(zip((3, 4, 6, 3), (64, 128, 256, 512))):
        width //= scale
        for b in range(blocks):
            layers.append(Bottleneck(c, width, 2 if b == 0 and i > 0 else 1))
            c = width * 4
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(c, 1000)]
    return nn.Sequential(*layers)


class Block(nn.Module):
    def __init__(self, d: int) -> None:
        super().__init__()
        self.ln_1, self.ln_2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.attn = nn.ModuleDict({"c_attn": nn.Linear(d, 3 * d), "c_proj": nn.Linear(d, d)})
        self.mlp = nn.ModuleDict({"c_fc": nn.Linear(d, 4 * d), "c_proj": nn.Linear(4 * d, d)})


class GPT2(nn.Module):
    """GPT-2 small's parameters (nanoGPT's names); the LM head shares the token embedding."""

    def __init__(self, vocab: int = 50257, context: int = 1024, d: int = 768, n_layer: int = 12) -> None:
        super().__init__()
        self.n_layer = n_layer
        self.transformer = nn.ModuleDict({"wte": nn.Embedding(vocab, d), "wpe": nn.Embedding(context, d),
                                          "h": nn.ModuleList(Block(d) for _ in range(n_layer)),
                                          "ln_f": nn.LayerNorm(d)})
        self.lm_head = nn.Linear(d, vocab, bias=False)
        self.lm_head.weight = self.transformer["wte"].weight


def gpt2(scale: int = 1) -> nn.Module:
    return GPT2(d=768 // scale, n_layer=12 // scale) if scale > 1 else GPT2()


# --- the inits ----------------------------------------------------------------------------------
def torch_reset(model: nn.Module) -> None:
    """PyTorch's default init of a built model: every module's own reset."""
    for m in model.modules():
        reset = getattr(m, "reset_parameters", None) or getattr(m, "_reset_parameters", None)
        if callable(reset):
            reset()


RESNET_RULES = [
    Rule(kaiming_normal, module=nn.Conv2d, name="weight", mode="fan_out", nonlinearity="relu"),
    Rule(ones, module=(nn.BatchNorm2d, nn.GroupNorm), name="weight"),
    Rule(zeros, module=(nn.BatchNorm2d, nn.GroupNorm), name="bias"),
]


def gpt2_rules(n_layer: int) -> list[Rule]:
    return [
        Rule(normal, module=(nn.Linear, nn.Embedding), name="weight", std=0.02),
        Rule(zeros, module=nn.Linear, name="bias"),
        Rule(normal, name="*c_proj.weight", std=0.02 / math.sqrt(2 * n_layer)),
    ]


def torch_published(model: nn.Module) -> None:
    """The model's published init written with torch.nn.init (torchvision's ResNet, nanoGPT's GPT-2)."""
    if isinstance(model, GPT2):
        for name, p in model.named_parameters():
            std = 0.02 / math.sqrt(2 * model.n_layer) if name.endswith("c_proj.weight") else 0.02
            if name.endswith("bias"):
                nn.init.zeros_(p) if ".ln_" not in name and "ln_f" not in name else None
            elif p.dim() > 1:
                nn.init.normal_(p, 0.0, std)
        return
    for m in model.modules():
        if isinstance(m, nn.Conv2d):
            nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
        elif isinstance(m, (nn.BatchNorm2d, nn.GroupNorm)):
            nn.init.constant_(m.weight, 1)
            nn.init.constant_(m.bias, 0)


def published_rules(model: nn.Module) -> list[Rule]:
    return gpt2_rules(model.n_layer) if isinstance(model, GPT2) else RESNET_RULES


def peers_on_a_built_model(model: nn.Module) -> dict[str, dict[str, Callable[[], Any]]]:
    def in_use() -> None:
        with lucid.torch.use(seed=0):
            torch_reset(model)

    return {
        "default init": {"torch": lambda: torch_reset(model), "init_module": lambda: lucid.torch.init_module(model,
                         seed=0), "use": in_use},
        "published init": {"torch": lambda: torch_published(model),
                           "init_module": lambda: lucid.torch.init_module(model, seed=0,
                                                                          rules=published_rules(model))},
    }


def build_peers(build: Callable[[], nn.Module]) -> dict[str, Callable[[], Any]]:
    def in_use() -> nn.Module:
        with lucid.torch.use(seed=0):
            return build()

    def on_meta() -> nn.Module:
        with torch.device("meta"):
            model = build()
        return lucid.torch.init_module(model, seed=0)

    return {"torch": build, "use": in_use, "meta + init_module": on_meta}


def time_builds(peers: dict[str, Callable[[], nn.Module]], repeats: int) -> dict[str, dict[str, float]]:
    """Best and median seconds of each build, the peers taking turns; each model is freed before the next."""
    samples: dict[str, list[float]] = {name: [] for name in peers}
    names = list(peers)
    for fn in peers.values():  # warm-up
        fn()
        gc.collect()
    for r in range(repeats):
        for name in names[r % len(names):] + names[: r % len(names)]:
            gc.collect()
            start = time.perf_counter()
            model = peers[name]()
            samples[name].append(time.perf_counter() - start)
            del model
    return {name: {"best_s": min(s), "median_s": sorted(s)[len(s) // 2]} for name, s in samples.items()}


# --- the machine ----------------------------------------------------------------------------------
def simd() -> str:
    """AVX-512 (``avx512f``), AVX2 or neither, from /proc/cpuinfo's flags."""
    try:
        with open("/proc/cpuinfo") as f:
            flags = next((line.split(":", 1)[1].split() for line in f if line.startswith("flags")), [])
    except OSError:
        return "unknown"
    return "AVX-512" if "avx512f" in flags else "AVX2" if "avx2" in flags else "no AVX2"


def machine() -> dict[str, Any]:
    commit, changed = bench.git_state()
    return {"cpu": bench.cpu_model(), "simd": simd(), "cpu_count": os.cpu_count(), "torch": torch.__version__,
            "numba": numba.__version__, "lucid_commit": commit, "lucid_changed_files": changed,
            "loadavg_before": os.getloadavg()}


def run(args: argparse.Namespace) -> dict[str, Any]:
    scale = 4 if args.quick else 1
    builds = {"resnet50": lambda: resnet50(scale), "gpt2-small": lambda: gpt2(scale)}
    results: dict[str, Any] = {"machine": machine(), "repeats": args.repeats, "records": []}
    start = bench.cpu_snapshot()
    for model_name in args.models:
        build = builds[model_name]
        model = build()
        params = sum(p.numel() for p in model.parameters())
        for threads in args.threads:
            bench.set_threads(threads)
            print(f"{model_name} ({params / 1e6:.1f} M parameters), {threads} thread(s) ...", file=sys.stderr)
            before = bench.cpu_snapshot()
            for case, peers in peers_on_a_built_model(model).items():
                timed = bench.interleaved(peers, args.repeats, 0.0)
                results["records"].append({"model": model_name, "params": params, "threads": threads, "case": case,
                                           "times": timed, "foreign_cores": bench.foreign_load(before)})
            timed = time_builds(build_peers(build), args.repeats)
            results["records"].append({"model": model_name, "params": params, "threads": threads, "case": "build",
                                       "times": timed, "foreign_cores": bench.foreign_load(before)})
        del model
        gc.collect()
    results["machine"]["foreign_cores_run"] = bench.foreign_load(start)
    results["machine"]["loadavg_after"] = os.getloadavg()
    return results


def report(results: dict[str, Any]) -> str:
    m = results["machine"]
    lines = [f"CPU: {m['cpu']} ({m['simd']}), {m['cpu_count']} logical CPUs; torch {m['torch']}, numba {m['numba']}, "
             f"Lucid @ {m['lucid_commit']}",
             f"load average before {tuple(round(x, 2) for x in m['loadavg_before'])}, after "
             f"{tuple(round(x, 2) for x in m['loadavg_after'])}; other processes kept "
             f"{m['foreign_cores_run']:.2f} cores busy on average",
             f"best of {results['repeats']} rounds, seconds (median in brackets); speedup = torch / peer", ""]
    rows = []
    for r in results["records"]:
        base = r["times"]["torch"]["best_s"]
        for peer, t in r["times"].items():
            rows.append([r["model"], str(r["threads"]), r["case"], peer, f"{t['best_s']:.3f} ({t['median_s']:.3f})",
                         f"{base / t['best_s']:.2f}", f"{r['foreign_cores']:.2f}"])
    lines.append(bench.format_table(["model", "threads", "case", "peer", "seconds", "speedup", "other load"], rows))
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", nargs="+", default=["resnet50", "gpt2-small"], choices=["resnet50", "gpt2-small"])
    parser.add_argument("--threads", nargs="+", type=int, default=[1, 2])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="models with a quarter of the widths, 2 repeats")
    parser.add_argument("--json", action="store_true", help="print every result as JSON")
    parser.add_argument("--save", metavar="PATH", help="also write every result as JSON to PATH")
    args = parser.parse_args()
    if args.quick:
        args.repeats = min(args.repeats, 2)
    warnings.simplefilter("ignore")
    results = run(args)
    if args.save:
        with open(args.save, "w") as f:
            json.dump(results, f, indent=1)
    print(json.dumps(results, indent=1) if args.json else report(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
