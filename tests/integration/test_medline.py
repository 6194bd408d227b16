"""MEDLINE (.nbib) reader: conformance with real files (../shared/fixtures/medline)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.biblio.medline import read_medline
from tests.conftest import shared_files, shared_path


def _plain_records(path: Path) -> list[dict[str, list[str]]]:
    """An independent reading: blank-line separated records of 'TAG - value' lines."""
    records: list[dict[str, list[str]]] = []
    for block in path.read_text(encoding="utf-8-sig").replace("\r\n", "\n").split("\n\n"):
        fields: dict[str, list[str]] = {}
        last = None
        for line in block.splitlines():
            if line.startswith("      ") and last:
                fields[last][-1] += " " + line.strip()
            elif len(line) > 5 and line[4] == "-":
                last = line[:4].strip()
                fields.setdefault(last, []).append(line[6:].strip())
        if fields:
            records.append(fields)
    return records


@pytest.mark.parametrize("path", shared_files("fixtures/medline", "*.txt"))
def test_conformance_with_shared_files(path: Path) -> None:
    ours = list(read_medline(path))
    expected = _plain_records(path)
    assert len(ours) == len(expected) > 0
    for record, fields in zip(ours, expected):
        assert record.ok, record.problems
        pub = record.publication
        assert pub.pmid == fields["PMID"][0]
        assert record.location.startswith(f"record {ours.index(record) + 1} (PMID {pub.pmid}), line ")
        dois = [v[: -len(" [doi]")] for v in fields.get("AID", []) if v.endswith(" [doi]")]
        assert pub.doi == (dois[0].lower() if dois else None)
        assert pub.title == " ".join(fields["TI"][0].split())
        assert [a.family for a in pub.authors] == [name.split(",")[0] for name in fields["FAU"]]
        issns = {v.split(" ")[1].strip("()"): v.split(" ")[0] for v in fields.get("IS", [])}
        assert pub.journal.issn_print == issns.get("Print")
        assert pub.journal.issn_electronic == issns.get("Electronic")
        assert pub.journal.title == fields["JT"][0]
        assert pub.date[:4] == fields["DP"][0][:4]
        assert len(pub.mesh_headings) == len(fields.get("MH", []))


def test_spot_checks_result2() -> None:
    pubs = {r.publication.pmid: r.publication for r in read_medline(shared_path("fixtures", "medline", "biopython_pubmed_result2.txt"))}
    scop = pubs["16403221"]
    assert [s.label for s in scop.abstract] == ["BACKGROUND", "RESULTS", "CONCLUSION"]
    assert scop.abstract[2].text == ("The modules make the analysis and generation of datasets for use in "
                                     "structural genomics easier and more principled.")
    assert scop.pmcid == "PMC1373603" and scop.first_page == "10" and scop.last_page is None
    genome = pubs["16377612"]
    assert [s.label for s in genome.abstract] == ["SUMMARY", "AVAILABILITY", "SUPPLEMENTARY INFORMATION"]
    assert (genome.first_page, genome.last_page, genome.date) == ("616", "617", "2006-03-01")
    # 'Information Storage and Retrieval/*methods/*standards': qualifiers, major through them.
    pdb = pubs["14630660"]
    heading = next(m for m in pdb.mesh_headings if m.descriptor == "Information Storage and Retrieval")
    assert heading.qualifiers == ("methods", "standards") and heading.major_topic
    computer = next(m for m in pdb.mesh_headings if m.descriptor == "Computer Simulation")
    assert computer.qualifiers == () and not computer.major_topic
    assert pdb.abstract[0].label is None  # the abstract does not open with a label
    # The one old-style address (before FAU) goes to the first author.
    assert pdb.authors[0].affiliations[0].startswith("Department of Cellular and Molecular Interactions")
    assert pdb.authors[1].affiliations == ()
