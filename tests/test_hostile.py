"""Hostile input: nothing a query, a page or a request holds makes clausegraph call the network,
crash, or grow out of proportion.

The SERVICE tests use an oracle that cannot be talked round: a socket listening on loopback
that must never be called, by the server or the CLI; and whatever query makes Oxigraph itself,
given the text directly, connect to it must be caught by the check.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import time
import urllib.parse

import pyoxigraph as ox
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clausegraph.graph.sparql import run_query, uses_service
from clausegraph.ontology.errors import QueryError
from tests.conftest import run_cli
from tests.test_serve import assert_error, request, sparql_get


class Listener:
    """A TCP socket on a free loopback port that counts the connections made to it.

    A connection is counted before it is closed, so once a client has seen it closed, it is counted.
    """

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.calls = 0
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.calls += 1
            conn.close()

    def close(self) -> None:
        try:
            self.sock.shutdown(socket.SHUT_RDWR)  # wakes the accept() under way (close alone does not)
        except OSError:
            pass
        self.sock.close()
        self._thread.join(timeout=5)


@pytest.fixture
def listener():
    ear = Listener()
    yield ear
    ear.close()


def service_calls(port: int) -> list[str]:
    """Ways of writing a SERVICE call to ``port`` that a simple scanner of the text can miss."""
    endpoint = f"http://127.0.0.1:{port}/sparql"
    return [
        # the issue's reproduction: the escape ends the IRI for Oxigraph, not for a regex, and "#" then hid the rest
        f"SELECT * WHERE {{ VALUES ?z {{ <http://x/\\u0041#> }} SERVICE <{endpoint}> {{ ?a ?b ?x }} }}",
        # "<" as less-than, read by a scanner as the start of an IRI that holds the call
        f"SELECT * WHERE {{ ?a ?b ?c FILTER(?a <?b)SERVICE#>\n<{endpoint}>{{ ?x ?y ?z }} }}",
        # a comment ended by a carriage return alone
        f"SELECT * WHERE {{ SERVICE#note\r<{endpoint}>{{ ?a ?b ?c }} }}",
        # the endpoint as a prefixed name, no white space anywhere
        f"PREFIX e: <http://127.0.0.1:{port}/> SELECT * WHERE {{SERVICE e:sparql{{?a ?b ?c}}}}",
        f"select * {{ service silent <{endpoint}> {{ ?s ?p ?o }} }}",
        f"SELECT * {{ ?s ?p ?o SERVICESILENT<{endpoint}>{{?a ?b ?c}} }}",
        # the endpoint in a variable
        f"SELECT * {{ BIND(<{endpoint}> AS ?e) SERVICE ?e {{ ?a ?b ?c }} }}",
        f"SELECT * {{ \"}}\" ?p 'SERVICE' . SERVICE <{endpoint}> {{ ?a ?b ?c }} }}",
    ]


def test_every_way_of_writing_service_is_refused_and_nothing_is_called(server, listener):
    for query in service_calls(listener.port):
        payload = assert_error(*sparql_get(server, query), 400, "CG040")
        assert "SERVICE is not allowed" in payload["error"], query
        for method_body in (urllib.parse.urlencode({"query": query}).encode(),):
            assert_error(*request(server, "/sparql", method="POST", body=method_body,
                                  headers={"Content-Type": "application/x-www-form-urlencoded"}), 400, "CG040")
        assert_error(*request(server, "/sparql", method="POST", body=query.encode(),
                              headers={"Content-Type": "application/sparql-query"}), 400, "CG040")
    assert listener.calls == 0


def test_the_cli_refuses_service_too(bundled_store, listener):
    result = run_cli("query", service_calls(listener.port)[0], store=bundled_store)
    assert result.returncode == 2 and "SERVICE is not allowed" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
    assert listener.calls == 0


def test_the_word_service_as_data_is_not_refused(kg):
    for query in ['SELECT ?x WHERE { BIND("SERVICE" AS ?x) }',
                  "SELECT * { GRAPH <https://w3id.org/clausegraph/id/mistral-ai/terms-of-service/2025-02-06> { ?s ?p ?o } } LIMIT 1",
                  'SELECT (COUNT(*) AS ?n) { ?c cg:text ?t FILTER(CONTAINS(LCASE(?t), "service")) }']:
        assert not uses_service(query)
        kg.query(query)  # no error


def test_the_check_takes_linear_time_on_its_worst_inputs():
    import time

    for unit in ("SERVICE", "SERVICE:", "SERVICE#", "SERVICE<", "a:SERVICE"):  # 200 KB each ran 16-65 s as a regex
        text = unit * (200_000 // len(unit))
        started = time.process_time()
        assert not uses_service(text)
        assert time.process_time() - started < 5  # a bound far above the ~0.2 s it takes, far below quadratic


gap = st.lists(st.sampled_from([" ", "\n", "\r", "\t", "#\n", "# x\r", "#}<>{ SERVICE\n"]), max_size=3).map("".join)
keyword = st.sampled_from(["SERVICE", "service", "SeRvIcE"])
endpoint = st.sampled_from(["<http://127.0.0.1:PORT/>", "<http://127.0.0.1:PORT/\\u0041#>", "e:", "e:sparql", "e:a\\.b", "?e", "$e"])
before = st.sampled_from(["", "?s ?p ?o", "?s ?p ?o .", "VALUES ?z { <http://x/\\u0041#> }", "FILTER(?a <?b)",
                          'BIND("}" AS ?q)', "?s ?p '''x'''", "OPTIONAL { ?a ?b ?c }", "VALUES ?e { <http://127.0.0.1:PORT/> }"])
call = st.builds(lambda b, k, g1, silent, g2, e, g3: f"{b}{k}{g1}{silent}{g2}{e}{g3}{{ ?a ?b ?c }}",
                 before, keyword, gap, st.sampled_from(["", "SILENT", "silent"]), gap, endpoint, gap)


@pytest.fixture(scope="module")
def module_listener():
    ear = Listener()
    yield ear
    ear.close()


def oxigraph_calls(query: str, ear: Listener) -> bool:
    """Whether Oxigraph, given ``query`` directly, connects to ``ear``."""
    before_calls = ear.calls
    store = ox.Store()
    store.add(ox.Quad(ox.NamedNode("http://x/s"), ox.NamedNode("http://x/p"), ox.NamedNode("http://x/o")))
    try:
        list(store.query(query))
    except (SyntaxError, OSError, RuntimeError, ValueError):
        pass
    return ear.calls > before_calls


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=call)
def test_whenever_oxigraph_would_call_out_the_check_says_so(body, module_listener):
    """Oxigraph is the oracle: whatever text makes it connect to a listening socket must be caught."""
    query = f"PREFIX e: <http://127.0.0.1:PORT/> SELECT * WHERE {{ {body} }}".replace("PORT", str(module_listener.port))
    if oxigraph_calls(query, module_listener):
        assert uses_service(query), query
        with pytest.raises(QueryError, match="SERVICE is not allowed"):
            run_query(ox.Store(), query)


def test_the_oracle_sees_calls(module_listener):
    """The property above is not empty: Oxigraph does connect for the calls it is given, SILENT ones too."""
    for body in ("SERVICE<http://127.0.0.1:PORT/>{?a ?b ?c}", "service silent e:{?a ?b ?c}",
                 "?s ?p ?o SERVICE#}\r<http://127.0.0.1:PORT/\\u0041#>{?a ?b ?c}"):
        query = f"PREFIX e: <http://127.0.0.1:PORT/> SELECT * WHERE {{ {body} }}".replace("PORT", str(module_listener.port))
        assert oxigraph_calls(query, module_listener), query


def test_a_server_worker_cannot_open_a_network_socket(server):
    health = json.loads(request(server, "/health")[2])
    if sys.platform.startswith("linux"):
        assert health["workers_without_network"] is True


def test_the_sandbox_stops_oxigraph_even_without_the_check(listener):
    """Defence in depth: in a sandboxed process a SERVICE call that reached Oxigraph still calls nobody."""
    if not sys.platform.startswith("linux"):
        pytest.skip("the network sandbox is seccomp: Linux only")
    code = (
        "import pyoxigraph as ox, socket\n"
        "from clausegraph.sandbox import forbid_network\n"
        "assert forbid_network()\n"
        "a, b = socket.socketpair(); a.send(b'x'); assert b.recv(1) == b'x'  # local sockets still work\n"
        f"try:\n    list(ox.Store().query('SELECT * {{ SERVICE <http://127.0.0.1:{listener.port}/> {{ ?a ?b ?c }} }}'))\n"
        "except OSError as exc:\n    print('refused:', exc)\n"
        f"try:\n    socket.create_connection(('127.0.0.1', {listener.port}))\n"
        "except OSError as exc:\n    print('refused:', exc)\n"
        f"import subprocess; subprocess.run([{sys.executable!r}, '-c', "
        f"\"import socket; socket.create_connection(('127.0.0.1', {listener.port}))\"], stderr=subprocess.DEVNULL)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("refused:") == 2 and "Permission denied" in result.stdout
    assert listener.calls == 0


# ---------------------------------------------------------------------------- query limits

from clausegraph.graph.query_limits import LIMITS, measure_query  # noqa: E402


def _cli_query(text: str, store, tmp_path):
    """``clausegraph query`` on ``text`` (through a .rq file when it is too long for an argument)."""
    if len(text) > 100_000:
        path = tmp_path / "query.rq"
        path.write_text(text, encoding="utf-8")
        text = str(path)
    return run_cli("query", text, "--format", "csv", store=store)


DEEP_OR_WIDE = {
    "3,000 nested braces": ("SELECT * WHERE " + "{" * 3000 + " ?a ?b ?c " + "}" * 3000, "more than 128 levels deep"),
    "3,000 nested parentheses": ("SELECT * WHERE { FILTER(" + "(" * 3000 + "1" + ")" * 3000 + ") }", "more than 128 levels deep"),
    "3,000 nested brackets": ("SELECT * WHERE { ?a <http://x/p> " + "[ <http://x/p> " * 3000 + "1" + " ]" * 3000 + " }",
                              "more than 128 levels deep"),
    "10,000 UNION": ("SELECT * WHERE { " + " UNION ".join(["{ ?a ?b ?c }"] * 10_000) + " }", "characters long"),
    "3,000 MINUS": ("SELECT * { ?a ?b ?c" + " MINUS {?a ?b ?c}" * 3000 + "}", "3,000 UNION, OPTIONAL and MINUS branches"),
    "300 OPTIONAL": ("SELECT * { ?a ?b ?c" + " OPTIONAL {?a ?b ?c}" * 300 + "}", "300 UNION, OPTIONAL and MINUS branches"),
    # 250 patterns sharing a subject (5 KB) took Oxigraph 36 s to plan, 250 objects of one pattern 39 s,
    # a path of 1,000 steps (8 KB) 68 s
    "250 patterns on one subject": ("SELECT * { ?a " + " ; ".join(f"<urn:p{i}> ?b{i}" for i in range(250)) + " }",
                                    "joins about 250 patterns"),
    "250 objects": ("SELECT * { ?a <urn:p> " + " , ".join(f"?b{i}" for i in range(250)) + " }", "joins about 250 patterns"),
    "1,000 path steps": ("SELECT * { ?a " + "/".join(["<urn:p>"] * 1000) + " ?b }", "joins about 1,000 patterns"),
}


@pytest.mark.parametrize("case", sorted(DEEP_OR_WIDE))
def test_deep_or_wide_queries_get_one_line_from_the_cli(case, bundled_store, tmp_path):
    text, words = DEEP_OR_WIDE[case]
    result = _cli_query(text, bundled_store, tmp_path)
    assert result.returncode == 2, (result.returncode, result.stderr[-300:])  # not -11: no signal
    line, = result.stderr.strip().splitlines()
    assert line.startswith("error[CG040]: ") and words in line, line


def test_deep_or_wide_queries_get_one_line_from_the_server_which_goes_on(server):
    for text, words in DEEP_OR_WIDE.values():
        answer = request(server, "/sparql", method="POST", body=text.encode(), headers={"Content-Type": "application/sparql-query"})
        assert words in assert_error(*answer, 400, "CG040")["error"]
    status, _, body = sparql_get(server, "ASK { ?s ?p ?o }")
    assert status == 200 and json.loads(body)["boolean"] is True


def test_a_query_no_count_bounds_runs_on_a_stack_deep_enough(bundled_store, tmp_path):
    """12,000 "+" overflowed the 8 MB main stack (SIGSEGV); the query thread's stack holds them."""
    result = _cli_query("SELECT (" + "+".join(["1"] * 12_000) + " AS ?n) WHERE {}", bundled_store, tmp_path)
    assert result.returncode == 0, (result.returncode, result.stderr[-300:])
    assert result.stdout.splitlines() == ["n", "12000"]


