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
| whose side       | x (1 + PARTY_FACTOR) when the clause's heading names the side the question asks about, x (1 - PARTY_FACTOR) when it names the other ("will they defend us?": "Indemnification. By us" over "By you"; "do we end up paying?": the other way) |

Every factor is measured (queries/evaluate_governs.py, tests/eval/): see the issue notes.
"""

from __future__ import annotations

__all__ = ["rank", "TOP_K", "MATTER_BOOST", "MATTER_MISS", "DEFINITION_FACTOR"]

import re

TOP_K = 40  # candidates read from the ranking
MATTER_BOOST = 0.5
MATTER_MISS = 0.3
DEFINITION_FACTOR = 0.5
DESCRIPTION_FACTOR = 0.5
SHORT_WORDS = 10
PARTY_FACTOR = 0.25

# Whose obligation a question asks about, and whose a clause's heading says it is: vendors split
# warranties, indemnities and liability by party ("By us" / "By you", "Our Warranties" / "Your
# Warranties", "Indemnification by SpaceXAI" / "by Customer", "7.2 By Mistral AI").
_VENDOR_ASKED = re.compile(
    r"\b(?:will|would|does|do|must|can|could|is|are|has|have)\s+(?:they|them|the (?:company|vendor|provider)|it)\b[^?]{0,60}"
    r"\b(?:promise|owe|pay|defend|indemnif\w*|warrant\w*|guarantee\w*|compensat\w*|liable|cover|refund|protect)"
    r"|\b(?:they|the (?:company|vendor|provider))\s+(?:promise|owe|pay|defend|indemnif\w*|warrant\w*|guarantee\w*|cover)"
    r"|\bfrom (?:them|the (?:company|vendor|provider))\b|\b(?:their|its) (?:obligations|warranties|promises|liability|indemnit\w+)\b",
    re.IGNORECASE)
_USER_ASKED = re.compile(
    r"\b(?:do|will|must|would|could|should|am|are)\s+(?:we|i)\b[^?]{0,40}\b(?:pay|owe|indemnif\w*|defend|liable|responsible|cover)"
    r"|\b(?:we|i)\s+(?:have to|must|need to|would have to)\s+(?:pay|indemnify|defend|cover|compensate)|\bend up paying\b"
    r"|\b(?:our|my) (?:obligations|warranties|liability|indemnit\w+)\b", re.IGNORECASE)
_OBLIGATION = r"(?i:indemni\w*|warrant\w*|obligations?|liabilit\w*|representations?|covenants?|commitments?)"
_VENDOR_SIDE = re.compile(r"^\W*(?i:our)\b|^\W*(?i:by us)\b|^\W*(?:" + _OBLIGATION + r"\s+)?(?i:by) "
                          r"(?!(?i:you|customer|the customer|licensee|users?)\b)[A-Z][\w.]*")
_USER_SIDE = re.compile(r"^\W*(?:your\b|customer[’']s\b)|\bby (?:you|(?:the )?customer|licensee|users?)\b", re.IGNORECASE)


def asked_side(reading, vendor_words: set[str] = frozenset()) -> str | None:
    """"vendor", "user" or None: whose obligation the question is about."""
    text = reading.clean
    if _USER_ASKED.search(text):
        return "user"
    if _VENDOR_ASKED.search(text):
        return "vendor"
    if vendor_words:
        named = "|".join(re.escape(w) for w in sorted(vendor_words, key=len, reverse=True))
        if re.search(rf"\b(?:{named})\b[^?]{{0,40}}\b(?:promise|owe|pay|defend|indemnif\w*|warrant\w*|guarantee\w*|liable|cover)",
                     text, re.IGNORECASE):
            return "vendor"
    return None


def clause_side(heading: str | None) -> str | None:
    """"vendor", "user" or None: whose obligation a heading says its clause states."""
    if not heading:
        return None
    heading = re.sub(r"^\s*\d+(?:\.\d+)*\.?\s+", "", heading)
    if _USER_SIDE.search(heading):
        return "user"
    if _VENDOR_SIDE.search(heading):
        return "vendor"
    return None


def rank(view, reading, query, *, semantic=None, top_k: int | None = TOP_K) -> list[tuple[str, float]]:
    """The clauses of ``view`` that share something with the question, best first (at most ``top_k``).

    ``view`` is a per-publisher View of the graph, or a TextCorpus of plain clause texts: both
    answer ``bm25``, ``matters_of``, ``is_definition``, ``is_description`` and ``word_count``.
    """
    scores = view.bm25.score(query)
    asked = reading.matter_set
    side = asked_side(reading, getattr(view, "vendor_words", frozenset()))
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
        if side is not None:
            theirs = clause_side(view.own_heading(k))
            if theirs is not None:
                factor *= (1 + PARTY_FACTOR) if theirs == side else (1 - PARTY_FACTOR)
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

    def own_heading(self, key: str) -> str | None:
        return None
