"""Read the legal connections of a corpus: definitions, references, precedence, term uses.

    extract_corpus(documents) -> {document ref key: Extraction}

Per publisher: the catalog of document names, the aliases documents define for themselves
or for others, which documents borrow whose definitions; then every clause runs through the
spaCy pipeline (``nlp.py``) and what its rules found is resolved to targets.
"""

from __future__ import annotations

import bisect
import re
from collections import defaultdict
from dataclasses import dataclass, field

from clausegraph.ingest.extract.catalog import Catalog, DocName
from clausegraph.ingest.extract.conditions import read_condition
from clausegraph.ingest.extract.nlp import make_nlp
from clausegraph.ingest.extract.definitions import find_definitions
from clausegraph.ingest.extract.matters import add_concerns
from clausegraph.ingest.extract.parties import (
    _ANY_AGREEMENT,
    _DOC_LIKE,
    _EXCEPTION_LEAD,
    _FOREGOING,
    _INSTRUMENT_TERM,
    _SELF_LIMIT,
    _SELF_NAMED,
    _TEXT_WORD,
    _THIS_SECTION,
    _external_name,
    _has_fields,
    _parties,
    _product_names,
    _same,
    _same_party,
    _within,
)
from clausegraph.ingest.extract.precedence import ORDER_LEAD, PRECEDENCE_CUE, SELF_CLAUSE, SELF_DOC, SELF_SECTION, RawPrecedence
from clausegraph.ingest.extract.references import RawRef, find_external_refs, find_structural_refs
from clausegraph.ontology.edges import (
    Condition,
    Definition,
    DefinitionKind,
    Evidence,
    Extraction,
    Precedence,
    PrecedenceKind,
    Reference,
    Target,
    TargetKind,
    TermUse,
)
from clausegraph.ontology.models import Clause, Document, Section

__all__ = ["extract_corpus", "ref_key", "group_members"]

_SCC = re.compile(r"\bSCCs?\b|standard contractual clauses", re.IGNORECASE)
_SELF_DET = re.compile(r"\b(?:these|this)\s+$", re.IGNORECASE)
_PRONOUNS = {"we", "us", "you", "our", "your", "i"}
_DETERMINERS = {"the", "these", "this", "our", "any", "all", "such", "your", "its", "each", "those", "that"}
_WORD = re.compile(r"\w+")
_THESE_TEXT = re.compile(r"(?i)\W*(?:these|this)\s+(?:terms|agreement|policy|statement|addendum|dpa|notice)\W*$")


def _fold(word: str) -> str:
    """A word as the IGNORECASE name patterns compare it (re also takes ı and İ for i)."""
    return word.casefold().replace("i\u0307", "i").replace("ı", "i")


class _Spans:
    """Spans of a text as one sorted list of disjoint intervals: whether a span overlaps any of
    them in log time (a clause naming documents hundreds of times made the list scan quadratic)."""

    def __init__(self, spans=()) -> None:
        self.starts: list[int] = []
        self.ends: list[int] = []
        self.points: list[int] = []  # empty spans: one overlaps a span strictly around it
        for s, e in sorted(spans):
            if s >= e:
                bisect.insort(self.points, s)
                continue
            if self.starts and s < self.ends[-1]:  # merged: overlapping any of them is overlapping the union
                self.ends[-1] = max(self.ends[-1], e)
            else:
                self.starts.append(s)
                self.ends.append(e)

    def overlaps(self, start: int, end: int) -> bool:
        i = bisect.bisect_left(self.starts, end) - 1  # the last span starting before ``end`` ends last of those
        if i >= 0 and self.ends[i] > start:
            return True
        j = bisect.bisect_right(self.points, start)
        return j < len(self.points) and self.points[j] < end

    def add(self, start: int, end: int) -> None:
        """A span that overlaps none of them."""
        if start >= end:
            bisect.insort(self.points, start)
            return
        i = bisect.bisect_left(self.starts, start)
        self.starts.insert(i, start)
        self.ends.insert(i, end)


class _NameIndex:
    """The names a document can use, found from the words of a text without trying every name.

    A name's pattern matches its words whole, in any case (titles, groups), or its term exactly
    between non-word characters (aliases), so a name can only match a text holding all its
    words, folded. Trying every name's regex on every clause was most of the time of a large
    corpus (145 documents in 15 MB: names x clauses); now a clause costs its words and the names
    that share its first word.
    """

    def __init__(self, names: list[tuple[DocName, list[str]]]) -> None:
        self.names = names
        self.words = [[_fold(w) for w in _WORD.findall(name.label)] for name, _ in names]
        self.always = [i for i, words in enumerate(self.words) if not words]
        self.by_word: dict[str, list[int]] = defaultdict(list)
        for i, words in enumerate(self.words):
            if words:
                self.by_word[words[0]].append(i)

    def candidates(self, text: str) -> list[tuple[DocName, list[str]]]:
        """The names that could match in ``text``, in their order (longest first)."""
        present = {_fold(w) for w in _WORD.findall(text)}
        found = set(self.always)
        for word in present:
            found.update(self.by_word.get(word, ()))
        out = []
        for i in sorted(found):
            name = self.names[i][0]
            if all(w in present for w in self.words[i]) and (name.doc_id or name.group or name.label in text):
                out.append(self.names[i])
        return out
# a meaning that is itself a text ("the service agreement (including the Terms of Service ...)")
_NAMES_A_TEXT = re.compile(r"\s*(?:the|this|these|any|each|a|an)?\s*(?:[\w-]+\s+){0,2}(?:agreement|terms|contract|policy|addendum)\b", re.IGNORECASE)