@pytest.mark.parametrize("text,depth,branches", [
    ('SELECT * { ?s ?p "{{{{((((" . ?s ?p """}}}\n{{{""" }', 1, 0),  # brackets in strings, short and long
    ("SELECT * { ?s ?p '\\'{{{' }", 1, 0),  # an escaped quote does not end the string
    ("SELECT * { # {{{{ UNION OPTIONAL\n ?s ?p ?o }", 1, 0),  # a comment
    ("SELECT * { ?s <http://x/(((([[[[#> ?o }", 1, 0),  # an IRI may hold ( [ and #
    ("SELECT * { ?s ?p ?o FILTER(?o <?x) }", 2, 0),  # "<" as less-than opens no IRI across ")"
    ("SELECT ?union ?optional { ?s ?p \"minus\" }", 1, 0),  # variables and strings are no keywords
    ("SELECT * { {?s ?p ?o}UNION{?s ?p ?o} ?s ?p 1.OPTIONAL{?s ?p ?o} MINUS {} }", 2, 3),
    ("SELECT * { ?s ex:a\\(\\(\\( ?o }", 1, 0),  # escapes in a prefixed name
    ("SELECT * { ?s ?p ?o }}}}}} {{{ }", 3, 0),  # unbalanced closing brackets never hide depth
])
def test_the_scanner_counts_what_sparql_reads(text, depth, branches):
    shape = measure_query(text)
    assert (shape.depth, shape.branches) == (depth, branches)


