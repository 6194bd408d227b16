"""Mechanism statements: 'Lenalidomide ... down-regulates interleukin-6 and nuclear factor κ-B and
activates caspase 8 in vitro' gives one claim per target.

A sentence is read when it holds a mechanism verb. Its subject drug is the last drug the
vocabulary knows before the first verb ('The drug'/'It' refer to the drug of the sentence
before). Each verb governs the targets after it, split at 'and' and commas, up to the next verb or
the system phrase ('in vitro', 'in mice', 'in patients'). Names are resolved through the
vocabulary, so targets and drugs compare as concepts (CURIEs), however they are spelled.

Verb to claim: 'inhibits/blocks/suppresses' -> decreased activity, mechanism inhibition;
'activates/stimulates' -> increased activity, mechanism activation; 'down-/up-regulates,
reduces, increases, induces' -> decreased/increased abundance of a gene product, or activity of
a complex or process (a GO concept: 'down-regulates NF-κB' is about its activity); '... the
expression of' -> expression; 'binds' -> binding, no direction.
"""

from __future__ import annotations

import re
from typing import Any

from kb.extraction.model import MechanismStatement, Span
from kb.extraction.rules.text import Sentences
from kb.models.findings import Aspect, Direction, ExperimentalSystem, MechanismKind

__all__ = ["find_mechanisms"]

_D, _I = Direction.decreased, Direction.increased
# verb stem -> (direction, aspect or None for 'by target kind', mechanism)
_VERBS: dict[str, tuple[Direction | None, Aspect | None, MechanismKind | None]] = {
    "down-regulat": (_D, None, None), "downregulat": (_D, None, None), "reduc": (_D, None, None), "decreas": (_D, None, None),
    "lower": (_D, None, None), "deplet": (_D, None, None), "degrad": (_D, Aspect.abundance, None),
    "inhibit": (_D, Aspect.activity, MechanismKind.inhibition), "block": (_D, Aspect.activity, MechanismKind.inhibition),
    "suppress": (_D, Aspect.activity, MechanismKind.inhibition), "antagoni": (_D, Aspect.activity, MechanismKind.inhibition),
    "activat": (_I, Aspect.activity, MechanismKind.activation), "stimulat": (_I, Aspect.activity, MechanismKind.activation),
    "up-regulat": (_I, None, None), "upregulat": (_I, None, None), "increas": (_I, None, None), "induc": (_I, None, None),
    "enhanc": (_I, None, None), "bind": (None, None, MechanismKind.binding),
}
_VERB = re.compile(
    r"\b(?P<stem>" + "|".join(sorted((re.escape(v) for v in _VERBS), key=len, reverse=True)) + r")(?:es|s|ed|ing|e|ion)?\b"
    r"(?P<expr>(?:\s+(?:the\s+)?(?:expression|production|secretion|levels?)\s+of)?)(?:\s+to)?\s+",
    re.IGNORECASE,
)
_SYSTEM = re.compile(
    r"\b(?:(?P<vitro>in\s+vitro)|(?P<cells>in\s+(?:\w+\s+){0,3}?(?:cell\s+lines?|cells))|(?P<animal>in\s+vivo|in\s+(?:mice|rats|animals?|mouse|rat)\b)"
    r"|(?P<patients>in\s+(?:\w+\s+){0,2}?patients))",
    re.IGNORECASE,
)
_ANAPHOR = re.compile(r"(?i)\b(?:the\s+drug|this\s+drug|the\s+agent|it)\b")
_SPLIT = re.compile(r",\s*(?:and\s+)?|\s+and\s+|\s+as\s+well\s+as\s+")
_TRAILING = re.compile(r"[\s,;:.]+$")


def _resolve(vocabulary: Any, name: str, category: str) -> Any:
    return vocabulary.resolve(name, category=category) if vocabulary is not None else None


_FIRST_WORDS: dict[int, frozenset[str]] = {}


def _first_words(vocabulary: Any) -> frozenset[str]:
    """The first word of every drug name the vocabulary knows: only n-grams starting so are looked up (speed)."""
    key = id(vocabulary)
    if key not in _FIRST_WORDS:
        names = vocabulary.labels_by_name("drug") if hasattr(vocabulary, "labels_by_name") else {}
        _FIRST_WORDS[key] = frozenset(re.split(r"[\s-]", name, maxsplit=1)[0] for name in names)
    return _FIRST_WORDS[key]


