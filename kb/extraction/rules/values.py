"""Per-arm values ('median 11.1 vs 4.7 months', '61.0% vs 19.9%') and adverse-event rates with
their grade ('grade 3 or 4 neutropenia (41.2% vs. 4.6%)').

Values are tied to arms only in the order written: the first value is the first arm the
sentence names. A value list needs 'vs'/'versus' between its values (or, for an adverse event
after its grade, 'and'), so that ranges and unrelated numbers are never read as arms.
"""

from __future__ import annotations

import re
from typing import Any

from kb.extraction.model import AdverseEventRate, ArmValues, Span
from kb.extraction.numbers import UNSIGNED, parse_number
from kb.extraction.rules.arms import COUNTED
from kb.extraction.rules.text import S, Sentences

__all__ = ["find_arm_values", "find_adverse_events"]

_UNITS = r"(?:%|" + S + r"*(?P<unit>months?|weeks?|days?|years?|hours?|mo))"
_VS = S + r"*(?:vs\.?|versus|compared" + S + r"+(?:with|to))" + S + r"*"
_VALUE = r"(?<![\w.·/-])" + UNSIGNED
_LIST = re.compile(
    r"(?P<list>(?P<first>" + _VALUE + r")(?P<u1>" + S + r"?%|" + S + r"*(?:months?|weeks?|days?|years?))?(?:" + _VS + r"(?:" + _VALUE
    + r")(?:" + S + r"?%|" + S + r"*(?:months?|weeks?|days?|years?))?){1,3})(?![\d.·]|" + S + r"*(?:to|-|–)" + S + r"*\d)"
)
_COUNTS = re.compile(S + r"+(?:\w+" + S + r"+)?" + COUNTED)
_STAT = re.compile(r"(?i)\b(?P<s>median|mean)\b")
_ARM_NAMES = re.compile(
    r"(?i)(?:with|for|in)" + S + r"+(?:the" + S + r"+)?(?P<a>[\w/+\- ]{2,40}?)" + S + r"+(?:versus|vs\.?|compared" + S
    + r"+with)" + S + r"+(?:the" + S + r"+)?(?P<b>[\w/+\- ]{2,40}?)(?=" + S + r"*(?:groups?|arms?)?" + S + r"*[,;.(]|$)"
)


def _arms(text: str, start: int, end: int) -> tuple[str, ...]:
    match = _ARM_NAMES.search(text, start, end)
    return (match.group("a").strip(), match.group("b").strip()) if match else ()


_CLAUSE_END = re.compile(r"(?:" + S + r"|\(|\[|:|=|\b(?:was|were|is|are|of|at|reached|by)\b)*$", re.IGNORECASE)
_LEADING = re.compile(r"^(?:(?:and|but|or|the|with|while|whereas|respectively)\b" + S + r"*)+", re.IGNORECASE)


def _outcome(text: str, sentence_start: int, value_start: int) -> str | None:
    """The clause before the values, without its verb: 'Median overall survival was 15.3 vs' -> 'Median overall survival'."""
    before = text[max(sentence_start, value_start - 200): value_start]
    before = before[: _CLAUSE_END.search(before).start()]  # type: ignore[union-attr]  # the pattern matches the empty string
    clause = re.split(r"[,;:()\[\]]", before)[-1]
    words = _LEADING.sub("", clause.strip()).split()[-8:]
    return " ".join(words) or None


def _singular(unit: str | None) -> str | None:
    return None if unit is None else {"mo": "month"}.get(unit, unit[:-1] if unit.endswith("s") else unit)


def find_arm_values(text: str, sentences: Sentences) -> list[ArmValues]:
    """Per-arm values of an outcome, in the order written."""
    out: list[ArmValues] = []
    for match in _LIST.finditer(text):
        if _COUNTS.match(text, match.end()):
            continue  # '2589 versus 2576 children' are arm sizes, not values
        quote = match.group("list")
        numbers = [parse_number(n) for n in re.findall(UNSIGNED, quote)]
        s_start, s_end = sentences.bounds(match.start())
        before = text[max(s_start, match.start() - 80): match.start()]
        percent = "%" in quote
        unit_match = re.search(r"(months?|weeks?|days?|years?)", quote)
        statistic = "percentage" if percent else (_STAT.findall(before)[-1].lower() if _STAT.search(before) else "number")
        out.append(
            ArmValues(
                outcome=_outcome(text, s_start, match.start()), statistic=statistic,  # type: ignore[arg-type]
                unit="percent" if percent else _singular(unit_match.group(1) if unit_match else None), values=tuple(numbers),
                arms=_arms(text, s_start, s_end), span=Span.of(text, match.start(), match.end()), confidence=0.6,
            )
        )
    return out


