"""networkx views of the clause graph: what a person looks at, not the whole RDF.

    precedence   documents (one node per version), document groups and external sources; every
                 prevails-over / overrides / constrains / governs-for / incorporates edge, with the
                 clauses or sections it names when it is stated between clauses; succession between
                 versions; group membership
    references   who cites whom: clause -> cited section, clause, document or external source, and
                 the same rolled up to document -> document ("cites", with a count)
    definitions  defined terms, the clause that defines each, the clauses that use it, and the
                 documents that borrow definitions from another
    full         everything above plus the document tree (partOf)

Every view is a ``networkx.MultiDiGraph`` whose node and edge attributes are plain strings,
integers or booleans (GraphML and GEXF accept nothing else): nodes carry ``kind``, ``label``,
``document``, ``text``...; an edge carries ``relation`` and, when the graph holds evidence for
it, ``words``, ``condition``, ``fields``, ``rule``, ``clause`` and ``explicit``. Edges with the
same ends and relation are merged; ``evidence`` counts the statements behind one edge.
"""

from __future__ import annotations

from collections import defaultdict
from enum import Enum
from typing import TYPE_CHECKING

import pyoxigraph as ox

from clausegraph.graph.sparql import run_query
from clausegraph.ontology.errors import ExportError
from clausegraph.ontology.namespaces import CG

if TYPE_CHECKING:  # networkx takes 0.25 s to import: only the functions that build or write a view load it
    import networkx as nx

__all__ = ["View", "parse_view", "build_view", "build_view_with_clauses", "describe_nodes", "PRECEDENCE_RELATIONS", "RELATION_LABELS", "NODE_KINDS"]


class View(str, Enum):
    PRECEDENCE = "precedence"
    REFERENCES = "references"
    DEFINITIONS = "definitions"
    FULL = "full"


PRECEDENCE_RELATIONS = ("prevailsOver", "overrides", "constrains", "governsFor", "incorporates")
# how a relation reads on an edge, winner first
RELATION_LABELS = {
    "prevailsOver": "prevails over",
    "overrides": "overrides",
    "constrains": "constrains",
    "governsFor": "governs",
    "incorporates": "incorporates",
    "supersedes": "supersedes",
    "member": "includes",
    "references": "cites",
    "cites": "cites",
    "defines": "defines",
    "usesTerm": "uses",
    "borrowsDefinitionsFrom": "borrows definitions from",
    "hasScope": "applies to",
    "partOf": "part of",
}
NODE_KINDS = ("document", "group", "external", "section", "clause", "term")
# statements that lend words, not rank: "terms not defined herein have the meaning given in the
# Agreement" makes the Agreement a dictionary of the DPA, not a text that governs it
NOT_RANKING_RULES = frozenset({"precedence-meaning-given-in"})

_NODES = """
PREFIX cg: <https://w3id.org/clausegraph/ontology#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?n ?kind ?label ?doc ?number ?heading ?text ?parent ?position ?effective WHERE {
  { ?n a cg:Document ; dcterms:title ?label . OPTIONAL { ?n cg:effectiveDate ?effective } BIND("document" AS ?kind) BIND(?n AS ?doc) }
  UNION { ?n a cg:DocumentGroup . OPTIONAL { ?n rdfs:label ?label } BIND("group" AS ?kind) }
  UNION { ?n a cg:ExternalSource . OPTIONAL { ?n rdfs:label ?label } BIND("external" AS ?kind) }
  UNION { ?n a cg:Section ; cg:inDocument ?doc ; cg:partOf ?parent ; cg:position ?position . BIND("section" AS ?kind)
          OPTIONAL { ?n cg:number ?number } OPTIONAL { ?n cg:heading ?heading } }
  UNION { ?n a cg:Clause ; cg:inDocument ?doc ; cg:partOf ?parent ; cg:position ?position . BIND("clause" AS ?kind)
          OPTIONAL { ?n cg:text ?text } OPTIONAL { ?n cg:heading ?heading } OPTIONAL { ?n cg:label ?label } }
  UNION { ?n a cg:DefinedTerm ; skos:prefLabel ?label ; cg:definedIn ?doc . BIND("term" AS ?kind) }
}"""

