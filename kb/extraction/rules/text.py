"""Text helpers shared by the rule modules: sentence bounds and bracket balance."""

from __future__ import annotations

import bisect
import re

__all__ = ["Sentences", "S", "balance_end"]

#: A horizontal space of any kind (thin, hair, no-break...), never a newline.
S = r"[^\S\n]"

# A sentence ends at a newline, or at . ! ? followed by space and a capital/digit/bracket.
# A decimal point ('0.72') is never followed by a space, so it never ends a sentence; 'vs.'
# and 'et al.' are followed by lower-case words or numbers in practice, and are excluded below.
_END = re.compile(r"\n+|[.!?](?=[ \u00a0]+[A-Z(\[])(?<!\bvs\.)(?<!\bal\.)(?<!\bi\.e\.)(?<!\be\.g\.)(?<!\bFig\.)")


class Sentences:
    """The sentence bounds of one text, found once; ``bounds(i)`` gives the sentence around ``i``."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._ends = [m.end() for m in _END.finditer(text)]

    def bounds(self, index: int) -> tuple[int, int]:
        """(start, end) of the sentence holding character ``index``."""
        position = bisect.bisect_right(self._ends, index)
        start = self._ends[position - 1] if position else 0
        end = self._ends[position] if position < len(self._ends) else len(self.text)
        return start, end

    def having(self, keywords: re.Pattern[str]) -> list[tuple[int, int]]:
        """The sentences in which ``keywords`` occurs: the heavier rules run only there (speed)."""
        out: list[tuple[int, int]] = []
        for match in keywords.finditer(self.text):
            if out and match.start() < out[-1][1]:
                continue
            out.append(self.bounds(match.start()))
        return out

    def spans(self) -> list[tuple[int, int]]:
        """Every sentence's (start, end), in order."""
        starts = [0, *self._ends]
        ends = [*self._ends, len(self.text)]
        return [(s, e) for s, e in zip(starts, ends) if self.text[s:e].strip()]


def balance_end(text: str, start: int, end: int) -> int:
    """Extend ``end`` over closing brackets that close brackets opened inside ``text[start:end]``."""
    depth = 0
    for char in text[start:end]:
        if char in "([":
            depth += 1
        elif char in ")]":
            depth -= 1
    while depth > 0:
        probe = end
        while probe < len(text) and text[probe] in " \u00a0\u2009\u200a":
            probe += 1
        if probe < len(text) and text[probe] in ")]":
            end = probe + 1
            depth -= 1
        else:
            break
    return end


_CLAUSE_TAIL = re.compile(r"(?:\s|\(|\[|:|=|\b(?:was|were|is|are|of|at|reached|by)\b)*$", re.IGNORECASE)
_LEADING = re.compile(r"^(?:(?:and|but|or|with|while|whereas|respectively|however|also)\b\s*)+", re.IGNORECASE)
_VERB = re.compile(r"\s\b(?:was|were|is|are|did|does|had|has|have|showed|reached|improved|decreased|increased|declined|differed)\b", re.IGNORECASE)
_ARM_PHRASE = re.compile(r"(?i)^(?:in|for|with)\s+(?:the\s+)?\S+(?:\s+\S+){0,4}\s+(?:groups?|arms?)$|^(?:in|for|with)\s")


# Clauses that hold figures or comparisons, or only filler words, name no outcome.
_NOT_A_PHRASE = re.compile(r"(?i)%|\b(?:versus|vs)\b|^(?:was|were|is|are)\b")
_EMPTY_WORDS = frozenset(
    "there the this it an a these that which difference differences adjusted effect effects overall result results "
    "analysis analyses significantly significant not".split()
)


def clause_before(text: str, start: int, end: int, *, subject: bool = False) -> tuple[int, int] | None:
    """The clause of ``text[start:end]`` that ends at ``end`` (after the last , ; : or bracket), as (start, end).

    Trailing linking words ('was', 'of', '(') and leading conjunctions are dropped; with
    ``subject``, a clause with a verb is cut to what precedes the verb ('Median OS was 10 vs').
    None when nothing is left or what is left names an arm ('in the placebo group').
    """
    before = text[start:end]
    before = before[: _CLAUSE_TAIL.search(before).start()]  # type: ignore[union-attr]  # matches the empty string
    cut = max(before.rfind(c) for c in ",;:()[]\n")
    first = cut + 1
    # Do not start inside a word: the window may have cut one.
    while first < len(before) and first > 0 and before[first - 1].isalnum() and before[first].isalnum():
        first += 1
    clause = before[first:]
    lead = _LEADING.match(clause.lstrip())
    offset = len(clause) - len(clause.lstrip()) + (lead.end() if lead else 0)
    clause = clause[offset:]
    if subject:
        verb = _VERB.search(clause)
        if verb and verb.start() > 0:
            clause = clause[: verb.start()]
    clause = clause.rstrip()
    if not clause or _ARM_PHRASE.search(clause) or not re.search(r"[A-Za-z]{2}", clause) or _NOT_A_PHRASE.search(clause):
        return None
    if all(word.lower() in _EMPTY_WORDS for word in re.findall(r"[A-Za-z]+", clause)):
        return None
    begin = start + first + offset
    return begin, begin + len(clause)
