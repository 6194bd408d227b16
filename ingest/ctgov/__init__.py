"""ClinicalTrials.gov studies (API v2 JSON and legacy XML) to findings documents, one per study.

Each study becomes one source (``ctgov-NCT...``) whose trial is identified by its NCT
number, with its design, arms, outcome measures, statistical analyses and adverse events.
Readers yield ``(document or None, StudyReport)`` per study: the report lists what was
skipped and why, so a record with "NA" values or no results still imports what it has.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

from ingest.ctgov.common import StudyReport
from ingest.ctgov.legacy_xml import read_legacy_xml, study_from_legacy_xml
from ingest.ctgov.mapping import DrugChooser, study_from_v2
from ingest.ctgov.v2_json import read_v2_json
from kb.errors import InputFileError
from kb.models import FindingsDocument

__all__ = ["StudyReport", "read_ctgov", "read_v2_json", "read_legacy_xml", "study_from_v2", "study_from_legacy_xml", "vocabulary_drug_chooser"]


def read_ctgov(path: str | Path, *, choose_drug: DrugChooser | None = None) -> Iterator[tuple[FindingsDocument | None, StudyReport]]:
    """Each study of a saved ClinicalTrials.gov file (v2 JSON or legacy XML), with its report.

    The format is told by the file's first non-blank character: ``{`` or ``[`` is JSON,
    ``<`` is XML. Raises :class:`~kb.errors.InputFileError` for a file that is neither.
    """
    path = Path(path)
    try:
        with path.open("rb") as handle:
            head = handle.read(1024).lstrip(b"\xef\xbb\xbf \t\r\n")
    except OSError as error:
        raise InputFileError(str(path), [("", f"cannot read: {error.strerror or error}")]) from error
    if head[:1] in (b"{", b"["):
        yield from read_v2_json(path, choose_drug=choose_drug)
    elif head[:1] == b"<":
        yield from read_legacy_xml(path, choose_drug=choose_drug)
    else:
        raise InputFileError(str(path), [("", "neither ClinicalTrials.gov JSON nor XML")])


def vocabulary_drug_chooser(resolve: Callable[[str, str], object]) -> DrugChooser:
    """A drug chooser that takes the first registry name ``resolve(name, 'drug')`` knows, else the first name.

    >>> choose = vocabulary_drug_chooser(lambda text, category: "x" if text == "Revlimid" else None)
    >>> choose(["CC-5013 capsules", "Revlimid"])
    'Revlimid'
    """

    def choose(names: list[str]) -> str:
        return next((name for name in names if resolve(name, "drug")), names[0])

    return choose
