"""The ingestion runner: readers and fetchers yield records, the runner maps them, a sink keeps them.

Parts are passed in (the koza idea): a :class:`~kb.readers.Reader` or
:class:`~kb.readers.Fetcher` yields validated records, the runner maps each to its source
graph with the KB's IRI scheme and vocabulary, and hands it to a :class:`~kb.ingestion.sinks.Sink`
(the store, or a list in tests). What happened comes back as a :class:`LoadReport`; nothing
here prints.

A file that turns out malformed halfway loads nothing, and fetched records are all fetched
before the first is written. With a :class:`~kb.ingestion.sinks.FileScopedSink` (the bulk
store sink, the N-Quads emitter, the list sink) each file is read once: the sink keeps the
file's sources apart (spooled) until the reader reaches the end, and forgets them when it
fails. Other sinks (:class:`~kb.ingestion.sinks.StoreSink`) write as records come, so their
files are read twice: to the end first (streamed, nothing kept), then again to load. Single
bad records are skipped and reported, and do not stop the others. A file-scoped sink is also
asked whether it holds a record's content already before the record is mapped.

Hostile input (issue 12): whatever a reader raises while reading a file, expected
(:class:`~kb.errors.KBError`) or not (a ``RecursionError``, a ``TypeError`` on a wrong-typed
field), fails that file alone, with the file, the record count and the exception named; the
rest of the batch loads. Errors of the mapping and the sink are not the input's fault and
still surface. Within one file, a source met a second time is counted once and noted as a
duplicate (the first is kept). A publication record that would replace a stored source while
lacking a title, authors or an abstract the stored one has (a truncated export, a field of the
wrong type) is refused, not written: see :func:`lost_parts`; so is one that would replace, with
less, the same source written from an earlier file of the run. Only regular files are read
(:func:`check_regular_file`): a FIFO with no writer would block forever.

Ctrl-C (``KeyboardInterrupt`` while reading, fetching or mapping) stops the run after the
source being handled: with a file-scoped sink the file being read loads nothing and the files
read to their end are committed, whole; fetched records are all or nothing. The report says
``interrupted`` and what was loaded (the CLI exits 130).
"""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from pathlib import Path

import pyoxigraph as ox

from kb.errors import InputFileError, KBError, cap
from kb.ingestion.prefetch import prefetched
from kb.ingestion.report import LoadReport, LoadStatus
from kb.ingestion.sinks import FileScopedSink, Sink, StoreSink
from kb.models import FindingsDocument
from kb.namespaces import BIBO, DCTERMS, FABIO, RDF
from kb.rdf import IriScheme, document_to_graph
from kb.rdf.terms import iri
from kb.readers import Fetcher, Reader, ReadNote, SkippedRecord, plain_message
from kb.store import StoreBackend
from kb.vocab import Vocabulary

__all__ = ["IngestRunner", "ProgressHook", "Advance", "load_documents", "read_guarded", "lost_parts", "publication_parts",
           "check_regular_file"]

Item = FindingsDocument | SkippedRecord | ReadNote

#: Advances a progress display by one record.
Advance = Callable[[], None]
#: ``(label, total) -> advance``: starts a progress display for one phase of a run (total None: unknown).
ProgressHook = Callable[[str, int | None], Advance]


def _no_progress(_label: str, _total: int | None) -> Advance:
    return lambda: None


