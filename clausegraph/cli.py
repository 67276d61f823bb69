"""The command line: parse arguments, call the library, print. Errors become one line.

Every library error is a ``ClauseGraphError`` with a stable code; here, and only here,
it becomes ``error[CG010]: path: message`` on stderr and an exit code (1 or 2).

Nothing a user or a document wrote is read as rich markup: file names, titles, query text
and results reach the terminal as ``Text`` (``[/x]`` and ``[bold]`` print as written), and
their control characters as escapes (``\\x1b``), so a name cannot style or drive the terminal.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import warnings
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from clausegraph.api import KnowledgeGraph, default_store_path
from clausegraph.graph.export import RDF_FORMATS, ExportFormat
from clausegraph.graph.views import View
from clausegraph.graph.sparql import ResultFormat
from clausegraph.ontology.errors import ClauseGraphError, IngestWarning, QueryError
from clausegraph.ontology.iris import ID_BASE

__all__ = ["main", "build_parser"]

_EXAMPLES = {
    "ingest": "examples:\n  clausegraph ingest\n  clausegraph ingest terms.md privacy.html --publisher 'Acme AI'\n"
              "  clausegraph ingest ../shared/corpus/ota-genai-eu-history.jsonl.xz",
    "query": "examples:\n  clausegraph query --list\n  clausegraph query documents\n"
             "  clausegraph query outline --bind doc=terms-of-service\n"
             "  clausegraph query search --bind q=refund --format json\n"
             "  clausegraph query 'SELECT (COUNT(*) AS ?n) WHERE { ?c a cg:Clause }'",
    "export": "examples:\n  clausegraph export --format trig -o corpus.trig\n  clausegraph export --format nquads | gzip > corpus.nq.gz\n"
              "  clausegraph export --view precedence --format svg -o precedence.svg   # the map of documents\n"
              "  clausegraph export --view precedence --document terms-of-service --format svg -o tos.svg   # its clauses\n"
              "  clausegraph export --view precedence --matter liability --format svg -o liability.svg   # what decides it\n"
              "  clausegraph export --view precedence --format html -o precedence.html   # open it from disk\n"
              "  clausegraph export --view references --format graphml -o references.graphml   # yEd, Gephi\n"
              "  clausegraph export --view definitions --format jsonld -o definitions.jsonld\n\n"
              "views:\n  precedence   documents, groups and external sources; prevails-over, overrides, constrains, governs,\n"
              "               incorporates (with their conditions); succession between versions. Drawn (dot, svg,\n"
              "               mermaid) as a map of documents, or with --document ID as that document's clauses\n"
              "  references   clause -> cited section/clause/document/external source, and document -> document\n"
              "  definitions  defined terms, the clauses that define and use them\n"
              "  full         all of it plus the document tree; as RDF, the whole dataset\n\n"
              "svg and html need Graphviz's dot (Debian: apt install graphviz).",
    "serve": "examples:\n  clausegraph serve\n  clausegraph serve --port 8080 --timeout 5 --max-results 50000\n"
             "  curl -H 'Accept: text/csv' --data-urlencode 'query=SELECT ?t WHERE { ?d dcterms:title ?t }' http://127.0.0.1:8000/sparql\n"
             "  curl 'http://127.0.0.1:8000/api/governs?question=Who+owns+outputs%3F&role=business'",
    "stats": "examples:\n  clausegraph stats\n  clausegraph stats --json",
    "publishers": "examples:\n  clausegraph publishers\n  clausegraph publishers --json",
    "documents": "examples:\n  clausegraph documents\n  clausegraph documents --publisher mistral-ai --json",
    "remove": "examples:\n  clausegraph remove --publisher unknown-publisher\n"
              "  clausegraph remove --publisher mistral-ai --document usage-policy\n"
              "  clausegraph remove --publisher 'Mistral AI' --document usage-policy --version 2025-02-06",
    "validate": "examples:\n  clausegraph validate\n  clausegraph validate --json",
    "lint": "examples:\n  clausegraph lint\n  clausegraph lint --json | jq '.[] | select(.code == \"L002\")'",
    "eval": "examples:\n  clausegraph eval extraction --gold ../shared/eval\n  clausegraph eval extraction --gold ../shared/eval --errors\n"
            "  clausegraph eval governs --gold ../shared/eval/governs-dev.json\n"
            "  clausegraph eval governs --gold tests/eval --split held-out\n"
            "  clausegraph eval retrieval --beir ../shared/eval/acord --split valid",
    "search": "examples:\n  clausegraph search \"liability cap\"\n  clausegraph search \"who sees my chats\" --matter monitoring --json",
    "context": "examples:\n  clausegraph context\n  clausegraph context --publisher mistral-ai --json",
    "governs": "examples:\n  clausegraph governs \"Can Mistral train on my Le Chat Pro chats?\" --role consumer --service le-chat --plan pro\n"
               "  clausegraph governs \"If the DPA and the Terms disagree, which wins?\" --role business --json\n"
               "  clausegraph governs \"What is the liability cap?\" --channel cloud-partner --as-of 2025-04-15\n"
               "  clausegraph governs \"If the DPA and the Terms disagree, which wins?\" --role business --format svg -o answer.svg",
}


def _out() -> Console:
    """Standard output; wide when it is not a terminal, so piped tables do not fold."""
    return Console(highlight=False, width=None if sys.stdout.isatty() else 200)


def _short(value: str) -> str:
    return "id:" + value[len(ID_BASE):] if value.startswith(ID_BASE) else value


def _err() -> Console:
    return Console(stderr=True, highlight=False, soft_wrap=True)


_KEEP = {"\n", "\t"}


def _safe(text: object, *, lines: bool = False) -> str:
    """``text`` with its control characters written as escapes (newlines and tabs kept with ``lines``)."""
    text = str(text)
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() or (lines and ch in _KEEP) else ch.encode("unicode_escape").decode("ascii")
                   for ch in text)


def _text(*parts: str | tuple[str, str], lines: bool = False) -> Text:
    """One Text of plain strings and (string, style) pairs: no markup is read from any of them."""
    return Text.assemble(*((_safe(p[0], lines=lines), p[1]) if isinstance(p, tuple) else _safe(p, lines=lines)
                           for p in parts))


def _say(console: Console, *parts: str | tuple[str, str]) -> None:
    console.print(_text(*parts))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="clausegraph",
        description="Read an AI vendor's legal documents as one connected, queryable graph of clauses.",
        epilog="The store is --store, else $CLAUSEGRAPH_STORE, else the user data directory "
               f"(here: {default_store_path()}).",
    )
    parser.add_argument("--store", metavar="PATH|URL", help="store folder, or the URL of a SPARQL 1.1 server such as "
                        "oxigraph serve (default: $CLAUSEGRAPH_STORE or the user data directory)")
    parser.add_argument("--version", action="version", version="clausegraph 0.1.0")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def add(name: str, help_text: str) -> argparse.ArgumentParser:
        return sub.add_parser(name, help=help_text, description=help_text, epilog=_EXAMPLES[name],
                              formatter_class=argparse.RawDescriptionHelpFormatter)

    p = add("ingest", "Read legal pages into the store (no PATH: the bundled Mistral AI corpus). Re-ingesting the same text changes nothing.")
    p.add_argument("paths", nargs="*", metavar="PATH", help=".txt, .md, .html files or .jsonl(.xz) archives")
    p.add_argument("--publisher", help="publisher name for files without a manifest.json beside them")
    p.add_argument("--quiet", "-q", action="store_true", help="print nothing but errors")

    p = add("query", "Run a named query, a .rq file or SPARQL text on the graph (all graphs merged).")
    p.add_argument("query", nargs="?", help="a name from --list, a .rq file, or SPARQL text")
    p.add_argument("--bind", "-b", action="append", default=[], metavar="NAME=VALUE",
                   help="bind a variable to a value (repeatable); values are bound, never pasted into the query")
    p.add_argument("--format", "-f", choices=[f.value for f in ResultFormat], default="table")
    p.add_argument("--list", action="store_true", help="list the named queries and their parameters")

    p = add("export", "Write the graph or one view of it for another tool: RDF (turtle, trig, nquads, jsonld), graph tools "
                      "(graphml, gexf, cytoscape), drawings (dot, svg, mermaid) or one offline interactive html page.")
    p.add_argument("--format", "-f", choices=[f.value for f in ExportFormat], default="trig")
    p.add_argument("--view", "-v", choices=[v.value for v in View], default=None,
                   help="what to show (default: full for the RDF formats, which is the whole dataset; precedence for the others)")
    p.add_argument("--document", "-d", metavar="ID",
                   help="with --view precedence: drill into one document (an id from 'clausegraph stats', e.g. "
                        "terms-of-service): its clauses and the clauses of the documents it touches")
    p.add_argument("--matter", "-m", metavar="ID",
                   help="with --view precedence and a drawing format: what decides one legal matter (ontology/matters.toml "
                        "ids, e.g. liability): the clauses about it by document and what ranks them")
    p.add_argument("-o", "--output", metavar="FILE", help="file to write (default: standard output)")

    p = add("serve", "Serve a read-only SPARQL 1.1 endpoint (/sparql), a JSON API (/api/governs, ...) and a web page (/) "
                     "on this machine. Stop it with Ctrl-C.")
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1, this machine only)")
    p.add_argument("--port", type=int, default=8000, help="port (default: 8000; 0 picks a free one)")
    p.add_argument("--timeout", type=float, default=10.0, metavar="SECONDS", help="time limit per query or question (default: 10)")
    p.add_argument("--max-results", type=int, default=100_000, metavar="N",
                   help="most rows (SELECT) or triples (CONSTRUCT/DESCRIBE) one answer may hold (default: 100000)")
    p.add_argument("--workers", type=int, default=None, metavar="N",
                   help="worker processes for named queries and questions (default: CPU count)")
    p.add_argument("--query-workers", type=int, default=None, metavar="N",
                   help="worker processes, at a lower CPU priority, for SPARQL the client wrote: at most N such queries "
                        "run at once (default: half of --workers, at least 1)")
    p.add_argument("--memory", type=int, default=1024, metavar="MB",
                   help="resident memory a query worker may use; a query past it is stopped (CG044) and the worker "
                        "replaced; the workers for named queries and questions may use 4 times as much (default: 1024)")
    p.add_argument("--no-answer-cache", action="store_true",
                   help="run every named query in a worker, rather than sending again the answer kept for the store's "
                        "current generation")
    p.add_argument("--quiet", "-q", action="store_true", help="do not log requests")

    p = add("publishers", "The publishers in the store, with how many documents and versions each has.")
    p.add_argument("--json", action="store_true", help="print JSON")

    p = add("documents", "The document versions in the store: publisher, id, version, effective date, title.")
    p.add_argument("--publisher", metavar="P", help="only this publisher's (its id or name)")
    p.add_argument("--json", action="store_true", help="print JSON")

    p = add("remove", "Take a publisher's documents (or one document, or one version) out of the store, in one atomic "
                      "write like an ingest: readers see the store before or after, never between.")
    p.add_argument("--publisher", metavar="P", required=True, help="whose documents (its id or name)")
    p.add_argument("--document", metavar="D", help="only this document (its id, as `clausegraph documents` lists it)")
    p.add_argument("--version", metavar="V", help="only this version of --document")
    p.add_argument("--quiet", "-q", action="store_true", help="print nothing but errors")

    p = add("stats", "Documents, sections and clauses per document version.")
    p.add_argument("--json", action="store_true", help="print JSON")

    p = add("validate", "Check the graph against the SHACL shapes of the ontology.")
    p.add_argument("--json", action="store_true", help="print JSON")

    p = add("lint", "Report the oddities of the documents: unresolved references, wrong 'as defined in', undefined terms, "
                    "terms defined twice, documents that end abruptly, ...")
    p.add_argument("--publisher", metavar="NAME", help="only this publisher's documents (each line names the publisher "
                                                      "when the findings are of several)")
    p.add_argument("--json", action="store_true", help="print JSON")

    p = add("governs", "Which document and clause govern a question for you: the answer quoted exactly, the clauses "
                       "that lose and why, or 'no governing clause found'. Every context option may be left out.")
    p.add_argument("question", help="the question, in plain words")
    _context_options(p)
    p.add_argument("--as-of", metavar="YYYY-MM-DD", help="the date the answer is for (default: today)")
    p.add_argument("--json", action="store_true", help="print the JSON of DESIGN.md")
    p.add_argument("--format", "-f", choices=["text", "json", "svg", "dot", "html"], default="text",
                   help="text (default), json (as --json), or the answer's chain drawn: the governing clause, the texts "
                        "it beat and the words that decided each step (svg, dot, html; Graphviz's dot)")
    p.add_argument("-o", "--output", metavar="FILE", help="with a drawing format: file to write (default: standard output)")

    p = add("search", "The ranking on its own: the clauses of one publisher's documents in force that best match a query, "
                      "with their scores and the legal matters they concern.")
    p.add_argument("query", help="words to look for")
    p.add_argument("--publisher", metavar="NAME", help="whose documents (default: the store's only publisher, or the one the query names)")
    p.add_argument("--matter", metavar="MATTER", help="only clauses concerning this matter (ontology/matters.toml ids, e.g. liability-cap)")
    p.add_argument("--as-of", metavar="YYYY-MM-DD", help="the documents in force on this date (default: today)")
    p.add_argument("--limit", type=int, default=10, metavar="N", help="how many clauses (default: 10)")
    p.add_argument("--json", action="store_true", help="print JSON")

    p = add("context", "What you can state about yourself for a publisher: roles, regions, plans, channels, and the "
                       "products its documents name (the values --service takes).")
    p.add_argument("--publisher", help="one publisher (default: every publisher in the store)")
    p.add_argument("--json", action="store_true", help="print JSON")

    p = add("eval", "Measure against labelled files: extraction (precision and recall per edge kind) or governs "
                    "(accuracy of the answers, beside a plain ranking baseline).")
    p.add_argument("what", choices=["extraction", "governs", "retrieval"], help="what to measure")
    p.add_argument("--gold", metavar="PATH",
                   help="extraction: folder of labelled files; governs: a JSON file of labelled questions, or a folder of governs*.json")
    p.add_argument("--beir", metavar="DIR", help="retrieval: a BEIR folder (corpus.jsonl, queries.jsonl, qrels/SPLIT.tsv)")
    p.add_argument("--split", help="extraction, governs: only the labels of this part (tune, held-out); retrieval: the qrels split (default: test)")
    p.add_argument("--publisher", metavar="NAME", help="extraction: whose documents the labels are of (default: the labels' "
                                                      "own publisher field, else the folder's name, else the store's only publisher)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument("--errors", action="store_true", help="also list what was missed and what was found but not labelled")
    return parser


def _context_options(p) -> None:
    """--role, --region, ... with the schema's generic values in the help (checked against the publisher later)."""
    from clausegraph.ontology.context import GENERIC, describe_field

    for name in GENERIC:
        if name == "service":
            help_ = "the publisher's product you use, as `clausegraph context` lists them (e.g. le-chat, api)"
        else:
            help_ = f"your {name}: {describe_field(name)} (default: not stated)"
        p.add_argument(f"--{name}", metavar=name.upper(), help=help_)
    p.add_argument("--publisher", metavar="NAME", help="whose documents answer (default: the store's only publisher, "
                                                       "or the one the question names)")


