"""The query page: a form that works without JavaScript, the catalogue's templates as examples,
a results table, paged by links."""

from __future__ import annotations

import html
import re
from urllib.parse import urljoin

import httpx

from kb.query import iter_templates, load_template
from tests.serve.conftest import Server, kb_sparql

QUERY = "SELECT ?s ?p ?o WHERE { ?s ?p ?o } ORDER BY ?s ?p ?o LIMIT 120"


def _cells(page: str) -> list[list[str]]:
    """The result table's rows as text (the row number dropped)."""
    body = page[page.index('<section id="results">'):]
    body = body[body.index("<tbody>"):body.index("</tbody>")]
    rows = []
    for row in re.findall(r"<tr>(.*?)</tr>", body, re.S):
        cells = [html.unescape(re.sub(r"<[^>]+>", "", cell)).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
        rows.append(cells[1:])
    return rows


def test_page_has_a_form_and_the_examples_without_scripts(server: Server) -> None:
    page = httpx.get(server.url + "query")
    assert page.status_code == 200
    assert '<form method="get" action="/query">' in page.text and '<textarea id="query" name="query"' in page.text
    assert "<script" not in page.text
    assert not re.search(r'(src|href)="(https?:)?//', page.text)  # nothing from another host: it works offline
    for template in iter_templates():
        assert f'href="/query?example={template.name}"' in page.text


def test_example_fills_the_box_and_runs(server: Server) -> None:
    page = httpx.get(server.url + "query", params={"example": "mechanisms"})
    box = html.unescape(re.search(r'<textarea id="query" name="query"[^>]*>(.*?)</textarea>', page.text, re.S).group(1))  # type: ignore[union-attr]
    assert box == load_template("mechanisms").text


def test_results_table_pages_through_the_rows(server: Server) -> None:
    expected = kb_sparql(server.store, QUERY, "tsv").decode().splitlines()[1:]
    first = httpx.get(server.url + "query", params={"query": QUERY})
    assert first.status_code == 200
    assert "120 rows" in first.text and "page 1 of 3" in first.text
    seen = _cells(first.text)
    url = server.url + "query"
    page_text = first.text
    while (found := re.search(r'<a href="([^"]+)" rel="next">', page_text)):
        page_text = httpx.get(urljoin(url, html.unescape(found.group(1)))).text
        seen.extend(_cells(page_text))
    assert len(seen) == len(expected) == 120
    # each cell shows the term's text: compare with kb sparql's TSV, whose IRIs are <...>
    for cells, line in zip(seen, expected):
        assert [cell.split(" ")[0] for cell in cells] == [value.strip("<>").split('"')[1] if value.startswith('"') else value.strip("<>") for value in line.split("\t")]


def test_errors_show_on_the_page(server: Server) -> None:
    page = httpx.get(server.url + "query", params={"query": "SELECT * WHERE { ?s ?p }"})
    assert page.status_code == 400 and 'role="alert"' in page.text and "syntax error" in page.text
    refused = httpx.get(server.url + "query", params={"query": "DROP ALL"})
    assert refused.status_code == 400 and "updates are refused" in refused.text
    unknown = httpx.get(server.url + "query", params={"example": "nope"})
    assert unknown.status_code == 404


def test_ask_and_construct(server: Server) -> None:
    assert "<strong>yes</strong>" in httpx.get(server.url + "query", params={"query": "ASK { ?s ?p ?o }"}).text
    graph = httpx.get(server.url + "query", params={"query": "CONSTRUCT WHERE { ?s a ?o } LIMIT 5"})
    assert "<th>subject</th><th>predicate</th><th>object</th>" in graph.text and "5 triples" in graph.text
