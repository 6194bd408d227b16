"""Legacy ClinicalTrials.gov XML (``clinical_study``, the pre-2024 public XML) to findings documents.

The XML is brought into the API v2 JSON shape and mapped by the same code as v2
(:func:`ingest.ctgov.mapping.study_from_v2`), so both formats give the same document.
Parsing is safe for untrusted files: no network, no entity expansion, and a document
type declaring entities is refused.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from lxml import etree

from ingest.ctgov.common import StudyReport, token
from ingest.ctgov.mapping import DrugChooser, study_from_v2
from kb.errors import InputFileError, cap
from kb.models import FindingsDocument

__all__ = ["read_legacy_xml", "study_from_legacy_xml", "parse_legacy_xml", "legacy_date"]

_PARSER_OPTIONS = {"resolve_entities": False, "no_network": True, "load_dtd": False, "dtd_validation": False, "huge_tree": False}


def parse_legacy_xml(data: bytes, origin: str) -> etree._Element:
    """Parse XML safely; refuse entity declarations. Raises InputFileError naming ``origin``."""
    parser = etree.XMLParser(**_PARSER_OPTIONS)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as error:
        raise InputFileError(origin, [("", f"not well-formed XML: {error}")]) from error
    dtd = root.getroottree().docinfo.internalDTD
    if dtd is not None and (list(dtd.iterentities()) or b"<!ENTITY" in data[:65536]):
        raise InputFileError(origin, [("", "document type declares entities; refused")])
    return root


def legacy_date(text: str | None) -> str | None:
    """A legacy date ('January 26, 2010', 'June 2018') as a partial ISO date; other text as given.

    >>> legacy_date("January 26, 2010"), legacy_date("June 2018"), legacy_date("2019-03")
    ('2010-01-26', '2018-06', '2019-03')
    """
    if not text:
        return None
    text = text.strip()
    for fmt, out in (("%B %d, %Y", "%Y-%m-%d"), ("%B %Y", "%Y-%m"), ("%Y", "%Y")):
        try:
            return datetime.strptime(text, fmt).strftime(out)
        except ValueError:
            continue
    return text


def _text(element: etree._Element | None, path: str | None = None) -> str | None:
    node = element.find(path) if (element is not None and path) else element
    if node is None:
        return None
    block = node.find("textblock")
    raw = "".join((block if block is not None else node).itertext())
    text = textwrap.dedent(raw).strip("\n")
    text = re.sub(r"[ \t]+\n", "\n", text).strip()
    return text or None


def _all(element: etree._Element, path: str) -> list[str]:
    return [t for node in element.findall(path) if (t := _text(node))]


def _groups(element: etree._Element | None) -> list[dict[str, Any]]:
    if element is None:
        return []
    return [
        {"id": g.get("group_id"), "title": _text(g, "title"), "description": _text(g, "description")}
        for g in element.findall("group_list/group")
    ]


def _denoms(element: etree._Element | None) -> list[dict[str, Any]]:
    if element is None:
        return []
    denoms = []
    for analyzed in element.findall("analyzed_list/analyzed"):
        counts = [{"groupId": c.get("group_id"), "value": c.get("value")} for c in analyzed.findall("count_list/count")]
        denoms.append({"units": _text(analyzed, "units"), "counts": counts})
    return denoms


def _outcome(outcome: etree._Element) -> dict[str, Any]:
    measure = outcome.find("measure")
    classes = []
    for klass in measure.findall("class_list/class") if measure is not None else []:
        categories = []
        for category in klass.findall("category_list/category"):
            measurements = []
            for m in category.findall("measurement_list/measurement"):
                item = {"groupId": m.get("group_id"), "value": m.get("value")}
                for attribute, key in (("spread", "spread"), ("lower_limit", "lowerLimit"), ("upper_limit", "upperLimit")):
                    if m.get(attribute) is not None:
                        item[key] = m.get(attribute)
                if _text(m):
                    item["comment"] = _text(m)
                measurements.append(item)
            categories.append({"title": _text(category, "title"), "measurements": measurements})
        classes.append({"title": _text(klass, "title"), "denoms": _denoms(klass), "categories": categories})
    analyses = []
    for analysis in outcome.findall("analysis_list/analysis"):
        analyses.append({
            "groupIds": [g.text.strip() for g in analysis.findall("group_id_list/group_id") if g.text],
            "pValue": _text(analysis, "p_value"),
            "statisticalMethod": _text(analysis, "method"),
            "paramType": _text(analysis, "param_type"),
            "paramValue": _text(analysis, "param_value"),
            "ciPctValue": _text(analysis, "ci_percent"),
            "ciNumSides": _text(analysis, "ci_n_sides"),
            "ciLowerLimit": _text(analysis, "ci_lower_limit"),
            "ciUpperLimit": _text(analysis, "ci_upper_limit"),
            "dispersionType": _text(analysis, "dispersion_type"),
            "dispersionValue": _text(analysis, "dispersion_value"),
            "estimateComment": _text(analysis, "estimate_desc"),
        })
    return {
        "type": token(_text(outcome, "type") or ""),
        "title": _text(outcome, "title"),
        "description": _text(outcome, "description"),
        "timeFrame": _text(outcome, "time_frame"),
        "paramType": _text(measure, "param") if measure is not None else None,
        "dispersionType": _text(measure, "dispersion") if measure is not None else None,
        "unitOfMeasure": _text(measure, "units") if measure is not None else None,
        "groups": _groups(outcome),
        "denoms": _denoms(measure),
        "classes": classes,
        "analyses": analyses,
    }


def _totals(table: etree._Element | None, prefix: str) -> dict[str, dict[str, str]]:
    """The table's 'Total' row per group id, as v2's group totals (``seriousNumAffected`` ...)."""
    found: dict[str, dict[str, str]] = {}
    if table is None:
        return found
    for category in table.findall("category_list/category"):
        if _text(category, "title") != "Total":
            continue
        for counts in category.iter("counts"):
            group = counts.get("group_id")
            if not group:
                continue
            for attribute, key in (("subjects_affected", "NumAffected"), ("subjects_at_risk", "NumAtRisk"), ("events", "NumEvents")):
                if counts.get(attribute) is not None:
                    found.setdefault(group, {})[prefix + key] = counts.get(attribute) or ""
    return found


def _events(table: etree._Element | None) -> list[dict[str, Any]]:
    if table is None:
        return []
    vocabulary, assessment = _text(table, "default_vocab"), _text(table, "default_assessment")
    events = []
    for category in table.findall("category_list/category"):
        organ_system = _text(category, "title")
        if organ_system == "Total":  # the table's totals row, not an event: read by _totals
            continue
        for event in category.findall("event_list/event"):
            title = event.find("sub_title")
            events.append({
                "term": _text(title),
                "organSystem": organ_system,
                "sourceVocabulary": (title.get("vocab") if title is not None else None) or vocabulary,
                "assessmentType": _text(event, "assessment") or assessment,
                "stats": [
                    {"groupId": c.get("group_id"), "numAffected": c.get("subjects_affected"), "numAtRisk": c.get("subjects_at_risk"), "numEvents": c.get("events")}
                    for c in event.findall("counts")
                ],
            })
    return events


def _deaths(reported: etree._Element) -> dict[str, tuple[str | None, str | None]]:
    """All-cause mortality per group id, when the record has the table (records from 2017 on)."""
    # An element with no children is falsy in lxml: test for None, so an empty
    # <all_cause_mortality/> is not passed over for <deaths>.
    table = reported.find("all_cause_mortality")
    if table is None:
        table = reported.find("deaths")
    found: dict[str, tuple[str | None, str | None]] = {}
    if table is None:
        return found
    for counts in table.iter("counts"):
        group = counts.get("group_id")
        if group:  # counts without a group id cannot be tied to an arm
            found[group] = (counts.get("subjects_affected"), counts.get("subjects_at_risk"))
    return found


def _results(root: etree._Element) -> dict[str, Any] | None:
    results = root.find("clinical_results")
    if results is None:
        return None
    section: dict[str, Any] = {"outcomeMeasuresModule": {"outcomeMeasures": [_outcome(o) for o in results.findall("outcome_list/outcome")]}}
    reported = results.find("reported_events")
    if reported is not None:
        deaths = _deaths(reported)
        serious, other = _totals(reported.find("serious_events"), "serious"), _totals(reported.find("other_events"), "other")
        groups = []
        for group in _groups(reported):
            affected, at_risk = deaths.get(group["id"], (None, None))
            groups.append({**group, "deathsNumAffected": affected, "deathsNumAtRisk": at_risk,
                           **serious.get(group["id"], {}), **other.get(group["id"], {})})
        section["adverseEventsModule"] = {
            "timeFrame": _text(reported, "time_frame"),
            "eventGroups": groups,
            "seriousEvents": _events(reported.find("serious_events")),
            "otherEvents": _events(reported.find("other_events")),
        }
    return section


def _phases(text: str | None) -> list[str]:
    if not text:
        return []
    return [token(part) for part in re.split(r"/", text) if part.strip()] if text.strip() != "N/A" else ["NA"]


def _identification_module(root: etree._Element) -> dict[str, Any]:
    """The study's ids and titles (v2 ``identificationModule``)."""
    return {
        "nctId": _text(root, "id_info/nct_id"),
        "orgStudyIdInfo": {"id": _text(root, "id_info/org_study_id")},
        "secondaryIdInfos": [{"id": s} for s in _all(root, "id_info/secondary_id")],
        "briefTitle": _text(root, "brief_title"),
        "officialTitle": _text(root, "official_title"),
        "acronym": _text(root, "acronym"),
    }


