"""The on-disk store: idempotent re-ingest, atomic runs, readers undisturbed by a writer."""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
import threading
import time

import pytest

import clausegraph
from clausegraph import StoreBusyError
from clausegraph.ingest import bundled_corpus


def _page(n: int, clauses: int = 5) -> str:
    body = "\n".join(f"{k}. Part {k}\nRule {k}. Clause number {k} of document {n} says something." for k in range(1, clauses + 1))
    return f"Document {n}\nEffective 1 March 2025\n{body}\n"


def test_reingest_changes_nothing(tmp_path):
    kg = clausegraph.open(tmp_path / "store")
    first = kg.ingest()
    assert (first.added, first.replaced, first.unchanged) == (10, 0, 0)
    dump = kg.export("nquads")
    generation = (tmp_path / "store" / "CURRENT").read_text()
    second = kg.ingest()
    assert (second.added, second.replaced, second.unchanged) == (0, 0, 10)
    assert (tmp_path / "store" / "CURRENT").read_text() == generation  # no new generation at all
    assert kg.export("nquads") == dump


def test_changed_text_replaces_only_its_document(tmp_path):
    page = tmp_path / "acme.txt"
    page.write_text(_page(1) + _page(2), encoding="utf-8")
    kg = clausegraph.open(tmp_path / "store")
    assert kg.ingest([page], publisher="Acme").added == 2
    page.write_text(_page(1) + _page(2).replace("says something", "says something else"), encoding="utf-8")
    report = kg.ingest([page], publisher="Acme")
    # both documents now cite the new source text (its sha256 changed), so both graphs are rewritten
    assert (report.added, report.replaced, report.unchanged) == (0, 2, 0)
    texts = {r["text"] for r in kg.query("search", q="something else").values()}
    assert len(texts) == 5
    sources = kg.query("SELECT DISTINCT ?s WHERE { ?s a cg:SourceText ; cg:sha256 ?h }").rows
    assert len(sources) == 1  # the source text nobody cites any more is gone


def test_store_in_memory():
    kg = clausegraph.open(":memory:")
    assert kg.is_empty()
    kg.ingest()
    assert len(kg.counts()) == 10


def test_second_writer_is_refused(tmp_path):
    store = tmp_path / "store"
    kg = clausegraph.open(store)
    store.mkdir()  # opening creates nothing; the other writer made the folder
    fd = os.open(store / "write.lock", os.O_RDWR | os.O_CREAT)
    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        with pytest.raises(StoreBusyError, match="another clausegraph process is writing"):
            kg.ingest()
    finally:
        os.close(fd)
    assert kg.is_empty()


def test_failed_run_leaves_generation_and_no_debris(tmp_path):
    store = tmp_path / "store"
    kg = clausegraph.open(store)
    kg.ingest()
    before = sorted(p.name for p in store.iterdir())
    bad = tmp_path / "bad.md"
    bad.write_text("no title here at all\n", encoding="utf-8")
    with pytest.raises(clausegraph.ParseError):
        kg.ingest([bundled_corpus()[0], bad])
    assert sorted(p.name for p in store.iterdir()) == before


def test_readers_are_not_disturbed_by_a_concurrent_ingest(tmp_path):
    """A reader in this process queries continuously while another process ingests; every answer is
    either the complete old graph or the complete new one."""
    store = tmp_path / "store"
    kg = clausegraph.open(store)
    kg.ingest()
    old = len(kg.query("SELECT ?c WHERE { ?c a cg:Clause }").rows)
    pages = tmp_path / "pages"
    pages.mkdir()
    files = []
    for n in range(40):
        path = pages / f"doc{n}.txt"
        path.write_text(_page(n, clauses=40), encoding="utf-8")
        files.append(str(path))
    new = old + 40 * 40
    seen: set[int] = set()
    errors: list[BaseException] = []
    stop = threading.Event()

    def read() -> None:
        reader = clausegraph.open(store)
        while not stop.is_set():
            try:
                seen.add(len(reader.query("SELECT ?c WHERE { ?c a cg:Clause }").rows))
            except BaseException as exc:  # noqa: BLE001 - the test reports it
                errors.append(exc)
                return

    thread = threading.Thread(target=read)
    thread.start()
    code = "import sys, clausegraph; clausegraph.open(sys.argv[1]).ingest(sys.argv[2:], publisher='Acme')"
    proc = subprocess.run([sys.executable, "-c", code, str(store), *files], capture_output=True, text=True, timeout=300)
    time.sleep(0.3)
    stop.set()
    thread.join(timeout=30)
    assert proc.returncode == 0, proc.stderr
    assert errors == []
    assert seen <= {old, new} and new in seen
    assert len(kg.query("SELECT ?c WHERE { ?c a cg:Clause }").rows) == new
    gens = [p.name for p in store.iterdir() if p.name.startswith("gen-") and p.is_dir()]
    assert len(gens) <= 2  # old generations are collected once no reader holds them
