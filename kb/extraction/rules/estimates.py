"""Effect estimates: a named measure, its value, and the CI and p-value written after it.

The grammar, in order: a measure name (``hazard ratio``, ``HR``, ``adjusted odds ratio [aOR]``,
``mean difference``, ``d``...), a short connector (``for OS was``, ``, ``, ``=``, ``of``,
``versus CQ,``), the value with an optional unit, then an optional confidence interval in any of
the real styles (``(95% CI 0.61-0.85)``, ``; 95% confidence interval [CI], 0.61 to 0.85``,
``95%CI: 1.1–1.8``, ``[0.6, 1.0]``, ``from X to Y``, reversed bounds) and an optional p-value
(``; P<0.001``, ``two-sided P = 0.35``, ``(p = 0·16)``).

Precision first: a value found after a long connector needs a CI or a p-value to be proposed; a
bare bracketed range counts as a CI only when it holds the value; a number with a CI but no
measure name is proposed only when it continues a list of the same measure in its sentence or
the sentence says it is a difference.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kb.extraction.model import EffectEstimate, Measure, Span
from kb.extraction.numbers import DASH, SIGNED, UNSIGNED, parse_number
from kb.extraction.rules.text import S, Sentences, balance_end, clause_before

__all__ = ["find_estimates"]

# Adjectives ('adjusted', 'pooled') are read backwards from a name once it is found, not tried before every name (speed).
_ADJECTIVES = re.compile(
    r"(?i)(?:\b(?:adjusted|unadjusted|crude|stratified|pooled|overall|multivariate|multivariable|estimated|summary)" + S + r"+)+$"
)
# (pattern, measure, case-insensitive?) — longer names first, so 'incidence rate ratio' wins over 'rate ratio'.
_NAMES: list[tuple[str, Measure, bool]] = [
    (r"standardi[sz]ed" + S + r"+mean" + S + r"+differences?", Measure.standardized_mean_difference, True),
    (r"\bSMDs?\b", Measure.standardized_mean_difference, False),
    (r"Cohen['’]?s" + S + r"+d\b|Hedges['’]?" + S + r"*g\b|\bd(?=" + S + r"*=)", Measure.standardized_mean_difference, False),
    (r"\beffect" + S + r"+sizes?" + S + r"*\((?:Cohen['’]?s" + S + r"+)?d\)", Measure.standardized_mean_difference, True),
    (r"(?:sub[- ]?distribution" + S + r"+)?hazard" + S + r"+ratios?", Measure.hazard_ratio, True),
    (r"\b(?:a|adj\.?" + S + r"?)?HRs?\b", Measure.hazard_ratio, False),
    (r"odds" + S + r"+ratios?", Measure.odds_ratio, True),
    (r"\b(?:a|adj\.?" + S + r"?)?ORs?\b", Measure.odds_ratio, False),
    (r"(?:incidence|incident)" + S + r"+rate" + S + r"+ratios?|" + r"rate" + S + r"+ratios?", Measure.rate_ratio, True),
    (r"\b(?:a)?IRRs?\b", Measure.rate_ratio, False),
    (r"(?:relative" + S + r"+risks?|risk" + S + r"+ratios?)", Measure.risk_ratio, True),
    (r"\b(?:a)?RRs?(?=\b|\d)", Measure.risk_ratio, False),
    (r"absolute" + S + r"+risk" + S + r"+(?:differences?|reductions?)|risk" + S + r"+differences?", Measure.risk_difference, True),
    (r"\bRDs?\b", Measure.risk_difference, False),
    (r"median" + S + r"+differences?", Measure.median_difference, True),
    (r"(?:(?:weighted|average)" + S + r"+)?mean" + S + r"+(?:between[- ]groups?" + S + r"+)?differences?"
     r"|" + r"(?:between[- ]groups?" + S + r"+|treatment" + S + r"+|average" + S + r"+)?differences?", Measure.mean_difference, True),
    (r"\b(?:W)?MDs?\b", Measure.mean_difference, False),
    (r"(?:mortality|incidence)" + S + r"+ratios?|" + r"treatment" + S + r"+effects?|ratio" + S + r"+of" + S
     + r"+(?:geometric" + S + r"+)?means|geometric" + S + r"+mean" + S + r"+ratios?", Measure.other, True),
    (r"\bGMRs?\b", Measure.other, False),
]
_NAME_RE = re.compile(
    r"(?<![\w'’-])(?:" + "|".join(f"(?P<m{i}>{'(?i:' + p + ')' if ci else p})" for i, (p, _, ci) in enumerate(_NAMES)) + ")"
)
_MEASURE_OF = {f"m{i}": measure for i, (_, measure, _) in enumerate(_NAMES)}
_RATIOS = {Measure.hazard_ratio, Measure.odds_ratio, Measure.risk_ratio, Measure.rate_ratio}

_ABBR = r"(?:" + S + r"*[\[(][A-Za-z]{1,6}[\])])?"
_UNIT = (
    r"(?:" + S + r"?%|" + S + r"+(?:percentage" + S + r"+points?|points?|(?!(?:to|and|or|vs|versus|in|for|with|from|CI|p|P|was|were|is|at)\b)"
    r"[A-Za-zµμ][A-Za-zµμ/²³]{0,9}\d?(?:/[A-Za-z]{1,5})?)(?![\w-]))?"
)
_CURRENCY = r"(?:(?:EUR|USD|GBP|US\$|\$|€|£)" + S + r"?)?"
_VALUE = r"(?P<value>" + SIGNED + r")(?![\d.·])(?P<unit>" + _UNIT + r")"
# Tight connectors: 'HR 0.72', 'HR, 0.72', 'HR = 0.72', 'HR of 0.72', 'HR was 0.72', 'OR versus CQ, 0.14'.
_TIGHT = re.compile(
    _ABBR + S + r"*(?:[,:=]|of|was|is|were|versus" + S + r"+[\w/+-]+(?:" + S + r"+[\w/+-]+)?,)?" + S + r"*" + _CURRENCY + _VALUE
)
# Loose connectors: up to 16 words that do not start with a digit (a time such as '12 months'
# is allowed), e.g. 'for myocardial infarction with estrogen plus progestin was'.
_WORD = (
    r"(?:[A-Za-z][\w'’/+\-]*|\((?:[A-Za-z][\w/+\- ]{0,24})\)|\[[A-Za-z][\w/+\- ]{0,24}\]"
    r"|\d+(?:[.·]\d+)?" + S + r"?[-]?(?:months?|weeks?|years?|days?|hours?|h)\b)"
)
_LOOSE = re.compile(
    _ABBR + r"(?:" + S + r"*[,:]?" + S + r"+" + _WORD + r"){1,16}?" + S + r"*[,:=]?" + S + r"*" + _CURRENCY + _VALUE
)
_LEVEL = r"(?P<level>\d{2}(?:[.·]\d+)?)" + S + r"?%" + S + r"*"
_CI_WORD = r"(?:confidence" + S + r"+(?:intervals?|limits?)|credible" + S + r"+intervals?|CIs?\b|C\.I\.|CrI\b)"
_SEP = S + r"*(?:to|and|[" + DASH + r",;])" + S + r"*"
_BOUNDS = r"(?P<lo>" + SIGNED + r")(?:" + _UNIT + r")" + _SEP + r"(?P<hi>" + SIGNED + r")(?![\d.·])(?:" + _UNIT + r")"
_CI = re.compile(
    S + r"*[,;:]?" + S + r"*[\[(]?" + S + r"*(?:" + _LEVEL + r")?" + _CI_WORD + r"(?:" + S + r"*[\[(](?:(?P<level3>\d{2})" + S + r"?%" + S + r"?)?CI[\])])?"
    r"(?:" + S + r"*(?P<level2>\d{2})" + S + r"?%)?" + S + r"*(?:[:=,]|of|was|is)?" + S + r"*(?:from" + S + r"+)?[\[(]?" + S + r"*"
    + _BOUNDS + S + r"*[\])]?"
)
_BARE_CI = re.compile(
    S + r"*(?:[\[(]|[,;]" + S + r"*[\[(]?)" + S + r"*" + r"(?P<lo>" + SIGNED + r")(?:" + _UNIT + r")" + S + r"*(?:to|[" + DASH + r",])" + S
    + r"*(?P<hi>" + SIGNED + r")(?![\d.·])(?:" + _UNIT + r")" + S + r"*[\])]?"
)
_P = re.compile(
    S + r"*\)?" + S + r"*[,;]?" + S + r"*(?:(?:[A-Za-z][\w'-]*" + S + r"+){0,6}?\()?[\[(]?" + S + r"*"
    r"(?:(?:two|one|2|1)[- ]sided" + S + r"+|stratified" + S + r"+(?:(?:two|one)[- ]sided" + S + r"+)?|adjusted" + S + r"+)?"
    r"\b[pP](?:" + S + r"*[- ]" + S + r"*values?|" + S + r"+values?)?" + S + r"*(?P<rel><=|>=|=<|≤|≥|=|<|>)" + S + r"*"
    r"(?P<p>" + UNSIGNED + r"(?:" + S + r"?[x×]" + S + r"?10" + S + r"?[\^]?[" + DASH + r"]?\d{1,2}(?!\d))?)"
)
_REL = {"=": "=", "<": "<", ">": ">", "<=": "<=", "=<": "<=", "≤": "<=", ">=": ">=", "≥": ">="}
# Words that mean a following number-with-CI is a per-arm or within-group figure, not an estimate.
_WITHIN = re.compile(r"(?i)\b(?:median|mean|average|rate|incidence|proportion|percent|prevalence|score|level|concentration|survival|change)")
_CONTRAST = re.compile(
    r"(?i)\b(?:compared" + S + r"+(?:with|to)|versus|vs\.?|than|over)" + S + r"+(?:the" + S + r"+)?[A-Za-z][^()\d;.]{0,50}?" + S + r"*\(" + S + r"*$"
)
_DIFFERENCE = re.compile(r"(?i)\bdiffer|\bbetween\b.+\band\b|\bcompared" + S + r"+(?:with|to)\b")
_OUTCOME_FOR = re.compile(r"(?i)^\W*(?:for|of|in)" + S + r"+(?P<o>[^,;:=]{2,80}?)" + S + r"+(?:was|were|is|of|=|:|,)?" + S + r"*$")


#: How far back in its sentence a rule looks (bounded, so that a text without sentence ends stays linear).
_LOOK_BACK = 300


@dataclass
class _Found:
    measure: Measure
    label: str | None
    start: int
    value_start: int
    end: int
    value: float
    unit: str
    ci: tuple[float, float, float | None] | None
    p: tuple[str, float] | None
    confidence: float
    connector: str


def _tail(text: str, found: _Found, pos: int, sentence_end: int) -> _Found:
    """Read the CI and p-value after the value ending at ``pos`` into ``found``."""
    ci_match = _CI.match(text, pos, sentence_end)
    if ci_match:
        lo, hi = parse_number(ci_match.group("lo")), parse_number(ci_match.group("hi"))
        level_text = ci_match.group("level") or ci_match.group("level2") or ci_match.group("level3")
        level = parse_number(level_text) if level_text else None
        found.ci = (min(lo, hi), max(lo, hi), level)
        pos = ci_match.end()
    else:
        bare = _BARE_CI.match(text, pos, sentence_end)
        if bare:
            lo, hi = parse_number(bare.group("lo")), parse_number(bare.group("hi"))
            lo, hi = min(lo, hi), max(lo, hi)
            # An unlabelled range counts as a CI only when it holds the value ('RR 0.8 [0.6, 1.0]').
            if lo <= found.value <= hi and (lo, hi) != (found.value, found.value):
                found.ci = (lo, hi, None)
                pos = bare.end()
    p_match = _P.match(text, pos, sentence_end)
    if p_match:
        found.p = (_REL[p_match.group("rel")], parse_number(p_match.group("p")))
        pos = p_match.end()
    found.end = balance_end(text, found.start, pos)
    return found


def _plausible(found: _Found) -> bool:
    if found.measure in _RATIOS:
        if found.value <= 0 or "%" in found.unit:
            return False
        if found.ci and found.ci[0] < 0:
            return False
        if found.unit and found.ci is None and found.p is None:
            return False  # a ratio has no unit: 'SURGERY OR 2 CYCLES' is a title in capitals, not an odds ratio
    return True


# Words a measure name can start with: the name pattern is tried only where one of them stands,
# because trying its ~20 alternatives at every character is the extractor's largest cost.
_TRIGGERS = frozenset(
    "standardized standardised cohen hedges d effect sub subdistribution hazard odds incidence incident rate relative risk "
    "absolute median weighted average mean between treatment difference differences mortality ratio geometric".split()
)
_ABBREVIATIONS = frozenset("SMD SMDs HR HRs aHR adj OR ORs aOR IRR IRRs aIRR RR RRs aRR RD RDs MD MDs WMD GMR GMRs".split())
_WORDS = re.compile(r"[A-Za-z]+")


def _names(text: str) -> list[re.Match[str]]:
    """The measure names in ``text``, in order, none overlapping another's start."""
    out: list[re.Match[str]] = []
    last_end = -1
    for word in _WORDS.finditer(text):
        token = word.group(0)
        if token.lower() not in _TRIGGERS and token not in _ABBREVIATIONS:
            continue
        if word.start() < last_end:
            continue
        name = _NAME_RE.match(text, word.start())
        if name:
            out.append(name)
            last_end = name.end()
    return out


