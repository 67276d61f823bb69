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


def rank(view, reading, query, *, semantic=None) -> list[tuple[str, float]]:
    """The clauses of ``view`` that share something with the question, best first (at most TOP_K)."""
    snap = view.snap
    scores = view.bm25.score(query)
    asked = reading.matter_set
    if semantic is not None:
        scores = semantic.fuse(view, reading, scores)
    out = []
    for k, s in scores.items():
        factor = 1.0
        if asked:
            mine = snap.matters_of(k)
            if mine & asked:
                factor *= 1 + MATTER_BOOST
            elif mine:
                factor *= 1 - MATTER_MISS
        if not reading.asks_meaning and snap.is_definition(k):
            factor *= DEFINITION_FACTOR
        if snap.is_description(k):
            factor *= DESCRIPTION_FACTOR
        words = snap.word_count(k)
        if words < SHORT_WORDS:
            factor *= (max(words, 1) / SHORT_WORDS) ** 0.5
        out.append((k, s * factor))
    out.sort(key=lambda kv: (-kv[1], kv[0]))
    return out[:TOP_K]
