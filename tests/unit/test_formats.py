"""The tables of input and export formats, tied to what is derived from them."""

from __future__ import annotations

import io
from importlib.metadata import entry_points

import pytest

from kb.errors import ExportError
from kb.export import EXPORT_FORMATS, export, export_format
from kb.export.tables import write_table
from kb.formats import INPUT_FORMATS, UNRANKED, VOCABULARY_FORMATS, InputMode, merge_ranks
from kb.knowledge_base import KnowledgeBase
from kb.models import SourceKind
from kb.namespaces import TEKB
from kb.readers import ENTRY_POINT_GROUP, FETCHER_GROUP, VOCABULARY_READER_GROUP
from kb.vocab.stored import rank_triples
from kb.rdf import IriScheme


def _names(mode: InputMode) -> set[str]:
    return {row.name for row in INPUT_FORMATS if row.mode is mode}


def test_input_format_names_are_unique_and_cover_every_source_kind() -> None:
    names = [row.name for row in INPUT_FORMATS]
    assert len(names) == len(set(names))
    assert {row.source_kind for row in INPUT_FORMATS} == set(SourceKind)
    assert all(row.merge_rank is None for row in INPUT_FORMATS if row.mode is InputMode.fetch)


def test_entry_points_are_exactly_the_tables_readers_and_fetchers() -> None:
    assert {ep.name for ep in entry_points(group=ENTRY_POINT_GROUP)} == _names(InputMode.file)
    assert {ep.name for ep in entry_points(group=FETCHER_GROUP)} == _names(InputMode.fetch)
    assert len(list(entry_points(group=VOCABULARY_READER_GROUP))) == 1


def test_the_ingest_commands_are_generated_from_the_table() -> None:
    from kb.cli.ingest_cmd import app

    commands = {command.name for command in app.registered_commands}
    assert commands == {row.name for row in INPUT_FORMATS}
    helps = {command.name: command.callback.__doc__ for command in app.registered_commands if command.callback}
    assert all(helps[row.name] == row.summary for row in INPUT_FORMATS)


def test_merge_ranks_follow_the_table_and_rank_every_kind() -> None:
    ranks = merge_ranks()
    assert set(ranks) == {kind.value for kind in SourceKind}
    assert [kind for kind, _ in sorted(ranks.items(), key=lambda item: item[1])][:7] == [
        "pubmed", "medline", "crossref", "findings", "csl", "ris", "bibtex"]
    assert ranks["ctgov"] == UNRANKED


def test_rank_triples_state_each_rank() -> None:
    triples = rank_triples(IriScheme())
    stated = {}
    for triple in triples:
        if triple.predicate.value == str(TEKB.rankedSourceKind):
            stated.setdefault(triple.subject, {})["kind"] = triple.object.value
        elif triple.predicate.value == str(TEKB.mergeRank):
            stated.setdefault(triple.subject, {})["rank"] = int(triple.object.value)
    assert {entry["kind"]: entry["rank"] for entry in stated.values()} == merge_ranks()


def test_vocabulary_formats_are_what_the_reader_reads() -> None:
    from ingest.vocabulary_files import FORMATS

    assert set(FORMATS) == set(VOCABULARY_FORMATS)


def test_export_formats_are_unique_and_each_family_has_a_writer() -> None:
    names = [row.name for row in EXPORT_FORMATS]
    assert len(names) == len(set(names))
    assert {row.family for row in EXPORT_FORMATS} == {"rdf", "table", "network", "kgx"}
    assert export_format("turtle").per_source and not export_format("graphml").per_source


def test_every_export_format_writes_from_a_kb_with_only_its_vocabulary(tmp_path) -> None:
    kb = KnowledgeBase.memory()
    assert kb.init()
    for row in EXPORT_FORMATS:
        if row.to_directory:
            result = kb.export(row.name, tmp_path / row.name, infores="infores:example")
            assert result.kgx is not None and (tmp_path / row.name / "nodes.tsv").exists()
        else:
            buffer = io.BytesIO()
            result = kb.export(row.name, buffer)
            assert result.format == row.name and buffer.getvalue(), row.name


def test_the_cli_offers_every_export_format() -> None:
    import typer.main

    from kb.cli.main import app

    command = typer.main.get_command(app).commands["export"]  # type: ignore[attr-defined]
    option = next(p for p in command.params if p.name == "fmt")
    assert all(row.name in option.help for row in EXPORT_FORMATS)


@pytest.mark.parametrize("name", ["bogus", "csv", ""])
def test_unknown_export_formats_are_errors(name: str) -> None:
    kb = KnowledgeBase.memory()
    with pytest.raises(ExportError, match="unknown export format"):
        kb.export(name, io.BytesIO())
    with pytest.raises(ExportError, match="unknown"):
        write_table(kb, io.BytesIO(), format=name)


def test_source_selection_is_refused_where_a_format_covers_the_whole_kb() -> None:
    with pytest.raises(ExportError, match="covers the whole KB"):
        export(KnowledgeBase.memory(), "evidence-csv", io.BytesIO(), source_id="x")


def test_kgx_needs_a_directory_and_an_infores(tmp_path) -> None:
    kb = KnowledgeBase.memory()
    with pytest.raises(ExportError, match="writes several files: give their directory"):
        kb.export("kgx", io.BytesIO(), infores="infores:example")
    from kb.errors import KBError

    with pytest.raises(KBError, match="infores CURIE"):
        kb.export("kgx", tmp_path / "kgx")
