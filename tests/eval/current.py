"""The current version of every document of the vendors we label, cut from the history file.

    python tests/eval/current.py OUT_DIR [--services "Perplexity,Grok"] [--texts]

writes ``OUT_DIR/current.jsonl`` (the Open Terms Archive format ``clausegraph ingest`` reads: the
newest record of each service and terms type, recorded on or before ``CUTOFF``) and, with
``--texts``, one markdown file per record (``OUT_DIR/<publisher>/<doc>.md``) to read while labelling.

Claude.ai and ChatGPT are never written: their current documents are kept for measurement (see
../shared/corpus/README.md). The labelled sets of tests/eval/ were written against these versions;
``VERSIONS`` pins the commit of each, so a newer history file cannot move the labels.
"""

from __future__ import annotations

import argparse
import json
import lzma
import re
import sys
from pathlib import Path

HISTORY = Path(__file__).resolve().parents[2].parent / "shared" / "corpus" / "ota-genai-eu-history.jsonl.xz"
CUTOFF = "2026-08-23"  # the history file ends on 2026-08-22
KEPT_FOR_MEASUREMENT = frozenset({"Claude.ai", "ChatGPT"})


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def current_records(history: Path = HISTORY, services: set[str] | None = None) -> list[dict]:
    """The newest record of each (service, terms type), Claude.ai and ChatGPT left out."""
    newest: dict[tuple[str, str], dict] = {}
    with lzma.open(history, "rt", encoding="utf-8") as handle:
        for line in handle:
            record = json.loads(line)
            service = record["service"]
            if service in KEPT_FOR_MEASUREMENT or (services and service not in services):
                continue
            if record["recorded_at"][:10] > CUTOFF or not record["text"].strip():
                continue
            key = (service, record["terms_type"])
            if key not in newest or record["recorded_at"] >= newest[key]["recorded_at"]:
                newest[key] = record
    return [newest[k] for k in sorted(newest)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--services", help="comma-separated service names as in the history file")
    parser.add_argument("--texts", action="store_true", help="also write each record's text as markdown")
    args = parser.parse_args(argv)
    if not HISTORY.exists():
        print(f"no history file at {HISTORY}", file=sys.stderr)
        return 2
    services = {s.strip() for s in args.services.split(",")} if args.services else None
    records = current_records(HISTORY, services)
    args.out.mkdir(parents=True, exist_ok=True)
    with (args.out / "current.jsonl").open("w", encoding="utf-8") as out:
        for r in records:
            out.write(json.dumps(r, ensure_ascii=False) + "\n")
            if args.texts:
                path = args.out / slug(r["service"]) / f"{slug(r['terms_type'])}.md"
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(r["text"], encoding="utf-8")
    for r in records:
        print(f"{slug(r['service'])}/{slug(r['terms_type'])}  {r['recorded_at'][:10]}  {r['commit'][:7]}  {len(r['text']):>7} chars")
    return 0


if __name__ == "__main__":
    sys.exit(main())
