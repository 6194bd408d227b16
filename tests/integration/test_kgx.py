"""KGX export: the files pass the ``kgx`` package's validation and load back with it, offline.

Expected values are read from the example findings files with plain YAML, not from the KB.
"""

from __future__ import annotations

import csv
import json
from importlib.resources import files
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml

from kb.export.kgx import KGX_FILES, write_kgx

# A placeholder, not a registered Information Resource: vocabulary.md names no infores for this KB.
INFORES = "infores:example-placeholder"


@pytest.fixture(scope="module")
def kgx_dir(example_store, tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("kgx")
    write_kgx(example_store, directory, knowledge_source=INFORES)
    return directory


@pytest.fixture(scope="module")
def kgx_offline(tmp_path_factory: pytest.TempPathFactory):
    """The ``kgx`` package, set up to use the Biolink model the ``biolink-model`` package ships.

    kgx builds ``bmt.Toolkit()`` when ``kgx.utils.kgx_utils`` is imported, and Toolkit's default
    arguments are URLs of the Biolink schema and predicate map on GitHub; neither kgx nor bmt has a
    setting for another location. So, for that one import only, Toolkit's defaults point at the
    packaged schema and an empty predicate map; kgx then keeps that toolkit as its default. The
    JSON-LD contexts kgx reads (which prefixes a node id may have) are set through kgx's own
    configuration file (``kgx.config.get_config``), with Biolink's packaged prefix map.
    """
    pytest.importorskip("kgx")
    import bmt
    import kgx.config

    directory = tmp_path_factory.mktemp("kgx-config")
    prefix_map = json.loads((files("biolink_model") / "prefixmaps" / "biolink-model-prefix-map.json").read_text(encoding="utf-8"))
    (directory / "biolink.jsonld").write_text(json.dumps({"@context": prefix_map}), encoding="utf-8")
    (directory / "empty.jsonld").write_text(json.dumps({"@context": {}}), encoding="utf-8")
    contexts = {"biolink": "biolink.jsonld", "monarch_context": "empty.jsonld", "obo_context": "empty.jsonld"}
    config = {
        "graph_store": "kgx.graph.nx_graph.NxGraph",
        "logging": {"level": "WARNING", "format": "[%(name)s] %(levelname)s: %(message)s"},
        "jsonld-context": {name: str(directory / file) for name, file in contexts.items()},
    }
    (directory / "config.yml").write_text(yaml.safe_dump(config), encoding="utf-8")
    if kgx.config.config is not None:
        pytest.skip("kgx was configured before this fixture ran")
    kgx.config.get_config(str(directory / "config.yml"))

    schema = str(files("biolink_model") / "schema" / "biolink_model.yaml")
    defaults = bmt.Toolkit.__init__.__defaults__
    bmt.Toolkit.__init__.__defaults__ = (schema, {"predicate mappings": []})
    try:
        import kgx.utils.kgx_utils as kgx_utils

        kgx_utils._default_toolkit = kgx_utils.tk
    finally:
        bmt.Toolkit.__init__.__defaults__ = defaults
    from kgx.transformer import Transformer
    from kgx.validator import Validator

    return SimpleNamespace(Transformer=Transformer, Validator=Validator, toolkit=kgx_utils.tk)


def _tsv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))


def _jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.mark.parametrize("fmt", ["tsv", "jsonl"])
def test_kgx_validates_and_loads_back(kgx_offline, kgx_dir: Path, fmt: str) -> None:
    transformer = kgx_offline.Transformer()
    transformer.transform(input_args={"filename": [str(kgx_dir / f"nodes.{fmt}"), str(kgx_dir / f"edges.{fmt}")], "format": fmt})
    graph = transformer.store.graph
    assert graph.number_of_nodes() == len(_jsonl(kgx_dir / "nodes.jsonl"))
    assert graph.number_of_edges() == len(_jsonl(kgx_dir / "edges.jsonl"))
    validator = kgx_offline.Validator()
    validator.validate(graph)
    assert validator.get_errors() == {}
    assert kgx_offline.toolkit.get_model_version().startswith("4.")


def test_every_category_and_predicate_is_biolink(kgx_offline, kgx_dir: Path) -> None:
    toolkit = kgx_offline.toolkit
    for node in _jsonl(kgx_dir / "nodes.jsonl"):
        assert all(toolkit.is_category(c) for c in node["category"]), node
    for edge in _jsonl(kgx_dir / "edges.jsonl"):
        assert toolkit.is_predicate(edge["predicate"]), edge


def test_cli_export_kgx(built, tmp_path: Path) -> None:
    cli = built
    out = tmp_path / "kgx"
    result = cli("export", "--format", "kgx", "-o", str(out), "--infores", INFORES)
    assert result.code == 0, result.stderr
    assert sorted(p.name for p in out.iterdir()) == sorted(KGX_FILES)
    assert "nodes" in result.stderr and "edges" in result.stderr
    assert len(_tsv(out / "edges.tsv")) == len(_jsonl(out / "edges.jsonl")) == 7
    missing = cli("export", "--format", "kgx", "-o", str(tmp_path / "other"))
    assert missing.code == 1 and "infores" in missing.stderr
