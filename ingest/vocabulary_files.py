"""Readers for vocabularies users bring: OBO, OWL/Turtle/RDF-XML, SSSOM mapping tables, simple TSV.

Each reader turns a file into :class:`~kb.vocab.Concept` objects (IRI, label, synonyms,
cross-references, category) that :mod:`kb.vocab.stored` merges into the KB. The format comes
from the file name (:data:`SUFFIX_FORMATS`) or is given; the category from the caller, from
the file (a TSV column, ``tekb:vocabularyCategory``), or from the identifier's prefix
(:data:`PREFIX_CATEGORIES`), and a concept whose category cannot be told is an error.
Syntax errors name the file and line; a record without a name is skipped and reported.

>>> category_name("adverse_events"), category_name("Drugs"), category_of_prefix("CHEBI:63791")
('adverse_event', 'drug', 'drug')
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import curies
import fastobo
import pyoxigraph as ox
import yaml

from kb.curie import canonical_prefix, compress_iri, expand_curie
from kb.errors import IdentifierError, VocabularyError
from kb.namespaces import TEKB_NS
from kb.readers import VocabularyFile
from kb.vocab import CATEGORIES, Concept

__all__ = [
    "FORMATS", "SUFFIX_FORMATS", "PREFIX_CATEGORIES", "VocabularyFile",
    "category_name", "category_of_prefix", "format_for", "read_user_vocabulary",
]

#: Identifier prefixes (canonical spelling) whose category is unambiguous. NCIt, MeSH and EFO
#: cover drugs and diseases alike, so their category must be given.
PREFIX_CATEGORIES: dict[str, str] = {
    "CHEBI": "drug", "DRUGBANK": "drug", "RXCUI": "drug", "UNII": "drug",
    "HP": "adverse_event", "MEDDRA": "adverse_event", "OAE": "adverse_event",
    "MONDO": "condition", "DOID": "condition",
    "HGNC": "target", "NCBIGene": "target", "UniProtKB": "target", "GO": "target",
}
#: File name endings and the format they select; the longest matching ending wins.
SUFFIX_FORMATS: dict[str, str] = {
    ".obo": "obo", ".owl": "rdfxml", ".rdf": "rdfxml", ".xml": "rdfxml", ".ttl": "turtle",
    ".nt": "ntriples", ".sssom.tsv": "sssom", ".tsv": "tsv", ".txt": "tsv",
}
_RDF_FORMATS = {"rdfxml": ox.RdfFormat.RDF_XML, "turtle": ox.RdfFormat.TURTLE, "ntriples": ox.RdfFormat.N_TRIPLES}

_OBO_PURL = "http://purl.obolibrary.org/obo/"
_RDFS, _SKOS = "http://www.w3.org/2000/01/rdf-schema#", "http://www.w3.org/2004/02/skos/core#"
_OWL, _OBO_IN_OWL = "http://www.w3.org/2002/07/owl#", "http://www.geneontology.org/formats/oboInOwl#"
_RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
_CLASSES = {_OWL + "Class", _SKOS + "Concept"}
_LABELS = (_SKOS + "prefLabel", _RDFS + "label")  # the first present is the label
_SYNONYMS = (_SKOS + "altLabel", _OBO_IN_OWL + "hasExactSynonym")
_MATCHES = (_SKOS + "exactMatch", _SKOS + "closeMatch", _OWL + "equivalentClass")
_EQUIVALENT = {_SKOS + "exactMatch", _OWL + "equivalentClass"}
_STANDARD_PREFIXES = {"skos": _SKOS, "owl": _OWL, "rdfs": _RDFS, "oboInOwl": _OBO_IN_OWL}


def category_name(text: str) -> str:
    """The category ``text`` names, singular or plural, in any case.

    >>> category_name("Adverse-Events"), category_name("target")
    ('adverse_event', 'target')
    """
    key = text.strip().lower().replace("-", "_").replace(" ", "_")
    key = key[:-1] if key.endswith("s") and key[:-1] in CATEGORIES else key
    if key not in CATEGORIES:
        plural = ", ".join(f"{c}s" for c in CATEGORIES)
        raise VocabularyError(f"unknown vocabulary category {text!r}: use one of {plural}")
    return key


def category_of_prefix(identifier: str) -> str | None:
    """The category an identifier's prefix implies (:data:`PREFIX_CATEGORIES`), or None."""
    prefix, colon, _local = identifier.partition(":")
    canonical = canonical_prefix(prefix) if colon else None
    return PREFIX_CATEGORIES.get(canonical or "")