_decoy = st.sampled_from(['"{(["', "'}}}'", '"""\n{{{ UNION\n"""', "<http://x/((#>", "# {{{ OPTIONAL\n", "?union", '"minus"', ""])


@st.composite
def _nested(draw, depth: int = 0):
    """(query body, its nesting depth, its branch keywords) with decoys that must not count."""
    if depth >= 6 or draw(st.integers(0, 3)) == 0:
        return f"?s ?p {draw(_decoy) or '?o'} .", 0, 0
    kind = draw(st.sampled_from(["group", "union", "optional", "minus", "filter", "bnode"]))
    inner, d, b = draw(_nested(depth + 1))
    extra = draw(_decoy)
    if kind == "group":
        return f"{{ {inner} {extra} }}", d + 1, b
    if kind == "union":
        other, d2, b2 = draw(_nested(depth + 1))
        return f"{{ {inner} }} UNION {{ {other} }}", max(d, d2) + 1, b + b2 + 1
    if kind in ("optional", "minus"):
        return f"?s ?p ?o {kind.upper()} {{ {inner} }}", d + 1, b + 1
    if kind == "filter":
        return f"?s ?p ?o FILTER EXISTS {{ {inner} }} FILTER((1 + (2)))", max(d + 1, 3), b
    return f"?s ?p [ ?q [ ?r ?o ] ] . {inner}", max(d, 2), b


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(_nested())
def test_measured_depth_and_branches_are_exact_whatever_strings_iris_and_comments_hold(case):
    body, depth, branches = case
    shape = measure_query(f"SELECT * WHERE {{ {body} }}")
    assert (shape.depth, shape.branches) == (depth + 1, branches)


