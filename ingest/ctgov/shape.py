"""The JSON types a ClinicalTrials.gov v2 study must have where the mapping reads it.

The mapping (:mod:`ingest.ctgov.mapping`, :mod:`ingest.ctgov.arms`, :mod:`ingest.ctgov.results`)
walks the study's objects and lists; a value of the wrong type there (``"conditions": 5``, a
list where a module is expected) would raise ``TypeError`` or ``AttributeError`` halfway. This
module checks the keys the mapping reads before it runs, so such a study fails alone with the
field path named, e.g. ``protocolSection.conditionsModule.conditions: expected a list, got int``.
Keys the mapping does not read are not checked.

>>> shape_problems({"protocolSection": {"conditionsModule": {"conditions": 5}}})
['protocolSection.conditionsModule.conditions: expected a list, got int']
>>> shape_problems({"protocolSection": {"statusModule": []}})
['protocolSection.statusModule: expected an object, got list']
"""

from __future__ import annotations

from typing import Any

__all__ = ["shape_problems", "MAX_PROBLEMS"]

#: The most problems one study reports (a hostile file can hold thousands).
MAX_PROBLEMS = 5

# Keys whose value is a list of strings, and keys whose value is a list of objects.
_STRING_LISTS = frozenset({"phases", "conditions", "keywords", "otherNames", "interventionNames", "armGroupLabels", "groupIds"})
_OBJECT_LISTS = frozenset({
    "secondaryIdInfos", "references", "locations", "meshes", "armGroups", "interventions", "outcomeMeasures", "groups",
    "denoms", "counts", "classes", "categories", "measurements", "analyses", "eventGroups", "seriousEvents", "otherEvents",
    "stats", "studies",
})
# Keys whose value is an object, besides every key ending in Section, Module or Struct.
_OBJECTS = frozenset({"designInfo", "maskingInfo", "enrollmentInfo", "orgStudyIdInfo", "leadSponsor"})
# Scalar keys the mapping reads as text or numbers: an object or a list there is wrong.
_SCALARS = frozenset({
    "id", "description", "value", "type", "title", "date", "upperLimit", "paramType", "lowerLimit", "briefTitle",
    "timeFrame", "term", "spread", "officialTitle", "name", "groupId", "dispersionType", "deathsNumAffected", "vocab",
    "versionHolder", "unitOfMeasure", "status", "statisticalMethod", "sourceVocabulary", "reportingStatus",
    "primaryPurpose", "pmid", "paramValue", "pValue", "overallStatus", "organSystem", "nctId", "masking", "label",
    "interventionModel", "estimateComment", "eligibilityCriteria", "dispersionValue", "deathsNumAtRisk", "country",
    "count", "comment", "citation", "ciUpperLimit", "ciPctValue", "ciNumSides", "ciLowerLimit", "assessmentType",
    "allocation", "acronym", "numAffected", "numAtRisk", "numEvents", "numSubjects", "numUnits",
})


def _kind(value: object) -> str:
    return "an object" if isinstance(value, dict) else "a list" if isinstance(value, list) else type(value).__name__


def _expected(key: str) -> str | None:
    """What ``key``'s value must be: 'object', 'objects', 'strings', 'scalar', or None (not read)."""
    if key in _OBJECTS or key.endswith(("Section", "Module", "Struct")):
        return "object"
    if key in _OBJECT_LISTS:
        return "objects"
    if key in _STRING_LISTS:
        return "strings"
    if key in _SCALARS:
        return "scalar"
    return None


def shape_problems(study: dict[str, Any], limit: int = MAX_PROBLEMS) -> list[str]:
    """``path: expected ..., got ...`` for each value of the wrong type where the mapping reads (at most ``limit``).

    ``null`` is accepted for a key (the mapping treats it as absent), not as an item of a list
    of objects. The walk is iterative,
    so a deeply nested study cannot exhaust the stack.
    """
    problems: list[str] = []
    stack: list[tuple[str, object]] = [("", study)]
    while stack and len(problems) < limit:
        path, node = stack.pop()
        if not isinstance(node, dict):
            continue
        for key, value in node.items():
            where = f"{path}.{key}" if path else str(key)
            expected = _expected(str(key))
            if value is None or expected is None:
                continue
            if expected == "object" and not isinstance(value, dict):
                problems.append(f"{where}: expected an object, got {type(value).__name__}")
            elif expected in ("objects", "strings") and not isinstance(value, list):
                problems.append(f"{where}: expected a list, got {type(value).__name__}")
            elif expected == "scalar" and isinstance(value, (dict, list)):
                problems.append(f"{where}: expected a text or a number, got {_kind(value)}")
            elif expected == "object":
                stack.append((where, value))
            elif isinstance(value, list):
                for index, item in enumerate(value):
                    if expected == "objects" and not isinstance(item, dict):
                        problems.append(f"{where}[{index}]: expected an object, got {type(item).__name__}")
                    elif expected == "strings" and isinstance(item, (dict, list)):
                        problems.append(f"{where}[{index}]: expected a text, got {_kind(item)}")
                    elif isinstance(item, dict):
                        stack.append((f"{where}[{index}]", item))
    return problems[:limit]
