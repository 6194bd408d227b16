"""Arm sizes and the total randomized.

Arm sizes come in three styles: ``LABEL (n = 65)`` / ``LABEL, n = 65`` / ``LABEL: n = 65``;
pairs such as ``261 were randomly assigned to receive X and 274 to receive Y`` or ``1161
patients received X and 1164 received Y`` or ``43 in the X group and 42 in the Y group``; and
``the X arm (179 patients)``. Outcome denominators ('35 of 203') are never arm sizes.

The total randomized is the first count a randomization verb governs ('353 patients were
randomized', 'we randomly assigned 353 patients'); failing that, the first count enrolled,
recruited or included; failing that the sum of a randomized pair. Person counts win over
cluster counts, which are used only when no person count is stated.
"""

from __future__ import annotations

import re

from kb.extraction.model import ArmSize, Span, TotalRandomized
from kb.extraction.numbers import WORD_NUMBER, parse_count
from kb.extraction.rules.text import S, Sentences

__all__ = ["find_arm_sizes", "find_total_randomized", "COUNTED"]

_COUNT = r"(?<![\d.,·/%-])(?:\d{1,3}(?:,\d{3})+|\d+)(?![\d.·%]|,\d)|\b(?i:" + WORD_NUMBER + r")\b"
# Counts in digits only: the pair rules run over every sentence, and number words are slow to try everywhere.
_DCOUNT = r"(?<![\d.,·/%-])(?:\d{1,3}(?:,\d{3})+|\d+)(?![\d.·%]|,\d)"
_PEOPLE = (
    r"(?:patients|participants|subjects|children|women|men|adults|infants|individuals|people|persons|volunteers|mothers"
    r"|newborns|neonates|students|pregnancies|eyes|cases|smokers|workers|residents|users|athletes|employees|girls|boys"
    r"|veterans|couples|dyads|families|caregivers|carers|nurses|physicians|doctors|providers|teachers|elderly|survivors)"
)
_CLUSTERS = r"(?:clusters|communities|villages|schools|practices|sites|wards|hospitals|households|clinics|centres|centers|blocks|areas|districts)"
#: What a count of participants counts: people or clusters (case-insensitive pattern).
COUNTED = r"(?i:" + _PEOPLE + "|" + _CLUSTERS + r")\b"
_MODIFIERS = r"(?:(?:[A-Za-z][\w'-]*|\d+-\w+)" + S + r"+){0,3}?"
_RANDOMIZED = r"(?:randomly" + S + r"+)?(?:randomi[sz]ed|assigned|allocated)"
_ENROLLED = r"(?:enrolled|recruited|included|entered|were" + S + r"+enrolled)"

# --- arm sizes ---------------------------------------------------------------------------
_LABEL = r"(?P<label>[A-Za-z][\w'’/+\-]*(?:" + S + r"+[\w'’/+\-]+){0,5}?)"
# '(n = 65)' is found first (cheap), then the label is read backwards from it (see _label_before).
_N_EQ = re.compile(r"\bn" + S + r"*[=:]" + S + r"*(?P<n>" + _COUNT + r")")
_LABEL_BEFORE = re.compile(
    _LABEL + S + r"*(?:\([^()\n]{1,60}\)" + S + r"*)?(?:\((?P<inner>[^()\n]{1,60})\)" + S + r"*)?(?:\(|[,:;]" + S + r"*)(?:(?P<inner2>[^()\n;,]{1,30});" + S + r"*)?$"
)
_BARE_N = re.compile(r"\(" + S + r"*\bn" + S + r"*=" + S + r"*(?P<n>" + _COUNT + r")" + S + r"*\)")
_ARM_PATIENTS = re.compile(r"\(" + S + r"*(?P<n>" + _COUNT + r")" + S + r"+(?:" + _PEOPLE + "|" + _CLUSTERS + r")" + S + r"*\)")
_ARM_BEFORE = re.compile(_LABEL + S + r"+(?:arm|group|(?i:" + _CLUSTERS + r"))" + S + r"*$")
_TO_LABEL = r"(?P<{name}>(?:[\w'’/+\-]+" + S + r"+){{0,5}}?[\w'’/+\-]+?)"
_PAIR = re.compile(
    r"(?P<n1>" + _COUNT + r")" + S + r"+(?:" + _MODIFIERS + r"(?:" + _PEOPLE + "|" + _CLUSTERS + r")" + S + r"+)?"
    r"(?:(?:were|was)" + S + r"+)?(?P<verb>" + _RANDOMIZED + S + r"+(?:to|into)|received|were" + S + r"+given|in)" + S
    + r"+(?:receive" + S + r"+|the" + S + r"+)?" + _TO_LABEL.format(name="l1") + r"(?:" + S + r"+(?:group|arm))?" + S
    + r"*(?:,|;|and|or|vs\.?|versus)" + S + r"*(?:and" + S + r"+)?(?P<n2>" + _COUNT + r")" + S + r"+(?:" + _MODIFIERS + r"(?:"
    + _PEOPLE + "|" + _CLUSTERS + r")" + S + r"+)?(?:(?:were|was)" + S + r"+)?(?:" + _RANDOMIZED + S + r"+)?(?:to|into|received|were"
    + S + r"+given|in)" + S + r"+(?:receive" + S + r"+|the" + S + r"+)?" + _TO_LABEL.format(name="l2")
    + r"(?=" + S + r"*(?:group|arm)?" + S + r"*[.,;)(]|" + S + r"+(?:group|arm)\b)"
)
_STOP_LABEL = re.compile(r"(?i)^(?:the|a|an|and|or|of|to|in|with|were|was|either|randomized|randomised|patients|participants)$")
_POPULATION = re.compile(r"(?i)\b(?:total|overall|all|population|cohort|sample|enrolled|included|screened|eligible|combined)\b")
# Words that make any label a whole population: 'the combined treatment groups (n = 5380)'.
_WHOLE = re.compile(r"(?i)\b(?:total|overall|all|combined|pooled|population|cohort|sample|screened)\b")
# A label naming a statistic, a time point or a subgroup ('mean score (n = 466)', 'At 15 months
# (n = 411)', 'who experienced X (n = 34)') is not an arm.
_NOT_ARM = re.compile(
    r"(?i)\b(?:mean|median|score|rate|level|months?|weeks?|days?|years?|baseline|follow-up|analysis|analyses|subgroup)\b"
    r"|^(?:who|with|without|that|having|had|at|after|before|during)\b"
)


