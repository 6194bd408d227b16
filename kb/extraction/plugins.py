"""Extractors as plugins: the entry-point group ``trial_evidence_kb.extractors``.

A package adds an extractor by naming a class (or factory) in that group; the KB then offers it
by name (``kb extract --extractor NAME``) without any change here. The class is called with
``vocabulary=`` (the KB's merged vocabulary, for resolving drug and target names) when its
signature takes it, else with no arguments, and must satisfy :class:`kb.extraction.model.Extractor`.
The rule-based extractor ships as ``rules`` and is the default.
"""

from __future__ import annotations

import inspect
from functools import cache
from importlib.metadata import EntryPoint, entry_points

from kb.errors import KBError
from kb.extraction.model import Extractor

__all__ = ["EXTRACTOR_GROUP", "DEFAULT_EXTRACTOR", "available_extractors", "get_extractor"]

EXTRACTOR_GROUP = "trial_evidence_kb.extractors"
DEFAULT_EXTRACTOR = "rules"


@cache
def available_extractors() -> dict[str, EntryPoint]:
    """Every installed extractor's entry point, by name (not loaded yet)."""
    return {entry_point.name: entry_point for entry_point in entry_points(group=EXTRACTOR_GROUP)}


def get_extractor(name: str = DEFAULT_EXTRACTOR, *, vocabulary: object | None = None) -> Extractor:
    """A new instance of the extractor called ``name``.

    :raises KBError: when no extractor has that name (the message lists the installed ones),
        when it cannot be loaded, or when what it builds is not an extractor.
    """
    installed = available_extractors()
    if name not in installed:
        known = ", ".join(sorted(installed)) or "none (is trial-evidence-kb installed? run 'pip install -e .')"
        raise KBError(f"no extractor named {name!r}; installed extractors: {known}")
    try:
        factory = installed[name].load()
    except (ImportError, AttributeError) as error:
        raise KBError(f"extractor {name!r} ({installed[name].value}) cannot be loaded: {error}") from error
    try:
        takes_vocabulary = "vocabulary" in inspect.signature(factory).parameters
    except (TypeError, ValueError):  # a builtin or C callable without a readable signature
        takes_vocabulary = False
    extractor = factory(vocabulary=vocabulary) if takes_vocabulary else factory()
    if not isinstance(extractor, Extractor):
        raise KBError(f"extractor {name!r} ({installed[name].value}) has no name, version and extract(text): not an extractor")
    return extractor
