"""SHACL validation of the store's content against ``ontology/shapes.ttl`` (pyshacl)."""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox
import rdflib
from pyshacl import validate as shacl_validate

from clausegraph.ontology import ontology_ttl, shapes_ttl
from clausegraph.ontology.errors import GraphError

__all__ = ["Violation", "ValidationReport", "validate_store"]

_SH = "http://www.w3.org/ns/shacl#"


@dataclass
class Violation:
    focus: str
    path: str | None
    message: str
    shape: str | None


@dataclass
class ValidationReport:
    conforms: bool
    triples: int
    violations: list[Violation]


def validate_store(store: ox.Store | None) -> ValidationReport:
    """Validate the union of all graphs, with the ontology's subclass axioms."""
    data = rdflib.Graph()
    if store is not None:
        nt = ox.serialize((ox.Triple(q.subject, q.predicate, q.object) for q in store), format=ox.RdfFormat.N_TRIPLES)
        data.parse(data=nt.decode("utf-8"), format="nt")
    shapes = rdflib.Graph().parse(data=shapes_ttl(), format="turtle")
    ont = rdflib.Graph().parse(data=ontology_ttl(), format="turtle")
    conforms, report, text = shacl_validate(data, shacl_graph=shapes, ont_graph=ont, inference="none", advanced=True)
    if not isinstance(report, rdflib.Graph):  # pyshacl could not run the shapes at all
        raise GraphError(f"SHACL validation could not run: {report}")
    violations = []
    for result in report.subjects(rdflib.RDF.type, rdflib.URIRef(_SH + "ValidationResult")):
        def one(p):
            v = report.value(result, rdflib.URIRef(_SH + p))
            return str(v) if v is not None else None
        violations.append(Violation(one("focusNode") or "", one("resultPath"), one("resultMessage") or "", one("sourceShape")))
    return ValidationReport(bool(conforms), len(data), violations)
