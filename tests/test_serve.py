"""``clausegraph serve`` as a real subprocess on a free loopback port, spoken to over HTTP."""

from __future__ import annotations

import http.client
import io
import json
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest
import rdflib
from rdflib.query import Result

from clausegraph.server import ServerConfig
from tests.conftest import start_server, stop_server

TITLES = "SELECT ?title WHERE { ?d a cg:Document ; dcterms:title ?title } ORDER BY ?title"
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


def request(server, path: str, *, method: str = "GET", body: bytes | None = None, headers: dict | None = None):
    """(status, headers, body) of one request; errors are answers too."""
    req = urllib.request.Request(server.url + path, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:
            return resp.status, resp.headers, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers, exc.read()


def sparql_get(server, query: str, accept: str | None = None):
    return request(server, "/sparql?" + urllib.parse.urlencode({"query": query}), headers={"Accept": accept} if accept else {})


def assert_error(status, headers, body, expected_status: int, code: str | None = None) -> dict:
    assert status == expected_status, body
    assert headers["Content-Type"].startswith("application/json")
    payload = json.loads(body)
    assert set(payload) == {"ok", "status", "code", "error"}, payload  # one error shape for every error
    assert payload["ok"] is False and payload["status"] == expected_status and payload["error"]
    if code:
        assert payload["code"] == code, payload
    return payload


# ---------------------------------------------------------------------------- SPARQL 1.1 Protocol

def test_get_post_form_and_post_query_give_the_same_rows(server):
    ten = 10
    _, h1, get = sparql_get(server, TITLES)
    _, _, form = request(server, "/sparql", method="POST", body=urllib.parse.urlencode({"query": TITLES}).encode(),
                         headers={"Content-Type": "application/x-www-form-urlencoded"})
    _, _, direct = request(server, "/sparql", method="POST", body=TITLES.encode(),
                           headers={"Content-Type": "application/sparql-query"})
    assert h1["Content-Type"].startswith("application/sparql-results+json")
    rows = [b["title"]["value"] for b in json.loads(get)["results"]["bindings"]]
    assert len(rows) == ten and "Terms of Service" in rows
    assert json.loads(get) == json.loads(form) == json.loads(direct)


@pytest.mark.parametrize("accept,fmt", [
    ("application/sparql-results+json", "json"), ("application/sparql-results+xml", "xml"),
    ("text/csv", "csv"), ("text/tab-separated-values", "tsv"),
    ("text/html;q=0.9, text/csv;q=0.5, application/sparql-results+xml;q=0.7", "xml"),
])
def test_select_results_by_content_negotiation_read_by_rdflib(server, accept, fmt):
    status, headers, body = sparql_get(server, "SELECT ?d ?title ?eff WHERE { ?d a cg:Document ; dcterms:title ?title ; "
                                               "cg:effectiveDate ?eff } ORDER BY ?title", accept)
    assert status == 200
    assert headers["Vary"] == "Accept"
    result = Result.parse(io.BytesIO(body), format=fmt)
    rows = list(result)
    assert len(rows) == 10
    first = rows[0]
    assert str(first[1]) == "Additional Terms for La Plateforme"  # ORDER BY compares code points: "L" < "c"
    if fmt != "csv":  # CSV carries plain strings; the others keep the datatype
        assert first[2].datatype == rdflib.XSD.date


def test_ask_as_json_and_xml(server):
    for accept, fmt in (("application/sparql-results+json", "json"), ("application/sparql-results+xml", "xml")):
        status, _, body = sparql_get(server, "ASK { ?d a cg:Document }", accept)
        assert status == 200 and Result.parse(io.BytesIO(body), format=fmt).askAnswer is True


@pytest.mark.parametrize("accept,reader,ctype", [
    ("text/turtle", "turtle", "text/turtle"), ("application/n-triples", "nt", "application/n-triples"),
    ("application/ld+json", "json-ld", "application/ld+json"), (None, "turtle", "text/turtle"),
])
def test_construct_and_describe_as_rdf(server, accept, ctype, reader):
    query = "CONSTRUCT { ?d dcterms:title ?t } WHERE { ?d a cg:Document ; dcterms:title ?t }"
    status, headers, body = sparql_get(server, query, accept)
    assert status == 200 and headers["Content-Type"].startswith(ctype)
    g = rdflib.Graph().parse(data=body.decode(), format=reader)
    assert len(g) == 10
    status, _, body = sparql_get(server, "DESCRIBE <https://w3id.org/clausegraph/id/mistral-ai/terms-of-service/2025-02-06>", accept)
    assert status == 200 and len(rdflib.Graph().parse(data=body.decode(), format=reader)) > 5


def test_unacceptable_media_type_is_406(server):
    assert_error(*sparql_get(server, TITLES, "image/png"), 406, "CG040")
    assert_error(*sparql_get(server, "CONSTRUCT WHERE { ?s a cg:Document }", "text/csv"), 406, "CG040")


@pytest.mark.parametrize("how", ["form-update", "sparql-update", "query-insert", "query-drop"])
def test_updates_are_refused(server, how):
    if how == "form-update":
        answer = request(server, "/sparql", method="POST", body=b"update=DROP+ALL",
                         headers={"Content-Type": "application/x-www-form-urlencoded"})
    elif how == "sparql-update":
        answer = request(server, "/sparql", method="POST", body=b"INSERT DATA { <urn:a> <urn:b> <urn:c> }",
                         headers={"Content-Type": "application/sparql-update"})
    elif how == "query-insert":
        answer = sparql_get(server, "INSERT DATA { <urn:a> <urn:b> <urn:c> }")
    else:
        answer = sparql_get(server, "PREFIX x: <urn:x>\nDROP ALL")
    payload = assert_error(*answer, 403, "CG041")
    assert "read-only" in payload["error"]
    assert json.loads(sparql_get(server, "SELECT (COUNT(*) AS ?n) WHERE { ?d a cg:Document }")[2])["results"]["bindings"][0]["n"]["value"] == "10"


def test_syntax_error_says_where(server):
    payload = assert_error(*sparql_get(server, "SELECT ?x WHERE { ?x ?y }"), 400, "CG040")
    assert "line 1" in payload["error"]


def test_runaway_query_is_stopped_and_the_server_keeps_serving(server):
    started = time.monotonic()
    payload = assert_error(*sparql_get(server, RUNAWAY), 503, "CG042")
    took = time.monotonic() - started
    assert "time limit of 2 s" in payload["error"]
    assert took < 30  # it was stopped, not run to the end (which takes hours)
    for _ in range(4):  # both workers answer again
        status, _, body = sparql_get(server, TITLES)
        assert status == 200 and len(json.loads(body)["results"]["bindings"]) == 10
    assert json.loads(request(server, "/health")[2])["stopped_queries"] >= 1


def test_result_size_limit(server):
    payload = assert_error(*sparql_get(server, "SELECT * WHERE { ?s ?p ?o }"), 422, "CG043")
    assert "more than 2,000 rows" in payload["error"] and "LIMIT" in payload["error"]
    assert_error(*sparql_get(server, "CONSTRUCT WHERE { ?s ?p ?o }", "text/turtle"), 422, "CG043")
    status, _, body = sparql_get(server, "SELECT * WHERE { ?s ?p ?o } LIMIT 2000")
    assert status == 200 and len(json.loads(body)["results"]["bindings"]) == 2000


# ---------------------------------------------------------------------------- errors of HTTP itself

def test_every_http_error_has_the_same_json_shape(server):
    assert_error(*request(server, "/no/such/page"), 404)
    assert_error(*request(server, "/sparql", method="PUT", body=b"x"), 405)
    assert_error(*request(server, "/sparql"), 400)
    assert_error(*request(server, "/sparql", method="POST", body=b"x" * 1_000_001,
                          headers={"Content-Type": "application/sparql-query"}), 413)
    assert_error(*request(server, "/sparql", method="POST", body=b"<q/>", headers={"Content-Type": "text/xml"}), 415)
    assert_error(*request(server, "/sparql?query=ASK%7B%7D&query=ASK%7B%7D"), 400)
    assert_error(*request(server, "/sparql", method="POST", body=b"\xff\xfe",
                          headers={"Content-Type": "application/sparql-query"}), 400)


def test_requests_for_another_host_name_are_refused(server):
    """Bound to loopback, the server ignores requests a web page sent through a rebound DNS name."""
    assert_error(*request(server, "/health", headers={"Host": "attacker.example"}), 403)
    assert request(server, "/health", headers={"Host": "localhost"})[0] == 200


def test_binds_to_loopback_by_default():
    assert ServerConfig(store="x").host == "127.0.0.1"


# ---------------------------------------------------------------------------- JSON API and page

def test_governs_api_get_and_post_json(server):
    q = {"question": "Which law governs a dispute?", "role": "consumer", "region": "eu"}
    status, _, body = request(server, "/api/governs?" + urllib.parse.urlencode(q))
    assert status == 200
    res = json.loads(body)
    assert res["question"] == q["question"] and res["context"]["region"] == "eu"
    assert {"answer", "candidates", "precedence", "explanation", "status"} <= set(res)
    status, _, posted = request(server, "/api/governs", method="POST", body=json.dumps(q).encode(),
                                headers={"Content-Type": "application/json"})
    assert status == 200 and json.loads(posted) == res
    assert res["answer"] is not None
    text = res["answer"]["clause"]["text"]
    assert res["answer"]["matched"] and all(0 <= a < b <= len(text) for a, b in res["answer"]["matched"])


@pytest.mark.parametrize("payload,fragment", [
    ({"question": "x", "role": "alien"}, "role"),
    ({"role": "consumer"}, "question"),
    ({"question": "x", "colour": "blue"}, "colour"),
    ({"question": "x", "as_of": "yesterday"}, "as_of"),
])
def test_governs_api_bad_input(server, payload, fragment):
    answer = request(server, "/api/governs", method="POST", body=json.dumps(payload).encode(),
                     headers={"Content-Type": "application/json"})
    assert fragment in assert_error(*answer, 400, "CG040")["error"]
    assert_error(*request(server, "/api/governs", method="POST", body=b"{not json",
                          headers={"Content-Type": "application/json"}), 400)


def test_browse_api(server):
    docs = json.loads(request(server, "/api/documents")[2])
    assert {d["id"] for d in docs} >= {"terms-of-service", "privacy-policy"}
    outline = json.loads(request(server, "/api/outline?id=data-processing-agreement")[2])
    clause = next(r for r in outline if r["type"] == "clause" and r["node"].endswith("/11.2/p1"))  # "... the DPA shall prevail"
    node = json.loads(request(server, "/api/node?" + urllib.parse.urlencode({"iri": clause["node"]}))[2])
    assert node["iri"] == clause["node"]
    stated = [e for e in node["edges"] if e["relation"] == "prevailsOver"]
    assert stated and all(e["words"] in node["text"] for e in stated)
    assert_error(*request(server, "/api/node?iri=urn:nothing"), 404)
    assert_error(*request(server, "/api/outline"), 400)


def test_page_and_static_files_come_from_the_package(server):
    status, headers, body = request(server, "/")
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    page = body.decode()
    for src in ("/static/viewer.js", "/static/app.js", "/static/app.css", "/static/viewer.css"):
        assert src in page
        assert request(server, src)[0] == 200
    assert "http://" not in page and "https://" not in page
    assert_error(*request(server, "/static/../pyproject.toml"), 404)
    names = {q["name"] for q in json.loads(request(server, "/api/queries")[2])}
    assert {"documents", "precedence", "outline"} <= names


def test_keep_alive_connection_serves_many_requests(server):
    host, port = server.url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=30)
    for _ in range(20):
        conn.request("GET", "/sparql?" + urllib.parse.urlencode({"query": "ASK { ?s ?p ?o }"}))
        resp = conn.getresponse()
        assert resp.status == 200 and json.loads(resp.read())["boolean"] is True
    conn.close()


