"""Split a page into its documents and parse each one.

    lines -> heads (where each document starts: title, date) -> regions -> blocks -> tree

A document starts with its title on one line followed (within a few lines) by a date line
such as ``Effective 6 February 2025``. Text before the first document is the page's front
matter. An archive record holds one document or several ("Privacy Policy" then "Gemini Apps
Privacy Notice", each with its own title and date line): the first keeps the record's id, each
further one the slug of its own title; all carry the record (``Document.record``).

Page chrome (what a web page shows around the legal text: "Download PDF", a "Previous versions"
list of links, a table of contents, a second copy of the title and date, a second copy of the
whole text, date lines other than the document's) is kept out of the clause tree as fragments
of the page with their ``kind``; ``lint`` reports them. Nothing is dropped: fragments, titles,
dates, headings and clauses still cover every character of the text.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field

from clausegraph.ingest.blocks import Block, Line, markdown_blocks, split_lines, text_blocks
from clausegraph.ingest.finish import finish_blocks
from clausegraph.ingest.dates import DATE, parse_date
from clausegraph.ingest.dates import match_date_line as _match_date_line
from clausegraph.ingest.patterns import CHROME_RULES, HEADING_RULES, ITEM_RULES, SEPARATOR, SETEXT_UNDERLINE, strip_markup
from clausegraph.ingest.segment import build_tree
from clausegraph.ontology.errors import ParseError
from clausegraph.ontology.iris import slugify
from clausegraph.ontology.models import Document, Fragment, Page, Publisher, SourceFormat, SourceRef, iter_nodes

__all__ = ["parse_page", "parse_record", "make_source", "DOCUMENT_WORDS"]

_TITLE_WINDOW = 60  # lines searched for a record's title and date
_ATX = HEADING_RULES[0].pattern
_DATE_ANYWHERE = re.compile(DATE, re.IGNORECASE)
_LINK_ONLY = re.compile(r"^\s*(?:[-*+]\s+)?(?:\*\*|__)?!?\[[^\]]*\]\([^)]*\)(?:\*\*|__)?\s*$")
# the words that end the title of a legal document: a heading that names one can open a document
DOCUMENT_WORDS = re.compile(
    r"\b(?:terms|policy|policies|agreement|addendum|notice|statement|conditions|guidelines|rules|"
    r"commitments|principles|standards|schedule|exhibit|annex)\b(?:\s*\([^)]{1,40}\))?\s*$",
    re.IGNORECASE,
)
_CHROME_LINE = next(r.pattern for r in CHROME_RULES if r.name == "page-control")


@dataclass
class _Head:
    """Where one document starts: its title lines, its date line, the first line of its region."""

    first: int  # first line of the region
    title: tuple[int, int] | None  # (first, last) line of the title
    date: int | None  # the date line
    chrome: list[tuple[int, str]] = field(default_factory=list)  # (line, kind) held out as chrome


def match_date_line(line: str):
    """``dates.match_date_line`` on the line without its indentation: the same match, in linear time (the
    pattern's leading white space runs backtrack on a deeply indented line)."""
    stripped = line.lstrip(" \t")
    if not stripped or stripped[0] not in ">_*" and not stripped[0].isalpha():
        return None
    return _match_date_line(stripped)


def make_source(text: str, *, name: str, fmt: SourceFormat, origin: str | None = None) -> SourceRef:
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
    return SourceRef(name=name, sha256=digest, format=fmt, origin=origin, length=len(text))


# ------------------------------------------------------------------ lines


def _plain_line(line: Line) -> str:
    m = _ATX.match(line.text)
    return strip_markup(m.group("title") if m else line.text)


def _is_chrome_line(line: Line) -> bool:
    return bool(_CHROME_LINE.match(_plain_line(line)))


def _title_candidate(line: Line, *, heading: bool = False) -> bool:
    """Whether a line can be a document's title; a markup ``heading`` may end with a period ("Legal notice.")."""
    t = line.text.strip()
    if not t or len(t) > 150 or t.endswith((",", ";")) or (t.endswith(".") and not heading) or match_date_line(t):
        return False
    if SETEXT_UNDERLINE.match(t) or any(rule.pattern.match(t) for rule in ITEM_RULES):
        return False
    plain = _plain_line(line)
    if not plain or _DATE_ANYWHERE.search(plain) or _is_chrome_line(line):
        return False  # "Published: 30 July 2025", "Download PDF"
    return True


def _is_markup_heading(lines: list[Line], j: int) -> bool:
    t = lines[j].text
    if _ATX.match(t) or re.match(r"^\s*(?:\[\s*)?(?:\*\*|__)", t):
        return True
    return j + 1 < len(lines) and bool(SETEXT_UNDERLINE.match(lines[j + 1].text)) and not lines[j].blank


def _title_before(lines: list[Line], k: int, *, skip_chrome: bool = False) -> tuple[int, int] | None:
    """(first, last) line index of a title just above line ``k``: blank lines, a setext underline and
    (with ``skip_chrome``) lines such as "Download PDF" may sit between."""
    j = k - 1
    blanks = chrome = 0
    while j >= 0 and (lines[j].blank or (skip_chrome and chrome < 2 and _is_chrome_line(lines[j]))):
        if lines[j].blank:
            blanks += 1
        else:
            chrome += 1
        j -= 1
    if j < 0 or blanks > 2:
        return None
    last = j
    if SETEXT_UNDERLINE.match(lines[j].text) and j > 0 and not lines[j - 1].blank:
        j -= 1
    if not _title_candidate(lines[j]):
        return None
    if _LINK_ONLY.match(lines[j].text) and last == j and not _ATX.match(lines[j].text):
        return None  # a bare link is a button, not a title: "[Take the Privacy Check-Up](...)"
    return j, last


def _plain_title(text: str) -> str:
    m = _ATX.match(text)
    title = strip_markup(m.group("title") if m else text)
    return title[:-1].rstrip() if title.endswith(".") and not title.endswith("..") else title


def _next_nonblank(lines: list[Line], k: int, limit: int) -> int | None:
    j = k
    while j < len(lines) and j < limit:
        if not lines[j].blank:
            return j
        j += 1
    return None


def _date_after(lines: list[Line], k: int, span: int = 16) -> int | None:
    for j in range(k + 1, min(len(lines), k + span)):
        if match_date_line(lines[j].text):
            return j
    return None


def _head_dates(lines: list[Line], head: _Head) -> None:
    """The date lines right after a title: the effective one is the document's date, the others are chrome
    ("Release date: April 22, 2026" beside "Effective date: April 29, 2026")."""
    if head.date is None:
        return
    around = [head.date]
    j = head.date + 1
    while j < len(lines) and j - head.date <= 4:
        t = lines[j].text.strip()
        if not t or t in (">",):
            j += 1
            continue
        if match_date_line(lines[j].text):
            around.append(j)
            j += 1
            continue
        break
    if len(around) > 1:
        effective = [k for k in around if match_date_line(lines[k].text).group("keyword").lower().startswith("effective")]
        head.date = (effective or around)[0]
        head.chrome.extend((k, "date-line") for k in around if k != head.date)
    for k in range(head.date + 1, j):
        if lines[k].text.strip() == ">":
            head.chrome.append((k, "date-line"))


def _repeated_title(lines: list[Line], head: _Head) -> None:
    """A title and date printed twice in a row (the page header and the document): the second copy is chrome."""
    if head.title is None:
        return
    after = max(head.title[1], head.date if head.date is not None else -1) + 1
    j = _next_nonblank(lines, after, after + 6)
    if j is None:
        return
    t0, t1 = head.title
    span = t1 - t0
    if j + span < len(lines) and [ln.text.strip() for ln in lines[j: j + span + 1]] == [ln.text.strip() for ln in lines[t0: t1 + 1]]:
        taken = list(range(j, j + span + 1))
        if head.date is not None:
            d = _next_nonblank(lines, j + span + 1, j + span + 6)
            if d is not None and lines[d].text.strip() == lines[head.date].text.strip():
                taken.append(d)
        head.chrome.extend((k, "repeated-title") for k in taken)


def _repeated_copy(lines: list[Line], first: int, end: int) -> tuple[int, int] | None:
    """(first, last) line of a second copy of the text of lines ``first:end`` (a page captured twice)."""
    nonblank = [k for k in range(first, end) if not lines[k].blank]
    if len(nonblank) < 10:
        return None
    texts = [lines[k].text.rstrip() for k in nonblank]
    head = texts[0]
    for p in range(1, len(texts)):
        if texts[p] != head:
            continue
        run = 0
        while p + run < len(texts) and run < p and texts[run] == texts[p + run]:
            run += 1
        if run >= 5 and run * 10 >= p * 9:
            return nonblank[p], nonblank[p + run - 1]
    return None


# ------------------------------------------------------------------ heads


def _page_heads(lines: list[Line]) -> list[_Head]:
    """Documents of a page: each title line followed by a date line."""
    heads: list[_Head] = []
    for k, line in enumerate(lines):
        if line.blank or not match_date_line(line.text):
            continue
        found = _title_before(lines, k, skip_chrome=True)
        if found and (not heads or found[0] > heads[-1].date):
            if heads and _same_title(lines, heads[-1].title, found) and found[0] - heads[-1].date <= 8:
                continue  # the same title and date again: a repeated page header, not a document
            heads.append(_Head(found[0], found, k))
    return heads


def _same_title(lines: list[Line], a: tuple[int, int] | None, b: tuple[int, int] | None) -> bool:
    return a is not None and b is not None and _plain_title(lines[a[0]].text) == _plain_title(lines[b[0]].text)


def _h1_heads(lines: list[Line]) -> list[_Head]:
    """A markdown page with no date line: its first top-level heading is the title."""
    for k, line in enumerate(lines[:_TITLE_WINDOW]):
        m = _ATX.match(line.text)
        if m and len(m.group("hashes")) == 1:
            return [_Head(k, (k, k), _date_after(lines, k))]
        if k + 1 < len(lines) and not line.blank and SETEXT_UNDERLINE.match(lines[k + 1].text) \
                and lines[k + 1].text.strip().startswith("="):
            return [_Head(k, (k, k + 1), _date_after(lines, k + 1))]
    return []


def _heading_lines(lines: list[Line]) -> list[tuple[int, int, int]]:
    """(first line, last line, level) of every ATX or setext heading."""
    out = []
    for k, line in enumerate(lines):
        m = _ATX.match(line.text)
        if m:
            out.append((k, k, len(m.group("hashes"))))
        elif k + 1 < len(lines) and not line.blank and SETEXT_UNDERLINE.match(lines[k + 1].text) \
                and not SEPARATOR.match(line.text) and not any(r.pattern.match(line.text) for r in ITEM_RULES):
            out.append((k, k + 1, 1 if lines[k + 1].text.strip().startswith("=") else 2))
    return out


def _record_first_head(lines: list[Line]) -> _Head | None:
    """The title and date of a record's (first) document, by preference: a heading right above a date line;
    the first top-level heading; a plain line right above a date line; a heading that names a document."""
    window = min(len(lines), _TITLE_WINDOW)
    dated = [k for k in range(window) if not lines[k].blank and match_date_line(lines[k].text)]
    plain_found: _Head | None = None
    for k in dated:
        found = _title_before(lines, k, skip_chrome=True)
        if found is None:
            continue
        if _is_markup_heading(lines, found[0]):
            return _Head(found[0], found, k)
        plain_found = plain_found or _Head(found[0], found, k)
    headings = [h for h in _heading_lines(lines[:window + 1]) if h[1] < window]
    h1 = next((h for h in headings if h[2] == 1 and _title_candidate(lines[h[0]])), None)
    if h1 is not None and (plain_found is None or h1[0] < plain_found.first):
        date = _date_after(lines, h1[1])
        if date is None:
            before = [k for k in dated if k < h1[0]]
            date = before[-1] if before else None
        return _Head(h1[0], (h1[0], h1[1]), date)
    if plain_found is not None:
        return plain_found
    named = next((h for h in headings if _title_candidate(lines[h[0]]) and DOCUMENT_WORDS.search(_plain_title(lines[h[0]].text))), None)
    if named is not None:
        date = _date_after(lines, named[1])
        if date is None:
            before = [k for k in dated if k < named[0]]
            date = before[-1] if before else None
        return _Head(named[0], (named[0], named[1]), date)
    if dated:
        effective = [k for k in dated if match_date_line(lines[k].text).group("keyword").lower().startswith("effective")]
        return _Head(0, None, (effective or dated)[0])
    return None


def _further_heads(lines: list[Line], first: _Head, fmt: SourceFormat) -> list[_Head]:
    """Documents after the first in an archive record. A document starts where
    (a) a heading or a title line stands right above a date line ("Gemini Apps Privacy Notice" / "**Last updated:** ...");
    (b) after a separator, a date line stands right above a bold or heading title naming a document
        ("**Last Updated:** March 20, 2026" / "**Meta Global Processor Terms**");
    (c) after a separator, a line naming a document is followed by text that calls itself by that name
        ("Data Security Terms" / "These Data Security Terms apply when ...");
    (d) after a separator, a top-level heading stands where the first document's title was a top-level heading.
    """
    heads: list[_Head] = []
    start = max([first.title[1] if first.title else -1, first.date if first.date is not None else -1]
                + [k for k, _ in first.chrome]) + 1
    title_text = _plain_title(lines[first.title[0]].text) if first.title else None
    first_level = None
    if first.title is not None:
        t0, t1 = first.title
        if _ATX.match(lines[t0].text):
            first_level = len(_ATX.match(lines[t0].text).group("hashes"))
        elif t1 > t0:
            first_level = 1 if lines[t1].text.strip().startswith("=") else 2
    after_separator = False  # the previous non-blank line is a thematic break
    headings = {h[0]: h for h in _heading_lines(lines)}
    k = start
    n = len(lines)
    while k < n:
        line = lines[k]
        if line.blank:
            k += 1
            continue
        if SEPARATOR.match(line.text) and not (k > 0 and not lines[k - 1].blank and SETEXT_UNDERLINE.match(line.text)):
            after_separator = True
            k += 1
            continue
        found: _Head | None = None
        fresh = after_separator
        # a crumb of navigation after a break ("*   Legal") keeps the break fresh
        after_separator = fresh and (_is_chrome_line(line) or bool(re.match(r"^\s*[-*+]\s+\S+(?:\s+\S+)?\s*$", line.text)))
        if match_date_line(line.text):
            title = _title_before(lines, k, skip_chrome=True)
            if title is not None and title[0] >= start and not (heads and title[0] <= (heads[-1].date or heads[-1].first)):
                if _plain_title(lines[title[0]].text) != title_text or title[0] - start > 8:
                    found = _Head(title[0], title, k)
            elif fresh:
                t = _next_nonblank(lines, k + 1, k + 4)
                if t is not None and (_is_markup_heading(lines, t)) and _title_candidate(lines[t]) \
                        and DOCUMENT_WORDS.search(_plain_title(lines[t].text)):
                    last = t + 1 if t in headings and headings[t][1] == t + 1 else t
                    found = _Head(k, (t, last), k)
        elif fresh and _title_candidate(lines[k], heading=k in headings) and k > start:
            plain = _plain_title(lines[k].text)
            h = headings.get(k)
            nxt = _next_nonblank(lines, (h[1] if h else k) + 1, k + 6)
            if DOCUMENT_WORDS.search(plain) and nxt is not None and len(plain.split()) <= 10 and \
                    re.match(r"(?i)^\W*(?:these|this)\s+(?:\S+\s+){0,3}?" + re.escape(plain.split()[-1]), lines[nxt].text.strip()):
                found = _Head(k, (k, h[1] if h else k), None)
            elif h is not None and first_level == 1 and h[2] == 1 and fmt is not SourceFormat.TEXT:
                found = _Head(k, (k, h[1]), _date_after(lines, h[1], 4))
        if found is not None:
            if found.date is not None and found.date < found.first:
                found.first = found.date
            heads.append(found)
            k = max(found.title[1] if found.title else k, found.date if found.date is not None else k) + 1
            continue
        k += 1
    return heads


# ------------------------------------------------------------------ documents


def _blocks(text: str, lines: list[Line], fmt: SourceFormat) -> list[Block]:
    return markdown_blocks(text, lines) if fmt is not SourceFormat.TEXT else text_blocks(text, lines)


def _trimmed_span(line_first: Line, line_last: Line) -> tuple[int, int]:
    start = line_first.start + len(line_first.text) - len(line_first.text.lstrip())
    end = line_last.start + len(line_last.text.rstrip())
    return start, end


def _fragment(text: str, start: int, end: int, kind: str | None) -> Fragment | None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return Fragment(text=text[start:end], start=start, end=end, kind=kind) if end > start else None


def _assemble(
    text: str,
    lines: list[Line],
    region: tuple[int, int],
    head: _Head,
    *,
    doc_id: str,
    version_of,
    publisher: Publisher,
    source: SourceRef,
    record: str | None = None,
    recorded_at: dt.datetime | None = None,
    fallback_title: str | None = None,
) -> tuple[Document, list[Fragment]]:
    """The Document of the lines ``region`` (first, end), title and date lines held out of the blocks,
    and the fragments of page chrome found in it."""
    first, end = region
    fmt = source.format
    held: dict[int, str | None] = {k: kind for k, kind in head.chrome}
    if head.title is not None:
        for k in range(head.title[0], head.title[1] + 1):
            held[k] = None
    if head.date is not None:
        held[head.date] = None
    copy = _repeated_copy(lines, max([first] + list(held)) + 1, end)
    if copy is not None:
        for k in range(copy[0], copy[1] + 1):
            held.setdefault(k, "repeated-copy")
    fragments: list[Fragment] = []
    chunks: list[list[Line]] = [[]]
    copy_span: list[int] = []
    for k in range(first, end):
        if k in held:
            kind = held[k]
            if kind == "repeated-copy":
                if not lines[k].blank:
                    copy_span.append(k)
            elif kind is not None and not lines[k].blank:
                frag = _fragment(text, lines[k].start, lines[k].end, kind)
                if frag:
                    fragments.append(frag)
            if chunks[-1]:
                chunks.append([])
            continue
        chunks[-1].append(lines[k])
    if copy_span:
        frag = _fragment(text, lines[copy_span[0]].start, lines[copy_span[-1]].end, "repeated-copy")
        if frag:
            fragments.append(frag)
    blocks = [b for chunk in chunks if chunk for b in _blocks(text, chunk, fmt)]
    blocks = finish_blocks(text, blocks, fmt="text" if fmt is SourceFormat.TEXT else "markdown")
    for b in blocks:
        if b.kind == "chrome":
            frag = _fragment(text, b.start, b.end, b.chrome)
            if frag:
                fragments.append(frag)
    children = build_tree(text, blocks, fmt="text" if fmt is SourceFormat.TEXT else "markdown")
    for position, node in enumerate(iter_nodes(children)):
        node.position = position
    date_line = lines[head.date] if head.date is not None else None
    match = match_date_line(date_line.text) if date_line else None
    date = parse_date(match) if match else None
    if head.title is not None:
        title_start, title_end = _trimmed_span(lines[head.title[0]], lines[head.title[1]])
        title = _plain_title(lines[head.title[0]].text) or fallback_title or "Document"
    else:
        title_start = title_end = 0
        title = fallback_title or "Document"
    spans = [(title_start, title_end)] if title_end > title_start else []
    if date_line is not None:
        spans.append(_trimmed_span(date_line, date_line))
    spans.extend((n.start, n.end) for n in children)
    spans.extend((f.start, f.end) for f in fragments)
    doc_start = min(s for s, _ in spans) if spans else lines[first].start
    doc_end = max(e for _, e in spans) if spans else lines[first].start
    doc = Document(
        id=doc_id,
        title=title,
        title_text=text[title_start: title_end],
        title_start=title_start,
        title_end=title_end,
        effective=date,
        effective_text=date_line.text.strip() if date_line else None,
        effective_start=(date_line.start + len(date_line.text) - len(date_line.text.lstrip())) if date_line else None,
        effective_end=(date_line.start + len(date_line.text.rstrip())) if date_line else None,
        version=version_of(date),
        publisher=publisher,
        source=source,
        recorded_at=recorded_at,
        record=record,
        start=doc_start,
        end=doc_end,
        children=children,
    )
    return doc, fragments


def _front_matter(text: str, lines: list[Line], end_line: int, kind: str | None) -> list[Fragment]:
    out = []
    for line in lines[:end_line]:
        if line.blank:
            continue
        frag = _fragment(text, line.start, line.end, kind)
        if frag:
            out.append(frag)
    return out


def parse_page(text: str, *, source: SourceRef, publisher: Publisher) -> Page:
    """Documents of one page: each starts at a title line followed by a date line."""
    lines = split_lines(text)
    heads = _page_heads(lines)
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
    page.front_matter = _front_matter(text, lines, heads[0].first, None)
    seen: dict[tuple[str, str], int] = {}
    for n, head in enumerate(heads):
        end = heads[n + 1].first if n + 1 < len(heads) else len(lines)
        _head_dates(lines, head)
        _repeated_title(lines, head)
        title = _plain_title(lines[head.title[0]].text)
        base = slugify(title) or "document"
        date_line = lines[head.date] if head.date is not None else None
        match = match_date_line(date_line.text) if date_line else None
        date = parse_date(match) if match else None
        version = date.isoformat() if date else "undated"
        count = seen.get((base, version), 0) + 1
        seen[(base, version)] = count
        doc_id = base if count == 1 else f"{base}-{count}"
        doc, fragments = _assemble(text, lines, (head.first, end), head, doc_id=doc_id, version_of=lambda d, v=version: v,
                                   publisher=publisher, source=source)
        page.documents.append(doc)
        page.front_matter.extend(fragments)
    page.front_matter.sort(key=lambda f: f.start)
    return page


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
    """One archive record: its documents, the first with id ``doc_id`` (the record), the others by their titles."""
    lines = split_lines(text)
    if not any(not ln.blank for ln in lines):
        raise ParseError("archive record has no text", path=source.name)
    first = _record_first_head(lines) or _Head(0, None, None)
    _head_dates(lines, first)
    _repeated_title(lines, first)
    heads = [first] + _further_heads(lines, first, source.format)
    page = Page(source=source)
    start_line = min([first.first] + ([first.title[0]] if first.title else [])
                     + ([first.date] if first.date is not None else []))
    if first.title is None:
        start_line = 0  # no title: the whole record is the document
    page.front_matter = _front_matter(text, lines, start_line, "before-title")
    recorded_day = recorded_at.date().isoformat() if recorded_at else "undated"

    def version_of(date: dt.date | None) -> str:
        return f"{date.isoformat() if date else recorded_day}-{version_suffix}"

    ids: set[str] = set()
    for n, head in enumerate(heads):
        end = heads[n + 1].first if n + 1 < len(heads) else len(lines)
        begin = start_line if n == 0 else head.first
        if n:
            if head.date is None:  # a date printed at the end: "Effective Date: April 25, 2023"
                last = next((k for k in range(end - 1, head.first, -1)
                             if not lines[k].blank and not SEPARATOR.match(lines[k].text)), None)
                if last is not None and match_date_line(lines[last].text):
                    head.date = last
            _head_dates(lines, head)
            _repeated_title(lines, head)
        if n == 0:
            this_id, title_fallback = doc_id, fallback_title
        else:
            title = _plain_title(lines[head.title[0]].text) if head.title else fallback_title
            this_id, title_fallback = slugify(title) or f"{doc_id}-part", title
        base, count = this_id, 1
        while this_id in ids:
            count += 1
            this_id = f"{base}-{count}"
        ids.add(this_id)
        doc, fragments = _assemble(text, lines, (begin, end), head, doc_id=this_id, version_of=version_of,
                                   publisher=publisher, source=source, record=doc_id, recorded_at=recorded_at,
                                   fallback_title=title_fallback)
        page.documents.append(doc)
        page.front_matter.extend(fragments)
    page.front_matter.sort(key=lambda f: f.start)
    return page
