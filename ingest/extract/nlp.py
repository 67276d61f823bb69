"""The spaCy pipeline: ``spacy.blank("en")``, sentencizer, lookup lemmatizer and three named
components that read the rule tables of this package.

    clausegraph_definitions   definitions.DEFINITION_RULES      -> doc._.cg_definitions
    clausegraph_references    references + catalog rules        -> doc._.cg_references
    clausegraph_precedence    precedence.PRECEDENCE_RULES       -> doc._.cg_precedence

No pretrained model is needed; the lemmatizer's tables come from spacy-lookups-data.
"""

from __future__ import annotations

from functools import lru_cache

import spacy
from spacy.language import Language
from spacy.tokens import Doc

from clausegraph.ingest.extract.definitions import find_definitions
from clausegraph.ingest.extract.precedence import find_precedence
from clausegraph.ingest.extract.references import find_external_refs, find_structural_refs

__all__ = ["make_nlp", "COMPONENTS"]

COMPONENTS = ("clausegraph_definitions", "clausegraph_references", "clausegraph_precedence")

for _name in ("cg_definitions", "cg_references", "cg_precedence"):
    if not Doc.has_extension(_name):
        Doc.set_extension(_name, default=None)
if not Doc.has_extension("cg_cites_sccs"):
    Doc.set_extension("cg_cites_sccs", default=False)


def _text(doc: Doc) -> str:
    """The clause text; Doc.text joins every token, so the extractor hands it over in user_data."""
    return doc.user_data.get("cg_text") or doc.text


@Language.component("clausegraph_definitions")
def _definitions(doc: Doc) -> Doc:
    doc._.cg_definitions = find_definitions(_text(doc))
    return doc


@Language.component("clausegraph_references")
def _references(doc: Doc) -> Doc:
    text = _text(doc)
    doc._.cg_references = find_structural_refs(text) + find_external_refs(text, cites_sccs=doc._.cg_cites_sccs)
    return doc


@Language.component("clausegraph_precedence")
def _precedence(doc: Doc) -> Doc:
    doc._.cg_precedence = find_precedence(doc)
    return doc


@lru_cache(maxsize=1)
def make_nlp() -> Language:
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    for name in COMPONENTS:
        nlp.add_pipe(name)
    nlp.initialize()
    return nlp