def ref_key(doc: Document) -> str:
    return f"{doc.publisher.id}/{doc.id}/{doc.version}"


@dataclass
class _Clause:
    doc: Document
    clause: Clause
    section: Section | None
    ancestors: list[Clause]
    definitions: list = field(default_factory=list)
    references: list = field(default_factory=list)
    precedence: list = field(default_factory=list)


@dataclass
class _Alias:
    term: str
    owner: str  # doc id defining it
    targets: list[str]  # doc ids or "group:<slug>"


@dataclass
class _Scope:
    """What one document can name."""

    doc: Document
    names: list[DocName] = field(default_factory=list)
    aliases: list[_Alias] = field(default_factory=list)


def _walk(doc: Document):
    def rec(nodes, section, ancestors):
        for node in nodes:
            if isinstance(node, Section):
                yield from rec(node.children, node, [])
            else:
                yield _Clause(doc, node, section, list(ancestors))
                yield from rec(node.children, section, ancestors + [node])
    yield from rec(doc.children, None, [])


def _sections(doc: Document) -> list[tuple[Section, list[Section]]]:
    out = []

    def rec(nodes, parents):
        for node in nodes:
            if isinstance(node, Section):
                out.append((node, parents))
                rec(node.children, parents + [node])
    rec(doc.children, [])
    return out


