"""Extraction of trial findings from abstracts: proposals with exact spans, and their evaluation.

:mod:`.model` holds the proposal models and the :class:`Extractor` protocol;
:class:`kb.extraction.rules.RuleBasedExtractor` is the default, rule-based extractor
(no network, no model); :func:`kb.extraction.evaluate.evaluate` scores an extractor on a gold
file (the schema of the project's ``extraction/README.md``).
"""

from kb.extraction.model import (
    METHOD,
    AdverseEventRate,
    ArmSize,
    ArmValues,
    EffectEstimate,
    Extraction,
    Extractor,
    Measure,
    MechanismStatement,
    RegistryNumber,
    Span,
    TotalRandomized,
)

__all__ = [
    "METHOD",
    "AdverseEventRate",
    "ArmSize",
    "ArmValues",
    "EffectEstimate",
    "Extraction",
    "Extractor",
    "Measure",
    "MechanismStatement",
    "RegistryNumber",
    "Span",
    "TotalRandomized",
]
