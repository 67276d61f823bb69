"""The RDF dataset a query reads: its own ``FROM`` / ``FROM NAMED``, the protocol's graphs, or the union.

clausegraph keeps one named graph per document version, so a query that names no dataset reads
the union of all graphs as its default graph (``use_default_graph_as_union``). A query that has a
dataset clause reads what it names, as SPARQL says; graphs given by the SPARQL 1.1 Protocol
(``default-graph-uri``, ``named-graph-uri``) replace the query's own, as the Protocol says.

Oxigraph applies the union flag over a query's ``FROM`` (it does not say whether a query has
one), so the dataset clause is found here: a ``FROM`` keyword outside strings, IRIs and comments
and outside every brace, the only place the grammar allows one (``SELECT ?x FROM <g> WHERE {``;
subqueries have no dataset clause).

    query                                       dataset
    SELECT * { ?s ?p ?o }                       union of all graphs; every named graph for GRAPH
    SELECT * FROM <g> { ?s ?p ?o }              <g> as default graph; no named graph
    SELECT * FROM NAMED <g> { GRAPH ?x {...} }  empty default graph; <g> for GRAPH
    default-graph-uri=<g> (protocol)            <g>; the query's FROM is not read
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pyoxigraph as ox

from clausegraph.ontology.errors import QueryError

__all__ = ["Dataset", "has_dataset_clause", "query_options", "scan", "SKIPPED_TOKEN"]

# one token a scan of SPARQL text must step over whole: a long or short string, an IRI, a comment
SKIPPED_TOKEN = re.compile(r'"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^\'\\]|\\.|\'(?!\'\'))*\'\'\''
                   r'|"(?:[^"\\\n\r]|\\.)*"|\'(?:[^\'\\\n\r]|\\.)*\''
                   r'|<[^<>"{}|^`\\\x00-\x20]*>|#[^\n\r]*', re.DOTALL)
_TOKEN = re.compile(r'[{}]|(?<![\w:?$.-])FROM(?![\w:.-])|["\'<#]', re.IGNORECASE)


def scan(text: str, tokens: re.Pattern[str]):
    """(token, offset, brace depth) of each match of ``tokens`` in a SPARQL text, outside strings, IRIs and
    comments; ``tokens`` matches ``{``, ``}``, the keywords sought and the openers ``"'<#`` of what is
    stepped over. A ``{`` is given at the depth outside it."""
    depth, i = 0, 0
    while (m := tokens.search(text, i)) is not None:
        token = m.group(0)
        if token in "\"'<#":
            skipped = SKIPPED_TOKEN.match(text, m.start())
            if skipped is not None:
                i = skipped.end()
                continue
        i = m.end()
        if token not in "\"'<#":
            yield token, m.start(), depth
        if token == "{":
            depth += 1
        elif token == "}":
            depth = max(depth - 1, 0)


def has_dataset_clause(text: str) -> bool:
    """Whether the query has ``FROM`` or ``FROM NAMED`` (outside braces, strings, IRIs, comments)."""
    return any(token not in "{}" and depth == 0 for token, _, depth in scan(text, _TOKEN))


@dataclass(frozen=True)
class Dataset:
    """Graphs the SPARQL 1.1 Protocol named (``default-graph-uri``, ``named-graph-uri``)."""

    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.default_graphs or self.named_graphs)


def _node(iri: str, what: str) -> ox.NamedNode:
    try:
        return ox.NamedNode(iri)
    except ValueError:
        raise QueryError(f"{what} is not an absolute IRI: {iri[:200]!r}") from None


def query_options(text: str, dataset: Dataset | None = None) -> dict:
    """The keyword arguments of ``Store.query`` that give ``text`` its dataset (see the table above)."""
    if dataset:
        return {"default_graph": [_node(g, "default-graph-uri") for g in dataset.default_graphs],
                "named_graphs": [_node(g, "named-graph-uri") for g in dataset.named_graphs]}
    if has_dataset_clause(text):
        return {}
    return {"use_default_graph_as_union": True}
