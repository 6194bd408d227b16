"""The reading process of :mod:`kb.ingestion.prefetch`: ``python -m kb.ingestion.reader_worker``.

Reads ``(reader name, path, vocabulary)`` pickled on stdin, runs
:func:`~kb.ingestion.runner.read_guarded` and writes pickled messages to stdout:
``("items", [...])`` batches, then ``("end", None)`` or ``("error", message)``. A plain
subprocess, not ``multiprocessing``: it never imports the caller's ``__main__`` again.
"""

from __future__ import annotations

import pickle
import signal
import sys
from pathlib import Path
from typing import Any

#: Records per message.
BATCH = 50


def serve() -> None:
    """Read the request from stdin, send the items to stdout."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the main process's to handle: it ends this one
    from kb.errors import KBError
    from kb.ingestion.runner import read_guarded
    from kb.readers import get_reader

    name, path, vocabulary = pickle.load(sys.stdin.buffer)
    out = sys.stdout.buffer

    def send(message: tuple[str, Any]) -> None:
        pickle.dump(message, out, protocol=pickle.HIGHEST_PROTOCOL)
        out.flush()

    batch: list[Any] = []
    try:
        for item in read_guarded(get_reader(name), Path(path), vocabulary):
            batch.append(item)
            if len(batch) >= BATCH:
                send(("items", batch))
                batch = []
    except KBError as error:
        send(("items", batch))
        send(("error", str(error)))
        return
    send(("items", batch))
    send(("end", None))


if __name__ == "__main__":
    serve()
