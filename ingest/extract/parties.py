"""The words of a statement's parties: where one named text ends and the next begins, what an unknown text
is called, whether two targets are the same text, and the word tables the extractor reads them with.

| table            | what it recognises                                      | example |
|------------------|---------------------------------------------------------|---------|
| SELF_NAMED       | a document naming itself before a definition            | ``these Terms and Conditions (“Agreement”)`` |
| ANY_AGREEMENT    | a meaning that is any agreement of a kind               | ``any terms of service or other agreement ... that expressly references it`` |
| EXCEPTION_LEAD   | a lead-in whose list items are carved out of it         | ``... WITH THE FOLLOWING EXCEPTIONS:`` |
| TEXT_WORD        | words that name a text (an external text needs one)     | ``an Order Form``, ``the JAMS Rules`` (not ``a late fee of 1%``) |
| SELF_LIMIT       | the subject of "shall not apply" is this very text      | ``The foregoing limitations shall not apply to ...`` |
| INSTRUMENT_TERM  | a defined term naming a kind of text                    | ``(each, an “Order Form”)`` |
"""

from __future__ import annotations

import re
from collections import defaultdict

from clausegraph.ontology.edges import Condition, Target, TargetKind
from clausegraph.ontology.models import Clause, Document

# a document named right before its definition: "these Terms and Conditions (“Agreement”)"
_SELF_NAMED = re.compile(r"\b(?:these|this)\s+(?:[\w-]+\s+){0,3}(?:terms(?:\s+(?:and|&)\s+conditions)?|agreement|policy|addendum|notice)\s*$")
# a meaning that is any agreement of a kind: "any terms of service or other agreement between ... and a business customer"
_ANY_AGREEMENT = re.compile(r"(?i)\b(?:any|each)\s+(?:[\w-]+\s+){0,3}(?:agreement|terms\s+of\s+service|contract)s?\b.{0,260}$")
# a term that names a text: "Terms", "Agreement", "DPA", "Europe Specific Terms" ("Order Form" or "Company" are no documents)
_DOC_LIKE = re.compile(r"(?i)\b(?:terms?|agreement|policy|addendum|notice|statement|conditions|guidelines|DPA|AUP|EST|MSA|TOS|ToU)\b")
# a lead-in whose list items are carved out of it: "... WITH THE FOLLOWING EXCEPTIONS:", "shall not apply to:"
_EXCEPTION_LEAD = re.compile(r"(?i)(?:with\s+the\s+following\s+exceptions|(?:will|shall|do|does)\s+not\s+apply\s+to|except(?:\s+for)?|excluding|other\s+than"
                             r"|the\s+following\s+(?:are|is)\s+excluded)\s*:\s*\**\s*$")
_THIS_SECTION = re.compile(r"\b(?:[Tt]his|THIS)\s+(?:[Ss]ection|SECTION)\b(?!\s+\d)")
# a defined term that names a kind of text: "Order Form", "Business Associate Agreement", "Third-Party Terms"
_INSTRUMENT_TERM = re.compile(r"^(?:[A-Z][\w-]*\s+){0,3}(?:Agreement|Terms|Policy|Addendum|Form|Licen[cs]e|Contract|Amendment)$")
_FOREGOING = re.compile(r"(?i)^\W*(?:the\s+)?(?:foregoing|above|preceding)\b")
# an external text is named by what it is: terms, a law, rules, a licence, an order form ("late fee of 1" is none)
_TEXT_WORD = re.compile(r"(?i)\b(?:terms?|agreements?|polic(?:y|ies)|laws?|rules?|licen[cs]es?|conditions|order\s+forms?|sections?|"
                        r"clauses?|exhibits?|annex(?:es)?|schedules?|addend(?:um|a)|notices?|guidelines|documentation|regulations?|"
                        r"GDPR|SCCs?|acts?|codes?|conventions?|directives?|statutes?|requirements|standards|specifications|"
                        r"consent|permission|approval|authori[sz]ation|writing|DPA|BAA|contract|commitments|principles|pages?|"
                        r"(?:statutory|consumer)\s+rights|rights\s+as\s+an?\s+consumer|"
                        r"(?:statements|comments|representations)(?:\s+or\s+(?:statements|comments|representations))?\s+made)\b")  # rights the law gives: "NOTHING IN THESE TERMS SHALL AFFECT ANY STATUTORY RIGHTS"
_SELF_LIMIT = re.compile(r"(?i)^\W*(?:the\s+)?(?:foregoing|above|preceding|this\s+section|these\s+(?:limitations|exclusions|disclaimers|terms)|"
                         r"such\s+(?:limitations|exclusions)|(?:the\s+)?(?:limitations?|exclusions?|disclaimers?)\b)")