class IngestRunner:
    """Maps records from readers and fetchers into source graphs and hands them to a sink."""

    def __init__(
        self,
        sink: Sink,
        *,
        iris: IriScheme,
        vocabulary: Vocabulary,
        generated_at: datetime | None = None,
        progress: ProgressHook | None = None,
    ) -> None:
        self.sink = sink
        self.iris = iris
        self.vocabulary = vocabulary
        self.generated_at = generated_at
        self.progress = progress or _no_progress
        # The store sinks have a store to compare replacements with; lists and emitters do not.
        store = getattr(sink, "store", None)
        self._store: StoreBackend | None = store if isinstance(store, StoreBackend) else None
        # What each publication source written this run has (title, authors, abstract), for the
        # same rule against an earlier file of the run; a file's entries count once it has ended.
        self._held_parts: dict[str, frozenset[str]] = {}
        self._file_parts: dict[str, frozenset[str]] = {}

    def load(self, documents: Iterable[tuple[str | None, FindingsDocument]]) -> LoadReport:
        """Map and keep each ``(file name, document)``; a failing source is reported, the rest go on."""
        report = LoadReport()
        scoped = self.sink if isinstance(self.sink, FileScopedSink) else None
        if scoped is not None:
            scoped.begin_file(None)
        try:
            for file_name, document in documents:
                self._add(report, file_name, document, scoped)
        except KeyboardInterrupt:
            # Ctrl-C: a file-scoped sink holds the whole batch as one scope and writes none of it;
            # a writing sink has written each source whole (one transaction each), and those stay.
            report.interrupted = True
            if scoped is not None:
                scoped.abort_file()
                report.loaded.clear()
            self._end_file(kept=False)
            report.notes.append(f"interrupted (Ctrl-C): {len(report.loaded)} source(s) written before it; the rest were not")
            self.sink.finish()
            return report
        if scoped is not None:
            scoped.end_file()
        self._end_file(kept=True)
        self.sink.finish()
        return report

    def _add(self, report: LoadReport, file_name: str | None, document: FindingsDocument, scoped: FileScopedSink | None) -> None:
        """Map one document and hand it to the sink (unless the sink holds its content already)."""
        try:
            loaded = scoped.unchanged(document, file_name) if scoped is not None else None
            if loaded is not None:
                report.record(loaded)
                return
            lost = self._lost(document)
            if lost:
                where = file_name or document.source.id
                report.failed.append((where, (
                    f"{where}: source {document.source.id} not replaced: the stored record has {_and(lost)} and this one "
                    f"has none (a truncated or damaged record?); remove the source first to replace it anyway"
                )))
                return
            mapped = document_to_graph(
                document,
                iris=self.iris,
                resolve=self._resolve,
                source_file=Path(file_name).name if file_name else None,
                generated_at=self.generated_at,
                known_publication=self.sink.known_publication,
                vocabulary_fingerprint=self.vocabulary.fingerprint,
            )
            loaded = self.sink.write(mapped, file_name)
            if document.source.publication is not None:
                self._file_parts[document.source.id] = publication_parts(document)
        except KBError as error:
            report.failed.append((file_name or document.source.id, plain_message(str(error))))
            return
        report.record(loaded)
        if loaded.status is not LoadStatus.unchanged:
            report.unresolved.extend(mapped.unresolved)

    def _lost(self, document: FindingsDocument) -> list[str]:
        """What ``document`` lacks that the same source, written earlier in this run or stored, has."""
        earlier = self._held_parts.get(document.source.id)
        if earlier is not None:
            return [name for name, _ in _PUBLICATION_PARTS if name in earlier - publication_parts(document)]
        return lost_parts(self._store, self.iris, document) if self._store is not None else []

    def _end_file(self, *, kept: bool) -> None:
        """The current file's sources count as written (``kept``) or are forgotten (the file failed)."""
        if kept:
            self._held_parts.update(self._file_parts)
        self._file_parts = {}

    def _resolve(self, text: str, category: str) -> str | None:
        concept = self.vocabulary.resolve(text, category=category)
        return concept.iri if concept else None

    def ingest_files(self, reader: Reader, paths: Iterable[Path], *, label: str | None = None) -> LoadReport:
        """Read ``paths`` with ``reader`` and load every record that validates.

        A file that cannot be read to its end loads nothing and is reported. A file-scoped
        sink gets each file read once; other sinks get it read to its end first, then again.
        """
        if not isinstance(self.sink, FileScopedSink):
            return self._ingest_files_twice(reader, paths, label=label)
        sink = self.sink
        report = LoadReport()
        paths = list(paths)
        advance = self.progress(label or f"ingest {reader.name}", None)
        # Records per file are unknown until read; files give the bar a total, hence an ETA.
        file_done = self.progress("files", len(paths)) if len(paths) > 1 else (lambda: None)
        for number, path in enumerate(paths):
            part = LoadReport()
            sink.begin_file(str(path))
            try:
                for item in prefetched(reader, path, self.vocabulary, read_guarded):  # a big file: read in a worker process
                    if isinstance(item, SkippedRecord):
                        part.failed.append((str(path), str(item)))
                    elif isinstance(item, ReadNote):
                        part.notes.append(str(item))
                    else:
                        self._add(part, str(path), item, sink)
                        advance()
            except KBError as error:
                sink.abort_file()
                self._end_file(kept=False)
                report.failed.append((str(path), plain_message(str(error))))
                file_done()
                continue
            except KeyboardInterrupt:
                # Ctrl-C: the file being read loads nothing (all or nothing, as for a malformed one);
                # the files read to their end are committed below, whole.
                sink.abort_file()
                self._end_file(kept=False)
                report.interrupted = True
                unread = len(paths) - number - 1
                report.notes.append(
                    f"interrupted (Ctrl-C) while reading {path}: that file was not loaded"
                    + (f", and {unread} file(s) after it were not read" if unread else "")
                )
                break
            except BaseException:
                sink.abort_file()
                sink.discard()
                raise
            sink.end_file()
            self._end_file(kept=True)
            report.extend(part)
            file_done()
        self.sink.finish()
        return report

    def _ingest_files_twice(self, reader: Reader, paths: Iterable[Path], *, label: str | None = None) -> LoadReport:
        """Each file read to its end first (so a file that cannot be read loads nothing), then again to load."""
        failures: list[tuple[str, str]] = []
        notes: list[str] = []
        readable: list[tuple[Path, int]] = []
        for path in paths:
            try:
                good, skipped, file_notes = _survey(reader, path, self.vocabulary)
            except KeyboardInterrupt:  # Ctrl-C before anything is written: nothing is
                return LoadReport(failed=failures, notes=[*notes, f"interrupted (Ctrl-C) while reading {path}: nothing was written"],
                                  interrupted=True)
            except KBError as error:
                failures.append((str(path), plain_message(str(error))))
                continue
            failures.extend((str(path), str(record)) for record in skipped)
            notes.extend(file_notes)
            readable.append((path, good))

        def documents() -> Iterator[tuple[str | None, FindingsDocument]]:
            for path, _ in readable:
                for item in read_guarded(reader, path, self.vocabulary):
                    if isinstance(item, FindingsDocument):
                        yield str(path), item

        total = sum(count for _, count in readable)
        report = self.load(_counted(self.progress(label or f"ingest {reader.name}", total), documents()))
        report.failed[:0] = failures
        report.notes.extend(notes)
        return report

    def ingest_fetched(
        self, fetcher: Fetcher, identifiers: list[str], *, keep: dict[str, FindingsDocument] | None = None
    ) -> LoadReport:
        """Fetch records by identifier and load them.

        Identifiers are checked before any request; everything is fetched (through the
        fetcher's cache) before anything is written, so a failed fetch leaves the store as it
        was. ``keep``, when given, receives the fetched documents by source id.
        """
        failures: list[tuple[str, str]] = []
        notes: list[str] = []
        fetched: list[tuple[str | None, FindingsDocument]] = []
        advance = self.progress(f"fetch {fetcher.name}", len(identifiers))
        try:
            for item in fetcher.fetch(identifiers, vocabulary=self.vocabulary):
                if isinstance(item, SkippedRecord):
                    failures.append((item.location, str(item)))
                elif isinstance(item, ReadNote):
                    notes.append(str(item))
                else:
                    fetched.append((f"{fetcher.name}:{item.source.id}", item))
                    if keep is not None:
                        keep[item.source.id] = item
                advance()
        except KeyboardInterrupt:  # Ctrl-C while fetching: nothing has been written yet, and nothing is
            note = f"interrupted (Ctrl-C) while fetching: {len(fetched)} record(s) fetched (and cached), none written"
            return LoadReport(failed=failures, notes=[*notes, note], interrupted=True)
        report = self.load(_counted(self.progress(f"ingest {fetcher.name}", len(fetched)), fetched))
        report.failed[:0] = failures
        report.notes.extend(notes)
        return report