def _named(text: str, sentences: Sentences) -> list[_Found]:
    out: list[_Found] = []
    for name in _names(text):
        group = name.lastgroup or ""
        measure = _MEASURE_OF[group]
        label_start = name.start()
        adjectives = _ADJECTIVES.search(text, max(0, label_start - 60), label_start)
        if adjectives:
            label_start = adjectives.start()
        _, sentence_end = sentences.bounds(name.start())
        tight = _TIGHT.match(text, name.end(), sentence_end)
        match = tight or _LOOSE.match(text, name.end(), sentence_end)
        if not match:
            continue
        found = _Found(
            measure=measure, label=text[label_start: name.end()], start=label_start, value_start=match.start("value"), end=match.end(),
            value=parse_number(match.group("value")), unit=match.group("unit").strip(), ci=None, p=None,
            confidence=0.95 if tight else 0.8, connector=text[name.end(): match.start("value")],
        )
        _tail(text, found, match.end(), sentence_end)
        if not tight and found.ci is None and found.p is None:
            continue  # a value far from its name needs a CI or p-value to be tied to it
        if tight and found.ci is None and found.p is None:
            after = text[match.end(): match.end() + 2]
            # A difference given with its standard error ('difference 0.16 (SE 0.11)') is an estimate without a CI.
            standard_error = _SE.match(text, match.end())
            if standard_error:
                found.end = standard_error.end()
            elif after[:1] in DASH:
                continue  # a range ('MD 3-5') is not an estimate
            elif measure in _NEED_EQUALS and not re.match(S + r"*[=:]", found.connector):
                continue  # 'difference 5 points' alone may be anything; 'MD = 5' or a CI or p-value ties it
            found.confidence = 0.75
        if measure is Measure.mean_difference and _within_group(text, sentences, found):
            continue
        sentence_start = sentences.bounds(found.start)[0]
        if _PLANNED.search(text, max(sentence_start, found.start - 100), found.start):
            continue  # a power-calculation target or margin is not a result
        if _plausible(found):
            out.append(found)
    return _dedupe(out)


