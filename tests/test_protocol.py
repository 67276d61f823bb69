"""The SPARQL 1.1 Protocol as others test it: the W3C manifest's tests, SPARQLWrapper and rdflib's
SPARQLStore, each against a real ``clausegraph serve`` on loopback.

The W3C tests run from ``../shared/conformance/w3c-sparql11-protocol/`` (skipped, saying why,
where it is absent), one pytest test per manifest entry, named as in the manifest. The endpoint
is read-only: an update test's first request must get the documented refusal (403, CG041), and
its later requests, which read what the update would have written, are not run.
"""

from __future__ import annotations

import http.client
import io
import json
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from rdflib.query import Result

from tests.conftest import ROOT, SHARED, start_server, stop_server

W3C = SHARED / "conformance" / "w3c-sparql11-protocol"
MF = rdflib.Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = rdflib.Namespace("http://www.w3.org/2011/http#")
CNT = rdflib.Namespace("http://www.w3.org/2011/content#")
UT = rdflib.Namespace("http://www.w3.org/2009/sparql/tests/test-update#")
HTS = "http://www.w3.org/2011/http-statusCodes#StatusCode"
RESULT_FORMATS = {"application/sparql-results+json": "json", "application/sparql-results+xml": "xml",
                  "text/csv": "csv", "text/tab-separated-values": "tsv"}
RDF_FORMATS = {"text/turtle": "turtle", "application/n-triples": "nt", "application/rdf+xml": "xml",
               "application/ld+json": "json-ld"}


@dataclass
class Step:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes | None
    statuses: set[int]  # acceptable classes: 2, 3, 4
    boolean: bool | None
    form: str | None  # "boolean", "tabular", "RDF"


@dataclass
class ProtocolTest:
    name: str
    title: str
    steps: list[Step]
    graphs: dict[str, str] = field(default_factory=dict)  # graph IRI -> data file name

    @property
    def is_update(self) -> bool:
        return self.name.startswith("update_")


def _read_manifest() -> list[ProtocolTest]:
    g = rdflib.Graph().parse(W3C / "manifest.ttl", format="turtle", publicID=(W3C / "manifest.ttl").as_uri())
    manifest = next(g.subjects(rdflib.RDF.type, MF.Manifest))
    tests = []
    for entry in rdflib.collection.Collection(g, g.value(manifest, MF.entries)):
        steps = []
        for req in rdflib.collection.Collection(g, g.value(g.value(entry, MF.action), HT.requests)):
            headers = {str(g.value(h, HT.fieldName)): str(g.value(h, HT.fieldValue))
                       for h in rdflib.collection.Collection(g, g.value(req, HT.headers) or rdflib.RDF.nil)}
            body_node = g.value(req, HT.body)
            body = None
            if body_node is not None:
                body = str(g.value(body_node, CNT.chars)).encode(str(g.value(body_node, CNT.characterEncoding) or "UTF-8"))
            resp = g.value(req, HT.resp)
            statuses = {int(str(s).removeprefix(HTS)[0]) for s in g.objects(resp, MF.expectedStatus)}
            boolean = g.value(resp, MF.expectedBoolean)
            form = g.value(resp, MF.expectedFormat)
            # "Every ht:absolutePath ... starts with /sparql/": replaced by this endpoint's path
            path = "/sparql" + str(g.value(req, HT.absolutePath)).removeprefix("/sparql/")
            steps.append(Step(str(g.value(req, HT.methodName)), path, headers, body, statuses,
                              None if boolean is None else boolean.toPython(), None if form is None else str(form)))
        graphs = {str(g.value(d, rdflib.RDFS.label)): Path(str(g.value(d, UT.graph))).name
                  for d in g.objects(entry, UT.graphData)}
        name = str(entry).rsplit("#", 1)[1]
        tests.append(ProtocolTest(name, str(g.value(entry, MF.name)), steps, graphs))
    return tests


MANIFEST = _read_manifest() if (W3C / "manifest.ttl").is_file() else []
W3C_ABSENT = f"the W3C SPARQL 1.1 Protocol tests are not at {W3C} (../shared is absent on this machine)"