# where one named party ends and the next begins: ", or in any", " and the ", "; or our"
_PARTY_BREAK = re.compile(r"(?<!\bbetween\syou)(?<!\bbetween\sus),?\s+(?:or|and|and/or)\s+(?:in\s+|under\s+|by\s+)?(?=(?:the|any|our|your|all|such|a|an|these|this|its)\s)", re.IGNORECASE)
_NAME_NOISE = re.compile(r"(?i)^(?:(?:the\s+)?(?:terms|provisions|exclusions\s+and\s+limitations\s+of\s+liability)\s+(?:of|in|set\s+(?:out|forth)\s+in)\s+)?"
                         r"(?:the|any|all|such|our|your|its|an?|each)\s+")
_NAME_TAIL = re.compile(r"(?i)\s*(?:,?\s+(?:located|available|found)\s+(?:here|at)\b.*|,?\s+as\s+(?:it\s+may\s+be\s+)?(?:amended|updated)\b.*|"
                        r",?\s+(?:except|unless|provided|which|that|if|where|when|currently|as\s+set|as\s+described)\b.*|\s*\(\s*\[?https?://.*|\s+\[?https?://.*)$")


def _parties(text: str, span: tuple[int, int]) -> list[tuple[int, int]]:
    """The parts of a role's words that each name a text: "these Terms or in any country-specific pages" -> two."""
    s, e = span
    out, at = [], s
    for m in _PARTY_BREAK.finditer(text, s, e):
        if m.start() > at:
            out.append((at, m.start()))
        at = m.end()
    if e > at:
        out.append((at, e))
    return out or [span]


def _external_name(text: str) -> str:
    """The name of a text the corpus does not hold, from the words that name it."""
    name = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", text)
    name = name.replace("*", "").replace("_", " ").replace("“", "").replace("”", "").replace('"', "").replace("[", "").replace("]", "")
    name = _NAME_TAIL.sub("", " ".join(name.split()))
    name = re.sub(r"(?i)\s+(?:will|shall|is|are|may|must|can)\s+.*$", "", name)  # the words of a text end where its verb begins
    for _ in range(2):
        name = _NAME_NOISE.sub("", name).strip(" ,;:().")
    return name


_FUNCTION_WORDS = {"the", "a", "an", "any", "all", "such", "these", "this", "those", "that", "our", "your", "of", "in",
                   "terms", "provisions", "other", "applicable", "and", "or", "between", "us", "to", "with"}


def _content_words(words: str) -> set[str]:
    out = set()
    for w in re.findall(r"[\w-]+", words.lower()):
        w = w[:-1] if w.endswith("s") and len(w) > 3 else w
        if w not in _FUNCTION_WORDS:
            out.add(w)
    return out


def _same_party(winner: str, party: str) -> bool:
    """Whether the winner's words name this party of the conflict again ("the agreements" ~ "any other agreement")."""
    w, p = _content_words(winner), _content_words(party)
    return bool(w) and w <= p


def _within(inner: Target, outer: Target) -> bool:
    """Whether ``inner`` is ``outer`` or part of it (a clause or section of the same document)."""
    if outer.kind is TargetKind.DOCUMENT and inner.document is not None:
        return inner.document == outer.document
    return _same(inner, outer)


def _same(a: Target, b: Target) -> bool:
    return a.kind == b.kind and a.document == b.document and a.group == b.group and a.key == b.key and a.name == b.name


_FIELDS = ("role", "region", "service", "plan", "channel", "infrastructure", "country", "area", "product")


def _has_fields(condition: Condition) -> bool:
    return any(getattr(condition, name) for name in _FIELDS)


def _product_names(documents: list[Document]) -> tuple[str, ...]:
    """The publisher's product names its texts use at least twice: its name and the names that extend it
    ("Grok", "Grok Enterprise", "Perplexity Pro"); longest first."""
    if not documents:
        return ()
    name = documents[0].publisher.name
    brands = {name} | {w for w in re.findall(r"[A-Z][\w-]{3,}", name)}
    pattern = re.compile(r"\b(?:" + "|".join(re.escape(b) for b in sorted(brands, key=len, reverse=True)) +
                         r")(?:\s+(?:[A-Z][\w-]+|API|Pro|Max|Plus)){0,2}\b")
    counts: dict[str, int] = defaultdict(int)
    for doc in documents:
        todo = list(doc.children)
        while todo:
            node = todo.pop()
            todo.extend(node.children)
            if isinstance(node, Clause):
                for m in pattern.finditer(node.text.replace("**", "")):
                    counts[m.group(0)] += 1
    names = {n for n, c in counts.items() if c >= 2 and not n.endswith(("Terms", "Policy", "Agreement", "Services"))}
    return tuple(sorted(names, key=len, reverse=True))