_PAIR_NOUN = r"(?P<noun>(?i:" + _PEOPLE + "|" + _CLUSTERS + r"))\b"
_AND = S + r"+(?:and|vs\.?|versus)" + S + r"+"
# '2589 versus 2576 children', '(36 vs 36 clusters)': two counts sharing their noun.
_SHARED_NOUN = re.compile(r"(?P<n1>" + _DCOUNT + r")" + _AND + r"(?P<n2>" + _DCOUNT + r")" + S + r"+" + _PAIR_NOUN)
_PAIR_WORD = r"(?!(?:and|or|of|in|to|with|were|was|had|vs|versus|the|a|an|per|each|all)\b)[A-Za-z][\w/+\-]*"
# '131 active treatment participants and 125 control participants', '78 IG and 67 CG patients'.
_LABELLED_PAIR = re.compile(
    r"(?P<n1>" + _DCOUNT + r")" + S + r"+(?P<l1>" + _PAIR_WORD + r"(?:" + S + r"+" + _PAIR_WORD + r"){0,2}?)(?:" + S + r"+(?i:" + _PEOPLE
    + r"))?" + _AND + r"(?P<n2>" + _DCOUNT + r")" + S + r"+(?P<l2>" + _PAIR_WORD + r"(?:" + S + r"+" + _PAIR_WORD + r"){0,2}?)" + S + r"+"
    + _PAIR_NOUN
)
# '140 participants were randomized into each group': one count for every arm.
_EACH = re.compile(
    r"(?P<n>" + _DCOUNT + r")" + S + r"+(?:(?i:" + _PEOPLE + r")" + S + r"+)?(?:(?:were|was)" + S + r"+" + _RANDOMIZED + S
    + r"+(?:in)?to|in|per)" + S + r"+(?:each|every)" + S + r"+(?:group|arm)\b"
)
# A pair of counts in a sentence about events or losses counts outcomes, not arms.
_EVENTS = re.compile(
    r"(?i)\b(?:died|deaths?|experienced|developed|occurred|had|reported|events?|cases?|infections?|withdrew|lost|discontinued"
    r"|excluded|dropped|responded|respectively)\b"
)


# Cheap keys that the pair rules need in a sentence before they are tried there (speed).
_SECOND_COUNT = re.compile(r"(?:[,;]|\band|\bor|\bvs\.?|\bversus)" + S + r"+(?:and" + S + r"+)?(?:\d|\b(?i:" + WORD_NUMBER + r")\b)")
_COUNT_PAIR = re.compile(r"\d" + S + r"+(?:[^\W\d]+" + S + r"+){0,4}?(?:and|vs\.?|versus)" + S + r"+\d")
_EACH_KEYS = re.compile(r"\b(?:each|every|per)" + S + r"+(?:group|arm)\b")


