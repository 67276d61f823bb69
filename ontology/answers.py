"""The answer to "which document, and which clause, governs this question?" (DESIGN.md).

``GovernsResult.model_dump()`` is what ``clausegraph governs --json`` prints:

    {"question", "context", "status", "publisher", "summary", "matters",
     "answer": {"document": {...}, "clause": {...}, "matched", "decisive"} | null,
     "candidates": [{"document", "clause", "score", "applies", "why", "matters"}],
     "precedence": [{"winner", "loser", "relation", "explicit", "evidence": {...}, "matters"}],
     "also_cited": [{"why", "words", "document", "clause"}],
     "depends_on": [...], "alternatives": [...], "unresolved": [...], "excluded": [...],
     "explanation": "..."}

The context is the schema of ontology/context.py: generic values for every vendor (role, region
with ISO codes, plan, channel, infrastructure) and the publisher's own products (service).
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
    "Companion",
    "Status",
    "GovernsResult",
]

# the generic values of each field (ontology/context.py); ``service`` values are the publisher's own
CONTEXT_VALUES: dict[str, tuple[str, ...]] = {
    "role": ("consumer", "business"),
    "region": ("eu", "us", "other"),
    "service": (),
    "plan": ("free", "pro", "team", "enterprise", "paid"),
    "channel": ("direct", "cloud-partner", "reseller", "app-store"),
    "infrastructure": ("vendor", "partner", "own"),
}
CONTEXT_FIELDS = tuple(CONTEXT_VALUES)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Context(_Model):
    """Who asks. Every field may be left out (None: not stated). Values are checked against the
    schema and the publisher's products where the question is answered (api.governs)."""

    role: str | None = Field(default=None, max_length=64)
    region: str | None = Field(default=None, max_length=64)
    service: str | None = Field(default=None, max_length=128)
    plan: str | None = Field(default=None, max_length=64)
    channel: str | None = Field(default=None, max_length=64)
    infrastructure: str | None = Field(default=None, max_length=64)
    publisher: str | None = Field(default=None, max_length=128)  # which vendor; None: the store's only one, or the one the question names
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
    matters: list[str] = Field(default_factory=list)  # the legal matters the clause concerns


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
    relation: str  # prevailsOver | constrains | governsFor | applies-for-sure | terms-over-notice | more-specific-scope | operative-over-summary
    explicit: bool
    evidence: StepEvidence
    matters: list[str] = Field(default_factory=list)  # the matters both texts concern, on which the step ranks them


class Answer(_Model):
    document: DocumentInfo
    clause: ClauseInfo
    # [start, end) offsets in clause.text of the words that match the question (or its expansion)
    matched: list[tuple[int, int]] = Field(default_factory=list)
    # [start, end) of the sentence of clause.text that holds most of the question: the words to quote
    decisive: tuple[int, int] | None = None


class Companion(_Model):
    """A clause to read beside the answer: a carve-out from it, the text it cites, the text it yields to."""

    why: str  # carve-out | carved from | cited | yields to
    words: str  # the words that link them, exact
    document: DocumentInfo
    clause: ClauseInfo


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
    publisher: str | None = None  # the vendor whose documents answer (an answer never mixes vendors)
    summary: str = ""  # one plain line: the answer before the reasons
    matters: list[str] = Field(default_factory=list)  # the legal matters the question is read as asking about
    answer: Answer | None
    candidates: list[Candidate] = Field(default_factory=list)
    precedence: list[PrecedenceStep] = Field(default_factory=list)
    depends_on: list[str] = Field(default_factory=list)
    alternatives: list[Alternative] = Field(default_factory=list)
    unresolved: list[Answer] = Field(default_factory=list)
    excluded: list[Candidate] = Field(default_factory=list)
    also_cited: list[Companion] = Field(default_factory=list)
    explanation: str

    def shown_when(self) -> str | None:
        """When the answer depends on a field the user did not give, the values of that field for which the
        clause shown is the answer ("plan = pro or paid"); None when it does not depend on one. The clause
        shown is then one of several, and must never read as the answer for everyone."""
        if not self.depends_on or self.answer is None:
            return None
        name = self.depends_on[0]
        values = [next(iter(alt.when.values())) for alt in self.alternatives
                  if alt.answer is not None and alt.answer.clause.iri == self.answer.clause.iri]
        return f"{name} = {' or '.join(values)}" if values else f"{name} unknown"
