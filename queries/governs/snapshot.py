"""What the resolver reads from one generation of the graph, and the per-publisher views it ranks in.

    Snapshot(run)                      every document, node, scope, edge, group, term and matter,
                                       read once through the SPARQL files of this folder
    snapshot.view(publisher, live)     the clauses of one publisher's documents in force, with
                                       their own ranking index (built once per set of documents)

A view never holds two publishers: an answer never mixes vendors. Everything is read with bound
variables only (``as_of``); nothing of a question reaches SPARQL.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib.resources import files

from clausegraph.ontology.answers import ClauseInfo, DocumentInfo
from clausegraph.ontology.iris import publisher_id
from clausegraph.ontology.matters import broader_closure
from clausegraph.queries.retrieval import BM25Index, tokens

__all__ = ["Snapshot", "View", "Node", "Doc", "Limb", "Edge", "Runner", "SUMMARY_LEADS", "NOT_PRECEDENCE", "NOTICE_RULES"]

Runner = Callable[..., list[dict[str, object]]]  # (sparql text, **bindings) -> rows of python values

# edges that do not rank texts on what they govern
NOT_PRECEDENCE = {
    "precedence-meaning-given-in": "only lends the meaning of words (“terms not defined herein have the meaning given in the Agreement”)",
}
# edges that mark their winner as a notice: a text that explains, where the others bind
NOTICE_RULES = {"precedence-explains": "“our Privacy Policy explains how we collect and use personal information”"}
# a lead-in that announces a summary: the items it introduces restate what the body of the text
# says, and the body's own clause is what governs (pattern, corpus example)
SUMMARY_LEADS = (
    (re.compile(r"\b(?:key points|key terms|in summary|summary of|at a glance|highlights|in short|tl;?dr)\b", re.IGNORECASE),
     "“Here are some key points to understand about using our Services via a Partner:” (Partner Hosted, Preamble)"),
)
_SENTENCE_END = re.compile(r"[.!?][”\"’)]*\s+(?=[A-Z“\"(])")  # the end of a sentence that another follows
# a clause that only says what a word means: it informs, it does not govern
_DEFINITION = re.compile(r"^\W*(?:\(?[a-z0-9ivx]{1,4}[.)]\s*)?[“\"]?[A-Z][\w’' -]{0,60}[”\"]?\**\s+(?:means|shall mean|refers to|has the meaning)\b"
                         r"|^\W*[A-Z][\w’' -]{0,40}\.\s+(?:This|These) (?:is|are|means?) (?:the|any|all)\b")


_WORDS = re.compile(r"[A-Za-z]{2,}")
# what a title says of who a document is for, where no scope statement of its own says so
# (titles seen across vendors: "Commercial Terms", "Terms of Service - Enterprise", "Developer Terms",
# "API Terms", "Services Agreement", "Business Terms"; "Consumer Terms", "Terms for consumers in the EEA")
TITLE_AUDIENCE = (
    ("business", re.compile(r"\b(?:commercial|business|enterprise|developers?|api|services agreement)\b", re.IGNORECASE)),
    ("consumer", re.compile(r"\bconsumers?\b", re.IGNORECASE)),
)
# documents that inform rather than bind, by their title, where no text of the graph says so
NOTICE_TITLE = re.compile(r"\b(?:privacy|cookies?|trackers?)\b.{0,30}\b(?:policy|notice|statement)\b|\bprivacy (?:hub|centre|center)\b",
                          re.IGNORECASE)
# the lead-in or heading of a list that describes processing (a DPA's annex): kinds of headings seen in
# the DPAs of Mistral, Perplexity, Llama API and Vibe
_DESCRIBES = re.compile(r"\bdescription of (?:the )?(?:processing|transfers?)\b"
                        r"|\b(?:categories|types|kinds) of (?:personal )?(?:data|information|data subjects|recipients)\b"
                        r"|\bnature (?:and purpose )?of the processing\b|\bpurposes? of (?:the )?processing\b"
                        r"|\bduration of the processing\b|\bcategories of data subjects\b|\bdata subjects\s*:", re.IGNORECASE)


def _sparql(name: str) -> str:
    return files(__name__.rpartition(".")[0]).joinpath(f"{name}.rq").read_text(encoding="utf-8")


@dataclass
class Node:
    iri: str
    doc: str
    parent: str
    section: bool
    position: int
    number: str | None
    heading: str | None
    label: str | None
    text: str | None


@dataclass
class Doc:
    iri: str
    id: str
    title: str
    version: str
    effective: dt.date | None
    publisher: str  # slug
    publisher_name: str
    record: str | None = None  # the archive record's document id, where one record held several documents

    def info(self) -> DocumentInfo:
        return DocumentInfo(id=self.id, title=self.title, effective=self.effective, version=self.version, iri=self.iri)


@dataclass
class Limb:
    """One scope statement over a text: its words and the context fields they state."""

    text: str
    fields: dict[str, list[str]]
    words: str
    clause: str
    rule: str


@dataclass
class Edge:
    winner: str
    relation: str
    loser: str
    words: str
    clause: str
    rule: str
    explicit: bool
    condition: str | None
    fields: dict[str, list[str]] = field(default_factory=dict)


def _add_field(fields: dict[str, list[str]], row: dict[str, object]) -> None:
    """Add a row's context field value (``?field``, ``?value``) to ``fields``, once."""
    if row.get("field"):
        values = fields.setdefault(row["field"], [])
        if row["value"] not in values:
            values.append(row["value"])


