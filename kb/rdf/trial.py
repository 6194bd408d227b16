"""Trials, arms, interventions and analyses to triples (OBI classes, tekb properties)."""

from __future__ import annotations

import pyoxigraph as ox

from kb.models import Analysis, FindingsDocument, Phase, Trial
from kb.namespaces import DCTERMS, OBO, RDF, RDFS, SKOS, TEKB
from kb.rdf.context import MappingContext
from kb.rdf.terms import optional_string, boolean, decimal, integer, iri, partial_date, string

__all__ = ["trial_iris", "add_trial", "add_analysis"]

_IDENTIFIERS_CT = "http://identifiers.org/clinicaltrials/"


def trial_iris(context: MappingContext, document: FindingsDocument) -> dict[str, str]:
    """IRI of every trial of the document, by key: registry id first, then pooled, then local."""
    by_key = {trial.key: trial for trial in document.trials}
    resolved: dict[str, str] = {}

    def component_id(trial: Trial) -> str:
        return trial.registry_ids[0] if trial.registry_ids else f"{document.source.id}.{trial.key}"

    for trial in document.trials:
        if trial.registry_ids:
            resolved[trial.key] = context.iris.trial_by_registry(trial.registry_ids[0])
        elif trial.pooled_from:
            resolved[trial.key] = context.iris.pooled_trial([component_id(by_key[k]) for k in trial.pooled_from])
        else:
            resolved[trial.key] = context.iris.local_trial(document.source.id, trial.key)
    return resolved


def add_trial(context: MappingContext, trial: Trial, node: ox.NamedNode, trial_nodes: dict[str, str], path: str) -> None:
    """Describe ``trial`` with its arms and interventions."""
    add = context.add
    add(node, RDF.type, iri(OBO.OBI_0003699))  # clinical trial
    if trial.randomized:
        add(node, RDF.type, iri(OBO.OBI_0004001))  # randomized clinical trial
    if trial.phase is Phase.phase_3:
        add(node, RDF.type, iri(OBO.OBI_0003702))  # phase III clinical trial
    if trial.pooled_from:
        add(node, RDF.type, iri(TEKB.PooledPopulation))
        for key in trial.pooled_from:
            add(node, TEKB.pools, iri(trial_nodes[key]))
    add(node, RDFS.label, string(trial.acronym or trial.title or trial.key))
    add(node, TEKB.acronym, optional_string(trial.acronym))
    add(node, DCTERMS.title, optional_string(trial.title))
    for nct in trial.registry_ids:
        add(node, TEKB.registryId, string(nct))
        add(node, SKOS.exactMatch, iri(_IDENTIFIERS_CT + nct))
    add(node, TEKB.phase, string(trial.phase.value) if trial.phase else None)
    add(node, TEKB.randomized, boolean(trial.randomized) if trial.randomized is not None else None)
    add(node, TEKB.blinding, string(trial.blinding.value) if trial.blinding else None)
    for index, condition in enumerate(trial.conditions):
        add(node, TEKB.condition, context.concept(condition, "condition", f"{path}.conditions[{index}]"))
    for qualifier in trial.condition_qualifiers:
        add(node, TEKB.conditionQualifier, string(qualifier))
    add(node, TEKB.enrollment, integer(trial.enrollment) if trial.enrollment is not None else None)
    for location in trial.locations:
        add(node, TEKB.location, string(location))
    add(node, TEKB.sponsor, optional_string(trial.sponsor))
    for arm_index, arm in enumerate(trial.arms):
        arm_node = iri(context.iris.arm(node.value, arm.key))
        add(node, TEKB.hasArm, arm_node)
        add(arm_node, RDF.type, iri(OBO.OBI_0003706))  # study arm population
        add(arm_node, RDFS.label, string(arm.label))
        add(arm_node, TEKB.armKey, string(arm.key))
        add(arm_node, TEKB.armRole, string(arm.role.value) if arm.role else None)
        add(arm_node, TEKB.nRandomized, integer(arm.n_randomized) if arm.n_randomized is not None else None)
        add(arm_node, TEKB.inTrial, node)
        for position, intervention in enumerate(arm.interventions, start=1):
            where = f"{path}.arms[{arm_index}].interventions[{position - 1}]"
            intervention_node = iri(context.iris.intervention(arm_node.value, position))
            add(arm_node, TEKB.hasIntervention, intervention_node)
            add(intervention_node, RDF.type, iri(OBO.OBI_0000931))  # study intervention
            add(intervention_node, TEKB.placebo, boolean(intervention.placebo))
            if intervention.drug:
                drug = context.concept(intervention.drug, "drug", f"{where}.drug")
                add(intervention_node, TEKB.drug, drug)
                if not intervention.placebo:
                    add(arm_node, TEKB.receivesDrug, drug)
            add(intervention_node, RDFS.label, optional_string(intervention.label))
            add(intervention_node, TEKB.dose, optional_string(intervention.dose))
            add(intervention_node, TEKB.schedule, optional_string(intervention.schedule))
            add(intervention_node, TEKB.route, optional_string(intervention.route))


def add_analysis(context: MappingContext, analysis: Analysis, node: ox.NamedNode, publication: ox.NamedNode) -> None:
    """Describe an analysis (data cut-off) of the source."""
    add = context.add
    add(node, RDF.type, iri(TEKB.Analysis))
    add(node, TEKB.analysisKind, string(analysis.kind.value))
    add(node, RDFS.label, optional_string(analysis.label))
    add(node, TEKB.cutoffDate, partial_date(analysis.cutoff_date) if analysis.cutoff_date else None)
    add(node, TEKB.population, optional_string(analysis.population))
    if analysis.median_follow_up_months is not None:
        add(node, TEKB.medianFollowUpMonths, decimal(analysis.median_follow_up_months))
    add(node, TEKB.reportedIn, publication)
    add(node, RDFS.comment, optional_string(analysis.description))

