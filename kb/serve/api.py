"""The query catalogue as a web API, described by an OpenAPI document built from the templates'
``#+`` headers (the grlc idea: every template is an operation).

- ``GET /api/templates``: every template with its header (summary, parameters, columns).
- ``GET /api/templates/NAME?param=value...``: run one, with exactly ``kb query NAME -p param=value``'s
  binding and name resolution (the values are the text a user types; a name resolves through
  the vocabularies and the KB's own concepts). JSON (``{"template", "parameters", "columns",
  "rows", "truncated"}``, a row as column -> value or null) or CSV, by ``Accept`` or
  ``format=json|csv``. A CONSTRUCT template answers with its graph (Turtle, N-Triples, RDF/XML,
  JSON-LD), as ``kb export --query NAME`` writes it.
- ``GET /api/openapi.json``: the OpenAPI 3.1 document; ``GET /api``: the same, as a page.

Errors are JSON ``{"error": message, "status": code}``: 400 bad parameter, 404 unknown template
or unknown name, 406, 503 past the time limit.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from kb.errors import KBError, ParameterError, QueryError
from kb.query import Template, iter_templates, load_template
from kb.serve.app import error_response, render
from kb.serve.context import NotAcceptableError, ServeContext, UnknownTemplateError
from kb.serve.formats import GRAPH_FORMATS, Format, NotAcceptable, negotiate
from kb.serve.workers import ConstructJob, SparqlReply

__all__ = ["routes", "openapi_document", "template_summary", "ROW_FORMATS"]

#: The formats of a SELECT template's rows.
ROW_FORMATS: tuple[Format, ...] = (
    Format("json", "application/json", (), ("json",)),
    Format("csv", "text/csv", (), ("csv",)),
)
#: The query parameter that picks the output format (so no template may declare a parameter of that name).
FORMAT_PARAMETER = "format"

_PARAMETER_SCHEMAS: dict[str, dict[str, Any]] = {
    "concept": {"type": "string"},
    "string": {"type": "string"},
    "integer": {"type": "integer"},
    "decimal": {"type": "number"},
    "date": {"type": "string", "pattern": r"^\d{4}(-\d{2}(-\d{2})?)?$"},
    "doi": {"type": "string", "examples": ["10.1056/NEJMoa070596"]},
    "pmid": {"type": "string", "pattern": r"^\d+$"},
    "nct": {"type": "string", "pattern": r"^(?i:NCT)\d{8}$"},
    "trial": {"type": "string", "examples": ["MM-009", "NCT00056160"]},
    "iri": {"type": "string", "format": "iri"},
}
_PARAMETER_HINTS = {
    "concept": "a {category} by name, synonym, CURIE or IRI",
    "date": "a date, year-month or year",
    "doi": "a DOI, with or without https://doi.org/",
    "pmid": "a PubMed id",
    "nct": "a ClinicalTrials.gov id",
    "trial": "a trial by registry id or acronym",
    "iri": "an IRI or a CURIE",
}
_COLUMN_SCHEMAS: dict[str, dict[str, Any]] = {
    "string": {"type": "string"}, "integer": {"type": "integer"}, "decimal": {"type": "number"}, "boolean": {"type": "boolean"},
    "date": {"type": "string"}, "datetime": {"type": "string", "format": "date-time"}, "iri": {"type": "string", "format": "iri"},
}


def _kb_version() -> str:
    try:
        return version("trial-evidence-kb")
    except PackageNotFoundError:  # a checkout run without installing
        return "0"


def template_summary(template: Template) -> dict[str, Any]:
    """A template's header as JSON: what ``GET /api/templates`` lists for it."""
    return {
        "name": template.name,
        "summary": template.summary,
        "description": template.description,
        "form": template.form,
        "parameters": [
            {"name": p.name, "type": p.type, "category": p.category, "required": p.required, "default": p.default, "description": p.description}
            for p in template.parameters.values()
        ],
        "one_of": list(template.one_of),
        "columns": dict(template.columns),
        "url": f"/api/templates/{template.name}",
    }


def _parameter_object(template: Template, name: str) -> dict[str, Any]:
    parameter = template.parameters[name]
    schema = dict(_PARAMETER_SCHEMAS[parameter.type])
    if parameter.default is not None:
        schema["default"] = parameter.default
    hint = _PARAMETER_HINTS.get(parameter.type, "").format(category=parameter.category)
    description = "; ".join(part for part in (parameter.description, hint) if part)
    if name in template.one_of:
        description += f" (give at least one of {', '.join(template.one_of)})"
    return {"name": name, "in": "query", "required": parameter.required, "description": description, "schema": schema}


