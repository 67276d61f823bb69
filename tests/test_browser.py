"""The html export and the web page in real headless Chromium (Debian's chromium, driven by Playwright).

Each test records every request the page makes and every console message: the page must ask
nothing of the network (only its own file, or its own server) and log no error.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from urllib.parse import urlsplit

import pytest

import clausegraph
from tests.conftest import ROOT, require_tool


class Watch:
    """Requests and console messages of one page; anything off its origin is blocked and recorded."""

    def __init__(self, page, origin: str) -> None:
        self.requests: list[str] = []
        self.blocked: list[str] = []
        self.errors: list[str] = []
        self.dialogs: list[str] = []  # alert(), confirm(): document text must never open one
        page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        page.on("console", lambda m: self.errors.append(f"console {m.type}: {m.text}") if m.type in ("error", "warning") else None)
        page.on("pageerror", lambda e: self.errors.append(f"page error: {e}"))
        page.on("requestfailed", lambda r: self.errors.append(f"failed: {r.url}"))

        def route(r):
            url = r.request.url
            self.requests.append(url)
            same = url.startswith(origin) if origin != "file:" else url.startswith("file:") or url.startswith("data:")
            if same:
                r.continue_()
            else:
                self.blocked.append(url)
                r.abort()

        page.route("**/*", route)


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    p = context.new_page()
    yield p
    context.close()


def open_html_export(page, store, view: str, tmp_path, document: str | None = None):
    """Write the html export of ``view`` to disk and open it; the graph it draws (for precedence, the
    map or the drill-down into ``document``) and the page's Watch."""
    require_tool(shutil.which("dot") is not None, "Graphviz's dot")
    kg = clausegraph.open(store)
    target = tmp_path / f"{view}-{document or 'all'}.html"
    target.write_bytes(kg.export("html", view, document=document))
    g = kg.precedence_picture(document)[0] if view == "precedence" else kg.view(view)
    kg.close()
    watch = Watch(page, "file:")
    page.goto(target.as_uri())
    page.wait_for_selector(".cg-view[data-ready=true]")
    return g, watch


def test_html_export_opened_from_disk(page, bundled_store, tmp_path):
    g, watch = open_html_export(page, bundled_store, "precedence", tmp_path)

    # the graph renders with the expected nodes
    assert page.locator("g.node").count() == g.number_of_nodes()
    labels = page.evaluate("() => Array.from(document.querySelectorAll('g.node'), g => "
                           "Array.from(g.querySelectorAll('text'), t => t.textContent).join(' '))")
    for title in ("Terms of Service", "Data Processing Agreement", "Partner Terms"):
        assert any(title in t for t in labels), title

    # clicking an edge (a real mouse click on its label) shows the words that state it
    edges = page.evaluate("() => document.querySelector('.cg-view').clausegraph.data.edges")
    eid = next(k for k, e in sorted(edges.items()) if e["relation"] == "prevailsOver" and e["condition"])
    page.locator(f"#{eid} text").first.click(timeout=5000)
    details = page.locator(".cg-details")
    assert "prevails over" in details.inner_text()
    marks = details.locator("mark").all_text_contents()
    assert marks and all(m in edges[eid]["words"] for m in marks)

    # clicking a node shows its edges; the link to an edge works
    dpa = next(k for k, n in page.evaluate("() => document.querySelector('.cg-view').clausegraph.data.nodes").items()
               if n["label"] == "Data Processing Agreement")
    page.evaluate("id => document.querySelector('.cg-view').clausegraph.select(id)", dpa)
    assert "prevails over Terms of Service" in details.inner_text()
    details.locator("a.cg-link").first.click()
    assert details.locator("h2").count() == 1

    # search dims what does not match; Enter moves to a match and selects it
    page.fill(".cg-search", "Partner")
    expected = sum(1 for _, d in g.nodes(data=True)
                   if "partner" in " ".join((d["label"], d["text"], d["document_title"], d["iri"])).lower())
    assert 2 <= expected < g.number_of_nodes()
    assert page.locator(".cg-count").inner_text() == f"{expected} matches"
    page.press(".cg-search", "Enter")
    assert "Partner" in details.locator("h2").inner_text()
    assert page.locator("g.node.cg-dim").count() == g.number_of_nodes() - expected
    assert page.locator("g.node.cg-hit").count() == expected

    # zoom and pan change what is shown
    before = page.locator(".cg-canvas svg").get_attribute("viewBox")
    page.click(".cg-zoom-in")
    page.mouse.move(700, 500)
    page.mouse.down()
    page.mouse.move(600, 450, steps=5)
    page.mouse.up()
    assert page.locator(".cg-canvas svg").get_attribute("viewBox") != before
    page.click(".cg-fit")

    assert watch.blocked == [] and all(u.startswith("file:") for u in watch.requests)
    assert watch.errors == [] and watch.dialogs == []


