"""The picture of one answer of ``governs``: the governing clause, the texts it beat, and the
statements that decided each step.

    node       the governing clause (kind ``answer``, drawn green), and each winner and loser of a
               precedence step (a document, section or clause, named as the answer names it)
    edge       one per step, winner above loser: the step's relation ("prevails over", "terms over
               notice", ...), "(implied)" when only the order of a list or the kind of text says it,
               and "by [n]": the number of the words that decide it, quoted under the legend with
               the document and section they are in

A step from the answer's document stands for the answer's clause: an edge "holds the answer" goes
from the document to it. The clauses the answer says to read with it ("read with (carve-out)")
and the rivals no statement ranks ("unranked rival") hang from the answer.
"""

from __future__ import annotations

import re
import textwrap
from typing import TYPE_CHECKING

from clausegraph.ontology.iris import ID_BASE

if TYPE_CHECKING:
    import networkx as nx

    from clausegraph.ontology.answers import GovernsResult

__all__ = ["answer_picture", "answer_title", "STEP_LABELS"]

# how a step reads on its edge, winner first (the resolver's relations, ontology/answers.py)
STEP_LABELS = {
    "prevailsOver": "prevails over",
    "constrains": "constrains",
    "governsFor": "governs",
    "applies-for-sure": "applies for sure, over",
    "terms-over-notice": "terms, over a notice",
    "more-specific-scope": "more specific, over",
    "operative-over-summary": "operative text, over a summary",
}
WORDS_LIMIT = 110  # characters of a statement quoted under the legend


def _plain(words: str) -> str:
    """Words as a reader sees them quoted: markdown emphasis and a list bullet taken off, spaces collapsed
    (the edge keeps the exact words, for the tooltip and the data)."""
    text = re.sub(r"(\*\*|__)(.+?)\1", r"\2", " ".join(words.split()))
    return re.sub(r"^[*\-+] ", "", text)


def _kind(iri: str) -> str:
    """A document IRI is publisher/id/version under ID_BASE; anything deeper is part of one."""
    return "document" if iri.startswith(ID_BASE) and len(iri[len(ID_BASE):].strip("/").split("/")) == 3 else "clause"


def _document_of(iri: str) -> str:
    return "/".join(iri[len(ID_BASE):].strip("/").split("/")[1:2]) if iri.startswith(ID_BASE) else ""


def answer_title(result: GovernsResult) -> str:
    question = textwrap.shorten(" ".join(result.question.split()), 150, placeholder="…")
    lines = textwrap.wrap(question, 80) or [""]
    if result.answer is not None:
        a = result.answer
        where = " ".join(x for x in (f"§{a.clause.number}" if a.clause.number else "", a.clause.heading or "") if x)
        when = result.shown_when()
        lines.append(f"{result.status.value}{' (if ' + when + ')' if when else ''}: {a.document.title} {where}".strip())
    else:
        lines.append(result.status.value.replace("-", " "))
    return "\n".join(lines)


def answer_picture(result: GovernsResult) -> nx.MultiDiGraph:
    """The answer's chain as a view-shaped ``MultiDiGraph`` (picture "answer"), drawn by graph/draw.py."""
    import networkx as nx

    g = nx.MultiDiGraph(view="answer", picture="answer", note_word="by")

    def add(iri: str, label: str, kind: str | None = None, text: str = "") -> None:
        if iri in g:
            return
        kind = kind or _kind(iri)
        g.add_node(iri, iri=iri, kind=kind, label=label, document=_document_of(iri), document_title="",
                   number="", heading="", text=text, effective="")

    if result.answer is not None:
        a = result.answer
        where = " ".join(x for x in (f"§{a.clause.number}" if a.clause.number else "", a.clause.heading or "") if x)
        add(a.clause.iri, f"{a.document.title} {where}".strip(), "answer", a.clause.text)
    notes: dict[str, int] = {}
    for step in result.precedence:
        add(step.winner, step.winner_label)
        add(step.loser, step.loser_label)
        e = step.evidence
        words = _plain(e.words)
        words = words if len(words) <= WORDS_LIMIT else words[: WORDS_LIMIT - 1].rstrip() + "…"
        note = notes.setdefault(f"“{words}” ({e.document}{' §' + e.number if e.number else ''})", len(notes) + 1)
        label = STEP_LABELS.get(step.relation, step.relation)
        if g.has_edge(step.winner, step.loser, step.relation):
            continue
        g.add_edge(step.winner, step.loser, key=step.relation, relation=step.relation, label=label,
                   words=e.words, condition="", fields="", rule=e.rule, clause=e.clause, explicit=step.explicit,
                   evidence=1, statements="",
                   caption=f"{label}\n{'' if step.explicit else '(implied) '}by [{note}]")
    if result.answer is not None:
        a = result.answer
        if a.document.iri in g and a.clause.iri != a.document.iri and not g.has_edge(a.document.iri, a.clause.iri):
            g.add_edge(a.document.iri, a.clause.iri, key="holds", relation="holds", label="holds the answer",
                       words="", condition="", fields="", rule="", clause="", explicit=True, evidence=0,
                       statements="", caption="holds the answer")
        # what the answer names to read with it, and rivals no statement ranks: beside it, not below
        for c in result.also_cited:
            where = " ".join(x for x in (f"§{c.clause.number}" if c.clause.number else "", c.clause.heading or "") if x)
            add(c.clause.iri, f"{c.document.title} {where}".strip(), "clause", c.clause.text)
            if not g.has_edge(a.clause.iri, c.clause.iri):
                g.add_edge(a.clause.iri, c.clause.iri, key="readWith", relation="readWith", label=f"read with ({c.why})",
                           words=c.words, condition="", fields="", rule="", clause="", explicit=True, evidence=0,
                           statements="", caption=f"read with ({c.why})")
        for u in result.unresolved:
            where = " ".join(x for x in (f"§{u.clause.number}" if u.clause.number else "", u.clause.heading or "") if x)
            add(u.clause.iri, f"{u.document.title} {where}".strip(), "clause", u.clause.text)
            if u.clause.iri != a.clause.iri and not g.has_edge(a.clause.iri, u.clause.iri):
                g.add_edge(a.clause.iri, u.clause.iri, key="rival", relation="rival", label="unranked rival",
                           words="", condition="", fields="", rule="", clause="", explicit=False, evidence=0,
                           statements="", caption="unranked rival")
    g.graph["notes"] = list(notes)
    return g
