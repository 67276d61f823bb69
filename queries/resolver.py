"""Which document, and which clause, governs a question for a given user.

    question ──► candidates (BM25F over clause text and headings, expanded by the lexicon and
                  by defined terms)
             ──► applicability (versions in force on as_of; scope statements of the clause, its
                  parents and its document against the user's context: yes / depends / no)
             ──► precedence among the applicable clauses that speak to the question:
                  1. an edge of the graph (prevails-over, overrides, subject-to, defers-to), between
                     the clauses, their sections, documents or document groups, whose condition
                     fits the context; also through a chain of document-level edges
                  2. implied (explicit=false), among what no edge ranks: a clause that surely
                     applies over one that applies only if a fact you did not give holds; terms
                     that bind over a notice that only explains (a text some other text says
                     "explains how we collect and use ..."); the text whose scope matches more of
                     the user's stated context (the more specific text)
                  3. otherwise "unresolved": both are shown, the better ranked one first
             ──► the answer with every step's clause and words, or "no governing clause found"

Everything the resolver knows comes from the graph through the SPARQL files in queries/governs/;
the question itself never reaches SPARQL (only ``as_of`` does, as a bound xsd:date).
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib.resources import files

from clausegraph.ontology.answers import (
    CONTEXT_VALUES,
    Alternative,
    Answer,
    Candidate,
    ClauseInfo,
    Context,
    DocumentInfo,
    GovernsResult,
    PrecedenceStep,
    Status,
    StepEvidence,
)
from clausegraph.ontology.errors import QueryError
from clausegraph.queries.retrieval import (
    LEXICON_WEIGHT,
    TERM_WEIGHT,
    BM25Index,
    Query,
    load_lexicon,
    matched_spans,
    tokens,
)

__all__ = ["GovernsIndex", "resolve", "baseline", "MAX_QUESTION", "SPEAKING_RATIO", "MIN_COVERAGE"]

Runner = Callable[..., list[dict[str, object]]]  # (sparql text, **bindings) -> rows of python values

MAX_QUESTION = 2000  # characters of a question that are read; the rest is ignored (and said so)
TOP_K = 40  # candidates read from the ranking
SPEAKING_RATIO = 0.7  # a clause "speaks to the question" when it scores at least this share of the best
UNRESOLVED_RATIO = 0.85  # an unranked rival this close to the winner makes the answer unresolved
MIN_COVERAGE = 0.1  # below this share of the question's information in the best clauses: no answer
CONTEXT_WORD_WEIGHT = 0.3  # "Le Chat Pro" in a question names who asks; applicability uses it, ranking less
TERM_MIN_IDF = 2.5  # a question word this rare that a definition uses points at the defined term
MAX_TERMS = 4
MAX_SPEAKING = 6
SCOPE_BOOST = 0.25  # ranking: a clause whose scope names your stated context is about your situation  # below this share of the question's information in the best clause: no answer
PRECEDENCE = ("prevailsOver", "overrides", "constrains", "governsFor")
# edges that do not rank texts on what they govern
NOT_PRECEDENCE = {
    "precedence-meaning-given-in": "only lends the meaning of words (“terms not defined herein have the meaning given in the Agreement”)",
}
# edges that mark their winner as a notice: a text that explains, where the others bind
NOTICE_RULES = {"precedence-explains": "“our Privacy Policy explains how we collect and use personal information”"}
# a lead-in that announces a summary: the items it introduces restate what the body of the text
# says, and the body's own clause is what governs (pattern, corpus example)
SUMMARY_LEADS = (
    (re.compile(r"\b(?:key points|key terms|in summary|summary of|at a glance|highlights|in short)\b", re.IGNORECASE),
     "“Here are some key points to understand about using our Services via a Partner:” (Partner Hosted, Preamble)"),
)
_SENTENCE_END = re.compile(r"[.!?][”\"’)]*\s+(?=[A-Z“\"(])")  # the end of a sentence that another follows
_RELATION_WORDS = {
    "prevailsOver": "prevails over",
    "overrides": "overrides",
    "constrains": "is a text that binds",  # winner constrains loser: the loser is subject to it
    "governsFor": "governs the matter for",
    "more-specific-scope": "is more specific to you than",
    "applies-for-sure": "surely applies to you, unlike",
    "terms-over-notice": "binds, where a notice only explains:",
    "operative-over-summary": "is the operative clause, where the other only summarises it:",
}


def _sparql(name: str) -> str:
    return files(__name__.rpartition(".")[0]).joinpath("governs", f"{name}.rq").read_text(encoding="utf-8")


@dataclass
class _Node:
    iri: str
    doc: str
    parent: str
    section: bool
    position: int
    number: str | None
    heading: str | None
    label: str | None
    text: str | None


@dataclass
class _Doc:
    iri: str
    id: str
    title: str
    version: str
    effective: dt.date | None

    def info(self) -> DocumentInfo:
        return DocumentInfo(id=self.id, title=self.title, effective=self.effective, version=self.version, iri=self.iri)


@dataclass
class _Limb:
    text: str
    fields: dict[str, list[str]]
    words: str
    clause: str
    rule: str


@dataclass
class _Edge:
    winner: str
    relation: str
    loser: str
    words: str
    clause: str
    rule: str
    explicit: bool
    condition: str | None
    fields: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class _Fit:
    """How a text's scope fits the context: fails (words), depends on fields, or matched fields."""

    fails: list[str] = field(default_factory=list)
    unknown: set[str] = field(default_factory=set)
    matched: set[str] = field(default_factory=set)
    limbs: list[_Limb] = field(default_factory=list)  # the scope limbs that decided a yes/depends, nearest first

    @property
    def words(self) -> list[str]:
        return [limb.words for limb in self.limbs]

    @property
    def applies(self) -> str:
        return "no" if self.fails else "depends" if self.unknown else "yes"


