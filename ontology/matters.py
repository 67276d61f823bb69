"""The legal matters people ask about: a SKOS concept scheme and the cues that find them in text.

The table is ``matters.toml`` (one entry per matter: label, definition, broader matter, cue
patterns, a real example). Ingest reads clauses into matters (``cg:concerns``, with the words as
evidence); the governs resolver reads questions into the same matters. Both read them here.

    find_matters(text, headings=())   -> {matter id: MatterHit}   a clause
    find_matters(question, question=True)                         a question (also its own cues)

How a text is scored, per matter: each strong cue found counts 1, each *different* weak cue 0.5,
a heading cue (or a strong cue) in the nearest heading that has one counts 1 (a clause under
"Limitation of Liability" concerns the liability cap). A text concerns the matter when the score
reaches 1.
"""

from __future__ import annotations

import re
import re._constants as _sre_constants  # to read a pattern's required words (see _needs)
import re._parser as _sre_parser
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from importlib.resources import files

from clausegraph.ontology.namespaces import CG

__all__ = ["Matter", "Cue", "MatterHit", "load_matters", "matter_iri", "find_matters", "broader_closure",
           "MATTER_SCHEME", "THRESHOLD"]

MATTER_SCHEME = "https://w3id.org/clausegraph/id/matters"
THRESHOLD = 1.0
WEIGHTS = {"strong": 1.0, "weak": 0.5, "heading": 1.0, "question": 1.0}


@dataclass(frozen=True)
class Matter:
    id: str
    label: str
    definition: str
    broader: str | None
    strong: tuple[_Pattern, ...]
    weak: tuple[_Pattern, ...]
    heading: tuple[_Pattern, ...]
    question: tuple[_Pattern, ...]
    example: str
    words: tuple[str, ...] = ()  # how the terms word it: a question about it is also searched for these
    source: str = ""  # where the example is from

    @property
    def iri(self) -> str:
        return matter_iri(self.id)


@dataclass(frozen=True)
class Cue:
    """Words of a text that point at a matter: [start, end) in the text that was read."""

    matter: str
    kind: str  # strong | weak | heading | question
    pattern: str
    start: int
    end: int
    words: str
    heading: int | None = None  # which heading (index into ``headings``), None: the text itself


@dataclass
class MatterHit:
    matter: str
    score: float = 0.0
    cues: list[Cue] = field(default_factory=list)

    @property
    def best(self) -> Cue:
        """The cue that speaks most plainly: in the text before a heading, strong before weak."""
        order = {"strong": 0, "question": 1, "heading": 2, "weak": 3}
        return min(self.cues, key=lambda c: (order[c.kind], c.start))


def matter_iri(matter_id: str) -> str:
    return f"{MATTER_SCHEME}/{matter_id}"


class _Pattern:
    """A cue pattern and the words one of which any match must hold (None: not known).

    Reading every clause with every pattern costs seconds; most clauses hold none of a pattern's
    words, and ``str.__contains__`` on the case-folded text rules them out first.
    """

    __slots__ = ("regex", "pattern", "needs")

    def __init__(self, pattern: str) -> None:
        self.regex = re.compile(pattern, re.IGNORECASE)
        self.pattern = pattern
        try:
            needs = _needs(_sre_parser.parse(pattern, re.IGNORECASE))
        except Exception:  # noqa: BLE001 - an internal module may change: then no shortcut
            needs = None
        self.needs = tuple(n.casefold() for n in needs) if needs else None

    def search(self, text: str, present: set[str] | None = None):
        """The first match in ``text``; ``present``: which of all patterns' needed words the text holds."""
        if self.needs is not None and present is not None and present.isdisjoint(self.needs):
            return None
        return self.regex.search(text)


def _needs(items) -> list[str] | None:
    """Words one of which every match of the parsed ``items`` holds, or None."""
    c = _sre_constants
    choices, run = [], ""
    for op, av in items:
        if op is c.LITERAL:
            run += chr(av)
            continue
        if run:
            choices.append([run])
            run = ""
        if op is c.SUBPATTERN:
            inner = _needs(av[-1])
            if inner:
                choices.append(inner)
        elif op is c.BRANCH:
            branches = [_needs(b) for b in av[1]]
            if all(branches):
                choices.append([w for b in branches for w in b])
        elif op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT) and av[0] >= 1:
            inner = _needs(av[2])
            if inner:
                choices.append(inner)
    if run:
        choices.append([run])
    return max(choices, key=lambda ws: min(len(w) for w in ws)) if choices else None


def _compile(patterns: list[str]) -> tuple[_Pattern, ...]:
    return tuple(_Pattern(p) for p in patterns)


@lru_cache(maxsize=1)
def load_matters() -> tuple[Matter, ...]:
    raw = tomllib.loads(files("clausegraph.ontology").joinpath("matters.toml").read_text(encoding="utf-8"))
    out = tuple(
        Matter(m["id"], m["label"], m["definition"], m.get("broader"), _compile(m.get("strong", [])),
               _compile(m.get("weak", [])), _compile(m.get("heading", [])), _compile(m.get("question", [])), m["example"],
               tuple(m.get("words", ())), m.get("source", ""))
        for m in raw["matter"]
    )
    ids = {m.id for m in out}
    for m in out:
        if m.broader is not None and m.broader not in ids:
            raise ValueError(f"matters.toml: {m.id} names an unknown broader matter {m.broader!r}")
    return out


