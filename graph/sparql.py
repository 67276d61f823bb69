"""Run SPARQL on the store with bound values, and format the results.

Values a user types never become SPARQL text: they are bound as RDF terms through
Oxigraph's substitutions (SEP-0007), so quotes, braces or ``} ; DROP ALL`` stay data.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import threading
import time
import traceback
from dataclasses import dataclass
from enum import Enum
from xml.sax.saxutils import escape, quoteattr

import pyoxigraph as ox

from clausegraph.graph.dataset import Dataset, query_options
from clausegraph.graph.query_limits import check_query_limits
from clausegraph.ontology.errors import QueryError, ResultTooLargeError, UpdateRefusedError
from clausegraph.ontology.namespaces import PREFIXES, XSD

__all__ = ["ResultFormat", "QueryResult", "run_query", "to_term", "UPDATE_START", "term_to_ntriples", "uses_service",
           "check_query", "QUERY_STACK_BYTES"]

UPDATE_START = re.compile(
    r"^(?:\s|#[^\n]*\n|(?:PREFIX|BASE)\s[^\n]*\n)*(INSERT|DELETE|LOAD|CLEAR|DROP|CREATE|ADD|MOVE|COPY|WITH)\b",
    re.IGNORECASE,
)


class ResultFormat(str, Enum):
    TABLE = "table"
    JSON = "json"
    CSV = "csv"


def to_term(value) -> ox.NamedNode | ox.Literal | ox.BlankNode:
    """A Python value as an RDF term: IRIs in <...> become named nodes, the rest literals."""
    if isinstance(value, (ox.NamedNode, ox.Literal, ox.BlankNode)):
        return value
    if isinstance(value, bool):
        return ox.Literal("true" if value else "false", datatype=ox.NamedNode(XSD + "boolean"))
    if isinstance(value, int):
        return ox.Literal(str(value), datatype=ox.NamedNode(XSD + "integer"))
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return ox.Literal(value.isoformat(), datatype=ox.NamedNode(XSD + "date"))
    text = str(value)
    if text.startswith("<") and text.endswith(">") and " " not in text:
        try:
            return ox.NamedNode(text[1:-1])
        except ValueError:
            pass
    return ox.Literal(text)


def _json_term(term) -> dict:
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    out = {"type": "literal", "value": term.value}
    if term.language:
        out["xml:lang"] = term.language
    elif term.datatype and term.datatype.value != XSD + "string":
        out["datatype"] = term.datatype.value
    return out


def term_to_ntriples(term) -> str:
    """A term as N-Triples writes it (the cells of SPARQL TSV results)."""
    return str(term)


def _python(term):
    if term is None:
        return None
    if not isinstance(term, ox.Literal):
        return term.value
    datatype = term.datatype.value if term.datatype else ""
    try:
        if datatype == XSD + "date":
            return dt.date.fromisoformat(term.value)
        if datatype == XSD + "boolean":
            return term.value in ("true", "1")
        if datatype == XSD + "integer":
            return int(term.value)
    except ValueError:
        pass
    return term.value


# ASK as a table. The W3C CSV and TSV result formats are for SELECT only. An ASK answer is written as the table of
# its solutions, which is what ASK asks about: a "boolean" column with one row "true" when the
# pattern matches, and no row when it does not. A reader that takes any row for yes (rdflib's
# Result: bool() of a CSV or TSV result is "has rows") reads false as false; a "false" row, which
# we wrote before, it read as true.


@dataclass
class QueryResult:
    """SELECT rows (``variables`` and ``rows`` of terms or None), an ASK ``boolean``, or CONSTRUCT ``triples``."""

    variables: list[str]
    rows: list[list]
    boolean: bool | None = None
    triples: list | None = None

    def values(self) -> list[dict[str, str | None]]:
        """Rows as dictionaries of plain strings."""
        return [{v: (t.value if t is not None else None) for v, t in zip(self.variables, row)} for row in self.rows]

    def python(self) -> list[dict[str, object]]:
        """Rows as dictionaries of Python values: IRIs and strings as str, xsd:date as date, booleans, integers."""
        return [{v: _python(t) for v, t in zip(self.variables, row)} for row in self.rows]

    def to_json(self) -> dict:
        """W3C SPARQL 1.1 Query Results JSON."""
        if self.boolean is not None:
            return {"head": {}, "boolean": self.boolean}
        bindings = [{v: _json_term(t) for v, t in zip(self.variables, row) if t is not None} for row in self.rows]
        return {"head": {"vars": self.variables}, "results": {"bindings": bindings}}

    def to_csv(self) -> str:
        """W3C SPARQL 1.1 Query Results CSV; an ASK answer as "ASK as a table" above says."""
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\r\n")
        if self.boolean is not None:  # see "ASK as a table" above
            writer.writerow(["boolean"])
            if self.boolean:
                writer.writerow(["true"])
            return buf.getvalue()
        writer.writerow(self.variables)
        for row in self.rows:  # W3C CSV: plain values, but blank nodes keep their "_:" label
            writer.writerow(["" if t is None else "_:" + t.value if isinstance(t, ox.BlankNode) else t.value for t in row])
        return buf.getvalue()

    def to_json_text(self) -> str:
        return json.dumps(self.to_json(), ensure_ascii=False, indent=2)

    def to_tsv(self) -> str:
        """W3C SPARQL 1.1 Query Results TSV: ?-prefixed header, terms written as in N-Triples."""
        if self.boolean is not None:  # see "ASK as a table" above
            return "?boolean\n" + ("true\n" if self.boolean else "")
        lines = ["\t".join("?" + v for v in self.variables)]
        lines += ["\t".join("" if t is None else term_to_ntriples(t) for t in row) for row in self.rows]
        return "\n".join(lines) + "\n"

    def to_xml(self) -> str:
        """W3C SPARQL Query Results XML."""
        out = ['<?xml version="1.0"?>', '<sparql xmlns="http://www.w3.org/2005/sparql-results#">', "<head>"]
        out += [f"<variable name={quoteattr(v)}/>" for v in self.variables]
        out.append("</head>")
        if self.boolean is not None:
            out.append(f"<boolean>{'true' if self.boolean else 'false'}</boolean>")
        else:
            out.append("<results>")
            for row in self.rows:
                out.append("<result>")
                for v, t in zip(self.variables, row):
                    if t is None:
                        continue
                    if isinstance(t, ox.NamedNode):
                        cell = f"<uri>{escape(t.value)}</uri>"
                    elif isinstance(t, ox.BlankNode):
                        cell = f"<bnode>{escape(t.value)}</bnode>"
                    else:
                        attr = (f" xml:lang={quoteattr(t.language)}" if t.language else
                                f" datatype={quoteattr(t.datatype.value)}" if t.datatype and t.datatype.value != XSD + "string" else "")
                        cell = f"<literal{attr}>{_xml_text(t.value)}</literal>"
                    out.append(f"<binding name={quoteattr(v)}>{cell}</binding>")
                out.append("</result>")
            out.append("</results>")
        out.append("</sparql>")
        return "\n".join(out) + "\n"


_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml_text(text: str) -> str:
    """Escaped for XML text: the control characters XML 1.0 cannot hold become U+FFFD, and CR is
    written as a reference so a parser does not fold it into LF."""
    return escape(_XML_BAD.sub("\ufffd", text)).replace("\r", "&#13;")


def _syntax_message(message: str, text: str) -> str:
    """One readable line from Oxigraph's parser error: where, what was expected, the line quoted."""
    flat = " ".join(message.split())
    m = re.match(r"error at (\d+):(\d+): (.*)", flat)
    if not m:
        return f"SPARQL syntax error: {flat[:200]}"
    line_no, column, detail = int(m.group(1)), int(m.group(2)), m.group(3)
    if detail.startswith("expected one of"):
        tokens = re.findall(r'"[^"]+"|\b[A-Z]{2,}\b', detail)
        detail = "expected one of " + ", ".join(tokens[:8]) + (", ..." if len(tokens) > 8 else "") if tokens else "unexpected input"
    lines = text.splitlines() or [""]
    quoted = lines[line_no - 1] if 0 < line_no <= len(lines) else ""
    quoted = quoted if len(quoted) <= 80 else quoted[:77] + "..."
    return f"SPARQL syntax error at line {line_no}, column {column}: {detail[:200]}: {quoted!r}"


