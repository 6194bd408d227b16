"""The ``ctgov`` reader: saved ClinicalTrials.gov studies for ``kb ingest ctgov``.

Adapts :func:`ingest.ctgov.read_ctgov` to the reader protocol: a study that gives a
document is loaded, one that does not is a skipped record, and what a study's import
left out (``"NA"`` values, missing denominators, no results) is reported as notes.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from kb.models import FindingsDocument
from kb.readers import ConceptResolver, ReadNote, SkippedRecord
from kb.vocab import get_vocabulary
from ingest.ctgov.common import StudyReport
from ingest.ctgov.mapping import DrugChooser
from ingest.ctgov import read_ctgov, vocabulary_drug_chooser

__all__ = ["CtgovReader", "items_from_studies", "drug_chooser"]


def drug_chooser(vocabulary: ConceptResolver | None = None) -> DrugChooser:
    """Pick, among a drug's registry names, the first ``vocabulary`` knows (e.g. a brand name).

    The KB passes its vocabulary (bundled plus user vocabularies); without one, the bundled
    vocabulary decides.
    """
    resolver = vocabulary or get_vocabulary()
    return vocabulary_drug_chooser(lambda text, category: resolver.resolve(text, category=category))


def items_from_studies(
    studies: Iterable[tuple[FindingsDocument | None, StudyReport]],
) -> Iterator[FindingsDocument | SkippedRecord | ReadNote]:
    """Documents, skipped studies and notes, in the reader protocol's terms."""
    for document, report in studies:
        where = f"{report.origin}: {report.nct or 'study'}"
        if document is None:
            yield SkippedRecord(where, (("", report.error or "the study gave no record"),))
            continue
        for message in [*report.notes, *report.skipped]:
            yield ReadNote(where, message)
        yield document


class CtgovReader:
    """``kb ingest ctgov``: ClinicalTrials.gov API v2 JSON (a study, a list, a /studies page) or legacy XML."""

    name = "ctgov"
    summary = "ClinicalTrials.gov studies: API v2 JSON (one, a list, or a /studies page) or legacy clinical_study XML"

    def read(self, path: Path, *, vocabulary: ConceptResolver | None = None) -> Iterator[FindingsDocument | SkippedRecord | ReadNote]:
        """One document per study; a SkippedRecord for a study that cannot be mapped; notes on what was left out."""
        yield from items_from_studies(read_ctgov(path, choose_drug=drug_chooser(vocabulary)))
