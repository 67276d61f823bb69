"""``clausegraph eval governs --gold PATH``: the resolver against labelled questions, beside a baseline.

PATH is a JSON list of questions (the format of ``../shared/eval/governs-dev.json``), or a folder of
``governs-*.json`` files: ``question``, ``context`` (null = not stated), ``governing`` (locators
``{doc, section, heading, quote}``, best first; empty when the corpus does not answer),
``governing_doc``, and optionally ``publisher`` (which vendor's documents answer; else the one the
question names, or the store's only one) and ``split`` (``tune`` / ``held-out``: figures are given
for each part apart). A context value the schema does not know is left out and counted.

| figure            | counted over          | right when                                                   |
|-------------------|-----------------------|--------------------------------------------------------------|
| document acc@1    | answerable questions  | the answer's document is ``governing_doc``                    |
| clause hit@1, @3  | answerable questions  | one of the first 1 / 3 clauses (answer, then candidates) matches a ``governing`` locator: same document (or archive record) and the quote inside the clause text (quotes are unique within a document, so the section number adds nothing and is not compared) |
| abstention acc    | every question        | "no governing clause found" exactly when ``governing`` is empty |

The baseline is plain BM25F over the same clauses with the question's own words: no lexicon, no
graph, no context, no versions, no precedence (queries/resolver.py ``baseline``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

from pydantic import BaseModel, Field

from clausegraph.ontology.answers import Context, GovernsResult, Status
from clausegraph.ontology.errors import QueryError

__all__ = ["GovernsReport", "Scores", "ItemResult", "evaluate_governs", "render_governs_report", "load_questions", "matches"]


class ItemResult(BaseModel):
    id: str
    question: str
    want_doc: str | None
    got_doc: str | None
    got_clause: str | None = None  # "§2 How we use Your Data (a)"
    status: str
    doc_ok: bool
    hit1: bool
    hit3: bool
    abstain_ok: bool
    explanation: str = ""


class Scores(BaseModel):
    questions: int
    answerable: int
    doc_acc1: float
    clause_hit1: float
    clause_hit3: float
    abstention_acc: float
    unanswerable_abstained: str  # "1/1"
    answerable_abstained: int  # answerable questions wrongly abstained
    items: list[ItemResult] = Field(default_factory=list)


class GovernsReport(BaseModel):
    gold: str
    system: Scores
    baseline: Scores
    splits: dict[str, dict[str, Scores]] = Field(default_factory=dict)  # "tune" / "held-out" -> system, baseline
    dropped_context: int = 0  # context values the schema does not know, left out


def _norm(text: str) -> str:
    text = text.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"').replace("—", "-").replace("–", "-")
    text = text.replace("**", "")
    return re.sub(r"\s+", " ", text).strip().lower()


def matches(locator: dict, doc_id: str, number: str | None, text: str, record: str | None = None) -> bool:
    """Does a clause (its document id or archive record id, its text) match a gold locator?"""
    if locator.get("doc") not in (doc_id, record):
        return False
    quote = locator.get("quote")
    return bool(quote) and _norm(quote) in _norm(text)


def load_questions(path: Path) -> list[dict]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise QueryError("no such file", path=str(path)) from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise QueryError(f"cannot read the labelled questions: {exc}", path=str(path)) from None
    if not isinstance(data, list):
        raise QueryError("expected a JSON list of questions with 'question', 'context' and 'governing'", path=str(path))
    for n, q in enumerate(data, start=1):
        where = f"question {q.get('id', n) if isinstance(q, dict) else n}"
        if not isinstance(q, dict) or not isinstance(q.get("question"), str):
            raise QueryError(f"{where}: expected an object with a 'question' text", path=str(path))
        if not isinstance(q.get("context") or {}, dict):
            raise QueryError(f"{where}: 'context' must be an object of context fields or null", path=str(path))
        gold = q.get("governing") or []
        if not isinstance(gold, list) or not all(isinstance(g, dict) and isinstance(g.get("doc"), str) for g in gold):
            raise QueryError(f"{where}: 'governing' must be a list of locators {{doc, section, heading, quote}}", path=str(path))
        if q.get("governing_doc") is not None and not isinstance(q["governing_doc"], str):
            raise QueryError(f"{where}: 'governing_doc' must be a document id or null", path=str(path))
    return data


def _item(q: dict, r: GovernsResult, records: dict[str, str | None]) -> ItemResult:
    gold = q.get("governing") or []
    want_doc = q.get("governing_doc") or (gold[0]["doc"] if gold else None)
    abstained = r.status is Status.NO_ANSWER
    ranked = []
    if r.answer is not None:
        ranked.append(r.answer)
    for c in r.candidates:
        if r.answer is None or c.clause.iri != r.answer.clause.iri:
            ranked.append(c)
    if abstained:
        ranked = []

    def hit(k: int) -> bool:
        return any(matches(loc, a.document.id, a.clause.number, a.clause.text, records.get(a.document.iri))
                   for a in ranked[:k] for loc in gold)

    got = r.answer
    return ItemResult(
        id=str(q.get("id", "")), question=q["question"], want_doc=want_doc,
        got_doc=got.document.id if got else None,
        got_clause=(" ".join(x for x in (f"§{got.clause.number}" if got.clause.number else "", got.clause.heading or "",
                                          got.clause.label if got.clause.label not in (None, "-") else "") if x)
                    if got else None),
        status=r.status.value,
        doc_ok=bool(gold) and got is not None and want_doc in (got.document.id, records.get(got.document.iri)),
        hit1=bool(gold) and hit(1), hit3=bool(gold) and hit(3), abstain_ok=abstained == (not gold),
        explanation=r.explanation)


def _scores(items: list[ItemResult], gold: list[dict]) -> Scores:
    answerable = [i for i, q in zip(items, gold) if q.get("governing")]
    unanswerable = [i for i, q in zip(items, gold) if not q.get("governing")]
    n = max(len(answerable), 1)
    return Scores(
        questions=len(items), answerable=len(answerable),
        doc_acc1=round(sum(i.doc_ok for i in answerable) / n, 3),
        clause_hit1=round(sum(i.hit1 for i in answerable) / n, 3),
        clause_hit3=round(sum(i.hit3 for i in answerable) / n, 3),
        abstention_acc=round(sum(i.abstain_ok for i in items) / max(len(items), 1), 3),
        unanswerable_abstained=f"{sum(i.status == Status.NO_ANSWER.value for i in unanswerable)}/{len(unanswerable)}",
        answerable_abstained=sum(i.status == Status.NO_ANSWER.value for i in answerable),
        items=items)


def _gold_files(path: Path) -> list[Path]:
    if path.is_dir():
        found = sorted(path.glob("governs*.json"))
        if not found:
            raise QueryError("no governs*.json files here", path=str(path))
        return found
    return [path]


def evaluate_governs(kg, path: Path, progress: Callable[[str], None] | None = None, *,
                     split: str | None = None) -> GovernsReport:
    """Run every labelled question through ``kg.governs`` and through the baseline."""
    from clausegraph.queries.governs import baseline, resolve

    gold = [q for f in _gold_files(Path(path)) for q in load_questions(f)]
    if split:
        gold = [q for q in gold if q.get("split", "tune") == split]
        if not gold:
            raise QueryError(f"no question has split {split!r}", path=str(path))
    snap = kg.governs_index()
    records = {d.iri: d.record for d in snap.docs.values()}
    system, base = [], []
    dropped = 0
    for n, q in enumerate(gold, start=1):
        raw = {k: v for k, v in (q.get("context") or {}).items() if v is not None}
        if q.get("publisher") and "publisher" not in raw:
            raw["publisher"] = q["publisher"]
        try:
            context = kg.make_context(raw, strict=False, question=q["question"])
        except QueryError as exc:
            raise QueryError(f"question {q.get('id', n)}: {exc.message}", path=str(path)) from None
        dropped += len([k for k in raw if k not in ("as_of", "publisher")]) - len(context.stated())
        system.append(_item(q, resolve(snap, q["question"], context), records))
        base.append(_item(q, baseline(snap, q["question"], context.as_of, context.publisher), records))
        if progress:
            progress(f"{q.get('id')}: {system[-1].status}")
    report = GovernsReport(gold=str(path), system=_scores(system, gold), baseline=_scores(base, gold), dropped_context=dropped)
    parts = sorted({q.get("split", "tune") for q in gold})
    if len(parts) > 1:
        for part in parts:
            keep = [i for i, q in enumerate(gold) if q.get("split", "tune") == part]
            pick = [gold[i] for i in keep]
            report.splits[part] = {"system": _scores([system[i] for i in keep], pick),
                                   "baseline": _scores([base[i] for i in keep], pick)}
    return report


def render_governs_report(report: GovernsReport, *, errors: bool = True) -> str:
    s, b = report.system, report.baseline
    rows = [
        ("questions (answerable)", f"{s.questions} ({s.answerable})", f"{b.questions} ({b.answerable})"),
        ("document accuracy @1", f"{s.doc_acc1:.3f}", f"{b.doc_acc1:.3f}"),
        ("clause hit @1", f"{s.clause_hit1:.3f}", f"{b.clause_hit1:.3f}"),
        ("clause hit @3", f"{s.clause_hit3:.3f}", f"{b.clause_hit3:.3f}"),
        ("abstention accuracy", f"{s.abstention_acc:.3f}", f"{b.abstention_acc:.3f}"),
        ("unanswerable abstained", s.unanswerable_abstained, b.unanswerable_abstained),
        ("answerable abstained (wrongly)", str(s.answerable_abstained), str(b.answerable_abstained)),
    ]
    for part, scores in report.splits.items():
        ps, pb = scores["system"], scores["baseline"]
        rows += [
            (f"{part}: questions (answerable)", f"{ps.questions} ({ps.answerable})", f"{pb.questions} ({pb.answerable})"),
            (f"{part}: document accuracy @1", f"{ps.doc_acc1:.3f}", f"{pb.doc_acc1:.3f}"),
            (f"{part}: clause hit @1", f"{ps.clause_hit1:.3f}", f"{pb.clause_hit1:.3f}"),
            (f"{part}: clause hit @3", f"{ps.clause_hit3:.3f}", f"{pb.clause_hit3:.3f}"),
            (f"{part}: unanswerable abstained", ps.unanswerable_abstained, pb.unanswerable_abstained),
        ]
    width = max(len(r[0]) for r in rows)
    out = [f"governs on {report.gold}", f"{'':{width}}  {'clausegraph':>12}  {'baseline':>12}"]
    out += [f"{name:{width}}  {x:>12}  {y:>12}" for name, x, y in rows]
    if report.dropped_context:
        out.append(f"({report.dropped_context} context values the schema does not know were left out)")
    if errors:
        wrong = [i for i in s.items if not (i.doc_ok and i.hit3) and not (i.abstain_ok and i.want_doc is None)]
        if wrong:
            out.append("")
            out.append("wrong or missed (clausegraph):")
            for i in wrong:
                what = "document wrong" if not i.doc_ok else "clause not in top 3"
                if not i.abstain_ok:
                    what = "abstained" if i.status == Status.NO_ANSWER.value else "should abstain"
                out.append(f"  {i.id}: {what}: want {i.want_doc}, got {i.got_doc or 'no answer'} {i.got_clause or ''} [{i.status}]")
    return "\n".join(out)