_EVIDENCE = """
PREFIX cg: <https://w3id.org/clausegraph/ontology#>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
SELECT ?e ?s ?p ?o ?words ?rule ?clause ?explicit ?condition ?field ?value WHERE {
  ?e a cg:Evidence ; rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o ; cg:words ?words ; cg:rule ?rule ; cg:clause ?clause .
  OPTIONAL { ?e cg:explicit ?explicit }
  OPTIONAL { ?e cg:condition ?condition }
  OPTIONAL {
    { ?e cg:role ?value . BIND("role" AS ?field) }
    UNION { ?e cg:region ?value . BIND("region" AS ?field) }
    UNION { ?e cg:service ?value . BIND("service" AS ?field) }
    UNION { ?e cg:plan ?value . BIND("plan" AS ?field) }
    UNION { ?e cg:channel ?value . BIND("channel" AS ?field) }
    UNION { ?e cg:infrastructure ?value . BIND("infrastructure" AS ?field) }
  }
}"""

_PLAIN = """
PREFIX cg: <https://w3id.org/clausegraph/ontology#>
SELECT ?s ?p ?o WHERE {
  { ?s cg:supersedes ?o . BIND("supersedes" AS ?p) }
  UNION { ?s cg:member ?o . BIND("member" AS ?p) }
  UNION { ?s cg:usesTerm ?o . BIND("usesTerm" AS ?p) }
}"""


def _rows(store: ox.Store | None, text: str) -> list[dict]:
    return run_query(store, text).python()


class _Catalog:
    """Every node that a view may show, with the attributes views share."""

    def __init__(self, store: ox.Store | None) -> None:
        self.nodes: dict[str, dict] = {}
        self.parent: dict[str, str] = {}
        for row in _rows(store, _NODES):
            iri = row["n"]
            if iri in self.nodes:  # a second label or number: keep the first
                continue
            self.nodes[iri] = row
            if row.get("parent"):
                self.parent[iri] = row["parent"]
        self.doc_ids = {iri: iri.rstrip("/").split("/")[-2] for iri, r in self.nodes.items() if r["kind"] == "document"}
        self.doc_titles = {iri: r["label"] for iri, r in self.nodes.items() if r["kind"] == "document"}

    def section_number(self, iri: str) -> str:
        """The number of the nearest numbered section above (or at) ``iri``."""
        seen = 0
        while iri and seen < 50:
            row = self.nodes.get(iri, {})
            if row.get("kind") == "section" and row.get("number"):
                return str(row["number"])
            iri, seen = self.parent.get(iri, ""), seen + 1
        return ""

    def label(self, iri: str) -> str:
        row = self.nodes.get(iri)
        if row is None:
            return iri.rstrip("/").split("/")[-1]
        kind = row["kind"]
        if kind in ("document", "group", "external", "term"):
            return str(row.get("label") or iri.rstrip("/").split("/")[-1])
        number = self.section_number(iri)
        where = ("§" + number if number[:1].isdigit() else number) if number else ""
        if kind == "section":
            own = str(row.get("heading") or "")
        else:
            own = str(row.get("heading") or row.get("label") or "") or self._clause_name(iri, row)
        return f"{where} {own}".strip() or kind

    def _clause_name(self, iri: str, row: dict) -> str:
        """A clause without a heading of its own is named by the heading of its section ("§8 Governing Law",
        "¶2" after it for a later paragraph), else by its first words: never by a paragraph ordinal alone."""
        last = iri.rstrip("/").split("/")[-1]
        ordinal = int(last[1:]) if last[:1] == "p" and last[1:].isdigit() else 0
        parent, seen = self.parent.get(iri, ""), 0
        while parent and seen < 50:
            heading = self.nodes.get(parent, {}).get("heading")
            if heading:
                return str(heading) + (f" ¶{ordinal}" if ordinal > 1 else "")
            parent, seen = self.parent.get(parent, ""), seen + 1
        words = " ".join(str(row.get("text") or "").split()[:5])
        return f"“{words}…”" if words else (f"¶{ordinal}" if ordinal else "")

    def attributes(self, iri: str) -> dict:
        row = self.nodes.get(iri, {})
        kind = row.get("kind", "external")
        doc = row.get("doc")
        attrs = {
            "iri": iri,
            "kind": kind,
            "label": self.label(iri),
            "document": self.doc_ids.get(doc, "") if doc else "",
            "document_title": self.doc_titles.get(doc, "") if doc else "",
            "number": str(row.get("number") or ""),
            "heading": str(row.get("heading") or ""),
            "text": str(row.get("text") or ""),
            "effective": str(row.get("effective") or ""),
        }
        if kind == "document":
            attrs["document"], attrs["document_title"] = self.doc_ids[iri], self.doc_titles[iri]
        return attrs


