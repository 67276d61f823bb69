"""Drawings of a view: Graphviz DOT (and SVG through Debian's ``dot``) and Mermaid.

The DOT is laid out top to bottom so that a winner sits above what it wins over: every ranking
edge points from winner to loser, and edges that do not rank (incorporation, a clause's citation,
the use of a term) do not pull ranks (``constraint=false``); a document's citations of another
(``cites``) do. Clauses and sections sit in a box with the
document they belong to; external sources are dashed ellipses; each edge is labelled with its
relation and its condition. Node and edge ids in the SVG are ``n<i>`` / ``e<i>``, in the order of
:func:`element_ids`, so a page can attach the data of the view to what it draws.

A picture (a graph with a ``picture`` attribute: the map, a drill-down, a matter or an answer, from
graph/picture.py and graph/answer_picture.py) is drawn to be read without zooming: PICTURE sizes,
names wrapped short, each edge saying only its ``caption`` beside its colour, and a title whose
legend names the relations drawn and lists the conditions (or deciding words) the captions number.
"""

from __future__ import annotations

import shutil
import subprocess
import textwrap
from typing import TYPE_CHECKING


from clausegraph.ontology.errors import ExportError

if TYPE_CHECKING:  # networkx takes 0.25 s to import: only the functions that build or write a view load it
    import networkx as nx

__all__ = ["element_ids", "to_dot", "dot_to_svg", "to_mermaid", "edge_caption"]

FONT = "DejaVu Sans"
NODE_STYLE = {
    "document": {"shape": "box", "style": "filled,bold", "fillcolor": "#dbe9f6", "fontsize": "13"},
    "group": {"shape": "folder", "style": "filled", "fillcolor": "#e8f4e4", "fontsize": "12"},
    "external": {"shape": "ellipse", "style": "filled,dashed", "fillcolor": "#fdf3d0", "fontsize": "11"},
    "section": {"shape": "note", "style": "filled", "fillcolor": "#f4f4f4", "fontsize": "10"},
    "clause": {"shape": "note", "style": "filled", "fillcolor": "#ffffff", "fontsize": "10"},
    "term": {"shape": "plaintext", "style": "", "fillcolor": "", "fontsize": "10"},
    "answer": {"shape": "note", "style": "filled,bold", "fillcolor": "#d5f5e3", "fontsize": "11"},
}
EDGE_STYLE = {
    "prevailsOver": {"color": "#b03a2e", "penwidth": "2.2", "style": "solid"},
    "overrides": {"color": "#7d3c98", "penwidth": "1.6", "style": "solid"},
    "constrains": {"color": "#1f618d", "penwidth": "1.4", "style": "dashed"},
    "governsFor": {"color": "#1e8449", "penwidth": "1.4", "style": "solid"},
    "incorporates": {"color": "#7f8c8d", "penwidth": "1.0", "style": "dotted", "constraint": "false"},
    "supersedes": {"color": "#000000", "penwidth": "1.8", "style": "bold", "arrowhead": "empty"},
    "member": {"color": "#7f8c8d", "penwidth": "1.0", "style": "dotted", "arrowhead": "odiamond"},
    "references": {"color": "#5d6d7e", "penwidth": "0.8", "style": "solid", "constraint": "false"},
    "cites": {"color": "#2e4053", "penwidth": "1.8", "style": "solid"},
    "defines": {"color": "#1e8449", "penwidth": "1.2", "style": "solid"},
    "usesTerm": {"color": "#aab7b8", "penwidth": "0.6", "style": "dotted", "constraint": "false"},
    "borrowsDefinitionsFrom": {"color": "#1e8449", "penwidth": "1.2", "style": "dashed"},
    "partOf": {"color": "#d5d8dc", "penwidth": "0.6", "style": "solid", "arrowhead": "none", "dir": "back"},
    "readWith": {"color": "#7f8c8d", "penwidth": "1.0", "style": "dotted"},
    "rival": {"color": "#d68910", "penwidth": "1.2", "style": "dashed", "arrowhead": "none"},
}
# edge labels are left off these (too many to read); their data stays in the tooltip and the file
_QUIET = {"usesTerm", "partOf", "references", "member"}


def element_ids(g: nx.MultiDiGraph) -> tuple[dict[str, str], dict[tuple, str]]:
    """Stable ids: ``n<i>`` for nodes in IRI order, ``e<i>`` for edges in (source, target, relation) order."""
    nodes = {iri: f"n{i}" for i, iri in enumerate(sorted(g))}
    edges = {key: f"e{i}" for i, key in enumerate(sorted(g.edges(keys=True)))}
    return nodes, edges


