"""Shared fixtures and helpers: the bundled examples, a KB built from them, a CLI runner, test data and shared fixtures.

Tests import the helpers as ``from tests.conftest import ...``. Paths are computed from this
file: the repository root is ``tests/..``; the fixtures shared between projects are in
``../shared`` next to the repository (``$KB_SHARED_DIR`` overrides that), and a test whose
shared fixture is absent is skipped with a reason naming it (the run's summary counts them).
"""

from __future__ import annotations

import dataclasses
import io
import os
import shutil
import socket
import sys
from collections.abc import Callable, Iterator
from contextlib import redirect_stderr
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from kb.ingestion import load_documents
from kb.paths import examples_dir
from kb.rdf import IriScheme
from kb.store import KBStore
from kb.vocab import get_vocabulary
from ingest.findings import read_findings_file

ROOT = Path(__file__).resolve().parents[1]
DATA_DIR = ROOT / "tests" / "data"
DEFAULT_SHARED = ROOT.parent / "shared"
SHARED_ENV = "KB_SHARED_DIR"
#: Every skip for an absent shared fixture has this in its reason; the terminal summary counts them.
SHARED_SKIP = "shared fixture"
FIXED_TIME = datetime(2026, 1, 1, tzinfo=timezone.utc)


# -- test data and shared fixtures -----------------------------------------------------------


def data_path(*parts: str) -> Path:
    """A file or folder under tests/data."""
    return DATA_DIR.joinpath(*parts)


def shared_dir() -> Path:
    """The folder of shared fixtures: ``$KB_SHARED_DIR``, else ``../shared`` beside the repository."""
    return Path(os.environ.get(SHARED_ENV) or DEFAULT_SHARED)


def _shown(path: Path) -> str:
    """``path`` as a reason shows it: ``../shared/...`` for the default location, else as given."""
    try:
        return str(Path("..") / "shared" / path.relative_to(DEFAULT_SHARED))
    except ValueError:
        return str(path)


def shared_path(*parts: str) -> Path:
    """A path under the shared fixtures (``shared_path("fixtures", "ris", "x.ris")``); skips the test when absent."""
    path = shared_dir().joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{SHARED_SKIP} {_shown(path)} is absent")
    return path


def shared_files(folder: str, pattern: str) -> list[Any]:
    """Parameters for every file matching ``pattern`` in a shared folder (id: the file name).

    When the folder is absent or holds no such file, one parameter whose test is skipped
    with a reason naming the folder.
    """
    directory = shared_dir() / folder
    files = sorted(directory.glob(pattern)) if directory.is_dir() else []
    if files:
        return [pytest.param(path, id=path.name) for path in files]
    reason = f"{SHARED_SKIP}s {_shown(directory)}/{pattern} are absent"
    return [pytest.param(None, id="none", marks=pytest.mark.skip(reason=reason))]


def _skip_reason(report: pytest.TestReport | pytest.CollectReport) -> str:
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2])
    return str(longrepr or "")


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    """Say how many tests were skipped for want of shared fixtures, and whether the whole folder is absent."""
    skipped = sum(1 for report in terminalreporter.stats.get("skipped", []) if SHARED_SKIP in _skip_reason(report))
    if not skipped:
        return
    root = shared_dir()
    if not root.is_dir():
        terminalreporter.write_line(f"{_shown(root)} is absent: {skipped} tests that need its fixtures were skipped")
    else:
        terminalreporter.write_line(f"{skipped} tests were skipped because fixtures under {_shown(root)} are absent")


# -- the bundled examples ------------------------------------------------------------------


def example_files() -> list[Path]:
    """The bundled findings files."""
    return sorted(examples_dir().glob("*.yaml"))


def build_store(files: list[Path] | None = None) -> KBStore:
    """An in-memory KB holding ``files`` (default: every example)."""
    store = KBStore.memory()
    documents = [(str(path), read_findings_file(path)) for path in (files or example_files())]
    report = load_documents(store, documents, iris=IriScheme(), vocabulary=get_vocabulary(), generated_at=FIXED_TIME)
    assert report.ok, report.failed
    return store


@pytest.fixture(scope="session")
def example_store() -> KBStore:
    """A KB built from every example; tests must not write to it."""
    return build_store()


# -- the command line ------------------------------------------------------------------------


@dataclass
class CliResult:
    code: int
    stdout: str
    stderr: str


def run_cli(store: Path, *args: str) -> CliResult:
    """Run ``kb --store STORE ARGS`` in-process; its exit code, stdout and stderr."""
    from kb.cli import main

    err = io.StringIO()
    buffer = io.BytesIO()
    wrapper = io.TextIOWrapper(buffer, encoding="utf-8", write_through=True)
    original = sys.stdout
    with redirect_stderr(err):
        sys.stdout = wrapper
        try:
            code = main(["--store", str(store), *args])
        finally:
            wrapper.flush()
            sys.stdout = original
    return CliResult(code, buffer.getvalue().decode("utf-8"), err.getvalue())


@pytest.fixture
def cli(tmp_path: Path) -> Callable[..., CliResult]:
    """Run ``kb`` in-process against a store in tmp_path/store; returns code, stdout and stderr."""
    store = tmp_path / "store"

    def run(*args: str, store_path: Path | None = None) -> CliResult:
        return run_cli(store_path or store, *args)

    return run


@pytest.fixture(scope="session")
def built_store_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An on-disk store holding every example, built once per session with ``kb ingest findings``.

    Tests never use it directly: :func:`built` gives each test its own copy.
    """
    store = tmp_path_factory.mktemp("built") / "store"
    result = run_cli(store, "ingest", "findings", *map(str, example_files()))
    assert result.code == 0, result.stderr
    return store


@pytest.fixture
def built(cli: Callable[..., CliResult], built_store_dir: Path, tmp_path: Path) -> Callable[..., CliResult]:
    """``cli`` on tmp_path/store, a copy of the session's example store (the test may write to it)."""
    shutil.copytree(built_store_dir, tmp_path / "store")
    return cli


# -- local HTTP services ---------------------------------------------------------------------


@pytest.fixture
def unthrottled_http(monkeypatch: pytest.MonkeyPatch) -> None:
    """Lift the per-host rate limits of settings read from the environment.

    Every service a test points at its local server is on ``localhost``, which would get the
    slowest service's limit (ClinicalTrials.gov, 50 a minute): over a second between requests.
    """
    from ingest.http import HttpSettings

    from_env = HttpSettings.from_env.__func__  # type: ignore[attr-defined]

    def unthrottled(cls: type[HttpSettings], env: Any = None) -> HttpSettings:
        settings = from_env(cls, env)
        return dataclasses.replace(settings, rate_limits={**settings.rate_limits, "localhost": 1e6, "127.0.0.1": 1e6})

    monkeypatch.setattr(HttpSettings, "from_env", classmethod(unthrottled))


# -- network -------------------------------------------------------------------------------


@pytest.fixture
def closed_port() -> Iterator[int]:
    """A local port nothing listens on (bound then closed, so the system just freed it)."""
    probe = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    yield port
