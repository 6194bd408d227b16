"""Vocabularies in the store: the vocabulary graph, and user vocabularies merged into name resolution.

The vocabulary graph holds the ontology, the bundled vocabularies and the publication-merge
ranks of source kinds (:func:`ensure_vocabulary`). ``kb vocab add FILE`` reads a file (with
the vocabulary file reader ``ingest`` registers, :func:`kb.readers.get_vocabulary_reader`), merges its concepts into the
bundled vocabulary plus the user vocabularies already stored (:meth:`kb.vocab.Vocabulary.extend`)
and writes what it contributed, in SKOS, to ``{base}graph/vocabulary/user/<name>`` in one
transaction (re-adding replaces the graph). New concepts are written whole; names and
cross-references it adds to a concept that exists are written as ``skos:altLabel`` and
``skos:closeMatch``/``skos:exactMatch`` of that concept, so every concept keeps one
``skos:prefLabel`` in the union. :func:`load_vocabulary` rebuilds the same merge from the
stored graphs; the loader resolves every ingest's names through it.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import pyoxigraph as ox

from kb.curie import expand_curie
from kb.errors import IdentifierError, KBError, VocabularyError
from kb.formats import merge_ranks
from kb.namespaces import DCTERMS, RDF, RDFS, SKOS, TEKB
from kb.paths import ontology_dir, vocabulary_dir
from kb.rdf import IriScheme, with_statement_count
from kb.rdf.terms import date_time, integer, iri, string
from kb.readers import VocabularyFile, get_vocabulary_reader
from kb.store import StoreBackend
from kb.vocab.concepts import Merge
from kb.vocab.vocabulary import Vocabulary, get_vocabulary

__all__ = [
    "ensure_vocabulary", "stored_hash", "AddReport", "VocabularySummary", "add_user_vocabulary", "list_vocabularies", "load_vocabulary",
    "remove_user_vocabulary", "user_graph", "user_graphs", "vocabulary_name",
]

_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
_USER = "/user/"


def stored_hash(store: StoreBackend, graph: ox.NamedNode) -> str | None:
    """The content hash a graph records about itself (``graph tekb:contentHash ...``), if any."""
    for quad in store.quads_matching(graph, iri(TEKB.contentHash), None, graph):
        return quad.object.value  # type: ignore[union-attr]  # a literal, as every writer makes it
    return None


def _ontology_triples() -> tuple[bytes, list[ox.Triple]]:
    path = ontology_dir() / "tekb.ttl"
    data = path.read_bytes()
    try:
        return data, [quad.triple for quad in ox.parse(data, format=ox.RdfFormat.TURTLE)]
    except SyntaxError as error:
        raise KBError(f"{path}: invalid Turtle: {error}") from error


def rank_triples(iris: IriScheme) -> list[ox.Triple]:
    """The publication-merge rank of each source kind (:func:`kb.formats.merge_ranks`), as RDF."""
    triples = []
    for kind, rank in merge_ranks().items():
        node = iri(f"{iris.vocabulary_graph()}#merge-rank-{kind}")
        triples += [
            ox.Triple(node, iri(RDF.type), iri(TEKB.SourceKindRank)),
            ox.Triple(node, iri(TEKB.rankedSourceKind), string(kind)),
            ox.Triple(node, iri(TEKB.mergeRank), integer(rank)),
        ]
    return triples


def ensure_vocabulary(store: StoreBackend, iris: IriScheme, vocabulary: Vocabulary) -> bool:
    """Put the ontology, ``vocabulary`` and the merge ranks in the vocabulary graph if they changed.

    Returns True if the graph was written. The graph holds exactly the vocabulary names are
    resolved with, so what a query labels and what an ingest resolved cannot drift apart.
    """
    ontology_bytes, ontology = _ontology_triples()
    generated = [*vocabulary.iter_triples(), *rank_triples(iris)]
    digest = hashlib.sha256(ontology_bytes)
    digest.update(b"with statement count")  # graphs written before counts existed are rewritten once
    for line in sorted(str(triple) for triple in generated):
        digest.update(line.encode("utf-8"))
    graph = iri(iris.vocabulary_graph())
    if stored_hash(store, graph) == digest.hexdigest():
        return False
    triples = [*ontology, *generated]
    triples.append(ox.Triple(graph, iri(RDFS.label), string("ontology and normalization vocabularies")))
    triples.append(ox.Triple(graph, iri(TEKB.contentHash), string(digest.hexdigest())))
    store.replace_graph(graph, with_statement_count(graph, triples))
    return True


def vocabulary_name(text: str) -> str:
    """``text`` checked as a user vocabulary name: letters, digits, '.', '_', '-' (64 at most).

    >>> vocabulary_name("meddra-hp")
    'meddra-hp'
    """
    if not _NAME_RE.match(text):
        raise VocabularyError(f"invalid vocabulary name {text!r}: use letters, digits, '.', '_' and '-' (at most 64), starting with a letter or digit")
    return text


def _default_name(path: Path) -> str:
    """A name from the file name: ``hp-subset.sssom.tsv`` -> ``hp-subset``."""
    stem = path.name.split(".")[0]
    return vocabulary_name(re.sub(r"[^A-Za-z0-9._-]+", "-", stem).strip("-.")[:64] or "user")


def user_graph(iris: IriScheme, name: str) -> ox.NamedNode:
    """The graph of the user vocabulary ``name``."""
    return iri(f"{iris.vocabulary_graph()}{_USER}{vocabulary_name(name)}")


def user_graphs(store: StoreBackend, iris: IriScheme) -> dict[str, ox.NamedNode]:
    """The user vocabulary graphs in the store, by name, sorted.

    Found by index lookup, not by listing every named graph (one per source): each user
    vocabulary graph states ``<graph> rdf:type skos:ConceptScheme`` in itself
    (:func:`_graph_triples`), so the quads of that pattern name them all.
    """
    prefix = iris.vocabulary_graph() + _USER
    found = {}
    for quad in store.quads_matching(None, iri(RDF.type), iri(SKOS.ConceptScheme), None):
        graph = quad.graph_name
        if isinstance(graph, ox.NamedNode) and quad.subject == graph and graph.value.startswith(prefix):
            found[graph.value[len(prefix):]] = graph
    return dict(sorted(found.items()))


def load_vocabulary(
    store: StoreBackend, iris: IriScheme, vocabulary: Vocabulary | None = None, *, exclude: str | None = None
) -> Vocabulary:
    """``vocabulary`` (default: the bundled one) merged with every user vocabulary in the store.

    Returns ``vocabulary`` itself when the store holds none. ``exclude`` leaves one out
    (to re-add it).
    """
    base = vocabulary or get_vocabulary()
    graphs = {name: graph for name, graph in user_graphs(store, iris).items() if name != exclude}
    if not graphs:
        return base
    triples = {graph.value: [quad.triple for quad in store.quads(graph)] for graph in graphs.values()}
    merged, _merges = base.extend_with_triples(triples)
    return merged


@dataclass
class AddReport:
    """What ``kb vocab add`` did."""

    name: str
    graph: str
    file: str
    replaced: bool
    read: int  # concepts read from the file
    new: int  # concepts added
    extended: int  # existing concepts that got names or cross-references
    statements: int
    skipped: list[str] = field(default_factory=list)  # records and names left out, and why
    mappings_ignored: int = 0
    now_resolved: list[tuple[str, str, str]] = field(default_factory=list)  # (category, name, sources); KnowledgeBase.vocab.add fills it


def add_user_vocabulary(
    store: StoreBackend,
    iris: IriScheme,
    path: str | Path,
    *,
    name: str | None = None,
    fmt: str | None = None,
    category: str | None = None,
    vocabulary: Vocabulary | None = None,
) -> AddReport:
    """Read ``path`` and store it as the user vocabulary ``name`` (default: from the file name).

    Everything is read and checked before the store is touched; the graph is then replaced
    in one transaction. Raises :class:`~kb.errors.VocabularyError` naming the file and line.
    """
    path = Path(path)
    name = vocabulary_name(name) if name else _default_name(path)
    result = get_vocabulary_reader()(path, fmt=fmt, category=category)
    graph = user_graph(iris, name)
    base = load_vocabulary(store, iris, vocabulary, exclude=name)
    _merged, merges = base.extend(result.concepts, origin=f"{path} (vocabulary {name!r})")
    triples = _graph_triples(graph, name, path, result, merges)
    replaced = store.has_graph(graph)
    store.replace_graph(graph, triples)
    report = AddReport(
        name, graph.value, str(path), replaced, len(result.concepts),
        sum(1 for m in merges if m.new), len({m.target for m in merges if not m.new and (m.names or m.xrefs)}),
        len(triples), [*result.skipped, *_skips(path, merges)], result.mappings_ignored,
    )
    return report


def _graph_triples(graph: ox.NamedNode, name: str, path: Path, result: VocabularyFile, merges: list[Merge]) -> list[ox.Triple]:
    triples = [
        ox.Triple(graph, iri(RDF.type), iri(SKOS.ConceptScheme)),
        ox.Triple(graph, iri(DCTERMS.title), string(name)),
        ox.Triple(graph, iri(DCTERMS.source), string(path.name)),
        ox.Triple(graph, iri(DCTERMS.created), date_time(datetime.now(timezone.utc).replace(microsecond=0).isoformat())),
    ]
    match = iri(SKOS.exactMatch if result.exact_links else SKOS.closeMatch)
    for merge in merges:
        subject = iri(merge.target)
        if merge.new:
            concept = merge.given
            triples += [
                ox.Triple(subject, iri(RDF.type), iri(SKOS.Concept)),
                ox.Triple(subject, iri(SKOS.inScheme), graph),
                ox.Triple(subject, iri(TEKB.vocabularyCategory), string(concept.category)),
                ox.Triple(subject, iri(SKOS.prefLabel), string(concept.label)),
            ]
            if concept.curie and _expands_to(concept.curie, concept.iri):
                triples.append(ox.Triple(subject, iri(SKOS.notation), string(concept.curie)))
        triples += [ox.Triple(subject, iri(SKOS.altLabel), string(n)) for n in merge.names if not (merge.new and n == merge.given.label)]
        triples += [ox.Triple(subject, match, iri(x)) for x in merge.xrefs]
    return list(with_statement_count(graph, triples))


def _expands_to(curie: str, target: str) -> bool:
    try:
        return expand_curie(curie) == target
    except IdentifierError:
        return False


def _skips(path: Path, merges: list[Merge]) -> list[str]:
    return [f"{path}: {merge.given.curie or merge.given.iri}: {note}" for merge in merges for note in merge.skipped]


def remove_user_vocabulary(store: StoreBackend, iris: IriScheme, name: str) -> int:
    """Delete the user vocabulary ``name``; return how many statements were removed."""
    graph = user_graph(iris, name)
    if not store.has_graph(graph):
        known = ", ".join(user_graphs(store, iris)) or "none"
        raise VocabularyError(f"no user vocabulary {name!r} in the store (user vocabularies: {known})")
    return store.remove_graph(graph)


@dataclass(frozen=True)
class VocabularySummary:
    """One vocabulary: bundled (a file of ``ontology/vocab``) or a user graph."""

    name: str
    kind: str  # "bundled" or "user"
    concepts: int  # concepts it defines
    extended: int  # existing concepts it adds names or cross-references to
    categories: str
    source: str  # the file it came from


def list_vocabularies(store: StoreBackend | None, iris: IriScheme) -> list[VocabularySummary]:
    """The bundled vocabularies and the user vocabularies in ``store``, with concept counts."""
    summaries = []
    for path in sorted(vocabulary_dir().glob("*.ttl")):
        concepts = list(Vocabulary.load([path]).concepts())
        categories = Counter(c.category for c in concepts)
        summaries.append(VocabularySummary(path.stem, "bundled", len(concepts), 0, ", ".join(sorted(categories)), str(path.name)))
    if store is None:
        return summaries
    for name, graph in user_graphs(store, iris).items():
        typed, described, categories, source = set(), set(), Counter(), ""
        for quad in store.quads(graph):
            subject, predicate = quad.subject, quad.predicate.value
            if subject == graph:
                if predicate == str(DCTERMS.source):
                    source = quad.object.value  # type: ignore[union-attr]  # an object is a quoted Triple only in RDF-star data; a vocabulary graph holds none
                continue
            described.add(subject)
            if predicate == str(RDF.type) and quad.object == iri(SKOS.Concept):
                typed.add(subject)
            elif predicate == str(TEKB.vocabularyCategory):
                categories[quad.object.value] += 1  # type: ignore[union-attr]  # as above: never a quoted Triple here
        summaries.append(VocabularySummary(name, "user", len(typed), len(described - typed), ", ".join(sorted(categories)), source))
    return summaries
