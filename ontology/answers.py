"""The answer to "which document, and which clause, governs this question?" (DESIGN.md).

``GovernsResult.model_dump()`` is what ``clausegraph governs --json`` prints:

    {"question", "context", "status",
     "answer": {"document": {...}, "clause": {...}} | null,
     "candidates": [{"document", "clause", "score", "applies", "why"}],
     "precedence": [{"winner", "loser", "relation", "explicit", "evidence": {...}}],
     "depends_on": [...], "alternatives": [...], "unresolved": [...], "excluded": [...],
     "explanation": "..."}
"""

from __future__ import annotations

import datetime as dt
from enum import Enum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "CONTEXT_FIELDS",
    "CONTEXT_VALUES",
    "Context",
    "DocumentInfo",
    "ClauseInfo",
    "Candidate",
    "StepEvidence",
    "PrecedenceStep",
    "Alternative",
    "Answer",
    "Status",
    "GovernsResult",
]

CONTEXT_VALUES: dict[str, tuple[str, ...]] = {
    "role": ("consumer", "business"),
    "region": ("eu", "us", "other"),
    "service": ("le-chat", "la-plateforme"),
    "plan": ("free", "pro", "team", "enterprise", "paid"),
    "channel": ("direct", "cloud-partner", "reseller"),
    "infrastructure": ("mistral", "partner", "own"),
}
CONTEXT_FIELDS = tuple(CONTEXT_VALUES)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Context(_Model):
    """Who asks. Every field may be left out (None: not stated)."""

    role: Literal["consumer", "business"] | None = None
    region: Literal["eu", "us", "other"] | None = None
    service: Literal["le-chat", "la-plateforme"] | None = None
    plan: Literal["free", "pro", "team", "enterprise", "paid"] | None = None
    channel: Literal["direct", "cloud-partner", "reseller"] | None = None
    infrastructure: Literal["mistral", "partner", "own"] | None = None
    as_of: dt.date | None = None  # None: today

    def stated(self) -> dict[str, str]:
        return {f: getattr(self, f) for f in CONTEXT_FIELDS if getattr(self, f) is not None}


class DocumentInfo(_Model):
    id: str
    title: str
    effective: dt.date | None = None
    version: str
    iri: str


class ClauseInfo(_Model):
    iri: str
    number: str | None = None  # number of the section holding the clause
    heading: str | None = None  # the clause's heading, else its parent clause's or its section's
    label: str | None = None  # "(a)", "-"
    section_heading: str | None = None
    text: str


class Candidate(_Model):
    document: DocumentInfo
    clause: ClauseInfo
    score: float
    applies: Literal["yes", "depends", "no"] = "yes"
    why: str | None = None  # for "depends" / "no": the scope words that decide it


class StepEvidence(_Model):
    document: str  # id of the document whose words state the step
    clause: str  # IRI of that clause
    number: str | None = None
    words: str
    rule: str


class PrecedenceStep(_Model):
    winner: str  # IRI of the text that wins (document, section or clause)
    loser: str
    winner_label: str
    loser_label: str
    relation: str  # prevailsOver | overrides | constrains | governsFor | more-specific-scope | agreement-over-notice
    explicit: bool
    evidence: StepEvidence


class Answer(_Model):
    document: DocumentInfo
    clause: ClauseInfo
    # [start, end) offsets in clause.text of the words that match the question (or its expansion)
    matched: list[tuple[int, int]] = Field(default_factory=list)


class Alternative(_Model):
    when: dict[str, str]
    answer: Answer | None


class Status(str, Enum):
    GOVERNS = "governs"  # one clause governs, the graph says why
    UNRESOLVED = "unresolved"  # applicable clauses of texts the graph does not rank: both shown
    DEPENDS = "depends"  # the answer depends on a context fact the user did not give
    NO_ANSWER = "no-governing-clause"  # nothing in the corpus governs the question


class GovernsResult(_Model):
    question: str
    context: Context
    status: Status
    answer: Answer | None
    candidates: list[Candidate] = Field(default_factory=list)
    precedence: list[PrecedenceStep] = Field(default_factory=list)
    depends_on: list[str] = Field(default_factory=list)
    alternatives: list[Alternative] = Field(default_factory=list)
    unresolved: list[Answer] = Field(default_factory=list)
    excluded: list[Candidate] = Field(default_factory=list)
    explanation: str
