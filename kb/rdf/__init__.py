"""Records to RDF: pure functions from validated records to the triples of a source graph."""

from kb.rdf.context import ConceptResolver, UnresolvedName
from kb.rdf.document import SourceGraph, content_hash, document_to_graph, with_statement_count
from kb.rdf.iris import DEFAULT_BASE, IriScheme, default_base, slug

__all__ = [
    "ConceptResolver",
    "UnresolvedName",
    "SourceGraph",
    "content_hash",
    "document_to_graph",
    "with_statement_count",
    "DEFAULT_BASE",
    "IriScheme",
    "default_base",
    "slug",
]
