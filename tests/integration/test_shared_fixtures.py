"""The shared-fixture helpers of tests/conftest.py: where ../shared is, and what a run says when it is absent."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import DEFAULT_SHARED, ROOT, SHARED_ENV, shared_dir, shared_files, shared_path


def test_shared_dir_is_beside_the_repository_unless_overridden(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv(SHARED_ENV, raising=False)
    assert shared_dir() == DEFAULT_SHARED == ROOT.parent / "shared"
    monkeypatch.setenv(SHARED_ENV, str(tmp_path))
    assert shared_dir() == tmp_path


def test_absent_fixtures_skip_with_a_reason_naming_them(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(SHARED_ENV, str(tmp_path / "absent"))
    with pytest.raises(pytest.skip.Exception, match="shared fixture .*absent.fixtures.medline.x.txt is absent"):
        shared_path("fixtures", "medline", "x.txt")
    [param] = shared_files("fixtures/medline", "*.txt")
    assert param.id == "none" and "absent" in param.marks[0].kwargs["reason"]


def test_present_fixtures_are_one_parameter_each(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / "fixtures" / "ris").mkdir(parents=True)
    for name in ("b.ris", "a.ris", "c.txt"):
        (tmp_path / "fixtures" / "ris" / name).write_text("", encoding="utf-8")
    monkeypatch.setenv(SHARED_ENV, str(tmp_path))
    assert [(p.id, p.values[0].name) for p in shared_files("fixtures/ris", "*.ris")] == [("a.ris", "a.ris"), ("b.ris", "b.ris")]
    assert shared_path("fixtures", "ris", "a.ris") == tmp_path / "fixtures" / "ris" / "a.ris"


def test_a_run_without_shared_says_how_many_tests_it_skipped(tmp_path: Path) -> None:
    absent = tmp_path / "absent"
    env = {**os.environ, SHARED_ENV: str(absent)}
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/integration/test_medline.py", "tests/integration/test_pubmed_xml.py"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    # test_medline: the conformance parameter and one spot check; test_pubmed_xml: the conformance parameter and four spot checks.
    assert f"{absent} is absent: 7 tests that need its fixtures were skipped" in run.stdout, run.stdout
