"""Split the text of one document into blocks: headings, paragraphs, items, tables, separators.

Plain text has one block per line (the legal page is scraped with headings flattened to
lines); markdown has blank-line separated blocks, ATX and setext headings, indented lists,
tables and fences. Every block records its exact span; whitespace between blocks is all
that is left out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from clausegraph.ingest.patterns import (
    FENCE,
    HEADING_RULES,
    ITEM_RULES,
    NOT_A_HEADING_WORDS,
    PRONOUN_STARTS,
    RUNIN_RULES,
    SEPARATOR,
    SETEXT_UNDERLINE,
    TABLE_ROW,
    strip_markup,
)

__all__ = ["Line", "Block", "split_lines", "text_blocks", "markdown_blocks"]

_ATX, _APPENDIX, _NUMBERED = HEADING_RULES
_BULLET, _PAREN, _ORDERED = ITEM_RULES
_ROMAN = re.compile(r"^(?=[ivxlc]+$)c{0,3}(xc|xl|l?x{0,3})(ix|iv|v?i{0,3})$")
_BOLD_LINE = re.compile(r"^(?:\*\*|__)(?P<title>[^*_].*?)(?:\*\*|__)[ \t]*$")
_MAX_HEADING = 120


@dataclass
class Line:
    start: int  # offset of the first character
    end: int  # offset past the last character, newline and trailing '\r' excluded
    text: str
    lineno: int  # 1-based

    @property
    def blank(self) -> bool:
        return not self.text.strip()


@dataclass
class Block:
    kind: str  # heading | paragraph | item | table | separator
    start: int
    end: int
    lineno: int
    # headings
    number: str | None = None
    title: str | None = None
    level: int | None = None  # markup level: ATX/setext 1-6, bold line 7, plain line None
    appendix: bool = False
    # items
    indent: int = 0
    label: str | None = None
    style: str | None = None  # bullet | ordered | alpha | ALPHA | roman | ROMAN | digit
    value: str | None = None
    # paragraphs and items
    runin: str | None = None
    runin_rule: str | None = None
    runin_alone: bool = False  # the heading is all the block says ("Governing law and venue.")
    ends_with_colon: bool = False
    extra: dict = field(default_factory=dict)


def split_lines(text: str, start: int = 0, end: int | None = None) -> list[Line]:
    """Lines of ``text[start:end]`` with their offsets; '\\r' before '\\n' is not part of a line."""
    end = len(text) if end is None else end
    lines: list[Line] = []
    lineno = text.count("\n", 0, start) + 1
    pos = start
    while pos < end:
        nl = text.find("\n", pos, end)
        stop = end if nl == -1 else nl
        line_end = stop - 1 if stop > pos and text[stop - 1] == "\r" else stop
        lines.append(Line(pos, line_end, text[pos:line_end], lineno))
        lineno += 1
        pos = stop + 1
    return lines


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _heading_title_ok(title: str) -> bool:
    plain = strip_markup(title)
    if not plain or len(plain) > _MAX_HEADING:
        return False
    if plain[-1] in ".;,:":
        return False
    first = plain.lstrip("“\"'(")[:1]
    return first.isupper() or first.isdigit()


def _match_heading(line: str, fmt: str) -> dict | None:
    """A numbered or appendix heading on one line, or None."""
    stripped = line.strip()
    if not stripped or len(stripped) > _MAX_HEADING + 20:
        return None
    m = _APPENDIX.pattern.match(stripped)
    if m and (m.group("title") is None or _heading_title_ok(m.group("title") or "X")):
        kind = m.group("kind").capitalize()
        title = strip_markup(m.group("title") or "") or None
        return {"number": f"{kind} {m.group('num')}", "title": title, "appendix": True}
    m = _NUMBERED.pattern.match(stripped)
    if m and _heading_title_ok(m.group("title")):
        number, dot = m.group("num"), m.group("dot")
        if int(number.split(".")[0]) > 50:
            return None
        if fmt == "markdown" and dot == "." and "." not in number and not stripped.startswith("**"):
            return None  # "1. text" is an ordered list in markdown; "1\. text" is a heading
        return {"number": number, "title": strip_markup(m.group("title")), "appendix": False}
    return None


def _is_title_line(line: str) -> bool:
    """An unnumbered titled part of a plain-text document: 'Scope', 'Our principles', 'Preamble'."""
    stripped = line.strip()
    words = stripped.split()
    if not words or len(words) > 8 or len(stripped) > 60:
        return False
    if stripped[-1] in ".:;,!?\"”)" or not stripped[0].isupper():
        return False
    return not any(rule.pattern.match(stripped) for rule in ITEM_RULES)


def _phrase_is_heading(phrase: str, *, max_words: int, verbs_allowed: bool) -> bool:
    words = strip_markup(phrase).split()
    if not words or len(words) > max_words:
        return False
    lowered = [w.strip("(),'’\"“”").lower() for w in words]
    if lowered[0] in PRONOUN_STARTS:
        return False
    # the first word may be an imperative ("Be neutral:"); a verb after it makes a sentence
    if not verbs_allowed and any(w in NOT_A_HEADING_WORDS for w in lowered[1:]):
        return False
    return len(lowered[-1]) > 1


def _find_runin(body: str) -> tuple[str, str, bool] | None:
    """(heading, rule, alone) for the run-in heading that opens ``body``, or None."""
    bold, period, colon = RUNIN_RULES
    m = bold.pattern.match(body)
    if m and (m.group("p1") or m.group("p2")):
        heading = m.group("heading").strip()
        if _phrase_is_heading(heading, max_words=14, verbs_allowed=True):
            return strip_markup(heading), bold.name, not body[m.end():].strip()
    for rule in (period, colon):
        m = rule.pattern.match(body)
        if m and _phrase_is_heading(m.group("heading"), max_words=8 if rule is period else 10, verbs_allowed=False):
            alone = not body[m.end():].strip()
            return m.group("heading").strip(), rule.name, alone
    return None


def _label_style(label: str) -> tuple[str, str]:
    inner = label.strip("()")
    if inner.isdigit():
        return "digit", inner
    if inner.islower():
        return ("roman" if _ROMAN.match(inner) else "alpha"), inner
    return ("ROMAN" if _ROMAN.match(inner.lower()) else "ALPHA"), inner


def _make_item(text: str, line: Line, match: re.Match[str], rule_name: str, end: int) -> Block:
    indent = len(match.group("indent").expandtabs(4))
    paren = match.groupdict().get("paren")
    if paren:
        style, value = _label_style(paren)
        label = paren
    elif rule_name == "ordered":
        style, value, label = "ordered", match.group("ordinal"), match.group(0).strip()
    else:
        style, value, label = "bullet", match.group("marker"), match.group("marker")
    start = line.start + len(match.group("indent"))
    start, end = _trim(text, start, end)
    body = text[line.start + match.end(): end]
    block = Block("item", start, end, line.lineno, indent=indent, label=label, style=style, value=value)
    _annotate_body(block, body)
    return block


def _annotate_body(block: Block, body: str) -> None:
    body = body.strip()
    found = _find_runin(body)
    if found:
        block.runin, block.runin_rule, block.runin_alone = found
    block.ends_with_colon = body.endswith(":")


def _match_item(line_text: str, fmt: str) -> tuple[re.Match[str], str] | None:
    for rule in ITEM_RULES:
        if fmt not in rule.formats:
            continue
        m = rule.pattern.match(line_text)
        if m:
            return m, rule.name
    return None


def text_blocks(text: str, lines: list[Line]) -> list[Block]:
    """Blocks of a plain-text document: one per non-blank line."""
    blocks: list[Block] = []
    numbered_seen = False
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.blank:
            i += 1
            continue
        stripped = line.text.strip()
        # A bullet alone on its line carries the text of the next line ("-\nAzure:").
        if stripped in ("-", "*", "•") and i + 1 < len(lines) and not lines[i + 1].blank:
            nxt = lines[i + 1]
            m = _BULLET.pattern.match(line.text)
            block = _make_item(text, line, m, "bullet", nxt.end)
            _annotate_body(block, nxt.text)
            blocks.append(block)
            i += 2
            continue
        heading = _match_heading(line.text, "text")
        if heading:
            numbered_seen = numbered_seen or not heading["appendix"]
            start, end = _trim(text, line.start, line.end)
            blocks.append(Block("heading", start, end, line.lineno, number=heading["number"],
                                title=heading["title"], appendix=heading["appendix"]))
            i += 1
            continue
        found = _match_item(line.text, "text")
        if found:
            blocks.extend(_split_run_on_items(text, _make_item(text, line, found[0], found[1], line.end), line))
            i += 1
            continue
        nxt_nonblank = next((ln for ln in lines[i + 1:] if not ln.blank), None)
        if not numbered_seen and nxt_nonblank is not None and _is_title_line(line.text):
            start, end = _trim(text, line.start, line.end)
            blocks.append(Block("heading", start, end, line.lineno, title=stripped))
            i += 1
            continue
        start, end = _trim(text, line.start, line.end)
        block = Block("paragraph", start, end, line.lineno)
        _annotate_body(block, text[start:end])
        blocks.append(block)
        i += 1
    _confirm_lone_runins(blocks)
    return blocks


def _split_run_on_items(text: str, block: Block, line: Line) -> list[Block]:
    """Two list items run together on one line ("(b) ... rights; (c) Send us ...") become two items.

    Only an item whose label is followed, after a semicolon, by the next label of the same
    list is split; an inline enumeration inside a paragraph stays one paragraph.
    """
    out = [block]
    while block.style in ("alpha", "ALPHA", "digit") and block.value:
        nxt = str(int(block.value) + 1) if block.style == "digit" else _succ_letter(block.value)
        m = re.compile(r";\s*(?:and\s+|or\s+)?(\(" + re.escape(nxt) + r"\))[ \t]+\S").search(text, block.start, block.end)
        if not m:
            break
        cut = m.start(1)
        end_first = _trim(text, block.start, cut)[1]
        second = Block("item", cut, block.end, line.lineno, indent=block.indent, label=m.group(1),
                       style=block.style, value=nxt)
        _annotate_body(second, text[m.end(1): block.end])
        block.end = end_first
        _annotate_body(block, text[block.start + len(block.label or ""): block.end])
        out.append(second)
        block = second
    return out


def _succ_letter(value: str) -> str:
    return value[:-1] + chr(ord(value[-1]) + 1) if value and value[-1] not in "zZ" else ""


def _starts_block(line: Line) -> bool:
    t = line.text
    return bool(
        _ATX.pattern.match(t) or TABLE_ROW.match(t) or FENCE.match(t) or _match_item(t, "markdown") or SEPARATOR.match(t)
    )


def markdown_blocks(text: str, lines: list[Line]) -> list[Block]:
    """Blocks of a markdown document."""
    blocks: list[Block] = []
    i, n = 0, len(lines)
    while i < n:
        line = lines[i]
        t = line.text
        if line.blank:
            i += 1
            continue
        m = FENCE.match(t)
        if m:
            j = i + 1
            while j < n and not lines[j].text.strip().startswith(m.group(1)):
                j += 1
            last = lines[min(j, n - 1)]
            start, end = _trim(text, line.start, last.end)
            blocks.append(Block("paragraph", start, end, line.lineno))
            i = j + 1
            continue
        m = _ATX.pattern.match(t)
        if m:
            start, end = _trim(text, line.start, line.end)
            blocks.append(_heading_block(start, end, line.lineno, m.group("title"), len(m.group("hashes"))))
            i += 1
            continue
        if TABLE_ROW.match(t):
            j = i
            while j + 1 < n and TABLE_ROW.match(lines[j + 1].text):
                j += 1
            start, end = _trim(text, line.start, lines[j].end)
            blocks.append(Block("table", start, end, line.lineno))
            i = j + 1
            continue
        if SEPARATOR.match(t):
            start, end = _trim(text, line.start, line.end)
            blocks.append(Block("separator", start, end, line.lineno))
            i += 1
            continue
        found = _match_item(t, "markdown")
        if found:
            match, rule_name = found
            indent = len(match.group("indent").expandtabs(4))
            j = i
            while True:
                # lazy continuation lines
                while j + 1 < n and not lines[j + 1].blank and not _starts_block(lines[j + 1]) \
                        and not SETEXT_UNDERLINE.match(lines[j + 1].text):
                    j += 1
                # an indented paragraph after blank lines continues the item
                k = j + 1
                while k < n and lines[k].blank:
                    k += 1
                if k < n and k > j + 1 and _indent(lines[k].text) > indent and not _starts_block(lines[k]):
                    j = k
                    continue
                break
            blocks.append(_make_item(text, line, match, rule_name, lines[j].end))
            i = j + 1
            continue
        # paragraph: up to a blank line, a line that opens another block, or a setext underline
        j = i
        while j + 1 < n and not lines[j + 1].blank and not _starts_block(lines[j + 1]) \
                and not SETEXT_UNDERLINE.match(lines[j + 1].text):
            j += 1
        if j + 1 < n and SETEXT_UNDERLINE.match(lines[j + 1].text):
            underline = lines[j + 1]
            level = 1 if underline.text.strip().startswith("=") else 2
            start, end = _trim(text, line.start, underline.end)
            title = " ".join(ln.text.strip() for ln in lines[i: j + 1])
            blocks.append(_heading_block(start, end, line.lineno, title, level))
            i = j + 2
            continue
        start, end = _trim(text, line.start, lines[j].end)
        block = _single_line_heading(text, start, end, line.lineno) if i == j else None
        if block is None:
            block = Block("paragraph", start, end, line.lineno)
            _annotate_body(block, text[start:end])
        blocks.append(block)
        i = j + 1
    _confirm_lone_runins(blocks)
    return blocks


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" \t"))


def _heading_block(start: int, end: int, lineno: int, raw_title: str, level: int) -> Block:
    heading = _match_heading(strip_markup(raw_title), "text")
    if heading:
        return Block("heading", start, end, lineno, number=heading["number"], title=heading["title"],
                     level=level, appendix=heading["appendix"])
    title = strip_markup(raw_title) or None
    return Block("heading", start, end, lineno, title=title, level=level)


def _single_line_heading(text: str, start: int, end: int, lineno: int) -> Block | None:
    line = text[start:end]
    heading = _match_heading(line, "markdown")
    if heading:
        level = 7 if line.startswith("**") else None
        return Block("heading", start, end, lineno, number=heading["number"], title=heading["title"],
                     level=level, appendix=heading["appendix"])
    m = _BOLD_LINE.match(line)
    if m and _heading_title_ok(m.group("title")) and len(strip_markup(m.group("title")).split()) <= 14:
        return Block("heading", start, end, lineno, title=strip_markup(m.group("title")), level=7)
    return None


def _confirm_lone_runins(blocks: list[Block]) -> None:
    """A phrase ending in a period, alone in its block, is a heading only when a list follows it."""
    for i, block in enumerate(blocks):
        if block.runin and block.runin_alone and block.runin_rule == "period":
            nxt = blocks[i + 1] if i + 1 < len(blocks) else None
            if not (nxt and nxt.kind == "item" and (block.kind != "item" or nxt.indent > block.indent)):
                block.runin = block.runin_rule = None
                block.runin_alone = False
