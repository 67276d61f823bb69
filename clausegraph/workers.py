"""Worker processes that answer the server's queries, so a runaway query can be stopped.

A SPARQL query cannot be interrupted from inside Oxigraph, and a thread cannot be killed; a
process can. Each worker first gives up the network (clausegraph.sandbox: no socket but local
ones, so no query can make it call another machine), then opens the store read-only and answers one request at a time over a
pipe. The server hands a request to an idle worker and waits at most the time limit; a worker
that has not answered by then is killed and replaced, and the client gets CG042. Running in
processes also lets queries and questions use every core.

Two lanes keep cheap requests from waiting behind runaway ones. ``NAMED`` workers answer the
named queries, questions and the page's API; ``QUERY`` workers, at a lower CPU priority (nice
10), answer SPARQL the client wrote. A named request takes an idle QUERY worker when no NAMED one
is idle, never the reverse, so at most ``query_workers`` runaway queries run at once and they
yield the processors to the rest.

Memory: while a worker answers, the server reads its resident size every 20 ms; past the limit
it is killed and replaced and the client gets CG044. The limit (``memory_mb``) is for SPARQL the
client wrote; NAMED workers may use NAMED_MEMORY_FACTOR times as much, since what they need
grows with the store, not with what a client sends (the precedence view of 145 documents, 15 MB
of terms, took 1.3 GB). As a backstop against a
single huge allocation between two looks, each worker limits its own address space (RLIMIT_AS)
to what it had when ready plus the query stacks, the limit and a margin: an allocation past that
fails (Oxigraph then aborts the worker, which is reported the same way).

    op          payload                          answer (status, content type, body)
    sparql      {"query", "accept", "base",      SPARQL results / RDF in the negotiated format
                 "default_graphs", "named_graphs"}
    governs     {"question", context fields}     GovernsResult JSON
    context     {}                               the values each context field takes in this store
    documents   {}                               the documents in the store
    outline     {"id"}                           sections and clauses of a document, in order
    node        {"iri"}                          a node's text and its edges with their words
    view        {"name"}                         the view's drawing as an HTML fragment
"""

from __future__ import annotations

import json
import multiprocessing as mp
import os
import queue
import signal
import threading
import time
from dataclasses import dataclass
from enum import Enum

from clausegraph.ontology.errors import (ClauseGraphError, GraphError, QueryError, QueryMemoryError, QueryTimeoutError,
                                         ServerBusyError)

__all__ = ["WorkerPool", "Lane", "Reply", "json_reply", "error_reply", "negotiate", "http_status", "DEFAULT_MEMORY_MB"]

DEFAULT_MEMORY_MB = 1024  # resident memory per worker; an idle one holds about 50 MB, one that answered questions more
MEMORY_POLL = 0.02  # seconds between two looks at a busy worker's memory
NAMED_MEMORY_FACTOR = 4
_ADDRESS_MARGIN = 512 << 20  # address space over the limit (thread arenas, Oxigraph's buffers) before RLIMIT_AS
_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


class Lane(str, Enum):
    """Which workers may answer a request."""

    NAMED = "named"  # named queries, questions, documents, outline, node, view
    QUERY = "query"  # SPARQL the client wrote

Reply = tuple[int, str, bytes]  # status, content type, body

JSON_TYPE = "application/json; charset=utf-8"
# media type -> (format name, content type sent); the first entry of each table is the default
RESULT_TYPES = {
    "application/sparql-results+json": ("json", "application/sparql-results+json; charset=utf-8"),
    "application/json": ("json", "application/sparql-results+json; charset=utf-8"),
    "application/sparql-results+xml": ("xml", "application/sparql-results+xml; charset=utf-8"),
    "application/xml": ("xml", "application/sparql-results+xml; charset=utf-8"),
    "text/xml": ("xml", "application/sparql-results+xml; charset=utf-8"),
    "text/csv": ("csv", "text/csv; charset=utf-8"),
    "text/tab-separated-values": ("tsv", "text/tab-separated-values; charset=utf-8"),
    "text/*": ("csv", "text/csv; charset=utf-8"),
    "application/*": ("json", "application/sparql-results+json; charset=utf-8"),
}
GRAPH_TYPES = {
    "text/turtle": ("turtle", "text/turtle; charset=utf-8"),
    "application/x-turtle": ("turtle", "text/turtle; charset=utf-8"),
    "application/n-triples": ("ntriples", "application/n-triples; charset=utf-8"),
    "application/rdf+xml": ("rdfxml", "application/rdf+xml; charset=utf-8"),
    "text/plain": ("ntriples", "application/n-triples; charset=utf-8"),
    "application/ld+json": ("jsonld", "application/ld+json; charset=utf-8"),
    "application/json": ("jsonld", "application/ld+json; charset=utf-8"),
    "text/*": ("turtle", "text/turtle; charset=utf-8"),
    "application/*": ("jsonld", "application/ld+json; charset=utf-8"),
}