def format_for(path: Path) -> str:
    """The format a file name selects (:data:`SUFFIX_FORMATS`); error when none does."""
    name = path.name.lower()
    for suffix in sorted(SUFFIX_FORMATS, key=len, reverse=True):
        if name.endswith(suffix):
            return SUFFIX_FORMATS[suffix]
    known = ", ".join(sorted(SUFFIX_FORMATS))
    raise VocabularyError(f"{path}: cannot tell the vocabulary format from the file name; use one of {known}, or give the format")


@dataclass
class _Draft:
    iri: str
    line: int | None
    label: str | None = None
    category: str | None = None
    synonyms: list[str] = field(default_factory=list)
    xrefs: list[str] = field(default_factory=list)

    def add_names(self, *names: str | None) -> None:
        for name in names:
            name = (name or "").strip()
            if not name:
                continue
            if self.label is None:
                self.label = name
            elif name != self.label and name not in self.synonyms:
                self.synonyms.append(name)


class _Collector:
    """Drafts by IRI, in first-seen order, finished into concepts with their categories."""

    def __init__(self, path: Path, category: str | None) -> None:
        self.path, self.category = path, category
        self.drafts: dict[str, _Draft] = {}
        self.skipped: list[str] = []

    def where(self, line: int | None) -> str:
        return f"{self.path}:{line}" if line else str(self.path)

    def draft(self, iri: str, line: int | None) -> _Draft:
        return self.drafts.setdefault(iri, _Draft(iri, line))

    def finish(self) -> list[Concept]:
        concepts = []
        for draft in self.drafts.values():
            if draft.label is None:
                self.skipped.append(f"{self.where(draft.line)}: <{draft.iri}> has no name; skipped")
                continue
            curie = compress_iri(draft.iri)
            category = self.category or draft.category or category_of_prefix(curie or "")
            if category is None:
                raise VocabularyError(
                    f"{self.where(draft.line)}: cannot tell the category of {curie or '<' + draft.iri + '>'} "
                    f"from its prefix; give one with --category ({', '.join(CATEGORIES)})"
                )
            concepts.append(Concept(draft.iri, curie, draft.label, category, tuple(draft.synonyms), tuple(dict.fromkeys(draft.xrefs))))
        return concepts


def _expand(identifier: str, where: str, extra: curies.Converter | None = None, *, obo_default: bool = False) -> str:
    """The IRI of an identifier: an IRI as is, else the project's CURIE prefixes, then ``extra``."""
    text = identifier.strip()
    if text.startswith(("http://", "https://", "urn:")):
        return text
    try:
        return expand_curie(text)
    except IdentifierError as error:
        prefix, colon, local = text.partition(":")
        expanded = extra.expand(text) if extra is not None and colon else None
        if expanded:
            return expanded
        if obo_default and colon and prefix and local:  # OBO's own convention for unknown prefixes
            return f"{_OBO_PURL}{prefix}_{local}"
        raise VocabularyError(f"{where}: identifier {text!r} is neither an IRI nor a CURIE with a known prefix ({error})") from None


# --- OBO ----------------------------------------------------------------------------------

