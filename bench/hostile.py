"""Hostile inputs, each in its own process: time, peak memory and what clausegraph answered.

    python bench/hostile.py                 # every case (a few minutes; the 15 MB text is most of it)
    python bench/hostile.py --only query    # the cases whose name holds "query"
    python bench/hostile.py --skip-big      # leave out the 15 MB text and the 1 GiB-line archive

Ingest and query cases run the real command line (``python -m clausegraph``) on generated
inputs; the peak is the command's own maximum resident size (``wait4``). Server cases start
``clausegraph serve`` and read its workers' resident size every 10 ms while the query runs.
The 15 MB legal text is built from the real terms texts of the history file
(``../shared/corpus/ota-genai-eu-history.jsonl.xz``; the case is left out where it is absent).
Nothing here asserts a time: it prints what this machine did.
"""

from __future__ import annotations

import argparse
import json
import lzma
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HISTORY = ROOT.parent / "shared" / "corpus" / "ota-genai-eu-history.jsonl.xz"


def run_cli(args: list[str], store: Path, timeout: float = 3600) -> tuple[float, float, int, str]:
    """(seconds, peak MB, exit code, last line of stderr) of one command."""
    env = dict(os.environ, CLAUSEGRAPH_STORE=str(store))
    env.pop("CLAUSEGRAPH_DEBUG", None)
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "clausegraph", *args], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True, env=env, cwd=str(ROOT))
    err: list[str] = []
    reader = threading.Thread(target=lambda: err.extend(proc.stderr))
    reader.start()
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - started
    reader.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    lines = [line.strip() for line in err if line.strip()]
    return seconds, usage.ru_maxrss / 1024, proc.returncode, lines[-1] if lines else ""


# ---------------------------------------------------------------------------- inputs

def legal_text(folder: Path, megabytes: float) -> Path | None:
    """Real terms texts from the history file, distinct, concatenated to ``megabytes``."""
    if not HISTORY.is_file():
        return None
    target, seen, parts, size = int(megabytes * 1e6), set(), [], 0
    with lzma.open(HISTORY, "rt", encoding="utf-8") as fh:
        for line in fh:
            text = json.loads(line)["text"].strip()
            if text in seen:
                continue
            seen.add(text)
            if size + len(text.encode()) + 2 > target:
                break
            parts.append(text)
            size += len(text.encode()) + 2
    path = folder / f"legal-{megabytes:g}mb.md"
    path.write_text("\n\n".join(parts) + "\n", encoding="utf-8")
    return path


def bare_headings(folder: Path, megabytes: float = 1.7) -> Path:
    lines, size, i = ["Acme Terms", "Effective 1 March 2025", ""], 0, 1
    while size < megabytes * 1e6:
        line = f"## Heading {i}\n"
        lines.append(line)
        size, i = size + len(line) + 1, i + 1
    path = folder / f"bare-headings-{megabytes:g}mb.md"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def one_huge_line(folder: Path, gib: int = 1) -> Path:
    """A .jsonl.xz of one record whose text is ``gib`` GiB of one letter (about 190 KB compressed)."""
    path = folder / "one-huge-line.jsonl.xz"
    packer = lzma.LZMACompressor(preset=6)
    with open(path, "wb") as out:
        out.write(packer.compress(b'{"service": "X", "terms_type": "T", "recorded_at": "2025-01-01T00:00:00Z", '
                                  b'"commit": "abc", "text": "'))
        chunk = b"a" * (1 << 24)
        for _ in range(64 * gib):
            out.write(packer.compress(chunk))
        out.write(packer.compress(b'"}\n'))
        out.write(packer.flush())
    return path


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def doubling_query(steps: int = 30) -> str:
    binds = " ".join(f"BIND(CONCAT(?t{i},?t{i}) AS ?t{i + 1})" for i in range(steps))
    return f'SELECT (STRLEN(?t{steps}) AS ?n) WHERE {{ BIND("0123456789abcdef" AS ?t0) {binds} }}'


RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


# ---------------------------------------------------------------------------- server cases

