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


@pytest.fixture(scope="session")
def kg(bundled_store):
    """The bundled store opened once, for tests that only read it."""
    graph = clausegraph.open(bundled_store)
    yield graph
    graph.close()


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


# ---------------------------------------------------------------------------- real server, real browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def require_tool(ok: bool, what: str) -> None:
    """Skip when a system tool is missing, unless CI says it must be there (CLAUSEGRAPH_REQUIRE_TOOLS=1)."""
    if ok:
        return
    if os.environ.get("CLAUSEGRAPH_REQUIRE_TOOLS"):
        pytest.fail(f"{what} is required here (CLAUSEGRAPH_REQUIRE_TOOLS is set) but missing")
    pytest.skip(f"{what} is not installed on this machine")


class ServerProcess:
    """A running ``clausegraph serve``; what it writes to stderr is collected in ``stderr`` (a list of lines)."""

    def __init__(self, process: subprocess.Popen, url: str) -> None:
        import threading

        self.process, self.url, self.stderr = process, url, []
        self._reader = threading.Thread(target=self._drain, daemon=True)  # a full pipe would block the server
        self._reader.start()

    def _drain(self) -> None:
        for line in self.process.stderr:
            self.stderr.append(line)


def start_server(store: Path, *extra: str) -> ServerProcess:
    """``clausegraph serve`` in a subprocess on a free loopback port; the URL read from what it prints."""
    env = dict(os.environ, CLAUSEGRAPH_STORE=str(store))
    process = subprocess.Popen([sys.executable, "-m", "clausegraph", "serve", "--port", "0", "--quiet", *extra],
                               stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True, env=env, cwd=str(ROOT))
    line = process.stderr.readline()
    import re

    m = re.search(r"serving (http://127\.0\.0\.1:\d+)/", line)
    if not m:
        process.kill()
        raise AssertionError(f"the server did not start: {line!r} {process.stderr.read()[:500]!r}")
    return ServerProcess(process, m.group(1))


def stop_server(server: ServerProcess) -> str:
    """Stop the server with SIGTERM; what it wrote to stderr."""
    server.process.terminate()
    try:
        server.process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()
    server._reader.join(timeout=10)
    server.process.stderr.close()
    return "".join(server.stderr)


@pytest.fixture(scope="session")
def server(bundled_store):
    srv = start_server(bundled_store, "--timeout", "2", "--max-results", "2000", "--workers", "2")
    yield srv
    stop_server(srv)


@pytest.fixture(scope="session")
def browser():
    require_tool(CHROMIUM.exists(), "Debian's chromium (/usr/bin/chromium)")
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()


HOSTILE = """Legal page of Hostile AI

Hostile Terms of Service
========================

_Effective 1 March 2025_

These Terms <!--<script>alert(1)</script> govern &#60;b&#62;bold&amp; use; "quotes" and \\backslashes\\.

1\\. Conflicts
-------------

If these Terms conflict with the Hostile Privacy Policy, these Terms prevail to the extent of such conflict.
"""


@pytest.fixture(scope="session")
def hostile_store(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile")
    page = folder / "hostile.md"
    page.write_text(HOSTILE, encoding="utf-8")
    kg = clausegraph.open(folder / "store")
    kg.ingest([page], publisher="Hostile AI")
    kg.close()
    return folder / "store"
