"""The line and run-in patterns the segmenter recognises, as tables.

Each rule names what it produces and quotes a line of the corpus it is for.
``blocks.py`` applies them; nothing else in ingest hard-codes a line shape.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = [
    "Rule",
    "Scheme",
    "SCHEMES",
    "ChromeRule",
    "CHROME_RULES",
    "read_label",
    "Label",
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
        "letter-dot",
        _re(r"^(?P<indent>[ \t]*)(?P<dotted>(?:[a-z]|[ivx]{2,5})\.)[ \t]+(?=\S)"),
        "list item labelled a., b., ii. (the list of a numbered section, cited as 'Section 6.b')",
        "a. Customer hereby grants Perplexity general written authorization to engage the subcontractors",
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



@dataclass(frozen=True)
class Scheme:
    """One way publishers number their parts; ``example`` is a real line, ``number`` what it yields.

    ``label`` is matched where a heading or a paragraph begins (after any list marker and opening
    bold); group ``n`` is the number as printed, with markdown escapes allowed between its parts.
    """

    name: str
    label: re.Pattern[str]
    example: str
    number: str
    needs_dot: bool = False  # a bare label ("A", "IV") only counts with its period: "A. Services"


_END = r"(?=[ \t\u00a0]|\*\*|__|\]|$)"  # a label ends at white space, closing markup or the end
SCHEMES: tuple[Scheme, ...] = (
    Scheme("letter-decimal", _re(r"(?P<n>[A-Z]\\?\.\d{1,2}(?:\\?\.\d{1,2})*(?:\\?\.[a-z])?)(?P<dot>\\?\.)?" + _END),
           "A.1. **Overview.** Subject to the terms of this Agreement", "A.1"),
    Scheme("decimal", _re(r"(?P<n>\d{1,2}(?:\\?\.\d{1,3}){0,4})(?P<dot>\\?\.)?(?:" + _END + r"|(?<=\.)(?=[A-Z][A-Za-z]))"),
           "**2.1 Right to Use.** Subject to the terms and conditions of this Agreement", "2.1"),
    Scheme("roman", _re(r"(?P<n>(?=[IVX])X{0,3}(?:IX|IV|V?I{0,3}))(?P<dot>\\?\.)" + _END),
           "**I. How Do We Collect and Process Your Personal Data**", "I", needs_dot=True),
    Scheme("letter", _re(r"(?P<n>[A-Z])(?P<dot>\\?\.)" + _END), "A. Services", "A", needs_dot=True),
    Scheme("section-word", _re(r"(?:Section|SECTION|Article|ARTICLE|Clause|CLAUSE)[ \t]+(?P<n>\d{1,2}(?:\.\d{1,2})*|[IVX]{1,5})"
                               r"(?P<dot>\\?[.:]|(?=[ \t]+[–—-][ \t])|(?=\*\*|__|[ \t]*$))"),
           "ARTICLE 1 – DEFINITIONS", "1", needs_dot=True),
)


@dataclass(frozen=True)
class Label:
    """A section label read at the start of a heading or paragraph."""

    number: str  # normalised: escapes and the closing period removed ("2.1", "A.1", "I")
    scheme: str
    dotted: bool  # "1." or "1.1": a bare "1" (an address, a count) is no label of a paragraph
    start: int  # offsets of the label itself in the text it was read from
    end: int


_OPEN_MARKUP = re.compile(r"[ \t]*(?:\[[ \t]*)?(?:\*\*|__)?[ \t]*")


def read_label(text: str, pos: int = 0, *, schemes: tuple[Scheme, ...] = SCHEMES) -> Label | None:
    """The section label at ``text[pos:]`` (after white space, a link bracket and opening bold), or None."""
    at = _OPEN_MARKUP.match(text, pos).end()
    for scheme in schemes:
        m = scheme.label.match(text, at)
        if not m or (scheme.needs_dot and m.group("dot") is None):
            continue
        number = m.group("n").replace("\\", "")
        if scheme.name == "decimal":
            parts = number.split(".")
            if int(parts[0]) == 0 or int(parts[0]) > 99 or any(len(p) > 1 and p.startswith("0") for p in parts):
                continue
        return Label(number=number, scheme=scheme.name, dotted=m.group("dot") is not None or "." in number, start=m.start(), end=m.end())
    return None


@dataclass(frozen=True)
class ChromeRule:
    """Text of a web page that is not part of the legal text: navigation, buttons, banners."""

    name: str
    pattern: re.Pattern[str]  # matched on the plain text of a whole block (links and emphasis removed)
    example: str


# Blocks that are page chrome wherever they stand in a document. Lists of links that only point
# into the page (a table of contents) and link lists under a "Previous versions" heading are
# recognised by their shape in blocks.py.
CHROME_RULES: tuple[ChromeRule, ...] = (
    ChromeRule("page-control", _re(r"(?i)^(?:print(?: this page)?|download(?: (?:as )?pdf| this (?:page|document))?|"
                                   r"expand all(?: collapse all)?|collapse all|back to top|return to top|"
                                   r"skip to (?:main )?content|copy link|share(?: this page)?|accept all(?: cookies)?|reject all(?: cookies)?|"
                                   r"cookie settings|manage (?:cookie )?preferences)$"),
               "Download PDF"),
    ChromeRule("cookie-notice", _re(r"(?i)^(?=.{0,500}$)(?:we(?: and our partners)?|this (?:web)?site|our (?:web)?site) uses? cookies\b"
                                    r".*\b(?:accept all|reject all|accept cookies|decline cookies|cookie settings|"
                                    r"manage (?:cookies|preferences))\b.*$"),
               "We use cookies to improve your experience. Accept all Reject all Manage preferences"),
    ChromeRule("feedback-widget", _re(r"(?i)^(?:was this (?:article|page) helpful\??|did this answer your question\??)"
                                      r"(?:\s+(?:yes|no))*$"),
               "Was this article helpful?"),
    ChromeRule("link-list-heading", _re(r"(?i)^(?:previous|past|prior|archived) versions?(?: of th\w+ \w+)?:?$|^version history:?$|"
                                        r"^related articles:?$|^(?:table of )?contents:?$|^on this page:?$|^in this article:?$"),
               "Previous versions"),
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
