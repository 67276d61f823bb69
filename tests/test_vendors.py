"""Several vendors in one store: which one answers, and an answer never mixes them."""

from __future__ import annotations

import shutil

import pytest

import clausegraph
from clausegraph.ontology.answers import Status

from conftest import ROOT, run_cli

FIXTURE = ROOT / "tests" / "fixtures" / "mini-terms.md"


@pytest.fixture(scope="module")
def two_vendors(tmp_path_factory):
    """The bundled Mistral corpus and Example AI's page in one store."""
    store = tmp_path_factory.mktemp("vendors") / "store"
    kg = clausegraph.open(store)
    kg.ingest()
    page = tmp_path_factory.mktemp("example") / "example-terms.md"
    shutil.copy(FIXTURE, page)
    kg.ingest([page], publisher="Example AI")
    kg.close()
    return store


def _shown(result):
    out = [result.answer] if result.answer else []
    out += result.candidates + result.excluded + result.unresolved
    out += [a.answer for a in result.alternatives if a.answer] + result.also_cited
    return out


@pytest.mark.parametrize("publisher", ["mistral-ai", "example-ai"])
def test_an_answer_holds_only_the_chosen_publishers_texts(two_vendors, publisher):
    kg = clausegraph.open(two_vendors)
    for question in ("What is the liability cap?", "Can I get a refund?", "Which text wins in a conflict?"):
        result = kg.governs(question, publisher=publisher)
        assert result.publisher == publisher
        prefix = f"https://w3id.org/clausegraph/id/{publisher}/"
        for shown in _shown(result):
            assert shown.clause.iri.startswith(prefix), (question, shown.clause.iri)
        for step in result.precedence:
            assert step.evidence.clause.startswith(prefix)


def test_the_question_names_the_vendor(two_vendors):
    kg = clausegraph.open(two_vendors)
    assert kg.governs("Does Mistral train on my chats?").publisher == "mistral-ai"
    assert kg.governs("What is Example AI's liability cap?").publisher == "example-ai"


def test_a_question_naming_no_vendor_asks_for_one(two_vendors):
    result = run_cli("governs", "What is the liability cap?", store=two_vendors)
    assert result.returncode == 2
    assert "several publishers" in result.stderr and "--publisher" in result.stderr
    assert "example-ai" in result.stderr and "mistral-ai" in result.stderr


def test_an_unknown_publisher_is_named(two_vendors):
    with pytest.raises(clausegraph.QueryError, match="no publisher 'acme'"):
        clausegraph.open(two_vendors).governs("What is the cap?", publisher="acme")


def test_the_cap_of_each_vendor(two_vendors):
    kg = clausegraph.open(two_vendors)
    example = kg.governs("What is the most they would owe me?", publisher="example-ai")
    assert example.status is not Status.NO_ANSWER and "100 EUROS" in example.answer.clause.text
    mistral = kg.governs("What is the most they would owe me?", publisher="mistral-ai", channel="direct")
    assert "100 EUROS" in mistral.answer.clause.text and "MISTRAL" not in example.answer.clause.text.upper()


def test_search_and_context_per_publisher(two_vendors):
    kg = clausegraph.open(two_vendors)
    hits = kg.search("liability", publisher="example-ai")
    assert hits and all(h.document.iri.startswith("https://w3id.org/clausegraph/id/example-ai/") for h in hits)
    schema = kg.context_schema()
    assert set(schema) == {"mistral-ai", "example-ai"}
    assert schema["example-ai"]["fields"]["service"] == []  # its documents name no products
    assert "le-chat" in schema["mistral-ai"]["fields"]["service"]


def test_lint_names_whose_document_each_finding_is(two_vendors, tmp_path):
    store = tmp_path / "store"
    shutil.copytree(two_vendors, store)
    page = tmp_path / "dangling-terms.md"
    page.write_text("# Example AI Service Terms\n\nEffective 1 March 2025\n\n## 1. Use\n\n"
                    "You may use the service as Section 42 allows.\n", encoding="utf-8")
    kg = clausegraph.open(store)
    kg.ingest([page], publisher="Example AI")
    findings = kg.lint()
    assert {f.publisher for f in findings} == {"mistral-ai", "example-ai"}
    assert any(f.publisher == "example-ai" and "Section 42" in f.message for f in findings)
    kg.close()
    lines = [line for line in run_cli("lint", store=store).stdout.splitlines() if line.startswith("L0")]
    assert len(lines) == len(findings)
    assert all(line.split(" ", 1)[1].startswith(("mistral-ai/", "example-ai/")) for line in lines)
    only = [line for line in run_cli("lint", "--publisher", "example-ai", store=store).stdout.splitlines() if line.startswith("L0")]
    assert only and len(only) == sum(f.publisher == "example-ai" for f in findings)
    assert all(not line.split(" ", 1)[1].startswith("example-ai/") for line in only)  # one publisher: no prefix
    wrong = run_cli("lint", "--publisher", "nobody", store=store)
    assert wrong.returncode == 2 and "example-ai, mistral-ai" in wrong.stderr
