"""The KnowledgeBase handle: one answer whichever way a question is asked, and the library used
as a notebook user would, with names from ``kb`` alone."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import kb as kb_package
from kb.query import run_template
from kb import KnowledgeBase, ListSink, LoadStatus, UnknownTermError
from tests.conftest import run_cli
from kb.paths import examples_dir

ROOT = Path(__file__).resolve().parents[2]
PUBMED = ROOT / "tests" / "data" / "biblio_pubmed" / "structured.xml"
CROSSREF_PART = ROOT / "tests" / "data" / "part_nodes" / "crossref.json"
PUBMED_PART = ROOT / "tests" / "data" / "part_nodes" / "pubmed.xml"
#: A user vocabulary that gives lenalidomide a name the bundled vocabulary lacks.
USER_TERMS = "id\tlabel\tsynonyms\tcategory\nCHEBI:63791\tlenalidomide\tLenalidomida|CC-5013 capsules\tdrug\n"


def _cli(store: Path, *args: str) -> tuple[int, str, str]:
    result = run_cli(store, *args)
    return result.code, result.stdout, result.stderr


def _as_json(rows: list) -> list[dict]:
    return json.loads(json.dumps([row._asdict() for row in rows], ensure_ascii=False))


_SECOND_PROCESS = """
import json, sys
from kb import KnowledgeBase
with KnowledgeBase.open(sys.argv[1], read_only=True) as kb:
    rows = kb.query(sys.argv[2], dict(pair.split("=", 1) for pair in sys.argv[3:]))
