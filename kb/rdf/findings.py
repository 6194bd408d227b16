"""Findings to triples: outcome results, adverse-event results, mechanism claims.

Each finding is a node (n-ary pattern) carrying its numbers, analysis, curation status
and provenance; a mechanism claim also gets a direct RO edge when a verified RO
predicate fits its direction and aspect.
"""

from __future__ import annotations

import pyoxigraph as ox

from kb.models import (
    AdverseEventResult,
    Aspect,
    CurationStatus,
    Direction,
    ExtractionMethod,
    MechanismClaim,
    MechanismKind,
    OutcomeResult,
    Provenance,
)
from kb.models.provenance import Agent
from kb.namespaces import DCTERMS, FOAF, OBO, PROV, RDF, RDFS, TEKB
from kb.rdf.context import MappingContext
from kb.rdf.iris import IriScheme
from kb.rdf.terms import boolean, date_time, decimal, integer, iri, optional_string, string

__all__ = ["FindingDefaults", "add_outcome_result", "add_adverse_event", "add_mechanism", "add_agent"]

# Units with a verified Unit Ontology term (../shared/vocabulary.md 1b).
_UO_UNITS = {"month": OBO.UO_0000035, "months": OBO.UO_0000035, "percent": OBO.UO_0000187, "%": OBO.UO_0000187, "count": OBO.UO_0000189}
# RO predicates verified for chemical-to-target statements (vocabulary.md 1d).
_RO_BY_EFFECT = {
    (Direction.decreased, Aspect.activity): OBO.RO_0011016,  # indirectly negatively regulates activity of
    (Direction.decreased, Aspect.abundance): OBO.RO_0011023,  # indirectly negatively regulates quantity of
    (Direction.increased, Aspect.activity): OBO.RO_0011013,  # indirectly positively regulates activity of
}
_RO_MOLECULARLY_INTERACTS = OBO.RO_0002436
_HAS_EVIDENCE = OBO.RO_0002558
_CLINICAL_STUDY_EVIDENCE = OBO.ECO_0007121  # clinical study evidence used in manual assertion
_AUTHOR_STATEMENT = OBO.ECO_0000304  # author statement supported by traceable reference, manual assertion


class FindingDefaults:
    """What a finding inherits from its source: publication, status, method, agent, arm IRIs."""

    def __init__(
        self,
        publication: ox.NamedNode,
        status: CurationStatus,
        method: ExtractionMethod,
        agent: ox.NamedNode | None,
        trials: dict[str, ox.NamedNode],
        analyses: dict[str, ox.NamedNode],
        labels: dict[str, str] | None = None,
        arm_drugs: dict[str, list[ox.NamedNode]] | None = None,
    ) -> None:
        self.publication = publication
        self.status = status
        self.method = method
        self.agent = agent
        self.trials = trials
        self.analyses = analyses
        self.labels = labels or {}  # trial and arm IRIs -> their label in this source
        self.arm_drugs = arm_drugs or {}  # arm IRIs -> the drugs the arm receives in this source

    def arm(self, trial_key: str, arm_key: str) -> ox.NamedNode:
        return iri(IriScheme.arm(self.trials[trial_key].value, arm_key))

    def compared_drugs(self, arm: ox.NamedNode, reference_arm: ox.NamedNode) -> list[ox.NamedNode]:
        """The drugs exactly one of the two arms receives in this source, in the order first named."""
        arm_drugs = self.arm_drugs.get(arm.value, [])
        reference_drugs = self.arm_drugs.get(reference_arm.value, [])
        both = [*arm_drugs, *reference_drugs]
        return [drug for drug in dict.fromkeys(both) if (drug in arm_drugs) != (drug in reference_drugs)]

    def label(self, node: ox.NamedNode) -> ox.Literal | None:
        """The label this source gives a trial or arm node, as a literal (None if it gives none)."""
        text = self.labels.get(node.value)
        return string(text) if text else None


def add_agent(context: MappingContext, agent: Agent) -> ox.NamedNode:
    """Describe a curator or program as a PROV agent; return its node."""
    node = iri(context.iris.agent(agent.name, agent.orcid))
    kind = PROV.SoftwareAgent if agent.software else (PROV.Person if agent.orcid else PROV.Agent)
    context.add(node, RDF.type, iri(kind))
    context.add(node, FOAF.name, string(agent.name))
    if agent.version:
        context.add(node, RDFS.comment, string(f"version {agent.version}"))
    return node