# SERVICE is the one way a read-only query reaches the network, so it is refused wherever the
# keyword could stand as Oxigraph parses it: SERVICE, an optional SILENT, an endpoint (an IRI, a
# prefixed name or a variable) and "{", with any white space or comments between, or none. The
# call is looked for in the raw text, strings, comments and IRIs included: a scanner that skips
# those can be led astray (an IRI holding a backslash escape ends where a simple scanner does
# not, "<" is an IRI or less-than), and then a "#" it took for a comment hides the call. The
# price is that a literal which itself holds "service <x> {" is refused too. Oxigraph reads
# "\u0053ERVICE" as no keyword (tested); keywords match case-insensitively, and casefold() also
# takes U+017F for "s", which only refuses more.
#
# As a regular expression: SERVICE GAP (SILENT GAP)? (<[^>]*>|[?$][^\s{}#]*|PREFIX:LOCAL) GAP \{
# with GAP = (\s|#[^\r\n]*)*. Python's backtracking engine takes quadratic time on it (200 KB of
# "SERVICE:" ran 65 s), so it runs here as the automaton it is: one pass, a set of states.
_WORD, _SILENT = "service", "silent"
(_GAP, _GAP_NOTE, _IRI, _VAR, _PREFIX, _LOCAL, _ESCAPE, _BEFORE_BRACE, _BRACE_NOTE) = range(100, 109)
_NOT_PREFIX = set(" {}<>\"'#:")
_NOT_LOCAL = set("{}<>#\\")
_FIRST = re.compile("s|\u017f", re.IGNORECASE)


