"""Repository-wide collection: lucid/torch.py needs PyTorch, which the ``tests`` session does not install.

Without PyTorch its doctests are not collected (importing it raises ImportError by design); the
header says so, and ``nox -s torch`` runs them with the tests/test_torch*.py modules.
"""

import importlib.util

HAS_TORCH = importlib.util.find_spec("torch") is not None

# Modules that import torch at the top: their doctests are collected only where PyTorch is installed.
collect_ignore = [] if HAS_TORCH else ["lucid/torch.py", "tests/distributed_ranks.py"]


def pytest_report_header(config):
    if not HAS_TORCH:
        return ("PyTorch is not installed: lucid/torch.py's doctests and the PyTorch tests are skipped; "
                "nox -s torch runs them")
    return None