def _add_common(
    context: MappingContext,
    node: ox.NamedNode,
    key: str,
    status: CurationStatus | None,
    provenance: Provenance | None,
    defaults: FindingDefaults,
    evidence: str,
) -> None:
    add = context.add
    add(node, TEKB.key, string(key))
    add(node, TEKB.curationStatus, string((status or defaults.status).value))
    add(node, PROV.wasDerivedFrom, defaults.publication)
    add(node, _HAS_EVIDENCE, iri(evidence))
    method = provenance.method if provenance and "method" in provenance.model_fields_set else defaults.method
    add(node, TEKB.extractionMethod, string(method.value))
    agent = add_agent(context, provenance.agent) if provenance and provenance.agent else defaults.agent
    add(node, PROV.wasAttributedTo, agent)
    if provenance is None:
        return
    add(node, TEKB.quote, optional_string(provenance.quote))
    add(node, TEKB.quoteStart, integer(provenance.quote_start) if provenance.quote_start is not None else None)
    add(node, TEKB.quoteEnd, integer(provenance.quote_end) if provenance.quote_end is not None else None)
    if provenance.quote is not None and provenance.quote_start is not None and provenance.quote_end is not None:
        _add_text_annotation(context, node, defaults.publication, provenance.quote, provenance.quote_start, provenance.quote_end)
    add(node, TEKB.sourceLocation, optional_string(provenance.location))
    add(node, RDFS.comment, optional_string(provenance.note))
    if provenance.time is not None:
        add(node, PROV.generatedAtTime, date_time(provenance.time.isoformat()))


#: The W3C Web Annotation vocabulary (https://www.w3.org/TR/annotation-vocab/).
_OA = "http://www.w3.org/ns/oa#"


def _add_text_annotation(context: MappingContext, node: ox.NamedNode, publication: ox.NamedNode, quote: str, start: int, end: int) -> None:
    """A quote with its offsets as a W3C Web Annotation: the finding is the body, the target the
    publication's text selected by a TextQuoteSelector (the quote) and a TextPositionSelector (its
    offsets in the publication's dcterms:abstract). Written only for quotes with offsets (extraction
    proposals, and the findings files curated from them): tekb:quote/quoteStart/quoteEnd stay."""
    add = context.add
    annotation = iri(context.iris.part(node.value, "annotation", 1))
    target = iri(context.iris.part(node.value, "text-target", 1))
    quote_selector = iri(context.iris.part(node.value, "quote-selector", 1))
    position_selector = iri(context.iris.part(node.value, "position-selector", 1))
    add(annotation, RDF.type, iri(_OA + "Annotation"))
    add(annotation, iri(_OA + "motivatedBy"), iri(_OA + "describing"))
    add(annotation, iri(_OA + "hasBody"), node)
    add(annotation, iri(_OA + "hasTarget"), target)
    add(target, RDF.type, iri(_OA + "SpecificResource"))
    add(target, iri(_OA + "hasSource"), publication)
    add(target, iri(_OA + "hasSelector"), quote_selector)
    add(target, iri(_OA + "hasSelector"), position_selector)
    add(quote_selector, RDF.type, iri(_OA + "TextQuoteSelector"))
    add(quote_selector, iri(_OA + "exact"), string(quote))
    add(position_selector, RDF.type, iri(_OA + "TextPositionSelector"))
    add(position_selector, iri(_OA + "start"), integer(start))
    add(position_selector, iri(_OA + "end"), integer(end))


def _add_trial_result(
    context: MappingContext,
    result: OutcomeResult | AdverseEventResult,
    node: ox.NamedNode,
    kind: str,
    defaults: FindingDefaults,
) -> None:
    """What every result of a trial has: its type, common provenance, trial and analysis."""
    context.add(node, RDF.type, iri(kind))
    _add_common(context, node, result.key, result.status, result.provenance, defaults, _CLINICAL_STUDY_EVIDENCE)
    context.add(node, TEKB.inTrial, defaults.trials[result.trial])
    # Derived at write time: the trial's label as this source gives it, read without a GRAPH lookup.
    context.add(node, TEKB.trialLabel, defaults.label(defaults.trials[result.trial]))
    context.add(node, TEKB.analysis, defaults.analyses.get(result.analysis) if result.analysis else None)


