"""Write the whole dataset as Turtle (graphs merged), TriG or N-Quads."""

from __future__ import annotations

from enum import Enum

import pyoxigraph as ox

from clausegraph.ontology.errors import GraphError
from clausegraph.ontology.namespaces import PREFIXES

__all__ = ["ExportFormat", "export_dataset"]


class ExportFormat(str, Enum):
    TURTLE = "turtle"
    TRIG = "trig"
    NQUADS = "nquads"


def export_dataset(store: ox.Store | None, fmt: ExportFormat) -> bytes:
    """The store's quads in ``fmt``; Turtle merges the named graphs into one graph."""
    if store is None:
        return b""
    try:
        if fmt is ExportFormat.NQUADS:
            return store.dump(format=ox.RdfFormat.N_QUADS)
        if fmt is ExportFormat.TRIG:
            return store.dump(format=ox.RdfFormat.TRIG, prefixes=PREFIXES)
        triples = {ox.Triple(q.subject, q.predicate, q.object) for q in store}
        return ox.serialize(sorted(triples, key=str), format=ox.RdfFormat.TURTLE, prefixes=PREFIXES)
    except (OSError, ValueError) as exc:
        raise GraphError(f"export failed: {exc}") from None
