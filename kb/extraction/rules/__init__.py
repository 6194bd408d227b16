"""The rule-based extractor: regular expressions over the styles trial abstracts use.

No network and no model: :class:`RuleBasedExtractor` is the default extractor (entry point
``rules`` in the group ``trial_evidence_kb.extractors``). Each kind of proposal has its own
module: :mod:`.estimates`, :mod:`.arms` (arm sizes, total randomized), :mod:`.values` (per-arm
values, adverse-event rates), :mod:`.mechanisms` and :mod:`.registry`.
"""

from __future__ import annotations

from kb.extraction.model import Extraction
from kb.extraction.rules.arms import find_arm_sizes, find_total_randomized
from kb.extraction.rules.estimates import find_estimates
from kb.extraction.rules.mechanisms import find_mechanisms
from kb.extraction.rules.registry import find_registry_numbers
from kb.extraction.rules.text import Sentences
from kb.extraction.rules.values import find_adverse_events, find_arm_values
from kb.vocab import get_vocabulary

__all__ = ["RuleBasedExtractor", "VERSION"]

#: Bump when a rule changes what is proposed: re-extraction replaces drafts of older versions.
VERSION = "0.1.0"


class RuleBasedExtractor:
    """Effect estimates, arm sizes, totals, per-arm values, adverse events, mechanisms and NCT numbers.

    >>> extraction = RuleBasedExtractor().extract("Survival was longer (HR 0.72, 95% CI 0.61-0.85; P<0.001).")
    >>> estimate = extraction.estimates[0]
    >>> estimate.measure.value, estimate.value, estimate.ci_lower, estimate.ci_upper, estimate.p_value
    ('hazard_ratio', 0.72, 0.61, 0.85, 0.001)
    >>> estimate.span.quote
    'HR 0.72, 95% CI 0.61-0.85; P<0.001'
    """

    name = "rules"
    version = VERSION

    def __init__(self, vocabulary: object | None = None) -> None:
        """``vocabulary`` (a :class:`kb.vocab.Vocabulary`) resolves mechanism drugs and targets and adverse events; None: the bundled one."""
        self._vocabulary = vocabulary

    def extract(self, text: str, *, text_id: str | None = None) -> Extraction:
        """Every proposal for ``text``; each span indexes ``text`` itself."""
        sentences = Sentences(text)
        vocabulary = self._vocabulary if self._vocabulary is not None else get_vocabulary()
        estimates = find_estimates(text, sentences)
        arm_sizes = find_arm_sizes(text, sentences)
        adverse_events = find_adverse_events(text, sentences, vocabulary)
        # Figures read as an adverse event's rates are not proposed a second time as an outcome's values.
        arm_values = [v for v in find_arm_values(text, sentences) if not any(a.span.overlaps(v.span.start, v.span.end) for a in adverse_events)]
        return Extraction(
            text_id=text_id,
            extractor=self.name,
            version=self.version,
            estimates=tuple(estimates),
            arm_sizes=tuple(arm_sizes),
            total_randomized=find_total_randomized(text, sentences, arm_sizes),
            arm_values=tuple(arm_values),
            adverse_events=tuple(adverse_events),
            mechanisms=tuple(find_mechanisms(text, sentences, vocabulary)),
            registry_numbers=tuple(find_registry_numbers(text)),
        )
