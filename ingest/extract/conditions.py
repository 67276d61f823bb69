"""Structured conditions: what the words of a scope or condition say about the user's context.

| field          | value         | words (case-insensitive)                                              |
|----------------|---------------|------------------------------------------------------------------------|
| role           | consumer      | consumer; natural person ... outside his trade, business; for personal use |
| role           | business      | business entity; on behalf of your business; for business purposes     |
| region         | eu            | residing in the European Union; European Economic Area; EEA             |
| region         | us            | If you are located in the United States                                 |
| region         | not-us        | Unless you are located in the United States                             |
| service        | la-plateforme | La Plateforme; our APIs                                                  |
| service        | le-chat       | Le Chat                                                                  |
| plan           | free          | without a paid subscription; free Services; unpaid subscription          |
| plan           | pro / team / enterprise / paid | Le Chat Pro; Le Chat Team; Enterprise; paid subscription; paid Services |
| channel        | reseller      | through a Reseller                                                       |
| channel        | cloud-partner | through a Partner; Cloud Provider; cloud provider partners               |
| infrastructure | own           | Your Infrastructure                                                      |
| infrastructure | partner       | Partner Infrastructure; Partner's infrastructure                         |

A field can take several values ("your use of La Plateforme, Le Chat, ..." -> service la-plateforme and
le-chat: the text applies to either). Within one field a match never overlaps an earlier one, so
"without a paid subscription" is free and not also paid. Markdown emphasis (``**``) is ignored when
reading the fields; the words themselves stay exact.
"""

from __future__ import annotations

import re

__all__ = ["CONDITION_RULES", "read_condition"]

_I = re.IGNORECASE
CONDITION_RULES: tuple[tuple[str, str, re.Pattern[str]], ...] = (
    ("role", "consumer", re.compile(r"\bconsumers?\b|\bnatural\s+person\b[^.]*\boutside\s+(?:his|her|their)\s+trade|\bfor\s+personal\s+use\b", _I)),
    ("role", "business", re.compile(r"\bbusiness\s+entity\b|\bon\s+behalf\s+of\s+(?:your|its|a)\s+business\b|\bfor\s+business\s+purposes\b", _I)),
    ("region", "not-us", re.compile(r"\bunless\s+you\s+are\s+(?:located|based|resident)\s+in\s+the\s+United\s+States\b", _I)),
    ("region", "us", re.compile(r"\bif\s+you\s+are\s+(?:located|based|resident)\s+in\s+the\s+United\s+States\b", _I)),
    ("region", "eu", re.compile(r"\b(?:residing|located|resident|based)\s+in\s+the\s+(?:European\s+Union|European\s+Economic\s+Area|EEA|EU)\b", _I)),
    ("service", "la-plateforme", re.compile(r"\bLa\s+Plateforme\b")),
    ("service", "le-chat", re.compile(r"\bLe\s+Chat\b")),
    ("plan", "free", re.compile(r"\bwithout\s+a\s+paid\s+subscription\b|\bfree\s+(?:Services|plan|tier|version)\b|\bunpaid\s+subscription\b|\bfor\s+free\b", _I)),
    ("plan", "pro", re.compile(r"\bLe\s+Chat\s+Pro\b|\bPro\s+(?:user|plan|subscription)\b")),
    ("plan", "team", re.compile(r"\bLe\s+Chat\s+Team\b|\bTeam\s+(?:plan|subscription)\b")),
    ("plan", "enterprise", re.compile(r"\b(?:Le\s+Chat\s+)?Enterprise\b")),
    ("plan", "paid", re.compile(r"\b(?:under\s+a\s+|a\s+|with\s+a\s+)?paid\s+(?:subscription|Services|plan)\b", _I)),
    ("channel", "reseller", re.compile(r"\bthrough\s+a\s+Reseller\b|\bResellers?\b|\bour\s+resellers\b", _I)),
    ("channel", "cloud-partner", re.compile(r"\bthrough\s+(?:a|our)\s+(?:Partner|Cloud\s+Provider)s?\b|\bcloud\s+provider\s+partners?\b", _I)),
    ("infrastructure", "own", re.compile(r"\bYour\s+Infrastructure\b", _I)),
    ("infrastructure", "partner", re.compile(r"\bPartner\s+Infrastructure\b|\bPartner[’']s\s+infrastructure\b|\bCloud\s+Provider[’']s\s+infrastructure\b", _I)),
)


def read_condition(words: str) -> dict[str, list[str]]:
    """The context fields ``words`` state, each with every value it names (in table order)."""
    plain = words.replace("**", "")
    out: dict[str, list[str]] = {}
    taken: dict[str, list[tuple[int, int]]] = {}
    for name, value, pattern in CONDITION_RULES:
        spans = taken.setdefault(name, [])
        for m in pattern.finditer(plain):
            if any(m.start() < e and s < m.end() for s, e in spans):
                continue
            spans.append(m.span())
            values = out.setdefault(name, [])
            if value not in values:
                values.append(value)
    return out
