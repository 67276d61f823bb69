"""Saying the answer: one plain line, the decisive sentence quoted cleanly, then why.

    plain(text)                        markdown removed for display ("**Partner Infrastructure**" ->
                                       "Partner Infrastructure"); the JSON keeps the exact text and offsets
    decisive(text, lemmas, idf)        (start, end) of the sentence of a clause that holds most of the
                                       question's words: the words to quote
    summary(result, snap)              the plain line first: what governs, or per value of the fact
                                       the answer depends on ("free: ...; pro: ...")
    explain(result, snap, ...)         the paragraph: what governs for whom, each precedence step once
                                       with its words, what is unresolved, what was set aside
"""

from __future__ import annotations

import datetime as dt
import re

from clausegraph.queries.retrieval import lemmatize, STOP_WORDS

__all__ = ["plain", "decisive", "summary", "explain", "RELATION_WORDS"]

RELATION_WORDS = {
    "prevailsOver": "prevails over",
    "overrides": "overrides",
    "constrains": "is a text that binds",  # winner constrains loser: the loser is subject to it
    "governsFor": "governs the matter for",
    "more-specific-scope": "is more specific to you than",
    "applies-for-sure": "surely applies to you, unlike",
    "terms-over-notice": "binds, where a notice only explains:",
    "operative-over-summary": "is the operative clause, where the other only summarises it:",
}

_LINK = re.compile(r"!?\[([^\]]*)\]\((?:[^()\s]|\([^()]*\))*\)")
_EMPHASIS = re.compile(r"(\*\*|__|\*|(?<![\w])_(?=\S))")
_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|>])")
_SENTENCE = re.compile(r"[^.!?;]+(?:[.!?;]+[”\"’)\]]*|$)")
_WORD = re.compile(r"[A-Za-z]+|\d+")


def plain(text: str) -> str:
    """``text`` as a reader should see it: links as their words, no emphasis marks, no escapes."""
    out = _LINK.sub(lambda m: m.group(1), text)
    out = re.sub(r"^\s*[-*•]\s+", "", out)  # a list item's bullet
    out = _EMPHASIS.sub("", out)
    out = _ESCAPE.sub(r"\1", out)
    return re.sub(r"[ \t]+", " ", out).strip()


def decisive(text: str, lemmas: set[str], idf: dict[str, float]) -> tuple[int, int]:
    """The span of the sentence of ``text`` that holds the most of the question's information."""
    best, span = -1.0, (0, len(text))
    for m in _SENTENCE.finditer(text):
        sentence = m.group()
        if not sentence.strip():
            continue
        found = {lemmatize(w.group()) for w in _WORD.finditer(sentence)}
        score = sum(idf.get(lemma, 1.0) for lemma in found & lemmas if lemma not in STOP_WORDS)
        if score > best + 1e-9:
            start = m.start() + (len(sentence) - len(sentence.lstrip()))
            best, span = score, (start, m.end())
    return span


def _quote(text: str, limit: int = 260) -> str:
    """``text`` made plain, cut at a word boundary when it is long."""
    s = plain(text)
    if len(s) <= limit:
        return s
    cut = s[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:")
    return cut + "…"


def summary(r, snap) -> str:
    """One plain line: the answer before the reasons."""
    if r.answer is None:
        return "No governing clause found." if not r.explanation else r.explanation.split(". ")[0].rstrip(".") + "."
    if r.depends_on and r.alternatives:
        parts = []
        for alt in r.alternatives:
            value = next(iter(alt.when.values()))
            if alt.answer is None:
                parts.append(f"{value}: no clause applies")
            else:
                s, e = alt.answer.decisive or (0, len(alt.answer.clause.text))
                parts.append(f"{value}: “{_quote(alt.answer.clause.text[s:e], 140)}” ({alt.answer.document.title} "
                             f"{snap.locator(alt.answer.clause.iri)})")
        return f"It depends on your {r.depends_on[0]}: " + "; ".join(parts)
    a = r.answer
    s, e = a.decisive or (0, len(a.clause.text))
    line = f"{a.document.title} {snap.locator(a.clause.iri)}: “{_quote(a.clause.text[s:e])}”"
    if r.unresolved:
        line += " (unresolved: " + "; ".join(f"{u.document.title} {snap.locator(u.clause.iri)}" for u in r.unresolved) + " also answers)"
    return line


def _who(context, as_of: dt.date) -> str:
    stated = context.stated()
    parts = [f"{k}={v}" for k, v in stated.items()]
    return (f"For you ({', '.join(parts)})" if parts else "With no context given") + f", on {as_of.isoformat()}"


def explain(r, snap, winner: str, as_of: dt.date, *, cut: bool, max_question: int, matter_names: list[str]) -> str:
    a = r.answer
    s, e = a.decisive or (0, len(a.clause.text))
    when = r.shown_when()
    lines = [f"{_who(r.context, as_of)}: {'it depends on your ' + r.depends_on[0] + '; if ' + when + ', ' if when else ''}"
             f"{a.document.title} {snap.locator(winner)} governs: “{_quote(a.clause.text[s:e], 220)}”"]
    if matter_names:
        lines.append(f"The question is about {', '.join(matter_names)}.")
    for step in r.precedence:
        on = f" on {', '.join(step.matters)}" if step.matters else ""
        lines.append(f"{plain(step.winner_label)} {RELATION_WORDS.get(step.relation, step.relation)} {plain(step.loser_label)}{on}"
                     f" ({'stated' if step.explicit else 'implied'} in {step.evidence.document}"
                     f"{' §' + step.evidence.number if step.evidence.number else ''}: “{_quote(step.evidence.words, 200)}”).")
    if r.unresolved:
        rivals = "; ".join(f"{u.document.title} {snap.locator(u.clause.iri)}" for u in r.unresolved)
        lines.append(f"Unresolved: no statement of the graph ranks it against {rivals}; read both.")
    if r.depends_on:
        alts = "; ".join(
            f"{next(iter(alt.when.values()))}: {alt.answer.document.title} {snap.locator(alt.answer.clause.iri)}" if alt.answer
            else f"{next(iter(alt.when.values()))}: no clause applies"
            for alt in r.alternatives)
        lines.append(f"It depends on your {r.depends_on[0]}, which you did not give ({alts}).")
    if r.also_cited:
        lines.append("Read with it: " + "; ".join(
            f"{c.why} {c.document.title} {snap.locator(c.clause.iri)}" for c in r.also_cited) + ".")
    if r.excluded:
        aside = dict.fromkeys(f"{c.document.title} {snap.locator(c.clause.iri)}" for c in r.excluded)
        lines.append("Set aside as not applying to you: " + "; ".join(list(aside)[:3]) + ".")
    if cut:
        lines.append(f"Only the first {max_question} characters of the question were read.")
    return " ".join(lines)
