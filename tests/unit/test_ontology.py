"""The ontology folder: tekb.ttl covers exactly TEKB, shapes and context parse and match the
models, and every vocabulary concept is well formed."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path

import pytest
import rdflib
from pyshacl import validate
from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS

from kb import models
from kb.curie import compress_iri, expand_curie
from kb.namespaces import PREFIXES, TEKB, TEKB_NS
from kb.paths import ontology_dir, vocabulary_dir
from kb.vocab import CATEGORIES

ONTOLOGY_IRI = URIRef("https://w3id.org/trial-evidence-kb/ontology")
SH = rdflib.Namespace("http://www.w3.org/ns/shacl#")
XSD = rdflib.Namespace("http://www.w3.org/2001/XMLSchema#")  # a plain Namespace: pytest probes module attributes
IAO_DEFINITION = URIRef("http://purl.obolibrary.org/obo/IAO_0000115")
BIOLINK = rdflib.Namespace("https://w3id.org/biolink/vocab/")
TEKB_NAMES = sorted(TEKB.__annotations__)


def _parse(path: Path, fmt: str = "turtle") -> rdflib.Graph:
    return rdflib.Graph().parse(path, format=fmt)


@pytest.fixture(scope="module")
def ontology() -> rdflib.Graph:
    return _parse(ontology_dir() / "tekb.ttl")


@pytest.fixture(scope="module")
def shapes() -> rdflib.Graph:
    return _parse(ontology_dir() / "shapes.ttl")


@pytest.fixture(scope="module")
def context() -> dict:
    return json.loads((ontology_dir() / "context.jsonld").read_text(encoding="utf-8"))["@context"]


@pytest.fixture(scope="module")
def vocab_graph() -> rdflib.Graph:
    graph = rdflib.Graph()
    for path in sorted(vocabulary_dir().glob("*.ttl")):
        graph.parse(path)
    return graph


def _tekb_iris(graph: rdflib.Graph) -> set[str]:
    return {str(term) for triple in graph for term in triple if isinstance(term, URIRef) and str(term).startswith(TEKB_NS)}


# --- tekb.ttl ---------------------------------------------------------------------------


def test_ontology_header(ontology: rdflib.Graph) -> None:
    assert (ONTOLOGY_IRI, RDF.type, OWL.Ontology) in ontology
    assert ontology.value(ONTOLOGY_IRI, DCTERMS.title) is not None
    assert ontology.value(ONTOLOGY_IRI, OWL.versionInfo) is not None
    assert ontology.value(ONTOLOGY_IRI, OWL.versionIRI) is not None


@pytest.mark.parametrize("name", TEKB_NAMES)
def test_every_tekb_term_is_defined(ontology: rdflib.Graph, name: str) -> None:
    term = TEKB[name]
    kinds = set(ontology.objects(term, RDF.type))
    expected = {OWL.Class} if name[0].isupper() else {OWL.ObjectProperty, OWL.DatatypeProperty}
    assert kinds & expected, f"{name} is not typed {expected}"
    labels = list(ontology.objects(term, RDFS.label))
    definitions = list(ontology.objects(term, SKOS.definition)) + list(ontology.objects(term, IAO_DEFINITION))
    assert len(labels) == 1 and str(labels[0]).strip(), f"{name} needs one rdfs:label"
    assert len(definitions) == 1 and len(str(definitions[0])) > 20, f"{name} needs one definition"
    assert (term, RDFS.isDefinedBy, ONTOLOGY_IRI) in ontology


def test_ontology_defines_no_term_tekb_lacks(ontology: rdflib.Graph) -> None:
    known = {str(TEKB[name]) for name in TEKB_NAMES}
    assert _tekb_iris(ontology) <= known
    assert {str(s) for s in ontology.subjects() if str(s).startswith(TEKB_NS)} == known


@pytest.mark.parametrize("path", ["shapes.ttl", *(f"vocab/{p.name}" for p in sorted(vocabulary_dir().glob("*.ttl")))])
def test_other_files_use_only_tekb_terms(path: str) -> None:
    known = {str(TEKB[name]) for name in TEKB_NAMES}
    unknown = _tekb_iris(_parse(ontology_dir() / path)) - known
    assert not unknown, f"{path} uses terms TEKB lacks: {sorted(unknown)}"


def test_labels_are_unique(ontology: rdflib.Graph) -> None:
    labels = [str(ontology.value(TEKB[name], RDFS.label)).casefold() for name in TEKB_NAMES]
    assert len(labels) == len(set(labels))


@pytest.mark.parametrize(
    ("term", "predicate", "target"),
    [
        ("OutcomeResult", RDFS.subClassOf, "IAO_0000109"),
        ("Comparison", RDFS.subClassOf, "STATO_0000085"),
        ("TimeToProgression", RDFS.subClassOf, "IAO_0000109"),
        ("pValue", SKOS.closeMatch, "OBI_0000175"),
        ("ciLower", SKOS.closeMatch, "STATO_0000315"),
        ("ciUpper", SKOS.closeMatch, "STATO_0000314"),
        ("ciLevel", SKOS.closeMatch, "STATO_0000561"),
        ("value", RDFS.subPropertyOf, "OBI_0001937"),
        ("estimate", RDFS.subPropertyOf, "OBI_0001937"),
        ("AdverseEventResult", SKOS.relatedMatch, "OAE_0000001"),
    ],
)
def test_standard_mappings(ontology: rdflib.Graph, term: str, predicate: URIRef, target: str) -> None:
    assert (TEKB[term], predicate, URIRef("http://purl.obolibrary.org/obo/" + target)) in ontology


def test_adverse_event_result_is_not_an_adverse_event(ontology: rdflib.Graph) -> None:
    oae = URIRef("http://purl.obolibrary.org/obo/OAE_0000001")
    for predicate in (RDFS.subClassOf, OWL.equivalentClass, SKOS.exactMatch, SKOS.closeMatch):
        assert (TEKB.AdverseEventResult, predicate, oae) not in ontology


def test_unresolved_concepts_are_not_skos_concepts(ontology: rdflib.Graph) -> None:
    # shapes.ttl requires a prefLabel of every skos:Concept; unresolved names have none
    assert (TEKB.UnresolvedConcept, RDFS.subClassOf, SKOS.Concept) not in ontology


# --- shapes.ttl ---------------------------------------------------------------------------

ENUMS: dict[str, type[StrEnum] | tuple[str, ...]] = {
    "measure": models.EffectMeasure,
    "grade": models.Grade,
    "direction": models.Direction,
    "aspect": models.Aspect,
    "mechanism": models.MechanismKind,
    "system": models.ExperimentalSystem,
    "analysisKind": models.AnalysisKind,
    "curationStatus": models.CurationStatus,
    "extractionMethod": models.ExtractionMethod,
    "pValueRelation": models.PRelation,
    "statistic": models.Statistic,
    "outcomeRole": models.OutcomeRole,
    "conclusion": models.Conclusion,
    "phase": models.Phase,
    "blinding": models.Blinding,
    "armRole": models.ArmRole,
    "vocabularyCategory": CATEGORIES,
}


@pytest.mark.parametrize("name", sorted(ENUMS))
def test_shape_value_lists_match_the_models(shapes: rdflib.Graph, name: str) -> None:
    enum = ENUMS[name]
    expected = set(enum) if isinstance(enum, tuple) else {member.value for member in enum}
    lists = [
        {str(item) for item in rdflib.collection.Collection(shapes, shapes.value(prop, SH["in"]))}
        for prop in shapes.subjects(SH.path, TEKB[name])
        if shapes.value(prop, SH["in"]) is not None
    ]
    assert lists, f"no sh:in for tekb:{name}"
    assert all(found == expected for found in lists)


def test_shapes_target_classes(shapes: rdflib.Graph) -> None:
    targets = set(shapes.objects(None, SH.targetClass))
    obo = rdflib.Namespace("http://purl.obolibrary.org/obo/")
    assert {
        TEKB.SourceGraph, TEKB.OutcomeResult, TEKB.ArmMeasurement, TEKB.Comparison, TEKB.AdverseEventResult,
        TEKB.ArmEventCount, TEKB.MechanismClaim, TEKB.Analysis, TEKB.UnresolvedConcept, SKOS.Concept,
        URIRef("http://purl.org/spar/fabio/JournalArticle"), URIRef("http://purl.org/spar/fabio/Journal"),
        obo.OBI_0003699, obo.OBI_0003706,
    } <= targets
    assert not set(shapes.subjects(SH.targetNode, None))


def _conforms(data: rdflib.Graph, shapes: rdflib.Graph) -> tuple[bool, str]:
    conforms, _, text = validate(data, shacl_graph=shapes, advanced=False, inference="none")
    return conforms, text


def test_ontology_and_vocabulary_conform(ontology: rdflib.Graph, vocab_graph: rdflib.Graph, shapes: rdflib.Graph) -> None:
    conforms, report = _conforms(ontology + vocab_graph, shapes)
    assert conforms, report


# A small knowledge base written the way docs/rdf-mapping.md says records become triples.
KB = """
@prefix tekb: <https://w3id.org/trial-evidence-kb/ontology#> .
@prefix obo: <http://purl.obolibrary.org/obo/> .
@prefix fabio: <http://purl.org/spar/fabio/> .
@prefix prism: <http://prismstandard.org/namespaces/basic/2.0/> .
@prefix frbr: <http://purl.org/vocab/frbr/core#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@base <https://w3id.org/trial-evidence-kb/id/> .

