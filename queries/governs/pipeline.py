"""The pipeline: a question and a context in, the governing clause and why out.

    question ─► read (question.py): words, matters, unanswerable topics, the vendor it names
             ─► view: the chosen publisher's documents in force on as_of (snapshot.py)
             ─► rank (ranking.py): BM25F + matters + kind of text (+ meaning, when installed)
             ─► applicability (applicability.py): does each clause's scope fit the context
             ─► precedence (precedence.py): the procedure that picks one clause, step by step
             ─► companions (companions.py), then the plain line and the explanation (explain.py)

The result is ``ontology.answers.GovernsResult``; its JSON is ``clausegraph governs --json``.
"""

from __future__ import annotations

import datetime as dt

from clausegraph.ontology.answers import Alternative, Answer, Candidate, Context, GovernsResult, Status
from clausegraph.ontology.context import GENERIC
from clausegraph.ontology.errors import QueryError
from clausegraph.queries.governs.applicability import fit, implied, view_services
from clausegraph.queries.governs.companions import companions
from clausegraph.queries.governs.explain import decisive, explain, summary
from clausegraph.queries.governs.precedence import choose
from clausegraph.queries.governs.question import (
    MAX_QUESTION,
    build_query,
    choose_publisher,
    matter_labels,
    read_question,
    unanswerable,
)
from clausegraph.queries.governs.ranking import rank
from clausegraph.queries.retrieval import matched_spans

__all__ = ["resolve", "baseline", "search", "MIN_COVERAGE"]

MIN_COVERAGE = 0.1  # below this share of the question's information in the best clauses: no answer


def _answer(view, iri: str, lemmas: set[str]) -> Answer:
    snap = view.snap
    info = snap.clause_info(iri)
    return Answer(document=snap.docs[snap.nodes[iri].doc].info(), clause=info,
                  decisive=decisive(info.text, lemmas, view.bm25.idf))


def _candidate(view, k: str, score: float, fit_) -> Candidate:
    snap = view.snap
    why = None
    if fit_.applies == "no":
        why = f"does not apply: {'; '.join(fit_.fails)}"
    elif fit_.applies == "depends":
        why = f"depends on {', '.join(sorted(fit_.unknown))}: {'; '.join(fit_.words)}"
    return Candidate(document=snap.docs[snap.nodes[k].doc].info(), clause=snap.clause_info(k), score=round(score, 3),
                     applies=fit_.applies, why=why, matters=sorted(snap.concerns.get(k, {})))


def _publisher(snap, context: Context, reading) -> tuple[str, str]:
    if context.publisher:
        wanted = context.publisher.strip().lower()
        for pub, name in snap.publishers.items():
            if wanted in (pub, name.lower()):
                return pub, "the publisher you chose"
        raise QueryError(f"no publisher {context.publisher!r} in the store: use one of {', '.join(sorted(snap.publishers))}")
    if not snap.publishers:
        raise QueryError("the store holds no documents: run `clausegraph ingest` first")
    pub, why = choose_publisher(snap, reading)
    if pub is None:
        raise QueryError(f"the store holds several publishers and {why}: choose one with --publisher "
                         f"({', '.join(sorted(snap.publishers))})")
    return pub, why


