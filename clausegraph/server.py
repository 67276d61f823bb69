"""``clausegraph serve``: a read-only SPARQL 1.1 endpoint, a JSON API and a web page, on loopback.

    GET  /                         the web page (ask, browse, precedence picture, SPARQL editor)
    GET  /static/<file>            its script and style, from the package (nothing from the network)
    GET  /sparql?query=...         SPARQL 1.1 Protocol; also POST form-encoded (query=...) or
    POST /sparql                   application/sparql-query (a POST without Content-Type is refused,
                                   415). Results by content negotiation: SPARQL JSON, XML, CSV, TSV;
                                   CONSTRUCT/DESCRIBE as Turtle, N-Triples, RDF/XML, JSON-LD. The
                                   dataset: default-graph-uri / named-graph-uri if given, else the
                                   query's FROM / FROM NAMED, else the union of all graphs
                                   (graph/dataset.py). Relative IRIs resolve against .../sparql.
    GET  /api/governs?question=... which clause governs (also POST JSON {"question": ..., "role": ...})
    GET  /api/context              the context fields and their values
    GET  /api/queries              the named queries (name, description, parameters, text)
    GET  /api/documents            the documents in the store
    GET  /api/outline?id=...       a document's sections and clauses
    GET  /api/node?iri=...         a node's text and its edges with the words that state them
    GET  /api/governs?...&picture=svg  the answer's chain drawn as SVG (the page shows it)
    GET  /api/view?name=precedence the drawing of a view, as an HTML fragment for the page
                                   (precedence: the map; &document=ID: that document drilled into)
    GET  /health                   {"ok": true, "stopped_queries": N, "stopped_for_memory": N,
                                    "workers_without_network": true}

Every error is one JSON shape: ``{"ok": false, "status": 400, "code": "CG040", "error": "..."}``.
Updates are refused (403, CG041). A query past the limits of graph/query_limits.py (length,
nesting, branches) or calling SERVICE is refused here (400, CG040) before any worker sees it.
Queries and questions run in worker processes (clausegraph/workers.py) under a time limit
(CG042), a result-size limit (CG043) and a memory limit (CG044); SPARQL the client wrote runs
in its own lane of workers, so named queries and questions never wait behind it. The answer to a
named query sent as it is (no parameter) is kept per store generation and sent again without a
worker (ReplyCache; ``--no-answer-cache`` turns it off).
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib.resources import files
from urllib.parse import parse_qs, urlsplit

from clausegraph.ontology.errors import ClauseGraphError, QueryError, UpdateRefusedError
from clausegraph.workers import DEFAULT_MEMORY_MB, Lane, Reply, WorkerPool, error_reply, http_status, json_reply

__all__ = ["ServerConfig", "serve", "make_server"]

MAX_BODY = 1_000_000  # bytes of a request body
DISCARD_LIMIT = 64_000_000  # bytes of a refused body read after the answer, so that the client reads it, not a reset
DISCARD_SECONDS = 2.0  # ... for at most this long, and only while the client goes on sending (0.25 s of silence ends it)
_HOST = re.compile(r"^(\[[0-9a-f:.]+\]|[^:\[\]/@]+)(?::\d{1,5})?$")
_BASE_HOST = re.compile(r"^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)(?::\d{1,5})?$")  # a Host that may stand in a base IRI
_STATIC = {
    "app.js": ("clausegraph.web", "app.js", "text/javascript; charset=utf-8"),
    "app.css": ("clausegraph.web", "app.css", "text/css; charset=utf-8"),
    "viewer.js": ("clausegraph.graph", "assets/viewer.js", "text/javascript; charset=utf-8"),
    "viewer.css": ("clausegraph.graph", "assets/viewer.css", "text/css; charset=utf-8"),
}
_LOOPBACK_NAMES = {"127.0.0.1", "localhost", "[::1]", "::1"}
_PAGE_CSP = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'"


@dataclass
class ServerConfig:
    store: str
    host: str = "127.0.0.1"
    port: int = 8000
    timeout: float = 10.0  # seconds per query or question
    max_results: int = 100_000  # rows or triples per answer
    workers: int | None = None  # NAMED workers (named queries, questions, the page's API)
    query_workers: int | None = None  # QUERY workers (SPARQL the client wrote); default half of ``workers``
    memory_mb: int = DEFAULT_MEMORY_MB  # resident memory per worker
    quiet: bool = False
    answer_cache: bool = True  # named queries' answers kept per store generation (ReplyCache)


class _Error(ClauseGraphError):
    """An HTTP-level error (not found, method not allowed, body too large, ...)."""

    code = "CG000"


def _read_static(name: str) -> tuple[bytes, str]:
    package, path, content_type = _STATIC[name]
    return files(package).joinpath(path).read_bytes(), content_type


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "clausegraph"
    sys_version = ""
    timeout = 60  # seconds an idle keep-alive connection is held
    server: _Server

    # ------------------------------------------------------------------ plumbing

    def setup(self) -> None:
        super().setup()
        # headers and body go out as two writes; without this, Nagle's algorithm holds the body
        # until the client's delayed ACK (40 ms on Linux) on every keep-alive request
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - the name BaseHTTPRequestHandler uses
        if not self.server.config.quiet:
            sys.stderr.write(f"{self.address_string()} {format % args}\n")

    def _send(self, reply: Reply, extra: dict | None = None) -> None:
        status, content_type, body = reply
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        self.send_header("Cache-Control", "no-store")
        for key, value in (extra or {}).items():
            self.send_header(key, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _fail(self, status: int, message: str, exc: ClauseGraphError | None = None, extra: dict | None = None) -> None:
        self._send(error_reply(exc or _Error(message), status), extra)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """http.server's own errors (bad request line, unknown method, headers too long) in the one JSON shape."""
        self.close_connection = True
        try:
            self._send(error_reply(_Error(message or HTTPStatus(code).phrase), code), {"Connection": "close"})
        except (BrokenPipeError, ConnectionResetError):
            pass

    def _body(self) -> bytes:
        """The request body, whatever the method: read, so that it cannot be taken for the next request."""
        if "Transfer-Encoding" in self.headers:
            self.close_connection = True
            raise _HTTPError(411, "send the body with a Content-Length, not a Transfer-Encoding")
        lengths = self.headers.get_all("Content-Length") or []
        if len(set(lengths)) > 1:
            self.close_connection = True
            raise _HTTPError(400, "the request has conflicting Content-Length headers")
        try:
            size = int(lengths[0]) if lengths else 0
        except ValueError:
            size = -1
        if size < 0:
            self.close_connection = True
            raise _HTTPError(400, "Content-Length is not a number of bytes")
        if size > MAX_BODY:  # answered at once; what the client sends meanwhile is read after the answer
            self.close_connection = True
            self._discard_after = size
            raise _HTTPError(413, f"the request body is larger than {MAX_BODY:,} bytes")
        return self.rfile.read(size) if size else b""

    def _discard_body(self, size: int) -> None:
        """After a refusal is sent: read (a bounded part of) the body the client may be sending, so
        that it reads the answer rather than a reset; a client that sends nothing is let go at once."""
        import select

        try:
            self.connection.shutdown(socket.SHUT_WR)  # the answer is complete
            left, deadline = min(size, DISCARD_LIMIT), time.monotonic() + DISCARD_SECONDS
            while left > 0 and time.monotonic() < deadline:
                if not select.select([self.connection], [], [], 0.25)[0]:
                    break
                chunk = self.connection.recv(min(left, 65536))
                if not chunk:
                    break
                left -= len(chunk)
        except (OSError, ValueError):
            pass

    def handle_expect_100(self) -> bool:
        length = self.headers.get("Content-Length", "")
        if length.isdigit() and int(length) > MAX_BODY:  # say no before the body is sent
            self.close_connection = True
            self._fail(413, f"the request body is larger than {MAX_BODY:,} bytes", extra={"Connection": "close"})
            return False
        return super().handle_expect_100()

    def _host_allowed(self) -> bool:
        """Bound to loopback, answer only requests addressed to loopback by name (no DNS rebinding)."""
        if self.server.config.host not in _LOOPBACK_NAMES:
            return True
        m = _HOST.match((self.headers.get("Host") or "").strip().lower())
        return bool(m) and m.group(1) in _LOOPBACK_NAMES

    def _same_site(self, path: str) -> bool:
        """Refuse what another web site's page sends here (it could run queries, or SERVICE calls, in
        the user's name); opening the page itself from a link is fine."""
        site = self.headers.get("Sec-Fetch-Site", "").strip().lower()
        opening_the_page = self.command in ("GET", "HEAD") and path in ("/", "/index.html") \
            and self.headers.get("Sec-Fetch-Mode", "").strip().lower() == "navigate"
        if site == "cross-site":
            return opening_the_page
        origin = self.headers.get("Origin")
        if origin is None:
            return True
        if origin.strip().lower() == "null":  # a sandboxed frame, a file:// page, a data: URL: no site of ours
            return site == "same-origin" or opening_the_page
        host = self.headers.get("Host") or ""
        return origin.strip().lower() in (f"http://{host}".lower(), f"https://{host}".lower())

    def _params(self, body: bytes | None = None) -> dict[str, list[str]]:
        try:
            query = parse_qs(urlsplit(self.path).query, keep_blank_values=True, max_num_fields=100)
        except ValueError:
            raise _HTTPError(400, "too many parameters in the URL (at most 100)") from None
        if body is not None:
            try:
                form = parse_qs(body.decode("utf-8"), keep_blank_values=True, strict_parsing=False, max_num_fields=100)
            except (UnicodeDecodeError, ValueError):
                raise _HTTPError(400, "the form body is not UTF-8 form-encoded text (at most 100 fields)") from None
            for key, values in form.items():
                query.setdefault(key, []).extend(values)
        return query

    def _endpoint(self) -> str:
        """The SPARQL endpoint's URL as the client addressed it: the base IRI of its queries."""
        host = (self.headers.get("Host") or "").strip()
        if not _BASE_HOST.match(host):
            address, port = self.server.server_address[:2]
            host = f"[{address}]:{port}" if ":" in address else f"{address}:{port}"
        return f"http://{host}/sparql"

    def _content_type(self) -> str:
        return (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()

    # ------------------------------------------------------------------ methods

    def do_GET(self) -> None:
        self._dispatch(False)

    def do_HEAD(self) -> None:
        self._dispatch(False)

    def do_POST(self) -> None:
        self._dispatch(True)

    def _method_not_allowed(self) -> None:
        self._discard_after = 0
        try:
            self._body()
        except _HTTPError:
            self.close_connection = True
        self._fail(405, f"{self.command} is not allowed; this server is read-only: use GET or POST",
                   extra={"Allow": "GET, HEAD, POST", **({"Connection": "close"} if self.close_connection else {})})
        if self._discard_after:
            self._discard_body(self._discard_after)

    do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_TRACE = do_CONNECT = _method_not_allowed

    def _dispatch(self, post: bool) -> None:
        with self.server.active_lock:
            self.server.active += 1
        try:
            self._route(post)
        finally:
            with self.server.active_lock:
                self.server.active -= 1

    def _one_header(self, name: str) -> None:
        if len(self.headers.get_all(name) or []) > 1:
            self.close_connection = True
            raise _HTTPError(400, f"the request has more than one {name} header")

    def _route(self, post: bool) -> None:
        self._discard_after = 0
        try:
            body = self._body()  # read whatever the method, so a body never becomes the next request
            for name in ("Host", "Origin", "Sec-Fetch-Site", "Sec-Fetch-Mode"):
                self._one_header(name)
            if not self.path.startswith("/"):
                self.close_connection = True
                raise _HTTPError(400, "the request target must be a path such as /sparql, not an absolute URL")
            if not self._host_allowed():
                raise _HTTPError(403, "this server answers requests addressed to 127.0.0.1 or localhost only")
            path = urlsplit(self.path).path
            if not self._same_site(path):
                raise _HTTPError(403, "requests from another web site's page are refused")
            route = _ROUTES.get(path)
            if route is None and path.startswith("/static/"):
                route = _static
            if route is None:
                raise _HTTPError(404, f"no such page: {path} (see / for the web page, /sparql for SPARQL)")
            route(self, body if post else None)
        except _HTTPError as exc:
            self._fail(exc.status, exc.message, extra={"Connection": "close"} if self.close_connection else None)
            if self._discard_after:
                self._discard_body(self._discard_after)
        except ClauseGraphError as exc:
            self._fail(http_status(exc), exc.message, exc)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        except Exception as exc:  # noqa: BLE001 - one JSON line, never a traceback to the client
            self._fail(500, f"internal error: {type(exc).__name__}: {exc}")


class _HTTPError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


def _one(params: dict[str, list[str]], name: str) -> str | None:
    values = params.get(name)
    if not values:
        return None
    if len(values) > 1:
        raise _HTTPError(400, f"give {name!r} once, not {len(values)} times")
    return values[0]


# ---------------------------------------------------------------------------- routes

def _page(handler: _Handler, body: bytes | None) -> None:
    if body is not None:
        raise _HTTPError(405, "POST is not allowed on the page")
    html = files("clausegraph.web").joinpath("index.html").read_bytes()
    handler._send((200, "text/html; charset=utf-8", html), {"Content-Security-Policy": _PAGE_CSP})


def _static(handler: _Handler, body: bytes | None) -> None:
    name = urlsplit(handler.path).path.removeprefix("/static/")
    if name not in _STATIC:
        raise _HTTPError(404, f"no such file: /static/{name}")
    data, content_type = _read_static(name)
    handler._send((200, content_type, data))


def _sparql(handler: _Handler, body: bytes | None) -> None:
    content_type = handler._content_type()
    if body is not None and content_type == "application/sparql-update":
        raise UpdateRefusedError("updates are not allowed: this endpoint is read-only")
    if body is not None and content_type == "application/sparql-query":
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            raise _HTTPError(400, "the query is not UTF-8 text") from None
        params = handler._params()
    elif body is not None and content_type != "application/x-www-form-urlencoded":
        given = f"not {content_type}" if content_type else "and say which with a Content-Type header"
        raise _HTTPError(415, f"POST the query as application/x-www-form-urlencoded or application/sparql-query, {given}")
    else:
        params = handler._params(body)
        if "update" in params:
            raise UpdateRefusedError("updates are not allowed: this endpoint is read-only")
        text = _one(params, "query")
    if not text or not text.strip():
        raise _HTTPError(400, "give a query: /sparql?query=SELECT ... (or POST it)")
    from clausegraph.graph.sparql import check_query

    check_query(text)  # too long, too deep, too many branches, SERVICE: refused before any worker
    named = text.strip() in _named_texts()
    payload = {"query": text, "accept": handler.headers.get("Accept"), "base": handler._endpoint(),
               # the protocol's dataset replaces the query's FROM / FROM NAMED (graph/dataset.py)
               "default_graphs": params.get("default-graph-uri", []), "named_graphs": params.get("named-graph-uri", [])}
    cache = handler.server.replies if named else None  # None: no cache, or not a named query
    key = cache.key(payload) if cache is not None else None
    reply = cache.get(key) if key is not None else None
    if reply is None:
        reply = handler.server.pool.call("sparql", payload, Lane.NAMED if named else Lane.QUERY)
        if key is not None:
            cache.put(key, reply)
    handler._send(reply, {"Vary": "Accept"})


class ReplyCache:
    """The answers to the named queries, per store generation.

    A named query's text has no parameter in it, so its answer is a function of the store's
    generation and of the request (Accept, base IRI, dataset): kept under that key, it is sent
    again without a worker. The generation is read from the store's CURRENT file on every request
    (its name, and the inode and time of the file, which ingest replaces atomically on each
    publish), so a new generation misses at once and the older answers are dropped. A worker
    reads CURRENT after the server does, so an answer is never kept under a newer generation than
    its own. Only 200 answers are kept, at most MAX_ENTRIES of them and MAX_BYTES in all.
    """

    MAX_ENTRIES = 256
    MAX_BYTES = 64 << 20

    def __init__(self, store: str) -> None:
        disk = store != ":memory:" and "://" not in store
        self.current = os.path.join(store, "CURRENT") if disk else None
        self._lock = threading.Lock()
        self._generation: tuple | None = None
        self._entries: dict[tuple, Reply] = {}
        self._bytes = 0
        self.hits = 0

    def generation(self) -> tuple | None:
        if self.current is None:
            return None
        try:
            with open(self.current, "rb") as fh:
                st = os.fstat(fh.fileno())
                return fh.read(64), st.st_ino, st.st_dev, st.st_mtime_ns
        except OSError:
            return None

    def key(self, payload: dict) -> tuple | None:
        generation = self.generation()
        if generation is None:
            return None
        return (generation, payload["query"], payload.get("accept"), payload.get("base"),
                tuple(payload.get("default_graphs") or ()), tuple(payload.get("named_graphs") or ()))

    def get(self, key: tuple) -> Reply | None:
        with self._lock:
            reply = self._entries.get(key)
            if reply is not None:
                self.hits += 1
            return reply

    def put(self, key: tuple, reply: Reply) -> None:
        if reply[0] != 200 or len(reply[2]) > self.MAX_BYTES // 8:
            return
        with self._lock:
            if key[0] != self._generation:  # a new generation: the older answers go
                self._entries.clear()
                self._bytes, self._generation = 0, key[0]
            if len(self._entries) >= self.MAX_ENTRIES or self._bytes + len(reply[2]) > self.MAX_BYTES:
                return
            if key not in self._entries:
                self._entries[key] = reply
                self._bytes += len(reply[2])


_NAMED_TEXTS: frozenset[str] | None = None


def _named_texts() -> frozenset[str]:
    """The text of every named query: sent as it is (the page's editor does), it runs in the NAMED lane."""
    global _NAMED_TEXTS
    if _NAMED_TEXTS is None:
        from clausegraph.queries.named import named_queries

        _NAMED_TEXTS = frozenset(q.text.strip() for q in named_queries().values())
    return _NAMED_TEXTS


def _governs(handler: _Handler, body: bytes | None) -> None:
    content_type = handler._content_type()
    if body is not None and content_type == "application/json":
        try:
            payload = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise _HTTPError(400, f"the body is not JSON: {exc}") from None
        if not isinstance(payload, dict):
            raise _HTTPError(400, 'the body must be a JSON object: {"question": "...", "role": "business"}')
        payload = {k: v for k, v in payload.items() if v not in (None, "")}
        if any(not isinstance(v, str) for v in payload.values()):
            raise _HTTPError(400, "every value of the JSON object must be a string")
    else:
        params = handler._params(body)
        payload = {k: v for k in params if (v := _one(params, k)) not in (None, "")}
    handler._send(handler.server.pool.call("governs", payload))


def _queries(handler: _Handler, body: bytes | None) -> None:
    from clausegraph.queries.named import named_queries

    out = [{"name": q.name, "description": q.description, "text": q.text,
            "params": [{"name": p.name, "required": p.required, "description": p.description} for p in q.params]}
           for q in named_queries().values()]
    handler._send(json_reply(out))


def _pooled(op: str, *names: str) -> Callable[[_Handler, bytes | None], None]:
    def route(handler: _Handler, body: bytes | None) -> None:
        params = handler._params(body)
        handler._send(handler.server.pool.call(op, {n: _one(params, n) for n in names}))
    return route


def _health(handler: _Handler, body: bytes | None) -> None:
    pool = handler.server.pool
    handler._send(json_reply({"ok": True, "stopped_queries": pool.stopped_queries, "stopped_for_memory": pool.memory_stops,
                              "workers_without_network": bool(pool.sandboxed)}))


_ROUTES: dict[str, Callable[[_Handler, bytes | None], None]] = {
    "/": _page,
    "/index.html": _page,
    "/sparql": _sparql,
    "/api/governs": _governs,
    "/api/context": _pooled("context"),
    "/api/queries": _queries,
    "/api/documents": _pooled("documents"),
    "/api/outline": _pooled("outline", "id"),
    "/api/node": _pooled("node", "iri"),
    "/api/view": _pooled("view", "name", "document"),
    "/health": _health,
}


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 512
    pool: WorkerPool

    def __init__(self, config: ServerConfig) -> None:
        self.config = config
        self.replies = ReplyCache(config.store) if config.answer_cache else None  # named queries' answers, per generation
        self.active, self.active_lock = 0, threading.Lock()  # requests being answered
        if ":" in config.host:
            self.address_family = socket.AF_INET6
        super().__init__((config.host, config.port), _Handler)

    def wait_idle(self, seconds: float) -> None:
        """Wait until no request is being answered, at most ``seconds``."""
        deadline = time.monotonic() + seconds
        while self.active and time.monotonic() < deadline:
            time.sleep(0.05)


def make_server(config: ServerConfig) -> _Server:
    """The server, bound and with its workers started; call ``serve_forever()``."""
    if config.timeout <= 0 or config.max_results <= 0:
        raise QueryError("--timeout and --max-results must be positive")
    if config.workers is not None and not 1 <= config.workers <= 64:
        raise QueryError("--workers must be between 1 and 64")
    if config.query_workers is not None and not 1 <= config.query_workers <= 64:
        raise QueryError("--query-workers must be between 1 and 64")
    if config.memory_mb < 64:
        raise QueryError("--memory must be at least 64 (MB per worker)")
    if not 0 <= config.port <= 65535:
        raise QueryError("--port must be between 0 and 65535")
    try:
        server = _Server(config)  # bind first: a port in use starts no worker
    except OSError as exc:
        raise ClauseGraphError(f"cannot listen on {config.host}:{config.port}: {exc.strerror or exc}") from None
    try:
        server.pool = WorkerPool(config.store, size=config.workers or WorkerPool.default_size(), timeout=config.timeout,
                                 max_results=config.max_results, query_workers=config.query_workers,
                                 memory_mb=config.memory_mb)
    except BaseException:
        server.server_close()
        raise
    return server


def serve(config: ServerConfig, announce: Callable[[str], None] = print) -> int:
    """Serve until interrupted (Ctrl-C or SIGTERM); returns the exit code."""
    server = make_server(config)
    host, port = server.server_address[:2]
    shown = f"[{host}]" if ":" in host else host
    announce(f"clausegraph serving http://{shown}:{port}/ (SPARQL at http://{shown}:{port}/sparql; "
             f"{server.pool.size} workers and {server.pool.query_size} for other SPARQL; {config.timeout:g} s, "
             f"{config.max_results:,} results and {config.memory_mb:,} MB per query). Ctrl-C stops.")
    if not server.pool.sandboxed:
        announce("warning: the workers could not give up the network on this system (seccomp needs Linux on x86_64 "
                 "or aarch64); SERVICE is still refused by the query check")
    def on_signal(signum, frame) -> None:
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, on_signal)
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        server.wait_idle(3.0)  # let requests in flight finish
        server.pool.close()
        server.wait_idle(2.0)  # ... or be told the server stops
    announce("clausegraph server stopped")
    return 0
