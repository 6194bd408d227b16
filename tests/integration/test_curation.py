"""The curation loop: drafts -> findings file -> edited -> ingested as manual_curation -> the drafts are superseded."""

from __future__ import annotations

from pathlib import Path

import yaml

from kb import KnowledgeBase
from kb.extraction.curation import draft_summary
from kb.extraction.curation import extract_stored, stored_abstracts
from kb.extraction.drafts import draft_document
from kb.extraction.findings_files import write_findings_files
from kb.extraction.model import Extraction
from kb.extraction.rules import RuleBasedExtractor
from kb.models import AbstractSection, FindingsDocument, Publication, SourceInfo, SourceKind

ABSTRACT = (
    "In this trial (NCT00056160), 353 patients were randomized to lenalidomide plus dexamethasone (n=177) or placebo plus "
    "dexamethasone (n=176). Overall survival was longer with lenalidomide (hazard ratio, 0.44; 95% CI, 0.30 to 0.65; P<0.001). "
    "Grade 3 or 4 neutropenia (41.2% vs. 4.6%) was more frequent."
)
DOI = "10.1000/curation-test"


def _kb_with_paper() -> KnowledgeBase:
    kb = KnowledgeBase.memory()
    paper = Publication(doi=DOI, pmid="12345678", title="A trial", abstract=(AbstractSection(label="RESULTS", text=ABSTRACT),))
    kb.load([(None, FindingsDocument(source=SourceInfo(id="pubmed-pmid-12345678", kind=SourceKind.pubmed, publication=paper)))])
    return kb


def _extract(kb: KnowledgeBase, **kwargs: bool) -> object:
    return extract_stored(kb, stored_abstracts(kb, "doi", [DOI]), RuleBasedExtractor(), **kwargs)


def test_a_findings_file_edited_and_ingested_supersedes_the_drafts(tmp_path: Path) -> None:
    kb = _kb_with_paper()
    run = _extract(kb)
    [draft] = run.drafts  # type: ignore[attr-defined]
    assert draft.source_id == "extraction-pmid-12345678"
    [before] = draft_summary(kb)
    assert before.pending["outcome_result"] >= 1 and before.pending["adverse_event"] == 1 and before.superseded == 0

    # The drafts keep their spans: the trial is the stated NCT number's, with the arms as written.
    stored = stored_abstracts(kb, "doi", [DOI])[0].text
    for row in kb.query("drafts", method="automatic_extraction"):
        assert stored[row.quote_start:row.quote_end] == row.quote
    trial = draft.document.trials[0]
    assert trial.registry_ids == ("NCT00056160",) and trial.enrollment == 353
    assert {(arm.label, arm.n_randomized) for arm in trial.arms} >= {("lenalidomide plus dexamethasone", 177), ("placebo plus dexamethasone", 176)}

    [written] = write_findings_files([(draft, "pubmed-pmid-12345678")], tmp_path)
    data = yaml.safe_load(written.path.read_text(encoding="utf-8"))
    assert data["source"]["id"] == "curated-pmid-12345678" and data["source"]["method"] == "manual_curation"
    # the curator checks the figures, corrects one and verifies the file
    data["source"]["status"] = "verified"
    data["source"]["agent"] = {"name": "A Curator"}
    estimate = next(r for r in data["outcome_results"] if r.get("comparisons"))
    assert estimate["comparisons"][0]["estimate"] == 0.44
    estimate["comparisons"][0]["estimate"] = 0.45
    written.path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    FindingsDocument.model_validate(data)  # still a valid findings document
    report = kb.ingest("findings", [written.path])
    assert report.ok, report.failed

    [after] = draft_summary(kb)
    assert sum(after.pending.values()) == 0
    assert after.superseded == sum(before.pending.values()) and after.superseded_by == {"curated-pmid-12345678"}
    assert draft_summary(kb, pending_only=True) == []
    # nothing was deleted: the proposals are still there, each naming what supersedes it
    proposals = kb.query("drafts", method="automatic_extraction")
    assert proposals and {row.superseded_by for row in proposals} == {"curated-pmid-12345678"}
    # re-extracting is idempotent and the curated source still supersedes
    again = _extract(kb)
    assert [s.status.value for s in again.report.sources()] == ["unchanged"]  # type: ignore[attr-defined]
    assert sum(draft_summary(kb)[0].pending.values()) == 0
    # the corrected figure and the superseded proposal are no conflict
    assert kb.query("conflicts") == []