@pytest.mark.parametrize("document", [None, "terms-of-service"], ids=["map", "terms-of-service"])
def test_html_export_opens_readable_on_a_1280_by_800_screen(browser, bundled_store, tmp_path, document):
    """At 1,280 x 800: labels at least 10 px from the start, the search box as wide as the drawing
    with its whole placeholder shown, and each edge of a clause's panel named once."""
    context = browser.new_context(viewport={"width": 1280, "height": 800}, device_scale_factor=1)
    page = context.new_page()
    try:
        g, watch = open_html_export(page, bundled_store, "precedence", tmp_path, document=document)
        view = "document.querySelector('.cg-view')"
        assert page.evaluate(f"() => {view}.clausegraph.smallestLabel()") >= 10
        search = page.evaluate("""() => { const s = document.querySelector('.cg-search'), st = getComputedStyle(s);
            const c = document.createElement('canvas').getContext('2d'); c.font = st.font;
            return { width: s.getBoundingClientRect().width, stage: document.querySelector('.cg-stage').getBoundingClientRect().width,
                     room: s.clientWidth - parseFloat(st.paddingLeft) - parseFloat(st.paddingRight),
                     placeholder: c.measureText(s.placeholder).width }; }""")
        assert search["width"] >= 0.9 * search["stage"] and search["placeholder"] <= search["room"]
        # every node of the drill-down: the names in its panel's lists are all different
        nodes = page.evaluate(f"() => {view}.clausegraph.data.nodes")
        for node_id in sorted(nodes):
            page.evaluate(f"id => {view}.clausegraph.select(id)", node_id)
            for ul in page.locator(".cg-details ul").all():
                items = ul.locator("li").all_text_contents()
                assert len(items) == len(set(items)), (nodes[node_id]["label"], items)
        # markdown is hidden, not removed: offsets into the text still mark the right words
        shown = page.evaluate("""() => { const b = window.clausegraphView.marked('* a **b** [c](http://x.example) d\\\\_e', ['b'], [[2, 3]]);
            document.body.appendChild(b); const r = [b.innerText, Array.from(b.querySelectorAll('mark'), m => m.innerText)]; b.remove(); return r; }""")
        assert shown == ["a b c d_e", ["a", "b"]]
        # the keyboard alone: Tab from the search box reaches a node, Enter shows it, + zooms
        page.focus(".cg-search")
        for _ in range(8):
            page.keyboard.press("Tab")
            if page.evaluate("() => document.activeElement.matches('g.node, g.edge')"):
                break
        focused = page.evaluate("() => [document.activeElement.id, document.activeElement.getAttribute('aria-label')]")
        assert focused[0] in nodes or focused[0] in page.evaluate(f"() => {view}.clausegraph.data.edges"), focused
        page.keyboard.press("Enter")
        assert page.locator(".cg-details h2").count() == 1 and focused[1]
        before = page.locator(".cg-canvas svg").get_attribute("viewBox")
        page.focus(".cg-canvas")
        page.keyboard.press("+")
        assert page.locator(".cg-canvas svg").get_attribute("viewBox") != before
        target = tmp_path / f"html-{document or 'map'}-1280x800.png"
        page.screenshot(path=str(target))
        print(f"\nscreenshot: {target}")
        assert watch.errors == [] and watch.blocked == []
    finally:
        context.close()


def test_hostile_text_in_the_html_export_stays_text(page, hostile_store, tmp_path):
    """Document text with "<!--<script>", entities and quotes: the page still works, the text shows as written."""
    nodes, watch = open_html_export(page, hostile_store, "full", tmp_path)
    clause = next(iri for iri, d in nodes.nodes(data=True) if "<!--<script>" in d["text"])
    node_id = page.evaluate("iri => Object.entries(document.querySelector('.cg-view').clausegraph.data.nodes)"
                            ".find(([k, n]) => n.iri === iri)[0]", clause)
    page.evaluate("id => document.querySelector('.cg-view').clausegraph.select(id)", node_id)
    shown = page.locator(".cg-details blockquote").inner_text()
    assert "<!--<script>alert(1)</script>" in shown and "&#60;b&#62;bold&amp;" in shown
    assert watch.dialogs == [] and watch.errors == [] and watch.blocked == []


