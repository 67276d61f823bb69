"""The line and run-in patterns the segmenter recognises, as tables.

Each rule names what it produces and quotes a line of the corpus it is for.
``blocks.py`` applies them; nothing else in ingest hard-codes a line shape.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = [
    "Rule",
    "HEADING_RULES",
    "ITEM_RULES",
    "RUNIN_RULES",
    "SETEXT_UNDERLINE",
    "SEPARATOR",
    "TABLE_ROW",
    "FENCE",
    "NOT_A_HEADING_WORDS",
    "PRONOUN_STARTS",
    "strip_markup",
]


@dataclass(frozen=True)
class Rule:
    name: str
    pattern: re.Pattern[str]
    produces: str
    example: str
    formats: tuple[str, ...] = ("text", "markdown")


def _re(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


# Headings: a line that opens a section. Order matters: the first rule that matches wins.
HEADING_RULES: tuple[Rule, ...] = (
    Rule(
        "atx",
        _re(r"^[ ]{0,3}(?P<hashes>#{1,6})[ \t]+(?P<title>.*?)[ \t#]*$"),
        "section; level = number of #",
        "### 2.1 License",
        ("markdown",),
    ),
    Rule(
        "appendix",
        _re(
            r"^(?:\*\*)?(?P<kind>EXHIBIT|ANNEX|SCHEDULE|APPENDIX|Exhibit|Annex|Schedule|Appendix)[ \t]+"
            r"(?P<num>[0-9]{1,2}|[A-Z]|[IVX]{1,5})\b(?:[ \t]*[-–—:.][ \t]*(?P<title>.*?))?(?:\*\*)?[ \t]*$"
        ),
        "appendix section, number 'Exhibit 1'; numbered headings below it nest inside it",
        "EXHIBIT 1 - Description of the Processing",
    ),
    Rule(
        "numbered",
        _re(r"^(?:\*\*)?(?P<num>\d{1,2}(?:\.\d{1,2}){0,4})(?P<dot>\\?\.)?[ \t]+(?P<title>\S.*?)(?:\*\*)?[ \t]*$"),
        "section numbered '1', '1.1', '3.4.1'; depth from the number",
        "1.1 Cancellation right",
    ),
)

# List items: the label opens a clause that is a child of the paragraph introducing the list.
ITEM_RULES: tuple[Rule, ...] = (
    Rule(
        "bullet",
        _re(r"^(?P<indent>[ \t]*)(?P<marker>[-*+•])(?:[ \t]+|$)(?:(?P<paren>\((?:[a-z]{1,4}|[A-Z]{1,3}|\d{1,2})\))[ \t]+)?"),
        "list item; an optional (a) after the bullet is its label",
        "- Access. You have the right to know if we process your personal data.",
    ),
    Rule(
        "paren",
        _re(r"^(?P<indent>[ \t]*)(?P<paren>\((?:[a-z]{1,4}|[A-Z]{1,3}|\d{1,2})\))[ \t]+"),
        "list item labelled (a), (i), (A), (1)",
        "(a) Use the Services or Your Data in a manner that violates any applicable laws",
    ),
    Rule(
        "ordered",
        _re(r"^(?P<indent>[ \t]*)(?P<ordinal>\d{1,3})[.)][ \t]+"),
        "ordered list item (markdown only: an unescaped '1.' is a list, '1\\.' a heading)",
        "2.  Tap **App Info**",
        ("markdown",),
    ),
)

# Run-in headings: the words that open a paragraph or item and name it.
RUNIN_RULES: tuple[Rule, ...] = (
    Rule(
        "bold",
        _re(r"^(?P<open>\*\*|__)(?P<heading>[^*_\n]{1,100}?)(?P<p1>[.:])?(?P=open)(?P<p2>[.:])?(?=\s|$)"),
        "run-in heading in bold, ending with '.' or ':'",
        "**Payment.** To pay for any Services, you must provide complete and accurate billing information",
    ),
    Rule(
        "period",
        _re(r"^(?P<heading>[A-Z][^.!?:\n“”\"]{1,80}?)\.(?=[ \t]+[A-Z“\"(\d]|[ \t]*$)"),
        "run-in heading: a short phrase with no verb, ending with a period",
        "Age requirements. You must be at least thirteen (13) years old to use the Services.",
    ),
    Rule(
        "colon",
        _re(r"^(?P<heading>[A-Z][^.!?:\n“”\"]{1,80}?):(?=[ \t]|$)"),
        "colon label: a short phrase with no verb, ending with a colon",
        "Retention Periods:",
    ),
)

SETEXT_UNDERLINE = _re(r"^[ ]{0,3}(?P<char>=+|-+)[ \t]*$")
SEPARATOR = _re(r"^[ ]{0,3}(?:(?:\*[ \t]*){3,}|(?:-[ \t]*){3,}|(?:_[ \t]*){3,})$")
TABLE_ROW = _re(r"^[ \t]*\|")
FENCE = _re(r"^[ ]{0,3}(```+|~~~+)")

# A run-in heading names a topic; a phrase with one of these words is a sentence instead.
NOT_A_HEADING_WORDS = frozenset(
    "is are was were be been being will shall may might can could must should would "
    "do does did has have had means refers agree agrees apply applies".split()
)
PRONOUN_STARTS = frozenset(
    "we you i they he she it there this these those that if unless when where while although because please "
    "welcome thank thanks hello".split()  # a greeting opens a page, it does not name a clause
)

_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_EMPH = re.compile(r"(\*\*|__|\*|_)(?=\S)(.+?)(?<=\S)\1")


def strip_markup(text: str) -> str:
    """Plain text of a markdown fragment: links, emphasis and escapes removed."""
    text = _LINK.sub(r"\1", text)
    for _ in range(2):
        text = _EMPH.sub(r"\2", text)
    text = re.sub(r"\\([\\`*_{}\[\]()#+\-.!|>])", r"\1", text)
    text = text.replace("**", "")
    return " ".join(text.split())
