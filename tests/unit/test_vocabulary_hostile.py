"""Hostile vocabulary files (issue 12, item 2): an RDF/XML entity bomb is refused before Oxigraph
parses it (it aborted the process with a Rust out-of-memory error); namespace entities still read."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.vocabulary_files import read_user_vocabulary
from kb.errors import VocabularyError
from tests.conftest import data_path


def test_an_entity_bomb_is_refused_naming_the_file() -> None:
    path = data_path("hostile", "rdfxml_entity_bomb.owl")
    with pytest.raises(VocabularyError, match=r"rdfxml_entity_bomb.owl: refused: the DOCTYPE declares entities that refer to others"):
        read_user_vocabulary(path, category="adverse_events")


def test_an_external_entity_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "external.owl"
    path.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE rdf:RDF [ <!ENTITY x SYSTEM "file:///etc/passwd"> ]>\n'
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>\n', encoding="utf-8")
    with pytest.raises(VocabularyError, match="refused"):
        read_user_vocabulary(path, category="drugs")


def test_namespace_entities_as_protege_writes_them_still_read(tmp_path: Path) -> None:
    path = tmp_path / "protege.owl"
    path.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE rdf:RDF [\n'
        '  <!ENTITY obo "http://purl.obolibrary.org/obo/" >\n'
        '  <!ENTITY rdfs "http://www.w3.org/2000/01/rdf-schema#" >\n]>\n'
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:rdfs="&rdfs;" xmlns:owl="http://www.w3.org/2002/07/owl#">\n'
        '  <owl:Class rdf:about="&obo;HP_9999998"><rdfs:label>test lassitude</rdfs:label></owl:Class>\n'
        '</rdf:RDF>\n', encoding="utf-8")
    result = read_user_vocabulary(path, category="adverse_events")
    assert [(c.iri, c.label) for c in result.concepts] == [("http://purl.obolibrary.org/obo/HP_9999998", "test lassitude")]
