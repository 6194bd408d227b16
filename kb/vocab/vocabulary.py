"""Name resolution: names, synonyms, CURIEs and IRIs to the vocabulary's concepts.

The normalization vocabularies (``ontology/vocab/*.ttl``) are SKOS concept schemes, one per
category. Each concept is a real ontology IRI with a preferred label, synonyms, a CURIE
notation and cross-references (``docs/rdf-mapping.md``, "Concepts"). A
:class:`Vocabulary` resolves text to a :class:`Concept` by IRI, by CURIE (in any prefix
case), by cross-reference, or by name, ignoring case, accents, punctuation and Greek
letters (:func:`normalize_name`).

>>> vocabulary = get_vocabulary()
>>> vocabulary.resolve("Revlimid").curie
'CHEBI:63791'
>>> vocabulary.resolve("nuclear factor κ-B", category="target").iri
'http://purl.obolibrary.org/obo/GO_0071159'
>>> vocabulary.resolve("NCIT:C17380").label
'nf-kappab complex'
"""

from __future__ import annotations

import difflib
import hashlib
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import replace
from functools import cache
from pathlib import Path

import pyoxigraph as ox

from kb.curie import compress_iri
from kb.errors import UnknownTermError, VocabularyError
from kb.paths import vocabulary_dir
from kb.vocab.concepts import (
    SKOS_CONCEPT, RDF_TYPE, LOOKUP_TIERS, CATEGORIES, Concept, Merge, as_iri, check_category, concept_from, curie_key,
    ConceptDraft, normalize_name,
)

__all__ = ["Vocabulary", "get_vocabulary"]


