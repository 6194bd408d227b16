"""``kb serve``: the KB over HTTP.

A SPARQL 1.1 Protocol endpoint (:mod:`kb.serve.sparql_endpoint`), the query catalogue as a web
API with an OpenAPI document (:mod:`kb.serve.api`), a query page (:mod:`kb.serve.query_page`)
and the evidence pages (``kb.serve.pages``), on Starlette and uvicorn. Queries run in worker
processes that are ended at the time limit (:mod:`kb.serve.workers`). Start here:
:func:`kb.serve.app.create_app` with a :class:`kb.serve.config.ServeConfig`; routes get a
:class:`kb.serve.context.ServeContext`.
"""

from kb.serve.config import ServeConfig

__all__ = ["ServeConfig"]