def error_reply(exc: ClauseGraphError, status: int) -> Reply:
    body = {"ok": False, "status": status, "code": exc.code, "error": exc.message}
    return status, JSON_TYPE, json.dumps(body, ensure_ascii=False).encode("utf-8")


def json_reply(value, status: int = 200) -> Reply:
    return status, JSON_TYPE, json.dumps(value, ensure_ascii=False, default=str).encode("utf-8")


def negotiate(accept: str | None, table: dict) -> tuple[str, str] | None:
    """The format of ``table`` the Accept header prefers; None: nothing acceptable.

    q-values are honoured (parameter names in any case); a type given q=0 is refused even when a
    wildcard would admit it; among equal q, the order of the header decides.
    """
    if not accept or not accept.strip():
        return next(iter(table.values()))
    choices, refused = [], set()
    for i, part in enumerate(accept.split(",")):
        fields = [f.strip() for f in part.split(";")]
        media, q = fields[0].lower(), 1.0
        for f in fields[1:]:
            if f.lower().startswith("q="):
                try:
                    q = float(f[2:])
                except ValueError:
                    q = 0.0
        if q <= 0:
            refused.add(media)
        else:
            choices.append((-q, i, media))
    for _, _, media in sorted(choices):
        if media == "*/*" or media.endswith("/*"):
            prefix = "" if media == "*/*" else media[:-1]
            for name, chosen in table.items():
                if name.startswith(prefix) and "*" not in name and name not in refused \
                        and not any(n in refused for n, c in table.items() if c == chosen):
                    return chosen
            continue
        if media in table and media not in refused:
            return table[media]
    return None


# ---------------------------------------------------------------------------- in the worker

def http_status(exc: ClauseGraphError) -> int:
    """The one mapping from the exception tree to HTTP status codes."""
    from clausegraph.ontology.errors import ResultTooLargeError, UpdateRefusedError

    if isinstance(exc, UpdateRefusedError):
        return 403
    if isinstance(exc, (QueryTimeoutError, QueryMemoryError, ServerBusyError)):
        return 503
    if isinstance(exc, ResultTooLargeError):
        return 422
    if isinstance(exc, QueryError):
        return 400
    return 500


def _sparql(kg, payload: dict, max_results: int) -> Reply:
    import pyoxigraph as ox

    from clausegraph.graph.sparql import run_query
    from clausegraph.ontology.namespaces import PREFIXES

    from clausegraph.graph.dataset import Dataset

    text = payload["query"]
    dataset = Dataset(tuple(payload.get("default_graphs") or ()), tuple(payload.get("named_graphs") or ()))
    result = run_query(kg._store.handle(), text, max_results=max_results, dataset=dataset, base_iri=payload.get("base"))
    if result.triples is not None:
        chosen = negotiate(payload.get("accept"), GRAPH_TYPES)
        if chosen is None:
            return error_reply(QueryError("cannot send a graph as any type the Accept header names: ask for text/turtle, "
                                          "application/n-triples, application/rdf+xml or application/ld+json"), 406)
        fmt = {"turtle": ox.RdfFormat.TURTLE, "ntriples": ox.RdfFormat.N_TRIPLES, "jsonld": ox.RdfFormat.JSON_LD,
               "rdfxml": ox.RdfFormat.RDF_XML}[chosen[0]]
        body = ox.serialize(result.triples, format=fmt, prefixes=PREFIXES if fmt in (ox.RdfFormat.TURTLE, ox.RdfFormat.RDF_XML) else None)
        return 200, chosen[1], body
    chosen = negotiate(payload.get("accept"), RESULT_TYPES)
    if chosen is None:
        return error_reply(QueryError("cannot send results as any type the Accept header names: ask for "
                                      "application/sparql-results+json, application/sparql-results+xml, text/csv "
                                      "or text/tab-separated-values"), 406)
    name, content_type = chosen
    if name == "json":
        body = json.dumps(result.to_json(), ensure_ascii=False).encode("utf-8")
    elif name == "xml":
        body = result.to_xml().encode("utf-8")
    elif name == "csv":
        body = result.to_csv().encode("utf-8")
    else:
        body = result.to_tsv().encode("utf-8")
    return 200, content_type, body


