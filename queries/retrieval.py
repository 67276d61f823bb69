"""Finding the clauses a question speaks of: spaCy lemmas, a lexicon of legal vocabulary, BM25F.

Lemmas come from spaCy's English lookup table (the ``lemma_lookup`` table of spacy-lookups-data, the
one ``spacy.blank("en")`` with a lookup lemmatizer uses). The table is read directly so that a
question does not pay spaCy's start-up (about two seconds); tests/test_governs.py checks that the
lemmas agree with spaCy's own pipeline on every word of the corpus.

The ranking is BM25F over three fields of each clause: its own text, its headings (the clause's
run-in heading, its parent clauses' headings and its section headings) and the document title.

| field    | weight | why                                                             |
|----------|--------|-----------------------------------------------------------------|
| text     | 1.0    | what the clause says                                             |
| headings | 0.6    | "Zero data retention", "Governing law and venue" name the matter  |
| title    | 0.25   | "Data Processing Agreement" tells which kind of text it is        |

A question is expanded twice, with lower weights: by the lexicon (queries/lexicon.toml), and by
the graph's defined terms whose definition uses the question's words ("prompts" -> Input, Your Data).
"""

from __future__ import annotations

import gzip
import json
import math
import re
import tomllib
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from importlib.resources import files

__all__ = ["Lexicon", "BM25Index", "Query", "lemmatize", "tokens", "load_lexicon", "STOP_WORDS"]

_WORD = re.compile(r"[A-Za-z]+|\d+")

# spaCy's English stop words would drop "not", "no" and "own"; these matter little for ranking but a
# short, readable list keeps "own" (ownership) and "free" (plans), which spaCy's list drops.
STOP_WORDS = frozenset("""
a about above after again against all also am an and any are as at be because been before being
below between both but by can could did do does doing down during each either for from further had
has have having he her here hers herself him himself his how i if in into is it its itself just me
might more most must my myself no nor not of off on once only or other our ours ourselves out over
per s same shall she should so some such than that the their theirs them themselves then there these
they this those through to too under until up upon very via was we were what when where which while
who whom why will with within would you your yours yourself yourselves mistral ai
""".split())

FIELD_WEIGHTS = {"text": 1.0, "headings": 0.6, "title": 0.25}
K1, B = 1.2, 0.75
LEXICON_WEIGHT = 0.6
TERM_WEIGHT = 0.3


@lru_cache(maxsize=1)
def _lemma_table() -> dict[str, str]:
    data = files("spacy_lookups_data").joinpath("data", "en_lemma_lookup.json.gz").read_bytes()
    return json.loads(gzip.decompress(data))


@lru_cache(maxsize=65536)
def lemmatize(word: str) -> str:
    """spaCy's lookup lemma of ``word``, lowercased."""
    table = _lemma_table()
    lemma = table.get(word)
    if lemma is None:
        lemma = table.get(word.lower(), word.lower())
    return lemma.lower()


def tokens(text: str, *, keep_stop_words: bool = False) -> list[str]:
    """The lemmas of the words of ``text``, without stop words."""
    out = []
    for m in _WORD.finditer(text):
        lemma = lemmatize(m.group())
        if keep_stop_words or (lemma not in STOP_WORDS and m.group().lower() not in STOP_WORDS):
            out.append(lemma)
    return out


def matched_spans(text: str, lemmas: set[str]) -> list[tuple[int, int]]:
    """Where the words of ``text`` whose lemma is one of ``lemmas`` stand (stop words never match)."""
    spans = []
    for m in _WORD.finditer(text):
        lemma = lemmatize(m.group())
        if lemma in lemmas and lemma not in STOP_WORDS and m.group().lower() not in STOP_WORDS:
            spans.append((m.start(), m.end()))
    return spans


@dataclass(frozen=True)
class Concept:
    name: str
    phrases: tuple[tuple[str, ...], ...]  # each word or phrase as lemmas


@dataclass(frozen=True)
class Unanswerable:
    name: str
    asks: re.Pattern[str]
    stated_by: re.Pattern[str]
    matters: tuple[str, ...] = ()  # stated only by a clause concerning one of these (ontology/matters.toml)


@dataclass(frozen=True)
class Lexicon:
    concepts: tuple[Concept, ...]
    unanswerable: tuple[Unanswerable, ...]
    context: tuple[tuple[str, ...], ...] = ()  # words that name the user's context ("Le Chat Pro")

    def read(self, lemmas: list[str]):
        """A question's lemmas -> (its own words, the rings it touches, its words that name the
        context, the rings that stand for a phrase taken out of its own words).

        A phrase of several words ("keep an eye") stands for its ring: its words leave the question's
        own words, so "keep" in "keep an eye" does not also ask about retention.
        """
        own = list(lemmas)
        rings: list[tuple[str, ...]] = []
        consumed: list[tuple[str, ...]] = []
        for concept in sorted(self.concepts, key=lambda c: -max(len(p) for p in c.phrases)):
            hit = took = False
            for phrase in sorted(concept.phrases, key=len, reverse=True):
                at = _find(own, phrase)
                if at is not None:
                    hit = True
                    if len(phrase) > 1:
                        own[at:at + len(phrase)] = [" ".join(phrase)]  # consumed: stands for the ring
                        took = True
            if hit:
                ring = tuple(dict.fromkeys(l for p in concept.phrases for l in p if l not in STOP_WORDS))
                rings.append(ring)
                if took:
                    consumed.append(ring)
        contextual = {l for phrase in self.context for l in phrase if _find(lemmas, phrase) is not None}
        return [w for w in own if " " not in w and w not in STOP_WORDS], rings, contextual, consumed


