"""Crossref and CSL-JSON readers on the shared fixtures (../shared/fixtures), read independently with json."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest

from ingest.biblio.crossref import read_crossref
from ingest.biblio.csl import read_csl
from tests.conftest import shared_files, shared_path


def _plain(text: str) -> str:
    """Independent of lxml: tags dropped by a regex, entities unescaped, spaces squashed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", text)).split())


def _works(data: dict) -> list[dict]:
    message = data["message"]
    return message["items"] if data.get("message-type") == "work-list" else [message]


def _year(work: dict) -> int | None:
    parts = (work.get("issued") or {}).get("date-parts") or [[None]]
    return int(parts[0][0]) if parts[0] and parts[0][0] is not None else None


@pytest.mark.parametrize("path", shared_files("fixtures/crossref", "*.json"))
def test_crossref_conformance(path: Path) -> None:
    works = _works(json.loads(path.read_text(encoding="utf-8")))
    records = list(read_crossref(path))
    assert len(records) == len(works)
    for work, record in zip(works, records):
        assert record.ok, record.problems
        pub = record.publication
        assert pub.doi == work["DOI"].lower()
        assert pub.title == _plain(work["title"][0])
        assert [a.family or a.collective for a in pub.authors] == [a.get("family") or a.get("name") for a in work.get("author", [])]
        issns = {item["value"] for item in work.get("issn-type", [])}
        got = {pub.journal.issn_print, pub.journal.issn_electronic} - {None} if pub.journal else set()
        assert got == issns
        year = _year(work)
        assert (pub.date[:4] if pub.date else None) == (str(year) if year else None)
        assert len(pub.references) <= len(work.get("reference", []))


@pytest.mark.parametrize("path", shared_files("fixtures/csl_json", "*.json"))
def test_csl_conformance(path: Path) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    items = data if isinstance(data, list) else [data]
    records = list(read_csl(path))
    assert len(records) == len(items)
    for item, record in zip(items, records):
        assert record.ok, record.problems
        pub = record.publication
        assert pub.doi == (item["DOI"].lower() if "DOI" in item else None)
        assert pub.title == _plain(item["title"])
        assert [a.family for a in pub.authors] == [a.get("family") for a in item.get("author", [])]
        issns = item.get("ISSN", [])
        got = {pub.journal.issn_print, pub.journal.issn_electronic} - {None} if pub.journal else set()
        assert got == set(issns if isinstance(issns, list) else [issns])
        year = item.get("issued", {}).get("date-parts", [[None]])[0][0]
        assert (pub.date[:4] if pub.date else None) == (str(year) if year else None)


def test_crossref_spot_checks() -> None:
    esmo = next(read_crossref(shared_path("fixtures", "crossref", "work_10.1136_esmoopen-2020-000776.json"))).publication
    assert esmo.registry_ids == ("NCT03797326", "NCT04008797")
    assert [(g.agency, g.id) for g in esmo.grants] == [("Japan Agency for Medical Research and Development", "JP18lk0201037")]
    assert esmo.authors[0].orcid == "0000-0003-3863-9582"
    assert esmo.first_page == "e000776" and esmo.date == "2020"

    srep = next(read_crossref(shared_path("fixtures", "crossref", "work_10.1038_srep16696.json"))).publication
    # The JATS heading 'Abstract' is not a section; no markup is left.
    assert len(srep.abstract) == 1 and srep.abstract[0].label is None
    assert srep.abstract[0].text.startswith("Oligomers of alpha-synuclein") and "<" not in srep.abstract[0].text
    assert srep.first_page == "16696"  # article-number
    assert srep.journal.issn_electronic == "2045-2322" and srep.journal.iso_abbreviation == "Sci Rep"
    assert srep.references[0].doi == "10.3389/fnana.2010.00140"

    sample = {r.publication.doi: r.publication for r in read_crossref(shared_path("fixtures", "crossref", "worklist_sample10.json"))}
    styrene = sample["10.1246/bcsj.36.278"]
    assert styrene.title == "The Cationic Copolymerization of Styrene and p-Brornostyrene in Liquid Sulfur Dioxide"
    assert styrene.authors[0].affiliations == ("The Chemical Research Institute of Non-Aqueous Solutions Tohoku University",)
    assert sample["10.1007/978-3-531-91346-9_6"].date is None  # issued [[null]]; 'created' is not a publication date
    assert sample["10.1007/978-3-531-91346-9_6"].journal is None  # a book, not a serial


def test_csl_spot_checks() -> None:
    sci_hub, web = (r.publication for r in read_csl(shared_path("fixtures", "csl_json", "manubot_bibliography.json")))
    assert sci_hub.pmid == "29424689" and sci_hub.pmcid == "PMC5832410"
    text = sci_hub.abstract[0].text
    assert "jats" not in text and "<" not in text and text.startswith("The website Sci-Hub enables")
    assert sci_hub.date == "2018-03-01"
    assert web.date is None and web.title.startswith("TechBlog")  # 'accessed' is not a publication date

    frank = next(read_csl(shared_path("fixtures", "csl_json", "crossref_cn_10.1126_science.169.3946.635.json"))).publication
    assert frank.first_page == "635" and frank.last_page == "641"
    assert len(frank.references) == 76 and frank.references[0].citation == "Waller R. Essayes of Natural Experiments (1964)."