@pytest.fixture(scope="module")
def w3c_server(tmp_path_factory):
    """A store holding the manifest's data files in the named graphs it gives them, served."""
    from clausegraph.graph.store import Store

    graphs = {iri: name for t in MANIFEST for iri, name in t.graphs.items()}
    assert len(graphs) == 3, graphs  # data1..3, the same in every test that names them
    path = tmp_path_factory.mktemp("w3c") / "store"
    store = Store(path)
    with store.write() as writer:
        for iri, name in graphs.items():
            triples = ox.parse(path=str(W3C / name), format=ox.RdfFormat.N_TRIPLES)
            writer.replace_graph(iri, [ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode(iri)) for t in triples])
    store.close()
    srv = start_server(path, "--timeout", "5", "--workers", "1", "--query-workers", "1")
    yield srv
    stop_server(srv)


def _send(server, step: Step):
    """(status, headers, body), the request sent as the manifest gives it (http.client adds no Content-Type)."""
    host, port = server.url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=60)
    try:
        conn.request(step.method, step.path, body=step.body, headers=step.headers)
        resp = conn.getresponse()
        return resp.status, resp.headers, resp.read()
    finally:
        conn.close()


def _check_body(step: Step, headers, body: bytes) -> None:
    media = headers["Content-Type"].split(";")[0].strip()
    if step.form in ("boolean", "tabular"):
        assert media in RESULT_FORMATS, media
        result = Result.parse(io.BytesIO(body), format=RESULT_FORMATS[media])
        if step.form == "boolean":
            assert result.type == "ASK", body
            if step.boolean is not None:
                assert result.askAnswer is step.boolean, body
        else:
            assert result.type == "SELECT" and result.vars, body
    elif step.form == "RDF":
        assert media in RDF_FORMATS, media
        rdflib.Graph().parse(data=body, format=RDF_FORMATS[media])


@pytest.mark.skipif(not MANIFEST, reason=W3C_ABSENT)
@pytest.mark.parametrize("test", MANIFEST or [None], ids=lambda t: t.name if t else "absent")
def test_w3c_protocol(w3c_server, test: ProtocolTest):
    steps = test.steps[:1] if test.is_update else test.steps
    for step in steps:
        status, headers, body = _send(w3c_server, step)
        if test.is_update:  # the documented refusal of a read-only endpoint
            assert status == 403 and json.loads(body)["code"] == "CG041", (status, body)
            continue
        assert status // 100 in step.statuses, (test.title, status, body[:300])
        if status // 100 == 2:
            _check_body(step, headers, body)


# ---------------------------------------------------------------------------- the dataset, closer

@pytest.mark.parametrize("query,has", [
    ("SELECT * FROM <g> { ?s ?p ?o }", True),
    ("select * from named <g> { graph ?g { ?s ?p ?o } }", True),
    ("CONSTRUCT { <a> <b> \"\"\"FROM\"\"\" } FROM <g> WHERE {}", True),
    ("SELECT (?a < ?b AS ?c) FROM <g> {}", True),
    ("SELECT ?from { ?s ?p ?from }", False),
    ("PREFIX from: <x> SELECT * { ?s from:x ?o }", False),
    ("SELECT * { SELECT * { ?s ?p ?o } } # FROM <g>", False),
    ("SELECT ('FROM' AS ?x) { ?s <http://x/FROM> ?o }", False),
], ids=["from", "from-named-lowercase", "long-string-then-from", "less-than-then-from", "variable", "prefix",
        "comment", "string-and-iri"])
def test_the_dataset_clause_is_found_only_where_the_grammar_puts_it(query, has):
    from clausegraph.graph.dataset import has_dataset_clause

    assert has_dataset_clause(query) is has
    store = ox.Store()  # and Oxigraph agrees the query is valid SPARQL
    store.query(query, base_iri="http://x/")


