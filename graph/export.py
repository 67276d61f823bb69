"""Write the graph in every format a graph tool reads, for the whole dataset or one view.

    format     what is written                                      read back by (tests)
    turtle     the view's triples, named graphs merged               rdflib
    trig       the view's quads, one named graph per document        rdflib
    nquads     the same as N-Quads                                  rdflib
    jsonld     the same as JSON-LD (expanded, graphs kept)          rdflib
    graphml    the networkx view; attributes kind, document, ...    networkx.read_graphml (yEd, Gephi)
    gexf       the same as GEXF 1.2, coloured by kind               networkx.read_gexf (Gephi)
    dot        Graphviz DOT, winners above losers                   dot
    svg        the DOT drawn by Graphviz                            an XML parser; Chromium
               (dot, svg and mermaid of the precedence view draw its map, or one
               document's drill-down: graph/picture.py)
    mermaid    a Mermaid flowchart for markdown                     (text)
    cytoscape  Cytoscape.js JSON (elements: nodes, edges)          networkx.cytoscape_graph
    html       one offline page: the SVG with pan, zoom, search and
               the text and evidence of what you click (precedence:
               the map, or with a document its drill-down)          Chromium

The RDF formats of the ``full`` view are the whole dataset; of another view, the triples about
its nodes (types, labels, texts, offsets) whose objects are literals or nodes of the view, plus
every triple of the evidence statements behind its edges.
"""

from __future__ import annotations

import io
import json
from enum import Enum
from typing import TYPE_CHECKING

import pyoxigraph as ox

from clausegraph.graph.draw import dot_to_svg, to_dot, to_mermaid
from clausegraph.graph.picture import document_title, document_view, map_title, matter_title, matter_view, precedence_map
from clausegraph.graph.sparql import run_query
from clausegraph.graph.views import View, build_view, build_view_with_clauses, describe_nodes, parse_view
from clausegraph.ontology.errors import ExportError, GraphError
from clausegraph.ontology.namespaces import PREFIXES, RDF

if TYPE_CHECKING:  # networkx takes 0.25 s to import: only the functions that build or write a view load it
    import networkx as nx

__all__ = ["ExportFormat", "RDF_FORMATS", "PICTURE_FORMATS", "export_answer", "export_dataset", "export_view", "precedence_picture", "view_html", "view_title"]


class ExportFormat(str, Enum):
    TURTLE = "turtle"
    TRIG = "trig"
    NQUADS = "nquads"
    JSONLD = "jsonld"
    GRAPHML = "graphml"
    GEXF = "gexf"
    DOT = "dot"
    SVG = "svg"
    MERMAID = "mermaid"
    CYTOSCAPE = "cytoscape"
    HTML = "html"


RDF_FORMATS = (ExportFormat.TURTLE, ExportFormat.TRIG, ExportFormat.NQUADS, ExportFormat.JSONLD)
_KIND_COLOURS = {"document": (52, 104, 161), "group": (46, 134, 86), "external": (214, 162, 28),
                 "section": (140, 140, 140), "clause": (170, 170, 170), "term": (142, 68, 173)}


def _serialize(quads: list[ox.Quad], fmt: ExportFormat) -> bytes:
    if fmt is ExportFormat.NQUADS:
        return ox.serialize(quads, format=ox.RdfFormat.N_QUADS)
    if fmt is ExportFormat.TRIG:
        return ox.serialize(quads, format=ox.RdfFormat.TRIG, prefixes=PREFIXES)
    if fmt is ExportFormat.JSONLD:
        return ox.serialize(quads, format=ox.RdfFormat.JSON_LD)
    triples = sorted({ox.Triple(q.subject, q.predicate, q.object) for q in quads}, key=str)
    return ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=PREFIXES)


def export_dataset(store: ox.Store | None, fmt: ExportFormat) -> bytes:
    """The store's quads in an RDF ``fmt``; Turtle merges the named graphs into one graph."""
    if store is None:
        return b""
    try:
        if fmt is ExportFormat.NQUADS:
            return store.dump(format=ox.RdfFormat.N_QUADS)
        if fmt is ExportFormat.TRIG:
            return store.dump(format=ox.RdfFormat.TRIG, prefixes=PREFIXES)
        return _serialize(list(store), fmt)
    except (OSError, ValueError) as exc:
        raise GraphError(f"export failed: {exc}") from None


def _view_quads(store: ox.Store, g: nx.MultiDiGraph) -> list[ox.Quad]:
    keep: dict[ox.Quad, None] = {}
    nodes = set(g)
    rdf_type = ox.NamedNode(RDF + "type")
    for iri in sorted(nodes):
        for quad in store.quads_for_pattern(ox.NamedNode(iri), None, None):
            obj = quad.object
            if isinstance(obj, ox.Literal) or quad.predicate == rdf_type or (isinstance(obj, ox.NamedNode) and obj.value in nodes):
                keep[quad] = None
    for _, _, data in sorted(g.edges(data=True), key=lambda e: (e[0], e[1], e[2]["relation"])):
        for statement in data.get("statements", "").split():
            for quad in store.quads_for_pattern(ox.NamedNode(statement), None, None):
                keep[quad] = None
    return list(keep)


