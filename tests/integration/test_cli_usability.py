"""The ``kb`` command's usability (issue 11 item 5: query, sparql, export and help; issue 12's
empty ``--store``): formats inferred from ``-o``, quiet broken pipes, one meaning per short
option, help without Python types, a template's own help, ``--columns``, tables that fit."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from rdflib import Graph

from tests.conftest import CliResult

MM009_DOI = "10.1056/nejmoa070596"


def _ok(result: CliResult) -> CliResult:
    assert result.code == 0, result.stderr
    return result


def _flat(text: str) -> str:
    """``text`` without the frame and line breaks of a usage-error box."""
    return re.sub(r"[\s│╭╮╰╯─]+", " ", text)


def _no_traceback(result: CliResult) -> None:
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr


# -- kb export -o FILE: the format from the extension ----------------------------------------


@pytest.mark.parametrize(("name", "rdflib_format"), [("out.ttl", "turtle"), ("out.nt", "nt"), ("out.nq", "nquads"), ("out.rdf", "xml")])
def test_export_infers_the_format_from_the_output_extension(built, tmp_path: Path, name: str, rdflib_format: str) -> None:
    output = tmp_path / name
    _ok(built("export", "-o", str(output)))
    text = output.read_text(encoding="utf-8")
    if rdflib_format == "turtle":
        assert text.startswith("@prefix") and " <https://w3id.org/trial-evidence-kb/id/graph/" not in text  # no N-Quads
    graph = Graph()
    if rdflib_format == "nquads":
        from rdflib import Dataset

        graph = Dataset()
    graph.parse(output, format=rdflib_format)
    assert len(graph) > 100


@pytest.mark.parametrize(("name", "hint"), [("out.csv", "evidence-csv or adverse-events-csv"), ("out.json", "node-link"), ("outdir", "--format")])
def test_export_refuses_an_extension_that_names_no_single_format(built, tmp_path: Path, name: str, hint: str) -> None:
    result = built("export", "-o", str(tmp_path / name))
    assert result.code == 2
    _no_traceback(result)
    assert "cannot tell the format" in _flat(result.stderr) and hint in _flat(result.stderr)
    assert not (tmp_path / name).exists()


def test_an_explicit_format_wins_over_the_extension_and_f_is_format(built, tmp_path: Path) -> None:
    output = tmp_path / "triples.txt"
    _ok(built("export", "-f", "nt", "-o", str(output)))
    assert Graph().parse(output, format="nt")


def test_a_construct_template_exported_to_a_ttl_file_is_turtle(built, tmp_path: Path) -> None:
    output = tmp_path / "drug.ttl"
    _ok(built("export", "--query", "drug_evidence", "-p", "drug=lenalidomide", "-o", str(output)))
    assert len(Graph().parse(output, format="turtle")) > 10


# -- a broken pipe ends quietly ------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ("export", "--format", "nt"),  # the export wraps the error in an ExportError
        ("sparql", "--format", "tsv", "SELECT * WHERE { ?s ?p ?o }"),  # typer sees it itself
        ("query", "outcome_results", "-p", "drug=lenalidomide", "--format", "json"),
    ],
)
def test_a_broken_pipe_ends_quietly(built_store_dir: Path, args: tuple[str, ...]) -> None:
    command = [sys.executable, "-c", "from kb.cli.main import main; main()", "--store", str(built_store_dir), *args]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdout is not None and process.stderr is not None
    assert process.stdout.read(10)
    process.stdout.close()  # the reader goes away, as `| head -c 10` would
    stderr = process.stderr.read().decode()
    code = process.wait(timeout=120)
    assert stderr == "", stderr
    assert code in (0, 1)  # 0 if everything fitted in the pipe before it closed


# -- short options, help texts ---------------------------------------------------------------


def _all_commands() -> dict[str, object]:
    from kb.cli.main import COMMANDS, load_commands

    found: dict[str, object] = {}

    def walk(prefix: str, command: object) -> None:
        found[prefix] = command
        for name, sub in getattr(command, "commands", {}).items():
            walk(f"{prefix} {name}", sub)

    for module in dict.fromkeys(module for module, _help in COMMANDS.values()):
        for name, command in load_commands(module, next(n for n, (m, _h) in COMMANDS.items() if m == module)).items():
            walk(name, command)
    return found


def test_every_short_option_means_one_long_option_in_every_command() -> None:
    meanings: dict[str, set[str]] = {}
    for command in _all_commands().values():
        for param in getattr(command, "params", ()):
            longs = [opt for opt in param.opts if opt.startswith("--")]
            for short in (opt for opt in param.opts if re.fullmatch(r"-[A-Za-z]", opt)):
                meanings.setdefault(short, set()).update(f"{long}" for long in longs)
    clashes = {short: sorted(longs) for short, longs in meanings.items() if len(longs) > 1}
    assert clashes == {}
    assert meanings["-f"] == {"--format"} and meanings["-o"] == {"--output"} and meanings["-p"] == {"--param"}


@pytest.mark.parametrize(
    "args",
    [(), ("query",), ("sparql",), ("export",), ("stats",), ("sources", "list"), ("ingest", "findings"), ("ingest", "doi"),
     ("vocab", "add"), ("graph", "paths"), ("init",)],
)
def test_help_shows_no_python_types(cli, args: tuple[str, ...]) -> None:
    result = _ok(cli(*args, "--help"))
    for python_type in ("<str>", "<bool>", "<int>", "<float>", "list[", "<Path>", "<path>", "<file>"):
        assert python_type not in result.stdout, (args, python_type)


def test_help_names_the_value_types_plainly(cli) -> None:
    text = _ok(cli("query", "--help")).stdout
    assert re.search(r"--param\s+-p\s+TEXT\.\.\.", text) and re.search(r"--format\s+-f\s+table\|csv\|tsv\|json", text)
    assert re.search(r"--list\s+-l\s+List", text)  # a flag shows no type
    assert re.search(r"files\.\.\.\s+PATH", _ok(cli("ingest", "findings", "--help")).stdout)


# -- kb query NAME --help, --columns, tables that fit ----------------------------------------


def test_query_name_help_lists_the_templates_parameters_and_columns(cli) -> None:
    text = _ok(cli("query", "adverse_events", "--help")).stdout
    assert "Template adverse_events" in text
    for parameter in ("drug (concept)", "min_grade (integer)", "min_incidence (decimal)", "trial (trial)"):
        assert parameter in text
    assert "comparator_percent" in re.sub(r"\s+", " ", text)
    assert "Template adverse_events" not in _ok(cli("query", "--help")).stdout
    assert "Template outcome_results" in _ok(cli("query", "-f", "json", "-p", "drug=x", "outcome_results", "-h")).stdout


def test_query_help_for_an_unknown_template_is_an_error(cli) -> None:
    result = cli("query", "no_such_template", "--help")
    assert result.code == 1 and "no_such_template" in result.stderr
    _no_traceback(result)


def test_columns_picks_and_orders_the_columns(built) -> None:
    result = _ok(built("query", "outcome_results", "-p", "drug=lenalidomide", "--columns", "doi,statistic,value", "--format", "json"))
    rows = json.loads(result.stdout)
    assert rows and all(list(row) == ["doi", "statistic", "value"] for row in rows)
    assert {"hazard_ratio", "median"} <= {row["statistic"] for row in rows}
    csv = _ok(built("query", "outcome_results", "-p", "drug=lenalidomide", "--columns", "value, doi", "--format", "csv")).stdout
    assert csv.splitlines()[0] == "value,doi"


def test_an_unknown_column_is_an_error_naming_the_columns(built) -> None:
    result = built("query", "outcome_results", "-p", "drug=lenalidomide", "--columns", "doi,nosuch")
    assert result.code == 1
    _no_traceback(result)
    assert "'nosuch'" in result.stderr and "statistic" in result.stderr


def test_a_default_table_fits_its_width_and_names_the_columns_left_out(built) -> None:
    result = _ok(built("query", "outcome_results", "-p", "drug=lenalidomide"))
    assert max(len(line) for line in result.stdout.splitlines()) <= 240  # the width off a terminal
    assert "do not fit in 240 characters" in result.stderr and "finding" in result.stderr and "--columns" in result.stderr
    picked = _ok(built("query", "outcome_results", "-p", "drug=lenalidomide", "--columns", "trial,finding"))
    assert "do not fit" not in picked.stderr and "finding" in picked.stdout


def test_tables_fit_a_narrow_console() -> None:
    import io

    from rich.console import Console

    from kb.cli.output import fitting_columns

    columns = ["trial", "outcome", "arm", "value", "doi", "quote"]
    cells = [["MM-009", "overall survival", "Lenalidomide plus dexamethasone", "0.44", MM009_DOI, "x" * 300]]
    shown = fitting_columns(columns, cells, 80)
    assert shown == [0, 1, 2, 3] and fitting_columns(columns, cells, 10) == [0]
    out = io.StringIO()
    from rich.table import Table

    table = Table()
    for index in shown:
        table.add_column(columns[index], overflow="fold")
    table.add_row(*(cells[0][i] for i in shown))
    Console(file=out, width=80).print(table)
    assert max(len(line) for line in out.getvalue().splitlines()) <= 80
    assert "Lenalidomide plus dexamethasone" in out.getvalue()  # not folded to a few characters a line


def _on_a_terminal(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], width: int) -> None:
    monkeypatch.setenv("COLUMNS", str(width))
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True, raising=False)


def _widest(text: str) -> int:
    """The widest line of ``text`` as a terminal shows it (without colour codes)."""
    return max(len(re.sub(r"\x1b\[[0-9;]*m", "", line)) for line in text.splitlines())


def test_a_terminal_table_fits_the_terminal(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from kb.cli.output import RowFormat, print_rows

    _on_a_terminal(monkeypatch, capsys, 80)
    columns = ("trial", "outcome", "arm", "value", "doi", "source", "status")
    print_rows(columns, [("MM-009", "overall survival", "Lenalidomide plus dexamethasone", 0.44, MM009_DOI, "weber-2007-mm009", "draft")], RowFormat.table)
    out, err = capsys.readouterr()
    assert _widest(out) <= 80 and "Lenalidomide plus dexamethasone" in out
    assert "do not fit in 80 characters: doi, source, status" in re.sub(r"\s+", " ", err)


def test_the_catalogue_listing_folds_rather_than_drops(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from kb.cli.main import main

    _on_a_terminal(monkeypatch, capsys, 80)
    assert main(["--store", ":memory:", "query", "--list"]) == 0
    out, err = capsys.readouterr()
    assert "summary" in out and "do not fit" not in err
    assert _widest(out) <= 80


# -- kb sparql: what is refused, and why -------------------------------------------------------


def test_sparql_update_says_updates_are_refused(built) -> None:
    result = built("sparql", "PREFIX ex: <http://example.org/>\nINSERT DATA { ex:a ex:b ex:c }")
    assert result.code == 1
    _no_traceback(result)
    assert "updates are refused" in result.stderr and "INSERT at line 2, column 1" in result.stderr
    assert "expected CONSTRUCT" not in result.stderr


def test_sparql_typo_is_a_syntax_error_at_its_place(built) -> None:
    result = built("sparql", "SELEKT * WHERE { ?s ?p ?o }")
    assert result.code == 1
    assert "syntax error at line 1, column 1" in result.stderr and "'SELEKT'" in result.stderr
    assert "expected CONSTRUCT" not in result.stderr


def test_sparql_deep_nesting_is_refused_naming_the_file(built, tmp_path: Path) -> None:
    query = tmp_path / "deep.rq"
    query.write_text("SELECT * WHERE { ?s ?p ?o FILTER(" + "(" * 5_000 + "1" + ")" * 5_000 + ") }\n", encoding="utf-8")
    result = built("sparql", "--file", str(query))
    assert result.code == 1
    assert "deep.rq" in result.stderr and "more than 500 deep" in result.stderr


def test_sparql_f_is_the_format_and_an_old_f_file_still_works_with_a_note(built, tmp_path: Path) -> None:
    assert _ok(built("sparql", "-f", "csv", "ASK { ?s ?p ?o }")).stdout.strip() == "true"
    query = tmp_path / "ask.rq"
    query.write_text("ASK { ?s ?p ?o }", encoding="utf-8")
    old = _ok(built("sparql", "-f", str(query)))
    assert json.loads(old.stdout)["boolean"] is True and "use --file" in old.stderr
    bad = built("sparql", "-f", "bogus", "ASK {}")
    assert bad.code == 2 and "'bogus' is not one of json, xml, csv, tsv" in _flat(bad.stderr)


def test_sparql_query_file_that_is_not_utf8_is_an_error_naming_it(built, tmp_path: Path) -> None:
    query = tmp_path / "latin1.rq"
    query.write_bytes("SELECT * WHERE { ?s ?p \"caf\xe9\" }".encode("latin-1"))
    result = built("sparql", "--file", str(query))
    assert result.code == 1 and "latin1.rq: not UTF-8" in result.stderr
    _no_traceback(result)


# -- global options ----------------------------------------------------------------------------


@pytest.mark.parametrize("store", ["", "   "])
def test_an_empty_store_path_is_an_error(store: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import io
    from contextlib import redirect_stderr, redirect_stdout

    from kb.cli import main

    monkeypatch.setenv("HOME", str(tmp_path))  # the default store it once fell back to is under it
    monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(["--store", store, "ingest", "findings", str(tmp_path / "none.yaml")])
    assert code == 2 and "--store" in err.getvalue() and "empty store path" in _flat(err.getvalue())
    assert not any(tmp_path.rglob("*")), "nothing is written"
