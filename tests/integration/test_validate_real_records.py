"""`kb validate` on KBs built from valid real records (issue 12 item 8), and shapes that still bite.

A KB built only from valid records must conform: every example, every shared fixture (real
PubMed XML, MEDLINE, Crossref, CSL-JSON, BibTeX, RIS and ClinicalTrials.gov records; skipped
when ``../shared`` is absent) and small records of our own that hit the cases the shared sample
lacks (a report citing a trial the KB does not hold, two PMIDs indexing one DOI, two sources
listing one arm's interventions in different orders). Hand-broken graphs must still fail.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF

from kb import KnowledgeBase
from kb.validate import ValidationReport, validate_graph, validate_store
from tests.conftest import example_files, shared_path

TEKB = "https://w3id.org/trial-evidence-kb/ontology#"
OBO = "http://purl.obolibrary.org/obo/"

#: Shared fixture folders and the reader of each (../shared/fixtures/README.md).
SHARED_READERS: dict[str, tuple[str, str]] = {
    "pubmed_xml": ("pubmed", "*.xml"),
    "medline": ("medline", "*.txt"),
    "crossref": ("crossref", "*.json"),
    "csl_json": ("csl", "*.json"),
    "bibtex": ("bibtex", "*.bib"),
    "ris": ("ris", "*.ris"),
    "clinicaltrials/api_v2_json": ("ctgov", "*.json"),
    "clinicaltrials/legacy_xml": ("ctgov", "*.xml"),
}


def _ingest(kb: KnowledgeBase, reader: str, paths: list[Path]) -> None:
    report = kb.ingest(reader, paths)
    assert report.ok, report.failed


def _violations(report: ValidationReport) -> str:
    """The report's text, cut to what a failing assertion should show."""
    return report.text[:4000]


def _examples_kb() -> KnowledgeBase:
    kb = KnowledgeBase.memory()
    kb.init()
    _ingest(kb, "findings", example_files())
    return kb


def test_a_kb_of_the_examples_conforms() -> None:
    report = _examples_kb().validate()
    assert report.conforms and report.violations == 0, _violations(report)


def test_a_kb_of_every_shared_fixture_and_example_conforms() -> None:
    fixtures = shared_path("fixtures")
    kb = _examples_kb()
    for folder, (reader, pattern) in SHARED_READERS.items():
        files = sorted((fixtures / folder).glob(pattern))
        if files:
            _ingest(kb, reader, files)
    # Every fixture folder is covered: a new format in ../shared must be added above.
    covered = {folder.split("/")[0] for folder in SHARED_READERS}
    assert {p.name for p in fixtures.iterdir() if p.is_dir()} <= covered
    report = kb.validate()
    assert report.conforms and report.violations == 0, _violations(report)


# -- valid records of our own, for what the shared sample lacks --------------------------------

MEDLINE_CITES_TRIAL = """\
PMID- 11111111
TI  - A report that cites a trial the KB holds no record of.
DP  - 2001 Jan
LID - 10.1000/validate-a [doi]
SI  - ClinicalTrials.gov/NCT00000001
JT  - Journal of Tests
IS  - 0028-4793 (Print)

PMID- 22222222
TI  - A second PubMed record indexing the same DOI (a duplicate publication).
DP  - 2001
LID - 10.1000/validate-a [doi]

"""

FINDINGS_TEMPLATE = """\
source:
  id: {source}
  publication:
    title: A made-up report about a registered trial ({source})
trials:
  - key: t
    registry_ids: [NCT00000002]
    arms:
      - key: combo
        label: Combination
        interventions: [{first}, {second}]
      - key: control
        label: Control
        interventions: [{{drug: dexamethasone}}]
outcome_results:
  - key: response
    trial: t
    outcome: overall response rate
    comparisons:
      - {{arm: combo, reference_arm: control, p_value: 0.2}}
"""


