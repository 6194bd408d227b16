"""The plug-in point through which importers hand records to the kb.

``kb`` never imports ``ingest``: importers register under the entry-point group
``trial_evidence_kb.readers`` (see ``pyproject.toml``), and the CLI finds them here
by name. A reader turns one file into records and raises a
:class:`~kb.errors.RecordError` subclass naming the file, record and field when it
cannot.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from importlib.metadata import entry_points
from pathlib import Path
from typing import Protocol, runtime_checkable

from kb.errors import KBError
from kb.models import FindingsDocument

__all__ = ["Reader", "ENTRY_POINT_GROUP", "get_reader", "available_readers"]

ENTRY_POINT_GROUP = "trial_evidence_kb.readers"


@runtime_checkable
class Reader(Protocol):
    """Reads one kind of file into validated records."""

    name: str
    summary: str

    def read(self, path: Path) -> Iterator[FindingsDocument]:
        """Yield the records of ``path``; raise a RecordError naming file, record and field."""
        ...


@cache
def available_readers() -> dict[str, Reader]:
    """Every installed reader, by name."""
    readers: dict[str, Reader] = {}
    for entry_point in entry_points(group=ENTRY_POINT_GROUP):
        reader = entry_point.load()()
        readers[entry_point.name] = reader
    return readers


def get_reader(name: str) -> Reader:
    """The reader called ``name``; a clear error when it is not installed."""
    readers = available_readers()
    if name not in readers:
        known = ", ".join(sorted(readers)) or "none (is trial-evidence-kb installed? run 'pip install -e .')"
        raise KBError(f"no reader named {name!r}; installed readers: {known}")
    return readers[name]