def _drugs_in(text: str, start: int, end: int, vocabulary: Any) -> list[tuple[int, int, Any]]:
    """Drugs named in text[start:end]: word n-grams (up to 3 words) the vocabulary knows as drugs."""
    words = [(m.start(), m.end()) for m in re.finditer(r"[\w-]+", text[start:end])]
    firsts = _first_words(vocabulary)
    found = []
    for i in range(len(words)):
        first = re.split(r"-", text[start + words[i][0]: start + words[i][1]].lower(), maxsplit=1)[0]
        if firsts and first not in firsts:
            continue
        for width in (3, 2, 1):
            if i + width > len(words):
                continue
            a, b = start + words[i][0], start + words[i + width - 1][1]
            concept = _resolve(vocabulary, text[a:b], "drug")
            if concept is not None:
                found.append((a, b, concept))
                break
    return found


def _aspect(given: Aspect | None, expression: bool, concept: Any) -> Aspect:
    if expression:
        return Aspect.expression
    if given is not None:
        return given
    # A complex or a process (GO) is regulated in its activity; a gene product in its abundance.
    curie = getattr(concept, "curie", None) or ""
    return Aspect.activity if curie.startswith("GO:") else Aspect.abundance


def find_mechanisms(text: str, sentences: Sentences, vocabulary: Any) -> list[MechanismStatement]:
    """Drug-direction-target claims, one per target, in sentences that state a mechanism."""
    if vocabulary is None:
        from kb.vocab import get_vocabulary

        vocabulary = get_vocabulary()
    claims: list[MechanismStatement] = []
    previous: tuple[int, int] = (0, 0)  # the sentence before, read only when an anaphor needs it (speed)
    for s_start, s_end in sentences.spans():
        verbs = list(_VERB.finditer(text, s_start, s_end))
        if not verbs:
            previous = (s_start, s_end)
            continue
        drugs = _drugs_in(text, s_start, verbs[0].start(), vocabulary)
        drug = drugs[0] if drugs else None
        if drug is None and _ANAPHOR.search(text, s_start, verbs[0].start()):
            earlier = _drugs_in(text, previous[0], previous[1], vocabulary)
            drug = earlier[-1] if earlier else None
        previous = (s_start, s_end)
        if drug is None:
            continue
        system_match = _SYSTEM.search(text, verbs[0].end(), s_end)
        system = ExperimentalSystem.unspecified
        if system_match:
            kind = system_match.lastgroup
            system = {"vitro": ExperimentalSystem.in_vitro, "cells": ExperimentalSystem.cell_line,
                      "animal": ExperimentalSystem.animal, "patients": ExperimentalSystem.patients}[kind or "vitro"]
        limit = system_match.start() if system_match else s_end
        for index, verb in enumerate(verbs):
            if verb.start() >= limit:
                break
            direction, given_aspect, mechanism = _VERBS[verb.group("stem").lower()]
            object_end = min(verbs[index + 1].start() if index + 1 < len(verbs) else limit, limit)
            position = verb.end()
            for part in _SPLIT.split(text[verb.end(): object_end]):
                part_start = text.index(part, position) if part else position
                position = part_start + len(part)
                name = _TRAILING.sub("", part).strip()
                name = re.sub(r"(?i)^(?:the|its|their)\s+", "", name)
                if not name:
                    continue
                concept = _resolve(vocabulary, name, "target")
                if concept is None:
                    continue  # precision first: a target the vocabulary does not know is not proposed
                t_start = text.index(name, part_start)
                claims.append(
                    MechanismStatement(
                        drug=drug[2].label, drug_curie=drug[2].curie, direction=direction,
                        aspect=_aspect(given_aspect, bool(verb.group("expr").strip()), concept) if direction else None,
                        mechanism=mechanism, target=concept.label, target_curie=concept.curie, system=system,
                        drug_span=Span.of(text, drug[0], drug[1]), target_span=Span.of(text, t_start, t_start + len(name)),
                        span=Span.of(text, s_start, _TRAILING.sub("", text[s_start:s_end]).__len__() + s_start), confidence=0.7,
                    )
                )
    return claims
