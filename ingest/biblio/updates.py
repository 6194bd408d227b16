"""Retractions, corrections and expressions of concern as each bibliographic format states them.

Each reader turns them into :class:`~kb.models.PublicationUpdate` fields (``kind``,
``direction``, the other work's ``doi``/``pmid``, ``citation``, ``note``, ``date``,
``asserted_by``): PubMed XML from ``CommentsCorrectionsList`` (:func:`pubmed_updates`), MEDLINE
from its link tags (:func:`medline_update`), Crossref from ``update-to`` and ``updated-by``
(:func:`crossref_updates`). The mapping (:mod:`kb.rdf.bibliographic`) turns them into statements
and the retraction flag (docs/rdf-mapping.md, "Retractions").

Bad values follow the readers' rule: a malformed PMID or DOI of the other work, or an update
type Crossref does not define, is dropped with a ``(field path, message)`` problem; the record
loads. A PubMed update whose notice has no PMID is kept by its citation.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ingest.biblio.pubmed_elements import _text, _Values, clean_text
from ingest.biblio.text import date_from_parts, strip_markup, valid_doi
from kb.errors import cap
from kb.identifiers import normalize_pmid

__all__ = [
    "UPDATE_REF_TYPES", "MEDLINE_UPDATE_TAGS", "CROSSREF_UPDATE_KINDS", "pubmed_updates", "medline_update", "crossref_updates",
]


#: PubMed's CommentsCorrections RefTypes that are updates: (kind, direction). "...In" names the
#: notice that updates this record; "...Of", "...For" and "...From" name the publication that this
#: record, a notice, updates. Comments, citations, reprints and summaries are not updates and are
#: not read here. MEDLINE's tags for the same are in
#: :data:`MEDLINE_UPDATE_TAGS`.
UPDATE_REF_TYPES: dict[str, tuple[str, str]] = {
    "RetractionIn": ("retraction", "updated_by"),
    "RetractionOf": ("retraction", "updates"),
    "PartialRetractionIn": ("partial_retraction", "updated_by"),
    "PartialRetractionOf": ("partial_retraction", "updates"),
    "ExpressionOfConcernIn": ("expression_of_concern", "updated_by"),
    "ExpressionOfConcernFor": ("expression_of_concern", "updates"),
    "ErratumIn": ("correction", "updated_by"),
    "ErratumFor": ("correction", "updates"),
    "RetractedandRepublishedIn": ("retracted_and_republished", "updated_by"),
    "RetractedandRepublishedFrom": ("retracted_and_republished", "updates"),
    "CorrectedandRepublishedIn": ("corrected_and_republished", "updated_by"),
    "CorrectedandRepublishedFrom": ("corrected_and_republished", "updates"),
}

#: The MEDLINE (.nbib) tags of the same links: ``RIN - Lancet. 2010;375(9713):445. PMID: 20137807``.
MEDLINE_UPDATE_TAGS: dict[str, tuple[str, str]] = {
    "RIN": UPDATE_REF_TYPES["RetractionIn"],
    "ROF": UPDATE_REF_TYPES["RetractionOf"],
    "PRIN": UPDATE_REF_TYPES["PartialRetractionIn"],
    "PROF": UPDATE_REF_TYPES["PartialRetractionOf"],
    "ECI": UPDATE_REF_TYPES["ExpressionOfConcernIn"],
    "ECF": UPDATE_REF_TYPES["ExpressionOfConcernFor"],
    "EIN": UPDATE_REF_TYPES["ErratumIn"],
    "EFR": UPDATE_REF_TYPES["ErratumFor"],
    "RRI": UPDATE_REF_TYPES["RetractedandRepublishedIn"],
    "RRF": UPDATE_REF_TYPES["RetractedandRepublishedFrom"],
    "CRI": UPDATE_REF_TYPES["CorrectedandRepublishedIn"],
    "CRF": UPDATE_REF_TYPES["CorrectedandRepublishedFrom"],
}

_MEDLINE_LINK_PMID_RE = re.compile(r"\s*PMID:\s*(\S+)\s*$")


def pubmed_updates(citation: Any, values: _Values) -> list[dict[str, Any]]:
    """Retractions, errata and expressions of concern from the citation's CommentsCorrectionsList.

    Each gives the other work's PMID (a malformed one is dropped with a problem, the update
    kept by its citation), its RefSource as the citation, and its Note.
    """
    updates: list[dict[str, Any]] = []
    for link in citation.findall("CommentsCorrectionsList/CommentsCorrections"):
        found = UPDATE_REF_TYPES.get((link.get("RefType") or "").strip())
        if found is None:
            continue
        kind, direction = found
        path = f"updates.{len(updates)}"
        updates.append({
            "kind": kind,
            "direction": direction,
            "pmid": values.check(normalize_pmid, _text(link, "PMID"), f"{path}.pmid"),
            "citation": _text(link, "RefSource"),
            "note": _text(link, "Note"),
            "asserted_by": "pubmed",
        })
    return updates


def medline_update(tag: str, value: str, values: _Values, index: int) -> dict[str, Any] | None:
    """The update a MEDLINE link line states (``RIN``, ``ECI``, ``EIN`` ...); None for other tags.

    >>> medline_update("RIN", "Lancet. 2010 Feb 6;375(9713):445. PMID: 20137807", _Values(), 0)["pmid"]
    '20137807'
    """
    found = MEDLINE_UPDATE_TAGS.get(tag)
    if found is None:
        return None
    kind, direction = found
    match = _MEDLINE_LINK_PMID_RE.search(value)
    pmid = values.check(normalize_pmid, match.group(1), f"updates.{index}.pmid") if match else None
    # 'J Made Up Trials. 2019 Mar;12(3):101-9. PMID: 99000001': the citation without its last period.
    citation = clean_text((value[: match.start()] if match else value).rstrip().rstrip("."))
    return {"kind": kind, "direction": direction, "pmid": pmid, "citation": citation, "asserted_by": "pubmed"}



def _entries(value: object) -> list[object]:
    return value if isinstance(value, list) else []


#: Crossref's update types (https://www.crossref.org/documentation/crossmark/participating-in-crossmark/)
#: as the model's kinds. Crossref's ``relation`` types (is-review-of, is-preprint-of, is-version-of,
#: is-replaced-by, ...) name no retraction or correction, so updates are read only from
#: ``update-to`` (the work is the notice) and ``updated-by`` (the notices of the work, from the
#: publisher or from Retraction Watch).
CROSSREF_UPDATE_KINDS = {
    "retraction": "retraction",
    "partial_retraction": "partial_retraction",
    "withdrawal": "withdrawal",
    "removal": "removal",
    "expression_of_concern": "expression_of_concern",
    "correction": "correction",
    "corrigendum": "correction",
    "erratum": "correction",
    "addendum": "addendum",
    "clarification": "clarification",
    "new_version": "new_version",
    "new_edition": "new_version",
}


def crossref_updates(work: Mapping[str, object], problems: list[tuple[str, str]] | None) -> list[dict[str, object]]:
    """Updates from ``update-to`` (this work is the notice) and ``updated-by`` (notices of this work).

    An entry whose type Crossref does not define, or without a valid DOI, is dropped with a note.
    """
    updates: list[dict[str, object]] = []
    for key, direction in (("update-to", "updates"), ("updated-by", "updated_by")):
        for index, entry in enumerate(_entries(work.get(key))):
            if not isinstance(entry, Mapping):
                continue  # counted by type_problems
            path = f"{key}[{index}]"
            kind_text = entry.get("type")
            kind = CROSSREF_UPDATE_KINDS.get(kind_text.strip().lower().replace("-", "_")) if isinstance(kind_text, str) else None
            doi = valid_doi(entry.get("DOI")) if isinstance(entry.get("DOI"), str) else None
            if kind is None or doi is None:
                if problems is not None:
                    what = f"update type {cap(repr(kind_text), 40)} is not one Crossref defines" if kind is None else f"no valid DOI in {cap(repr(entry.get('DOI')), 80)}"
                    problems.append((path, f"{what}; update dropped"))
                continue
            source = entry.get("source")
            updates.append({
                "kind": kind,
                "direction": direction,
                "doi": doi,
                "citation": strip_markup(entry["label"]) if isinstance(entry.get("label"), str) and strip_markup(entry["label"]) else None,
                "date": date_from_parts(entry.get("updated"), problems=problems, path=f"{path}.updated"),
                "asserted_by": source.strip() if isinstance(source, str) and source.strip() else None,
            })
    return updates