# Measures whose bare value (no CI, no p-value) is proposed only after '=' or ':'.
_NEED_EQUALS = {Measure.mean_difference, Measure.other}
_SE = re.compile(S + r"*[(\[,;]" + S + r"*(?:SE|s\.e\.|standard" + S + r"+error)" + S + r"*[=:]?" + S + r"*" + UNSIGNED + r"\b")
_PLANNED = re.compile(
    r"(?i)\b(?:power(?:ed)?|detect|sample" + S + r"+size|assum\w*|hypothesi[sz]\w*|margin|expect\w*|anticipat\w*|minimal" + S
    + r"+(?:clinically" + S + r"+)?important)\b"
)
_WITHIN_CUES = re.compile(
    r"(?i)\bover" + S + r"+time\b|\bfrom" + S + r"+baseline\b|\bwithin[- ]groups?\b|\b(?:both|each)" + S + r"+(?:groups?|arms?)\b"
)


def _within_group(text: str, sentences: Sentences, found: _Found) -> bool:
    """A bare 'difference' in a sentence about change within each group is not a between-group estimate."""
    if found.label and re.search(r"(?i)between|\bmean\b|MD", found.label):
        return False
    sentence_start, _ = sentences.bounds(found.start)
    before = text[max(sentence_start, found.start - _LOOK_BACK): found.start]
    return bool(_WITHIN_CUES.search(before)) and not re.search(r"(?i)\bbetween\b", before)