def _governs(kg, payload: dict) -> Reply:
    from clausegraph.ontology.answers import CONTEXT_VALUES

    question = payload.get("question")
    if not isinstance(question, str) or not question.strip():
        raise QueryError("give a question: ?question=... (or JSON {\"question\": ...})")
    unknown = sorted(set(payload) - {"question", "as_of", "publisher", "picture", *CONTEXT_VALUES})
    if unknown:
        raise QueryError(f"unknown parameter {unknown[0]!r}: use question, as_of, publisher, picture, {', '.join(CONTEXT_VALUES)}")
    picture = payload.get("picture")
    if picture not in (None, "", "svg"):
        raise QueryError(f"picture={picture!r}: the answer is drawn as picture=svg")
    context = {k: (payload.get(k) or None) for k in CONTEXT_VALUES}
    result = kg.governs(question, as_of=payload.get("as_of") or None, publisher=payload.get("publisher") or None, **context)
    if picture == "svg":  # the answer's chain drawn (graph/answer_picture.py), for the page's <img>
        from clausegraph.graph.export import export_answer

        return 200, "image/svg+xml", export_answer(result, "svg")
    return json_reply(result.model_dump(mode="json"))


def _context(kg, payload: dict) -> Reply:
    """The values each context field takes in this store: generic ones, every publisher's products, the publishers."""
    schema = kg.context_schema()
    fields: dict[str, list[str]] = {}
    for info in schema.values():
        for name, values in info["fields"].items():
            fields.setdefault(name, [])
            fields[name] += [v for v in values if v not in fields[name]]
    if len(schema) > 1:
        fields["publisher"] = sorted(schema)
    return json_reply(fields)


def _documents(kg, payload: dict) -> Reply:
    rows = kg.query("documents").python()
    return json_reply(rows)


_OUTLINE = """
PREFIX cg: <https://w3id.org/clausegraph/ontology#>
PREFIX dcterms: <http://purl.org/dc/terms/>
SELECT ?doc ?node ?version ?type ?number ?label ?heading ?text WHERE {
  ?document a cg:Document ; dcterms:identifier ?doc ; cg:version ?version .
  ?node cg:inDocument ?document ; cg:position ?position .
  { ?node a cg:Section . BIND("section" AS ?type) OPTIONAL { ?node cg:number ?number } OPTIONAL { ?node cg:heading ?heading } }
  UNION
  { ?node a cg:Clause ; cg:text ?full . BIND("clause" AS ?type) BIND(SUBSTR(?full, 1, 90) AS ?text)
    OPTIONAL { ?node cg:heading ?heading } OPTIONAL { ?node cg:label ?label } }
} ORDER BY DESC(?version) ?position"""


def _outline(kg, payload: dict) -> Reply:
    doc = payload.get("id")
    if not doc:
        raise QueryError("give a document id: ?id=terms-of-service")
    rows = kg.query(_OUTLINE, doc=doc).python()
    latest = rows[0]["version"] if rows else None
    return json_reply([r for r in rows if r["version"] == latest])