def _value_fits(field_name: str, user: str, allowed: list[str]) -> bool | None:
    """True: fits; False: excluded; None: cannot tell (a "paid" user and a Pro-only text)."""
    if user in allowed:
        return True
    if field_name == "region" and "not-us" in allowed and user in ("eu", "other"):
        return True
    if field_name == "plan":
        if user in ("pro", "team", "enterprise") and "paid" in allowed:
            return True
        if user == "paid" and any(v in ("pro", "team", "enterprise") for v in allowed):
            return None
    return False


def _add_field(fields: dict[str, list[str]], row: dict[str, object]) -> None:
    """Add a row's context field value (``?field``, ``?value``) to ``fields``, once."""
    if row.get("field"):
        values = fields.setdefault(row["field"], [])
        if row["value"] not in values:
            values.append(row["value"])


class GovernsIndex:
    """What the resolver reads from one generation of the graph, ready to answer many questions."""

    def __init__(self, run: Runner) -> None:
        self._run = run
        self.docs: dict[str, _Doc] = {}
        for r in run(_sparql("documents")):
            eff = r.get("effective")
            self.docs[r["d"]] = _Doc(r["d"], r["id"], r["title"], r["version"], eff if isinstance(eff, dt.date) else None)
        self.nodes: dict[str, _Node] = {}
        for r in run(_sparql("nodes")):
            self.nodes[r["n"]] = _Node(r["n"], r["d"], r["parent"], bool(r["section"]), int(r["position"]),
                                       r.get("number"), r.get("heading"), r.get("label"), r.get("text"))
        self.limbs: dict[str, dict[str, _Limb]] = defaultdict(dict)  # subject -> scope node -> limb
        for r in run(_sparql("scopes")):
            limb = self.limbs[r["subject"]].setdefault(
                r["scope"], _Limb(r["text"], {}, r["words"], r["clause"], r["rule"]))
            _add_field(limb.fields, r)
        edges: dict[str, _Edge] = {}
        self.labels: dict[str, str] = {}
        for r in run(_sparql("edges")):
            e = edges.get(r["e"])
            if e is None:
                e = edges[r["e"]] = _Edge(r["winner"], r["relation"], r["loser"], r["words"], r["clause"], r["rule"],
                                          r.get("explicit") is not False, r.get("condition"))
            _add_field(e.fields, r)
            for end, label in ((r["winner"], r.get("winnerLabel")), (r["loser"], r.get("loserLabel"))):
                if label:
                    self.labels[end] = label
        self.edges = sorted(edges.values(), key=lambda e: (e.clause, e.winner, e.loser, e.relation))
        for key, e in edges.items():
            if e.fields:  # "(a) Unless you are located in the United States, the laws of France will govern"
                self.limbs[e.clause].setdefault(key, _Limb(e.condition or e.words, e.fields, e.condition or e.words,
                                                           e.clause, e.rule))
        self.groups: dict[str, set[str]] = defaultdict(set)  # group -> member documents
        for r in run(_sparql("groups")):
            self.groups[r["group"]].add(r["member"])
            if r.get("label"):
                self.labels[r["group"]] = r["label"]
        # document-level ranking edges, for chains doc(a) > X > ... > doc(b)
        self.doc_edges: dict[str, list[tuple[str, _Edge]]] = defaultdict(list)
        for e in self.edges:
            if e.relation not in ("prevailsOver", "governsFor") or e.rule in NOT_PRECEDENCE:
                continue
            if (e.winner in self.docs or e.winner in self.groups) and (e.loser in self.docs or e.loser in self.groups):
                for w in self._documents_of(e.winner):
                    for l in self._documents_of(e.loser):
                        if w != l:
                            self.doc_edges[w].append((l, e))
        self.successors: dict[str, set[str]] = defaultdict(set)
        for r in run(_sparql("supersedes")):
            self.successors[r["older"]].add(r["newer"])
        # ancestors: clause -> [clause, parent clause, ..., section, ..., document]
        self.ancestors: dict[str, list[str]] = {}
        for iri in self.nodes:
            chain, cur = [], iri
            while cur in self.nodes:
                chain.append(cur)
                cur = self.nodes[cur].parent
            chain.append(cur)
            self.ancestors[iri] = chain
        children: dict[str, list[_Node]] = defaultdict(list)
        for n in self.nodes.values():
            children[n.parent].append(n)
        # a lead-in ("How we use Your Data depends on your subscription plan:") says nothing by itself:
        # it is read as a heading of the items it introduces, which are what can govern
        self.lead_ins = {n.iri for n in self.nodes.values()
                         if not n.section and n.text and n.text.rstrip().endswith(":")}
        # ... unless it also states something: sentences before the one that introduces the list
        # ("This Section only applies if ... By accepting this DPA, Mistral AI and Customer conclude
        # Module 4 ... with the following specifications:") are provisions, so the clause can govern
        self.clauses = [n for n in self.nodes.values() if not n.section and n.text
                        and (n.iri not in self.lead_ins or _SENTENCE_END.search(n.text.strip()))]
        # items under a lead-in that announces a summary ("Here are some key points ...:") -> that lead-in
        self.summaries: dict[str, tuple[str, str]] = {}
        for iri in self.lead_ins:
            if any(pattern.search(self.nodes[iri].text) for pattern, _ in SUMMARY_LEADS):
                for child in children[iri]:
                    self.summaries[child.iri] = (iri, self.nodes[iri].text.strip())
        self._restated: dict[str, str | None] = {}
        self.bm25 = BM25Index((c.iri, self._fields(c)) for c in self.clauses)
        # notices: texts another text says "explain" what is done ("our Privacy Policy explains how we
        # collect and use personal information"); they inform, the other texts bind
        self.notices: dict[str, _Edge] = {}
        for e in self.edges:
            if e.rule in NOTICE_RULES:
                for d in self._documents_of(e.winner):
                    self.notices.setdefault(d, e)
        # defined terms: lemma of a defining clause's words -> terms it defines
        self.term_words: dict[str, set[str]] = defaultdict(set)
        self.term_lemmas: dict[str, list[str]] = {}
        for r in run(_sparql("terms")):
            clause = self.nodes.get(r["definedBy"])
            if clause is None or not clause.text:
                continue
            self.term_lemmas[r["term"]] = tokens(r["label"])
            for lemma in set(tokens(clause.text)):
                self.term_words[lemma].add(r["term"])
        self._in_force: dict[dt.date, set[str]] = {}

    # ------------------------------------------------------------------ structure

    def _fields(self, c: _Node) -> dict[str, str]:
        headings = []
        for a in self.ancestors[c.iri][1:]:
            n = self.nodes.get(a)
            if n is not None and a in self.lead_ins:
                headings.append(n.text)
            elif n is not None and n.heading:
                headings.append(n.heading)
        return {"text": c.text or "", "headings": " ".join(([c.heading] if c.heading else []) + headings),
                "title": self.docs[c.doc].title if c.doc in self.docs else ""}

    def _documents_of(self, iri: str) -> set[str]:
        if iri in self.docs:
            return {iri}
        if iri in self.groups:
            return set(self.groups[iri])
        if iri in self.nodes:
            return {self.nodes[iri].doc}
        return set()

    def covers(self, end: str, clause: str) -> bool:
        """Does the edge end ``end`` (clause, section, document or group) contain ``clause``?"""
        chain = self.ancestors.get(clause, [clause])
        if end in chain:
            return True
        return end in self.groups and self.nodes[clause].doc in self.groups[end]

    def in_force(self, as_of: dt.date) -> set[str]:
        """Document versions in force on ``as_of`` (a SPARQL query with the date bound)."""
        found = self._in_force.get(as_of)
        if found is None:
            found = self._in_force[as_of] = {r["d"] for r in self._run(_sparql("in-force"), asOf=as_of)}
        return found

    def label(self, iri: str) -> str:
        if iri in self.docs:
            return self.docs[iri].title
        if iri in self.nodes:
            n = self.nodes[iri]
            return f"{self.docs[n.doc].title} {self.locator(iri)}".strip()
        return self.labels.get(iri, iri.rsplit("/", 1)[-1].replace("-", " "))

    def locator(self, iri: str) -> str:
        n = self.nodes[iri]
        number = self.section_number(iri)
        heading = self.heading(iri)
        parts = [f"§{number}" if number else "", f"“{heading}”" if heading else "", n.label if n.label and n.label != "-" else ""]
        return " ".join(p for p in parts if p)

    def _nearest(self, iri: str, test: Callable[[_Node], object]) -> _Node | None:
        """The node itself or its nearest ancestor that passes ``test``."""
        for a in self.ancestors[iri]:
            n = self.nodes.get(a)
            if n is not None and test(n):
                return n
        return None

    def section_number(self, iri: str) -> str | None:
        n = self._nearest(iri, lambda n: n.section and n.number)
        return n.number if n else None

    def heading(self, iri: str) -> str | None:
        n = self._nearest(iri, lambda n: n.heading)
        return n.heading if n else None

    def section_heading(self, iri: str) -> str | None:
        n = self._nearest(iri, lambda n: n.section and n.heading)
        return n.heading if n else None

    def clause_info(self, iri: str) -> ClauseInfo:
        n = self.nodes[iri]
        return ClauseInfo(iri=iri, number=self.section_number(iri), heading=self.heading(iri),
                          label=n.label, section_heading=self.section_heading(iri), text=n.text or "")

    def answer(self, iri: str) -> Answer:
        return Answer(document=self.docs[self.nodes[iri].doc].info(), clause=self.clause_info(iri))

    # ------------------------------------------------------------------ applicability

    def fit(self, iri: str, ctx: dict[str, str]) -> _Fit:
        """Scope of the clause, its parents and its document against the context."""
        out = _Fit()
        for a in self.ancestors.get(iri, [iri]):
            limbs = [limb for limb in self.limbs.get(a, {}).values() if limb.fields]
            if not limbs:
                continue
            results = []
            for limb in limbs:
                fails, unknown, matched = False, set(), set()
                for name, allowed in limb.fields.items():
                    if set(CONTEXT_VALUES[name]) - {"paid"} <= set(allowed):
                        continue  # "La Plateforme, Le Chat, and ..." names every service: no restriction
                    user = ctx.get(name)
                    if user is None:
                        unknown.add(name)
                        continue
                    ok = _value_fits(name, user, allowed)
                    if ok is False:
                        fails = True
                    elif ok is None:
                        unknown.add(name)
                    else:
                        matched.add(name)
                results.append((fails, unknown, matched, limb))
            good = [r for r in results if not r[0] and not r[1]]
            maybe = [r for r in results if not r[0] and r[1]]
            if good:
                best = max(good, key=lambda r: len(r[2]))
                out.matched |= best[2]
                out.limbs.append(best[3])
            elif maybe:
                for r in maybe:
                    out.unknown |= r[1]
                    out.matched |= r[2]
                out.limbs.append(maybe[0][3])
            else:
                out.fails.append(" / ".join(dict.fromkeys(r[3].words for r in results)))
        return out

    def edge_fits(self, e: _Edge, ctx: dict[str, str]) -> bool:
        for name, allowed in e.fields.items():
            user = ctx.get(name)
            if user is not None and _value_fits(name, user, allowed) is False:
                return False
        return True

    # ------------------------------------------------------------------ precedence

    def evidence(self, clause: str, words: str, rule: str) -> StepEvidence:
        """The clause (its document and section number) and words that establish a step."""
        c = self.nodes.get(clause)
        return StepEvidence(document=self.docs[c.doc].id if c else "", clause=clause,
                            number=self.section_number(clause) if c else None, words=words, rule=rule)

    def step(self, e: _Edge) -> PrecedenceStep:
        """The step an edge of the graph states."""
        return PrecedenceStep(winner=e.winner, loser=e.loser, winner_label=self.label(e.winner),
                              loser_label=self.label(e.loser), relation=e.relation, explicit=e.explicit,
                              evidence=self.evidence(e.clause, e.words, e.rule))

    def restated(self, item: str) -> str | None:
        """The clause of the same document's body that a summary item restates: the one closest to the
        item's own words (None if no body clause shares a word with it)."""
        if item not in self._restated:
            words = list(dict.fromkeys(tokens(self.nodes[item].text)))
            scores = self.bm25.score(Query(words, [(1.0, (w,)) for w in words]))
            doc = self.nodes[item].doc
            body = [(s, k) for k, s in scores.items()
                    if k != item and k not in self.summaries and self.nodes[k].doc == doc]
            self._restated[item] = max(body)[1] if body else None
        return self._restated[item]

    def implied_step(self, winner: str, loser: str, relation: str, evidence: StepEvidence) -> PrecedenceStep:
        """A step the resolver infers (explicit=false) between two texts."""
        return PrecedenceStep(winner=winner, loser=loser, winner_label=self.label(winner), loser_label=self.label(loser),
                              relation=relation, explicit=False, evidence=evidence)

    def explicit_between(self, a: str, b: str, ctx: dict[str, str]) -> list[_Edge]:
        """Edges by which clause ``a`` wins over clause ``b`` (directly, or down a chain of documents)."""
        direct = [e for e in self.edges if e.relation in PRECEDENCE and e.rule not in NOT_PRECEDENCE and self.edge_fits(e, ctx)
                  and self.covers(e.winner, a) and self.covers(e.loser, b) and not self.covers(e.winner, b)]
        if direct:
            return direct[:1]
        # a chain of document-level edges: doc(a) > X > ... > doc(b)
        start, goal = self.nodes[a].doc, self.nodes[b].doc
        if start == goal:
            return []
        seen, frontier = {start: []}, [start]
        while frontier:
            nxt = []
            for d in frontier:
                for l, e in self.doc_edges.get(d, ()):
                    if l not in seen and self.edge_fits(e, ctx):
                        seen[l] = seen[d] + [e]
                        nxt.append(l)
            frontier = nxt
        return seen.get(goal, [])

    def decide_explicit(self, a: str, b: str, ctx: dict[str, str]) -> tuple[str, list[PrecedenceStep]] | None:
        """Which of clauses ``a`` and ``b`` an edge of the graph makes win; None when no edge (or both ways)."""
        ab = self.explicit_between(a, b, ctx)
        ba = self.explicit_between(b, a, ctx)
        if ab and not ba:
            return a, [self.step(e) for e in ab]
        if ba and not ab:
            return b, [self.step(e) for e in ba]
        return None

    def decide_implied(self, a: str, b: str, fits: dict[str, _Fit]) -> tuple[str, list[PrecedenceStep]] | None:
        """Implied ranking of two clauses of different documents the graph does not rank:
        a text that surely applies over one that applies only if a fact you did not give holds; terms
        that bind over a notice that explains; the text whose scope matches more of the context."""
        fa, fb = fits[a].applies, fits[b].applies
        if fa != fb:  # a text that surely applies to you over one that applies only if ...
            win, lose = (a, b) if fa == "yes" else (b, a)
            limb = fits[lose].limbs[0]  # a clause that depends has the limb it depends on
            return win, [self.implied_step(win, lose, "applies-for-sure", self.evidence(limb.clause, limb.words, limb.rule))]
        da, db = self.nodes[a].doc, self.nodes[b].doc
        if da == db:
            return None
        na, nb = da in self.notices, db in self.notices
        if na != nb:
            win, lose = (b, a) if na else (a, b)
            e = self.notices[self.nodes[lose].doc]
            return win, [self.implied_step(self.nodes[win].doc, self.nodes[lose].doc, "terms-over-notice",
                                           self.evidence(e.clause, e.words, e.rule))]
        ma, mb = len(fits[a].matched), len(fits[b].matched)
        if ma != mb:
            win, lose = (a, b) if ma > mb else (b, a)
            limb = fits[win].limbs[0]  # more matched fields: the winner has a limb that matched them
            return win, [self.implied_step(self.nodes[win].doc, self.nodes[lose].doc, "more-specific-scope",
                                           self.evidence(limb.clause, limb.words, limb.rule))]
        return None