def _dedupe(found: list[_Found]) -> list[_Found]:
    """One estimate per value: 'hazard ratio (HR) 0.9' names the measure twice."""
    by_value: dict[int, _Found] = {}
    for item in found:
        kept = by_value.get(item.value_start)
        if kept is None or item.start < kept.start:
            by_value[item.value_start] = item
    return sorted(by_value.values(), key=lambda f: f.start)


_UNNAMED = re.compile(r"(?<![\w.·/" + DASH + r"])" + _CURRENCY + _VALUE)


def _unnamed(text: str, sentences: Sentences, named: list[_Found]) -> list[_Found]:
    """Numbers with a labelled CI and no name: list continuations and stated differences."""
    taken = [(f.start, f.end) for f in named]
    out: list[_Found] = []
    for ci_word in re.finditer(_CI_WORD, text):
        # Walk back from the CI word to the value it follows: 'X (95% CI', 'X, 95% CI', 'X; 95% CI'.
        head = text[max(0, ci_word.start() - 40): ci_word.start()]
        back = re.search(r"(" + _CURRENCY + SIGNED + r")(?![\d.·])(" + _UNIT + r")" + S + r"*[,;(\[]?" + S + r"*(?:" + _LEVEL + r")?$", head)
        if not back:
            continue
        value_start = ci_word.start() - len(head) + back.start(1)
        if any(s <= value_start < e for s, e in taken):
            continue
        sentence_start, sentence_end = sentences.bounds(value_start)
        value_match = _UNNAMED.match(text, value_start)
        if not value_match:
            continue
        found = _Found(
            measure=Measure.other, label=None, start=value_match.start("value"), value_start=value_match.start("value"),
            end=value_match.end(), value=parse_number(value_match.group("value")), unit=value_match.group("unit").strip(),
            ci=None, p=None, confidence=0.7, connector="",
        )
        _tail(text, found, value_match.end(), sentence_end)
        if found.ci is None or found.ci[2] is None and not re.search(_CI_WORD, text[found.start: found.end]):
            continue
        previous = [f for f in named if sentence_start <= f.start and f.end <= found.start]
        if previous:
            gap = text[previous[-1].end: found.start]
            if len(gap) > 90 or re.search(r"\d", gap) or _WITHIN.search(gap):
                continue
            found.measure = previous[-1].measure
        else:
            before = text[max(sentence_start, found.start - 160): found.start]
            # 'X compared with placebo (0.73 points; 95% CI ...)': the bracket right after the comparison holds its difference.
            contrast = _CONTRAST.search(before)
            opened = re.search(r"(?:[(:,]|\((?:e\.g\.|i\.e\.))" + S + r"*$", before)
            if not contrast and (not _DIFFERENCE.search(before) or _WITHIN.search(before[-60:]) or not opened):
                continue
            found.measure, found.confidence = Measure.mean_difference, 0.6
        if _plausible(found):
            out.append(found)
            taken.append((found.start, found.end))
    return out


