"""One self-contained HTML page for a view: the Graphviz SVG, its data, the viewer's CSS and JS inline.

Nothing is fetched (no CDN, no font, not even a favicon), so the file works when opened from disk
and the served web page can embed the same fragment.
"""

from __future__ import annotations

import html
import json
import re
from importlib.resources import files
from typing import TYPE_CHECKING


from clausegraph.graph.draw import element_ids

if TYPE_CHECKING:  # networkx takes 0.25 s to import: only the functions that build or write a view load it
    import networkx as nx

__all__ = ["view_data", "view_fragment", "render_view_page", "asset"]


def asset(name: str) -> str:
    """The text of a file in ``graph/assets``."""
    return files("clausegraph.graph").joinpath("assets", name).read_text(encoding="utf-8")


def view_data(g: nx.MultiDiGraph, clauses: dict[str, dict]) -> dict:
    """The nodes and edges of ``g`` keyed by their SVG ids, and the clauses that state the edges."""
    node_ids, edge_ids = element_ids(g)
    nodes = {node_ids[iri]: {k: data.get(k, "") for k in ("iri", "kind", "label", "document", "document_title",
                                                          "number", "heading", "text", "effective")}
             for iri, data in g.nodes(data=True)}
    edges = {}
    for (u, v, key), eid in edge_ids.items():
        data = g.edges[u, v, key]
        edges[eid] = {"source": node_ids[u], "target": node_ids[v],
                      **{k: data.get(k, "") for k in ("relation", "label", "words", "condition", "fields", "rule", "clause",
                                                      "explicit", "evidence")}}
    return {"view": g.graph.get("view", ""), "nodes": nodes, "edges": edges, "clauses": clauses}


def _inline_json(value) -> str:
    # no "<", ">" or "&" at all inside the script element ("</script", "<!--" would change how the
    # page is parsed); U+2028/9 end a line in older JavaScript
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    for char, escaped in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(char, escaped)
    return text


def _bare_svg(svg: bytes) -> str:
    text = svg.decode("utf-8")
    text = re.sub(r"^\s*<\?xml[^>]*\?>\s*", "", text)
    text = re.sub(r"^\s*<!DOCTYPE[^>]*>\s*", "", text)
    return re.sub(r"^\s*<!--.*?-->\s*", "", text, flags=re.S)


def view_fragment(g: nx.MultiDiGraph, svg: bytes, clauses: dict[str, dict]) -> str:
    """The ``.cg-view`` element (toolbar, SVG, detail panel, data) that viewer.js brings to life."""
    counts = f"{g.number_of_nodes()} nodes, {g.number_of_edges()} edges"
    return (
        '<div class="cg-view">\n'
        '  <div class="cg-stage">\n'
        '    <div class="cg-toolbar">\n'
        '      <input type="search" class="cg-search" placeholder="Search nodes (Enter: next match)" aria-label="Search nodes">\n'
        '      <span class="cg-count"></span>\n'
        '      <button type="button" class="cg-zoom-in" title="Zoom in">+</button>\n'
        '      <button type="button" class="cg-zoom-out" title="Zoom out">&minus;</button>\n'
        '      <button type="button" class="cg-fit" title="Show all">Fit</button>\n'
        f'      <span class="cg-legend">{html.escape(counts)}. Drag to pan, wheel to zoom, click a node or an edge.</span>\n'
        '    </div>\n'
        f'    <div class="cg-canvas">{_bare_svg(svg)}</div>\n'
        '  </div>\n'
        '  <aside class="cg-details"><p>Click a node to see its text and edges, or an edge to see the words that state it.</p></aside>\n'
        f'  <script type="application/json" class="cg-data">{_inline_json(view_data(g, clauses))}</script>\n'
        '</div>\n'
    )


def render_view_page(g: nx.MultiDiGraph, svg: bytes, clauses: dict[str, dict], *, title: str) -> str:
    """A whole HTML document: open it from disk in any browser, offline."""
    return (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; img-src data:; "
        "style-src 'unsafe-inline'; script-src 'unsafe-inline'\">\n"
        "<link rel=\"icon\" href=\"data:,\">\n"
        f"<title>{html.escape(title)}</title>\n"
        f"<style>html, body {{ margin: 0; height: 100%; }} body {{ display: flex; flex-direction: column; }}\n"
        f"header {{ padding: 6px 12px; font: 15px \"DejaVu Sans\", Arial, sans-serif; border-bottom: 1px solid #d5d8dc; }}\n"
        f".cg-view {{ flex: 1 1 auto; min-height: 0; }}\n{asset('viewer.css')}</style>\n"
        "</head>\n<body>\n"
        f"<header><strong>{html.escape(title)}</strong> &middot; made by clausegraph</header>\n"
        f"{view_fragment(g, svg, clauses)}"
        f"<script>{asset('viewer.js')}</script>\n"
        "</body>\n</html>\n"
    )