def _plain_graph(g: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """A copy whose attributes GraphML and GEXF both accept (no None, no nested values)."""
    import networkx as nx

    out = nx.MultiDiGraph()
    out.graph.update({k: str(v) for k, v in g.graph.items()})
    for iri, data in g.nodes(data=True):
        out.add_node(iri, **{k: v for k, v in data.items() if v is not None})
    for u, v, key, data in g.edges(keys=True, data=True):
        out.add_edge(u, v, key=key, **{k: val for k, val in data.items() if val is not None})
    return out


def _gexf(g: nx.MultiDiGraph) -> bytes:
    import networkx as nx

    h = _plain_graph(g)
    for iri, data in h.nodes(data=True):
        r, gr, b = _KIND_COLOURS.get(data["kind"], (120, 120, 120))
        data["viz"] = {"color": {"r": r, "g": gr, "b": b, "a": 1.0}}
    buf = io.BytesIO()
    nx.write_gexf(h, buf, version="1.2draft")
    return buf.getvalue()


def _graphml(g: nx.MultiDiGraph) -> bytes:
    from networkx.readwrite.graphml import GraphMLWriter

    class KeyPerScope(GraphMLWriter):
        """Key ids that say what they describe (``node_label``, ``edge_label``): unique, as GraphML
        requires; networkx's ``named_key_ids`` gave nodes' and edges' labels the same id "label"."""

        def get_key(self, name, attr_type, scope, default):
            if (name, attr_type, scope) not in self.keys:
                taken = set(self.keys.values())
                key_id = f"{scope}_{name}" if f"{scope}_{name}" not in taken else f"{scope}_{name}_{attr_type}"
                self.keys[(name, attr_type, scope)] = key_id
                element = self.myElement("key", **{"id": key_id, "for": scope, "attr.name": name, "attr.type": attr_type})
                if default is not None:
                    default_element = self.myElement("default")
                    default_element.text = str(default)
                    element.append(default_element)
                self.xml.insert(0, element)
            return self.keys[(name, attr_type, scope)]

    writer = KeyPerScope(encoding="utf-8", prettyprint=True)
    writer.add_graph_element(_plain_graph(g))
    buf = io.BytesIO()
    writer.dump(buf)
    return buf.getvalue()


def _cytoscape(g: nx.MultiDiGraph) -> bytes:
    import networkx as nx

    data = nx.cytoscape_data(g, name="label", ident="id")
    return json.dumps(data, ensure_ascii=False, indent=1).encode("utf-8")


def view_title(view: View) -> str:
    what = {View.PRECEDENCE: "Which text prevails: documents, clauses and external sources",
            View.REFERENCES: "Who cites whom: clauses and documents",
            View.DEFINITIONS: "Defined terms: where defined, where used",
            View.FULL: "The whole clause graph"}[view]
    return f"clausegraph: {view.value} view. {what}"


_PUBLISHERS = """
PREFIX cg: <https://w3id.org/clausegraph/ontology#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT DISTINCT ?name WHERE { ?d a cg:Document ; dcterms:publisher ?p . ?p rdfs:label ?name } ORDER BY ?name"""
PICTURE_FORMATS = (ExportFormat.DOT, ExportFormat.SVG, ExportFormat.MERMAID)


def _publishers(store: ox.Store | None) -> list[str]:
    return [str(row["name"]) for row in run_query(store, _PUBLISHERS).python()]


def _only(g: nx.MultiDiGraph, view: View, document: str | None) -> nx.MultiDiGraph:
    """``g``, or its drill-down into ``document`` (precedence only)."""
    if document is None:
        return g
    if view is not View.PRECEDENCE:
        raise ExportError(f"a document's drill-down is a precedence picture: use --view precedence with --document, not {view.value}")
    return document_view(g, document)


_CONCERNING = """
PREFIX cg: <https://w3id.org/clausegraph/ontology#>
SELECT DISTINCT ?c WHERE { ?c cg:concerns ?m . FILTER(?m IN (%s)) }"""


def _matter_clauses(store: ox.Store | None, matter: str) -> tuple[str, list[str]]:
    """The label of ``matter`` and the clauses that concern it or a matter below it."""
    from clausegraph.ontology.matters import broader_closure, load_matters, matter_iri

    table = {m.id: m for m in load_matters()}
    if matter not in table:
        raise ExportError(f"unknown matter {matter!r}: choose one of {', '.join(sorted(table))}")
    below = [m for m in table if matter in broader_closure([m])]
    iris = ", ".join(f"<{matter_iri(m)}>" for m in sorted(below))
    return table[matter].label, sorted(str(r["c"]) for r in run_query(store, _CONCERNING % iris).python())


def precedence_picture(store: ox.Store | None, document: str | None = None,
                       matter: str | None = None) -> tuple[nx.MultiDiGraph, str]:
    """What the drawing formats show of precedence: the map of documents, the drill-down into one
    document, or what decides one matter; and its title."""
    g = build_view(store, View.PRECEDENCE)
    if matter is not None:
        if document is not None:
            raise ExportError("draw one document (--document) or one matter (--matter), not both")
        label, clauses = _matter_clauses(store, matter)
        d = matter_view(g, matter, describe_nodes(store, clauses))
        return d, matter_title(d, label, _publishers(store))
    if document is None:
        m = precedence_map(g)
        return m, map_title(m, _publishers(store))
    d = document_view(g, document)
    return d, document_title(d, _publishers(store))


def view_html(store: ox.Store | None, view: View | str, *, fragment: bool = False, document: str | None = None) -> bytes:
    """One self-contained page (no network): the drawn view with pan, zoom, search and evidence;
    with ``fragment``, only its ``.cg-view`` element (for the served web page)."""
    from clausegraph.graph.page import render_view_page, view_fragment

    view = parse_view(view)
    g, clauses = build_view_with_clauses(store, view)
    title = view_title(view)
    if view is View.PRECEDENCE:  # the picture: the map, or one document drilled into; the clauses give the evidence
        if document is None:
            g = precedence_map(g)
            drawn = map_title(g, _publishers(store))
        else:
            g = document_view(g, document)
            drawn = document_title(g, _publishers(store))
        title = drawn.replace("\n", " · ")
        svg = dot_to_svg(to_dot(g, title=drawn))
    else:
        g = _only(g, view, document)
        svg = dot_to_svg(to_dot(g, title=title))
    if fragment:
        return view_fragment(g, svg, clauses).encode("utf-8")
    return render_view_page(g, svg, clauses, title=title).encode("utf-8")


def export_answer(result, fmt: ExportFormat | str) -> bytes:
    """The picture of one ``governs`` answer (graph/answer_picture.py) as dot, svg or html."""
    from clausegraph.graph.answer_picture import answer_picture, answer_title
    from clausegraph.graph.page import render_view_page

    try:
        fmt = ExportFormat(fmt)
    except ValueError:
        fmt = None
    if fmt not in (ExportFormat.DOT, ExportFormat.SVG, ExportFormat.HTML):
        raise ExportError(f"an answer is drawn as dot, svg or html, not {getattr(fmt, 'value', fmt)!r}")
    g = answer_picture(result)
    title = answer_title(result)
    dot = to_dot(g, title=title)
    if fmt is ExportFormat.DOT:
        return dot.encode("utf-8")
    svg = dot_to_svg(dot)
    if fmt is ExportFormat.SVG:
        return svg
    return render_view_page(g, svg, {}, title=title.replace("\n", " · ")).encode("utf-8")


def export_view(store: ox.Store | None, fmt: ExportFormat | str, view: View | str = View.FULL,
                document: str | None = None, matter: str | None = None) -> bytes:
    """``fmt`` of ``view``: RDF formats of the full view are the whole dataset. The drawing formats
    (dot, svg, mermaid) of the precedence view draw its map, or with ``document`` its drill-down
    into that document (graph/picture.py); the other formats write the view's data, of that
    document only when one is named."""
    try:
        fmt = ExportFormat(fmt)
    except ValueError:
        raise ExportError(f"unknown format {fmt!r}: choose one of {', '.join(f.value for f in ExportFormat)}") from None
    view = parse_view(view)
    if document is not None and view is not View.PRECEDENCE:
        _only(None, view, document)  # raises: a drill-down is of the precedence view
    if matter is not None and (view is not View.PRECEDENCE or fmt not in PICTURE_FORMATS):
        raise ExportError("what decides a matter (--matter) is a precedence picture: --view precedence, --format dot, svg or mermaid")
    if view is View.PRECEDENCE and fmt in PICTURE_FORMATS:
        g, title = precedence_picture(store, document, matter)
        if fmt is ExportFormat.MERMAID:
            return to_mermaid(g).encode("utf-8")
        dot = to_dot(g, title=title)
        return dot.encode("utf-8") if fmt is ExportFormat.DOT else dot_to_svg(dot)
    if fmt in RDF_FORMATS:
        if (view is View.FULL and document is None) or store is None:
            return export_dataset(store, fmt)
        return _serialize(_view_quads(store, _only(build_view(store, view), view, document)), fmt)
    if fmt is ExportFormat.HTML:
        return view_html(store, view, document=document)
    g = _only(build_view(store, view), view, document)
    if fmt is ExportFormat.GRAPHML:
        return _graphml(g)
    if fmt is ExportFormat.GEXF:
        return _gexf(g)
    if fmt is ExportFormat.CYTOSCAPE:
        return _cytoscape(g)
    if fmt is ExportFormat.MERMAID:
        return to_mermaid(g).encode("utf-8")
    dot = to_dot(g, title=view_title(view))
    if fmt is ExportFormat.DOT:
        return dot.encode("utf-8")
    return dot_to_svg(dot)
