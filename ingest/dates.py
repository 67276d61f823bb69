"""Effective dates in the forms real documents print them.

| form                          | example from a real document                         |
|-------------------------------|------------------------------------------------------|
| day month year                | ``Effective 6 February 2025``                        |
| month day, year               | ``Effective:May 28, 2026``                           |
| ordinal day                   | ``Last updated: June 4th, 2024``                     |
| day month, year               | ``> Last Update: 16 July, 2026``                     |
| abbreviated month             | ``> Last Update: Feb 10, 2026``                      |
| ISO                           | ``Effective 2025-02-06``                             |
| month year (no day)           | ``Last Updated: October 2025`` (kept as text, no date) |
"""

from __future__ import annotations

import datetime as dt
import re

__all__ = ["DATE_LINE", "parse_date", "match_date_line"]

_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}
_MONTH = r"(?:" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_DAY = r"\d{1,2}(?:st|nd|rd|th)?"
_YEAR = r"(?:19|20)\d\d"

DATE = (
    rf"(?:(?P<d1>{_DAY})\s+(?P<m1>{_MONTH}),?\s+(?P<y1>{_YEAR})"
    rf"|(?P<m2>{_MONTH})\s+(?P<d2>{_DAY}),?\s+(?P<y2>{_YEAR})"
    rf"|(?P<y3>{_YEAR})-(?P<m3>\d\d)-(?P<d3>\d\d)"
    rf"|(?P<m4>{_MONTH})\s+(?P<y4>{_YEAR}))"
)

# A line that states when a document takes effect or was last changed.
DATE_LINE = re.compile(
    r"^[ \t]*(?:>[ \t]*)?[_*]*[ \t]*"
    r"(?P<keyword>effective(?:[ \t]+date)?(?:[ \t]+from)?|last[ \t]+updated?|updated|release[ \t]+date|date[ \t]+of[ \t]+last[ \t]+revision)"
    r"[ \t]*(?:on)?[ \t]*:?[ \t]*[_*]*[ \t]*" + DATE,
    re.IGNORECASE,
)


def _month(token: str) -> int:
    return _MONTHS[token.lower().rstrip(".")]


def parse_date(match: re.Match[str]) -> dt.date | None:
    """The date a ``DATE_LINE`` match names, or None when it has no day or is impossible."""
    g = match.groupdict()
    try:
        if g.get("y1"):
            return dt.date(int(g["y1"]), _month(g["m1"]), int(re.match(r"\d+", g["d1"]).group()))
        if g.get("y2"):
            return dt.date(int(g["y2"]), _month(g["m2"]), int(re.match(r"\d+", g["d2"]).group()))
        if g.get("y3"):
            return dt.date(int(g["y3"]), int(g["m3"]), int(g["d3"]))
    except ValueError:
        return None
    return None


def match_date_line(line: str) -> re.Match[str] | None:
    if len(line) > 400:
        return None
    return DATE_LINE.match(line)
