"""Extraction proposals as a draft source: one findings document per publication.

An :class:`~kb.extraction.model.Extraction` of a publication's abstract becomes a
:class:`~kb.models.FindingsDocument` of its own source, ``extraction-pmid-N`` (else
``extraction-doi-...``): one named graph per publication, ``status: draft``, method
``automatic_extraction``, the extractor (name and version) as its software agent. Re-extracting
the same publication, with any extractor version, replaces that graph (same source id).

Every finding keeps its quote and the offsets of the quote in the abstract *as the KB stores
it* (``dcterms:abstract``, :func:`kb.rdf.bibliographic.abstract_text`), which the mapping writes
as W3C Web Annotation selectors. How proposals attach to a trial and arms
(``docs/decisions/0010-extraction-drafts.md``):

- the trial is the NCT number the abstract states (else the publication's own registry number):
  the registry's trial node; without one, a trial node of this draft source (one per publication);
- arms are named as written (an arm key is the label's slug); a comparison or per-arm value whose
  arms the text does not name gets placeholder arms, labelled so, for the curator to name;
- a proposal the findings model rejects (a ratio CI that does not contain its estimate ...) is
  not loaded; :attr:`Draft.skipped` says which and why.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pydantic import ValidationError

from kb.extraction.model import (
    METHOD, AdverseEventRate, ArmValues, EffectEstimate, Extraction, Measure, MechanismStatement, Span,
)
from kb.models import (
    AdverseEventResult, Agent, Arm, ArmEventCount, ArmMeasurement, Comparison, CurationStatus, EffectMeasure,
    ExtractionMethod, FindingsDocument, Grade, MechanismClaim, OutcomeResult, PRelation, Provenance, Publication,
    SourceInfo, Statistic, Trial,
)
from kb.models.source_ids import publication_label

__all__ = ["Draft", "draft_source_id", "draft_document", "UNNAMED_OUTCOME", "TRIAL_KEY", "LOCATION"]

#: The outcome of an estimate whose outcome the text does not name near it.
UNNAMED_OUTCOME = "outcome not named in the text"
#: The key of the one trial of a draft document.
TRIAL_KEY = "trial"
#: Where every draft's quote is: the publication's abstract, as stored.
LOCATION = "abstract"
#: The prefix of every draft source id.
PREFIX = "extraction-"

_SLUG = re.compile(r"[^a-z0-9]+")
_RATIOS = {Measure.hazard_ratio, Measure.odds_ratio, Measure.risk_ratio}
_MEASURES = {m.value: EffectMeasure(m.value) for m in Measure if m.value in EffectMeasure.__members__}


def draft_source_id(publication: Publication) -> str:
    """The draft source of a publication: ``extraction-pmid-N``, else ``extraction-doi-...``, else a title digest.

    >>> draft_source_id(Publication(pmid="17898969", doi="10.1056/NEJMoa070596"))
    'extraction-pmid-17898969'
    >>> draft_source_id(Publication(doi="10.1056/NEJMoa070596"))
    'extraction-doi-10.1056_nejmoa070596'
    """
    return PREFIX + publication_label(publication, pmid_first=True)


@dataclass
class Draft:
    """The draft document of one publication, and the proposals left out of it (with why)."""

    document: FindingsDocument
    extraction: Extraction
    skipped: list[str] = field(default_factory=list)

    @property
    def source_id(self) -> str:
        return self.document.source.id

    @property
    def count(self) -> int:
        """Findings in the document (outcome results, adverse events, mechanism claims)."""
        d = self.document
        return len(d.outcome_results) + len(d.adverse_events) + len(d.mechanisms)


def _slug(label: str) -> str:
    slug = _SLUG.sub("-", label.casefold()).strip("-")[:60].strip("-")
    return slug or "arm-" + hashlib.sha256(label.encode("utf-8")).hexdigest()[:8]


def _trimmed(span: Span) -> Span | None:
    """The span without surrounding whitespace (records strip their strings); None if nothing is left."""
    lead = len(span.quote) - len(span.quote.lstrip())
    quote = span.quote.strip()
    if not quote:
        return None
    return Span(start=span.start + lead, end=span.start + lead + len(quote), quote=quote)


class _Builder:
    """Collects the trial's arms and the findings of one extraction."""

    def __init__(self, extraction: Extraction) -> None:
        self.extraction = extraction
        self.arms: dict[str, Arm] = {}
        self.skipped: list[str] = []
        # The arms the abstract's arm sizes name, in the order written (keys): arms first, so that
        # proposals naming no arm can be tied to them.
        self.sized: dict[str, None] = {}
        for size in extraction.arm_sizes:
            if size.label:
                self.sized.setdefault(self.arm(size.label, size.n), None)
            else:
                self.skipped.append(f"arm size {size.n} at {size.span.start}: the text names no arm for it")

    def arm(self, label: str, n: int | None = None) -> str:
        key = _slug(label)
        held = self.arms.get(key)
        if held is None:
            self.arms[key] = Arm(key=key, label=label.strip(), n_randomized=n)
        elif n is not None and held.n_randomized is None:
            self.arms[key] = held.model_copy(update={"n_randomized": n})
        return key

    def placeholder(self, position: int) -> str:
        key = f"unnamed-arm-{position}"
        self.arms.setdefault(key, Arm(key=key, label=f"arm {position} as written (not named in the text)"))
        return key

    def arm_keys(self, named: Sequence[str], count: int) -> list[str]:
        """Keys for ``count`` arms in the order written: the names the proposal gives; else, when the
        abstract names exactly ``count`` arms (its arm sizes), those in the order written; else placeholders."""
        if len(named) == count and len({_slug(n) for n in named}) == count:
            return [self.arm(label) for label in named]
        if count >= 2 and len(self.sized) == count:
            return list(self.sized)
        return [self.placeholder(position) for position in range(1, count + 1)]

    def provenance(self, span: Span, confidence: float, what: str, written: str | None = None) -> Provenance | None:
        trimmed = _trimmed(span)
        if trimmed is None:
            self.skipped.append(f"{what}: empty quote at {span.start}-{span.end}")
            return None
        e = self.extraction
        return Provenance(
            quote=trimmed.quote, quote_start=trimmed.start, quote_end=trimmed.end, location=LOCATION,
            note=f"proposed by {e.extractor} {e.version}, confidence {confidence:.2f}" + (f"; as written: {written}" if written else ""),
        )

    def attempt(self, what: str, build: object) -> bool:
        """Run ``build`` (a callable); a proposal the findings model rejects is skipped, with why."""
        try:
            build()  # type: ignore[operator]
        except ValidationError as error:
            problems = "; ".join(f"{'.'.join(map(str, p['loc'])) or 'value'}: {p['msg']}" for p in error.errors())
            self.skipped.append(f"{what}: {problems}")
            return False
        return True