def _number(value: float | None) -> ox.Literal | None:
    return decimal(value) if value is not None else None


def _count(value: int | None) -> ox.Literal | None:
    return integer(value) if value is not None else None


def add_outcome_result(context: MappingContext, result: OutcomeResult, node: ox.NamedNode, defaults: FindingDefaults, path: str) -> None:
    """Describe an outcome result with its per-arm measurements and comparisons."""
    add = context.add
    _add_trial_result(context, result, node, TEKB.OutcomeResult, defaults)
    add(node, TEKB.outcome, context.concept(result.outcome, "outcome", f"{path}.outcome"))
    add(node, TEKB.outcomeText, string(result.outcome))
    add(node, TEKB.outcomeRole, string(result.role.value) if result.role else None)
    add(node, TEKB.conclusion, string(result.conclusion.value) if result.conclusion else None)
    add(node, DCTERMS.description, optional_string(result.description))
    add(node, TEKB.timeFrame, optional_string(result.time_frame))
    for position, measurement in enumerate(result.measurements, start=1):
        part = iri(context.iris.part(node.value, "measurement", position))
        add(node, TEKB.hasMeasurement, part)
        add(part, RDF.type, iri(TEKB.ArmMeasurement))
        add(part, TEKB.arm, defaults.arm(result.trial, measurement.arm))
        add(part, TEKB.armLabel, defaults.label(defaults.arm(result.trial, measurement.arm)))
        add(part, TEKB.statistic, string(measurement.statistic.value))
        add(part, TEKB.value, _number(measurement.value))
        if measurement.not_reached:
            add(part, TEKB.notReached, boolean(True))
        if measurement.unit:
            add(part, TEKB.unit, string(measurement.unit))
            uo = _UO_UNITS.get(measurement.unit.lower())
            add(part, OBO.IAO_0000039, iri(uo) if uo else None)  # has measurement unit label
        add(part, TEKB.ciLower, _number(measurement.ci_lower))
        add(part, TEKB.ciUpper, _number(measurement.ci_upper))
        add(part, TEKB.ciLevel, _number(measurement.ci_level))
        add(part, TEKB.n, _count(measurement.n))
        add(part, TEKB.nEvents, _count(measurement.n_events))
        add(part, TEKB.category, optional_string(measurement.category))
        add(part, TEKB.dispersion, string(measurement.dispersion.value) if measurement.dispersion else None)
        add(part, TEKB.dispersionValue, _number(measurement.dispersion_value))
        add(part, TEKB.dispersionLower, _number(measurement.dispersion_lower))
        add(part, TEKB.dispersionUpper, _number(measurement.dispersion_upper))
    for position, comparison in enumerate(result.comparisons, start=1):
        part = iri(context.iris.part(node.value, "comparison", position))
        add(node, TEKB.hasComparison, part)
        add(part, RDF.type, iri(TEKB.Comparison))
        add(part, TEKB.arm, defaults.arm(result.trial, comparison.arm))
        add(part, TEKB.armLabel, defaults.label(defaults.arm(result.trial, comparison.arm)))
        add(part, TEKB.referenceArm, defaults.arm(result.trial, comparison.reference_arm))
        add(part, TEKB.referenceArmLabel, defaults.label(defaults.arm(result.trial, comparison.reference_arm)))
        # The drugs exactly one of the two arms receives (the drugs whose effect the estimate is), as
        # this source describes the arms: drugs_for_target then finds a drug's comparisons with one
        # lookup instead of joining arms that many sources describe.
        for drug in defaults.compared_drugs(defaults.arm(result.trial, comparison.arm), defaults.arm(result.trial, comparison.reference_arm)):
            add(part, TEKB.comparedDrug, drug)
        add(part, TEKB.measure, string(comparison.measure.value) if comparison.measure else None)
        add(part, TEKB.estimate, _number(comparison.estimate))
        add(part, TEKB.ciLower, _number(comparison.ci_lower))
        add(part, TEKB.ciUpper, _number(comparison.ci_upper))
        add(part, TEKB.ciLevel, _number(comparison.ci_level))
        add(part, TEKB.pValue, _number(comparison.p_value))
        if comparison.p_value is not None:
            add(part, TEKB.pValueRelation, string(comparison.p_relation.value))
        add(part, TEKB.test, optional_string(comparison.test))
        add(part, TEKB.measureLabel, optional_string(comparison.measure_label))
        add(part, TEKB.ciSides, string(comparison.ci_sides.value) if comparison.ci_sides else None)
        add(part, TEKB.dispersion, string(comparison.dispersion.value) if comparison.dispersion else None)
        add(part, TEKB.dispersionValue, _number(comparison.dispersion_value))
        add(part, DCTERMS.description, optional_string(comparison.description))


