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
    mermaid    a Mermaid flowchart for markdown                     (text)
    cytoscape  Cytoscape.js JSON (elements: nodes, edges)          networkx.cytoscape_graph
    html       one offline page: the SVG with pan, zoom, search and
               the text and evidence of what you click              Chromium

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
from clausegraph.graph.views import View, build_view, build_view_with_clauses, parse_view
from clausegraph.ontology.errors import ExportError, GraphError
from clausegraph.ontology.namespaces import PREFIXES, RDF

if TYPE_CHECKING:  # networkx takes 0.25 s to import: only the functions that build or write a view load it
    import networkx as nx

__all__ = ["ExportFormat", "RDF_FORMATS", "export_dataset", "export_view", "view_html", "view_title"]


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


def view_html(store: ox.Store | None, view: View | str, *, fragment: bool = False) -> bytes:
    """One self-contained page (no network): the drawn view with pan, zoom, search and evidence;
    with ``fragment``, only its ``.cg-view`` element (for the served web page)."""
    from clausegraph.graph.page import render_view_page, view_fragment

    view = parse_view(view)
    g, clauses = build_view_with_clauses(store, view)
    title = view_title(view)
    svg = dot_to_svg(to_dot(g, title=title))
    if fragment:
        return view_fragment(g, svg, clauses).encode("utf-8")
    return render_view_page(g, svg, clauses, title=title).encode("utf-8")


def export_view(store: ox.Store | None, fmt: ExportFormat | str, view: View | str = View.FULL) -> bytes:
    """``fmt`` of ``view``: RDF formats of the full view are the whole dataset."""
    try:
        fmt = ExportFormat(fmt)
    except ValueError:
        raise ExportError(f"unknown format {fmt!r}: choose one of {', '.join(f.value for f in ExportFormat)}") from None
    view = parse_view(view)
    if fmt in RDF_FORMATS:
        if view is View.FULL or store is None:
            return export_dataset(store, fmt)
        return _serialize(_view_quads(store, build_view(store, view)), fmt)
    if fmt is ExportFormat.HTML:
        return view_html(store, view)
    g = build_view(store, view)
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