def _read_obo(path: Path, category: str | None, _fmt: str) -> VocabularyFile:
    """OBO 1.4 with fastobo: each non-obsolete [Term] with its name, EXACT synonyms and xrefs."""
    lines = _frame_lines(path)
    collector = _Collector(path, category)
    try:
        frames = list(fastobo.iter(str(path)))
    except SyntaxError as error:
        raise VocabularyError(f"{path}:{error.lineno}: not valid OBO: {error.msg}") from error
    except (OSError, ValueError) as error:
        raise VocabularyError(f"{path}: cannot read OBO file: {error}") from error
    for frame in frames:
        if not isinstance(frame, fastobo.term.TermFrame):
            continue
        identifier = str(frame.id)
        line = lines.get(identifier)
        clauses = list(frame)
        if any(isinstance(c, fastobo.term.IsObsoleteClause) and c.obsolete for c in clauses):
            continue
        iri = _expand(identifier, collector.where(line), obo_default=True)
        draft = collector.draft(iri, line)
        for clause in clauses:
            if isinstance(clause, fastobo.term.NameClause):
                draft.add_names(clause.name)
        for clause in clauses:
            if isinstance(clause, fastobo.term.SynonymClause) and clause.synonym.scope == "EXACT":
                draft.add_names(clause.synonym.desc)
            elif isinstance(clause, fastobo.term.XrefClause):
                xref = _known_iri(str(clause.xref.id))
                if xref:
                    draft.xrefs.append(xref)
    concepts = collector.finish()
    return VocabularyFile(concepts, collector.skipped)


def _frame_lines(path: Path) -> dict[str, int]:
    """The line of each [Term] frame's ``id:`` clause, for messages (fastobo keeps no positions)."""
    lines: dict[str, int] = {}
    in_term = False
    try:
        with path.open(encoding="utf-8", errors="replace") as handle:
            for number, text in enumerate(handle, start=1):
                stripped = text.strip()
                if stripped.startswith("["):
                    in_term = stripped == "[Term]"
                elif in_term and stripped.startswith("id:"):
                    lines.setdefault(stripped[3:].split("!")[0].strip(), number)
    except OSError as error:
        raise VocabularyError(f"{path}: cannot read OBO file: {error}") from error
    return lines


def _known_iri(curie: str) -> str | None:
    """The IRI of a cross-reference with a prefix the project knows; None for others (UMLS, ...)."""
    try:
        return expand_curie(curie)
    except IdentifierError:
        return None


# --- OWL / RDF ------------------------------------------------------------------------------

#: Entities an RDF/XML DOCTYPE may declare (OWL files abbreviate namespaces this way).
_MAX_ENTITIES = 200
_MAX_ENTITY_LENGTH = 2_000


def _check_entities(path: Path) -> None:
    """Refuse an RDF/XML DOCTYPE whose entities could expand without bound (an entity bomb).

    OWL files from Protégé declare entities for namespaces (``<!ENTITY owl "http://...#">``), so
    entities are allowed, but not ones that refer to other entities (how a "billion laughs" file
    grows), external ones, or more or longer than any namespace list needs. lxml reads the DOCTYPE
    without resolving anything (no entity substitution, no DTD loading, no network).
    """
    from lxml import etree

    with path.open("rb") as handle:
        head = handle.read(1 << 20)
    if b"<!ENTITY" not in head:
        return
    parser = etree.XMLParser(resolve_entities=False, load_dtd=False, no_network=True, recover=True)
    root = etree.fromstring(head, parser)  # the first MiB holds the DOCTYPE
    dtd = root.getroottree().docinfo.internalDTD if root is not None else None
    entities = list(dtd.entities()) if dtd is not None else []
    bad = [e.name for e in entities if e.content is None or "&" in e.content or "%" in e.content or len(e.content) > _MAX_ENTITY_LENGTH]
    if bad or len(entities) > _MAX_ENTITIES:
        reason = f"entities that refer to others, are external or too long ({', '.join(bad[:5])})" if bad else f"{len(entities)} entities"
        raise VocabularyError(f"{path}: refused: the DOCTYPE declares {reason}; an RDF/XML vocabulary needs only namespace entities")