def test_named_queries_are_far_inside_the_limits():
    from clausegraph.queries.named import named_queries

    for q in named_queries().values():
        shape = measure_query(q.text)
        assert shape.depth * 10 < LIMITS.max_depth and shape.branches * 10 < LIMITS.max_branches
        assert shape.chars * 50 < LIMITS.max_chars and shape.joins * 3 < LIMITS.max_joins


@pytest.mark.parametrize("text,joins", [
    ("SELECT * { ?s ?p ?o }", 1),
    ("SELECT * { ?s ?p ?o . }", 2),  # a trailing dot counts too: an upper bound
    ("SELECT * { ?s ?p ?o ; ?q ?r , ?t . ?o ?p ?s }", 4),
    ("SELECT * { ?s <urn:p>/<urn:q>/^<urn:r> ?o }", 3),
    ("SELECT * { ?s ?p [ ?q ?r ] }", 2),
    ("SELECT * { ?s ?p ?o FILTER(?o IN (1, 2, 3, 4) && CONCAT('a', 'b') != 'c') }", 1),  # commas of arguments
    ('SELECT * { ?s ?p "a . b ; c , d / e }" }', 1),  # inside a string
    ("SELECT * { ?s ?p 1.5 , 2 }", 2),  # a decimal's dot
    ("SELECT * { VALUES (?a ?b) { (1 2) (3 4) (5 6) } }", 2),  # rows of VALUES are no joins
])
def test_joins_are_counted_from_the_tokens_that_add_a_pattern(text, joins):
    assert measure_query(text).joins == joins


# ---------------------------------------------------------------------------- rich markup in names and texts

def test_markup_like_names_and_texts_print_as_written(tmp_path):
    """File names, titles, archive services and queries holding rich markup reach every command's
    messages as written: no MarkupError traceback, nothing swallowed as a style."""
    folder = tmp_path / "x[/y]"  # the issue's 'x[/y]/terms.txt': a folder "x[" holding "y]"
    folder.mkdir(parents=True)
    page = folder / "[bold]terms.txt"
    page.write_text("Acme [/x] Terms\nEffective 1 March 2025\n\n1. Use [bold]\nYou may use it [/x] as [red]you[/red] like.\n",
                    encoding="utf-8")
    archive = folder / "[evil]history.jsonl"
    archive.write_text(json.dumps({"service": "[/evil]", "terms_type": "[bold]Terms", "recorded_at": "2025-01-01T00:00:00Z",
                                   "commit": "abc1234", "text": "# [/evil] Terms\n\nYou may [i]use[/i] it.\n"}) + "\n",
                       encoding="utf-8")
    store = tmp_path / "store"

    def ok(*args: str) -> subprocess.CompletedProcess:
        result = run_cli(*args, store=store)
        assert "Traceback" not in result.stderr and "MarkupError" not in result.stderr, (args, result.stderr[-500:])
        assert result.returncode >= 0, args
        return result

    ingested = ok("ingest", str(page), str(archive))
    assert ingested.returncode == 0 and "reading " + str(page) in ingested.stderr and str(archive) in ingested.stderr
    assert "[/evil]" in ok("stats").stdout
    documents = ok("query", "documents", "--format", "table").stdout
    assert "Acme [/x] Terms" in documents and "[/evil] Terms" in documents
    rows = ok("query", "SELECT ?t WHERE { ?c cg:text ?t } ORDER BY ?t").stdout
    assert "[red]you[/red]" in rows and "[i]use[/i]" in rows
    bad = ok("query", "SELECT [/x] WHERE")
    assert bad.returncode == 2 and "'SELECT [/x] WHERE'" in bad.stderr
    missing = ok("ingest", str(folder / "[bold]missing.txt"))
    assert missing.returncode == 2 and f"{folder}/[bold]missing.txt: no such file" in missing.stderr
    several = ok("governs", "Can I use it [/x] [bold]now?")  # two publishers: the message lists them as written
    assert several.returncode == 2 and "evil" in several.stderr
    governs = ok("governs", "Can I use it [/x] [bold]now?", "--publisher", "evil")
    assert governs.returncode == 0 and "Can I use it [/x] [bold]now?" in governs.stdout
    lint = ok("lint")
    assert lint.returncode == 0
    exported = ok("export", "--format", "turtle", "-o", str(folder / "[bold]graph.ttl"))
    assert exported.returncode == 0 and str(folder / "[bold]graph.ttl") in exported.stderr