class _Extractor:
    def __init__(self, documents: list[Document]) -> None:
        self.documents = documents
        self.by_id: dict[str, list[Document]] = defaultdict(list)
        for d in documents:
            self.by_id[d.id].append(d)
        latest = [max(v, key=lambda d: (str(d.effective), d.version)) for v in self.by_id.values()]
        self.catalog = Catalog.build(latest)
        self.aliases: list[_Alias] = []
        self.borrows: dict[str, set[str]] = defaultdict(set)  # doc id -> doc ids it borrows definitions from
        self.clauses: dict[str, list[_Clause]] = {}
        self._infos: dict[tuple[str, str], _Clause] = {}  # (document, clause key) -> clause
        self.results: dict[str, Extraction] = {}
        self._names_cache: dict[tuple, list] = {}
        self._name_index: dict[int, _NameIndex] = {}  # id of a names_for list -> its index
        self._read: dict[tuple[str, bool], tuple[list, list, list]] = {}  # clause text -> what the rules found
        self._sections_cache: dict[str, list] = {}
        self.products = _product_names(documents)

    # ------------------------------------------------------------ resolution helpers

    def version_of(self, doc_id: str, near: Document) -> Document:
        versions = self.by_id[doc_id]
        same = [d for d in versions if d.version == near.version]
        if same:
            return same[0]
        dated = [d for d in versions if d.effective and near.effective and d.effective <= near.effective]
        return max(dated or versions, key=lambda d: (str(d.effective), d.version))

    def names_for(self, doc: Document) -> list[tuple[DocName, list[str]]]:
        """(name, targets) a document can use: titles, groups, its own and borrowed aliases; longest first."""
        key = (doc.id, len(self.aliases), tuple(sorted(self._borrowed(doc.id))))
        cached = self._names_cache.get(key)
        if cached is None:
            cached = self._names_cache[key] = self._names_for(doc)
        return cached

    def _names_for(self, doc: Document) -> list[tuple[DocName, list[str]]]:
        allowed = {doc.id} | self._borrowed(doc.id)
        out = [(n, [n.doc_id] if n.doc_id else [f"group:{n.group}"]) for n in self.catalog.names]
        for alias in self.aliases:
            if alias.owner in allowed:
                pattern = re.compile(r"(?<![\w“\"])" + re.escape(alias.term) + r"(?![\w”\"])")
                out.append((DocName(pattern, None, None, alias.term), alias.targets))
        out.sort(key=lambda item: -len(item[0].label))
        return out

    def _borrowed(self, doc_id: str) -> set[str]:
        seen: set[str] = set()
        todo = list(self.borrows.get(doc_id, ()))
        while todo:
            d = todo.pop()
            if d not in seen and d != doc_id:
                seen.add(d)
                todo.extend(self.borrows.get(d, ()))
        return seen

    def target_for(self, token: str, near: Document, text: str) -> Target:
        if token.startswith("group:"):
            return Target(kind=TargetKind.GROUP, group=token[6:], text=text)
        doc = self.version_of(token, near)
        return Target(kind=TargetKind.DOCUMENT, document=doc.ref, text=text)

    def name_matches(self, doc: Document, text: str, start: int = 0, end: int | None = None, *, skip=()):
        """(start, end, targets, words) of document names in ``text[start:end]``, longest first, no overlaps."""
        end = len(text) if end is None else end
        taken = _Spans(skip)
        found = []
        names = self.names_for(doc)
        index = self._name_index.get(id(names))
        if index is None or index.names is not names:
            index = self._name_index[id(names)] = _NameIndex(names)
        for name, targets in index.candidates(text):
            for m in name.pattern.finditer(text, start, end):
                if taken.overlaps(m.start(), m.end()):
                    continue
                if name.doc_id is None and name.group is None:  # an alias: not when part of a longer name
                    before = re.search(r"([\w-]+)\s+$", text[max(0, m.start() - 40): m.start()])
                    if before and before.group(1)[:1].isupper() and before.group(1).lower() not in _DETERMINERS:
                        continue
                taken.add(m.start(), m.end())
                found.append((m.start(), m.end(), targets, m.group(0)))
        return sorted(found)

    def section_target(self, doc: Document, number: str, kind: str, context: _Clause | None, text: str) -> Target:
        if kind == "exhibit":
            key = f"exhibit-{number}"
            hit = next((s for s, _ in (self._sections_cache.get(ref_key(doc)) or _sections(doc)) if s.key == key), None)
            return Target(kind=TargetKind.SECTION, document=doc.ref, key=key, number=f"Exhibit {number}", text=text,
                          resolved=hit is not None)
        sections = self._sections_cache.get(ref_key(doc))
        if sections is None:
            sections = self._sections_cache[ref_key(doc)] = _sections(doc)
        candidates = [(s, parents) for s, parents in sections if s.number == number]
        if len(candidates) > 1 and context is not None and context.doc is doc and context.section is not None:
            own_appendix = context.section.key.split("/")[0] if "/" in context.section.key else None
            same = [c for c in candidates if (c[0].key.split("/")[0] if "/" in c[0].key else None) == own_appendix]
            candidates = same or candidates
        if len(candidates) > 1:
            candidates = [c for c in candidates if "/" not in c[0].key] or candidates
        if not candidates:
            item = self._item_target(doc, sections, number, text)
            if item is not None:
                return item
            # a document split from the same record goes on with the same numbering ("13." in an addendum cites "section 12")
            for other in self.documents:
                if other is not doc and other.source.sha256 == doc.source.sha256 and other.version.endswith(doc.version[-7:]):
                    found = self.section_target(other, number, kind, None, text) if self._has_number(other, number) else None
                    if found is not None:
                        return found
            return Target(kind=TargetKind.SECTION, document=doc.ref, number=number, text=text, resolved=False)
        return Target(kind=TargetKind.SECTION, document=doc.ref, key=candidates[0][0].key, number=number, text=text)

    def _has_number(self, doc: Document, number: str) -> bool:
        sections = self._sections_cache.get(ref_key(doc))
        if sections is None:
            sections = self._sections_cache[ref_key(doc)] = _sections(doc)
        return any(s.number == number for s, _ in sections)

    @staticmethod
    def _item_target(doc: Document, sections, number: str, text: str) -> Target | None:
        """"Section 6.b": the item labelled "b." (or "(b)") of section 6."""
        head, _, last = number.rpartition(".")
        if not head or not last.isalpha() or len(last) > 4:
            return None
        section = next((s for s, _ in sections if s.number == head), None)
        if section is None:
            return None
        todo = list(section.children)
        while todo:
            node = todo.pop(0)
            if isinstance(node, Clause) and ((node.label and node.label.strip("().").lower() == last.lower())
                                             or re.match(r"(?i)^(?:[-*+•]\s+)?\(?" + re.escape(last) + r"[.)]\s", node.text)):
                return Target(kind=TargetKind.CLAUSE, document=doc.ref, key=node.key, number=number, text=text)
            todo.extend(c for c in node.children if not isinstance(c, Section))
        return None

    # ------------------------------------------------------------ passes

    def run(self) -> dict[str, Extraction]:
        nlp = make_nlp()
        for doc in self.documents:
            infos = list(_walk(doc))
            # What the rules find depends only on a clause's text: versions of a document share most
            # clauses, so each distinct text is read once. Only clauses with a precedence cue need
            # sentences and lemmas; the other rules read plain text, so those clauses skip spaCy's
            # tokenizer (most of what it costs).
            pending: dict[tuple[str, bool], list[_Clause]] = {}
            for info in infos:
                text = info.clause.text
                cites_sccs = bool(_SCC.search(text)) or any(_SCC.search(a.text) for a in info.ancestors)
                key = (text, cites_sccs)
                found = self._read.get(key)
                if found is not None:
                    info.definitions, info.references, info.precedence = found
                elif PRECEDENCE_CUE.search(text):
                    pending.setdefault(key, []).append(info)
                else:
                    found = self._read[key] = (find_definitions(text),
                                               find_structural_refs(text) + find_external_refs(text, cites_sccs=cites_sccs), [])
                    info.definitions, info.references, info.precedence = found
            spacy_docs = []
            for text, cites_sccs in pending:
                sdoc = nlp.make_doc(text)
                sdoc._.cg_cites_sccs = cites_sccs
                sdoc.user_data["cg_text"] = text
                spacy_docs.append(sdoc)
            for key, sdoc in zip(pending, nlp.pipe(spacy_docs, batch_size=256)):
                found = self._read[key] = (sdoc._.cg_definitions, sdoc._.cg_references, sdoc._.cg_precedence)
                for info in pending[key]:
                    info.definitions, info.references, info.precedence = found
            self.clauses[ref_key(doc)] = infos
            self._infos.update(((ref_key(doc), i.clause.key), i) for i in infos)
            self.results[ref_key(doc)] = Extraction(document=doc.ref)
        for doc in self.documents:
            self._definitions(doc)
        self._aliases()
        for doc in self.documents:
            self._borrowing(doc)
        for doc in self.documents:
            self._references(doc)
            self._precedence(doc)
            self._party_references(doc)
            self._uses(doc)
        return self.results

    def _evidence(self, info: _Clause, s: int, e: int, rule: str, condition: Condition | None = None) -> Evidence:
        c = info.clause
        return Evidence(document=info.doc.ref, clause=c.key, words=c.text[s:e], start=c.start + s, end=c.start + e,
                        rule=rule, condition=condition)

    def _definitions(self, doc: Document) -> None:
        out = self.results[ref_key(doc)]
        for info in self.clauses[ref_key(doc)]:
            for m in info.definitions:
                out.definitions.append(Definition(
                    term=m.term, kind=m.kind, meaning_source=m.meaning_source,
                    evidence=self._evidence(info, m.start, m.end, f"definition-{m.rule}")))

    def _aliases(self) -> None:
        """Terms that name a document: a document's names for itself, terms whose meaning names documents, and
        terms whose meaning is any agreement that takes this document in ("any terms of service or other agreement
        ... that expressly references it (... an “Agreement”)"), which name the documents of the publisher that
        call themselves so ("these Terms and Conditions (“Agreement”)")."""
        generic: list[tuple[str, Document]] = []
        for doc in self.documents:
            title_tail = " ".join(re.findall(r"[\w’']+", doc.title.lower())[-2:])
            for info in self.clauses[ref_key(doc)]:
                text = info.clause.text
                for m in info.definitions:
                    # the document's own name right before the parenthesis: "These Terms of Service (these “Terms”)"
                    before = text[max(0, m.words_start - 40): m.words_start].lower()
                    inner = text[m.words_start: m.words_end].lower()
                    if m.rule == "parenthetical" and (title_tail in " ".join(re.findall(r"[\w’']+", before))
                                                      or re.match(r"\((?:these|this)\b", inner)
                                                      or _SELF_NAMED.search(text[max(0, m.words_start - 60): m.words_start].lower())):
                        if m.term.lower() not in _PRONOUNS and (re.match(r"\((?:these|this)\b", inner) or _DOC_LIKE.search(m.term)):
                            self._add_alias(m.term, doc.id, [doc.id])
                    elif m.rule == "parenthetical" and _ANY_AGREEMENT.search(text[max(0, m.words_start - 300): m.words_start]) \
                            and re.search(r"(?i)\beach\s+such\b|\bagreement\b|\bterms\b", inner):
                        generic.append((m.term, doc))
                    elif m.rule == "parenthetical" and m.term.lower() not in _PRONOUNS:
                        # a document named right before: "SpaceXAI’s Acceptable Use Policy (“AUP”)"
                        lead = text[max(0, m.words_start - 80): m.words_start]
                        named = [x for x in self.name_matches(doc, lead) if not lead[x[1]:].strip(" ,*_")]
                        targets = [t for x in named for t in x[2] if not t.startswith("group:")]
                        if targets and targets != [doc.id]:
                            self._add_alias(m.term, doc.id, targets)
                    elif m.kind is DefinitionKind.MEANS and _NAMES_A_TEXT.match(text[m.words_end: m.words_end + 80]):
                        meaning = text[m.words_end: m.words_end + 200].split(".")[0]
                        named = self.name_matches(doc, meaning)
                        targets = []
                        for _, _, tgts, _ in named:
                            targets.extend(t for t in tgts if t not in targets)
                        if targets:
                            self._add_alias(m.term, doc.id, targets)
        for term, doc in generic:
            if any(a.term == term and a.owner == doc.id for a in self.aliases):
                continue
            # the documents that call themselves by that term and name this one
            owners = [a.owner for a in self.aliases if a.term == term and a.owner != doc.id and a.targets == [a.owner]]
            owners = [o for o in dict.fromkeys(owners) if self._names(o, doc)]
            if owners:
                self._add_alias(term, doc.id, owners)

    def _names(self, owner: str, named: Document) -> bool:
        """Whether a version of document ``owner`` names document ``named`` by its title or record name."""
        patterns = [n.pattern for n in self.catalog.names if n.doc_id == named.id]
        for version in self.by_id.get(owner, []):
            for info in self.clauses.get(ref_key(version), []):
                if any(p.search(info.clause.text) for p in patterns):
                    return True
        return False

    def _add_alias(self, term: str, owner: str, targets: list[str]) -> None:
        if not any(a.term == term and a.owner == owner for a in self.aliases):
            self.aliases.append(_Alias(term, owner, targets))

    def _borrowing(self, doc: Document) -> None:
        """A document borrows the definitions of the documents it says it is subject to, or whose meanings it adopts."""
        for info in self.clauses[ref_key(doc)]:
            for raw in info.precedence:
                if raw.rule not in ("meaning-given-in", "scope-use-subject"):
                    continue
                span = raw.winner if raw.rule == "meaning-given-in" else raw.condition
                if not isinstance(span, tuple):
                    continue
                for _, _, targets, words in self.name_matches(doc, info.clause.text, *span):
                    members = [m for t in targets if t.startswith("group:") for m in self.catalog.group_members(t[6:])]
                    for t in [t for t in targets if not t.startswith("group:")] + members:
                        if t != doc.id:
                            self.borrows[doc.id].add(t)
                            self.results[ref_key(doc)].borrows_from.append(Reference(
                                evidence=self._evidence(info, raw.start, raw.end, f"borrows-{raw.rule}"),
                                target=self.target_for(t, doc, words)))

    def _instruments(self, doc: Document) -> re.Pattern[str] | None:
        """Texts this document defines that the corpus does not hold ("(each, an “Order Form”)"), as a pattern of their mentions."""
        aliased = {a.term for a in self.aliases}
        terms = {d.term for d in self.results[ref_key(doc)].definitions
                 if _INSTRUMENT_TERM.search(d.term) and d.term not in aliased and not self.name_matches(doc, d.term)}
        if not terms:
            return None
        return re.compile(r"(?<![\w“\"])(?P<term>" + "|".join(re.escape(t) for t in sorted(terms, key=len, reverse=True)) + r")s?(?![\w”\"])")

    def _references(self, doc: Document) -> None:
        out = self.results[ref_key(doc)]
        instruments = self._instruments(doc)
        for info in self.clauses[ref_key(doc)]:
            text = info.clause.text
            raws: list[RawRef] = info.references
            # a run-in heading names the clause, it does not cite anything ("Privacy Policy. We process ...")
            taken = [(0, len(info.clause.heading))] if info.clause.heading and text.startswith(info.clause.heading) else []
            for raw in raws:
                if raw.kind in ("section", "exhibit"):
                    owner_doc = self._owner_document(doc, raw.owner)
                    foreign = self._foreign_owner(doc, raw.owner)
                    if foreign:  # "Section 19 of such UK Addendum": a part of a text the corpus does not hold
                        for number in raw.numbers:
                            out.references.append(Reference(
                                evidence=self._evidence(info, raw.start, raw.end, "reference-foreign-section"),
                                target=Target(kind=TargetKind.EXTERNAL, name=f"{foreign} Section {number}", text=text[raw.start: raw.end])))
                        taken.append((raw.start, raw.end))
                        continue
                    for number in raw.numbers:
                        if re.fullmatch(r"[IVX]+", number) and not self._has_number(owner_doc, number) and _SCC.search(text):
                            # "Section IV, Clauses 17 and 18 of the SCCs": a part of the SCCs
                            out.references.append(Reference(evidence=self._evidence(info, raw.start, raw.end, "reference-scc-section"),
                                                            target=Target(kind=TargetKind.EXTERNAL, name=f"SCCs Section {number}",
                                                                          text=text[raw.start: raw.end])))
                            continue
                        target = self.section_target(owner_doc, number, raw.kind, info, text[raw.start: raw.end])
                        out.references.append(Reference(evidence=self._evidence(info, raw.start, raw.end, f"reference-{raw.rule}"),
                                                        target=target))
                    taken.append((raw.start, raw.end))
            for raw in raws:
                if raw.kind == "external":
                    out.references.append(Reference(
                        evidence=self._evidence(info, raw.start, raw.end, f"reference-{raw.rule}"),
                        target=Target(kind=TargetKind.EXTERNAL, name=raw.name, text=text[raw.start: raw.end])))
                    taken.append((raw.start, raw.end))
            for m in info.definitions:
                if m.meaning_source and not self.name_matches(doc, m.meaning_source):
                    source = re.sub(r"^(?:the|applicable)\s+", "", m.meaning_source, flags=re.IGNORECASE) \
                        if m.meaning_source.lower().startswith("the ") else m.meaning_source
                    s = text.find(m.meaning_source)
                    if s >= 0 and not any(r.evidence.clause == info.clause.key and r.target.name == source for r in out.references):
                        out.references.append(Reference(
                            evidence=self._evidence(info, s, s + len(m.meaning_source), "reference-meaning-source"),
                            target=Target(kind=TargetKind.EXTERNAL, name=source, text=m.meaning_source)))
                        taken.append((s, s + len(m.meaning_source)))
            for s, e, targets, words in self.name_matches(doc, text, skip=taken):
                self_ref = _SELF_DET.search(text[max(0, s - 8): s]) is not None
                for t in targets:
                    if t == doc.id:
                        continue
                    if t.startswith("group:") and self_ref and doc.id in self.catalog.group_members(t[6:]):
                        continue
                    out.references.append(Reference(evidence=self._evidence(info, s, e, "reference-document-name"),
                                                    target=self.target_for(t, doc, words)))
            if info.section is not None and info.section.number:
                for m in _THIS_SECTION.finditer(text):
                    out.references.append(Reference(
                        evidence=self._evidence(info, m.start(), m.end(), "reference-this-section"),
                        target=Target(kind=TargetKind.SECTION, document=doc.ref, key=info.section.key,
                                      number=info.section.number, text=m.group(0))))
            if instruments is not None:
                quotes = [(m.start, m.end) for m in info.definitions]
                for m in instruments.finditer(text):
                    if any(s <= m.start() < e for s, e in quotes + taken):
                        continue
                    name = re.sub(r"s$", "", m.group("term")) if m.group("term").endswith("Forms") else m.group("term")
                    out.references.append(Reference(
                        evidence=self._evidence(info, m.start(), m.end(), "reference-defined-instrument"),
                        target=Target(kind=TargetKind.EXTERNAL, name=name, text=m.group(0))))
        out.references = self._dedupe(out.references)

    def _foreign_owner(self, doc: Document, owner: str | None) -> str | None:
        """The name of the text an owner phrase names when it is neither a document of the corpus nor this one."""
        if not owner or self.name_matches(doc, owner):
            return None
        if re.match(r"(?i)(?:this|these|the)\s+(?:[\w-]+\s+){0,3}(?:terms|agreement|policy|dpa|addendum|notice|statement)\b", owner) \
                and not re.search(r"\b[A-Z]{2,}\b(?<!DPA)", owner.split(None, 1)[-1]):
            return None  # "this DPA", "these Terms": this document under another word
        name = re.sub(r"(?i)^(?:this|the|these|our|such|that)\s+", "", owner).strip(" [")
        return name or None

    def _owner_document(self, doc: Document, owner: str | None) -> Document:
        """The document holding a cited section: the one ``owner`` names ("of this DPA"), else ``doc``."""
        if owner:
            named = self.name_matches(doc, owner)
            docs = [t for _, _, ts, _ in named for t in ts if not t.startswith("group:")]
            if docs:
                return self.version_of(docs[0], doc)
        return doc

    @staticmethod
    def _dedupe(refs: list[Reference]) -> list[Reference]:
        """One reference per clause and target: the first words that make it."""
        seen, out = set(), []
        for r in refs:
            t = r.target
            key = (r.evidence.clause, t.kind, t.document.id if t.document else None, t.group, t.key, t.number, t.name)
            if key not in seen:
                seen.add(key)
                out.append(r)
        return out

    def _resolve_span(self, info: _Clause, span: tuple[int, int]) -> list[Target]:
        """Targets named by the words ``span`` of a clause: sections, documents, external sources."""
        doc, text = info.doc, info.clause.text
        s, e = span
        words = text[s:e]
        out: list[Target] = []
        taken: list[tuple[int, int]] = []
        for raw in find_structural_refs(words):
            owner_doc = self._owner_document(doc, raw.owner)
            for number in raw.numbers:
                out.append(self.section_target(owner_doc, number, raw.kind, info, words[raw.start: raw.end]))
            taken.append((s + raw.start, s + raw.end))
        for raw in find_external_refs(words, cites_sccs=False):
            if raw.rule == "external-url":
                continue
            out.append(Target(kind=TargetKind.EXTERNAL, name=raw.name, text=words[raw.start: raw.end]))
            taken.append((s + raw.start, s + raw.end))
        for ms, me, targets, w in self.name_matches(doc, text, s, e, skip=taken):
            for t in targets:
                tgt = self.target_for(t, doc, w)
                if not any(x.kind == tgt.kind and x.document == tgt.document and x.group == tgt.group for x in out):
                    out.append(tgt)
        if not out and re.search(r"\bin\s+writing\b|\bwritten\s+agreement\b", words, re.IGNORECASE):
            out.append(Target(kind=TargetKind.EXTERNAL, name="written agreement", text=words))
        if not out and re.search(r"\bPartner\s+Terms\b", words):
            out.append(Target(kind=TargetKind.EXTERNAL, name="Partner Terms", text=words))
        return out

    def _self_target(self, info: _Clause, role: str, text: str) -> Target:
        if role == SELF_DOC:
            return Target(kind=TargetKind.DOCUMENT, document=info.doc.ref, text=text)
        if role == SELF_SECTION and info.section is not None:
            return Target(kind=TargetKind.SECTION, document=info.doc.ref, key=info.section.key,
                          number=info.section.number, text=text)
        return Target(kind=TargetKind.CLAUSE, document=info.doc.ref, key=info.clause.key, text=text)

    def _precedence(self, doc: Document) -> None:
        out = self.results[ref_key(doc)]
        for info in self.clauses[ref_key(doc)]:
            text = info.clause.text
            for raw in info.precedence:
                out.precedence.extend(self._statements(info, raw, text))
            lead = _EXCEPTION_LEAD.search(text)
            if lead:
                out.precedence.extend(self._exceptions(info, lead))
            order = ORDER_LEAD.search(text)
            if order:
                out.precedence.extend(self._ranked_items(info))

    def _ranked_items(self, info: _Clause) -> list[Precedence]:
        """An order of precedence whose ranked texts are the lead-in's list items: each prevails over the next."""
        ranked: list[tuple[_Clause, list[Target]]] = []
        for child in info.clause.children:
            item = self._infos.get((ref_key(info.doc), child.key))
            if item is None or child.kind.value != "item":
                continue
            targets = self._role_targets(item, (0, len(child.text)), child.text, named_texts=True)
            if targets:
                ranked.append((item, targets))
        out: list[Precedence] = []
        for (item, winners), (_, losers) in zip(ranked, ranked[1:]):
            for w in winners:
                for loser in losers:
                    if not _same(w, loser):
                        out.append(Precedence(kind=PrecedenceKind.PREVAILS_OVER, winner=w, loser=loser,
                                              evidence=self._evidence(item, 0, len(item.clause.text), "precedence-order-list-item")))
        return out

    def _party_references(self, doc: Document) -> None:
        """Every text a precedence statement names is also a text the clause references."""
        out = self.results[ref_key(doc)]
        for p in out.precedence:
            info = self._infos.get((ref_key(doc), p.evidence.clause))
            if info is None:
                continue
            text = info.clause.text
            for t in (p.winner, p.loser):
                if t is None or t.kind is TargetKind.CLAUSE or (t.document == doc.ref and t.kind is TargetKind.DOCUMENT) \
                        or t.text == p.evidence.words:
                    continue  # the clause itself, its own document, or a text no words name ("unless otherwise agreed in writing")
                if t.kind is TargetKind.SECTION and t.document == doc.ref and info.section is not None and t.key == info.section.key:
                    continue  # "this Section", read as the statement's own part
                at = text.find(t.text, max(0, p.evidence.start - info.clause.start))
                at = text.find(t.text) if at < 0 else at
                if at < 0 or not t.text.strip():
                    continue
                out.references.append(Reference(evidence=self._evidence(info, at, at + len(t.text), "reference-precedence-party"),
                                                target=t))
        out.references = self._dedupe(out.references)

    def _exceptions(self, info: _Clause, lead: re.Match[str]) -> list[Precedence]:
        """Items listed after "... with the following exceptions:": each text an item names is carved out of the lead-in."""
        out: list[Precedence] = []
        loser = self._self_target(info, SELF_CLAUSE, lead.group(0))
        for child in info.clause.children:
            item = self._infos.get((ref_key(info.doc), child.key))
            if item is None:
                continue
            for w in self._resolve_span(item, (0, len(child.text))):
                if w.kind is TargetKind.DOCUMENT and w.document == info.doc.ref:
                    continue
                out.append(Precedence(kind=PrecedenceKind.OVERRIDES, winner=w, loser=loser,
                                      evidence=self._evidence(item, 0, len(child.text), "precedence-exception-list-item")))
        return out

    def _condition(self, info: _Clause, span: tuple[int, int] | None) -> Condition | None:
        if span is None:
            return None
        s, e = span
        words = info.clause.text[s:e]
        return Condition(text=words, start=info.clause.start + s, end=info.clause.start + e,
                         **read_condition(words, products=self.products))

    def _statements(self, info: _Clause, raw: RawPrecedence, text: str) -> list[Precedence]:
        words = text[raw.start: raw.end]
        if raw.kind is PrecedenceKind.SCOPE:
            winner_words = text[raw.winner[0]: raw.winner[1]] if isinstance(raw.winner, tuple) else ""
            if raw.winner == SELF_CLAUSE:
                winners = [self._self_target(info, SELF_CLAUSE, words)]
            elif re.match(r"(?i)this\s+section\b", winner_words):
                number = re.search(r"\d+(?:\.\d+)*", winner_words)
                winners = [self.section_target(info.doc, number.group(), "section", info, winner_words)] if number \
                    else [self._self_target(info, SELF_SECTION, winner_words)]
            else:
                winners = [t for t in self._resolve_span(info, raw.winner) if t.kind is TargetKind.DOCUMENT] \
                    if isinstance(raw.winner, tuple) else []
                winners = winners or [self._self_target(info, SELF_DOC, winner_words)]
            scope_words = text[raw.scope[0]: raw.scope[1]] if raw.scope else None
            # the fields come from the scope's own words ("Your use of Le Chat"), never from what it is subject to
            condition = self._condition(info, raw.scope)
            if raw.rule == "scope-if" and (condition is None or not _has_fields(condition)):
                return []  # "If you have any questions": a condition that says nothing of who or where the user is
            out = [Precedence(kind=raw.kind, winner=w, scope=scope_words, explicit=raw.explicit,
                              evidence=self._evidence(info, raw.start, raw.end, f"precedence-{raw.rule}", condition))
                   for w in winners]
            if scope_words and text[raw.scope[1]:].strip().startswith(":") or (scope_words or "").rstrip().endswith(":"):
                # "govern your use of ... through:" followed by list items: each item is one limb of the scope
                for child in info.clause.children:
                    item = self._infos.get((ref_key(info.doc), child.key)) if isinstance(child, Clause) else None
                    if item is None or child.kind.value != "item":
                        continue
                    limb = self._condition(item, (0, len(child.text)))
                    out.extend(Precedence(kind=raw.kind, winner=w, scope=child.text, explicit=raw.explicit,
                                          evidence=self._evidence(item, 0, len(child.text), "precedence-scope-list-item", limb))
                               for w in winners)
            return out
        condition = self._condition(info, raw.condition)
        # the parties of a statement are texts, named or not: words that name no known text are an external text
        named_texts = raw.named
        winners = self._role_targets(info, raw.winner, words, named_texts=named_texts)
        if not winners and raw.by_heading and isinstance(raw.winner, tuple):
            winners = self._heading_targets(info, raw.winner)
        if raw.owner and isinstance(raw.winner, tuple):
            # "third-party software ... subject to their own terms": the third parties' terms, named after their owner
            owner = _external_name(text[raw.owner[0]: raw.owner[1]])
            winners = [Target(kind=TargetKind.EXTERNAL, name=f"{owner} {text[raw.winner[0]: raw.winner[1]]}",
                              text=text[raw.owner[0]: raw.winner[1]])] if owner else []
        if raw.rule == "not-apply" and isinstance(raw.loser, tuple) and _SELF_LIMIT.match(info.clause.text[raw.loser[0]: raw.loser[1]]):
            # "the foregoing limitations shall not apply to Customer's obligations under Section 9": Section 9 wins
            if raw.condition is None:
                return []
            winners = self._role_targets(info, raw.condition, words, named_texts=False)
            raw = RawPrecedence(raw.kind, raw.rule, raw.start, raw.end, raw.winner, SELF_CLAUSE, raw.explicit, raw.condition)
        if raw.rule == "notwithstanding" and isinstance(raw.loser, tuple) and \
                _FOREGOING.match(info.clause.text[raw.loser[0]: raw.loser[1]]):
            # "Notwithstanding the foregoing": what came before in the same part of the text
            raw = RawPrecedence(raw.kind, raw.rule, raw.start, raw.end, raw.winner,
                                SELF_SECTION if info.section is not None else SELF_DOC, raw.explicit, raw.condition)
        if raw.alternatives:
            winner_words = info.clause.text[raw.winner[0]: raw.winner[1]] if isinstance(raw.winner, tuple) else ""
            losers = []
            for span in raw.alternatives:
                # the party the winner names again ("the Specific Terms" ... "the provisions of the Specific Terms") is not the loser
                if winner_words and _same_party(winner_words, info.clause.text[span[0]: span[1]]):
                    continue
                for t in self._role_targets(info, span, words, named_texts=True):
                    if not any(_same(t, w) for w in winners):
                        losers.append(t)
        else:
            losers = self._role_targets(info, raw.loser, words, named_texts=named_texts)
        if raw.rule == "unless-otherwise" and not winners:
            # "Unless otherwise agreed in writing": a written agreement; "Unless otherwise agreed, ...": some other agreement
            how = words.lower()
            winners = [Target(kind=TargetKind.EXTERNAL, name="written agreement", text=words)] if "writing" in how \
                else [Target(kind=TargetKind.EXTERNAL, name="separate agreement", text=words)] if re.search(r"\bagreed\b", how) else []
        if raw.rule == "notwithstanding" and not losers:
            losers = [self._self_target(info, SELF_DOC, words)]
        if raw.kind is PrecedenceKind.INCORPORATES and not losers:
            return []  # "these Terms (including by executing an Order Form)": nothing is made part of anything
        statements = []
        for w in winners:
            for loser in losers or [None]:
                if loser is not None and _same(w, loser):
                    continue
                if loser is not None and _within(loser, w) and (raw.kind is not PrecedenceKind.OVERRIDES or w.kind is TargetKind.DOCUMENT):
                    continue  # a text cannot yield to, hand over to or incorporate itself, nor carve out of itself
                statements.append(Precedence(kind=raw.kind, winner=w, loser=loser, explicit=raw.explicit,
                                             evidence=self._evidence(info, raw.start, raw.end, f"precedence-{raw.rule}", condition)))
        return statements

    def _heading_targets(self, info: _Clause, span: tuple[int, int]) -> list[Target]:
        """The section of the clause's document whose heading the words end with: "the express limited warranties" -> "Limited Warranties"."""
        words = " ".join(re.findall(r"\w+", info.clause.text[span[0]: span[1]].lower()))
        sections = self._sections_cache.get(ref_key(info.doc))
        if sections is None:
            sections = self._sections_cache[ref_key(info.doc)] = _sections(info.doc)
        hits = [s for s, _ in sections if s.heading and len(re.findall(r"\w+", s.heading)) >= 2
                and words.endswith(" ".join(re.findall(r"\w+", s.heading.lower())))]
        if len(hits) != 1:  # none, or a heading two sections share: name nothing rather than guess
            return []
        s = hits[0]
        return [Target(kind=TargetKind.SECTION, document=info.doc.ref, key=s.key, number=s.number,
                       text=info.clause.text[span[0]: span[1]])]

    def _role_targets(self, info: _Clause, role, words: str, *, named_texts: bool = False) -> list[Target]:
        """Targets of a role; with ``named_texts``, words that name no known text become an external text of that name."""
        if role is None:
            return []
        if isinstance(role, str):
            return [self._self_target(info, role, words)] if role.startswith("self-") else []
        if not named_texts:
            found = self._resolve_span(info, role)
            text = info.clause.text[role[0]: role[1]]
            if not found and _THESE_TEXT.match(text):  # "these Terms" is this document, however it is titled
                found = [self._self_target(info, SELF_DOC, text)]
            return found
        out: list[Target] = []
        # a term the clause defines within these words names what its alias names: "... (each such agreement, an “Agreement”)"
        for m in info.definitions:
            if role[0] <= m.start < role[1]:
                for alias in self.aliases:
                    if alias.term == m.term and alias.owner == info.doc.id and alias.targets != [info.doc.id]:
                        out.extend(self.target_for(t, info.doc, info.clause.text[m.start: m.end]) for t in alias.targets)
        if out:
            return out
        for part in _parties(info.clause.text, role):
            targets = self._resolve_span(info, part)
            if not targets:
                text = info.clause.text[part[0]: part[1]]
                if re.match(r"(?i)\W*(?:this|the\s+present)\s+(?:section|paragraph|clause|subsection)\b", text):
                    targets = [self._self_target(info, SELF_SECTION, text)]
                elif re.search(r"(?i)\b(?:these|this)\s+(?:[\w-]+\s+){0,3}(?:terms|agreement|policy|statement|addendum|dpa|notice)\b", text):
                    targets = [self._self_target(info, SELF_DOC, text)]
                else:
                    name = _external_name(text)
                    targets = [Target(kind=TargetKind.EXTERNAL, name=name, text=text)] if name and _TEXT_WORD.search(name) else []
            out.extend(t for t in targets if not any(_same(t, o) for o in out))
        return out

    def _uses(self, doc: Document) -> None:
        """Link each clause to the defined terms it uses, longest first, never inside the term's own definition."""
        out = self.results[ref_key(doc)]
        scope_docs = [doc] + [self.version_of(d, doc) for d in self._borrowed(doc.id)]
        terms: dict[str, Document] = {}
        for d in scope_docs:
            for definition in self.results[ref_key(d)].definitions:
                t = definition.term
                if t.lower() in _PRONOUNS or (t[:1].islower() and " " not in t) or len(t) < 2:
                    continue
                terms.setdefault(t, d)
        if not terms:
            return
        pattern = re.compile(r"(?<![\w“\"])(?:" + "|".join(re.escape(t) for t in sorted(terms, key=len, reverse=True)) + r")(?![\w”\"])")
        for info in self.clauses[ref_key(doc)]:
            quotes = [(m.start, m.end) for m in info.definitions]
            for m in pattern.finditer(info.clause.text):
                if any(s <= m.start() < e for s, e in quotes):
                    continue
                term = m.group(0)
                out.uses.append(TermUse(term=term, defined_in=terms[term].ref, clause=info.clause.key,
                                        start=info.clause.start + m.start(), end=info.clause.start + m.end()))


def extract_corpus(documents: list[Document]) -> dict[str, Extraction]:
    """Extraction of every document, resolved within each publisher's documents."""
    by_publisher: dict[str, list[Document]] = defaultdict(list)
    for d in documents:
        by_publisher[d.publisher.id].append(d)
    results: dict[str, Extraction] = {}
    for docs in by_publisher.values():
        results.update(_Extractor(docs).run())
    add_concerns(documents, results, ref_key)
    return results


def group_members(documents: list[Document]) -> dict[str, dict[str, list[Document]]]:
    """publisher -> group slug -> member documents ("additional-terms" -> every "Additional Terms for ...")."""
    out: dict[str, dict[str, list[Document]]] = defaultdict(lambda: defaultdict(list))
    by_publisher: dict[str, list[Document]] = defaultdict(list)
    for d in documents:
        by_publisher[d.publisher.id].append(d)
    for pub, docs in by_publisher.items():
        catalog = Catalog.build(docs)
        for name in catalog.names:
            if name.group:
                out[pub][name.group] = [d for d in docs if d.id in catalog.group_members(name.group)]
    return out