def _survey(reader: Reader, path: Path, vocabulary: Vocabulary) -> tuple[int, list[SkippedRecord], list[str]]:
    """Read ``path`` to its end: how many records are good, which were skipped, the notes."""
    good = 0
    skipped: list[SkippedRecord] = []
    notes: list[str] = []
    for item in read_guarded(reader, path, vocabulary):
        if isinstance(item, SkippedRecord):
            skipped.append(item)
        elif isinstance(item, ReadNote):
            notes.append(str(item))
        else:
            good += 1
    return good, skipped, notes


def read_guarded(reader: Reader, path: Path, vocabulary: Vocabulary) -> Iterator[Item]:
    """``reader.read(path)``, with each source once and any reader failure as an error naming the file.

    A reader's own :class:`~kb.errors.KBError` passes through. Anything else it raises (a
    ``RecursionError`` on deep nesting, a ``TypeError`` on a wrong-typed field) is hostile or
    broken input as far as the batch is concerned: an :class:`~kb.errors.InputFileError`
    naming the file, the record it was reading and the exception, so that file fails alone.
    Errors of the code that consumes the items are not caught here.

    A source met again in the same file is counted once: the repeat becomes a
    :class:`~kb.readers.ReadNote` (the first record is kept).
    """
    check_regular_file(path)
    # A digest of each source's first record, not the record: holding every record of a 10,000-record
    # file kept ~320 MiB alive (and made each full garbage collection walk them all).
    seen: dict[str, bytes] = {}
    records = 0
    try:
        for item in reader.read(path, vocabulary=vocabulary):
            if isinstance(item, ReadNote):
                yield item
                continue
            records += 1
            if isinstance(item, FindingsDocument):
                digest = _record_digest(item)
                first = seen.get(item.source.id)
                if first is None:
                    seen[item.source.id] = digest
                else:
                    differs = "" if first == digest else " with different content"
                    yield ReadNote(str(path), (
                        f"record {records}: source {item.source.id} appears again in this file{differs} "
                        f"(a duplicate record); counted once, the first is kept"
                    ))
                    continue
            yield item
    except KBError:
        raise
    except RecursionError:
        raise InputFileError(str(path), [(f"record {records + 1}", "nested too deeply to read")]) from None
    except Exception as error:  # noqa: BLE001 - any reader failure fails the file alone, reported below
        problem = f"the {reader.name} reader failed: {type(error).__name__}: {cap(str(error))}"
        raise InputFileError(str(path), [(f"record {records + 1}", problem)]) from error


