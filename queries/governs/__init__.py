"""Which document, and which clause, governs a question for a given user.

One stage per module, each readable on its own:

    snapshot.py       what the graph holds, and per-publisher views of the documents in force
    question.py       reading the question: words, matters, unanswerable topics, the vendor named
    ranking.py           ranking clauses: BM25F, shared matters, kind of text
    applicability.py  does a clause's scope fit the user's context
    precedence.py     the procedure that picks one clause among those that speak and apply
    companions.py     what to read beside it (carve-outs, what it cites)
    explain.py        the plain line, the decisive sentence, the explanation
    resolve.py        the pipeline, and the plain-ranking baseline

The SPARQL these read is in the .rq files beside them; only ``as_of`` is ever bound into a query.
"""

from clausegraph.queries.governs.pipeline import MIN_COVERAGE, baseline, resolve
from clausegraph.queries.governs.snapshot import Snapshot, View

GovernsIndex = Snapshot  # the name the API used

__all__ = ["Snapshot", "View", "GovernsIndex", "resolve", "baseline", "MIN_COVERAGE"]
