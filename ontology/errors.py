"""The one exception tree of clausegraph.

Libraries raise these; only the command line and the web layer turn them into
messages and exit codes (``clausegraph.cli``). Every class carries a stable
code, printed as ``[CG012]`` so users and scripts can search for it.

    ClauseGraphError                 CG000  anything clausegraph raises on purpose
    ├── IngestError                  CG010  an input cannot be read (missing, empty, binary, ...)
    │   └── ParseError               CG020  an input was read but its text has no usable shape
    ├── GraphError                   CG030  the store or the RDF mapping failed
    │   ├── StoreBusyError           CG031  another process holds the store's write lock
    │   ├── ExportError              CG032  an export cannot be written (unknown view, Graphviz missing)
    │   └── StoreEmptyError          CG033  a command that reads the graph found no store, or an empty one
    ├── QueryError                   CG040  a SPARQL query or its bindings are wrong
    │   ├── UpdateRefusedError       CG041  an update was sent to a read-only endpoint
    │   ├── QueryTimeoutError        CG042  a query ran past the time limit and was stopped
    │   ├── ResultTooLargeError      CG043  a result has more rows than the result-size limit
    │   └── QueryMemoryError         CG044  a query went past a server worker's memory limit
    ├── ResolveError                 CG050  a question cannot be resolved to clauses
    └── ServerBusyError              CG060  every worker of the server stayed busy too long

    IngestWarning (a UserWarning)    CG011  an input was read, but a part of it not as written
                                            (a date line naming a day that does not exist)
    └── DuplicateWarning             CG012  a text already in the store under another publisher
                                            was ingested again under a new one

This module imports nothing else from the project (a test pins that).
"""

from __future__ import annotations

__all__ = [
    "ClauseGraphError",
    "IngestError",
    "ParseError",
    "GraphError",
    "StoreBusyError",
    "ExportError",
    "StoreEmptyError",
    "QueryError",
    "UpdateRefusedError",
    "QueryTimeoutError",
    "ResultTooLargeError",
    "ResolveError",
    "ServerBusyError",
    "QueryMemoryError",
    "IngestWarning",
    "DuplicateWarning",
]


class ClauseGraphError(Exception):
    """Base class: an expected failure with a one-line message."""

    code = "CG000"
    exit_code = 1

    def __init__(self, message: str, *, path: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.path = path

    def __str__(self) -> str:
        if self.path:
            return f"{self.path}: {self.message}"
        return self.message


class IngestError(ClauseGraphError):
    """An input file cannot be read as a text page."""

    code = "CG010"
    exit_code = 2


class ParseError(IngestError):
    """A text page was read but does not have a shape clausegraph can parse.

    Says where: ``path``, 1-based ``lineno``, 0-based ``offset`` in the decoded
    text, and the offending ``line`` quoted (cut to 80 characters).
    """

    code = "CG020"

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        lineno: int | None = None,
        offset: int | None = None,
        line: str | None = None,
    ) -> None:
        super().__init__(message, path=path)
        self.lineno = lineno
        self.offset = offset
        self.line = line

    def __str__(self) -> str:
        where = self.path or "<text>"
        if self.lineno is not None:
            where += f":{self.lineno}"
        text = f"{where}: {self.message}"
        if self.line is not None:
            quoted = self.line if len(self.line) <= 80 else self.line[:77] + "..."
            text += f": {quoted!r}"
        return text


class GraphError(ClauseGraphError):
    """The store or the mapping to RDF failed."""

    code = "CG030"


class StoreBusyError(GraphError):
    """Another process is writing to the store."""

    code = "CG031"


class ExportError(GraphError):
    """An export cannot be written: an unknown view or format, or Graphviz is missing."""

    code = "CG032"


class StoreEmptyError(GraphError):
    """A command that reads the graph found no store at its path, or one never filled: only
    ``clausegraph ingest`` fills a store, so a mistyped path is said, not created."""

    code = "CG033"


class QueryError(ClauseGraphError):
    """A SPARQL query, a named query or its bindings are wrong."""

    code = "CG040"
    exit_code = 2


class UpdateRefusedError(QueryError):
    """An update (INSERT, DELETE, LOAD, ...) was sent where only queries are answered."""

    code = "CG041"


class QueryTimeoutError(QueryError):
    """A query ran past the time limit and was stopped."""

    code = "CG042"


class ResultTooLargeError(QueryError):
    """A result holds more rows or triples than the result-size limit."""

    code = "CG043"


class ResolveError(ClauseGraphError):
    """A question cannot be answered from the graph."""

    code = "CG050"


class ServerBusyError(ClauseGraphError):
    """Every worker process of the server stayed busy for longer than a request waits."""

    code = "CG060"


class QueryMemoryError(QueryError):
    """A query or question took a server worker past its memory limit; the worker was replaced."""

    code = "CG044"


class IngestWarning(UserWarning):
    """A part of an input that was read but could not be taken as written (``warnings.warn``).

    Says where like ParseError: ``path`` and the 1-based ``lineno``.
    """

    code = "CG011"

    def __init__(self, message: str, *, path: str | None = None, lineno: int | None = None) -> None:
        super().__init__(message)
        self.message, self.path, self.lineno = message, path, lineno

    def __str__(self) -> str:
        where = (self.path or "<text>") + (f":{self.lineno}" if self.lineno is not None else "")
        return f"{where}: {self.message}"


class DuplicateWarning(IngestWarning):
    """A text already in the store under one publisher was ingested under another: two copies."""

    code = "CG012"
