"""``kb extract``: propose findings from abstracts (KB publications, PubMed XML, plain text); ``kb extract evaluate``.

``kb extract --pmid N`` (``--doi``, ``--all``) reads the publications' abstracts as the KB stores
them and loads each one's proposals as its draft source (:mod:`kb.extraction.drafts`); files
given (PubMed XML, plain text) are extracted and printed, not loaded (``kb ingest pubmed FILE
--extract`` loads them). ``--to-findings DIR`` writes one findings file per publication for a
curator (:mod:`kb.extraction.findings_files`). The group falls back to ``run`` when its first
argument is not a sub-command, so ``kb extract FILE`` and ``kb extract evaluate GOLD`` both work.
"""

# No "from __future__ import annotations": typer reads the Annotated help texts at run time.

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from kb.cli.context import Wait, open_kb
from kb.cli.output import RowFormat, print_rows, stderr_console
from kb.errors import KBError

__all__ = ["app", "ExtractFormat", "proposal_rows"]


class _DefaultGroup(TyperGroup):
    """A group whose first argument, when it names no sub-command (a file, an option), goes to ``run``."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h"):
            args = ["run", *args]
        return super().parse_args(ctx, args)


app = typer.Typer(
    cls=_DefaultGroup, no_args_is_help=True,
    help="Propose findings (effect estimates, arm sizes, per-arm values, adverse events, mechanisms, NCT numbers) from abstracts, each with its exact text span.",
)


class ExtractFormat(StrEnum):
    """How ``kb extract`` prints the proposals."""

    table = "table"
    json = "json"


_COLUMNS = ("text", "kind", "proposal", "quote", "start", "end", "confidence")


def _describe(kind: str, item: Any) -> str:
    if kind == "estimate":
        ci = f" ({item.ci_lower}, {item.ci_upper})" if item.ci_lower is not None else ""
        p = f" p{item.p_relation}{item.p_value}" if item.p_value is not None else ""
        arms = f" {' vs '.join(item.arms)}" if item.arms else ""
        return f"{item.measure.value} {item.value}{ci}{p}{arms}; outcome: {item.outcome or '-'}"
    if kind == "arm_size":
        return f"{item.label or 'arm not named'}: n={item.n}"
    if kind == "total_randomized":
        return f"total randomized {item.n}"
    if kind == "arm_values":
        return f"{item.outcome or '-'}: {item.statistic} {' vs '.join(f'{v:g}' for v in item.values)} {item.unit or ''}".strip()
    if kind == "adverse_event":
        grade = f"grade {item.grade_min}-{item.grade_max} " if item.grade_min is not None else ""
        return f"{grade}{item.event}: {' vs '.join(f'{v:g}%' for v in item.values)}"
    if kind == "mechanism":
        return f"{item.drug} {item.direction.value if item.direction else '?'} {item.aspect.value if item.aspect else ''} {item.target} ({item.system.value})"
    return str(item.nct)


def proposal_rows(text_id: str, extraction: Any) -> list[tuple[Any, ...]]:
    """One row per proposal: text, kind, what it proposes, quote, start, end, confidence."""
    items: list[tuple[str, Any]] = [("estimate", e) for e in extraction.estimates]
    items += [("arm_size", a) for a in extraction.arm_sizes]
    items += [("total_randomized", extraction.total_randomized)] if extraction.total_randomized else []
    items += [("arm_values", v) for v in extraction.arm_values]
    items += [("adverse_event", a) for a in extraction.adverse_events]
    items += [("mechanism", m) for m in extraction.mechanisms]
    items += [("registry_number", r) for r in extraction.registry_numbers]
    items.sort(key=lambda pair: pair[1].span.start)
    return [(text_id, kind, _describe(kind, item), item.span.quote, item.span.start, item.span.end, item.confidence) for kind, item in items]


def _file_inputs(paths: list[Path]) -> list[tuple[Any, str, str]]:
    """(publication, text, origin) of each PubMed XML record or plain-text file."""
    from kb.models import Publication
    from kb.rdf.bibliographic import abstract_text
    from kb.readers import ReadNote, SkippedRecord, get_reader

    found: list[tuple[Any, str, str]] = []
    for path in paths:
        if path.suffix.lower() == ".xml":
            for item in get_reader("pubmed").read(path):
                if isinstance(item, SkippedRecord):
                    stderr_console.print(f"skipped  {item.location}: " + "; ".join(f"{f}: {m}" for f, m in item.problems), markup=False)
                elif isinstance(item, ReadNote):
                    stderr_console.print(f"note  {item}", markup=False)
                elif item.source.publication is not None:
                    text = abstract_text(item.source.publication)
                    if text is None:
                        stderr_console.print(f"note  {path}: {item.source.id} has no abstract", markup=False)
                    else:
                        found.append((item.source.publication, text, item.source.id))
            continue
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as error:
            raise KBError(f"{path}: cannot read the text: {error}") from error
        found.append((Publication(title=path.name), text, path.name))
    return found


@app.command("run")
def run(
    ctx: typer.Context,
    files: Annotated[list[Path] | None, typer.Argument(help="PubMed XML files (.xml) or plain-text files: extracted and printed, not loaded.", exists=True, dir_okay=False)] = None,
    doi: Annotated[list[str] | None, typer.Option("--doi", help="A publication in the KB, by DOI (repeat for more): its drafts are loaded.")] = None,
    pmid: Annotated[list[str] | None, typer.Option("--pmid", help="A publication in the KB, by PubMed id (repeat for more).")] = None,
    every: Annotated[bool, typer.Option("--all", help="Every publication in the KB with an abstract.")] = False,
    extractor_name: Annotated[str, typer.Option("--extractor", help="Extractor (entry point in trial_evidence_kb.extractors).")] = "rules",
    to_findings: Annotated[Path | None, typer.Option("--to-findings", metavar="DIR", help="Write one findings file per publication into DIR, for a curator to edit and ingest.", file_okay=False)] = None,
    force: Annotated[bool, typer.Option("--force", help="With --to-findings: overwrite findings files that exist.")] = False,
    fmt: Annotated[ExtractFormat, typer.Option("--format", "-f", help="table (one row per proposal) or json (the extractions).")] = ExtractFormat.table,
    wait: Wait = 0.0,
) -> None:
    """Propose findings from abstracts: publications in the KB (--doi, --pmid, --all; loaded as drafts) or files (printed)."""
    from kb.extraction.curation import extract_stored, stored_abstracts
    from kb.extraction.drafts import Draft, draft_document
    from kb.extraction.findings_files import write_findings_files
    from kb.extraction.plugins import get_extractor

    if not (files or doi or pmid or every):
        raise typer.BadParameter("give files, or publications of the KB with --doi, --pmid or --all", param_hint="FILES")
    drafts: list[tuple[Draft, str | None]] = []
    if doi or pmid or every:
        with open_kb(ctx, wait=wait) as kb:
            extractor = get_extractor(extractor_name, vocabulary=kb.vocabulary)
            stored = stored_abstracts(kb, "all") if every else stored_abstracts(kb, "doi", doi or []) + stored_abstracts(kb, "pmid", pmid or [])
            asked = len(doi or []) + len(pmid or [])
            if not every and len({s.node for s in stored}) < asked:
                stderr_console.print(f"note  {asked - len({s.node for s in stored})} of the publications asked for are not in the KB or have no abstract", markup=False)
            unique = list({s.node: s for s in stored}.values())
            result = extract_stored(kb, unique, extractor)
        drafts += [(draft, item.origin) for draft, item in zip(result.drafts, unique)]
        if result.report is not None:
            counts = result.report.status_counts()
            stderr_console.print(f"{len(result.report.sources())} draft source(s) loaded ({counts['added']} added, {counts['replaced']} replaced, "
                                 f"{counts['unchanged']} unchanged), {len(result.emptied)} emptied, {len(result.report.failed)} failed", markup=False)
            for _, error in result.report.failed:
                stderr_console.print(f"failed  {error}", markup=False)
    if files:
        extractor = get_extractor(extractor_name)
        for publication, text, origin in _file_inputs(files):
            drafts.append((draft_document(extractor.extract(text, text_id=origin), publication, origin=origin), origin))
    if to_findings is not None:
        for written in write_findings_files(drafts, to_findings, overwrite=force):
            state = "wrote" if written.written else "kept (exists; --force overwrites)"
            stderr_console.print(f"{state}  {written.path}  ({written.findings} findings)", markup=False)
    if fmt is ExtractFormat.json:
        payload = [{"text": origin, "source": draft.source_id, **draft.extraction.model_dump(mode="json"), "skipped": draft.skipped} for draft, origin in drafts]
        json.dump(payload, sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        rows = [row for draft, origin in drafts for row in proposal_rows(origin or draft.source_id, draft.extraction)]
        print_rows(_COLUMNS, rows, RowFormat.table, fit=False)


@app.command("evaluate")
def evaluate_command(
    gold: Annotated[Path, typer.Argument(help="Gold file (JSON Lines, the schema of extraction/README.md).", exists=True, dir_okay=False)],
    as_json: Annotated[bool, typer.Option("--json", help="Print the figures as JSON.")] = False,
    extractor_name: Annotated[str, typer.Option("--extractor", help="Extractor to score (entry point name).")] = "rules",
) -> None:
    """Score an extractor on a gold file: per field, true and false positives, misses, precision and recall, each miss and false positive."""
    from kb.extraction.evaluate import evaluate
    from kb.extraction.plugins import get_extractor

    extractor = get_extractor(extractor_name)
    try:
        report = evaluate(gold, extractor)
    except UnicodeDecodeError as error:  # a gold file that is not UTF-8 text is a bad input, not a crash
        raise KBError(f"{gold}: not a UTF-8 JSON Lines gold file: {error}") from error
    sys.stdout.write((report.to_json() if as_json else report.to_text()).rstrip("\n") + "\n")
