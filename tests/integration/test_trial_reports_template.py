"""``trial_reports`` keeps each source's analyses apart when two sources report one publication."""

from __future__ import annotations

from pathlib import Path

import yaml

from kb import KnowledgeBase
from kb.paths import examples_dir


def test_each_source_shows_only_its_own_analyses(tmp_path: Path) -> None:
    original = examples_dir() / "mm009_weber2007.yaml"
    document = yaml.safe_load(original.read_text(encoding="utf-8"))
    document["source"]["id"] = "weber-2007-mm009-second-reading"
    document["analyses"] = [dict(document["analyses"][0], label="a second reader's analysis")]
    second = tmp_path / "second.yaml"
    second.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    kb = KnowledgeBase.memory()
    report = kb.ingest("findings", [original, second])
    assert not report.failed
    rows = kb.query("trial_reports", {"trial": "MM-009"})
    labels = {(row.source, row.analysis_label) for row in rows}
    assert labels == {
        ("weber-2007-mm009", "analysis reported in Weber et al. 2007 (data cut-off not verified)"),
        ("weber-2007-mm009-second-reading", "a second reader's analysis"),
    }
