"""A store that is another SPARQL 1.1 server: ``--store http://host:port/`` (or ``$CLAUSEGRAPH_STORE``).

    read     SPARQL 1.1 Protocol: POST form ``query=`` to ``{url}query``; the union of all graphs
             as the default graph is asked for with ``default-graph-uri`` and ``named-graph-uri``
             naming every graph, which any store must honour; a query with its own FROM keeps it
    write    SPARQL 1.1 Graph Store Protocol on ``{url}store?graph=``: PUT replaces one document
             version's named graph in one request (atomic per graph on Oxigraph: ``governs`` never
             sees half a version), POST adds to one, DELETE drops one; ``remove`` takes succession
             statements out of a graph with SPARQL Update (``DELETE DATA`` at ``{url}update``)

The layout is Oxigraph server's (``oxigraph serve``: ``/query``, ``/update``, ``/store``). An ingest run is
atomic per document version, not per run as on disk: a run that fails half-way leaves the versions
it wrote (each whole) and not the others; run it again to finish (unchanged versions are skipped).

Values are bound, never pasted: a binding becomes a ``VALUES`` row (the term written as in
N-Triples) at the start of the query's WHERE group, where it joins before anything else runs.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

import pyoxigraph as ox

from clausegraph.graph.dataset import scan
from clausegraph.ontology.errors import GraphError, QueryError

__all__ = ["RemoteStore", "RemoteHandle", "RemoteWriter", "is_remote"]

_TIMEOUT = 300  # seconds for one request
_RESULTS = "application/sparql-results+json, application/n-triples;q=0.9"
_TOKEN = re.compile(r'[{}]|(?<![\w:?$.-])(WHERE|CONSTRUCT)(?![\w:.-])|["\'<#]', re.IGNORECASE)


def is_remote(store: object) -> bool:
    return isinstance(store, str) and store.lower().startswith(("http://", "https://"))


def _where_brace(text: str) -> int | None:
    """The index of the ``{`` that opens the query's WHERE group (outside strings, IRIs, comments)."""
    construct, after_where = False, False
    for token, at, depth in scan(text, _TOKEN):
        if depth:
            continue
        if token == "{":
            if after_where or not construct:
                return at
        elif token.upper() == "CONSTRUCT":
            construct = True
        elif token != "}":
            after_where = True
    return None


def bind_values(text: str, substitutions: dict) -> str:
    """``text`` with ``VALUES (?a ?b) { (t1 t2) }`` first in its WHERE group."""
    if not substitutions:
        return text
    at = _where_brace(text)
    if at is None:
        raise QueryError("cannot bind values in this query for a remote store: it has no WHERE group")
    names = " ".join(f"?{v.value}" for v in substitutions)
    terms = " ".join(str(t) for t in substitutions.values())  # N-Triples syntax: escaped, never read as SPARQL
    return f"{text[:at + 1]} VALUES ({names}) {{ ({terms}) }} {text[at + 1:]}"


class RemoteHandle:
    """What clausegraph reads from a store (``query``), over the SPARQL 1.1 Protocol."""

    def __init__(self, url: str) -> None:
        self.url = url if url.endswith("/") else url + "/"
        self._graphs: list[str] | None = None

    def _request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None) -> tuple[str, bytes]:
        req = urllib.request.Request(self.url + path, data=body, method=method, headers=headers or {})
        try:
            with urllib.request.urlopen(req, timeout=_TIMEOUT) as resp:
                return resp.headers.get("Content-Type", ""), resp.read()
        except urllib.error.HTTPError as exc:
            detail = " ".join(exc.read().decode("utf-8", "replace").split())[:300]
            if method == "DELETE" and exc.code == 404:
                return "", b""
            raise (QueryError if path == "query" else GraphError)(
                f"the store at {self.url} answered {exc.code} {exc.reason}: {detail}") from None
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise GraphError(f"cannot reach the store at {self.url}: {getattr(reason, 'strerror', None) or reason}") from None

    def named_graphs(self) -> list[ox.NamedNode]:
        if self._graphs is None:
            _, body = self._request("POST", "query", urllib.parse.urlencode(
                {"query": "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"}).encode(),
                {"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/sparql-results+json"})
            self._graphs = sorted(b["g"]["value"] for b in json.loads(body)["results"]["bindings"] if b["g"]["type"] == "uri")
        return [ox.NamedNode(g) for g in self._graphs]

    def forget_graphs(self) -> None:
        self._graphs = None

    def query(self, query: str, *, base_iri: str | None = None, prefixes: dict | None = None,
              use_default_graph_as_union: bool = False, default_graph=None, named_graphs=None,
              substitutions: dict | None = None):
        """As ``pyoxigraph.Store.query``: QuerySolutions, QueryBoolean, or a list of Triples."""
        text = bind_values(query, substitutions or {})
        head = "".join(f"PREFIX {k}: <{v}>\n" for k, v in (prefixes or {}).items())
        if base_iri:
            head = f"BASE <{base_iri}>\n" + head
        form: list[tuple[str, str]] = [("query", head + text)]
        if use_default_graph_as_union:  # every graph as default graph, and every graph for GRAPH still
            graphs = [g.value for g in self.named_graphs()] or ["urn:x-clausegraph:none"]
            form += [("default-graph-uri", g) for g in graphs] + [("named-graph-uri", g) for g in graphs]
        if default_graph is not None:
            form += [("default-graph-uri", g.value) for g in default_graph] or [("default-graph-uri", "urn:x-clausegraph:none")]
        if named_graphs is not None:
            form += [("named-graph-uri", g.value) for g in named_graphs] or [("named-graph-uri", "urn:x-clausegraph:none")]
        content_type, body = self._request("POST", "query", urllib.parse.urlencode(form).encode(),
                                           {"Content-Type": "application/x-www-form-urlencoded", "Accept": _RESULTS})
        media = content_type.split(";")[0].strip().lower()
        if media == "application/sparql-results+json":
            return ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON)
        if media in ("application/n-triples", "text/plain"):
            return list(ox.parse(body, format=ox.RdfFormat.N_TRIPLES))
        raise QueryError(f"the store at {self.url} answered {media or 'no Content-Type'}, not SPARQL JSON results or N-Triples")

    def quads_for_pattern(self, subject=None, predicate=None, obj=None, graph=None) -> Iterator[ox.Quad]:
        """As ``pyoxigraph.Store.quads_for_pattern``, in the named graphs (clausegraph writes no other)."""
        bound = {ox.Variable(name): term for name, term in (("s", subject), ("p", predicate), ("o", obj), ("g", graph))
                 if term is not None}
        for row in self.query("SELECT ?s ?p ?o ?g WHERE { GRAPH ?g { ?s ?p ?o } }", substitutions=bound):
            yield ox.Quad(row["s"], row["p"], row["o"], row["g"])

    def __iter__(self) -> Iterator[ox.Quad]:
        return self.quads_for_pattern()

    def dump(self, *, format: ox.RdfFormat, prefixes: dict | None = None) -> bytes:  # noqa: A002 - pyoxigraph's name
        return ox.serialize(list(self), format=format, prefixes=prefixes)

    def update(self, text: str) -> None:
        self._request("POST", "update", text.encode("utf-8"), {"Content-Type": "application/sparql-update"})
        self.forget_graphs()

    def graph_put(self, graph: str, triples: Iterable[ox.Triple], *, replace: bool) -> None:
        body = ox.serialize(list(triples), format=ox.RdfFormat.N_TRIPLES)
        self._request("PUT" if replace else "POST", "store?" + urllib.parse.urlencode({"graph": graph}), body,
                      {"Content-Type": "application/n-triples"})
        self.forget_graphs()

    def graph_delete(self, graph: str) -> None:
        self._request("DELETE", "store?" + urllib.parse.urlencode({"graph": graph}))
        self.forget_graphs()