def test_server_stops_cleanly_on_sigterm(bundled_store):
    srv = start_server(bundled_store, "--workers", "1")
    assert request(srv, "/health")[0] == 200
    err = stop_server(srv)
    assert srv.process.returncode == 0 and "stopped" in err and "Traceback" not in err


def test_port_in_use_is_one_clear_line(bundled_store, server):
    from tests.conftest import run_cli

    port = server.url.rsplit(":", 1)[1]
    done = run_cli("serve", "--port", port, store=bundled_store, timeout=60)
    assert done.returncode == 1 and "cannot listen" in done.stderr and "Traceback" not in done.stderr


def test_server_reads_the_new_generation_after_an_ingest(tmp_path):
    """An ingest while the server runs is seen by the next query, with no restart."""
    import clausegraph
    from tests.conftest import ROOT

    store = tmp_path / "store"
    kg = clausegraph.open(store)
    kg.ingest()
    srv = start_server(store, "--workers", "1")
    try:
        count = "SELECT (COUNT(?d) AS ?n) WHERE { ?d a cg:Document }"
        assert json.loads(sparql_get(srv, count)[2])["results"]["bindings"][0]["n"]["value"] == "10"
        report = kg.ingest([ROOT / "tests" / "fixtures" / "mini-terms.md"], publisher="Example AI")
        assert report.added >= 1
        assert json.loads(sparql_get(srv, count)[2])["results"]["bindings"][0]["n"]["value"] == str(10 + report.added)
        docs = {d["id"] for d in json.loads(request(srv, "/api/documents")[2])}
        assert any(d.startswith("example-") for d in docs)
    finally:
        stop_server(srv)
        kg.close()