def _status_module(root: etree._Element) -> dict[str, Any]:
    """Overall status and the dates, legacy text dates made ISO (v2 ``statusModule``)."""
    return {
        "overallStatus": token(_text(root, "overall_status") or ""),
        "startDateStruct": {"date": legacy_date(_text(root, "start_date"))},
        "primaryCompletionDateStruct": {"date": legacy_date(_text(root, "primary_completion_date"))},
        "completionDateStruct": {"date": legacy_date(_text(root, "completion_date"))},
        "lastUpdatePostDateStruct": {"date": legacy_date(_text(root, "last_update_posted") or _text(root, "lastchanged_date"))},
    }


def _design_module(root: etree._Element) -> dict[str, Any]:
    """Phases, design and enrollment, legacy wording turned into v2 tokens (v2 ``designModule``)."""
    design = root.find("study_design_info")
    masking = _text(design, "masking") if design is not None else None
    allocation = token(_text(design, "allocation") or "") if design is not None else ""
    model = (_text(design, "intervention_model") or "") if design is not None else ""
    return {
        "phases": _phases(_text(root, "phase")),
        "designInfo": {
            "allocation": {"N_A": "NA"}.get(allocation, allocation),
            "interventionModel": token(re.sub(r"\s*Assignment$", "", model)),
            "primaryPurpose": token(_text(design, "primary_purpose") or "") if design is not None else None,
            "maskingInfo": {"masking": token(masking.split("(")[0]) if masking else None},
        },
        "enrollmentInfo": {"count": _text(root, "enrollment")},
    }