def _open(args) -> KnowledgeGraph:
    return KnowledgeGraph(args.store)


def _populate(kg: KnowledgeGraph) -> None:
    """A command that reads the graph: one line (CG033) if the store is missing or empty; never fills it."""
    kg.require_graph()


def _cmd_ingest(args) -> int:
    kg = _open(args)
    console = _err()
    progress = None if args.quiet else (
        lambda what: _say(console, what if what.startswith("reading ") else f"reading {what}"))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", IngestWarning)
        report = kg.ingest(args.paths or None, publisher=args.publisher, progress=progress)
    for warning in caught:  # printed even with --quiet: what was read as no date must not pass silently
        if isinstance(warning.message, IngestWarning):
            _say(console, (f"warning[{warning.message.code}]", "yellow"), f": {warning.message}")
        else:
            warnings.showwarning(warning.message, warning.category, warning.filename, warning.lineno)
    if not args.quiet:
        _say(
            console,
            f"{report.documents} document versions from {report.sources} sources: {report.added} added, "
            f"{report.replaced} replaced, {report.unchanged} unchanged; {report.successions} successions "
            f"({report.seconds:.2f} s) -> {kg.store_path}"
        )
    return 0


def _cmd_publishers(args) -> int:
    kg = _open(args)
    _populate(kg)
    publishers = kg.publishers()
    if args.json:
        print(json.dumps([p.__dict__ for p in publishers], ensure_ascii=False, indent=2))
        return 0
    table = Table(header_style="bold")
    for column in ("publisher", "name", "documents", "versions"):
        table.add_column(column)
    for p in publishers:
        table.add_row(_text(p.id), _text(p.name), str(p.documents), str(p.versions))
    _out().print(table)
    return 0


