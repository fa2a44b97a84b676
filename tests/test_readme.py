"""The README's Python examples run as a user runs them, and pass.

Each example runs in a fresh interpreter, from an empty temporary folder, with none of
Lucid's test setup: no ``tests/conftest.py`` (whose Hypothesis profile turns the deadline
off), no ``HYPOTHESIS_PROFILE``, no pytest configuration of the repository. An example
that defines ``test_*`` functions runs under pytest, with Hypothesis's own defaults; any
other example runs as a script. The Hypothesis example runs as on the day Lucid is installed:
with an empty Numba cache, so its first examples compile the kernels (the slowest start there is).
"""

import importlib.util
import os
import re
import subprocess
import sys

import pytest

README = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "README.md")
BLOCKS = re.findall(r"```python\n(.*?)```", open(README).read(), flags=re.S)
CI_MARKERS = ("CI", "TF_BUILD", "BUILDKITE", "CIRCLECI", "CIRRUS_CI", "CODEBUILD_BUILD_ID", "GITHUB_ACTIONS",
              "GITLAB_CI", "HEROKU_TEST_RUN_ID", "TEAMCITY_VERSION", "bamboo.buildKey")
NEEDS_TORCH = re.compile(r"^\s*(import|from) (torch|lucid\.torch)\b", flags=re.M)


def run_as_a_user(code: str, folder, *, fresh_install: bool = False) -> tuple[list[str], str]:
    """Run ``code`` as a user would: under pytest if it defines tests, else as a script. Return (tests, output).

    ``fresh_install``: with an empty Numba cache of its own, as right after ``pip install``.
    """
    script = folder / "test_example.py"
    script.write_text(code)
    (folder / "pytest.ini").write_text("[pytest]\n")  # the configuration is this empty file, not Lucid's
    # A user's own machine: none of our test settings, and no CI marker (under CI=true Hypothesis loads its own
    # "ci" profile, which turns the deadline off and would hide exactly what these runs check).
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("HYPOTHESIS", "PYTEST", "NUMBA_CACHE")) and k not in CI_MARKERS}
    if fresh_install:
        env["NUMBA_CACHE_DIR"] = str(folder / "numba-cache")
    tests = re.findall(r"^def (test_\w+)\(", code, flags=re.M)
    if tests:
        command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--rootdir", str(folder),
                   "-c", str(folder / "pytest.ini"), str(script)]
    else:
        command = [sys.executable, str(script)]
    result = subprocess.run(command, cwd=folder, env=env, capture_output=True, text=True, timeout=600)
    output = result.stdout + result.stderr
    assert result.returncode == 0, f"{' '.join(command)} failed ({result.returncode}):\n{output}"
    return tests, output


def test_readme_has_examples():
    assert len(BLOCKS) >= 3
    assert any("@given" in block for block in BLOCKS)  # the Hypothesis example is among them


def test_examples_run_without_lucids_test_setup(tmp_path):
    """The harness itself: Hypothesis's defaults (a 200 ms deadline) apply, Lucid's conftest does not."""
    tests, output = run_as_a_user("""
from hypothesis import settings

def test_defaults():
    assert settings.default.deadline is not None and settings.default.max_examples == 100
    import sys
    assert not any(name.startswith("tests") for name in sys.modules), "Lucid's test package was imported"
""", tmp_path)
    assert "1 passed" in output, output


# Hypothesis examples compile every kernel afresh (about a minute): marked slow.
EXAMPLES = [pytest.param(i, marks=pytest.mark.slow) if "@given" in block else i for i, block in enumerate(BLOCKS)]


@pytest.mark.parametrize("index", EXAMPLES)
def test_example_runs_as_written(index, tmp_path):
    block = BLOCKS[index]
    if NEEDS_TORCH.search(block) and importlib.util.find_spec("torch") is None:
        pytest.skip("a PyTorch example: nox -s torch runs it")
    tests, output = run_as_a_user(block, tmp_path, fresh_install="@given" in block)
    if tests:
        assert f"{len(tests)} passed" in output, output