def test_named_query_answers_are_kept_per_generation_and_dropped_on_an_ingest(tmp_path):
    """The server keeps the answer to a named query (no parameter) for the store's generation; an
    ingest publishes a new generation, and the next request is answered from it, not from the cache."""
    import clausegraph
    from clausegraph.queries.named import named_queries
    from tests.conftest import ROOT

    store = tmp_path / "store"
    kg = clausegraph.open(store)
    kg.ingest()
    srv = start_server(store, "--workers", "1")
    try:
        text = named_queries()["documents"].text
        first = sparql_get(srv, text)
        assert first[0] == 200 and sparql_get(srv, text)[2] == first[2]  # the second from the cache
        before = {b["id"]["value"] for b in json.loads(first[2])["results"]["bindings"]}
        report = kg.ingest([ROOT / "tests" / "fixtures" / "mini-terms.md"], publisher="Example AI")
        assert report.added >= 1
        after = {b["id"]["value"] for b in json.loads(sparql_get(srv, text)[2])["results"]["bindings"]}
        assert before < after and any(d.startswith("example-") for d in after - before)
        assert sparql_get(srv, text, "text/csv")[2].decode().count("example-") >= 1  # each format its own entry
    finally:
        stop_server(srv)
        kg.close()


def test_reply_cache_key_follows_the_current_file(tmp_path):
    import os

    from clausegraph.server import ReplyCache

    (tmp_path / "CURRENT").write_text("gen-000001")
    cache = ReplyCache(str(tmp_path))
    payload = {"query": "SELECT * WHERE { ?s ?p ?o }", "accept": None, "base": "http://127.0.0.1:1/sparql"}
    key = cache.key(payload)
    cache.put(key, (200, "application/sparql-results+json", b"old"))
    assert cache.get(cache.key(payload)) == (200, "application/sparql-results+json", b"old")
    cache.put(cache.key({**payload, "accept": "text/csv"}), (400, "application/json", b"error"))
    assert cache.get(cache.key({**payload, "accept": "text/csv"})) is None  # only 200 answers are kept
    (tmp_path / "next").write_text("gen-000002")
    os.replace(tmp_path / "next", tmp_path / "CURRENT")  # as ingest publishes a generation
    new = cache.key(payload)
    assert new != key and cache.get(new) is None
    cache.put(new, (200, "application/sparql-results+json", b"new"))
    assert cache.get(key) is None and cache.get(new)[2] == b"new"  # the older generation's answers are gone
    assert ReplyCache(":memory:").key(payload) is None and ReplyCache("http://127.0.0.1:7878/query").key(payload) is None


