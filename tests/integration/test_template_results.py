"""Every SELECT template gives the rows it gave before the query rework (issue 10), on the bundled
examples and, when ../shared is there, on the examples plus every shared fixture.

The goldens in tests/data/golden were written by ``template_goldens.py`` with the code before the
rework (templates with COALESCE selectors and GRAPH label lookups): per call, the number of rows and
a SHA-256 of the rows (so no record of the shared fixtures is copied into the project). What may
differ, and why:
``stats.quads`` and ``provenance.content_hash`` (the mapping now writes labels onto findings and
its version is part of every hash), and ``node_labels`` rows of ontology terms added since.
``node_labels`` of interventions: they were named by position and are named by content since
issue 12 (two sources of a pooled arm had mixed their interventions on one node, now two nodes,
one more row); its golden entries were rewritten then, from the rows the code gave.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


from tests.conftest import shared_path
from tests.integration.template_goldens import CALLS, build, digest, results

GOLDEN = Path(__file__).resolve().parents[1] / "data" / "golden"


def _check(label: str, found: dict[str, list[list[Any]]]) -> None:
    expected = json.loads((GOLDEN / f"{label}.json").read_text(encoding="utf-8"))
    summary = digest(found)
    assert set(summary) == set(expected)
    differing = [key for key in expected if summary[key] != expected[key]]
    assert not differing, f"rows changed for: {differing}"


def test_the_calls_cover_every_select_template() -> None:
    from kb.query import iter_templates

    selects = {t.name for t in iter_templates() if t.form == "select"}
    assert {name for name, _ in CALLS} == selects


def test_template_rows_on_the_examples_equal_the_goldens() -> None:
    _check("examples", results(build(None)))


def test_template_rows_on_the_shared_fixtures_equal_the_goldens() -> None:
    shared = shared_path()
    _check("examples_and_shared", results(build(shared)))
