"""Trials, arms, interventions and analyses to triples (OBI classes, tekb properties)."""

from __future__ import annotations

import pyoxigraph as ox

from kb.models import Analysis, FindingsDocument, Phase, Publication, Trial
from kb.models.trial import ReferenceType
from kb.namespaces import DCTERMS, FABIO, OBO, RDF, RDFS, SKOS, TEKB
from kb.rdf.context import MappingContext
from kb.rdf.terms import optional_string, boolean, decimal, integer, iri, partial_date, string

__all__ = ["trial_iris", "add_trial", "add_analysis"]

_IDENTIFIERS_CT = "http://identifiers.org/clinicaltrials/"
#: MeSH descriptor IRIs, as NLM publishes them (vocabulary.md: MESH prefix).
_MESH_BASE = "http://id.nlm.nih.gov/mesh/"
_REFERENCE_PREDICATES = {
    ReferenceType.result: TEKB.resultsReference,
    ReferenceType.background: TEKB.backgroundReference,
    ReferenceType.derived: TEKB.derivedReference,
}


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
    _add_registry_details(context, trial, node)
    for arm_index, arm in enumerate(trial.arms):
        arm_node = iri(context.iris.arm(node.value, arm.key))
        add(node, TEKB.hasArm, arm_node)
        add(arm_node, RDF.type, iri(OBO.OBI_0003706))  # study arm population
        add(arm_node, RDFS.label, string(arm.label))
        add(arm_node, TEKB.armKey, string(arm.key))
        add(arm_node, TEKB.armRole, string(arm.role.value) if arm.role else None)
        add(arm_node, TEKB.nRandomized, integer(arm.n_randomized) if arm.n_randomized is not None else None)
        add(arm_node, TEKB.inTrial, node)
        add(arm_node, DCTERMS.description, optional_string(arm.description))
        add(arm_node, TEKB.registryGroup, optional_string(arm.registry_group))
        for group_id in arm.registry_group_ids:
            add(arm_node, TEKB.registryGroupId, string(group_id))
        for position, intervention in enumerate(arm.interventions, start=1):
            where = f"{path}.arms[{arm_index}].interventions[{position - 1}]"
            intervention_node = iri(context.iris.intervention(arm_node.value, intervention.model_dump_json()))
            add(arm_node, TEKB.hasIntervention, intervention_node)
            add(intervention_node, RDF.type, iri(OBO.OBI_0000931))  # study intervention
            add(intervention_node, TEKB.placebo, boolean(intervention.placebo))
            for other_name in intervention.other_names:
                add(intervention_node, SKOS.altLabel, string(other_name))
            if intervention.drug:
                drug = context.concept(intervention.drug, "drug", f"{where}.drug")
                add(intervention_node, TEKB.drug, drug)
                if context.is_unresolved(drug):
                    # A drug no vocabulary knows: the source's other names for it (a registry's
                    # brand names and codes) are names it can be asked for by (kb.vocab.known).
                    for other_name in intervention.other_names:
                        add(drug, SKOS.altLabel, string(other_name))
                if not intervention.placebo:
                    add(arm_node, TEKB.receivesDrug, drug)
            add(intervention_node, RDFS.label, optional_string(intervention.label))
            add(intervention_node, TEKB.dose, optional_string(intervention.dose))
            add(intervention_node, TEKB.schedule, optional_string(intervention.schedule))
            add(intervention_node, TEKB.route, optional_string(intervention.route))
            add(intervention_node, TEKB.interventionType, optional_string(intervention.type))
            add(intervention_node, DCTERMS.description, optional_string(intervention.description))


def _add_registry_details(context: MappingContext, trial: Trial, node: ox.NamedNode) -> None:
    """What registry records add to a trial: ids, status, dates, design, index terms, references."""
    add = context.add
    add(node, DCTERMS.alternative, optional_string(trial.brief_title))
    add(node, TEKB.orgStudyId, optional_string(trial.org_study_id))
    for secondary in trial.secondary_ids:
        add(node, TEKB.secondaryId, string(secondary))
    add(node, TEKB.overallStatus, string(trial.status.value) if trial.status else None)
    add(node, TEKB.startDate, partial_date(trial.start_date) if trial.start_date else None)
    add(node, TEKB.primaryCompletionDate, partial_date(trial.primary_completion_date) if trial.primary_completion_date else None)
    add(node, TEKB.completionDate, partial_date(trial.completion_date) if trial.completion_date else None)
    add(node, TEKB.interventionModel, string(trial.intervention_model.value) if trial.intervention_model else None)
    add(node, TEKB.primaryPurpose, optional_string(trial.primary_purpose))
    add(node, TEKB.eligibility, optional_string(trial.eligibility))
    for term in trial.condition_terms:
        if term.mesh_id:
            mesh = iri(_MESH_BASE + term.mesh_id)
            add(node, TEKB.conditionMesh, mesh)
            add(mesh, RDFS.label, string(term.name))
    for reference in trial.references:
        # Only a PMID identifies a publication node; a bare citation stays in the record.
        if reference.pmid is None:
            continue
        publication = iri(context.publication_iri(Publication(pmid=reference.pmid)))
        add(publication, FABIO.hasPubMedId, string(reference.pmid))
        add(publication, DCTERMS.bibliographicCitation, optional_string(reference.citation))
        predicate = _REFERENCE_PREDICATES[reference.type] if reference.type else TEKB.registryReference
        add(node, predicate, publication)
        if reference.type is ReferenceType.result:
            add(publication, TEKB.reportsOn, node)


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

