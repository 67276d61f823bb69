"""Every named query runs on a small fixture and gives the expected result file (W3C SPARQL JSON).

Layout like the W3C SPARQL test suite: ``queries/NAME.rq`` + ``tests/fixtures/mini-terms.md`` +
``tests/queries/NAME.srj``, listed in ``tests/queries/manifest.json``. Regenerate with
``pytest --update-golden`` after checking the new output by eye.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import clausegraph
from clausegraph.queries.named import named_queries

HERE = Path(__file__).parent
MANIFEST = json.loads((HERE / "queries" / "manifest.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def fixture_graph():
    kg = clausegraph.open(":memory:")
    kg.ingest([HERE / "fixtures" / "mini-terms.md"], publisher="Example AI")
    return kg


def test_every_named_query_has_a_test():
    assert sorted(entry["query"] for entry in MANIFEST) == sorted(named_queries())


def test_every_named_query_is_documented():
    for q in named_queries().values():
        assert q.description and q.example.startswith("clausegraph query "), q.name
        for p in q.params:
            assert f"?{p.name}" in q.text, (q.name, p.name)


@pytest.mark.parametrize("entry", MANIFEST, ids=[e["query"] for e in MANIFEST])
def test_named_query_result(fixture_graph, entry, update_golden):
    result = fixture_graph.query(entry["query"], **entry["bindings"]).to_json()
    expected_path = HERE / "queries" / entry["expected"]
    if update_golden or not expected_path.exists():
        expected_path.write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    expected = json.loads(expected_path.read_text(encoding="utf-8"))
    assert result == expected
