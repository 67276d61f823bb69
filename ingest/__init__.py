"""Text -> models. Reads pages, splits them into documents and builds clause trees.

Knows no RDF: everything it returns is a model from ``clausegraph.ontology``.

    iter_inputs(paths)   pages and successions of files, folders' manifests applied
    parse_text(text)     the page of one text
    bundled_corpus()     the paths of the corpus shipped with clausegraph
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from importlib.resources import files
from pathlib import Path

from clausegraph.ingest.archive import iter_archive
from clausegraph.ingest.html import html_to_text
from clausegraph.ingest.manifest import MANIFEST_NAME, Manifest, load_manifest
from clausegraph.ingest.pages import make_source, parse_page
from clausegraph.ingest.readers import ARCHIVE_SUFFIXES, check_file, read_text, source_format
from clausegraph.ontology.errors import IngestError, ParseError
from clausegraph.ontology.iris import slugify
from clausegraph.ontology.models import Page, Publisher, SourceFormat, Succession

__all__ = ["parse_text", "parse_file", "iter_inputs", "bundled_corpus", "UNKNOWN_PUBLISHER"]

UNKNOWN_PUBLISHER = Publisher(id="unknown-publisher", name="Unknown publisher")


def bundled_corpus() -> list[Path]:
    """The source files of the bundled corpus, in manifest order."""
    folder = Path(str(files("clausegraph.corpus").joinpath("mistral")))
    manifest = load_manifest(folder)
    return [folder / source.file for source in manifest.sources]


def parse_text(
    text: str,
    *,
    name: str = "<text>",
    fmt: SourceFormat = SourceFormat.TEXT,
    publisher: Publisher = UNKNOWN_PUBLISHER,
    origin: str | None = None,
) -> Page:
    """The page of ``text``: its documents, sections and clauses."""
    if fmt is SourceFormat.HTML:
        text = html_to_text(text)
    return parse_page(text, source=make_source(text, name=name, fmt=fmt, origin=origin), publisher=publisher)


def parse_file(path: Path, *, publisher: Publisher, origin: str | None = None) -> Page:
    fmt = source_format(path)
    if fmt is None:
        raise IngestError(
            f"unsupported file type {path.suffix or '(no extension)'!r}: use .txt, .md, .html or a .jsonl(.xz) archive",
            path=str(path),
        )
    text = read_text(path)
    if fmt is SourceFormat.HTML:
        text = html_to_text(text)
        if not text.strip():
            raise IngestError("HTML page has no text", path=str(path))
    try:
        return parse_page(text, source=make_source(text, name=path.name, fmt=fmt, origin=origin), publisher=publisher)
    except ParseError as exc:
        exc.path = str(path)
        raise


def _is_archive(path: Path) -> bool:
    return path.name.lower().endswith(ARCHIVE_SUFFIXES)


def iter_inputs(
    paths: Iterable[Path | str],
    *,
    publisher: str | None = None,
    progress: Callable[[str], None] | None = None,
) -> Iterator[Page | Succession]:
    """Pages and successions of ``paths``; every path is checked before the first is parsed."""
    paths = [Path(p) for p in paths]
    if not paths:
        raise IngestError("no input files given")
    for path in paths:  # fail fast, before any work, on a path that is no input at all
        if _is_archive(path):
            check_file(path, limit=1 << 62)
        elif source_format(path) is None and not path.is_dir() and path.exists():
            raise IngestError(
                f"unsupported file type {path.suffix or '(no extension)'!r}: use .txt, .md, .html or a .jsonl(.xz) archive",
                path=str(path),
            )
        else:
            check_file(path, limit=1 << 62)
    explicit = Publisher(id=slugify(publisher) or "unknown-publisher", name=publisher) if publisher else None
    manifests: dict[Path, Manifest | None] = {}
    parsed: dict[Path, list[Page]] = {}
    for path in paths:
        if progress:
            progress(str(path))
        if _is_archive(path):
            yield from iter_archive(path, progress)
            continue
        folder = path.resolve().parent
        if folder not in manifests:
            manifests[folder] = load_manifest(folder)
        manifest = manifests[folder]
        entry = manifest.source_for(path.name) if manifest else None
        owner = explicit or (manifest.publisher if manifest and entry else UNKNOWN_PUBLISHER)
        page = parse_file(path, publisher=owner, origin=entry.origin if entry else None)
        if entry is not None:
            found = [d.id for d in page.documents]
            if found != entry.documents:
                missing = [d for d in entry.documents if d not in found]
                extra = [d for d in found if d not in entry.documents]
                raise IngestError(
                    f"{MANIFEST_NAME} lists other documents than the file holds"
                    + (f"; missing: {', '.join(missing)}" if missing else "")
                    + (f"; not listed: {', '.join(extra)}" if extra else ""),
                    path=str(path),
                )
        parsed.setdefault(folder, []).append(page)
        yield page
    for folder, pages in parsed.items():
        manifest = manifests.get(folder)
        if not manifest:
            continue
        by_id = {d.id: d for page in pages for d in page.documents}
        for s in manifest.succession:
            if s.successor in by_id and s.predecessor in by_id:
                yield Succession(successor=by_id[s.successor].ref, predecessor=by_id[s.predecessor].ref,
                                 basis="editorial", statement=s.statement)