_ERROR_RESPONSE = {"description": "an error", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}


def _operation(template: Template) -> dict[str, Any]:
    parameters = [_parameter_object(template, name) for name in template.parameters]
    if template.form == "select":
        formats = ["json", "csv"]
        ok = {
            "description": f"the rows of {template.name} (a CSV file has the same columns)",
            "content": {
                "application/json": {"schema": {"$ref": f"#/components/schemas/{template.name}_result"}},
                "text/csv": {"schema": {"type": "string"}},
            },
        }
    else:
        formats = [fmt.name for fmt in GRAPH_FORMATS]
        ok = {"description": f"the graph {template.name} builds", "content": {fmt.media_type: {"schema": {"type": "string"}} for fmt in GRAPH_FORMATS}}
    parameters.append({
        "name": FORMAT_PARAMETER, "in": "query", "required": False,
        "description": "the output format, instead of the Accept header", "schema": {"type": "string", "enum": formats},
    })
    description = template.description or template.summary
    return {
        "operationId": template.name,
        "summary": template.summary,
        "description": description + f"\n\nThe same as `kb query {template.name}`" if template.form == "select" else description + f"\n\nThe same graph as `kb export --query {template.name}`",
        "tags": ["templates"],
        "parameters": parameters,
        "responses": {"200": ok, "400": _ERROR_RESPONSE, "404": _ERROR_RESPONSE, "406": _ERROR_RESPONSE, "503": _ERROR_RESPONSE},
    }


def _result_schema(template: Template) -> dict[str, Any]:
    properties = {column: {**_COLUMN_SCHEMAS[kind], "type": [_COLUMN_SCHEMAS[kind]["type"], "null"]} for column, kind in template.columns.items()}
    return {
        "type": "object",
        "required": ["template", "parameters", "columns", "rows", "truncated"],
        "properties": {
            "template": {"type": "string", "const": template.name},
            "parameters": {"type": "object", "additionalProperties": {"type": "string"}},
            "columns": {"type": "array", "items": {"type": "string"}},
            "rows": {"type": "array", "items": {"type": "object", "properties": properties, "required": list(template.columns), "additionalProperties": False}},
            "truncated": {"type": "boolean", "description": "true when the server's row limit cut the rows"},
        },
    }


def openapi_document(base_url: str = "/", templates: Iterable[Template] | None = None) -> dict[str, Any]:
    """The OpenAPI 3.1 document of the catalogue (one GET operation per template) and of ``/sparql``."""
    chosen = list(iter_templates() if templates is None else templates)
    paths: dict[str, Any] = {
        "/api/templates": {"get": {
            "operationId": "listTemplates", "summary": "Every template of the catalogue with its header", "tags": ["catalogue"],
            "responses": {"200": {"description": "the templates", "content": {"application/json": {"schema": {"type": "array", "items": {"$ref": "#/components/schemas/Template"}}}}}},
        }},
        "/sparql": {"get": {
            "operationId": "sparql", "summary": "SPARQL 1.1 Protocol query (read-only): results by content negotiation or format=", "tags": ["sparql"],
            "parameters": [
                {"name": "query", "in": "query", "required": False, "description": "a SPARQL 1.1 query; without it, the service description", "schema": {"type": "string"}},
                {"name": "default-graph-uri", "in": "query", "required": False, "schema": {"type": "array", "items": {"type": "string"}}, "style": "form", "explode": True},
                {"name": "named-graph-uri", "in": "query", "required": False, "schema": {"type": "array", "items": {"type": "string"}}, "style": "form", "explode": True},
                {"name": "format", "in": "query", "required": False, "description": "json, xml, csv, tsv; turtle, ntriples, rdfxml, jsonld", "schema": {"type": "string"}},
            ],
            "responses": {"200": {"description": "SPARQL results or RDF", "content": {m: {"schema": {"type": "string"}} for m in (
                "application/sparql-results+json", "application/sparql-results+xml", "text/csv", "text/tab-separated-values",
                "text/turtle", "application/n-triples", "application/rdf+xml", "application/ld+json")}},
                "400": _ERROR_RESPONSE, "406": _ERROR_RESPONSE, "503": _ERROR_RESPONSE},
        }},
    }
    schemas: dict[str, Any] = {
        "Error": {"type": "object", "required": ["error", "status"], "properties": {"error": {"type": "string"}, "status": {"type": "integer"}}},
        "Template": {"type": "object", "required": ["name", "summary", "form", "parameters", "columns", "url"], "properties": {
            "name": {"type": "string"}, "summary": {"type": "string"}, "description": {"type": "string"}, "form": {"type": "string", "enum": ["select", "construct"]},
            "parameters": {"type": "array", "items": {"type": "object"}}, "one_of": {"type": "array", "items": {"type": "string"}},
            "columns": {"type": "object", "additionalProperties": {"type": "string"}}, "url": {"type": "string"},
        }},
    }
    for template in chosen:
        paths[f"/api/templates/{template.name}"] = {"get": _operation(template)}
        if template.form == "select":
            schemas[f"{template.name}_result"] = _result_schema(template)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "trial-evidence-kb",
            "version": _kb_version(),
            "description": "The query catalogue of a clinical-trial evidence knowledge base, one operation per template "
                           "(queries/*.rq), and its SPARQL 1.1 endpoint. Parameters are bound as RDF terms, never pasted into queries.",
        },
        "servers": [{"url": base_url.rstrip("/") or "/"}],
        "paths": paths,
        "components": {"schemas": schemas},
    }