# ---------------------------------------------------------------------------- HTML without recursion

def _reference_render(html: str) -> str:
    """The recursive reading html.py replaced, kept as the oracle for small pages."""
    import re as _re

    from selectolax.lexbor import LexborHTMLParser

    from clausegraph.ingest.html import _BLOCKS, _HEADINGS, _SKIP

    space = _re.compile(r"\s+")

    def inline_one(child) -> str:
        if child.tag == "-text":
            return child.text_content or ""
        if child.tag == "br":
            return " "
        if child.tag in _SKIP or child.tag == "-comment":
            return ""
        if child.tag in ("strong", "b"):
            inner = inline(child).strip()
            return f"**{inner}**" if inner else ""
        return inline(child)

    def inline(node) -> str:
        return space.sub(" ", "".join(inline_one(c) for c in node.iter(include_text=True)))

    def has_blocks(node) -> bool:
        return any(c.tag in _BLOCKS or c.tag in _HEADINGS or c.tag in ("ul", "ol", "table", "hr", "li") for c in node.iter())

    def render(node, out: list[str], depth: int) -> None:
        pending: list[str] = []

        def flush() -> None:
            text = "".join(pending).strip()
            pending.clear()
            if text:
                out.append(text)

        for child in node.iter(include_text=True):
            tag = child.tag
            if tag == "-text":
                pending.append(child.text_content or "")
            elif tag in _SKIP or tag == "-comment":
                continue
            elif tag in _HEADINGS:
                flush()
                text = inline(child).strip()
                if text:
                    out.append("#" * _HEADINGS[tag] + " " + text)
            elif tag in ("ul", "ol"):
                flush()
                for n, item in enumerate((c for c in child.iter() if c.tag == "li"), start=1):
                    sub = list(item.iter(include_text=True))
                    text = space.sub(" ", "".join(inline_one(c) for c in sub if c.tag not in ("ul", "ol", "table"))).strip()
                    out.append("  " * depth + f"{f'{n}.' if tag == 'ol' else '-'} {text}".rstrip())
                    for c in sub:
                        if c.tag in ("ul", "ol", "table"):
                            render(LexborHTMLParser(f"<div>{c.html}</div>").css_first("div"), out, depth + 1)
            elif tag == "table":
                flush()
                for row in child.css("tr"):
                    cells = [inline(c).strip().replace("|", "\\|") for c in row.iter() if c.tag in ("td", "th")]
                    if cells:
                        out.append("  " * depth + "| " + " | ".join(cells) + " |")
            elif tag == "hr":
                flush()
                out.append("* * *")
            elif tag == "br":
                pending.append(" ")
            elif tag in _BLOCKS or has_blocks(child):
                flush()
                render(child, out, depth)
            else:
                pending.append(inline_one(child))
        flush()

    tree = LexborHTMLParser(html)
    out: list[str] = []
    render(tree.body or tree.root, out, 0)
    title = tree.css_first("title")
    blocks = [space.sub(" ", b).rstrip() if not b.lstrip().startswith(("-", "|")) and not b[:1] == " " else b.rstrip() for b in out]
    text = "\n\n".join(b for b in blocks if b.strip())
    if not any(b.startswith("# ") for b in blocks) and title is not None and title.text().strip():
        text = "# " + space.sub(" ", title.text()).strip() + "\n\n" + text
    return text + "\n" if text else ""


_TAGS = ["div", "p", "span", "b", "strong", "em", "ul", "ol", "li", "h1", "h2", "table", "tr", "td", "br", "hr",
         "script", "nav", "section", "a", "pre", "blockquote"]
_TEXTS = ["", " ", "x", " y ", "\n", "a  b", "- dash", "| bar", "**", "1. one", "&amp;", "\xa0"]


@st.composite
def _html(draw, depth: int = 4) -> str:
    parts = []
    for _ in range(draw(st.integers(0, 3))):
        if depth and draw(st.booleans()):
            tag = draw(st.sampled_from(_TAGS))
            closed = draw(st.sampled_from([True, True, False]))
            parts.append(f"<{tag}>{draw(_html(depth - 1))}" + (f"</{tag}>" if closed else ""))
        else:
            parts.append(draw(st.sampled_from(_TEXTS)))
    return "".join(parts)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_html(), st.sampled_from(["", "<title>T  t</title>"]))
def test_html_reads_as_the_recursive_reading_did(body, head):
    from clausegraph.ingest.html import html_to_text

    page = f"<html>{head}<body>{body}</body></html>"
    assert html_to_text(page) == _reference_render(page)


