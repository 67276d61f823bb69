"""The root every stage stands on: vocabulary, models, IRI rules and errors."""

from importlib.resources import files as _files

from clausegraph.ontology.errors import (
    ClauseGraphError,
    GraphError,
    IngestError,
    ParseError,
    QueryError,
    ResolveError,
    StoreBusyError,
)
from clausegraph.ontology.models import (
    Clause,
    ClauseKind,
    Document,
    DocumentRef,
    Fragment,
    Page,
    Publisher,
    Section,
    SourceFormat,
    SourceRef,
    Succession,
    iter_nodes,
)
from clausegraph.ontology.namespaces import CG, PREFIXES

__all__ = [
    "CG",
    "PREFIXES",
    "ClauseGraphError",
    "GraphError",
    "IngestError",
    "ParseError",
    "QueryError",
    "ResolveError",
    "StoreBusyError",
    "Clause",
    "ClauseKind",
    "Document",
    "DocumentRef",
    "Fragment",
    "Page",
    "Publisher",
    "Section",
    "SourceFormat",
    "SourceRef",
    "Succession",
    "iter_nodes",
    "ontology_ttl",
    "shapes_ttl",
]


def ontology_ttl() -> str:
    """The OWL vocabulary as Turtle text."""
    return _files(__name__).joinpath("clausegraph.ttl").read_text(encoding="utf-8")


def shapes_ttl() -> str:
    """The SHACL shapes as Turtle text."""
    return _files(__name__).joinpath("shapes.ttl").read_text(encoding="utf-8")
