"""How fast `governs` answers, measured side by side in one run.

  index    time to build the resolver's index (GovernsIndex) from the graph: the first build in this
           process (it also loads spaCy's lemma table) and the median of fresh rebuilds
  warm     every question of a question file, R times, through kg.governs (graph opened once, index
           built once) and through the plain BM25F baseline on the same index: median and p95 latency
  cold     `clausegraph governs "<q>" --json` as a new process, N times, beside the bare
           `python -c "import clausegraph.cli"` it cannot avoid

    python bench/governs.py [--store PATH] [--publisher P] [--questions FILE] [--repeat 5] [--cli-runs 3]

With a store of several vendors (the whole history file ingested, say), --publisher chooses whose
documents answer; context values the publisher's documents do not know are left out, as in eval.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import clausegraph
from clausegraph.ontology.answers import Context
from clausegraph.queries.governs import baseline

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_QUESTIONS = ROOT.parent / "shared" / "eval" / "governs-dev.json"


def _p95(samples: list[float]) -> float:
    """Nearest-rank 95th percentile."""
    ordered = sorted(samples)
    return ordered[max(math.ceil(0.95 * len(ordered)) - 1, 0)]


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:9.2f} ms"


def _load_questions(path: Path) -> list[tuple[str, str, dict]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SystemExit(f"{path}: cannot read the questions: {exc}") from None
    if not isinstance(data, list) or not all(isinstance(q, dict) and isinstance(q.get("question"), str) for q in data):
        raise SystemExit(f"{path}: expected a JSON list of objects with a 'question'")
    out = []
    for i, q in enumerate(data):
        context = {k: v for k, v in (q.get("context") or {}).items() if v is not None}
        out.append((str(q.get("id", i + 1)), q["question"], context))
    return out


def _cli_command() -> list[str]:
    script = Path(sys.executable).parent / "clausegraph"
    return [str(script)] if script.is_file() else [sys.executable, "-m", "clausegraph"]


def _wall(argv: list[str], env: dict[str, str]) -> float:
    t = time.perf_counter()
    result = subprocess.run(argv, capture_output=True, text=True, env=env)
    elapsed = time.perf_counter() - t
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(argv[:3])} ... failed ({result.returncode}): {result.stderr.strip()[:500]}")
    return elapsed


def warm(kg, questions: list[tuple[str, str, dict]], repeat: int, publisher: str | None = None) -> None:
    index = kg.governs_index()
    for _, question, context in questions[:1]:  # first calls load the lexicon: not part of the measure
        kg.governs(question, publisher=publisher, strict=False, **context)
        baseline(index, question, Context(**context).as_of, publisher)
    ours: dict[str, list[float]] = {}
    base: dict[str, list[float]] = {}
    for _ in range(repeat):
        for qid, question, context in questions:
            as_of = Context(**context).as_of
            t = time.perf_counter()
            kg.governs(question, publisher=publisher, strict=False, **context)
            ours.setdefault(qid, []).append(time.perf_counter() - t)
            t = time.perf_counter()
            baseline(index, question, as_of, publisher)
            base.setdefault(qid, []).append(time.perf_counter() - t)
    print(f"warm: {len(questions)} questions x {repeat} runs, graph opened and index built once")
    print(f"  {'question':10s} {'governs':>12s} {'baseline':>12s} {'ratio':>8s}   (median of {repeat})")
    for qid, _, _ in questions:
        a, b = statistics.median(ours[qid]), statistics.median(base[qid])
        print(f"  {qid:10s} {_ms(a):>12s} {_ms(b):>12s} {a / b:7.1f}x")
    every_ours = [s for v in ours.values() for s in v]
    every_base = [s for v in base.values() for s in v]
    m_o, m_b = statistics.median(every_ours), statistics.median(every_base)
    p_o, p_b = _p95(every_ours), _p95(every_base)
    print(f"  {'median':10s} {_ms(m_o):>12s} {_ms(m_b):>12s} {m_o / m_b:7.1f}x   (all {len(every_ours)} calls)")
    print(f"  {'p95':10s} {_ms(p_o):>12s} {_ms(p_b):>12s} {p_o / p_b:7.1f}x")


def index_build(store: Path, repeat: int) -> None:
    samples = []
    for _ in range(repeat + 1):
        kg = clausegraph.open(store)
        kg.is_empty()  # opens the store: not part of the index build
        t = time.perf_counter()
        kg.governs_index()
        samples.append(time.perf_counter() - t)
        kg.close()
    first, rest = samples[0], samples[1:]
    print(f"index: GovernsIndex from the graph, each on a freshly opened store")
    print(f"  first build {_ms(first)}   (first in this process: also loads spaCy's lemma table)")
    print(f"  rebuild     {_ms(statistics.median(rest))}   (median of {repeat}); first/rebuild {first / statistics.median(rest):5.1f}x")


def cold(store: Path, question: str, context: dict, runs: int, publisher: str | None = None) -> None:
    env = dict(os.environ, CLAUSEGRAPH_STORE=str(store))
    env.pop("CLAUSEGRAPH_DEBUG", None)
    args = ["--publisher", publisher] if publisher else []
    for name, value in context.items():
        args += [f"--{name.replace('_', '-')}", str(value)]
    cli = _cli_command() + ["governs", question, *args, "--json"]
    imp = [sys.executable, "-c", "import clausegraph.cli"]
    _wall(cli, env)  # one unmeasured run: the page cache, not clausegraph, would dominate the first
    t_cli = statistics.median(_wall(cli, env) for _ in range(runs))
    t_imp = statistics.median(_wall(imp, env) for _ in range(runs))
    shown = question if len(question) <= 40 else question[:39] + "…"
    rows = [(f'clausegraph governs "{shown}" --json', t_cli, ""),
            ('python -c "import clausegraph.cli"', t_imp, f"   ({t_imp / t_cli:.0%} of the command)")]
    width = max(len(r[0]) for r in rows)
    print(f"cold: a new process each time, median of {runs}")
    for label, seconds, note in rows:
        print(f"  {label:{width}s}  {seconds * 1000:7.0f} ms{note}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--store", type=Path, help="a store to use (default: the bundled corpus in a temporary store)")
    parser.add_argument("--questions", type=Path, default=DEFAULT_QUESTIONS, help="JSON list of {question, context}")
    parser.add_argument("--publisher", help="whose documents answer (a store of several vendors)")
    parser.add_argument("--repeat", "-r", type=int, default=5, help="runs of each question (warm) and index rebuilds")
    parser.add_argument("--cli-runs", "-n", type=int, default=3, help="runs of the command line (cold)")
    args = parser.parse_args()
    if args.repeat < 1 or args.cli_runs < 1:
        parser.error("--repeat and --cli-runs must be at least 1")
    questions = _load_questions(args.questions)
    if not questions:
        raise SystemExit(f"{args.questions}: no questions")
    with tempfile.TemporaryDirectory() as tmp:
        store = args.store or Path(tmp) / "store"
        kg = clausegraph.open(store)
        if kg.is_empty():
            report = kg.ingest()
            print(f"store: ingested the bundled corpus ({report.documents} document versions) in {report.seconds:.2f} s -> {store}")
        else:
            print(f"store: {store}")
        kg.close()
        print(f"questions: {args.questions} ({len(questions)})")
        index_build(store, args.repeat)
        kg = clausegraph.open(store)
        warm(kg, questions, args.repeat, args.publisher)
        kg.close()
        _, question, context = questions[0]
        if args.publisher:  # the command line refuses what the publisher's documents do not know
            context = {k: v for k, v in context.items() if k in ("role", "region", "plan", "as_of")}
        cold(store, question, context, args.cli_runs, args.publisher)


if __name__ == "__main__":
    main()