def _cmd_documents(args) -> int:
    kg = _open(args)
    _populate(kg)
    documents = kg.documents(args.publisher)
    if args.json:
        print(json.dumps([d.__dict__ for d in documents], ensure_ascii=False, indent=2))
        return 0
    table = Table(header_style="bold")
    for column in ("publisher", "document", "version", "effective", "title"):
        table.add_column(column, overflow="fold")
    for d in documents:
        table.add_row(*(_text(cell) for cell in (d.publisher, d.id, d.version, d.effective or "", d.title)))
    _out().print(table)
    _say(_err(), f"{len(documents)} document versions")
    return 0


def _cmd_remove(args) -> int:
    kg = _open(args)
    report = kg.remove(args.publisher, args.document, args.version)
    if not args.quiet:
        _say(_err(), f"removed {len(report.removed)} document versions ({', '.join(report.removed)}) and "
                     f"{report.sources} source texts no other document cites -> {kg.store_path}")
    return 0


def _parse_bindings(pairs: list[str]) -> dict[str, str]:
    out = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise QueryError(f"--bind wants NAME=VALUE, got {pair!r}")
        out[name.strip().lstrip("?$")] = value
    return out


def _cmd_query(args) -> int:
    if args.list or not args.query:
        table = Table(title="named queries", show_lines=True)
        for column in ("name", "description", "parameters", "example"):
            table.add_column(column)
        for q in KnowledgeGraph.named_queries().values():
            params = "\n".join(f"{p.name}{'' if p.required else '?'}: {p.description}" for p in q.params)
            table.add_row(*(_text(cell, lines=True) for cell in (q.name, q.description, params, q.example)))
        Console().print(table)
        return 0 if args.list else 2
    kg = _open(args)
    _populate(kg)
    result = kg.query(args.query, **_parse_bindings(args.bind))
    fmt = ResultFormat(args.format)
    out = sys.stdout
    if fmt is ResultFormat.JSON:
        out.write(result.to_json_text() + "\n")
    elif fmt is ResultFormat.CSV:
        out.write(result.to_csv())
    elif result.boolean is not None:
        out.write(("true" if result.boolean else "false") + "\n")
    else:
        table = Table(show_lines=False, header_style="bold")
        for v in result.variables:
            table.add_column(v, overflow="fold")
        for row in result.rows:
            table.add_row(*(_text("" if t is None else _short(t.value), lines=True) for t in row))
        _out().print(table)
        _say(_err(), f"{len(result.rows)} rows")
    return 0


