"""CURIE expansion and compression with the project's prefix map (``ontology/prefixes.json``).

Prefixes follow the Biolink context's casing (``CHEBI``, ``HGNC``, ``doi``); every
prefix also answers in any case (``chebi:63791``), and a few common synonyms
(``RXNORM``, ``UNIPROT``) are accepted.

>>> expand_curie("CHEBI:63791")
'http://purl.obolibrary.org/obo/CHEBI_63791'
>>> expand_curie("chebi:63791")
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

__all__ = ["get_converter", "expand_curie", "compress_iri", "looks_like_curie"]

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


def looks_like_curie(text: str) -> bool:
    """True when ``text`` is ``PREFIX:local`` with a prefix the project knows.

    >>> looks_like_curie("HGNC:7794"), looks_like_curie("NF-kB"), looks_like_curie("Note: x")
    (True, False, False)
    """
    if ":" not in text or text.startswith(("http://", "https://")):
        return False
    prefix = text.split(":", 1)[0]
    return get_converter().standardize_prefix(prefix) is not None and " " not in text.strip()


def expand_curie(curie: str) -> str:
    """Expand a CURIE to an IRI; raise :class:`IdentifierError` for malformed or unknown prefixes."""
    text = normalize_curie(curie)
    iri = get_converter().expand(text)
    if iri is None:
        prefix = text.split(":", 1)[0]
        raise IdentifierError(f"unknown CURIE prefix {prefix!r} in {curie!r}")
    return iri


def compress_iri(iri: str) -> str | None:
    """Compress an IRI to a CURIE, or None when no prefix covers it."""
    return get_converter().compress(iri)
