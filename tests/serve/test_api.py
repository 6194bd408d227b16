"""The catalogue as a web API: the same rows as ``kb query`` (same binding and name resolution),
JSON and CSV, errors as JSON, and an OpenAPI document built from the ``#+`` headers."""

from __future__ import annotations

import csv
import io
import json

import httpx
import pytest
import rdflib
from openapi_spec_validator import validate
from rdflib.compare import isomorphic

from kb.query import iter_templates, load_template
from tests.conftest import run_cli
from tests.serve.conftest import Server

CALLS = [
    ("mechanisms", {"drug": "Revlimid"}),  # a synonym, resolved as kb query resolves it
    ("mechanisms", {"target": "IL6"}),
    ("outcome_results", {"drug": "lenalidomide", "outcome": "overall survival"}),
    ("outcome_results", {"doi": "https://doi.org/10.1056/NEJMoa070596"}),  # a DOI normalized
    ("adverse_events", {"drug": "lenalidomide", "min_grade": "3", "trial": "MM-009"}),
    ("trial_reports", {"trial": "mm-010"}),  # an acronym in lower case
    ("publication", {"doi": "10.1056/NEJMoa070596"}),
    ("stats", {}),
]


def _cli_rows(server: Server, name: str, params: dict[str, str]) -> list[dict[str, object]]:
    args = [f"--param={key}={value}" for key, value in params.items()]
    result = run_cli(server.store, "query", name, *args, "--format", "json")
    assert result.code == 0, result.stderr
    rows: list[dict[str, object]] = json.loads(result.stdout)
    return rows


@pytest.mark.parametrize(("name", "params"), CALLS, ids=[f"{n}-{'-'.join(p)}" for n, p in CALLS])
def test_template_rows_equal_kb_query(server: Server, name: str, params: dict[str, str]) -> None:
    expected = _cli_rows(server, name, params)
    response = httpx.get(f"{server.url}api/templates/{name}", params=params)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["rows"] == expected and len(expected) > 0
    assert body["columns"] == list(load_template(name).columns) and body["template"] == name and body["truncated"] is False
    as_csv = httpx.get(f"{server.url}api/templates/{name}", params={**params, "format": "csv"})
    assert as_csv.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(as_csv.text)))
    assert len(rows) == len(expected)
    for got, want in zip(rows, expected):
        assert got == {k: "" if v is None else str(v).lower() if isinstance(v, bool) else str(v) for k, v in want.items()}
    by_accept = httpx.get(f"{server.url}api/templates/{name}", params=params, headers={"Accept": "text/csv"})
    assert by_accept.text == as_csv.text


@pytest.mark.parametrize(("name", "params", "status", "words"), [
    ("mechanisms", {"drug": "no-such-drug-xyz"}, 404, "not in the vocabulary"),
    ("mechanisms", {"dru": "lenalidomide"}, 400, "unknown parameter 'dru'"),
    ("trial_reports", {}, 400, "'trial' is required"),
    ("publication", {}, 400, "give at least one of doi, pmid"),
    ("adverse_events", {"drug": "lenalidomide", "min_grade": "three"}, 400, "expected an integer"),
    ("publication", {"doi": "not a doi"}, 400, "doi"),
    ("mechanisms", {"drug": ""}, 400, "is empty"),
    ("no_such_template", {}, 404, "no query template"),
    ("Bad-Name", {}, 404, "invalid template name"),
])
def test_template_errors_are_json(server: Server, name: str, params: dict[str, str], status: int, words: str) -> None:
    response = httpx.get(f"{server.url}api/templates/{name}", params=params)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    assert words in response.json()["error"] and response.json()["status"] == status


def test_parameter_given_twice_is_refused(server: Server) -> None:
    response = httpx.get(f"{server.url}api/templates/mechanisms?drug=lenalidomide&drug=thalidomide")
    assert response.status_code == 400 and "given twice" in response.json()["error"]


def test_construct_template_gives_the_export_graph(server: Server) -> None:
    result = run_cli(server.store, "export", "--query", "drug_evidence", "-p", "drug=lenalidomide", "--format", "nt")
    assert result.code == 0, result.stderr
    expected = rdflib.Graph().parse(data=result.stdout, format="nt")
    response = httpx.get(f"{server.url}api/templates/drug_evidence", params={"drug": "lenalidomide"}, headers={"Accept": "text/turtle"})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/turtle")
    assert len(expected) > 10 and isomorphic(rdflib.Graph().parse(data=response.text, format="turtle"), expected)


def test_template_list_has_every_header(server: Server) -> None:
    listed = httpx.get(f"{server.url}api/templates").json()
    assert [t["name"] for t in listed] == [t.name for t in iter_templates()]
    mechanisms = next(t for t in listed if t["name"] == "mechanisms")
    assert mechanisms["one_of"] == list(load_template("mechanisms").one_of) and mechanisms["form"] == "select"
    assert {p["name"]: p["type"] for p in mechanisms["parameters"]} == {"drug": "concept", "target": "concept", "method": "string"}
    assert mechanisms["columns"]["quote"] == "string"


def test_openapi_document_is_valid_and_follows_the_headers(server: Server) -> None:
    document = httpx.get(f"{server.url}api/openapi.json").json()
    validate(document)  # raises on an invalid OpenAPI 3.1 document
    assert document["servers"] == [{"url": server.url.rstrip("/")}]
    for template in iter_templates():
        operation = document["paths"][f"/api/templates/{template.name}"]["get"]
        assert operation["operationId"] == template.name and operation["summary"] == template.summary
        declared = {p["name"]: p for p in operation["parameters"]}
        assert set(declared) == {*template.parameters, "format"}
        for name, parameter in template.parameters.items():
            assert declared[name]["required"] == parameter.required
    adverse = {p["name"]: p for p in document["paths"]["/api/templates/adverse_events"]["get"]["parameters"]}
    assert adverse["min_grade"]["schema"]["type"] == "integer" and adverse["min_incidence"]["schema"]["type"] == "number"
    row = document["components"]["schemas"]["stats_result"]["properties"]["rows"]["items"]["properties"]
    assert row["quads"]["type"] == ["integer", "null"]


def test_openapi_call_as_a_client_would(server: Server) -> None:
    """Build a request from the OpenAPI document alone (as a generated client does) and call it."""
    document = httpx.get(f"{server.url}api/openapi.json").json()
    base = document["servers"][0]["url"]
    path, operation = next((p, o["get"]) for p, o in document["paths"].items() if o["get"].get("operationId") == "drugs_for_target")
    required = [p["name"] for p in operation["parameters"] if p["required"]]
    assert required == ["target"]
    response = httpx.get(base + path, params={"target": "IL6"})
    assert response.status_code == 200
    rows = response.json()["rows"]
    assert rows and set(rows[0]) == set(load_template("drugs_for_target").columns)


def test_api_docs_page(server: Server) -> None:
    page = httpx.get(f"{server.url}api")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    for template in iter_templates():
        assert f"/api/templates/{template.name}" in page.text
    assert "<script" not in page.text
