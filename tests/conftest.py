"""Shared test setup: Hypothesis profiles and helpers."""

import os
import subprocess
import sys
import tempfile

import numpy as np
import pytest
from hypothesis import HealthCheck, settings

from .float16_guard import guarded

# Numba compiles on first use: no per-example deadline. CI is derandomized so a run is reproducible.
settings.register_profile(
    "ci", derandomize=True, deadline=None, max_examples=40, print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", deadline=None, max_examples=40, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))


@pytest.fixture(autouse=True, scope="session")
def no_float16_sorts():
    """No test may sort float16 data with NumPy (wrong on AVX-512 CPUs): such a call fails the test."""
    with guarded():
        yield


ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture(scope="session")
def generic_cache(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A Numba cache directory for kernels compiled with ``NUMBA_CPU_NAME=generic``, shared by the tests that
    need them: the first compiles the generic machine code (about a minute), the others load it. Kept apart
    from the host's cache so no test can pass on host code."""
    return str(tmp_path_factory.mktemp("numba-generic"))


def run_python(code: str, **env: str) -> bytes:
    """Run ``code`` as a script file in a fresh interpreter with extra environment variables; return its stdout.

    A real file, not ``-c``: multiprocessing's spawn start method re-imports the main module by path.
    """
    full_env = dict(os.environ, **env)
    full_env["PYTHONPATH"] = ROOT + os.pathsep + full_env.get("PYTHONPATH", "")
    with tempfile.TemporaryDirectory() as tmp:
        script = os.path.join(tmp, "script.py")
        with open(script, "w") as f:
            f.write(code)
        result = subprocess.run([sys.executable, script], env=full_env, capture_output=True, timeout=600)
    if result.returncode != 0:
        raise AssertionError(f"subprocess failed ({result.returncode}):\n{result.stderr.decode()}")
    return result.stdout


def bits(array) -> bytes:
    """The bytes of an array in logical C order."""
    return np.ascontiguousarray(np.asarray(array)).tobytes()
