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
