from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import clausegraph
from clausegraph.ingest import bundled_corpus, iter_inputs
from clausegraph.ontology.models import Page

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
HISTORY = SHARED / "corpus" / "ota-genai-eu-history.jsonl.xz"


def pytest_addoption(parser):
    parser.addoption("--update-golden", action="store_true", help="rewrite the golden files from the current output")


@pytest.fixture(scope="session")
def update_golden(request) -> bool:
    return bool(request.config.getoption("--update-golden"))


@pytest.fixture(scope="session")
def bundled_pages() -> list[Page]:
    return [item for item in iter_inputs(bundled_corpus()) if isinstance(item, Page)]


@pytest.fixture(scope="session")
def bundled_docs(bundled_pages):
    return {doc.id: doc for page in bundled_pages for doc in page.documents}


@pytest.fixture(scope="session")
def bundled_store(tmp_path_factory) -> Path:
    """A store holding the bundled corpus; tests must not write to it."""
    path = tmp_path_factory.mktemp("bundled") / "store"
    kg = clausegraph.open(path)
    kg.ingest()
    kg.close()
    return path


@pytest.fixture
def history_path() -> Path:
    if not HISTORY.is_file():
        pytest.skip(f"real-world history file not found at {HISTORY} (../shared is absent on this machine)")
    return HISTORY


def run_cli(*args: str, store: Path | None = None, input: str | None = None, timeout: int = 300):
    """Run the real command line in a subprocess."""
    env = dict(os.environ)
    if store is not None:
        env["CLAUSEGRAPH_STORE"] = str(store)
    env.pop("CLAUSEGRAPH_DEBUG", None)
    return subprocess.run(
        [sys.executable, "-m", "clausegraph", *args],
        capture_output=True, text=True, env=env, input=input, timeout=timeout, cwd=str(ROOT),
    )