def _outcome(text: str, sentences: Sentences, found: _Found) -> tuple[str, Span] | None:
    """The outcome phrase: 'for OS' in the connector, or the words before the bracket the estimate opens."""
    if found.label is not None:
        match = _OUTCOME_FOR.match(found.connector)
        if match:
            # 'for overall survival with drug X versus placebo': the arms are not the outcome.
            outcome = re.split(r"\s+(?:with|versus|vs\.?|in\s+the|among|compared)\s", match.group("o"), maxsplit=1)[0]
            base = found.start + len(found.label or "") + match.start("o")
            return outcome, Span.of(text, base, base + len(outcome))
    sentence_start, _ = sentences.bounds(found.start)
    bounds = clause_before(text, max(sentence_start, found.start - _LOOK_BACK), found.start, subject=True)
    if bounds is None:
        return None
    return text[bounds[0]: bounds[1]], Span.of(text, *bounds)


_ARMS = re.compile(
    r"(?i)(?:with|for|of|in)" + S + r"+(?:the" + S + r"+)?(?P<a>[A-Za-z][\w/+\-]*(?:" + S + r"+[\w/+\-]+){0,3}?)(?:" + S + r"+(?:groups?|arms?))?"
    + S + r"+(?:versus|vs\.?|compared" + S + r"+(?:with|to)|in" + S + r"+comparison" + S + r"+with|relative" + S + r"+to)" + S
    + r"+(?:the" + S + r"+)?(?P<b>[A-Za-z][\w/+\-]*(?:" + S + r"+(?!groups?\b|arms?\b|was\b|were\b)[\w/+\-]+){0,3}?)(?=" + S
    + r"*(?:groups?|arms?)?" + S + r"*(?:\(|,|;|was|were|is|$))"
)


