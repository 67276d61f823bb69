"""Namespace IRIs of the vocabulary and the vocabularies it aligns with."""

from __future__ import annotations

__all__ = ["CG", "DCTERMS", "SKOS", "PROV", "ELI", "RDF", "RDFS", "XSD", "OWL", "SH", "FOAF", "PREFIXES"]

CG = "https://w3id.org/clausegraph/ontology#"
DCTERMS = "http://purl.org/dc/terms/"
SKOS = "http://www.w3.org/2004/02/skos/core#"
PROV = "http://www.w3.org/ns/prov#"
ELI = "http://data.europa.eu/eli/ontology#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
XSD = "http://www.w3.org/2001/XMLSchema#"
OWL = "http://www.w3.org/2002/07/owl#"
SH = "http://www.w3.org/ns/shacl#"
FOAF = "http://xmlns.com/foaf/0.1/"

PREFIXES = {
    "cg": CG,
    "dcterms": DCTERMS,
    "skos": SKOS,
    "prov": PROV,
    "eli": ELI,
    "rdf": RDF,
    "rdfs": RDFS,
    "xsd": XSD,
    "owl": OWL,
    "foaf": FOAF,
}
