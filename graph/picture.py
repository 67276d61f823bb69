"""The pictures of precedence a person reads: the map of documents, and one document drilled into.

    map        one node per document version, document group and external source; one edge per
               relation between two of them, carrying the number of statements behind it and its
               strongest condition; an edge stated between clauses is rolled up to the documents
               the clauses belong to, and an edge inside one document is counted on that
               document (its tooltip), not drawn
    document   the precedence edges that have a clause, section or the document itself of one
               document (``--document ID``) at either end, at clause level; every clause is framed
               with its document, and named by its number and heading ("§6.2 Exclusions")
    matter     what decides one legal matter (``--matter liability``): the clauses that concern it
               or a narrower matter (liability-cap, damages-exclusion), framed with their documents,
               the precedence edges that touch them, and the edges of the map between their documents

Both take the precedence view (graph/views.py) and return a smaller ``MultiDiGraph`` of the same
shape (the same node and edge attributes), so every writer of a view writes them too. Each edge
of the map also carries ``caption``: what its drawing says beside its colour ("×2 if [1]"); the
legend names the relation, and the map's ``notes`` (graph attribute) are its conditions, numbered.

The strongest condition of a rolled-up edge is the one that asks least: none when any statement
states the relation explicitly without a condition (the edge always holds); otherwise the shortest
condition of an explicit statement; otherwise (only the order of a list says it) the shortest of
any. "Shortest" stands in for "broadest": the conditions of one relation between two documents are
phrased from the same text, and the longer ones add qualifications.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from clausegraph.ontology.errors import ExportError

if TYPE_CHECKING:
    import networkx as nx

__all__ = ["precedence_map", "document_view", "matter_view", "document_ids", "map_title", "document_title", "matter_title"]

_TOP_KINDS = ("document", "group", "external")
CONDITION_LIMIT = 90  # characters of a condition shown on the map (the tooltip and the data keep all of it)


def _owners(g: nx.MultiDiGraph) -> dict[str, str]:
    """Each node's place on the map: itself for a document, group or external source; for a section
    or clause, the document whose IRI its own IRI extends (one version, not every version of an id)."""
    documents = sorted((iri for iri, d in g.nodes(data=True) if d["kind"] == "document"), key=len, reverse=True)
    owners = {}
    for iri, data in g.nodes(data=True):
        if data["kind"] in _TOP_KINDS:
            owners[iri] = iri
            continue
        owners[iri] = next((doc for doc in documents if iri.startswith(doc.rstrip("/") + "/")), iri)
    return owners


def _strongest(conditions: list[tuple[str, bool]]) -> str:
    """The condition that asks least (module docstring): (condition, explicit) pairs in, one condition out."""
    explicit = [c for c, is_explicit in conditions if is_explicit]
    if explicit and any(not c for c in explicit):
        return ""
    pool = [c for c in (explicit or [c for c, _ in conditions]) if c]
    return min(pool, key=lambda c: (len(c), c)) if pool else ""


def map_caption(count: int, note: int, explicit: bool) -> str:
    """What an edge of the map says beside its colour (the legend names the relation): how many
    statements when more than one, "by list order" when no statement says it in words, and the
    number of its condition in the legend ("if [2]": a condition shared by edges is written once)."""
    words = ([f"×{count}"] if count > 1 else []) + ([] if explicit else ["by list order"]) + ([f"if [{note}]"] if note else [])
    return " ".join(words)


def condition_note(condition: str) -> str:
    """A condition as the legend of the map writes it: its first CONDITION_LIMIT characters."""
    condition = " ".join(condition.split())
    return condition if len(condition) <= CONDITION_LIMIT else condition[: CONDITION_LIMIT - 1].rstrip(" ,;") + "…"


def precedence_map(g: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """The map of the precedence view ``g``: documents, groups and external sources, edges rolled up."""
    import networkx as nx

    owners = _owners(g)
    m = nx.MultiDiGraph(**{**g.graph, "picture": "map"})
    for iri, data in g.nodes(data=True):
        if data["kind"] in _TOP_KINDS:
            m.add_node(iri, **data, inside=0)
    merged: dict[tuple[str, str, str], dict] = {}
    for u, v, data in sorted(g.edges(data=True), key=lambda e: (e[0], e[1], e[2]["relation"])):
        a, b = owners[u], owners[v]
        if a == b:  # a section that overrides a clause of its own document: counted, not drawn
            m.nodes[a]["inside"] += max(1, data.get("evidence") or 0)
            continue
        edge = merged.setdefault((a, b, data["relation"]), {
            "relation": data["relation"], "label": data["label"], "parts": [], "conditions": []})
        edge["parts"].append(data)
        for condition in (data.get("condition") or "").split(" | "):
            edge["conditions"].append((condition, data.get("explicit") is not False))
    notes: dict[str, int] = {}
    for (a, b, relation), edge in merged.items():
        parts = edge["parts"]
        count = sum(p.get("evidence") or 0 for p in parts)
        explicit = any(p.get("explicit") is not False for p in parts)
        condition = _strongest(edge["conditions"])
        note = notes.setdefault(condition_note(condition), len(notes) + 1) if condition else 0

        def join(name: str, sep: str) -> str:
            return sep.join(dict.fromkeys(x for p in parts for x in (p.get(name) or "").split(sep) if x))

        m.add_edge(a, b, key=relation, relation=relation, label=edge["label"], condition=condition,
                   words=join("words", " | "), fields=join("fields", "; "), rule=join("rule", " "),
                   clause=join("clause", " "), statements=join("statements", " "), explicit=explicit,
                   evidence=count, caption=map_caption(count, note, explicit))
    m.graph["notes"] = list(notes)
    return m


def document_ids(g: nx.MultiDiGraph) -> list[str]:
    return sorted({d["document"] for _, d in g.nodes(data=True) if d["kind"] == "document"})


def document_view(g: nx.MultiDiGraph, document: str) -> nx.MultiDiGraph:
    """The drill-down into ``document`` (an id, every version of it; or ``id/version``): the edges of
    the precedence view ``g`` with one end in it, at clause level, and the documents of their clauses."""
    import networkx as nx

    docs = {iri for iri, d in g.nodes(data=True) if d["kind"] == "document"
            and (d["document"] == document or f"{d['document']}/{iri.rstrip('/').split('/')[-1]}" == document)}
    if not docs:
        choices = document_ids(g)
        raise ExportError(f"unknown document {document!r}: choose one of {', '.join(choices)}" if choices
                          else f"unknown document {document!r}: the store holds no documents")
    owners = _owners(g)
    out = nx.MultiDiGraph(**{**g.graph, "picture": "document", "document": document})
    for iri in sorted(docs):
        out.add_node(iri, **g.nodes[iri])
    for u, v, key, data in sorted(g.edges(keys=True, data=True), key=lambda e: e[:3]):
        if owners[u] in docs or owners[v] in docs:
            for end in (u, v, owners[u], owners[v]):
                if end not in out:
                    out.add_node(end, **g.nodes[end])
            out.add_edge(u, v, key=key, **data)
    _number_conditions(out)
    return out


def _number_conditions(g: nx.MultiDiGraph) -> None:
    """Caption each edge of a drill-down as the map does: count, list order, and its condition's number."""
    notes: dict[str, int] = {}
    for _, _, data in sorted(g.edges(data=True), key=lambda e: (e[0], e[1], e[2]["relation"])):
        if data["relation"] in ("member", "supersedes"):
            data["caption"] = ""
            continue
        condition = _strongest([(c, data.get("explicit") is not False) for c in (data.get("condition") or "").split(" | ")])
        note = notes.setdefault(condition_note(condition), len(notes) + 1) if condition else 0
        data["caption"] = map_caption(data.get("evidence") or 0, note, data.get("explicit") is not False)
    g.graph["notes"] = list(notes)


