"""The name resolver (kb.vocab) over the bundled vocabularies and small vocabularies in tmp_path."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from hypothesis import given
from hypothesis import strategies as st

from kb.errors import KBError, UnknownTermError, VocabularyError
from kb.paths import vocabulary_dir
from kb.vocab import CATEGORIES, Concept, Vocabulary, get_vocabulary, normalize_name

OBO = "http://purl.obolibrary.org/obo/"
TEKB = "https://w3id.org/trial-evidence-kb/ontology#"


@pytest.fixture(scope="module")
def vocabulary() -> Vocabulary:
    return Vocabulary.load()


# (text, category, expected CURIE): every name the brief lists, in several spellings.
RESOLVES = [
    # drugs
    ("lenalidomide", "drug", "CHEBI:63791"),
    ("Revlimid", "drug", "CHEBI:63791"),
    ("REVLIMID", None, "CHEBI:63791"),
    ("CC-5013", "drug", "CHEBI:63791"),
    ("cc 5013", "drug", "CHEBI:63791"),
    ("lenalidomid", "drug", "CHEBI:63791"),
    ("dexamethasone", "drug", "CHEBI:41879"),
    ("Decadron", "drug", "CHEBI:41879"),
    ("thalidomide", "drug", "CHEBI:9513"),
    ("Thalomid", "drug", "CHEBI:9513"),
    ("bortezomib", "drug", "CHEBI:52717"),
    ("Velcade", "drug", "CHEBI:52717"),
    ("PS-341", "drug", "CHEBI:52717"),
    # targets
    ("interleukin-6", "target", "HGNC:6018"),
    ("interleukin 6", "target", "HGNC:6018"),
    ("IL-6", "target", "HGNC:6018"),
    ("IL6", "target", "HGNC:6018"),
    ("IFNB2", "target", "HGNC:6018"),
    ("BSF-2", "target", "HGNC:6018"),
    ("NF-κB", "target", "GO:0071159"),
    ("NF-kB", "target", "GO:0071159"),
    ("NF-kappaB", "target", "GO:0071159"),
    ("NF-kappa-B", "target", "GO:0071159"),
    ("nf kappa b", "target", "GO:0071159"),
    ("nuclear factor kappa-B", "target", "GO:0071159"),
    ("nuclear factor κ-B", "target", "GO:0071159"),
    ("Nuclear Factor Kappa B", "target", "GO:0071159"),
    ("NFKB1", "target", "HGNC:7794"),
    ("caspase 8", "target", "HGNC:1509"),
    ("caspase-8", "target", "HGNC:1509"),
    ("CASP8", "target", "HGNC:1509"),
    ("cereblon", "target", "HGNC:30185"),
    ("CRBN", "target", "HGNC:30185"),
    ("proteasome", "target", "GO:0000502"),
    ("26S proteasome", "target", "GO:0000502"),
    ("proteasome complex", "target", "GO:0000502"),
    # conditions
    ("multiple myeloma", "condition", "MONDO:0009693"),
    ("Multiple Myeloma", None, "MONDO:0009693"),
    ("myeloma", "condition", "MONDO:0009693"),
    ("plasma cell myeloma", "condition", "MONDO:0009693"),
    ("relapsed or refractory multiple myeloma", "condition", "MONDO:0004816"),
    ("relapsed/refractory multiple myeloma", "condition", "MONDO:0004816"),
    ("refractory multiple myeloma", "condition", "MONDO:0004816"),
    ("RRMM", "condition", "MONDO:0004816"),
    ("refractory plasma cell neoplasm", "condition", "MONDO:0004816"),
    ("anaemia", "condition", "MONDO:0002280"),
    # outcomes
    ("time to progression", "outcome", "tekb:TimeToProgression"),
    ("TTP", "outcome", "tekb:TimeToProgression"),
    ("progression-free survival", "outcome", "tekb:ProgressionFreeSurvival"),
    ("progression free survival", "outcome", "tekb:ProgressionFreeSurvival"),
    ("PFS", "outcome", "tekb:ProgressionFreeSurvival"),
    ("overall survival", "outcome", "tekb:OverallSurvival"),
    ("OS", "outcome", "tekb:OverallSurvival"),
    ("overall response rate", "outcome", "tekb:OverallResponseRate"),
    ("overall response", "outcome", "tekb:OverallResponseRate"),
    ("response rate", "outcome", "tekb:OverallResponseRate"),
    ("complete or partial response", "outcome", "tekb:OverallResponseRate"),
    ("ORR", "outcome", "tekb:OverallResponseRate"),
    ("complete response rate", "outcome", "tekb:CompleteResponseRate"),
    ("complete response", "outcome", "tekb:CompleteResponseRate"),
    ("CR", "outcome", "tekb:CompleteResponseRate"),
    ("duration of response", "outcome", "tekb:DurationOfResponse"),
    # adverse events
    ("neutropenia", "adverse_event", "HP:0001875"),
    ("neutrophil count decreased", "adverse_event", "HP:0001875"),
    ("febrile neutropenia", "adverse_event", "MEDDRA:10016288"),
    ("thrombocytopenia", "adverse_event", "HP:0001873"),
    ("platelet count decreased", "adverse_event", "HP:0001873"),
    ("anemia", "adverse_event", "HP:0001903"),
    ("anaemia", "adverse_event", "HP:0001903"),
    ("thromboembolism", "adverse_event", "HP:0001907"),
    ("thromboembolic event", "adverse_event", "HP:0001907"),
    ("thromboembolic events", "adverse_event", "HP:0001907"),
    ("thromboembolic", "adverse_event", "HP:0001907"),
    ("venous thromboembolism", "adverse_event", "MONDO:0005399"),
    ("VTE", "adverse_event", "MONDO:0005399"),
    ("venous thromboembolic event", "adverse_event", "MONDO:0005399"),
    ("deep vein thrombosis", "adverse_event", "HP:0002625"),
    ("DVT", "adverse_event", "HP:0002625"),
    ("pulmonary embolism", "adverse_event", "HP:0002204"),
    ("fatigue", "adverse_event", "HP:0012378"),
    ("constipation", "adverse_event", "HP:0002019"),
    ("peripheral neuropathy", "adverse_event", "HP:0009830"),
    ("neuropathy", "adverse_event", "HP:0009830"),
]


@pytest.mark.parametrize(("text", "category", "curie"), RESOLVES)
def test_resolves_names_and_synonyms(vocabulary: Vocabulary, text: str, category: str | None, curie: str) -> None:
    concept = vocabulary.resolve(text, category=category)
    assert concept is not None, text
    assert concept.curie == curie


@pytest.mark.parametrize(
    ("text", "curie"),
    [
        ("CHEBI:63791", "CHEBI:63791"),
        ("chebi:63791", "CHEBI:63791"),
        ("Chebi:63791", "CHEBI:63791"),
        ("http://purl.obolibrary.org/obo/CHEBI_63791", "CHEBI:63791"),
        ("<http://purl.obolibrary.org/obo/CHEBI_63791>", "CHEBI:63791"),
        ("  CHEBI:63791 ", "CHEBI:63791"),
        ("GO:0071159", "GO:0071159"),
        ("go:0071159", "GO:0071159"),
        ("HGNC:7794", "HGNC:7794"),  # the gene itself wins over the complex's relatedMatch
        ("hgnc:6018", "HGNC:6018"),
        ("tekb:TimeToProgression", "tekb:TimeToProgression"),
        (TEKB + "OverallSurvival", "tekb:OverallSurvival"),
        ("MEDDRA:10016288", "MEDDRA:10016288"),
        # cross-references resolve to the concept that lists them
        ("NCIT:C17380", "GO:0071159"),
        ("ncit:c17380", "GO:0071159"),
        ("MESH:D016328", "GO:0071159"),
        ("DRUGBANK:DB00480", "CHEBI:63791"),
        ("drugbank:DB00480", "CHEBI:63791"),
        ("http://identifiers.org/drugbank/DB00480", "CHEBI:63791"),
        ("CHEBI:74947", "CHEBI:9513"),
        ("NCBIGene:3569", "HGNC:6018"),
        ("UniProtKB:Q96SW2", "HGNC:30185"),
        ("DOID:9538", "MONDO:0009693"),
        ("MESH:D009101", "MONDO:0009693"),
        ("NCIT:C3242", "MONDO:0009693"),
        ("NCIT:C96613", "tekb:OverallResponseRate"),
        ("EFO:0004286", "MONDO:0005399"),
        ("MEDDRA:10043565", "HP:0001907"),
    ],
)
def test_resolves_identifiers_and_xrefs(vocabulary: Vocabulary, text: str, curie: str) -> None:
    concept = vocabulary.resolve(text)
    assert concept is not None, text
    assert concept.curie == curie


def test_every_name_of_every_concept_resolves_to_it(vocabulary: Vocabulary) -> None:
    for concept in vocabulary.concepts():
        for name in concept.names:
            assert vocabulary.resolve(name, category=concept.category) == concept, name
        assert vocabulary.resolve(concept.iri) == concept
        assert concept.curie is not None
        assert vocabulary.resolve(concept.curie) == concept


def test_concept_fields(vocabulary: Vocabulary) -> None:
    concept = vocabulary.resolve("Revlimid")
    assert concept == vocabulary.get(OBO + "CHEBI_63791")
    assert isinstance(concept, Concept)
    assert (concept.iri, concept.curie, concept.label, concept.category) == (
        OBO + "CHEBI_63791", "CHEBI:63791", "lenalidomide", "drug"
    )
    assert {"Revlimid", "CC-5013", "lenalidomid"} <= set(concept.synonyms)
    assert "http://identifiers.org/drugbank/DB00480" in concept.xrefs
    nfkb = vocabulary.resolve("NF-κB")
    assert {OBO + "NCIT_C17380", "http://id.nlm.nih.gov/mesh/D016328", "http://identifiers.org/hgnc/7794"} <= set(nfkb.xrefs)
    with pytest.raises(AttributeError):
        concept.label = "x"  # type: ignore[misc]


def test_category_filters(vocabulary: Vocabulary) -> None:
    assert vocabulary.resolve("lenalidomide", category="target") is None
    assert vocabulary.resolve("CHEBI:63791", category="adverse_event") is None
    assert vocabulary.resolve("NCIT:C17380", category="drug") is None
    # the same name in two categories: a MONDO condition and an HP adverse event
    assert vocabulary.resolve("anemia", category="condition").curie == "MONDO:0002280"
    assert vocabulary.resolve("anemia", category="adverse_event").curie == "HP:0001903"
    # without a category the first of CATEGORIES wins for names ...
    assert CATEGORIES.index("condition") < CATEGORIES.index("adverse_event")
    assert vocabulary.resolve("anemia").curie == "MONDO:0002280"
    # ... but a concept's own IRI beats another concept's cross-reference
    assert vocabulary.resolve("HP:0001903").curie == "HP:0001903"
    assert vocabulary.resolve("HP:0001903", category="condition").curie == "MONDO:0002280"


def test_unknown_category_is_an_error(vocabulary: Vocabulary) -> None:
    with pytest.raises(VocabularyError, match="disease"):
        vocabulary.resolve("myeloma", category="disease")
    with pytest.raises(VocabularyError):
        list(vocabulary.concepts("disease"))


@pytest.mark.parametrize("text", ["aspirin", "", "   ", "CHEBI:15365", "NOPE:1", "http://example.org/x", "--"])
def test_unknown_text_is_none(vocabulary: Vocabulary, text: str) -> None:
    assert vocabulary.resolve(text) is None


def test_a_full_iri_is_not_a_name(vocabulary: Vocabulary) -> None:
    assert vocabulary.resolve("https://example.org/lenalidomide") is None


def test_strict_unknown_names_text_category_and_suggestions(vocabulary: Vocabulary) -> None:
    with pytest.raises(UnknownTermError) as caught:
        vocabulary.resolve("lenalidomde", category="drug", strict=True)
    message = str(caught.value)
    assert "'lenalidomde'" in message and "'drug'" in message and "'lenalidomide'" in message
    assert isinstance(caught.value, VocabularyError) and isinstance(caught.value, KBError)

    with pytest.raises(UnknownTermError) as caught:
        vocabulary.resolve("thrombocytopenja", strict=True)
    assert "thrombocytopenia" in str(caught.value)

    with pytest.raises(UnknownTermError, match="no similar names"):
        vocabulary.resolve("zzzzqqq", category="outcome", strict=True)


def test_strict_suggestions_at_most_three(vocabulary: Vocabulary) -> None:
    with pytest.raises(UnknownTermError) as caught:
        vocabulary.resolve("thrombo", category="adverse_event", strict=True)
    suggested = str(caught.value).split("did you mean", 1)[-1]
    assert suggested.count("'") <= 6


def test_concepts_listing(vocabulary: Vocabulary) -> None:
    every = list(vocabulary.concepts())
    assert len(every) == len(vocabulary) == len({c.iri for c in every})
    assert [c.category for c in every] == sorted((c.category for c in every), key=CATEGORIES.index)
    for category in CATEGORIES:
        chosen = list(vocabulary.concepts(category))
        assert chosen and all(c.category == category for c in chosen)
    assert vocabulary.get("http://example.org/nothing") is None


def test_iter_triples_are_the_vocabulary_files(vocabulary: Vocabulary) -> None:
    triples = list(vocabulary.iter_triples())
    assert triples and all(isinstance(t, ox.Triple) for t in triples)
    expected = rdflib.Graph()
    for path in vocabulary_dir().glob("*.ttl"):
        expected.parse(path)
    assert len(set(triples)) == len(triples) == len(expected)
    graph = ox.NamedNode("https://w3id.org/trial-evidence-kb/id/graph/vocabulary")
    quads = list(vocabulary.iter_quads(graph))
    assert len(quads) == len(triples) and all(q.graph_name == graph for q in quads)


def test_get_vocabulary_is_cached() -> None:
    assert get_vocabulary() is get_vocabulary()
    assert len(get_vocabulary()) == len(Vocabulary.load())


# --- normalize_name -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("NF-κB", "nfkappab"),
        ("NF-kappaB", "nfkappab"),
        ("nf kappa b", "nfkappab"),
        ("NF-ΚB", "nfkappab"),  # capital kappa
        ("TNF-α", "tnfalpha"),
        ("β2-microglobulin", "beta2microglobulin"),
        ("IFN-γ", "ifngamma"),
        ("Δ", "delta"),
        ("Crème Brûlée", "cremebrulee"),
        ("Straße", "strasse"),
        ("ＩＬ－６", "il6"),  # full-width forms
        ("", ""),
    ],
)
def test_normalize_name(text: str, expected: str) -> None:
    assert normalize_name(text) == expected


@given(st.text())
def test_normalize_name_is_idempotent(text: str) -> None:
    once = normalize_name(text)
    assert normalize_name(once) == once
    assert all(char in "abcdefghijklmnopqrstuvwxyz0123456789" for char in once)


@given(st.text(alphabet=st.characters(categories=["Lu", "Ll", "Nd", "Zs", "Pd"])))
def test_normalize_name_ignores_case(text: str) -> None:
    assert normalize_name(text.upper()) == normalize_name(text.lower()) == normalize_name(text)


# --- loading: errors name the file ------------------------------------------------------

HEADER = """
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix tekb: <https://w3id.org/trial-evidence-kb/ontology#> .
@prefix CHEBI: <http://purl.obolibrary.org/obo/CHEBI_> .
"""


def _concept(curie: str, label: str, *alt: str, category: str = "drug", extra: str = "") -> str:
    alts = f"skos:altLabel {', '.join(repr_ttl(a) for a in alt)} ;" if alt else ""
    return (
        f"{curie} a skos:Concept ; tekb:vocabularyCategory {repr_ttl(category)} ; "
        f"skos:prefLabel {repr_ttl(label)} ; {alts} {extra} skos:notation {repr_ttl(curie)} .\n"
    )


def repr_ttl(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _write(path: Path, body: str) -> Path:
    path.write_text(HEADER + body, encoding="utf-8")
    return path


def test_clash_in_one_file_names_the_file_and_the_names(tmp_path: Path) -> None:
    clash = _write(tmp_path / "clash.ttl", _concept("CHEBI:1", "alpha-drug", "NF-κB") + _concept("CHEBI:2", "beta-drug", "nf kappa b"))
    with pytest.raises(VocabularyError) as caught:
        Vocabulary.load([clash])
    message = str(caught.value)
    assert "clash.ttl" in message
    assert "'NF-κB'" in message and "'nf kappa b'" in message and "nfkappab" in message


def test_clash_across_files_names_both_files(tmp_path: Path) -> None:
    first = _write(tmp_path / "first.ttl", _concept("CHEBI:1", "Alpha Drug"))
    second = _write(tmp_path / "second.ttl", _concept("CHEBI:2", "alpha-drug"))
    with pytest.raises(VocabularyError) as caught:
        Vocabulary.load([first, second])
    assert "first.ttl" in str(caught.value) and "second.ttl" in str(caught.value)


def test_same_name_in_two_categories_is_fine(tmp_path: Path) -> None:
    path = _write(tmp_path / "ok.ttl", _concept("CHEBI:1", "anemia") + _concept("CHEBI:2", "anemia", category="condition"))
    vocabulary = Vocabulary.load([path])
    assert vocabulary.resolve("anemia", category="condition").curie == "CHEBI:2"
    assert vocabulary.resolve("Anemia").curie == "CHEBI:1"


def test_shared_xref_in_one_category_is_a_clash(tmp_path: Path) -> None:
    xref = "skos:closeMatch <http://id.nlm.nih.gov/mesh/D1> ;"
    path = _write(tmp_path / "xref.ttl", _concept("CHEBI:1", "one", extra=xref) + _concept("CHEBI:2", "two", extra=xref))
    with pytest.raises(VocabularyError, match="xref.ttl"):
        Vocabulary.load([path])


@pytest.mark.parametrize(
    ("body", "complaint"),
    [
        ("CHEBI:1 a skos:Concept ; skos:prefLabel 'x' ; skos:notation 'CHEBI:1' .", "vocabularyCategory"),
        ("CHEBI:1 a skos:Concept ; tekb:vocabularyCategory 'disease' ; skos:prefLabel 'x' .", "vocabularyCategory"),
        ("CHEBI:1 a skos:Concept ; tekb:vocabularyCategory 'drug' .", "prefLabel"),
        ("CHEBI:1 a skos:Concept ; tekb:vocabularyCategory 'drug' ; skos:prefLabel 'x', 'y' .", "prefLabel"),
        ("CHEBI:1 a skos:Concept ; tekb:vocabularyCategory 'drug' ; skos:prefLabel 'x' ; skos:notation 'CHEBI:2' .", "notation"),
        ("CHEBI:1 a skos:Concept ; tekb:vocabularyCategory 'drug' ; skos:prefLabel '--' .", "no letters"),
        ("[] a skos:Concept ; tekb:vocabularyCategory 'drug' ; skos:prefLabel 'x' .", "blank node"),
        ("CHEBI:1 a skos:Concept ; this is not turtle", "cannot read"),
    ],
)
def test_malformed_files_name_the_file(tmp_path: Path, body: str, complaint: str) -> None:
    path = _write(tmp_path / "bad.ttl", body)
    with pytest.raises(VocabularyError) as caught:
        Vocabulary.load([path])
    assert "bad.ttl" in str(caught.value) and complaint in str(caught.value)


def test_missing_file_is_a_vocabulary_error(tmp_path: Path) -> None:
    with pytest.raises(VocabularyError, match="missing.ttl"):
        Vocabulary.load([tmp_path / "missing.ttl"])


def test_load_merges_files_and_skips_non_concepts(tmp_path: Path) -> None:
    drugs = _write(tmp_path / "a.ttl", _concept("CHEBI:1", "one", "uno") + "CHEBI:9 skos:prefLabel 'not a concept' .\n")
    more = _write(tmp_path / "b.ttl", "CHEBI:1 skos:altLabel 'eins' .\n")
    vocabulary = Vocabulary.load([drugs, more])
    assert len(vocabulary) == 1
    assert vocabulary.resolve("EINS").synonyms == ("uno", "eins")
    assert vocabulary.resolve("not a concept") is None