_GRADE = (
    r"(?i:grades?)" + S + r"*(?:(?P<ge>≥|>=|>" + S + r"*or" + S + r"+=)" + S + r"*(?P<gplus>[1-5])|(?P<g1>[1-5])(?:" + S
    + r"*(?:or|and|to|/|-|–)" + S + r"*(?P<g2>[1-5]))?(?:" + S + r"+or" + S + r"+(?:higher|more|greater|above))?(?P<up>" + S + r"+or" + S + r"+(?:higher|more|greater|above))?)"
)
_AE = re.compile(
    _GRADE + S + r"+(?:(?:adverse" + S + r"+events?|toxicit(?:y|ies))" + S + r"+(?:of|including)" + S + r"+)?"
    r"(?P<event>[A-Za-z][\w\-]*(?:" + S + r"+(?!in\b|was\b|were\b|occurred\b|vs\b|and\b|with\b)[A-Za-z][\w\-]*){0,3}?)" + S
    + r"*(?:\(|:|,|" + S + r"+(?:was|were|occurred)?" + S + r"*(?:in|of)" + S + r"+)" + S + r"*"
    r"(?P<v1>" + UNSIGNED + r")" + S + r"?%(?:" + S + r"*\([^()]{0,20}\))?" + S + r"*(?:vs\.?|versus|and|,|compared" + S + r"+with)" + S
    + r"*(?P<v2>" + UNSIGNED + r")" + S + r"?%" + S + r"*\)?"
)


_RATE_PAIR = re.compile(
    r"(?P<v1>" + UNSIGNED + r")" + S + r"?%(?:" + S + r"*\([^()]{0,20}\))?" + S + r"*(?:vs\.?|versus|and|compared" + S + r"+with)" + S
    + r"*(?P<v2>" + UNSIGNED + r")" + S + r"?%"
)
_EVENT_BEFORE = re.compile(
    r"(?P<event>[A-Za-z][\w\-]*(?:" + S + r"+[A-Za-z][\w\-]*){0,4}?)" + S + r"*(?:\(|:|,)?" + S
    + r"*(?:(?:was|were|had" + S + r"+been|have" + S + r"+been)" + S + r"+)?(?:(?:occurred|developed|reported|observed|seen|noted)" + S
    + r"+)?(?:(?:in|of)" + S + r"+)?$"
)
_GENERIC_EVENT = re.compile(
    r"(?i)(?:(?:serious|severe|treatment-related|drug-related|treatment-emergent)" + S + r"+)?(?:adverse" + S + r"+(?:events?|reactions?|effects?)|toxicit(?:y|ies))$"
)


def _ungraded(text: str, sentences: Sentences, vocabulary: Any, taken: list[tuple[int, int]]) -> list[AdverseEventRate]:
    """'venous thromboembolism (14.7% vs 3.4%)', 'serious adverse events occurred in 12% and 8%': the event
    must be one the vocabulary knows as an adverse event, or an adverse-event phrase."""
    out: list[AdverseEventRate] = []
    for pair in _RATE_PAIR.finditer(text):
        if any(s <= pair.start() < e for s, e in taken):
            continue
        s_start, s_end = sentences.bounds(pair.start())
        before = _EVENT_BEFORE.search(text, max(s_start, pair.start() - 80), pair.start())
        if not before:
            continue
        words = before.group("event").split()
        found = None
        for width in range(len(words), 0, -1):  # the longest name ending right before the figures
            name = " ".join(words[-width:])
            concept = vocabulary.resolve(name, category="adverse_event") if vocabulary is not None else None
            if concept is not None or _GENERIC_EVENT.search(name):
                found = (name, concept)
                break
        if found is None:
            continue
        name, concept = found
        values = (parse_number(pair.group("v1")), parse_number(pair.group("v2")))
        if any(v > 100 for v in values):
            continue
        start = text.rindex(name, before.start(), pair.start())
        out.append(
            AdverseEventRate(
                event=name, event_curie=concept.curie if concept is not None else None, values=values,
                arms=_arms(text, s_start, s_end), span=Span.of(text, start, pair.end()), confidence=0.6,
            )
        )
    return out


def find_adverse_events(text: str, sentences: Sentences, vocabulary: Any = None) -> list[AdverseEventRate]:
    """Adverse-event rates with their grade range (None when not stated), values in percent per arm in the order written."""
    out: list[AdverseEventRate] = []
    for match in _AE.finditer(text):
        if match.group("gplus"):
            low, high = int(match.group("gplus")), 5
        else:
            low = int(match.group("g1"))
            high = 5 if match.group("up") else int(match.group("g2") or low)
            low, high = min(low, high), max(low, high)
        values = (parse_number(match.group("v1")), parse_number(match.group("v2")))
        if any(v > 100 for v in values):
            continue
        s_start, s_end = sentences.bounds(match.start())
        out.append(
            AdverseEventRate(
                event=match.group("event"), event_curie=_curie(vocabulary, match.group("event")), grade_min=low, grade_max=high,
                values=values, arms=_arms(text, s_start, s_end), span=Span.of(text, match.start(), match.end()), confidence=0.7,
            )
        )
    out += _ungraded(text, sentences, vocabulary, [(a.span.start, a.span.end) for a in out])
    return sorted(out, key=lambda a: a.span.start)


def _curie(vocabulary: Any, name: str) -> str | None:
    concept = vocabulary.resolve(name, category="adverse_event") if vocabulary is not None else None
    return concept.curie if concept is not None else None
