"""The hostile-input corpus (issue 12): every case as data, with its expected outcome.

A case is a ``kb`` command line run in a folder of its own, with its input files copied from
``tests/data/hostile/<area>/`` (small files, committed) or written by a generator (large or special
files: deep nesting, megabyte lines, symlink loops, FIFOs). ``store`` is a copy of a small base
store unless the case says otherwise. What a case expects:

- ``error``: exit status not 0, the output names the file (and the record or field where the case
  lists them), and the store is unchanged, quad for quad;
- ``partial``: a mixed batch; exit status not 0, the bad inputs named, the good records stored;
- ``loaded``: exit status 0 and the good records stored;
- ``loaded-with-note``: exit status 0 and a note naming what the case lists;
- ``note-or-failure``: a bad value in an otherwise good record is either noted (exit 0) or fails the
  record (exit 1); either way the output names the record and field, and the other records load.

Every case must also end without a hang, a crash (signal, traceback) or the CLI's catch-all
``internal error``. Cases whose fix another change is still making carry ``pending``: the pytest
module marks them ``xfail(strict=True)``, so they turn into failures the day the fix lands.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any

__all__ = ["BASE_FILES", "CASES", "DATA", "Case", "Expect"]

#: The committed inputs of the corpus.
DATA = Path(__file__).resolve().parents[1] / "data" / "hostile"
#: Files of the base store every ``store="base"`` case starts from (source ``hostile-good-1``).
BASE_FILES = ("findings/good.yaml",)
BASE_SOURCE = "hostile-good-1"

Maker = Callable[[Path], None]


class Expect(str, Enum):
    """What a case must end with (module docstring)."""

    ERROR = "error"
    PARTIAL = "partial"
    LOADED = "loaded"
    NOTE = "loaded-with-note"
    FLAGGED = "note-or-failure"


@dataclass(frozen=True)
class Case:
    """One hostile input: a ``kb`` command line, its files, and what it must end with."""

    id: str
    area: str
    args: tuple[str, ...]
    expect: Expect
    files: tuple[str, ...] = ()
    make: Maker | None = None
    names: tuple[str, ...] = ()
    good: tuple[str, ...] = ()
    store: str = "base"  # "base": a copy of the base store; "none": no store
    store_arg: str = "store"
    before: tuple[tuple[str, ...], ...] = ()
    hold_lock: bool = False
    pending: str | None = None
    limit: float = 20.0
    keep: bool = False  # the store must not change though the command succeeds (a read-only command)

    @property
    def unchanged(self) -> bool:
        """Whether the store must be left exactly as it was."""
        return self.keep or self.expect is Expect.ERROR


# -- generators for large or special inputs -----------------------------------------------------

MEGABYTES = 3_000_000  # a 3 MB line: far beyond any real field, quick to write and read


def _write(name: str, text: str) -> Maker:
    def make(folder: Path) -> None:
        (folder / name).write_text(text, encoding="utf-8")

    return make


def _deep_json(name: str) -> Maker:
    return _write(name, "[" * 200_000)


def _deep_objects(name: str) -> Maker:
    return _write(name, '{"a":' * 50_000 + "1" + "}" * 50_000)


def _deep_yaml(name: str) -> Maker:
    return _write(name, "source: " + "[" * 200_000 + "\n")


def _huge_line(name: str, template: str) -> Maker:
    return _write(name, template.replace("HUGE", "x" * MEGABYTES))


def _deep_sparql(name: str) -> Maker:
    return _write(name, "SELECT * WHERE { ?s ?p ?o FILTER(" + "(" * 50_000 + "1" + ")" * 50_000 + ") }\n")


def _deep_xml(name: str, root: str) -> Maker:
    return _write(name, f'<?xml version="1.0"?>\n<{root}>' + "<a>" * 100_000 + "</a>" * 100_000 + f"</{root}>\n")


def _deep_turtle(name: str) -> Maker:
    return _write(name, "@prefix ex: <http://example.org/> .\nex:a ex:b " + "[ ex:c " * 50_000 + "ex:d" + " ]" * 50_000 + " .\n")


def _huge_bibtex(folder: Path) -> None:
    good = (DATA / "bibtex" / "good.bib").read_text(encoding="utf-8")
    big = "@article{big,\n  title = {Big},\n  abstract = {" + "y" * 150_000 + "},\n  doi = {10.1000/hostile-bib-big}\n}\n"
    (folder / "huge_field.bib").write_text(good + big, encoding="utf-8")


def _symlink_loop(folder: Path) -> None:
    os.symlink("loop_b.ris", folder / "loop_a.ris")
    os.symlink("loop_a.ris", folder / "loop_b.ris")


def _fifo(folder: Path) -> None:
    os.mkfifo(folder / "fifo.ris")


def _directory(name: str) -> Maker:
    def make(folder: Path) -> None:
        (folder / name).mkdir()

    return make


def _non_store_dir(folder: Path) -> None:
    (folder / "notastore").mkdir()
    (folder / "notastore" / "thesis.txt").write_text("my thesis\n", encoding="utf-8")


def _store_is_file(folder: Path) -> None:
    (folder / "afile").write_text("not a store\n", encoding="utf-8")


def _many_pmids(folder: Path) -> None:
    """One ids file of 10,000 malformed PMIDs: refused before any request is made."""
    (folder / "ids.txt").write_text("\n".join(f"pmid-{n}x" for n in range(10_000)) + "\n", encoding="utf-8")


def _replaced(name: str, source: str, old: str, new: str) -> Maker:
    """``source`` (under tests/data/hostile) with its first ``old`` replaced by ``new``, written as ``name``."""

    def make(folder: Path) -> None:
        text = (DATA / source).read_text(encoding="utf-8")
        assert old in text, f"{old!r} is not in {source}"
        (folder / name).write_text(text.replace(old, new, 1), encoding="utf-8")

    return make


#: A JSON or YAML integer past Python's 4,300-digit limit for int() of a text.
HUGE_INTEGER = "9" * 10_000


def _json_number_bomb(folder: Path) -> None:
    work = json.loads((DATA / "crossref" / "good.json").read_text(encoding="utf-8"))
    work["message"]["DOI"] = "10.1000/hostile-cr-number"
    work["message"]["volume"] = "9" * 100_000  # a 100,000-digit number as text
    work["message"]["is-referenced-by-count"] = int("9" * 4000)
    (folder / "huge_number.json").write_text(json.dumps(work), encoding="utf-8")


# -- building cases -----------------------------------------------------------------------------

CASES: list[Case] = []

#: The good record of each reader's committed ``good`` file.
GOOD = {
    "findings": ("findings/good_crlf.yaml", "hostile-good-2"),
    "pubmed": ("pubmed/good.xml", "pubmed-pmid-1000111"),
    "medline": ("medline/good.nbib", "medline-pmid-2000001"),
    "crossref": ("crossref/good.json", "crossref-doi-10.1000_hostile-cr-1"),
    "csl": ("csl/good.json", "csl-doi-10.1000_hostile-csl-1"),
    "bibtex": ("bibtex/good.bib", "bibtex-doi-10.1000_hostile-bib-1"),
    "ris": ("ris/good.ris", "ris-doi-10.1000_hostile-ris-1"),
    "ctgov": ("ctgov/good.json", "ctgov-NCT09000001"),
}


def ingest(
    case_id: str,
    reader: str,
    files: tuple[str, ...],
    expect: Expect,
    *,
    names: tuple[str, ...] | None = None,
    good: tuple[str, ...] = (),
    make: Maker | None = None,
    made: tuple[str, ...] = (),
    with_good: bool = False,
    also: tuple[str, ...] = (),
    **extra: Any,
) -> None:
    """Add a ``kb ingest READER FILES`` case (files relative to tests/data/hostile, ``made`` by ``make``).

    ``with_good`` adds the reader's good file to the batch (a mixed batch): its record must load.
    ``names`` defaults to the bad files' names for errors and mixed batches; ``also`` are files a
    ``before`` command needs (copied, not in the batch).
    """
    batch = list(files)
    if with_good:
        good_file, good_source = GOOD[reader]
        batch.append(good_file)  # last: the bad files before it must not stop the batch
        good = (*good, good_source)
    shown = tuple(Path(f).name for f in (*files, *made))
    if names is None:
        names = shown if expect in (Expect.ERROR, Expect.PARTIAL) else ()
    args = ("ingest", reader, *(Path(f).name for f in batch), *made)
    CASES.append(Case(f"{reader}-{case_id}", reader, args, expect, files=(*batch, *also), make=make, names=names,
                      good=(*good, BASE_SOURCE), **extra))


def command(case_id: str, area: str, args: tuple[str, ...], expect: Expect, *, store: str = "base", **extra: Any) -> None:
    """Add a case running any other ``kb`` command line (on a copy of the base store unless ``store="none"``)."""
    good = (BASE_SOURCE,) if store == "base" else ()
    CASES.append(Case(f"{area}-{case_id}", area, args, expect, good=good, store=store, **extra))


E, P, L, N, F = Expect.ERROR, Expect.PARTIAL, Expect.LOADED, Expect.NOTE, Expect.FLAGGED
FOUND = "found by the hostile corpus: not fixed yet (reported)"

# -- findings (YAML) ----------------------------------------------------------------------------
ingest("alias-bomb", "findings", ("yaml_alias_bomb.yaml",), E)  # issue 12 item 1
ingest("deep-nesting", "findings", (), E, make=_deep_yaml("deep.yaml"), made=("deep.yaml",))  # item 3
ingest("binary", "findings", ("findings/binary.yaml",), E)
ingest("zero-bytes", "findings", ("findings/empty.yaml",), E)
ingest("comment-only", "findings", ("findings/comment_only.yaml",), E)
ingest("latin-1", "findings", ("findings/latin1.yaml",), E, names=("latin1.yaml", "utf-8"))
ingest("utf-16-bom", "findings", ("findings/utf16_bom.yaml",), E)
ingest("nul-bytes", "findings", ("findings/nul_bytes.yaml",), E)
ingest("crlf", "findings", ("findings/good_crlf.yaml",), L, good=("hostile-good-2",))
ingest("not-a-mapping", "findings", ("findings/not_a_mapping.yaml",), E)
ingest("wrong-type", "findings", ("findings/mistyped_list.yaml",), E, names=("mistyped_list.yaml", "trials"))
ingest("unknown-field", "findings", ("findings/unknown_field.yaml",), E, names=("unknown_field.yaml", "frobnicate"))
ingest("arm-size-1e30", "findings", ("findings/arm_1e30.yaml",), E, names=("arm_1e30.yaml", "n_randomized"))  # item 10
ingest("bad-date", "findings", ("findings/month_13.yaml",), E, names=("month_13.yaml", "cutoff_date"))  # item 9
ingest("huge-integer", "findings", (), E, make=_replaced("huge_integer.yaml", "findings/good.yaml", "{key: drug, label: Drug arm}",
       "{key: drug, label: Drug arm, n_randomized: " + HUGE_INTEGER + "}"), made=("huge_integer.yaml",))
ingest("huge-line", "findings", (), L, make=_huge_line("huge.yaml", "source:\n  id: hostile-huge\n  publication:\n    title: HUGE\n"),
       made=("huge.yaml",), good=("hostile-huge",))
ingest("mixed-batch", "findings", ("findings/binary.yaml", "findings/mistyped_list.yaml", "findings/latin1.yaml"), P, with_good=True)
ingest("mixed-batch-deep", "findings", (), P, make=_deep_yaml("deep.yaml"), made=("deep.yaml",), with_good=True)  # item 3

# -- PubMed XML ---------------------------------------------------------------------------------
ingest("xxe", "pubmed", ("pubmed/xxe.xml",), E, names=("xxe.xml", "entit"))
ingest("billion-laughs", "pubmed", ("pubmed/billion_laughs.xml",), E, names=("billion_laughs.xml", "entit"))
ingest("binary", "pubmed", ("pubmed/binary.xml",), E)
ingest("zero-bytes", "pubmed", ("pubmed/empty.xml",), E)
ingest("truncated", "pubmed", ("pubmed/truncated.xml",), E)
ingest("not-pubmed", "pubmed", ("pubmed/not_pubmed.xml",), E)
ingest("not-gzip", "pubmed", ("pubmed/not_gzip.xml.gz",), E)
ingest("utf-16-bom", "pubmed", ("pubmed/utf16_bom.xml",), L, good=("pubmed-pmid-1000114",))
ingest("crlf", "pubmed", ("pubmed/crlf.xml",), L, good=("pubmed-pmid-1000115",))
ingest("same-pmid-twice", "pubmed", ("pubmed/same_pmid_twice.xml",), N, names=("record 2", "pubmed-pmid-1000116"),
       good=("pubmed-pmid-1000116",))  # item 10
ingest("bad-date", "pubmed", ("pubmed/month_13.xml",), F, names=("1000117", "date"))  # item 9
ingest("huge-line", "pubmed", (), L, make=_huge_line("huge.xml", (
    '<?xml version="1.0"?>\n<PubmedArticleSet><PubmedArticle><MedlineCitation><PMID>3000002</PMID><Article>'
    "<Journal><Title>J</Title></Journal><ArticleTitle>HUGE</ArticleTitle></Article></MedlineCitation>"
    "</PubmedArticle></PubmedArticleSet>\n")), made=("huge.xml",), good=("pubmed-pmid-3000002",))
ingest("deep-nesting", "pubmed", (), E, make=_deep_xml("deep.xml", "PubmedArticleSet"), made=("deep.xml",))
ingest("directory", "pubmed", (), E, make=_directory("folder.xml"), made=("folder.xml",))
ingest("nonexistent", "pubmed", (), E, made=("no_such_file.xml",))  # named, never made
ingest("mixed-batch", "pubmed", ("pubmed/binary.xml", "pubmed/truncated.xml", "pubmed/xxe.xml"), P, with_good=True)

# -- MEDLINE ------------------------------------------------------------------------------------
ingest("zero-bytes", "medline", ("medline/empty.nbib",), E)  # item 4
ingest("blank-lines", "medline", ("medline/blank_lines.nbib",), E)  # item 4
ingest("truncated-replacing-complete", "medline", ("medline/truncated.nbib",), E, names=("truncated.nbib", "2000002"),
       before=(("ingest", "medline", "complete.nbib"),), also=("medline/complete.nbib",), good=("medline-pmid-2000002",))  # item 4
ingest("shorter-replacing-complete", "medline", (), E, make=_write("short.nbib", "PMID- 2000002\nTI  - A complete MEDLINE record.\nDP  - 2007\n\n"),
       made=("short.nbib",), names=("short.nbib", "medline-pmid-2000002"), before=(("ingest", "medline", "complete.nbib"),),
       also=("medline/complete.nbib",), good=("medline-pmid-2000002",))  # items 4, 10
ingest("binary", "medline", ("medline/binary.nbib",), E)
ingest("latin-1", "medline", ("medline/latin1.nbib",), E, names=("latin1.nbib", "utf-8"))
ingest("utf-16-bom", "medline", ("medline/utf16_bom.nbib",), E)
ingest("crlf", "medline", ("medline/crlf.nbib",), L, good=("medline-pmid-2000005",))
ingest("nul-bytes", "medline", ("medline/nul_bytes.nbib",), L, good=("medline-pmid-2000006",))
ingest("same-pmid-twice", "medline", ("medline/same_pmid_twice.nbib",), N, names=("record 2", "medline-pmid-2000007"),
       good=("medline-pmid-2000007",))  # item 10
ingest("bad-date", "medline", ("medline/month_13.nbib",), F, names=("2000008", "date"))  # item 9
ingest("huge-line", "medline", (), L, make=_huge_line("huge.nbib", "PMID- 3000001\nTI  - HUGE\n\n"), made=("huge.nbib",),
       good=("medline-pmid-3000001",))
ingest("mixed-batch", "medline", ("medline/binary.nbib", "medline/latin1.nbib"), P, with_good=True)
ingest("mixed-batch-empty", "medline", ("medline/empty.nbib",), P, with_good=True)  # item 4

# -- Crossref -----------------------------------------------------------------------------------
ingest("deep-nesting", "crossref", (), E, make=_deep_json("deep.json"), made=("deep.json",))  # item 3
ingest("deep-objects", "crossref", (), E, make=_deep_objects("deep_objects.json"), made=("deep_objects.json",))
ingest("binary", "crossref", ("crossref/binary.json",), E)
ingest("zero-bytes", "crossref", ("crossref/empty.json",), E)
ingest("not-an-object", "crossref", ("crossref/not_an_object.json",), E)
ingest("utf-16-bom", "crossref", ("crossref/utf16_bom.json",), E)
ingest("title-wrong-type", "crossref", ("crossref/mistyped_1.json",), F, names=("hostile-cr-2", "title"))  # item 9
ingest("author-wrong-type", "crossref", ("crossref/mistyped_2.json",), F, names=("hostile-cr-3", "author"))  # item 9
ingest("bad-date", "crossref", ("crossref/month_13.json",), F, names=("hostile-cr-4", "issued"))  # item 9
ingest("trial-numbers", "crossref", ("crossref/trial_numbers.json",), L, good=("crossref-doi-10.1000_hostile-cr-6",))
ingest("huge-number", "crossref", (), L, make=_json_number_bomb, made=("huge_number.json",),
       good=("crossref-doi-10.1000_hostile-cr-number",))
ingest("huge-integer", "crossref", (), E, make=_replaced("huge_integer.json", "crossref/good.json", '"type"',
       f'"is-referenced-by-count": {HUGE_INTEGER}, "type"'), made=("huge_integer.json",))
ingest("mixed-batch", "crossref", ("crossref/binary.json", "crossref/not_an_object.json"), P, with_good=True)
ingest("mixed-batch-deep", "crossref", (), P, make=_deep_json("deep.json"), made=("deep.json",), with_good=True)  # item 3

# -- CSL-JSON -----------------------------------------------------------------------------------
ingest("deep-nesting", "csl", (), E, make=_deep_json("deep.json"), made=("deep.json",))  # item 3
ingest("binary", "csl", ("csl/binary.json",), E)
ingest("zero-bytes", "csl", ("csl/empty.json",), E)
ingest("title-wrong-type", "csl", ("csl/mistyped_1.json",), F, names=("hostile-csl-2", "title"))  # item 9
ingest("author-wrong-type", "csl", ("csl/mistyped_2.json",), F, names=("hostile-csl-3", "author"))  # item 9
ingest("bad-date", "csl", ("csl/month_13.json",), F, names=("hostile-csl-4", "issued"))  # item 9
ingest("huge-float", "csl", (), N, make=_replaced("huge_float.json", "csl/good.json", '"type"', '"volume": 1e999999, "type"'),
       made=("huge_float.json",), names=("huge_float.json", "volume"), good=("csl-doi-10.1000_hostile-csl-1",))
ingest("mixed-records", "csl", ("csl/mixed.json",), P, names=("mixed.json", "item 2"), good=("csl-doi-10.1000_hostile-csl-5",))

# -- BibTeX -------------------------------------------------------------------------------------
ingest("huge-field", "bibtex", (), P, make=_huge_bibtex, made=("huge_field.bib",), names=("huge_field.bib", "abstract"),
       good=("bibtex-doi-10.1000_hostile-bib-1",))  # item 6
ingest("unterminated", "bibtex", ("bibtex/unterminated.bib",), E)
ingest("binary", "bibtex", ("bibtex/binary.bib",), E)
ingest("zero-bytes", "bibtex", ("bibtex/empty.bib",), E)
ingest("latin-1", "bibtex", ("bibtex/latin1.bib",), E, names=("latin1.bib", "utf-8"))
ingest("crlf", "bibtex", ("bibtex/crlf.bib",), L, good=("bibtex-doi-10.1000_hostile-bib-3",))
ingest("bad-date", "bibtex", ("bibtex/month_13.bib",), F, names=("month_13.bib", "date"))  # item 9
ingest("mixed-batch", "bibtex", ("bibtex/binary.bib", "bibtex/unterminated.bib"), P, with_good=True)

# -- RIS ----------------------------------------------------------------------------------------
ingest("binary", "ris", ("ris/binary.ris",), E)
ingest("zero-bytes", "ris", ("ris/empty.ris",), E)
ingest("truncated", "ris", ("ris/truncated.ris",), E, names=("truncated.ris", "ER"))
ingest("latin-1", "ris", ("ris/latin1.ris",), E, names=("latin1.ris", "utf-8"))
ingest("utf-16-bom", "ris", ("ris/utf16_bom.ris",), E)
ingest("crlf", "ris", ("ris/crlf.ris",), L, good=("ris-doi-10.1000_hostile-ris-2",))
ingest("nul-bytes", "ris", ("ris/nul_bytes.ris",), L, good=("ris-doi-10.1000_hostile-ris-5",))
ingest("bad-date", "ris", ("ris/month_13.ris",), F, names=("month_13.ris", "DA"))  # item 9
ingest("huge-line", "ris", (), L, make=_huge_line("huge.ris", "TY  - JOUR\nTI  - HUGE\nDO  - 10.1000/hostile-huge-ris\nER  - \n"),
       made=("huge.ris",), good=("ris-doi-10.1000_hostile-huge-ris",))
ingest("symlink-loop", "ris", (), E, make=_symlink_loop, made=("loop_a.ris",))
ingest("fifo", "ris", (), E, make=_fifo, made=("fifo.ris",), limit=5.0)
ingest("mixed-batch", "ris", ("ris/binary.ris", "ris/truncated.ris", "ris/empty.ris"), P, with_good=True)

# -- ClinicalTrials.gov -------------------------------------------------------------------------
ingest("wrong-type", "ctgov", ("ctgov/mistyped.json",), E, names=("mistyped.json", "NCT09000002", "phases"))
ingest("mixed-batch-wrong-type", "ctgov", ("ctgov/mistyped.json",), P, names=("mistyped.json", "phases"), with_good=True)  # item 3
ingest("deep-nesting", "ctgov", (), E, make=_deep_json("deep.json"), made=("deep.json",))  # item 3
ingest("mixed-batch-deep", "ctgov", (), P, make=_deep_json("deep.json"), made=("deep.json",), with_good=True)  # item 3
ingest("enrollment-1e30", "ctgov", ("ctgov/count_1e30.json",), E, names=("count_1e30.json", "enrollment"))  # item 10
ingest("deep-xml", "ctgov", (), E, make=_deep_xml("deep.xml", "clinical_study"), made=("deep.xml",))
ingest("huge-integer", "ctgov", (), E, make=_replaced("huge_integer.json", "ctgov/good.json", '"count": 10', f'"count": {HUGE_INTEGER}'),
       made=("huge_integer.json",))
ingest("binary", "ctgov", ("ctgov/binary.json",), E)
ingest("zero-bytes", "ctgov", ("ctgov/empty.json",), E)
ingest("xxe", "ctgov", ("ctgov/xxe.xml",), E, names=("xxe.xml", "entit"))
ingest("not-a-study", "ctgov", ("ctgov/not_a_study.json",), E, names=("not_a_study.json", "nctId"))

# -- kb vocab add -------------------------------------------------------------------------------
for case_id, name, names in (
    ("entity-bomb", "rdfxml_entity_bomb.owl", ("entit",)),  # issue 12 item 2
    ("xxe", "vocab/xxe.owl", ("entit",)),
    ("binary", "vocab/binary.obo", ()),
    ("zero-bytes", "vocab/empty.ttl", ()),
    ("broken-turtle", "vocab/broken.ttl", ("line",)),
    ("latin-1", "vocab/latin1.tsv", ("utf-8",)),
    ("wrong-columns", "vocab/wrong_columns.tsv", ()),
):
    command(case_id, "vocab", ("vocab", "add", Path(name).name), E, files=(name,), names=(Path(name).name, *names))
command("deep-turtle", "vocab", ("vocab", "add", "deep.ttl"), E, make=_deep_turtle("deep.ttl"), names=("deep.ttl",))
command("remove-unknown", "vocab", ("vocab", "remove", "nosuch"), E, names=("nosuch",))

# -- kb sparql (issue 12 item 5) ----------------------------------------------------------------
command("service-refused", "sparql", ("sparql", "-f", "service_http.rq"), E, files=("cli/service_http.rq",), names=("SERVICE", "--allow-service"))
command("service-file", "sparql", ("sparql", "--allow-service", "-f", "service_file.rq"), E, files=("cli/service_file.rq",), names=("file:",))
command("service-variable", "sparql", ("sparql", "--allow-service", "-f", "service_var.rq"), E, files=("cli/service_var.rq",), names=("?endpoint",))
command("update-refused", "sparql", ("sparql", "-f", "update.rq"), E, files=("cli/update.rq",), names=("sparql",))
command("injection", "sparql", ("sparql", "-f", "injection.rq"), E, files=("cli/injection.rq",), names=("syntax",))
command("syntax-error", "sparql", ("sparql", "-f", "syntax_error.rq"), E, files=("cli/syntax_error.rq",), names=("syntax",))
command("deep-nesting", "sparql", ("sparql", "-f", "deep.rq"), E, make=_deep_sparql("deep.rq"), names=("deep.rq",))
command("literal-injection", "sparql", ("sparql", 'SELECT * WHERE { ?s ?p ?o FILTER(?o = "x\\" } ; DROP ALL ; {") }'), L, keep=True)
command("missing-file", "sparql", ("sparql", "-f", "no_such.rq"), E, names=("no_such.rq",))
command("bad-format", "sparql", ("sparql", "SELECT * WHERE { ?s ?p ?o } LIMIT 1", "--format", "bogus"), E, names=("bogus",))

# -- kb query -----------------------------------------------------------------------------------
command("unknown-template", "query", ("query", "no_such_template"), E, names=("no_such_template",))
command("injection-value", "query", ("query", "outcome_results", "-p", 'drug=x" } ; DROP ALL ; #'), E, names=("drug",))
command("injection-iri", "query", ("query", "outcome_results", "-p", "doi=10.1/x> } ; DROP ALL ; <x"), E, names=("doi",))
command("injection-free-text", "query", ("query", "adverse_events", "-p", 'trial=MM-009" } DROP ALL {'), L, keep=True)
command("unknown-parameter", "query", ("query", "outcome_results", "-p", "nosuch=1"), E, names=("nosuch",))
command("not-key-value", "query", ("query", "outcome_results", "-p", "drug"), E, names=("drug", "key=value"))

# -- kb export (issue 12 items 7, 11) -----------------------------------------------------------
command("full-disk", "export", ("export", "--format", "nt", "-o", "/dev/full"), E, names=("/dev/full", "space"))  # item 7
command("missing-folder", "export", ("export", "--format", "nt", "-o", "no/such/dir/out.nt"), E, names=("no/such/dir/out.nt",))
command("to-a-directory", "export", ("export", "--format", "nt", "-o", "outdir"), E, make=_directory("outdir"), names=("outdir",))
command("unknown-format", "export", ("export", "--format", "bogus", "-o", "x.nt"), E, names=("bogus",))
command("unknown-source", "export", ("export", "--format", "nt", "-o", "x.nt", "--source", "no-such-source"), E, names=("no-such-source",))

# -- kb sources, stores, arguments (issue 12 item 11) -------------------------------------------
command("remove-unknown", "sources", ("sources", "remove", "hostile-good-x"), E, names=("hostile-good-x", "hostile-good-1"))
command("second-writer", "store", ("ingest", "findings", "good_crlf.yaml"), E, files=("findings/good_crlf.yaml",),
        hold_lock=True, names=("store", "another"))  # item 11 (cecdba1)
command("non-store-directory", "store", ("ingest", "findings", "good_crlf.yaml"), E, files=("findings/good_crlf.yaml",),
        make=_non_store_dir, store="none", store_arg="notastore", names=("notastore",))
command("store-is-a-file", "store", ("ingest", "findings", "good_crlf.yaml"), E, files=("findings/good_crlf.yaml",),
        make=_store_is_file, store="none", store_arg="afile", names=("afile",))
command("no-store-read", "store", ("stats",), E, store="none", names=("store",))
command("unknown-reader", "ingest", ("ingest", "nosuchreader", "x"), E, names=("nosuchreader",))
command("malformed-dois", "ingest", ("ingest", "doi", "not a doi", "10.1/x y"), E, names=("'not a doi'", "'10.1/x y'"))
command("malformed-ncts", "ingest", ("ingest", "nct", "NCT1", "NCT0000000x"), E, names=("NCT1", "NCT0000000x"))
command("malformed-pmids", "ingest", ("ingest", "pmid", "--from-file", "ids.txt"), E, make=_many_pmids, names=("pmid-0x",))
command("empty-store-path", "store", ("ingest", "findings", "good_crlf.yaml"), E, files=("findings/good_crlf.yaml",),
        store="none", store_arg="", names=("store",))
command("unknown-command", "cli", ("frobnicate",), E, names=("frobnicate",))
command("bad-base-iri", "cli", ("--base", "not an iri", "stats"), E, names=("not an iri",))
