"""Models -> RDF quads in the ``cg:`` vocabulary, one named graph per document version.

| model                 | named graph                          |
|-----------------------|--------------------------------------|
| Document and its tree | the document version's IRI           |
| SourceRef, Fragments  | ``id/source/{sha256}``               |
| Succession            | ``id/{publisher}/editorial`` or ``id/{publisher}/archive`` |
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

from pyoxigraph import Literal, NamedNode, Quad

from clausegraph.ontology import iris
from clausegraph.ontology.models import Clause, Document, Page, Section, Succession
from clausegraph.ontology.namespaces import CG, DCTERMS, FOAF, RDF, RDFS, XSD

__all__ = ["MAPPING_VERSION", "content_hash", "document_quads", "source_quads", "succession_quads", "page_quads"]

MAPPING_VERSION = "2"  # bump when the mapping changes, so re-ingest rewrites unchanged texts

_A = NamedNode(RDF + "type")
_INT = NamedNode(XSD + "integer")
_DATE = NamedNode(XSD + "date")
_DATETIME = NamedNode(XSD + "dateTime")


_NODES: dict[str, NamedNode] = {}


def _cached(iri: str) -> NamedNode:
    node = _NODES.get(iri)
    if node is None:
        node = _NODES[iri] = NamedNode(iri)
    return node


def _cg(name: str) -> NamedNode:
    return _cached(CG + name)


def _dc(name: str) -> NamedNode:
    return _cached(DCTERMS + name)


def _int(value: int) -> Literal:
    return Literal(str(value), datatype=_INT)


def _str(value: str) -> Literal:
    return Literal(value)


_SERIALIZABLE_DEPTH = 100  # pydantic's JSON serializer refuses trees deeper than about 126 levels


def _depth(doc: Document) -> int:
    deepest, stack = 0, [(node, 1) for node in doc.children]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in node.children)
    return deepest


def content_hash(doc: Document, extra: str = "") -> str:
    """sha256 of the document's model (and ``extra``, its edges): the same text read the same way gives the same hash.

    A tree deeper than pydantic serializes is hashed node by node (each node's JSON without its
    children, with its depth), which no shallower document's hash can equal.
    """
    digest = hashlib.sha256()
    if _depth(doc) <= _SERIALIZABLE_DEPTH:
        digest.update((MAPPING_VERSION + "\n" + doc.model_dump_json() + "\n" + extra).encode("utf-8", "surrogatepass"))
        return digest.hexdigest()
    digest.update((MAPPING_VERSION + "\ndeep\n" + doc.model_dump_json(exclude={"children"}) + "\n").encode("utf-8", "surrogatepass"))
    stack = [(node, 1) for node in reversed(doc.children)]
    while stack:
        node, depth = stack.pop()
        digest.update(f"{depth} ".encode() + node.model_dump_json(exclude={"children"}).encode("utf-8", "surrogatepass") + b"\n")
        stack.extend((child, depth + 1) for child in reversed(node.children))
    digest.update(extra.encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


def document_quads(doc: Document, content: str | None = None) -> Iterator[Quad]:
    """Every quad of one document version, in its own named graph."""
    pub, did, ver = doc.publisher.id, doc.id, doc.version
    g = NamedNode(iris.document_iri(pub, did, ver))
    d = g

    def q(s, p, o) -> Quad:
        return Quad(s, p, o, g)

    yield q(d, _A, _cg("Document"))
    yield q(d, _dc("title"), _str(doc.title))
    yield q(d, _dc("identifier"), _str(did))
    yield q(d, _cg("version"), _str(ver))
    pub_node = NamedNode(iris.publisher_iri(pub))
    yield q(d, _dc("publisher"), pub_node)
    yield q(pub_node, _A, _cg("Publisher"))
    yield q(pub_node, NamedNode(FOAF + "name"), _str(doc.publisher.name))
    yield q(pub_node, NamedNode(RDFS + "label"), _str(doc.publisher.name))
    if doc.effective is not None:
        yield q(d, _cg("effectiveDate"), Literal(doc.effective.isoformat(), datatype=_DATE))
    if doc.effective_text is not None:
        yield q(d, _cg("effectiveDateText"), _str(doc.effective_text))
        yield q(d, _cg("effectiveStartOffset"), _int(doc.effective_start))
        yield q(d, _cg("effectiveEndOffset"), _int(doc.effective_end))
    if doc.title_end > doc.title_start:
        yield q(d, _cg("titleText"), _str(doc.title_text))
        yield q(d, _cg("titleStartOffset"), _int(doc.title_start))
        yield q(d, _cg("titleEndOffset"), _int(doc.title_end))
    if doc.recorded_at is not None:
        yield q(d, _cg("recordedAt"), Literal(doc.recorded_at.isoformat(), datatype=_DATETIME))
    if doc.record is not None:
        yield q(d, _cg("record"), _str(doc.record))
    src = NamedNode(iris.source_iri(doc.source.sha256))
    yield q(d, _cg("source"), src)
    yield q(src, _A, _cg("SourceText"))
    yield q(d, _cg("startOffset"), _int(doc.start))
    yield q(d, _cg("endOffset"), _int(doc.end))
    yield q(d, _cg("contentHash"), _str(content or content_hash(doc)))

    # the tree is read with a stack of sibling iterators, not by recursion: each quad costs the
    # same at any depth, and no depth is too deep (yield from a recursive generator passed every
    # quad up through one frame per level, and stopped at Python's recursion limit)
    stack = [(iter(doc.children), d)]
    position, heading, number, text, kind, label = (_cg("position"), _cg("heading"), _cg("number"), _cg("text"),
                                                    _cg("kind"), _cg("label"))
    part_of, in_document, start, end = _cg("partOf"), _cg("inDocument"), _cg("startOffset"), _cg("endOffset")
    section_type, clause_type = _cg("Section"), _cg("Clause")
    while stack:
        children, parent = stack[-1]
        node = next(children, None)
        if node is None:
            stack.pop()
            continue
        n = NamedNode(iris.node_iri(pub, did, ver, node.key))
        yield q(n, part_of, parent)
        yield q(n, in_document, d)
        yield q(n, position, _int(node.position))
        if isinstance(node, Section):
            yield q(n, _A, section_type)
            if node.number is not None:
                yield q(n, number, _str(node.number))
            if node.heading is not None:
                yield q(n, heading, _str(node.heading))
            yield q(n, _cg("headingText"), _str(node.heading_text))
            yield q(n, _cg("headingStartOffset"), _int(node.heading_start))
            yield q(n, _cg("headingEndOffset"), _int(node.heading_end))
            yield q(n, start, _int(node.start))
            yield q(n, end, _int(node.end))
        elif isinstance(node, Clause):
            yield q(n, _A, clause_type)
            yield q(n, kind, _str(node.kind.value))
            if node.label is not None:
                yield q(n, label, _str(node.label))
            if node.heading is not None:
                yield q(n, heading, _str(node.heading))
            yield q(n, text, _str(node.text))
            yield q(n, start, _int(node.start))
            yield q(n, end, _int(node.end))
        if node.children:
            stack.append((iter(node.children), n))


def source_quads(page: Page) -> Iterator[Quad]:
    """The source text node and the fragments of the page that belong to no document."""
    src = NamedNode(iris.source_iri(page.source.sha256))
    g = src
    yield Quad(src, _A, _cg("SourceText"), g)
    yield Quad(src, _cg("sha256"), _str(page.source.sha256), g)
    yield Quad(src, _cg("format"), _str(page.source.format.value), g)
    yield Quad(src, _cg("length"), _int(page.source.length), g)
    yield Quad(src, _dc("title"), _str(page.source.name), g)
    if page.source.origin:
        yield Quad(src, _cg("origin"), _str(page.source.origin), g)
    for n, frag in enumerate(page.front_matter, start=1):
        f = NamedNode(f"{src.value}/fragment/{n}")
        yield Quad(src, _cg("fragment"), f, g)
        yield Quad(f, _A, _cg("Fragment"), g)
        yield Quad(f, _cg("text"), _str(frag.text), g)
        yield Quad(f, _cg("startOffset"), _int(frag.start), g)
        yield Quad(f, _cg("endOffset"), _int(frag.end), g)
        if frag.kind is not None:
            yield Quad(f, _cg("fragmentKind"), _str(frag.kind), g)


def succession_graph(s: Succession) -> str:
    kind = "editorial" if s.basis == "editorial" else "archive"
    return iris.editorial_graph_iri(s.successor.publisher) if kind == "editorial" else f"{iris.ID_BASE}{s.successor.publisher}/archive"


def succession_quads(s: Succession) -> Iterator[Quad]:
    """``successor cg:supersedes predecessor``, and the statement saying who says so."""
    g = NamedNode(succession_graph(s))
    new = NamedNode(iris.document_iri(s.successor.publisher, s.successor.id, s.successor.version))
    old = NamedNode(iris.document_iri(s.predecessor.publisher, s.predecessor.id, s.predecessor.version))
    st = NamedNode(f"{g.value}/supersedes/{s.successor.id}/{s.successor.version}")
    yield Quad(new, _cg("supersedes"), old, g)
    yield Quad(st, _A, _cg("EditorialStatement"), g)
    yield Quad(st, NamedNode(RDF + "subject"), new, g)
    yield Quad(st, NamedNode(RDF + "predicate"), _cg("supersedes"), g)
    yield Quad(st, NamedNode(RDF + "object"), old, g)
    yield Quad(st, _cg("basis"), _str(s.basis), g)
    yield Quad(st, _cg("statement"), _str(s.statement), g)


def page_quads(page: Page) -> Iterator[Quad]:
    yield from source_quads(page)
    for doc in page.documents:
        yield from document_quads(doc)
