"""Named SPARQL queries: the ``.rq`` files beside this module, with their header comments.

A header line ``# name:``, ``# description:``, ``# param: NAME  what it is (required|optional)``
and ``# example:`` documents each query; ``clausegraph query --list`` prints them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path

from clausegraph.graph.sparql import UPDATE_START
from clausegraph.ontology.errors import QueryError, UpdateRefusedError

__all__ = ["NamedQuery", "Param", "named_queries", "resolve_query"]

_HEADER = re.compile(r"^#\s*(name|description|param|example):\s*(.*)$")


@dataclass(frozen=True)
class Param:
    name: str
    description: str
    required: bool


@dataclass(frozen=True)
class NamedQuery:
    name: str
    description: str
    text: str
    params: tuple[Param, ...] = field(default_factory=tuple)
    example: str = ""


def _parse(text: str, fallback_name: str) -> NamedQuery:
    meta: dict[str, str] = {}
    params: list[Param] = []
    for line in text.splitlines():
        m = _HEADER.match(line.strip())
        if not m:
            if line.strip() and not line.startswith("#"):
                break
            continue
        key, value = m.groups()
        if key == "param":
            pname, _, rest = value.strip().partition(" ")
            params.append(Param(pname, rest.strip(), "(required)" in rest))
        else:
            meta[key] = value.strip()
    return NamedQuery(meta.get("name", fallback_name), meta.get("description", ""), text, tuple(params),
                      meta.get("example", ""))


def named_queries() -> dict[str, NamedQuery]:
    """Every named query shipped with clausegraph, by name."""
    out: dict[str, NamedQuery] = {}
    for entry in sorted(files(__name__.rpartition(".")[0]).iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".rq"):
            q = _parse(entry.read_text(encoding="utf-8"), entry.name[:-3])
            out[q.name] = q
    return out


def resolve_query(query: str) -> NamedQuery:
    """A named query, a ``.rq`` file, or SPARQL text."""
    named = named_queries()
    if query in named:
        return named[query]
    if query.endswith(".rq") and "\n" not in query and "{" not in query:
        path = Path(query)
        if not path.is_file():
            raise QueryError("no such query file", path=query)
        try:
            return _parse(path.read_text(encoding="utf-8"), path.stem)
        except (OSError, UnicodeDecodeError) as exc:
            raise QueryError(f"cannot read the query file: {exc}", path=query) from None
    if UPDATE_START.search(query):
        raise UpdateRefusedError("updates are not allowed: clausegraph queries are read-only")
    if re.search(r"\b(SELECT|ASK|CONSTRUCT|DESCRIBE)\b", query, re.IGNORECASE):
        return NamedQuery("<text>", "", query)
    raise QueryError(
        f"unknown query {query!r}: give a named query ({', '.join(sorted(named))}), a .rq file or SPARQL text"
    )
