"""One write at a time in a background thread, so that the bulk loader works while Python maps.

Oxigraph's bulk loader releases the GIL: a full spool chunk can be loaded in a thread while
the main thread goes on reading and mapping the next records (``kb.ingestion.bulk``, "early
loads"). At most one write runs at a time, in the order given; :meth:`Background.wait` returns
when it has ended and raises what it raised.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

__all__ = ["Background"]


class Background:
    """Runs one callable at a time in a daemon thread; ``wait`` joins it and re-raises its error."""

    def __init__(self) -> None:
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None

    @property
    def busy(self) -> bool:
        """Whether a write was started and not waited for."""
        return self._thread is not None

    def start(self, work: Callable[[], None]) -> None:
        """Wait for the previous write, then run ``work`` in a new thread."""
        self.wait()

        def run() -> None:
            try:
                work()
            except BaseException as error:  # noqa: BLE001 - handed to the thread that waits
                self._error = error

        self._thread = threading.Thread(target=run, name="kb-ingest-load", daemon=True)
        self._thread.start()

    def wait(self) -> None:
        """Wait for the running write; raise its error, if it failed."""
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join()
        error, self._error = self._error, None
        if error is not None:
            raise error
