"""Split the text of one document into blocks: headings, paragraphs, items, tables, separators.

Plain text has one block per line (the legal page is scraped with headings flattened to
lines); markdown has blank-line separated blocks, ATX and setext headings, indented lists,
tables and fences. Every block records its exact span; whitespace between blocks is all
that is left out.

A paragraph or list item that opens with a section label ("**2.1 Right to Use.** Subject to",
"1.1 We grant you", "*   **1\\. Minimum Age.** You must") becomes two blocks on the same
line: a heading (the label and its run-in heading, ``inline``) and a paragraph (the rest).
``finish_blocks`` then reads the blocks of a whole document at once: page chrome, plain
heading lines, ordered lists that number a document's sections, and labels with no sibling.

Guarantee: blocks are in reading order, never overlap, and together hold every
non-whitespace character of the lines they were made from. Time is linear in the lines.
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
    Label,
    read_label,
    strip_markup,
)

__all__ = ["Line", "Block", "split_lines", "text_blocks", "markdown_blocks"]

_ATX, _APPENDIX, _NUMBERED = HEADING_RULES
_BULLET, _PAREN, _LETTER_DOT, _ORDERED = ITEM_RULES
_ROMAN = re.compile(r"^(?=[ivxlc]+$)c{0,3}(xc|xl|l?x{0,3})(ix|iv|v?i{0,3})$")
_BOLD_LINE = re.compile(r"^(?:\*\*|__)(?P<title>[^*_].*?)(?:\*\*|__)[ \t]*$")
_BOLD_ONLY = re.compile(r"^(?:\[)?(?:\*\*|__)(?P<title>[^*_\n][^\n]*?)(?:\*\*|__)(?:\]\([^)\n]*\))?[ \t]*[.:]?[ \t]*$")
_ANCHOR_LINK = re.compile(r"\[(?:[^\[\]]|\[[^\[\]]*\])*\]\(#[^)\s]*\)")
_ANY_LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\[\]]*\])*\]\([^)\s]*(?:\s+\"[^\"]*\")?\)")
_LIST_MARKER = re.compile(r"^[ \t]*(?:[-*+•]|\d{1,3}[.)])[ \t]+")
_MAX_HEADING = 120
_GLUED_RUNIN = re.compile(r"(?P<heading>[A-Z][^.!?:\n]{1,60}?)\.(?=[A-Z][a-z])")
# where a page captured as one long line ran its parts together: "... accept these Terms.1\. Services.Subject to ..."
_GLUE = re.compile(r"(?<=[a-z)”\"’\]][.:;])(?=\d{1,2}(?:\\?\.\d{1,2})*\\?\.?[ \t]?[A-Z])")
_LONG_LINE = 2000  # only a paragraph this long is read for run-together parts
_BODY_START = re.compile(r"[A-Z0-9“\"'‘(\[*_À-Ý]")


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
    kind: str  # heading | paragraph | item | table | separator | chrome
    start: int
    end: int
    lineno: int
    # headings
    number: str | None = None
    title: str | None = None
    level: int | None = None  # markup level: ATX/setext 1-6, bold line 7, plain line or inline label None
    appendix: bool = False
    scheme: str | None = None  # numbering scheme of ``number``: decimal, letter-decimal, roman, letter, ...
    inline: bool = False  # read from the start of a paragraph or item ("**2.1 Right to Use.** Subject to ...")
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
    chrome: str | None = None  # for kind "chrome": which rule found it
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



def _match_heading(line: str, fmt: str, *, markup: bool = False) -> dict | None:
    """A numbered or appendix heading on one line, or None.

    ``markup``: the line is the text of an ATX or setext heading, which is a heading whatever its
    title looks like ("1. Who we are." keeps its number).
    """
    stripped = line.strip()
    if not stripped or len(stripped) > _MAX_HEADING + 20:
        return None
    m = _APPENDIX.pattern.match(stripped)
    if m and (m.group("title") is None or markup or _heading_title_ok(m.group("title") or "X")):
        kind = m.group("kind").capitalize()
        title = strip_markup(m.group("title") or "") or None
        return {"number": f"{kind} {m.group('num')}", "title": title, "appendix": True, "scheme": "appendix"}
    m = _NUMBERED.pattern.match(stripped)
    if m and not markup and not _phrase_is_heading(m.group("title"), max_words=20, verbs_allowed=True):
        m = None  # "7.1 You acknowledge and agree that you" opens a sentence, not a title
    if m and (_heading_title_ok(m.group("title")) or (markup and strip_markup(m.group("title")))):
        number, dot = m.group("num"), m.group("dot")
        if int(number.split(".")[0]) > 50:
            return None
        if fmt == "markdown" and dot == "." and "." not in number and not stripped.startswith("**"):
            return None  # "1. text" is an ordered list in markdown; "1\. text" is a heading
        if fmt == "markdown" and not dot and "." not in number and not stripped.startswith("**"):
            return None  # "37 Albert Embankment" is a line of an address
        title = strip_markup(m.group("title"))
        if markup:
            title = title.rstrip(".").rstrip() or title
        return {"number": number, "title": title, "appendix": False, "scheme": "decimal"}
    if markup or stripped.startswith(("**", "__")):
        # other schemes ("A.1 Overview", "IV. Your Rights", "Section 3 - Fees") in marked-up headings only
        label = read_label(stripped)
        if label and label.scheme != "decimal" and label.dotted or (label and label.scheme == "section-word"):
            rest = strip_markup(stripped[label.end:]).lstrip(" .:–—-").rstrip(".").strip()
            if markup or not rest or _heading_title_ok(rest):
                return {"number": label.number, "title": rest or None, "appendix": False, "scheme": label.scheme}
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
    dotted = match.groupdict().get("dotted")
    if paren:
        style, value = _label_style(paren)
        label = paren
    elif dotted:
        style, value = _label_style(dotted[:-1])
        label = dotted
    elif rule_name == "ordered":
        style, value, label = "ordered", match.group("ordinal"), match.group(0).strip()
    else:
        style, value, label = "bullet", match.group("marker"), match.group("marker")
    start = line.start + len(match.group("indent"))
    start, end = _trim(text, start, end)
    body = text[line.start + match.end(): end]
    block = Block("item", start, end, line.lineno, indent=indent, label=label, style=style, value=value)
    block.extra["content"] = line.start + match.end()
    _annotate_body(block, body)
    return block


def _annotate_body(block: Block, body: str) -> None:
    body = body.strip()
    found = _find_runin(body)
    if found is None:
        found = _first_line_runin(body)
    if found:
        block.runin, block.runin_rule, block.runin_alone = found
    block.ends_with_colon = body.endswith(":")


def _first_line_runin(body: str) -> tuple[str, str, bool] | None:
    """A short title alone on the first line of a block whose sentence starts on the next line:
    '*   Eligibility' / '    Without limiting the Meta Terms of Service ...'."""
    first, nl, rest = body.partition("\n")
    if not nl or not rest.strip():
        return None
    title = first.strip()
    plain = strip_markup(title)
    if not plain or len(plain) > 60 or plain[-1] in ".,;:!?" or not plain[0].isupper():
        return None
    if not _phrase_is_heading(plain, max_words=6, verbs_allowed=False) or not _BODY_START.match(rest.lstrip()):
        return None
    return plain, "line", False


def _match_item(line_text: str, fmt: str) -> tuple[re.Match[str], str] | None:
    for rule in ITEM_RULES:
        if fmt not in rule.formats:
            continue
        m = rule.pattern.match(line_text)
        if m:
            return m, rule.name
    return None


# ------------------------------------------------------------------ numbered paragraphs

_BOLD_RUNIN, _PERIOD_RUNIN, _COLON_RUNIN = RUNIN_RULES


def _label_with_runin(text: str, pos: int, end: int, label: Label) -> tuple[int, str | None]:
    """(end of the heading span, run-in title) after ``label``: the bold or period run-in heading that follows it."""
    opened = text[pos: label.start]
    marker = "**" if "**" in opened else "__" if "__" in opened else None
    after = label.end
    if marker:
        close = text.find(marker, after, min(end, after + 200))
        if close == -1:
            lead = len(text[after:end]) - len(text[after:end].lstrip())
            m = _PERIOD_RUNIN.pattern.match(text[after + lead: min(end, after + 200)])
            if m and _phrase_is_heading(m.group("heading"), max_words=8, verbs_allowed=False):
                return after + lead + m.end(), m.group("heading").strip()
            return after, None
        inner = text[after:close].strip()
        stop = close + len(marker)
        if text.startswith("](", stop):  # a heading that is a link: [**1\. Title**](#anchor)
            paren = text.find(")", stop, end)
            stop = paren + 1 if paren != -1 else stop
        if stop < end and text[stop] in ".:":
            stop += 1
        if not inner:  # the label alone was bold: "**2.2** **Authorized Users.**", "**16.1.** If Customer"
            after = stop
        elif _phrase_is_heading(inner.rstrip(".:"), max_words=14, verbs_allowed=True):
            return stop, strip_markup(inner.rstrip(".:").strip()) or None
        else:
            # the bold runs on into the sentence: "**2.3 Subscription Renewals. You agree that ...**"
            lead = len(text[after:close]) - len(text[after:close].lstrip())
            m = _PERIOD_RUNIN.pattern.match(text[after + lead: close])
            if m and _phrase_is_heading(m.group("heading"), max_words=8, verbs_allowed=False):
                return after + lead + m.end(), m.group("heading").strip()
            return after, None
    rest_start = after
    while rest_start < end and text[rest_start] in " \t\u00a0":
        rest_start += 1
    rest = text[rest_start:end]
    m = _BOLD_RUNIN.pattern.match(rest)
    if m and (m.group("p1") or m.group("p2")):
        heading = m.group("heading").strip()
        if _phrase_is_heading(heading, max_words=14, verbs_allowed=True):
            return rest_start + m.end(), strip_markup(heading)
    m = _PERIOD_RUNIN.pattern.match(rest)
    if m and rest[m.end():].strip() and _phrase_is_heading(m.group("heading"), max_words=8, verbs_allowed=False):
        return rest_start + m.end(), m.group("heading").strip()
    m = _GLUED_RUNIN.match(rest)  # a page whose blocks lost their breaks: "1\. Services.Subject to your compliance"
    if m and _phrase_is_heading(m.group("heading"), max_words=8, verbs_allowed=True):
        return rest_start + m.end(), m.group("heading").strip()
    return after, None


def _split_numbered(text: str, start: int, content: int, end: int, lineno: int, indent: int) -> list[Block] | None:
    """[heading, body] for a block ``text[start:end]`` whose content (from ``content``) opens with a section label."""
    first_nl = text.find("\n", content, end)
    first_end = end if first_nl == -1 else first_nl
    label = read_label(text, content)
    if label is None or label.end > first_end:
        return None
    head_end, title = _label_with_runin(text, content, first_end, label)
    body_start, body_end = _trim(text, head_end, end)
    if title is None:
        if not label.dotted and label.scheme in ("decimal",):
            return None  # "37 Albert Embankment", "2 weeks"
        if body_start >= body_end:
            return None
        rest_first = text[body_start: first_end if first_end > body_start else body_end]
        if not _BODY_START.match(rest_first):
            return None  # "2.5 million", "1.5x"
        if label.scheme in ("letter", "roman", "section-word") and not text[content: label.start].strip():
            # a bare "A." or "IV." before a plain sentence is a numbered heading only with a title on its line
            if body_start < first_end and _heading_title_ok(text[body_start:first_end]) and first_end >= body_end:
                title = strip_markup(text[body_start:first_end])
                head_end, body_start = first_end, body_end
            else:
                return None
        elif body_start < first_end and first_end >= body_end and _heading_title_ok(rest_first) \
                and len(rest_first.split()) <= 14:
            # the label and a title are all the block says: "I. Account Registration and Security"
            title = strip_markup(rest_first)
            head_end, body_start = first_end, body_end
    h_start, h_end = _trim(text, start, head_end)
    heading = Block("heading", h_start, h_end, lineno, number=label.number, title=title, scheme=label.scheme,
                    inline=True, indent=indent)
    if body_start >= body_end:
        return [heading]
    body = Block("paragraph", body_start, body_end, lineno, indent=indent)
    body.ends_with_colon = text[body_start:body_end].rstrip().endswith(":")
    heading.extra["body"] = body
    return [heading, body]


# ------------------------------------------------------------------ plain text


def text_blocks(text: str, lines: list[Line]) -> list[Block]:
    """Blocks of a plain-text document: one per non-blank line."""
    blocks: list[Block] = []
    numbered_seen = False
    # index of the next non-blank line after each line, read backwards once (was a scan per line: quadratic)
    next_nonblank: list[int] = [len(lines)] * len(lines)
    following = len(lines)
    for k in range(len(lines) - 1, -1, -1):
        next_nonblank[k] = following
        if not lines[k].blank:
            following = k
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
                                title=heading["title"], appendix=heading["appendix"], scheme=heading["scheme"]))
            i += 1
            continue
        found = _match_item(line.text, "text")
        if found:
            blocks.extend(_split_run_on_items(text, _make_item(text, line, found[0], found[1], line.end), line))
            i += 1
            continue
        start, end = _trim(text, line.start, line.end)
        numbered = _split_numbered(text, start, start, end, line.lineno, 0)
        if numbered:
            numbered_seen = True
            blocks.extend(numbered)
            i += 1
            continue
        if not numbered_seen and next_nonblank[i] < len(lines) and _is_title_line(line.text):
            blocks.append(Block("heading", start, end, line.lineno, title=stripped))
            i += 1
            continue
        block = Block("paragraph", start, end, line.lineno)
        _annotate_body(block, text[start:end])
        blocks.append(block)
        i += 1
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


# ------------------------------------------------------------------ markdown


def _starts_block(line: Line) -> bool:
    t = line.text
    return bool(
        _ATX.pattern.match(t) or TABLE_ROW.match(t) or FENCE.match(t) or _match_item(t, "markdown") or SEPARATOR.match(t)
        or _numbered_line(t)
    )


def _numbered_line(t: str) -> bool:
    """A line that opens the next numbered part even without a blank line before it: "11.2 If you notice ..."."""
    if not t[:1].isdigit() and not t.startswith(("**", "__")):
        return False
    label = read_label(t)
    if label is None or not label.dotted or "." not in label.number and not t.startswith(("**", "__")):
        return False
    rest = t[label.end:].lstrip(" \t*_")
    return bool(rest) and (rest[0].isupper() or rest[0] in "“\"")


def _opens_numbered(line: str) -> bool:
    """Whether a line opens with a section label in bold ("**2\\.** You are responsible"): a part of its own."""
    label = read_label(line)
    return label is not None and label.dotted and line.lstrip().startswith(("**", "__"))


def _heading_only(text: str) -> bool:
    """Whether the text of an item is a heading and nothing else: '**SPACEXAI PRODUCTS AND SERVICES**',
    'I. Account Registration and Security', 'PERSONNEL'."""
    t = text.strip()
    if not t or "\n" in t or len(t) > _MAX_HEADING:
        return False
    m = _BOLD_ONLY.match(t)
    if m:
        return _phrase_is_heading(m.group("title").rstrip(".:"), max_words=14, verbs_allowed=True)
    plain = strip_markup(t)
    label = read_label(t)
    if label and label.dotted:
        rest = strip_markup(t[label.end:])
        return bool(rest) and _heading_title_ok(rest) and len(rest.split()) <= 14
    return plain.isupper() and len(plain.split()) <= 10 and plain[-1] not in ".;,"


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
            # lazy continuation lines of the first paragraph
            while j + 1 < n and not lines[j + 1].blank and not _starts_block(lines[j + 1]) \
                    and not SETEXT_UNDERLINE.match(lines[j + 1].text):
                j += 1
            # an item that is only a heading keeps no paragraph after it: that paragraph is its section's text
            if not _heading_only(text[line.start + match.end(): lines[j].end]):
                while True:
                    # an indented paragraph after blank lines continues the item
                    k = j + 1
                    while k < n and lines[k].blank:
                        k += 1
                    if k < n and k > j + 1 and _indent(lines[k].text) > indent and not _starts_block(lines[k]) \
                            and not _opens_numbered(lines[k].text):
                        j = k
                        while j + 1 < n and not lines[j + 1].blank and not _starts_block(lines[j + 1]) \
                                and not SETEXT_UNDERLINE.match(lines[j + 1].text):
                            j += 1
                        continue
                    break
            item = _make_item(text, line, match, rule_name, lines[j].end)
            numbered = _split_numbered(text, item.start, item.extra["content"], item.end, line.lineno, indent)
            if numbered and numbered[0].title is None and "." not in (numbered[0].number or "") and indent > 0:
                numbered[0].extra["item"] = item  # decided with the blocks around it (_demote_nested_numbers)
            blocks.extend(numbered or [item])
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
        if end - start > _LONG_LINE and i == j:
            glued = _split_glued(text, start, end, line.lineno)
            if glued:
                blocks.extend(glued)
                i = j + 1
                continue
        found_blocks = None
        single = _single_line_heading(text, start, end, line.lineno) if i == j else None
        if single is not None:
            found_blocks = [single]
        else:
            found_blocks = _split_numbered(text, start, start, end, line.lineno, _indent(t))
        if found_blocks is None:
            block = Block("paragraph", start, end, line.lineno, indent=_indent(t))
            _annotate_body(block, text[start:end])
            found_blocks = [block]
        blocks.extend(found_blocks)
        i = j + 1
    return blocks


def _split_glued(text: str, start: int, end: int, lineno: int) -> list[Block] | None:
    """The parts of one very long line that ran numbered parts together, each read as a block of its own."""
    cuts = [m.start() for m in _GLUE.finditer(text, start, end)]
    if len(cuts) < 3:
        return None
    out: list[Block] = []
    for s, e in zip([start] + cuts, cuts + [end]):
        s, e = _trim(text, s, e)
        if s >= e:
            continue
        numbered = _split_numbered(text, s, s, e, lineno, 0)
        if numbered:
            out.extend(numbered)
            continue
        block = Block("paragraph", s, e, lineno)
        _annotate_body(block, text[s:e])
        out.append(block)
    return out


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" \t"))


def _heading_block(start: int, end: int, lineno: int, raw_title: str, level: int) -> Block:
    heading = _match_heading(strip_markup(raw_title), "text", markup=True)
    if heading:
        return Block("heading", start, end, lineno, number=heading["number"], title=heading["title"],
                     level=level, appendix=heading["appendix"], scheme=heading["scheme"])
    title = strip_markup(raw_title) or None
    return Block("heading", start, end, lineno, title=title, level=level)


def _single_line_heading(text: str, start: int, end: int, lineno: int) -> Block | None:
    line = text[start:end]
    heading = _match_heading(line, "markdown")
    if heading is None:
        m = _BOLD_LINE.match(line)
        if m and read_label(line):
            # a numbered bold line is a heading even when its title ends with a period: "**1. Who we are.**"
            heading = _match_heading(strip_markup(line), "text", markup=True)
            if heading and len(strip_markup(line).split()) > 16:
                heading = None
    if heading:
        level = 7 if line.startswith("**") else None
        return Block("heading", start, end, lineno, number=heading["number"], title=heading["title"],
                     level=level, appendix=heading["appendix"], scheme=heading["scheme"])
    m = _BOLD_LINE.match(line)
    if m and _heading_title_ok(m.group("title")) and len(strip_markup(m.group("title")).split()) <= 14:
        return Block("heading", start, end, lineno, title=strip_markup(m.group("title")), level=7)
    return None
