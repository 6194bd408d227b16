"""Namespaces: the project's own closed vocabulary and the standard ones it reuses.

``TEKB`` is a closed :class:`rdflib.namespace.DefinedNamespace`: a typo such as
``TEKB.outcom`` raises ``AttributeError`` instead of minting a new term. Every term
is defined, labelled and mapped in ``ontology/tekb.ttl``; ``docs/rdf-mapping.md``
says how records use them.
"""

from __future__ import annotations

from rdflib import Namespace, URIRef
from rdflib.namespace import DCTERMS, FOAF, OWL, PROV, RDF, RDFS, SKOS, XSD, DefinedNamespace

__all__ = [
    "TEKB",
    "TEKB_NS",
    "OBO",
    "FABIO",
    "PRISM",
    "FRBR",
    "CITO",
    "BIBO",
    "BIOLINK",
    "DCTERMS",
    "FOAF",
    "OWL",
    "PROV",
    "RDF",
    "RDFS",
    "SKOS",
    "XSD",
    "PREFIXES",
]

TEKB_NS = "https://w3id.org/trial-evidence-kb/ontology#"


class TEKB(DefinedNamespace):
    """trial-evidence-kb's own terms, used only where no standard term fits."""

    _fail = True
    _NS = Namespace(TEKB_NS)

    # classes
    SourceGraph: URIRef
    SourceKindRank: URIRef
    PooledPopulation: URIRef
    Analysis: URIRef
    OutcomeResult: URIRef
    ArmMeasurement: URIRef
    Comparison: URIRef
    AdverseEventResult: URIRef
    ArmEventCount: URIRef
    MechanismClaim: URIRef
    UnresolvedConcept: URIRef
    TimeToProgression: URIRef
    ProgressionFreeSurvival: URIRef
    OverallSurvival: URIRef
    OverallResponseRate: URIRef
    CompleteResponseRate: URIRef
    DurationOfResponse: URIRef
    # bibliographic and registry records (issue 3/4)
    RegistryRecord: URIRef
    Grant: URIRef
    MeshHeading: URIRef
    AbstractSection: URIRef
    grant: URIRef
    grantId: URIRef
    fundingAgency: URIRef
    fundingCountry: URIRef
    meshHeading: URIRef
    meshDescriptor: URIRef
    meshQualifier: URIRef
    majorTopic: URIRef
    abstractSection: URIRef
    sectionLabel: URIRef
    sectionCategory: URIRef
    position: URIRef
    affiliation: URIRef
    lastUpdated: URIRef
    registryVersion: URIRef
    # registry records: trials, arms, results (issue 4)
    orgStudyId: URIRef
    secondaryId: URIRef
    overallStatus: URIRef
    startDate: URIRef
    primaryCompletionDate: URIRef
    completionDate: URIRef
    interventionModel: URIRef
    primaryPurpose: URIRef
    conditionMesh: URIRef
    eligibility: URIRef
    registryReference: URIRef
    resultsReference: URIRef
    backgroundReference: URIRef
    derivedReference: URIRef
    registryGroup: URIRef
    registryGroupId: URIRef
    interventionType: URIRef
    timeFrame: URIRef
    category: URIRef
    dispersion: URIRef
    dispersionValue: URIRef
    dispersionLower: URIRef
    dispersionUpper: URIRef
    measureLabel: URIRef
    ciSides: URIRef
    allCauseMortality: URIRef
    organSystem: URIRef
    sourceVocabulary: URIRef
    assessmentType: URIRef
    # source provenance
    sourceId: URIRef
    sourceKind: URIRef
    trialLabel: URIRef
    armLabel: URIRef
    referenceArmLabel: URIRef
    outcomeText: URIRef
    eventText: URIRef
    drugText: URIRef
    targetText: URIRef
    statementCount: URIRef
    armDrug: URIRef
    comparedDrug: URIRef
    rankedSourceKind: URIRef
    mergeRank: URIRef
    sourceFile: URIRef
    contentHash: URIRef
    extractionMethod: URIRef
    # publications
    publicationType: URIRef
    reportsOn: URIRef
    registryId: URIRef
    initials: URIRef
    # retractions, corrections and expressions of concern (issue 15)
    PublicationUpdate: URIRef
    hasUpdate: URIRef
    updateKind: URIRef
    updatedWork: URIRef
    updatingWork: URIRef
    assertedBy: URIRef
    retractionStatus: URIRef
    # trials
    acronym: URIRef
    phase: URIRef
    randomized: URIRef
    blinding: URIRef
    condition: URIRef
    conditionQualifier: URIRef
    enrollment: URIRef
    location: URIRef
    sponsor: URIRef
    pools: URIRef
    hasArm: URIRef
    armKey: URIRef
    armRole: URIRef
    nRandomized: URIRef
    inTrial: URIRef
    receivesDrug: URIRef
    hasIntervention: URIRef
    drug: URIRef
    placebo: URIRef
    dose: URIRef
    schedule: URIRef
    route: URIRef
    # analyses
    analysis: URIRef
    analysisKind: URIRef
    cutoffDate: URIRef
    population: URIRef
    medianFollowUpMonths: URIRef
    reportedIn: URIRef
    # findings
    key: URIRef
    curationStatus: URIRef
    quote: URIRef
    quoteStart: URIRef
    quoteEnd: URIRef
    sourceLocation: URIRef
    outcome: URIRef
    outcomeRole: URIRef
    conclusion: URIRef
    hasMeasurement: URIRef
    hasComparison: URIRef
    arm: URIRef
    referenceArm: URIRef
    statistic: URIRef
    value: URIRef
    notReached: URIRef
    unit: URIRef
    ciLower: URIRef
    ciUpper: URIRef
    ciLevel: URIRef
    n: URIRef
    nEvents: URIRef
    measure: URIRef
    estimate: URIRef
    pValue: URIRef
    pValueRelation: URIRef
    test: URIRef
    event: URIRef
    grade: URIRef
    minGrade: URIRef
    maxGrade: URIRef
    serious: URIRef
    hasArmCount: URIRef
    nAffected: URIRef
    nAtRisk: URIRef
    percent: URIRef
    target: URIRef
    direction: URIRef
    aspect: URIRef
    mechanism: URIRef
    system: URIRef
    statedIn: URIRef
    # vocabulary
    vocabularyCategory: URIRef
    # saved searches (kb watch / kb update, issue 15)
    SavedSearch: URIRef
    SearchHit: URIRef
    searchService: URIRef
    searchQuery: URIRef
    lastRun: URIRef
    resultCount: URIRef
    returnedRecord: URIRef
    registryStatus: URIRef
    hasResults: URIRef