def _named_template(name: str) -> Template:
    try:
        return load_template(name)
    except QueryError as error:
        raise UnknownTemplateError(str(error)) from None


def _params(request: Request, template: Template) -> tuple[dict[str, str], str | None]:
    """The template's parameters from the query string (each once, as ``kb query -p`` takes them), and ``format``."""
    params: dict[str, str] = {}
    requested: str | None = None
    for key, value in request.query_params.multi_items():
        if key == FORMAT_PARAMETER:
            requested = value
            continue
        if key in params:
            raise ParameterError(f"parameter {key!r} given twice")
        params[key] = value
    return params, requested


def _csv(columns: Iterable[str], rows: list[dict[str, object]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    names = list(columns)
    writer.writerow(names)
    for row in rows:
        writer.writerow(["" if row[c] is None else ("true" if row[c] is True else "false" if row[c] is False else row[c]) for c in names])
    return buffer.getvalue()


def routes(ctx: ServeContext) -> list[BaseRoute]:
    """``/api``, ``/api/templates``, ``/api/templates/{name}``, ``/api/openapi.json``."""

    async def list_templates(request: Request) -> Response:
        return JSONResponse([template_summary(t) for t in iter_templates()])

    async def run_template(request: Request) -> Response:
        try:
            template = _named_template(request.path_params["name"])
            params, requested = _params(request, template)
            if template.form != "select":
                reply = await ctx.run(ConstructJob(template.name, params, request.headers.get("accept"), requested))
                assert isinstance(reply, SparqlReply)
                headers = {"X-KB-Rows": str(reply.count), **({"X-KB-Truncated": "true"} if reply.truncated else {})}
                return Response(reply.body, media_type=reply.media_type, headers=headers)
            try:
                fmt = negotiate(ROW_FORMATS, request.headers.get("accept"), requested)
            except NotAcceptable as error:
                raise NotAcceptableError(str(error)) from None
            result = await ctx.template_rows(template.name, params)
        except KBError as error:
            return error_response(request, error)
        headers = {"X-KB-Rows": str(len(result.rows)), "Vary": "Accept", **({"X-KB-Truncated": "true"} if result.truncated else {})}
        if fmt.name == "csv":
            return Response(_csv(result.columns, result.rows), media_type="text/csv; charset=utf-8", headers=headers)
        body = {"template": template.name, "parameters": params, "columns": list(result.columns), "rows": result.rows, "truncated": result.truncated}
        return Response(json.dumps(body, ensure_ascii=False), media_type="application/json", headers=headers)

    async def openapi(request: Request) -> Response:
        return JSONResponse(openapi_document(str(request.base_url)))

    async def docs(request: Request) -> Response:
        document = openapi_document(str(request.base_url))
        templates = [t for t in iter_templates()]
        return render(request, "api_docs.html", nav="api", document=document, templates=templates, base_url=str(request.base_url).rstrip("/"))

    return [
        Route("/api", docs, methods=["GET"], name="api_docs"),
        Route("/api/templates", list_templates, methods=["GET"], name="api_templates"),
        Route("/api/templates/{name}", run_template, methods=["GET"], name="api_template"),
        Route("/api/openapi.json", openapi, methods=["GET"], name="openapi"),
    ]
