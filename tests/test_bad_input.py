"""Bad input: one clear line naming the file, a non-zero exit, no traceback, the store unchanged."""

from __future__ import annotations

import json
import lzma

import pytest

from conftest import run_cli


@pytest.fixture(scope="module")
def populated(tmp_path_factory):
    store = tmp_path_factory.mktemp("bad") / "store"
    result = run_cli("ingest", "-q", store=store)
    assert result.returncode == 0, result.stderr
    return store


def _snapshot(store):
    result = run_cli("export", "--format", "nquads", store=store)
    assert result.returncode == 0
    return sorted(result.stdout.splitlines()), (store / "CURRENT").read_text()


def _make(tmp_path, name: str, content: bytes | None):
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    return path


CASES = {
    "empty": ("empty.txt", b"", "file is empty"),
    "whitespace": ("blank.md", b"  \n\n\t\n", "no text"),
    "binary": ("image.txt", bytes(range(256)) * 8, "binary file"),
    "invalid utf-8": ("latin1.txt", "Terms of Service\nEffective 6 February 2025\nCaf\xe9".encode("latin-1"), "not valid UTF-8"),
    "missing": ("missing.txt", None, "no such file"),
    "no title": ("notitle.txt", b"Some words.\nMore words without any date.\n", "no document title found"),
    "huge single line": ("huge.txt", b"a" * (50 * 1024 * 1024), "file is too large: 50.0 MB, the limit is 16 MB"),  # as the README says
    "unsupported": ("terms.pdf", b"%PDF-1.7 something", "unsupported file type"),
    "malformed archive": ("history.jsonl", b'{"service": "X"\n', "not a JSON object"),
    "archive record lacks fields": ("history2.jsonl", b'{"service": "X"}\n', "lacks"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_gives_one_line_and_leaves_the_store(populated, tmp_path, case):
    name, content, words = CASES[case]
    path = _make(tmp_path, name, content)
    before = _snapshot(populated)
    result = run_cli("ingest", "-q", str(path), store=populated)
    assert result.returncode != 0
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert str(path) in lines[0] and words in lines[0], lines[0]
    assert "Traceback" not in result.stderr and lines[0].startswith("error[CG0")
    assert _snapshot(populated) == before


def test_directory_is_refused(populated, tmp_path):
    result = run_cli("ingest", str(tmp_path), store=populated)
    assert result.returncode == 2
    assert result.stderr.strip() == f"error[CG010]: {tmp_path}: is a directory, not a file (name the files inside it)"


def test_a_bad_file_after_good_ones_writes_nothing(tmp_path):
    """Ingest is atomic per run: the good page before the bad one is not written either."""
    store = tmp_path / "store"
    good = tmp_path / "good.txt"
    good.write_text("Acme Terms\nEffective 1 March 2025\n1. Use\nYou may use it.\n", encoding="utf-8")
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"\xff\xfe\x00garbage")
    result = run_cli("ingest", str(good), str(bad), store=store)
    assert result.returncode == 2 and "bad.txt" in result.stderr
    assert not store.exists()  # the pages are read before the store is touched: not even its folder is made


def test_corrupt_xz_archive(populated, tmp_path):
    path = tmp_path / "broken.jsonl.xz"
    path.write_bytes(lzma.compress(json.dumps({"a": 1}).encode())[:20])
    before = _snapshot(populated)
    result = run_cli("ingest", str(path), store=populated)
    assert result.returncode == 2 and "broken.jsonl.xz" in result.stderr and "Traceback" not in result.stderr
    assert _snapshot(populated) == before


def test_bad_query_is_one_line(populated):
    for query, words in [("SELECT ?x WHERE { ?x", "syntax error"), ("INSERT DATA { <a:b> <a:c> <a:d> }", "read-only"),
                         ("nonsense", "unknown query"), ("outline", "needs a value for: doc")]:
        result = run_cli("query", query, store=populated)
        assert result.returncode == 2, query
        assert len(result.stderr.strip().splitlines()) == 1 and words in result.stderr, result.stderr


def test_hostile_binding_is_data_not_sparql(populated):
    for value in ['"} ; DROP ALL ; SELECT * {', "'", "\\", "\x01\x02", "{ ?s ?p ?o }", "x" * 100_000]:
        result = run_cli("query", "search", "--bind", f"q={value}", "--format", "json", store=populated)
        assert result.returncode == 0, result.stderr
        rows = json.loads(result.stdout)["results"]["bindings"]
        assert all(value.lower() in row["text"]["value"].lower() for row in rows)  # matched as text, nothing else
    assert len(_snapshot(populated)[0]) > 1000
