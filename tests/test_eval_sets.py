"""Our own labelled sets (tests/eval/): well formed, split, and readable against the documents they label."""

from __future__ import annotations

import json
import sys

import pytest

import clausegraph
from clausegraph.queries.evaluate_governs import _norm, evaluate_governs, load_questions

from conftest import ROOT, SHARED

EVAL = ROOT / "tests" / "eval"
GOVERNS = sorted(EVAL.glob("governs-*.json"))
HISTORY = SHARED / "corpus" / "ota-genai-eu-history.jsonl.xz"


def test_there_are_at_least_a_hundred_questions_from_three_vendors():
    questions = [q for f in GOVERNS for q in load_questions(f)]
    vendors = {q["publisher"] for q in questions} - {"mistral-ai"}
    assert len([q for q in questions if q["publisher"] != "mistral-ai"]) >= 100 and len(vendors) >= 3


@pytest.mark.parametrize("path", GOVERNS, ids=lambda p: p.stem)
def test_a_governs_set_is_well_formed_and_one_third_held_out(path):
    questions = load_questions(path)
    ids = [q["id"] for q in questions]
    assert len(ids) == len(set(ids))
    assert all(q.get("split") in ("tune", "held-out") for q in questions)
    held = sum(q["split"] == "held-out" for q in questions)
    assert abs(held - len(questions) / 3) <= 1, (held, len(questions))
    assert len({q["publisher"] for q in questions}) == 1
    for q in questions:
        assert (q["governing_doc"] is None) == (not q["governing"]), q["id"]
        for loc in q["governing"] + q.get("also_relevant", []):
            assert loc["doc"] and 15 <= len(loc["quote"]) <= 120, (q["id"], loc)
    assert "claude" not in path.stem and "chatgpt" not in path.stem  # kept for measurement, never labelled here


@pytest.mark.parametrize("publisher", ["perplexity", "grok", "deepseek"])
def test_extraction_labels_exist_with_a_held_out_third(publisher):
    folder = EVAL / "extraction" / publisher
    for kind in ("definitions", "references", "precedence"):
        items = json.loads((folder / f"{kind}.json").read_text(encoding="utf-8"))
        held = sum(i.get("split") == "held-out" for i in items)
        assert items and abs(held - len(items) / 3) <= 2, (kind, held, len(items))


@pytest.fixture(scope="module")
def deepseek_store(tmp_path_factory):
    if not HISTORY.exists():
        pytest.skip(f"{HISTORY} is absent: the history file lives in ../shared")
    sys.path.insert(0, str(EVAL))
    try:
        from current import current_records
    finally:
        sys.path.pop(0)
    folder = tmp_path_factory.mktemp("deepseek")
    archive = folder / "current.jsonl"
    archive.write_text("".join(json.dumps(r) + "\n" for r in current_records(HISTORY, {"DeepSeek"})), encoding="utf-8")
    store = folder / "store"
    clausegraph.open(store).ingest([archive])
    return store


def test_every_locator_of_a_set_is_a_clause_of_its_document(deepseek_store):
    """A quote that spans two clauses, or names a document the parser does not find, can never match."""
    kg = clausegraph.open(deepseek_store)
    rows = kg.query("""SELECT ?id ?record ?text WHERE { ?c cg:text ?text ; cg:inDocument ?d .
                       ?d dcterms:identifier ?id . OPTIONAL { ?d cg:record ?record } }""").values()
    texts: dict[str, list[str]] = {}
    for r in rows:
        for doc in {r["id"], r.get("record")} - {None}:
            texts.setdefault(doc, []).append(_norm(r["text"]))
    for q in load_questions(EVAL / "governs-deepseek.json"):
        for loc in q["governing"]:
            assert any(_norm(loc["quote"]) in t for t in texts.get(loc["doc"], [])), (q["id"], loc)


def test_eval_governs_reports_both_parts(deepseek_store):
    report = evaluate_governs(clausegraph.open(deepseek_store), EVAL / "governs-deepseek.json")
    assert set(report.splits) == {"tune", "held-out"}
    n = sum(report.splits[p]["system"].questions for p in report.splits)
    assert n == report.system.questions == len(load_questions(EVAL / "governs-deepseek.json"))


def test_extraction_is_measured_on_the_labels_publisher_only(deepseek_store, tmp_path):
    """Two vendors both have a 'terms-of-service': the other vendor's edges are no false positives of this one."""
    import shutil

    from clausegraph.ingest import bundled_corpus

    alone = clausegraph.open(deepseek_store).evaluate_extraction(EVAL / "extraction" / "deepseek")
    store = tmp_path / "two"
    shutil.copytree(deepseek_store, store)
    kg = clausegraph.open(store)
    kg.ingest(bundled_corpus())  # Mistral AI's terms-of-service too
    both = kg.evaluate_extraction(EVAL / "extraction" / "deepseek")  # the folder's name chooses the publisher
    assert both.publisher == "deepseek"
    assert {k: (s.predicted, s.matched) for k, s in both.scores.items()} == \
           {k: (s.predicted, s.matched) for k, s in alone.scores.items()}
    assert kg.evaluate_extraction(EVAL / "extraction" / "deepseek", publisher="mistral-ai").scores["references"].matched == 0
    unnamed = shutil.copytree(EVAL / "extraction" / "deepseek", tmp_path / "labels")  # no publisher bears its name
    with pytest.raises(Exception, match="several publishers and the labels name none"):
        kg.evaluate_extraction(unnamed)


def test_extraction_reports_each_part_of_the_labels(deepseek_store):
    kg = clausegraph.open(deepseek_store)
    whole = kg.evaluate_extraction(EVAL / "extraction" / "deepseek")
    parts = {s: kg.evaluate_extraction(EVAL / "extraction" / "deepseek", split=s) for s in ("tune", "held-out")}
    for kind, score in whole.scores.items():
        assert parts["tune"].scores[kind].gold + parts["held-out"].scores[kind].gold == score.gold
        assert parts["tune"].scores[kind].matched + parts["held-out"].scores[kind].matched == score.matched
        assert parts["held-out"].scores[kind].predicted <= score.predicted
    with pytest.raises(Exception, match="no labels of part"):
        kg.evaluate_extraction(EVAL / "extraction" / "deepseek", split="test")
