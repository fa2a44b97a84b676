"""The README's Python examples run as written (and its test example passes)."""

import importlib.util
import os
import re

import pytest

README = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "README.md")
BLOCKS = re.findall(r"```python\n(.*?)```", open(README).read(), flags=re.S)
NEEDS_TORCH = re.compile(r"^\s*(import|from) (torch|lucid\.torch)\b", flags=re.M)


def test_readme_has_examples():
    assert len(BLOCKS) >= 3


@pytest.mark.parametrize("index", range(len(BLOCKS)))
def test_example_runs(index, capsys):
    if NEEDS_TORCH.search(BLOCKS[index]) and importlib.util.find_spec("torch") is None:
        pytest.skip("a PyTorch example: nox -s torch runs it")
    namespace: dict = {}
    exec(compile(BLOCKS[index], f"README.md example {index + 1}", "exec"), namespace)
    for name, value in namespace.items():
        if name.startswith("test_") and callable(value):
            value()
