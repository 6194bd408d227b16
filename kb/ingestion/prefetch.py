"""Reading a large file in a worker process, so that parsing and mapping use both cores.

The reader (lxml and pydantic for PubMed, ~1.1 ms a record) runs in a child process
(:mod:`kb.ingestion.reader_worker`, ``python -m``: the caller's ``__main__`` is never imported
again, unlike ``multiprocessing``'s spawn) and
hands the records to the main process in batches; the main process maps and spools them
(~2 ms a record) meanwhile. The items arrive in the order the reader yields them and the file
is read once, so everything the runner promises (a file failing halfway loads nothing, markers
last, the crash rule, publication merging, deterministic output) is unchanged: the worker only
runs :func:`~kb.ingestion.runner.read_guarded`. A reader error reaches the main process with
its message, as a :class:`~kb.errors.KBError`; a worker that dies fails its file.
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
from collections.abc import Callable, Generator, Iterable
from pathlib import Path
from typing import Any

from kb.errors import InputFileError, KBError
from kb.readers import Reader, get_reader
from kb.vocab import Vocabulary

__all__ = ["PREFETCH_ENV", "PREFETCH_BYTES", "prefetched"]

#: ``0``: never read in a worker; ``1``: always (tests); unset: files of :data:`PREFETCH_BYTES` or more.
PREFETCH_ENV = "KB_INGEST_PREFETCH"
#: Smaller files are read in the main process: starting a worker costs ~1 s of imports.
PREFETCH_BYTES = 8 * 2**20


class _ReadError(KBError):
    """A reader's error raised in the worker process, with its message."""


def wanted(reader: Reader, path: Path) -> bool:
    """Whether ``path`` is read in a worker: a registered reader, and a big file (or :data:`PREFETCH_ENV`)."""
    choice = os.environ.get(PREFETCH_ENV)
    if choice == "0":
        return False
    try:
        if type(get_reader(reader.name)) is not type(reader):  # a reader object the worker cannot rebuild
            return False
        return choice == "1" or path.stat().st_size >= PREFETCH_BYTES
    except (KBError, OSError):
        return False


def prefetched(reader: Reader, path: Path, vocabulary: Vocabulary,
               guarded: Callable[[Reader, Path, Vocabulary], Iterable[Any]]) -> Generator[Any, None, None]:
    """``guarded(reader, path, vocabulary)``'s items, read in a worker process when :func:`wanted`.

    Closing the generator before its end (the caller stopped reading the file) ends the worker.
    """
    if not wanted(reader, path):
        yield from guarded(reader, path, vocabulary)
        return
    worker = subprocess.Popen([sys.executable, "-m", "kb.ingestion.reader_worker"], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    assert worker.stdin is not None and worker.stdout is not None
    try:
        try:
            pickle.dump((reader.name, str(path), vocabulary), worker.stdin)
            worker.stdin.close()
        except BrokenPipeError:
            pass  # the worker is gone: reported below, at the end of its output
        while True:
            try:
                kind, payload = pickle.load(worker.stdout)  # noqa: S301 - our own child process
            except (EOFError, pickle.UnpicklingError, BrokenPipeError):
                code = worker.wait()
                raise InputFileError(str(path), [("", f"the reading process ended unexpectedly (exit code {code})")]) from None
            if kind == "items":
                yield from payload
            elif kind == "error":
                raise _ReadError(payload)
            else:
                return
    finally:
        if worker.poll() is None:
            worker.kill()
        worker.wait()
        worker.stdout.close()
