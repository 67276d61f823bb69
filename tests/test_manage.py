"""A store people can manage: read commands never create or fill a store; publishers, documents,
remove (atomic, like ingest); a second copy of a text under another publisher is warned about."""

from __future__ import annotations

import json
import shlex
import shutil

import pytest

from tests.conftest import ROOT, run_cli

PARTNER_SERVED = ROOT / "corpus" / "mistral" / "partner-served-deployment-terms-2025-05-27.md"
READ_COMMANDS = {
    "stats": ["stats"],
    "query": ["query", "documents"],
    "export": ["export", "--format", "nquads"],
    "governs": ["governs", "Which law governs?"],
    "search": ["search", "liability cap"],
    "context": ["context"],
    "lint": ["lint"],
    "validate": ["validate"],
    "publishers": ["publishers"],
    "documents": ["documents"],
    "remove": ["remove", "--publisher", "mistral-ai"],
    "serve": ["serve", "--port", "0"],
}


def _one_line(result, code: str) -> str:
    assert result.returncode != 0 and "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error[{code}]"), result.stderr
    return lines[0]


@pytest.mark.parametrize("argv", list(READ_COMMANDS.values()), ids=list(READ_COMMANDS))
def test_a_mistyped_store_is_one_line_and_is_not_created(tmp_path, argv):
    typo = tmp_path / "stroe"
    line = _one_line(run_cli(*argv, store=typo, timeout=60), "CG033")
    assert str(typo) in line and "no store here" in line and "clausegraph ingest" in line
    assert not typo.exists()  # nothing made, nothing ingested


def test_an_empty_folder_is_not_filled(tmp_path):
    folder = tmp_path / "store"
    folder.mkdir()
    line = _one_line(run_cli("stats", store=folder), "CG033")
    assert "clausegraph ingest" in line
    assert list(folder.iterdir()) == []


@pytest.fixture
def store_copy(bundled_store, tmp_path):
    """A store of the bundled corpus this test may change."""
    target = tmp_path / "store"
    shutil.copytree(bundled_store, target)
    return target


def _documents(store, *args: str) -> list[dict]:
    result = run_cli("documents", *args, "--json", store=store)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def _state(store) -> tuple:
    return (store / "CURRENT").read_text(), sorted(p.name for p in store.iterdir())


def test_publishers_and_documents_list_the_store(bundled_store):
    result = run_cli("publishers", "--json", store=bundled_store)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == [{"id": "mistral-ai", "name": "Mistral AI", "documents": 10, "versions": 10}]
    documents = _documents(bundled_store, "--publisher", "Mistral AI")  # by name or by id
    assert documents == _documents(bundled_store, "--publisher", "mistral-ai") == _documents(bundled_store)
    assert len(documents) == 10
    usage = next(d for d in documents if d["id"] == "usage-policy")
    assert (usage["publisher"], usage["version"], usage["title"]) == ("mistral-ai", "2025-02-06", "Usage Policy")


def test_remove_a_version_then_a_publisher(store_copy):
    named = "<https://w3id.org/clausegraph/id/mistral-ai/partner-served-deployment-terms/2025-05-27>"
    mentioned = f"ASK {{ {{ ?s ?p {named} }} UNION {{ {named} cg:supersedes ?o }} }}"
    assert json.loads(run_cli("query", mentioned, "--format", "json", store=store_copy).stdout)["boolean"] is True
    done = run_cli("remove", "--publisher", "mistral-ai", "--document", "partner-served-deployment-terms",
                   "--version", "2025-05-27", store=store_copy)
    assert done.returncode == 0, done.stderr
    assert "removed 1 document versions (mistral-ai/partner-served-deployment-terms/2025-05-27)" in done.stderr
    ids = {d["id"] for d in _documents(store_copy)}
    assert len(ids) == 9 and "partner-served-deployment-terms" not in ids
    # the succession statement naming it went with it (it superseded the Partner Hosted terms)
    assert json.loads(run_cli("query", mentioned, "--format", "json", store=store_copy).stdout)["boolean"] is False
    done = run_cli("remove", "--publisher", "Mistral AI", store=store_copy)
    assert done.returncode == 0 and "removed 9 document versions" in done.stderr
    line = _one_line(run_cli("stats", store=store_copy), "CG033")
    assert "holds no documents" in line