class RemoteWriter:
    """The Writer of graph/store.py over the Graph Store Protocol: quads are held per graph and
    sent one graph per request (replaced whole, or added to) before anything reads the store."""

    def __init__(self, handle: RemoteHandle) -> None:
        self._handle = handle
        self._pending: dict[str, tuple[bool, list[ox.Triple]]] = {}  # graph -> (replace?, triples)
        self.changed = False

    def flush(self) -> None:
        for graph, (replace, triples) in self._pending.items():
            self._handle.graph_put(graph, triples, replace=replace)
        self._pending = {}

    def graph_hash(self, graph: str) -> str | None:
        self.flush()
        rows = self._handle.query("SELECT ?h WHERE { GRAPH ?g { ?g <https://w3id.org/clausegraph/ontology#contentHash> ?h } }",
                                  substitutions={ox.Variable("g"): ox.NamedNode(graph)})
        return next((row["h"].value for row in rows), None)

    def replace_graph(self, graph: str, quads: Iterable[ox.Quad]) -> None:
        self._pending[graph] = (True, [])
        self.add(quads)

    def add(self, quads: Iterable[ox.Quad]) -> None:
        for quad in quads:
            graph = quad.graph_name.value
            if graph not in self._pending:
                self._pending[graph] = (False, [])
            self._pending[graph][1].append(ox.Triple(quad.subject, quad.predicate, quad.object))
        self.changed = True

    def contains(self, quad: ox.Quad) -> bool:
        pending = self._pending.get(quad.graph_name.value)
        triple = ox.Triple(quad.subject, quad.predicate, quad.object)
        if pending is not None and triple in pending[1]:
            return True
        if pending is not None and pending[0]:
            return False
        return bool(self._handle.query("ASK { GRAPH ?g { ?s ?p ?o } }", substitutions={
            ox.Variable("g"): quad.graph_name, ox.Variable("s"): quad.subject, ox.Variable("p"): quad.predicate,
            ox.Variable("o"): quad.object}))

    def remove_orphan_sources(self) -> int:
        self.flush()
        rows = self._handle.query(
            "SELECT DISTINCT ?s WHERE { GRAPH ?s { ?s a <https://w3id.org/clausegraph/ontology#SourceText> ; "
            "<https://w3id.org/clausegraph/ontology#sha256> ?h } "
            "FILTER NOT EXISTS { GRAPH ?g { ?d <https://w3id.org/clausegraph/ontology#source> ?s } } }")
        orphans = [row["s"].value for row in rows]
        for graph in orphans:
            self._handle.graph_delete(graph)
        self.changed = self.changed or bool(orphans)
        return len(orphans)

    def remove_graph(self, graph: str) -> None:
        self._pending.pop(graph, None)
        self._handle.graph_delete(graph)
        self.changed = True

    def quads(self, subject=None, predicate=None, obj=None, graph=None) -> list[ox.Quad]:
        self.flush()
        return list(self._handle.quads_for_pattern(subject, predicate, obj, graph))

    def remove(self, quads: Iterable[ox.Quad]) -> None:
        """With SPARQL Update (``DELETE DATA``, terms written as in N-Triples): what GSP cannot do."""
        self.flush()
        quads = list(quads)
        if quads:
            data = " ".join(f"GRAPH {q.graph_name} {{ {q.subject} {q.predicate} {q.object} }}" for q in quads)
            self._handle.update(f"DELETE DATA {{ {data} }}")
            self.changed = True

    def query(self, sparql: str, **bindings):
        self.flush()
        return self._handle.query(sparql, use_default_graph_as_union=True,
                                  substitutions={ox.Variable(k): v for k, v in bindings.items()})


class RemoteStore:
    """graph/store.py's Store for a SPARQL 1.1 server at ``url``."""

    memory = False
    path = None
    generation = None

    def __init__(self, url: str) -> None:
        try:
            parts = urllib.parse.urlsplit(url)
            parts.port  # noqa: B018 - raises ValueError for a port that is not one
        except ValueError as exc:
            raise GraphError(f"the store URL is not a URL: {exc}", path=url) from None
        if not parts.hostname or parts.query or parts.fragment:
            raise GraphError("the store URL must name a server, e.g. http://127.0.0.1:7878/ (no query, no fragment)",
                             path=url)
        self.url = url
        self._handle = RemoteHandle(url)

    @property
    def exists(self) -> bool:
        return True  # a server that answers exists; whether it holds anything is is_empty()

    def handle(self) -> RemoteHandle:
        return self._handle

    def is_empty(self) -> bool:
        return not self._handle.named_graphs()

    def close(self) -> None:
        pass

    @contextmanager
    def write(self) -> Iterator[RemoteWriter]:
        writer = RemoteWriter(self._handle)
        yield writer
        writer.flush()
