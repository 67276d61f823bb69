"""Corpus manifests: what a folder of source files contains, and what the text does not say.

A ``manifest.json`` beside the source files names the publisher, the documents each file
holds, and editorial statements such as one document succeeding another.
"""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError

from clausegraph.ontology.errors import IngestError
from clausegraph.ontology.models import Publisher

__all__ = ["Manifest", "ManifestSource", "ManifestSuccession", "load_manifest", "MANIFEST_NAME"]

MANIFEST_NAME = "manifest.json"


class ManifestSource(BaseModel):
    model_config = ConfigDict(extra="forbid")
    file: str
    origin: str | None = None
    documents: list[str]


class ManifestSuccession(BaseModel):
    model_config = ConfigDict(extra="forbid")
    successor: str
    predecessor: str
    statement: str


class Manifest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    publisher: Publisher
    sources: list[ManifestSource]
    succession: list[ManifestSuccession] = []

    def source_for(self, name: str) -> ManifestSource | None:
        return next((s for s in self.sources if s.file == name), None)


def load_manifest(folder: Path) -> Manifest | None:
    path = folder / MANIFEST_NAME
    if not path.is_file():
        return None
    try:
        return Manifest.model_validate(json.loads(path.read_text(encoding="utf-8")))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise IngestError(f"manifest is not valid JSON: {exc}", path=str(path)) from None
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise IngestError(f"manifest is malformed at {where}: {first['msg']}", path=str(path)) from None