class Vocabulary:
    """The normalization vocabularies, indexed for resolving names, CURIEs and IRIs.

    Build one with :meth:`load` (or use :func:`get_vocabulary`); the constructor takes
    ready :class:`Concept` objects and checks that no two concepts of one category share a
    name after :func:`normalize_name`, or a cross-reference.
    """

    def __init__(
        self,
        concepts: Iterable[Concept],
        triples: Iterable[ox.Triple] = (),
        *,
        origins: Mapping[str, str] | None = None,
    ) -> None:
        self._origins = dict(origins or {})
        self._fingerprint: str | None = None
        self._concepts: dict[str, Concept] = {}
        self._names: dict[str, dict[str, tuple[str, str]]] = {c: {} for c in CATEGORIES}
        self._codes: dict[str, dict[str, dict[str, str]]] = {t: {c: {} for c in CATEGORIES} for t in LOOKUP_TIERS}
        for concept in concepts:
            self._add(concept)
        self._triples = tuple(dict.fromkeys(triples))

    @classmethod
    def load(cls, paths: Iterable[Path] | None = None) -> Vocabulary:
        """Read vocabulary files (default: every ``*.ttl`` in :func:`kb.paths.vocabulary_dir`).

        Raises :class:`~kb.errors.VocabularyError`, naming the file, when a file does not
        parse, a concept is malformed, or two concepts of one category share a name.
        """
        files = sorted(vocabulary_dir().glob("*.ttl")) if paths is None else [Path(p) for p in paths]
        drafts: dict[str, ConceptDraft] = defaultdict(ConceptDraft)
        triples: list[ox.Triple] = []
        for path in files:
            file_triples = list(_parse(path))
            _gather(drafts, file_triples, str(path))
            triples.extend(file_triples)
        origins = {iri: ", ".join(d.files) for iri, d in drafts.items() if SKOS_CONCEPT in d.types}
        concepts = [concept_from(iri, drafts[iri], origin) for iri, origin in origins.items()]
        return cls(concepts, triples, origins=origins)

    def extend(self, concepts: Iterable[Concept], *, origin: str) -> tuple[Vocabulary, list[Merge]]:
        """A new vocabulary: this one plus ``concepts`` (a user vocabulary), merged leniently.

        This vocabulary's concepts win. A concept whose IRI, CURIE or cross-reference is
        already a concept of its category (its own IRI, or one of its cross-references)
        joins that concept: its names become synonyms and its IRI a cross-reference. Any
        other concept is added. Names and cross-references another concept of the category
        already has are left out and listed in :attr:`Merge.skipped`; nothing raises. The
        triples (:meth:`iter_triples`) stay this vocabulary's.

        >>> drug = Concept("http://identifiers.org/drugbank/DB00480", "DRUGBANK:DB00480", "Lenalidomide", "drug", ("LEN-X",))
        >>> bigger, (merge,) = get_vocabulary().extend([drug], origin="example")
        >>> merge.target, merge.new, merge.names
        ('http://purl.obolibrary.org/obo/CHEBI_63791', False, ('LEN-X',))
        >>> bigger.resolve("len x").label
        'lenalidomide'
        """
        merged = Vocabulary(self._concepts.values(), self._triples, origins=self._origins)
        return merged, [merged._merge(concept, origin) for concept in concepts]

    def extend_with_triples(self, graphs: Mapping[str, Iterable[ox.Triple]]) -> tuple[Vocabulary, list[Merge]]:
        """:meth:`extend` with concepts described in SKOS, as user vocabulary graphs hold them.

        ``graphs`` maps each graph's name (for messages) to its triples. A subject typed
        ``skos:Concept`` in any graph is a concept (checked like a vocabulary file's, with
        the names other graphs add to it); an untyped subject that is already a concept here
        adds its ``skos:altLabel`` names and matches to it; other subjects are ignored.
        """
        drafts: dict[str, ConceptDraft] = defaultdict(ConceptDraft)
        for origin, triples in graphs.items():
            _gather(drafts, triples, origin)
        offered: list[Concept] = []
        for subject, draft in drafts.items():
            if SKOS_CONCEPT in draft.types:
                offered.append(concept_from(subject, draft, ", ".join(draft.files)))
            elif subject in self._concepts and (draft.synonyms or draft.matches):
                known = self._concepts[subject]
                offered.append(Concept(subject, known.curie, known.label, known.category, tuple(draft.synonyms), tuple(draft.matches)))
        return self.extend(offered, origin=", ".join(graphs))

    def _merge(self, concept: Concept, origin: str) -> Merge:
        """Add one concept leniently (see :meth:`extend`)."""
        self._fingerprint = None
        category = concept.category if concept.category in CATEGORIES else None
        if category is None:
            raise VocabularyError(f"{origin}: concept <{concept.iri}> has unknown category {concept.category!r}")
        target = self._concepts.get(concept.iri) or self._by_code(concept)
        skipped: list[str] = []
        if target is None:
            names = self._free_names(concept.iri, category, concept.names, skipped)
            xrefs = self._free_codes(concept.iri, category, concept.xrefs, skipped)
            added = Concept(concept.iri, concept.curie, concept.label, category,
                            tuple(n for n in names if n != concept.label), xrefs)
            self._concepts[added.iri] = added
            self._origins[added.iri] = origin
            self._index(added, names, xrefs, self_codes=True)
            return Merge(concept, added.iri, True, names, xrefs, tuple(skipped))
        known = {normalize_name(name) for name in target.names}
        offered = [n for n in concept.names if normalize_name(n) not in known]
        names = self._free_names(target.iri, target.category, offered, skipped)
        candidates = [concept.iri] if concept.iri != target.iri else []
        candidates += [x for x in concept.xrefs if x != target.iri]
        xrefs = self._free_codes(target.iri, target.category, [x for x in candidates if x not in target.xrefs], skipped)
        grown = replace(target, synonyms=(*target.synonyms, *names), xrefs=(*target.xrefs, *xrefs))
        self._concepts[grown.iri] = grown
        self._index(grown, names, xrefs, self_codes=False)
        return Merge(concept, grown.iri, False, names, xrefs, tuple(skipped))

    def _by_code(self, concept: Concept) -> Concept | None:
        for tier in LOOKUP_TIERS:
            codes = self._codes[tier][concept.category]
            hit = codes.get(concept.iri) or codes.get(curie_key(concept.curie) or "")
            if hit:
                return self._concepts[hit]
        return None

    def _free_names(self, iri: str, category: str, names: Iterable[str], skipped: list[str]) -> tuple[str, ...]:
        free: dict[str, str] = {}
        for name in names:
            key = normalize_name(name)
            other = self._names[category].get(key)
            if not key:
                skipped.append(f"name {name!r} has no letters or digits")
            elif other is not None and other[0] != iri:
                skipped.append(f"name {name!r} already names <{other[0]}>")
            elif key not in free:
                free[key] = name
        return tuple(free.values())

    def _free_codes(self, iri: str, category: str, xrefs: Iterable[str], skipped: list[str]) -> tuple[str, ...]:
        free: list[str] = []
        for xref in dict.fromkeys(xrefs):
            codes = [code for code in (xref, curie_key(compress_iri(xref))) if code is not None]
            found = (self._codes[tier][category].get(code) for tier in LOOKUP_TIERS for code in codes)
            others = {other for other in found if other is not None and other != iri}
            if others:
                skipped.append(f"cross-reference <{xref}> already belongs to <{sorted(others)[0]}>")
            else:
                free.append(xref)
        return tuple(free)

    def _index(self, concept: Concept, names: Iterable[str], xrefs: Iterable[str], *, self_codes: bool) -> None:
        for name in names:
            self._names[concept.category].setdefault(normalize_name(name), (concept.iri, name))
        if self_codes:
            self._add_code("self", concept, concept.iri, concept.curie)
        for xref in xrefs:
            self._add_code("xref", concept, xref, compress_iri(xref))

    def _add(self, concept: Concept) -> None:
        if concept.category not in CATEGORIES:
            raise VocabularyError(f"{self._where(concept.iri)}: unknown category {concept.category!r}")
        if concept.iri in self._concepts:
            raise VocabularyError(f"{self._where(concept.iri)}: concept <{concept.iri}> is defined twice")
        self._concepts[concept.iri] = concept
        for name in concept.names:
            self._add_name(concept, name)
        self._add_code("self", concept, concept.iri, concept.curie)
        for iri in concept.xrefs:
            self._add_code("xref", concept, iri, compress_iri(iri))

    def _add_name(self, concept: Concept, name: str) -> None:
        key = normalize_name(name)
        if not key:
            raise VocabularyError(f"{self._where(concept.iri)}: name {name!r} of <{concept.iri}> has no letters or digits")
        names = self._names[concept.category]
        other = names.setdefault(key, (concept.iri, name))
        if other[0] != concept.iri:
            raise VocabularyError(
                f"{self._where(concept.iri)}: {name!r} of <{concept.iri}> and {other[1]!r} of <{other[0]}> "
                f"(in {self._where(other[0])}) are the same name {key!r} in category {concept.category!r}"
            )

    def _add_code(self, tier: str, concept: Concept, iri: str, curie: str | None) -> None:
        codes = self._codes[tier][concept.category]
        for code in (iri, curie_key(curie)):
            if code is None:
                continue
            other = codes.setdefault(code, concept.iri)
            if other != concept.iri:
                raise VocabularyError(
                    f"{self._where(concept.iri)}: <{concept.iri}> and <{other}> (in {self._where(other)}) "
                    f"both map {code!r} in category {concept.category!r}"
                )

    def _where(self, iri: str) -> str:
        return self._origins.get(iri, "vocabulary")

    def resolve(self, text: str, *, category: str | None = None, strict: bool = False) -> Concept | None:
        """The concept ``text`` names: an IRI, a CURIE (any prefix case), a notation, a label or a synonym.

        A CURIE or IRI that is a concept's exact, close or related match resolves to that
        concept; a concept's own IRI wins over another concept's cross-reference. With
        ``category``, only that category is searched; without, the first of
        :data:`CATEGORIES` that matches wins. When nothing matches, returns None, or with
        ``strict=True`` raises :class:`~kb.errors.UnknownTermError` naming the text, the
        category and up to three close labels.

        >>> get_vocabulary().resolve("chebi:63791").label
        'lenalidomide'
        >>> get_vocabulary().resolve("lenalidomide", category="target") is None
        True
        """
        categories = check_category(category)
        concept = self._find(text.strip(), categories)
        if concept is None and strict:
            raise UnknownTermError(self._unknown(text, category, categories))
        return concept

    def _find(self, text: str, categories: tuple[str, ...]) -> Concept | None:
        if not text:
            return None
        iri = as_iri(text)
        curie = curie_key(text)
        for tier in LOOKUP_TIERS:
            for category in categories:
                codes = self._codes[tier][category]
                hit = codes.get(iri) if iri else None
                hit = hit or (codes.get(curie) if curie else None)
                if hit:
                    return self._concepts[hit]
        if iri is not None and curie is None:  # a full IRI is never a name
            return None
        key = normalize_name(text)
        for category in categories:
            hit_name = self._names[category].get(key)
            if hit_name:
                return self._concepts[hit_name[0]]
        return None

    def labels_by_name(self, category: str | None = None) -> dict[str, str]:
        """Every name's :func:`normalize_name` key (all categories, or one), mapped to its concept's preferred label.

        What suggestions for a name that does not resolve are chosen from.
        """
        labels: dict[str, str] = {}
        for cat in check_category(category):
            for key, (iri, _name) in self._names[cat].items():
                labels.setdefault(key, self._concepts[iri].label)
        return labels

    def _unknown(self, text: str, category: str | None, categories: tuple[str, ...]) -> str:
        labels = self.labels_by_name(category)
        close = difflib.get_close_matches(normalize_name(text), list(labels), n=10, cutoff=0.6)
        suggestions = list(dict.fromkeys(labels[key] for key in close))[:3]
        scope = f"category {category!r}" if category else f"any category ({', '.join(CATEGORIES)})"
        hint = f"did you mean {', '.join(map(repr, suggestions))}?" if suggestions else "no similar names"
        return f"{text!r} is not in the vocabulary for {scope}; {hint}"

    def get(self, iri: str) -> Concept | None:
        """The concept with exactly this IRI, or None."""
        return self._concepts.get(iri)

    def concepts(self, category: str | None = None) -> Iterator[Concept]:
        """The concepts, all or of one category, by category then label."""
        categories = check_category(category)
        chosen = (c for c in self._concepts.values() if c.category in categories)
        yield from sorted(chosen, key=lambda c: (CATEGORIES.index(c.category), c.label, c.iri))

    def iter_triples(self) -> Iterator[ox.Triple]:
        """Every triple of the vocabulary files, for the knowledge base's vocabulary graph."""
        return iter(self._triples)

    def iter_quads(self, graph_name: ox.NamedNode) -> Iterator[ox.Quad]:
        """Every triple of the vocabulary files as a quad in ``graph_name``."""
        return (ox.Quad(t.subject, t.predicate, t.object, graph_name) for t in self._triples)

    @property
    def fingerprint(self) -> str:
        """SHA-256 over every concept's IRI, category, names and cross-references.

        Equal for vocabularies that resolve alike; a source mapped with one fingerprint is
        stale under another (its names may resolve differently).
        """
        if self._fingerprint is not None:
            return self._fingerprint
        digest = hashlib.sha256()
        for concept in sorted(self._concepts.values(), key=lambda c: c.iri):
            digest.update("\x1f".join((concept.iri, concept.category, *concept.names, "\x1e", *concept.xrefs)).encode("utf-8"))
            digest.update(b"\x1d")
        self._fingerprint = digest.hexdigest()
        return self._fingerprint

    def __len__(self) -> int:
        return len(self._concepts)

    def __repr__(self) -> str:
        return f"<Vocabulary of {len(self)} concepts>"


def _gather(drafts: dict[str, ConceptDraft], triples: Iterable[ox.Triple], origin: str) -> None:
    """Add what ``triples`` say about each IRI subject to ``drafts``."""
    for triple in triples:
        if isinstance(triple.subject, ox.NamedNode):
            drafts[triple.subject.value].add(triple.predicate.value, triple.object, origin)
        elif triple.predicate.value == RDF_TYPE and triple.object == ox.NamedNode(SKOS_CONCEPT):
            raise VocabularyError(f"{origin}: a skos:Concept must be an IRI, not a blank node")


def _parse(path: Path) -> Iterator[ox.Triple]:
    """The triples of one Turtle file; a :class:`~kb.errors.VocabularyError` naming it if unreadable."""
    try:
        quads = list(ox.parse(path=str(path), format=ox.RdfFormat.TURTLE))
    except (SyntaxError, OSError, ValueError) as error:
        raise VocabularyError(f"{path}: cannot read vocabulary file: {error}") from error
    return (quad.triple for quad in quads)


@cache
def get_vocabulary() -> Vocabulary:
    """The default vocabulary (every file in ``ontology/vocab/``), loaded once."""
    return Vocabulary.load()