<graph/source/weber-2007-mm009> a tekb:SourceGraph, prov:Entity ;
  tekb:sourceId "weber-2007-mm009" ; tekb:sourceKind "findings" ; tekb:sourceFile "mm009_weber2007.yaml" ;
  tekb:contentHash "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef" ;
  prov:wasDerivedFrom <https://doi.org/10.1056/nejmoa070596> ;
  prov:wasGeneratedBy <activity/weber-2007-mm009> ;
  prov:generatedAtTime "2025-01-01T00:00:00Z"^^xsd:dateTime .
<activity/weber-2007-mm009> a prov:Activity ; tekb:extractionMethod "manual_curation" ;
  prov:used <https://doi.org/10.1056/nejmoa070596> ; prov:wasAssociatedWith <agent/curator> .
<agent/curator> a prov:Agent ; foaf:name "A Curator" .

<https://doi.org/10.1056/nejmoa070596> a fabio:JournalArticle ;
  dcterms:title "Lenalidomide plus Dexamethasone for Relapsed Multiple Myeloma in North America" ;
  prism:doi "10.1056/nejmoa070596" ; fabio:hasPubMedId "18032763" ;
  prism:publicationDate "2007-11-22"^^xsd:date ; fabio:hasPublicationYear "2007"^^xsd:gYear ;
  frbr:partOf <journal/issn/0028-4793> ; tekb:reportsOn <trial/NCT00056160> ; tekb:registryId "NCT00056160" .
