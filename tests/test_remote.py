"""``--store http://...``: a real ``oxigraph serve`` (PyPI ``oxigraph``) on loopback as the store."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

import clausegraph
from tests.conftest import SHARED, require_tool, run_cli

OXIGRAPH = shutil.which("oxigraph") or str(Path(sys.executable).parent / "oxigraph")
DEV_GOLD = SHARED / "eval" / "governs-dev.json"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def oxigraph_url():
    require_tool(Path(OXIGRAPH).is_file(), "Oxigraph's server (pip install oxigraph: the `oxigraph` command)")
    port = _free_port()
    process = subprocess.Popen([OXIGRAPH, "serve", "--bind", f"127.0.0.1:{port}"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(200):  # until it listens (a readiness wait, not a time assertion)
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert process.poll() is None, "oxigraph serve exited"
                time.sleep(0.05)
        url = f"http://127.0.0.1:{port}/"
        assert run_cli("stats", store=url).returncode == 1  # empty: one line, as a missing store on disk
        done = run_cli("ingest", "-q", store=url)
        assert done.returncode == 0, done.stderr
        yield url
    finally:
        process.terminate()
        process.wait(timeout=20)


def test_an_empty_remote_store_is_one_line(tmp_path):
    require_tool(Path(OXIGRAPH).is_file(), "Oxigraph's server")
    port = _free_port()  # nothing listens there
    result = run_cli("stats", store=f"http://127.0.0.1:{port}/")
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 1 and len(lines) == 1 and "Traceback" not in result.stderr
    assert lines[0].startswith("error[CG030]") and "cannot reach the store at" in lines[0]
    assert not Path("http:").exists() and not (tmp_path / "http:").exists()  # not taken for a folder name


@pytest.mark.parametrize("url", ["http://[bad", "http://", "http://127.0.0.1:99999/", "http://h/?x=1"])
def test_a_bad_store_url_is_one_line(url):
    result = run_cli("stats", store=url)
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 1 and len(lines) == 1 and lines[0].startswith("error[CG030]"), result.stderr


def test_query_reads_the_same_rows_as_the_embedded_store(oxigraph_url, bundled_store):
    for argv in (["query", "documents", "-f", "csv"], ["query", "clause", "-b", "doc=terms-of-service", "-b", "number=6", "-f", "csv"],
                 ["query", "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", "-f", "csv"]):
        remote, local = run_cli(*argv, store=oxigraph_url), run_cli(*argv, store=bundled_store)
        assert remote.returncode == 0, remote.stderr
        assert remote.stdout == local.stdout and len(remote.stdout.splitlines()) > 1, argv


def test_export_and_validate_read_the_same_dataset(oxigraph_url, bundled_store):
    remote = run_cli("export", "--format", "nquads", store=oxigraph_url)
    local = run_cli("export", "--format", "nquads", store=bundled_store)
    assert remote.returncode == 0, remote.stderr
    assert sorted(remote.stdout.splitlines()) == sorted(local.stdout.splitlines()) and len(local.stdout) > 1000
    checked = run_cli("validate", "--json", store=oxigraph_url)
    assert checked.returncode == 0 and json.loads(checked.stdout)["conforms"] is True, checked.stdout[:500]


def test_ingest_again_changes_nothing(oxigraph_url):
    done = run_cli("ingest", store=oxigraph_url)
    assert done.returncode == 0 and "0 added, 0 replaced, 10 unchanged" in done.stderr


def test_governs_gives_the_same_answers_as_the_embedded_store_on_the_dev_questions(oxigraph_url, kg):
    if not DEV_GOLD.is_file():
        pytest.skip(f"labelled questions not found at {DEV_GOLD} (../shared is absent on this machine)")
    remote = clausegraph.open(oxigraph_url)
    questions = json.loads(DEV_GOLD.read_text(encoding="utf-8"))
    assert len(questions) >= 20
    for q in questions:
        context = {k: v for k, v in q["context"].items() if v is not None}
        there = _decision(remote.governs(q["question"], **context).model_dump(mode="json"))
        here = _decision(kg.governs(q["question"], **context).model_dump(mode="json"))
        assert there == here, q["id"]


def _decision(result: dict) -> dict:
    """What governs decided: the answer, the ranked and the excluded clauses, the precedence pairs.
    (The words quoted as the reason are not compared: where several items of one list give the same
    reason, the resolver quotes the first its query returned, and rows without ORDER BY come in the
    order each store keeps them.)"""
    return {"status": result["status"], "answer": result["answer"],
            "candidates": [(c["clause"]["iri"], c["score"], c["applies"]) for c in result["candidates"]],
            "excluded": [(c["clause"]["iri"], c["applies"]) for c in result.get("excluded", [])],
            "precedence": [(p["winner"], p["loser"], p["relation"]) for p in result["precedence"]]}


def test_what_a_remote_store_does_not_do_yet_is_one_line(oxigraph_url):
    for argv in (["serve", "--port", "0"],):
        result = run_cli(*argv, store=oxigraph_url, timeout=60)
        lines = result.stderr.strip().splitlines()
        assert result.returncode == 1 and len(lines) == 1 and "Traceback" not in result.stderr, (argv, result.stderr)


def test_readme_remote_store_example_runs_as_written(tmp_path):
    """The README's block, on a free port and in a temporary folder instead of 7878 and the cwd."""
    import re
    import shlex

    from tests.conftest import ROOT

    require_tool(Path(OXIGRAPH).is_file(), "Oxigraph's server")
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"### A SPARQL server as the store\n.*?```bash\n(.*?)```", text, re.DOTALL).group(1)
    port = str(_free_port())
    lines = [line.replace("7878", port) for line in block.strip().splitlines()]
    server_argv = shlex.split(lines[0].rstrip("& "))
    assert server_argv[:2] == ["oxigraph", "serve"]
    process = subprocess.Popen([OXIGRAPH, *server_argv[1:]], cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", int(port)), timeout=1).close()
                break
            except OSError:
                time.sleep(0.05)
        for line in lines[1:]:
            argv = shlex.split(line)
            assert argv[0] == "clausegraph"
            result = run_cli(*argv[1:])
            assert result.returncode == 0, (line, result.stderr)
        assert result.stdout.strip()  # the answer of the last command
    finally:
        process.terminate()
        process.wait(timeout=20)


def test_remove_a_version_from_a_remote_store(oxigraph_url):
    """Last in this module: it changes the shared server's store (and puts the version back)."""
    named = "<https://w3id.org/clausegraph/id/mistral-ai/partner-served-deployment-terms/2025-05-27>"
    mentioned = f"ASK {{ {{ ?s ?p {named} }} UNION {{ {named} ?p ?o }} }}"
    done = run_cli("remove", "--publisher", "mistral-ai", "--document", "partner-served-deployment-terms", store=oxigraph_url)
    assert done.returncode == 0 and "removed 1 document versions" in done.stderr, done.stderr
    assert json.loads(run_cli("query", mentioned, "-f", "json", store=oxigraph_url).stdout)["boolean"] is False
    listed = json.loads(run_cli("documents", "--json", store=oxigraph_url).stdout)
    assert len(listed) == 9
    again = run_cli("ingest", store=oxigraph_url)
    assert again.returncode == 0 and "1 added" in again.stderr and "9 unchanged" in again.stderr, again.stderr