@pytest.mark.parametrize("name,html,outcome", [
    ("divs.html", "<h1>Acme Terms</h1><p>Effective 1 March 2025</p>" + "<div>" * 3000 + "You may use it." + "</div>" * 3000, None),
    ("spans.html", "<h1>Acme Terms</h1><p>Effective 1 March 2025</p><p>" + "<b><span>" * 1900 + "Use." + "</span></b>" * 1900, None),
    ("lists.html", "<ul><li>x" * 3000 + "</li></ul>" * 3000, "HTML lists nested more than 100 deep"),
    ("tables.html", "<table><tr><td>x" * 40 + "</td></tr></table>" * 40, "HTML tables nested more than 32 deep"),
    ("deep.html", "<div>" * 200_000 + "x" + "</div>" * 200_000, "HTML elements nested more than 4,000 deep"),
], ids=["3000-divs", "1900-bold-spans", "3000-lists", "40-tables", "200000-divs"])
def test_deep_html_is_read_or_refused_naming_the_file(tmp_path, name, html, outcome):
    from clausegraph.ingest import parse_file
    from clausegraph.ingest import UNKNOWN_PUBLISHER
    from clausegraph.ontology.errors import IngestError

    path = tmp_path / name
    path.write_text("<html><body>" + html + "</body></html>", encoding="utf-8")
    started = time.process_time()
    if outcome is None:
        page = parse_file(path, publisher=UNKNOWN_PUBLISHER)
        assert page.documents[0].title == "Acme Terms"
    else:
        with pytest.raises(IngestError) as caught:
            parse_file(path, publisher=UNKNOWN_PUBLISHER)
        assert outcome in str(caught.value) and str(path) in str(caught.value)
    assert time.process_time() - started < 30  # a sanity bound: 200,000 divs took 10 minutes in lexbor alone


@pytest.mark.parametrize("name, lines", [
    ("list.md", ["  " * i + f"- item {i}" for i in range(500)]),
    ("quotes.md", [">" * i + f" quote {i}" for i in range(1, 500)]),
    ("indent.md", [" " * 4000 + f"Effective 31 February 2025 line {i}" for i in range(200)]),
], ids=["list-500-deep", "quote-500-deep", "long-indents"])
def test_deep_markdown_is_read_whole_naming_every_line(tmp_path, name, lines):
    """A markdown list 500 levels deep once raised RecursionError; long indents made the date-line scan quadratic."""
    from clausegraph.ingest import UNKNOWN_PUBLISHER, parse_file

    path = tmp_path / name
    text = "# Acme Terms\n\nEffective 1 March 2025\n\n" + "\n".join(lines) + "\n"
    path.write_text(text, encoding="utf-8")
    started = time.process_time()
    page = parse_file(path, publisher=UNKNOWN_PUBLISHER)
    from clausegraph.ingest.coverage import coverage_problems

    assert page.documents[0].title == "Acme Terms"
    assert coverage_problems(page, text) == []  # nothing lost, however deep
    assert time.process_time() - started < 30  # a sanity bound: 500 indented lines took 5 s in the date scan alone


# ---------------------------------------------------------------------------- archives, encodings, dates