def _find(seq: list[str], phrase: tuple[str, ...]) -> int | None:
    n = len(phrase)
    for i in range(len(seq) - n + 1):
        if tuple(seq[i:i + n]) == phrase:
            return i
    return None


@lru_cache(maxsize=1)
def load_lexicon() -> Lexicon:
    raw = tomllib.loads(files(__name__.rpartition(".")[0]).joinpath("lexicon.toml").read_text(encoding="utf-8"))
    concepts = tuple(
        Concept(c["name"], tuple(p for p in (tuple(tokens(w, keep_stop_words=True)) for w in c["words"]) if p))
        for c in raw.get("concept", ())
    )
    unanswerable = tuple(
        Unanswerable(u["name"], re.compile(u["asks"], re.IGNORECASE), re.compile(u["stated_by"], re.IGNORECASE),
                     tuple(u.get("matters", ())))
        for u in raw.get("unanswerable", ())
    )
    context = tuple(p for p in (tuple(tokens(w, keep_stop_words=True)) for w in raw.get("context", {}).get("words", ())) if p)
    return Lexicon(concepts, unanswerable, context)


@dataclass
class Query:
    """A question as weighted groups of lemmas; a group scores its best lemma in a clause.

    Its own words are groups of one (weight 1, less for words that only name the user's context);
    each lexicon ring and each defined term the question points at is one group with a lower weight.
    """

    words: list[str]  # the question's own words that say what it asks (not the context)
    groups: list[tuple[float, tuple[str, ...]]] = field(default_factory=list)
    phrases: list[tuple[str, ...]] = field(default_factory=list)  # rings standing for a phrase of it


@dataclass
class _Doc:
    fields: dict[str, Counter[str]]
    lengths: dict[str, int]


class BM25Index:
    """BM25F over clause fields; ``score`` returns every clause with a positive score."""

    def __init__(self, docs: Iterable[tuple[str, dict[str, str]]]) -> None:
        self.keys: list[str] = []
        self._docs: list[_Doc] = []
        postings: dict[str, set[int]] = {}
        totals = Counter()
        for key, texts in docs:
            fields = {name: Counter(tokens(texts.get(name, ""))) for name in FIELD_WEIGHTS}
            lengths = {name: sum(c.values()) for name, c in fields.items()}
            i = len(self.keys)
            self.keys.append(key)
            self._docs.append(_Doc(fields, lengths))
            for name, counts in fields.items():
                totals[name] += lengths[name]
                for lemma in counts:
                    postings.setdefault(lemma, set()).add(i)
        n = max(len(self.keys), 1)
        self.avg = {name: (totals[name] / n) or 1.0 for name in FIELD_WEIGHTS}
        self.postings = {lemma: sorted(ids) for lemma, ids in postings.items()}
        self.idf = {lemma: math.log(1 + (n - len(ids) + 0.5) / (len(ids) + 0.5)) for lemma, ids in self.postings.items()}
        self.max_idf = math.log(1 + (n - 0.5) / 1.5)

    def __len__(self) -> int:
        return len(self.keys)

    def vocabulary(self) -> set[str]:
        return set(self.postings)

    def _tf(self, doc: _Doc, lemma: str) -> float:
        tf = 0.0
        for name, weight in FIELD_WEIGHTS.items():
            c = doc.fields[name].get(lemma)
            if c:
                tf += weight * c / (1 - B + B * doc.lengths[name] / self.avg[name])
        return tf

    def score(self, query: Query) -> dict[str, float]:
        scores: dict[int, float] = {}
        for weight, lemmas in query.groups:
            best: dict[int, float] = {}
            for lemma in lemmas:
                ids = self.postings.get(lemma)
                if not ids:
                    continue
                idf = self.idf[lemma]
                for i in ids:
                    tf = self._tf(self._docs[i], lemma)
                    s = idf * tf * (K1 + 1) / (tf + K1)
                    if s > best.get(i, 0.0):
                        best[i] = s
            for i, s in best.items():
                scores[i] = scores.get(i, 0.0) + weight * s
        return {self.keys[i]: s for i, s in scores.items() if s > 0}

    def coverage(self, key: str, query: Query) -> float:
        """Share of the question's information (idf) that the clause ``key`` holds: its own words,
        and the rings standing for its phrases (a ring is found when any of its words is)."""
        doc = self._docs[self._index[key]] if key in self._index else None

        def has(lemma: str) -> bool:
            return doc is not None and any(doc.fields[f].get(lemma) for f in FIELD_WEIGHTS)

        total = found = 0.0
        for lemma in set(query.words):
            idf = self.idf.get(lemma, self.max_idf)
            total += idf
            found += idf if has(lemma) else 0.0
        for ring in query.phrases:
            idf = max((self.idf.get(l, 0.0) for l in ring), default=0.0)
            total += idf
            found += idf if any(has(l) for l in ring) else 0.0
        return found / total if total else 0.0

    @property
    def _index(self) -> dict[str, int]:
        if not hasattr(self, "_key_index"):
            self._key_index = {k: i for i, k in enumerate(self.keys)}
        return self._key_index
