"""HTML pages go through a real HTML parser and keep their headings and lists."""

from __future__ import annotations

from clausegraph.ingest import parse_text
from clausegraph.ingest.coverage import coverage_problems
from clausegraph.ingest.html import html_to_text
from clausegraph.ontology.models import Clause, Section, SourceFormat, iter_nodes

PAGE = """<!doctype html><html><head><title>Acme</title><script>var x = "<h1>not a heading</h1>";</script>
<style>p { color: red }</style></head><body><nav><a href="/">Home</a></nav>
<h1>Acme Terms of Service</h1><p><em>Effective 1 March 2025</em></p>
<p>These Terms of Service (these &ldquo;<strong>Terms</strong>&rdquo;) govern your use.</p>
<h2>1. Using the Services</h2>
<p><strong>Restrictions.</strong> You will not:</p>
<ol><li>resell the Services;</li><li>copy them<ul><li>in whole, or</li><li>in part.</li></ul></li></ol>
<h3>1.1 Fees</h3><p>Fees are <b>non-refundable</b>.</p>
<table><tr><th>Plan</th><th>Price</th></tr><tr><td>Pro</td><td>15 | month</td></tr></table>
</body></html>"""


def test_html_keeps_headings_lists_and_tables():
    text = html_to_text(PAGE)
    assert "not a heading" not in text and "Home" not in text
    page = parse_text(PAGE, fmt=SourceFormat.HTML, name="acme.html")
    assert coverage_problems(page, text) == []
    (doc,) = page.documents
    assert doc.id == "acme-terms-of-service" and str(doc.effective) == "2025-03-01"
    sections = [(n.number, n.heading) for n in iter_nodes(doc.children) if isinstance(n, Section)]
    assert sections == [("1", "Using the Services"), ("1.1", "Fees")]
    restrictions = next(n for n in iter_nodes(doc.children) if isinstance(n, Clause) and n.heading == "Restrictions")
    items = restrictions.children
    assert [i.kind.value for i in items] == ["item", "item"]
    assert [c.text for c in items[1].children] == ["- in whole, or", "- in part."]
    assert any(n.kind.value == "table" for n in iter_nodes(doc.children) if isinstance(n, Clause))
