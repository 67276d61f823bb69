"""The ranking on its own (`search`), the context schema (`context`), and `eval retrieval --beir`."""

from __future__ import annotations

import json
import math

import pytest

import clausegraph
from clausegraph.ontology.context import fits, normalise, region_tags
from clausegraph.queries.beir import _ndcg, evaluate_retrieval, load_beir

from conftest import SHARED, run_cli


# ---------------------------------------------------------------------- context schema

@pytest.mark.parametrize("field,user,allowed,expected", [
    ("region", "fr", ["eu"], True),          # France is in the EU
    ("region", "no", ["eea"], True),         # Norway is in the EEA ...
    ("region", "no", ["eu"], False),         # ... not in the EU
    ("region", "gb", ["europe"], True),      # "the European Region" of several vendors: EEA, UK, Switzerland
    ("region", "us-ca", ["us"], True),       # a state is in its country
    ("region", "de", ["not-us"], True),      # "Unless you are located in the United States"
    ("region", "us", ["not-us"], False),
    ("region", "other", ["eu"], None),       # "other" may still be Switzerland for a European-region text
    ("plan", "pro", ["paid"], True),         # Pro is a paid plan
    ("plan", "paid", ["pro"], None),         # a paid user may or may not be on Pro
    ("plan", "free", ["paid"], False),
    ("channel", "marketplace", ["cloud-partner"], True),  # an alias people type
], ids=lambda v: str(v))
def test_context_values_fit_the_words_of_scopes(field, user, allowed, expected):
    assert fits(field, user, allowed) is expected


def test_region_aliases_and_tags():
    assert normalise("region", "UK") == "gb" and normalise("region", "EEA") == "eu"
    assert region_tags("fr") >= {"fr", "eu", "eea", "europe"} and "other" not in region_tags("fr")
    assert region_tags("ch") >= {"ch", "switzerland", "europe", "other"}


def test_context_command_lists_the_publishers_products(bundled_store):
    result = run_cli("context", "--json", store=bundled_store)
    assert result.returncode == 0, result.stderr
    schema = json.loads(result.stdout)
    assert set(schema["mistral-ai"]["fields"]["service"]) >= {"le-chat", "la-plateforme"}
    assert "pro" in schema["mistral-ai"]["fields"]["plan"]


def test_an_unknown_service_names_the_valid_ones(kg):
    with pytest.raises(clausegraph.QueryError, match="unknown service 'chatgpt': use la-plateforme, le-chat"):
        kg.governs("Who owns the output?", service="chatgpt")


def test_a_stated_region_by_iso_code_is_read(kg):
    eu = kg.governs("Which law governs disputes?", role="consumer", region="de")
    us = kg.governs("Which law governs disputes?", role="consumer", region="us-tx")
    assert eu.context.region == "de" and us.context.region == "us-tx"
    # the decisive sentence is the limb for the user's region: France for Germany, California for Texas
    s, e = eu.answer.decisive
    assert "France" in eu.answer.clause.text[s:e] and "California" not in eu.answer.clause.text[s:e]
    s, e = us.answer.decisive
    assert "California" in us.answer.clause.text[s:e]


# ---------------------------------------------------------------------- search

def test_search_ranks_clauses_with_their_matters(kg):
    hits = kg.search("liability cap", limit=5)
    assert hits and all(h.score > 0 for h in hits)
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    assert any("liability-cap" in h.matters for h in hits[:3])
    only = kg.search("liability cap", matter="liability-cap", limit=20)
    assert only and all("liability-cap" in h.matters for h in only)


def test_search_refuses_an_unknown_matter_in_one_line(bundled_store):
    result = run_cli("search", "cap", "--matter", "golf", store=bundled_store)
    assert result.returncode == 2 and "unknown matter 'golf'" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_search_json_on_the_cli(bundled_store):
    result = run_cli("search", "Who owns the outputs?", "--limit", "3", "--json", store=bundled_store)
    assert result.returncode == 0, result.stderr
    hits = json.loads(result.stdout)
    assert len(hits) == 3 and {"document", "clause", "score", "matters"} <= set(hits[0])


# ---------------------------------------------------------------------- eval retrieval

def _beir(tmp_path, qrels: str):
    (tmp_path / "qrels").mkdir()
    (tmp_path / "corpus.jsonl").write_text("\n".join(json.dumps(r) for r in [
        {"_id": "cap", "text": "In no event shall either party's aggregate liability exceed the fees paid in the twelve months before the claim."},
        {"_id": "law", "text": "This Agreement shall be governed by the laws of the State of New York."},
        {"_id": "ind", "text": "Supplier shall indemnify, defend and hold harmless Customer against third party claims."},
        {"_id": "esc", "text": "Licensor shall deposit the source code with the escrow agent."},
    ]) + "\n", encoding="utf-8")
    (tmp_path / "queries.jsonl").write_text("\n".join(json.dumps(r) for r in [
        {"_id": "q1", "text": "cap on liability"}, {"_id": "q2", "text": "New York governing law"}]) + "\n", encoding="utf-8")
    (tmp_path / "qrels" / "test.tsv").write_text(qrels, encoding="utf-8")
    return tmp_path


def test_ndcg_is_the_graded_textbook_formula():
    judged = {"a": 3, "b": 1}
    assert _ndcg(["a", "b"], judged, 5) == pytest.approx(1.0)
    swapped = (1 / math.log2(2) + 3 / math.log2(3)) / (3 / math.log2(2) + 1 / math.log2(3))
    assert _ndcg(["b", "a"], judged, 5) == pytest.approx(swapped)
    assert _ndcg(["x", "y"], judged, 5) == 0.0


def test_eval_retrieval_ranks_the_whole_corpus(tmp_path):
    folder = _beir(tmp_path, "query-id\tcorpus-id\tscore\nq1\tcap\t3\nq1\tind\t0\nq2\tlaw\t4\n")
    report = evaluate_retrieval(folder, "test")
    assert report.queries == 2
    assert report.clausegraph.ndcg_at_5 == pytest.approx(100.0)  # both queries find their clause first
    assert 0 <= report.bm25.ndcg_at_5 <= 100


def test_eval_retrieval_bad_folder_is_one_line(tmp_path):
    folder = _beir(tmp_path, "query-id\tcorpus-id\tscore\nq9\tcap\t3\n")
    result = run_cli("eval", "retrieval", "--beir", str(folder), "--split", "test")
    assert result.returncode == 2 and "q9" in result.stderr and len(result.stderr.strip().splitlines()) == 1
    result = run_cli("eval", "retrieval", "--beir", str(folder), "--split", "nope")
    assert result.returncode == 2 and "no qrels for split 'nope'" in result.stderr


def test_eval_retrieval_on_acord_valid_prints_both_rankings():
    acord = SHARED / "eval" / "acord"
    if not acord.is_dir():
        pytest.skip(f"{acord} is absent: the ACORD splits live in ../shared")
    corpus, queries, qrels = load_beir(acord, "valid")
    assert len(corpus) > 3000 and queries and all(q in queries for q in qrels)
    result = run_cli("eval", "retrieval", "--beir", str(acord), "--split", "valid", "--json", timeout=600)
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["queries"] == len(queries) and set(out["clausegraph"]) == {"ndcg@5", "ndcg@10", "p@5"}
    assert set(out["bm25"]) == {"ndcg@5", "ndcg@10", "p@5"}
