"""The on-disk store: embedded Oxigraph (RocksDB), written in generations.

    $STORE/CURRENT        name of the generation readers use ("gen-000007")
    $STORE/gen-000007/    an Oxigraph database that is never written after it is published
    $STORE/gen-000007.lock   readers hold a shared lock on it while they read
    $STORE/write.lock     the one writer holds it

A write (one ingest run) checkpoints the current generation into a new one (hard links,
no copy), changes the new one, and publishes it by replacing CURRENT atomically. Readers
keep reading the generation they opened and move to the new one on their next query, so a
concurrent ingest never disturbs them; an ingest that fails leaves CURRENT as it was.
Old generations are removed once no reader holds them.

A write that fails on the disk (no space left, quota, an I/O error) removes its generation
and raises GraphError with one line ("no space left on device"); the store is as it was.
"""

from __future__ import annotations

import errno
import fcntl
import gc
import os
import re
import shutil
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pyoxigraph as ox

from clausegraph.ontology.errors import GraphError, StoreBusyError

__all__ = ["Store", "Writer", "MEMORY"]

MEMORY = ":memory:"
_GEN = re.compile(r"^gen-(\d{6})$")
_CHUNK = 100_000  # quads buffered before a bulk load: ~50 MB of Python objects; larger chunks load no faster


_DISK_FULL = {errno.ENOSPC: "no space left on device", errno.EDQUOT: "disk quota exceeded"}


def _discard(writer: "Writer", target: Path) -> None:
    """Close a generation that will not be published, and remove its folder.

    The caller's frame still holds the writer while the error travels, so its store is let go
    here; a store left open keeps RocksDB's background threads writing into the folder while it
    is removed, and a file they add makes the removal stop half way (CI saw the failed generation
    survive a full disk that way). The removal is repeated until the folder is gone.
    """
    writer._store = None
    writer._buffer = []
    gc.collect()
    for _ in range(50):
        shutil.rmtree(target, ignore_errors=True)
        if not target.exists():
            return
        time.sleep(0.02)


def _write_error(exc: OSError, path: Path) -> GraphError:
    """One line for a failed write: RocksDB's errors come as OSError with the reason in the text."""
    text = str(exc)
    reason = _DISK_FULL.get(exc.errno or 0)
    if reason is None:
        reason = next((r for code, r in _DISK_FULL.items() if os.strerror(code) in text), None)
    if reason is None:
        reason = f"cannot write the store: {exc.strerror or text}"
    return GraphError(f"{reason}; nothing was written, the store is as it was", path=str(path))


class Writer:
    """Changes to one new generation; published only if the whole run succeeds.

    The generation is private until it is published, so quads are buffered and written with
    Oxigraph's bulk loader (several times faster than transactional inserts); the buffer is
    flushed before anything reads or removes a graph it holds.
    """

    def __init__(self, store: ox.Store) -> None:
        self._store = store
        self._buffer: list[ox.Quad] = []
        self._buffered_graphs: set[str] = set()
        self.changed = False

    def _flush_if_holds(self, graph: str) -> None:
        if graph in self._buffered_graphs:
            self.flush()

    def flush(self) -> None:
        if self._buffer:
            self._store.bulk_extend(self._buffer)
            self._buffer = []
            self._buffered_graphs.clear()

    def graph_hash(self, graph: str) -> str | None:
        """The cg:contentHash stored for a document graph, if any."""
        self._flush_if_holds(graph)
        g = ox.NamedNode(graph)
        for quad in self._store.quads_for_pattern(g, ox.NamedNode("https://w3id.org/clausegraph/ontology#contentHash"), None, g):
            return quad.object.value
        return None

    def replace_graph(self, graph: str, quads: Iterable[ox.Quad]) -> None:
        self.remove_graph(graph)
        self.add(quads)

    def add(self, quads: Iterable[ox.Quad]) -> None:
        buffer, graphs = self._buffer, self._buffered_graphs
        for quad in quads:
            buffer.append(quad)
            graphs.add(quad.graph_name.value)
            if len(buffer) >= _CHUNK:  # within one document too: a large one is never held whole
                self.flush()
                buffer = self._buffer
        self.changed = True

    def contains(self, quad: ox.Quad) -> bool:
        self._flush_if_holds(quad.graph_name.value)
        return any(True for _ in self._store.quads_for_pattern(quad.subject, quad.predicate, quad.object, quad.graph_name))

    def remove_orphan_sources(self) -> int:
        """Drop source-text graphs that no document cites any more."""
        self.flush()
        rows = self._store.query(
            "SELECT DISTINCT ?s WHERE { GRAPH ?s { ?s a <https://w3id.org/clausegraph/ontology#SourceText> ; "
            "<https://w3id.org/clausegraph/ontology#sha256> ?h } "
            "FILTER NOT EXISTS { GRAPH ?g { ?d <https://w3id.org/clausegraph/ontology#source> ?s } } }"
        )
        orphans = [row["s"] for row in rows]
        for graph in orphans:
            self._store.remove_graph(graph)
        if orphans:
            self.changed = True
        return len(orphans)

    def query(self, sparql: str, **bindings: ox.NamedNode | ox.Literal):
        """A query on the generation being written, buffered quads included (union default graph)."""
        self.flush()
        return self._store.query(sparql, use_default_graph_as_union=True,
                                 substitutions={ox.Variable(k): v for k, v in bindings.items()})

    def quads(self, subject=None, predicate=None, obj=None, graph=None) -> list[ox.Quad]:
        self.flush()
        return list(self._store.quads_for_pattern(subject, predicate, obj, graph))

    def remove(self, quads: Iterable[ox.Quad]) -> None:
        self.flush()
        for quad in quads:
            self._store.remove(quad)
            self.changed = True

    def remove_graph(self, graph: str) -> None:
        self._flush_if_holds(graph)
        g = ox.NamedNode(graph)
        if self._store.contains_named_graph(g):
            self._store.remove_graph(g)
            self.changed = True


