"""Peak memory of a whole `kb ingest pubmed` (read twice, map, load into an on-disk store) at two sizes.

Run: python benchmarks/ingest_memory.py [--sizes 3000 30000]

Each ingest runs in its own process, which reports its peak resident set size
(``ru_maxrss``); a process that only imports the CLI is the baseline. The figure that
matters is peak(large)/peak(small): near 1 means memory does not grow with file size.
The generated records are those of ``benchmarks/pubmed_memory.py``.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

_CHILD = """
import json, resource, sys, time
from kb.cli import main
started = time.perf_counter()
code = main(sys.argv[1:]) if len(sys.argv) > 1 else 0
print(json.dumps({"code": code, "seconds": time.perf_counter() - started,
                  "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def _generator():
    spec = importlib.util.spec_from_file_location("pubmed_memory", Path(__file__).with_name("pubmed_memory.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.write_set


def _child(*args: str) -> dict:
    result = subprocess.run([sys.executable, "-c", _CHILD, *args], capture_output=True, text=True, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs=2, default=(3000, 30000))
    args = parser.parse_args()
    write_set = _generator()
    baseline = _child()
    print(f"baseline (import the CLI only): {baseline['peak_mib']:.1f} MiB")
    results = {}
    with tempfile.TemporaryDirectory() as work:
        for size in args.sizes:
            path = Path(work) / f"set-{size}.xml"
            write_set(path, size)
            started = time.perf_counter()
            run = _child("--store", str(Path(work) / f"store-{size}"), "ingest", "pubmed", str(path), "--quiet")
            results[size] = run
            print(
                f"{size:>6} records ({path.stat().st_size / 2**20:.0f} MiB file): peak {run['peak_mib']:.1f} MiB "
                f"(x{run['peak_mib'] / baseline['peak_mib']:.2f} the baseline), {time.perf_counter() - started:.0f} s, "
                f"{size / run['seconds']:.0f} records/s, exit {run['code']}"
            )
    small, large = args.sizes
    print(f"peak({large}) / peak({small}) = {results[large]['peak_mib'] / results[small]['peak_mib']:.2f}")


if __name__ == "__main__":
    main()