def _cmd_export(args) -> int:
    kg = _open(args)
    _populate(kg)
    view = args.view or ("full" if ExportFormat(args.format) in RDF_FORMATS and not (args.document or args.matter) else "precedence")
    data = kg.export(args.format, view, document=args.document, matter=args.matter)
    _write(data, args.output)
    return 0


def _write(data: bytes, output: str | None) -> None:
    """``data`` to the file ``output`` (whole or not at all), or to standard output."""
    if output:
        target = Path(output)
        tmp = target.with_name(target.name + ".tmp")
        try:
            tmp.write_bytes(data)
            os.replace(tmp, target)
        except OSError as exc:
            raise ClauseGraphError(f"cannot write: {exc.strerror}", path=str(target)) from None
        _say(_err(), f"wrote {len(data):,} bytes to {target}")
    else:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()


def _cmd_stats(args) -> int:
    kg = _open(args)
    _populate(kg)
    counts = kg.counts()
    if args.json:
        payload = {
            "documents": [c.model_dump() for c in counts],
            "totals": {k: sum(getattr(c, k) for c in counts) for k in ("sections", "clauses", "items", "headings")}
            | {"documents": len(counts)},
        }
        print(json.dumps(payload, indent=2, ensure_ascii=False))
        return 0
    table = Table(title=f"{len(counts)} document versions", header_style="bold")
    for column in ("publisher", "document", "version", "sections", "clauses", "items", "headings"):
        table.add_column(column, justify="right" if column in ("sections", "clauses", "items", "headings") else "left")
    for c in counts:
        table.add_row(*(_text(cell) for cell in (c.publisher, c.id, c.version)),
                      *(str(n) for n in (c.sections, c.clauses, c.items, c.headings)))
    table.add_row("", "total", "", *(str(sum(getattr(c, k) for c in counts)) for k in ("sections", "clauses", "items", "headings")),
                  style="bold")
    _out().print(table)
    return 0


