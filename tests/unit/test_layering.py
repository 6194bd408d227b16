"""The architecture, checked: one module touches pyoxigraph's Store, kb never imports ingest,
the layers import one way only, and modules stay small."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SOURCES = sorted([*ROOT.glob("kb/**/*.py"), *ROOT.glob("ingest/**/*.py")])
#: The one module allowed to use pyoxigraph.Store.
STORE_BACKEND = ROOT / "kb" / "store" / "oxigraph.py"
#: Layers, lowest first: a module may import its own layer and those below it, never above.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("kb.errors", "kb.identifiers", "kb.curie", "kb.namespaces", "kb.paths", "kb.sparql", "kb.models"),
    ("kb.rdf", "kb.store", "kb.vocab.concepts", "kb.vocab.vocabulary", "kb.vocab"),
    ("kb.formats", "kb.readers", "kb.vocab.stored"),
    ("kb.query",),
    ("kb.ingestion", "kb.export", "kb.validate", "kb.synthesis", "kb.extraction"),
    ("kb.knowledge_base",),
    ("kb.cli", "kb", "kb.extraction.curation", "kb.living", "kb.serve", "kb.release"),  # curation reads and writes drafts through a KnowledgeBase; saved searches load through one
)
MAX_LINES = 450


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path) -> list[tuple[int, str, tuple[str, ...]]]:
    """Every import in ``path``, module level or inside functions: (line, module, names)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name, ()) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module, tuple(alias.name for alias in node.names)))
    return found


def _layer(module: str) -> int | None:
    best: tuple[int, int] | None = None  # (length of the matching prefix, layer)
    for index, prefixes in enumerate(LAYERS):
        for prefix in prefixes:
            # "kb" (the package's __init__) is its own layer, not a prefix of every module.
            if module == prefix or (prefix != "kb" and module.startswith(prefix + ".")):
                if best is None or len(prefix) > best[0]:
                    best = (len(prefix), index)
    return None if best is None else best[1]


def _store_uses(path: Path) -> list[int]:
    """Lines where ``path`` names pyoxigraph's Store (``ox.Store``, ``from pyoxigraph import Store``)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    aliases = {alias.asname or alias.name for node in ast.walk(tree) if isinstance(node, ast.Import)
               for alias in node.names if alias.name == "pyoxigraph"}
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "pyoxigraph" and any(a.name == "Store" for a in node.names):
            lines.append(node.lineno)
        elif isinstance(node, ast.Attribute) and node.attr == "Store" and isinstance(node.value, ast.Name) and node.value.id in aliases:
            lines.append(node.lineno)
    return lines


def test_the_sources_are_found() -> None:
    assert STORE_BACKEND in SOURCES and len(SOURCES) > 60


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_only_the_oxigraph_backend_touches_pyoxigraphs_store(path: Path) -> None:
    if path == STORE_BACKEND:
        assert _store_uses(path), "the backend is where the Store is used"
        return
    assert _store_uses(path) == [], f"{path.relative_to(ROOT)} uses pyoxigraph.Store: go through kb.store.StoreBackend"


def test_the_store_check_catches_both_spellings(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("import pyoxigraph as ox\nfrom pyoxigraph import Store\nstore = ox.Store()\n", encoding="utf-8")
    assert _store_uses(sample) == [2, 3]


@pytest.mark.parametrize("path", [p for p in SOURCES if _module_name(p).startswith("kb")], ids=lambda p: str(p.relative_to(ROOT)))
def test_kb_never_imports_ingest_and_layers_import_downwards(path: Path) -> None:
    """Importers plug in through entry points; each layer of kb imports only its own and lower layers."""
    module = _module_name(path)
    own = _layer(module)
    assert own is not None, f"{module} is in no layer: add it to LAYERS"
    for line, imported, names in _imports(path):
        assert not (imported == "ingest" or imported.startswith("ingest.")), f"{module}:{line} imports {imported}"
        if not imported.startswith("kb"):
            continue
        targets = [imported] if imported != "kb" else [f"kb.{name}" for name in names]
        for target in targets:
            layer = _layer(target)
            assert layer is None or layer <= own, f"{module}:{line} imports {target}, a layer above it"


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_modules_stay_small(path: Path) -> None:
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{path.relative_to(ROOT)} has {lines} lines: split it by concern"
