"""User vocabularies: readers for each format, merging into an in-memory store, listing and removal.

Fixtures are in tests/data/vocab (fictitious identifiers, see its README). Expected values
are read from the fixture files independently (csv, xml.etree, plain text), not by the code
under test.
"""

from __future__ import annotations

import csv
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from kb.errors import VocabularyError
from kb.rdf import IriScheme
from kb.store import KBStore
from ingest.vocabulary_files import category_name, format_for, read_user_vocabulary
from kb.vocab import Concept, get_vocabulary
from kb.vocab.stored import add_user_vocabulary, list_vocabularies, load_vocabulary, remove_user_vocabulary, user_graph
from tests.conftest import DATA_DIR

DATA = DATA_DIR / "vocab"
OBO, PURL = DATA / "drugs.obo", "http://purl.obolibrary.org/obo/"
IRIS = IriScheme()


def _by_iri(concepts: list[Concept]) -> dict[str, Concept]:
    return {concept.iri: concept for concept in concepts}


# --- readers ------------------------------------------------------------------------------


def _obo_terms(path: Path) -> list[dict[str, list[str]]]:
    """[Term] frames as tag -> values, by plain line reading."""
    terms, current = [], None
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("["):
            current = {} if line == "[Term]" else None
            if current is not None:
                terms.append(current)
        elif current is not None and ": " in line:
            tag, value = line.split(": ", 1)
            current.setdefault(tag, []).append(value)
    return terms


def test_obo_reads_names_exact_synonyms_and_known_xrefs() -> None:
    result = read_user_vocabulary(OBO)
    concepts = _by_iri(result.concepts)
    expected = [t for t in _obo_terms(OBO) if t.get("is_obsolete") != ["true"]]
    assert len(concepts) == len(expected) == 2
    for term in expected:
        prefix, local = term["id"][0].split(":")
        concept = concepts[f"{PURL}{prefix}_{local}"]
        exact = [s.split('"')[1] for s in term.get("synonym", []) if '" EXACT' in s]
        assert concept.label == term["name"][0] and list(concept.synonyms) == exact
        assert concept.category == "drug"  # from the CHEBI prefix
    pomalidomide = concepts[f"{PURL}CHEBI_999990001"]
    assert pomalidomide.xrefs == ("http://identifiers.org/drugbank/DB99901",)  # UMLS is no known prefix
    assert "imid" not in pomalidomide.synonyms  # RELATED synonyms are not names


def test_turtle_and_rdfxml_read_classes_and_concepts() -> None:
    concepts = _by_iri(read_user_vocabulary(DATA / "events.ttl").concepts)
    assert set(concepts) == {f"{PURL}HP_9990001", f"{PURL}HP_9990003"}  # deprecated and untyped left out
    rash = concepts[f"{PURL}HP_9990001"]
    assert (rash.label, rash.synonyms, rash.category) == ("test rash", ("testing exanthem",), "adverse_event")
    assert rash.xrefs == ("http://identifiers.org/meddra/99900001",)
    itch = concepts[f"{PURL}HP_9990003"]
    assert (itch.label, itch.synonyms, itch.xrefs) == ("test itch", ("test pruritus",), ("http://identifiers.org/meddra/99900003",))

    root = ET.parse(DATA / "events.owl").getroot()
    rdf, rdfs = "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}", "{http://www.w3.org/2000/01/rdf-schema#}"
    expected = {c.get(rdf + "about"): c.find(rdfs + "label").text for c in root}
    read = read_user_vocabulary(DATA / "events.owl").concepts
    assert {c.iri: c.label for c in read} == expected
    assert read[0].synonyms == ("test singultus",)


def _sssom_rows(path: Path) -> list[dict[str, str]]:
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if not line.startswith("#")]
    return list(csv.DictReader(lines, delimiter="\t"))


def test_sssom_exact_mappings_name_the_object_concept() -> None:
    path = DATA / "events.sssom.tsv"
    result = read_user_vocabulary(path)
    rows = _sssom_rows(path)
    exact = [r for r in rows if r["predicate_id"] == "skos:exactMatch"]
    assert result.mappings_ignored == len(rows) - len(exact) == 1
    concepts = _by_iri(result.concepts)
    for row in exact:
        prefix, local = row["object_id"].split(":")
        concept = concepts[f"{PURL}{prefix}_{local}"]
        assert concept.label == row["object_label"] and concept.synonyms == (row["subject_label"],)
        assert concept.xrefs == (f"http://identifiers.org/meddra/{row['subject_id'].split(':')[1]}",)
        assert concept.category == "adverse_event"


def test_simple_tsv_with_categories_from_column_and_prefix() -> None:
    path = DATA / "simple.tsv"
    rows = [r for r in csv.reader(path.read_text(encoding="utf-8").splitlines(), delimiter="\t") if r and not r[0].startswith("#")][1:]
    concepts = read_user_vocabulary(path).concepts
    assert [c.label for c in concepts] == [r[1] for r in rows]
    assert [list(c.synonyms) for c in concepts] == [[s for s in r[2].split("|") if s] for r in rows]
    assert [c.category for c in concepts] == ["drug", "outcome", "drug"]  # column, column, CHEBI prefix
    assert concepts[1].iri == "https://example.org/outcome/9" and concepts[1].curie is None


def test_category_option_overrides_the_file() -> None:
    assert {c.category for c in read_user_vocabulary(DATA / "simple.tsv", category="conditions").concepts} == {"condition"}


