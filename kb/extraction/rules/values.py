"""Per-arm values ('median 11.1 vs 4.7 months', '61.0% vs 19.9%') and adverse-event rates."""

from __future__ import annotations

from kb.extraction.model import AdverseEventRate, ArmValues
from kb.extraction.rules.text import Sentences

__all__ = ["find_arm_values", "find_adverse_events"]


def find_arm_values(text: str, sentences: Sentences) -> list[ArmValues]:
    """Per-arm values of an outcome, in the order written."""
    return []


def find_adverse_events(text: str, sentences: Sentences) -> list[AdverseEventRate]:
    """Adverse-event rates with their grade range."""
    return []
