"""Sessions: ``nox -s tests`` (the whole suite, slow tests included), ``lint``, ``typecheck``, ``bench``."""

import os

import nox

nox.options.sessions = ["tests", "lint"]
nox.options.reuse_existing_virtualenvs = True


@nox.session
def tests(session: nox.Session) -> None:
    """The whole test suite, doctests and slow tests included."""
    session.install("-e", ".[test]")
    session.run("python", "-m", "pytest", *session.posargs, env={"HYPOTHESIS_PROFILE": "ci" if os.environ.get("CI") else "dev"})


@nox.session
def fast(session: nox.Session) -> None:
    """The test suite without the tests marked slow."""
    session.install("-e", ".[test]")
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
