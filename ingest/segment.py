"""Build the tree of sections and clauses of one document from its blocks.

Sections nest by their numbers ("1.1" inside "1", "A.1.a" inside "A.1"), by markup level
(### inside ##), by numbering scheme ("1." after "I." opens a part of it; "II." closes both)
and under appendices ("EXHIBIT 1" holds the "1.2" that follow it). List items become
children of the paragraph that introduces them; nested labels ((a) then (i)), deeper
indentation and bullets under a bullet that ends with a colon nest further.

Guarantees: one pass over the blocks with explicit stacks (no recursion), so time and memory
are linear in the blocks; no node is deeper than ``MAX_DEPTH`` (a list nested deeper is read
as siblings at that depth, so the models stay serialisable); keys are unique in the document.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from clausegraph.ingest.blocks import Block
from clausegraph.ontology.iris import slugify
from clausegraph.ontology.models import Clause, ClauseKind, Section

__all__ = ["build_tree", "MAX_DEPTH"]

_MAX_SLUG = 60
MAX_DEPTH = 24  # legal texts nest to 6 or 7; a deeper list is a broken page, not a deeper provision
_ROMAN_LETTERS = set("IVXLC")


@dataclass
class _Node:
    block: Block | None
    key: str
    base: str = ""  # key that numbered children are placed under (sections)
    depth: int = 0
    section: bool = False
    up: _Node | None = None  # the parent
    children: list = field(default_factory=list)
    used: set = field(default_factory=set)
    counters: dict = field(default_factory=dict)


def _short_slug(text: str) -> str:
    slug = slugify(text)
    if len(slug) > _MAX_SLUG:
        slug = slug[:_MAX_SLUG].rsplit("-", 1)[0]
    return slug or "x"


def _join(prefix: str, seg: str) -> str:
    return f"{prefix}/{seg}" if prefix else seg


def _unique(parent: _Node, seg: str) -> str:
    candidate, n = seg, 1
    while candidate in parent.used:
        n += 1
        candidate = f"{seg}-{n}"
    parent.used.add(candidate)
    return candidate


def _parts(number: str) -> list[str]:
    return number.split(".")


def _nests_by_number(top: Block, h: Block, open_schemes: set[str]) -> bool | None:
    """Whether numbered heading ``h`` opens inside numbered section ``top``; None when numbers do not say."""
    outer, inner = _parts(top.number), _parts(h.number)
    if len(outer) < len(inner) and inner[: len(outer)] == outer:
        return True  # "1" > "1.1", "A.1" > "A.1.a"
    if len(outer) > 1 or len(inner) > 1:
        return False  # "1.2" then "1.3" or "2": a sibling or an uncle
    if top.scheme == h.scheme:
        return False
    # a new scheme opens a level ("I." then "1."), unless an open section above already uses it ("1." then "II.")
    return h.scheme not in open_schemes


def _is_parent(top: Block, h: Block, open_schemes: set[str]) -> bool:
    """Whether heading ``h`` opens a section inside the section headed by ``top``."""
    if h.appendix:
        return top.number is None and top.level is not None and h.level is not None and top.level < h.level
    if top.appendix:
        return not (h.level is not None and top.level is not None and h.level <= top.level)
    if top.level is not None and h.level is not None and top.level != h.level:
        return top.level < h.level
    if top.number and h.number:
        return bool(_nests_by_number(top, h, open_schemes))
    if top.level is not None and h.level is not None:
        return top.level < h.level
    if top.level is None and h.level is None:
        # a number read from a paragraph belongs to the plain heading line above it
        return bool(h.inline and h.number and not top.number)
    if top.level is None:  # plain numbered line above a bold line heading
        return h.level == 7
    return True  # a plain line or a numbered paragraph below a markup heading


def _succ(value: str) -> str:
    return value[:-1] + chr(ord(value[-1]) + 1) if value else value


def _resolve_letter_or_roman(block: Block, sections: list[_Node]) -> None:
    """A one-letter label that is both a letter and a roman numeral ("I.", "V.") continues the letters
    when the previous section of that level is its predecessor letter ("H." then "I.")."""
    if block.scheme != "roman" or len(block.number or "") != 1:
        return
    for node in reversed(sections):
        other = node.block
        if other.number and other.scheme == "letter" and _succ(other.number) == block.number:
            block.scheme = "letter"
            return
        if other.number and other.scheme == "roman":
            return


def build_tree(text: str, blocks: list[Block], *, fmt: str) -> list:
    """Sections and clauses (pydantic models) for ``blocks`` of one document, in reading order."""
    root = _Node(None, "", section=True)
    sections: list[_Node] = []
    intro: _Node | None = None
    items: list[_Node] = []

    def container() -> _Node:
        return sections[-1] if sections else root

    def add_clause(parent: _Node, block: Block, kind: ClauseKind) -> _Node:
        while parent.depth >= MAX_DEPTH:  # never deeper than the cap: read as a sibling of the parent
            parent = parent.up
        if block.runin:
            seg = _short_slug(block.runin)
        elif kind is ClauseKind.ITEM and block.style not in ("bullet", "ordered"):
            seg = slugify(block.value or "") or "item"
        else:
            prefix = {"paragraph": "p", "item": "item", "table": "table", "separator": "hr"}[kind.value]
            parent.counters[prefix] = parent.counters.get(prefix, 0) + 1
            seg = f"{prefix}{parent.counters[prefix]}"
        node = _Node(block, _join(parent.key, _unique(parent, seg)), depth=parent.depth + 1, up=parent)
        node.block.extra["kind"] = kind
        parent.children.append(node)
        return node

    for block in blocks:
        if block.kind == "chrome":
            continue
        if block.kind == "heading":
            _resolve_letter_or_roman(block, sections)
            while sections:
                open_schemes = {s.block.scheme for s in sections[:-1] if s.block.number and s.block.scheme}
                if _is_parent(sections[-1].block, block, open_schemes):
                    break
                sections.pop()
            parent = container()
            if parent.depth >= MAX_DEPTH:
                sections.pop()
                parent = container()
            if block.number and not block.appendix:
                top = parent.block
                by_number = top is not None and top.number and not top.appendix and \
                    _nests_by_number(top, block, set()) and len(_parts(block.number)) > len(_parts(top.number))
                if top is not None and top.number and not top.appendix and not by_number:
                    # a number of another scheme inside a numbered section: "I" > "1" is "i/1"
                    key = _join(parent.key, _unique(parent, slugify(block.number) or "x"))
                    node = _Node(block, key, key, depth=parent.depth + 1, section=True)
                else:
                    # numbered sections sit under the nearest unnumbered ancestor: "11.2", "exhibit-1/1.2"
                    holder = next((s for s in reversed(sections) if s.key == parent.base), root)
                    key = _join(parent.base, _unique(holder, slugify(block.number, keep_dots=True) or "x"))
                    node = _Node(block, key, parent.base, depth=parent.depth + 1, section=True)
            else:
                seg = slugify(block.number) if block.number else _short_slug(block.title or "section")
                key = _join(parent.key, _unique(parent, seg))
                node = _Node(block, key, key, depth=parent.depth + 1, section=True)
            node.up = parent
            parent.children.append(node)
            sections.append(node)
            intro, items = None, []
            continue
        if block.kind == "item":
            parent = None
            # a roman-looking label that continues a lettered list is a letter: (h) then (i)
            if block.style == "roman":
                for entry in reversed(items):
                    if entry.block.indent == block.indent and entry.block.style == "alpha" \
                            and _succ(entry.block.value) == block.value:
                        block.style = "alpha"
                        break
            while items:
                top = items[-1].block
                if block.indent > top.indent:
                    parent = items[-1]
                    break
                if block.indent < top.indent:
                    items.pop()
                    continue
                if top.style == block.style:
                    if fmt == "text" and top.style == "bullet" and top.ends_with_colon and not block.ends_with_colon:
                        parent = items[-1]
                        break
                    items.pop()
                    continue
                if any(e.block.style == block.style and e.block.indent == block.indent for e in items[:-1]):
                    items.pop()
                    continue
                parent = items[-1]
                break
            if parent is None:
                parent = intro or container()
            node = add_clause(parent, block, ClauseKind.ITEM)
            items.append(node)
            continue
        kind = {"paragraph": ClauseKind.PARAGRAPH, "table": ClauseKind.TABLE, "separator": ClauseKind.SEPARATOR}[block.kind]
        node = add_clause(container(), block, kind)
        intro = node if kind is ClauseKind.PARAGRAPH else None
        items = []

    _imply_numbers(root)
    models = _to_models(text, root)
    # parent links make the scaffolding a cycle, which would wait for the next full collection while
    # the document's quads are made: taken apart here, it is freed at once (57 MB of 95k bare headings
    # live during the store write; the peak, set while parsing, is the same)
    todo = [root]
    while todo:
        node = todo.pop()
        todo.extend(node.children)
        node.children, node.up = [], None
    return models


def _imply_numbers(root: _Node) -> None:
    """An unnumbered heading whose numbered subsections all start with the same number is that number:
    "Fee and Payment" over "6.1", "6.2" is section 6 (the page numbers it by style, and the text cites "Section 6")."""
    sections: list[_Node] = []
    todo = [root]
    while todo:
        node = todo.pop()
        for child in node.children:
            if child.section:
                sections.append(child)
                todo.append(child)
    taken = {s.block.number for s in sections if s.block.number}
    implied: list[_Node] = []
    for node in sections:
        block = node.block
        if block.number or block.appendix:
            continue
        firsts = {_parts(c.block.number)[0] for c in node.children if c.section and c.block.number}
        numbered = [c for c in node.children if c.section and c.block.number]
        if len(firsts) == 1 and all(len(_parts(c.block.number)) > 1 for c in numbered):
            (first,) = firsts
            if first not in taken:
                block.number = first
                block.scheme = numbered[0].block.scheme
                taken.add(first)
                implied.append(node)
    # the headings between them are numbered by their place: "Export Control" between 8 and 10 is 9
    parents = {id(n.up): n.up for n in implied if n.up is not None}
    for parent in parents.values():
        run = [c for c in parent.children if c.section and (c in implied or not c.block.number) and not c.block.appendix
               and c.block.level == implied[0].block.level]
        if len(run) < 2 or not all(c.block.number is None or c.block.number == str(i + 1) for i, c in enumerate(run)):
            continue
        if sum(1 for c in run if c.block.number) * 2 < len(run):
            continue
        for i, c in enumerate(run):
            if c.block.number is None and str(i + 1) not in taken:
                c.block.number = str(i + 1)
                c.block.scheme = "decimal"
                taken.add(c.block.number)


def _to_models(text: str, root: _Node) -> list:
    """The pydantic models of the tree below ``root``, built children first with an explicit stack."""
    built: dict[int, object] = {}
    stack: list[tuple[_Node, bool]] = [(root, False)]
    while stack:
        node, ready = stack.pop()
        if not ready:
            stack.append((node, True))
            stack.extend((child, False) for child in reversed(node.children))
            continue
        children = [built.pop(id(child)) for child in node.children]
        if node is root:
            return children
        block = node.block
        if node.section:
            end = max([block.end] + [c.end for c in children])
            built[id(node)] = Section(
                key=node.key,
                number=block.number,
                heading=block.title,
                heading_text=text[block.start: block.end],
                heading_start=block.start,
                heading_end=block.end,
                start=block.start,
                end=end,
                children=children,
            )
        else:
            built[id(node)] = Clause(
                key=node.key,
                kind=block.extra["kind"],
                label=block.label,
                heading=block.runin,
                text=text[block.start: block.end],
                start=block.start,
                end=block.end,
                children=children,
            )
    return []
