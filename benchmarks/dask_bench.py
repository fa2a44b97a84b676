"""Dask: a 2^30-element float32 kaiming_normal on a 2-worker LocalCluster against the single-process kernel.

Run: ``python benchmarks/dask_bench.py [--log2 30] [--chunk-rows 65536]``. Prints seconds and elements/s for
both, and checks that a slab of the cluster's array equals the same rows of the in-memory fill.
"""

from __future__ import annotations

import argparse
import gc
import time

import numpy as np


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--log2", type=int, default=30, help="log2 of the element count (default 30)")
    parser.add_argument("--chunk-rows", type=int, default=65536, help="rows of 1024 float32 per chunk")
    args = parser.parse_args()

    import distributed

    import lucid
    import lucid.dask
    from lucid.nn.init import kaiming_normal

    n = 1 << args.log2
    shape = (n // 1024, 1024)
    chunks = (min(args.chunk_rows, shape[0]), 1024)
    print(f"shape {shape} float32 ({n * 4 / 2**30:.1f} GiB), chunks {chunks}")

    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, host="127.0.0.1", processes=True,
                                  dashboard_address=None, memory_limit="8GiB") as cluster, \
            distributed.Client(cluster) as client:
        warm = lucid.dask.kaiming_normal((4096, 1024), chunks=(2048, 1024), seed=0)
        client.compute(warm).result()  # workers load the compiled kernels
        x = lucid.dask.kaiming_normal(shape, chunks=chunks, seed=0)
        t0 = time.perf_counter()
        x = x.persist()
        distributed.wait(x)
        cluster_s = time.perf_counter() - t0
        slab = client.compute(x[: chunks[0] + 7]).result()
        del x
    print(f"LocalCluster (2 workers x 1 thread): {cluster_s:.2f} s, {n / cluster_s / 1e6:.0f} M elements/s")

    gc.collect()
    t0 = time.perf_counter()
    w = np.empty(shape, np.float32)  # fresh memory, as each Dask chunk gets: page faults included
    kaiming_normal(w, generator=lucid.random.Generator(0))
    single_s = time.perf_counter() - t0
    print(f"single process, fresh memory:         {single_s:.2f} s, {n / single_s / 1e6:.0f} M elements/s")
    t0 = time.perf_counter()
    kaiming_normal(w, generator=lucid.random.Generator(0))
    touched_s = time.perf_counter() - t0
    print(f"single process, memory already mapped: {touched_s:.2f} s, {n / touched_s / 1e6:.0f} M elements/s")
    same = np.array_equal(slab, w[: slab.shape[0]])
    print(f"first {slab.shape[0]} rows bit-identical to the single-process fill: {same}")
    print(f"cluster / single-process time: {cluster_s / single_s:.2f}")


if __name__ == "__main__":
    main()
