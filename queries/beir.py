"""``clausegraph eval retrieval --beir DIR``: the governs ranking on a BEIR-format clause set, beside BM25.

A BEIR folder holds ``corpus.jsonl`` (``{"_id", "text"}``), ``queries.jsonl`` (``{"_id", "text"}``)
and ``qrels/NAME.tsv`` (``query-id corpus-id score``, a header line first). Every query of the split
ranks the whole corpus:

- **clausegraph**: the ranking ``governs`` uses (queries/governs/ranking.py) over the clause texts:
  BM25F on spaCy lookup lemmas, the lexicon's rings, the words of the matters the query asks about,
  a boost for clauses that concern those matters (ontology/matters.toml), the kind-of-text factors.
- **bm25**: plain BM25 (k1 1.2, b 0.75) over lower-cased word tokens of query and clause.

| figure   | how                                                                                  |
|----------|--------------------------------------------------------------------------------------|
| NDCG@k   | graded gain = the judged score (0-4), unjudged = 0, log2 discount, ideal from all judgements of the query (as pytrec_eval and BEIR) |
| P@5      | share of the first five with a judged score >= 2                                     |

Figures are percentages, as the ACORD paper reports them.
"""

from __future__ import annotations

import csv
import json
import math
import re
from collections import Counter, defaultdict
from collections.abc import Callable
from pathlib import Path

from pydantic import BaseModel

from clausegraph.ontology.errors import QueryError

__all__ = ["RetrievalReport", "evaluate_retrieval", "render_retrieval_report", "load_beir"]


class Figures(BaseModel):
    ndcg_at_5: float
    ndcg_at_10: float
    p_at_5: float


class RetrievalReport(BaseModel):
    beir: str
    split: str
    queries: int
    clausegraph: Figures
    bm25: Figures

    def as_json(self) -> dict:
        def f(x: Figures) -> dict:
            return {"ndcg@5": x.ndcg_at_5, "ndcg@10": x.ndcg_at_10, "p@5": x.p_at_5}
        return {"clausegraph": f(self.clausegraph), "bm25": f(self.bm25), "queries": self.queries,
                "split": self.split, "beir": self.beir}


