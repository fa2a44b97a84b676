"""The parity tests share tests/'s setup, also when run on their own (``pytest tests_parity``).

Importing ``tests.conftest`` loads its Hypothesis profile (no per-example deadline: the first
example loads Lucid's compiled kernels) and its session guard against float16 in NumPy's sorts.
"""

from tests.conftest import no_float16_sorts  # noqa: F401 - an autouse fixture, used by being here
