"""The layout DESIGN.md fixes: stages import each other in one direction only."""

from __future__ import annotations

import ast
from pathlib import Path

import clausegraph

ROOT = Path(__file__).resolve().parent.parent

# stage -> the stages it may import
ALLOWED = {
    "ontology": {"ontology"},
    "ingest": {"ontology", "ingest"},
    "graph": {"ontology", "graph"},
    "queries": {"ontology", "graph", "queries"},
    "clausegraph": {"ontology", "ingest", "graph", "queries", "clausegraph", "corpus"},
}
FORBIDDEN_LIBRARIES = {
    "ingest": {"rdflib", "pyoxigraph", "pyshacl"},  # ingest knows no RDF
    "graph": {"spacy"},  # graph knows no spaCy
    "ontology": {"rdflib", "pyoxigraph", "spacy"},
}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_stages_import_in_one_direction():
    problems = []
    for stage, allowed in ALLOWED.items():
        for path in sorted((ROOT / stage).rglob("*.py")):
            for name in _imports(path):
                parts = name.split(".")
                if parts[0] == "clausegraph" and len(parts) > 1:
                    target = parts[1] if parts[1] in ALLOWED or parts[1] == "corpus" else "clausegraph"
                    if target not in allowed:
                        problems.append(f"{path.relative_to(ROOT)} imports {name}")
                elif parts[0] in FORBIDDEN_LIBRARIES.get(stage, set()):
                    problems.append(f"{path.relative_to(ROOT)} imports {name}")
    assert problems == []


def test_no_bare_top_level_imports_of_our_stages():
    bare = {"ontology", "ingest", "graph", "queries"}
    offenders = [
        f"{path.relative_to(ROOT)}: {name}"
        for folder in ("ontology", "ingest", "graph", "queries", "clausegraph", "tests", "bench")
        for path in (ROOT / folder).rglob("*.py")
        for name in _imports(path)
        if name.split(".")[0] in bare
    ]
    assert offenders == []


def test_errors_module_is_a_leaf():
    names = _imports(ROOT / "ontology" / "errors.py")
    assert not any(n.startswith("clausegraph") for n in names)


def test_public_surface_is_pinned():
    assert sorted(clausegraph.__all__) == sorted([
        "open", "KnowledgeGraph", "IngestReport", "DocumentCount", "QueryResult", "ResultFormat", "ExportFormat",
        "default_store_path", "ClauseGraphError", "IngestError", "ParseError", "GraphError", "StoreBusyError",
        "QueryError", "ResolveError", "__version__",
    ])
    for name in clausegraph.__all__:
        assert hasattr(clausegraph, name)


def test_exception_tree():
    from clausegraph import ClauseGraphError, GraphError, IngestError, ParseError, QueryError, ResolveError, StoreBusyError

    assert issubclass(ParseError, IngestError) and issubclass(IngestError, ClauseGraphError)
    assert issubclass(StoreBusyError, GraphError)
    for cls in (GraphError, QueryError, ResolveError):
        assert issubclass(cls, ClauseGraphError)
    codes = [c.code for c in (ClauseGraphError, IngestError, ParseError, GraphError, StoreBusyError, QueryError, ResolveError)]
    assert len(set(codes)) == len(codes)


def test_every_package_folder_is_installed():
    """A non-editable install only ships the packages pyproject lists: every folder with code must be one."""
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    listed = set(config["packages"])
    dirs = {v: k for k, v in config["package-dir"].items()}
    missing = []
    for folder, package in dirs.items():
        for init in (ROOT / folder).rglob("__init__.py"):
            rel = init.parent.relative_to(ROOT / folder)
            name = ".".join([package, *rel.parts]) if rel.parts else package
            if name not in listed:
                missing.append(name)
    assert missing == []
