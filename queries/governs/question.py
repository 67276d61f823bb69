"""Reading a question: its words, the legal matters it asks about, what it cannot be answered from.

    read_question(text)            -> Reading: clean text, lemmas, matters (ontology/matters.toml)
    build_query(view, reading)     -> Query for the ranking: own words, lexicon rings, defined terms
    unanswerable(view, reading)    -> the topic the terms never state (prices, model specs), or None
    choose_publisher(snap, reading) -> the vendor a question names, when the context names none

The question never reaches SPARQL: everything here works on Python strings and the snapshot.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field

from clausegraph.ontology.matters import broader_closure, find_matters, load_matters
from clausegraph.queries.retrieval import LEXICON_WEIGHT, TERM_WEIGHT, Query, _lemma_table, load_lexicon, tokens

__all__ = ["Reading", "read_question", "build_query", "unanswerable", "clean_question", "MAX_QUESTION"]

MAX_QUESTION = 2000  # characters of a question that are read; the rest is ignored (and said so)
CONTEXT_WORD_WEIGHT = 0.3  # "Le Chat Pro" in a question names who asks; applicability uses it, ranking less
TERM_MIN_IDF = 2.5  # a question word this rare that a definition uses points at the defined term
MAX_TERMS = 4
MATTER_WORDS_WEIGHT = 0.5  # the words of a matter the question asks about (matters.toml ``words``)
# a question that asks what a word means: then a definition is the answer
_ASKS_MEANING = re.compile(r"\b(what (does|do|is meant by|counts as)|definition of|defined as|means?\b[^?]{0,20}\?)", re.IGNORECASE)


@dataclass
class Reading:
    text: str  # as given, made valid Unicode
    clean: str  # without control characters, cut at MAX_QUESTION
    cut: bool
    lemmas: list[str]  # with stop words (for phrases)
    matters: dict[str, float] = field(default_factory=dict)  # matter -> score (>= 1: surely asked)
    asks_meaning: bool = False

    @property
    def matter_set(self) -> set[str]:
        return broader_closure(m for m, s in self.matters.items() if s >= 1.0)


def clean_question(question: str) -> tuple[str, str]:
    """The question as valid Unicode (a lone surrogate from undecodable bytes is replaced, so the
    answer can always be written as JSON), and its text without control characters."""
    question = question.encode("utf-8", "replace").decode("utf-8")
    return question, "".join(ch if ch.isprintable() or ch in "\n\t" else " " for ch in question).strip()


def read_question(question: str) -> Reading:
    text, clean = clean_question(question)
    read = clean[:MAX_QUESTION]
    hits = find_matters(read, question=True, threshold=0.5)
    return Reading(text, read, len(clean) > MAX_QUESTION, tokens(read, keep_stop_words=True),
                   {m: h.score for m, h in hits.items()}, bool(_ASKS_MEANING.search(read)))


def build_query(view, reading: Reading, *, expand: bool = True) -> Query:
    """The question as weighted groups of lemmas (retrieval.Query)."""
    if not expand:
        words = list(dict.fromkeys(tokens(reading.clean)))
        return Query(words, [(1.0, (w,)) for w in words])
    own, rings, contextual, consumed = load_lexicon().read(reading.lemmas)
    own = list(dict.fromkeys(own))
    groups = [(CONTEXT_WORD_WEIGHT if w in contextual else 1.0, (w,)) for w in own]
    for ring in rings:
        if ring in consumed:  # the ring stands for words of the question ("keep an eye"): full weight
            groups.append((1.0, ring))
            continue
        rest = tuple(lemma for lemma in ring if lemma not in own)
        if rest:
            groups.append((LEXICON_WEIGHT, rest))
    # defined terms whose definition uses a (rare enough) word of the question: "prompts" -> Input
    hits: dict[str, float] = defaultdict(float)
    for w in own:
        if w not in contextual and view.bm25.idf.get(w, 0) >= TERM_MIN_IDF:
            for t in view.term_words.get(w, ()):
                hits[t] += view.bm25.idf[w]
    # the words the terms use for the matters the question surely asks about ("the most I could claim"
    # is about the liability cap: also search "liability", "aggregate", "exceed")
    table = {m.id: m for m in load_matters()}
    for matter, score in sorted(reading.matters.items()):
        if score >= 1.0 and matter in table and table[matter].words:
            ring = tuple(dict.fromkeys(lemma for w in table[matter].words for lemma in tokens(w) if lemma not in own))
            if ring:
                groups.append((MATTER_WORDS_WEIGHT, ring))
    terms = sorted(hits, key=lambda t: (-hits[t], t))[:MAX_TERMS]
    term_lemmas = tuple(dict.fromkeys(lemma for t in terms for lemma in view.term_lemmas.get(t, ()) if lemma not in own))
    if term_lemmas:
        groups.append((TERM_WEIGHT, term_lemmas))
    return Query([w for w in own if w not in contextual], groups, consumed)


def unanswerable(view, reading: Reading) -> str | None:
    """The topic of the lexicon's ``[[unanswerable]]`` table the question asks and no clause in force
    states. A topic with a ``matter`` is stated only by a clause concerning that matter: a currency
    amount in a liability cap states no price; "insurance" in a list of high-risk domains states no cover."""
    snap = view.snap
    for u in load_lexicon().unanswerable:
        if not u.asks.search(reading.clean):
            continue
        stated = False
        for c in view.clauses:
            if not u.stated_by.search(c.text or ""):
                continue
            if u.matters and not (set(u.matters) & snap.matters_of(c.iri)):
                continue
            stated = True
            break
        if not stated:
            return u.name
    return None


def _publisher_words(snap) -> dict[str, set[str]]:
    """Words that name each publisher: its name, and the proper names in its documents' titles and
    defined terms that no other publisher's use ("Anthropic", "OpenAI", "Alibaba"). A proper name is
    a capitalised word that spaCy's English lemma table does not know: "Company" or "Business" never
    points at a vendor."""
    if getattr(snap, "_publisher_words", None) is not None:
        return snap._publisher_words
    seen: dict[str, set[str]] = defaultdict(set)
    texts = [(d, doc.title) for d, doc in snap.docs.items()]
    texts += [(r["d"], r["label"]) for r in snap.run(_sparql_names())]
    table = _lemma_table()
    english = set(table) | set(table.values())
    docs_naming: dict[tuple[str, str], set[str]] = defaultdict(set)  # (word, publisher) -> documents using it
    for d, text in texts:
        if d in snap.docs:
            for w in re.findall(r"\b[A-Z][A-Za-z0-9]{2,}\b", text):
                if w.lower() not in english:
                    seen[w.lower()].add(snap.docs[d].publisher)
                    docs_naming[(w.lower(), snap.docs[d].publisher)].add(snap.docs[d].id)
    names: dict[str, set[str]] = {}
    for pub, name in snap.publishers.items():
        own = {w.lower() for w in re.findall(r"[A-Za-z0-9]{3,}", name)} | set(pub.split("-"))
        own = {w for w in own if w not in _GENERIC_NAME_WORDS}
        # a vendor's name recurs across its documents; a word one document happens to define does not
        distinctive = {w for w, pubs in seen.items() if pubs == {pub} and w not in _GENERIC_NAME_WORDS
                       and len(docs_naming[(w, pub)]) >= 2}
        names[pub] = own | distinctive
    snap._publisher_words = names
    return names


_GENERIC_NAME_WORDS = {"the", "and", "services", "service", "generative", "chat", "api", "terms", "policy", "privacy",
                       "agreement", "data", "user", "users", "you", "your", "our", "content", "input", "output"}


def _sparql_names() -> str:
    from importlib.resources import files

    return files(__name__.rpartition(".")[0]).joinpath("names.rq").read_text(encoding="utf-8")


def choose_publisher(snap, reading: Reading) -> tuple[str | None, str]:
    """The publisher to answer from when none was given: the only one in the store, or the one the
    question names ("Can Anthropic train on my chats?"); (None, why) when that does not decide."""
    if len(snap.publishers) == 1:
        return next(iter(snap.publishers)), "the only publisher in the store"
    words = {w.lower() for w in re.findall(r"[A-Za-z0-9]{3,}", reading.clean)}
    lowered = " " + re.sub(r"[^a-z0-9]+", " ", reading.clean.lower()) + " "
    named = {pub for pub, name in snap.publishers.items()  # the publisher's own name, as a phrase ("Le Chat")
             if f" {re.sub(r'[^a-z0-9]+', ' ', name.lower().removesuffix('.ai')).strip()} " in lowered}
    if not named:
        named = {pub for pub, vocab in _publisher_words(snap).items() if words & vocab}
    if len(named) == 1:
        pub = next(iter(named))
        return pub, f"the question names {snap.publishers[pub]}"
    return None, ("the question names several publishers" if named else "the question names no publisher")


def matter_labels(matters) -> list[str]:
    table = {m.id: m.label for m in load_matters()}
    return [table[m] for m in matters if m in table]
