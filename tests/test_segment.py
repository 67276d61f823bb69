"""Structure of real terms pages, one behaviour per case, on hand-built inputs in the shapes of the
history file's vendors (numbering schemes, numbered paragraphs, headings, page chrome, bundled records)."""

from __future__ import annotations

import pytest

from clausegraph.ingest import parse_text
from clausegraph.ingest.coverage import coverage_problems
from clausegraph.ingest.pages import make_source, parse_record
from clausegraph.ingest.patterns import CHROME_RULES, SCHEMES, read_label, strip_markup
from clausegraph.ingest.segment import MAX_DEPTH
from clausegraph.ontology.models import Clause, Publisher, Section, SourceFormat, iter_nodes

HEAD = "Acme Terms\n==========\n\nEffective: May 28, 2026\n\n"


@pytest.mark.parametrize("scheme", SCHEMES, ids=lambda s: s.name)
def test_numbering_scheme_reads_its_example(scheme):
    label = read_label(scheme.example)
    assert label is not None and (label.scheme, label.number) == (scheme.name, scheme.number)


@pytest.mark.parametrize("rule", CHROME_RULES, ids=lambda r: r.name)
def test_chrome_rule_matches_its_example(rule):
    assert rule.pattern.match(strip_markup(rule.example))


def _page(body: str):
    text = HEAD + body
    page = parse_text(text, fmt=SourceFormat.MARKDOWN)
    assert coverage_problems(page, text) == []
    return page, page.documents[0]


def _sections(doc) -> list[str]:
    return [f"{n.key}|{n.number or ''}|{n.heading or ''}" for n in iter_nodes(doc.children) if isinstance(n, Section)]


@pytest.mark.parametrize("body,expected", [
    ("**2\\. USE OF PLATFORM**.\n\n**2.1 Right to Use.** Subject to the terms of this Agreement, Customer may use it.\n\n"
     "**2.2** **Authorized Users.** Perplexity shall enable Customer to create accounts.\n",
     ["2|2|USE OF PLATFORM", "2.1|2.1|Right to Use", "2.2|2.2|Authorized Users"]),
    ("1\\. Services\n-----------\n\n1.1 We grant you a right to use the Services.\n\n1.2 The Services are based on models.\n",
     ["1|1|Services", "1.1|1.1|", "1.2|1.2|"]),
    ("Services\n--------\n\n6.1 We grant you a right to use the Services.\n\n6.2 The Services are based on models.\n",
     ["services|6|Services", "services/6.1|6.1|", "services/6.2|6.2|"]),
    ("## 1. Who we are.\n\nWe are Acme.\n\n## 2. What we collect.\n\nData.\n", ["1|1|Who we are", "2|2|What we collect"]),
    ("**A. Services**\n\nA.1. **Overview.** Subject to these terms, we provide the Services.\n\n"
     "A.1.a The Services include the API.\n\nA.1.b The Services include the apps.\n\n**B. Fees**\n\nB.1. **Payment.** You pay.\n",
     ["a|A|Services", "a.1|A.1|Overview", "a.1.a|A.1.a|", "a.1.b|A.1.b|", "b|B|Fees", "b.1|B.1|Payment"]),
    ("1.  I. Account Registration and Security\n    \n    *   **1\\. Minimum Age.** You must be at least 18 years old.\n"
     "    *   **2\\. Account Security.** You keep your password safe.\n2.  II. Use of Our Services\n    \n"
     "    **1.** You agree to use the Services lawfully.\n",
     ["i|I|Account Registration and Security", "i/1|1|Minimum Age", "i/2|2|Account Security", "ii|II|Use of Our Services",
      "ii/1|1|"]),
    ("1.  **SERVICES**\n    \n    1.  **Access to Services**. Subject to this Agreement, you may use the Services.\n"
     "    2.  **Permitted Users**. Customer may allow employees to use them.\n2.  **FEES**\n    \n"
     "    1.  **Payment**. Customer pays the fees.\n3.  **TERM**\n    \n    1.  **Term**. This Agreement starts today.\n",
     ["1|1|SERVICES", "1.1|1.1|Access to Services", "1.2|1.2|Permitted Users", "2|2|FEES", "2.1|2.1|Payment", "3|3|TERM",
      "3.1|3.1|Term"]),
    ("Child Safety\n\nWe do not allow content that sexualises children, and we report it to the authorities.\n",
     ["child-safety||Child Safety"]),
    ("The service is great.\n\n2.5 million people use it every day, in many countries of the world.\n", []),
], ids=["bold-decimal", "plain-decimal", "implied-number", "heading-with-period", "letter-decimal", "roman-over-decimal",
        "ordered-outline", "plain-heading-line", "a-number-is-no-label"])