@pytest.mark.parametrize("argv,fragment", [
    (["--publisher", "acme"], "no publisher 'acme' in the store; publishers: mistral-ai (Mistral AI)"),
    (["--publisher", "mistral-ai", "--document", "nope"], "no document 'nope' of publisher 'mistral-ai'; its documents:"),
    (["--publisher", "mistral-ai", "--document", "usage-policy", "--version", "1999"], "its versions: 2025-02-06"),
    (["--publisher", "mistral-ai", "--version", "2025-02-06"], "--version needs --document"),
], ids=["publisher", "document", "version", "version-without-document"])
def test_removing_what_is_not_there_is_one_line_and_changes_nothing(store_copy, argv, fragment):
    before = _state(store_copy)
    line = _one_line(run_cli("remove", *argv, store=store_copy), "CG040")
    assert fragment in line
    assert _state(store_copy) == before


def test_a_text_ingested_again_under_another_publisher_warns_and_says_how_to_merge(store_copy, tmp_path):
    page = tmp_path / PARTNER_SERVED.name  # no manifest.json beside it: read as "Unknown publisher"
    shutil.copy(PARTNER_SERVED, page)
    done = run_cli("ingest", "-q", str(page), store=store_copy)
    assert done.returncode == 0, done.stderr
    warning = next(line for line in done.stderr.splitlines() if line.startswith("warning[CG012]"))
    assert "already in the store from the same text under publisher 'Mistral AI'" in warning
    command = warning.split("To keep one copy: ", 1)[1].split(";", 1)[0]
    assert command.startswith("clausegraph remove ")
    merged = run_cli(*shlex.split(command)[1:], store=store_copy)  # the command it gives, as given
    assert merged.returncode == 0, merged.stderr
    publishers = json.loads(run_cli("publishers", "--json", store=store_copy).stdout)
    assert [p["id"] for p in publishers] == ["mistral-ai"] and publishers[0]["versions"] == 10
    again = run_cli("ingest", "-q", str(page), "--publisher", "Mistral AI", store=store_copy)
    assert again.returncode == 0 and "CG012" not in again.stderr  # the same publisher: no second copy, no warning


def test_remove_is_atomic_for_a_reader_holding_the_old_generation(store_copy):
    import clausegraph

    reader = clausegraph.open(store_copy)
    before = reader.query("SELECT (COUNT(*) AS ?n) WHERE { ?d a cg:Document }").values()[0]["n"]
    handle = reader._store.handle()  # a reader in the middle of its work
    writer = clausegraph.open(store_copy)
    report = writer.remove("mistral-ai", "usage-policy")
    assert report.removed == ["mistral-ai/usage-policy/2025-02-06"]
    assert len(list(handle.query("SELECT ?d WHERE { GRAPH ?g { ?d a <https://w3id.org/clausegraph/ontology#Document> } }"))) == int(before)
    after = reader.query("SELECT (COUNT(*) AS ?n) WHERE { ?d a cg:Document }").values()[0]["n"]
    assert (int(before), int(after)) == (10, 9)  # the next query reads the new generation
    reader.close()
    writer.close()


def test_readme_store_examples_run_as_written(store_copy):
    import re

    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"## Store\n.*?```bash\n(.*?)```", text, re.DOTALL).group(1)
    lines = [line.split("#")[0].strip() for line in block.strip().splitlines()]
    assert [shlex.split(line)[1] for line in lines] == ["publishers", "documents", "remove"]
    for line in lines:
        result = run_cli(*shlex.split(line)[1:], store=store_copy)
        assert result.returncode == 0, (line, result.stderr)
    assert "usage-policy" not in {d["id"] for d in _documents(store_copy)}