_BETWEEN = re.compile(
    r"(?i)\bbetween" + S + r"+(?:the" + S + r"+)?(?P<a>[A-Za-z][\w/+\-]*(?:" + S + r"+(?!and\b)[\w/+\-]+){0,3}?)" + S + r"+and" + S
    + r"+(?:the" + S + r"+)?(?P<b>[A-Za-z][\w/+\-]*(?:" + S + r"+(?!groups?\b|arms?\b)[\w/+\-]+){0,3}?)" + S + r"+(?:groups?|arms?)\b"
)


def _arms(text: str, sentences: Sentences, found: _Found) -> tuple[str, ...]:
    """Experimental then comparator arm, when the clause names them: 'with X versus Y', 'between the X and Y groups'."""
    sentence_start, _ = sentences.bounds(found.start)
    context = text[max(sentence_start, found.start - _LOOK_BACK): found.start] + found.connector
    matches = [m for regex in (_ARMS, _BETWEEN) for m in regex.finditer(context)]
    if not matches:
        return ()
    last = max(matches, key=lambda m: m.end())  # the comparison nearest the estimate
    return (last.group("a"), last.group("b"))


def find_estimates(text: str, sentences: Sentences) -> list[EffectEstimate]:
    """Every effect estimate in ``text`` that can be tied to a measure."""
    named = _named(text, sentences)
    everything = sorted(named + _unnamed(text, sentences, named), key=lambda f: f.start)
    estimates = []
    for found in everything:
        outcome = _outcome(text, sentences, found)
        ci_lower, ci_upper, level = found.ci if found.ci else (None, None, None)
        estimates.append(
            EffectEstimate(
                measure=found.measure, value=found.value, ci_lower=ci_lower, ci_upper=ci_upper, ci_level=level,
                p_relation=found.p[0] if found.p else None, p_value=found.p[1] if found.p else None,  # type: ignore[arg-type]
                measure_label=found.label, outcome=outcome[0] if outcome else None, outcome_span=outcome[1] if outcome else None,
                arms=_arms(text, sentences, found), span=Span.of(text, found.start, found.end), confidence=found.confidence,
            )
        )
    return estimates