def _publishers(publishers: list[str]) -> str:
    return ", ".join(dict.fromkeys(p for p in publishers if p)) or "clausegraph"


def map_title(m: nx.MultiDiGraph, publishers: list[str]) -> str:
    """"Mistral AI: which text prevails over which" and the versions and date the map shows."""
    versions = sorted({d.get("effective") or "" for _, d in m.nodes(data=True) if d["kind"] == "document"} - {""})
    count = sum(1 for _, d in m.nodes(data=True) if d["kind"] == "document")
    when = f"versions of {', '.join(versions)}" if len(versions) <= 3 else f"versions of {versions[0]} to {versions[-1]}"
    return (f"{_publishers(publishers)}: which text prevails over which\n"
            f"{count} documents, {when}" + (f"; as of {versions[-1]}" if versions else ""))


def document_title(d: nx.MultiDiGraph, publishers: list[str]) -> str:
    docs = [data for _, data in d.nodes(data=True) if data["kind"] == "document" and data["document"] == d.graph["document"].split("/")[0]]
    name = docs[0]["document_title"] if docs else d.graph["document"]
    versions = ", ".join(sorted({data.get("effective") or "" for data in docs} - {""}))
    return (f"{_publishers(publishers)}: {name}" + (f" ({versions})" if versions else "") +
            "\nwhat it prevails over and what prevails over it, clause by clause")


def matter_view(g: nx.MultiDiGraph, matter: str, clauses: dict[str, dict]) -> nx.MultiDiGraph:
    """What decides ``matter``: ``clauses`` (IRI -> the attributes views.describe_nodes gives) are the
    clauses that concern it; the precedence view ``g`` gives the edges that touch them and, rolled up,
    the edges between their documents."""
    import networkx as nx

    out = nx.MultiDiGraph(**{**g.graph, "picture": "document", "matter": matter})
    documents = {}
    # a clause named as its section ("§6.1 Limitation of Liability" twice) is shown once, unless an edge needs it
    seen: set[tuple[str, str]] = set()
    for iri, attrs in sorted(clauses.items(), key=lambda c: (c[0] not in g, len(c[0]), c[0])):
        if (attrs["document"], attrs["label"]) in seen and iri not in g:
            continue
        seen.add((attrs["document"], attrs["label"]))
        out.add_node(iri, **attrs)
        doc = next((d for d in g if g.nodes[d]["kind"] == "document" and iri.startswith(d.rstrip("/") + "/")), None)
        if doc:
            documents[doc] = None
    for doc in documents:
        out.add_node(doc, **g.nodes[doc])
    owners = _owners(g)
    for u, v, key, data in sorted(g.edges(keys=True, data=True), key=lambda e: e[:3]):
        if u in clauses or v in clauses:
            for end in (u, v, owners[u], owners[v]):
                if end not in out:
                    out.add_node(end, **g.nodes[end])
            out.add_edge(u, v, key=key, **data)
    m = precedence_map(g)
    for a, b, key, data in sorted(m.edges(keys=True, data=True), key=lambda e: e[:3]):
        if a in documents and b in documents and not out.has_edge(a, b, key):
            out.add_edge(a, b, key=key, **{k: v for k, v in data.items() if k != "caption"})
    _number_conditions(out)
    return out


def matter_title(d: nx.MultiDiGraph, label: str, publishers: list[str]) -> str:
    count = sum(1 for _, data in d.nodes(data=True) if data["kind"] in ("clause", "section"))
    return (f"{_publishers(publishers)}: what decides {label}\n"
            f"{count} clauses about it, by document, and what ranks them")