<journal/issn/0028-4793> a fabio:Journal ; dcterms:title "The New England journal of medicine" ;
  prism:issn "0028-4793" ; prism:eIssn "1533-4406" ; fabio:hasNationalLibraryOfMedicineJournalId "0255562" .

<trial/NCT00056160> a obo:OBI_0003699, obo:OBI_0004001, obo:OBI_0003702 ;
  rdfs:label "MM-009" ; tekb:acronym "MM-009" ; tekb:registryId "NCT00056160" ; tekb:phase "3" ;
  tekb:randomized true ; tekb:blinding "double_blind" ; tekb:condition obo:MONDO_0009693 ;
  tekb:conditionQualifier "relapsed" ; tekb:enrollment 353 ;
  tekb:hasArm <trial/NCT00056160/arm/len-dex>, <trial/NCT00056160/arm/dex> .
<trial/NCT00056160/arm/len-dex> a obo:OBI_0003706 ; rdfs:label "Lenalidomide plus dexamethasone" ;
  tekb:armKey "len-dex" ; tekb:armRole "experimental" ; tekb:nRandomized 177 ; tekb:inTrial <trial/NCT00056160> ;
  tekb:receivesDrug obo:CHEBI_63791, obo:CHEBI_41879 ; tekb:hasIntervention <trial/NCT00056160/arm/len-dex/intervention/1> .