class Snapshot:
    """Everything the resolver knows of one generation of the graph.

    Documents, publishers, groups and successions are read at once; the tree, scopes, edges,
    matters, citations and terms of a document only when a view needs it (each from the
    document's own named graph, with the graph bound): a store holding a thousand versions reads
    the few in force, not all of them.
    """

    def __init__(self, run: Runner) -> None:
        self._run = run
        self.run = run  # for the readers of this snapshot that need one more query (question.py)
        names = {str(r["publisher"]): r["name"] for r in run(_sparql("publishers"))}
        self.docs: dict[str, Doc] = {}
        for r in run(_sparql("documents")):
            eff = r.get("effective")
            pub = str(r["publisher"])
            self.docs[r["d"]] = Doc(r["d"], r["id"], r["title"], r["version"], eff if isinstance(eff, dt.date) else None,
                                    publisher_id(pub), names.get(pub, pub), r.get("record"))
        self.publishers: dict[str, str] = {d.publisher: d.publisher_name for d in self.docs.values()}
        self.groups: dict[str, set[str]] = defaultdict(set)  # group -> member documents
        self.labels: dict[str, str] = {}
        for r in run(_sparql("groups")):
            self.groups[r["group"]].add(r["member"])
            if r.get("label"):
                self.labels[r["group"]] = r["label"]
        self.successors: dict[str, set[str]] = defaultdict(set)
        for r in run(_sparql("supersedes")):
            self.successors[r["older"]].add(r["newer"])
        self.nodes: dict[str, Node] = {}
        self.limbs: dict[str, dict[str, Limb]] = defaultdict(dict)  # subject -> scope node -> limb
        self.edges: list[Edge] = []
        self.ancestors: dict[str, list[str]] = {}  # clause -> [clause, parent clause, ..., section, ..., document]
        self.children: dict[str, list[Node]] = defaultdict(list)
        self.concerns: dict[str, dict[str, float]] = defaultdict(dict)  # clause -> matter -> score
        self.citations: dict[str, list[tuple[str, str]]] = defaultdict(list)  # clause -> [(cited node, words)]
        self.term_rows: dict[str, list[dict]] = {}  # document -> its defined terms
        self.definers: set[str] = set()
        for iri, d in self.docs.items():  # who a document is for, by its title (its own words, once read, win)
            for role, pattern in TITLE_AUDIENCE:
                if pattern.search(d.title):
                    self.limbs[iri]["title-audience"] = Limb(d.title, {"role": [role]}, d.title, iri, "title-audience")
                    break
        self._loaded: set[str] = set()
        self._in_force: dict[dt.date, set[str]] = {}
        self._views: dict[tuple, View] = {}

    def load(self, docs) -> None:
        """Read the tree, scopes, edges, matters, citations and terms of ``docs`` (once each)."""
        for d in sorted(set(docs) - self._loaded):
            self._load_one(d)
        self.edges.sort(key=lambda e: (e.clause, e.winner, e.loser, e.relation))

    def _load_one(self, d: str) -> None:
        run = self._run
        self._loaded.add(d)
        mine: list[Node] = []
        for r in run(_sparql("nodes"), d=f"<{d}>"):
            n = Node(r["n"], d, r["parent"], bool(r["section"]), int(r["position"]), r.get("number"), r.get("heading"),
                     r.get("label"), r.get("text"))
            self.nodes[n.iri] = n
            mine.append(n)
        for n in mine:
            chain, cur = [], n.iri
            while cur in self.nodes:
                chain.append(cur)
                cur = self.nodes[cur].parent
            chain.append(cur)
            self.ancestors[n.iri] = chain
            self.children[n.parent].append(n)
        for n in mine:
            self.children[n.parent].sort(key=lambda c: c.position)
        for r in run(_sparql("scopes"), d=f"<{d}>"):
            limb = self.limbs[r["subject"]].setdefault(r["scope"], Limb(r["text"], {}, r["words"], r["clause"], r["rule"]))
            _add_field(limb.fields, r)
        if any("role" in limb.fields for key, limb in self.limbs.get(d, {}).items() if key != "title-audience"):
            self.limbs[d].pop("title-audience", None)  # the document says who it is for
        edges: dict[str, Edge] = {}
        for r in run(_sparql("edges"), d=f"<{d}>"):
            e = edges.get(r["e"])
            if e is None:
                e = edges[r["e"]] = Edge(r["winner"], r["relation"], r["loser"], r["words"], r["clause"], r["rule"],
                                         r.get("explicit") is not False, r.get("condition"))
            _add_field(e.fields, r)
            for end, label in ((r["winner"], r.get("winnerLabel")), (r["loser"], r.get("loserLabel"))):
                if label:
                    self.labels[end] = label
        self.edges.extend(edges.values())
        for key, e in edges.items():
            if e.fields:  # "(a) Unless you are located in the United States, the laws of France will govern"
                self.limbs[e.clause].setdefault(key, Limb(e.condition or e.words, e.fields, e.condition or e.words,
                                                          e.clause, e.rule))
        for r in run(_sparql("concerns"), d=f"<{d}>"):
            mine_ = self.concerns[r["clause"]]
            mine_[r["matter"]] = max(float(r["score"]), mine_.get(r["matter"], 0.0))
        for r in run(_sparql("citations"), d=f"<{d}>"):
            self.citations[r["clause"]].append((r["target"], r["words"]))
        rows = run(_sparql("terms"), d=f"<{d}>")
        self.term_rows[d] = rows
        self.definers.update(r["definedBy"] for r in rows)

    # ------------------------------------------------------------------ documents in force

    def in_force(self, as_of: dt.date) -> set[str]:
        """Document versions in force on ``as_of``: effective on or before it (or undated) and not
        replaced (``cg:supersedes``, transitively) by a version that is. The same rule as
        in-force.rq, computed from the successions already read (the SPARQL path query took 2 s on a
        thousand versions); a test keeps the two the same."""
        found = self._in_force.get(as_of)
        if found is None:
            def started(d: str) -> bool:
                eff = self.docs[d].effective if d in self.docs else None
                return eff is None or eff <= as_of

            found = set()
            for d in self.docs:
                if not started(d):
                    continue
                stack, seen, replaced = list(self.successors.get(d, ())), set(), False
                while stack and not replaced:
                    newer = stack.pop()
                    if newer in seen:
                        continue
                    seen.add(newer)
                    replaced = started(newer)
                    stack.extend(self.successors.get(newer, ()))
                if not replaced:
                    found.add(d)
            self._in_force[as_of] = found
        return found

    def view(self, publisher: str, as_of: dt.date) -> View:
        live = frozenset(d for d in self.in_force(as_of) if d in self.docs and self.docs[d].publisher == publisher)
        return self.view_of(publisher, live)

    def view_of(self, publisher: str, live: frozenset[str]) -> View:
        key = (publisher, live)
        if key not in self._views:
            self.load(live)
            self._views[key] = View(self, publisher, live)
        return self._views[key]

    # ------------------------------------------------------------------ structure

    def matters_of(self, iri: str) -> set[str]:
        """The matters a clause concerns, and the broader ones (a liability cap is about liability)."""
        return broader_closure(self.concerns.get(iri, {}))

    def documents_of(self, iri: str) -> set[str]:
        if iri in self.docs:
            return {iri}
        if iri in self.groups:
            return set(self.groups[iri])
        if iri in self.nodes:
            return {self.nodes[iri].doc}
        return set()

    def covers(self, end: str, clause: str) -> bool:
        """Does the edge end ``end`` (clause, section, document or group) contain ``clause``?"""
        chain = self.ancestors.get(clause, [clause])
        if end in chain:
            return True
        return end in self.groups and self.nodes[clause].doc in self.groups[end]

    def _nearest(self, iri: str, test: Callable[[Node], object]) -> Node | None:
        for a in self.ancestors.get(iri, [iri]):
            n = self.nodes.get(a)
            if n is not None and test(n):
                return n
        return None

    def section_number(self, iri: str) -> str | None:
        n = self._nearest(iri, lambda n: n.section and n.number)
        return n.number if n else None

    def heading(self, iri: str) -> str | None:
        n = self._nearest(iri, lambda n: n.heading)
        return n.heading if n else None

    def section_heading(self, iri: str) -> str | None:
        n = self._nearest(iri, lambda n: n.section and n.heading)
        return n.heading if n else None

    def label(self, iri: str) -> str:
        if iri in self.docs:
            return self.docs[iri].title
        if iri in self.nodes:
            n = self.nodes[iri]
            return f"{self.docs[n.doc].title} {self.locator(iri)}".strip()
        return self.labels.get(iri, iri.rsplit("/", 1)[-1].replace("-", " "))

    def locator(self, iri: str) -> str:
        """"§6 “Limitation of liability” (a)": number, heading and list label, those it has."""
        n = self.nodes[iri]
        number, heading = self.section_number(iri), self.heading(iri)
        parts = [f"§{number}" if number else "", f"“{heading}”" if heading else "", n.label if n.label and n.label != "-" else ""]
        return " ".join(p for p in parts if p)

    def clause_info(self, iri: str) -> ClauseInfo:
        n = self.nodes[iri]
        return ClauseInfo(iri=iri, number=self.section_number(iri), heading=self.heading(iri),
                          label=n.label, section_heading=self.section_heading(iri), text=n.text or "")

    def word_count(self, iri: str) -> int:
        n = self.nodes.get(iri)
        return len(_WORDS.findall(n.text)) if n and n.text else 0

    def is_description(self, iri: str) -> bool:
        """An item of a list that describes processing ("Categories of Personal Data:", "Nature of the
        Processing:", "Data subjects:"): it states what there is, not what anyone must do."""
        n = self.nodes.get(iri)
        if n is None or n.section:
            return False
        for a in self.ancestors.get(iri, [])[1:4]:
            above = self.nodes.get(a)
            if above is None:
                break
            words = (above.heading or "") + " " + ((above.text or "")[:160] if not above.section else "")
            if _DESCRIBES.search(words):
                return True
        return False

    def is_definition(self, iri: str) -> bool:
        """A clause that says what a word means ("“Input” means ...", "Input. This is the input you provide")."""
        n = self.nodes.get(iri)
        return bool(n and n.text and iri in self.definers and _DEFINITION.search(n.text.replace("**", "")))