def _cmd_validate(args) -> int:
    kg = _open(args)
    _populate(kg)
    report = kg.validate()
    if args.json:
        print(json.dumps({"conforms": report.conforms, "triples": report.triples,
                          "violations": [v.__dict__ for v in report.violations]}, indent=2))
    elif report.conforms:
        _say(Console(), ("conforms", "green"), f": {report.triples:,} triples satisfy the SHACL shapes")
    else:
        console = Console()
        _say(console, ("does not conform", "red"), f": {len(report.violations)} violations in {report.triples:,} triples")
        for v in report.violations[:50]:
            _say(console, f"- {v.focus} {v.path or ''}: {v.message}")
    return 0 if report.conforms else 1


def _cmd_lint(args) -> int:
    kg = _open(args)
    _populate(kg)
    findings = kg.lint()
    if args.publisher:
        known = sorted(p.id for p in kg.publishers())
        if args.publisher not in known:
            raise QueryError(f"no publisher {args.publisher!r} in the store: use one of {', '.join(known)}")
        findings = [f for f in findings if f.publisher == args.publisher]
    if args.json:
        print(json.dumps([f.model_dump() for f in findings], indent=2, ensure_ascii=False))
        return 0
    console = _out()
    several = len({f.publisher for f in findings}) > 1  # then each line names whose document it is
    for f in findings:
        where = (f"{f.publisher}/" if several and f.publisher else "") + f"{f.document}" + (f" §{f.location}" if f.location else "")
        _say(console, (f.code, "bold"), f" {where}: {f.message}")
    _say(_err(), f"{len(findings)} findings")
    return 0


