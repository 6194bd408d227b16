"""Template results as they were before the query rework: build a KB, run every SELECT template.

``python -m tests.integration.template_goldens DIR`` writes each corpus's results into DIR, as
row counts and digests (``test_template_results.digest``); the goldens in tests/data/golden were
written this way by the code before the rework, and ``test_template_results.py`` builds the same
KBs with today's code and compares.
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from kb import KnowledgeBase
from kb.namespaces import TEKB_NS
from kb.paths import examples_dir
from kb.query import load_template
from kb.readers import get_reader

FIXED_TIME = datetime(2026, 1, 1, tzinfo=timezone.utc)
REPOSITORY = Path(__file__).resolve().parents[2]

#: (template, parameters): every SELECT template, with parameters that select rows in the corpora.
CALLS: list[tuple[str, dict[str, Any]]] = [
    ("publication", {"doi": "10.1056/NEJMoa070596"}),
    ("publication", {"doi": "10.1038/leu.2009.147"}),
    ("outcome_results", {}),
    ("outcome_results", {"drug": "lenalidomide"}),
    ("outcome_results", {"drug": "lenalidomide", "outcome": "overall survival"}),
    ("outcome_results", {"trial": "MM-009"}),
    ("outcome_results", {"trial": "mm-010"}),
    ("outcome_results", {"trial": "NCT00056160"}),
    ("outcome_results", {"drug": "dexamethasone", "trial": "MM-009"}),
    ("outcome_results", {"doi": "10.1056/NEJMoa070596"}),
    ("adverse_events", {}),
    ("adverse_events", {"drug": "lenalidomide"}),
    ("adverse_events", {"drug": "lenalidomide", "min_grade": 3}),
    ("adverse_events", {"drug": "lenalidomide", "min_grade": 3, "trial": "MM-009"}),
    ("adverse_events", {"trial": "MM-010"}),
    ("adverse_events", {"event": "neutropenia", "min_incidence": 10}),
    ("mechanisms", {"drug": "Revlimid"}),
    ("mechanisms", {"target": "interleukin-6"}),
    ("drugs_for_target", {"target": "interleukin-6"}),
    ("trial_reports", {"trial": "MM-009"}),
    ("trial_reports", {"trial": "NCT00056160"}),
    ("registry_results", {"trial": "MM-009"}),
    ("provenance", {"source": "weber-2007-mm009"}),
    ("stats", {}),
    ("sources", {}),
    ("evidence_table", {}),
    ("adverse_event_table", {}),
    ("unresolved", {}),
    ("network_edges", {}),
    ("node_labels", {}),
    ("kgx_sources", {}),
    ("kgx_concepts", {}),
    ("kgx_trials", {}),
    ("kgx_trial_evidence", {}),
    ("synthesis_estimates", {"drug": "lenalidomide", "outcome": "overall survival"}),
    ("retracted_findings", {}),
    ("page_node", {"iri": "https://w3id.org/trial-evidence-kb/id/trial/NCT00056160"}),
    ("page_links", {"iri": "https://doi.org/10.1056/nejmoa070596"}),
    ("page_search", {"text": "lenalidomide"}),
    ("page_drug_trials", {"drug": "lenalidomide"}),
    ("drafts", {}),
    ("conflicts", {}),
    ("findings_by_status", {}),
]


def corpus_files(shared: Path | None) -> list[tuple[str, list[Path]]]:
    """The files of each reader in a corpus: the examples, plus shared fixtures when given."""
    files = [("findings", sorted(examples_dir().glob("*.yaml")))]
    if shared is not None:
        fixtures = shared / "fixtures"
        files += [
            ("pubmed", sorted((fixtures / "pubmed_xml").glob("*.xml"))),
            ("medline", sorted((fixtures / "medline").glob("*.txt"))),
            ("crossref", sorted((fixtures / "crossref").glob("*.json"))),
            ("csl", sorted((fixtures / "csl_json").glob("*.json"))),
            ("bibtex", sorted((fixtures / "bibtex").glob("*.bib"))),
            ("ris", sorted((fixtures / "ris").glob("*.ris"))),
            ("ctgov", sorted((fixtures / "clinicaltrials").glob("*/*"))),
        ]
    return files


def build(shared: Path | None) -> KnowledgeBase:
    """An in-memory KB of the corpus, every source stamped with one fixed time."""
    kb = KnowledgeBase.memory()
    for reader_name, paths in corpus_files(shared):
        reader = get_reader(reader_name)
        documents = [(str(path), item) for path in paths for item in reader.read(path) if hasattr(item, "source")]
        kb.load(documents, generated_at=FIXED_TIME)
    return kb


def results(kb: KnowledgeBase) -> dict[str, list[list[Any]]]:
    """Every call's rows, as lists of values, keyed by the call."""
    found = {}
    for name, params in CALLS:
        key = f"{name} {json.dumps(params, sort_keys=True)}"
        found[key] = [list(row) for row in kb.query(name, params)]
    return found