def test_from_reads_the_named_graph_and_the_union_stays_the_default(server):
    """One document version's graph by FROM, by default-graph-uri, and the union without either."""
    import urllib.parse

    from tests.test_serve import request

    def count(query: str, **protocol) -> int:
        params = [("query", query)] + [(k.replace("_", "-"), v) for k, vs in protocol.items() for v in vs]
        status, _, body = request(server, "/sparql?" + urllib.parse.urlencode(params))
        assert status == 200, body
        return int(json.loads(body)["results"]["bindings"][0]["n"]["value"])

    _, _, body = request(server, "/sparql?" + urllib.parse.urlencode(
        {"query": "SELECT ?g WHERE { GRAPH ?g { ?d a cg:Document ; dcterms:identifier 'usage-policy' } }"}))
    usage = json.loads(body)["results"]["bindings"][0]["g"]["value"]
    union = count("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    one = count(f"SELECT (COUNT(*) AS ?n) FROM <{usage}> WHERE {{ ?s ?p ?o }}")
    assert 0 < one < union
    assert count("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", default_graph_uri=[usage]) == one
    assert count("SELECT (COUNT(*) AS ?n) FROM <urn:x-none> WHERE { ?s ?p ?o }") == 0
    # the protocol's graphs replace the query's FROM
    assert count("SELECT (COUNT(*) AS ?n) FROM <urn:x-none> WHERE { ?s ?p ?o }", default_graph_uri=[usage]) == one
    assert count(f"SELECT (COUNT(*) AS ?n) FROM NAMED <{usage}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}") == one
    assert count("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }", named_graph_uri=[usage]) == one
    assert count("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", named_graph_uri=[usage]) == 0  # empty default graph


def test_relative_iris_resolve_against_the_endpoint(server):
    from tests.test_serve import request

    status, _, body = request(server, "/sparql", method="POST", body=b"CONSTRUCT { <s> <p> 1 } WHERE {}",
                              headers={"Content-Type": "application/sparql-query", "Accept": "application/n-triples"})
    assert status == 200, body
    assert body.decode().startswith(f"<{server.url}/s> <{server.url}/p> ")


def test_a_bad_protocol_graph_iri_is_a_400(server):
    from tests.test_serve import assert_error, request

    status, headers, body = request(server, "/sparql?query=ASK%7B%7D&default-graph-uri=not%20an%20iri")
    assert "default-graph-uri" in assert_error(status, headers, body, 400, "CG040")["error"]


@pytest.mark.parametrize("accept", ["text/csv", "text/tab-separated-values"])
@pytest.mark.parametrize("answer", [True, False])
def test_ask_as_csv_and_tsv_is_read_by_rdflib_as_the_boolean(server, accept, answer):
    from tests.test_serve import sparql_get

    query = "ASK { ?d a cg:Document }" if answer else "ASK { ?d a cg:NoSuchClass }"
    status, _, body = sparql_get(server, query, accept)
    assert status == 200
    assert bool(Result.parse(io.BytesIO(body), format=RESULT_FORMATS[accept])) is answer


# ---------------------------------------------------------------------------- real clients, their defaults

CLIENT_QUERIES = {
    "select": "PREFIX cg: <https://w3id.org/clausegraph/ontology#> SELECT ?d WHERE { ?d a cg:Document }",
    "ask": "PREFIX cg: <https://w3id.org/clausegraph/ontology#> ASK { ?d a cg:Document }",
    "construct": "PREFIX cg: <https://w3id.org/clausegraph/ontology#> CONSTRUCT { ?d a cg:Document } WHERE { ?d a cg:Document }",
    "describe": "PREFIX cg: <https://w3id.org/clausegraph/ontology#> DESCRIBE ?d WHERE { ?d a cg:Document ; "
                "<http://purl.org/dc/terms/identifier> 'usage-policy' }",
}


def _check_client_answer(kind: str, answer) -> None:
    cg_document = rdflib.URIRef("https://w3id.org/clausegraph/ontology#Document")
    if kind == "select":
        assert len(list(answer)) == 10
    elif kind == "ask":
        assert answer is True
    elif kind == "construct":
        assert len(answer) == 10 and all(o == cg_document for o in answer.objects())
    else:
        titles = {str(o) for o in answer.objects(None, rdflib.URIRef("http://purl.org/dc/terms/title"))}
        assert titles == {"Usage Policy"}


@pytest.mark.parametrize("kind", list(CLIENT_QUERIES))
def test_sparqlwrapper_with_its_defaults(server, kind):
    sparqlwrapper = pytest.importorskip("SPARQLWrapper", reason="SPARQLWrapper is in the dev extras: pip install -e '.[dev]'")
    client = sparqlwrapper.SPARQLWrapper(server.url + "/sparql")
    client.setQuery(CLIENT_QUERIES[kind])
    converted = client.query().convert()  # its default: XML results, RDF/XML graphs
    if kind == "select":
        converted = converted.getElementsByTagName("result")
    elif kind == "ask":
        converted = converted.getElementsByTagName("boolean")[0].firstChild.data == "true"
    _check_client_answer(kind, converted)


@pytest.mark.parametrize("kind", list(CLIENT_QUERIES))
def test_rdflib_sparqlstore_with_its_defaults(server, kind):
    from rdflib.plugins.stores.sparqlstore import SPARQLStore

    store = SPARQLStore(server.url + "/sparql")
    result = store.query(CLIENT_QUERIES[kind])
    answer = {"select": lambda: list(result), "ask": lambda: result.askAnswer}.get(kind, lambda: result.graph)()
    _check_client_answer(kind, answer)
