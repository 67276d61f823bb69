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


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=400))
def test_arbitrary_text_only_raises_parse_error(text):
    for fmt in (SourceFormat.TEXT, SourceFormat.MARKDOWN):
        _check(text, fmt)