<trial/NCT00056160/arm/len-dex/intervention/1> a obo:OBI_0000931 ; tekb:drug obo:CHEBI_63791 ; tekb:placebo false ;
  tekb:dose "25 mg" .
<trial/NCT00056160/arm/dex> a obo:OBI_0003706 ; rdfs:label "Placebo plus dexamethasone" ;
  tekb:armKey "dex" ; tekb:armRole "placebo_comparator" ; tekb:nRandomized 176 ; tekb:inTrial <trial/NCT00056160> .

<analysis/weber-2007-mm009/unblinding> a tekb:Analysis ; tekb:analysisKind "unblinding" ;
  tekb:cutoffDate "2005-06"^^xsd:gYearMonth ; tekb:population "intention-to-treat" ;
  tekb:medianFollowUpMonths 17.6 ; tekb:reportedIn <https://doi.org/10.1056/nejmoa070596> .

<finding/ttp> a tekb:OutcomeResult ; tekb:key "ttp" ; tekb:curationStatus "draft" ;
  tekb:extractionMethod "manual_curation" ; prov:wasDerivedFrom <https://doi.org/10.1056/nejmoa070596> ;
  tekb:quote "The median time to progression was 11.1 months" ; tekb:quoteStart 12 ; tekb:quoteEnd 59 ;
  obo:RO_0002558 obo:ECO_0007121 ;
  tekb:inTrial <trial/NCT00056160> ; tekb:analysis <analysis/weber-2007-mm009/unblinding> ;
  tekb:outcome tekb:TimeToProgression ; tekb:outcomeRole "primary" ; tekb:conclusion "improved" ;
  tekb:hasMeasurement <finding/ttp/measurement/1>, <finding/ttp/measurement/2> ;
  tekb:hasComparison <finding/ttp/comparison/1> .
<finding/ttp/measurement/1> a tekb:ArmMeasurement ; tekb:arm <trial/NCT00056160/arm/len-dex> ;
  tekb:statistic "median" ; tekb:value 11.1 ; tekb:unit "month" ; obo:IAO_0000039 obo:UO_0000035 ;
  tekb:ciLower 7.6 ; tekb:ciUpper 15.0 ; tekb:ciLevel 0.95 ; tekb:n 177 ; tekb:nEvents 108 .
<finding/ttp/measurement/2> a tekb:ArmMeasurement ; tekb:arm <trial/NCT00056160/arm/dex> ;
  tekb:statistic "median" ; tekb:notReached true ; tekb:unit "month" .
<finding/ttp/comparison/1> a tekb:Comparison ; tekb:arm <trial/NCT00056160/arm/len-dex> ;
  tekb:referenceArm <trial/NCT00056160/arm/dex> ; tekb:measure "hazard_ratio" ; tekb:estimate 0.35 ;
  tekb:ciLower 0.27 ; tekb:ciUpper 0.47 ; tekb:ciLevel 0.95 ; tekb:pValue 0.001 ; tekb:pValueRelation "<" ;
  tekb:test "log-rank" .

<finding/neutropenia> a tekb:AdverseEventResult ; tekb:key "neutropenia-g34" ; tekb:curationStatus "verified" ;
  prov:wasDerivedFrom <https://doi.org/10.1056/nejmoa070596> ;
  tekb:inTrial <trial/NCT00056160> ; tekb:event obo:HP_0001875 ; tekb:grade "3-4" ;
  tekb:minGrade 3 ; tekb:maxGrade 4 ; tekb:serious false ;
  tekb:hasArmCount <finding/neutropenia/arm-count/1>, <finding/neutropenia/arm-count/2> .
