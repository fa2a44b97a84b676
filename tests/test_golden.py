"""Stream stability: every bit of the pinned golden values, on this CPU and compiled for a generic one."""

import json

import numpy as np
import pytest

from . import golden
from .conftest import run_python


def compare(got, want):
    assert got.keys() == want.keys()
    changed = []
    for key, entry in want.items():
        if "values" in entry:
            np.testing.assert_allclose([float(v) for v in got[key]["values"]], [float(v) for v in entry["values"]],
                                       rtol=1e-12, atol=1e-14, err_msg=key)
        elif got[key] != entry:
            changed.append(key)
    assert not changed, f"{len(changed)} streams changed, e.g. {changed[:5]}"


def test_golden_values_hold():
    compare(golden.compute(), golden.load())


@pytest.mark.slow
def test_golden_values_hold_on_a_generic_cpu(generic_cache):
    """Compiled for NUMBA_CPU_NAME=generic (no AVX, no FMA) the kernels give the same bits."""
    out = run_python("import json\nfrom tests import golden\nprint(json.dumps(golden.compute()))",
                     NUMBA_CPU_NAME="generic", NUMBA_CACHE_DIR=generic_cache)
    compare(json.loads(out), golden.load())
