"""Defined terms: the rules, as a table, and the function that applies them to one clause.

| rule          | produces                 | example from the corpus                                                     |
|---------------|--------------------------|-----------------------------------------------------------------------------|
| parenthetical | inline (collective with "collectively"), one per quote | ``technologies we offer (the “Services”)``; ``(each, a “Partner”)``; ``(the “Customer” or “you”)``; ``(such App, “iOS App”)``; ``(collectively with Input, “Your Content”)`` |
| refer-as      | collective (inline in parentheses) | ``We refer to Input and Output collectively as “Your Data”``      |
| means         | means                    | ``(a) “Agreement” means the service agreement ...``; ``“Specific Access” refers to any Services`` |
| designation   | inline                   | ``The “data exporter” is Mistral AI``                                        |
| by-reference  | by-reference, one per quote | ``The terms “Controller”, “Processor”, ... will have the meanings ... in the Applicable Data Protection Law`` |

Quotes may be curly or straight and may wrap markdown bold: ``(the “**Terms**”)``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from clausegraph.ontology.edges import DefinitionKind

__all__ = ["DEFINITION_RULES", "TermMatch", "find_definitions", "QUOTED", "clean_term"]

OPEN, CLOSE = "“\"", "”\""
# a quoted term, markdown bold allowed inside or around: “Input”, "**Terms**", “P**artner Infrastructure**”
QUOTED = re.compile(r"(?:\*\*)?[“\"](?P<term>[^“”\"\n]{1,80}?)[”\"](?:\*\*)?")


@dataclass(frozen=True)
class DefinitionRule:
    name: str
    pattern: re.Pattern[str]
    kind: DefinitionKind
    example: str


def _rx(p: str) -> re.Pattern[str]:
    return re.compile(p)


DEFINITION_RULES: tuple[DefinitionRule, ...] = (
    DefinitionRule(
        "means",
        _rx(r"(?:\*\*)?[“\"](?:\*\*)?(?P<term>[^“”\"\n]{1,80}?)(?:\*\*)?[”\"](?:\*\*)?\s+(?:means|shall mean|refers to|has the meaning|is defined as)\b"),
        DefinitionKind.MEANS,
        "(a) “Agreement” means the service agreement (including the Terms of Service ...)",
    ),
    DefinitionRule(
        "by-reference",
        _rx(r"(?i:\bthe terms?)\s+(?P<terms>(?:(?:\*\*)?[“\"][^“”\"\n]{1,80}[”\"](?:\*\*)?(?:,?\s*(?:and|or)?\s*)){1,20})"
            r"(?:as used in [^,.;]{1,60}?\s+)?(?:will|shall)\s+have\s+the\s+meanings?\s+(?:given|set out|ascribed)?\s*(?:to them\s+)?(?:in|under|by)\s+(?P<source>[^.;]{1,120})"),
        DefinitionKind.BY_REFERENCE,
        "The terms “Controller”, “Processor”, “Data Subjects”, “Personal Data”, “Personal Data Breach”, and “Supervisory Authority” "
        "as used in this Agreement will have the meanings in the Applicable Data Protection Law.",
    ),
    DefinitionRule(
        "refer-as",
        _rx(r"\b(?i:we\s+)?(?:refer|referred|referring)\s+to\s+(?P<what>[^“”\"()]{1,160}?)\s+(?:collectively\s+)?as\s+(?:the\s+|an?\s+)?"
            r"(?P<quoted>(?:\*\*)?[“\"][^“”\"\n]{1,80}[”\"](?:\*\*)?)"),
        DefinitionKind.COLLECTIVE,
        "We refer to Input and Output collectively as “Your Data”",
    ),
    DefinitionRule(
        "designation",
        _rx(r"\b[Tt]he\s+(?:\*\*)?[“\"](?:\*\*)?(?P<term>[^“”\"\n]{1,60}?)(?:\*\*)?[”\"](?:\*\*)?\s+(?:is|are|shall be|will be)\s+(?!defined\b)"),
        DefinitionKind.INLINE,
        "The “data exporter” is Mistral AI and the “data importer” is the Customer",
    ),
    DefinitionRule(
        "parenthetical",
        # a parenthesis whose content is quoted names, with only articles, "each", "collectively",
        # "together", "hereinafter", "or", "and" between them
        _rx(r"\((?P<inner>(?:(?!e\.g\.|i\.e\.|for\s+example|such\s+as|including)[^()“”\"\n]{1,120}?,\s*)?"
            r"(?:\s*(?:the|these|this|each,?|an?|collectively,?|together,?|hereinafter(?:\s+referred\s+to\s+as)?|"
            r"(?:collectively\s+)?referred\s+to\s+as|or|and|,)\s*)*"
            r"(?:\*\*)?[“\"][^“”\"\n]{1,80}[”\"](?:\*\*)?"
            r"(?:\s*(?:,|or|and)\s*(?:the|an?)?\s*(?:\*\*)?[“\"][^“”\"\n]{1,80}[”\"](?:\*\*)?)*\s*)\)"),
        DefinitionKind.INLINE,
        "technologies we offer (the “Services”)",
    ),
)


@dataclass(frozen=True)
class TermMatch:
    term: str
    kind: DefinitionKind
    rule: str
    start: int  # of the quoted term (with its quotes) in the clause text
    end: int
    words_start: int  # of the whole defining phrase
    words_end: int
    meaning_source: str | None = None


def clean_term(raw: str) -> str:
    """The term as a reader names it: markdown bold removed, whitespace folded, no closing comma."""
    term = raw.replace("**", "").replace("__", "")
    term = " ".join(term.split()).strip(" ,;:.")
    return term


def _quotes_in(text: str, start: int, end: int):
    for m in QUOTED.finditer(text, start, end):
        term = clean_term(m.group("term"))
        if term and not term.lower().startswith(("http", "www.")) and len(term.split()) <= 8:
            yield term, m.start(), m.end()


def find_definitions(text: str) -> list[TermMatch]:
    """Terms defined in one clause's text, in order; each quoted term is defined once."""
    found: dict[int, TermMatch] = {}
    for rule in DEFINITION_RULES:
        for m in rule.pattern.finditer(text):
            if rule.name == "by-reference":
                source = clean_term(m.group("source"))
                for term, s, e in _quotes_in(text, m.start("terms"), m.end("terms")):
                    found.setdefault(s, TermMatch(term, rule.kind, rule.name, s, e, m.start(), m.end(), source))
            elif rule.name == "refer-as":
                for term, s, e in _quotes_in(text, m.start("quoted"), m.end("quoted")):
                    inside_parens = text.rfind("(", 0, m.start()) > text.rfind(")", 0, m.start())
                    kind = DefinitionKind.INLINE if inside_parens else DefinitionKind.COLLECTIVE
                    found.setdefault(s, TermMatch(term, kind, rule.name, s, e, m.start(), m.end()))
            elif rule.name == "parenthetical":
                kind = DefinitionKind.COLLECTIVE if re.search(r"(?i)\bcollectively\b", m.group("inner")) else rule.kind
                for term, s, e in _quotes_in(text, m.start("inner"), m.end("inner")):
                    found.setdefault(s, TermMatch(term, kind, rule.name, s, e, m.start(), m.end()))
            else:
                s = m.start("term")
                # the match starts at the opening quote (or its bold marker)
                qs = max(text.rfind("“", 0, s + 1), text.rfind('"', 0, s + 1))
                e = m.end("term") + 1
                found.setdefault(qs, TermMatch(clean_term(m.group("term")), rule.kind, rule.name, qs, e, m.start(), m.end()))
    return [found[k] for k in sorted(found)]
