"""Measure extraction against labelled files (``../shared/eval`` format): precision and recall
per edge kind and per document.

Predictions are plain records (read from the graph by ``graph_records``):

    definitions: {"doc", "clause_text", "term", "kind"}
    references:  {"doc", "clause_text", "target": T}
    precedence:  {"doc", "clause_text", "kind", "winner": T, "loser": T | None, "explicit"}
    T = {"kind", "doc", "group", "number", "clause_text", "name"}

A labelled clause locator matches a predicted clause when the documents agree and the
clause's text contains the locator's quote (compared without case, typographic quotes or markup). A predicted target matches a labelled one when it
names the same document (a group counts for the "additional-terms" label), the same section
number, the same external source (names compared without case, articles and punctuation; a vendor
text the corpus does not hold, ``external_vendor_doc``, or a group, ``group``, by its id's words), or,
for precedence, a clause, section or document that contains the labelled clause (direction is
checked: winner against winner, loser against loser).
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel

from clausegraph.ontology.errors import QueryError
from clausegraph.ontology.iris import publisher_id

__all__ = ["Score", "ExtractionReport", "evaluate_extraction", "load_gold", "normalize_name", "graph_records",
           "render_report"]

GROUP_LABELS = {"additional-terms": "additional-terms"}


class Score(BaseModel):
    predicted: int = 0
    gold: int = 0
    matched: int = 0

    @property
    def precision(self) -> float:
        return self.matched / self.predicted if self.predicted else 0.0

    @property
    def recall(self) -> float:
        return self.matched / self.gold if self.gold else 0.0


class ExtractionReport(BaseModel):
    scores: dict[str, Score]  # edge kind -> score
    by_document: dict[str, dict[str, Score]]  # doc -> edge kind -> score
    missed: dict[str, list[str]]
    spurious: dict[str, list[str]]
    kind_accuracy: dict[str, float]
    publisher: str | None = None  # whose documents were measured (None: the store's only publisher)
    split: str | None = None  # the labels' part measured (tune, held-out), None: all



def load_gold(folder: Path) -> dict[str, list[dict]]:
    folder = Path(folder)
    if not folder.is_dir():
        raise QueryError("no such folder of labelled files", path=str(folder))
    out = {}
    for kind, name in (("definitions", "definitions"), ("references", "references"), ("precedence", "precedence")):
        files = sorted(folder.glob(f"{name}*.json"))
        items: list[dict] = []
        for path in files:
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
            except (json.JSONDecodeError, UnicodeDecodeError) as exc:
                raise QueryError(f"not a JSON labelled file: {exc}", path=str(path)) from None
            if not isinstance(data, list):
                raise QueryError("a labelled file holds a JSON list", path=str(path))
            items.extend(data)
        out[kind] = items
    if not any(out.values()):
        raise QueryError("no labelled files (definitions*.json, references*.json, precedence*.json) here", path=str(folder))
    return out


def normalize_name(name: str) -> str:
    name = name.lower().replace("’s", "").replace("'s", "")
    urls = re.findall(r"https?://[^\s)]+", name)
    if urls:
        return urls[0].rstrip("/")
    name = re.sub(r"\blaw\s+of\b", "laws of", name)
    name = re.sub(r"\bsccs?\b", "scc", name)
    name = re.sub(r"\b(the|a|an)\b", " ", name)
    name = re.sub(r"[^\w]+", " ", name)
    return " ".join(name.split())


# words that name nothing by themselves: left out when two names are compared word by word
_NAME_STOPWORDS = frozenset("of to in on by for with from and or that which who its their our your any all such as at be".split())


def _names_match(a: str | None, b: str | None) -> bool:
    if not a or not b:
        return False
    na, nb = normalize_name(a), normalize_name(b)
    if na == nb:
        return True
    ta, tb = set(na.split()) - _NAME_STOPWORDS, set(nb.split()) - _NAME_STOPWORDS
    small, big = (ta, tb) if len(ta) <= len(tb) else (tb, ta)
    return len(small) >= 2 and small <= big and not (na.startswith("http") or nb.startswith("http"))


_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "‘": "'", "’": "'", "\u00a0": " "})


@lru_cache(maxsize=65536)
def _comparable(text: str) -> str:
    """Text compared the way the labels' README says: without case, typographic quotes or markup."""
    text = _LINK.sub(r"\1", text).translate(_QUOTES)
    text = re.sub(r"\\([\\`*_{}\[\]()#+\-.!|>])", r"\1", text).replace("**", "").replace("__", "")
    return " ".join(text.lower().split())


