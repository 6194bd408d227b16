"""Real PubMed records (../shared/fixtures/pubmed_xml): every proposal's quote is its span of the abstract."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.biblio.pubmed_xml import read_pubmed_xml
from kb.extraction.model import Span
from kb.extraction.rules import RuleBasedExtractor
from tests.conftest import shared_files


def _spans(extraction) -> list[Span]:  # noqa: ANN001
    spans: list[Span] = []
    for group in (extraction.estimates, extraction.arm_sizes, extraction.arm_values, extraction.adverse_events, extraction.registry_numbers):
        spans += [item.span for item in group]
    spans += [s for m in extraction.mechanisms for s in (m.span, m.drug_span, m.target_span)]
    spans += [e.outcome_span for e in extraction.estimates if e.outcome_span is not None]
    if extraction.total_randomized:
        spans.append(extraction.total_randomized.span)
    return spans


@pytest.mark.parametrize("path", shared_files("fixtures/pubmed_xml", "*.xml"))
def test_every_quote_is_its_span(path: Path) -> None:
    extractor = RuleBasedExtractor()
    abstracts = 0
    for record in read_pubmed_xml(path):
        if record.publication is None or not record.publication.abstract:
            continue
        text = "\n".join(section.text for section in record.publication.abstract)
        abstracts += 1
        extraction = extractor.extract(text, text_id=record.location)
        assert extraction.method == "automatic_extraction" and extraction.version == extractor.version
        for span in _spans(extraction):
            assert text[span.start: span.end] == span.quote
    if not abstracts:
        pytest.skip(f"{path.name} holds no abstract")
