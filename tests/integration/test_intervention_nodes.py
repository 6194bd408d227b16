"""Two sources describing one arm never mix their interventions on one node (issue 12, found by
validating a KB of valid records: interventions were named by their position in the arm)."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import yaml

from kb import KnowledgeBase
from kb.namespaces import TEKB
from kb.paths import examples_dir
from kb.rdf import IriScheme

DRUG = ox.NamedNode(str(TEKB.drug))
DOSE = ox.NamedNode(str(TEKB.dose))
HAS_INTERVENTION = ox.NamedNode(str(TEKB.hasIntervention))


def _second_reading(tmp_path: Path) -> Path:
    """The MM-009 report as a second source that lists each arm's interventions in reverse order."""
    document = yaml.safe_load((examples_dir() / "mm009_weber2007.yaml").read_text(encoding="utf-8"))
    document["source"]["id"] = "weber-2007-mm009-reversed"
    for trial in document["trials"]:
        for arm in trial.get("arms", []):
            arm["interventions"] = list(reversed(arm["interventions"]))
    path = tmp_path / "reversed.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return path


def test_interventions_listed_in_another_order_keep_one_drug_each(tmp_path: Path) -> None:
    kb = KnowledgeBase.memory()
    report = kb.ingest("findings", [examples_dir() / "mm009_weber2007.yaml", _second_reading(tmp_path)])
    assert not report.failed
    nodes = {quad.object for quad in kb.store.quads_matching(None, HAS_INTERVENTION, None, None)}
    assert nodes
    for node in nodes:
        assert isinstance(node, ox.NamedNode)
        drugs = {quad.object for quad in kb.store.quads_matching(node, DRUG, None, None)}
        doses = {quad.object for quad in kb.store.quads_matching(node, DOSE, None, None)}
        assert len(drugs) <= 1 and len(doses) <= 1, f"{node.value} holds {drugs} and {doses}"
    # The same intervention said the same way by both sources is one node: each of the two arms
    # has two interventions, whichever order the sources list them in.
    assert len(nodes) == 4


def test_the_same_file_twice_maps_to_the_same_interventions(tmp_path: Path) -> None:
    first = KnowledgeBase.memory()
    first.ingest("findings", [examples_dir() / "mm009_weber2007.yaml"])
    second = KnowledgeBase.memory()
    second.ingest("findings", [examples_dir() / "mm009_weber2007.yaml"])
    assert {q.object for q in first.store.quads_matching(None, HAS_INTERVENTION, None, None)} == \
        {q.object for q in second.store.quads_matching(None, HAS_INTERVENTION, None, None)}


ALT_LABEL = ox.NamedNode("http://www.w3.org/2004/02/skos/core#altLabel")


def test_other_names_label_the_intervention_and_only_an_unresolved_drug(tmp_path: Path) -> None:
    document = yaml.safe_load((examples_dir() / "mm009_weber2007.yaml").read_text(encoding="utf-8"))
    arm = document["trials"][0]["arms"][0]
    arm["interventions"][0]["other_names"] = ["Revlimid", "CC-5013"]  # lenalidomide: in the vocabulary
    arm["interventions"].append({"drug": "Zorbixumab", "other_names": ["ZRB-1"]})  # in no vocabulary
    path = tmp_path / "named.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    kb = KnowledgeBase.memory()
    assert not kb.ingest("findings", [path]).failed
    source_graph = ox.NamedNode(IriScheme().source_graph(document["source"]["id"]))
    labelled = {(quad.subject.value, quad.object.value) for quad in kb.store.quads_matching(None, ALT_LABEL, None, source_graph)}
    drugs = {quad.subject.value for quad in kb.store.quads_matching(None, DRUG, None, None)}
    on_interventions = {name for node, name in labelled if "/intervention/" in node}
    on_concepts = {(node.rsplit("/", 1)[-1], name) for node, name in labelled if "/intervention/" not in node}
    assert {"Revlimid", "CC-5013", "ZRB-1"} <= on_interventions
    assert on_concepts == {("zorbixumab", "ZRB-1")}, "a vocabulary's concept gets no names from a source"
    assert drugs
    assert kb.query("outcome_results", {"drug": "ZRB-1"}) == kb.query("outcome_results", {"drug": "Zorbixumab"})
