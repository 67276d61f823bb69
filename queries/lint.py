"""Lint: what a reviewer of these documents must know, read from the graph.

| code  | finding                                                                 |
|-------|-------------------------------------------------------------------------|
| L001  | a reference whose target the corpus does not hold                        |
| L002  | "as defined in Section N" where section N does not define the term      |
| L003  | a section citing itself by number ("Section 9 (Audit) of this DPA" inside section 9) |
| L004  | a capitalized term used as a defined term but defined nowhere in scope   |
| L005  | a term defined in more than one place, with the words of each definition |
| L006  | a document that ends abruptly (mid-sentence, or where its successor goes on) |
| L007  | a document calling itself by a name that is neither its title nor an alias it defines |
| L008  | page chrome kept out of the clause tree ("Download PDF", a "Previous versions" list, a second copy of the page) |
"""

from __future__ import annotations

import re
from collections import defaultdict

from pydantic import BaseModel

from clausegraph.ontology.iris import publisher_id

__all__ = ["Finding", "lint_graph", "LINT_CODES"]

LINT_CODES = {
    "L001": "reference does not resolve",
    "L002": "'as defined in' points at a section that does not define the term",
    "L003": "section cites itself",
    "L004": "capitalized term defined nowhere in scope",
    "L005": "term defined more than once",
    "L006": "document ends abruptly",
    "L007": "document calls itself by another name",
    "L008": "page chrome kept out of the documents",
}
_CHROME_WORDS = {
    "before-title": "text above the title",
    "page-control": "page controls",
    "link-list": "a list of links",
    "table-of-contents": "a table of contents",
    "repeated-title": "the title and date printed again",
    "repeated-copy": "a second copy of the text",
    "date-line": "another date line",
    "cookie-notice": "a cookie notice",
    "feedback-widget": "a feedback widget",
}

P = """PREFIX cg: <https://w3id.org/clausegraph/ontology#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
"""


class Finding(BaseModel):
    code: str
    publisher: str | None = None  # the publisher's id: two vendors may both have a "terms-of-service"
    document: str
    version: str
    location: str | None = None  # section number or clause key
    clause: str | None = None  # IRI
    words: str | None = None
    message: str


_AS_DEFINED = re.compile(r"(?P<term>(?:[A-Z][\w’'-]*\s+){0,4}[A-Z][\w’'-]*)\s*\((?:as\s+)?defined\s+in\s+Section\s+(?P<num>\d+(?:\.\d+)*)\)")
_WORD = r"(?:[A-Z][a-z][\w’'-]*|[A-Z]{2,4}s?)"
_CAP_TERM = re.compile(r"\b(?:the|any|such|each|all|our|your|its|this)\s+(?P<term>(?:" + _WORD + r"\s+){0,3}" + _WORD + r")\b")
_STOP_PHRASES = {"Services", "Service"}
# proper names of places and institutions are capitalized without being defined terms
_PROPER_NAME = re.compile(r"^(?:European|United|French|Federal|EU)\b|\b(?:Union|States|Commission|Parliament|Council|Area|Kingdom|Court|Courts|Decision|Regulation|Directive)$")


def _norm(term: str) -> str:
    """A term compared without case, hyphens, plural s or possessive: "Cloud Provider's" ~ "cloud provider"."""
    term = re.sub(r"[’']s$", "", term.strip()).lower().replace("-", " ")
    return " ".join(term.split()).removesuffix("s")


def _rows(run, query: str) -> list[dict]:
    return run(P + query)