def _clause_match(doc: str, text: str, locator: dict) -> bool:
    if doc != locator.get("doc"):
        return False
    quote = locator.get("quote", "\x00")
    return quote in text or _comparable(quote) in _comparable(text)


def _section_contains(number: str | None, gold_section: str | None) -> bool:
    if not number or not gold_section:
        return False
    return gold_section == number or gold_section.startswith(number + ".")


def _target_match(pred: dict | None, gold, *, contain: bool) -> bool:
    if pred is None or gold is None:
        return pred is None and gold is None
    if isinstance(gold, str):
        return False
    if "name" in gold or "external" in gold:
        return pred.get("kind") == "external" and _names_match(pred.get("name"), gold.get("name") or gold.get("external"))
    gdoc = gold.get("doc")
    if gold.get("external_vendor_doc") or (gold.get("group") and gdoc not in GROUP_LABELS):
        # a text of the vendor the corpus does not hold ("perplexity-pro-for-enterprise-terms"), or a group of them
        # ("specific-terms"): an external text or a group of that name
        if pred.get("kind") == "group":
            return pred.get("group") == gdoc
        return pred.get("kind") == "external" and _names_match(pred.get("name"), (gdoc or "").replace("-", " "))
    if "quote" in gold:  # a clause locator
        if pred.get("kind") == "clause":
            return _clause_match(pred.get("doc"), pred.get("clause_text") or "", gold)
        if not contain or pred.get("doc") != gdoc:
            return False
        if pred.get("kind") == "section":
            return _section_contains(pred.get("number"), gold.get("section"))
        return pred.get("kind") == "document"
    if "section" in gold and gold["section"] is not None:
        return pred.get("kind") == "section" and pred.get("doc") == gdoc and pred.get("number") == gold["section"]
    if gdoc in GROUP_LABELS:
        return pred.get("kind") == "group" and pred.get("group") == GROUP_LABELS[gdoc]
    if pred.get("kind") == "document":
        return pred.get("doc") == gdoc
    return contain and pred.get("doc") == gdoc and pred.get("kind") in ("section", "clause")


def _describe(record: dict) -> str:
    return json.dumps(record, ensure_ascii=False)[:300]


def evaluate_extraction(pred: dict[str, list[dict]], gold: dict[str, list[dict]], *,
                        publisher: str | None = None, split: str | None = None) -> ExtractionReport:
    """Precision and recall of ``pred`` against ``gold``, on the documents the gold labels.

    ``publisher``: only that publisher's edges count (two vendors both have a "terms-of-service").
    ``split``: only the labels of that part (``"split"`` of each item) count; precision is then
    read among the edges of the clauses that hold a label of that part, less the edges a label of
    another part accounts for (an edge in an unlabelled clause belongs to no part)."""
    if publisher is not None:
        pred = {k: [p for p in v if p.get("publisher") in (None, publisher)] for k, v in pred.items()}
    scores: dict[str, Score] = {}
    by_doc: dict[str, dict[str, Score]] = defaultdict(dict)
    missed: dict[str, list[str]] = {}
    spurious: dict[str, list[str]] = {}
    kind_acc: dict[str, float] = {}

    specs = {
        "definitions": (lambda g: g["where"], lambda p, g: p["term"] == g["term"]),
        "references": (lambda g: g["from"], lambda p, g: _target_match(p["target"], g["target"], contain=False)),
        "precedence": (lambda g: g["evidence"], lambda p, g: p["kind"] == g["kind"]
                       and _target_match(p["winner"], g["winner"], contain=True)
                       and (isinstance(g.get("loser"), str) or _target_match(p.get("loser"), g.get("loser"), contain=True))),
    }
    for kind, (where, same) in specs.items():
        golds = gold.get(kind, [])
        labelled_docs = {where(g)["doc"] for g in golds}
        preds = [p for p in pred.get(kind, []) if p["doc"] in labelled_docs]
        if split is not None:  # the edges of this part's clauses, less those another part's labels account for
            others = [g for g in golds if g.get("split", "tune") != split]
            golds = [g for g in golds if g.get("split", "tune") == split]
            preds = [p for p in preds if any(_clause_match(p["doc"], p["clause_text"], where(g)) for g in golds)
                     and not any(_clause_match(p["doc"], p["clause_text"], where(g)) and same(p, g) for g in others)]
        used: set[int] = set()
        total = Score(predicted=len(preds), gold=len(golds))
        per_doc: dict[str, Score] = defaultdict(Score)
        for p in preds:
            per_doc[p["doc"]].predicted += 1
        missed[kind] = []
        kinds_right = 0
        for g in golds:
            loc = where(g)
            per_doc[loc["doc"]].gold += 1
            hit = next((i for i, p in enumerate(preds) if i not in used
                        and _clause_match(p["doc"], p["clause_text"], loc) and same(p, g)), None)
            if hit is None:
                missed[kind].append(_describe(g))
                continue
            used.add(hit)
            total.matched += 1
            per_doc[loc["doc"]].matched += 1
            if kind == "definitions":
                kinds_right += preds[hit]["kind"] == g["kind"]
        spurious[kind] = [_describe(p) for i, p in enumerate(preds) if i not in used]
        scores[kind] = total
        for d, s in per_doc.items():
            by_doc[d][kind] = s
        if kind == "definitions" and total.matched:
            kind_acc[kind] = kinds_right / total.matched
    return ExtractionReport(scores=scores, by_document=dict(by_doc), missed=missed, spurious=spurious, kind_accuracy=kind_acc,
                            publisher=publisher, split=split)