def _comparison(estimate: EffectEstimate, arm: str, reference: str) -> Comparison:
    measure = _MEASURES.get(estimate.measure.value, EffectMeasure.other)
    label = estimate.measure_label
    if measure is EffectMeasure.other and not label:
        label = estimate.measure.value.replace("_", " ")
    return Comparison(
        arm=arm, reference_arm=reference, measure=measure, estimate=estimate.value,
        ci_lower=estimate.ci_lower, ci_upper=estimate.ci_upper,
        ci_level=estimate.ci_level / 100 if estimate.ci_level is not None else None,
        p_value=estimate.p_value, p_relation=PRelation(estimate.p_relation or "="), measure_label=label,
    )


def _grade(event: AdverseEventRate) -> Grade:
    """The proposal's grade category (its ``grade``: 'unspecified' for a range the model has no category for)."""
    return Grade(event.grade)


def _add_estimates(builder: _Builder, results: list[OutcomeResult]) -> None:
    for estimate in builder.extraction.estimates:
        what = f"estimate {estimate.span.quote!r} at {estimate.span.start}"
        provenance = builder.provenance(estimate.span, estimate.confidence, what)
        if provenance is None:
            continue
        arm, reference = builder.arm_keys(estimate.arms[:2], 2)  # the first arm written against the second
        builder.attempt(what, lambda: results.append(OutcomeResult(
            key=f"estimate-{estimate.span.start}-{estimate.span.end}", trial=TRIAL_KEY,
            outcome=estimate.outcome or UNNAMED_OUTCOME, comparisons=(_comparison(estimate, arm, reference),),
            provenance=provenance,
        )))


def _add_arm_values(builder: _Builder, results: list[OutcomeResult]) -> None:
    for values in builder.extraction.arm_values:
        what = f"per-arm values {values.span.quote!r} at {values.span.start}"
        provenance = builder.provenance(values.span, values.confidence, what)
        if provenance is None:
            continue
        keys = builder.arm_keys(values.arms, len(values.values))
        builder.attempt(what, lambda: results.append(OutcomeResult(
            key=f"values-{values.span.start}-{values.span.end}", trial=TRIAL_KEY,
            outcome=values.outcome or UNNAMED_OUTCOME,
            measurements=tuple(_measurement(values, key, value) for key, value in zip(keys, values.values)),
            provenance=provenance,
        )))


def _measurement(values: ArmValues, arm: str, value: float) -> ArmMeasurement:
    return ArmMeasurement(arm=arm, statistic=Statistic(values.statistic), value=value, unit=values.unit)