#: Columns added after the goldens were written (issue 11 item 1: arm roles, and the arm count an
#: adverse-event row is read from, for the meta-analysis exports), left out so the older digests hold.
NEW_COLUMNS: dict[str, tuple[str, ...]] = {
    "evidence_table": ("arm_role", "reference_role"),
    "adverse_event_table": ("arm_role", "arm_count"),
}


#: The retraction flag (issue 15), added after the goldens were written: no publication of these
#: corpora is retracted or under an expression of concern, so it must be empty on every row; it is
#: checked, then left out so the older digests hold.
RETRACTION_COLUMN = "retraction"
_RECORD_DIGEST = re.compile(r"/record/[0-9a-f]+/")


class FlaggedRowError(AssertionError):
    """A row of the golden corpora carries a retraction flag, though none of their papers is retracted."""


def _comparable(key: str, rows: list[list[Any]]) -> list[list[Any]]:
    name = key.split(" ", 1)[0]
    columns = list(load_template(name).columns)
    kept = []
    for row in rows:
        record = dict(zip(columns, row))
        if name != "retracted_findings" and record.pop(RETRACTION_COLUMN, None) is not None:
            raise FlaggedRowError(f"{key}: a row carries a retraction flag: {record}")
        if name == "stats":
            record.pop("quads")
        elif name == "provenance":
            record.pop("content_hash")
        elif name in NEW_COLUMNS:
            for column in NEW_COLUMNS[name]:
                record.pop(column)
        elif name == "node_labels" and str(record["node"]).startswith(TEKB_NS):
            continue
        elif name == "node_labels" and "/intervention/" in str(record["node"]):
            # Interventions were named by position, now by content (sources listing an arm's
            # interventions in different orders had mixed them on one node).
            record["node"] = str(record["node"]).rsplit("/", 1)[0] + "/*"
        elif name == "node_labels" and "/record/" in str(record["node"]):
            # A record's part nodes are named by a digest of the whole record (docs/decisions/
            # 0002-iri-scheme.md), which changes with any field the model gains (issue 15 added
            # 'updates'): compared without it, by their kind, position and label.
            record["node"] = _RECORD_DIGEST.sub("/record/*/", str(record["node"]))
        kept.append(list(record.values()))
    return kept


#: Templates whose ORDER BY leaves ties (rows equal on every sort key), which a store returns in
#: the order it holds them: compared as sorted rows.
UNORDERED = {"network_edges", "node_labels"}


def digest(results: dict[str, list[list[Any]]]) -> dict[str, dict[str, Any]]:
    """Per call: its row count and the SHA-256 of its comparable rows, in order (sorted for UNORDERED)."""
    summary = {}
    for key, rows in results.items():
        kept = _comparable(key, rows)
        if key.split(" ", 1)[0] in UNORDERED:
            kept = sorted(kept, key=lambda row: json.dumps(row, ensure_ascii=False, sort_keys=True))
        text = json.dumps(kept, ensure_ascii=False, sort_keys=True)
        summary[key] = {"rows": len(kept), "sha256": hashlib.sha256(text.encode("utf-8")).hexdigest()}
    return summary


def main(directory: str) -> None:
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    shared = REPOSITORY.parent / "shared"
    for label, corpus in (("examples", None), ("examples_and_shared", shared)):
        data = digest(results(build(corpus)))
        (out / f"{label}.json").write_text(json.dumps(data, indent=1, ensure_ascii=False, sort_keys=True) + "\n", encoding="utf-8")
        print(label, sum(entry["rows"] for entry in data.values()), "rows")


if __name__ == "__main__":
    main(sys.argv[1])
