"""Mechanism statements: 'X down-regulates interleukin-6 and activates caspase 8 in vitro'."""

from __future__ import annotations

from kb.extraction.model import MechanismStatement
from kb.extraction.rules.text import Sentences

__all__ = ["find_mechanisms"]


def find_mechanisms(text: str, sentences: Sentences, vocabulary: object | None) -> list[MechanismStatement]:
    """Drug-direction-target claims, one per target."""
    return []