@lru_cache(maxsize=1)
def _all_needs() -> tuple[str, ...]:
    return tuple(sorted({n for m in load_matters() for p in m.strong + m.weak + m.heading + m.question
                         for n in (p.needs or ())}))


def _present(text: str) -> set[str]:
    folded = text.casefold()
    return {n for n in _all_needs() if n in folded}


@lru_cache(maxsize=1)
def _by_id() -> dict[str, Matter]:
    return {m.id: m for m in load_matters()}


def broader_closure(matter_ids) -> set[str]:
    """The matters and every matter above them."""
    out = set()
    table = _by_id()
    for m in matter_ids:
        while m is not None and m not in out:
            out.add(m)
            m = table[m].broader if m in table else None
    return out


def find_matters(text: str, headings: tuple[str, ...] | list[str] = (), *, lead_ins: tuple[str, ...] | list[str] = (),
                 question: bool = False, threshold: float = THRESHOLD) -> dict[str, MatterHit]:
    """The matters ``text`` concerns (score >= ``threshold``), each with the cues that found it.

    ``headings``: the titles above the text, nearest first (read with the heading and strong cues);
    ``lead_ins``: the sentences that introduce it ("... the following terms apply:"), read with the
    strong cues only. A cue found above the text has ``heading`` = its index in headings + lead_ins.
    """
    hits: dict[str, MatterHit] = {}
    above = [_line_cues(h, True) for h in headings] + [_line_cues(h, False) for h in lead_ins]
    named_above = set().union(*above) if above else set()
    present = _present(text)
    for m in load_matters():
        groups = [("strong", m.strong), ("weak", m.weak)] + ([("question", m.question)] if question else [])
        needs = _matter_needs(m.id, question)
        if m.id not in named_above and needs is not None and present.isdisjoint(needs):
            continue  # no cue of this matter can match the text, and no line above names it
        hit = MatterHit(m.id)
        seen_weak = set()
        for kind, patterns in groups:
            for p in patterns:
                found = p.search(text, present)
                if found is None or found.end() == found.start():
                    continue
                if kind == "weak":
                    if p.pattern in seen_weak:
                        continue
                    seen_weak.add(p.pattern)
                hit.cues.append(Cue(m.id, kind, p.pattern, found.start(), found.end(), found.group()))
                hit.score += WEIGHTS[kind]
        for i, cues in enumerate(above):  # the nearest line above that names the matter is enough
            cue = cues.get(m.id)
            if cue is not None:
                hit.cues.append(Cue(m.id, "heading", cue[0], cue[1], cue[2], cue[3], heading=i))
                hit.score += WEIGHTS["heading"]
                break
        if hit.score >= threshold:
            hits[m.id] = hit
    return hits


@lru_cache(maxsize=256)
def _matter_needs(matter_id: str, question: bool) -> frozenset[str] | None:
    """Every word one of which any text cue of the matter needs; None when some cue needs none."""
    m = _by_id()[matter_id]
    out: set[str] = set()
    for p in m.strong + m.weak + (m.question if question else ()):
        if p.needs is None:
            return None
        out.update(p.needs)
    return frozenset(out)


@lru_cache(maxsize=4096)
def _line_cues(line: str, is_title: bool) -> dict[str, tuple[str, int, int, str]]:
    """matter -> (pattern, start, end, words) of the first cue of a heading (heading and strong cues)
    or of a lead-in (strong cues only). Many clauses stand under the same lines: each is read once."""
    present = _present(line)
    out = {}
    for m in load_matters():
        for p in (m.heading + m.strong if is_title else m.strong):
            found = p.search(line, present)
            if found is not None and found.end() > found.start():
                out[m.id] = (p.pattern, found.start(), found.end(), found.group())
                break
    return out


def scheme_turtle() -> str:
    """The SKOS scheme of the matters as Turtle (ontology/matters.ttl is this text)."""
    lines = [
        "# Made from matters.toml by clausegraph.ontology.matters.scheme_turtle(); a test keeps them the same.",
        "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .",
        "@prefix cg: <" + CG + "> .",
        "",
        f"<{MATTER_SCHEME}> a skos:ConceptScheme ;",
        '    skos:prefLabel "Legal matters"@en ;',
        '    skos:definition "The legal matters people ask about in an AI vendor\'s terms; clauses are linked to them by cg:concerns."@en .',
        "",
    ]
    for m in load_matters():
        lines.append(f"<{m.iri}> a skos:Concept ;")
        lines.append(f"    skos:inScheme <{MATTER_SCHEME}> ;")
        lines.append(f"    skos:notation {_lit(m.id)} ;")
        lines.append(f"    skos:prefLabel {_lit(m.label)}@en ;")
        if m.broader:
            lines.append(f"    skos:broader <{matter_iri(m.broader)}> ;")
        else:
            lines.append(f"    skos:topConceptOf <{MATTER_SCHEME}> ;")
        lines.append(f"    skos:example {_lit(m.example)}@en ;")
        lines.append(f"    skos:definition {_lit(m.definition)}@en .")
        lines.append("")
    return "\n".join(lines)


def _lit(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