def test_sections_as_printed(body, expected):
    _, doc = _page(body)
    assert _sections(doc) == expected


def test_a_numbered_paragraph_is_a_section_holding_its_text():
    _, doc = _page("**2.1. Use.** Customer may use it.\n\n**2.2. Use Restrictions.** Customer will not:\n\n(a) use the Services unlawfully;\n\n(b) resell them.\n")
    _, section = doc.children
    assert (section.number, section.heading, section.heading_text) == ("2.2", "Use Restrictions", "**2.2. Use Restrictions.**")
    (body,) = section.children
    assert body.text == "Customer will not:" and [c.label for c in body.children] == ["(a)", "(b)"]


def test_page_chrome_is_kept_out_and_reported_as_fragments():
    page, doc = _page("Download PDF\n\n**Previous versions**\n\n*   [May 12, 2026](https://x.ai/legal/prev-1)\n"
                      "*   [April 10, 2026](https://x.ai/legal/prev-2)\n\n[Your Privacy](#privacy)\n\n[Your Content](#content)\n\n"
                      "These Terms govern your use of the Services.\n")
    assert [c.text for c in iter_nodes(doc.children)] == ["These Terms govern your use of the Services."]
    kinds = [f.kind for f in page.front_matter]
    assert kinds == ["page-control", "link-list", "link-list", "link-list", "table-of-contents", "table-of-contents"]


def _record(text: str):
    page = parse_record(text, source=make_source(text, name="r", fmt=SourceFormat.MARKDOWN),
                        publisher=Publisher(id="acme", name="Acme"), doc_id="privacy-policy", fallback_title="Privacy Policy",
                        version_suffix="abcdef0", recorded_at=None)
    assert coverage_problems(page, text) == []
    return page


def test_a_record_holding_two_documents_comes_out_as_both():
    page = _record("[**We updated our notice.**](https://acme.ai)\n\nAcme Privacy Policy\n===================\n\n"
                   "_Effective: April 4, 2026_\n\nWe value your privacy.\n\n- - -\n\nAcme Europe Addendum\n====================\n\n"
                   "_Effective: April 24, 2025_\n\nThis addendum applies in Europe.\n")
    got = [(d.id, d.title, str(d.effective), d.record) for d in page.documents]
    assert got == [("privacy-policy", "Acme Privacy Policy", "2026-04-04", "privacy-policy"),
                   ("acme-europe-addendum", "Acme Europe Addendum", "2025-04-24", "privacy-policy")]
    assert [f.kind for f in page.front_matter] == ["before-title"]


def test_a_record_captured_twice_keeps_one_copy():
    body = "".join(f"{n}\\. Part {n}\n----------\n\nThe text of part {n}.\n\n" for n in range(1, 5))
    page = _record("Cookie Policy\n=============\n\nEffective:May 28, 2026\n\nCookie Policy\n=============\n\n"
                   "Effective:May 28, 2026\n\n" + body + body)
    (doc,) = page.documents
    assert [s.number for s in doc.children] == ["1", "2", "3", "4"]
    assert {f.kind for f in page.front_matter} == {"repeated-title", "repeated-copy"}


@pytest.mark.parametrize("text", [
    HEAD + "".join("  " * i + f"- item {i}\n" for i in range(500)),
    HEAD + "".join(" " * (i % 200 * 2) + f"- item {i}\n" for i in range(3000)),
    "Title\nEffective 6 February 2025\n" + "".join(f"Heading number {i}\n" for i in range(20000)),
], ids=["list-nested-500-deep", "3000-nested-items", "bare-heading-lines"])
def test_deep_and_wide_pages_parse_without_recursion(text):
    fmt = SourceFormat.TEXT if text.startswith("Title\n") else SourceFormat.MARKDOWN
    page = parse_text(text, fmt=fmt)
    assert coverage_problems(page, text) == []
    depth, todo = 0, [(n, 1) for n in page.documents[0].children]
    while todo:
        node, d = todo.pop()
        depth = max(depth, d)
        todo.extend((c, d + 1) for c in node.children)
    assert depth <= MAX_DEPTH
    page.model_dump_json()  # serialisable: no node deeper than pydantic allows


def test_section_item_reference_resolves_to_the_item():
    from clausegraph.ingest.extract import extract_corpus

    _, doc = _page("**6\\. Subcontractors.**\n\na. Customer authorizes subcontractors.\n\nb. Perplexity will notify Customer.\n\n"
                   "**7\\. Assistance.** See Section 6.b for notices.\n")
    (result,) = extract_corpus([doc]).values()
    (ref,) = [r for r in result.references if r.target.number == "6.b"]
    assert ref.target.kind.value == "clause" and ref.target.key.startswith("6/")
    assert isinstance(next(n for n in iter_nodes(doc.children) if n.key == ref.target.key), Clause)