# ---------------------------------------------------------------------- the resolver

def _query(index: GovernsIndex, question: str, *, expand: bool = True) -> Query:
    if not expand:
        words = list(dict.fromkeys(tokens(question)))
        return Query(words, [(1.0, (w,)) for w in words])
    own, rings, contextual, consumed = load_lexicon().read(tokens(question, keep_stop_words=True))
    own = list(dict.fromkeys(own))
    groups = [(CONTEXT_WORD_WEIGHT if w in contextual else 1.0, (w,)) for w in own]
    for ring in rings:
        if ring in consumed:  # the ring stands for words of the question ("keep an eye"): full weight
            groups.append((1.0, ring))
            continue
        rest = tuple(l for l in ring if l not in own)
        if rest:
            groups.append((LEXICON_WEIGHT, rest))
    # defined terms whose definition uses a (rare enough) word of the question: "prompts" -> Input
    hits: dict[str, float] = defaultdict(float)
    for w in own:
        if w not in contextual and index.bm25.idf.get(w, 0) >= TERM_MIN_IDF:
            for t in index.term_words.get(w, ()):
                hits[t] += index.bm25.idf[w]
    terms = sorted(hits, key=lambda t: (-hits[t], t))[:MAX_TERMS]
    term_lemmas = tuple(dict.fromkeys(l for t in terms for l in index.term_lemmas.get(t, ()) if l not in own))
    if term_lemmas:
        groups.append((TERM_WEIGHT, term_lemmas))
    return Query([w for w in own if w not in contextual], groups, consumed)