class Store:
    """A clausegraph store on disk (``path``) or in memory (``path=":memory:"``)."""

    def __init__(self, path: str | os.PathLike) -> None:
        self.memory = str(path) == MEMORY
        self.path = None if self.memory else Path(path)
        self._handle: ox.Store | None = ox.Store() if self.memory else None
        self._generation: str | None = None
        self._lock_fd: int | None = None

    @property
    def exists(self) -> bool:
        """Whether the store has been written once (opening one creates nothing: only a write does)."""
        return self.memory or (self.path / "CURRENT").is_file()

    def _prepare_folder(self) -> None:
        try:
            self.path.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise GraphError(f"cannot create the store folder: {exc.strerror}", path=str(self.path)) from None
        if not os.access(self.path, os.W_OK | os.X_OK):
            raise GraphError("the store folder is not writable", path=str(self.path))

    # ------------------------------------------------------------------ reading

    def _current(self) -> str | None:
        try:
            name = (self.path / "CURRENT").read_text(encoding="ascii").strip()
        except (FileNotFoundError, NotADirectoryError):
            return None
        if not _GEN.match(name) or not (self.path / name).is_dir():
            raise GraphError(f"the store is damaged: CURRENT names {name!r}, which is missing", path=str(self.path))
        return name

    def _release(self) -> None:
        self._handle = None
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None
        self._generation = None

    def handle(self) -> ox.Store | None:
        """The Oxigraph store of the current generation (None while the store is empty)."""
        if self.memory:
            return self._handle
        for _ in range(5):
            current = self._current()
            if current is None:
                self._release()
                return None
            if current == self._generation and self._handle is not None:
                return self._handle
            self._release()
            fd = os.open(self.path / f"{current}.lock", os.O_RDWR | os.O_CREAT, 0o644)
            fcntl.flock(fd, fcntl.LOCK_SH)
            if not (self.path / current).is_dir():  # collected between reading CURRENT and locking
                os.close(fd)
                continue
            try:
                self._handle = ox.Store.read_only(str(self.path / current))
            except OSError as exc:
                os.close(fd)
                raise GraphError(f"cannot open the store: {exc}", path=str(self.path)) from None
            self._lock_fd, self._generation = fd, current
            return self._handle
        raise GraphError("the store kept changing while opening it; try again", path=str(self.path))

    def is_empty(self) -> bool:
        handle = self.handle()
        return handle is None or not any(True for _ in handle.named_graphs())

    @property
    def generation(self) -> str | None:
        return "memory" if self.memory else self._current()

    def close(self) -> None:
        self._release()

    # ------------------------------------------------------------------ writing

    @contextmanager
    def write(self) -> Iterator[Writer]:
        """A writer on a new generation, published when the block ends without error."""
        if self.memory:
            # in memory there are no concurrent readers; stage into a copy for atomicity
            staged = ox.Store()
            staged.extend(list(self._handle))
            writer = Writer(staged)
            yield writer
            writer.flush()
            if writer.changed:
                self._handle = staged
            return
        self._prepare_folder()
        lock_fd = os.open(self.path / "write.lock", os.O_RDWR | os.O_CREAT, 0o644)
        try:
            try:
                fcntl.flock(lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise StoreBusyError(
                    "another clausegraph process is writing to this store; try again when it has finished",
                    path=str(self.path),
                ) from None
            current = self._current()
            number = int(current[4:]) + 1 if current else 1
            name = f"gen-{number:06d}"
            target = self.path / name
            if target.exists():
                shutil.rmtree(target)  # left by a run that was killed
            try:
                if current:
                    ox.Store.read_only(str(self.path / current)).backup(str(target))
                oxstore = ox.Store(str(target))
            except OSError as exc:
                shutil.rmtree(target, ignore_errors=True)
                raise _write_error(exc, self.path) from None
            writer = Writer(oxstore)
            failed: OSError | None = None
            try:
                yield writer
                writer.flush()
                oxstore.flush()
                # compacted before it is published: readers never write it, and queries on a compacted
                # database ran in two thirds of the time (14 vs 21 ms on the named queries of the corpus)
                oxstore.optimize()
            except OSError as exc:  # the disk, not the caller: one line below, once the generation is gone
                failed = exc
            except BaseException:
                del oxstore
                _discard(writer, target)
                raise
            if failed is not None:
                del oxstore
                _discard(writer, target)
                raise _write_error(failed, self.path) from None
            del writer._store
            del oxstore
            if not writer.changed:
                shutil.rmtree(target, ignore_errors=True)
                return
            tmp = self.path / "CURRENT.tmp"
            try:
                with open(tmp, "w", encoding="ascii") as fh:
                    fh.write(name + "\n")
                    fh.flush()
                    os.fsync(fh.fileno())
                os.replace(tmp, self.path / "CURRENT")
            except OSError as exc:
                tmp.unlink(missing_ok=True)
                _discard(writer, target)
                raise _write_error(exc, self.path) from None
            self._collect(keep=name)
        finally:
            os.close(lock_fd)

    def _collect(self, keep: str) -> None:
        """Remove generations no reader holds."""
        for entry in self.path.iterdir():
            if not _GEN.match(entry.name) or entry.name == keep or entry.name == self._generation:
                continue
            lock_path = self.path / f"{entry.name}.lock"
            fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                continue
            try:
                shutil.rmtree(entry, ignore_errors=True)
                lock_path.unlink(missing_ok=True)
            finally:
                os.close(fd)
