"""Peak memory of the PubMed XML reader at 3,000 and 30,000 records: `python benchmarks/pubmed_memory.py`.

A synthetic PubmedArticleSet of N records (10 authors, a 4-section abstract, 10 MeSH headings,
20 references each; about 6 KB a record) is written to a temporary folder. Each measurement runs
in a fresh subprocess so the figures do not mix: it iterates ``read_pubmed_xml`` over the file
and reports the tracemalloc peak (Python allocations) and ``ru_maxrss`` (the whole process,
libxml2 included). The baseline is the same subprocess doing everything but the read (imports
only), and, for contrast, ``lxml.etree.parse`` of the whole file (no streaming). tracemalloc runs
in a separate pass, since it slows Python down and does not see libxml2's memory.
A streaming reader shows peak(30k)/peak(3k) close to 1; a whole-tree parse shows about 10.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

SIZES = (3_000, 30_000)


def _article(n: int) -> str:
    pmid = 10_000_000 + n
    authors = "".join(
        f"<Author ValidYN=\"Y\"><LastName>Author{i}</LastName><ForeName>Given {i}</ForeName><Initials>G</Initials>"
        f"<AffiliationInfo><Affiliation>Department {i}, University {n % 97}, City, Country.</Affiliation></AffiliationInfo></Author>"
        for i in range(10))
    sections = "".join(
        f"<AbstractText Label=\"{label}\" NlmCategory=\"{label}\">"
        + f"Sentence {n} about <i>gene{i}</i> and outcomes. " * 3 + "</AbstractText>"
        for i, label in enumerate(("BACKGROUND", "METHODS", "RESULTS", "CONCLUSIONS")))
    mesh = "".join(
        f"<MeshHeading><DescriptorName MajorTopicYN=\"N\">Heading {i}</DescriptorName>"
        f"<QualifierName MajorTopicYN=\"{'Y' if i % 3 == 0 else 'N'}\">qualifier {i}</QualifierName></MeshHeading>"
        for i in range(10))
    references = "".join(
        f"<Reference><Citation>Cited work {i} of record {n}.</Citation><ArticleIdList>"
        f"<ArticleId IdType=\"pubmed\">{20_000_000 + n * 20 + i}</ArticleId></ArticleIdList></Reference>"
        for i in range(20))
    return (
        f"<PubmedArticle><MedlineCitation Status=\"MEDLINE\" Owner=\"NLM\"><PMID Version=\"1\">{pmid}</PMID>"
        "<Article PubModel=\"Print\"><Journal><ISSN IssnType=\"Print\">0028-4793</ISSN>"
        f"<JournalIssue><Volume>{n % 400}</Volume><Issue>{n % 12 + 1}</Issue><PubDate><Year>{1990 + n % 35}</Year>"
        "<Month>Nov</Month></PubDate></JournalIssue><Title>The New England journal of medicine</Title>"
        "<ISOAbbreviation>N Engl J Med</ISOAbbreviation></Journal>"
        f"<ArticleTitle>Synthetic trial report {n} of <i>drug</i> X.</ArticleTitle>"
        "<Pagination><MedlinePgn>2133-42</MedlinePgn></Pagination>"
        f"<Abstract>{sections}</Abstract><AuthorList CompleteYN=\"Y\">{authors}</AuthorList><Language>eng</Language>"
        "<PublicationTypeList><PublicationType>Journal Article</PublicationType></PublicationTypeList></Article>"
        "<MedlineJournalInfo><MedlineTA>N Engl J Med</MedlineTA><NlmUniqueID>0255562</NlmUniqueID>"
        f"<ISSNLinking>0028-4793</ISSNLinking></MedlineJournalInfo><MeshHeadingList>{mesh}</MeshHeadingList>"
        f"</MedlineCitation><PubmedData><ArticleIdList><ArticleId IdType=\"pubmed\">{pmid}</ArticleId>"
        f"<ArticleId IdType=\"doi\">10.5555/synthetic.{n}</ArticleId></ArticleIdList>"
        f"<ReferenceList>{references}</ReferenceList></PubmedData></PubmedArticle>\n"
    )


def write_set(path: Path, count: int) -> None:
    """Write a PubmedArticleSet of ``count`` synthetic records to ``path``."""
    with path.open("w", encoding="utf-8") as out:
        out.write('<?xml version="1.0" ?>\n<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD PubMedArticle, '
                  '1st January 2025//EN" "https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_250101.dtd">\n<PubmedArticleSet>\n')
        for n in range(count):
            out.write(_article(n))
        out.write("</PubmedArticleSet>\n")


def measure(path: Path, mode: str) -> dict[str, float]:
    """In this process: read ``path`` (``stream``, ``traced``, ``tree`` or ``none``) and report peaks.

    Only ``traced`` runs tracemalloc, which slows Python about threefold; the others give the time.
    """
    from lxml import etree

    from ingest.biblio.pubmed_xml import read_pubmed_xml

    if mode == "traced":
        tracemalloc.start()
    start = time.perf_counter()
    records = ok = 0
    if mode in ("stream", "traced"):
        for record in read_pubmed_xml(path):
            records += 1
            ok += record.ok
    elif mode == "tree":
        records = len(etree.parse(str(path), etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)).getroot())
    elapsed = time.perf_counter() - start
    _, peak = tracemalloc.get_traced_memory() if mode == "traced" else (0, 0)
    tracemalloc.stop()
    rss_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    return {"records": records, "ok": ok, "seconds": elapsed, "tracemalloc_peak_mib": peak / 2**20, "maxrss_mib": rss_kib / 1024}


def _run(path: Path, mode: str) -> dict[str, float]:
    output = subprocess.run([sys.executable, __file__, "--measure", str(path), "--mode", mode],
                            check=True, stdout=subprocess.PIPE, text=True).stdout
    return json.loads(output)


def main() -> None:
    """Generate both sizes, measure each in a subprocess, print figures and ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--mode", default="stream", choices=("stream", "traced", "tree", "none"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure, args.mode)))
        return
    results: dict[tuple[str, int], dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as folder:
        for size in SIZES:
            path = Path(folder) / f"pubmed_{size}.xml"
            write_set(path, size)
            megabytes = path.stat().st_size / 2**20
            for mode in ("none", "stream", "traced", "tree"):
                results[(mode, size)] = result = _run(path, mode)
                assert mode not in ("stream", "traced") or result["ok"] == size, result
            stream = results[("stream", size)]
            print(f"{size:>6} records, {megabytes:6.1f} MiB file: read_pubmed_xml {stream['seconds']:6.1f} s "
                  f"({size / stream['seconds']:,.0f} records/s)")
            traced = results[("traced", size)]
            print(f"    read_pubmed_xml   tracemalloc peak {traced['tracemalloc_peak_mib']:7.2f} MiB (traced run, {traced['seconds']:.1f} s)")
            for mode, label in (("none", "imports only"), ("stream", "read_pubmed_xml"), ("tree", "etree.parse")):
                print(f"    {label:<17} ru_maxrss {results[(mode, size)]['maxrss_mib']:8.1f} MiB")
    small, big = results[("traced", SIZES[0])], results[("traced", SIZES[1])]
    print(f"read_pubmed_xml: peak(30k)/peak(3k) tracemalloc {big['tracemalloc_peak_mib'] / small['tracemalloc_peak_mib']:.2f}")
    for mode, label in (("stream", "read_pubmed_xml"), ("tree", "etree.parse (whole tree, for contrast)")):
        small, big = results[(mode, SIZES[0])], results[(mode, SIZES[1])]
        base_small, base_big = results[("none", SIZES[0])]["maxrss_mib"], results[("none", SIZES[1])]["maxrss_mib"]
        print(f"{label}: peak(30k)/peak(3k) ru_maxrss {big['maxrss_mib'] / small['maxrss_mib']:.2f}, "
              f"above the import-only baseline {(big['maxrss_mib'] - base_big) / max(small['maxrss_mib'] - base_small, 0.1):.2f}")


if __name__ == "__main__":
    main()
