"""IRI rules: deterministic and readable, the same for the same text on every run.

    https://w3id.org/clausegraph/id/{publisher}/{document}/{version}          document version (and its named graph)
    https://w3id.org/clausegraph/id/{publisher}/{document}/{version}/{key}    section or clause
    https://w3id.org/clausegraph/id/{publisher}                               publisher
    https://w3id.org/clausegraph/id/source/{sha256}                           source text
"""

from __future__ import annotations

import re
import unicodedata

__all__ = [
    "ID_BASE",
    "slugify",
    "publisher_iri",
    "publisher_id",
    "document_iri",
    "node_iri",
    "source_iri",
    "editorial_graph_iri",
]

ID_BASE = "https://w3id.org/clausegraph/id/"

_NON_SLUG = re.compile(r"[^a-z0-9.]+")


def slugify(text: str, *, keep_dots: bool = False) -> str:
    """Lower-case ASCII words joined by '-': "Partner Hosted - Deployment Terms" -> "partner-hosted-deployment-terms"."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    ascii_text = ascii_text.replace("’", "").replace("'", "")
    slug = _NON_SLUG.sub("-", ascii_text)
    if not keep_dots:
        slug = slug.replace(".", "-")
    slug = re.sub(r"-{2,}", "-", slug).strip("-.")
    return slug


def publisher_iri(publisher: str) -> str:
    return f"{ID_BASE}{publisher}"


def publisher_id(iri: str | None) -> str | None:
    """The publisher id of its IRI, the inverse of :func:`publisher_iri` ("https://w3id.org/clausegraph/id/mistral" -> "mistral");
    a value that is no clausegraph IRI is returned as it is, and an empty one as None."""
    if not iri:
        return None
    return iri[len(ID_BASE):] if iri.startswith(ID_BASE) else iri


def document_iri(publisher: str, document: str, version: str) -> str:
    return f"{ID_BASE}{publisher}/{document}/{version}"


def node_iri(publisher: str, document: str, version: str, key: str) -> str:
    return f"{document_iri(publisher, document, version)}/{key}"


def source_iri(sha256: str) -> str:
    return f"{ID_BASE}source/{sha256}"


def editorial_graph_iri(publisher: str) -> str:
    """Named graph holding statements that come from a manifest, not from the text."""
    return f"{ID_BASE}{publisher}/editorial"