def _clean_label(label: str | None) -> str | None:
    if not label:
        return None
    words = label.split()
    # Drop leading verbs and articles: 'randomized to NF' -> 'NF'.
    while words and (_STOP_LABEL.match(words[0]) or words[0].lower() in {"to", "receive", "assigned", "allocated"}):
        words = words[1:]
    return " ".join(words) or None


def find_arm_sizes(text: str, sentences: Sentences) -> list[ArmSize]:
    """Per-arm counts, each with the span of the count as written."""
    found: dict[int, ArmSize] = {}

    def add(start: int, end: int, label: str | None, confidence: float) -> None:
        if start not in found:
            found[start] = ArmSize(label=_clean_label(label), n=parse_count(text[start:end]), span=Span.of(text, start, end), confidence=confidence)

    for n_match in _N_EQ.finditer(text):
        match = _LABEL_BEFORE.search(text, max(0, n_match.start() - 120), n_match.start())
        if not match:
            continue
        label = match.group("label")
        if _NOT_ARM.search(label) or _WHOLE.search(label) or _POPULATION.search(label.split()[-1]) or re.search(r"(?i)\b" + _PEOPLE + r"$", label) and not re.search(
            r"(?i)\b(?:group|arm)\b", label
        ):
            continue  # 'all patients (n = 353)' is a population, not an arm
        add(n_match.start("n"), n_match.end("n"), match.group("inner") or label, 0.85)
    for match in _ARM_PATIENTS.finditer(text):
        before = _ARM_BEFORE.search(text, max(0, match.start() - 80), match.start())
        if before:
            add(match.start("n"), match.end("n"), before.group("label"), 0.85)
    second_count = set(sentences.having(_SECOND_COUNT))
    for match in _in(_PAIR, text, [w for w in sentences.having(_ARM_KEYS) if w in second_count]):
        if match.group("verb").startswith("in") and not re.search(r"\b(?:group|arm)", text[match.start(): match.end() + 8]):
            continue  # '43 in X and 42 in Y' names arms only with 'group'/'arm'
        lead = text[max(0, match.start() - 4): match.start()]
        if re.search(r"\bof" + S + r"*$|/$", lead):
            continue
        add(match.start("n1"), match.end("n1"), match.group("l1"), 0.8)
        add(match.start("n2"), match.end("n2"), match.group("l2"), 0.8)
    pair_windows = sentences.having(_COUNT_PAIR)
    for regex in (_SHARED_NOUN, _LABELLED_PAIR):
        for match in _in(regex, text, pair_windows):
            s_start, s_end = sentences.bounds(match.start())
            lead = text[max(s_start, match.start() - 12): match.start()]
            if re.search(r"(?i)(?:hundred|thousand)$", match.group("n1")):
                continue  # 'Seven hundred and eighty-seven women' is one number
            # 'improvement in 70 and 39 women' counts outcomes; 'of 60', 'between 18 and 65' are not arms.
            if re.search(r"(?i)\b(?:of|between|from|in)" + S + r"*$|/$", lead) or _EVENTS.search(text, max(s_start, match.start() - 80), min(s_end, match.end() + 30)):
                continue
            labels = (match.groupdict().get("l1"), match.groupdict().get("l2"))
            add(match.start("n1"), match.end("n1"), labels[0], 0.7)
            add(match.start("n2"), match.end("n2"), labels[1], 0.7)
    for match in _in(_EACH, text, sentences.having(_EACH_KEYS)):
        add(match.start("n"), match.end("n"), "each group", 0.7)
    return sorted(found.values(), key=lambda a: a.span.start)