<finding/neutropenia/arm-count/1> a tekb:ArmEventCount ; tekb:arm <trial/NCT00056160/arm/len-dex> ;
  tekb:nAffected 73 ; tekb:nAtRisk 177 ; tekb:percent 41.2 .
<finding/neutropenia/arm-count/2> a tekb:ArmEventCount ; tekb:arm <trial/NCT00056160/arm/dex> ;
  tekb:percent 4.6 .

<finding/il6> a tekb:MechanismClaim ; tekb:key "il6" ; tekb:curationStatus "draft" ;
  prov:wasDerivedFrom <https://doi.org/10.1056/nejmoa070596> ; obo:RO_0002558 obo:ECO_0000304 ;
  tekb:drug obo:CHEBI_63791 ; tekb:target <http://identifiers.org/hgnc/6018> ;
  tekb:direction "decreased" ; tekb:aspect "abundance" ; tekb:system "in_vitro" ;
  tekb:statedIn <https://doi.org/10.1056/nejmoa070596> .
<finding/crbn> a tekb:MechanismClaim ; tekb:key "crbn" ; tekb:curationStatus "draft" ;
  prov:wasDerivedFrom <https://doi.org/10.1056/nejmoa070596> ;
  tekb:drug obo:CHEBI_63791 ; tekb:target <http://identifiers.org/hgnc/30185> ; tekb:mechanism "binding" ;
  tekb:statedIn <https://doi.org/10.1056/nejmoa070596> .