# What one stated fact implies about another, for deciding which texts apply (not shown as stated):
# Le Chat and La Plateforme are Mistral's own services, used directly; someone who uses Mistral's
# models through a cloud partner or a reseller is not using them.
IMPLIED = (
    ("service", ("le-chat", "la-plateforme"), "channel", "direct"),
    ("channel", ("cloud-partner", "reseller"), "service", "none"),
    ("infrastructure", ("partner",), "service", "none"),
    ("infrastructure", ("own",), "service", "none"),
)


def _implied(ctx: dict[str, str]) -> dict[str, str]:
    out = dict(ctx)
    for field_name, values, other, implied in IMPLIED:
        if out.get(field_name) in values and other not in out:
            out[other] = implied
    return out


def _unanswerable(index: GovernsIndex, question: str, live: list[_Node]) -> str | None:
    for u in load_lexicon().unanswerable:
        if u.asks.search(question) and not any(u.stated_by.search(c.text or "") for c in live):
            return u.name
    return None


def _ranked(index: GovernsIndex, query: Query, live: set[str]) -> list[tuple[str, float]]:
    scores = index.bm25.score(query)
    ranked = sorted(((k, s) for k, s in scores.items() if index.nodes[k].doc in live), key=lambda kv: (-kv[1], kv[0]))
    return ranked[:TOP_K]


