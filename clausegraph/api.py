"""The Python API: ``kg = clausegraph.open()``, ``kg.ingest()``, ``kg.query()``.

The only place (with the CLI) that wires the stages together: ingest gives models, graph
turns them into quads in the store, queries read them back.
"""

from __future__ import annotations

import os
import time
from itertools import chain
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING

import pyoxigraph as ox
from platformdirs import user_data_dir
from pydantic import BaseModel

from clausegraph.graph.export import ExportFormat, export_view
from clausegraph.graph.manage import (DocumentEntry, PublisherEntry, list_documents, list_publishers, remove_documents,
                                      same_text_elsewhere, select_documents)
from clausegraph.graph.views import View
from clausegraph.graph.sparql import QueryResult, run_query
from clausegraph.graph.remote import RemoteStore, is_remote
from clausegraph.graph.store import MEMORY, Store
from clausegraph.ontology import iris
from clausegraph.ontology.answers import Candidate, Context, GovernsResult
from clausegraph.queries.named import named_queries, resolve_query

if TYPE_CHECKING:  # imported where used: spaCy (ingest) and pyshacl (validate) take seconds to load
    from clausegraph.graph.validate import ValidationReport
    from clausegraph.queries.evaluate import ExtractionReport
    from clausegraph.queries.evaluate_governs import GovernsReport
    from clausegraph.queries.lint import Finding
    from clausegraph.queries.governs import Snapshot

__all__ = ["KnowledgeGraph", "IngestReport", "RemovalReport", "DocumentCount", "open_graph", "default_store_path"]


def default_store_path() -> Path | str:
    """``$CLAUSEGRAPH_STORE`` (a folder, or the URL of a SPARQL 1.1 server), else the user data directory."""
    env = os.environ.get("CLAUSEGRAPH_STORE")
    if env:
        return env if is_remote(env) else Path(env)
    return Path(user_data_dir("clausegraph", appauthor=False)) / "store"


class IngestReport(BaseModel):
    documents: int = 0  # document versions read
    added: int = 0
    replaced: int = 0
    unchanged: int = 0
    sources: int = 0
    successions: int = 0
    seconds: float = 0.0
    generation: str | None = None

    @property
    def changed(self) -> bool:
        return bool(self.added or self.replaced)


class RemovalReport(BaseModel):
    removed: list[str]  # publisher/document/version of each version taken out
    sources: int = 0  # source texts no remaining document cites, taken out with them
    generation: str | None = None


class DocumentCount(BaseModel):
    publisher: str
    id: str
    version: str
    sections: int
    clauses: int
    items: int
    headings: int


