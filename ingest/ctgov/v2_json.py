"""Saved ClinicalTrials.gov API v2 JSON: one study, a list of studies, or a ``/studies`` page.

>>> from ingest.ctgov.v2_json import iter_v2_studies
>>> [origin for origin, _ in iter_v2_studies({"studies": [{}, {}], "nextPageToken": "x"}, "page.json")]
['page.json studies[0]', 'page.json studies[1]']
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ingest.biblio.text import MAX_JSON_DEPTH, too_deep
from ingest.ctgov.common import StudyReport
from ingest.ctgov.mapping import DrugChooser, study_from_v2
from kb.errors import InputFileError, cap
from kb.models import FindingsDocument

__all__ = ["iter_v2_studies", "read_v2_json", "study_from_v2"]


def iter_v2_studies(data: Any, origin: str) -> Iterator[tuple[str, Any]]:
    """Each study of a parsed v2 JSON document, with where it is: ``(origin, study)``."""
    if isinstance(data, dict) and "studies" in data and "protocolSection" not in data:
        studies = data["studies"]
        if not isinstance(studies, list):
            raise InputFileError(origin, [("studies", "must be a list of studies")])
        for index, study in enumerate(studies):
            yield f"{origin} studies[{index}]", study
    elif isinstance(data, list):
        for index, study in enumerate(data):
            yield f"{origin} [{index}]", study
    elif isinstance(data, dict):
        yield origin, data
    else:
        raise InputFileError(origin, [("", f"expected a study, a list of studies or a /studies page, got {type(data).__name__}")])


def read_v2_json(path: str | Path, *, choose_drug: DrugChooser | None = None) -> Iterator[tuple[FindingsDocument | None, StudyReport]]:
    """Each study of a saved v2 JSON file as ``(document or None, report)``; one bad study does not stop the rest.

    Raises :class:`~kb.errors.InputFileError` when the file is not JSON at all, or nests deeper
    than :data:`~ingest.biblio.text.MAX_JSON_DEPTH` levels.
    """
    path = Path(path)
    try:
        data = json.loads(path.read_bytes())
    except (OSError, UnicodeDecodeError, ValueError) as error:  # ValueError: bad JSON, or an integer past int()'s digit limit
        raise InputFileError(str(path), [("", f"not readable JSON: {cap(str(error))}")]) from None
    except RecursionError:
        data, deep = None, True  # deeper than the parser's stack
    else:
        deep = too_deep(data)
    if deep:
        raise InputFileError(str(path), [("", f"JSON nested more than {MAX_JSON_DEPTH} levels deep; refused")])
    for origin, study in iter_v2_studies(data, path.name):
        yield study_from_v2(study, origin, choose_drug=choose_drug)
