"""clausegraph: an AI vendor's legal documents as one connected, queryable graph of clauses.

    >>> import clausegraph
    >>> kg = clausegraph.open(":memory:")
    >>> report = kg.ingest()                      # the bundled corpus
    >>> rows = kg.query("outline", doc="terms-of-service").values()
"""

from clausegraph.api import DocumentCount, IngestReport, KnowledgeGraph, default_store_path
from clausegraph.api import open_graph as open  # noqa: A001 - the documented entry point
from clausegraph.graph.export import ExportFormat
from clausegraph.graph.sparql import QueryResult, ResultFormat
from clausegraph.ontology.errors import (
    ClauseGraphError,
    GraphError,
    IngestError,
    ParseError,
    QueryError,
    ResolveError,
    StoreBusyError,
)

__version__ = "0.1.0"

__all__ = [
    "open",
    "KnowledgeGraph",
    "IngestReport",
    "DocumentCount",
    "QueryResult",
    "ResultFormat",
    "ExportFormat",
    "default_store_path",
    "ClauseGraphError",
    "IngestError",
    "ParseError",
    "GraphError",
    "StoreBusyError",
    "QueryError",
    "ResolveError",
    "__version__",
]
