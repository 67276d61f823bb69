"""What a store holds, by publisher and document, and taking some of it out.

    list_publishers(store)                      every publisher: id, name, documents, versions
    list_documents(store, publisher=None)       every document version: publisher, id, version, title, ...
    select_documents(store, publisher, document=None, version=None)
                                                the versions ``remove`` would take out (QueryError: none)
    remove_documents(writer, entries)           take them out of a generation being written
    same_text_elsewhere(writer, source, id, publisher)
                                                publishers that already hold document ``id`` read from the same text

Removing a document version drops its named graph, the succession statements that name it
(``cg:supersedes`` and the ``cg:EditorialStatement`` saying who says so) and the source texts no
remaining document cites. It runs inside ``Store.write()``, so it is atomic like an ingest: a
reader sees the store before or after, never between. References to the removed version from
other documents stay, as they would if it had never been ingested (``clausegraph lint`` shows them).
When no document is left, the matters scheme ingest wrote beside them goes too: the store is empty.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pyoxigraph as ox

from clausegraph.graph.store import Writer
from clausegraph.ontology import iris
from clausegraph.ontology.errors import QueryError
from clausegraph.ontology.matters import MATTER_SCHEME
from clausegraph.ontology.namespaces import CG, RDF

__all__ = ["DocumentEntry", "PublisherEntry", "list_documents", "list_publishers", "select_documents", "remove_documents",
           "same_text_elsewhere"]

_DOCUMENTS = """
PREFIX cg: <https://w3id.org/clausegraph/ontology#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX foaf: <http://xmlns.com/foaf/0.1/>
SELECT ?graph ?publisher ?name ?id ?version ?title ?effective WHERE {
  GRAPH ?graph { ?graph a cg:Document ; dcterms:identifier ?id ; cg:version ?version ; dcterms:title ?title ;
                        dcterms:publisher ?publisher . ?publisher foaf:name ?name .
                 OPTIONAL { ?graph cg:effectiveDate ?effective } }
}
"""


@dataclass(frozen=True)
class DocumentEntry:
    publisher: str  # the publisher's id (slug), as in IRIs and --publisher
    publisher_name: str
    id: str
    version: str
    title: str
    effective: str | None
    graph: str  # the version's named graph (and the document's IRI)


@dataclass(frozen=True)
class PublisherEntry:
    id: str
    name: str
    documents: int  # distinct document ids
    versions: int  # document versions


def list_documents(store: ox.Store | Writer | None, publisher: str | None = None) -> list[DocumentEntry]:
    """Every document version in the store (of ``publisher``, given as id or name), sorted."""
    if store is None:
        return []
    rows = store.query(_DOCUMENTS)
    entries = sorted({
        DocumentEntry(publisher=iris.publisher_id(row["publisher"].value), publisher_name=row["name"].value,
                      id=row["id"].value, version=row["version"].value, title=row["title"].value,
                      effective=row["effective"].value if row["effective"] is not None else None, graph=row["graph"].value)
        for row in rows
    }, key=lambda e: (e.publisher, e.id, e.effective or "", e.version))
    if publisher is None:
        return entries
    chosen = _find_publisher(list_publishers_of(entries), publisher)
    return [e for e in entries if e.publisher == chosen.id]


def list_publishers_of(entries: Iterable[DocumentEntry]) -> list[PublisherEntry]:
    by_id: dict[str, list[DocumentEntry]] = {}
    for e in entries:
        by_id.setdefault(e.publisher, []).append(e)
    return [PublisherEntry(id=pub, name=docs[0].publisher_name, documents=len({d.id for d in docs}), versions=len(docs))
            for pub, docs in sorted(by_id.items())]


def list_publishers(store: ox.Store | Writer | None) -> list[PublisherEntry]:
    """Every publisher in the store, with how many documents and versions it has."""
    return list_publishers_of(list_documents(store))


def _find_publisher(publishers: list[PublisherEntry], given: str) -> PublisherEntry:
    """The publisher ``given`` names, by id (``mistral-ai``) or name (``Mistral AI``), any case."""
    wanted = given.strip().casefold()
    for pub in publishers:
        if wanted in (pub.id.casefold(), pub.name.casefold()):
            return pub
    known = ", ".join(f"{p.id} ({p.name})" for p in publishers) or "none: the store holds no documents"
    raise QueryError(f"no publisher {given!r} in the store; publishers: {known}")


def select_documents(store: ox.Store | Writer | None, publisher: str, document: str | None = None,
                     version: str | None = None) -> list[DocumentEntry]:
    """The document versions of ``publisher`` (and ``document``, and ``version``); QueryError if none."""
    if version is not None and document is None:
        raise QueryError("--version needs --document: which document's version to remove")
    entries = list_documents(store, publisher)
    if document is not None:
        ids = sorted({e.id for e in entries})
        entries = [e for e in entries if e.id == document]
        if not entries:
            raise QueryError(f"no document {document!r} of publisher {publisher!r}; its documents: {', '.join(ids)}")
    if version is not None:
        versions = [e.version for e in entries]
        entries = [e for e in entries if e.version == version]
        if not entries:
            raise QueryError(f"no version {version!r} of {document!r}; its versions: {', '.join(versions)}")
    return entries


def remove_documents(writer: Writer, entries: Iterable[DocumentEntry]) -> int:
    """Take the versions out of the generation ``writer`` writes (see the module docstring);
    returns how many source texts went with them."""
    supersedes, subject, obj = ox.NamedNode(CG + "supersedes"), ox.NamedNode(RDF + "subject"), ox.NamedNode(RDF + "object")
    statement = ox.NamedNode(CG + "EditorialStatement")
    touched: set = set()
    for entry in entries:
        writer.remove_graph(entry.graph)
        doc = ox.NamedNode(entry.graph)
        said = writer.quads(doc, supersedes, None) + writer.quads(None, supersedes, doc)
        for link in (subject, obj):  # the statements saying who says so
            for quad in writer.quads(None, link, doc):
                if writer.quads(quad.subject, ox.NamedNode(RDF + "type"), statement, quad.graph_name):
                    said += writer.quads(quad.subject, None, None, quad.graph_name)
        writer.remove(said)
        touched |= {q.graph_name for q in said}
    for graph in touched:  # a succession graph left with nothing in it goes too
        if not writer.quads(None, None, None, graph):
            writer.remove_graph(graph.value)
    sources = writer.remove_orphan_sources()
    if not writer.query("ASK { ?d a <https://w3id.org/clausegraph/ontology#Document> }"):
        writer.remove_graph(MATTER_SCHEME)  # what ingest adds beside documents: an empty store is empty
    return sources


_ELSEWHERE = """
PREFIX cg: <https://w3id.org/clausegraph/ontology#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX foaf: <http://xmlns.com/foaf/0.1/>
SELECT DISTINCT ?publisher ?name ?source ?id ?mine WHERE {  # bound: ?source ?id ?mine
  GRAPH ?graph { ?graph a cg:Document ; cg:source ?source ; dcterms:identifier ?id ; dcterms:publisher ?publisher .
                 ?publisher foaf:name ?name }
  FILTER (?publisher != ?mine)
}
"""


def same_text_elsewhere(writer: Writer, source: str, document: str, publisher: str) -> list[PublisherEntry]:
    """The other publishers under which document ``document`` read from the source text ``source``
    is already in the store (an ingest without --publisher makes an "Unknown publisher" copy)."""
    rows = writer.query(_ELSEWHERE, source=ox.NamedNode(source), id=ox.Literal(document),
                        mine=ox.NamedNode(iris.publisher_iri(publisher)))
    return [PublisherEntry(id=iris.publisher_id(row["publisher"].value), name=row["name"].value, documents=1, versions=1)
            for row in rows]
