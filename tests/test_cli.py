"""The command line as users and scripts meet it; the README's commands run as written."""

from __future__ import annotations

import csv
import io
import json
import re
import shlex
from pathlib import Path

import networkx  # noqa: F401 - installed with the package
import pytest
import rdflib

from conftest import ROOT, run_cli

COMMANDS = ["ingest", "query", "export", "stats", "validate", "lint", "eval", "publishers", "documents", "remove"]


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_with_an_example(command):
    result = run_cli(command, "--help")
    assert result.returncode == 0
    assert "examples:" in result.stdout and f"clausegraph {command}" in result.stdout


def test_top_level_help_and_version():
    assert run_cli("--version").stdout.strip() == "clausegraph 0.1.0"
    result = run_cli()
    assert result.returncode == 2 and all(c in result.stdout for c in COMMANDS)


def test_stats_after_an_ingest(tmp_path):
    """Only ingest fills a store (tests/test_manage.py: a read command on a missing store is one line)."""
    assert run_cli("ingest", "-q", store=tmp_path / "store").returncode == 0
    result = run_cli("stats", "--json", store=tmp_path / "store")
    assert result.returncode == 0, result.stderr
    assert "ingesting" not in result.stderr
    stats = json.loads(result.stdout)
    assert stats["totals"]["documents"] == 10
    assert {d["id"] for d in stats["documents"]} >= {"terms-of-service", "data-processing-agreement"}
    assert all(d["clauses"] > 0 for d in stats["documents"])


def test_query_formats(bundled_store):
    result = run_cli("query", "documents", "--format", "json", store=bundled_store)
    payload = json.loads(result.stdout)
    assert payload["head"]["vars"][:3] == ["publisher", "id", "title"]
    first = payload["results"]["bindings"][0]
    assert first["effective"] == {"type": "literal", "value": "2025-02-06", "datatype": "http://www.w3.org/2001/XMLSchema#date"}
    assert first["document"]["type"] == "uri"
    rows = list(csv.reader(io.StringIO(run_cli("query", "documents", "-f", "csv", store=bundled_store).stdout)))
    assert rows[0][:2] == ["publisher", "id"] and len(rows) == 11
    table = run_cli("query", "clause", "-b", "doc=terms-of-service", "-b", "number=6", store=bundled_store)
    assert "Limitation of Liability" in table.stdout and "id:mistral-ai/terms-of-service/2025-02-06/6/" in table.stdout
    listing = run_cli("query", "--list", store=bundled_store)
    assert listing.returncode == 0 and "section-text" in listing.stdout


def test_ask_query(bundled_store):
    result = run_cli("query", "ASK { ?d cg:effectiveDate ?e }", "-f", "json", store=bundled_store)
    assert json.loads(result.stdout) == {"head": {}, "boolean": True}


@pytest.mark.parametrize("fmt,rdflib_format", [("turtle", "turtle"), ("trig", "trig"), ("nquads", "nquads")])
def test_export_is_read_back_by_rdflib(bundled_store, tmp_path, fmt, rdflib_format):
    out = tmp_path / f"dump.{fmt}"
    result = run_cli("export", "--format", fmt, "-o", str(out), store=bundled_store)
    assert result.returncode == 0, result.stderr
    if fmt == "turtle":
        graph = rdflib.Graph().parse(data=out.read_text(encoding="utf-8"), format="turtle")
        assert len(graph) > 5000
    else:
        dataset = rdflib.Dataset()
        dataset.parse(data=out.read_text(encoding="utf-8"), format=rdflib_format)
        names = {str(g.identifier) for g in dataset.graphs()}
        assert "https://w3id.org/clausegraph/id/mistral-ai/terms-of-service/2025-02-06" in names


def test_validate_passes_on_the_bundled_graph(bundled_store):
    result = run_cli("validate", "--json", store=bundled_store)
    assert result.returncode == 0, result.stdout
    report = json.loads(result.stdout)
    assert report["conforms"] is True and report["triples"] > 5000


def test_validate_catches_a_broken_graph(tmp_path):
    import clausegraph
    from clausegraph.graph.validate import validate_store
    import pyoxigraph as ox

    store = ox.Store()
    cg = "https://w3id.org/clausegraph/ontology#"
    store.add(ox.Quad(ox.NamedNode("http://x/c"), ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
                      ox.NamedNode(cg + "Clause"), ox.NamedNode("http://x/g")))
    report = validate_store(store)
    assert not report.conforms and any("text" in (v.path or "") for v in report.violations)
    assert clausegraph  # the API module imports cleanly alongside


def _readme_blocks() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return re.findall(r"```(?:bash|sh)\n(.*?)```", text, re.DOTALL)


def test_readme_test_command_is_what_ci_runs():
    test_command = next(b for b in _readme_blocks() if "pytest" in b).strip()
    assert test_command in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_readme_main_command_runs(tmp_path):
    """The README's first command, minus the install this test environment already has."""
    main = _readme_blocks()[0].strip()
    steps = [s.strip() for s in main.replace("\\\n", " ").split("&&")]
    ran = 0
    for step in steps:
        argv = shlex.split(step)
        if argv and argv[0] == "clausegraph":
            result = run_cli(*argv[1:], store=tmp_path / "store")
            assert result.returncode == 0, (step, result.stderr)
            ran += 1
    assert ran >= 2


def test_readme_governs_examples_run(bundled_store):
    """The commands of the README's "Which document governs?" block, as written, on the bundled corpus."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"## Which document governs\?\n\n```bash\n(.*?)```", text, re.DOTALL).group(1)
    ran = 0
    for line in block.strip().splitlines():
        argv = shlex.split(line)
        assert argv[0] == "clausegraph"
        result = run_cli(*argv[1:], store=bundled_store)
        assert result.returncode == 0, (line, result.stderr)
        if "--json" in argv:
            assert json.loads(result.stdout)["answer"] is not None
        else:
            assert result.stdout.strip()
        ran += 1
    assert ran == 2