def _evidence_edges(store: ox.Store | None) -> dict[tuple[str, str, str], dict]:
    """One merged edge per (subject, relation, object), with the words of every statement behind it."""
    merged: dict[tuple[str, str, str], dict] = {}
    fields: dict[tuple[str, str, str], set[str]] = defaultdict(set)
    for row in _rows(store, _EVIDENCE):
        relation = row["p"].removeprefix(CG)
        key = (row["s"], relation, row["o"])
        edge = merged.setdefault(key, {"relation": relation, "words": [], "condition": [], "rule": [], "clause": [],
                                       "explicit": True, "evidence": {}})
        if row["e"] not in edge["evidence"]:
            edge["evidence"][row["e"]] = None
            for name in ("words", "condition", "rule", "clause"):
                if row.get(name) and row[name] not in edge[name]:
                    edge[name].append(str(row[name]))
            edge["explicit"] = edge["explicit"] and row.get("explicit") is not False
        if row.get("field"):
            fields[key].add(f"{row['field']}={row['value']}")
    out = {}
    for key, edge in merged.items():
        out[key] = {
            "relation": edge["relation"],
            "label": RELATION_LABELS.get(edge["relation"], edge["relation"]),
            "words": " | ".join(edge["words"]),
            "condition": " | ".join(edge["condition"]),
            "fields": "; ".join(sorted(fields.get(key, ()))),
            "rule": " ".join(edge["rule"]),
            "clause": " ".join(edge["clause"]),
            "explicit": edge["explicit"],
            "evidence": len(edge["evidence"]),
            "statements": " ".join(edge["evidence"]),
        }
    return out


def _plain_edge(relation: str) -> dict:
    return {"relation": relation, "label": RELATION_LABELS.get(relation, relation), "words": "", "condition": "",
            "fields": "", "rule": "", "clause": "", "explicit": True, "evidence": 0, "statements": ""}


def parse_view(name: View | str, error: type[Exception] = ExportError) -> View:
    """``name`` as a View; ``error`` (ExportError, or QueryError for the web API) names the choices."""
    try:
        return View(name)
    except ValueError:
        raise error(f"unknown view {name!r}: choose one of {', '.join(v.value for v in View)}") from None


def _lends_only(attrs: dict) -> bool:
    """A precedence edge that only lends the meaning of words (NOT_RANKING_RULES): it ranks nothing."""
    return attrs["relation"] in PRECEDENCE_RELATIONS and set(attrs["rule"].split()) <= NOT_RANKING_RULES


def build_view(store: ox.Store | None, view: View | str) -> nx.MultiDiGraph:
    """The named view of the graph in ``store`` (an empty graph for an empty store)."""
    return _build_view(store, parse_view(view), _Catalog(store))


