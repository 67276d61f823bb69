"""Which legal matters each clause concerns (ontology/matters.toml), with the words that say so.

    add_concerns(documents, results)   fills ``Extraction.concerns`` of every document

A clause is read with what stands above it: the headings of its sections and of its parent
clauses (titles: "Limitation of Liability" makes every clause below it concern the liability cap)
and the lead-ins that introduce it ("The following terms apply if you use Le Chat:"), which are
read with the strong cues only. Evidence points at exact source offsets: in the clause, in a
parent clause's text, or in the heading line of a section.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from clausegraph.ontology.edges import Concern, Evidence, Extraction
from clausegraph.ontology.matters import Cue, find_matters
from clausegraph.ontology.models import Clause, Document, Section

__all__ = ["add_concerns"]


@dataclass(frozen=True)
class _Above:
    """A heading or lead-in above a clause, and where its text stands in the source."""

    key: str  # the section or clause whose words these are
    text: str  # as read (a heading's plain text)
    source: str  # exactly as in the source, markup included; ``source[0]`` stands at ``start``
    start: int
    end: int
    lead_in: bool


def _above_of_section(section: Section) -> _Above | None:
    if not section.heading:
        return None
    return _Above(section.key, section.heading, section.heading_text, section.heading_start, section.heading_end, False)


def _walk(doc: Document):
    """(clause, what stands above it, nearest first), in reading order; no recursion, and linear in
    the number of nodes however wide a level is (a level is walked by an iterator, never re-sliced)."""
    stack: list[tuple[Iterator, tuple[_Above, ...]]] = [(iter(doc.children), ())]
    while stack:
        nodes, above = stack[-1]
        node = next(nodes, None)
        if node is None:
            stack.pop()
            continue
        if isinstance(node, Section):
            head = _above_of_section(node)
            stack.append((iter(node.children), ((head,) if head else ()) + above))
            continue
        yield node, above
        mine: tuple[_Above, ...] = ()
        if node.heading:
            at = node.text.find(node.heading)
            if at >= 0:
                end = node.start + at + len(node.heading)
                mine = (_Above(node.key, node.heading, node.heading, node.start + at, end, False),)
        if node.children and node.text.rstrip().endswith(":"):
            mine = mine + (_Above(node.key, node.text, node.text, node.start, node.end, True),)
        stack.append((iter(node.children), mine + above))


def _evidence(doc: Document, clause: Clause, cue: Cue, titles: list[_Above], lead_ins: list[_Above]) -> Evidence:
    """Where the cue's words stand: in the clause, or in the section heading or parent clause above it
    (then that node is the evidence's clause: the node whose words state the edge)."""
    if cue.heading is None:
        return Evidence(document=doc.ref, clause=clause.key, words=cue.words, start=clause.start + cue.start,
                        end=clause.start + cue.end, rule=f"matter-{cue.kind}")
    where = (titles + lead_ins)[cue.heading]
    at = where.source.find(cue.words) if where.source != where.text else cue.start
    if at >= 0:
        start, end, words = where.start + at, where.start + at + len(cue.words), cue.words
    else:  # markup inside the words of a heading ("**Limitation** of Liability"): the whole heading
        start, end, words = where.start, where.end, where.source
    return Evidence(document=doc.ref, clause=where.key, words=words, start=start, end=end, rule=f"matter-{cue.kind}")


def add_concerns(documents: list[Document], results: dict[str, Extraction], key) -> None:
    """Add to ``results[key(doc)].concerns`` the matters of every clause of ``documents``."""
    cache: dict[tuple, dict] = {}  # versions share most clauses: each (text, headings) is read once
    for doc in documents:
        out = results[key(doc)].concerns
        for clause, above in _walk(doc):
            titles = [a for a in above if not a.lead_in]
            lead_ins = [a for a in above if a.lead_in]
            # the heading of a clause is part of its own text: read it as the nearest title too
            read = (clause.text, tuple(a.text for a in titles), tuple(a.text for a in lead_ins))
            hits = cache.get(read)
            if hits is None:
                hits = cache[read] = find_matters(clause.text, read[1], lead_ins=read[2])
            for matter, hit in hits.items():
                out.append(Concern(matter=matter, score=round(hit.score, 2), cues=len(hit.cues),
                                   evidence=_evidence(doc, clause, hit.best, titles, lead_ins)))
