"""HTML pages: parsed with a real HTML parser (lexbor, through selectolax) and rendered to
markdown-shaped text that keeps headings (``#``), paragraphs, nested lists and tables.

The rendering is the text the offsets of an HTML page refer to; it is deterministic, so
the same HTML always gives the same text, offsets and IRIs.

Nothing here recurses on the depth of the page: the tree is walked with an explicit stack
(blocks) or with parent and sibling links (inline text), in time and memory linear in the page.
Lexbor itself builds the tree in time quadratic in the depth of block elements (measured:
4,000 nested ``<div>`` 0.07 s, 16,000 1.4 s, 200,000 ten minutes; 16,000 ``<ul><li>`` 4.7 s),
a list's items are indented by their depth, so the text grows with the square of list nesting
(3,000 nested lists: 9 MB of spaces), and a table's rows include the tables inside its cells
(3,900 nested tables took 75 s). :func:`check_nesting` first refuses, counted on the raw markup
in one pass, a page whose elements, lists or tables nest deeper than :data:`MAX_DEPTH`,
``MAX_LIST_DEPTH`` or ``MAX_TABLE_DEPTH``, with an ``IngestError`` naming the line.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from selectolax.lexbor import LexborHTMLParser

from clausegraph.ontology.errors import IngestError

__all__ = ["html_to_text", "check_nesting", "MAX_DEPTH", "MAX_LIST_DEPTH", "MAX_TABLE_DEPTH"]

MAX_DEPTH = 4_000  # elements open at once; real pages stay under 100 (browsers show 512 levels)
MAX_LIST_DEPTH = 100  # lists inside lists; legal texts use 3 or 4
MAX_TABLE_DEPTH = 32  # tables inside tables; old layouts use a handful
_COUNTED = {"ul": ("lists", ("ul", "ol"), MAX_LIST_DEPTH), "ol": ("lists", ("ul", "ol"), MAX_LIST_DEPTH),
            "table": ("tables", ("table",), MAX_TABLE_DEPTH)}

_SKIP = {"script", "style", "noscript", "template", "head", "nav", "svg", "button", "form", "iframe"}
_BLOCKS = {"p", "div", "section", "article", "main", "header", "footer", "aside", "blockquote", "dd", "dt",
           "figure", "figcaption", "address", "pre", "body", "html", "details", "summary"}
_HEADINGS = {f"h{n}": n for n in range(1, 7)}
_SPACE = re.compile(r"\s+")

# ---------------------------------------------------------------------------- nesting, before parsing

_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track",
         "wbr", "keygen", "basefont", "bgsound", "frame", "image"}
# elements whose end tag may be left out: the parser closes them itself, so they are not counted
# (the lists, tables and sections around them are)
_OPTIONAL_END = {"html", "head", "body", "p", "li", "dt", "dd", "tr", "td", "th", "thead", "tbody", "tfoot",
                 "colgroup", "caption", "option", "optgroup", "rb", "rt", "rtc", "rp"}
_RAW_TEXT = {"script", "style", "textarea", "title", "xmp", "iframe", "noembed", "noframes"}
_MARKUP = re.compile(r"<!--.*?(?:-->|\Z)|<[!?][^>]*>?|<(/?)([A-Za-z][^\s/>]*)([^>]*)>?", re.DOTALL)


def check_nesting(html: str, *, name: str | None = None, limit: int = MAX_DEPTH) -> None:
    """IngestError when more than ``limit`` elements of ``html`` are open at once, or more lists
    (``<ul>``, ``<ol>``) or tables than MAX_LIST_DEPTH or MAX_TABLE_DEPTH.

    Read like the parser reads it, but only as far as depth goes: comments and the text of
    ``<script>``, ``<style>`` ... are skipped, void elements (``<br>``) and ``<x/>`` inside SVG or
    MathML open nothing, an end tag closes what is open down to its element and is ignored when
    that element is not open. It counts at least as deep as lexbor builds, up to elements with an
    optional end tag (``<li>``, ``<td>``, ``<p>``), which are not counted.
    """
    stack: list[str] = []
    open_by_name: dict[str, int] = {}
    foreign = 0
    pos = 0
    while True:
        m = _MARKUP.search(html, pos)
        if m is None:
            return
        pos = m.end()
        tag = m.group(2)
        if tag is None:
            continue  # a comment, a doctype, a processing instruction
        tag = tag.lower()
        if m.group(1):  # an end tag
            if open_by_name.get(tag):
                while True:
                    top = stack.pop()
                    open_by_name[top] -= 1
                    if top in ("svg", "math"):
                        foreign -= 1
                    if top == tag:
                        break
            continue
        if tag in _RAW_TEXT:
            end = re.compile(rf"</{tag}[\s/>]", re.IGNORECASE).search(html, pos)
            pos = end.end() if end else len(html)
            continue
        if tag in _VOID or tag in _OPTIONAL_END or (foreign and m.group(3).rstrip().endswith("/")):
            continue
        stack.append(tag)
        open_by_name[tag] = open_by_name.get(tag, 0) + 1
        if tag in ("svg", "math"):
            foreign += 1
        what = None
        if len(stack) > limit:
            what = f"elements nested more than {limit:,}"
        elif tag in _COUNTED:
            kind, names, most = _COUNTED[tag]
            if sum(open_by_name.get(n, 0) for n in names) > most:
                what = f"{kind} nested more than {most:,}"
        if what:
            line = html.count("\n", 0, m.start()) + 1
            raise IngestError(f"HTML {what} deep (at line {line:,}, <{tag}>): not a page clausegraph reads", path=name)


# ---------------------------------------------------------------------------- inline text

def _children(node) -> Iterator:
    child = node.child
    while child is not None:
        yield child
        child = child.next


def _inline_text(root, *, bold: bool) -> str:
    """The inline text under ``root`` (``**...**`` around bold parts, white space collapsed).

    Reads the subtree in document order through parent and sibling links, so depth costs
    nothing. A bold part is its text stripped, or nothing when it holds no text; that is
    done on the fly: white space after ``**`` is dropped, white space before a closing ``**``
    is cut, and a bold part that closes with no text since it opened is taken back.
    """
    pieces: list[str] = []
    opens: list[tuple[int, bool]] = []  # (index of its "**" in pieces, ``lead`` when it opened)
    lead = False  # white space here is dropped (just after "**")
    solid = -1  # index of the last piece that holds more than white space

    def text(value: str) -> None:
        nonlocal lead, solid
        if lead:
            value = value.lstrip()
        if not value:
            return
        pieces.append(value)
        if not value.isspace():
            solid, lead = len(pieces) - 1, False

    def open_bold() -> None:
        nonlocal lead
        opens.append((len(pieces), lead))
        pieces.append("**")
        lead = True

    def close_bold() -> None:
        nonlocal lead, solid
        start, lead_before = opens.pop()
        if solid <= start:  # nothing but white space since it opened: the part is empty
            del pieces[start:]
            lead = lead_before
            return
        del pieces[solid + 1:]
        pieces[solid] = pieces[solid].rstrip()
        pieces.append("**")
        solid, lead = len(pieces) - 1, False

    if bold:
        open_bold()
    root_id = root.mem_id
    node = root.child
    while node is not None:
        tag = node.tag
        descend = False
        if tag == "-text":
            text(node.text_content or "")
        elif tag == "br":
            text(" ")
        elif tag in _SKIP or tag == "-comment":
            pass
        else:
            if tag in ("strong", "b"):
                open_bold()
            descend = node.child is not None
            if not descend and tag in ("strong", "b"):
                close_bold()
        if descend:
            node = node.child
            continue
        while node.next is None:  # climb out of the elements this node ends
            node = node.parent
            if node is None or node.mem_id == root_id:
                node = None
                break
            if node.tag in ("strong", "b"):
                close_bold()
        else:
            node = node.next
    if bold:
        close_bold()
    return _SPACE.sub(" ", "".join(pieces))


def _inline_one(child) -> str:
    tag = child.tag
    if tag == "-text":
        return child.text_content or ""
    if tag == "br":
        return " "
    if tag in _SKIP or tag == "-comment":
        return ""
    return _inline_text(child, bold=tag in ("strong", "b"))


def _inline(node) -> str:
    return _inline_text(node, bold=False)


# ---------------------------------------------------------------------------- blocks

def _has_blocks(node) -> bool:
    return any(
        c.tag in _BLOCKS or c.tag in _HEADINGS or c.tag in ("ul", "ol", "table", "hr", "li")
        for c in node.iter(include_text=False)
    )


class _Frame:
    """One element being rendered: what is left of its children, its pending inline text, its list depth."""

    __slots__ = ("children", "pending", "depth", "chain")

    def __init__(self, children: Iterator, depth: int, *, chain: bool) -> None:
        self.children, self.pending, self.depth, self.chain = children, [], depth, chain


def _flush(pending: list[str], out: list[str]) -> None:
    text = "".join(pending).strip()
    pending.clear()
    if text:
        out.append(text)


def _list_items(node, depth: int, out: list[str]) -> Iterator:
    """Write the items of list ``node`` at ``depth``; yield each item's nested lists and tables,
    to be rendered one level deeper right after the item's line."""
    ordered = node.tag == "ol"
    for n, item in enumerate((c for c in node.iter() if c.tag == "li"), start=1):
        marker = f"{n}." if ordered else "-"
        sub = list(item.iter(include_text=True))
        head = "".join(_inline_one(c) for c in sub if c.tag not in ("ul", "ol", "table"))
        text = _SPACE.sub(" ", head).strip()
        out.append("  " * depth + f"{marker} {text}".rstrip())
        yield from (c for c in sub if c.tag in ("ul", "ol", "table"))


