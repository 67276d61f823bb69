"""Ranking the clauses of a view for a question: words, matters, and what kind of text a clause is.

    rank(view, reading, query) -> [(clause, score)], best first

| signal            | effect                                                                    |
|-------------------|---------------------------------------------------------------------------|
| BM25F             | the question's words, lexicon rings and defined terms in text, headings, title (retrieval.py) |
| shared matter     | x (1 + MATTER_BOOST) when the clause concerns a matter the question asks about |
| other matter only | x (1 - MATTER_MISS) when the question asks about matters and the clause concerns none of them but others |
| definition        | x DEFINITION_FACTOR: "“Input” means ..." says what a word means, it governs nothing (unless the question asks what a word means) |
| description       | x DESCRIPTION_FACTOR: an item of a list that describes processing ("Categories of Personal Data: - Customer's API Key") describes, it does not govern |
| very short        | x (words / SHORT_WORDS) ** 0.5 under SHORT_WORDS words: BM25 favours short texts, and "- Customer's end-users;" says nothing alone |
| meaning           | + SEMANTIC_WEIGHT x cosine of sentence embeddings, when a model is installed (semantic.py) |

Every factor is measured (queries/evaluate_governs.py, tests/eval/): see the issue notes.
"""

from __future__ import annotations

__all__ = ["rank", "TOP_K", "MATTER_BOOST", "MATTER_MISS", "DEFINITION_FACTOR"]

TOP_K = 40  # candidates read from the ranking
MATTER_BOOST = 0.5
MATTER_MISS = 0.3
DEFINITION_FACTOR = 0.5
DESCRIPTION_FACTOR = 0.5
SHORT_WORDS = 10


def rank(view, reading, query, *, semantic=None, top_k: int | None = TOP_K) -> list[tuple[str, float]]:
    """The clauses of ``view`` that share something with the question, best first (at most ``top_k``).

    ``view`` is a per-publisher View of the graph, or a TextCorpus of plain clause texts: both
    answer ``bm25``, ``matters_of``, ``is_definition``, ``is_description`` and ``word_count``.
    """
    scores = view.bm25.score(query)
    asked = reading.matter_set
    if semantic is not None:
        scores = semantic.fuse(view, reading, scores)
    out = []
    for k, s in scores.items():
        factor = 1.0
        if asked:
            mine = view.matters_of(k)
            if mine & asked:
                factor *= 1 + MATTER_BOOST
            elif mine:
                factor *= 1 - MATTER_MISS
        if not reading.asks_meaning and view.is_definition(k):
            factor *= DEFINITION_FACTOR
        if view.is_description(k):
            factor *= DESCRIPTION_FACTOR
        words = view.word_count(k)
        if words < SHORT_WORDS:
            factor *= (max(words, 1) / SHORT_WORDS) ** 0.5
        out.append((k, s * factor))
    out.sort(key=lambda kv: (-kv[1], kv[0]))
    return out if top_k is None else out[:top_k]


class TextCorpus:
    """Plain clause texts (no graph) ranked the way governs ranks a view: a BEIR set, say.

    Matters are read from each text with the same cues ingest uses (ontology/matters.py)."""

    def __init__(self, texts: dict[str, str]) -> None:
        from clausegraph.ontology.matters import broader_closure, find_matters
        from clausegraph.queries.retrieval import BM25Index

        self.texts = texts
        self.bm25 = BM25Index((k, {"text": t}) for k, t in texts.items())
        self._matters = {k: broader_closure(find_matters(t)) for k, t in texts.items()}
        self.term_words: dict[str, set[str]] = {}
        self.term_lemmas: dict[str, list[str]] = {}

    def matters_of(self, key: str) -> set[str]:
        return self._matters.get(key, set())

    def is_definition(self, key: str) -> bool:
        from clausegraph.queries.governs.snapshot import _DEFINITION

        return bool(_DEFINITION.search(self.texts.get(key, "")))

    def is_description(self, key: str) -> bool:
        return False

    def word_count(self, key: str) -> int:
        from clausegraph.queries.governs.snapshot import _WORDS

        return len(_WORDS.findall(self.texts.get(key, "")))
