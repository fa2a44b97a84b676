"""Sessions: ``nox -s tests`` (the whole suite, slow tests included), ``torch``, ``lint``, ``typecheck``, ``bench``."""

import glob
import os

import nox

nox.options.sessions = ["tests", "lint"]
nox.options.reuse_existing_virtualenvs = True


@nox.session
def tests(session: nox.Session) -> None:
    """The whole test suite, doctests and slow tests included."""
    session.install("-e", ".[test,dask,plot]")
    profile = "ci" if os.environ.get("CI") else "dev"
    session.run("python", "-m", "pytest", *session.posargs, env={"HYPOTHESIS_PROFILE": profile})


@nox.session
def fast(session: nox.Session) -> None:
    """The test suite without the tests marked slow."""
    session.install("-e", ".[test,dask,plot]")
    session.run("python", "-m", "pytest", "-m", "not slow", *session.posargs)


@nox.session
def lint(session: nox.Session) -> None:
    """ruff over the package, the tests and the benchmarks."""
    session.install("ruff")
    session.run("ruff", "check", "lucid", "tests", "benchmarks", "noxfile.py")


@nox.session
def typecheck(session: nox.Session) -> None:
    """mypy over the package."""
    session.install("-e", ".", "mypy")
    session.run("mypy", "lucid")


@nox.session
def bench(session: nox.Session) -> None:
    """The benchmark (measures, never asserts); PyTorch's peers run when torch 2.13.0 installs, n/a otherwise.

    ``nox -s bench -- --quick`` for a smoke run, ``-- --json`` for JSON; see ``benchmarks/bench.py --help``.
    """
    session.install("-e", ".")
    session.run("python", "-m", "pip", "install", "torch==2.13.0", success_codes=[0, 1])
    session.run("python", "benchmarks/bench.py", *session.posargs)


@nox.session
def parity(session: nox.Session) -> None:
    """Lucid against torch.nn.init itself (installs PyTorch 2.13, the CPU build)."""
    session.install("-e", ".[test]", "torch==2.13.0")
    session.run("python", "-m", "pytest", "tests_parity", "tests/test_interop.py", *session.posargs)


@nox.session
def torch(session: nox.Session) -> None:
    """The PyTorch tests: lucid.torch and its doctests, Lucid's writes into torch tensors (bfloat16 included),
    the README's PyTorch examples. Installs the ``torch`` extra (the CPU build of torch 2.13.0, ml_dtypes)."""
    session.install("-e", ".[test,dask,torch]", "torch==2.13.0")  # dask: the README examples all run here
    profile = "ci" if os.environ.get("CI") else "dev"
    tests = sorted(glob.glob("tests/test_torch*.py")) + ["tests/test_interop.py", "tests/test_readme.py"]
    session.run("python", "-m", "pytest", *tests, "lucid/torch.py", *session.posargs,
                env={"HYPOTHESIS_PROFILE": profile})
