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
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from pathlib import Path

from kb.errors import KBError
from kb.ingestion.report import LoadReport, LoadStatus
from kb.ingestion.sinks import FileScopedSink, Sink, StoreSink
from kb.models import FindingsDocument
from kb.rdf import IriScheme, document_to_graph
from kb.readers import Fetcher, Reader, ReadNote, SkippedRecord
from kb.store import StoreBackend
from kb.vocab import Vocabulary

__all__ = ["IngestRunner", "ProgressHook", "Advance", "load_documents"]

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

    def load(self, documents: Iterable[tuple[str | None, FindingsDocument]]) -> LoadReport:
        """Map and keep each ``(file name, document)``; a failing source is reported, the rest go on."""
        report = LoadReport()
        scoped = self.sink if isinstance(self.sink, FileScopedSink) else None
        if scoped is not None:
            scoped.begin_file(None)
        for file_name, document in documents:
            self._add(report, file_name, document, scoped)
        if scoped is not None:
            scoped.end_file()
        self.sink.finish()
        return report

    def _add(self, report: LoadReport, file_name: str | None, document: FindingsDocument, scoped: FileScopedSink | None) -> None:
        """Map one document and hand it to the sink (unless the sink holds its content already)."""
        try:
            loaded = scoped.unchanged(document, file_name) if scoped is not None else None
            if loaded is not None:
                report.loaded.append(loaded)
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
        except KBError as error:
            report.failed.append((file_name or document.source.id, str(error)))
            return
        report.loaded.append(loaded)
        if loaded.status is not LoadStatus.unchanged:
            report.unresolved.extend(mapped.unresolved)

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
        advance = self.progress(label or f"ingest {reader.name}", None)
        for path in paths:
            part = LoadReport()
            sink.begin_file(str(path))
            try:
                for item in reader.read(path, vocabulary=self.vocabulary):
                    if isinstance(item, SkippedRecord):
                        part.failed.append((str(path), str(item)))
                    elif isinstance(item, ReadNote):
                        part.notes.append(str(item))
                    else:
                        self._add(part, str(path), item, sink)
                        advance()
            except KBError as error:
                sink.abort_file()
                report.failed.append((str(path), str(error)))
                continue
            except BaseException:
                sink.abort_file()
                sink.discard()
                raise
            sink.end_file()
            report.extend(part)
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
            except KBError as error:
                failures.append((str(path), str(error)))
                continue
            failures.extend((str(path), str(record)) for record in skipped)
            notes.extend(file_notes)
            readable.append((path, good))

        def documents() -> Iterator[tuple[str | None, FindingsDocument]]:
            for path, _ in readable:
                for item in reader.read(path, vocabulary=self.vocabulary):
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
        report = self.load(_counted(self.progress(f"ingest {fetcher.name}", len(fetched)), fetched))
        report.failed[:0] = failures
        report.notes.extend(notes)
        return report


def _survey(reader: Reader, path: Path, vocabulary: Vocabulary) -> tuple[int, list[SkippedRecord], list[str]]:
    """Read ``path`` to its end: how many records are good, which were skipped, the notes."""
    good = 0
    skipped: list[SkippedRecord] = []
    notes: list[str] = []
    for item in reader.read(path, vocabulary=vocabulary):
        if isinstance(item, SkippedRecord):
            skipped.append(item)
        elif isinstance(item, ReadNote):
            notes.append(str(item))
        else:
            good += 1
    return good, skipped, notes


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
