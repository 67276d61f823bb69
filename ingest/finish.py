"""Decisions that need the blocks of a whole document, taken after ``blocks`` has read them one by one.

    finish_blocks(text, blocks, fmt)   chrome -> ordered outline -> plain heading lines (markdown)
                                       -> nested numbers -> lonely labels -> headings over numbers -> lone run-ins

Each pass reads the list once (or a constant number of times): time is linear in the blocks. A pass
only relabels blocks or merges a label with its text again; spans never change, so the blocks still
cover the text exactly.
"""

from __future__ import annotations

import re

from clausegraph.ingest.blocks import (
    _ANCHOR_LINK,
    _ANY_LINK,
    _BOLD_RUNIN,
    _LIST_MARKER,
    Block,
    _annotate_body,
    _heading_only,
    _phrase_is_heading,
    _trim,
)
from clausegraph.ingest.patterns import CHROME_RULES, PRONOUN_STARTS, strip_markup

__all__ = ["finish_blocks"]


def finish_blocks(text: str, blocks: list[Block], *, fmt: str) -> list[Block]:
    """Decisions that need the blocks of a whole document, in this order: page chrome, ordered lists
    that number the sections, plain heading lines (markdown), labels with no sibling, lone run-ins."""
    blocks = _mark_chrome(text, blocks)
    if fmt == "markdown":
        blocks = _ordered_outline(text, blocks)
        _plain_heading_lines(text, blocks)
    blocks = _demote_nested_numbers(blocks)
    blocks = _drop_lonely_labels(text, blocks)
    _headings_over_numbers(text, blocks)
    _confirm_lone_runins(blocks)
    return blocks


def _demote_nested_numbers(blocks: list[Block]) -> list[Block]:
    """A number with no title in a list nested in another list item ("*   iv. **Closing.**" / "    *   1\\. In addition")
    is an item of that list; directly below a heading ("XI. General" / "    *   8\\. You shall") it numbers a part."""
    out: list[Block] = []
    skip: set[int] = set()
    for k, b in enumerate(blocks):
        if id(b) in skip:
            continue
        item = b.extra.get("item") if b.kind == "heading" else None
        if item is not None:
            outer = next((x for x in reversed(out) if x.kind != "chrome" and x.indent < b.indent), None)
            if outer is not None and outer.kind == "item":
                body = b.extra.pop("body", None)
                if body is not None:
                    skip.add(id(body))
                out.append(item)
                continue
        out.append(b)
    return out


def _headings_over_numbers(text: str, blocks: list[Block]) -> None:
    """A bullet that is only a title, right above paragraphs numbered "4.1", "4.2", is the heading of part 4
    (a numbered list whose numbers the page drew by style: "*   International Data Transfers." / "4.1 The Parties ...")."""
    for i, b in enumerate(blocks[:-1]):
        nxt = blocks[i + 1]
        if b.kind != "item" or b.style != "bullet" or not (nxt.kind == "heading" and nxt.inline and nxt.number
                                                           and len(nxt.number.split(".")) == 2):
            continue
        body = text[b.extra.get("content", b.start): b.end].strip()
        plain = strip_markup(body).rstrip(".").strip()
        if "\n" in body or not plain or len(plain.split()) > 8 or not plain[0].isupper() \
                or not _phrase_is_heading(plain, max_words=8, verbs_allowed=False):
            continue
        b.kind, b.title, b.level, b.runin = "heading", plain, None, None


def _plain(text: str, block: Block) -> str:
    return strip_markup(text[block.start: block.end])


def _link_only(text: str, block: Block, *, anchors: bool) -> bool:
    """Whether a paragraph or item is nothing but links (to anchors in the page, with ``anchors``)."""
    raw = text[block.start: block.end]
    raw = _LIST_MARKER.sub("", raw, count=1)
    pattern = _ANCHOR_LINK if anchors else _ANY_LINK
    rest = pattern.sub("", raw)
    if rest == raw:
        return False
    return not re.sub(r"[\s*_|•·,;:–—-]+", "", rest)