def lint_graph(run) -> list[Finding]:
    """Every finding of the graph; ``run(sparql)`` returns rows as dicts of strings."""
    findings: list[Finding] = []
    docs = {r["d"]: r for r in _rows(run, """
        SELECT ?d ?id ?version ?title ?publisher WHERE { ?d a cg:Document ; dcterms:identifier ?id ; cg:version ?version ;
        dcterms:title ?title ; dcterms:publisher ?publisher }""")}

    def finding(code: str, d: str, message: str, **kw) -> None:
        doc = docs.get(d, {"id": d, "version": ""})
        publisher = publisher_id(doc.get("publisher"))
        findings.append(Finding(code=code, publisher=publisher, document=doc["id"], version=doc["version"], message=message, **kw))

    # L001 unresolved references
    for r in _rows(run, """
        SELECT ?d ?c ?w ?label WHERE { ?c cg:references ?t ; cg:inDocument ?d . ?t a cg:UnresolvedTarget ; rdfs:label ?label .
        ?e rdf:subject ?c ; rdf:predicate cg:references ; rdf:object ?t ; cg:words ?w }"""):
        finding("L001", r["d"], f"'{r['w']}' names nothing the corpus holds", clause=r["c"], words=r["w"])

    # text of every clause with its section number and section IRI
    # every clause once, with the number of its nearest numbered section
    clauses = _rows(run, """
        SELECT ?c ?d ?text ?pos (SAMPLE(?n) AS ?num) WHERE { ?c a cg:Clause ; cg:text ?text ; cg:inDocument ?d ; cg:position ?pos .
        OPTIONAL { ?c cg:partOf ?p . ?p cg:number ?n } } GROUP BY ?c ?d ?text ?pos""")
    defined = defaultdict(set)  # (doc, term) -> section numbers whose clauses define it
    definitions = _rows(run, """
        SELECT ?d ?term ?c ?w ?num ?text ?cs ?es WHERE { ?c cg:defines ?t ; cg:inDocument ?d ; cg:text ?text ; cg:startOffset ?cs .
        ?t skos:prefLabel ?term .
        ?e rdf:subject ?c ; rdf:predicate cg:defines ; rdf:object ?t ; cg:words ?w ; cg:startOffset ?es .
        OPTIONAL { ?c cg:partOf+ ?s . ?s a cg:Section ; cg:number ?num } }""")
    superseded = {r["old"] for r in _rows(run, "SELECT ?old WHERE { ?new cg:supersedes ?old }")}
    for r in definitions:
        defined[(r["d"], r["term"])].add(r.get("num"))

    def defined_in(d: str, term: str) -> set:
        out = set()
        for t in {term, term.rstrip("s"), term + "s"}:
            out |= defined.get((d, t), set())
        return out

    # L002 "as defined in Section N"
    seen = set()
    for r in clauses:
        for m in _AS_DEFINED.finditer(r["text"]):
            term, num = m.group("term").strip(), m.group("num")
            term = re.sub(r"^(?:The|the|any|Your\s+own)\s+", "", term)
            sections = defined_in(r["d"], term)
            key = (r["d"], term, num)
            if key in seen:
                continue
            seen.add(key)
            if not any(s == num or (s or "").startswith(num + ".") for s in sections):
                where = ", ".join(sorted(s for s in sections if s)) or ("the preamble" if sections else "nowhere in this document")
                finding("L002", r["d"], f"'{term}' is said to be defined in Section {num}, but is defined in {where}",
                        clause=r["c"], words=m.group(0), location=r.get("num"))

    # L003 a section citing itself by number, not as "this Section"
    for r in _rows(run, """
        SELECT DISTINCT ?d ?c ?num ?w WHERE { ?c cg:references ?s ; cg:inDocument ?d . ?c cg:partOf+ ?s . ?s cg:number ?num .
        ?e rdf:subject ?c ; rdf:predicate cg:references ; rdf:object ?s ; cg:words ?w }"""):
        if not re.match(r"(?i)(?:this|these)\s+section", r["w"]):
            finding("L003", r["d"], f"section {r['num']} cites itself as '{r['w']}'", clause=r["c"], words=r["w"],
                    location=r["num"])

    # L004 capitalized terms used like defined terms but defined nowhere in scope
    scope = defaultdict(set)
    for r in _rows(run, "SELECT ?d ?o WHERE { ?d cg:borrowsDefinitionsFrom ?o }"):
        scope[r["d"]].add(r["o"])
    terms_by_doc = defaultdict(set)
    for (d, term) in defined:
        terms_by_doc[d].add(_norm(term))
    names = {docs[d]["title"].lower() for d in docs}
    publishers = {r.get("name", "").lower() for r in _rows(run, "SELECT ?name WHERE { ?p a cg:Publisher ; rdfs:label ?name }")}
    undefined: dict[str, list[tuple[dict, str]]] = defaultdict(list)  # normalized term -> (clause row, words)
    for r in clauses:
        d = r["d"]
        known = set(terms_by_doc[d])
        for other in scope[d]:
            known |= terms_by_doc[other]
        for m in _CAP_TERM.finditer(r["text"]):
            term = " ".join(re.sub(r"[’']s$", "", m.group("term")).split())
            if term.isupper() or _PROPER_NAME.search(term) or term in _STOP_PHRASES or len(term.split()) < 2:
                continue
            low = _norm(term)
            if low in known:
                continue
            if any(low in _norm(n) or _norm(n) in low for n in names) or any(p and p in low for p in publishers):
                continue
            if not any(row["d"] == d for row, _ in undefined[low]):
                undefined[low].append((r, term))
    for low, places in sorted(undefined.items()):
        r, term = places[0]
        where = ", ".join(f"{docs[row['d']]['id']}" + (f" {row['num']}" if row.get("num") else "") for row, _ in places)
        finding("L004", r["d"], f"'{term}' is capitalized like a defined term but defined nowhere in scope (used in {where})",
                clause=r["c"], words=term, location=r.get("num"))

    # L005 terms defined in more than one place
    by_term = defaultdict(list)
    for r in definitions:
        pub = docs.get(r["d"], {}).get("publisher")
        by_term[(pub, r["term"])].append(r)
    for (pub, term), rows in sorted(by_term.items(), key=lambda kv: kv[0][1]):
        # a superseded version defining the term again is history, not a second meaning
        rows = [r for r in rows if r["d"] not in superseded] or rows
        places = {(r["d"], r["c"]) for r in rows}
        if len(places) < 2:
            continue
        def context(r: dict) -> str:
            at = int(r["es"]) - int(r["cs"])
            before = r["text"][max(0, at - 60): at]
            return "…" + " ".join((before + r["w"]).split())
        words = "; ".join(sorted({f"{docs[r['d']]['id']}: {context(r)}" for r in rows}))
        finding("L005", rows[0]["d"], f"'{term}' is defined in {len(places)} places: {words}", words=term)

    # L006 documents that end abruptly
    last: dict[str, dict] = {}
    for r in clauses:
        if r["d"] not in last or int(r["pos"]) > int(last[r["d"]]["pos"]):
            last[r["d"]] = r
    for r in last.values():
        if not re.search(r"[.!?:;)”\"*_]$", r["text"].strip()):
            finding("L006", r["d"], "the document's last clause stops mid-sentence", clause=r["c"], words=r["text"][-80:])
    tops = defaultdict(list)
    for r in _rows(run, """
        SELECT ?d ?num ?heading WHERE { ?s a cg:Section ; cg:partOf ?d ; cg:number ?num . ?d a cg:Document .
        OPTIONAL { ?s cg:heading ?heading } }"""):
        if r["num"].isdigit():
            tops[r["d"]].append((int(r["num"]), r.get("heading") or ""))
    for r in _rows(run, "SELECT ?new ?old WHERE { ?new cg:supersedes ?old }"):
        old, new = sorted(tops.get(r["old"], [])), sorted(tops.get(r["new"], []))
        if old and new and new[-1][0] > old[-1][0]:
            more = [f"{n} {h}".strip() for n, h in new if n > old[-1][0]]
            finding("L006", r["old"], f"ends after section {old[-1][0]} ({old[-1][1]}); the version that succeeds it goes on "
                    f"with {', '.join(more)}: it is probably incomplete", location=str(old[-1][0]))

    # L007 a document calling itself by another name: "The Data Processing Addendum (DPA)"
    aliases = defaultdict(set)
    for r in definitions:
        aliases[r["d"]].add(r["term"])
    for r in clauses:
        d = r["d"]
        for alias in aliases[d]:
            if not alias.isupper() or len(alias) < 2:
                continue
            for m in re.finditer(r"\b(?:[Tt]he\s+)?(?P<name>(?:[A-Z][a-z]+\s+){1,5})\(" + re.escape(alias) + r"\)", r["text"]):
                name = m.group("name").strip()
                title = docs[d]["title"]
                defined_names = {a.lower() for a in aliases[d]}
                if name.lower() != title.lower() and name.lower() not in defined_names:
                    finding("L007", d, f"calls itself '{name} ({alias})' but its title is '{title}'", clause=r["c"],
                            words=m.group(0), location=r.get("num"))
    # L008 page chrome: what the reader kept out of the clause tree, one finding per document and kind
    chrome: dict[tuple[str, str], list[dict]] = defaultdict(list)
    spans: dict[str, list[tuple[int, int, str]]] = defaultdict(list)
    for r in _rows(run, """
        SELECT DISTINCT ?d ?src ?ds ?de WHERE { ?d a cg:Document ; cg:source ?src ; cg:startOffset ?ds ; cg:endOffset ?de }"""):
        spans[r["src"]].append((int(r["ds"]), int(r["de"]), r["d"]))
    for r in _rows(run, """
        SELECT DISTINCT ?src ?f ?text ?start ?kind WHERE { ?src cg:fragment ?f . ?f cg:text ?text ; cg:startOffset ?start ;
        cg:fragmentKind ?kind }"""):
        docs_of = sorted(spans.get(r["src"], []))
        if not docs_of:
            continue
        at = int(r["start"])
        owner = next((d for s0, e0, d in docs_of if s0 <= at < e0), None) or next((d for s0, _, d in docs_of if at < s0), docs_of[-1][2])
        chrome[(owner, r["kind"])].append(r)
    for (d, kind), rows in sorted(chrome.items()):
        rows.sort(key=lambda r: int(r["start"]))
        first = " ".join(rows[0]["text"].split())[:80]
        more = f" and {len(rows) - 1} more" if len(rows) > 1 else ""
        finding("L008", d, f"{_CHROME_WORDS.get(kind, kind)} kept out of the clause tree: '{first}'{more}", words=first)
    unique: dict[tuple, Finding] = {}
    for f in findings:
        unique.setdefault((f.code, f.document, f.version, f.clause, f.words, f.message), f)
    findings = list(unique.values())
    order = list(LINT_CODES)
    findings.sort(key=lambda f: (order.index(f.code), f.document, f.location or ""))
    return findings
