"""What every mapping function needs: the IRI scheme, concept resolution, and the output."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pyoxigraph as ox

from kb.models import Publication
from kb.namespaces import RDF, RDFS, TEKB
from kb.rdf.iris import IriScheme
from kb.rdf.terms import Predicate, iri, string, triple

__all__ = ["ConceptResolver", "PublicationLookup", "UnresolvedName", "MappingContext"]

#: ``(text, category) -> IRI or None``: resolves a name or CURIE through the vocabulary.
ConceptResolver = Callable[[str, str], "str | None"]

#: ``publication -> IRI or None``: the node the KB already has for this publication, if any.
PublicationLookup = Callable[[Publication], "str | None"]


@dataclass(frozen=True)
class UnresolvedName:
    """A concept name the vocabulary did not know, kept with a local IRI."""

    text: str
    category: str
    iri: str
    path: str


@dataclass
class MappingContext:
    """Collects triples for one source graph, resolving concept names on the way."""

    iris: IriScheme
    resolve: ConceptResolver
    known_publication: PublicationLookup | None = None
    triples: list[ox.Triple] = field(default_factory=list)
    unresolved: list[UnresolvedName] = field(default_factory=list)

    def add(self, subject: ox.NamedNode, predicate: Predicate, obj: ox.NamedNode | ox.Literal | None) -> None:
        """Add a triple unless the object is missing."""
        if obj is not None:
            self.triples.append(triple(subject, predicate, obj))

    def publication_iri(self, publication: Publication) -> str:
        """The node of ``publication``: the one the KB already has (matched on DOI, then PMID), else a new one."""
        if self.known_publication is not None:
            known = self.known_publication(publication)
            if known is not None:
                return known
        return self.iris.publication(publication)

    def is_unresolved(self, node: ox.NamedNode) -> bool:
        """Whether ``node`` is a local IRI this mapping gave a name no vocabulary knows."""
        return any(u.iri == node.value for u in self.unresolved)

    def concept(self, text: str, category: str, path: str) -> ox.NamedNode:
        """The IRI of a concept name; unknown names get a local IRI, are described and reported."""
        resolved = self.resolve(text, category)
        if resolved is not None:
            return iri(resolved)
        local = self.iris.unresolved_concept(category, text)
        node = iri(local)
        if not self.is_unresolved(node):
            self.add(node, RDF.type, iri(TEKB.UnresolvedConcept))
            self.add(node, RDFS.label, string(text))
            self.add(node, TEKB.vocabularyCategory, string(category))
        self.unresolved.append(UnresolvedName(text, category, local, path))
        return node
