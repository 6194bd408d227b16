"""What ``kb ingest`` says (issue 11 item 5): unresolved names as one count, messages without the
validation library's wording, an unknown findings field with the field it resembles, a fetch that
cannot reach its service failing at once (also with ``--json``), Ctrl-C stopping with the store
consistent (exit 130), and counts that add up when a later file replaces a source of an earlier one.
No network: the unreachable service is a closed local port.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import kb.readers
from kb import KnowledgeBase
from kb.ingestion.bulk import journal_graph
from kb.models import FindingsDocument
from kb.readers import ReadNote, SkippedRecord, get_reader
from tests.conftest import CliResult

Cli = Callable[..., CliResult]

RIS = """TY  - JOUR
TI  - {title}
AU  - Doe, J
DO  - 10.1000/usability-{n}
PY  - 2007
JO  - Journal of Tests
ER  - 
"""

FINDINGS = """source:
  id: usability-1
  publication:
    title: A report with names no vocabulary knows
trials:
  - key: demo
    arms:
      - {{key: drug, label: Drug arm}}
      - {{key: control, label: Control arm}}
outcome_results:
{results}
"""


def _clean(result: CliResult) -> None:
    output = result.stdout + result.stderr
    assert "internal error" not in output and "Traceback" not in output, output


def test_unresolved_names_are_one_count_with_the_command_that_lists_them(tmp_path: Path, cli: Cli) -> None:
    results = "\n".join(
        f"  - {{key: r{i}, trial: demo, outcome: made-up outcome number {i}, comparisons: [{{arm: drug, reference_arm: control, p_value: 0.2}}]}}"
        for i in range(60)
    )
    findings = tmp_path / "many.yaml"
    findings.write_text(FINDINGS.format(results=results), encoding="utf-8")
    result = cli("ingest", "findings", str(findings))
    _clean(result)
    assert result.code == 0, result.stderr
    assert "60 name(s) did not resolve (60 outcome; kept with local IRIs): kb query unresolved lists them" in result.stderr
    assert "made-up outcome number" not in result.stderr  # no line per name
    assert len(result.stderr.splitlines()) <= 3
    # A few names are still named, one short line each.
    few = tmp_path / "few.yaml"
    few.write_text(FINDINGS.format(results=results.splitlines()[0]).replace("usability-1", "usability-3"), encoding="utf-8")
    result = cli("ingest", "findings", str(few))
    assert "unresolved outcome 'made-up outcome number 0' (1 use(s))" in result.stderr
    assert "1 name(s) did not resolve (1 outcome; kept with local IRIs): kb query unresolved lists them" in result.stderr


def test_messages_are_free_of_library_wording(tmp_path: Path, cli: Cli) -> None:
    result = cli("ingest", "findings", str(Path("tests/data/invalid/bad_doi.yaml")))
    _clean(result)
    assert result.code == 1
    assert "source.publication.doi: malformed DOI '10.1000 demo'" in result.stderr
    assert "Value error" not in result.stderr
    skipped = SkippedRecord("refs.ris: record 3", (("doi", "Value error, malformed DOI 'x'"), ("foo", "Extra inputs are not permitted")))
    assert str(skipped) == "refs.ris: record 3: doi: malformed DOI 'x'; foo: unknown field"


def test_an_unknown_findings_field_suggests_the_field_it_resembles(tmp_path: Path, cli: Cli) -> None:
    findings = tmp_path / "cutoff.yaml"
    findings.write_text(
        "source:\n  id: usability-2\n  publication:\n    title: T\ntrials:\n  - key: demo\n    arms:\n      - {key: drug, label: Drug arm}\n"
        "analyses:\n  - key: a1\n    kind: interim\n    cutoff: 2007-01\n    frobnicate: 1\n",
        encoding="utf-8",
    )
    result = cli("ingest", "findings", str(findings))
    _clean(result)
    assert result.code == 1
    assert "analyses[0].cutoff: unknown field 'cutoff'; did you mean 'cutoff_date'?" in result.stderr
    assert "analyses[0].frobnicate: unknown field 'frobnicate'" in result.stderr
    assert "Extra inputs" not in result.stderr



def test_fetching_offline_fails_within_seconds_and_json_prints_it(
    cli: Cli, closed_port: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KB_CROSSREF_URL", f"http://127.0.0.1:{closed_port}")
    monkeypatch.setenv("KB_HTTP_CACHE", "off")
    started = time.monotonic()
    result = cli("ingest", "doi", "10.1056/NEJMoa070596", "--json")
    assert time.monotonic() - started < 5
    _clean(result)
    assert result.code == 1
    summary = json.loads(result.stdout)
    assert f"cannot reach 127.0.0.1:{closed_port}: connection refused" in summary["error"]
    assert "no retry for DNS or connection-refused errors" in summary["error"]
    assert "cannot reach" in result.stderr  # the one-line error too


class _InterruptingReader:
    """The RIS reader, with Ctrl-C arriving while it reads ``stop_at``."""

    name = "ris"
    summary = "RIS, interrupted"

    def __init__(self, stop_at: str) -> None:
        self._inner = get_reader("ris")
        self._stop_at = stop_at

    def read(self, path: Path, *, vocabulary: object = None) -> Iterator[FindingsDocument | SkippedRecord | ReadNote]:
        for item in self._inner.read(path, vocabulary=vocabulary):  # type: ignore[arg-type]
            if path.name == self._stop_at:
                raise KeyboardInterrupt
            yield item


def _ris_files(folder: Path, count: int) -> list[Path]:
    paths = []
    for n in range(count):
        path = folder / f"f{n}.ris"
        path.write_text(RIS.format(title=f"Title {n}", n=n), encoding="utf-8")
        paths.append(path)
    return paths


def test_ctrl_c_commits_the_files_read_and_exits_130(tmp_path: Path, cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    files = _ris_files(tmp_path, 3)
    monkeypatch.setattr(kb.readers, "get_reader", lambda name: _InterruptingReader("f1.ris"))
    result = cli("ingest", "ris", *map(str, files))
    _clean(result)
    assert result.code == 130, result.stderr
    assert "added  ris-doi-10.1000_usability-0" in result.stderr
    assert "interrupted (Ctrl-C) while reading" in result.stderr and "1 file(s) after it were not read" in result.stderr
    assert "1 source(s) loaded (1 added, 0 replaced, 0 unchanged)" in result.stderr
    monkeypatch.undo()
    # The store holds the first file's source, whole, and no journal of a half-committed batch.
    with KnowledgeBase.open(tmp_path / "store", read_only=True) as opened:
        assert [s.source_id for s in opened.sources] == ["ris-doi-10.1000_usability-0"]
        assert not opened.store.has_graph(journal_graph(opened.iris))
    # The same ingest again loads the rest.
    again = cli("ingest", "ris", *map(str, files))
    assert again.code == 0 and "3 source(s) loaded (2 added, 0 replaced, 1 unchanged)" in again.stderr


def test_ctrl_c_in_the_library_leaves_the_store_consistent(tmp_path: Path) -> None:
    files = _ris_files(tmp_path, 2)
    with KnowledgeBase.open(tmp_path / "store") as opened:
        report = opened.ingest(_InterruptingReader("f0.ris"), files)
        assert report.interrupted and report.loaded == [] and opened.sources == []


def test_a_source_replaced_by_a_later_file_counts_once(tmp_path: Path, cli: Cli) -> None:
    first, second = tmp_path / "a.ris", tmp_path / "b.ris"
    first.write_text(RIS.format(title="First title", n=9), encoding="utf-8")
    second.write_text(RIS.format(title="Second title", n=9), encoding="utf-8")
    result = cli("ingest", "ris", str(first), str(second))
    _clean(result)
    assert result.code == 0
    assert "1 source(s) loaded (1 added, 0 replaced, 0 unchanged), 0 failed; 1 record(s) replaced by a later file of this run" in result.stderr
    assert "a.ris: source ris-doi-10.1000_usability-9 is loaded again by a later file" in result.stderr
    summary = json.loads(cli("ingest", "ris", str(first), str(second), "--json").stdout)
    assert [(s["status"], Path(s["file"]).name) for s in summary["loaded"]] == [("replaced", "b.ris")]
    assert summary["counts"]["superseded"] == 1 and summary["counts"]["replaced"] == 1