_KINDS = {
    "prevailsOver": "prevails-over", "overrides": "overrides", "constrains": "subject-to",
    "governsFor": "defers-to", "incorporates": "incorporates", "hasScope": "scope",
}
_TYPES = {"Document": "document", "Section": "section", "Clause": "clause", "DocumentGroup": "group",
          "ExternalSource": "external", "UnresolvedTarget": "unresolved", "Scope": "scope"}


def _eval_query(name: str) -> str:
    from importlib.resources import files

    return files(__name__.rpartition(".")[0]).joinpath("eval", f"{name}.rq").read_text(encoding="utf-8")


def _describe_nodes(run) -> dict[str, dict]:
    nodes: dict[str, dict] = {}
    for r in run(_eval_query("nodes")):
        kind = _TYPES.get((r.get("type") or "").rsplit("#", 1)[-1], "unresolved")
        node = nodes.setdefault(r["n"], {"kind": kind, "doc": None, "group": None, "number": None,
                                          "clause_text": None, "name": None, "iri": r["n"]})
        node["doc"] = node["doc"] or r.get("doc")
        node["number"] = node["number"] or r.get("number")
        if kind == "clause":
            node["clause_text"] = r.get("text")
        if kind == "external":
            node["name"] = r.get("label")
        if kind == "group":
            node["group"] = r["n"].rsplit("/", 1)[-1]
    return nodes


def graph_records(run) -> dict[str, list[dict]]:
    """The edges of the graph as evaluation records; ``run(sparql)`` returns rows as dicts of strings."""
    nodes = _describe_nodes(run)

    def target(iri: str | None) -> dict | None:
        node = nodes.get(iri) if iri else None
        if node is None or node["kind"] == "scope":
            return None
        return node

    defs = [dict(r) | {"publisher": publisher_id(r.get("publisher"))} for r in run(_eval_query("definitions"))]
    refs = [{"doc": r["doc"], "publisher": publisher_id(r.get("publisher")), "clause_text": r["clause_text"],
             "target": target(r["target"]) or {"kind": "unresolved"}}
            for r in run(_eval_query("references"))]
    prec = []
    for r in run(_eval_query("precedence")):
        kind = _KINDS.get(r["predicate"].rsplit("#", 1)[-1])
        prec.append({"doc": r["doc"], "publisher": publisher_id(r.get("publisher")), "clause_text": r["clause_text"], "kind": kind, "rule": r["rule"],
                     "explicit": r.get("explicit") != "false", "winner": target(r["w"]), "loser": target(r["l"])})
    return {"definitions": defs, "references": refs, "precedence": prec}


def render_report(report: ExtractionReport) -> str:
    lines = []
    if report.publisher or report.split:
        lines.append(f"publisher {report.publisher or '(the only one)'}; labels: {report.split or 'all'}"
                     + ("; precision among the edges of the clauses holding a label of this part" if report.split else ""))
    lines.append("edge kind      precision  recall   matched/predicted/gold")
    for kind, s in report.scores.items():
        lines.append(f"{kind:14s} {s.precision:9.3f} {s.recall:7.3f}   {s.matched}/{s.predicted}/{s.gold}")
    if "definitions" in report.kind_accuracy:
        lines.append(f"definition kinds right: {report.kind_accuracy['definitions']:.3f}")
    lines.append("")
    lines.append(f"{'per document':34s} " + "  ".join(f"{k:>22s}" for k in report.scores))
    for doc, kinds in sorted(report.by_document.items()):
        cells = []
        for k in report.scores:
            s = kinds.get(k)
            cells.append(f"{'P %.2f R %.2f' % (s.precision, s.recall) if s and s.gold else '-':>22s}")
        lines.append(f"{doc[:34]:34s} " + "  ".join(cells))
    return "\n".join(lines)
