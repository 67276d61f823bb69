"""Pydantic models of what a legal page contains: documents, sections, clauses.

These models are the only thing the stages share: ``ingest`` produces them from
text, ``graph`` turns them into RDF. Every node that holds text records the
exact span it came from: ``source_text[start:end] == text``.
"""

from __future__ import annotations

import datetime as dt
from enum import Enum
from typing import Annotated, Literal, Union

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "ClauseKind",
    "SourceFormat",
    "Publisher",
    "SourceRef",
    "Fragment",
    "Clause",
    "Section",
    "Document",
    "Page",
    "Succession",
    "DocumentRef",
    "Node",
    "iter_nodes",
]


class ClauseKind(str, Enum):
    """What kind of block a clause is."""

    PARAGRAPH = "paragraph"
    ITEM = "item"
    TABLE = "table"
    SEPARATOR = "separator"


class SourceFormat(str, Enum):
    TEXT = "text"
    MARKDOWN = "markdown"
    HTML = "html"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Publisher(_Model):
    id: str  # slug, e.g. "mistral-ai"
    name: str  # as printed, e.g. "Mistral AI"


class SourceRef(_Model):
    """The file (or archive record) a page was read from."""

    name: str  # file name or archive record name, never an absolute path
    sha256: str  # of the decoded text, UTF-8 encoded
    format: SourceFormat
    origin: str | None = None  # URL or archive it was captured from
    length: int  # characters of decoded text


class Fragment(_Model):
    """Text of a page that belongs to no document (a page header, say)."""

    text: str
    start: int
    end: int
    # what it is, where the reader says so: "before-title" (text of a record above its title), or page
    # chrome: "page-control" (Download PDF), "link-list" (Previous versions), "table-of-contents",
    # "repeated-title", "repeated-copy" (the page captured twice), "date-line", "cookie-notice", ...
    kind: str | None = None


class Clause(_Model):
    """The smallest addressable provision: a paragraph or a list item."""

    node: Literal["clause"] = "clause"
    key: str  # path below the document, e.g. "5/by-us", "2/restrictions/a"
    kind: ClauseKind
    label: str | None = None  # list label as printed: "(a)", "-", "1."
    heading: str | None = None  # run-in heading, plain text, no trailing period
    text: str  # exact source text
    start: int
    end: int
    position: int = 0  # reading order within the document
    children: list[Clause] = Field(default_factory=list)


class Section(_Model):
    """A numbered or titled division of a document."""

    node: Literal["section"] = "section"
    key: str  # path below the document, e.g. "11.2", "exhibit-1/1.2", "scope"
    number: str | None = None  # as printed, normalised: "5", "11.2", "Exhibit 1"
    heading: str | None = None  # plain text of the title
    heading_text: str  # the heading exactly as in the source, markup included
    heading_start: int
    heading_end: int
    start: int  # extent of the whole section in the source
    end: int
    position: int = 0
    children: list[Node] = Field(default_factory=list)


Node = Annotated[Union[Section, Clause], Field(discriminator="node")]


class DocumentRef(_Model):
    publisher: str
    id: str
    version: str


class Document(_Model):
    """One version of one document."""

    id: str  # slug of the title, e.g. "terms-of-service"
    title: str
    title_text: str  # the title exactly as in the source
    title_start: int
    title_end: int
    effective: dt.date | None = None
    effective_text: str | None = None  # the date line exactly as in the source
    effective_start: int | None = None
    effective_end: int | None = None
    version: str  # e.g. "2025-02-06"; archive records add their commit
    publisher: Publisher
    source: SourceRef
    recorded_at: dt.datetime | None = None  # when an archive recorded this version
    record: str | None = None  # the archive record it was read from (slug of its terms type), for every document of it
    start: int
    end: int
    children: list[Node] = Field(default_factory=list)

    @property
    def ref(self) -> DocumentRef:
        return DocumentRef(publisher=self.publisher.id, id=self.id, version=self.version)


class Succession(_Model):
    """``successor`` replaces ``predecessor`` (cg:supersedes)."""

    successor: DocumentRef
    predecessor: DocumentRef
    basis: Literal["text", "editorial", "archive"]
    statement: str  # why we say so, in words


class Page(_Model):
    """One source file (or archive record): its documents and leftover text."""

    source: SourceRef
    front_matter: list[Fragment] = Field(default_factory=list)
    documents: list[Document] = Field(default_factory=list)


def iter_nodes(nodes: list[Node]):
    """Yield every section and clause below ``nodes`` in reading order."""
    for node in nodes:
        yield node
        yield from iter_nodes(node.children)


Section.model_rebuild()
Clause.model_rebuild()
Document.model_rebuild()