def _read_rdf(path: Path, category: str | None, fmt: str) -> VocabularyFile:
    """OWL classes and SKOS concepts with labels, synonyms and matches (parsed by Oxigraph)."""
    if fmt == "rdfxml":
        _check_entities(path)
    try:
        triples = [quad.triple for quad in ox.parse(path=str(path), format=_RDF_FORMATS[fmt])]
    except SyntaxError as error:
        raise VocabularyError(f"{path}:{error.lineno}: not valid {fmt}: {str(error).splitlines()[0]}") from error
    except (OSError, ValueError) as error:
        raise VocabularyError(f"{path}: cannot read {fmt} file: {error}") from error
    about: dict[str, dict[str, list[ox.NamedNode | ox.Literal]]] = {}
    for triple in triples:
        if isinstance(triple.subject, ox.NamedNode) and isinstance(triple.object, (ox.NamedNode, ox.Literal)):
            about.setdefault(triple.subject.value, {}).setdefault(triple.predicate.value, []).append(triple.object)
    collector = _Collector(path, category)
    for subject, facts in about.items():
        types = {o.value for o in facts.get(_RDF_TYPE, [])}
        if not types & _CLASSES or any(o.value == "true" for o in facts.get(_OWL + "deprecated", [])):
            continue
        draft = collector.draft(subject, None)
        for predicate in (*_LABELS, *_SYNONYMS):
            draft.add_names(*(o.value for o in facts.get(predicate, []) if _is_english(o)))
        categories = [o.value for o in facts.get(TEKB_NS + "vocabularyCategory", [])]
        if categories:
            draft.category = category_name(categories[0])
        for predicate in _MATCHES:
            draft.xrefs += [o.value for o in facts.get(predicate, []) if isinstance(o, ox.NamedNode)]
        draft.xrefs += [x for x in (_known_iri(o.value) for o in facts.get(_OBO_IN_OWL + "hasDbXref", [])) if x]
    return VocabularyFile(collector.finish(), collector.skipped)


def _is_english(term: ox.NamedNode | ox.Literal) -> bool:
    if not isinstance(term, ox.Literal):
        return False
    language = term.language
    return not language or language.lower() == "en" or language.lower().startswith("en-")


# --- SSSOM ----------------------------------------------------------------------------------

def _read_sssom(path: Path, category: str | None, _fmt: str) -> VocabularyFile:
    """An SSSOM mapping table: each exact or equivalent mapping names the object concept.

    The object concept gets the subject's label as a synonym and the subject's id as a
    cross-reference (and the object label, when given, as its label). Other predicates
    (close, broad, narrow, related) and negated mappings are counted, not used.
    """
    text = _read_text(path)
    lines = text.splitlines()
    header = [line[1:] for line in lines if line.startswith("#")]
    body_start = next((i for i, line in enumerate(lines) if not line.startswith("#")), len(lines))
    try:
        metadata = yaml.safe_load("\n".join(header)) or {}
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        at_line = f":{mark.line + 1}" if mark is not None else ""
        raise VocabularyError(f"{path}{at_line}: malformed SSSOM metadata header: {error}") from error
    if not isinstance(metadata, dict) or not isinstance(metadata.get("curie_map", {}), dict):
        raise VocabularyError(f"{path}:1: the SSSOM metadata header must be a YAML mapping with a curie_map mapping")
    prefix_map = {**_STANDARD_PREFIXES, **{str(k): str(v) for k, v in (metadata.get("curie_map") or {}).items()}}
    converter = curies.Converter.from_prefix_map(prefix_map)
    reader = csv.DictReader(io.StringIO("\n".join(lines[body_start:])), delimiter="\t")
    required = {"subject_id", "predicate_id", "object_id"}
    missing = required - set(reader.fieldnames or [])
    if missing:
        raise VocabularyError(f"{path}:{body_start + 1}: SSSOM table lacks the columns {', '.join(sorted(missing))}")
    collector = _Collector(path, category)
    ignored = 0
    for offset, row in enumerate(reader, start=2):
        line = body_start + offset
        where = collector.where(line)
        if None in row or any(row.get(name) is None for name in required):
            raise VocabularyError(f"{where}: the row does not have as many cells as the header")
        predicate = _expand(row["predicate_id"], where, converter)
        if predicate not in _EQUIVALENT or (row.get("predicate_modifier") or "").strip() == "Not":
            ignored += 1
            continue
        subject = _expand(row["subject_id"], where, converter)
        draft = collector.draft(_expand(row["object_id"], where, converter), line)
        if draft.category is None:
            draft.category = category_of_prefix(compress_iri(draft.iri) or "") or category_of_prefix(compress_iri(subject) or "")
        draft.add_names(row.get("object_label"), row.get("subject_label"))
        draft.xrefs.append(subject)
    return VocabularyFile(collector.finish(), collector.skipped, ignored, exact_links=True)