def _choose(index: GovernsIndex, ranked: list[tuple[str, float]], ctx: dict[str, str]):
    """The governing clause among the ranked ones for ``ctx``: (winner, steps, unresolved, fits, applicable)."""
    fits = {k: index.fit(k, ctx) for k, _ in ranked}
    boosted = [(k, s * (1 + SCOPE_BOOST * len(fits[k].matched))) for k, s in ranked]
    applicable = sorted(((k, s) for k, s in boosted if fits[k].applies != "no"), key=lambda kv: (-kv[1], kv[0]))
    if not applicable:
        return None, [], [], fits, applicable
    best = applicable[0][1]
    speaking = [(k, s) for k, s in applicable if s >= SPEAKING_RATIO * best][:MAX_SPEAKING]
    scores = dict(speaking)
    steps: list[PrecedenceStep] = []

    def round_(pool: list[str], decide) -> list[str]:
        """The clauses of ``pool`` no other clause of it beats; the steps that set the others aside."""
        beaten: dict[str, list[PrecedenceStep]] = {}
        for i, a in enumerate(pool):
            for b in pool[i + 1:]:
                decided = decide(a, b)
                if decided is not None:
                    who, why = decided
                    beaten.setdefault(b if who == a else a, why)
        steps.extend(why for k in pool if k in beaten for why in beaten[k])
        return [k for k in pool if k not in beaten] or pool[:1]

    pool = [k for k, _ in speaking]
    pool = round_(pool, lambda a, b: index.decide_explicit(a, b, ctx))
    pool = round_(pool, lambda a, b: index.decide_implied(a, b, fits))
    winner = pool[0]
    unresolved = [k for k in pool[1:] if index.nodes[k].doc != index.nodes[winner].doc
                  and scores[k] >= UNRESOLVED_RATIO * scores[winner]]
    if winner in index.summaries:  # a key point restates a clause of the body: that clause governs
        body = index.restated(winner)
        if body is not None:
            fits.setdefault(body, index.fit(body, ctx))
        if body is not None and fits[body].applies != "no":
            lead, words = index.summaries[winner]
            steps.append(index.implied_step(body, winner, "operative-over-summary",
                                            index.evidence(lead, words, "summary-lead-in")))
            winner = body
    return winner, _dedupe(steps), unresolved, fits, applicable