def edge_caption(data: dict, width: int = 28, limit: int = 90) -> str:
    """Relation, then the condition (or the context fields) it holds under, wrapped for a drawing."""
    caption = data.get("label") or data.get("relation", "")
    if data.get("explicit") is False:
        caption += " (listed order)"
    condition = (data.get("condition") or "").split(" | ")[0] or (data.get("fields") or "")
    if data.get("relation") == "cites" and data.get("evidence"):
        condition = f"{data['evidence']} citation{'s' if data['evidence'] != 1 else ''}"
    if condition:
        condition = condition if len(condition) <= limit else condition[: limit - 1].rstrip() + "…"
        caption += "\n" + "\n".join(textwrap.wrap(condition, width))
    return caption


def _frames(g: nx.MultiDiGraph) -> list[tuple[str, list[str]]]:
    """Per document that has sections or clauses in the view: its title and its nodes (document first)."""
    members: dict[str, list[str]] = {}
    for iri, data in g.nodes(data=True):
        if data["kind"] in ("section", "clause"):
            members.setdefault(data["document"], []).append(iri)
    documents = {data["document"]: iri for iri, data in g.nodes(data=True) if data["kind"] == "document"}
    frames = []
    for doc, inside in sorted(members.items()):
        doc_iri = documents.get(doc)
        frames.append((g.nodes[doc_iri]["label"] if doc_iri else doc, ([doc_iri] if doc_iri else []) + sorted(inside)))
    return frames


def _quote(text: str) -> str:
    # Graphviz reads "&name;" in a label as an entity: "&" is written as "&amp;" so text stays text
    text = str(text).replace("&", "&amp;").replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return '"' + text + '"'


def _attrs(attrs: dict) -> str:
    """``k="v"`` pairs; an empty value is left out, except a label (an empty cluster label hides the graph's)."""
    return ", ".join(f"{k}={_quote(v)}" for k, v in attrs.items() if v != "" or k == "label")


# the map and the drill-down (graph/picture.py) are drawn to be read without zooming: sizes in points
# (an SVG point is 4/3 px at 100 %); the smallest, 9 pt, is 12 px. "size" makes Graphviz shrink a
# drawing larger than 1,200 x 900 px to fit (12.3 x 9.2 in and its margin); tests/test_pictures.py measures the
# labels that result (at least 10 px, none overlapping) in Chromium
PICTURE = {
    "graph": {"nodesep": "0.12", "ranksep": "0.42", "fontsize": "14", "margin": "0.1", "size": "12.3,9.2"},
    "node": {"margin": "0.08,0.04"},
    "edge": {"fontsize": "9"},
    "sizes": {"document": "11", "group": "11", "external": "10", "section": "10", "clause": "10", "term": "10", "answer": "11"},
}
STAGGER = {"map": 1, "document": 3}  # rows to spread the sources of a picture over
RANKING = ("prevailsOver", "overrides")  # on a picture, these place a text above another when relations disagree
PICTURE_WRAP = 13
FRAME_COLUMNS = 2  # a frame stacks the clauses no edge places in this many columns
PICTURE_LINES = 3  # lines of a name at most (an external source named by a whole sentence; a document's is never cut)


def _picture_label(data: dict, wide: bool = False) -> str:
    """A node's name wrapped for a picture; ``wide`` for the few nodes of an answer's picture."""
    lines = textwrap.wrap(data["label"], PICTURE_WRAP * 2 if wide else PICTURE_WRAP, break_long_words=False) or [data["label"]]
    if len(lines) > PICTURE_LINES and data["kind"] not in ("document", "group"):  # a document's name is never cut
        lines = lines[:PICTURE_LINES]
        lines[-1] = lines[-1][: PICTURE_WRAP - 1].rstrip() + "…"
    if data["kind"] == "document" and data.get("effective"):
        lines.append(data["effective"])
    return "\n".join(lines)


# the legend of a picture: how each relation is drawn, in the words of RELATION_LABELS
_LEGEND_MARKS = {"solid": "———", "dashed": "– – –", "dotted": "·······", "bold": "———"}


def _html(text: str) -> str:
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def _legend_label(title: str, g: nx.MultiDiGraph) -> str:
    """The title of a picture (a Graphviz HTML-like label), and under it a legend of the relations it draws."""
    from clausegraph.graph.views import RELATION_LABELS

    rows = [f'<tr><td colspan="4"><font point-size="{PICTURE["graph"]["fontsize"]}">{_html(line)}</font></td></tr>'
            for line in title.split("\n")]
    names = {d["relation"]: RELATION_LABELS.get(d["relation"]) or d.get("label") or d["relation"] for *_, d in g.edges(data=True)}
    shown = [r for r in EDGE_STYLE if r in names]
    cells = []
    for relation in shown:
        style = EDGE_STYLE[relation]
        mark = _LEGEND_MARKS.get(style["style"], "———") + ("▷" if style.get("arrowhead") == "empty" else
                                                             "◇" if style.get("arrowhead") == "odiamond" else "▶")
        cells.append(f'<td align="left"><font color="{style["color"]}">{mark}</font> '
                     f'<font point-size="{PICTURE["edge"]["fontsize"]}">{_html(names[relation])}</font></td>')
    for i in range(0, len(cells), 4):
        rows.append("<tr>" + "".join(cells[i:i + 4]) + "</tr>")
    for i, note in enumerate(g.graph.get("notes") or (), start=1):
        rows.append(f'<tr><td colspan="4" align="left"><font point-size="{PICTURE["edge"]["fontsize"]}">'
                    f'{g.graph.get("note_word", "if")} [{i}]: {_html(note)}</font></td></tr>')
    return '<<table border="0" cellborder="0" cellspacing="2" cellpadding="1">' + "".join(rows) + "</table>>"