def test_serve_refuses_an_in_memory_store():
    from tests.conftest import run_cli

    done = run_cli("--store", ":memory:", "serve", timeout=60)
    assert done.returncode == 1 and "needs a store on disk" in done.stderr and "Traceback" not in done.stderr


def test_readme_serve_examples_run_as_written(server):
    """The curl lines of the README's "Serve it" block, pointed at the test server's port."""
    import re
    import shlex
    import shutil
    import subprocess

    from tests.conftest import ROOT, require_tool

    require_tool(shutil.which("curl") is not None, "curl")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"## Serve it\n.*?```bash\n(.*?)```", readme, re.DOTALL).group(1)
    lines = [line for line in block.splitlines() if line.startswith("curl ")]
    assert len(lines) >= 2
    for line in lines:
        argv = shlex.split(line.replace("http://127.0.0.1:8000", server.url))
        done = subprocess.run([*argv, "--silent", "--show-error", "--fail"], capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, (line, done.stderr)
        assert done.stdout.strip() and '"ok": false' not in done.stdout



# ---------------------------------------------------------------------------- protocol edge cases, found in review

def raw_exchange(server, data: bytes, *, read_for: float = 3.0) -> bytes:
    """Send raw bytes on one connection; everything the server answers until it closes or goes quiet."""
    import socket

    host, port = server.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=read_for) as sock:
        sock.sendall(data)
        chunks = []
        try:
            while True:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                chunks.append(chunk)
        except TimeoutError:
            pass
    return b"".join(chunks)


