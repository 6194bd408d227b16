"""BibTeX and RIS readers on the shared fixtures (../shared/fixtures), read independently with plain text parsing."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ingest.biblio.bibtex import read_bibtex
from ingest.biblio.ris import read_ris
from tests.conftest import shared_files, shared_path


def _bib_entries(text: str) -> list[dict[str, str]]:
    """Fields of each '@type{key, name = {value}, ...}' by counting braces (fixtures use braces only)."""
    entries = []
    for match in re.finditer(r"@\w+\s*\{", text):
        depth, index = 1, match.end()
        while depth:
            depth += {"{": 1, "}": -1}.get(text[index], 0)
            index += 1
        body = text[match.end(): index - 1]
        fields: dict[str, str] = {}
        for field in re.finditer(r"(\w+)\s*=\s*\{", body):
            if any(start < field.start() < end for start, end in fields.get("_spans", [])):
                continue
            depth, position = 1, field.end()
            while depth:
                depth += {"{": 1, "}": -1}.get(body[position], 0)
                position += 1
            fields[field.group(1).lower()] = body[field.end(): position - 1]
            fields.setdefault("_spans", []).append((field.start(), position))  # type: ignore[arg-type]
        year = re.search(r"year\s*=\s*\{?(\d{4})", body, re.IGNORECASE)
        if year:
            fields["year"] = year.group(1)
        entries.append(fields)
    return entries


def _ris_records(path: Path) -> list[tuple[int, dict[str, list[str]]]]:
    """(line of TY, tag -> values) per record; untagged lines continue the tag before them."""
    records, current, tag = [], None, None
    for number, line in enumerate(path.read_text(encoding="utf-8-sig").splitlines(), start=1):
        tagged = re.match(r"^([A-Z][A-Z0-9])  -\s?(.*)$", line)
        if tagged and tagged.group(1) == "TY":
            current, tag = {}, "TY"
            records.append((number, current))
        if current is None:
            continue
        if tagged:
            tag = tagged.group(1)
            if tag == "ER":
                current = None
                continue
            current.setdefault(tag, []).append(tagged.group(2).strip())
        elif line.strip():
            current.setdefault(tag, []).append(line.strip())
    return records


@pytest.mark.parametrize("path", shared_files("fixtures/bibtex", "*.bib"))
def test_bibtex_conformance(path: Path) -> None:
    entries = _bib_entries(path.read_text(encoding="utf-8"))
    records = list(read_bibtex(path))
    assert entries and len(records) == len(entries)
    for entry, record in zip(entries, records):
        assert record.ok, record.problems
        pub = record.publication
        assert pub.doi == entry["doi"].lower()
        assert pub.title == " ".join(entry["title"].replace("{", "").replace("}", "").split())
        assert [a.family for a in pub.authors] == [name.split(",")[0].strip() for name in entry["author"].split(" and ")]
        issns = {f"{d[:4]}-{d[4:]}" for d in re.findall(r"\d{7}[\dX]", entry.get("issn", "").replace("-", ""))}
        got = {pub.journal.issn_print, pub.journal.issn_electronic} - {None} if pub.journal else set()
        assert got == issns
        assert pub.date[:4] == (entry.get("year") or entry["date"][:4])


def test_bibtex_spot_checks() -> None:
    frank = next(read_bibtex(shared_path("fixtures", "bibtex", "crossref_cn_10.1126_science.169.3946.635.bib"))).publication
    assert frank.date == "1970-08"  # month=Aug, a macro
    assert (frank.first_page, frank.last_page) == ("635", "641")  # an en dash
    assert frank.journal.title == "Science" and frank.authors[0].given == "Henry S."
    zotero = {r.publication.doi: r.publication for r in read_bibtex(shared_path("fixtures", "bibtex", "limo_tools_citations_zotero.bib"))}
    cluster = zotero["10.1016/j.jneumeth.2014.08.003"]
    assert cluster.journal.issn_print == "0165-0270" and cluster.date == "2015-07"
    assert (cluster.first_page, cluster.last_page) == ("85", "93") and cluster.language == "english"
    limo = zotero["10.1155/2011/831409"]
    assert limo.title.startswith("LIMO EEG: A Toolbox for Hierarchical LInear MOdeling")
    robust = zotero["10.52294/2e69f7cc-f061-40ad-ad77-017110464dfd"]
    assert robust.abstract[0].text.startswith("Being able to remove") and "{" not in robust.abstract[0].text
    assert robust.date == "2022-03-22"


@pytest.mark.parametrize("path", shared_files("fixtures/ris", "*.ris"))
def test_ris_conformance(path: Path) -> None:
    expected = _ris_records(path)
    records = list(read_ris(path))
    assert expected
    assert [r.location for r in records] == [f"{path.name} line {line}" for line, _ in expected]
    for (_, tags), record in zip(expected, records):
        assert record.ok, record.problems
        pub = record.publication
        assert pub.doi == (tags["DO"][0].lower() if "DO" in tags else None)
        assert pub.title == (tags.get("TI") or tags.get("T1") or tags["ST"])[0]
        assert [a.family for a in pub.authors] == [name.split(",")[0] for name in tags.get("AU", [])]
        issns = {token for value in tags.get("SN", []) for token in value.split()}
        got = {pub.journal.issn_print, pub.journal.issn_electronic} - {None} if pub.journal else set()
        assert got == issns
        assert pub.date[:4] == tags["PY"][0][:4]


def test_ris_spot_checks() -> None:
    (utf,) = read_ris(shared_path("fixtures", "ris", "rispy_example_utf_chars.ris"))  # BOM: the only record is not lost
    pub = utf.publication
    assert pub.title.startswith("Состояние рецепторного аппарата эндометрия")  # from ST, the only title
    assert pub.volume == "8" and (pub.first_page, pub.last_page) == ("52", "57")  # VO, not VL
    assert pub.publication_types == ("Journal Article",)  # TY  - Journal Article
    assert pub.authors[0].family == "Dobrokhotova" and pub.authors[0].given == "Yu E."

    zotero = list(read_ris(shared_path("fixtures", "ris", "asreview_baseline_zotero.ris")))  # CRLF
    assert len(zotero) == 10 and all("\r" not in (r.publication.abstract[0].text if r.publication.abstract else "") for r in zotero)
    assert zotero[0].publication.journal.iso_abbreviation == "Nat. Commun."

    endnote = {r.publication.doi: r.publication for r in read_ris(shared_path("fixtures", "ris", "asreview_baseline_endnote.ris"))}
    haplo = endnote["10.1002/ar.25520"]
    assert {haplo.journal.issn_print, haplo.journal.issn_electronic} == {"1932-8494", "1932-8486"}  # SN continuation
    assert "biostratigraphy" in haplo.keywords  # KW continuation lines are keywords
    assert haplo.authors[2].affiliations == ("M. Wedel, Western University of Health Sciences, Pomona, CA, United States",)
    assert haplo.pmid is None  # AN holds an Embase number, not a PMID

    (scopus,) = read_ris(shared_path("fixtures", "ris", "jabref_RisImporterTestScopus.ris"))
    pub = scopus.publication
    assert pub.doi == "10.1016/j.jmps.2004.03.010" and pub.journal.title == "Journal of the Mechanics and Physics of Solids"
    # Three distinct addresses for three authors, not one per author: none is attributed.
    assert all(a.affiliations == () for a in pub.authors)
    assert pub.keywords == ("Composite", "Inclusions", "Statistical distribution", "Transverse isotropy")  # N1 ignored
    assert pub.publication_types == ("Journal Article",)  # M3 'Article' is no DOI
