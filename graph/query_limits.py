"""Limits a SPARQL query must keep before Oxigraph sees it: length, nesting depth, branches.

Oxigraph parses and plans a query by recursion, and some shapes cost it time far out of
proportion to their length (measured on a 2-core machine, pyoxigraph 0.5, the query alone):

| shape                               | as written                        | what Oxigraph does            |
|-------------------------------------|-----------------------------------|-------------------------------|
| nested braces                       | ``{{{ ... }}}`` 3,000 deep        | overflows an 8 MB stack       |
| nested brackets (blank nodes)       | ``[ :p [ :p ... ] ]`` 200 / 400 deep | 0.45 s / 5 s                |
| OPTIONAL after OPTIONAL             | 100 / 200 / 400 of them           | 0.13 s / 1.8 s / 12 s         |
| UNION after UNION                   | 3,000 / 10,000 of them            | 0.7 s / overflows the stack   |
| MINUS after MINUS                   | 3,000 of them                     | overflows an 8 MB stack       |
| patterns sharing a subject (``;``)  | 64 / 128 / 250 of them            | 0.13 s / 2.6 s / 36 s         |
| objects of one pattern (``,``)      | 64 / 128 / 250 of them            | 0.11 s / 2.1 s / 39 s         |
| groups side by side (``{..} {..}``) | 64 / 128 of them                  | 0.15 s / 2.1 s                |
| a path sequence (``p/p/p``)         | 128 / 256 / 500 / 1,000 steps     | 0.09 s / 0.9 s / 7 s / 68 s   |

So a query over :data:`QueryLimits.max_chars` characters, nested deeper than ``max_depth``
(braces, parentheses and brackets together), with more than ``max_branches`` UNION,
OPTIONAL and MINUS keywords together, or with more than ``max_joins`` joins is refused with
one line (``QueryError``, CG040) before Oxigraph parses it. Joins are counted from the tokens
that end or add a pattern: ``.``, ``;`` and ``,`` outside parentheses (commas inside them are
a function's arguments or an IN list), ``}`` and ``]`` (a group, a blank node's properties) and
``/`` (a path step, or a division, which only refuses more); a trailing dot before ``}`` is
counted twice, so the count is an upper bound. The limits are far above what real queries
need: the longest named query is 1.2 KB; the deepest nests 6 levels; the most branched has
10; the most joined counts 32 (queries/governs/edges.rq).

The counts come from a scanner that reads SPARQL's tokens: brackets and keywords inside
strings (short and long, with escapes), IRIs and comments do not count; a keyword must stand
apart from letters (``?union``, ``"minus"``, ``unionised`` are no keywords; ``ex:OPTIONAL`` counts,
which only refuses more). ``<`` opens an IRI when an
IRI can be read from there, as SPARQL's IRIREF allows (no space, quote, brace or ``<`` inside).

The check is not what keeps a process alive: :func:`clausegraph.graph.sparql.run_query` runs
Oxigraph on a thread with a large stack, where every shape within ``max_chars`` was measured
to survive (joins, operator chains and paths that no count here bounds included). The check
gives the clear message and keeps Oxigraph from spending seconds on a query no one means.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from clausegraph.ontology.errors import QueryError

__all__ = ["QueryLimits", "LIMITS", "QueryShape", "measure_query", "check_query_limits"]


@dataclass(frozen=True)
class QueryLimits:
    """The largest query clausegraph hands to Oxigraph."""

    max_chars: int = 100_000
    max_depth: int = 128  # braces, parentheses and brackets, nested
    max_branches: int = 256  # UNION, OPTIONAL and MINUS keywords in the whole query
    max_joins: int = 100  # patterns, groups and path steps (the module's docstring says how they are counted)


LIMITS = QueryLimits()

_ECHAR = r"\\."  # wider than SPARQL's ECHAR: a wrong escape is Oxigraph's error to report, not a string end
_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<comment>\#[^\r\n]*)
  | '''(?:(?:'|'')?(?:[^'\\]|""" + _ECHAR + r"""))*'''
  | \"\"\"(?:(?:"|"")?(?:[^"\\]|""" + _ECHAR + r"""))*\"\"\"
  | '(?:[^'\\\r\n]|""" + _ECHAR + r""")*'
  | "(?:[^"\\\r\n]|""" + _ECHAR + r""")*"
  | <(?:[^<>"{}|^`\\\x00-\x20]|\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8})*>
  | [?$][\w\u00B7]+
  | (?P<name>(?:[\w\u00B7:%]|\\[_~.\-!$&'()*+,;=/?\#@%])(?:[\w\u00B7:%.\-]|\\[_~.\-!$&'()*+,;=/?\#@%])*)
  | (?P<open>[{(\[])
  | (?P<close>[})\]])
  | .
    """,
    re.VERBOSE | re.DOTALL,
)
_BRANCH_WORDS = {"union", "optional", "minus"}
_LETTERS = re.compile("[A-Za-z]+")


@dataclass(frozen=True)
class QueryShape:
    """What the scanner counted: ``depth`` the deepest nesting it read (it stops reading once
    past ``stop_depth``), ``branches`` the UNION / OPTIONAL / MINUS keywords, and where the
    nesting first went past ``stop_depth`` (character offset), if it did."""

    chars: int
    depth: int
    branches: int
    too_deep_at: int | None = None
    joins: int = 0


def measure_query(text: str, *, stop_depth: int | None = None) -> QueryShape:
    """Length, nesting depth, branch count and joins of ``text`` as SPARQL tokenises it."""
    depth = deepest = branches = joins = 0
    parens: list[bool] = []  # for each open bracket, whether it is a parenthesis
    for m in _TOKEN.finditer(text):
        kind = m.lastgroup
        if kind == "open":
            depth += 1
            parens.append(m.group() == "(")
            if depth > deepest:
                deepest = depth
                if stop_depth is not None and depth > stop_depth:
                    return QueryShape(len(text), deepest, branches, too_deep_at=m.start(), joins=joins)
        elif kind == "close":
            depth = max(0, depth - 1)
            if parens:
                parens.pop()
            joins += m.group() in "}]"
        elif kind == "name":  # every run of letters: "1.OPTIONAL" is a number, a dot and the keyword
            branches += sum(1 for word in _LETTERS.findall(m.group()) if word.lower() in _BRANCH_WORDS)
        elif kind is None:
            char = m.group()
            joins += char == "/" or char in ".;," and not any(parens)
    return QueryShape(len(text), deepest, branches, joins=joins)


def _where(text: str, offset: int) -> str:
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return f"line {line:,}, column {column:,}"


def check_query_limits(text: str, limits: QueryLimits = LIMITS) -> QueryShape:
    """The shape of ``text``, or QueryError (CG040) naming the limit it passes."""
    if len(text) > limits.max_chars:
        raise QueryError(f"the query is {len(text):,} characters long; the limit is {limits.max_chars:,}")
    shape = measure_query(text, stop_depth=limits.max_depth)
    if shape.too_deep_at is not None:
        raise QueryError(f"the query nests braces, parentheses and brackets more than {limits.max_depth} levels deep "
                         f"(at {_where(text, shape.too_deep_at)}); the limit is {limits.max_depth}")
    if shape.branches > limits.max_branches:
        raise QueryError(f"the query has {shape.branches:,} UNION, OPTIONAL and MINUS branches; "
                         f"the limit is {limits.max_branches}")
    if shape.joins > limits.max_joins:
        raise QueryError(f"the query joins about {shape.joins:,} patterns, groups and path steps; the limit is "
                         f"{limits.max_joins} (Oxigraph's planning time grows with the fourth power of their number)")
    return shape