_NODE_EDGES = """
PREFIX cg: <https://w3id.org/clausegraph/ontology#>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX dcterms: <http://purl.org/dc/terms/>
SELECT DISTINCT ?n ?direction ?relation ?other ?otherLabel ?words ?condition ?rule ?clause WHERE {
  ?e a cg:Evidence ; rdf:predicate ?p ; cg:words ?words ; cg:rule ?rule ; cg:clause ?clause .
  { ?e rdf:subject ?n ; rdf:object ?other . BIND("out" AS ?direction) }
  UNION { ?e rdf:object ?n ; rdf:subject ?other . BIND("in" AS ?direction) }
  UNION { ?e cg:clause ?n ; rdf:subject ?s ; rdf:object ?other . FILTER(?s != ?n) BIND("stated-here" AS ?direction) }
  BIND(STRAFTER(STR(?p), "#") AS ?relation)
  OPTIONAL { ?e cg:condition ?condition }
  OPTIONAL { { ?other rdfs:label ?otherLabel } UNION { ?other skos:prefLabel ?otherLabel } UNION { ?other dcterms:title ?otherLabel }
             UNION { ?other cg:heading ?otherLabel } UNION { ?other cg:number ?otherLabel } }
} ORDER BY ?direction ?relation ?other LIMIT 500
"""
_NODE = """
PREFIX cg: <https://w3id.org/clausegraph/ontology#>
PREFIX dcterms: <http://purl.org/dc/terms/>
SELECT ?n ?kind ?text ?heading ?number ?label ?doc ?title ?parent WHERE {
  ?n a ?type . BIND(STRAFTER(STR(?type), "#") AS ?kind)
  OPTIONAL { ?n cg:text ?text } OPTIONAL { ?n cg:heading ?heading } OPTIONAL { ?n cg:number ?number }
  OPTIONAL { ?n cg:label ?label } OPTIONAL { ?n cg:partOf ?parent }
  OPTIONAL { ?n cg:inDocument ?d . ?d dcterms:identifier ?doc ; dcterms:title ?title }
} LIMIT 1
"""


def _node(kg, payload: dict) -> Reply:
    iri = payload.get("iri")
    if not iri:
        raise QueryError("give a node: ?iri=https://w3id.org/clausegraph/id/...")
    node = kg.query(_NODE, n=f"<{iri}>").python()
    if not node:
        return error_reply(QueryError(f"no node {iri!r} in the graph"), 404)
    edges = kg.query(_NODE_EDGES, n=f"<{iri}>").python()
    return json_reply({**node[0], "iri": iri, "edges": edges})


_VIEWS: dict[tuple, bytes] = {}  # (view, document, store generation) -> drawing; older generations are dropped


def _view(kg, payload: dict) -> Reply:
    from clausegraph.graph.export import view_html
    from clausegraph.graph.views import parse_view

    view = parse_view(payload.get("name") or "precedence", error=QueryError)
    document = payload.get("document") or None
    generation = kg._store.generation
    key = (view, document, generation)
    if key not in _VIEWS:
        drawing = view_html(kg._store.handle(), view, fragment=True, document=document)
        for old in [k for k in _VIEWS if k[2] != generation]:
            del _VIEWS[old]
        _VIEWS[key] = drawing
    return 200, "text/html; charset=utf-8", _VIEWS[key]


def _answer(kg, op: str, payload: dict, max_results: int) -> Reply:
    try:
        if op == "sparql":
            return _sparql(kg, payload, max_results)
        handler = {"governs": _governs, "context": _context, "documents": _documents, "outline": _outline, "node": _node, "view": _view}.get(op)
        if handler is None:
            return error_reply(QueryError(f"unknown operation {op!r}"), 404)
        return handler(kg, payload)
    except ClauseGraphError as exc:
        return error_reply(exc, http_status(exc))
    except MemoryError:  # the address-space limit: the server replaces this worker when it reads the code
        return error_reply(QueryMemoryError("stopped: it needed more memory than a worker may use; narrow the query"), 503)
    except Exception as exc:  # noqa: BLE001 - one JSON line for the client, never a traceback
        return error_reply(ClauseGraphError(f"internal error: {type(exc).__name__}: {exc}"), 500)


def _watch_parent(parent: int) -> None:
    """End this worker when the server is gone (killed, crashed): no query runs on for nobody."""
    while True:
        time.sleep(1.0)
        if os.getppid() != parent:
            os._exit(0)


def _limit_address_space(memory_bytes: int) -> None:
    """RLIMIT_AS: what this process maps now, plus two query stacks (the last query's thread may not
    have given its stack back when the next one starts), ``memory_bytes`` and a margin."""
    import resource

    from clausegraph.graph.sparql import QUERY_STACK_BYTES

    try:
        with open("/proc/self/statm", encoding="ascii") as fh:
            mapped = int(fh.read().split()[0]) * _PAGE
    except (OSError, ValueError, IndexError):
        return  # not Linux: the server's look at resident memory is the limit
    soft = mapped + 2 * QUERY_STACK_BYTES + memory_bytes + _ADDRESS_MARGIN
    try:
        hard = resource.getrlimit(resource.RLIMIT_AS)[1]
        resource.setrlimit(resource.RLIMIT_AS, (soft if hard == resource.RLIM_INFINITY else min(soft, hard), hard))
    except (ValueError, OSError):
        pass