def _endpoint_start(c: str) -> set:
    """Where a gap (after SERVICE or SILENT) goes on reading ``c``."""
    if c.isspace():
        return {_GAP}
    if c == "#":
        return {_GAP_NOTE}
    out = set()
    if c.casefold() == _SILENT[0]:
        out.add(-1)  # SILENT: 1 letter read
    if c == "<":
        out.add(_IRI)
    elif c in "?$":
        out.add(_VAR)
    elif c == ":":
        out.add(_LOCAL)
    elif c not in _NOT_PREFIX:
        out.add(_PREFIX)
    return out


def _step(state: int, c: str) -> set | bool:
    """The states after ``state`` reads ``c``; True: a SERVICE call is complete."""
    if 0 < state < len(_WORD):  # SERVICE: ``state`` letters read
        return ({state + 1} if state + 1 < len(_WORD) else {_GAP}) if c.casefold() == _WORD[state] else set()
    if -len(_SILENT) < state < 0:  # SILENT: ``-state`` letters read
        return ({state - 1} if -state + 1 < len(_SILENT) else {_GAP}) if c.casefold() == _SILENT[-state] else set()
    if state == _GAP:
        return _endpoint_start(c)
    if state in (_GAP_NOTE, _BRACE_NOTE):
        return {_GAP if state == _GAP_NOTE else _BEFORE_BRACE} if c in "\r\n" else {state}
    if state == _IRI:
        return {_BEFORE_BRACE} if c == ">" else {_IRI}
    if state == _ESCAPE:
        return {_LOCAL}
    if state == _PREFIX and (c == ":" or c not in _NOT_PREFIX and not c.isspace()):
        return {_LOCAL if c == ":" else _PREFIX}
    if state in (_VAR, _LOCAL, _BEFORE_BRACE):
        if c == "{":
            return True
        if c.isspace():
            return {_BEFORE_BRACE}
        if c == "#":
            return {_BRACE_NOTE}
        if state == _LOCAL and c == "\\":
            return {_ESCAPE}
        if state == _VAR and c != "}" or state == _LOCAL and c not in _NOT_LOCAL:
            return {state}
    return set()


def uses_service(text: str) -> bool:
    """Whether the query could call another endpoint (SERVICE): see the comment above."""
    first = _FIRST.search(text)
    if first is None:
        return False
    states: set = set()
    i, n = first.start(), len(text)
    while i < n:
        if not states:  # nothing under way: jump to the next letter that could begin SERVICE
            found = _FIRST.search(text, i)
            if found is None:
                return False
            i = found.start()
        c = text[i]
        following = {1} if c.casefold() == "s" else set()
        for state in states:
            after = _step(state, c)
            if after is True:
                return True
            following |= after
        states = following
        i += 1
    return False


# Oxigraph parses, plans, evaluates and frees a query by recursion on the thread that runs it.
# A main thread's 8 MB stack overflows on 3,000 nested braces, 3,000 MINUS or 10,000 "+" (the
# process dies of SIGSEGV); on a thread with this stack every query within the length limit of
# query_limits (100,000 characters) was measured to survive: the deepest, 50,000 nested braces,
# used 180 MB of it. The stack is address space, not memory, until a query needs it.
QUERY_STACK_BYTES = 1 << 30
_STACK_LOCK = threading.Lock()


