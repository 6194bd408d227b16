"""kb extract and kb ingest ... --extract: drafts whose every quote is the stored abstract's text at its span."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from kb import KnowledgeBase
from kb.cli.main import main
from kb.errors import KBError
from kb.extraction.evaluate import read_gold
from kb.extraction.plugins import get_extractor
from kb.extraction.rules import RuleBasedExtractor
from tests.conftest import shared_path

_DRAFT_QUOTES = """
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX oa: <http://www.w3.org/ns/oa#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX tekb: <https://w3id.org/trial-evidence-kb/ontology#>
SELECT ?source ?finding ?quote ?start ?end ?exact ?oa_start ?oa_end ?abstract WHERE {
  GRAPH ?g { ?finding tekb:extractionMethod "automatic_extraction" ; tekb:curationStatus ?status ; prov:wasDerivedFrom ?publication }
  ?g tekb:sourceId ?source .
  OPTIONAL { ?finding tekb:quote ?quote }
  OPTIONAL { ?finding tekb:quoteStart ?start }
  OPTIONAL { ?finding tekb:quoteEnd ?end }
  OPTIONAL {
    ?annotation oa:hasBody ?finding ; oa:hasTarget ?target .
    ?target oa:hasSource ?publication ; oa:hasSelector ?quote_selector, ?position_selector .
    ?quote_selector oa:exact ?exact .
    ?position_selector oa:start ?oa_start ; oa:end ?oa_end .
  }
  OPTIONAL { ?publication dcterms:abstract ?abstract }
}
"""


def _draft_quotes(store: Path) -> dict[str, list[tuple[str, str, int, int, str]]]:
    """Each draft finding's (source, quote, start, end) and the abstracts of its publication; the Web
    Annotation selectors say the same as tekb:quote, quoteStart and quoteEnd."""
    found: dict[str, list[tuple[str, str, int, int, str]]] = {}
    with KnowledgeBase.open(store, read_only=True) as kb:
        for source, finding, quote, start, end, exact, oa_start, oa_end, abstract in kb.sparql(_DRAFT_QUOTES).rows:  # type: ignore[union-attr]
            assert None not in (quote, start, end, abstract), f"{finding}: no quote, span or abstract"
            assert (exact, oa_start, oa_end) == (quote, start, end), f"{finding}: the Web Annotation selectors differ"
            found.setdefault(finding.value, []).append((source.value, quote.value, int(start.value), int(end.value), abstract.value))
    return found


def test_ingest_pubmed_extract_loads_drafts_whose_quotes_are_the_abstract_at_their_span(tmp_path: Path) -> None:
    files = sorted(shared_path("fixtures", "pubmed_xml").glob("*.xml"))
    store = tmp_path / "store"
    assert main(["--store", str(store), "ingest", "pubmed", *map(str, files), "--extract", "--quiet"]) == 0
    drafts = _draft_quotes(store)
    assert len(drafts) >= 5  # the fixtures' abstracts hold odds ratios
    for finding, candidates in drafts.items():
        assert all(source.startswith("extraction-pmid-") for source, *_ in candidates)
        # the publication may have several abstracts (one per source); the span indexes one of them
        assert any(abstract[start:end] == quote for _, quote, start, end, abstract in candidates), (finding, candidates[0][:4])

    # Extracting again (same extractor version) changes nothing: the draft sources are unchanged.
    with KnowledgeBase.open(store) as kb:
        before = {s.source_id: s.triples for s in kb.sources}
    assert main(["--store", str(store), "extract", "--all", "-f", "json"]) == 0
    with KnowledgeBase.open(store, read_only=True) as kb:
        assert {s.source_id: s.triples for s in kb.sources} == before


def test_extract_prints_proposals_of_a_text_file_without_loading(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = tmp_path / "abstract.txt"
    text.write_text("Overall survival was longer with drug X (hazard ratio, 0.72; 95% CI, 0.61 to 0.85; P<0.001).", encoding="utf-8")
    store = tmp_path / "store"
    assert main(["--store", str(store), "extract", str(text), "-f", "json"]) == 0
    [printed] = json.loads(capsys.readouterr().out)
    [estimate] = printed["estimates"]
    assert (estimate["measure"], estimate["value"], estimate["ci_lower"], estimate["ci_upper"]) == ("hazard_ratio", 0.72, 0.61, 0.85)
    assert text.read_text(encoding="utf-8")[estimate["span"]["start"]:estimate["span"]["end"]] == estimate["span"]["quote"]
    assert not store.exists()  # files are extracted and printed, never loaded


def test_extract_needs_something_to_read(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--store", ":memory:", "extract", "--extractor", "rules"]) == 2
    assert "give files" in capsys.readouterr().err


def test_the_rule_based_extractor_is_the_default_entry_point() -> None:
    extractor = get_extractor()
    assert isinstance(extractor, RuleBasedExtractor) and extractor.name == "rules"
    with pytest.raises(KBError, match="no extractor named 'nope'; installed extractors: .*rules"):
        get_extractor("nope")


def test_extract_evaluate_runs_on_the_dev_set_and_the_gold_parses(capsys: pytest.CaptureFixture[str]) -> None:
    gold = shared_path("extraction", "dev.jsonl")
    assert len(list(read_gold(gold))) == 40
    assert main(["extract", "evaluate", str(gold), "--json"]) == 0
    figures = json.loads(capsys.readouterr().out)
    assert isinstance(figures, dict) and figures
    assert main(["extract", "evaluate", str(gold)]) == 0
    assert "precision" in capsys.readouterr().out


def test_bad_inputs_are_errors_naming_the_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    binary = tmp_path / "gold.jsonl"
    binary.write_bytes(b"\xff\xfe not text")
    assert main(["extract", "evaluate", str(binary)]) == 1
    err = capsys.readouterr().err
    assert str(binary) in err and "internal error" not in err
    text = tmp_path / "abstract.txt"
    text.write_bytes(b"\xff\xfe not text")
    assert main(["--store", ":memory:", "extract", str(text)]) == 1
    err = capsys.readouterr().err
    assert str(text) in err and "internal error" not in err
    assert main(["--store", ":memory:", "extract", "--doi", "not-a-doi"]) == 1
    assert "malformed DOI" in capsys.readouterr().err
    assert main(["--store", str(tmp_path / "s"), "ingest", "ris", "--extract", str(text)]) == 2


_MADE_UP_PUBMED = """<?xml version="1.0" encoding="UTF-8"?>
<PubmedArticleSet><PubmedArticle><MedlineCitation Status="MEDLINE" Owner="NLM">
<PMID Version="1">99000123</PMID>
<Article PubModel="Print"><Journal><Title>Made-up journal</Title></Journal>
<ArticleTitle>A made-up trial of drug X (test data).</ArticleTitle>
<Abstract><AbstractText Label="RESULTS" NlmCategory="RESULTS">In NCT01234567, 200 patients were randomized.
Overall survival was longer with drug X (hazard ratio, 0.72; 95% CI, 0.61 to 0.85; P&lt;0.001).</AbstractText></Abstract>
</Article></MedlineCitation></PubmedArticle></PubmedArticleSet>
"""


def test_ingest_pmid_extract_fetches_and_loads_drafts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, httpserver: Any) -> None:
    httpserver.expect_request("/eutils/efetch.fcgi").respond_with_data(_MADE_UP_PUBMED, content_type="text/xml")
    monkeypatch.setenv("KB_EUTILS_URL", httpserver.url_for("/eutils"))
    monkeypatch.setenv("KB_HTTP_CACHE", "off")
    monkeypatch.setenv("KB_HTTP_RETRIES", "0")
    store = tmp_path / "store"
    assert main(["--store", str(store), "ingest", "pmid", "99000123", "--extract", "--quiet"]) == 0
    drafts = _draft_quotes(store)
    assert len(drafts) == 1
    [(source, quote, start, end, abstract)] = next(iter(drafts.values()))
    assert source == "extraction-pmid-99000123" and abstract[start:end] == quote and "0.72" in quote
    with KnowledgeBase.open(store, read_only=True) as kb:
        [row] = kb.query("outcome_results", trial="NCT01234567")
        assert (row.statistic, row.value, row.ci_lower, row.ci_upper, row.source, row.status) == (
            "hazard_ratio", 0.72, 0.61, 0.85, "extraction-pmid-99000123", "draft")