def test_an_archive_line_past_the_bound_is_refused_while_decompressing(tmp_path):
    """A small .xz expanding to one 64 MiB line is refused after 32 MB, not decompressed whole."""
    import lzma
    import os as _os

    path = tmp_path / "one-line.jsonl.xz"
    packer = lzma.LZMACompressor(preset=1)
    with open(path, "wb") as out:
        out.write(packer.compress(b'{"service": "X", "terms_type": "T", "recorded_at": "2025-01-01", "commit": "c", "text": "'))
        for _ in range(64):
            out.write(packer.compress(b"a" * (1 << 20)))
        out.write(packer.compress(b'"}\n') + packer.flush())
    assert path.stat().st_size < 2_000_000
    # The command's own peak is VmHWM of its own address space, written as it exits. (wait4's ru_maxrss would
    # also count the test process's size at fork, which the whole suite grows past 2 GB.)
    peak_file = tmp_path / "peak"
    wrapper = ("import atexit, re, runpy, sys\n"
               "def peak():\n"
               "    status = open('/proc/self/status').read()\n"
               f"    open({str(peak_file)!r}, 'w').write(re.search(r'VmHWM:\\s*(\\d+)', status).group(1))\n"
               "atexit.register(peak)\n"
               "sys.argv = ['clausegraph', 'ingest', sys.argv[1]]\n"
               "runpy.run_module('clausegraph', run_name='__main__')\n")
    proc = subprocess.run([sys.executable, "-c", wrapper, str(path)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                          text=True, env={**_os.environ, "CLAUSEGRAPH_STORE": str(tmp_path / "store")}, timeout=120)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines()[-1] == (f"error[CG020]: {path}:1: archive line is longer than 32 MB "
                                                    "(a record's text may hold 16 MB): refused")
    assert 50 * 1024 < int(peak_file.read_text()) < 400 * 1024  # KB: the whole peak, imports included (2.1 GB before)


@pytest.mark.parametrize("codec,bom", [("utf-16-le", b"\xff\xfe"), ("utf-16-be", b"\xfe\xff"),
                                       ("utf-32-le", b"\xff\xfe\x00\x00"), ("utf-32-be", b"\x00\x00\xfe\xff")])
def test_utf16_and_utf32_with_a_bom_read_as_utf8_does(tmp_path, codec, bom):
    from clausegraph.ingest import UNKNOWN_PUBLISHER, parse_file

    text = "Acme Terms\nEffective 1 March 2025\n\n1. Use\nYou may use it — café, 日本, 🙂.\n"
    plain = tmp_path / "plain.txt"
    plain.write_text(text, encoding="utf-8")
    wide = tmp_path / f"wide-{codec}.txt"
    wide.write_bytes(bom + text.encode(codec))
    a, b = parse_file(plain, publisher=UNKNOWN_PUBLISHER), parse_file(wide, publisher=UNKNOWN_PUBLISHER)
    assert [d.model_dump(exclude={"source"}) for d in a.documents] == [d.model_dump(exclude={"source"}) for d in b.documents]


def test_broken_utf16_is_refused_by_name(tmp_path):
    from clausegraph.ingest.readers import read_text
    from clausegraph.ontology.errors import IngestError

    path = tmp_path / "odd.txt"
    path.write_bytes(b"\xff\xfe" + "Acme Terms\n".encode("utf-16-le") + b"\x00\xd8A")  # a lone surrogate
    with pytest.raises(IngestError, match="not valid UTF-16 at byte 24") as caught:
        read_text(path)
    assert str(path) in str(caught.value)


@pytest.mark.parametrize("line,reason", [
    ("Effective 31 February 2025", "February 2025 has 28 days"),
    ("Effective 29 February 2023", "February 2023 has 28 days"),
    ("_Effective 31 April 2025_", "April 2025 has 30 days"),
    ("Last updated: 2025-13-01", "there is no month 13"),
    ("Effective: May 0, 2025", "there is no day 0"),
])
def test_an_impossible_date_is_a_warning_naming_file_and_line(tmp_path, line, reason):
    from clausegraph.ingest.readers import read_text
    from clausegraph.ontology.errors import IngestWarning

    path = tmp_path / "terms.txt"
    path.write_text(f"Acme Terms\n{line}\n\n1. Use\nYou may use it.\n", encoding="utf-8")
    with pytest.warns(IngestWarning) as caught:
        read_text(path)
    (warning,) = caught
    assert str(warning.message) == f"{path}:2: impossible date {line!r}: {reason}; read as no date"


def test_ingest_prints_the_date_warning_and_goes_on(tmp_path):
    path = tmp_path / "terms.txt"
    path.write_text("Acme Terms\nEffective 31 February 2025\n\n1. Use\nYou may use it.\n", encoding="utf-8")
    result = run_cli("ingest", "-q", str(path), store=tmp_path / "store")
    assert result.returncode == 0
    assert result.stderr.strip() == (f"warning[CG011]: {path}:2: impossible date 'Effective 31 February 2025': "
                                     "February 2025 has 28 days; read as no date")
    assert "acme-terms/undated" in run_cli("query", "documents", "--format", "csv", store=tmp_path / "store").stdout


def test_a_possible_date_warns_nothing(tmp_path):
    import warnings

    from clausegraph.ingest.readers import read_text

    path = tmp_path / "terms.txt"
    path.write_text("Acme Terms\nEffective 29 February 2024\nUpdated: October 2025\n", encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        read_text(path)


# ---------------------------------------------------------------------------- no space left on device

def _private_mount_prefix() -> list[str] | None:
    """A command prefix that runs in a mount namespace of its own, or None where none can be made."""
    import os as _os
    import shutil

    if not sys.platform.startswith("linux") or shutil.which("unshare") is None:
        return None
    prefix = ["unshare", "--mount", "--propagation", "private"] if _os.geteuid() == 0 else \
        ["unshare", "--user", "--map-root-user", "--mount", "--propagation", "private"]
    probe = subprocess.run(prefix + ["true"], capture_output=True)
    return prefix if probe.returncode == 0 else None


def test_no_space_left_during_the_store_write_is_one_line_and_the_store_is_unchanged(tmp_path):
    prefix = _private_mount_prefix()
    if prefix is None:
        pytest.skip("cannot make a private mount namespace (unshare) for a small tmpfs here")
    small = tmp_path / "small"
    small.mkdir()
    page = tmp_path / "acme.txt"
    page.write_text("Acme Terms\nEffective 1 March 2025\n\n1. Use\nYou may use it.\n", encoding="utf-8")
    cli = f"{sys.executable} -m clausegraph --store {small}/store"
    script = (f"set -e; mount -t tmpfs -o size=1500k tmpfs {small}; {cli} ingest -q {page}; "
              f"cat {small}/store/CURRENT > {tmp_path}/before; {cli} export --format nquads | sort > {tmp_path}/before.nq; "
              f"{cli} ingest -q 2> {tmp_path}/err || echo $? > {tmp_path}/code; "
              f"cat {small}/store/CURRENT > {tmp_path}/after; {cli} export --format nquads | sort > {tmp_path}/after.nq; "
              f"ls {small}/store > {tmp_path}/listing")
    done = subprocess.run(prefix + ["sh", "-c", script], capture_output=True, text=True, cwd=str(tmp_path))
    if "mount:" in done.stderr:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "code").read_text().strip() == "1"
    assert (tmp_path / "err").read_text().strip() == (f"error[CG030]: {small}/store: no space left on device; "
                                                      "nothing was written, the store is as it was")
    assert (tmp_path / "before").read_text() == (tmp_path / "after").read_text()
    assert (tmp_path / "before.nq").read_text() == (tmp_path / "after.nq").read_text() != ""
    generations = [n for n in (tmp_path / "listing").read_text().split() if n.startswith("gen-") and not n.endswith(".lock")]
    assert generations == [(tmp_path / "before").read_text().strip()]  # the failed one is gone


# ---------------------------------------------------------------------------- HTTP at the header level

from tests.test_serve import raw_exchange  # noqa: E402


def _status_and_error(answer: bytes) -> tuple[int, dict]:
    head, _, body = answer.partition(b"\r\n\r\n")
    payload = json.loads(body)
    assert set(payload) == {"ok", "status", "code", "error"} and payload["ok"] is False
    return int(head.split(b" ", 2)[1]), payload


def test_header_level_tricks_are_refused_in_the_one_error_shape(server):
    host = server.url.removeprefix("http://")
    form = b"query=ASK%7B%7D"
    cases = [
        (f"GET /health HTTP/1.1\r\nHost: {host}\r\nHost: attacker.example\r\n\r\n", 400, "more than one Host header"),
        (f"GET http://attacker.example/health HTTP/1.1\r\nHost: {host}\r\n\r\n", 400, "not an absolute URL"),
        (f"POST /sparql HTTP/1.1\r\nHost: {host}\r\nOrigin: null\r\nContent-Type: application/x-www-form-urlencoded\r\n"
         f"Content-Length: {len(form)}\r\nConnection: close\r\n\r\n{form.decode()}", 403, "another web site"),
    ]
    for raw, status, words in cases:
        got, payload = _status_and_error(raw_exchange(server, raw.encode()))
        assert got == status and words in payload["error"], (raw, payload)
    # the page's own requests still pass
    same = (f"POST /sparql HTTP/1.1\r\nHost: {host}\r\nOrigin: null\r\nSec-Fetch-Site: same-origin\r\n"
            f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {len(form)}\r\nConnection: close\r\n\r\n")
    assert raw_exchange(server, same.encode() + form).startswith(b"HTTP/1.1 200")


def test_a_content_length_with_no_body_is_refused_at_once(server):
    host = server.url.removeprefix("http://")
    started = time.monotonic()
    answer = raw_exchange(server, f"POST /sparql HTTP/1.1\r\nHost: {host}\r\nContent-Length: 100000000\r\n\r\n".encode(),
                          read_for=30.0)
    assert _status_and_error(answer)[0] == 413
    assert time.monotonic() - started < 15  # a sanity bound: it used to wait 60 s for a body that never came


# ---------------------------------------------------------------------------- resources of the server's workers

def test_a_query_past_the_memory_limit_is_stopped_and_its_worker_replaced(bundled_store):
    from tests.conftest import start_server, stop_server

    srv = start_server(bundled_store, "--workers", "1", "--query-workers", "1", "--memory", "256", "--timeout", "60")
    try:
        binds = " ".join(f"BIND(CONCAT(?t{i},?t{i}) AS ?t{i + 1})" for i in range(30))
        doubling = f'SELECT (STRLEN(?t30) AS ?n) WHERE {{ BIND("0123456789abcdef" AS ?t0) {binds} }}'
        payload = assert_error(*sparql_get(srv, doubling), 503, "CG044")
        assert "memory limit of 256 MB" in payload["error"]
        status, _, body = sparql_get(srv, "ASK { ?s ?p ?o }")  # the replacement answers
        assert status == 200 and json.loads(body)["boolean"] is True
        assert json.loads(request(srv, "/health")[2])["stopped_for_memory"] == 1
    finally:
        stop_server(srv)


def test_named_queries_are_answered_while_runaway_queries_hold_the_query_workers(bundled_store):
    from clausegraph.queries.named import named_queries
    from tests.conftest import start_server, stop_server
    from tests.test_serve import RUNAWAY

    srv = start_server(bundled_store, "--workers", "1", "--query-workers", "1", "--timeout", "20")
    try:
        runaway_answers: list = []
        threads = [threading.Thread(target=lambda: runaway_answers.append(sparql_get(srv, RUNAWAY))) for _ in range(2)]
        for t in threads:
            t.start()
        time.sleep(1.0)  # one runs, one waits for the only query worker
        for name in ("documents", "stats"):
            status, _, body = sparql_get(srv, named_queries()[name].text)
            assert status == 200 and json.loads(body)["results"]["bindings"]
        status, _, body = request(srv, "/api/governs?question=Which+law+governs%3F")
        assert status == 200 and json.loads(body)["question"]
        assert runaway_answers == []  # the named answers came while both runaways were still held
        for t in threads:
            t.join(timeout=120)
        assert sorted(json.loads(a[2])["code"] for a in runaway_answers) == ["CG042", "CG060"]  # run out, or turned away
    finally:
        stop_server(srv)
