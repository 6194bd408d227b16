"""Re-running saved searches incrementally, and saying what is new, what changed and what is gone.

The first run of a saved search is a whole search: every record it matches is fetched and loaded.
Later runs ask for less (``docs/living-review.md``):

1. the records the query matches **now**, identifiers only (PubMed: ESearch; ClinicalTrials.gov:
   ``/studies`` with four fields, which carry each study's status, results flag and last update);
2. the records **entered or updated since the last recorded run** (PubMed: ESearch by entry date
   ``edat`` through the history server, then by modification date ``mdat``; ClinicalTrials.gov: by
   ``LastUpdatePostDate``), fetched whole; the window opens a day before the last run, since the
   services date records in US time;
3. any record that joined the result without being updated, fetched by identifier.

Then everything fetched is loaded in one ingest run (a source whose content the KB holds already
is skipped by its hash), and the result is compared with what the last recorded run returned:

- **new**: in the result now, not then (their sources: added, or unchanged if the KB had them);
- **changed**: in both, and the record's source was rewritten, its registry status changed, or
  results were posted (``results posted``);
- **gone**: returned then, not now (only when the service listed the whole result). Their sources
  stay in the KB: leaving a search is not a retraction.

A search that cannot run (the service unreachable, a page that stays cut off) writes nothing and
is reported; the other searches still run.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

from kb.errors import FetchError
from kb.living.search import Hit, SearchError, SearchOutcome, get_searcher
from kb.living.watch import SavedSearch, WatchError, list_saved, read_saved, save, sorted_hits

if TYPE_CHECKING:
    from kb.ingestion import LoadReport, ProgressHook
    from kb.knowledge_base import KnowledgeBase
    from kb.models import FindingsDocument

__all__ = ["Change", "UpdateResult", "run_search", "update_searches", "load_outcome", "WINDOW_OVERLAP"]

#: How far before the last recorded run an update's date window opens (the services date in US time).
WINDOW_OVERLAP = timedelta(days=1)


@dataclass(frozen=True)
class Change:
    """A record in the result before and now that changed, and how (``status RECRUITING -> COMPLETED``)."""

    record_id: str
    source_id: str | None
    reasons: tuple[str, ...]


@dataclass
class UpdateResult:
    """What one run of one saved search found and did."""

    name: str
    service: str
    checked_at: datetime
    first_run: bool = False
    since: date | None = None
    until: date | None = None
    count: int | None = None
    new: list[Hit] = field(default_factory=list)
    changed: list[Change] = field(default_factory=list)
    gone: list[str] = field(default_factory=list)
    report: LoadReport | None = None
    notes: list[str] = field(default_factory=list)
    error: str | None = None
    recorded: bool = False
    requests: int = 0

    @property
    def news(self) -> bool:
        """True when something is new, changed or gone."""
        return bool(self.new or self.changed or self.gone)

    @property
    def failed(self) -> bool:
        """True when the search could not run, or a record of it could not be loaded."""
        return self.error is not None or bool(self.report and self.report.failed)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready (what ``kb update --json`` prints per search)."""
        statuses = {s.source_id: s.status.value for s in self.report.sources()} if self.report else {}
        return {
            "name": self.name,
            "service": self.service,
            "checked_at": _stamp(self.checked_at),
            "first_run": self.first_run,
            "window": None if self.since is None else {"since": self.since.isoformat(), "until": self.until.isoformat() if self.until else None},
            "count": self.count,
            "new": [{"id": h.record_id, "source": h.source_id, "load": statuses.get(h.source_id or "")} for h in self.new],
            "changed": [{"id": c.record_id, "source": c.source_id, "reasons": list(c.reasons)} for c in self.changed],
            "gone": list(self.gone),
            "sources": self.report.status_counts() if self.report else {"added": 0, "replaced": 0, "unchanged": 0},
            "failed": [{"where": where, "error": error} for where, error in (self.report.failed if self.report else [])],
            "notes": [*self.notes, *(self.report.notes if self.report else [])],
            "error": self.error,
            "recorded": self.recorded,
            "requests": self.requests,
        }