class KnowledgeGraph:
    """A clause graph in a store: on disk (default), or in memory with ``store=":memory:"``."""

    def __init__(self, store: str | os.PathLike | None = None) -> None:
        if store is None:
            store = default_store_path()
        self.store_path = MEMORY if str(store) == MEMORY else str(store) if is_remote(str(store)) else Path(store)
        self.remote = is_remote(self.store_path)
        self._store = RemoteStore(self.store_path) if self.remote else Store(self.store_path)
        self._governs: tuple | None = None

    # ------------------------------------------------------------------ writing

    def ingest(
        self,
        paths: Iterable[str | os.PathLike] | None = None,
        *,
        publisher: str | None = None,
        progress: Callable[[str], None] | None = None,
    ) -> IngestReport:
        """Parse ``paths`` (default: the bundled corpus) and write them to the store in one atomic run."""
        from clausegraph.graph.edges import extraction_quads
        from clausegraph.graph.matters import scheme_quads
        from clausegraph.ontology.matters import MATTER_SCHEME
        from clausegraph.graph.rdf import content_hash, document_quads, source_quads, succession_graph, succession_quads
        from clausegraph.ingest import bundled_corpus, iter_inputs
        from clausegraph.ingest.extract import extract_corpus, group_members, ref_key
        from clausegraph.ontology.models import Page, Succession

        started = time.perf_counter()
        paths = list(paths) if paths is not None else bundled_corpus()
        report = IngestReport()
        pages: list[Page] = []
        successions: dict[str, list[ox.Quad]] = {}
        for item in iter_inputs(paths, publisher=publisher, progress=progress):
            if isinstance(item, Succession):
                report.successions += 1
                successions.setdefault(succession_graph(item), []).extend(succession_quads(item))
            else:
                pages.append(item)
        documents = [doc for page in pages for doc in page.documents]
        if progress:
            progress(f"reading definitions, references and precedence in {len(documents)} documents")
        extractions = extract_corpus(documents)
        members = {
            pub: {group: [iris.document_iri(d.publisher.id, d.id, d.version) for d in docs] for group, docs in groups.items()}
            for pub, groups in group_members(documents).items()
        }
        with self._store.write() as writer:
            for page in pages:
                report.sources += 1
                # a source graph is content-addressed: the same text read under another name or
                # origin (an archive recording it twice) adds that name, it does not replace the graph
                missing = [q for q in source_quads(page) if not writer.contains(q)]
                if missing:
                    writer.add(missing)
                for doc in page.documents:
                    report.documents += 1
                    extraction = extractions[ref_key(doc)]
                    digest = content_hash(doc, extraction.model_dump_json())
                    graph = iris.document_iri(doc.publisher.id, doc.id, doc.version)
                    old = writer.graph_hash(graph)
                    if old is None:
                        _warn_if_elsewhere(writer, page, doc)
                    if old == digest:
                        report.unchanged += 1
                        continue
                    writer.replace_graph(graph, chain(document_quads(doc, digest),
                                                      extraction_quads(extraction, group_members=members.get(doc.publisher.id))))
                    if old is None:
                        report.added += 1
                    else:
                        report.replaced += 1
            digest, scheme = scheme_quads()  # the matters clauses concern (cg:concerns)
            if writer.graph_hash(MATTER_SCHEME) != digest:
                writer.replace_graph(MATTER_SCHEME, scheme)
            for quads in successions.values():
                missing = [q for q in quads if not writer.contains(q)]
                if missing:
                    writer.add(missing)
            if report.replaced:
                writer.remove_orphan_sources()
        report.seconds = round(time.perf_counter() - started, 3)
        report.generation = self._store.generation
        return report

    def require_graph(self) -> None:
        """StoreEmptyError (CG033) unless the store holds documents: a command that reads the graph
        never creates or fills a store it was not asked to (a mistyped path is said, not made)."""
        from clausegraph.ontology.errors import StoreEmptyError

        how = "`clausegraph ingest` fills one (the bundled Mistral AI corpus; `clausegraph ingest PATH ...` for yours)"
        where = str(self.store_path)
        if not self._store.exists:
            raise StoreEmptyError(f"no store here: {how}", path=where)
        if self._store.is_empty():
            raise StoreEmptyError(f"the store holds no documents: {how}", path=where)

    def publishers(self) -> list[PublisherEntry]:
        """Every publisher in the store with its number of documents and versions (``clausegraph publishers``)."""
        return list_publishers(self._store.handle())

    def documents(self, publisher: str | None = None) -> list[DocumentEntry]:
        """Every document version, or those of ``publisher`` (id or name) (``clausegraph documents``)."""
        return list_documents(self._store.handle(), publisher)

    def remove(self, publisher: str, document: str | None = None, version: str | None = None) -> RemovalReport:
        """Take a publisher's documents (or one document, or one version) out of the store, in one
        atomic write like an ingest (graph/manage.py says what goes with them)."""
        self.require_graph()
        select_documents(self._store.handle(), publisher, document, version)  # bad names: refused before any write
        with self._store.write() as writer:
            entries = select_documents(writer, publisher, document, version)  # as the write lock finds the store
            sources = remove_documents(writer, entries)
        return RemovalReport(removed=[f"{e.publisher}/{e.id}/{e.version}" for e in entries], sources=sources,
                             generation=self._store.generation)

    # ------------------------------------------------------------------ reading

    def query(self, sparql: str, **bindings) -> QueryResult:
        """Run a SPARQL query (text, a named query or a .rq path); keyword arguments bind variables."""
        named = resolve_query(sparql)
        missing = [p.name for p in named.params if p.required and bindings.get(p.name) is None]
        if missing:
            from clausegraph.ontology.errors import QueryError

            raise QueryError(f"query {named.name!r} needs a value for: {', '.join(missing)} (bind it, e.g. {missing[0]}=...)")
        return run_query(self._store.handle(), named.text, bindings)

    def counts(self) -> list[DocumentCount]:
        rows = self.query("stats").values()
        return [DocumentCount(**{k: (int(v) if k in ("sections", "clauses", "items", "headings") else v)
                                 for k, v in row.items()}) for row in rows]

    def is_empty(self) -> bool:
        return self._store.is_empty()

    def validate(self) -> ValidationReport:
        from clausegraph.graph.validate import validate_store

        return validate_store(self._store.handle())

    def lint(self) -> list[Finding]:
        """The oddities of the documents in the graph (queries/lint.py)."""
        from clausegraph.queries.lint import lint_graph

        return lint_graph(lambda sparql: self.query(sparql).values())

    def evaluate_extraction(self, gold: str | os.PathLike, *, publisher: str | None = None,
                            split: str | None = None) -> ExtractionReport:
        """Precision and recall of the graph's edges against labelled files, on one publisher's documents:
        ``publisher``, else the labels' own ``publisher`` field, else the folder's name where a publisher
        bears it, else the store's only publisher."""
        from clausegraph.ontology.errors import QueryError
        from clausegraph.queries.evaluate import evaluate_extraction, graph_records, load_gold

        labelled = load_gold(Path(gold))
        pubs = {p.id for p in self.publishers()}
        named = {i.get("publisher") for items in labelled.values() for i in items} - {None}
        if publisher is None and len(named) == 1:
            publisher = named.pop()
        if publisher is None and Path(gold).name in pubs:
            publisher = Path(gold).name
        if publisher is None and len(pubs) > 1:
            raise QueryError(f"the store holds several publishers and the labels name none: choose one with --publisher "
                             f"({', '.join(sorted(pubs))})", path=str(gold))
        if publisher is not None and publisher not in pubs:
            raise QueryError(f"no publisher {publisher!r} in the store: use one of {', '.join(sorted(pubs))}", path=str(gold))
        if split is not None:
            parts = {i.get("split", "tune") for items in labelled.values() for i in items}
            if split not in parts:
                raise QueryError(f"no labels of part {split!r}: the parts are {', '.join(sorted(parts))}", path=str(gold))
        return evaluate_extraction(graph_records(lambda sparql: self.query(sparql).values()), labelled,
                                   publisher=publisher, split=split)

    # ------------------------------------------------------------------ governs

    def governs_index(self) -> Snapshot:
        """The resolver's view of the current generation, built once per generation."""
        from clausegraph.queries.governs import Snapshot

        handle = self._store.handle()
        key = (self._store.generation, id(handle))
        if self._governs is None or self._governs[0] != key:
            self._governs = (key, Snapshot(lambda text, **b: run_query(handle, text, b).python()))
        return self._governs[1]

    def context_schema(self, publisher: str | None = None) -> dict[str, object]:
        """What can be stated for ``publisher`` (or each publisher): the generic values of every field
        and the products its documents name (``clausegraph context``)."""
        from clausegraph.ontology.context import GENERIC, describe_field
        from clausegraph.queries.governs.applicability import view_services
        import datetime as dt

        snap = self.governs_index()
        pubs = [publisher] if publisher else sorted(snap.publishers)
        out = {}
        for pub in pubs:
            if pub not in snap.publishers:
                from clausegraph.ontology.errors import QueryError

                raise QueryError(f"no publisher {pub!r} in the store: use one of {', '.join(sorted(snap.publishers))}")
            services = tuple(sorted(view_services(snap.view(pub, dt.date.today()))))
            out[pub] = {"name": snap.publishers[pub],
                        "fields": {f: (list(services) if f == "service" else list(GENERIC[f])) for f in GENERIC},
                        "region": describe_field("region")}
        return out

    def governs(self, question: str, *, role: str | None = None, region: str | None = None,
                service: str | None = None, plan: str | None = None, channel: str | None = None,
                infrastructure: str | None = None, publisher: str | None = None, as_of=None,
                strict: bool = True) -> GovernsResult:
        """Which document and clause govern ``question`` for this user; every context field may be None.

        Values are read against the context schema (ontology/context.py) and, for ``service``, the
        products the publisher's documents name; an unknown value is refused (``strict``) with the
        valid ones, or left out (``strict=False``, as the evaluation does)."""
        from clausegraph.queries.governs import resolve

        context = self.make_context(dict(role=role, region=region, service=service, plan=plan, channel=channel,
                                         infrastructure=infrastructure, publisher=publisher, as_of=as_of), strict=strict)
        return resolve(self.governs_index(), question, context)

    def search(self, query: str, *, publisher: str | None = None, matter: str | None = None, as_of=None,
               limit: int = 10) -> list[Candidate]:
        """The ranking of ``governs`` on its own: the clauses in force that best match ``query``."""
        import datetime as dt

        from clausegraph.ontology.errors import QueryError
        from clausegraph.ontology.matters import load_matters
        from clausegraph.queries.governs.pipeline import search

        if matter is not None and matter not in {m.id for m in load_matters()}:
            raise QueryError(f"unknown matter {matter!r}: use one of {', '.join(m.id for m in load_matters())}")
        if isinstance(as_of, str):
            try:
                as_of = dt.date.fromisoformat(as_of)
            except ValueError:
                raise QueryError(f"as_of wants a date YYYY-MM-DD, got {as_of!r}") from None
        if not 1 <= limit <= 1000:
            raise QueryError("limit must be between 1 and 1000")
        return search(self.governs_index(), query, publisher=publisher, matter=matter, as_of=as_of, limit=limit)

    def make_context(self, values: dict, *, strict: bool = True, question: str = "") -> Context:
        """A Context from raw values, each checked against the schema (see ``governs``)."""
        import datetime as dt

        from pydantic import ValidationError

        from clausegraph.ontology.context import describe_field, is_valid, normalise
        from clausegraph.ontology.errors import QueryError
        from clausegraph.queries.governs.applicability import view_services
        from clausegraph.queries.governs.question import choose_publisher, read_question

        try:
            context = Context(**values)
        except ValidationError as exc:
            err = exc.errors()[0]
            raise QueryError(f"bad context value for {err['loc'][0]}: {err['msg']}") from None
        stated = context.stated()
        if not stated:
            return context
        snap = self.governs_index()
        pub = context.publisher
        if pub is None and len(snap.publishers) == 1:
            pub = next(iter(snap.publishers))
        elif pub is None and question:
            pub = choose_publisher(snap, read_question(question))[0]
        services: tuple[str, ...] = ()
        if pub in snap.publishers:
            services = tuple(sorted(view_services(snap.view(pub, context.as_of or dt.date.today()))))
        clean = {}
        for name, value in stated.items():
            if is_valid(name, value, services):
                clean[name] = normalise(name, value)
            elif strict:
                raise QueryError(f"unknown {name} {value!r}: use {describe_field(name, services)}")
        return context.model_copy(update={f: clean.get(f) for f in stated})

    def evaluate_governs(self, gold: str | os.PathLike, *, split: str | None = None) -> GovernsReport:
        """Accuracy of governs (and of a plain ranking baseline) against labelled questions (a file or a folder)."""
        from clausegraph.queries.evaluate_governs import evaluate_governs

        return evaluate_governs(self, Path(gold), split=split)

    def export(self, fmt: ExportFormat | str, view: View | str = View.FULL, document: str | None = None,
               matter: str | None = None) -> bytes:
        """``fmt`` of ``view`` (graph/export.py lists the formats); RDF of the full view is the whole dataset.
        The drawings of the precedence view are its map of documents, or with ``document`` (an id such as
        ``terms-of-service``) the drill-down into that document's clauses, or with ``matter`` (``liability``)
        what decides that matter."""
        return export_view(self._store.handle(), fmt, view, document=document, matter=matter)

    def precedence_picture(self, document: str | None = None, matter: str | None = None):
        """What the drawings of the precedence view show, as a networkx ``MultiDiGraph``, and its title: the
        map of documents, the drill-down into ``document``, or what decides ``matter`` (graph/picture.py)."""
        from clausegraph.graph.export import precedence_picture

        return precedence_picture(self._store.handle(), document, matter)

    def view(self, view: View | str = View.PRECEDENCE):
        """The networkx ``MultiDiGraph`` of ``view`` (graph/views.py)."""
        from clausegraph.graph.views import build_view

        return build_view(self._store.handle(), view)

    @staticmethod
    def named_queries():
        return named_queries()

    def close(self) -> None:
        self._store.close()

    def __enter__(self) -> KnowledgeGraph:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _warn_if_elsewhere(writer, page, doc) -> None:
    """DuplicateWarning when the same text is in the store as this document under another publisher."""
    import warnings

    from clausegraph.ontology.errors import DuplicateWarning

    if doc.record:  # an archive names each record's service itself: two services recorded with one text is
        return      # the archive's fact (Le Chat and Vibe share terms), not a --publisher the user got wrong
    for other in same_text_elsewhere(writer, iris.source_iri(doc.source.sha256), doc.id, doc.publisher.id):
        warnings.warn(DuplicateWarning(
            f"{doc.id} {doc.version} is already in the store from the same text under publisher {other.name!r}; "
            f"it is now there twice, also under {doc.publisher.name!r}. To keep one copy: clausegraph remove "
            f"--publisher {doc.publisher.id} --document {doc.id} --version {doc.version}; to read this file as "
            f"{other.name!r}'s, ingest it with --publisher {other.name!r}",
            path=page.source.name), stacklevel=2)


def open_graph(store: str | os.PathLike | None = None) -> KnowledgeGraph:
    """Open the clause graph in ``store`` (default ``$CLAUSEGRAPH_STORE`` or the user data directory)."""
    return KnowledgeGraph(store)