print(json.dumps([row._asdict() for row in rows], ensure_ascii=False))
"""


def _second_process(store: Path, name: str, params: dict[str, str]) -> list[dict]:
    args = [sys.executable, "-c", _SECOND_PROCESS, str(store), name, *(f"{k}={v}" for k, v in params.items())]
    done = subprocess.run(args, capture_output=True, text=True, check=True, timeout=120, cwd=ROOT)
    return json.loads(done.stdout)


QUESTIONS = [
    ("mechanisms", {"drug": "Revlimid"}),
    ("outcome_results", {"drug": "lenalidomide", "outcome": "overall survival"}),
    ("adverse_events", {"drug": "lenalidomide", "min_grade": "3", "trial": "MM-009"}),
    ("mechanisms", {"drug": "Lenalidomida"}),  # only after the user vocabulary is added
]


def test_the_cli_the_handle_and_a_second_process_give_identical_rows(tmp_path: Path) -> None:
    store = tmp_path / "store"
    code, _, err = _cli(store, "ingest", "findings", *map(str, sorted(examples_dir().glob("*.yaml"))), "--quiet")
    assert code == 0, err
    with KnowledgeBase.open(store, read_only=True) as kb:
        with pytest.raises(UnknownTermError, match="Lenalidomida"):
            kb.query("mechanisms", drug="Lenalidomida")
    terms = tmp_path / "spanish.tsv"
    terms.write_text(USER_TERMS, encoding="utf-8")
    code, _, err = _cli(store, "vocab", "add", str(terms))
    assert code == 0, err

    for name, params in QUESTIONS:
        code, out, err = _cli(store, "query", name, *(f"-p{k}={v}" for k, v in params.items()), "--format", "json")
        assert code == 0, err
        from_cli = json.loads(out)
        with KnowledgeBase.open(store, read_only=True) as kb:
            from_handle = _as_json(kb.query(name, params))
            from_bare_store = _as_json(run_template(kb.store, name, params))
        from_process = _second_process(store, name, params)
        assert from_cli, f"{name} {params} found nothing"
        assert from_cli == from_handle == from_process == from_bare_store, (name, params)
    assert len(from_cli) == 3  # the user term finds lenalidomide's three mechanism claims


def test_a_bare_store_resolves_user_terms_as_the_handle_does(tmp_path: Path) -> None:
    """``run_template(store, ...)`` used to fall back to the bundled vocabulary alone."""
    kb = KnowledgeBase.memory()
    kb.ingest("findings", [examples_dir() / "mm009_weber2007.yaml"])
    with pytest.raises(UnknownTermError):
        run_template(kb.store, "mechanisms", {"drug": "Lenalidomida"})
    terms_file = tmp_path / "terms.tsv"
    terms_file.write_text(USER_TERMS, encoding="utf-8")
    kb.vocab.add(terms_file, name="spanish")
    assert run_template(kb.store, "mechanisms", {"drug": "Lenalidomida"}) == kb.query("mechanisms", drug="Lenalidomida")
    assert len(kb.query("mechanisms", drug="CC-5013 capsules")) == 3


def test_a_long_lived_handle_sees_a_vocabulary_another_handle_added(tmp_path: Path) -> None:
    first = KnowledgeBase.memory()
    first.ingest("findings", [examples_dir() / "mm009_weber2007.yaml"])
    second = KnowledgeBase(first.store)
    assert first.vocab.resolve("Lenalidomida") is None
    terms = tmp_path / "spanish.tsv"
    terms.write_text(USER_TERMS, encoding="utf-8")
    report = second.vocab.add(terms)
    assert report.extended == 1
    assert first.vocab.resolve("Lenalidomida").curie == "CHEBI:63791"
    assert len(first.query("mechanisms", drug="Lenalidomida")) == 3
    second.vocab.remove(report.name)
    assert first.vocab.resolve("Lenalidomida") is None


def test_a_notebook_ingests_queries_and_exports_with_names_from_kb_alone(tmp_path: Path) -> None:
    """Everything here comes from ``kb/__init__.py``: the handle, its reports and errors."""
    with kb_package.KnowledgeBase.open(tmp_path / "store") as kb:
        biblio = kb.ingest("pubmed", [PUBMED])
        findings = kb.ingest("findings", [examples_dir() / "mm009_weber2007.yaml"])
        assert isinstance(biblio, kb_package.LoadReport) and biblio.ok and findings.ok
        assert {s.status for s in biblio.loaded + findings.loaded} == {kb_package.LoadStatus.added}
        assert kb.stats().sources == len(biblio.loaded) + 1
        assert [s.source_id for s in kb.sources if s.kind == "findings"] == ["weber-2007-mm009"]

        rows = kb.query("outcome_results", drug="Revlimid", outcome="overall survival")
        assert [(r.trial, r.statistic, r.value, r.p_value) for r in rows] == [("MM-009", "hazard_ratio", 0.44, 0.001)]
        publication = kb.query("publication", doi="10.1056/NEJMoa070596")
        assert publication[0].title.startswith("Lenalidomide plus dexamethasone for relapsed")  # PubMed outranks the findings file
        assert "weber-2007-mm009" in publication[0].sources.split() and len(publication[0].sources.split()) == 2

        kb.export("evidence-csv", tmp_path / "evidence.csv")
        kb.export("turtle", tmp_path / "mm009.ttl", source="weber-2007-mm009")
        assert (tmp_path / "evidence.csv").read_text(encoding="utf-8").startswith("outcome,")
        assert "weber" in (tmp_path / "mm009.ttl").read_text(encoding="utf-8").lower()
        with pytest.raises(kb_package.SourceNotFoundError):
            kb.export("turtle", tmp_path / "none.ttl", source="no-such-source")
        with pytest.raises(kb_package.ExportError):
            kb.export("docx", tmp_path / "x.docx")


def test_the_runner_hands_graphs_to_a_list_sink_and_merges_publications() -> None:
    """Ingestion without a store: the list sink keeps graphs and answers the publication lookup."""
    kb = KnowledgeBase.memory()
    sink = ListSink()
    runner = kb.runner(sink=sink)
    from kb.readers import get_reader

    report = runner.ingest_files(get_reader("pubmed"), [PUBMED_PART])
    report.extend(runner.ingest_files(get_reader("crossref"), [CROSSREF_PART]))
    assert report.ok and sink.finished and len(sink.graphs) == 2
    assert {loaded.status for loaded in report.loaded} == {LoadStatus.added}
    publications = [{t.subject.value for t in graph.triples if t.predicate.value.endswith("prismstandard.org/namespaces/basic/2.0/doi")} for graph in sink.graphs]
    assert publications[0] == publications[1] and len(publications[0]) == 1  # one node for both sources
    assert kb.store.count() == 0  # nothing reached the store


def test_the_publication_merge_follows_the_rank_table(monkeypatch: pytest.MonkeyPatch) -> None:
    """Swap PubMed and Crossref in the table: the merged record now takes Crossref's title."""
    import kb.formats as formats

    def titles(kb: KnowledgeBase) -> str:
        doi = next(iter(kb.sparql("SELECT ?d WHERE { ?p <http://prismstandard.org/namespaces/basic/2.0/doi> ?d } LIMIT 1").rows))[0].value
        return kb.query("publication", doi=doi)[0].title

    normal = KnowledgeBase.memory()
    normal.ingest("pubmed", [PUBMED_PART])
    normal.ingest("crossref", [CROSSREF_PART])
    swapped_table = tuple(
        formats.InputFormat(row.name, row.mode, row.source_kind, row.summary, row.argument_help,
                            {"pubmed": 3, "crossref": 1}.get(row.name, row.merge_rank))
        for row in formats.INPUT_FORMATS
    )
    monkeypatch.setattr(formats, "INPUT_FORMATS", swapped_table)
    swapped = KnowledgeBase.memory()
    swapped.ingest("pubmed", [PUBMED_PART])
    swapped.ingest("crossref", [CROSSREF_PART])
    # PubMed's title ends with a full stop, Crossref's does not.
    assert titles(normal) == "Part nodes from two sources of one article."
    assert titles(swapped) == "Part nodes from two sources of one article"
    graphs = {g.kind: g.source_id for g in normal.sources}
    assert set(graphs) == {"pubmed", "crossref"}


def test_stats_counts_every_quad_from_the_sizes_graphs_record(tmp_path: Path) -> None:
    """``stats.quads`` sums what each graph records about itself: it equals a scan of the store."""
    kb = KnowledgeBase.memory()
    kb.ingest("findings", sorted(examples_dir().glob("*.yaml")))
    kb.ingest("pubmed", [PUBMED])
    assert kb.stats().quads == kb.store.count()
    terms = tmp_path / "spanish.tsv"
    terms.write_text(USER_TERMS, encoding="utf-8")
    kb.vocab.add(terms)
    assert kb.stats().quads == kb.store.count()
    kb.remove_source("weber-2007-mm009")
    assert kb.stats().quads == kb.store.count()


def test_a_sparql_syntax_error_names_its_line_and_column() -> None:
    from kb.errors import QueryError

    kb = KnowledgeBase.memory()
    with pytest.raises(QueryError, match=r"^SPARQL syntax error at 1:\d+: "):
        kb.sparql("SELECT * WHERE { ?s ?p }")
