"""Names a knowledge base has seen: the vocabulary first, then the concept nodes the KB itself holds.

A name no vocabulary knew when it was ingested is kept with a local IRI, typed
``tekb:UnresolvedConcept``, with its text as ``rdfs:label`` and its category
(``docs/rdf-mapping.md``, "Name resolution"). :class:`KnownNames` resolves query parameters
through the vocabulary and, when that misses, through those nodes: by their IRI, or by a
label (``rdfs:label`` or ``skos:altLabel``) equal to the text after :func:`normalize_name`,
the same rule the vocabulary applies. Nothing is matched loosely: a miss is an
:class:`~kb.errors.UnknownTermError` that suggests close names from the vocabulary and the
KB and says how to add a synonym.

Lookups are SELECTs through the :class:`~kb.store.StoreBackend` protocol with the IRI, the
literal or the category bound as RDF terms (index lookups in Oxigraph; one request each on a
remote store). Nothing is cached: the store is asked only when the vocabulary misses,
and always sees what was ingested since.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import pyoxigraph as ox

from kb.errors import UnknownTermError
from kb.store.backend import StoreBackend
from kb.vocab.concepts import CATEGORIES, Concept, as_iri, check_category, normalize_name
from kb.vocab.vocabulary import Vocabulary

__all__ = ["KnownNames", "KBConcept"]

# The KB's own concept nodes with every name they carry. ?concept, ?label and ?category are
# bound as RDF terms when known (kb.store joins them in as VALUES; never pasted as text), so
# each lookup is one query, on a remote store too.
_NAMES_QUERY = """
PREFIX tekb: <https://w3id.org/trial-evidence-kb/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT DISTINCT ?concept ?category ?label WHERE {
  ?concept tekb:vocabularyCategory ?category ; a tekb:UnresolvedConcept ; rdfs:label|skos:altLabel ?label .
}
"""
_SUGGESTIONS = 5
#: How a user turns a name the KB holds, or a misspelling, into a name the vocabulary knows.
ADD_SYNONYM_HINT = (
    "To make another name resolve, add it as a synonym with 'kb vocab add FILE' (a TSV row: "
    "id, label, synonyms separated by '|', category); 'kb query unresolved' lists the names "
    "the KB holds that no vocabulary knows."
)


@dataclass(frozen=True)
class KBConcept:
    """A concept node the KB holds outside every vocabulary (a local IRI), as a name resolved to it."""

    iri: str
    label: str
    category: str
    curie: str | None = None


class KnownNames:
    """Resolves names as queries do: through ``vocabulary``, then the KB's own concept nodes in ``store``.

    ``unresolved_iri(category, text)``, when given, is the local IRI ingest would give the
    name (:meth:`kb.rdf.IriScheme.unresolved_concept`): after the exact-label lookup, it is
    tried (one index lookup) before every name of the category is read.
    """

    def __init__(
        self,
        vocabulary: Vocabulary,
        store: StoreBackend,
        *,
        unresolved_iri: Callable[[str, str], str] | None = None,
    ) -> None:
        self.vocabulary = vocabulary
        self.store = store
        self._unresolved_iri = unresolved_iri

    def resolve(self, text: str, *, category: str | None = None, strict: bool = False) -> Concept | KBConcept | None:
        """The concept ``text`` names: the vocabulary's, else a KB concept node of ``category``.

        ``text`` is a name, synonym, CURIE or IRI (``<...>`` allowed). A KB node matches by its
        IRI, or by a label equal to ``text`` after :func:`normalize_name`. When nothing
        matches, returns None, or with ``strict=True`` raises
        :class:`~kb.errors.UnknownTermError` naming the text and category, suggesting close
        names from the vocabulary and the KB, and saying how to add a synonym. Several KB
        nodes with the same normalized label and none with the exact text is also an
        :class:`~kb.errors.UnknownTermError`, listing their IRIs (give one).
        """
        categories = check_category(category)
        text = text.strip()
        concept = self.vocabulary.resolve(text, category=category)
        if concept is not None or not text:
            if concept is None and strict:
                raise UnknownTermError(f"{text!r} is empty: give a name, CURIE or IRI")
            return concept
        found, labels = self._find(text, categories)
        if found is None and strict:
            raise UnknownTermError(self._unknown(text, category, categories, labels))
        return found

    # -- lookups --------------------------------------------------------------------------
    def _find(self, text: str, categories: tuple[str, ...]) -> tuple[KBConcept | None, list[KBConcept] | None]:
        """The KB node ``text`` names, and the category's names if they had to be read (for suggestions)."""
        iri = as_iri(text)
        if iri is not None:
            # An IRI or a CURIE is never also a label (as in the vocabulary): a miss is final.
            return _one(text, self._lookup(categories, concept=ox.NamedNode(iri))), None
        key = normalize_name(text)
        if not key:
            return None, None
        exact = self._lookup(categories, label=ox.Literal(text))
        if exact:
            return _one(text, exact), None
        if self._unresolved_iri is not None:
            # The local IRI ingest would have given this text: it names the node only if one of
            # the node's names normalizes like the text (slug() and normalize_name differ).
            guessed = [ox.NamedNode(self._unresolved_iri(category, text)) for category in categories]
            found = [c for node in guessed for c in self._lookup(categories, concept=node) if normalize_name(c.label) == key]
            if found:
                return _one(text, found), None
        names = [c for category in categories for c in self._lookup((category,), category=category)]
        return _one(text, [c for c in names if normalize_name(c.label) == key]), names

    def _lookup(
        self,
        categories: tuple[str, ...],
        *,
        concept: ox.NamedNode | None = None,
        label: ox.Literal | None = None,
        category: str | None = None,
    ) -> list[KBConcept]:
        """The KB concept nodes of ``categories`` with their names: one SELECT, the given terms bound."""
        bindings: dict[str, ox.NamedNode | ox.Literal] = {}
        if concept is not None:
            bindings["concept"] = concept
        if label is not None:
            bindings["label"] = label
        if category is not None:
            bindings["category"] = ox.Literal(category)
        found = []
        for row in self.store.select(_NAMES_QUERY, bindings).dicts():
            node, name, kind = row.get("concept"), row.get("label"), row.get("category")
            if isinstance(node, ox.NamedNode) and isinstance(name, ox.Literal) and isinstance(kind, ox.Literal) and kind.value in categories:
                found.append(KBConcept(node.value, name.value, kind.value))
        return found

    # -- messages -------------------------------------------------------------------------
    def _unknown(self, text: str, category: str | None, categories: tuple[str, ...], names: list[KBConcept] | None) -> str:
        if names is None:
            names = [c for cat in categories for c in self._lookup((cat,), category=cat)]
        candidates = self.vocabulary.labels_by_name(category)
        for concept in names:
            candidates.setdefault(normalize_name(concept.label), concept.label)
        close = difflib.get_close_matches(normalize_name(text), list(candidates), n=_SUGGESTIONS * 3, cutoff=0.6)
        suggestions = list(dict.fromkeys(candidates[key] for key in close))[:_SUGGESTIONS]
        scope = f"category {category!r}" if category else f"any category ({', '.join(categories)})"
        hint = f"did you mean {', '.join(map(repr, suggestions))}?" if suggestions else "no similar names."
        return f"{text!r} is not in the vocabulary for {scope}, nor a name or IRI the KB holds; {hint} {ADD_SYNONYM_HINT}"


def _one(text: str, concepts: Iterable[KBConcept]) -> KBConcept | None:
    """The one concept among ``concepts``; one whose label is exactly ``text`` wins a tie; several is an error."""
    by_iri: dict[str, KBConcept] = {}
    for concept in concepts:
        kept = by_iri.get(concept.iri)
        if kept is None or (concept.label == text and kept.label != text):
            by_iri[concept.iri] = concept
    if len(by_iri) <= 1:
        return next(iter(by_iri.values()), None)
    exact = [c for c in by_iri.values() if c.label == text]
    if len(exact) == 1:
        return exact[0]
    # Without a category, the first category that has the name wins, as in the vocabulary.
    first = min((CATEGORIES.index(c.category) for c in by_iri.values() if c.category in CATEGORIES), default=None)
    chosen = [c for c in by_iri.values() if first is not None and c.category == CATEGORIES[first]]
    if len(chosen) == 1:
        return chosen[0]
    listed = ", ".join(f"<{c.iri}> ({c.label!r}, {c.category})" for c in sorted(by_iri.values(), key=lambda c: c.iri)[:_SUGGESTIONS])
    raise UnknownTermError(f"{text!r} names several concepts the KB holds: {listed}; give one of these IRIs instead")
