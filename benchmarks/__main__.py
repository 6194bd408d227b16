"""``python -m benchmarks [--quick]``: the whole benchmark in one command (benchmarks/README.md)."""

import sys

from benchmarks.harness import main

sys.exit(main())
