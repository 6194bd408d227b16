"""``kb diff``: two releases, or a release and the live KB; a table for people, ``--json`` for machines."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from kb.paths import examples_dir
from tests.conftest import CliResult

Cli = Callable[..., CliResult]


def release(cli: Cli, directory: Path, version: str) -> None:
    result = cli("release", "--version", version, "-o", str(directory))
    assert result.code == 0, result.stderr


@pytest.fixture
def first(built: Cli, tmp_path: Path) -> Path:
    """Release 1.0 of the bundled examples."""
    release(built, tmp_path / "releases" / "1.0", "1.0")
    return tmp_path / "releases" / "1.0"


def test_live_diff_after_a_removal_and_an_addition(built: Cli, first: Path, tmp_path: Path) -> None:
    assert built("sources", "remove", "ash-2005-mm010-interim").code == 0
    text = (examples_dir() / "mm009_weber2007.yaml").read_text(encoding="utf-8")
    renamed = text.replace("id: weber-2007-mm009", "id: weber-2007-mm009-copy", 1)
    assert renamed != text, "the example no longer has the source id this test renames"
    copy = tmp_path / "copy.yaml"
    copy.write_text(renamed, encoding="utf-8")
    assert built("ingest", "findings", str(copy)).code == 0

    as_json = built("diff", str(first), "--live", "--json")
    assert as_json.code == 0, as_json.stderr
    data = json.loads(as_json.stdout)
    assert [entry["source"] for entry in data["added"]] == ["weber-2007-mm009-copy"]
    assert [entry["source"] for entry in data["removed"]] == ["ash-2005-mm010-interim"]
    assert data["replaced"] == [] and data["unchanged"] == 4
    removed = data["removed"][0]
    assert removed["old_quads"] > 0 and removed["new_quads"] is None
    assert data["added"][0]["new_quads"] > 0 and data["old"]["version"] == "1.0" and data["new"]["version"] == "live"

    table = built("diff", str(first))  # no NEW: the live KB, as with --live
    assert table.code == 0, table.stderr
    assert "weber-2007-mm009-copy" in table.stdout and "ash-2005-mm010-interim" in table.stdout
    assert "1 added, 0 replaced, 1 removed, 4 unchanged" in table.stdout
    assert "dimopoulos-2007-mm010" not in table.stdout  # unchanged sources only with --all
    assert "dimopoulos-2007-mm010" in built("diff", str(first), "--all").stdout


def test_two_releases_and_quad_counts_per_source(built: Cli, first: Path, tmp_path: Path) -> None:
    assert built("sources", "remove", "ash-2007-pooled-os").code == 0
    second = tmp_path / "releases" / "1.1"
    release(built, second, "1.1")
    result = built("diff", str(first), str(second / "release.json"), "--json")
    data = json.loads(result.stdout)
    old = {s["source"]: s["quads"] for s in json.loads((first / "release.json").read_text())["sources"]}
    assert data["removed"] == [{"source": "ash-2007-pooled-os", "old_quads": old["ash-2007-pooled-os"], "new_quads": None,
                                "old_hash": data["removed"][0]["old_hash"], "new_hash": None, "reason": ""}]
    assert data["new"]["quads"] == data["old"]["quads"] - old["ash-2007-pooled-os"]
    assert built("diff", str(first), str(first), "--json").stdout.count('"source"') == 0  # a release against itself


def test_diff_usage_and_input_errors(built: Cli, first: Path, tmp_path: Path) -> None:
    both = built("diff", str(first), str(first), "--live")
    assert both.code == 2 and "not both" in both.stderr
    missing = built("diff", str(tmp_path / "nowhere"))
    assert missing.code == 1 and "release.json missing" in missing.stderr
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "release.json").write_text('{"format": "trial-evidence-kb release 1", "title": "x"}')
    bad = built("diff", str(broken), str(first))
    assert bad.code == 1 and str(broken / "release.json") in bad.stderr and "version" in bad.stderr
    (broken / "release.json").write_text("{not json")
    assert "not JSON" in built("diff", str(broken), str(first)).stderr
    for result in (both, missing, bad):
        assert "Traceback" not in result.stderr
