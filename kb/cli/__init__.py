"""The ``kb`` command line (typer). ``main`` is the console-script entry point."""

from kb.cli.main import app, main

__all__ = ["app", "main"]