def _dedupe(steps: list[PrecedenceStep]) -> list[PrecedenceStep]:
    seen, out = set(), []
    for s in steps:
        key = (s.winner, s.loser, s.relation, s.evidence.clause)
        if key not in seen:
            seen.add(key)
            out.append(s)
    return out


def _candidate(index: GovernsIndex, k: str, score: float, fit: _Fit) -> Candidate:
    why = None
    if fit.applies == "no":
        why = f"does not apply: {'; '.join(fit.fails)}"
    elif fit.applies == "depends":
        why = f"depends on {', '.join(sorted(fit.unknown))}: {'; '.join(fit.words)}"
    return Candidate(document=index.docs[index.nodes[k].doc].info(), clause=index.clause_info(k),
                     score=round(score, 3), applies=fit.applies, why=why)


def _clean(question: str) -> tuple[str, str]:
    """The question as valid Unicode (a lone surrogate from undecodable bytes is replaced, so the
    answer can always be written as JSON), and its text without control characters."""
    question = question.encode("utf-8", "replace").decode("utf-8")
    return question, "".join(ch if ch.isprintable() or ch in "\n\t" else " " for ch in question).strip()


def resolve(index: GovernsIndex, question: str, context: Context | None = None) -> GovernsResult:
    """The answer to ``question`` for ``context`` from the graph behind ``index``."""
    context = context or Context()
    if not isinstance(question, str):
        raise QueryError("the question must be text")
    question, clean = _clean(question)
    if not clean:
        raise QueryError("the question is empty: ask something, e.g. \"Can Mistral train on my chats?\"")
    read = clean[:MAX_QUESTION]
    as_of = context.as_of or dt.date.today()
    ctx = _implied(context.stated())
    live = index.in_force(as_of)
    live_clauses = [c for c in index.clauses if c.doc in live]
    query = _query(index, read)
    ranked = _ranked(index, query, live)

    def no_answer(reason: str) -> GovernsResult:
        nearest = [_candidate(index, k, s, index.fit(k, ctx)) for k, s in ranked[:5]]
        return GovernsResult(question=question, context=context, status=Status.NO_ANSWER, answer=None,
                             candidates=nearest, explanation=f"No governing clause found: {reason}."
                             + (" The nearest clauses are listed as candidates; none of them answers it." if nearest else ""))

    topic = _unanswerable(index, read, live_clauses)
    if topic:
        return no_answer(f"the question asks about {topic}, which none of the {len(live)} documents in force on {as_of} states")
    if not ranked:
        return no_answer("no clause in force shares a word with the question")
    winner, steps, unresolved, fits, applicable = _choose(index, ranked, ctx)
    if winner is None:
        res = no_answer("the clauses that speak of it do not apply to you")
        res.excluded = [_candidate(index, k, s, fits[k]) for k, s in ranked[:5]]
        return res
    coverage = max(index.bm25.coverage(k, query) for k, _ in applicable[:5])
    if coverage < MIN_COVERAGE:
        return no_answer(f"the best clauses hold at most {coverage:.0%} of what the question asks")

    # the answer depends on unstated context: answer for each value of the first such field
    depends = sorted(fits[winner].unknown)
    alternatives: list[Alternative] = []
    if depends:
        name = depends[0]
        for value in CONTEXT_VALUES[name]:
            alt_ctx = _implied(dict(context.stated(), **{name: value}))
            w, _, _, _, alt_applicable = _choose(index, ranked, alt_ctx)
            if w is not None and max(index.bm25.coverage(k, query) for k, _ in alt_applicable[:5]) < MIN_COVERAGE:
                w = None  # the same test as for the answer: asked with this value, there would be none
            alternatives.append(Alternative(when={name: value}, answer=index.answer(w) if w else None))
    status = Status.DEPENDS if depends else Status.UNRESOLVED if unresolved else Status.GOVERNS

    order = [winner] + [k for k, _ in applicable if k != winner]
    scores = dict(ranked)
    scores.update(applicable)  # ranked by the score with the context boost
    # the body clause a summary item restates may rank below the candidates read: it scores 0 there
    candidates = [_candidate(index, k, scores.get(k, 0.0), fits[k]) for k in order[:10]]
    excluded = [_candidate(index, k, s, fits[k]) for k, s in ranked if fits[k].applies == "no"][:5]
    result = GovernsResult(
        question=question, context=context, status=status, answer=index.answer(winner), candidates=candidates,
        precedence=steps, depends_on=depends, alternatives=alternatives,
        unresolved=[index.answer(u) for u in unresolved], excluded=excluded, explanation="")
    result.explanation = _explain(index, result, winner, as_of, len(clean) > MAX_QUESTION)
    lemmas = set(query.words) | {lemma for _, group in query.groups for lemma in group}
    result.answer.matched = matched_spans(result.answer.clause.text, lemmas)
    return result


