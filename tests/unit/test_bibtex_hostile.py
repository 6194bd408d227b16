"""BibTeX with an over-long field (issue 12, item 6): LaTeX decoding took time quadratic in a field's
length (1 MB: 159 s); such an entry is now a reported failure and the others load."""

from __future__ import annotations

import time

from ingest.biblio.bibtex import MAX_FIELD_LENGTH, parse_bibtex


def test_an_over_long_field_fails_its_entry_at_once_and_the_next_entry_reads() -> None:
    text = (
        "@article{big, title={" + ("a\\'e " * 60_000) + "}, author={Doe, J}, year={2020}, doi={10.1000/big}}\n"
        "@article{ok, title={Fine}, author={Roe, R}, year={2021}, doi={10.1000/ok}}\n"
    )
    started = time.process_time()
    big, ok = list(parse_bibtex(text, "big.bib"))
    assert time.process_time() - started < 10  # a guard against a hang: it takes milliseconds
    assert big.publication is None and big.location == "big.bib line 1 (key big)"
    assert big.problems == (("", f"field 'title' is 300,002 characters long (at most {MAX_FIELD_LENGTH:,})"),)
    assert ok.publication is not None and ok.publication.title == "Fine"


def test_a_long_but_reasonable_field_still_decodes() -> None:
    (record,) = parse_bibtex("@article{k, title={" + "Na\\\"ive " * 2_000 + "}, doi={10.1000/k}}\n", "k.bib")
    assert record.publication is not None and record.publication.title is not None
    assert record.publication.title.startswith("Naïve Naïve")