def build_view_with_clauses(store: ox.Store | None, view: View | str) -> tuple[nx.MultiDiGraph, dict[str, dict]]:
    """The view, and the clauses whose words state its edges (label, document title, exact text),
    read from one catalogue of the graph's nodes."""
    catalog = _Catalog(store)
    g = _build_view(store, parse_view(view), catalog)
    wanted = {iri for _, _, data in g.edges(data=True) for iri in data.get("clause", "").split()}
    clauses = {}
    for iri in sorted(wanted):
        attrs = catalog.attributes(iri)
        clauses[iri] = {"label": attrs["label"], "document_title": attrs["document_title"], "text": attrs["text"]}
    return g, clauses


def describe_nodes(store: ox.Store | None, iris) -> dict[str, dict]:
    """The attributes a view gives each of ``iris`` (label, kind, document, text, ...), for a picture
    that shows clauses no edge of the view touches."""
    catalog = _Catalog(store)
    return {iri: catalog.attributes(iri) for iri in iris}


def _build_view(store: ox.Store | None, view: View, catalog: _Catalog) -> nx.MultiDiGraph:
    evidence = _evidence_edges(store)
    plain = [(r["s"], r["p"], r["o"]) for r in _rows(store, _PLAIN)]
    import networkx as nx

    g = nx.MultiDiGraph(view=view.value)

    def add_node(iri: str) -> None:
        if iri not in g:
            g.add_node(iri, **catalog.attributes(iri))

    def add_edge(s: str, o: str, attrs: dict) -> None:
        add_node(s)
        add_node(o)
        g.add_edge(s, o, key=attrs["relation"], **attrs)

    documents = [iri for iri, r in catalog.nodes.items() if r["kind"] == "document"]
    if view in (View.PRECEDENCE, View.FULL):
        for iri in documents:
            add_node(iri)
        for (s, relation, o), attrs in evidence.items():
            if relation in PRECEDENCE_RELATIONS and not _lends_only(attrs):
                add_edge(s, o, attrs)
        for s, relation, o in plain:
            if relation in ("supersedes", "member"):
                add_edge(s, o, _plain_edge(relation))
    if view in (View.REFERENCES, View.FULL):
        cites: dict[tuple[str, str], int] = defaultdict(int)
        for (s, relation, o), attrs in evidence.items():
            if relation != "references":
                continue
            add_edge(s, o, attrs)
            source_doc = catalog.nodes.get(s, {}).get("doc")
            target = catalog.nodes.get(o, {})
            target_doc = target.get("doc") if target.get("kind") in ("section", "clause", "document") else o
            if source_doc and target_doc and source_doc != target_doc:
                cites[(source_doc, target_doc)] += attrs["evidence"]
        for (s, o), count in sorted(cites.items()):
            add_edge(s, o, {**_plain_edge("cites"), "evidence": count})
    if view in (View.DEFINITIONS, View.FULL):
        for (s, relation, o), attrs in evidence.items():
            if relation in ("defines", "borrowsDefinitionsFrom"):
                add_edge(s, o, attrs)
        for s, relation, o in plain:
            if relation == "usesTerm":
                add_edge(s, o, _plain_edge(relation))
        for iri in list(g):
            if g.nodes[iri]["kind"] == "term":
                doc = catalog.nodes[iri].get("doc")
                if doc:
                    add_node(doc)
    if view is View.FULL:
        for iri, row in catalog.nodes.items():
            add_node(iri)
            if row.get("parent") and row["kind"] in ("section", "clause"):
                add_edge(iri, row["parent"], _plain_edge("partOf"))
        for (s, relation, o), attrs in evidence.items():
            if relation == "hasScope":
                continue  # scope nodes are conditions, not texts; their words are on the clauses
            if _lends_only(attrs):
                continue  # as in the precedence view: lending words is not ranking
            if not g.has_edge(s, o, key=relation):
                add_edge(s, o, attrs)
    return g

