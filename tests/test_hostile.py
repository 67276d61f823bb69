"""Hostile input: nothing a query, a page or a request holds makes clausegraph call the network,
crash, or grow out of proportion.

The SERVICE tests use an oracle that cannot be talked round: a socket listening on loopback
that must never be called, by the server or the CLI; and whatever query makes Oxigraph itself,
given the text directly, connect to it must be caught by the check.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import urllib.parse

import pyoxigraph as ox
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clausegraph.graph.sparql import run_query, uses_service
from clausegraph.ontology.errors import QueryError
from tests.conftest import run_cli
from tests.test_serve import assert_error, request, sparql_get


class Listener:
    """A TCP socket on a free loopback port that counts the connections made to it.

    A connection is counted before it is closed, so once a client has seen it closed, it is counted.
    """

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.calls = 0
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.calls += 1
            conn.close()

    def close(self) -> None:
        try:
            self.sock.shutdown(socket.SHUT_RDWR)  # wakes the accept() under way (close alone does not)
        except OSError:
            pass
        self.sock.close()
        self._thread.join(timeout=5)


@pytest.fixture
def listener():
    ear = Listener()
    yield ear
    ear.close()


def service_calls(port: int) -> list[str]:
    """Ways of writing a SERVICE call to ``port`` that a simple scanner of the text can miss."""
    endpoint = f"http://127.0.0.1:{port}/sparql"
    return [
        # the issue's reproduction: the escape ends the IRI for Oxigraph, not for a regex, and "#" then hid the rest
        f"SELECT * WHERE {{ VALUES ?z {{ <http://x/\\u0041#> }} SERVICE <{endpoint}> {{ ?a ?b ?x }} }}",
        # "<" as less-than, read by a scanner as the start of an IRI that holds the call
        f"SELECT * WHERE {{ ?a ?b ?c FILTER(?a <?b)SERVICE#>\n<{endpoint}>{{ ?x ?y ?z }} }}",
        # a comment ended by a carriage return alone
        f"SELECT * WHERE {{ SERVICE#note\r<{endpoint}>{{ ?a ?b ?c }} }}",
        # the endpoint as a prefixed name, no white space anywhere
        f"PREFIX e: <http://127.0.0.1:{port}/> SELECT * WHERE {{SERVICE e:sparql{{?a ?b ?c}}}}",
        f"select * {{ service silent <{endpoint}> {{ ?s ?p ?o }} }}",
        f"SELECT * {{ ?s ?p ?o SERVICESILENT<{endpoint}>{{?a ?b ?c}} }}",
        # the endpoint in a variable
        f"SELECT * {{ BIND(<{endpoint}> AS ?e) SERVICE ?e {{ ?a ?b ?c }} }}",
        f"SELECT * {{ \"}}\" ?p 'SERVICE' . SERVICE <{endpoint}> {{ ?a ?b ?c }} }}",
    ]


def test_every_way_of_writing_service_is_refused_and_nothing_is_called(server, listener):
    for query in service_calls(listener.port):
        payload = assert_error(*sparql_get(server, query), 400, "CG040")
        assert "SERVICE is not allowed" in payload["error"], query
        for method_body in (urllib.parse.urlencode({"query": query}).encode(),):
            assert_error(*request(server, "/sparql", method="POST", body=method_body,
                                  headers={"Content-Type": "application/x-www-form-urlencoded"}), 400, "CG040")
        assert_error(*request(server, "/sparql", method="POST", body=query.encode(),
                              headers={"Content-Type": "application/sparql-query"}), 400, "CG040")
    assert listener.calls == 0


def test_the_cli_refuses_service_too(bundled_store, listener):
    result = run_cli("query", service_calls(listener.port)[0], store=bundled_store)
    assert result.returncode == 2 and "SERVICE is not allowed" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
    assert listener.calls == 0


def test_the_word_service_as_data_is_not_refused(kg):
    for query in ['SELECT ?x WHERE { BIND("SERVICE" AS ?x) }',
                  "SELECT * { GRAPH <https://w3id.org/clausegraph/id/mistral-ai/terms-of-service/2025-02-06> { ?s ?p ?o } } LIMIT 1",
                  'SELECT (COUNT(*) AS ?n) { ?c cg:text ?t FILTER(CONTAINS(LCASE(?t), "service")) }']:
        assert not uses_service(query)
        kg.query(query)  # no error


def test_the_check_takes_linear_time_on_its_worst_inputs():
    import time

    for unit in ("SERVICE", "SERVICE:", "SERVICE#", "SERVICE<", "a:SERVICE"):  # 200 KB each ran 16-65 s as a regex
        text = unit * (200_000 // len(unit))
        started = time.process_time()
        assert not uses_service(text)
        assert time.process_time() - started < 5  # a bound far above the ~0.2 s it takes, far below quadratic


gap = st.lists(st.sampled_from([" ", "\n", "\r", "\t", "#\n", "# x\r", "#}<>{ SERVICE\n"]), max_size=3).map("".join)
keyword = st.sampled_from(["SERVICE", "service", "SeRvIcE"])
endpoint = st.sampled_from(["<http://127.0.0.1:PORT/>", "<http://127.0.0.1:PORT/\\u0041#>", "e:", "e:sparql", "e:a\\.b", "?e", "$e"])
before = st.sampled_from(["", "?s ?p ?o", "?s ?p ?o .", "VALUES ?z { <http://x/\\u0041#> }", "FILTER(?a <?b)",
                          'BIND("}" AS ?q)', "?s ?p '''x'''", "OPTIONAL { ?a ?b ?c }", "VALUES ?e { <http://127.0.0.1:PORT/> }"])
call = st.builds(lambda b, k, g1, silent, g2, e, g3: f"{b}{k}{g1}{silent}{g2}{e}{g3}{{ ?a ?b ?c }}",
                 before, keyword, gap, st.sampled_from(["", "SILENT", "silent"]), gap, endpoint, gap)


@pytest.fixture(scope="module")
def module_listener():
    ear = Listener()
    yield ear
    ear.close()


def oxigraph_calls(query: str, ear: Listener) -> bool:
    """Whether Oxigraph, given ``query`` directly, connects to ``ear``."""
    before_calls = ear.calls
    store = ox.Store()
    store.add(ox.Quad(ox.NamedNode("http://x/s"), ox.NamedNode("http://x/p"), ox.NamedNode("http://x/o")))
    try:
        list(store.query(query))
    except (SyntaxError, OSError, RuntimeError, ValueError):
        pass
    return ear.calls > before_calls


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=call)
def test_whenever_oxigraph_would_call_out_the_check_says_so(body, module_listener):
    """Oxigraph is the oracle: whatever text makes it connect to a listening socket must be caught."""
    query = f"PREFIX e: <http://127.0.0.1:PORT/> SELECT * WHERE {{ {body} }}".replace("PORT", str(module_listener.port))
    if oxigraph_calls(query, module_listener):
        assert uses_service(query), query
        with pytest.raises(QueryError, match="SERVICE is not allowed"):
            run_query(ox.Store(), query)


def test_the_oracle_sees_calls(module_listener):
    """The property above is not empty: Oxigraph does connect for the calls it is given, SILENT ones too."""
    for body in ("SERVICE<http://127.0.0.1:PORT/>{?a ?b ?c}", "service silent e:{?a ?b ?c}",
                 "?s ?p ?o SERVICE#}\r<http://127.0.0.1:PORT/\\u0041#>{?a ?b ?c}"):
        query = f"PREFIX e: <http://127.0.0.1:PORT/> SELECT * WHERE {{ {body} }}".replace("PORT", str(module_listener.port))
        assert oxigraph_calls(query, module_listener), query


def test_a_server_worker_cannot_open_a_network_socket(server):
    health = json.loads(request(server, "/health")[2])
    if sys.platform.startswith("linux"):
        assert health["workers_without_network"] is True


def test_the_sandbox_stops_oxigraph_even_without_the_check(listener):
    """Defence in depth: in a sandboxed process a SERVICE call that reached Oxigraph still calls nobody."""
    if not sys.platform.startswith("linux"):
        pytest.skip("the network sandbox is seccomp: Linux only")
    code = (
        "import pyoxigraph as ox, socket\n"
        "from clausegraph.sandbox import forbid_network\n"
        "assert forbid_network()\n"
        "a, b = socket.socketpair(); a.send(b'x'); assert b.recv(1) == b'x'  # local sockets still work\n"
        f"try:\n    list(ox.Store().query('SELECT * {{ SERVICE <http://127.0.0.1:{listener.port}/> {{ ?a ?b ?c }} }}'))\n"
        "except OSError as exc:\n    print('refused:', exc)\n"
        f"try:\n    socket.create_connection(('127.0.0.1', {listener.port}))\n"
        "except OSError as exc:\n    print('refused:', exc)\n"
        f"import subprocess; subprocess.run([{sys.executable!r}, '-c', "
        f"\"import socket; socket.create_connection(('127.0.0.1', {listener.port}))\"], stderr=subprocess.DEVNULL)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("refused:") == 2 and "Permission denied" in result.stdout
    assert listener.calls == 0
