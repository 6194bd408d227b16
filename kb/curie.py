"""CURIE expansion and compression with the project's prefix map (``ontology/prefixes.json``).

Prefixes follow the Biolink context's casing (``CHEBI``, ``HGNC``, ``doi``); every
prefix also answers in any case (``chebi:63791``), and a few common synonyms
(``RXNORM``, ``UNIPROT``) are accepted.

>>> expand_curie("CHEBI:63791")
'http://purl.obolibrary.org/obo/CHEBI_63791'
>>> expand_curie("Chebi:63791")
'http://purl.obolibrary.org/obo/CHEBI_63791'
>>> compress_iri("http://identifiers.org/hgnc/7794")
'HGNC:7794'
"""

from __future__ import annotations

import json
from functools import cache

import curies

from kb.errors import IdentifierError
from kb.identifiers import normalize_curie
from kb.paths import ontology_dir

__all__ = ["get_converter", "expand_curie", "compress_iri", "looks_like_curie", "canonical_prefix"]

_EXTRA_SYNONYMS = {"RXCUI": ["RXNORM"], "UniProtKB": ["UNIPROT"], "NCBIGene": ["GENEID", "ENTREZ"], "PMID": ["PUBMED"]}


@cache
def get_converter() -> curies.Converter:
    """The project's CURIE converter, built once from ``ontology/prefixes.json``."""
    prefix_map: dict[str, str] = json.loads((ontology_dir() / "prefixes.json").read_text(encoding="utf-8"))
    records = []
    for prefix, uri_prefix in prefix_map.items():
        synonyms = {prefix.lower(), prefix.upper()} | set(_EXTRA_SYNONYMS.get(prefix, []))
        synonyms |= {s.lower() for s in _EXTRA_SYNONYMS.get(prefix, [])}
        synonyms.discard(prefix)
        records.append(curies.Record(prefix=prefix, uri_prefix=uri_prefix, prefix_synonyms=sorted(synonyms)))
    return curies.Converter(records)


@cache
def _prefixes_by_casefold() -> dict[str, str]:
    converter = get_converter()
    mapping: dict[str, str] = {}
    for record in converter.records:
        for name in (record.prefix, *record.prefix_synonyms):
            mapping.setdefault(name.casefold(), record.prefix)
    return mapping


def canonical_prefix(prefix: str) -> str | None:
    """The project's spelling of ``prefix`` or a synonym, in any case; None when unknown.

    >>> canonical_prefix("Chebi"), canonical_prefix("rxnorm"), canonical_prefix("nope")
    ('CHEBI', 'RXCUI', None)
    """
    return _prefixes_by_casefold().get(prefix.casefold())


def looks_like_curie(text: str) -> bool:
    """True when ``text`` is ``PREFIX:local`` with a prefix the project knows.

    >>> looks_like_curie("HGNC:7794"), looks_like_curie("NF-kB"), looks_like_curie("Note: x")
    (True, False, False)
    """
    if ":" not in text or text.startswith(("http://", "https://")):
        return False
    return canonical_prefix(text.split(":", 1)[0]) is not None and " " not in text.strip()


def expand_curie(curie: str) -> str:
    """Expand a CURIE to an IRI; raise :class:`IdentifierError` for malformed or unknown prefixes."""
    text = normalize_curie(curie)
    prefix, local = text.split(":", 1)
    canonical = canonical_prefix(prefix)
    if canonical is None:
        raise IdentifierError(f"unknown CURIE prefix {prefix!r} in {curie!r}")
    return get_converter().expand_pair(canonical, local)


def compress_iri(iri: str) -> str | None:
    """Compress an IRI to a CURIE, or None when no prefix covers it."""
    return get_converter().compress(iri)
