"""The SKOS scheme of legal matters (ontology/matters.toml) as a named graph of the store.

Clauses point at its concepts with ``cg:concerns``; the scheme itself (labels, definitions,
``skos:broader``) lives in the graph ``https://w3id.org/clausegraph/id/matters`` so a SPARQL
user can read ``?clause cg:concerns ?m . ?m skos:prefLabel ?label``.
"""

from __future__ import annotations

import hashlib

import pyoxigraph as ox

from clausegraph.ontology.matters import MATTER_SCHEME, scheme_turtle
from clausegraph.ontology.namespaces import CG

__all__ = ["scheme_quads"]


def scheme_quads() -> tuple[str, list[ox.Quad]]:
    """(content hash, quads) of the scheme's named graph; the hash is stated in the graph too."""
    text = scheme_turtle()
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    graph = ox.NamedNode(MATTER_SCHEME)
    quads = [ox.Quad(t.subject, t.predicate, t.object, graph) for t in ox.parse(text, format=ox.RdfFormat.TURTLE)]
    quads.append(ox.Quad(graph, ox.NamedNode(CG + "contentHash"), ox.Literal(digest), graph))
    return digest, quads
