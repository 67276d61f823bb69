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

A date line that names a day which does not exist (``Effective 31 February 2025``,
``Effective 2025-13-01``) gives no date; :func:`impossible_dates` finds such lines in a text, so
that reading a file can say so (file, line, why) instead of leaving the document silently undated.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass

__all__ = ["DATE_LINE", "parse_date", "match_date_line", "ImpossibleDate", "impossible_dates"]

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
    r"^[ \t]*+(?:>[ \t]*+)?[_*]*+[ \t]*+"  # possessive: a long indent is read once, not split every way (quadratic)
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


@dataclass(frozen=True)
class ImpossibleDate:
    """A date line of a text whose day does not exist: 1-based ``lineno``, the ``line``, and ``reason``."""

    lineno: int
    line: str
    reason: str


def _day_of(match: re.Match[str]) -> tuple[int, int, int] | None:
    """(year, month, day) as a date line writes them, possible or not; None without a day."""
    g = match.groupdict()
    for y, m, d in (("y1", "m1", "d1"), ("y2", "m2", "d2")):
        if g.get(y):
            return int(g[y]), _month(g[m]), int(re.match(r"\d+", g[d]).group())
    if g.get("y3"):
        return int(g["y3"]), int(g["m3"]), int(g["d3"])
    return None


def _reason(year: int, month: int, day: int) -> str:
    if not 1 <= month <= 12:
        return f"there is no month {month}"
    if day < 1:
        return f"there is no day {day}"
    return f"{calendar.month_name[month]} {year} has {calendar.monthrange(year, month)[1]} days"


_DATE_LINES = re.compile(DATE_LINE.pattern, re.IGNORECASE | re.MULTILINE)


def impossible_dates(text: str) -> Iterator[ImpossibleDate]:
    """The date lines of ``text`` (as :func:`match_date_line` reads them) whose day does not exist."""
    lineno, counted = 1, 0  # the line number at offset ``counted``
    for match in _DATE_LINES.finditer(text):
        if parse_date(match) is not None:
            continue
        written = _day_of(match)
        if written is None:
            continue
        start = match.start()
        end = text.find("\n", start)
        line = text[start:len(text) if end == -1 else end].rstrip("\r")
        if match_date_line(line) is None:  # a line too long to be a date line
            continue
        lineno, counted = lineno + text.count("\n", counted, start), start
        yield ImpossibleDate(lineno, line.strip(), _reason(*written))
