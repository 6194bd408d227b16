"""Fixtures for the integration tests: the real SPARQL servers of ``servers.py``."""

from tests.integration.servers import oxigraph_server, virtuoso_server

__all__ = ["oxigraph_server", "virtuoso_server"]
