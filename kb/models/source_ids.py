"""The readable part of a source id that names a publication: shared by every reader and by the
extraction drafts, so the same paper gets the same label wherever its source comes from."""

from __future__ import annotations

import hashlib
import re

from kb.models.bibliographic import Publication

__all__ = ["publication_label"]

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")


def publication_label(publication: Publication, *, pmid_first: bool = False) -> str:
    """``doi-...``, ``pmid-N``, ``pmc-...`` or a title digest, safe in a source id (and an IRI).

    The DOI comes before the PMID unless ``pmid_first`` (a PubMed record's own id). A label whose
    characters had to be replaced, or a long one, ends with a digest of the original, which keeps
    two ids apart.

    >>> publication_label(Publication(pmid="12345678", doi="10.1000/XYZ123"))
    'doi-10.1000_xyz123'
    >>> publication_label(Publication(pmid="12345678", doi="10.1000/xyz123"), pmid_first=True)
    'pmid-12345678'
    >>> publication_label(Publication(doi="10.1002/(SICI)1097-0258"))
    'doi-10.1002__sici_1097-0258-...'
    """
    ordered = (("pmid", publication.pmid), ("doi", publication.doi)) if pmid_first else (("doi", publication.doi), ("pmid", publication.pmid))
    found = next((f"{kind}-{value}" for kind, value in (*ordered, ("pmc", publication.pmcid)) if value), None)
    label = found or "title-" + hashlib.sha256((publication.title or "").casefold().encode("utf-8")).hexdigest()[:16]
    safe = _UNSAFE.sub("_", label.replace("/", "_"))
    if safe != label.replace("/", "_") or len(safe) > 100:
        safe = f"{safe[:80]}-{hashlib.sha256(label.encode('utf-8')).hexdigest()[:10]}"
    return safe