def _mark_chrome(text: str, blocks: list[Block]) -> list[Block]:
    out = list(blocks)
    n = len(out)
    i = 0
    while i < n:
        b = out[i]
        if b.kind in ("paragraph", "item", "heading") and not b.inline:
            plain = _plain(text, b)
            rule = next((r for r in CHROME_RULES if r.pattern.match(plain)), None)
            if rule is not None and rule.name == "link-list-heading":
                j = i + 1
                while j < n and out[j].kind in ("item", "paragraph") and _link_only(text, out[j], anchors=False) \
                        and not _link_only(text, out[j], anchors=True):
                    j += 1
                if j > i + 1:
                    for k in range(i, j):
                        _to_chrome(out[k], "link-list")
                    i = j
                    continue
            elif rule is not None and b.kind != "heading":
                _to_chrome(b, rule.name)
        i += 1
    # a table of contents: two or more blocks in a row that only link into the page
    i = 0
    while i < n:
        j = i
        while j < n and out[j].kind in ("item", "paragraph") and _link_only(text, out[j], anchors=True):
            j += 1
        if j - i >= 2:
            for k in range(i, j):
                _to_chrome(out[k], "table-of-contents")
            i = j
        else:
            i = j + 1 if j == i else j
    # a table of contents as headings: three or more numbered headings with nothing between them,
    # whose numbers come again further down
    later: dict[str, int] = {}
    for k, b in enumerate(out):
        if b.kind == "heading" and b.number:
            later[b.number] = k
    i = 0
    while i < n:
        j = i
        while j < n and out[j].kind == "heading" and out[j].number and not out[j].inline:
            j += 1
        while j > i and later.get(out[j - 1].number, -1) < j:
            j -= 1  # the first real heading right after the contents does not come again
        if j - i >= 3 and sum(1 for k in range(i, j) if later.get(out[k].number, -1) >= j) * 3 >= 2 * (j - i):
            for k in range(i, j):
                _to_chrome(out[k], "table-of-contents")
        i = max(j, i + 1)
    return out


def _to_chrome(block: Block, rule: str) -> None:
    body = block.extra.pop("body", None)
    block.kind, block.chrome = "chrome", rule
    block.number = block.title = None
    if body is not None:  # a label and its text: the text is chrome too
        body.kind, body.chrome = "chrome", rule


def _ordered_outline(text: str, blocks: list[Block]) -> list[Block]:
    """A document numbered only by a markdown ordered list ("1.  **SERVICES**" / "    1.  **Access.** Subject to"):
    its top items are sections "1", "2", and items with a run-in heading nested in them are "1.1", "1.2"."""
    if any(b.kind == "heading" and b.number and b.scheme == "decimal" for b in blocks):
        return blocks
    top = [b for b in blocks if b.kind == "item" and b.style == "ordered" and b.indent == 0]
    heads = [b for b in top if _heading_only(text[b.extra["content"]: b.end]) or (b.runin and b.runin_rule == "bold")]
    if len(heads) < 3 or len(heads) * 2 < len(top):
        return blocks
    out: list[Block] = []
    parent: str | None = None  # number of the open top-level section
    parent_indent = 0
    for b in blocks:
        if b.kind == "item" and b.style == "ordered" and b.indent == 0:
            parent = b.value
            out.extend(_outline_section(text, b, b.value))
            continue
        if b.kind == "heading" and b.level is not None:
            parent = None
        if parent is not None and b.kind == "item" and b.style == "ordered" and b.indent > parent_indent \
                and b.runin and b.runin_rule == "bold":
            out.extend(_outline_section(text, b, f"{parent}.{b.value}"))
            continue
        out.append(b)
    return out


