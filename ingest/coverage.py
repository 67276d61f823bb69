"""Nothing lost: the spans of a page's fragments, titles, dates, headings and clauses must
cover every non-whitespace character of its text, in order, without overlapping."""

from __future__ import annotations

from clausegraph.ontology.models import Clause, Page, Section, iter_nodes

__all__ = ["page_spans", "coverage_problems"]


def page_spans(page: Page) -> list[tuple[int, int, str]]:
    """(start, end, what) of every span of text the page's models hold."""
    spans = [(f.start, f.end, "fragment") for f in page.front_matter]
    for doc in page.documents:
        if doc.title_end > doc.title_start:
            spans.append((doc.title_start, doc.title_end, f"{doc.id} title"))
        if doc.effective_start is not None:
            spans.append((doc.effective_start, doc.effective_end, f"{doc.id} date"))
        for node in iter_nodes(doc.children):
            if isinstance(node, Section):
                spans.append((node.heading_start, node.heading_end, f"{doc.id}/{node.key} heading"))
            elif isinstance(node, Clause):
                spans.append((node.start, node.end, f"{doc.id}/{node.key}"))
    return sorted(spans)


def coverage_problems(page: Page, text: str, *, limit: int = 10) -> list[str]:
    """What is wrong with the page's spans: overlaps, text that differs, characters left out."""
    problems: list[str] = []
    for doc in page.documents:
        for node in iter_nodes(doc.children):
            if isinstance(node, Clause) and text[node.start: node.end] != node.text:
                problems.append(f"{doc.id}/{node.key}: text differs from source[{node.start}:{node.end}]")
    covered = bytearray(len(text))
    last_end, last_what = 0, ""
    for start, end, what in page_spans(page):
        if start < last_end:
            problems.append(f"{what} [{start}:{end}] overlaps {last_what} (ends at {last_end})")
        last_end, last_what = max(last_end, end), what
        covered[start:end] = b"\x01" * (end - start)
    for i, ch in enumerate(text):
        if not covered[i] and not ch.isspace():
            line = text.count("\n", 0, i) + 1
            problems.append(f"character {i} (line {line}) {ch!r} is in no span: {text[max(0, i - 20): i + 20]!r}")
            if len(problems) >= limit:
                break
    return problems[:limit]