def resolve(snap, question: str, context: Context | None = None) -> GovernsResult:
    """The answer to ``question`` for ``context`` from the graph behind ``snap``."""
    context = context or Context()
    if not isinstance(question, str):
        raise QueryError("the question must be text")
    reading = read_question(question)
    if not reading.clean:
        raise QueryError("the question is empty: ask something, e.g. \"Can they train on my chats?\"")
    publisher, _ = _publisher(snap, context, reading)
    as_of = context.as_of or dt.date.today()
    view = snap.view(publisher, as_of)
    services = view_services(view)
    ctx = implied(context.stated(), services)
    query = build_query(view, reading)
    ranked = rank(view, reading, query)
    asked = reading.matter_set
    lemmas = set(query.words) | {lemma for _, group in query.groups for lemma in group}
    base = dict(question=reading.text, context=context, publisher=publisher, matters=sorted(m for m, s in reading.matters.items() if s >= 1))

    def no_answer(reason: str) -> GovernsResult:
        nearest = [_candidate(view, k, s, fit(view, k, ctx)) for k, s in ranked[:5]]
        explanation = f"No governing clause found: {reason}." + (
            " The nearest clauses are listed as candidates; none of them answers it." if nearest else "")
        return GovernsResult(**base, status=Status.NO_ANSWER, answer=None, candidates=nearest, explanation=explanation,
                             summary=f"No governing clause found: {reason}.")

    topic = unanswerable(view, reading)
    if topic:
        return no_answer(f"the question asks about {topic}, which none of the {len(view.live)} documents in force on {as_of} states")
    if not ranked:
        return no_answer("no clause in force shares a word with the question")
    choice = choose(view, ranked, ctx, asked)
    if choice.winner is None:
        res = no_answer("the clauses that speak of it do not apply to you")
        res.excluded = [_candidate(view, k, s, choice.fits[k]) for k, s in ranked[:5]]
        return res
    coverage = max(view.bm25.coverage(k, query) for k, _ in choice.applicable[:5])
    on_matter = bool(asked) and any(snap.matters_of(k) & asked for k, _ in choice.applicable[:5])
    if coverage < MIN_COVERAGE and not on_matter:  # a paraphrase holds few of the clause's words, but its matter
        return no_answer(f"the best clauses hold at most {coverage:.0%} of what the question asks")

    winner, fits = choice.winner, choice.fits
    depends = sorted(fits[winner].unknown)
    alternatives: list[Alternative] = []
    if depends:  # the answer depends on unstated context: answer for each value of the first such field
        name = depends[0]
        values = GENERIC.get(name) or tuple(sorted(services))
        for value in values:
            alt_ctx = implied(dict(context.stated(), **{name: value}), services)
            alt = choose(view, ranked, alt_ctx, asked)
            w = alt.winner
            if w is not None and max(view.bm25.coverage(k, query) for k, _ in alt.applicable[:5]) < MIN_COVERAGE \
                    and not (asked and any(snap.matters_of(k) & asked for k, _ in alt.applicable[:5])):
                w = None  # the same test as for the answer: asked with this value, there would be none
            alternatives.append(Alternative(when={name: value}, answer=_answer(view, w, lemmas) if w else None))
    status = Status.DEPENDS if depends else Status.UNRESOLVED if choice.unresolved else Status.GOVERNS
    order = [winner] + [k for k, _ in choice.applicable if k != winner]
    scores = dict(ranked)
    scores.update(choice.applicable)
    # the body clause a summary item restates may rank below the candidates read: it scores 0 there
    candidates = [_candidate(view, k, scores.get(k, 0.0), fits[k]) for k in order[:10]]
    excluded = [_candidate(view, k, s, fits[k]) for k, s in ranked if fits[k].applies == "no"][:5]
    result = GovernsResult(
        **base, status=status, answer=_answer(view, winner, lemmas), candidates=candidates, precedence=choice.steps,
        depends_on=depends, alternatives=alternatives, unresolved=[_answer(view, u, lemmas) for u in choice.unresolved],
        excluded=excluded, also_cited=companions(view, winner, scores), explanation="")
    result.answer.matched = matched_spans(result.answer.clause.text, lemmas)
    result.explanation = explain(result, snap, winner, as_of, cut=reading.cut, max_question=MAX_QUESTION,
                                 matter_names=matter_labels(result.matters))
    result.summary = summary(result, snap)
    return result


def baseline(snap, question: str, as_of: dt.date | None = None, publisher: str | None = None) -> GovernsResult:
    """Plain ranking: BM25F on the question's own words; no lexicon, matters, graph, context or precedence."""
    reading = read_question(question)
    context = Context(as_of=as_of, publisher=publisher)
    pub, _ = _publisher(snap, context, reading)
    view = snap.view(pub, as_of or dt.date.today()) if as_of else _all_versions_view(snap, pub)
    query = build_query(view, reading, expand=False)
    scores = view.bm25.score(query)
    ranked = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))[:10]
    if not ranked or view.bm25.coverage(ranked[0][0], query) < MIN_COVERAGE:
        return GovernsResult(question=reading.text, context=context, status=Status.NO_ANSWER, answer=None, publisher=pub,
                             explanation="No governing clause found (baseline).")
    return GovernsResult(
        question=reading.text, context=context, status=Status.GOVERNS, publisher=pub,
        answer=Answer(document=snap.docs[snap.nodes[ranked[0][0]].doc].info(), clause=snap.clause_info(ranked[0][0])),
        candidates=[Candidate(document=snap.docs[snap.nodes[k].doc].info(), clause=snap.clause_info(k), score=round(s, 3))
                    for k, s in ranked],
        explanation="Best-ranked clause (baseline).")


def search(snap, query: str, *, publisher: str | None = None, matter: str | None = None,
           as_of: dt.date | None = None, limit: int = 10) -> list[Candidate]:
    """The ranking alone (``clausegraph search``): clauses in force, best first, with their matters."""
    reading = read_question(query)
    if not reading.clean:
        raise QueryError("the query is empty")
    pub, _ = _publisher(snap, Context(publisher=publisher), reading)
    view = snap.view(pub, as_of or dt.date.today())
    ranked = rank(view, reading, build_query(view, reading), top_k=None)
    if matter:
        ranked = [(k, s) for k, s in ranked if matter in snap.matters_of(k)]
    return [Candidate(document=snap.docs[snap.nodes[k].doc].info(), clause=snap.clause_info(k), score=round(s, 3),
                      matters=sorted(snap.concerns.get(k, {}))) for k, s in ranked[:limit]]


def _all_versions_view(snap, publisher: str):
    """The baseline knows no versions: every version of the publisher's documents."""
    return snap.view_of(publisher, frozenset(d for d, doc in snap.docs.items() if doc.publisher == publisher))
