"""Issue 12, items 4 and 10: truncated, empty and repeated MEDLINE records.

A truncated MEDLINE record is reported, never silently loaded over a complete one; an empty
file is refused like every other reader refuses one; the same PMID twice in a file counts once.
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from ingest.biblio.medline import read_medline
from kb import KnowledgeBase
from kb.errors import InputFileError
from tests.conftest import run_cli

FULL = """PMID- 18032763
OWN - NLM
STAT- MEDLINE
IS  - 1533-4406 (Electronic)
VI  - 357
IP  - 21
DP  - 2007 Nov 22
TI  - Lenalidomide plus dexamethasone for relapsed multiple myeloma in North
      America.
PG  - 2133-42
AB  - BACKGROUND: Lenalidomide is a thalidomide analogue. METHODS: Patients were
      randomly assigned. RESULTS: It helped.
FAU - Weber, Donna M
AU  - Weber DM
FAU - Chen, Christine
AU  - Chen C
LA  - eng
PT  - Journal Article
TA  - N Engl J Med
JT  - The New England journal of medicine
JID - 0255562
SO  - N Engl J Med. 2007 Nov 22;357(21):2133-42.
"""

SECOND = FULL.replace("18032763", "18032764").replace("North\n      America", "Europe")


def _write(path: Path, text: str) -> Path:
    path.write_bytes(text.encode("utf-8"))
    return path


def _graph(kb: KnowledgeBase, pmid: str) -> ox.NamedNode:
    return ox.NamedNode(kb.iris.source_graph(f"medline-pmid-{pmid}"))


@pytest.mark.parametrize("text", ["", "\n\n  \n", "\ufeff"])
def test_an_empty_medline_file_is_refused(tmp_path: Path, text: str) -> None:
    empty = _write(tmp_path / "empty.nbib", text)
    with pytest.raises(InputFileError, match="empty file: no MEDLINE record"):
        list(read_medline(empty))
    report = KnowledgeBase.memory().ingest("medline", [empty])
    assert [where for where, _ in report.failed] == [str(empty)]


def test_the_cli_exits_1_on_an_empty_medline_file(tmp_path: Path) -> None:
    empty = _write(tmp_path / "empty.nbib", "")
    result = run_cli(tmp_path / "store", "ingest", "medline", str(empty))
    assert result.code == 1 and "empty.nbib" in result.stdout + result.stderr
    assert "internal error" not in result.stdout + result.stderr


@pytest.mark.parametrize("cut", [
    FULL.index("randomly assigned") + 5,  # inside a continuation line
    FULL.index("Chen, Christine") + 3,  # inside a value
    FULL.index("LA  - eng") + 2,  # inside a tag
])
def test_a_file_cut_in_the_middle_of_a_line_fails_its_last_record(tmp_path: Path, cut: int) -> None:
    cut_file = _write(tmp_path / "cut.nbib", SECOND + "\n" + FULL[:cut])
    records = list(read_medline(cut_file))
    assert [record.ok for record in records] == [True, False]
    assert any("the file ends in the middle of a line" in what for _, what in records[1].problems)


def test_a_last_record_without_its_so_line_fails_when_the_others_have_one(tmp_path: Path) -> None:
    cut = FULL[: FULL.index("FAU - Chen")]  # cut at a line end: only the missing SO line tells
    records = list(read_medline(_write(tmp_path / "cut.nbib", SECOND + "\n" + cut)))
    assert [record.ok for record in records] == [True, False]
    assert records[1].problems[-1][0] == "SO" and "cut off" in records[1].problems[-1][1]


def test_two_records_run_together_fail(tmp_path: Path) -> None:
    records = list(read_medline(_write(tmp_path / "joined.nbib", SECOND + FULL)))
    assert [record.ok for record in records] == [False]
    assert any("a second PMID inside one record" in what for _, what in records[0].problems)


def test_a_complete_file_without_final_blank_line_still_loads(tmp_path: Path) -> None:
    records = list(read_medline(_write(tmp_path / "ok.nbib", SECOND + "\n" + FULL)))
    assert [record.ok for record in records] == [True, True]


def test_a_truncated_record_never_replaces_the_complete_one(tmp_path: Path) -> None:
    """121 statements became 33, exit 0: now the fragment is refused and the store keeps the record."""
    full = _write(tmp_path / "full.nbib", FULL)
    # Cut at a line end: nothing in the file itself says it is truncated.
    fragment = _write(tmp_path / "fragment.nbib", FULL[: FULL.index("AB  -")])
    store = tmp_path / "store"
    assert run_cli(store, "ingest", "medline", str(full)).code == 0
    with KnowledgeBase.open(store, read_only=True) as kb:
        before = sorted(map(str, kb.store.quads(_graph(kb, "18032763"))))
    result = run_cli(store, "ingest", "medline", str(fragment))
    output = result.stdout + result.stderr
    assert result.code == 1, output
    assert "fragment.nbib" in output and "medline-pmid-18032763 not replaced" in output
    assert "an abstract" in output and "authors" in output
    with KnowledgeBase.open(store, read_only=True) as kb:
        assert sorted(map(str, kb.store.quads(_graph(kb, "18032763")))) == before


def test_a_record_that_loses_nothing_still_replaces(tmp_path: Path) -> None:
    kb = KnowledgeBase.memory()
    first = _write(tmp_path / "first.nbib", FULL)
    assert kb.ingest("medline", [first]).status_counts()["added"] == 1
    changed = _write(tmp_path / "changed.nbib", FULL.replace("PG  - 2133-42", "PG  - 2133-43"))
    report = kb.ingest("medline", [changed])
    assert report.ok and report.status_counts()["replaced"] == 1
    # A record without an abstract replaces one that had none either.
    plain = FULL[: FULL.index("AB  -")] + FULL[FULL.index("FAU - Weber"):]
    kb2 = KnowledgeBase.memory()
    kb2.ingest("medline", [_write(tmp_path / "plain.nbib", plain)])
    report = kb2.ingest("medline", [_write(tmp_path / "plain2.nbib", plain.replace("VI  - 357", "VI  - 358"))])
    assert report.ok and report.status_counts()["replaced"] == 1


def test_the_same_pmid_twice_in_one_file_counts_once(tmp_path: Path) -> None:
    twice = _write(tmp_path / "twice.nbib", FULL + "\n" + SECOND + "\n" + FULL)
    report = KnowledgeBase.memory().ingest("medline", [twice])
    assert report.ok
    assert sorted(loaded.source_id for loaded in report.loaded) == ["medline-pmid-18032763", "medline-pmid-18032764"]
    assert report.status_counts()["added"] == 2
    duplicates = [note for note in report.notes if "duplicate" in note]
    assert duplicates == [f"{twice}: record 3: source medline-pmid-18032763 appears again in this file (a duplicate record); "
                          "counted once, the first is kept"]


def test_a_truncated_record_never_replaces_the_complete_one_of_an_earlier_file_of_the_run(tmp_path: Path) -> None:
    full = _write(tmp_path / "full.nbib", FULL)
    fragment = _write(tmp_path / "fragment.nbib", FULL[: FULL.index("AB  -")])
    kb = KnowledgeBase.memory()
    report = kb.ingest("medline", [full, fragment])
    assert [loaded.source_id for loaded in report.loaded] == ["medline-pmid-18032763"]
    assert len(report.failed) == 1 and "fragment.nbib" in report.failed[0][1] and "not replaced" in report.failed[0][1]
    abstracts = list(kb.store.quads_matching(None, ox.NamedNode("http://purl.org/dc/terms/abstract"), None, _graph(kb, "18032763")))
    assert len(abstracts) == 1


def test_a_file_that_failed_does_not_count_as_earlier(tmp_path: Path) -> None:
    # The complete record's file fails (a line that is not UTF-8 after it): it loads nothing, so the
    # shorter record of the next file is the only one, and it loads.
    broken = tmp_path / "broken.nbib"
    broken.write_bytes(FULL.encode("utf-8") + b"\nPMID- 2\nTI  - caf\xe9\n")
    fragment = _write(tmp_path / "fragment.nbib", FULL[: FULL.index("AB  -")])
    report = KnowledgeBase.memory().ingest("medline", [broken, fragment])
    assert [where for where, _ in report.failed] == [str(broken)]
    assert [(loaded.source_id, loaded.status.value) for loaded in report.loaded] == [("medline-pmid-18032763", "added")]
