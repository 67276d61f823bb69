"""Load on ``clausegraph serve``: concurrent clients on loopback for a bounded time.

    python bench/serve.py                       # starts a server on the bundled corpus, 32 clients, 60 s
    python bench/serve.py --clients 8 --seconds 10
    python bench/serve.py --url http://127.0.0.1:8000   # a server you started yourself

Each client keeps one HTTP/1.1 connection and sends, in turn, the named queries that need no
parameter (through /sparql, JSON results) and governs questions (through /api/governs). Once,
in the middle of the run, a runaway query (a triple cross product) is sent on its own
connection: it must come back as CG042 within the time limit while the others go on.
Prints throughput, median and p99 latency per kind, and every error.

Then, side by side: one client doing named queries alone (unloaded), and the same client while
two runaway queries arrive every 5 s (each on its own connection, each running to the time
limit or the memory limit). Prints both throughputs and their ratio (the target is at least
half) and what became of the runaway queries.

    python bench/serve.py --compare-seconds 30 --skip-mixed   # only the side-by-side part

And against ``oxigraph serve`` (the PyPI package's CLI, next to this Python): the store's data
exported as N-Quads (``clausegraph export --format nquads``), loaded with ``oxigraph load`` and
served with ``oxigraph serve --union-default-graph`` (our default graph is the union of the named
graphs too) on another loopback port. The same SPARQL text of the named queries that need no
parameter goes to both, first checked to give the same number of rows, then with 1 client and
with 16 clients (each a thread with one HTTP/1.1 keep-alive connection), for --vs-seconds per
turn, the two servers taking turns (--vs-rounds rounds, the order swapped each round) so that
whatever else runs on the machine weighs on both alike. Prints requests/s of each and the ratio
ours/oxigraph (targets: >= 1.0 at 16 clients, >= 0.9 at one).

    python bench/serve.py --skip-mixed --skip-compare --vs-seconds 10   # only ours vs oxigraph serve

The server keeps the answers to the named queries per store generation (clausegraph/server.py,
ReplyCache), so at steady state these figures measure that path; ``--no-answer-cache`` measures
every query run by a worker instead.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

QUESTIONS = [  # written for the bench, not taken from the labelled sets
    ("Can Mistral use my prompts to improve its models?", {"role": "consumer", "service": "le-chat"}),
    ("Which court hears a dispute?", {"role": "business", "region": "us"}),
    ("How long do you keep my data after I delete my account?", {}),
    ("Can I get a refund if I cancel my subscription?", {"role": "consumer", "region": "eu", "plan": "pro"}),
    ("Who is liable if the model output infringes copyright?", {"role": "business", "channel": "cloud-partner"}),
    ("Are subprocessors allowed to process personal data?", {"role": "business"}),
]
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


def named_requests() -> list[tuple[str, str]]:
    from clausegraph.queries.named import named_queries

    out = []
    for q in named_queries().values():
        if not any(p.required for p in q.params):
            out.append(("sparql", "/sparql?" + urllib.parse.urlencode({"query": q.text})))
    return out


def governs_requests() -> list[tuple[str, str]]:
    return [("governs", "/api/governs?" + urllib.parse.urlencode({"question": q, **ctx})) for q, ctx in QUESTIONS]


def start_server(args) -> tuple[subprocess.Popen, str, tempfile.TemporaryDirectory | None, str]:
    store = os.environ.get("CLAUSEGRAPH_STORE")
    tmp = None
    if not store:
        tmp = tempfile.TemporaryDirectory(prefix="cg-bench-")
        store = str(Path(tmp.name) / "store")
    env = dict(os.environ, CLAUSEGRAPH_STORE=store)
    if tmp is not None:  # only ingest fills a store; serve refuses an empty one
        subprocess.run([sys.executable, "-m", "clausegraph", "ingest", "-q"], env=env, cwd=str(ROOT), check=True)
    proc = subprocess.Popen([sys.executable, "-m", "clausegraph", "serve", "--port", "0", "--quiet",
                             "--timeout", str(args.timeout)] + (["--workers", str(args.workers)] if args.workers else [])
                            + (["--no-answer-cache"] if args.no_answer_cache else []),
                            stderr=subprocess.PIPE, text=True, env=env, cwd=str(ROOT))
    while True:
        line = proc.stderr.readline()
        if not line:
            raise SystemExit(f"the server did not start: {proc.stderr.read()}")
        if "serving http://" in line:
            print(line.strip(), file=sys.stderr, flush=True)
            return proc, line.split("serving ", 1)[1].split("/ ", 1)[0], tmp, store


class Tally:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.latency: dict[str, list[float]] = {}
        self.errors: list[str] = []
        self.ends: list[float] = []

    def add(self, kind: str, seconds: float, error: str | None) -> None:
        with self.lock:
            self.latency.setdefault(kind, []).append(seconds)
            self.ends.append(time.monotonic())
            if error:
                self.errors.append(f"{kind}: {error}")


def client(base: str, plan: list[tuple[str, str]], offset: int, deadline: float, tally: Tally) -> None:
    host, port = urllib.parse.urlsplit(base).hostname, urllib.parse.urlsplit(base).port
    conn = http.client.HTTPConnection(host, port, timeout=120)
    i = offset
    while time.monotonic() < deadline:
        kind, path = plan[i % len(plan)]
        i += 1
        started = time.perf_counter()
        error = None
        try:
            conn.request("GET", path, headers={"Accept": "application/sparql-results+json"})
            resp = conn.getresponse()
            body = resp.read()
            if resp.status != 200:
                error = f"HTTP {resp.status}: {body[:200]!r}"
        except (OSError, http.client.HTTPException) as exc:
            error = f"{type(exc).__name__}: {exc}"
            conn.close()
            conn = http.client.HTTPConnection(host, port, timeout=120)
        tally.add(kind, time.perf_counter() - started, error)
    conn.close()


def runaway(base: str, delay: float, out: dict) -> None:
    time.sleep(delay)
    parts = urllib.parse.urlsplit(base)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=300)
    started = time.perf_counter()
    conn.request("GET", "/sparql?" + urllib.parse.urlencode({"query": RUNAWAY}))
    resp = conn.getresponse()
    body = json.loads(resp.read())
    out.update(status=resp.status, code=body.get("code"), seconds=time.perf_counter() - started, end=time.monotonic())
    conn.close()


def runaways(base: str, deadline: float, every: float, out: list) -> None:
    """Two runaway queries every ``every`` seconds until ``deadline``, each in its own thread."""
    threads = []
    while time.monotonic() < deadline:
        for _ in range(2):
            t = threading.Thread(target=lambda: out.append(_runaway_once(base)), daemon=True)
            t.start()
            threads.append(t)
        time.sleep(every)
    for t in threads:
        t.join(timeout=120)


def _runaway_once(base: str) -> str:
    parts = urllib.parse.urlsplit(base)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=300)
    try:
        conn.request("GET", "/sparql?" + urllib.parse.urlencode({"query": RUNAWAY}))
        resp = conn.getresponse()
        body = resp.read()
        try:
            return f"{resp.status} {json.loads(body).get('code')}"
        except ValueError:
            return f"{resp.status}"
    except (OSError, http.client.HTTPException) as exc:
        return type(exc).__name__
    finally:
        conn.close()


def compare_under_runaways(base: str, seconds: float) -> float:
    """Throughput of one named-query client alone, then beside two runaway queries every 5 s; the ratio."""
    named = named_requests()
    alone = Tally()
    client(base, named, 0, time.monotonic() + seconds, alone)
    loaded, outcomes = Tally(), []
    deadline = time.monotonic() + seconds
    load = threading.Thread(target=runaways, args=(base, deadline, 5.0, outcomes))
    load.start()
    time.sleep(0.5)  # the first runaways are running
    started = time.monotonic()
    client(base, named, 0, deadline, loaded)
    loaded_seconds = time.monotonic() - started
    load.join()
    a = len(alone.latency.get("sparql", [])) / seconds
    b = len(loaded.latency.get("sparql", [])) / loaded_seconds
    print(f"named queries, one client: unloaded {a:.1f}/s; with two runaway queries every 5 s {b:.1f}/s "
          f"(ratio {b / a if a else 0:.2f}, target >= 0.50); median {statistics.median(alone.latency['sparql']) * 1000:.1f} ms "
          f"vs {statistics.median(loaded.latency['sparql']) * 1000:.1f} ms; errors {len(alone.errors)} / {len(loaded.errors)}")
    counts: dict[str, int] = {}
    for o in outcomes:
        counts[o] = counts.get(o, 0) + 1
    print(f"runaway queries sent: {len(outcomes)}: " + ", ".join(f"{k} x{v}" for k, v in sorted(counts.items())))
    for e in loaded.errors[:5]:
        print("  " + e)
    return b / a if a else 0.0


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_oxigraph(store: str, workdir: Path) -> tuple[subprocess.Popen, str]:
    """``oxigraph serve`` on the N-Quads of ``store``, with the union of the graphs as default graph."""
    oxigraph = Path(sys.executable).parent / "oxigraph"
    if not oxigraph.exists():
        raise SystemExit(f"no oxigraph CLI at {oxigraph}: pip install oxigraph")
    dump = workdir / "store.nq"
    env = dict(os.environ, CLAUSEGRAPH_STORE=store)
    subprocess.run([sys.executable, "-m", "clausegraph", "export", "--format", "nquads", "-o", str(dump)],
                   env=env, cwd=str(ROOT), check=True)
    location = workdir / "oxigraph"
    subprocess.run([str(oxigraph), "load", "--location", str(location), "--file", str(dump)], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    port = _free_port()
    proc = subprocess.Popen([str(oxigraph), "serve", "--location", str(location), "--bind", f"127.0.0.1:{port}",
                             "--union-default-graph"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/query?" + urllib.parse.urlencode({"query": "ASK {}"}))
            conn.getresponse().read()
            conn.close()
            print(f"oxigraph serve on {base} ({dump.stat().st_size:,} bytes of N-Quads)", file=sys.stderr, flush=True)
            return proc, base
        except OSError:
            time.sleep(0.2)
    proc.terminate()
    raise SystemExit("oxigraph serve did not start")


def _rows(base: str, path: str) -> int | str:
    parts = urllib.parse.urlsplit(base)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=120)
    try:
        conn.request("GET", path, headers={"Accept": "application/sparql-results+json"})
        resp = conn.getresponse()
        body = resp.read()
        if resp.status != 200:
            return f"HTTP {resp.status}"
        return len(json.loads(body)["results"]["bindings"])
    finally:
        conn.close()


def _rate(base: str, plan: list[tuple[str, str]], clients: int, seconds: float) -> tuple[int, float, int]:
    """Requests answered by ``clients`` keep-alive clients in ``seconds``: (count, elapsed, errors)."""
    tally = Tally()
    deadline = time.monotonic() + seconds
    threads = [threading.Thread(target=client, args=(base, plan, i, deadline, tally)) for i in range(clients)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(len(v) for v in tally.latency.values()), time.monotonic() - started, len(tally.errors)


def compare_with_oxigraph(base: str, store: str, seconds: float, rounds: int, client_counts=(1, 16),
                          note: str = "") -> dict[int, float]:
    """Named queries on ours and on ``oxigraph serve`` (same data), taking turns; ratio ours/oxigraph per client count."""
    ours_plan = named_requests()
    theirs_plan = [(kind, "/query?" + path.split("?", 1)[1]) for kind, path in ours_plan]
    with tempfile.TemporaryDirectory(prefix="cg-bench-oxigraph-") as workdir:
        proc, other = start_oxigraph(store, Path(workdir))
        try:
            same = True
            for (_, a), (_, b) in zip(ours_plan, theirs_plan):
                ra, rb = _rows(base, a), _rows(other, b)
                if ra != rb:
                    same = False
                    print(f"  rows differ: ours {ra}, oxigraph {rb}: {urllib.parse.unquote_plus(a)[:120]}")
            print(f"same rows on both servers for the {len(ours_plan)} named queries: {'yes' if same else 'NO'}")
            for server, plan in ((base, ours_plan), (other, theirs_plan)):  # warm both (caches, pages)
                _rate(server, plan, 2, 2.0)
            totals = {(n, who): [0, 0.0, 0] for n in client_counts for who in ("ours", "oxigraph")}
            for r in range(rounds):
                for n in client_counts:
                    turns = [("ours", base, ours_plan), ("oxigraph", other, theirs_plan)]
                    for who, server, plan in (turns if r % 2 == 0 else turns[::-1]):
                        count, elapsed, errors = _rate(server, plan, n, seconds)
                        t = totals[(n, who)]
                        t[0], t[1], t[2] = t[0] + count, t[1] + elapsed, t[2] + errors
            print(f"named queries ({len(ours_plan)} texts, JSON results), ours vs oxigraph serve on the same data, "
                  f"{rounds} rounds of {seconds:g} s each, taking turns{note}; {os.cpu_count()} cores, "
                  f"load average {os.getloadavg()[0]:.2f}")
            print(f"{'clients':>8}{'ours /s':>12}{'oxigraph /s':>14}{'ratio':>8}{'target':>9}{'errors':>9}")
            ratios = {}
            for n in client_counts:
                (a, ta, ea), (b, tb, eb) = totals[(n, "ours")], totals[(n, "oxigraph")]
                ours, theirs = a / ta, b / tb
                ratios[n] = ours / theirs if theirs else 0.0
                target = 0.9 if n == 1 else 1.0
                print(f"{n:>8}{ours:>12.1f}{theirs:>14.1f}{ratios[n]:>8.2f}{'>= ' + format(target, '.1f'):>9}{f'{ea}/{eb}':>9}")
            return ratios
        finally:
            proc.terminate()
            proc.wait(timeout=30)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", help="a running server (default: start one)")
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--timeout", type=float, default=10.0, help="the server's time limit when this script starts it")
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--compare-seconds", type=float, default=20.0,
                        help="seconds of each half of the side-by-side part (unloaded, then under runaway queries)")
    parser.add_argument("--skip-mixed", action="store_true", help="only the side-by-side part")
    parser.add_argument("--skip-compare", action="store_true", help="no runaway-query comparison")
    parser.add_argument("--vs-seconds", type=float, default=10.0, help="seconds of each turn against oxigraph serve")
    parser.add_argument("--vs-rounds", type=int, default=3, help="rounds of turns against oxigraph serve")
    parser.add_argument("--no-answer-cache", action="store_true",
                        help="start the server with --no-answer-cache: every named query runs in a worker")
    parser.add_argument("--skip-oxigraph", action="store_true", help="no comparison with oxigraph serve")
    args = parser.parse_args()

    proc = tmp = None
    base, store = args.url, os.environ.get("CLAUSEGRAPH_STORE")
    if not base:
        proc, base, tmp, store = start_server(args)
    try:
        ok = True
        if not args.skip_mixed:
            ok = mixed_load(base, args) and ok
        if not args.skip_compare:
            ok = compare_under_runaways(base, args.compare_seconds) >= 0.5 and ok
        if not args.skip_oxigraph:
            if not store:
                print("against oxigraph serve: skipped (with --url, set CLAUSEGRAPH_STORE to that server's store)")
            else:
                note = "" if args.url else f"; ours with the answer cache {'off' if args.no_answer_cache else 'on'}"
                ratios = compare_with_oxigraph(base, store, args.vs_seconds, args.vs_rounds, note=note)
                ok = ratios.get(16, 0) >= 1.0 and ratios.get(1, 0) >= 0.9 and ok
        return 0 if ok else 1
    finally:
        if proc:
            proc.terminate()
            proc.wait(timeout=30)
        if tmp:
            tmp.cleanup()


def mixed_load(base: str, args) -> bool:
    """Named queries and questions from ``args.clients`` clients, a runaway query in the middle."""
    plan = []
    named, governs = named_requests(), governs_requests()
    for i in range(max(len(named), len(governs))):  # alternate the two kinds
        plan += [named[i % len(named)], governs[i % len(governs)]]
    # warm up for a few seconds (each worker builds its governs index on its first question)
    warm = Tally()
    for w in range(2):
        client(base, plan, w, time.monotonic() + 3, warm)
    tally = Tally()
    runaway_result: dict = {}
    deadline = time.monotonic() + args.seconds
    threads = [threading.Thread(target=client, args=(base, plan, i * 3, deadline, tally)) for i in range(args.clients)]
    threads.append(threading.Thread(target=runaway, args=(base, args.seconds / 3, runaway_result)))
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    total = sum(len(v) for v in tally.latency.values())
    print(f"clausegraph serve under load: {args.clients} clients, {elapsed:.1f} s, server {base}")
    print(f"{'kind':<10}{'requests':>10}{'per s':>10}{'median ms':>12}{'p99 ms':>10}")
    for kind, values in sorted(tally.latency.items()):
        print(f"{kind:<10}{len(values):>10}{len(values) / elapsed:>10.1f}{statistics.median(values) * 1000:>12.1f}"
              f"{percentile(values, 99) * 1000:>10.1f}")
    every = [v for values in tally.latency.values() for v in values]
    print(f"{'all':<10}{total:>10}{total / elapsed:>10.1f}{statistics.median(every) * 1000:>12.1f}{percentile(every, 99) * 1000:>10.1f}")
    print(f"errors: {len(tally.errors)}")
    for e in tally.errors[:10]:
        print("  " + e)
    stopped = runaway_result.get("status") == 503 and runaway_result.get("code") == "CG042"
    print(f"runaway query: HTTP {runaway_result.get('status')} {runaway_result.get('code')} after "
          f"{runaway_result.get('seconds', 0):.1f} s ({'stopped by the time limit' if stopped else 'NOT stopped'}); "
          f"requests answered after it: {sum(1 for t in tally.ends if t > runaway_result.get('end', float('inf')))}")
    return not tally.errors and stopped


if __name__ == "__main__":
    sys.exit(main())