def _as_of(args):
    """--as-of as a date, or None (today)."""
    import datetime as dt

    if not args.as_of:
        return None
    try:
        return dt.date.fromisoformat(args.as_of)
    except ValueError:
        raise QueryError(f"--as-of wants a date YYYY-MM-DD, got {args.as_of!r}") from None


def _cmd_search(args) -> int:
    as_of = _as_of(args)
    kg = _open(args)
    _populate(kg)
    hits = kg.search(args.query, publisher=args.publisher, matter=args.matter, as_of=as_of, limit=args.limit)
    if args.json:
        print(json.dumps([h.model_dump(mode="json") for h in hits], indent=2, ensure_ascii=False))
        return 0
    console = Console(highlight=False)
    if not hits:
        console.print("no clause matches")
    for h in hits:
        where = " ".join(x for x in (h.document.id, f"§{h.clause.number}" if h.clause.number else "", h.clause.heading or "") if x)
        text = h.clause.text if len(h.clause.text) <= 160 else h.clause.text[:159] + "…"
        console.print(f"[bold]{h.score:7.2f}[/]  {escape(where)}  [dim]{escape(', '.join(h.matters))}[/]")
        console.print(f"         {escape(_safe(text))}")
    return 0


def _cmd_context(args) -> int:
    kg = _open(args)
    _populate(kg)
    schema = kg.context_schema(args.publisher)
    if args.json:
        print(json.dumps(schema, indent=2, ensure_ascii=False))
        return 0
    console = Console(highlight=False)
    for pub, info in schema.items():
        console.print(f"[bold]{escape(info['name'])}[/] ({escape(pub)}): --publisher {escape(pub)}")
        for name, values in info["fields"].items():
            shown = ", ".join(values) if values else "(its documents name no products)"
            if name == "region":
                shown = info["region"]
            console.print(f"  --{name:<15} {escape(shown)}")
    return 0


