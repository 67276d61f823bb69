"""Which applicable clause governs: the precedence procedure, in one place.

Among the applicable clauses that speak to the question (score within SPEAKING_RATIO of the best,
at most MAX_SPEAKING), every pair is decided by the first of these that speaks, in order:

| step | decider                 | a wins over b when                                                   | explicit |
|------|-------------------------|----------------------------------------------------------------------|----------|
| 1    | an edge of the graph    | a text stating prevails-over / subject-to / defers-to ranks a's text (clause, section, document or group) over b's, directly or down a chain of documents, its condition fits the context, both apply to the user alike (a conflict needs two texts that apply), and a and b **meet**: they concern a matter in common that the question asks about | yes |
| 2    | surely applies          | a applies to the user for sure, b only if a fact not given holds, and a speaks to the question about as well (SURE_RATIO; else the answer depends on that fact) | no |
| 3    | binds over a notice     | b's document is one another text says "explains" (a notice); a's binds, and they meet | no |
| 4    | more specific scope     | a's scope names more of the user's stated context, and they meet      | no       |
| 5    | otherwise               | unresolved: both are shown, the better ranked first                  |          |

Pairwise, never assumed transitive: a clause is set aside only by a decision about it. Two clauses
meet when both concern the same matter (ontology/matters.toml) and, when the question asks about
matters, one of those: "the DPA prevails in the event of a conflict" ranks the DPA's clause on
subprocessors over the Terms' clause on subprocessors, never the DPA's list of data categories over
the Terms' liability cap.

A carve-out ("Notwithstanding ...", "EXCEPT FOR ...", cg:overrides) does not decide: it limits the
clause it carves out of, so it is cited beside it (``also_cited``), and it governs only when the
question itself is about what it carves out (then it ranks first on its own words).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from clausegraph.ontology.answers import PrecedenceStep, StepEvidence
from clausegraph.queries.governs.applicability import edge_fits, fit
from clausegraph.queries.governs.snapshot import NOT_PRECEDENCE
from clausegraph.queries.retrieval import Query, tokens

__all__ = ["Choice", "choose", "SPEAKING_RATIO", "UNRESOLVED_RATIO", "MAX_SPEAKING", "RANKING_RELATIONS"]

SPEAKING_RATIO = 0.7  # a clause "speaks to the question" when it scores at least this share of the best
UNRESOLVED_RATIO = 0.85  # an unranked rival this close to the winner makes the answer unresolved
MAX_SPEAKING = 6
SURE_RATIO = 0.9  # a text that surely applies wins over one that depends when it scores at least this share of it
SCOPE_BOOST = 0.25  # ranking: a clause whose scope names your stated context is about your situation
RANKING_RELATIONS = ("prevailsOver", "constrains", "governsFor")  # cg:overrides is a carve-out: cited, not ranked


@dataclass
class Choice:
    winner: str | None
    steps: list[PrecedenceStep] = field(default_factory=list)
    unresolved: list[str] = field(default_factory=list)
    fits: dict = field(default_factory=dict)
    applicable: list[tuple[str, float]] = field(default_factory=list)


def meet(snap, a: str, b: str, asked: set[str]) -> set[str]:
    """The matters clauses ``a`` and ``b`` both concern (and the question asks about, if it asks any)."""
    shared = snap.matters_of(a) & snap.matters_of(b)
    return shared & asked if asked else shared


def _evidence(snap, clause: str, words: str, rule: str) -> StepEvidence:
    """The clause (or, for a title, the document) and the words that establish a step."""
    c = snap.nodes.get(clause)
    document = snap.docs[c.doc].id if c else snap.docs[clause].id if clause in snap.docs else ""
    return StepEvidence(document=document, clause=clause, number=snap.section_number(clause) if c else None,
                        words=words, rule=rule)


def _step(snap, e, matters: set[str]) -> PrecedenceStep:
    return PrecedenceStep(winner=e.winner, loser=e.loser, winner_label=snap.label(e.winner), loser_label=snap.label(e.loser),
                          relation=e.relation, explicit=e.explicit, evidence=_evidence(snap, e.clause, e.words, e.rule),
                          matters=sorted(matters))


def _implied_step(snap, winner: str, loser: str, relation: str, evidence: StepEvidence, matters=()) -> PrecedenceStep:
    return PrecedenceStep(winner=winner, loser=loser, winner_label=snap.label(winner), loser_label=snap.label(loser),
                          relation=relation, explicit=False, evidence=evidence, matters=sorted(matters))


def _explicit_between(view, a: str, b: str, ctx: dict[str, str]) -> list:
    """Edges by which clause ``a`` wins over clause ``b`` (directly, or down a chain of documents)."""
    snap = view.snap
    direct = [e for e in view.edges if e.relation in RANKING_RELATIONS and e.rule not in NOT_PRECEDENCE and edge_fits(e, ctx, view.publisher)
              and snap.covers(e.winner, a) and snap.covers(e.loser, b) and not snap.covers(e.winner, b)]
    if direct:
        return direct[:1]
    start, goal = snap.nodes[a].doc, snap.nodes[b].doc
    if start == goal:
        return []
    seen, frontier = {start: []}, [start]
    while frontier:
        nxt = []
        for d in frontier:
            for lo, e in view.doc_edges.get(d, ()):
                if lo not in seen and edge_fits(e, ctx, view.publisher):
                    seen[lo] = seen[d] + [e]
                    nxt.append(lo)
        frontier = nxt
    return seen.get(goal, [])


def _decide_explicit(view, a: str, b: str, ctx: dict[str, str], asked: set[str], fits: dict):
    if fits[a].applies != fits[b].applies:
        return None  # two texts conflict only if both apply: one that applies only if ... is decided below
    shared = meet(view.snap, a, b, asked)
    if not shared:
        return None  # texts that do not meet are not ranked by a conflict rule
    ab, ba = _explicit_between(view, a, b, ctx), _explicit_between(view, b, a, ctx)
    if ab and not ba:
        return a, [_step(view.snap, e, shared) for e in ab]
    if ba and not ab:
        return b, [_step(view.snap, e, shared) for e in ba]
    return None


def _decide_implied(view, a: str, b: str, fits: dict, asked: set[str], scores: dict[str, float]):
    snap = view.snap
    fa, fb = fits[a].applies, fits[b].applies
    if fa != fb:  # a text that surely applies to you over one that applies only if ...
        win, lose = (a, b) if fa == "yes" else (b, a)
        # ... unless a text that depends on the same fact speaks to the question clearly better: then the answer
        # depends on the fact (the best of them, not only this one: a ranking decided pair by pair must not let a
        # general text win by meeting the weaker of the texts that depend first)
        unknown = fits[lose].unknown  # the loser itself is among them
        rival = max(scores[c] for c in scores if fits[c].applies == "depends" and fits[c].unknown & unknown)
        if scores[win] < SURE_RATIO * rival:
            return None
        limb = fits[lose].limbs[0]  # a clause that depends has the limb it depends on
        return win, [_implied_step(snap, win, lose, "applies-for-sure", _evidence(snap, limb.clause, limb.words, limb.rule))]
    da, db = snap.nodes[a].doc, snap.nodes[b].doc
    if da == db:
        return None
    shared = meet(snap, a, b, asked)
    if not shared:
        return None
    na, nb = da in view.notices, db in view.notices
    if na != nb:
        win, lose = (b, a) if na else (a, b)
        e = view.notices[snap.nodes[lose].doc]
        return win, [_implied_step(snap, snap.nodes[win].doc, snap.nodes[lose].doc, "terms-over-notice",
                                   _evidence(snap, e.clause, e.words, e.rule), shared)]
    ma, mb = len(fits[a].matched), len(fits[b].matched)
    if ma != mb:
        win, lose = (a, b) if ma > mb else (b, a)
        limb = fits[win].limbs[0]  # more matched fields: the winner has a limb that matched them
        return win, [_implied_step(snap, snap.nodes[win].doc, snap.nodes[lose].doc, "more-specific-scope",
                                   _evidence(snap, limb.clause, limb.words, limb.rule), shared)]
    return None


def _restated(view, item: str) -> str | None:
    """The clause of the same document's body that a summary item restates: the closest in words."""
    if item not in view.restated_cache:
        snap = view.snap
        words = list(dict.fromkeys(tokens(snap.nodes[item].text)))
        scores = view.bm25.score(Query(words, [(1.0, (w,)) for w in words]))
        doc = snap.nodes[item].doc
        body = [(s, k) for k, s in scores.items() if k != item and k not in view.summaries and snap.nodes[k].doc == doc]
        view.restated_cache[item] = max(body)[1] if body else None
    return view.restated_cache[item]


