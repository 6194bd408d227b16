"""``kb extract --to-findings DIR``: one findings file per publication, for a curator to edit and ingest.

The file holds every proposal of the publication's draft, each finding with its quote and the
offsets of that quote in the abstract (``provenance.quote_start``/``quote_end``), as a findings
document that ``kb schema`` validates. Its source is ``curated-...`` (the draft's id with
``curated-`` for ``extraction-``), method ``manual_curation``, status ``draft``: once the curator
has checked it (and set ``status: verified`` and their name as ``agent``), ``kb ingest findings``
loads it beside the draft source, which stays, superseded (``docs/decisions/0010-extraction-drafts.md``).
Proposals with no place in a findings document (an arm size the text names no arm for, a
proposal the model rejects) are listed in the file's header comment, with their quote and span.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from kb.errors import KBError
from kb.extraction.drafts import PREFIX, Draft
from kb.models import ExtractionMethod, FindingsDocument

__all__ = ["CURATED_PREFIX", "curated_document", "findings_yaml", "write_findings_files", "WrittenFile"]

CURATED_PREFIX = "curated-"


def curated_document(draft: Draft) -> FindingsDocument:
    """The draft as a curator's document: source ``curated-...``, method manual_curation, status draft, no agent yet."""
    source = draft.document.source
    curated_id = CURATED_PREFIX + source.id.removeprefix(PREFIX)
    note = (f"Written by kb extract from the proposals of {source.agent.name if source.agent else 'an extractor'}; "
            "check each finding against the paper, then set status: verified.")
    curated_source = source.model_copy(update={"id": curated_id, "method": ExtractionMethod.manual_curation, "agent": None, "note": note})
    return draft.document.model_copy(update={"source": curated_source})


def _header(draft: Draft, origin: str | None) -> str:
    extraction = draft.extraction
    lines = [
        f"Findings proposed by the {extraction.extractor} extractor {extraction.version} (kb extract --to-findings),",
        f"from the abstract as {'source ' + origin + ' stores' if origin else 'the text given'} it. Every quote_start/quote_end indexes",
        "that text. Check each finding against the paper, correct or delete it, set 'status: verified' and",
        "'agent: {name: ..., orcid: ...}' under source, then: kb ingest findings THIS_FILE",
        "The ingested file supersedes the draft proposals of this publication of each kind it curates.",
    ]
    if extraction.total_randomized is not None:
        span = extraction.total_randomized.span
        lines.append(f"total randomized {extraction.total_randomized.n}: {span.quote!r} at {span.start}-{span.end} (trials[0].enrollment)")
    for size in extraction.arm_sizes:
        lines.append(f"arm size {size.n} ({size.label or 'arm not named'}): {size.span.quote!r} at {size.span.start}-{size.span.end}")
    for number in extraction.registry_numbers:
        lines.append(f"registry number {number.nct} at {number.span.start}-{number.span.end}")
    for skipped in draft.skipped:
        lines.append(f"not proposed: {skipped}")
    return "".join(f"# {line}\n" for line in lines)


def findings_yaml(draft: Draft, origin: str | None = None) -> str:
    """The text of the curator's findings file of ``draft``: a header comment, then the document."""
    document = curated_document(draft)
    data = document.model_dump(mode="json", exclude_none=True, exclude_defaults=True)
    source = data.pop("source")
    # status and method are their defaults; written out all the same, so the curator sees what to change
    source = {"id": source.pop("id"), "status": document.source.status.value, "method": document.source.method.value, **source}
    data = {"schema_version": document.schema_version, "source": source, **data}
    body = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=110)
    return _header(draft, origin) + "\n" + body


@dataclass(frozen=True)
class WrittenFile:
    """One findings file: where, for which source, and whether it was written (an existing file is kept)."""

    path: Path
    source_id: str
    findings: int
    written: bool


def write_findings_files(drafts: list[tuple[Draft, str | None]], directory: Path, *, overwrite: bool = False) -> list[WrittenFile]:
    """Write one findings file per draft into ``directory`` (created if needed); a file that exists
    is left as it is (a curator may have edited it) unless ``overwrite``.

    :raises KBError: when the directory cannot be created or a file cannot be written.
    """
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise KBError(f"{directory}: cannot create the folder: {error}") from error
    written = []
    for draft, origin in drafts:
        curated_id = CURATED_PREFIX + draft.source_id.removeprefix(PREFIX)
        path = directory / f"{curated_id}.yaml"
        if path.exists() and not overwrite:
            written.append(WrittenFile(path, curated_id, draft.count, False))
            continue
        try:
            path.write_text(findings_yaml(draft, origin), encoding="utf-8")
        except OSError as error:
            raise KBError(f"{path}: cannot write the findings file: {error}") from error
        written.append(WrittenFile(path, curated_id, draft.count, True))
    return written