def _outline_section(text: str, item: Block, number: str) -> list[Block]:
    content = item.extra["content"]
    if _heading_only(text[content: item.end]):
        title = strip_markup(text[content: item.end]).rstrip(".:").strip() or None
        return [Block("heading", item.start, item.end, item.lineno, number=number, title=title, scheme="decimal",
                      inline=True, indent=item.indent)]
    m = _BOLD_RUNIN.pattern.match(text[content: item.end])
    if not m:
        return [item]
    head_end = content + m.end()
    heading = Block("heading", item.start, head_end, item.lineno, number=number, title=strip_markup(m.group("heading")),
                    scheme="decimal", inline=True, indent=item.indent)
    body_start, body_end = _trim(text, head_end, item.end)
    if body_start >= body_end:
        return [heading]
    body = Block("paragraph", body_start, body_end, item.lineno, indent=item.indent)
    body.ends_with_colon = text[body_start:body_end].endswith(":")
    heading.extra["body"] = body
    return [heading, body]


def _plain_heading_lines(text: str, blocks: list[Block]) -> None:
    """A short capitalised line alone, before the paragraph or list it names, is a heading: 'Child Safety'."""
    for i, b in enumerate(blocks):
        if b.kind != "paragraph" or b.runin or b.inline or "\n" in text[b.start: b.end]:
            continue
        raw = text[b.start: b.end]
        if _LIST_MARKER.match(raw) or _link_only(text, b, anchors=False):
            continue
        plain = strip_markup(raw)
        words = plain.split()
        if not words or len(words) > 10 or len(plain) > 80 or not (plain[0].isupper() or plain[0].isdigit()):
            continue
        if plain[-1] in ".,;:!\"”)" or words[0].lower() in PRONOUN_STARTS - {"this", "these"}:
            continue
        nxt = blocks[i + 1] if i + 1 < len(blocks) else None
        if nxt is None or nxt.kind == "chrome":
            continue
        if nxt.kind == "paragraph":
            if nxt.inline or len(text[nxt.start: nxt.end]) < 60 or _link_only(text, nxt, anchors=False):
                continue
        elif nxt.kind not in ("item", "table"):
            continue
        if plain[-1] == "?" and nxt.kind != "paragraph":
            continue
        prev = blocks[i - 1] if i else None
        if prev is not None and prev.kind == "paragraph" and "\n" not in text[prev.start: prev.end] \
                and len(text[prev.start: prev.end]) < 60 and not prev.extra.get("plain_heading"):
            continue  # a run of short lines: an address, a list without markers
        b.kind, b.title, b.level = "heading", plain, None
        b.extra["plain_heading"] = True


def _sibling_numbers(number: str) -> tuple[str, ...]:
    parts = number.split(".")
    return tuple(parts[:-1])


def _drop_lonely_labels(text: str, blocks: list[Block]) -> list[Block]:
    """A label read from a paragraph counts only where the document numbers more than that one part:
    "2.5 Gigabytes ..." alone is a paragraph that starts with a number."""
    numbered = [b for b in blocks if b.kind == "heading" and b.number]
    if not any(b.inline for b in numbered):
        return blocks
    prefixes: dict[tuple, int] = {}
    numbers = set()
    for b in numbered:
        parts = tuple(b.number.split("."))
        numbers.add(parts)
        prefixes[parts[:-1]] = prefixes.get(parts[:-1], 0) + 1
    out: list[Block] = []
    skip: set[int] = set()
    for b in blocks:
        if id(b) in skip:
            continue
        if b.kind == "heading" and b.inline and b.number and b.level is None:
            parts = tuple(b.number.split("."))
            related = prefixes.get(parts[:-1], 0) > 1 or parts[:-1] in numbers or parts in prefixes
            if not related:
                body = b.extra.pop("body", None)
                end = body.end if body is not None else b.end
                merged = Block("paragraph", b.start, end, b.lineno, indent=b.indent)
                _annotate_body(merged, text[b.start: end])
                out.append(merged)
                if body is not None:
                    skip.add(id(body))
                continue
        out.append(b)
    return out


def _confirm_lone_runins(blocks: list[Block]) -> None:
    """A phrase ending in a period, alone in its block, is a heading only when a list follows it."""
    for i, block in enumerate(blocks):
        if block.runin and block.runin_alone and block.runin_rule == "period":
            nxt = blocks[i + 1] if i + 1 < len(blocks) else None
            if not (nxt and nxt.kind == "item" and (block.kind != "item" or nxt.indent > block.indent)):
                block.runin = block.runin_rule = None
                block.runin_alone = False