def _node_label(data: dict) -> str:
    label = data["label"]
    if data["kind"] == "document" and data.get("effective"):
        label += f"\neffective {data['effective']}"
    return "\n".join(textwrap.wrap(label, 30)) if data["kind"] != "document" else label


def to_dot(g: nx.MultiDiGraph, title: str | None = None) -> str:
    """The view as Graphviz DOT, clustered by document, winners above losers."""
    node_ids, edge_ids = element_ids(g)
    view = g.graph.get("view", "")
    picture = bool(g.graph.get("picture"))
    # an answer's few nodes name their documents; frames there only crowd the labels of its edges
    frames = [] if g.graph.get("picture") == "answer" else _frames(g)
    graph_style = {'rankdir': 'TB', 'newrank': 'true', 'fontname': FONT, 'nodesep': '0.35', 'ranksep': '0.8', 'labelloc': 't', 'fontsize': '16'}
    node_style = {'fontname': FONT, 'margin': '0.12,0.06'}
    edge_style = {'fontname': FONT, 'fontsize': '9', 'arrowsize': '0.7'}
    if picture:
        graph_style, node_style, edge_style = ({**graph_style, **PICTURE["graph"]}, {**node_style, **PICTURE["node"]},
                                               {**edge_style, **PICTURE["edge"]})
        if not frames:  # newrank lets frames share ranks; without frames, dot's own ranking packs tighter
            del graph_style["newrank"]
    title = title or f"clausegraph: {view} view"
    lines = [
        "digraph clausegraph {",
        f"  graph [{_attrs({**graph_style, 'label': title, 'tooltip': title})}];" if not picture else
        f"  graph [{_attrs({**graph_style, 'tooltip': title})}, label={_legend_label(title, g)}];",
        f"  node [{_attrs(node_style)}];",
        f"  edge [{_attrs(edge_style)}];",
    ]

    def node_line(iri: str, indent: str) -> str:
        data = g.nodes[iri]
        style = dict(NODE_STYLE.get(data["kind"], NODE_STYLE["clause"]))
        if picture and data["kind"] == "external":  # a box holds a wrapped name in less width than an ellipse
            style.update(shape="box", style="filled,dashed,rounded")
        tooltip = data.get("text") or data.get("document_title") or data["label"]
        label = _node_label(data)
        if picture:
            style["fontsize"] = PICTURE["sizes"].get(data["kind"], "10")
            label = _picture_label(data, wide=g.graph.get("picture") == "answer")
            if data.get("inside"):
                tooltip += f" ({data['inside']} statement{'s' if data['inside'] != 1 else ''} between its own clauses)"
        return f"{indent}{node_ids[iri]} [{_attrs({**style, 'id': node_ids[iri], 'label': label, 'tooltip': tooltip[:300]})}];"

    # external sources, which only point down, would all sit in one row above what they name: a
    # picture staggers them over STAGGER rows (what Graphviz's unflatten does for leaves)
    framed = {iri for _, inside in frames for iri in inside}
    sources = sorted((iri for iri, d in g.nodes(data=True) if not g.in_degree(iri) and iri not in framed
                      and (d["kind"] == "external" or g.graph.get("picture") == "document")),
                     key=lambda iri: g.nodes[iri]["label"])
    rows = STAGGER.get(g.graph.get("picture"), 1)
    stagger = {iri: 1 + i % rows for i, iri in enumerate(sources)}
    placed: set[str] = set()
    for i, (title_text, inside) in enumerate(frames):
        lines.append(f"  subgraph cluster_{i} {{")
        lines.append(f"    graph [{_attrs({'style': 'rounded', 'color': '#aeb6bf', 'label': '', 'tooltip': title_text})}];")
        for iri in inside:
            lines.append(node_line(iri, "    "))
            placed.add(iri)
        if picture:  # clauses no edge places would fill one row: stack them in columns under their document
            alone = [iri for iri in inside if not g.degree(iri)]
            for a, b in zip(alone, alone[FRAME_COLUMNS:]):
                lines.append(f"    {node_ids[a]} -> {node_ids[b]} [style=\"invis\"];")
        lines.append("  }")
    for iri in sorted(g):
        if iri not in placed:
            lines.append(node_line(iri, "  "))
    for u, v, key in sorted(g.edges(keys=True)):
        data = g.edges[u, v, key]
        style = dict(EDGE_STYLE.get(data["relation"], {}))
        if data.get("explicit") is False:
            style["style"] = "dashed"
        if "caption" in data:
            label = data["caption"]
        else:
            label = "" if data["relation"] in _QUIET else edge_caption(data)
        tooltip = data.get("words") or data.get("label") or data["relation"]
        attrs = {**style, "id": edge_ids[(u, v, key)], "label": label, "tooltip": tooltip[:300]}
        if picture and u in stagger:
            attrs["minlen"] = str(stagger[u])
        if picture and data["relation"] not in RANKING and any(g.has_edge(v, u, r) for r in RANKING):
            attrs["constraint"] = "false"  # "the DPA prevails over the Terms" places them, not "the Terms constrain §11.3 of the DPA"
        if data["relation"] == "partOf":  # draw the tree parent above child
            lines.append(f"  {node_ids[v]} -> {node_ids[u]} [{_attrs({**attrs, 'dir': 'back'})}];")
        else:
            lines.append(f"  {node_ids[u]} -> {node_ids[v]} [{_attrs(attrs)}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def dot_to_svg(dot: str, timeout: float = 120.0) -> bytes:
    """Lay out and draw DOT with Graphviz's ``dot``; a clear error when Graphviz is not installed."""
    exe = shutil.which("dot")
    if exe is None:
        raise ExportError("Graphviz is not installed: the svg and html formats need its 'dot' program "
                          "(Debian/Ubuntu: apt install graphviz; macOS: brew install graphviz)")
    try:
        done = subprocess.run([exe, "-Tsvg"], input=dot.encode("utf-8"), capture_output=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        raise ExportError(f"Graphviz took longer than {timeout:.0f} s to lay out this view") from None
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise ExportError(f"Graphviz failed: {message[0] if message else 'exit code ' + str(done.returncode)}")
    return done.stdout


def _mermaid_text(text: str) -> str:
    text = str(text).replace("&", "#amp;").replace('"', "#quot;").replace("<", "#lt;").replace(">", "#gt;")
    return text.replace("|", "#124;").replace("\n", "<br/>")


_MERMAID_ARROWS = {"prevailsOver": "==>", "supersedes": "==>", "constrains": "-.->", "incorporates": "-.->",
                   "member": "-.->", "usesTerm": "-.->"}


def to_mermaid(g: nx.MultiDiGraph) -> str:
    """The view as a Mermaid flowchart (top to bottom; a subgraph per document with clauses shown)."""
    node_ids, _ = element_ids(g)
    lines = ["flowchart TB"]
    shapes = {"document": ('["', '"]'), "group": ('[["', '"]]'), "external": ('(["', '"])'),
              "section": ('["', '"]'), "clause": ('["', '"]'), "term": ('{{"', '"}}')}

    def node(iri: str) -> str:
        data = g.nodes[iri]
        left, right = shapes.get(data["kind"], ('["', '"]'))
        return f"{node_ids[iri]}{left}{_mermaid_text(_node_label(data))}{right}"

    placed: set[str] = set()
    for i, (title, inside) in enumerate(_frames(g)):
        lines.append(f'  subgraph doc{i}["{_mermaid_text(title)}"]')
        for iri in inside:
            lines.append("    " + node(iri))
            placed.add(iri)
        lines.append("  end")
    for iri in sorted(g):
        if iri not in placed:
            lines.append("  " + node(iri))
    for u, v, key in sorted(g.edges(keys=True)):
        data = g.edges[u, v, key]
        arrow = _MERMAID_ARROWS.get(data["relation"], "-->")
        label = "" if data["relation"] in _QUIET else edge_caption(data, width=40)
        a, b = (v, u) if data["relation"] == "partOf" else (u, v)
        lines.append(f"  {node_ids[a]} {arrow}" + (f'|"{_mermaid_text(label)}"|' if label else "") + f" {node_ids[b]}")
    classes = {"document": "fill:#dbe9f6,stroke:#34495e,stroke-width:2px", "external": "fill:#fdf3d0,stroke-dasharray: 4 3",
               "group": "fill:#e8f4e4"}
    for kind, style in classes.items():
        ids = [node_ids[iri] for iri, d in g.nodes(data=True) if d["kind"] == kind]
        if ids:
            lines.append(f"  classDef {kind} {style}")
            lines.append(f"  class {','.join(ids)} {kind}")
    return "\n".join(lines) + "\n"