def _add_adverse_events(builder: _Builder, events: list[AdverseEventResult]) -> None:
    for event in builder.extraction.adverse_events:
        what = f"adverse event {event.span.quote!r} at {event.span.start}"
        written = f"{event.event!r}" if event.event_curie else None
        provenance = builder.provenance(event.span, event.confidence, what, written)
        if provenance is None:
            continue
        keys = builder.arm_keys(event.arms, len(event.values))
        builder.attempt(what, lambda: events.append(AdverseEventResult(
            key=f"event-{event.span.start}-{event.span.end}", trial=TRIAL_KEY, event=event.event_curie or event.event, grade=_grade(event),
            arms=tuple(ArmEventCount(arm=key, percent=value) for key, value in zip(keys, event.values)),
            provenance=provenance,
        )))


def _add_mechanisms(builder: _Builder, claims: list[MechanismClaim]) -> None:
    for statement in builder.extraction.mechanisms:
        what = f"mechanism {statement.drug!r} -> {statement.target!r} at {statement.span.start}"
        written = f"{statement.drug_span.quote!r} -> {statement.target_span.quote!r}"
        provenance = builder.provenance(statement.span, statement.confidence, what, written)
        if provenance is None:
            continue
        key = f"mechanism-{statement.span.start}-{statement.target_span.start}-{statement.target_span.end}"
        builder.attempt(what, lambda: claims.append(_claim(statement, key, provenance)))


def _claim(statement: MechanismStatement, key: str, provenance: Provenance) -> MechanismClaim:
    return MechanismClaim(
        key=key, drug=statement.drug_curie or statement.drug, target=statement.target_curie or statement.target,
        direction=statement.direction, aspect=statement.aspect, mechanism=statement.mechanism, system=statement.system,
        provenance=provenance,
    )


def _trial(builder: _Builder, publication: Publication) -> Trial:
    """The one trial: the stated NCT number (else the publication's), else a trial of this source."""
    extraction = builder.extraction
    ncts = [number.nct for number in extraction.registry_numbers] or list(publication.registry_ids)
    total = extraction.total_randomized.n if extraction.total_randomized else None
    if ncts:
        return Trial(key=TRIAL_KEY, registry_ids=(ncts[0],), enrollment=total, arms=tuple(builder.arms.values()))
    title = publication.title or f"trial reported in {publication.pmid or publication.doi or 'this text'}"
    return Trial(key=TRIAL_KEY, title=title, enrollment=total, arms=tuple(builder.arms.values()))


def draft_document(extraction: Extraction, publication: Publication, *, origin: str | None = None) -> Draft:
    """The draft findings document of ``publication`` from ``extraction`` of its stored abstract.

    ``publication`` identifies the paper (DOI, PMID; its registry numbers attach the trial when
    the abstract states none); only its identifiers go into the document, so the draft source
    adds findings to the KB's publication node, not a second copy of its record. ``origin`` names
    the source whose abstract was read (its text is what the spans index).
    """
    builder = _Builder(extraction)
    results: list[OutcomeResult] = []
    events: list[AdverseEventResult] = []
    claims: list[MechanismClaim] = []
    _add_estimates(builder, results)
    _add_arm_values(builder, results)
    _add_adverse_events(builder, events)
    _add_mechanisms(builder, claims)
    trial = _trial(builder, publication)
    needs_trial = bool(results or events or extraction.arm_sizes or extraction.total_randomized or extraction.registry_numbers)
    reference = Publication(doi=publication.doi, pmid=publication.pmid, pmcid=publication.pmcid,
                            title=None if (publication.doi or publication.pmid or publication.pmcid) else publication.title)
    where = f"the abstract as source {origin} stores it" if origin else "the text given"
    source = SourceInfo(
        id=draft_source_id(publication), publication=reference, status=CurationStatus.draft,
        method=ExtractionMethod(METHOD),
        agent=Agent(name=f"{extraction.extractor} extractor {extraction.version}", software=True, version=extraction.version),
        note=f"Proposals of the {extraction.extractor} extractor {extraction.version} from {where}; every quote's "
             f"offsets index that text. Drafts: awaiting curation.",
    )
    document = FindingsDocument(
        source=source, trials=(trial,) if needs_trial else (),
        outcome_results=tuple(results), adverse_events=tuple(events), mechanisms=tuple(claims),
    )
    return Draft(document, extraction, builder.skipped)


def drafts_for(pairs: Iterable[tuple[Extraction, Publication, str | None]]) -> list[Draft]:
    """:func:`draft_document` of each (extraction, publication, origin)."""
    return [draft_document(extraction, publication, origin=origin) for extraction, publication, origin in pairs]