def test_web_page_ask_browse_picture_and_sparql(page, server, tmp_path):
    require_tool(shutil.which("dot") is not None, "Graphviz's dot")
    origin = server.url
    watch = Watch(page, origin)
    page.goto(origin + "/")
    page.wait_for_selector("#ctx-role option[value=consumer]", state="attached")

    # ask, with the context as selectors: the answer, its decisive words and the precedence chain
    page.fill("#question", "If the DPA and the Terms of Service conflict, which one wins?")
    page.select_option("#ctx-role", "business")
    page.click("#ask")
    page.wait_for_selector("#answer .status")
    answer = page.locator("#answer")
    assert page.locator("#answer h3").count() >= 1
    assert answer.locator("blockquote mark").count() >= 1
    status = answer.locator(".status").inner_text()
    assert status in ("governs", "depends", "unresolved")
    # the answer drawn (governs --format svg, served as picture=svg), loaded as an image
    size = page.wait_for_function("() => { const i = document.querySelector('#answer img.answer-picture');"
                                  " return i && i.complete && i.naturalWidth > 0 && [i.naturalWidth, i.naturalHeight]; }").json_value()
    assert 100 < size[0] <= 1200 and size[1] <= 900
    page.screenshot(path=str(tmp_path / "web-answer.png"), full_page=True)
    print(f"\nscreenshot: {tmp_path / 'web-answer.png'}")
    # an answer that depends on a plan not given says for which plans the clause shown is the answer
    page.fill("#question", "Can Mistral train on my Le Chat chats?")
    page.select_option("#ctx-role", "consumer")
    page.select_option("#ctx-service", "le-chat")
    page.click("#ask")
    page.wait_for_function("() => { const s = document.querySelector('#answer .status'); return s && s.innerText === 'depends'; }")
    assert page.locator("#answer h3").first.inner_text().startswith("if plan = ")

    # the precedence picture
    page.click("nav button[data-tab=precedence]")
    page.wait_for_selector("#picture .cg-view[data-ready=true]")
    assert page.locator("#picture g.node").count() >= 20  # the map: documents, the group, external sources
    page.evaluate("() => { const v = document.querySelector('#picture .cg-view'); "
                  "v.clausegraph.select(Object.keys(v.clausegraph.data.edges).find(k => v.clausegraph.data.edges[k].relation === 'supersedes')); }")
    assert "supersedes" in page.locator("#picture .cg-details").inner_text()
    # drill into one document: its clauses by number and heading
    page.select_option("#drill", "terms-of-service")
    page.wait_for_function("() => { const v = document.querySelector('#picture .cg-view');"
                           " return v && v.clausegraph && Object.values(v.clausegraph.data.nodes).some(n => n.label === '§8 Privacy Policy'); }")

    # browse a document, a clause, its edges with the words that state them
    page.click("nav button[data-tab=browse]")
    page.locator("#documents a", has_text="Data Processing Agreement").click()
    page.wait_for_selector("#outline li")
    page.locator("#outline a", has_text="The Data Processing Addendum (DPA) is incorporated").first.click()
    page.wait_for_selector("#node table")
    node = page.locator("#node").inner_text()
    assert "prevailsOver" in node and "shall prevail" in node
    assert page.locator("#node blockquote mark").count() >= 1

    # the SPARQL editor, pre-filled with a named query
    page.click("nav button[data-tab=sparql]")
    page.wait_for_selector("#named option", state="attached")
    page.select_option("#named", label=next(o for o in page.locator("#named option").all_text_contents() if o.startswith("documents:")))
    assert "SELECT" in page.input_value("#sparql-text")
    page.click("#run")
    page.wait_for_selector("#sparql-result table")
    assert page.locator("#sparql-result tr").count() == 11  # header + ten documents
    # an error comes back as the one JSON shape and is shown as a message
    page.fill("#sparql-text", "DROP ALL")
    page.click("#run")
    page.wait_for_selector("#sparql-result .error")
    assert "CG041" in page.locator("#sparql-result .error").inner_text()

    assert watch.blocked == [] and watch.dialogs == []
    assert {urlsplit(u).netloc for u in watch.requests} == {urlsplit(origin).netloc}
    # the refused update is the only failed request the console may mention
    assert [e for e in watch.errors if "403" not in e] == []


MERMAID_JS = Path(os.environ.get("CLAUSEGRAPH_MERMAID_JS", ROOT / ".ci" / "node" / "node_modules" / "mermaid" / "dist" / "mermaid.min.js"))
_MERMAID_READ = """async ([text, render]) => {
  mermaid.initialize({ startOnLoad: false, maxTextSize: 50000000, maxEdges: 1000000, securityLevel: "strict" });
  try {
    await mermaid.parse(text);
    if (!render) return { ok: true };
    const { svg } = await mermaid.render("m" + Date.now(), text);
    // counted in the text: labels hold HTML (<br>), which an XML parser of the SVG would refuse
    return { ok: true, nodes: (svg.match(/<g class="node /g) || []).length,
             edges: (svg.match(/<path [^>]*data-edge="true"/g) || []).length };
  } catch (e) { return { ok: false, error: String(e.message || e).slice(0, 500) }; }
}"""


@pytest.mark.parametrize("view", ["precedence", "references", "definitions", "full"])
def test_mermaid_export_read_by_mermaid(browser, bundled_store, view):
    """Mermaid's own parser (from the npm registry, run in Chromium) accepts the export; the precedence view is drawn."""
    require_tool(MERMAID_JS.is_file(), f"mermaid.min.js (npm install --prefix .ci/node mermaid@11; looked at {MERMAID_JS})")
    kg = clausegraph.open(bundled_store)
    text = kg.export("mermaid", view).decode()
    g = kg.precedence_picture()[0] if view == "precedence" else kg.view(view)  # precedence is drawn as its map
    kg.close()
    page = browser.new_page()
    try:
        page.set_content("<!DOCTYPE html><html><body></body></html>")
        page.add_script_tag(path=str(MERMAID_JS))
        result = page.evaluate(_MERMAID_READ, [text, view == "precedence"])
    finally:
        page.close()
    assert result["ok"], result.get("error")
    if view == "precedence":
        assert result["nodes"] == g.number_of_nodes() and result["edges"] == g.number_of_edges()
