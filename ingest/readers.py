"""Read input files as text, refusing what is not a text page with one clear message.

| input                          | outcome                                             |
|--------------------------------|-----------------------------------------------------|
| missing path                   | IngestError "no such file"                          |
| a directory                    | IngestError "is a directory"                        |
| empty or whitespace-only file  | IngestError "file is empty" / "file has no text"    |
| NUL bytes                      | IngestError "binary file"                           |
| invalid UTF-8                  | IngestError "not valid UTF-8 at byte N (line L)"    |
| UTF-16 or UTF-32 with a BOM    | read as such (invalid: "not valid UTF-16 at byte N")|
| larger than the size limit     | IngestError "file is too large: 50.0 MB, the limit is 16 MB" |
| unknown extension              | IngestError "unsupported file type"                 |
| HTML nested past the limits    | IngestError "HTML elements nested more than ..."     |
| a date that does not exist     | IngestWarning (CG011) "impossible date ...", read as no date |

Sizes are in MB of 2**20 bytes, as the README gives them (the limit is 16 MB).
"""

from __future__ import annotations

import codecs
import os
import re
import warnings
from pathlib import Path

from clausegraph.ingest.dates import impossible_dates
from clausegraph.ontology.errors import IngestError, IngestWarning
from clausegraph.ontology.models import SourceFormat

__all__ = ["MAX_TEXT_BYTES", "MAX_ARCHIVE_BYTES", "FORMATS", "ARCHIVE_SUFFIXES", "source_format", "read_text", "check_file",
           "decode_text", "warn_impossible_dates", "megabytes"]

MAX_TEXT_BYTES = 16 * 1024 * 1024  # one legal page; the largest real one we know is 0.4 MB
MAX_ARCHIVE_BYTES = 512 * 1024 * 1024  # a compressed archive of many versions

FORMATS = {
    ".txt": SourceFormat.TEXT,
    ".text": SourceFormat.TEXT,
    ".md": SourceFormat.MARKDOWN,
    ".markdown": SourceFormat.MARKDOWN,
    ".html": SourceFormat.HTML,
    ".htm": SourceFormat.HTML,
}
ARCHIVE_SUFFIXES = (".jsonl", ".jsonl.xz")


# the BOM says the encoding; UTF-32's are looked for first (UTF-16 LE's is the start of UTF-32 LE's)
_BOMS = ((codecs.BOM_UTF32_LE, "utf-32-le", "UTF-32"), (codecs.BOM_UTF32_BE, "utf-32-be", "UTF-32"),
         (codecs.BOM_UTF16_LE, "utf-16-le", "UTF-16"), (codecs.BOM_UTF16_BE, "utf-16-be", "UTF-16"),
         (codecs.BOM_UTF8, "utf-8", "UTF-8"))


def megabytes(size: int) -> str:
    """``size`` in MB of 2**20 bytes: "16 MB", "50.0 MB"."""
    value = size / 2**20
    return f"{value:.0f} MB" if value == int(value) else f"{value:.1f} MB"


def source_format(path: Path) -> SourceFormat | None:
    return FORMATS.get(path.suffix.lower())


def check_file(path: Path, *, limit: int) -> int:
    """Size of ``path`` in bytes, or IngestError saying why it is no input file."""
    name = str(path)
    if not os.path.lexists(path):
        raise IngestError("no such file", path=name)
    if path.is_dir():
        raise IngestError("is a directory, not a file (name the files inside it)", path=name)
    if not path.is_file():
        raise IngestError("is not a regular file", path=name)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise IngestError(f"cannot read: {exc.strerror}", path=name) from None
    if size == 0:
        raise IngestError("file is empty", path=name)
    if size > limit:
        raise IngestError(f"file is too large: {size / 2**20:.1f} MB, the limit is {megabytes(limit)}", path=name)
    return size


def decode_text(data: bytes, *, name: str) -> str:
    """The text of ``data``: UTF-8, or UTF-16 / UTF-32 when a BOM says so (the BOM is dropped); or IngestError."""
    for bom, codec, label in _BOMS:
        if data.startswith(bom) and label != "UTF-8":
            return _decode_wide(data[len(bom):], codec, label, len(bom), name=name)
    nul = data.find(b"\x00")
    if nul != -1:
        raise IngestError(f"binary file (NUL byte at offset {nul}), not a text page", path=name)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        head = data[:4096]
        odd = sum(1 for b in head if b < 9 or 13 < b < 32 or b == 127)
        if odd > len(head) // 20:
            raise IngestError("binary file (control bytes and invalid UTF-8), not a text page", path=name) from None
        line = data.count(b"\n", 0, exc.start) + 1
        raise IngestError(
            f"not valid UTF-8 at byte {exc.start} (line {line}): re-save the file as UTF-8", path=name
        ) from None
    if not text.strip():
        raise IngestError("file has no text (only whitespace)", path=name)
    return text


def _decode_wide(data: bytes, codec: str, label: str, skipped: int, *, name: str) -> str:
    try:
        text = data.decode(codec)
    except UnicodeDecodeError as exc:
        line = data[:exc.start].decode(codec, errors="replace").count("\n") + 1
        raise IngestError(f"not valid {label} at byte {exc.start + skipped} (line {line}), though it starts "
                          f"with a {label} byte order mark", path=name) from None
    nul = text.find("\x00")
    if nul != -1:
        raise IngestError(f"binary file (NUL character at character {nul} of its {label} text), not a text page",
                          path=name)
    if not text.strip():
        raise IngestError("file has no text (only whitespace)", path=name)
    return text


_TAG = re.compile(r"<[^>]*>")


def warn_impossible_dates(text: str, *, name: str, record: int | None = None, html: bool = False) -> None:
    """An IngestWarning for each date line of ``text`` whose day does not exist.

    ``record``: ``text`` is the record on that line of an archive (the line within the text is
    then named in words). ``html``: date lines are looked for between the tags.
    """
    for found in impossible_dates(_TAG.sub("\n", text) if html else text):
        lineno, where = found.lineno, ""
        if record is not None:
            lineno, where = record, f" (line {found.lineno} of the record's text)"
        elif html:
            at = text.find(found.line)
            lineno = text.count("\n", 0, at) + 1 if at >= 0 else None
        warnings.warn(IngestWarning(f"impossible date {found.line!r}{where}: {found.reason}; read as no date",
                                    path=name, lineno=lineno), stacklevel=2)


def read_text(path: Path, *, limit: int = MAX_TEXT_BYTES) -> str:
    """The text of a page file; IngestError saying why it cannot be, IngestWarning for what is read as no date."""
    check_file(path, limit=limit)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise IngestError(f"cannot read: {exc.strerror}", path=str(path)) from None
    text = decode_text(data, name=str(path))
    html = source_format(path) is SourceFormat.HTML
    if html:
        from clausegraph.ingest.html import check_nesting

        check_nesting(text, name=str(path))
    warn_impossible_dates(text, name=str(path), html=html)
    return text
