"""Golden files: the model dump of every bundled document, and sorted N-Quads of two small ones.

A change to the parser shows here as a readable diff; regenerate with ``pytest --update-golden``
only after reading that diff.
"""

from __future__ import annotations

import difflib
import json
from pathlib import Path

import pytest

import clausegraph
from clausegraph.graph.rdf import document_quads

GOLDEN = Path(__file__).parent / "golden" / "mistral"
DOC_IDS = [
    "terms-of-service", "additional-terms-for-consumers", "additional-terms-for-paid-services",
    "additional-terms-for-la-plateforme", "additional-terms-for-le-chat", "data-processing-agreement", "privacy-policy",
    "usage-policy", "partner-hosted-deployment-terms", "partner-served-deployment-terms",
]


def _compare(path: Path, actual: str, update: bool) -> None:
    if update or not path.exists():
        path.write_text(actual, encoding="utf-8")
    expected = path.read_text(encoding="utf-8")
    if actual != expected:
        diff = "".join(difflib.unified_diff(expected.splitlines(True), actual.splitlines(True), "golden", "now", n=2))
        pytest.fail(f"{path.name} differs from the golden file:\n{diff[:6000]}")


@pytest.mark.parametrize("doc_id", DOC_IDS)
def test_document_model(bundled_docs, doc_id, update_golden):
    dump = json.dumps(bundled_docs[doc_id].model_dump(mode="json"), indent=1, ensure_ascii=False) + "\n"
    _compare(GOLDEN / f"{doc_id}.json", dump, update_golden)


@pytest.mark.parametrize("doc_id", ["additional-terms-for-paid-services", "usage-policy"])
def test_document_nquads(bundled_docs, doc_id, update_golden):
    lines = sorted(f"{q} ." for q in document_quads(bundled_docs[doc_id]))
    _compare(GOLDEN / f"{doc_id}.nq", "\n".join(lines) + "\n", update_golden)


def test_iris_are_deterministic_and_readable(bundled_store):
    kg = clausegraph.open(bundled_store)
    rows = kg.query("clause", doc="terms-of-service", number="5", heading="By us").values()
    assert [r["clause"] for r in rows] == ["https://w3id.org/clausegraph/id/mistral-ai/terms-of-service/2025-02-06/5/by-us"]
