"""Edges -> RDF: every derived edge is a triple plus a ``cg:Evidence`` node that states it.

    ?evidence rdf:subject ?s ; rdf:predicate cg:references ; rdf:object ?o ;
              cg:clause ?clause ; cg:words "..." ; cg:startOffset ?a ; cg:endOffset ?b ; cg:rule "..." ;
              cg:condition "..." ; cg:role "consumer" ; cg:explicit true .

| edge            | triple (winner -> loser)                  |
|-----------------|-------------------------------------------|
| defines         | clause cg:defines term                    |
| references      | clause cg:references target               |
| uses a term     | clause cg:usesTerm term                   |
| borrows         | document cg:borrowsDefinitionsFrom document |
| prevails-over   | winner cg:prevailsOver loser              |
| overrides       | winner cg:overrides loser (subproperty of cg:prevailsOver) |
| subject-to      | winner cg:constrains loser (subproperty of cg:prevailsOver; the loser is subject to the winner) |
| defers-to       | winner cg:governsFor loser (subproperty of cg:prevailsOver; the loser hands the matter over) |
| incorporates    | winner cg:incorporates loser              |
| scope           | text cg:hasScope scope node (cg:text, cg:role, cg:region, ...) |
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

from pyoxigraph import Literal, NamedNode, Quad

from clausegraph.ontology import iris
from clausegraph.ontology.matters import matter_iri
from clausegraph.ontology.edges import Condition, Evidence, Extraction, PrecedenceKind, Target, TargetKind
from clausegraph.ontology.namespaces import CG, RDF, RDFS, SKOS, XSD

__all__ = ["extraction_quads", "PRECEDENCE_PREDICATES", "target_iri", "term_iri", "external_iri", "group_iri"]

PRECEDENCE_PREDICATES = {
    PrecedenceKind.PREVAILS_OVER: "prevailsOver",
    PrecedenceKind.OVERRIDES: "overrides",
    PrecedenceKind.SUBJECT_TO: "constrains",
    PrecedenceKind.DEFERS_TO: "governsFor",
    PrecedenceKind.INCORPORATES: "incorporates",
    PrecedenceKind.SCOPE: "hasScope",
}
_CONDITION_FIELDS = ("role", "region", "service", "plan", "channel", "infrastructure", "country", "area", "product")
_A = NamedNode(RDF + "type")
_INT = NamedNode(XSD + "integer")
_BOOL = NamedNode(XSD + "boolean")
_DECIMAL = NamedNode(XSD + "decimal")


def _cg(name: str) -> NamedNode:
    return NamedNode(CG + name)


def term_iri(doc_iri: str, term: str) -> str:
    return f"{doc_iri}/term/{iris.slugify(term) or 'term'}"


def external_iri(name: str) -> str:
    return f"{iris.ID_BASE}external/{iris.slugify(name, keep_dots=True) or 'source'}"


def group_iri(publisher: str, group: str) -> str:
    return f"{iris.ID_BASE}{publisher}/group/{group}"


def target_iri(target: Target, publisher: str) -> str:
    if target.kind is TargetKind.EXTERNAL:
        return external_iri(target.name or target.text)
    if target.kind is TargetKind.GROUP:
        return group_iri(publisher, target.group or "group")
    d = target.document
    doc = iris.document_iri(d.publisher, d.id, d.version)
    if target.kind is TargetKind.DOCUMENT:
        return doc
    if target.key and target.resolved:
        return f"{doc}/{target.key}"
    return f"{doc}/unresolved/{iris.slugify(target.number or target.text) or 'target'}"


def extraction_quads(ex: Extraction, *, group_members: dict[str, list[str]] | None = None) -> Iterator[Quad]:
    """Every edge of one document's extraction, with its evidence, in that document's named graph."""
    d = ex.document
    doc_iri = iris.document_iri(d.publisher, d.id, d.version)
    g = NamedNode(doc_iri)
    counters: Counter[str] = Counter()

    def q(s, p, o) -> Quad:
        return Quad(s, p, o, g)

    def clause_node(key: str) -> NamedNode:
        return NamedNode(f"{doc_iri}/{key}")

    def evidence(ev: Evidence, s: NamedNode, p: NamedNode, o, kind: str, explicit: bool | None = None) -> Iterator[Quad]:
        clause = clause_node(ev.clause)
        counters[f"{ev.clause}/{kind}"] += 1
        e = NamedNode(f"{clause.value}/evidence/{kind}-{counters[f'{ev.clause}/{kind}']}")
        yield q(e, _A, _cg("Evidence"))
        yield q(e, NamedNode(RDF + "subject"), s)
        yield q(e, NamedNode(RDF + "predicate"), p)
        yield q(e, NamedNode(RDF + "object"), o)
        yield q(e, _cg("clause"), clause)
        yield q(e, _cg("words"), Literal(ev.words))
        yield q(e, _cg("startOffset"), Literal(str(ev.start), datatype=_INT))
        yield q(e, _cg("endOffset"), Literal(str(ev.end), datatype=_INT))
        yield q(e, _cg("rule"), Literal(ev.rule))
        if explicit is not None:
            yield q(e, _cg("explicit"), Literal("true" if explicit else "false", datatype=_BOOL))
        if ev.condition is not None:
            yield from condition(e, ev.condition)

    def condition(node: NamedNode, c: Condition) -> Iterator[Quad]:
        yield q(node, _cg("condition"), Literal(c.text))
        for name in _CONDITION_FIELDS:
            for value in getattr(c, name):
                yield q(node, _cg(name), Literal(value))

    def target(t: Target) -> NamedNode:
        return NamedNode(target_iri(t, d.publisher))

    def describe(t: Target, node: NamedNode) -> Iterator[Quad]:
        if t.kind is TargetKind.EXTERNAL:
            yield q(node, _A, _cg("ExternalSource"))
            yield q(node, NamedNode(RDFS + "label"), Literal(t.name or t.text))
        elif t.kind is TargetKind.GROUP:
            yield q(node, _A, _cg("DocumentGroup"))
            yield q(node, NamedNode(RDFS + "label"), Literal(t.group.replace("-", " ").title()))
            for member in (group_members or {}).get(t.group or "", []):
                yield q(node, _cg("member"), NamedNode(member))
        elif not t.resolved:
            yield q(node, _A, _cg("UnresolvedTarget"))
            yield q(node, NamedNode(RDFS + "label"), Literal(t.text))
            if t.number:
                yield q(node, _cg("number"), Literal(t.number))

    for definition in ex.definitions:
        term = NamedNode(term_iri(doc_iri, definition.term))
        clause = clause_node(definition.evidence.clause)
        yield q(term, _A, _cg("DefinedTerm"))
        yield q(term, NamedNode(SKOS + "prefLabel"), Literal(definition.term))
        yield q(term, _cg("definedIn"), g)
        yield q(term, _cg("definitionKind"), Literal(definition.kind.value))
        if definition.meaning_source:
            yield q(term, _cg("meaningSource"), Literal(definition.meaning_source))
        yield q(clause, _cg("defines"), term)
        yield from evidence(definition.evidence, clause, _cg("defines"), term, "defines")

    for ref in ex.references:
        clause = clause_node(ref.evidence.clause)
        node = target(ref.target)
        yield q(clause, _cg("references"), node)
        yield from describe(ref.target, node)
        yield from evidence(ref.evidence, clause, _cg("references"), node, "references")

    for ref in ex.borrows_from:
        node = target(ref.target)
        yield q(g, _cg("borrowsDefinitionsFrom"), node)
        yield from evidence(ref.evidence, g, _cg("borrowsDefinitionsFrom"), node, "borrows")

    for use in ex.uses:
        clause = clause_node(use.clause)
        u = use.defined_in
        term = NamedNode(term_iri(iris.document_iri(u.publisher, u.id, u.version), use.term))
        yield q(clause, _cg("usesTerm"), term)

    for concern in ex.concerns:  # clause cg:concerns matter, with its evidence and score
        clause = clause_node(concern.evidence.clause)
        matter = NamedNode(matter_iri(concern.matter))
        yield q(clause, _cg("concerns"), matter)
        yield from evidence(concern.evidence, clause, _cg("concerns"), matter, "concerns")
        e = NamedNode(f"{clause.value}/evidence/concerns-{counters[f'{concern.evidence.clause}/concerns']}")
        yield q(e, _cg("score"), Literal(f"{concern.score:g}", datatype=_DECIMAL))

    for p in ex.precedence:
        winner = target(p.winner)
        yield from describe(p.winner, winner)
        predicate = _cg(PRECEDENCE_PREDICATES[p.kind])
        if p.kind is PrecedenceKind.SCOPE:
            counters["scope"] += 1
            scope = NamedNode(f"{doc_iri}/{p.evidence.clause}/scope-{counters['scope']}")
            yield q(scope, _A, _cg("Scope"))
            yield q(scope, _cg("text"), Literal(p.scope or p.evidence.words))
            if p.evidence.condition is not None:
                yield from condition(scope, p.evidence.condition)
            yield q(winner, predicate, scope)
            yield from evidence(p.evidence, winner, predicate, scope, "scope", p.explicit)
            continue
        if p.loser is None:
            continue
        loser = target(p.loser)
        yield from describe(p.loser, loser)
        yield q(winner, predicate, loser)
        yield from evidence(p.evidence, winner, predicate, loser, p.kind.value, p.explicit)
