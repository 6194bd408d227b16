"""KGX export: the files' columns, nodes and edges, and the ``treats`` rule (validation with ``kgx`` is in tests/integration).

Expected values are read from the example findings files with plain YAML, not from the KB.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml

from kb.errors import KBError
from kb.export.kgx import EDGE_COLUMNS, KGX_FILES, NODE_COLUMNS, supports_treats, write_kgx
from kb.paths import examples_dir

# A placeholder, not a registered Information Resource: vocabulary.md names no infores for this KB.
INFORES = "infores:example-placeholder"


def _example(name: str) -> dict:
    return yaml.safe_load((examples_dir() / name).read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def kgx_dir(example_store, tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("kgx")
    write_kgx(example_store, directory, knowledge_source=INFORES)
    return directory


def _tsv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))


def _jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_files_have_kgx_headers_and_agree(kgx_dir: Path) -> None:
    assert sorted(p.name for p in kgx_dir.iterdir()) == sorted(KGX_FILES)
    for name, columns in (("nodes", NODE_COLUMNS), ("edges", EDGE_COLUMNS)):
        rows, records = _tsv(kgx_dir / f"{name}.tsv"), _jsonl(kgx_dir / f"{name}.jsonl")
        assert tuple(rows[0]) == columns
        assert [r["id"] for r in rows] == [r["id"] for r in records]
    edges = _jsonl(kgx_dir / "edges.jsonl")
    for edge in edges:
        assert edge["primary_knowledge_source"] == INFORES
        assert edge["knowledge_level"] == "knowledge_assertion"
        assert edge["agent_type"] == "manual_agent"  # every example source is manual_curation
        assert edge["publications"], edge
    assert len({edge["id"] for edge in edges}) == len(edges)


def test_lenalidomide_has_adverse_event_neutropenia_with_the_mm009_doi(kgx_dir: Path) -> None:
    mm009 = _example("mm009_weber2007.yaml")
    mm010 = _example("mm010_ash2005.yaml")
    assert any(event["event"] == "neutropenia" for event in mm010["adverse_events"])
    # The MM-010 interim report has no DOI or PMID in its file, so only MM-009's DOI can be cited.
    assert not {"doi", "pmid"} & set(mm010["source"]["publication"])
    expected = [f"doi:{mm009['source']['publication']['doi'].lower()}"]
    edges = [e for e in _jsonl(kgx_dir / "edges.jsonl") if e["predicate"] == "biolink:has_adverse_event" and e["object"] == "HP:0001875"]
    assert [(e["subject"], e["publications"]) for e in edges] == [("CHEBI:63791", expected)]
    row = next(r for r in _tsv(kgx_dir / "edges.tsv") if r["id"] == edges[0]["id"])
    assert row["publications"] == "|".join(expected)


def test_lenalidomide_decreases_il6_abundance(kgx_dir: Path) -> None:
    claim = next(m for m in _example("mm009_weber2007.yaml")["mechanisms"] if m["key"] == "il6-abundance")
    assert (claim["direction"], claim["aspect"]) == ("decreased", "abundance")
    edge = next(e for e in _jsonl(kgx_dir / "edges.jsonl") if e["object"] == "HGNC:6018")
    assert edge["subject"] == "CHEBI:63791" and edge["predicate"] == "biolink:affects"
    assert edge["qualified_predicate"] == "biolink:causes"
    assert edge["object_aspect_qualifier"] == "abundance"
    assert edge["object_direction_qualifier"] == "decreased"
    caspase = next(e for e in _jsonl(kgx_dir / "edges.jsonl") if e["object"] == "HGNC:1509")
    assert (caspase["object_direction_qualifier"], caspase["causal_mechanism_qualifier"]) == ("increased", "activation")


def test_treats_only_from_mm009s_primary_outcome_dexamethasone_only_in_trials(kgx_dir: Path) -> None:
    mm009 = _example("mm009_weber2007.yaml")
    ttp = next(r for r in mm009["outcome_results"] if r["key"] == "ttp")
    assert (ttp["role"], ttp["conclusion"], mm009["trials"][0]["phase"]) == ("primary", "improved", "3")
    edges = {(e["subject"], e["predicate"], e["object"]): e for e in _jsonl(kgx_dir / "edges.jsonl")}
    treats = edges[("CHEBI:63791", "biolink:treats", "MONDO:0009693")]
    assert treats["publications"] == [f"doi:{mm009['source']['publication']['doi'].lower()}"]
    assert ("CHEBI:63791", "biolink:in_clinical_trials_for", "MONDO:0009693") not in edges
    # Dexamethasone is in both arms: no comparison isolates it.
    assert ("CHEBI:41879", "biolink:in_clinical_trials_for", "MONDO:0009693") in edges
    assert ("CHEBI:41879", "biolink:treats", "MONDO:0009693") not in edges


def test_nodes_trials_publications_and_xrefs(kgx_dir: Path) -> None:
    nodes = {n["id"]: n for n in _jsonl(kgx_dir / "nodes.jsonl")}
    leukemia = _example("pooled_leukemia2009.yaml")["source"]["publication"]
    assert nodes[f"PMID:{leukemia['pmid']}"]["category"] == ["biolink:JournalArticle"]
    for trial in _example("mm009_weber2007.yaml")["trials"] + _example("mm010_dimopoulos2007.yaml")["trials"]:
        node = nodes[f"CLINICALTRIALS:{trial['registry_ids'][0]}"]
        assert node["category"] == ["biolink:ClinicalTrial"] and node["name"] == trial["acronym"]
    lenalidomide = nodes["CHEBI:63791"]
    assert lenalidomide["category"] == ["biolink:SmallMolecule"] and "DRUGBANK:DB00480" in lenalidomide["xref"]
    assert nodes["HP:0001875"]["category"] == ["biolink:PhenotypicFeature"]
    assert nodes["MONDO:0009693"]["category"] == ["biolink:Disease"]
    assert nodes["GO:0071159"]["category"] == ["biolink:MacromolecularComplex"]
    assert all(n["provided_by"] == [INFORES] for n in nodes.values())


def test_one_source_and_unresolved_names(tmp_path: Path) -> None:
    from tests.conftest import build_store, example_files

    files_ = [p for p in example_files() if p.name == "mm009_weber2007.yaml"]
    text = files_[0].read_text(encoding="utf-8").replace("target: caspase 8", "target: no such protein xyz")
    broken = tmp_path / "mm009.yaml"
    broken.write_text(text, encoding="utf-8")
    store = build_store([broken])
    report = write_kgx(store, tmp_path / "out", source_id="weber-2007-mm009", knowledge_source=INFORES)
    assert report.left_out_edges == 1 and len(report.left_out_nodes) == 1
    assert "no-such-protein" in report.left_out_nodes[0]
    assert report.edges_by_predicate["biolink:affects"] == 2
    with pytest.raises(KBError, match="no source 'nope'"):
        write_kgx(store, tmp_path / "x", source_id="nope", knowledge_source=INFORES)
    with pytest.raises(KBError, match="infores"):
        write_kgx(store, tmp_path / "x")


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({}, True),
        ({"phase": "2"}, False),
        ({"randomized": None}, False),
        ({"role": "secondary"}, False),
        ({"conclusion": None}, False),
        ({"drug_arm_role": "placebo_comparator"}, False),
        ({"p_value": 0.05, "p_relation": "="}, False),
        ({"p_value": 0.05, "p_relation": "<"}, True),
        ({"p_value": None, "measure": "hazard_ratio", "ci_lower": 0.3, "ci_upper": 0.9}, True),
        ({"p_value": None, "measure": "hazard_ratio", "ci_lower": 0.8, "ci_upper": 1.2}, False),
        ({"p_value": None, "measure": "mean_difference", "ci_lower": 0.1, "ci_upper": 2.0}, True),
    ],
)
def test_treats_rule(changes: dict, expected: bool) -> None:
    row = {"phase": "3", "randomized": True, "role": "primary", "drug_arm_role": "experimental", "conclusion": "improved",
           "p_value": 0.001, "p_relation": "<", "measure": None, "ci_lower": None, "ci_upper": None}
    assert supports_treats(SimpleNamespace(**(row | changes))) is expected
