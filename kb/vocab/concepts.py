"""Concepts and names: what a vocabulary holds, and how names are compared.

A concept is a real ontology IRI with a preferred label, synonyms, a CURIE notation and
cross-references (``docs/rdf-mapping.md``, "Concepts"). :func:`normalize_name` is the key
names are compared on: case, accents, punctuation and Greek letters ignored.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

import pyoxigraph as ox

from kb.curie import canonical_prefix, compress_iri, expand_curie
from kb.errors import IdentifierError, VocabularyError
from kb.namespaces import TEKB_NS

__all__ = ["CATEGORIES", "Concept", "Merge", "normalize_name"]

#: Vocabulary categories, in the order :meth:`Vocabulary.resolve` prefers them when no
#: category is given and a name or cross-reference matches concepts of several.
CATEGORIES: tuple[str, ...] = ("drug", "target", "condition", "outcome", "adverse_event")

_SKOS = "http://www.w3.org/2004/02/skos/core#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
SKOS_CONCEPT = _SKOS + "Concept"
_CATEGORY = TEKB_NS + "vocabularyCategory"
_PREF, _ALT, _HIDDEN, _NOTATION = (_SKOS + name for name in ("prefLabel", "altLabel", "hiddenLabel", "notation"))
_MATCHES = frozenset(_SKOS + name for name in ("exactMatch", "closeMatch", "relatedMatch"))
# Lookup tiers, strongest first: the concept itself (IRI, notation), then its cross-references.
LOOKUP_TIERS = ("self", "xref")

_GREEK = {
    "α": "alpha", "β": "beta", "γ": "gamma", "δ": "delta", "ε": "epsilon", "ζ": "zeta",
    "η": "eta", "θ": "theta", "ι": "iota", "κ": "kappa", "λ": "lambda", "μ": "mu",
    "ν": "nu", "ξ": "xi", "ο": "omicron", "π": "pi", "ρ": "rho", "σ": "sigma", "ς": "sigma",
    "τ": "tau", "υ": "upsilon", "φ": "phi", "χ": "chi", "ψ": "psi", "ω": "omega",
}
# Letters NFKD does not decompose into ASCII.
_LIGATURES = {"æ": "ae", "œ": "oe", "ø": "o", "đ": "d", "ð": "d", "þ": "th", "ł": "l", "ı": "i"}
_SPELLED = _GREEK | _LIGATURES
_NOT_ALNUM = re.compile(r"[^a-z0-9]+")


def normalize_name(text: str) -> str:
    """The comparison key of a name: case, accents, punctuation and spacing ignored.

    Case-folds, decomposes (NFKD) and drops accents, spells Greek letters out in Latin
    (κ → kappa), then keeps only ``a-z`` and ``0-9``.

    >>> normalize_name("NF-κB"), normalize_name("NF-kappaB"), normalize_name("nf kappa b")
    ('nfkappab', 'nfkappab', 'nfkappab')
    >>> normalize_name("Interleukin-6"), normalize_name("IL 6")
    ('interleukin6', 'il6')
    >>> normalize_name("Anämie"), normalize_name("TNF-α"), normalize_name("anæmia")
    ('anamie', 'tnfalpha', 'anaemia')
    >>> normalize_name(" -- ")
    ''
    """
    folded = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", text).casefold())
    spelled = "".join(_SPELLED.get(char, char) for char in folded if not unicodedata.combining(char))
    return _NOT_ALNUM.sub("", spelled)


@dataclass(frozen=True)
class Concept:
    """A vocabulary concept: its IRI, CURIE, preferred label, category, synonyms and xrefs."""

    iri: str
    curie: str | None
    label: str
    category: str
    synonyms: tuple[str, ...] = ()
    xrefs: tuple[str, ...] = ()  # IRIs of its exact, close and related matches

    @property
    def names(self) -> tuple[str, ...]:
        """The preferred label followed by the synonyms."""
        return (self.label, *self.synonyms)


@dataclass(frozen=True)
class Merge:
    """What :meth:`Vocabulary.extend` did with one offered concept."""

    given: Concept
    target: str  # IRI of the concept it became (new) or joined (not new)
    new: bool
    names: tuple[str, ...]  # the names it contributed (a new concept's label first)
    xrefs: tuple[str, ...]  # the cross-references it contributed
    skipped: tuple[str, ...] = ()  # names and cross-references left out, and why


@dataclass
class ConceptDraft:
    """What the vocabulary files say about one subject, gathered before checking."""

    files: list[str] = field(default_factory=list)
    types: set[str] = field(default_factory=set)
    labels: list[str] = field(default_factory=list)
    synonyms: list[str] = field(default_factory=list)
    notations: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    matches: list[str] = field(default_factory=list)

    def add(self, predicate: str, obj: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple, origin: str) -> None:
        if origin not in self.files:
            self.files.append(origin)
        if predicate == RDF_TYPE and isinstance(obj, ox.NamedNode):
            self.types.add(obj.value)
        elif predicate in _MATCHES and isinstance(obj, ox.NamedNode):
            if obj.value not in self.matches:
                self.matches.append(obj.value)
        elif isinstance(obj, ox.Literal):
            target = {_PREF: self.labels, _ALT: self.synonyms, _HIDDEN: self.synonyms,
                      _NOTATION: self.notations, _CATEGORY: self.categories}.get(predicate)
            if target is not None and obj.value not in target:
                target.append(obj.value)


def standard_curie(text: str) -> str | None:
    """``text`` as a CURIE with its canonical prefix, whatever the prefix's case; else None.

    >>> standard_curie("Chebi:63791"), standard_curie("ncbigene:3569"), standard_curie("NF-kB")
    ('CHEBI:63791', 'NCBIGene:3569', None)
    >>> standard_curie("Note: x"), standard_curie("http://x.org/a")
    (None, None)
    """
    prefix, colon, local = text.partition(":")
    canonical = canonical_prefix(prefix)
    if not colon or canonical is None or not local or any(char.isspace() for char in text) or local.startswith("//"):
        return None
    return f"{canonical}:{local}"


def curie_key(curie: str | None) -> str | None:
    """A case-insensitive lookup key for a CURIE with a known prefix, else None.

    >>> curie_key("chebi:63791"), curie_key("ncit:c17380"), curie_key("nope:1")
    ('chebi:63791', 'ncit:c17380', None)
    """
    standard = standard_curie(curie) if curie else None
    return standard.casefold() if standard else None


def as_iri(text: str) -> str | None:
    """The IRI ``text`` names: itself (``<...>`` allowed) or its CURIE expansion; else None.

    >>> as_iri("HGNC:6018"), as_iri("<http://x.org/a>"), as_iri("IL-6")
    ('http://identifiers.org/hgnc/6018', 'http://x.org/a', None)
    """
    if text.startswith("<") and text.endswith(">"):
        text = text[1:-1].strip()
    if text.startswith(("http://", "https://")):
        return text
    curie = standard_curie(text)
    if curie is None:
        return None
    try:
        return expand_curie(curie)
    except IdentifierError:
        return None


def check_category(category: str | None) -> tuple[str, ...]:
    if category is None:
        return CATEGORIES
    if category not in CATEGORIES:
        raise VocabularyError(f"unknown vocabulary category {category!r}: use one of {', '.join(CATEGORIES)}")
    return (category,)


def concept_from(iri: str, draft: ConceptDraft, origin: str) -> Concept:
    """Check one subject's statements and build its :class:`Concept`."""
    where = f"{origin}: concept <{iri}>"
    if len(draft.categories) != 1 or draft.categories[0] not in CATEGORIES:
        raise VocabularyError(f"{where} needs exactly one tekb:vocabularyCategory of {CATEGORIES}, has {draft.categories}")
    if len(draft.labels) != 1:
        raise VocabularyError(f"{where} needs exactly one skos:prefLabel, has {draft.labels}")
    if len(draft.notations) > 1:
        raise VocabularyError(f"{where} has several skos:notation values {draft.notations}")
    curie = draft.notations[0] if draft.notations else compress_iri(iri)
    if draft.notations and as_iri(draft.notations[0]) != iri:
        raise VocabularyError(f"{where}: skos:notation {curie!r} does not expand to the concept's IRI")
    return Concept(iri, curie, draft.labels[0], draft.categories[0], tuple(draft.synonyms), tuple(draft.matches))
