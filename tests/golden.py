"""Golden values: the pinned stream of every random initializer x dtype x seeds x shapes.

``python -m tests.golden --write`` regenerates ``tests/data/golden.json``. Do that only in
a release that changes the stream on purpose, and say so in its notes (README, "Stream
stability"). The tests compare every bit against the file.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys

import numpy as np

import lucid
from lucid._fill import BFLOAT16
from lucid.nn import init

PATH = os.path.join(os.path.dirname(__file__), "data", "golden.json")
SEEDS = [0, 1234567, 2**64 - 1]
SHAPES = [(5, 3), (64, 3, 3, 3), (300, 301)]
DTYPES = ["float16", "bfloat16", "float32", "float64"]  # bfloat16: ml_dtypes (the test extra)
INITIALIZERS = {
    "uniform": lambda t, g: init.uniform(t, -0.5, 2.0, generator=g),
    "normal": lambda t, g: init.normal(t, 0.25, 3.0, generator=g),
    "trunc_normal": lambda t, g: init.trunc_normal(t, 0.0, 1.0, -1.0, 2.5, generator=g),
    "trunc_normal_tail": lambda t, g: init.trunc_normal(t, 0.0, 1.0, 3.0, 6.0, generator=g),
    "kaiming_normal": lambda t, g: init.kaiming_normal(t, generator=g),
    "kaiming_uniform_fan_out": lambda t, g: init.kaiming_uniform(t, "fan_out", generator=g),
    "xavier_normal": lambda t, g: init.xavier_normal(t, 1.5, generator=g),
    "xavier_uniform": lambda t, g: init.xavier_uniform(t, generator=g),
    "lecun_normal": lambda t, g: init.lecun_normal(t, generator=g),
    "he_uniform": lambda t, g: init.he_uniform(t, generator=g),
    "variance_scaling_geo": lambda t, g: init.variance_scaling(t, 2.0, "fan_geo_avg", "uniform", generator=g),
    "truncated_normal": lambda t, g: init.truncated_normal(t, 0.5, -1.0, 3.0, generator=g),
    "trunc_normal_tf_": lambda t, g: init.trunc_normal_tf_(t, 0.1, 2.0, -2.0, 2.0, generator=g),
    "constant": lambda t, g: init.constant(t, 0.1),
    "sparse": lambda t, g: init.sparse(t.reshape(t.shape[0], -1), 0.3, generator=g),
}
# QR comes from LAPACK, whose last bits may vary between builds: pinned to a tolerance instead.
ORTHOGONAL_SHAPES = [(4, 3), (3, 5), (2, 2, 2)]


def compute() -> dict[str, dict[str, object]]:
    """Every golden entry, computed now."""
    out: dict[str, dict[str, object]] = {}
    for name, fill in INITIALIZERS.items():
        for dtype in DTYPES:
            for seed in SEEDS:
                for shape in SHAPES:
                    a = np.zeros(shape, BFLOAT16 if dtype == "bfloat16" else dtype)
                    fill(a, lucid.random.Generator(seed))
                    out[f"{name}/{dtype}/{seed}/{shape}"] = {
                        "sha256": hashlib.sha256(a.tobytes()).hexdigest(),
                        "head": [repr(float(v)) for v in a.reshape(-1)[:3]],
                    }
    for shape in ORTHOGONAL_SHAPES:
        a = np.zeros(shape, np.float64)
        init.orthogonal(a, generator=lucid.random.Generator(42))
        out[f"orthogonal/float64/42/{shape}"] = {"values": [repr(float(v)) for v in a.reshape(-1)]}
    return out


def load() -> dict[str, dict[str, object]]:
    with open(PATH) as f:
        return json.load(f)


if __name__ == "__main__":
    if sys.argv[1:] != ["--write"]:
        sys.exit("usage: python -m tests.golden --write   (changes the pinned stream: see README)")
    with open(PATH, "w") as f:
        json.dump(compute(), f, indent=1, sort_keys=True)
        f.write("\n")
    print(f"wrote {PATH}")
