"""The real-world history file (Open Terms Archive genai-eu, 1,017 versions): every version parses,
nothing of any text is lost, records that bundle several documents come out as each of them, and
versions ingest as distinct document versions.

Skipped, saying why, where ../shared is absent.
"""

from __future__ import annotations

import json
import lzma
from itertools import islice
from pathlib import Path

import pytest

import clausegraph
from clausegraph.ingest.archive import iter_archive
from clausegraph.ingest.coverage import coverage_problems
from clausegraph.ontology.models import Page, Section, Succession, iter_nodes


def test_every_version_parses_and_round_trips(history_path):
    with lzma.open(history_path, "rt", encoding="utf-8") as fh:
        texts = [json.loads(line)["text"] for line in fh]
    pages = documents = 0
    problems = []
    versions = set()
    with_sections = 0
    for item in iter_archive(history_path):
        if not isinstance(item, Page):
            continue
        pages += 1
        lineno = int(item.source.name.rsplit(":", 1)[1])
        found = coverage_problems(item, texts[lineno - 1], limit=2)
        if found:
            problems.append((item.source.name, found))
        record = item.documents[0].id
        for doc in item.documents:  # a record holding several documents comes out as each of them
            documents += 1
            assert doc.record == record
            versions.add((doc.publisher.id, doc.id, doc.version))
            keys = [n.key for n in iter_nodes(doc.children)]
            assert len(keys) == len(set(keys)), (item.source.name, doc.id)
        with_sections += any(isinstance(n, Section) for n in iter_nodes(item.documents[0].children))
    assert pages == len([t for t in texts if t.strip()]) == 1017
    assert problems == []
    assert len(versions) == documents >= pages  # versions sharing an effective date stay distinct
    assert with_sections > 0.9 * pages  # headings become sections


def test_a_slice_ingests_with_succession(history_path, tmp_path):
    kg = clausegraph.open(tmp_path / "store")
    subset = tmp_path / "subset.jsonl"
    with lzma.open(history_path, "rt", encoding="utf-8") as fh:
        subset.write_text("".join(islice(fh, 60)), encoding="utf-8")
    report = kg.ingest([subset])
    documents = sum(len(item.documents) for item in iter_archive(subset) if isinstance(item, Page))
    assert documents >= 60 and report.documents == report.added == documents
    publishers = {r["publisher"] for r in kg.query("documents").values()}
    assert {"ChatGPT", "Claude.ai"} <= publishers
    successions = sum(1 for item in iter_archive(subset) if isinstance(item, Succession))
    rows = kg.query("supersedes").values()
    assert len(rows) == successions > 0 and {r["basis"] for r in rows} == {"archive"}
    assert kg.validate().conforms


def test_mistral_2026_documents_have_sections(history_path):
    for item in iter_archive(history_path):
        if isinstance(item, Page) and item.documents[0].publisher.id == "le-chat" and item.documents[0].id == "terms-of-service":
            doc = item.documents[0]
            numbers = [n.number for n in iter_nodes(doc.children) if isinstance(n, Section) and n.number]
            assert len(numbers) >= 8 and doc.effective is not None
            return
    pytest.fail("no Le Chat terms of service in the history file")


def test_the_whole_file_ingests(history_path, tmp_path):
    """Every one of the 1,017 versions ingests into a real store without error."""
    kg = clausegraph.open(tmp_path / "store")
    messages: list[str] = []
    report = kg.ingest([history_path], progress=messages.append)
    assert report.documents == report.added >= 1017  # records that bundle several documents give each of them
    assert any("1000 records read" in m for m in messages)
    n = kg.query("SELECT (COUNT(DISTINCT ?d) AS ?n) WHERE { ?d a cg:Document }").rows[0][0].value
    assert int(n) == report.documents
    records = kg.query("SELECT (COUNT(DISTINCT ?r) AS ?n) WHERE { ?d cg:record ?r ; dcterms:publisher ?p }").rows[0][0].value
    assert int(records) > 0
    again = kg.ingest([history_path])
    assert again.unchanged == report.documents and not again.changed
