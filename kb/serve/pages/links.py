"""Page URLs that follow the KB's IRIs, and names for the predicates and classes pages show.

A node minted under the KB's base IRI has its page at the same path below the server's root:
``{base}trial/NCT00056160`` is ``/trial/NCT00056160``, so a server answering at the base makes
every IRI of the KB dereferenceable. Nodes named by other authorities get a short path of their
own: vocabulary concepts by category and CURIE (``/drug/CHEBI:63791``), publications by DOI or PMID
(``/doi/10.1056/nejmoa070596``, ``/pmid/18032763``), ORCID persons by ORCID
(``/orcid/0000-0002-...``). Anything else is shown at ``/resource?iri=...``.

>>> links = Links("https://w3id.org/trial-evidence-kb/id/")
>>> links.href("https://w3id.org/trial-evidence-kb/id/trial/NCT00056160")
'/trial/NCT00056160'
>>> links.href("http://purl.obolibrary.org/obo/CHEBI_63791", "drug")
'/drug/CHEBI:63791'
>>> links.href("https://doi.org/10.1056/nejmoa070596")
'/doi/10.1056/nejmoa070596'
>>> links.iri_of("/trial/NCT00056160")
'https://w3id.org/trial-evidence-kb/id/trial/NCT00056160'
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import quote, urlencode

__all__ = ["Links", "CATEGORIES", "DOI_PREFIX", "PUBMED_PREFIX", "ORCID_PREFIX", "predicate_name", "class_name"]

#: Vocabulary categories that have a page of their own, by path segment.
CATEGORIES: tuple[str, ...] = ("drug", "target", "condition", "outcome", "adverse_event")

DOI_PREFIX = "https://doi.org/"
PUBMED_PREFIX = "http://www.ncbi.nlm.nih.gov/pubmed/"
ORCID_PREFIX = "https://orcid.org/"

# What may stay unescaped in a page path (the IRI scheme's own set, kb.rdf.iris._segment).
_SAFE = "-._~:@!$&'()*+,;=/%"


class Links:
    """Turns IRIs into page paths and back, for one base IRI.

    ``category_of(iri)``, when given, names the vocabulary category of a concept IRI (or None), so
    a concept linked without its category still gets its ``/drug/...`` path.
    """

    def __init__(self, base: str, category_of: Callable[[str], str | None] | None = None) -> None:
        self.base = base
        self._category_of = category_of

    def href(self, iri: object, category: str | None = None) -> str:
        """The page path of ``iri`` (``category``: its vocabulary category, when known)."""
        text = str(iri or "")
        if text.startswith(self.base):
            return "/" + quote(text[len(self.base):], safe=_SAFE)
        if text.startswith(DOI_PREFIX):
            return "/doi/" + quote(text[len(DOI_PREFIX):], safe=_SAFE)
        if text.startswith(PUBMED_PREFIX) and text[len(PUBMED_PREFIX):].isdigit():
            return "/pmid/" + text[len(PUBMED_PREFIX):]
        if text.startswith(ORCID_PREFIX):
            return "/orcid/" + quote(text[len(ORCID_PREFIX):], safe=_SAFE)
        if category is None and self._category_of is not None:
            category = self._category_of(text)
        if category in CATEGORIES:
            from kb.curie import compress_iri

            curie = compress_iri(text)
            if curie:
                return f"/{category}/{quote(curie, safe=_SAFE)}"
        return "/resource?" + urlencode({"iri": text})

    def iri_of(self, path: str) -> str:
        """The IRI under the base that the page path ``path`` stands for."""
        return self.base + path.lstrip("/")


#: Readable names of the predicates pages show (others are shown as CURIEs).
_PREDICATES = {
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#type": "type",
    "http://www.w3.org/2000/01/rdf-schema#label": "label",
    "http://www.w3.org/2000/01/rdf-schema#comment": "comment",
    "http://www.w3.org/2004/02/skos/core#prefLabel": "preferred label",
    "http://www.w3.org/2004/02/skos/core#altLabel": "synonym",
    "http://www.w3.org/2004/02/skos/core#notation": "identifier",
    "http://www.w3.org/2004/02/skos/core#exactMatch": "same as",
    "http://www.w3.org/2004/02/skos/core#closeMatch": "close match",
    "http://purl.org/dc/terms/title": "title",
    "http://purl.org/dc/terms/creator": "author",
    "http://xmlns.com/foaf/0.1/name": "name",
    "http://www.w3.org/ns/prov#wasDerivedFrom": "derived from",
    "http://www.w3.org/ns/prov#wasAttributedTo": "curated by",
    "http://www.w3.org/ns/prov#generatedAtTime": "generated at",
    "http://purl.obolibrary.org/obo/RO_0002558": "has evidence",
}

_CLASSES = {
    "http://purl.obolibrary.org/obo/OBI_0003699": "clinical trial",
    "http://purl.obolibrary.org/obo/OBI_0004001": "randomized trial",
    "http://purl.obolibrary.org/obo/OBI_0003702": "phase 3 trial",
    "http://purl.obolibrary.org/obo/OBI_0003706": "study arm",
    "http://purl.obolibrary.org/obo/OBI_0000931": "intervention",
    "http://purl.org/spar/fabio/JournalArticle": "journal article",
    "http://purl.org/spar/fabio/Journal": "journal",
    "http://xmlns.com/foaf/0.1/Person": "person",
    "http://xmlns.com/foaf/0.1/Organization": "organization",
}


def predicate_name(iri: str) -> str:
    """A readable name for a predicate: a known name, the local name of a KB term, else a CURIE.

    >>> predicate_name("https://w3id.org/trial-evidence-kb/ontology#nRandomized")
    'n randomized'
    """
    if iri in _PREDICATES:
        return _PREDICATES[iri]
    if iri.startswith("https://w3id.org/trial-evidence-kb/ontology#"):
        local = iri.rsplit("#", 1)[1]
        return "".join(" " + c.lower() if c.isupper() else c for c in local).strip()
    from kb.curie import compress_iri

    return compress_iri(iri) or iri


def class_name(iri: str) -> str:
    """A readable name for a class IRI (a known name, a KB term's local name, else a CURIE)."""
    if iri in _CLASSES:
        return _CLASSES[iri]
    return predicate_name(iri)