def _arms_interventions_module(root: etree._Element) -> dict[str, Any]:
    """Arm groups and interventions (v2 ``armsInterventionsModule``)."""
    return {
        "armGroups": [
            {"label": _text(a, "arm_group_label"), "type": token(_text(a, "arm_group_type") or ""), "description": _text(a, "description")}
            for a in root.findall("arm_group")
        ],
        "interventions": [
            {
                "type": token(_text(i, "intervention_type") or ""),
                "name": _text(i, "intervention_name"),
                "description": _text(i, "description"),
                "armGroupLabels": _all(i, "arm_group_label"),
                "otherNames": _all(i, "other_name"),
            }
            for i in root.findall("intervention")
        ],
    }


def _references_module(root: etree._Element) -> dict[str, Any]:
    """Result references (``results_reference``) then background ones (v2 ``referencesModule``)."""
    references = [{"pmid": _text(r, "PMID"), "citation": _text(r, "citation"), "type": "RESULT"} for r in root.findall("results_reference")]
    references += [{"pmid": _text(r, "PMID"), "citation": _text(r, "citation"), "type": "BACKGROUND"} for r in root.findall("reference")]
    return {"references": references}


def study_to_v2(root: etree._Element) -> dict[str, Any]:
    """A legacy ``clinical_study`` element in the API v2 JSON shape (the fields the mapping reads)."""
    study: dict[str, Any] = {
        "protocolSection": {
            "identificationModule": _identification_module(root),
            "statusModule": _status_module(root),
            "sponsorCollaboratorsModule": {"leadSponsor": {"name": _text(root, "sponsors/lead_sponsor/agency")}},
            "conditionsModule": {"conditions": _all(root, "condition")},
            "designModule": _design_module(root),
            "armsInterventionsModule": _arms_interventions_module(root),
            "eligibilityModule": {"eligibilityCriteria": _text(root, "eligibility/criteria")},
            "contactsLocationsModule": {"locations": [{"country": c} for c in _all(root, "location_countries/country")]},
            "referencesModule": _references_module(root),
        },
        # Legacy condition_browse lists MeSH terms without their ids.
        "derivedSection": {
            "conditionBrowseModule": {"meshes": [{"term": t} for t in _all(root, "condition_browse/mesh_term")]},
            "miscInfoModule": {"versionHolder": _text(root, "required_header/download_date")},
        },
    }
    results = _results(root)
    if results is not None:
        study["resultsSection"] = results
    return study