<concept/drug/foo> a tekb:UnresolvedConcept ; rdfs:label "Foo" ; tekb:vocabularyCategory "drug" .
"""

ID = rdflib.Namespace("https://w3id.org/trial-evidence-kb/id/")
ARTICLE = URIRef("https://doi.org/10.1056/nejmoa070596")
TTP_M1, TTP_C1 = ID["finding/ttp/measurement/1"], ID["finding/ttp/comparison/1"]
AE, AE_C1 = ID["finding/neutropenia"], ID["finding/neutropenia/arm-count/1"]
LEN_DEX = ID["trial/NCT00056160/arm/len-dex"]


@pytest.fixture(scope="module")
def kb_graph(ontology: rdflib.Graph, vocab_graph: rdflib.Graph) -> rdflib.Graph:
    return ontology + vocab_graph + rdflib.Graph().parse(data=KB, format="turtle")


def _dec(text: str) -> Literal:
    return Literal(text, datatype=XSD.decimal)


# Each case: triples to remove (subject, predicate) and triples to add; the result must not conform.
BROKEN = {
    "upper-case DOI": ([(ARTICLE, "prism:doi")], [(ARTICLE, "prism:doi", Literal("10.1056/NEJMoa070596"))]),
    "DOI with resolver": ([(ARTICLE, "prism:doi")], [(ARTICLE, "prism:doi", Literal("https://doi.org/10.1056/x"))]),
    "PMID not digits": ([(ARTICLE, "fabio:hasPubMedId")], [(ARTICLE, "fabio:hasPubMedId", Literal("PMID18032763"))]),
    "bad ISSN": ([], [(ID["journal/issn/0028-4793"], "prism:issn", Literal("28-4793"))]),
    "arm without label": ([(LEN_DEX, "rdfs:label")], []),
    "arm in two trials": ([], [(LEN_DEX, "tekb:inTrial", ID["trial/other"])]),
    "ci reversed": ([(TTP_M1, "tekb:ciLower")], [(TTP_M1, "tekb:ciLower", _dec("20.0"))]),
    "value not decimal": ([(TTP_M1, "tekb:value")], [(TTP_M1, "tekb:value", Literal("11.1"))]),
    "no value, not reached": ([(TTP_M1, "tekb:value")], []),
    "p-value above 1": ([(TTP_C1, "tekb:pValue")], [(TTP_C1, "tekb:pValue", _dec("1.5"))]),
    "unknown measure": ([(TTP_C1, "tekb:measure")], [(TTP_C1, "tekb:measure", Literal("hazard"))]),
    "unknown p relation": ([(TTP_C1, "tekb:pValueRelation")], [(TTP_C1, "tekb:pValueRelation", Literal("<<"))]),
    "no reference arm": ([(TTP_C1, "tekb:referenceArm")], []),
    "arm is its own reference": ([(TTP_C1, "tekb:referenceArm")], [(TTP_C1, "tekb:referenceArm", LEN_DEX)]),
    "arm not an arm": ([(TTP_C1, "tekb:arm")], [(TTP_C1, "tekb:arm", ID["trial/NCT00056160"])]),
    "no curation status": ([(ID["finding/ttp"], "tekb:curationStatus")], []),
    "bad curation status": ([(ID["finding/ttp"], "tekb:curationStatus")], [(ID["finding/ttp"], "tekb:curationStatus", Literal("done"))]),
    "no derivation": ([(ID["finding/ttp"], "prov:wasDerivedFrom")], []),
    "two outcomes": ([], [(ID["finding/ttp"], "tekb:outcome", TEKB.OverallSurvival)]),
    "no trial": ([(ID["finding/ttp"], "tekb:inTrial")], []),
    "unknown grade": ([(AE, "tekb:grade")], [(AE, "tekb:grade", Literal("3+"))]),
    "grade above 5": ([(AE, "tekb:maxGrade")], [(AE, "tekb:maxGrade", Literal(6))]),
    "min above max grade": ([(AE, "tekb:minGrade")], [(AE, "tekb:minGrade", Literal(5))]),
    "no arm counts": ([(AE, "tekb:hasArmCount")], []),
    "negative count": ([(AE_C1, "tekb:nAffected")], [(AE_C1, "tekb:nAffected", Literal(-1))]),
    "affected above at risk": ([(AE_C1, "tekb:nAffected")], [(AE_C1, "tekb:nAffected", Literal(200))]),
    "percent above 100": ([(AE_C1, "tekb:percent")], [(AE_C1, "tekb:percent", _dec("141.2"))]),
    "bad direction": ([(ID["finding/il6"], "tekb:direction")], [(ID["finding/il6"], "tekb:direction", Literal("down"))]),
    "no direction, no binding": ([(ID["finding/il6"], "tekb:direction")], []),
    "bad aspect": ([(ID["finding/il6"], "tekb:aspect")], [(ID["finding/il6"], "tekb:aspect", Literal("level"))]),
    "no statement source": ([(ID["finding/il6"], "tekb:statedIn")], []),
    "quote ends where it starts": ([(ID["finding/ttp"], "tekb:quoteEnd")], [(ID["finding/ttp"], "tekb:quoteEnd", Literal(12))]),
    "bad analysis kind": (
        [(ID["analysis/weber-2007-mm009/unblinding"], "tekb:analysisKind")],
        [(ID["analysis/weber-2007-mm009/unblinding"], "tekb:analysisKind", Literal("midterm"))],
    ),
    "source without hash": ([(ID["graph/source/weber-2007-mm009"], "tekb:contentHash")], []),
    "source with a path": (
        [(ID["graph/source/weber-2007-mm009"], "tekb:sourceFile")],
        [(ID["graph/source/weber-2007-mm009"], "tekb:sourceFile", Literal("data/mm009.yaml"))],
    ),
    "concept without label": ([(URIRef("http://purl.obolibrary.org/obo/CHEBI_63791"), "skos:prefLabel")], []),
    "concept with bad category": (
        [(URIRef("http://purl.obolibrary.org/obo/CHEBI_63791"), "tekb:vocabularyCategory")],
        [(URIRef("http://purl.obolibrary.org/obo/CHEBI_63791"), "tekb:vocabularyCategory", Literal("medicine"))],
    ),
    "unresolved without category": ([(ID["concept/drug/foo"], "tekb:vocabularyCategory")], []),
}


# Where the violation is reported when it is not on the mutated property (None: a node-level sh:or).
REPORTED_AT = {
    "no value, not reached": None,
    "no direction, no binding": None,
    "arm is its own reference": "tekb:arm",
    "quote ends where it starts": "tekb:quoteStart",
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_broken_kbs_do_not_conform(kb_graph: rdflib.Graph, shapes: rdflib.Graph, case: str) -> None:
    graph = rdflib.Graph()
    for triple in kb_graph:
        graph.add(triple)
    removals, additions = BROKEN[case]
    for subject, predicate in removals:
        graph.remove((subject, _expand(predicate), None))
    for subject, predicate, obj in additions:
        graph.add((subject, _expand(predicate), obj))
    conforms, report, _ = validate(graph, shacl_graph=shapes, inference="none")
    assert not conforms, case
    mutated = (removals or additions)[0][1]
    expected = REPORTED_AT.get(case, mutated)
    paths = {report.value(result, SH.resultPath) for result in report.subjects(RDF.type, SH.ValidationResult)}
    assert (_expand(expected) if expected else None) in paths, f"{case}: reported at {paths}"


@pytest.mark.parametrize("inference", ["none", "rdfs"])
def test_shapes_hold_with_or_without_rdfs_inference(kb_graph: rdflib.Graph, shapes: rdflib.Graph, inference: str) -> None:
    # tekb.ttl's domains and ranges must not let an RDFS reasoner infer anything the shapes reject
    conforms, _, report = validate(kb_graph, shacl_graph=shapes, inference=inference)
    assert conforms, report


def _expand(curie: str) -> URIRef:
    prefix, local = curie.split(":")
    namespaces = dict(PREFIXES) | {"prism": "http://prismstandard.org/namespaces/basic/2.0/", "rdfs": str(RDFS)}
    return URIRef(namespaces[prefix] + local)


# --- context.jsonld ---------------------------------------------------------------------


def test_context_has_every_prefix(context: dict) -> None:
    prefix_map = json.loads((ontology_dir() / "prefixes.json").read_text(encoding="utf-8"))
    for prefix, iri in (PREFIXES | prefix_map).items():
        entry = context[prefix]
        assert (entry if isinstance(entry, str) else entry["@id"]) == iri, prefix
    assert context["@version"] == 1.1


def test_context_defines_every_tekb_term(context: dict, ontology: rdflib.Graph) -> None:
    for name in TEKB_NAMES:
        entry = context[name]
        assert (entry if isinstance(entry, str) else entry["@id"]) == f"tekb:{name}"
        is_object = (TEKB[name], RDF.type, OWL.ObjectProperty) in ontology
        coerced_to_iri = isinstance(entry, dict) and entry.get("@type") == "@id"
        assert is_object == coerced_to_iri, name
        declared = ontology.value(TEKB[name], RDFS.range)
        if isinstance(entry, dict) and entry.get("@type", "@id") != "@id":
            assert entry["@type"] == f"xsd:{declared.removeprefix(str(XSD))}", name


def test_context_expands_a_small_document() -> None:
    document = {
        "@context": json.loads((ontology_dir() / "context.jsonld").read_text(encoding="utf-8"))["@context"],
        "@id": "https://w3id.org/trial-evidence-kb/id/finding/x/comparison/1",
        "@type": "Comparison",
        "arm": "https://w3id.org/trial-evidence-kb/id/trial/T/arm/a",
        "estimate": 0.44,
        "pValue": 0.001,
        "minGrade": 3,
        "serious": False,
        "measure": "hazard_ratio",
        "drug": "CHEBI:63791",
        "target": "HGNC:6018",
        "outcome": "tekb:TimeToProgression",
        "closeMatch": ["NCIT:C17380", "NLMID:0255562"],
    }
    graph = rdflib.Graph().parse(data=json.dumps(document), format="json-ld")
    subject = URIRef(document["@id"])
    assert (subject, RDF.type, TEKB.Comparison) in graph
    assert (subject, TEKB.arm, URIRef(document["arm"])) in graph
    assert graph.value(subject, TEKB.estimate) == Literal("0.44", datatype=XSD.decimal)
    assert graph.value(subject, TEKB.pValue).datatype == XSD.decimal
    assert graph.value(subject, TEKB.minGrade) == Literal(3, datatype=XSD.integer)
    assert graph.value(subject, TEKB.serious) == Literal(False)
    assert graph.value(subject, TEKB.measure) == Literal("hazard_ratio")
    # OBO-style prefixes end in "_": they expand only because the context marks them "@prefix": true
    assert graph.value(subject, TEKB.drug) == URIRef(expand_curie("CHEBI:63791"))
    assert graph.value(subject, TEKB.target) == URIRef("http://identifiers.org/hgnc/6018")
    assert graph.value(subject, TEKB.outcome) == TEKB.TimeToProgression
    assert set(graph.objects(subject, SKOS.closeMatch)) == {
        URIRef(expand_curie("NCIT:C17380")),
        URIRef("https://www.ncbi.nlm.nih.gov/nlmcatalog/?term=0255562"),
    }


# --- vocabulary files ---------------------------------------------------------------------

VOCAB_FILES = {
    "drugs.ttl": ("drug", BIOLINK.SmallMolecule),
    "targets.ttl": ("target", None),
    "conditions.ttl": ("condition", BIOLINK.Disease),
    "outcomes.ttl": ("outcome", None),
    "adverse_events.ttl": ("adverse_event", None),
}
BIOLINK_CATEGORIES = {BIOLINK.SmallMolecule, BIOLINK.Gene, BIOLINK.MacromolecularComplex, BIOLINK.Disease, BIOLINK.PhenotypicFeature}


def test_one_vocabulary_file_per_category() -> None:
    assert {p.name for p in vocabulary_dir().glob("*.ttl")} == set(VOCAB_FILES)
    assert {category for category, _ in VOCAB_FILES.values()} == set(CATEGORIES)


@pytest.mark.parametrize("filename", sorted(VOCAB_FILES))
def test_vocabulary_concepts_are_well_formed(filename: str) -> None:
    category, biolink = VOCAB_FILES[filename]
    graph = _parse(vocabulary_dir() / filename)
    concepts = set(graph.subjects(RDF.type, SKOS.Concept))
    assert concepts
    for concept in concepts:
        labels = list(graph.objects(concept, SKOS.prefLabel))
        assert len(labels) == 1 and str(labels[0]) == str(labels[0]).lower(), concept
        assert list(graph.objects(concept, TEKB.vocabularyCategory)) == [Literal(category)], concept
        notations = list(graph.objects(concept, SKOS.notation))
        assert len(notations) == 1, concept
        assert str(concept) == expand_curie(str(notations[0])), concept
        assert compress_iri(str(concept)) == str(notations[0]), concept
        categories = set(graph.objects(concept, RDF.type)) & BIOLINK_CATEGORIES
        if category == "outcome":
            assert not categories and str(concept).startswith(TEKB_NS)
        else:
            assert len(categories) == 1, concept
            if biolink is not None:
                assert categories == {biolink}
        for predicate in (SKOS.exactMatch, SKOS.closeMatch, SKOS.relatedMatch, SKOS.broader, SKOS.narrowMatch):
            for target in graph.objects(concept, predicate):
                assert compress_iri(str(target)), f"{concept} {predicate} {target}: no known prefix"


def test_outcome_concepts_are_tekb_outcome_classes(ontology: rdflib.Graph, vocab_graph: rdflib.Graph) -> None:
    outcomes = {c for c in vocab_graph.subjects(TEKB.vocabularyCategory, Literal("outcome"))}
    assert outcomes == {TEKB[name] for name in ("TimeToProgression", "ProgressionFreeSurvival", "OverallSurvival",
                                                "OverallResponseRate", "CompleteResponseRate", "DurationOfResponse")}
    for outcome in outcomes:
        assert (outcome, RDF.type, OWL.Class) in ontology
        assert str(ontology.value(outcome, RDFS.label)) == str(vocab_graph.value(outcome, SKOS.prefLabel))


def test_bundled_examples_conform(example_store) -> None:  # the session fixture in tests/conftest.py
    from kb.validate import validate_store

    report = validate_store(example_store)
    assert report.conforms, report.text
