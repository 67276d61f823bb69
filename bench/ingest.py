"""Ingest speed, measured side by side in one run.

For the bundled corpus and (if present) the real-world history file, prints:
  ours   time for `clausegraph ingest` into a fresh store (read, parse, map to RDF, write)
  load   time for the store alone to bulk-load the same quads from an N-Quads file
  ratio  ours / load, and the peak memory of each (each runs in its own process)

    python bench/ingest.py [--history ../shared/corpus/ota-genai-eu-history.jsonl.xz] [--skip-history]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_HISTORY = ROOT.parent / "shared" / "corpus" / "ota-genai-eu-history.jsonl.xz"

_OURS = r"""
import json, resource, sys, time
import clausegraph
store, out, paths = sys.argv[1], sys.argv[2], sys.argv[3:]
kg = clausegraph.open(store)
t = time.perf_counter()
report = kg.ingest(paths or None)
elapsed = time.perf_counter() - t
with open(out, "wb") as fh:
    fh.write(kg.export("nquads"))
print(json.dumps({"seconds": elapsed, "documents": report.documents,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

_LOAD = r"""
import json, resource, sys, time
import pyoxigraph as ox
store, nquads = sys.argv[1], sys.argv[2]
t = time.perf_counter()
s = ox.Store(store)
s.bulk_load(path=nquads, format=ox.RdfFormat.N_QUADS)
s.flush()
elapsed = time.perf_counter() - t
print(json.dumps({"seconds": elapsed, "quads": len(s),
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def _run(code: str, *args: str) -> dict:
    result = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(result.stderr)
    return json.loads(result.stdout.strip().splitlines()[-1])


def measure(name: str, paths: list[str]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        nq = f"{tmp}/dump.nq"
        ours = _run(_OURS, f"{tmp}/ours", nq, *paths)
        load = _run(_LOAD, f"{tmp}/load", nq)
        size = Path(nq).stat().st_size / 1e6
    print(f"{name}: {ours['documents']} document versions, {load['quads']:,} quads ({size:.1f} MB of N-Quads)")
    print(f"  ours  {ours['seconds']:8.2f} s   peak {ours['peak_mb']:7.0f} MB   (read, parse, map, write)")
    print(f"  load  {load['seconds']:8.2f} s   peak {load['peak_mb']:7.0f} MB   (Oxigraph bulk_load of the same N-Quads)")
    print(f"  ratio {ours['seconds'] / load['seconds']:8.1f} x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--history", type=Path, default=DEFAULT_HISTORY)
    parser.add_argument("--skip-history", action="store_true")
    args = parser.parse_args()
    measure("bundled corpus", [])
    if args.skip_history:
        return
    if not args.history.is_file():
        print(f"history file not found at {args.history}: skipped")
        return
    measure("history file", [str(args.history)])


if __name__ == "__main__":
    main()
