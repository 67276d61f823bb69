"""Models of the edges read from the text: definitions, references, precedence, term uses.

Every edge carries ``Evidence``: the clause whose words state it, the exact words with their
offsets in the source, any condition, and the rule that found it.
"""

from __future__ import annotations

from enum import Enum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from clausegraph.ontology.models import DocumentRef

__all__ = [
    "DefinitionKind",
    "PrecedenceKind",
    "TargetKind",
    "Condition",
    "Evidence",
    "Target",
    "Definition",
    "Reference",
    "Precedence",
    "TermUse",
    "Concern",
    "Extraction",
]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DefinitionKind(str, Enum):
    INLINE = "inline"  # (the “Services”)
    MEANS = "means"  # “Agreement” means ...
    COLLECTIVE = "collective"  # We refer to Input and Output collectively as “Your Data”
    BY_REFERENCE = "by-reference"  # “Controller” ... will have the meanings in the Applicable Data Protection Law


class PrecedenceKind(str, Enum):
    PREVAILS_OVER = "prevails-over"  # a text ranks above another when they conflict
    OVERRIDES = "overrides"  # a clause displaces or carves out another
    SUBJECT_TO = "subject-to"  # a clause yields to another text
    DEFERS_TO = "defers-to"  # a matter is handed to another text
    INCORPORATES = "incorporates"  # a text is made part of another
    SCOPE = "scope"  # when a document or clause applies


class TargetKind(str, Enum):
    DOCUMENT = "document"
    GROUP = "group"  # a generic group of documents: "any applicable Additional Terms"
    SECTION = "section"
    CLAUSE = "clause"
    EXTERNAL = "external"


class Condition(_Model):
    """When an edge holds: the words, and what they say about the user's context where they allow it."""

    text: str
    start: int
    end: int
    # each field lists the values the words allow (any of them); empty: the words say nothing of it
    role: list[str] = Field(default_factory=list)  # consumer | business
    region: list[str] = Field(default_factory=list)  # eu | us | other | not-us
    service: list[str] = Field(default_factory=list)  # le-chat | la-plateforme
    plan: list[str] = Field(default_factory=list)  # free | paid | pro | team | enterprise
    channel: list[str] = Field(default_factory=list)  # direct | cloud-partner | reseller
    infrastructure: list[str] = Field(default_factory=list)  # mistral | partner | own
    # where the words say more than ``region``: ISO 3166 codes ("FR", "GB", "CH", "US-CA") and named groups of
    # countries ("EEA", "EU", "UK", "Europe"); products of the publisher the words name, as slugs ("perplexity-pro")
    country: list[str] = Field(default_factory=list)
    area: list[str] = Field(default_factory=list)
    product: list[str] = Field(default_factory=list)


class Evidence(_Model):
    document: DocumentRef
    clause: str  # key of the clause whose words state the edge
    words: str  # exact source text
    start: int
    end: int
    rule: str  # name of the rule in ingest/rules that found it
    condition: Condition | None = None


class Target(_Model):
    kind: TargetKind
    document: DocumentRef | None = None  # the document, or the document holding the section/clause
    group: str | None = None  # "additional-terms"
    key: str | None = None  # section or clause key inside ``document``
    number: str | None = None  # section number as printed
    name: str | None = None  # external source name, canonical: "GDPR", "SCCs Clause 17"
    text: str  # the words that name it
    resolved: bool = True


class Definition(_Model):
    term: str
    kind: DefinitionKind
    evidence: Evidence
    meaning_source: str | None = None  # by-reference: where the meaning is given


class Reference(_Model):
    evidence: Evidence
    target: Target


class Precedence(_Model):
    kind: PrecedenceKind
    winner: Target  # the text that controls (for scope: the text that applies)
    loser: Target | None = None  # the text that yields; None for scope statements
    scope: str | None = None  # for scope: what the winner applies to, as words
    explicit: bool = True  # False where only the order of a list implies it
    evidence: Evidence


class TermUse(_Model):
    term: str
    defined_in: DocumentRef
    clause: str
    start: int
    end: int


class Concern(_Model):
    """A clause concerns a legal matter (ontology/matters.toml): the words that say so, and how surely."""

    matter: str  # id in the matter scheme, e.g. "liability-cap"
    score: float  # strong cues count 1, weak ones 0.5, a heading 1; 1 or more to concern the matter
    evidence: Evidence  # the plainest cue: in the clause, a parent's words or the heading above it
    cues: int = 1  # how many cues were found


class Extraction(_Model):
    """Everything read from the text of one document version."""

    document: DocumentRef
    definitions: list[Definition] = Field(default_factory=list)
    references: list[Reference] = Field(default_factory=list)
    precedence: list[Precedence] = Field(default_factory=list)
    uses: list[TermUse] = Field(default_factory=list)
    borrows_from: list[Reference] = Field(default_factory=list)  # documents whose definitions this one uses
    concerns: list[Concern] = Field(default_factory=list)  # the legal matters each clause concerns
    notes: list[str] = Field(default_factory=list)