def test_a_curated_source_without_a_kind_leaves_that_kind_pending(tmp_path: Path) -> None:
    kb = _kb_with_paper()
    [draft] = _extract(kb).drafts  # type: ignore[attr-defined]
    [written] = write_findings_files([(draft, None)], tmp_path)
    data = yaml.safe_load(written.path.read_text(encoding="utf-8"))
    data.pop("adverse_events")  # the curator curates the outcomes only
    written.path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    assert kb.ingest("findings", [written.path]).ok
    [summary] = draft_summary(kb)
    assert dict(summary.pending) == {"adverse_event": 1}
    # an existing file is kept unless asked to overwrite it
    [kept] = write_findings_files([(draft, None)], tmp_path)
    assert not kept.written and "adverse_events" not in yaml.safe_load(kept.path.read_text(encoding="utf-8"))


class _Newer(RuleBasedExtractor):
    version = "9.9.9"


class _FindsNothing(RuleBasedExtractor):
    version = "10.0.0"

    def extract(self, text: str, *, text_id: str | None = None) -> Extraction:
        return Extraction(text_id=text_id, extractor=self.name, version=self.version)


def test_re_extracting_with_a_newer_version_replaces_the_draft_source() -> None:
    kb = _kb_with_paper()
    _extract(kb)
    graph = kb.source_graph("extraction-pmid-12345678")
    newer = extract_stored(kb, stored_abstracts(kb, "doi", [DOI]), _Newer())
    assert [s.status.value for s in newer.report.sources()] == ["replaced"]  # type: ignore[union-attr]
    agents = {row.agent for row in kb.query("drafts", source="extraction-pmid-12345678")}
    assert agents == {"rules extractor 9.9.9"}
    # a version that proposes nothing leaves no draft source behind
    nothing = extract_stored(kb, stored_abstracts(kb, "doi", [DOI]), _FindsNothing())
    assert nothing.emptied == ["extraction-pmid-12345678"] and not kb.store.has_graph(graph)
    assert draft_summary(kb) == []


def test_mm009_mechanism_drafts_from_the_seed_record_equal_the_curated_claims_and_are_superseded() -> None:
    from kb.paths import examples_dir
    from tests.conftest import shared_path

    seed = shared_path("seed", "mm009-abstract.txt").read_text(encoding="utf-8")
    kb = KnowledgeBase.memory()
    assert kb.ingest("findings", [examples_dir() / "mm009_weber2007.yaml"]).ok
    extraction = RuleBasedExtractor(vocabulary=kb.vocabulary).extract(seed, text_id="seed")
    draft = draft_document(extraction, Publication(doi="10.1056/NEJMoa070596"), origin="seed")
    assert kb.load([(None, draft.document)]).ok
    claims = {}
    for row in kb.query("mechanisms", drug="lenalidomide"):
        claims.setdefault(row.source, set()).add((row.drug, row.direction, row.aspect, row.target, row.system))
    assert claims["extraction-doi-10.1056_nejmoa070596"] == claims["weber-2007-mm009"] and len(claims["weber-2007-mm009"]) == 3
    proposals = kb.query("drafts", method="automatic_extraction", doi="10.1056/NEJMoa070596")
    assert {row.kind for row in proposals} >= {"mechanism"}
    assert {row.superseded_by for row in proposals if row.kind == "mechanism"} == {"weber-2007-mm009"}
    for row in proposals:
        assert seed[row.quote_start:row.quote_end] == row.quote


def test_result_templates_show_and_filter_by_method() -> None:
    """A reviewer keeps kb extract's proposals apart from curated figures: a method column and -p method=."""
    from kb.paths import examples_dir as _examples
    from tests.conftest import FIXED_TIME as _time
    from tests.conftest import data_path as _data

    kb = KnowledgeBase.memory()
    assert kb.ingest("findings", [*sorted(_examples().glob("*.yaml")), _data("extraction", "mm009_conflicting_report.yaml")], generated_at=_time).ok
    for template, selector in (("outcome_results", {"trial": "NCT00056160"}), ("adverse_events", {"drug": "lenalidomide"}),
                               ("mechanisms", {"drug": "lenalidomide"})):
        every = kb.query(template, **selector)
        methods = {row.method for row in every}
        assert "manual_curation" in methods and None not in methods, template
        for method in [*methods, "automatic_extraction"]:
            kept = kb.query(template, **selector, method=method)
            assert {row.method for row in kept} <= {method}
            assert len(kept) == sum(1 for row in every if row.method == method)
    # The made-up draft's estimate is found by its trial, and by its method alone.
    proposals = kb.query("outcome_results", trial="NCT00056160", method="automatic_extraction")
    assert [(row.value, row.status, row.source) for row in proposals] == [(0.5, "draft", "extraction-doi-10.5555_made-up-mm009")]