class Server:
    def __init__(self, store: Path, *extra: str) -> None:
        env = dict(os.environ, CLAUSEGRAPH_STORE=str(store))
        self.process = subprocess.Popen([sys.executable, "-m", "clausegraph", "serve", "--port", "0", "--quiet", *extra],
                                        stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True, env=env, cwd=str(ROOT))
        line = self.process.stderr.readline()
        m = re.search(r"serving (http://[\d.:]+)/", line)
        if not m:
            raise SystemExit(f"the server did not start: {line}")
        self.url = m.group(1)
        threading.Thread(target=lambda: [None for _ in self.process.stderr], daemon=True).start()

    def workers_resident(self) -> int:
        total = 0
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
                if int(fields[1]) == self.process.pid:
                    total = max(total, int((stat.parent / "statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE"))
            except (OSError, ValueError, IndexError):
                continue
        return total

    def query(self, text: str) -> tuple[float, float, str]:
        """(seconds, the largest worker's peak MB while it ran, status and code)."""
        peak, done = [0], threading.Event()

        def watch() -> None:
            while not done.is_set():
                peak[0] = max(peak[0], self.workers_resident())
                time.sleep(0.01)

        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
        started = time.perf_counter()
        try:
            with urllib.request.urlopen(self.url + "/sparql?" + urllib.parse.urlencode({"query": text}), timeout=600) as r:
                outcome = f"{r.status}"
                r.read()
        except urllib.error.HTTPError as exc:
            body = json.loads(exc.read())
            outcome = f"{exc.code} {body['code']}: {body['error'][:90]}"
        seconds = time.perf_counter() - started
        done.set()
        watcher.join()
        return seconds, peak[0] / 2**20, outcome

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


# ---------------------------------------------------------------------------- the cases

def cases(folder: Path, big: bool) -> list[tuple[str, Callable[[], tuple[float, float, str]]]]:
    store = folder / "store"
    scratch = folder / "scratch-store"

    def ingest(make: Callable[[], Path | None]) -> Callable[[], tuple[float, float, str]]:
        def run() -> tuple[float, float, str]:
            path = make()
            if path is None:
                return 0.0, 0.0, f"left out: {HISTORY} is absent"
            size = path.stat().st_size
            seconds, peak, code, last = run_cli(["ingest", str(path)], folder / f"store-{path.stem}")
            return seconds, peak, f"{size / 2**20:.2f} MB input, exit {code}: {last[:110]}"
        return run

    def query(text: str) -> Callable[[], tuple[float, float, str]]:
        def run() -> tuple[float, float, str]:
            path = write(folder, "query.rq", text)
            seconds, peak, code, last = run_cli(["query", str(path), "--format", "csv"], store)
            return seconds, peak, f"{len(text):,} chars, exit {code}: {last[:110]}"
        return run

    def serve(text: str, *extra: str) -> Callable[[], tuple[float, float, str]]:
        def run() -> tuple[float, float, str]:
            server = Server(store, "--workers", "1", *extra)
            try:
                time.sleep(1.0)
                return server.query(text)
            finally:
                server.stop()
        return run

    out = []
    if big:
        out.append(("ingest 15 MB legal text (real terms, concatenated)", ingest(lambda: legal_text(folder, 15))))
    out.append(("ingest 0.425 MB bare headings (a quarter)", ingest(lambda: bare_headings(folder, 0.425))))
    out.append(("ingest 1.7 MB bare headings", ingest(lambda: bare_headings(folder))))
    if big:
        out.append(("ingest .jsonl.xz: one 1 GiB line", ingest(lambda: one_huge_line(folder))))
    out += [
        ("ingest 3,000 nested <div>", ingest(lambda: write(folder, "divs.html", "<html><body><h1>Acme Terms</h1><p>Effective 1 March 2025</p>"
                                                            + "<div>" * 3000 + "You may use it." + "</div>" * 3000))),
        ("ingest 3,000 nested <ul><li>", ingest(lambda: write(folder, "lists.html", "<html><body>" + "<ul><li>x" * 3000
                                                               + "</li></ul>" * 3000))),
        ("ingest 200,000 nested <div>", ingest(lambda: write(folder, "deep.html", "<html><body>" + "<div>" * 200_000
                                                              + "x" + "</div>" * 200_000))),
        ("query 3,000 nested braces", query("SELECT * WHERE " + "{" * 3000 + " ?a ?b ?c " + "}" * 3000)),
        ("query 3,000 nested parentheses", query("SELECT * WHERE { FILTER(" + "(" * 3000 + "1" + ")" * 3000 + ") }")),
        ("query 10,000 UNION", query("SELECT * WHERE { " + " UNION ".join(["{ ?a ?b ?c }"] * 10_000) + " }")),
        ("query 95 OPTIONAL (within the limits)", query("SELECT * WHERE { ?a a cg:Document " + " OPTIONAL { ?a <urn:x:p> ?c }" * 95 + " }")),
        ("query 20,000 '+' (no count bounds it)", query("SELECT * WHERE { FILTER(" + "+".join(["1"] * 20_000) + ") }")),
        ("query 99 patterns on one subject (within)", query("SELECT * WHERE { ?a " + " ; ".join(f"<urn:x:p{i}> ?c{i}" for i in range(99)) + " }")),
        ("query 250 patterns on one subject", query("SELECT * WHERE { ?a " + " ; ".join(f"<urn:x:p{i}> ?c{i}" for i in range(250)) + " }")),
        ("query a path of 1,000 steps", query("SELECT * WHERE { ?a " + "/".join(["<urn:x:p>"] * 1000) + " ?b }")),
        ("serve: CONCAT doubling (1,000 chars)", serve(doubling_query())),
        ("serve: cross product runaway", serve(RUNAWAY, "--timeout", "10")),
    ]
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", help="run the cases whose name holds this text")
    parser.add_argument("--skip-big", action="store_true", help="leave out the 15 MB text and the 1 GiB-line archive")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="cg-hostile-") as tmp:
        folder = Path(tmp)
        seconds, _, code, last = run_cli(["ingest", "-q"], folder / "store")  # the bundled corpus, for queries
        if code != 0:
            raise SystemExit(f"cannot ingest the bundled corpus: {last}")
        print(f"{'case':<48}{'seconds':>9}{'peak MB':>9}  result")
        measured: dict[str, tuple[float, float]] = {}
        for name, case in cases(folder, big=not args.skip_big):
            if args.only and args.only not in name:
                continue
            seconds, peak, outcome = case()
            measured[name] = (seconds, peak)
            print(f"{name:<48}{seconds:>9.2f}{peak:>9.0f}  {outcome}", flush=True)
        quarter, whole = measured.get("ingest 0.425 MB bare headings (a quarter)"), measured.get("ingest 1.7 MB bare headings")
        if quarter and whole:
            # the command's start (imports) is in both: the ratio of the differences over a tiny ingest is what grows
            base_seconds, base_peak, _, _ = run_cli(["ingest", "-q", str(write(folder, "tiny.md", "Acme Terms\n\n## One\nText.\n"))],
                                                    folder / "store-tiny")
            print(f"bare headings, 4x the input: {(whole[0] - base_seconds) / max(quarter[0] - base_seconds, 1e-9):.2f}x the time, "
                  f"{(whole[1] - base_peak) / max(quarter[1] - base_peak, 1e-9):.2f}x the memory over a tiny ingest "
                  f"({base_seconds:.2f} s, {base_peak:.0f} MB); linear is 4x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
