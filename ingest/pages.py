"""Split a page into its documents and parse each one.

A document starts with its title on one line followed (within a few lines) by a date
line such as ``Effective 6 February 2025``. Text before the first document is the page's
front matter. An archive record is one document whatever it contains: its title is the
title line before its date line, else its first top-level heading, else the archive's name.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from clausegraph.ingest.blocks import Line, markdown_blocks, split_lines, text_blocks
from clausegraph.ingest.dates import match_date_line, parse_date
from clausegraph.ingest.patterns import HEADING_RULES, ITEM_RULES, SETEXT_UNDERLINE, strip_markup
from clausegraph.ingest.segment import build_tree
from clausegraph.ontology.errors import ParseError
from clausegraph.ontology.iris import slugify
from clausegraph.ontology.models import Document, Fragment, Page, Publisher, SourceFormat, SourceRef, iter_nodes

__all__ = ["parse_page", "parse_record", "make_source"]

_TITLE_WINDOW = 60  # lines searched for a record's title and date
_ATX = HEADING_RULES[0].pattern


@dataclass
class _Head:
    title: str
    title_start: int
    title_end: int
    date_line: Line | None
    date: dt.date | None


def make_source(text: str, *, name: str, fmt: SourceFormat, origin: str | None = None) -> SourceRef:
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
    return SourceRef(name=name, sha256=digest, format=fmt, origin=origin, length=len(text))


def _title_candidate(line: Line) -> bool:
    t = line.text.strip()
    if not t or len(t) > 150 or t.endswith((".", ",", ";")) or match_date_line(t):
        return False
    if SETEXT_UNDERLINE.match(t) or any(rule.pattern.match(t) for rule in ITEM_RULES):
        return False
    return True


def _title_before(lines: list[Line], k: int) -> tuple[int, int] | None:
    """(first, last) line index of a title just above line ``k``: blank lines and a setext underline may sit between."""
    j = k - 1
    while j >= 0 and lines[j].blank and k - j <= 3:
        j -= 1
    if j < 0 or lines[j].blank:
        return None
    last = j
    if SETEXT_UNDERLINE.match(lines[j].text) and j > 0 and not lines[j - 1].blank:
        j -= 1
    return (j, last) if _title_candidate(lines[j]) else None


def _plain_title(text: str) -> str:
    m = _ATX.match(text)
    return strip_markup(m.group("title") if m else text)


def _blocks(text: str, lines: list[Line], fmt: SourceFormat):
    return markdown_blocks(text, lines) if fmt is not SourceFormat.TEXT else text_blocks(text, lines)


def _assemble(
    text: str,
    lines: list[Line],
    head: _Head,
    *,
    doc_id: str,
    version: str,
    start: int,
    end: int,
    publisher: Publisher,
    source: SourceRef,
    recorded_at: dt.datetime | None = None,
) -> Document:
    """The Document of ``lines`` (its region), with title and date lines held out of the blocks."""
    taken = [(head.title_start, head.title_end)]
    if head.date_line is not None:
        taken.append((head.date_line.start, head.date_line.end))
    chunks: list[list[Line]] = [[]]
    for line in lines:
        if any(s <= line.start < e or (s < line.end <= e) for s, e in taken if e > s):
            chunks.append([])
            continue
        chunks[-1].append(line)
    blocks = [b for chunk in chunks if chunk for b in _blocks(text, chunk, source.format)]
    children = build_tree(text, blocks, fmt="text" if source.format is SourceFormat.TEXT else "markdown")
    for position, node in enumerate(iter_nodes(children)):
        node.position = position
    date_line = head.date_line
    return Document(
        id=doc_id,
        title=head.title,
        title_text=text[head.title_start: head.title_end],
        title_start=head.title_start,
        title_end=head.title_end,
        effective=head.date,
        effective_text=date_line.text.strip() if date_line else None,
        effective_start=(date_line.start + len(date_line.text) - len(date_line.text.lstrip())) if date_line else None,
        effective_end=(date_line.start + len(date_line.text.rstrip())) if date_line else None,
        version=version,
        publisher=publisher,
        source=source,
        recorded_at=recorded_at,
        start=start,
        end=end,
        children=children,
    )


def _trimmed_span(line_first: Line, line_last: Line) -> tuple[int, int]:
    start = line_first.start + len(line_first.text) - len(line_first.text.lstrip())
    end = line_last.start + len(line_last.text.rstrip())
    return start, end


def parse_page(text: str, *, source: SourceRef, publisher: Publisher) -> Page:
    """Documents of one page: each starts at a title line followed by a date line."""
    lines = split_lines(text)
    heads: list[tuple[int, int, int]] = []  # (title first line, title last line, date line)
    for k, line in enumerate(lines):
        if line.blank or not match_date_line(line.text):
            continue
        found = _title_before(lines, k)
        if found and (not heads or found[0] > heads[-1][2]):
            heads.append((found[0], found[1], k))
    if not heads and source.format is not SourceFormat.TEXT:
        heads = _h1_heads(lines)
    if not heads:
        first = next((ln for ln in lines if not ln.blank), None)
        raise ParseError(
            "no document title found: expected a title line followed by an 'Effective <date>' line"
            + ("" if source.format is SourceFormat.TEXT else " or a top-level '#' heading"),
            path=source.name,
            lineno=first.lineno if first else 1,
            offset=first.start if first else 0,
            line=first.text if first else "",
        )
    page = Page(source=source)
    first_start = lines[heads[0][0]].start
    page.front_matter = _fragments(text, [ln for ln in lines if ln.end <= first_start])
    seen: dict[tuple[str, str], int] = {}
    for n, (t0, t1, d) in enumerate(heads):
        region_end_line = heads[n + 1][0] if n + 1 < len(heads) else len(lines)
        region = lines[t0:region_end_line]
        title_start, title_end = _trimmed_span(lines[t0], lines[t1])
        date_line = lines[d] if d is not None else None
        match = match_date_line(date_line.text) if date_line else None
        date = parse_date(match) if match else None
        head = _Head(_plain_title(lines[t0].text), title_start, title_end, date_line, date)
        doc_id = slugify(head.title) or "document"
        version = date.isoformat() if date else "undated"
        count = seen.get((doc_id, version), 0) + 1
        seen[(doc_id, version)] = count
        if count > 1:
            doc_id = f"{doc_id}-{count}"
        last = next((ln for ln in reversed(region) if not ln.blank), region[0])
        page.documents.append(
            _assemble(text, region, head, doc_id=doc_id, version=version, start=title_start,
                      end=last.start + len(last.text.rstrip()), publisher=publisher, source=source)
        )
    return page


def _h1_heads(lines: list[Line]) -> list[tuple[int, int, int | None]]:
    """A markdown page with no date line: its first top-level heading is the title."""
    for k, line in enumerate(lines[:_TITLE_WINDOW]):
        m = _ATX.match(line.text)
        if m and len(m.group("hashes")) == 1:
            return [(k, k, _date_after(lines, k))]
        if k + 1 < len(lines) and not line.blank and SETEXT_UNDERLINE.match(lines[k + 1].text) \
                and lines[k + 1].text.strip().startswith("="):
            return [(k, k + 1, _date_after(lines, k + 1))]
    return []


def _date_after(lines: list[Line], k: int) -> int | None:
    for j in range(k + 1, min(len(lines), k + 16)):
        if match_date_line(lines[j].text):
            return j
    return None


def _fragments(text: str, lines: list[Line]) -> list[Fragment]:
    out = []
    for line in lines:
        if line.blank:
            continue
        start, end = _trimmed_span(line, line)
        out.append(Fragment(text=text[start:end], start=start, end=end))
    return out


def parse_record(
    text: str,
    *,
    source: SourceRef,
    publisher: Publisher,
    doc_id: str,
    fallback_title: str,
    version_suffix: str,
    recorded_at: dt.datetime | None,
) -> Page:
    """One archive record: the whole text is one document version."""
    lines = split_lines(text)
    window = lines[:_TITLE_WINDOW]
    dated = [k for k, ln in enumerate(window) if not ln.blank and match_date_line(ln.text)]
    title_lines: tuple[int, int] | None = None
    date_k: int | None = None
    for k in dated:
        found = _title_before(lines, k)
        if found:
            title_lines, date_k = found, k
            break
    if title_lines is None:
        h1 = _h1_heads(lines)
        if h1:
            title_lines, date_k = (h1[0][0], h1[0][1]), h1[0][2]
    if date_k is None and dated:
        effective = [k for k in dated if match_date_line(lines[k].text).group("keyword").lower().startswith("effective")]
        date_k = (effective or dated)[0]
    date_line = lines[date_k] if date_k is not None else None
    match = match_date_line(date_line.text) if date_line else None
    date = parse_date(match) if match else None
    if title_lines is not None:
        title_start, title_end = _trimmed_span(lines[title_lines[0]], lines[title_lines[1]])
        title = _plain_title(lines[title_lines[0]].text) or fallback_title
    else:
        title_start = title_end = 0
        title = fallback_title
    head = _Head(title, title_start, title_end, date_line, date)
    day = date.isoformat() if date else (recorded_at.date().isoformat() if recorded_at else "undated")
    page = Page(source=source)
    nonblank = [ln for ln in lines if not ln.blank]
    if not nonblank:
        raise ParseError("archive record has no text", path=source.name)
    start, _ = _trimmed_span(nonblank[0], nonblank[0])
    _, end = _trimmed_span(nonblank[-1], nonblank[-1])
    page.documents.append(
        _assemble(text, lines, head, doc_id=doc_id, version=f"{day}-{version_suffix}", start=min(start, title_start) if title_end else start,
                  end=end, publisher=publisher, source=source, recorded_at=recorded_at)
    )
    return page