def _worker_main(conn, store: str, max_results: int, parent: int, lane: str = Lane.NAMED.value,
                 memory_bytes: int = DEFAULT_MEMORY_MB << 20) -> None:
    os.setpgrp()  # its own process group: stopping it also stops what it started (Graphviz's dot)
    if lane == Lane.QUERY.value:
        os.nice(10)  # client-written SPARQL yields the processors to named queries and questions
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the server stops workers itself
    threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()
    from clausegraph.api import KnowledgeGraph
    from clausegraph.sandbox import forbid_network

    sandboxed = forbid_network()  # no socket but local ones from here on, for it and what it starts
    kg = KnowledgeGraph(store)
    _limit_address_space(memory_bytes)
    conn.send(("ready", sandboxed))  # the time limit of a request starts only once a worker is ready
    while True:
        try:
            op, payload = conn.recv()
        except (EOFError, OSError):
            return
        conn.send(_answer(kg, op, payload, max_results))


# ---------------------------------------------------------------------------- in the server

@dataclass(eq=False)
class _Worker:
    process: mp.process.BaseProcess
    conn: object
    lane: Lane


def _resident(pid: int | None) -> int | None:
    """Resident memory of process ``pid`` in bytes (Linux), or None."""
    try:
        with open(f"/proc/{pid}/statm", encoding="ascii") as fh:
            return int(fh.read().split()[1]) * _PAGE
    except (OSError, ValueError, IndexError):
        return None


