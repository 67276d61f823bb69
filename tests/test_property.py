"""Property tests: pages generated from the line shapes of the real corpus.

Whatever the mix of numbered headings, run-in headings, bullets, lettered lists, markdown
headings and tables, only ParseError may escape, offsets are exact, nothing is lost and
keys are unique.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clausegraph.ingest import parse_text
from clausegraph.ingest.coverage import coverage_problems
from clausegraph.ontology.errors import ParseError
from clausegraph.ontology.models import Clause, SourceFormat, iter_nodes

words = st.sampled_from(["Services", "Terms", "data", "you", "we", "may", "Customer", "Output", "the", "and",
                         "Partner", "liability", "shall", "“Input”", "(the “DPA”)", "Section 5", "e.g.,", "100", "EUROS"])
sentence = st.lists(words, min_size=1, max_size=14).map(lambda ws: " ".join(ws) + ".")
title_words = st.lists(st.sampled_from(["Using", "the", "Services", "Your", "Data", "Liability", "General", "Audit"]),
                       min_size=1, max_size=5).map(lambda ws: " ".join(ws).capitalize())
number = st.lists(st.integers(1, 12), min_size=1, max_size=3).map(lambda ns: ".".join(map(str, ns)))
letter = st.sampled_from("ABCHKL")
roman = st.sampled_from(["I", "II", "III", "IV", "IX", "XII"])
# the numbering schemes of real terms pages: "A.1", "L.3.a", "H.1.b", "IV.", "16.2."
label = st.one_of(
    number,
    st.builds(lambda l, n: f"{l}.{n}", letter, st.integers(1, 9)),
    st.builds(lambda l, n, a: f"{l}.{n}.{a}", letter, st.integers(1, 9), st.sampled_from("abc")),
    roman,
    letter,
)

text_line = st.one_of(
    st.builds(lambda n, t: f"{n}. {t}", number, title_words),  # 1. Accessing the Services
    st.builds(lambda n, t: f"{n} {t}", number, title_words),  # 1.1 Cancellation right
    st.builds(lambda h, s: f"{h}. {s}", title_words, sentence),  # Age requirements. You must ...
    st.builds(lambda h: f"{h}:", title_words),  # Retention Periods:
    st.builds(lambda c, s: f"({c}) {s}", st.sampled_from("abcdefghijv"), sentence),  # (a) ...
    st.builds(lambda s: f"- {s}", sentence),  # - bullet
    st.just("-"),  # a lone bullet, its text on the next line
    st.builds(lambda n, t: f"EXHIBIT {n} - {t}", st.integers(1, 3), title_words),
    sentence,
    st.just(""),
    st.just("   "),
)
md_line = st.one_of(
    text_line,
    # numbered paragraphs and headings of other vendors' pages
    st.builds(lambda n, h, s: f"**{n}. {h}.** {s}", label, title_words, sentence),  # **2.1 Right to Use.** Subject to
    st.builds(lambda n, h, s: f"{n} **{h}.** {s}", number, title_words, sentence),  # 2.3.1 **Ownership.** As between
    st.builds(lambda n, s: f"**{n}.** {s}", number, sentence),  # **16.1.** If Customer ...
    st.builds(lambda n, s: f"{n}. {s}", st.builds(lambda a, b: f"{a}.{b}", st.integers(1, 20), st.integers(1, 9)), sentence),
    st.builds(lambda n, t: f"**{n}. {t}**", roman, title_words),  # **I. How Do We Collect Data**
    st.builds(lambda n, t: f"## {n}. {t}.", label, title_words),  # a heading that ends with a period
    st.builds(lambda n, t: f"{n}\\. {t}.\n{'-' * 12}", st.integers(1, 12), title_words),
    st.builds(lambda b, n, h, s: f"{b}**{n}\\. {h}.** {s}", st.sampled_from(["*   ", "    *   ", "1.  "]), number, title_words, sentence),
    st.builds(lambda t: f"1.  **{t.upper()}**", title_words),  # an ordered list that numbers the sections
    st.builds(lambda t, s: f"    1.  **{t}**. {s}", title_words, sentence),
    st.builds(lambda t: t, title_words),  # a plain heading line
    st.sampled_from(["Download PDF", "Print", "**Previous versions**", "*   [May 12, 2026](https://x.ai/legal/prev)",
                     "[Your Privacy](#1_YourPrivacy)", "*   [Your Content](#2_yourContent)", "- - -", "Effective: May 28, 2026",
                     "Was this article helpful?", "Updated: 16 January 2026"]),
    st.builds(lambda h, t: f"{'#' * h} {t}", st.integers(1, 4), title_words),
    st.builds(lambda n, t: f"{n}\\. {t}\n{'-' * 12}", st.integers(1, 12), title_words),
    st.builds(lambda t: f"{t}\n=====", title_words),
    st.builds(lambda h, s: f"**{h}.** {s}", title_words, sentence),
    st.builds(lambda s: f"*   {s}", sentence),
    st.builds(lambda s: f"    *   {s}", sentence),
    st.just("| a | b |\n| --- | --- |\n| 1 | 2 |"),
    st.just("* * *"),
    st.just("```\ncode\n```"),
)


def _page(title: str, date_line: str, lines: list[str]) -> str:
    return f"{title}\n{date_line}\n" + "\n".join(lines) + "\n"


def _check(text: str, fmt: SourceFormat, *, must_parse: bool = False) -> None:
    try:
        page = parse_text(text, fmt=fmt)
    except ParseError:
        assert not must_parse, "a page with a title and a date line must parse"
        return
    if must_parse:
        assert page.documents
    assert coverage_problems(page, text) == []
    for doc in page.documents:
        keys = [n.key for n in iter_nodes(doc.children)]
        assert len(keys) == len(set(keys))
        for node in iter_nodes(doc.children):
            if isinstance(node, Clause):
                assert text[node.start: node.end] == node.text and node.text.strip() == node.text


dates = st.sampled_from(["Effective 6 February 2025", "_Effective 27 May 2025_", "Effective:May 28, 2026",
                         "Updated: 16 January 2026"])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(text_line, max_size=40), title_words, dates, st.lists(text_line, max_size=10))
def test_plain_text_pages(lines, title, date_line, second):
    _check(_page(title, date_line, lines) + _page(title + " two", date_line, second), SourceFormat.TEXT, must_parse=True)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(md_line, max_size=40), title_words, dates)
def test_markdown_pages(lines, title, date_line):
    _check(_page(title, "", [date_line, ""] + lines), SourceFormat.MARKDOWN, must_parse=True)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(md_line, max_size=30), title_words, dates, st.lists(md_line, max_size=20), st.booleans(), st.booleans())
def test_archive_records(lines, title, date_line, second, repeat, bundle):
    """A record of the archive: page chrome before the title, the title printed twice, a second document."""
    from clausegraph.ingest.pages import make_source, parse_record
    from clausegraph.ontology.models import Publisher

    head = f"[**Banner**](https://x)\n\n{title}\n{'=' * len(title)}\n\n{date_line}\n\n"
    text = head + (head if repeat else "") + "\n".join(lines) + "\n"
    if bundle:
        text += f"\n- - -\n\n{title} Addendum\n{'-' * 20}\n\nLast updated: May 2, 2026\n\n" + "\n".join(second) + "\n"
    page = parse_record(text, source=make_source(text, name="r", fmt=SourceFormat.MARKDOWN), publisher=Publisher(id="p", name="P"),
                        doc_id="terms", fallback_title="Terms", version_suffix="abcdef0", recorded_at=None)
    assert coverage_problems(page, text) == []
    ids = [d.id for d in page.documents]
    assert ids[0] == "terms" and len(ids) == len(set(ids)) and all(d.record == "terms" for d in page.documents)
    assert len(ids) >= 1 + bundle and page.documents[0].title == title
    for doc in page.documents:
        keys = [n.key for n in iter_nodes(doc.children)]
        assert len(keys) == len(set(keys))


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=400))
def test_arbitrary_text_only_raises_parse_error(text):
    for fmt in (SourceFormat.TEXT, SourceFormat.MARKDOWN):
        _check(text, fmt)
