"""Build the tree of sections and clauses of one document from its blocks.

Sections nest by their numbers ("1.1" inside "1"), by markup level (### inside ##)
and under appendices ("EXHIBIT 1" holds the "1.2" that follow it). List items become
children of the paragraph that introduces them; nested labels ((a) then (i)), deeper
indentation and bullets under a bullet that ends with a colon nest further.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from clausegraph.ingest.blocks import Block
from clausegraph.ontology.iris import slugify
from clausegraph.ontology.models import Clause, ClauseKind, Section

__all__ = ["build_tree"]

_MAX_SLUG = 60


@dataclass
class _SectionB:
    block: Block
    key: str
    base: str  # key that numbered children are placed under
    children: list = field(default_factory=list)
    used: set = field(default_factory=set)
    counters: dict = field(default_factory=dict)


@dataclass
class _ClauseB:
    block: Block
    key: str
    children: list = field(default_factory=list)
    used: set = field(default_factory=set)
    counters: dict = field(default_factory=dict)


@dataclass
class _Root:
    key: str = ""
    base: str = ""
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


def _unique(parent, seg: str) -> str:
    candidate, n = seg, 1
    while candidate in parent.used:
        n += 1
        candidate = f"{seg}-{n}"
    parent.used.add(candidate)
    return candidate


def _is_parent(top: Block, h: Block) -> bool:
    """Whether heading ``h`` opens a section inside the section headed by ``top``."""
    if h.appendix:
        return top.number is None and top.level is not None and h.level is not None and top.level < h.level
    if top.appendix:
        return not (h.level is not None and top.level is not None and h.level <= top.level)
    if top.level is not None and h.level is not None and top.level != h.level:
        return top.level < h.level
    if top.number and h.number:
        outer, inner = top.number.split("."), h.number.split(".")
        return len(outer) < len(inner) and inner[: len(outer)] == outer
    if top.level is not None and h.level is not None:
        return top.level < h.level
    if top.level is None and h.level is None:
        return False
    if top.level is None:  # plain numbered line above a bold line heading
        return h.level == 7
    return True  # a plain line heading below a markup heading


def _succ(value: str) -> str:
    return value[:-1] + chr(ord(value[-1]) + 1) if value else value


def _same_family(a: Block, b: Block) -> bool:
    return a.style == b.style


def build_tree(text: str, blocks: list[Block], *, fmt: str) -> list:
    """Sections and clauses (pydantic models) for ``blocks`` of one document, in reading order."""
    root = _Root()
    sections: list[_SectionB] = []
    intro: _ClauseB | None = None
    items: list[_ClauseB] = []

    def container():
        return sections[-1] if sections else root

    def add_clause(parent, block: Block, kind: ClauseKind) -> _ClauseB:
        if block.runin:
            seg = _short_slug(block.runin)
        elif kind is ClauseKind.ITEM and block.style not in ("bullet", "ordered"):
            seg = slugify(block.value or "") or "item"
        else:
            prefix = {"paragraph": "p", "item": "item", "table": "table", "separator": "hr"}[kind.value]
            parent.counters[prefix] = parent.counters.get(prefix, 0) + 1
            seg = f"{prefix}{parent.counters[prefix]}"
        node = _ClauseB(block, _join(parent.key, _unique(parent, seg)))
        node.block.extra["kind"] = kind
        parent.children.append(node)
        return node

    for block in blocks:
        if block.kind == "heading":
            while sections and not _is_parent(sections[-1].block, block):
                sections.pop()
            parent = container()
            if block.number and not block.appendix:
                # numbered sections sit under the nearest unnumbered ancestor: "11.2", "exhibit-1/1.2"
                holder = next((s for s in reversed(sections) if s.key == parent.base), root)
                key = _join(parent.base, _unique(holder, block.number))
                node = _SectionB(block, key, parent.base)
            else:
                seg = slugify(block.number) if block.number else _short_slug(block.title or "section")
                key = _join(parent.key, _unique(parent, seg))
                node = _SectionB(block, key, key)
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
                if _same_family(top, block):
                    if fmt == "text" and top.style == "bullet" and top.ends_with_colon and not block.ends_with_colon:
                        parent = items[-1]
                        break
                    items.pop()
                    continue
                if any(_same_family(e.block, block) and e.block.indent == block.indent for e in items[:-1]):
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

    return [_to_model(text, child) for child in root.children]


def _to_model(text: str, node):
    block = node.block
    children = [_to_model(text, child) for child in node.children]
    if isinstance(node, _SectionB):
        end = max([block.end] + [c.end for c in children])
        return Section(
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
    return Clause(
        key=node.key,
        kind=block.extra["kind"],
        label=block.label,
        heading=block.runin,
        text=text[block.start: block.end],
        start=block.start,
        end=block.end,
        children=children,
    )