def baseline(index: GovernsIndex, question: str, as_of: dt.date | None = None) -> GovernsResult:
    """Plain ranking: BM25F on the question's own words; no graph, no context, no precedence."""
    question, clean = _clean(question)
    clean = clean[:MAX_QUESTION]
    query = _query(index, clean, expand=False)
    scores = index.bm25.score(query)
    ranked = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))[:10]
    context = Context(as_of=as_of)
    if not ranked or index.bm25.coverage(ranked[0][0], query) < MIN_COVERAGE:
        return GovernsResult(question=question, context=context, status=Status.NO_ANSWER, answer=None,
                             explanation="No governing clause found (baseline).")
    return GovernsResult(
        question=question, context=context, status=Status.GOVERNS, answer=index.answer(ranked[0][0]),
        candidates=[Candidate(document=index.docs[index.nodes[k].doc].info(), clause=index.clause_info(k), score=round(s, 3))
                    for k, s in ranked],
        explanation="Best-ranked clause (baseline).")


# ---------------------------------------------------------------------- explanation

def _first_sentence(text: str, limit: int = 220) -> str:
    m = re.search(r"(?<=[.;:])\s", text)
    s = text[: m.start()] if m and m.start() > 20 else text
    return s if len(s) <= limit else s[: limit - 1].rsplit(" ", 1)[0] + "…"