def _cmd_governs(args) -> int:
    as_of = _as_of(args)
    kg = _open(args)
    _populate(kg)
    result = kg.governs(args.question, role=args.role, region=args.region, service=args.service, plan=args.plan,
                        channel=args.channel, infrastructure=args.infrastructure, publisher=args.publisher, as_of=as_of)
    if args.json or args.format == "json":
        print(result.model_dump_json(indent=2))
        return 0
    if args.format in ("svg", "dot", "html"):
        from clausegraph.graph.export import export_answer

        _write(export_answer(result, args.format), args.output)
        return 0
    _print_governs(result)
    return 0


def _print_governs(r) -> None:
    from rich.panel import Panel
    from rich.text import Text

    from clausegraph.queries.governs.explain import plain

    console = Console(highlight=False)
    status = {"governs": "[green]governs[/]", "unresolved": "[yellow]unresolved[/]", "depends": "[yellow]depends on your context[/]",
              "no-governing-clause": "[red]no governing clause found[/]"}[r.status.value]
    console.print(f"[bold]{escape(_safe(r.question[:300]))}[/]  {status}")
    if r.summary:  # the plain line first: the answer before the reasons
        console.print(escape(_safe(r.summary)))
    if r.matters:
        console.print(f"[dim]matters: {escape(', '.join(r.matters))}[/]")
    if r.answer is not None:
        a = r.answer
        where = " ".join(x for x in (f"§{a.clause.number}" if a.clause.number else "", a.clause.heading or "") if x)
        body = _clean_text(a.clause.text, a.decisive)
        when = r.shown_when()  # one of several answers: say for whom
        title = (f"[bold]if {escape(when)}:[/] " if when else "") + f"{escape(plain(a.document.title))} {escape(plain(where))}"
        console.print(Panel(body, title=title, subtitle=escape(a.clause.iri),
                            border_style="green" if r.status.value == "governs" else "yellow"))
    if r.precedence:
        console.print("[bold]precedence[/] (each step once)")
        shown = set()
        for s in r.precedence:
            key = (s.winner_label, s.relation, s.loser_label)
            if key in shown:
                continue
            shown.add(key)
            kind = "stated" if s.explicit else "implied"
            line = Text("  ")
            line.append(plain(s.winner_label), style="bold")
            line.append(f" {s.relation} ")
            line.append(plain(s.loser_label), style="bold")
            if s.matters:
                line.append(f" on {', '.join(s.matters)}")
            line.append(f"  ({kind}, {s.evidence.document}{' §' + s.evidence.number if s.evidence.number else ''}: ")
            line.append(f"“{_safe(plain(s.evidence.words))}”", style="bold magenta")
            line.append(")")
            console.print(line)
    for c in r.also_cited:
        where = " ".join(x for x in (f"§{c.clause.number}" if c.clause.number else "", c.clause.heading or "") if x)
        console.print(f"  [bold]read with[/] ({escape(c.why)}): {escape(plain(c.document.title))} {escape(plain(where))}: "
                      f"“{escape(_safe(plain(c.clause.text))[:160])}”")
    for alt in r.alternatives:
        (k, v), = alt.when.items()
        target = f"{alt.answer.document.title} §{alt.answer.clause.number or ''} {alt.answer.clause.heading or ''}" if alt.answer else "no clause applies"
        console.print(f"  if {k} = [bold]{escape(v)}[/]: {escape(plain(target))}")
    for u in r.unresolved:
        console.print(f"  [yellow]unranked rival[/]: {escape(plain(u.document.title))} §{u.clause.number or ''} "
                      f"{escape(plain(u.clause.heading or ''))}: “{escape(_safe(plain(u.clause.text))[:160])}”")
    if r.candidates:
        console.print("[bold]candidates[/] (score, applies to you, where, text)")
        for c in r.candidates[:6]:
            where = " ".join(x for x in (c.document.id, f"§{c.clause.number}" if c.clause.number else "", c.clause.heading or "") if x)
            text = plain(c.clause.text)
            text = text if len(text) <= 100 else text[:99] + "…"
            console.print(f"  {c.score:5.1f}  {c.applies:7}  {escape(plain(where))}: {escape(_safe(text))}")
    console.print(escape(_safe(r.explanation, lines=True)))