def _jsonl(path: Path) -> list[dict]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise QueryError("missing from the BEIR folder", path=str(path)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise QueryError(f"cannot read: {exc}", path=str(path)) from None
    out = []
    for n, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise QueryError(f"line {n} is not JSON: {exc.msg}", path=str(path)) from None
        if not isinstance(row, dict) or "_id" not in row or not isinstance(row.get("text"), str):
            raise QueryError(f"line {n} lacks _id or text", path=str(path))
        out.append(row)
    return out


def load_beir(folder: Path, split: str) -> tuple[dict[str, str], dict[str, str], dict[str, dict[str, int]]]:
    """(corpus id -> text, query id -> text, query id -> {corpus id: score}) of ``split``."""
    folder = Path(folder)
    if not folder.is_dir():
        raise QueryError("no such BEIR folder", path=str(folder))
    corpus = {str(r["_id"]): (r.get("title", "") + " " + r["text"]).strip() for r in _jsonl(folder / "corpus.jsonl")}
    queries = {str(r["_id"]): r["text"] for r in _jsonl(folder / "queries.jsonl")}
    qrels_path = folder / "qrels" / f"{split}.tsv"
    try:
        rows = qrels_path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        found = sorted(p.stem for p in (folder / "qrels").glob("*.tsv"))
        raise QueryError(f"no qrels for split {split!r} (this folder has: {', '.join(found) or 'none'})",
                         path=str(qrels_path)) from None
    qrels: dict[str, dict[str, int]] = defaultdict(dict)
    for n, cells in enumerate(csv.reader(rows, delimiter="\t", quotechar='"'), start=1):  # ids may be quoted: ""as is"" clause
        row = "\t".join(cells)
        if n == 1 and cells[0].lower().startswith("query"):
            continue
        if len(cells) < 3:
            if row.strip():
                raise QueryError(f"line {n}: expected query-id, corpus-id and score", path=str(qrels_path))
            continue
        try:
            qrels[cells[0]][cells[1]] = int(float(cells[2]))
        except ValueError:
            raise QueryError(f"line {n}: the score {cells[2]!r} is not a number", path=str(qrels_path)) from None
    missing = [q for q in qrels if q not in queries]
    if missing:
        raise QueryError(f"qrels name queries that queries.jsonl lacks: {missing[0]!r}", path=str(qrels_path))
    return corpus, {q: queries[q] for q in qrels}, dict(qrels)


def _ndcg(ranked: list[str], judged: dict[str, int], k: int) -> float:
    dcg = sum(judged.get(doc, 0) / math.log2(i + 2) for i, doc in enumerate(ranked[:k]))
    ideal = sorted(judged.values(), reverse=True)[:k]
    idcg = sum(g / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / idcg if idcg > 0 else 0.0


def _figures(runs: dict[str, list[str]], qrels: dict[str, dict[str, int]]) -> Figures:
    n = max(len(qrels), 1)
    return Figures(
        ndcg_at_5=round(100 * sum(_ndcg(runs[q], qrels[q], 5) for q in qrels) / n, 2),
        ndcg_at_10=round(100 * sum(_ndcg(runs[q], qrels[q], 10) for q in qrels) / n, 2),
        p_at_5=round(100 * sum(sum(1 for d in runs[q][:5] if qrels[q].get(d, 0) >= 2) / 5 for q in qrels) / n, 2),
    )


_TOKEN = re.compile(r"\w+")


class _PlainBM25:
    """BM25 over lower-cased word tokens: the benchmark's own baseline."""

    def __init__(self, corpus: dict[str, str], k1: float = 1.2, b: float = 0.75) -> None:
        self.k1, self.b = k1, b
        self.keys = list(corpus)
        self.tf = [Counter(_TOKEN.findall(corpus[k].lower())) for k in self.keys]
        self.len = [sum(c.values()) for c in self.tf]
        self.avg = sum(self.len) / max(len(self.len), 1)
        df = Counter(w for c in self.tf for w in c)
        n = len(self.keys)
        self.idf = {w: math.log(1 + (n - f + 0.5) / (f + 0.5)) for w, f in df.items()}
        self.post: dict[str, list[int]] = defaultdict(list)
        for i, c in enumerate(self.tf):
            for w in c:
                self.post[w].append(i)

    def rank(self, query: str) -> list[str]:
        scores: dict[int, float] = defaultdict(float)
        for w in _TOKEN.findall(query.lower()):
            for i in self.post.get(w, ()):
                tf = self.tf[i][w]
                scores[i] += self.idf[w] * tf * (self.k1 + 1) / (tf + self.k1 * (1 - self.b + self.b * self.len[i] / self.avg))
        order = sorted(scores, key=lambda i: (-scores[i], self.keys[i]))
        return [self.keys[i] for i in order]


def evaluate_retrieval(folder: Path, split: str = "test", progress: Callable[[str], None] | None = None) -> RetrievalReport:
    from clausegraph.queries.governs.ranking import TextCorpus, rank
    from clausegraph.queries.governs.question import build_query, read_question

    corpus, queries, qrels = load_beir(folder, split)
    if not queries:
        raise QueryError(f"split {split!r} judges no query", path=str(folder))
    texts = TextCorpus(corpus)
    plain = _PlainBM25(corpus)
    ours, base = {}, {}
    for n, (qid, text) in enumerate(queries.items(), start=1):
        reading = read_question(text)
        ranked = rank(texts, reading, build_query(texts, reading), top_k=None)
        seen = {k for k, _ in ranked}
        lexical = plain.rank(text)  # clauses the ranking does not reach keep the plain order after it
        ours[qid] = [k for k, _ in ranked] + [k for k in lexical if k not in seen]
        base[qid] = lexical
        if progress and n % 10 == 0:
            progress(f"{n} of {len(queries)} queries")
    return RetrievalReport(beir=str(folder), split=split, queries=len(queries),
                           clausegraph=_figures(ours, qrels), bm25=_figures(base, qrels))


def render_retrieval_report(r: RetrievalReport) -> str:
    rows = [("NDCG@5", r.clausegraph.ndcg_at_5, r.bm25.ndcg_at_5), ("NDCG@10", r.clausegraph.ndcg_at_10, r.bm25.ndcg_at_10),
            ("P@5 (score >= 2)", r.clausegraph.p_at_5, r.bm25.p_at_5)]
    out = [f"retrieval on {r.beir}, split {r.split}: {r.queries} queries, every clause ranked",
           f"{'':18}  {'clausegraph':>12}  {'bm25':>8}  {'difference':>10}"]
    out += [f"{name:18}  {a:12.2f}  {b:8.2f}  {a - b:+10.2f}" for name, a, b in rows]
    return "\n".join(out)