# --- total randomized -----------------------------------------------------------------------
_NOUN = r"(?:" + _MODIFIERS + r"(?P<noun>(?i:" + _PEOPLE + "|" + _CLUSTERS + r")))"
# What may stand between the noun and its verb: ', aged 3–20 weeks,', ' with stage I NSCLC', never an arm ('in the X group').
_QUAL = r"(?P<qual>,?" + S + r"+(?:with|from|aged|who|in|at|undergoing|diagnosed|having|of)\b[^.;:()]{0,100}?,?)?"
_TOTAL_AFTER = re.compile(  # '353 patients were randomized', 'a total of 85 entered the study'
    r"(?P<n>" + _COUNT + r")" + S + r"+(?:" + _NOUN + _QUAL + S + r"+)?(?:(?:were|was|had" + S + r"+been)" + S + r"+)?"
    r"(?:(?P<rand>" + _RANDOMIZED + r")|(?P<enr>" + _ENROLLED + r"))\b(?!" + S + r"+(?:to|into)" + S + r"+\w+(?:" + S + r"+\w+){0,4}" + S
    + r"+and" + S + r"+\d|" + S + r"+(?:to|into|in)" + S + r"+each|" + S + r"+per" + S + r"+(?:group|arm))"
)
_TOTAL_BEFORE = re.compile(  # 'we randomized 353 patients', 'recruited 348 participants', 'Of 535 patients randomized'
    r"(?i:(?P<rand>" + _RANDOMIZED + r")|(?P<enr>enrolled|recruited|included))" + S + r"+(?:(?i:a" + S + r"+total" + S + r"+of)" + S
    + r"+)?(?P<n>" + _COUNT + r")" + S + r"+" + _NOUN + r"\b"
)
_TRIAL_OF = re.compile(  # 'In a randomised controlled trial, 497 children ...', 'cluster-randomized trial in 42 communities'
    r"(?i:randomi[sz]ed)[^.;\n]{0,60}?(?i:trial|study)(?:" + S + r"+(?:in|of|with|among|involving|including)" + S + r"+|," + S + r"*)"
    r"(?P<n>" + _COUNT + r")" + S + r"+" + _NOUN + r"\b"
)
_TOTAL_OF = re.compile(  # 'A total of 439 women with ...', 'Of 535 patients, ...' at the start of a sentence
    r"(?:^|(?<=[.:\n])" + S + r"*|(?<=\n))(?:(?i:a" + S + r"+total" + S + r"+of)|Of(?:" + S + r"+the)?)" + S + r"+(?P<n>" + _COUNT + r")" + S + r"+" + _NOUN + r"\b",
    re.MULTILINE,
)
_N_TOTAL = re.compile(r"\(" + S + r"*N" + S + r"*=" + S + r"*(?P<n>" + _COUNT + r")" + S + r"*\)")


_TOTAL_KEYS = re.compile(r"(?i)randomi[sz]|assign|allocat|enrol|recruit|includ|entered")
_TOTAL_OF_KEYS = re.compile(r"\b(?:[Tt]otal|Of)\b")
_ARM_KEYS = re.compile(r"(?i)randomi[sz]|assign|allocat|received|given|group|arm\b")


def _in(regex: re.Pattern[str], text: str, windows: list[tuple[int, int]]) -> list[re.Match[str]]:
    return [match for start, end in windows for match in regex.finditer(text, start, end)]


def find_total_randomized(text: str, sentences: Sentences, arm_sizes: list[ArmSize]) -> TotalRandomized | None:
    """The total randomized or enrolled, or None when no total is stated."""
    candidates: list[tuple[int, int, int, float]] = []  # (rank, start, end, confidence); lower rank wins
    windows = sentences.having(_TOTAL_KEYS)
    for regex in (_TOTAL_AFTER, _TOTAL_BEFORE):
        for match in _in(regex, text, windows):
            before = text[max(0, match.start("n") - 6): match.start("n")]
            if re.search(r"(?<!total )\b(?:of|than)" + S + r"*$|[/(]" + S + r"*$", text[max(0, match.start("n") - 12): match.start("n")]) and regex is _TOTAL_AFTER:
                continue  # '45 of 60 were randomized' counts a subset; '(12 ...' is a bracketed aside
            if re.search(r"\b(?:group|arm)s?\b", match.groupdict().get("qual") or ""):
                continue  # '62 patients in the early group were ...' counts an arm
            noun = match.group("noun") or ""
            cluster = bool(re.fullmatch(_CLUSTERS, noun.lower()))
            rank = (0 if match.group("rand") else 1) + (2 if cluster else 0)
            candidates.append((rank, match.start("n"), match.end("n"), 0.9 if rank == 0 else 0.75))
    for regex, rank, keys in ((_TRIAL_OF, 1, windows), (_TOTAL_OF, 2, sentences.having(_TOTAL_OF_KEYS))):
        for match in _in(regex, text, keys):
            cluster = bool(re.fullmatch(_CLUSTERS, match.group("noun").lower()))
            candidates.append((rank + (2 if cluster else 0), match.start("n"), match.end("n"), 0.7))
    for match in _N_TOTAL.finditer(text):
        candidates.append((4, match.start("n"), match.end("n"), 0.6))
    if not candidates:
        return None
    rank, start, end, confidence = min(candidates, key=lambda c: (c[0], c[1]))
    return TotalRandomized(n=parse_count(text[start:end]), span=Span.of(text, start, end), confidence=confidence)