class WorkerPool:
    """``size`` NAMED and ``query_workers`` QUERY worker processes; :meth:`call` runs one
    operation under the time and memory limits.

    A worker joins the idle queue only once it has opened the store and said so, so its start-up
    never counts against a request's time limit. A stopped worker is replaced in the background.
    """

    START_TIMEOUT = 120.0

    def __init__(self, store: str, *, size: int, timeout: float, max_results: int, wait: float = 60.0,
                 query_workers: int | None = None, memory_mb: int = DEFAULT_MEMORY_MB) -> None:
        if size < 1:
            raise QueryError("the server needs at least one worker (--workers 1 or more)")
        if query_workers is not None and query_workers < 1:
            raise QueryError("the server needs at least one query worker (--query-workers 1 or more)")
        if memory_mb < 64:
            raise QueryError("--memory must be at least 64 MB per worker")
        self.store, self.size, self.timeout, self.max_results, self.wait = store, size, timeout, max_results, wait
        self.query_size = query_workers or max(1, size // 2)
        self.memory_bytes = memory_mb << 20  # for the QUERY lane
        self._limit = {Lane.QUERY: self.memory_bytes, Lane.NAMED: self.memory_bytes * NAMED_MEMORY_FACTOR}
        self._ctx = mp.get_context("spawn")  # no fork of a threaded server
        self._idle: dict[Lane, queue.Queue[_Worker]] = {Lane.NAMED: queue.Queue(), Lane.QUERY: queue.Queue()}
        self._all: set[_Worker] = set()
        self._lock = threading.Lock()
        self._closed = False
        self.stopped_queries = 0  # stopped at the time limit
        self.memory_stops = 0  # stopped at the memory limit
        self.sandboxed: bool | None = None  # whether every worker runs without network (clausegraph.sandbox)
        starting = [self._spawn(Lane.NAMED) for _ in range(size)] + [self._spawn(Lane.QUERY) for _ in range(self.query_size)]
        for worker in starting:
            if not self._ready(worker):
                self.close()
                raise GraphError("a worker process could not open the store")
            self._idle[worker.lane].put(worker)

    def _spawn(self, lane: Lane) -> _Worker:
        parent, child = self._ctx.Pipe()
        process = self._ctx.Process(target=_worker_main, args=(child, self.store, self.max_results, os.getpid(),
                                                               lane.value, self._limit[lane]),
                                    daemon=True, name=f"clausegraph-{lane.value}-worker")
        process.start()
        child.close()
        worker = _Worker(process, parent, lane)
        with self._lock:
            self._all.add(worker)
        return worker

    def _ready(self, worker: _Worker) -> bool:
        try:
            if not worker.conn.poll(self.START_TIMEOUT):
                return False
            said, sandboxed = worker.conn.recv()
        except (EOFError, OSError, TypeError, ValueError):
            return False
        self.sandboxed = sandboxed if self.sandboxed is None else self.sandboxed and sandboxed
        return said == "ready"

    def _replace(self, lane: Lane) -> None:
        """Start a worker for ``lane`` in the background; it joins the idle queue once ready."""
        def start() -> None:
            while not self._closed:
                worker = self._spawn(lane)
                if self._ready(worker) and not self._closed:
                    self._idle[lane].put(worker)
                    return
                self._discard(worker)
                time.sleep(1.0)
        if not self._closed:
            threading.Thread(target=start, daemon=True, name="clausegraph-respawn").start()

    def _discard(self, worker: _Worker) -> None:
        with self._lock:
            self._all.discard(worker)
        if worker.process.is_alive() and worker.process.pid:
            try:
                os.killpg(worker.process.pid, signal.SIGKILL)  # the worker and whatever it started
            except (ProcessLookupError, PermissionError):
                worker.process.kill()
        worker.process.join(timeout=5)
        worker.conn.close()

    def _retire(self, worker: _Worker) -> None:
        """Stop ``worker`` and start its replacement."""
        self._discard(worker)
        self._replace(worker.lane)

    def _take(self, lane: Lane) -> _Worker:
        if self._closed:
            raise ServerBusyError("the server is stopping")
        if lane is Lane.NAMED:
            for either in (Lane.NAMED, Lane.QUERY):
                try:
                    return self._idle[either].get_nowait()
                except queue.Empty:
                    pass
        wait = self.wait if lane is Lane.NAMED else min(self.wait, self.timeout)
        try:
            return self._idle[lane].get(timeout=wait)
        except queue.Empty:
            which = "worker" if lane is Lane.NAMED else f"worker for SPARQL queries ({self.query_size})"
            raise ServerBusyError(f"every {which} stayed busy for {wait:.0f} s; try again") from None

    def _stopped(self, worker: _Worker, why: str) -> ClauseGraphError:
        """The error for a request whose worker stopped (``why``: what the server saw), after replacing it."""
        self._retire(worker)
        code = worker.process.exitcode
        if why == "memory" or code == -signal.SIGABRT:  # Oxigraph aborts when an allocation fails
            with self._lock:
                self.memory_stops += 1
            return QueryMemoryError(f"stopped: it took the worker past its memory limit of {self._limit[worker.lane] >> 20:,} MB; "
                                    "the worker was replaced; narrow the query")
        if self._closed:
            return ServerBusyError("the server is stopping")
        return ServerBusyError("the worker answering this request stopped; it has been replaced, try again")

    def call(self, op: str, payload: dict, lane: Lane = Lane.NAMED) -> Reply:
        for _ in range(2):
            worker = self._take(lane)
            try:
                worker.conn.send((op, payload))
            except OSError:  # the worker died while idle: the request never reached it
                self._retire(worker)
                continue
            return self._await(worker)
        raise ServerBusyError("no worker could take the request; try again")

    def _await(self, worker: _Worker) -> Reply:
        """The worker's answer, within the time limit and the memory limit."""
        started = time.monotonic()
        deadline = started + self.timeout
        pid = worker.process.pid
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            try:
                if worker.conn.poll(min(left, MEMORY_POLL)):
                    reply = worker.conn.recv()
                    if reply[0] == 503 and b'"CG044"' in reply[2]:  # it ran out of address space and said so
                        self._retire(worker)
                        with self._lock:
                            self.memory_stops += 1
                    else:
                        self._idle[worker.lane].put(worker)
                    return reply
            except (EOFError, OSError):
                raise self._stopped(worker, "died") from None
            resident = _resident(pid)
            if resident is not None and resident > self._limit[worker.lane]:
                raise self._stopped(worker, "memory")
        self._retire(worker)
        with self._lock:
            self.stopped_queries += 1
        raise QueryTimeoutError(f"stopped after the time limit of {self.timeout:g} s "
                                f"(ran {time.monotonic() - started:.1f} s); narrow the query or raise --timeout")

    def close(self) -> None:
        self._closed = True
        with self._lock:
            workers = list(self._all)
        for worker in workers:
            self._discard(worker)

    @staticmethod
    def default_size() -> int:
        return max(1, min(8, os.cpu_count() or 1))
