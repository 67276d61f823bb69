"""Archive files: one JSON object a line (optionally xz-compressed), one document version each.

The format is the Open Terms Archive export: ``service`` (the publisher), ``terms_type``
(the document), ``recorded_at``, ``commit`` and ``text`` (markdown). Each record becomes one
document version (or several, where the record holds several documents: ``pages.parse_record``); versions recorded under the same effective date stay distinct because the
version carries the commit. Successive versions of one document are linked in recorded order.

Lines are read with a bound while they are decompressed: a line longer than
:data:`MAX_LINE_BYTES` (a record's text may hold 16 MB, twice that leaves room for JSON's
escapes) is refused once that much is read, so a small .xz that expands to one huge line
costs neither the time nor the memory of expanding it (190 KB expanding to a 1 GiB line:
refused after 32 MB).
"""

from __future__ import annotations

import datetime as dt
import json
import lzma
from collections.abc import Callable, Iterator
from pathlib import Path

from clausegraph.ingest.pages import make_source, parse_record
from clausegraph.ingest.readers import MAX_ARCHIVE_BYTES, MAX_TEXT_BYTES, check_file, megabytes, warn_impossible_dates
from clausegraph.ontology.errors import IngestError, ParseError
from clausegraph.ontology.iris import slugify
from clausegraph.ontology.models import Document, Page, Publisher, SourceFormat, Succession

__all__ = ["iter_archive", "MAX_LINE_BYTES"]

_REQUIRED = ("service", "terms_type", "recorded_at", "commit", "text")
MAX_LINE_BYTES = 2 * MAX_TEXT_BYTES


def _open(path: Path):
    if path.name.endswith(".xz"):
        return lzma.open(path, "rb")
    return path.open("rb")


def _lines(handle, name: str) -> Iterator[tuple[int, str]]:
    """(line number, text) of each line, none longer than MAX_LINE_BYTES."""
    lineno = 0
    while True:
        raw = handle.readline(MAX_LINE_BYTES + 1)
        if not raw:
            return
        lineno += 1
        if len(raw) > MAX_LINE_BYTES:
            raise ParseError(f"archive line is longer than {megabytes(MAX_LINE_BYTES)} (a record's text may hold "
                             f"{megabytes(MAX_TEXT_BYTES)}): refused", path=name, lineno=lineno)
        try:
            yield lineno, raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ParseError(f"not valid UTF-8 at byte {exc.start} of the line", path=name, lineno=lineno) from None


def iter_archive(path: Path, progress: Callable[[str], None] | None = None, every: int = 100) -> Iterator[Page | Succession]:
    """Pages of an archive file, each followed by the succession it continues (if any).

    ``progress`` hears of every ``every``-th record.
    """
    check_file(path, limit=MAX_ARCHIVE_BYTES)
    name = str(path)
    last: dict[tuple[str, str], tuple[dt.datetime, Document]] = {}
    try:
        with _open(path) as handle:
            for lineno, line in _lines(handle, name):
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise ParseError(f"not a JSON object: {exc.msg}", path=name, lineno=lineno,
                                     offset=exc.pos, line=line.rstrip("\n")) from None
                if not isinstance(record, dict) or any(k not in record for k in _REQUIRED):
                    missing = [k for k in _REQUIRED if not isinstance(record, dict) or k not in record]
                    raise ParseError(f"archive record lacks {', '.join(missing)}", path=name, lineno=lineno,
                                     line=line.rstrip("\n")[:80])
                text = record["text"]
                if not isinstance(text, str) or len(text.encode("utf-8", "surrogatepass")) > MAX_TEXT_BYTES:
                    raise ParseError(f"archive record text is missing or larger than {megabytes(MAX_TEXT_BYTES)}",
                                     path=name, lineno=lineno)
                if "\x00" in text:
                    raise ParseError("archive record text is binary (NUL character)", path=name, lineno=lineno)
                try:
                    recorded = dt.datetime.fromisoformat(str(record["recorded_at"]).replace("Z", "+00:00"))
                except ValueError:
                    raise ParseError(f"bad recorded_at {record['recorded_at']!r}", path=name, lineno=lineno) from None
                service, terms_type, commit = str(record["service"]), str(record["terms_type"]), str(record["commit"])
                publisher = Publisher(id=slugify(service) or "unknown", name=service)
                source = make_source(text, name=f"{path.name}:{lineno}", fmt=SourceFormat.MARKDOWN,
                                     origin=f"Open Terms Archive contributors, {service} / {terms_type}, commit {commit}")
                if not text.strip():
                    continue  # an empty capture records nothing
                warn_impossible_dates(text, name=name, record=lineno)
                page = parse_record(text, source=source, publisher=publisher, doc_id=slugify(terms_type) or "document",
                                    fallback_title=terms_type, version_suffix=commit[:7], recorded_at=recorded)
                yield page
                if progress and lineno % every == 0:
                    progress(f"{name}: {lineno} records read")
                for doc in page.documents:  # a record may hold several documents: each has its own line of versions
                    key = (publisher.id, doc.id)
                    before = last.get(key)
                    if before is not None and before[0] <= recorded:
                        yield Succession(
                            successor=doc.ref,
                            predecessor=before[1].ref,
                            basis="archive",
                            statement=f"the archive recorded this version after the other ({recorded.isoformat()})",
                        )
                    last[key] = (recorded, doc)
    except (lzma.LZMAError, EOFError) as exc:
        raise IngestError(f"broken xz archive: {exc}", path=name) from None
    except OSError as exc:
        raise IngestError(f"cannot read: {exc.strerror or exc}", path=name) from None