@pytest.mark.parametrize(
    ("name", "text", "complaint"),
    [
        ("broken.obo", None, "broken.obo:6: not valid OBO"),
        ("broken.tsv", None, "broken.tsv:3: expected id, label"),
        ("bad.ttl", "@prefix x: <http://x/> .\nx:a x:b x:c .\nx:a x:b x:c x:d .\n", "bad.ttl:3: not valid turtle"),
        ("mesh.tsv", "id\tlabel\nMESH:D000001\tsomething\n", "mesh.tsv:2: cannot tell the category of MESH:D000001"),
        ("prefix.tsv", "NOPE:1\tsomething\tx\tdrug\n", "prefix.tsv:1: identifier 'NOPE:1'"),
        ("category.tsv", "CHEBI:999990009\tsomething\t\tdiseases\n", "category.tsv:1: unknown vocabulary category 'diseases'"),
        ("header.sssom.tsv", "# curie_map: [unclosed\nsubject_id\n", "header.sssom.tsv"),
        ("columns.sssom.tsv", "# curie_map: {}\nsubject_id\tobject_id\n", "columns.sssom.tsv:2: SSSOM table lacks the columns predicate_id"),
        ("empty.tsv", "# nothing\n", "no concepts found"),
        ("file.json", "{}", "cannot tell the vocabulary format"),
    ],
)
def test_malformed_files_name_file_and_line(tmp_path: Path, name: str, text: str | None, complaint: str) -> None:
    path = DATA / name if text is None else tmp_path / name
    if text is not None:
        path.write_text(text, encoding="utf-8")
    with pytest.raises(VocabularyError) as caught:
        read_user_vocabulary(path)
    assert complaint in str(caught.value)


def test_format_and_category_names() -> None:
    assert format_for(Path("a.sssom.tsv")) == "sssom" and format_for(Path("A.OWL")) == "rdfxml" and format_for(Path("b.tsv")) == "tsv"
    assert category_name("adverse_events") == "adverse_event" and category_name("Targets") == "target"
    with pytest.raises(VocabularyError, match="drugs, targets"):
        category_name("genes")


# --- merging into the store -----------------------------------------------------------------


def test_add_merges_into_existing_concepts_and_keeps_one_preflabel() -> None:
    store = KBStore.memory()
    report = add_user_vocabulary(store, IRIS, OBO, name="obo")
    assert (report.read, report.new, report.extended) == (2, 1, 1)
    vocabulary = load_vocabulary(store, IRIS)
    lenalidomide = vocabulary.resolve("lenalidomide capsules", category="drug")
    assert lenalidomide is not None and lenalidomide.curie == "CHEBI:63791" and lenalidomide.label == "lenalidomide"
    assert vocabulary.resolve("Pomalyst test").curie == "CHEBI:999990001"
    assert vocabulary.resolve("DRUGBANK:DB99901").curie == "CHEBI:999990001"
    graph = user_graph(IRIS, "obo")
    prefs = [q for q in store.quads(graph) if q.predicate.value.endswith("#prefLabel")]
    assert [(q.subject.value, q.object.value) for q in prefs] == [(f"{PURL}CHEBI_999990001", "pomalidomide test")]
    assert get_vocabulary().resolve("lenalidomide capsules") is None  # the bundled vocabulary is untouched


def test_clashing_names_are_skipped_and_reported(tmp_path: Path) -> None:
    path = tmp_path / "clash.tsv"
    path.write_text("CHEBI:999990005\tfake drug test\tRevlimid|fresh name test\n", encoding="utf-8")
    store = KBStore.memory()
    report = add_user_vocabulary(store, IRIS, path)
    assert any("'Revlimid' already names <http://purl.obolibrary.org/obo/CHEBI_63791>" in note for note in report.skipped)
    vocabulary = load_vocabulary(store, IRIS)
    assert vocabulary.resolve("Revlimid").curie == "CHEBI:63791"
    assert vocabulary.resolve("fresh name test").curie == "CHEBI:999990005"


def test_stored_user_concepts_conform_to_the_shapes() -> None:
    from kb.vocab.stored import ensure_vocabulary
    from kb.validate import validate_store

    store = KBStore.memory()
    ensure_vocabulary(store, IRIS, get_vocabulary())
    for path in (OBO, DATA / "events.ttl", DATA / "events.sssom.tsv", DATA / "simple.tsv"):
        add_user_vocabulary(store, IRIS, path)
    report = validate_store(store)
    assert report.conforms, report.text


def test_remove_user_vocabulary_names_the_known_ones() -> None:
    store = KBStore.memory()
    add_user_vocabulary(store, IRIS, DATA / "events.owl", name="owl")
    with pytest.raises(VocabularyError, match=r"user vocabularies: owl"):
        remove_user_vocabulary(store, IRIS, "other")
    assert [v.name for v in list_vocabularies(store, IRIS) if v.kind == "user"] == ["owl"]
    with pytest.raises(VocabularyError, match="invalid vocabulary name"):
        add_user_vocabulary(store, IRIS, DATA / "events.owl", name="../x")


def test_fingerprint_follows_what_resolves() -> None:
    store = KBStore.memory()
    bundled = get_vocabulary()
    assert load_vocabulary(store, IRIS).fingerprint == bundled.fingerprint
    add_user_vocabulary(store, IRIS, DATA / "events.owl", name="owl")
    grown = load_vocabulary(store, IRIS)
    assert grown.fingerprint != bundled.fingerprint and grown.fingerprint == load_vocabulary(store, IRIS).fingerprint
    remove_user_vocabulary(store, IRIS, "owl")
    assert load_vocabulary(store, IRIS).fingerprint == bundled.fingerprint