def _render(root, out: list[str]) -> None:
    stack = [_Frame(_children(root), 0, chain=True)]
    while stack:
        frame = stack[-1]
        child = next(frame.children, None)
        if child is None:
            _flush(frame.pending, out)
            stack.pop()
            continue
        tag = child.tag
        if tag == "-text":
            frame.pending.append(child.text_content or "")
            continue
        if tag in _SKIP or tag == "-comment":
            continue
        if tag == "br":
            frame.pending.append(" ")
        elif tag in _HEADINGS:
            _flush(frame.pending, out)
            text = _inline(child).strip()
            if text:
                out.append("#" * _HEADINGS[tag] + " " + text)
        elif tag in ("ul", "ol"):
            _flush(frame.pending, out)
            stack.append(_Frame(_list_items(child, frame.depth, out), frame.depth + 1, chain=False))
        elif tag == "table":
            _flush(frame.pending, out)
            for row in child.css("tr"):
                cells = [_inline(c).strip().replace("|", "\\|") for c in row.iter() if c.tag in ("td", "th")]
                if cells:
                    out.append("  " * frame.depth + "| " + " | ".join(cells) + " |")
        elif tag == "hr":
            _flush(frame.pending, out)
            out.append("* * *")
        elif tag in _BLOCKS or _has_blocks(child):
            _flush(frame.pending, out)
            if frame.chain and child.next is None:
                stack.pop()  # nothing of this element is left after the child: the child takes its place
            stack.append(_Frame(_children(child), frame.depth, chain=True))
        else:
            frame.pending.append(_inline_one(child))


def html_to_text(html: str, *, name: str | None = None) -> str:
    """Markdown-shaped text of an HTML page: one block per paragraph, heading, item or table.

    IngestError (naming ``name``) for a page nested deeper than :data:`MAX_DEPTH`."""
    check_nesting(html, name=name)
    tree = LexborHTMLParser(html)
    root = tree.body or tree.root
    out: list[str] = []
    if root is not None:
        _render(root, out)
    title = tree.css_first("title")
    blocks = [_SPACE.sub(" ", b).rstrip() if not b.lstrip().startswith(("-", "|")) and not b[:1] == " " else b.rstrip() for b in out]
    text = "\n\n".join(b for b in blocks if b.strip())
    if not any(b.startswith("# ") for b in blocks) and title is not None and title.text().strip():
        text = "# " + _SPACE.sub(" ", title.text()).strip() + "\n\n" + text
    return text + "\n" if text else ""