def check_query(text: str) -> None:
    """QueryError (CG040) for a query clausegraph will not run: too long, too deep, too many
    branches (graph/query_limits.py), or one that could call another endpoint (SERVICE)."""
    check_query_limits(text)
    if uses_service(text):
        raise QueryError("SERVICE is not allowed: clausegraph answers from its own graph and calls no other endpoint "
                         "(refused wherever 'SERVICE <endpoint> {' appears, strings and comments included)")


def _on_large_stack(function, *args):
    """``function(*args)`` on a thread with a QUERY_STACK_BYTES stack; its error is raised here.

    Everything Oxigraph made (the plan, the result iterator) is freed on that thread: an error
    leaves it with its frames cleared, so nothing deep is dropped on a small stack later.
    """
    box: dict = {}

    def target() -> None:
        try:
            box["value"] = function(*args)
        except BaseException as exc:  # noqa: BLE001 - handed to the calling thread below
            seen = exc
            while seen is not None:
                traceback.clear_frames(seen.__traceback__)
                seen.__traceback__ = None
                seen = seen.__context__ or seen.__cause__
            box["error"] = exc

    for attempt in range(50):
        with _STACK_LOCK:  # the size applies to threads started while it is set
            previous = threading.stack_size(QUERY_STACK_BYTES)
            try:
                thread = threading.Thread(target=target, name="clausegraph-query", daemon=True)
                thread.start()
                break
            except RuntimeError:  # no address space for the stack (RLIMIT_AS): the last query's may be on its way out
                if attempt == 49:
                    raise QueryError("cannot start the query: no memory for its stack") from None
            finally:
                threading.stack_size(previous)
        time.sleep(0.01)
    thread.join()
    if "error" in box:
        raise box["error"]
    return box["value"]


def run_query(store: ox.Store | None, text: str, bindings: dict | None = None, *,
              max_results: int | None = None, dataset: Dataset | None = None, base_iri: str | None = None) -> QueryResult:
    """Run a read-only query with ``bindings`` (variable name -> value) on the union of all graphs,
    or on the graphs its ``FROM`` / ``FROM NAMED`` or the protocol's ``dataset`` name (graph/dataset.py).
    Relative IRIs in the query resolve against ``base_iri`` (the server gives its endpoint's URL).

    With ``max_results``, a result holding more rows (or triples) raises ResultTooLargeError
    as soon as the row after the limit is read; nothing more is computed. A query past the
    limits of graph/query_limits.py, or one that could call another endpoint (SERVICE), is
    refused before Oxigraph sees it: clausegraph answers from its own graph only.
    """
    check_query(text)
    subs = {ox.Variable(k): to_term(v) for k, v in (bindings or {}).items() if v is not None}
    if store is None:
        store = ox.Store()
    options = query_options(text, dataset)
    if base_iri is not None:
        options["base_iri"] = base_iri
    return _on_large_stack(_evaluate, store, text, subs, max_results, options)


def _evaluate(store: ox.Store, text: str, subs: dict, max_results: int | None, options: dict) -> QueryResult:
    try:
        result = store.query(text, prefixes=PREFIXES, substitutions=subs, **options)
    except SyntaxError as exc:
        if UPDATE_START.search(text):
            raise UpdateRefusedError("updates are not allowed: clausegraph queries are read-only") from None
        raise QueryError(_syntax_message(str(exc), text)) from None
    except (OSError, ValueError, RuntimeError) as exc:
        raise QueryError(f"query failed: {exc}") from None
    if isinstance(result, ox.QueryBoolean):
        return QueryResult([], [], boolean=bool(result))
    limit = max_results if max_results is not None else -1

    def too_many(what: str):
        return ResultTooLargeError(f"the result has more than {max_results:,} {what}: add a LIMIT to the query "
                                   "or raise the result-size limit")

    try:  # results are computed while they are read: errors can come from here too
        if not isinstance(result, ox.QuerySolutions):  # ox.QueryTriples, or a remote store's list of triples
            triples = []
            for t in result:
                if len(triples) == limit:
                    raise too_many("triples")
                triples.append(t)
            return QueryResult(["subject", "predicate", "object"], [[t.subject, t.predicate, t.object] for t in triples],
                               triples=triples)
        variables = [v.value for v in result.variables]
        rows = []
        for solution in result:
            if len(rows) == limit:
                raise too_many("rows")
            rows.append([solution[v] for v in variables])
    except (OSError, ValueError, RuntimeError) as exc:
        raise QueryError(f"query failed: {exc}") from None
    finally:
        del result  # here, on the large stack
    return QueryResult(variables, rows)
