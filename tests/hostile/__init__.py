"""The hostile-input corpus (issue 12): cases in :mod:`tests.hostile.cases`, report with ``python -m tests.hostile``."""
