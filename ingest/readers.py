"""Read input files as text, refusing what is not a text page with one clear message.

| input                          | outcome                                             |
|--------------------------------|-----------------------------------------------------|
| missing path                   | IngestError "no such file"                          |
| a directory                    | IngestError "is a directory"                        |
| empty or whitespace-only file  | IngestError "file is empty" / "file has no text"    |
| NUL bytes                      | IngestError "binary file"                           |
| invalid UTF-8                  | IngestError "not valid UTF-8 at byte N (line L)"    |
| larger than the size limit     | IngestError "file is too large"                     |
| unknown extension              | IngestError "unsupported file type"                 |
"""

from __future__ import annotations

import os
from pathlib import Path

from clausegraph.ontology.errors import IngestError
from clausegraph.ontology.models import SourceFormat

__all__ = ["MAX_TEXT_BYTES", "MAX_ARCHIVE_BYTES", "FORMATS", "ARCHIVE_SUFFIXES", "source_format", "read_text", "check_file"]

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
        raise IngestError(f"file is too large: {size / 1e6:.1f} MB, the limit is {limit / 1e6:.0f} MB", path=name)
    return size


def decode_text(data: bytes, *, name: str) -> str:
    """UTF-8 text of ``data`` (a BOM is dropped), or IngestError."""
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


def read_text(path: Path, *, limit: int = MAX_TEXT_BYTES) -> str:
    check_file(path, limit=limit)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise IngestError(f"cannot read: {exc.strerror}", path=str(path)) from None
    return decode_text(data, name=str(path))