def _define_terms(namespace: type[DefinedNamespace]) -> None:
    """Set each declared term as a class attribute.

    A DefinedNamespace builds a term on every attribute read, through a metaclass
    ``__getattr__`` (about 1 us each; mapping reads terms ~650,000 times per 1,000 reports).
    With the terms set, reads are plain attribute lookups; an undeclared name still misses and
    still raises ``AttributeError`` through ``__getattr__``.
    """
    for name in namespace.__annotations__:
        if not name.startswith("_"):
            type.__setattr__(namespace, name, namespace[name])


_define_terms(TEKB)

OBO = Namespace("http://purl.obolibrary.org/obo/")
FABIO = Namespace("http://purl.org/spar/fabio/")
PRISM = Namespace("http://prismstandard.org/namespaces/basic/2.0/")
FRBR = Namespace("http://purl.org/vocab/frbr/core#")
CITO = Namespace("http://purl.org/spar/cito/")
BIBO = Namespace("http://purl.org/ontology/bibo/")
BIOLINK = Namespace("https://w3id.org/biolink/vocab/")

#: Prefixes bound in exports and used in query templates.
PREFIXES: dict[str, str] = {
    "tekb": TEKB_NS,
    "obo": str(OBO),
    "fabio": str(FABIO),
    "prism": str(PRISM),
    "frbr": str(FRBR),
    "cito": str(CITO),
    "bibo": str(BIBO),
    "biolink": str(BIOLINK),
    "dcterms": str(DCTERMS),
    "foaf": str(FOAF),
    "owl": str(OWL),
    "prov": str(PROV),
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "skos": str(SKOS),
    "xsd": str(XSD),
}