class View:
    """The clauses of one publisher's documents in force, ready to rank."""

    def __init__(self, snap: Snapshot, publisher: str, live: frozenset[str]) -> None:
        self.snap, self.publisher, self.live = snap, publisher, live
        nodes = [n for n in snap.nodes.values() if n.doc in live]
        # a lead-in ("How we use Your Data depends on your subscription plan:") says nothing by itself:
        # it is read as a heading of the items it introduces, which are what can govern ...
        self.lead_ins = {n.iri for n in nodes if not n.section and n.text and n.text.rstrip().endswith(":")
                         and snap.children.get(n.iri)}
        # ... unless it also states something: sentences before the one that introduces the list
        self.clauses = [n for n in nodes if not n.section and n.text and n.text.strip()
                        and (n.iri not in self.lead_ins or _SENTENCE_END.search(n.text.strip()))]
        self.clause_set = {n.iri for n in self.clauses}
        self.summaries: dict[str, tuple[str, str]] = {}  # summary item -> (its lead-in, the lead-in's words)
        for iri in self.lead_ins:
            if any(pattern.search(snap.nodes[iri].text) for pattern, _ in SUMMARY_LEADS):
                for child in snap.children[iri]:
                    self.summaries[child.iri] = (iri, snap.nodes[iri].text.strip())
        self.bm25 = BM25Index((c.iri, self._fields(c)) for c in self.clauses)
        # notices: texts another text says "explain" what is done; they inform, the other texts bind
        self.notices: dict[str, Edge] = {}
        self.edges = [e for e in snap.edges if self._ours(e)]
        for e in self.edges:
            if e.rule in NOTICE_RULES:
                for d in snap.documents_of(e.winner):
                    self.notices.setdefault(d, e)
        for d in live:  # a privacy or cookie notice informs; without a text saying so, its title does
            doc = snap.docs[d]
            if d not in self.notices and NOTICE_TITLE.search(doc.title):
                self.notices[d] = Edge(d, "notice", d, doc.title, d, "notice-title", False, None)
        # document-level ranking edges, for chains doc(a) > X > ... > doc(b)
        self.doc_edges: dict[str, list[tuple[str, Edge]]] = defaultdict(list)
        for e in self.edges:
            if e.relation not in ("prevailsOver", "governsFor") or e.rule in NOT_PRECEDENCE:
                continue
            if (e.winner in snap.docs or e.winner in snap.groups) and (e.loser in snap.docs or e.loser in snap.groups):
                for w in snap.documents_of(e.winner) & live:
                    for lo in snap.documents_of(e.loser) & live:
                        if w != lo:
                            self.doc_edges[w].append((lo, e))
        # defined terms: lemma of a defining clause's words -> terms it defines
        self.term_words: dict[str, set[str]] = defaultdict(set)
        self.term_lemmas: dict[str, list[str]] = {}
        for r in (row for d in live for row in snap.term_rows.get(d, ())):
            clause = snap.nodes.get(r["definedBy"])
            if clause is None or not clause.text or clause.doc not in live:
                continue
            self.term_lemmas[r["term"]] = tokens(r["label"])
            for lemma in set(tokens(clause.text)):
                self.term_words[lemma].add(r["term"])
        self.restated_cache: dict[str, str | None] = {}

    # what the ranking asks of a view (ranking.rank; a TextCorpus answers the same)
    def matters_of(self, iri: str) -> set[str]:
        return self.snap.matters_of(iri)

    def is_definition(self, iri: str) -> bool:
        return self.snap.is_definition(iri)

    def is_description(self, iri: str) -> bool:
        return self.snap.is_description(iri)

    def word_count(self, iri: str) -> int:
        return self.snap.word_count(iri)

    def own_heading(self, iri: str) -> str | None:
        """The clause's run-in heading, else its parent clause's or section's (whose side a clause is on)."""
        return self.snap.heading(iri)

    @property
    def vendor_words(self) -> set[str]:
        name = self.snap.publishers.get(self.publisher, "")
        return {w for w in re.findall(r"[A-Za-z]{3,}", name) if w.lower() not in {"chat", "services", "the", "api"}}

    def _ours(self, e: Edge) -> bool:
        """An edge stated in one of this view's documents."""
        n = self.snap.nodes.get(e.clause)
        return n is not None and n.doc in self.live

    def _fields(self, c: Node) -> dict[str, str]:
        headings = []
        for a in self.snap.ancestors[c.iri][1:]:
            n = self.snap.nodes.get(a)
            if n is not None and a in self.lead_ins:
                headings.append(n.text)
            elif n is not None and n.heading:
                headings.append(n.heading)
        return {"text": c.text or "", "headings": " ".join(([c.heading] if c.heading else []) + headings),
                "title": self.snap.docs[c.doc].title if c.doc in self.snap.docs else ""}
