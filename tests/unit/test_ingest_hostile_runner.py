"""Issue 12, item 3: one bad file (or study) fails alone; the good files beside it load.

Every reader error, expected or not (a RecursionError on deep nesting, a TypeError on a
wrong-typed registry field), is a failure in the load report naming the file (and the record
and field where known); the store is left as it was for that file. Errors of the mapping
itself still surface.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kb import KnowledgeBase
from kb.ingestion import runner as runner_module
from kb.models import FindingsDocument
from kb.readers import ConceptResolver, ReadNote, SkippedRecord, get_reader
from kb.store import KBStore

GOOD_NCT = "NCT01029262"


def _study(nct: str, **protocol: Any) -> dict[str, Any]:
    return {"protocolSection": {"identificationModule": {"nctId": nct, "briefTitle": f"Study {nct}"}, **protocol}}


def _write(path: Path, data: object) -> Path:
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


@pytest.fixture
def good_study(tmp_path: Path) -> Path:
    return _write(tmp_path / "good.json", _study(GOOD_NCT))


class _Crashing:
    """A reader that yields one good record of the ctgov reader, then raises ``error``."""

    name = "crashing"
    summary = "a reader that fails halfway"

    def __init__(self, error: BaseException, good: Path) -> None:
        self.error = error
        self.good = good

    def read(self, path: Path, *, vocabulary: ConceptResolver | None = None) -> Iterator[FindingsDocument | SkippedRecord | ReadNote]:
        if path.name.startswith("bad"):
            yield from get_reader("ctgov").read(self.good, vocabulary=vocabulary)
            raise self.error
        yield from get_reader("ctgov").read(path, vocabulary=vocabulary)


@pytest.mark.parametrize("error, shown", [
    (TypeError("'int' object is not iterable"), "TypeError: 'int' object is not iterable"),
    (AttributeError("'list' object has no attribute 'get'"), "AttributeError"),
    (RecursionError("maximum recursion depth exceeded"), "nested too deeply"),
    (KeyError("x" * 5000), "characters)"),
])
def test_an_unexpected_reader_error_fails_its_file_alone(tmp_path: Path, good_study: Path, error: BaseException, shown: str) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{}", encoding="utf-8")
    other = _write(tmp_path / "other.json", _study("NCT00000102"))
    kb = KnowledgeBase.memory()
    report = kb.ingest(_Crashing(error, good_study), [bad, other])
    assert [where for where, _ in report.failed] == [str(bad)]
    message = report.failed[0][1]
    assert str(bad) in message and "record 2" in message and shown in message
    assert len(message) < 600  # the echoed exception text is capped
    # The bad file's first record (already read) is not kept: the file loads nothing.
    assert [loaded.source_id for loaded in report.loaded] == ["ctgov-NCT00000102"]
    assert kb.store.count() > 0 and not kb.store.has_graph(_graph(kb, f"ctgov-{GOOD_NCT}"))


def _graph(kb: KnowledgeBase, source_id: str) -> Any:
    import pyoxigraph as ox

    return ox.NamedNode(kb.iris.source_graph(source_id))


def test_a_mapping_bug_still_surfaces(tmp_path: Path, good_study: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("a bug in the mapping")

    monkeypatch.setattr(runner_module, "document_to_graph", broken)
    with pytest.raises(RuntimeError, match="a bug in the mapping"):
        KnowledgeBase.memory().ingest("ctgov", [good_study])


@pytest.mark.parametrize("protocol, field", [
    ({"conditionsModule": {"conditions": 5}}, "protocolSection.conditionsModule.conditions: expected a list, got int"),
    ({"statusModule": ["x"]}, "protocolSection.statusModule: expected an object, got list"),
    ({"armsInterventionsModule": {"armGroups": {"label": "A"}}}, "protocolSection.armsInterventionsModule.armGroups: expected a list"),
    ({"armsInterventionsModule": {"interventions": [5]}}, "protocolSection.armsInterventionsModule.interventions[0]: expected an object, got int"),
    ({"eligibilityModule": {"eligibilityCriteria": ["a"]}}, "protocolSection.eligibilityModule.eligibilityCriteria: expected a text or a number"),
    ({"designModule": {"phases": [{"x": 1}]}}, "protocolSection.designModule.phases[0]: expected a text"),
    ({"contactsLocationsModule": {"locations": [None]}}, "locations[0]: expected an object, got NoneType"),
])
def test_a_wrong_typed_registry_field_fails_its_study_naming_the_field(tmp_path: Path, good_study: Path, protocol: dict, field: str) -> None:
    bad = _write(tmp_path / "bad.json", [_study("NCT00000102", **protocol), _study("NCT00000103")])
    kb = KnowledgeBase.memory()
    report = kb.ingest("ctgov", [bad, good_study])
    assert sorted(loaded.source_id for loaded in report.loaded) == ["ctgov-NCT00000103", f"ctgov-{GOOD_NCT}"]
    assert len(report.failed) == 1
    where, message = report.failed[0]
    assert where == str(bad) and "bad.json [0]: NCT00000102" in message and field in message


def test_a_results_section_of_the_wrong_type_fails_its_study(tmp_path: Path, good_study: Path) -> None:
    bad = _write(tmp_path / "bad.json", {**_study("NCT00000102"), "resultsSection": {"outcomeMeasuresModule": {"outcomeMeasures": [{"classes": 3}]}}})
    report = KnowledgeBase.memory().ingest("ctgov", [bad, good_study])
    assert [loaded.source_id for loaded in report.loaded] == [f"ctgov-{GOOD_NCT}"]
    assert "resultsSection.outcomeMeasuresModule.outcomeMeasures[0].classes: expected a list, got int" in report.failed[0][1]


@pytest.mark.parametrize("reader, name", [("ctgov", "deep.json"), ("crossref", "deep.json"), ("csl", "deep.json")])
@pytest.mark.parametrize("depth", [100, 100_000])
def test_deeply_nested_json_fails_its_file_alone(tmp_path: Path, good_study: Path, reader: str, name: str, depth: int) -> None:
    deep = tmp_path / name
    deep.write_text("[" * depth + "]" * depth, encoding="utf-8")
    report = KnowledgeBase.memory().ingest(reader, [deep])
    assert report.failed == [(str(deep), f"{deep}: JSON nested more than 64 levels deep; refused")]
    if reader == "ctgov":
        report = KnowledgeBase.memory().ingest(reader, [deep, good_study])
        assert [loaded.source_id for loaded in report.loaded] == [f"ctgov-{GOOD_NCT}"]


@pytest.mark.parametrize("suffix, text", [
    (".yaml", "a: " + "[" * 20_000 + "]" * 20_000),
    (".json", "[" * 100_000 + "]" * 100_000),
])
def test_deeply_nested_findings_fail_their_file_alone(tmp_path: Path, suffix: str, text: str) -> None:
    from kb.paths import examples_dir

    deep = tmp_path / f"deep{suffix}"
    deep.write_text(text, encoding="utf-8")
    good = examples_dir() / "mm009_weber2007.yaml"
    report = KnowledgeBase.memory().ingest("findings", [deep, good])
    assert [where for where, _ in report.failed] == [str(deep)] and "nested too deeply" in report.failed[0][1]
    assert len(report.loaded) == 1


def test_a_crashing_study_in_legacy_xml_fails_alone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from ingest.ctgov import legacy_xml

    calls = []

    def flaky(element: Any) -> dict[str, Any]:
        calls.append(element)
        if len(calls) == 1:
            raise AttributeError("'NoneType' object has no attribute 'text'")
        return _study("NCT00000103")

    monkeypatch.setattr(legacy_xml, "study_to_v2", flaky)
    wrapper = tmp_path / "studies.xml"
    wrapper.write_text("<studies><clinical_study><id_info><nct_id>NCT00000102</nct_id></id_info></clinical_study>"
                       "<clinical_study/></studies>", encoding="utf-8")
    report = KnowledgeBase.memory().ingest("ctgov", [wrapper])
    assert [loaded.source_id for loaded in report.loaded] == ["ctgov-NCT00000103"]
    assert "studies.xml clinical_study[0]: NCT00000102: could not be read: AttributeError" in report.failed[0][1]


def test_the_cli_names_the_bad_file_and_loads_the_good_one(tmp_path: Path, good_study: Path) -> None:
    from tests.conftest import run_cli

    bad = _write(tmp_path / "bad.json", _study("NCT00000102", conditionsModule={"conditions": 5}))
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    result = run_cli(tmp_path / "store", "ingest", "ctgov", str(bad), str(deep), str(good_study))
    assert result.code == 1
    assert "internal error" not in result.stderr + result.stdout and "Traceback" not in result.stderr
    output = result.stdout + result.stderr
    assert "bad.json" in output and "conditions" in output and "deep.json" in output
    assert "1 source(s) loaded" in output or "added" in output
    with KBStore.open(tmp_path / "store") as store:  # the good study is there
        assert any("NCT01029262" in graph.value for graph in store.named_graphs())


_TWO_RECORDS = {
    "pubmed": ("x.xml", "_publication", "<PubmedArticleSet>" + "".join(
        f"<PubmedArticle><MedlineCitation><PMID>{pmid}</PMID><Article><ArticleTitle>T{pmid}</ArticleTitle></Article>"
        "</MedlineCitation></PubmedArticle>" for pmid in (1, 2)) + "</PubmedArticleSet>"),
    "medline": ("x.nbib", "_build", "PMID- 1\nTI  - T1\n\nPMID- 2\nTI  - T2\n"),
    "crossref": ("x.json", "work_fields", json.dumps([{"DOI": "10.1000/a1", "title": ["T1"]}, {"DOI": "10.1000/a2", "title": ["T2"]}])),
    "csl": ("x.json", "csl_fields", json.dumps([{"DOI": "10.1000/a1", "title": "T1"}, {"DOI": "10.1000/a2", "title": "T2"}])),
    "bibtex": ("x.bib", "entry_fields", "@article{a, title={T1}}\n@article{b, title={T2}}\n"),
    "ris": ("x.ris", "record_fields", "TY  - JOUR\nTI  - T1\nER  - \n\nTY  - JOUR\nTI  - T2\nER  - \n"),
}
_MODULES = {"pubmed": "pubmed_xml", "medline": "medline", "crossref": "crossref", "csl": "csl", "bibtex": "bibtex", "ris": "ris"}


@pytest.mark.parametrize("reader", sorted(_TWO_RECORDS))
def test_an_unexpected_error_in_one_bibliographic_record_fails_that_record_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, reader: str
) -> None:
    import importlib

    name, function, text = _TWO_RECORDS[reader]
    module = importlib.import_module(f"ingest.biblio.{_MODULES[reader]}")
    original = getattr(module, function)
    calls: list[int] = []

    def first_fails(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        if len(calls) == 1:
            raise TypeError("'int' object is not subscriptable")
        return original(*args, **kwargs)

    monkeypatch.setattr(module, function, first_fails)
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    report = KnowledgeBase.memory().ingest(reader, [path])
    assert len(report.loaded) == 1 and len(report.failed) == 1
    assert name in report.failed[0][1] and "could not be read: TypeError: 'int' object is not subscriptable" in report.failed[0][1]


@pytest.mark.parametrize("reader", ["crossref", "csl", "ctgov"])
def test_an_integer_past_the_digit_limit_is_a_clear_file_error(tmp_path: Path, reader: str) -> None:
    path = tmp_path / "huge.json"
    path.write_text('{"DOI": "10.1000/x", "volume": ' + "9" * 5000 + "}", encoding="utf-8")
    report = KnowledgeBase.memory().ingest(reader, [path])
    assert [where for where, _ in report.failed] == [str(path)]
    message = report.failed[0][1]
    assert "reader failed" not in message and "JSON" in message and "digits" in message and len(message) < 600