def _who(context: Context, as_of: dt.date) -> str:
    stated = context.stated()
    parts = [f"{k}={v}" for k, v in stated.items()]
    return (f"For you ({', '.join(parts)})" if parts else "With no context given") + f", on {as_of.isoformat()}"


def _explain(index: GovernsIndex, r: GovernsResult, winner: str, as_of: dt.date, cut: bool) -> str:
    a = r.answer
    lines = [f"{_who(r.context, as_of)}: {a.document.title} {index.locator(winner)} governs: “{_first_sentence(a.clause.text)}”"]
    for s in r.precedence:
        lines.append(f"{s.winner_label} {_RELATION_WORDS.get(s.relation, s.relation)} {s.loser_label}"
                     f" ({'stated' if s.explicit else 'implied'} in {s.evidence.document}"
                     f"{' §' + s.evidence.number if s.evidence.number else ''}: “{s.evidence.words}”).")
    if r.unresolved:
        rivals = "; ".join(f"{u.document.title} {index.locator(u.clause.iri)}" for u in r.unresolved)
        lines.append(f"Unresolved: the graph does not rank it against {rivals}; read both.")
    if r.depends_on:
        alts = "; ".join(
            f"{next(iter(alt.when.values()))}: {alt.answer.document.title} {index.locator(alt.answer.clause.iri)}" if alt.answer
            else f"{next(iter(alt.when.values()))}: no clause applies"
            for alt in r.alternatives)
        lines.append(f"It depends on your {r.depends_on[0]}, which you did not give ({alts}).")
    if r.excluded:
        aside = dict.fromkeys(f"{c.document.title} {index.locator(c.clause.iri)}" for c in r.excluded)
        lines.append("Set aside as not applying to you: " + "; ".join(list(aside)[:3]) + ".")
    if cut:
        lines.append(f"Only the first {MAX_QUESTION} characters of the question were read.")
    return " ".join(lines)