def _dedupe(steps: list[PrecedenceStep]) -> list[PrecedenceStep]:
    seen, out = set(), []
    for s in steps:
        key = (s.winner, s.loser, s.relation, s.evidence.clause)
        if key not in seen:
            seen.add(key)
            out.append(s)
    return out


def choose(view, ranked: list[tuple[str, float]], ctx: dict[str, str], asked: set[str]) -> Choice:
    """The governing clause among the ranked ones for ``ctx``, and the steps that decide it."""
    snap = view.snap
    fits = {k: fit(view, k, ctx) for k, _ in ranked}
    boosted = [(k, s * (1 + SCOPE_BOOST * len(fits[k].matched))) for k, s in ranked]
    applicable = sorted(((k, s) for k, s in boosted if fits[k].applies != "no"), key=lambda kv: (-kv[1], kv[0]))
    if not applicable:
        return Choice(None, fits=fits, applicable=applicable)
    best = applicable[0][1]
    speaking = [(k, s) for k, s in applicable if s >= SPEAKING_RATIO * best][:MAX_SPEAKING]
    scores = dict(speaking)
    beaten_by: dict[str, list[PrecedenceStep]] = {}

    def round_(pool: list[str], decide) -> list[str]:
        """The clauses of ``pool`` no other clause of it beats."""
        beaten: dict[str, list[PrecedenceStep]] = {}
        for i, a in enumerate(pool):
            for b in pool[i + 1:]:
                decided = decide(a, b)
                if decided is not None:
                    who, why = decided
                    beaten.setdefault(b if who == a else a, why)
        beaten_by.update(beaten)
        return [k for k in pool if k not in beaten] or pool[:1]

    pool = [k for k, _ in speaking]
    pool = round_(pool, lambda a, b: _decide_explicit(view, a, b, ctx, asked, fits))
    pool = round_(pool, lambda a, b: _decide_implied(view, a, b, fits, asked, scores))
    winner = pool[0]
    unresolved = [k for k in pool[1:] if snap.nodes[k].doc != snap.nodes[winner].doc
                  and scores[k] >= UNRESOLVED_RATIO * scores[winner]]
    steps: list[PrecedenceStep] = []
    if winner in view.summaries:  # a key point restates a clause of the body: that clause governs
        body = _restated(view, winner)
        if body is not None:
            fits.setdefault(body, fit(view, body, ctx))
        if body is not None and fits[body].applies != "no":
            lead, words = view.summaries[winner]
            steps.append(_implied_step(snap, body, winner, "operative-over-summary", _evidence(snap, lead, words, "summary-lead-in")))
            winner = body
    # only the steps that concern the winning clause: what it beat (and what beat its rivals is not shown)
    for loser, why in beaten_by.items():
        if any(s.winner == winner or snap.covers(s.winner, winner) for s in why):
            steps = why + steps if not steps else steps + why
    return Choice(winner, _dedupe(steps), unresolved, fits, applicable)