def test_valid_records_the_shared_sample_lacks_conform(tmp_path: Path) -> None:
    medline = tmp_path / "records.nbib"
    medline.write_text(MEDLINE_CITES_TRIAL, encoding="utf-8")
    lenalidomide, dexamethasone = "{drug: lenalidomide}", "{drug: dexamethasone}"
    first = tmp_path / "first.yaml"
    first.write_text(FINDINGS_TEMPLATE.format(source="order-a", first=lenalidomide, second=dexamethasone), encoding="utf-8")
    second = tmp_path / "second.yaml"
    second.write_text(FINDINGS_TEMPLATE.format(source="order-b", first=dexamethasone, second=lenalidomide), encoding="utf-8")
    kb = KnowledgeBase.memory()
    kb.init()
    _ingest(kb, "medline", [medline])
    _ingest(kb, "findings", [first, second])
    report = validate_store(kb.store)
    assert report.conforms and report.violations == 0, _violations(report)


# -- the shapes still catch real errors --------------------------------------------------------

ARTICLE = URIRef("https://doi.org/10.1000/broken")
TRIAL = URIRef("https://w3id.org/trial-evidence-kb/id/trial/NCT00000003")
ARM = URIRef(f"{TRIAL}/arm/a")
INTERVENTION = URIRef(f"{ARM}/intervention/1")


def _base_graph() -> Graph:
    """A small conforming graph: an article reporting on a trial with one arm and intervention."""
    graph = Graph()
    graph.add((ARTICLE, RDF.type, URIRef("http://purl.org/spar/fabio/JournalArticle")))
    graph.add((ARTICLE, URIRef(TEKB + "reportsOn"), TRIAL))
    graph.add((ARTICLE, URIRef(TEKB + "registryId"), Literal("NCT00000003")))
    graph.add((TRIAL, RDF.type, URIRef(OBO + "OBI_0003699")))
    graph.add((TRIAL, URIRef(TEKB + "hasArm"), ARM))
    graph.add((ARM, RDF.type, URIRef(OBO + "OBI_0003706")))
    graph.add((ARM, URIRef("http://www.w3.org/2000/01/rdf-schema#label"), Literal("Arm A")))
    graph.add((ARM, URIRef(TEKB + "inTrial"), TRIAL))
    graph.add((ARM, URIRef(TEKB + "armKey"), Literal("a")))
    graph.add((ARM, URIRef(TEKB + "hasIntervention"), INTERVENTION))
    graph.add((INTERVENTION, RDF.type, URIRef(OBO + "OBI_0000931")))
    graph.add((INTERVENTION, URIRef(TEKB + "drug"), URIRef(OBO + "CHEBI_63791")))
    graph.add((INTERVENTION, URIRef(TEKB + "placebo"), Literal(False)))
    return graph


def test_the_base_graph_conforms() -> None:
    report = validate_graph(_base_graph())
    assert report.conforms, _violations(report)


def test_a_reference_to_an_untyped_trial_conforms() -> None:
    graph = _base_graph()
    graph.add((ARTICLE, URIRef(TEKB + "reportsOn"), URIRef("https://w3id.org/trial-evidence-kb/id/trial/NCT00000004")))
    assert validate_graph(graph).conforms


BROKEN: dict[str, tuple[tuple[URIRef, str, object], str]] = {
    "reports on an arm": ((ARTICLE, TEKB + "reportsOn", ARM), "reportsOn"),
    "reports on a literal": ((ARTICLE, TEKB + "reportsOn", Literal("NCT00000003")), "reportsOn"),
    "upper-case DOI": ((ARTICLE, "http://prismstandard.org/namespaces/basic/2.0/doi", Literal("10.1000/ABC")), "doi"),
    "PMID with letters": ((ARTICLE, "http://purl.org/spar/fabio/hasPubMedId", Literal("12a")), "hasPubMedId"),
    "ISRCTN as an NCT registry id": ((ARTICLE, TEKB + "registryId", Literal("ISRCTN12345678")), "registryId"),
    "drug as text": ((INTERVENTION, TEKB + "drug", Literal("lenalidomide")), "drug"),
    "placebo as text": ((INTERVENTION, TEKB + "placebo", Literal("yes")), "placebo"),
    "arm in a second trial": ((ARM, TEKB + "inTrial", ARTICLE), "inTrial"),
}


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_broken_graphs_do_not_conform(name: str) -> None:
    (subject, predicate, value), named = BROKEN[name]
    graph = _base_graph()
    graph.add((subject, URIRef(predicate), value))  # type: ignore[arg-type]
    report = validate_graph(graph)
    assert not report.conforms and report.violations >= 1
    assert named in report.text

