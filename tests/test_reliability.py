"""Threads, forks and processes: no crash, no abort, and the values the stream contract says.

Each scenario runs in a fresh interpreter, so an abort or a crash of the threading
layer fails the test instead of killing the test runner, and so each of Numba's
threading layers can be tried.
"""

import json

import pytest

from .conftest import run_python

LAYERS = ["default", "workqueue", "omp"]

THREADS = """
import hashlib, json, threading
import numpy as np
import lucid
from lucid.nn import init

SHAPES = [(64, 64), (300, 700), (3, 5), (1024, 257)]   # small ones and ones past the parallel threshold

def work(seed, out):
    g = lucid.random.Generator(seed)
    digest = hashlib.sha256()
    for i in range(100):
        t = lucid.zeros(SHAPES[i % len(SHAPES)])
        (init.kaiming_normal if i % 2 else init.uniform)(t, generator=g)
        digest.update(t.numpy().tobytes())
    out[seed] = digest.hexdigest()

alone = {}
for seed in range(8):
    work(seed, alone)
together = {}
threads = [threading.Thread(target=work, args=(seed, together)) for seed in range(8)]
for t in threads: t.start()
for t in threads: t.join()

# The shared default generator: 8 threads x 100 fills take 800 distinct draws.
lucid.random.seed(0)
seen = []
lock = threading.Lock()
def shared():
    for i in range(100):
        t = lucid.zeros(300, 700) if i % 10 == 0 else lucid.zeros(16)
        init.normal(t)
        with lock:
            seen.append(t.numpy()[:4].tobytes())
threads = [threading.Thread(target=shared) for _ in range(8)]
for t in threads: t.start()
for t in threads: t.join()
print(json.dumps({"same": alone == together, "draws": lucid.random.get_state()["draw"],
                  "distinct": len(set(seen))}))
"""


@pytest.mark.slow
@pytest.mark.parametrize("layer", LAYERS)
def test_eight_threads_fill_at_once(layer):
    env = {} if layer == "default" else {"NUMBA_THREADING_LAYER": layer}
    result = json.loads(run_python(THREADS, **env))
    assert result["same"], result
    assert result["draws"] == 800 and result["distinct"] == 800, result


FORKS = """
import json, multiprocessing as mp, os
import numpy as np
import lucid
from lucid.nn import init

def expected(draw):
    g = lucid.random.Generator(5)
    g.set_state({"key": g.key, "draw": draw, "spawned": 0})
    t = lucid.zeros(512, 512)
    init.kaiming_normal(t, generator=g)
    return t.numpy().tobytes()

def child_fill(queue):
    g = lucid.random.Generator(5)
    t = lucid.zeros(512, 512)
    init.kaiming_normal(t, generator=g)   # draw 0 of seed 5, in the child
    queue.put(t.numpy().tobytes())

def big_fill():
    t = lucid.zeros(1024, 1024)   # past the parallel threshold
    init.kaiming_normal(t, generator=lucid.random.Generator(5))
    return t.numpy().tobytes()

def main():
    # The parent runs parallel fills first: this is what breaks GNU OpenMP in a forked child.
    for _ in range(3):
        init.kaiming_normal(lucid.zeros(1024, 1024))
    want = expected(0)
    want_big = big_fill()
    results = {}

    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        g = lucid.random.Generator(5)
        t = lucid.zeros(512, 512)
        init.kaiming_normal(t, generator=g)
        os.write(w, b"ok" if t.numpy().tobytes() == want else b"bad")
        os._exit(0)
    os.close(w)
    _, status = os.waitpid(pid, 0)
    results["os.fork"] = os.read(r, 16).decode() if status == 0 else f"status {status}"

    for method in ["fork", "spawn"]:
        ctx = mp.get_context(method)
        queue = ctx.Queue()
        p = ctx.Process(target=child_fill, args=(queue,))
        p.start()
        try:
            got = queue.get(timeout=120)
            results[method] = "ok" if got == want else "bad"
        except Exception as e:
            results[method] = repr(e)
        p.join()
        if p.exitcode:
            results[method] += f" exit {p.exitcode}"

    # The parent still fills afterwards (a fill past the parallel threshold), with the same bytes as before.
    results["parent after"] = "ok" if big_fill() == want_big else "bad"
    print(json.dumps(results))

if __name__ == '__main__':
    main()
"""


@pytest.mark.slow
@pytest.mark.parametrize("layer", LAYERS)
def test_children_fill_after_the_parent_ran_parallel_fills(layer):
    env = {} if layer == "default" else {"NUMBA_THREADING_LAYER": layer}
    result = json.loads(run_python(FORKS, **env))
    assert result == {"os.fork": "ok", "fork": "ok", "spawn": "ok", "parent after": "ok"}, result
