"""Start-up, checked by structure (never by time): what importing ``kb``, ``kb.cli`` and running
``kb --help`` or ``kb query`` loads, the lazy public names of ``kb``, the lazy ``kb`` command
group against the commands it stands for, and lookups that must not scan the whole store."""

from __future__ import annotations

import ast
import importlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

import kb
from tests.conftest import DATA_DIR

ROOT = Path(__file__).resolve().parents[2]
#: Libraries only some commands need: none is imported to start the CLI.
HEAVY = ("networkx", "rdflib", "pyshacl", "requests", "requests_cache", "lxml", "bibtexparser", "rispy", "fastobo", "pydantic", "curies", "yaml")
SUBCOMMAND_MODULES = ("kb.cli.store_cmd", "kb.cli.query_cmd", "kb.cli.quickstart_cmd", "kb.cli.ingest_cmd", "kb.cli.graph_cmd", "kb.cli.vocab_cmd")


def _loaded_after(code: str) -> dict[str, list[str]]:
    """Run ``code`` in a fresh interpreter; the heavy libraries and the kb modules it left imported."""
    probe = (
        f"{code}\nimport json, sys\n"
        f"heavy = sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r})\n"
        "print(json.dumps({'heavy': heavy, 'kb': sorted(m for m in sys.modules if m == 'kb' or m.startswith('kb.'))}))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    found: dict[str, list[str]] = json.loads(done.stdout.strip().splitlines()[-1])
    return found


def test_importing_the_cli_imports_no_heavy_library_and_no_subcommand() -> None:
    loaded = _loaded_after("import kb.cli.main")
    assert loaded["heavy"] == []
    assert not set(loaded["kb"]) & {*SUBCOMMAND_MODULES, "kb.knowledge_base", "kb.export", "kb.models", "kb.store", "kb.ingestion"}


def test_kb_help_lists_the_commands_without_importing_them() -> None:
    code = (
        "import contextlib, io\nfrom kb.cli.main import main\n"
        "with contextlib.redirect_stdout(io.StringIO()) as out:\n"
        "    assert main(['--help']) == 0\n"
        "assert all(name in out.getvalue() for name in ('init', 'query', 'export', 'ingest', 'graph', 'vocab', 'sources'))"
    )
    loaded = _loaded_after(code)
    assert loaded["heavy"] == []
    assert not set(loaded["kb"]) & set(SUBCOMMAND_MODULES)


def test_import_kb_imports_only_the_errors() -> None:
    loaded = _loaded_after("import kb")
    assert loaded == {"heavy": [], "kb": ["kb", "kb.errors"]}


def test_a_query_imports_neither_the_network_export_nor_the_readers() -> None:
    code = (
        "import contextlib, io\nfrom kb.cli.main import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    assert main(['--store', ':memory:', 'query', 'stats']) == 0"
    )
    loaded = _loaded_after(code)
    assert not {"networkx", "pyshacl", "lxml", "bibtexparser", "rispy", "fastobo"} & {m.split(".")[0] for m in loaded["heavy"]}
    assert not {"kb.export.network", "kb.export.kgx", "kb.export.tables", "kb.validate"} & set(loaded["kb"])
    assert [m for m in loaded["kb"] if m.startswith("kb.cli.") and m.endswith("_cmd")] == ["kb.cli.query_cmd"]


@pytest.mark.parametrize("name", kb.__all__)
def test_every_public_name_imports_from_kb(name: str) -> None:
    namespace: dict[str, object] = {}
    exec(f"from kb import {name}", namespace)  # noqa: S102 - the statement users write
    assert namespace[name] is getattr(kb, name)
    assert name in dir(kb)


def test_the_lazy_names_are_the_modules_own_and_match_the_type_checking_imports() -> None:
    assert set(kb._LAZY) | {"__version__"} | {n for n in kb.__all__ if n.endswith(("Error", "Failed"))} == set(kb.__all__)
    for name, module in kb._LAZY.items():
        assert getattr(kb, name) is getattr(importlib.import_module(module), name), name
    # The TYPE_CHECKING block of kb/__init__.py imports the same names from the same modules.
    tree = ast.parse((ROOT / "kb" / "__init__.py").read_text(encoding="utf-8"))
    block = next(node for node in tree.body if isinstance(node, ast.If) and getattr(node.test, "id", "") == "TYPE_CHECKING")
    typed = {alias.name: node.module for node in block.body if isinstance(node, ast.ImportFrom) for alias in node.names}
    assert typed == kb._LAZY
    with pytest.raises(AttributeError):
        kb.no_such_name  # noqa: B018


def test_the_command_table_matches_the_commands() -> None:
    import typer.main

    from kb.cli.main import COMMANDS, app, load_commands

    for module in dict.fromkeys(module for module, _help in COMMANDS.values()):
        names = [name for name, (owner, _help) in COMMANDS.items() if owner == module]
        built = load_commands(module, names[0])
        assert sorted(built) == sorted(names), module
        for name in names:
            own = (built[name].help or "").split("\n\n")[0].replace("\n", " ").strip()
            assert COMMANDS[name][1] == own, name
    group = typer.main.get_command(app)
    assert list(group.commands) == list(COMMANDS)  # type: ignore[attr-defined]


def test_user_graphs_are_found_without_listing_every_named_graph() -> None:
    from kb.rdf import IriScheme
    from kb.store import OxigraphStore
    from kb.vocab.stored import add_user_vocabulary, user_graph, user_graphs

    class NoListing(OxigraphStore):
        def named_graphs(self):  # type: ignore[no-untyped-def]
            raise AssertionError("user_graphs listed every named graph")

    iris = IriScheme()
    store = OxigraphStore.memory()
    for name in ("zeta", "alpha"):
        add_user_vocabulary(store, iris, DATA_DIR / "vocab" / "simple.tsv", name=name)
    store.replace_graph(user_graph(iris, "other-data"), [])  # nothing: not a graph
    store.__class__ = NoListing
    found = user_graphs(store, iris)
    assert found == {"alpha": user_graph(iris, "alpha"), "zeta": user_graph(iris, "zeta")}
    assert list(found) == ["alpha", "zeta"]


def test_a_template_is_read_when_asked_for_and_once() -> None:
    from kb.query.templates import _load, load_template

    _load.cache_clear()
    first = load_template("stats")
    assert _load.cache_info().currsize == 1  # one file read, not the catalogue
    assert load_template("stats") is first