def study_from_legacy_xml(data: bytes, origin: str, *, choose_drug: DrugChooser | None = None) -> tuple[FindingsDocument | None, StudyReport]:
    """Map one legacy ``clinical_study`` XML document to a findings document and its report."""
    root = parse_legacy_xml(data, origin)
    if root.tag != "clinical_study":
        raise InputFileError(origin, [("", f"root element is <{root.tag}>, expected <clinical_study>")])
    return study_from_v2(study_to_v2(root), origin, choose_drug=choose_drug)


def read_legacy_xml(path: str | Path, *, choose_drug: DrugChooser | None = None) -> Iterator[tuple[FindingsDocument | None, StudyReport]]:
    """The study of a legacy XML file (or each ``clinical_study`` of a wrapping element), with its report."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise InputFileError(str(path), [("", f"cannot read: {error.strerror or error}")]) from error
    root = parse_legacy_xml(data, str(path))
    if root.tag == "clinical_study":
        yield _study(root, path.name, choose_drug)
        return
    studies = root.findall("clinical_study")
    if not studies:
        raise InputFileError(str(path), [("", f"root element is <{root.tag}>, expected <clinical_study>")])
    for index, study in enumerate(studies):
        yield _study(study, f"{path.name} clinical_study[{index}]", choose_drug)


def _study(element: etree._Element, origin: str, choose_drug: DrugChooser | None) -> tuple[FindingsDocument | None, StudyReport]:
    """One ``clinical_study`` mapped; one whose XML the conversion cannot follow fails alone, with why."""
    try:
        converted = study_to_v2(element)
    except (AttributeError, TypeError, ValueError, KeyError, IndexError) as error:
        nct = _text(element, "id_info/nct_id")
        report = StudyReport(origin=origin, nct=cap(nct, 40) if nct else None)
        report.error = f"could not be read: {type(error).__name__}: {cap(str(error))}"
        return None, report
    return study_from_v2(converted, origin, choose_drug=choose_drug)