def test_a_body_is_never_read_as_the_next_request(server):
    host = server.url.removeprefix("http://")
    smuggled = f"GET /health HTTP/1.1\r\nHost: {host}\r\n\r\n".encode()
    for method in ("PUT", "GET", "DELETE"):
        head = f"{method} /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: {host}\r\nContent-Length: {len(smuggled)}\r\n\r\n"
        answer = raw_exchange(server, head.encode() + smuggled, read_for=2.0)
        assert answer.count(b"HTTP/1.1 ") == 1, (method, answer[:300])


def test_bad_content_lengths_are_refused(server):
    host = server.url.removeprefix("http://")
    for header in ("Content-Length: -1", "Content-Length: 12x", "Content-Length: 3\r\nContent-Length: 4",
                   "Transfer-Encoding: gzip, chunked"):
        answer = raw_exchange(server, f"POST /sparql HTTP/1.1\r\nHost: {host}\r\n{header}\r\n\r\nabc".encode())
        status = int(answer.split(b" ", 2)[1])
        assert status in (400, 411), (header, answer[:200])
        assert b'"ok": false' in answer


def test_a_large_body_gets_its_413(server):
    conn = http.client.HTTPConnection(*server.url.removeprefix("http://").split(":"), timeout=60)
    conn.request("POST", "/sparql", body=b"x" * 4_000_000, headers={"Content-Type": "application/sparql-query"})
    resp = conn.getresponse()
    assert resp.status == 413 and json.loads(resp.read())["status"] == 413
    conn.close()


def test_http_servers_own_errors_are_json(server):
    for data in (b"OPTIONS /sparql HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", b"BREW /sparql HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
                 b"GET /" + b"a" * 70000 + b" HTTP/1.1\r\n\r\n"):
        answer = raw_exchange(server, data)
        head, _, body = answer.partition(b"\r\n\r\n")
        assert b"application/json" in head, head[:200]
        assert json.loads(body)["ok"] is False
        if data.startswith(b"OPTIONS"):
            assert b"Allow: GET, HEAD, POST" in head


def test_too_many_parameters_is_a_400(server):
    query = "&".join(f"p{i}=1" for i in range(150))
    assert_error(*request(server, "/sparql?" + query), 400)
    assert_error(*request(server, "/api/governs?" + query), 400)