# --- simple TSV -----------------------------------------------------------------------------

def _read_tsv(path: Path, category: str | None, _fmt: str) -> VocabularyFile:
    """``id<TAB>label<TAB>synonyms|separated<TAB>category``; a header row and ``#`` comments are allowed."""
    collector = _Collector(path, category)
    rows = csv.reader(io.StringIO(_read_text(path)), delimiter="\t")
    for line, cells in enumerate(rows, start=1):
        if not cells or not "".join(cells).strip() or cells[0].startswith("#"):
            continue
        if line == 1 and cells[0].strip().lower() == "id":
            continue
        where = collector.where(line)
        if len(cells) < 2 or len(cells) > 4:
            raise VocabularyError(f"{where}: expected id, label, synonyms and category separated by tabs, got {len(cells)} cell(s)")
        identifier, label = cells[0].strip(), cells[1].strip()
        if not identifier or not label:
            raise VocabularyError(f"{where}: the {'id' if not identifier else 'label'} is empty")
        draft = collector.draft(_expand(identifier, where), line)
        draft.add_names(label, *(cells[2].split("|") if len(cells) > 2 else ()))
        if len(cells) == 4 and cells[3].strip():
            try:
                draft.category = category_name(cells[3])
            except VocabularyError as error:
                raise VocabularyError(f"{where}: {error}") from None
    return VocabularyFile(collector.finish(), collector.skipped)


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise VocabularyError(f"{path}: cannot read file: {error}") from error


Reader = Callable[[Path, "str | None", str], VocabularyFile]
#: Format name -> reader.
FORMATS: dict[str, Reader] = {
    "obo": _read_obo, "rdfxml": _read_rdf, "turtle": _read_rdf, "ntriples": _read_rdf, "sssom": _read_sssom, "tsv": _read_tsv,
}


def read_user_vocabulary(path: str | Path, *, fmt: str | None = None, category: str | None = None) -> VocabularyFile:
    """Read a user vocabulary file into concepts; :class:`~kb.errors.VocabularyError` names file and line.

    ``fmt`` is one of :data:`FORMATS` (default: from the file name); ``category`` (singular
    or plural) applies to every concept and overrides the file and the prefixes.
    """
    path = Path(path)
    if not path.is_file():
        raise VocabularyError(f"{path}: no such file")
    fmt = fmt or format_for(path)
    if fmt not in FORMATS:
        raise VocabularyError(f"unknown vocabulary format {fmt!r}: use one of {', '.join(FORMATS)}")
    result = FORMATS[fmt](path, category_name(category) if category else None, fmt)
    if not result.concepts:
        raise VocabularyError(f"{path}: no concepts found (as {fmt})")
    return result