def _clean_text(text: str, decisive) -> "Text":
    """The clause as a reader should see it (markdown made plain), the decisive sentence in bold."""
    from rich.text import Text

    from clausegraph.queries.governs.explain import plain

    if not decisive:
        return Text(_safe(plain(text)))
    s, e = decisive
    out = Text(_safe(plain(text[:s])) + (" " if s else ""))
    out.append(_safe(plain(text[s:e])), style="bold")
    rest = plain(text[e:])
    if rest:
        out.append(" " + _safe(rest))
    return out



def _highlight(text, words: str) -> None:
    at = text.plain.find(words)
    if at >= 0 and words:
        text.stylize("bold magenta", at, at + len(words))


def _cmd_eval(args) -> int:
    if args.what == "retrieval":
        if not args.beir:
            raise QueryError("eval retrieval needs --beir DIR (a BEIR folder: corpus.jsonl, queries.jsonl, qrels/)")
        from clausegraph.queries.beir import evaluate_retrieval, render_retrieval_report

        report = evaluate_retrieval(Path(args.beir), args.split or "test")
        print(json.dumps(report.as_json(), indent=2) if args.json else render_retrieval_report(report))
        return 0
    if not args.gold:
        raise QueryError(f"eval {args.what} needs --gold PATH")
    kg = _open(args)
    _populate(kg)
    if args.what == "governs":
        from clausegraph.queries.evaluate_governs import render_governs_report

        report = kg.evaluate_governs(args.gold, split=args.split)
        if args.json:
            print(report.model_dump_json(indent=2))
        else:
            print(render_governs_report(report, errors=True))
        return 0
    report = kg.evaluate_extraction(args.gold, publisher=args.publisher, split=args.split)
    if args.json:
        payload = report.model_dump()
        for kind, score in report.scores.items():
            payload["scores"][kind] |= {"precision": score.precision, "recall": score.recall}
        print(json.dumps(payload, indent=2, ensure_ascii=False))
        return 0
    from clausegraph.queries.evaluate import render_report

    print(render_report(report))
    if args.errors:
        for kind in report.scores:
            for item in report.missed[kind]:
                print(f"missed   {kind}: {item}")
            for item in report.spurious[kind]:
                print(f"unlabelled {kind}: {item}")
    return 0


def _cmd_serve(args) -> int:
    from clausegraph.graph.store import MEMORY
    from clausegraph.server import ServerConfig, serve

    kg = _open(args)
    if kg.remote:
        raise ClauseGraphError(f"serve reads a store on disk; {kg.store_path} is a SPARQL server already: query it there")
    if str(kg.store_path) == MEMORY:  # each worker process would open its own, empty, store
        raise ClauseGraphError("serve needs a store on disk: the worker processes open it read-only; "
                               "give --store PATH or set $CLAUSEGRAPH_STORE")
    _populate(kg)
    path = kg.store_path
    kg.close()
    config = ServerConfig(store=str(path), host=args.host, port=args.port, timeout=args.timeout,
                          max_results=args.max_results, workers=args.workers, query_workers=args.query_workers,
                          memory_mb=args.memory, quiet=args.quiet, answer_cache=not args.no_answer_cache)
    return serve(config, announce=lambda text: _say(_err(), text))


_COMMANDS = {
    "ingest": _cmd_ingest,
    "query": _cmd_query,
    "export": _cmd_export,
    "stats": _cmd_stats,
    "publishers": _cmd_publishers,
    "documents": _cmd_documents,
    "remove": _cmd_remove,
    "validate": _cmd_validate,
    "lint": _cmd_lint,
    "eval": _cmd_eval,
    "governs": _cmd_governs,
    "context": _cmd_context,
    "search": _cmd_search,
    "serve": _cmd_serve,
}


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not args.command:
        parser.print_help()
        return 2
    try:
        return _COMMANDS[args.command](args)
    except ClauseGraphError as exc:
        _say(_err(), (f"error[{exc.code}]", "red"), f": {exc}")
        return exc.exit_code
    except KeyboardInterrupt:
        _say(_err(), "interrupted; the store is as it was before this command")
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # an unexpected failure: one line, the traceback only on request
        if os.environ.get("CLAUSEGRAPH_DEBUG"):
            raise
        _say(_err(), ("internal error", "red"), f": {type(exc).__name__}: {exc} (set CLAUSEGRAPH_DEBUG=1 for the traceback)")
        return 3


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
