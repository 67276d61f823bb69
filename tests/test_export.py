"""Every view in every format, read back by its real reader: rdflib, networkx, Graphviz's dot."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import xml.etree.ElementTree as ET

import networkx as nx
import pytest
import rdflib

import clausegraph
from clausegraph.graph.draw import element_ids
from clausegraph.graph.export import ExportFormat
from clausegraph.graph.views import View
from clausegraph.ontology.errors import ExportError
from tests.conftest import require_tool, run_cli

CG = "https://w3id.org/clausegraph/ontology#"
ID = "https://w3id.org/clausegraph/id/"
DOCS = {"terms-of-service", "additional-terms-for-consumers", "additional-terms-for-paid-services",
        "additional-terms-for-la-plateforme", "additional-terms-for-le-chat", "data-processing-agreement",
        "privacy-policy", "usage-policy", "partner-hosted-deployment-terms", "partner-served-deployment-terms"}
SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def views(kg):
    return {v: kg.view(v) for v in View}


def _needs_dot():
    require_tool(shutil.which("dot") is not None, "Graphviz's dot")


# ---------------------------------------------------------------------------- the views

def test_precedence_view_has_documents_external_sources_and_conditions(views):
    g = views[View.PRECEDENCE]
    docs = {d["document"] for _, d in g.nodes(data=True) if d["kind"] == "document"}
    assert docs == DOCS
    externals = {d["label"] for _, d in g.nodes(data=True) if d["kind"] == "external"}
    assert {"Partner Terms", "mandatory law", "laws of France", "California law"} <= externals
    dpa, tos = f"{ID}mistral-ai/data-processing-agreement/2025-02-06", f"{ID}mistral-ai/terms-of-service/2025-02-06"
    edge = g.edges[dpa, tos, "prevailsOver"]
    assert edge["condition"].startswith("In the event of any conflict between the terms of the DPA")
    assert "shall prevail to the extent of such conflict" in edge["words"]
    assert edge["rule"] == "precedence-conflict-between" and edge["explicit"] is True
    served, hosted = f"{ID}mistral-ai/partner-served-deployment-terms/2025-05-27", f"{ID}mistral-ai/partner-hosted-deployment-terms/2025-02-06"
    assert g.has_edge(served, hosted, "supersedes")
    # clause-level edges keep their clauses, inside their document
    kinds = {g.nodes[u]["kind"] for u, v, k in g.edges(keys=True) if k == "overrides"}
    assert kinds & {"section", "clause"} and kinds <= {"section", "clause", "document"}
    # a whole document overrides only where the words say the document does ("excluded from these Terms")
    assert all(d["rule"] == "precedence-excluded-from" for u, v, k, d in g.edges(keys=True, data=True)
               if k == "overrides" and g.nodes[u]["kind"] == "document")
    # "meaning given in the Agreement" lends words; it does not rank texts
    assert not any("precedence-meaning-given-in" == d["rule"] for *_, d in g.edges(data=True))


def test_every_edge_with_evidence_carries_its_words(views):
    for view, g in views.items():
        for u, v, key, data in g.edges(keys=True, data=True):
            if data["evidence"] and key not in ("cites",):
                assert data["words"] and data["clause"] and data["rule"], (view, u, key, v)


def test_references_view_rolls_clause_citations_up_to_documents(views):
    g = views[View.REFERENCES]
    cites = [(u, v, d) for u, v, k, d in g.edges(keys=True, data=True) if k == "cites"]
    assert cites and all(d["evidence"] >= 1 for *_, d in cites)
    clause_level = sum(1 for *_, k in g.edges(keys=True) if k == "references")
    assert clause_level >= sum(d["evidence"] for *_, d in cites)


def test_definitions_view_links_terms_to_where_defined_and_used(views):
    g = views[View.DEFINITIONS]
    terms = [n for n, d in g.nodes(data=True) if d["kind"] == "term"]
    assert len(terms) >= 50
    defined = {v for u, v, k in g.edges(keys=True) if k == "defines"}
    used = {v for u, v, k in g.edges(keys=True) if k == "usesTerm"}
    assert set(terms) == defined | used and len(defined & used) > 10


def test_full_view_holds_every_clause_and_no_lending_edge(kg, views):
    g = views[View.FULL]
    clauses = int(kg.query("SELECT (COUNT(?c) AS ?n) WHERE { ?c a cg:Clause }").values()[0]["n"])
    assert sum(1 for _, d in g.nodes(data=True) if d["kind"] == "clause") == clauses
    assert not any(d["rule"] == "precedence-meaning-given-in" for *_, d in g.edges(data=True))


# ---------------------------------------------------------------------------- every format, read back

@pytest.mark.parametrize("view", list(View), ids=lambda v: v.value)
def test_rdf_formats_read_back_by_rdflib(kg, views, view):
    g = views[view]
    parsed = {}
    for fmt, reader in (("turtle", "turtle"), ("trig", "trig"), ("nquads", "nquads"), ("jsonld", "json-ld")):
        data = kg.export(fmt, view)
        ds = rdflib.Dataset()
        ds.parse(data=data.decode("utf-8"), format=reader)
        triples = {(s, p, o) for s, p, o, _ in ds.quads((None, None, None, None))}
        assert triples, (view, fmt)
        parsed[fmt] = triples
    assert parsed["turtle"] == parsed["trig"] == parsed["nquads"] == parsed["jsonld"]
    # the view's edges are in its RDF, with the statements behind them
    for u, v, key, data in list(g.edges(keys=True, data=True))[:40]:
        if data["evidence"] and key != "cites":
            assert (rdflib.URIRef(u), rdflib.URIRef(CG + key), rdflib.URIRef(v)) in parsed["turtle"], (u, key, v)
    if view is not View.FULL:
        subjects = {str(s) for s, _, _ in parsed["turtle"]}
        statements = {s for *_, d in g.edges(data=True) for s in d["statements"].split()}
        assert subjects <= set(g) | statements


@pytest.mark.parametrize("view", list(View), ids=lambda v: v.value)
def test_graph_tool_formats_read_back_by_networkx(kg, views, view):
    g = views[view]
    ml = nx.read_graphml(io.BytesIO(kg.export("graphml", view)))
    assert ml.number_of_nodes() == g.number_of_nodes() and ml.number_of_edges() == g.number_of_edges()
    some = next(iter(g))
    assert ml.nodes[some]["kind"] == g.nodes[some]["kind"] and ml.nodes[some]["document"] == g.nodes[some]["document"]
    gexf = nx.read_gexf(io.BytesIO(kg.export("gexf", view)))
    assert gexf.number_of_nodes() == g.number_of_nodes() and gexf.number_of_edges() == g.number_of_edges()
    assert {d["kind"] for _, d in gexf.nodes(data=True)} == {d["kind"] for _, d in g.nodes(data=True)}
    cy = json.loads(kg.export("cytoscape", view))
    back = nx.cytoscape_graph(cy, name="label", ident="id")
    assert back.number_of_nodes() == g.number_of_nodes() and back.number_of_edges() == g.number_of_edges()
    relations = {d["relation"] for *_, d in back.edges(data=True)}
    assert relations == {d["relation"] for *_, d in g.edges(data=True)}


def test_graphml_key_ids_are_unique_and_labels_read_back_for_nodes_and_edges(kg, views):
    import xml.etree.ElementTree as ET

    body = kg.export("graphml", View.PRECEDENCE)
    keys = ET.fromstring(body).findall("{http://graphml.graphdrawing.org/xmlns}key")
    ids = [k.get("id") for k in keys]
    assert len(ids) == len(set(ids)), sorted(ids)  # GraphML: a key id names one key
    assert {(k.get("for"), k.get("attr.name")) for k in keys} >= {("node", "label"), ("edge", "label")}
    ml = nx.read_graphml(io.BytesIO(body))
    g = views[View.PRECEDENCE]
    assert {d["label"] for *_, d in ml.edges(data=True)} == {d["label"] for *_, d in g.edges(data=True)}
    assert {n: d["label"] for n, d in ml.nodes(data=True)} == {n: d["label"] for n, d in g.nodes(data=True)}


@pytest.mark.parametrize("view", list(View), ids=lambda v: v.value)
def test_dot_read_by_graphviz_and_svg_draws_every_node(kg, views, view):
    _needs_dot()
    g = views[view] if view is not View.PRECEDENCE else kg.precedence_picture()[0]  # precedence is drawn as its map
    dot = kg.export("dot", view)
    plain = subprocess.run(["dot", "-Tplain"], input=dot, capture_output=True, timeout=300, check=True).stdout.decode()
    assert sum(1 for line in plain.splitlines() if line.startswith("node ")) == g.number_of_nodes()
    svg = ET.fromstring(kg.export("svg", view))
    node_ids, edge_ids = element_ids(g)
    drawn = {el.get("id") for el in svg.iter(SVG + "g") if el.get("class") == "node"}
    assert drawn == set(node_ids.values())
    assert {el.get("id") for el in svg.iter(SVG + "g") if el.get("class") == "edge"} == set(edge_ids.values())


def test_precedence_svg_shows_documents_conditions_and_external_sources(kg):
    _needs_dot()
    svg = ET.fromstring(kg.export("svg", "precedence"))
    text = " ".join(t.text or "" for t in svg.iter(SVG + "text"))
    for title in ("Terms of Service", "Data Processing Agreement", "Privacy Policy", "Usage Policy",
                  "Additional Terms for Le Chat", "Additional Terms for La Plateforme", "Additional Terms for consumers",
                  "Additional Terms for Paid services", "Partner Hosted - Deployment Terms", "Partner Served - Deployment Terms"):
        assert title in text, title
    assert "prevails over" in text and "In the event of any conflict" in text
    assert "Partner Terms" in text and "mandatory law" in text and "supersedes" in text


def test_mermaid_is_a_flowchart_naming_every_node(kg, views):
    text = kg.export("mermaid", "precedence").decode()
    assert text.startswith("flowchart TB\n")
    node_ids, _ = element_ids(kg.precedence_picture()[0])
    for nid in node_ids.values():
        assert f"  {nid}[" in text or f"    {nid}[" in text or f"{nid}([" in text, nid
    assert "==>|" in text and "prevails over" in text
    # Mermaid's own parser reads it (tests/test_browser.py); here: quotes inside labels are escaped
    for line in text.splitlines():
        assert line.count('"') % 2 == 0, line


def test_html_is_one_file_that_fetches_nothing(kg):
    _needs_dot()
    page = kg.export("html", "precedence").decode()
    assert page.startswith("<!DOCTYPE html>")
    lowered = page.lower()
    assert "<script src" not in lowered and "<link rel=\"stylesheet\"" not in lowered and "@import" not in lowered
    assert "default-src 'none'" in page  # the page forbids itself any fetch
    data = page.split('class="cg-data">', 1)[1].split("</script>", 1)[0]
    parsed = json.loads(data)
    # the map, with the clauses that state its edges for the panel's evidence
    assert len(parsed["nodes"]) == kg.precedence_picture()[0].number_of_nodes() and parsed["clauses"]


# ---------------------------------------------------------------------------- the command line

def test_cli_export_writes_each_format_of_a_view(bundled_store, tmp_path):
    target = tmp_path / "references.gexf"
    done = run_cli("export", "--view", "references", "--format", "gexf", "-o", str(target), store=bundled_store)
    assert done.returncode == 0, done.stderr
    assert nx.read_gexf(target).number_of_nodes() > 50
    # RDF formats default to the whole dataset; drawing formats to the precedence view
    done = run_cli("export", "--format", "mermaid", store=bundled_store)
    assert done.returncode == 0 and "Data Processing Agreement" in done.stdout


def test_cli_export_without_graphviz_says_so(bundled_store, tmp_path):
    env_path = os.environ.get("PATH", "")
    bare = tmp_path / "bin"
    bare.mkdir()
    done = subprocess.run([os.sys.executable, "-m", "clausegraph", "export", "--format", "svg"],
                          capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PATH": str(bare), "CLAUSEGRAPH_STORE": str(bundled_store)})
    assert done.returncode == 1
    assert "[CG032]" in done.stderr and "Graphviz is not installed" in done.stderr and "Traceback" not in done.stderr
    assert env_path  # the test's own PATH is untouched


def test_unknown_view_or_format_is_an_export_error(kg):
    with pytest.raises(ExportError, match="unknown view"):
        kg.export("graphml", "everything")
    with pytest.raises(ExportError, match="unknown format"):
        kg.export("png", "precedence")
    assert {f.value for f in ExportFormat} == {"turtle", "trig", "nquads", "jsonld", "graphml", "gexf", "dot", "svg",
                                             "mermaid", "cytoscape", "html"}


def test_empty_store_exports_an_empty_view(tmp_path):
    kg = clausegraph.open(tmp_path / "empty")
    g = kg.view("precedence")
    assert g.number_of_nodes() == 0
    assert nx.read_graphml(io.BytesIO(kg.export("graphml", "precedence"))).number_of_nodes() == 0
    assert kg.export("turtle", "precedence") == b""


def test_hostile_text_is_drawn_as_text(hostile_store):
    _needs_dot()
    kg = clausegraph.open(hostile_store)
    g = kg.view("full")
    svg = kg.export("svg", "full").decode()
    kg.close()
    root = ET.fromstring(svg)
    tooltips = " ".join(a.get("{http://www.w3.org/1999/xlink}title") or "" for a in root.iter(SVG + "a"))
    assert "&#60;b&#62;bold&amp;" in tooltips  # not decoded by Graphviz into "<b>bold&"
    assert "<script>" not in svg  # the text is escaped in the SVG
    assert any(d["kind"] == "document" and d["effective"] for _, d in g.nodes(data=True))