def add_adverse_event(context: MappingContext, result: AdverseEventResult, node: ox.NamedNode, defaults: FindingDefaults, path: str) -> None:
    """Describe an adverse-event result with each arm's incidence."""
    add = context.add
    _add_trial_result(context, result, node, TEKB.AdverseEventResult, defaults)
    add(node, TEKB.event, context.concept(result.event, "adverse_event", f"{path}.event"))
    add(node, TEKB.eventText, string(result.event))
    add(node, TEKB.grade, string(result.grade.value))
    add(node, TEKB.minGrade, integer(result.grade.minimum))
    add(node, TEKB.maxGrade, integer(result.grade.maximum))
    if result.serious is not None:
        add(node, TEKB.serious, boolean(result.serious))
    if result.all_cause_mortality:
        add(node, TEKB.allCauseMortality, boolean(True))
    add(node, TEKB.organSystem, optional_string(result.organ_system))
    add(node, TEKB.sourceVocabulary, optional_string(result.source_vocabulary))
    add(node, TEKB.assessmentType, string(result.assessment.value) if result.assessment else None)
    add(node, TEKB.timeFrame, optional_string(result.time_frame))
    for position, count in enumerate(result.arms, start=1):
        part = iri(context.iris.part(node.value, "arm-count", position))
        add(node, TEKB.hasArmCount, part)
        add(part, RDF.type, iri(TEKB.ArmEventCount))
        add(part, TEKB.arm, defaults.arm(result.trial, count.arm))
        add(part, TEKB.armLabel, defaults.label(defaults.arm(result.trial, count.arm)))
        # The arm's drugs on the count itself: finding a comparator (an arm without the drug) is then
        # one lookup on a bound node.
        for drug in defaults.arm_drugs.get(defaults.arm(result.trial, count.arm).value, []):
            add(part, TEKB.armDrug, drug)
        add(part, TEKB.nAffected, _count(count.n_affected))
        add(part, TEKB.nAtRisk, _count(count.n_at_risk))
        add(part, TEKB.percent, _number(count.incidence_percent))


def add_mechanism(context: MappingContext, claim: MechanismClaim, node: ox.NamedNode, defaults: FindingDefaults, path: str) -> None:
    """Describe a mechanism claim, plus the direct RO edge when one is verified for it."""
    add = context.add
    add(node, RDF.type, iri(TEKB.MechanismClaim))
    _add_common(context, node, claim.key, claim.status, claim.provenance, defaults, _AUTHOR_STATEMENT)
    drug = context.concept(claim.drug, "drug", f"{path}.drug")
    target = context.concept(claim.target, "target", f"{path}.target")
    add(node, TEKB.drug, drug)
    add(node, TEKB.target, target)
    add(node, TEKB.drugText, string(claim.drug))
    add(node, TEKB.targetText, string(claim.target))
    add(node, TEKB.direction, string(claim.direction.value) if claim.direction else None)
    add(node, TEKB.aspect, string(claim.aspect.value) if claim.aspect else None)
    add(node, TEKB.mechanism, string(claim.mechanism.value) if claim.mechanism else None)
    add(node, TEKB.system, string(claim.system.value))
    add(node, TEKB.statedIn, defaults.publication)
    if claim.mechanism is MechanismKind.binding:
        add(drug, _RO_MOLECULARLY_INTERACTS, target)
    elif claim.direction and claim.aspect and (claim.direction, claim.aspect) in _RO_BY_EFFECT:
        add(drug, _RO_BY_EFFECT[(claim.direction, claim.aspect)], target)