def _stamp(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def load_outcome(kb: KnowledgeBase, outcome: SearchOutcome, label: str, *, progress: ProgressHook | None = None) -> LoadReport:
    """Load what a search fetched (all of it was fetched before this writes anything); skipped records
    and notes join the report."""
    from kb.models import FindingsDocument
    from kb.readers import ReadNote, SkippedRecord

    documents: list[tuple[str | None, FindingsDocument]] = []
    failed: list[tuple[str, str]] = []
    notes = list(outcome.notes)
    for item in outcome.items:
        if isinstance(item, FindingsDocument):
            documents.append((f"{label}:{item.source.id}", item))
        elif isinstance(item, SkippedRecord):
            failed.append((item.location, str(item)))
        elif isinstance(item, ReadNote):
            notes.append(str(item))
    runner = kb.runner(progress=progress)
    if progress is not None:
        advance = progress(f"ingest {label}", len(documents))
        report = runner.load(_counted(documents, advance))
    else:
        report = runner.load(documents)
    report.failed[:0] = failed
    report.notes.extend(notes)
    return report


def _counted(documents: list[tuple[str | None, FindingsDocument]], advance: Any) -> Any:
    for document in documents:
        yield document
        advance()


def run_search(
    kb: KnowledgeBase,
    saved: SavedSearch,
    *,
    now: datetime | None = None,
    page_size: int | None = None,
    progress: ProgressHook | None = None,
) -> UpdateResult:
    """Run ``saved`` once (whole the first time, incrementally after), load what it fetched, record it.

    A search that cannot run is returned with ``error`` set and nothing written.
    """
    moment = (now or datetime.now(timezone.utc)).astimezone(timezone.utc).replace(microsecond=0)
    result = UpdateResult(saved.name, saved.service, moment, first_run=saved.last_run is None)
    try:
        searcher = get_searcher(saved.service)
        stored = {hit.record_id: hit for hit in saved.hits}
        scanned: dict[str, Hit] = {}
        complete = True
        if saved.last_run is None:
            outcome = searcher.search(saved.query, page_size=page_size, vocabulary=kb.vocabulary)
            members = list(outcome.ids)
            count = outcome.count
            complete = len(members) >= count
        else:
            result.since = (saved.last_run - WINDOW_OVERLAP).date()
            result.until = moment.date()
            scan = searcher.members(saved.query)
            scanned = {hit.record_id: hit for hit in scan.hits}
            outcome = searcher.updated_since(saved.query, result.since, result.until, page_size=page_size, vocabulary=kb.vocabulary)
            outcome.requests += scan.requests
            joined = [rid for rid in scan.ids if rid not in stored and rid not in outcome.hits]
            if joined:
                outcome.extend(searcher.fetch(joined, vocabulary=kb.vocabulary))
            members = list(dict.fromkeys([*scan.ids, *outcome.hits]))
            count, complete = scan.count, scan.complete
            if not complete:
                members += [rid for rid in stored if rid not in members]
                result.notes.append(f"the service listed {len(scan.hits)} of {scan.count} records: what disappeared beyond them is not told")
    except (FetchError, SearchError) as error:
        result.error = str(error)
        return result
    result.requests = outcome.requests
    result.count = count
    report = load_outcome(kb, outcome, f"{saved.service}-search", progress=progress)
    if report.interrupted:  # Ctrl-C while loading: the batch was not written, so nothing is recorded either
        raise KeyboardInterrupt
    result.report = report
    status = {source.source_id: source.status.value for source in report.sources()}
    final: list[Hit] = []
    for rid in members:
        fetched, seen, old = outcome.hits.get(rid), scanned.get(rid), stored.get(rid)
        if old is None and (fetched is None or fetched.source_id not in status):
            # New to the result but not loaded (it failed, and the report says why): not recorded,
            # so the next run finds it new again and fetches it again.
            continue
        state = fetched or seen or old or Hit(rid)
        source_id = (fetched.source_id if fetched else None) or (old.source_id if old else None) or (seen.source_id if seen else None)
        hit = replace(state, source_id=source_id)
        final.append(hit)
        if old is None:
            result.new.append(hit)
            continue
        reasons = []
        if old.status and hit.status and old.status != hit.status:
            reasons.append(f"status {old.status} -> {hit.status}")
        if hit.has_results and old.has_results is False:
            reasons.append("results posted")
        if hit.has_results is False and old.has_results:
            reasons.append("results no longer posted")
        if source_id and status.get(source_id) == "replaced":
            reasons.append("record updated")
        if reasons:
            result.changed.append(Change(rid, source_id, tuple(reasons)))
    if complete:
        now_in = set(members)
        result.gone = [rid for rid in sorted(stored) if rid not in now_in]
    after = replace(saved, count=count, hits=sorted_hits(final))
    written = any(source.status.value != "unchanged" for source in report.sources())
    if written or result.news or result.first_run or after != replace(saved, hits=sorted_hits(saved.hits)):
        result.recorded = save(kb.store, kb.iris, replace(after, last_run=moment))
    return result


def update_searches(
    kb: KnowledgeBase,
    names: list[str] | None = None,
    *,
    now: datetime | None = None,
    page_size: int | None = None,
    progress: ProgressHook | None = None,
) -> list[UpdateResult]:
    """Run the saved searches ``names`` (all, when None or empty), each on its own; one failing stops no other.

    :raises WatchError: when a name is not a saved search (before any search runs).
    """
    if names:
        chosen = []
        for name in names:
            saved = read_saved(kb.store, kb.iris, name)
            if saved is None:
                known = ", ".join(s.name for s in list_saved(kb.store, kb.iris)) or "none"
                raise WatchError(f"no saved search {name!r} (saved searches: {known})")
            chosen.append(saved)
    else:
        chosen = list_saved(kb.store, kb.iris)
    return [run_search(kb, saved, now=now, page_size=page_size, progress=progress) for saved in chosen]
