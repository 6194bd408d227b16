"""Trial registry numbers: ClinicalTrials.gov ``NCT`` followed by eight digits."""

from __future__ import annotations

import re

from kb.extraction.model import RegistryNumber, Span

__all__ = ["find_registry_numbers"]

# 'NCT00056160', 'NCT 00056160' and 'NCT-00056160' are all written; the id is normalized.
_NCT = re.compile(r"\bNCT[ \u00a0-]?(\d{8})(?!\d)")


def find_registry_numbers(text: str) -> list[RegistryNumber]:
    """Each NCT number in ``text``, once per mention, normalized to ``NCT########``."""
    return [RegistryNumber(nct=f"NCT{m.group(1)}", span=Span.of(text, m.start(), m.end())) for m in _NCT.finditer(text)]