def _record_digest(document: FindingsDocument) -> bytes:
    """A digest of ``document``'s content (its canonical JSON): equal for equal records."""
    return hashlib.blake2b(document.model_dump_json().encode("utf-8"), digest_size=16).digest()


#: What a path that is not a regular file is, by its ``stat`` mode, for the refusal message.
_SPECIAL_KINDS = (
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISDIR, "a directory"),
)


def check_regular_file(path: Path) -> None:
    """Refuse ``path`` unless it is a regular file (after symlinks), with an error naming it (issue 12).

    The rule for every reader's input: regular files only. A named pipe with no writer would
    block the reader forever, and a stream (``/dev/null``, ``<(...)`` process substitution, a
    pipe) cannot be read twice, as a file is when its sink writes as it reads. ``stat`` does
    not open the path, so it never blocks.

    :raises InputFileError: naming the path and what it is.
    """
    try:
        mode = os.stat(path).st_mode
    except OSError as error:
        raise InputFileError(str(path), [("", f"cannot read: {error.strerror or error}")]) from None
    if stat.S_ISREG(mode):
        return
    kind = next((name for test, name in _SPECIAL_KINDS if test(mode)), "not a regular file")
    raise InputFileError(str(path), [("", (
        f"{kind}, not a regular file: ingest reads regular files only (not a FIFO, a device such as /dev/null, "
        f"or <(...) process substitution); save the data to a file first"
    ))])


_PUBLICATION_PARTS = (("a title", DCTERMS.title), ("authors", BIBO.authorList), ("an abstract", DCTERMS.abstract))


def publication_parts(document: FindingsDocument) -> frozenset[str]:
    """Which of a title, authors and an abstract ``document``'s publication has."""
    publication = document.source.publication
    if publication is None:
        return frozenset()
    has = {"a title": bool(publication.title), "authors": bool(publication.authors), "an abstract": bool(publication.abstract)}
    return frozenset(name for name, present in has.items() if present)


def lost_parts(store: StoreBackend, iris: IriScheme, document: FindingsDocument) -> list[str]:
    """What the stored source of ``document`` has that ``document`` would lose: a title, authors, an abstract.

    The rule (docs/rdf-mapping.md, "Bad values"): a record that would replace a stored source
    of the same id while lacking its publication's title, authors or abstract is materially
    less (a truncated MEDLINE record, a wrong-typed Crossref title) and is refused.
    """
    if document.source.publication is None:
        return []
    has = publication_parts(document)
    missing = [(name, predicate) for name, predicate in _PUBLICATION_PARTS if name not in has]
    if not missing:
        return []
    graph = ox.NamedNode(iris.source_graph(document.source.id))
    articles = [quad.subject for quad in store.quads_matching(None, iri(RDF.type), iri(FABIO.JournalArticle), graph)]
    lost = []
    for name, predicate in missing:
        if any(next(iter(store.quads_matching(node, iri(predicate), None, graph)), None) is not None for node in articles):
            lost.append(name)
    return lost


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + f" and {items[-1]}"


def _counted(advance: Advance, items: Iterable[tuple[str | None, FindingsDocument]]) -> Iterator[tuple[str | None, FindingsDocument]]:
    for item in items:
        yield item
        advance()


def load_documents(
    store: StoreBackend,
    documents: Iterable[tuple[str | None, FindingsDocument]],
    *,
    iris: IriScheme,
    vocabulary: Vocabulary,
    generated_at: datetime | None = None,
) -> LoadReport:
    """Load documents already read into ``store``, each as one source graph (a :class:`StoreSink` run).

    ``vocabulary`` is used as given: pass ``KnowledgeBase.vocabulary`` to include the user
    vocabularies the store holds (``KnowledgeBase.load`` does).
    """
    sink = StoreSink(store, iris=iris, vocabulary=vocabulary)
    return IngestRunner(sink, iris=iris, vocabulary=vocabulary, generated_at=generated_at).load(documents)