def test_service_calls_are_refused(server):
    for query in ("SELECT * WHERE { SERVICE <http://127.0.0.1:1/sparql> { ?s ?p ?o } }",
                  "select * { service silent <ftp://x/> { ?s ?p ?o } }"):
        assert "SERVICE is not allowed" in assert_error(*sparql_get(server, query), 400, "CG040")["error"]
    # the word inside a string or an IRI is data
    status, _, body = sparql_get(server, 'SELECT ?x WHERE { BIND("SERVICE" AS ?x) }')
    assert status == 200 and json.loads(body)["results"]["bindings"][0]["x"]["value"] == "SERVICE"


def test_requests_from_another_site_are_refused(server):
    form = urllib.parse.urlencode({"query": "ASK {}"}).encode()
    assert_error(*request(server, "/sparql", method="POST", body=form,
                          headers={"Content-Type": "application/x-www-form-urlencoded", "Origin": "https://attacker.example"}), 403)
    assert_error(*request(server, "/sparql?query=ASK%7B%7D", headers={"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "no-cors"}), 403)
    # following a link to the page is fine, and so is the page's own origin
    assert request(server, "/", headers={"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "navigate"})[0] == 200
    assert request(server, "/sparql", method="POST", body=form,
                   headers={"Content-Type": "application/x-www-form-urlencoded", "Origin": server.url})[0] == 200


def test_host_header_is_matched_exactly(server):
    port = server.url.rsplit(":", 1)[1]
    assert request(server, "/health", headers={"Host": f"LOCALHOST:{port}"})[0] == 200
    for host in ("[::1]evil.com", "localhost.evil.com", "127.0.0.1@evil.com", f"evil.com:{port}"):
        assert_error(*request(server, "/health", headers={"Host": host}), 403)


def test_q_zero_refuses_a_type(server):
    status, headers, _ = sparql_get(server, TITLES, "application/sparql-results+json;q=0, */*")
    assert status == 200 and not headers["Content-Type"].startswith("application/sparql-results+json")
    status, headers, _ = sparql_get(server, TITLES, "text/csv;Q=0.1, application/sparql-results+xml;q=0.5")
    assert headers["Content-Type"].startswith("application/sparql-results+xml")


def test_a_dead_idle_worker_is_replaced_without_failing_a_request(bundled_store):
    import os
    import signal
    from pathlib import Path

    srv = start_server(bundled_store, "--workers", "1")
    try:
        assert sparql_get(srv, "ASK {}")[0] == 200
        children = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == srv.process.pid:  # the parent pid
                children.append(stat.parent.name)
        assert children
        for pid in children:
            os.kill(int(pid), signal.SIGKILL)
        time.sleep(0.5)
        status, _, body = sparql_get(srv, "ASK { ?s ?p ?o }")
        assert status == 200 and json.loads(body)["boolean"] is True
    finally:
        stop_server(srv)


def test_sigterm_during_a_query_answers_it_and_stops_cleanly(bundled_store):
    import threading

    srv = start_server(bundled_store, "--workers", "1", "--timeout", "30")
    answers = []
    t = threading.Thread(target=lambda: answers.append(sparql_get(srv, RUNAWAY)))
    t.start()
    time.sleep(1.5)
    err = stop_server(srv)
    t.join(timeout=30)
    assert answers and answers[0][0] == 503 and json.loads(answers[0][2])["code"] == "CG060"
    assert "Traceback" not in err and srv.process.returncode == 0


@pytest.mark.parametrize("args,fragment", [(["--workers", "0"], "--workers"), (["--port", "70000"], "--port"),
                                           (["--query-workers", "0"], "--query-workers"), (["--memory", "10"], "--memory")])
def test_bad_serve_options_are_one_line(bundled_store, args, fragment):
    from tests.conftest import run_cli

    done = run_cli("serve", *args, store=bundled_store, timeout=60)
    assert done.returncode == 2 and fragment in done.stderr and "Traceback" not in done.stderr
