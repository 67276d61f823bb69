"""The clauses a careful reader needs beside the governing one (``also_cited``), each with why.

| why         | found from                                                                 |
|-------------|----------------------------------------------------------------------------|
| carve-out   | a cg:overrides edge onto the governing clause ("Notwithstanding 6.1 ...", "EXCEPT FOR ...") |
| carved from | a cg:overrides edge from it: the clause it makes an exception to           |
| cited       | a section or clause it cites ("subject to the limitations set out in Section 6"): the clause of the cited section that speaks to the question |
| yields to   | a clause or section it is subject to (cg:constrains onto it)               |

At most MAX_COMPANIONS, in that order; never the governing clause itself.
"""

from __future__ import annotations

from clausegraph.ontology.answers import Companion

__all__ = ["companions", "MAX_COMPANIONS"]

MAX_COMPANIONS = 4


def _clause_under(view, node: str, scores: dict[str, float]) -> str | None:
    """The clause that stands for ``node``: itself, or the best-scoring clause of a section (its first one)."""
    snap = view.snap
    if node in view.clause_set:
        return node
    inside = [c.iri for c in view.clauses if node in snap.ancestors.get(c.iri, ())]
    if not inside:
        return None
    return max(inside, key=lambda k: (scores.get(k, 0.0), -snap.nodes[k].position))


def companions(view, winner: str, scores: dict[str, float]) -> list[Companion]:
    snap = view.snap
    out: list[tuple[str, str, str]] = []  # (clause, why, words)
    for e in view.edges:
        if e.relation == "overrides":
            if snap.covers(e.loser, winner) and e.clause != winner:
                out.append((e.clause, "carve-out", e.words))
            elif snap.covers(e.winner, winner) and e.loser in snap.nodes:
                target = _clause_under(view, e.loser, scores)
                if target:
                    out.append((target, "carved from", e.words))
        elif e.relation == "constrains" and snap.covers(e.loser, winner) and e.winner in snap.nodes:
            target = _clause_under(view, e.winner, scores)
            if target:
                out.append((target, "yields to", e.words))
    for target, words in snap.citations.get(winner, ()):
        if target in snap.nodes and snap.nodes[target].doc in view.live:
            clause = _clause_under(view, target, scores)
            if clause:
                out.append((clause, "cited", words))
    seen, result = {winner}, []
    for clause, why, words in out:
        if clause in seen or clause not in snap.nodes:
            continue
        seen.add(clause)
        n = snap.nodes[clause]
        result.append(Companion(why=why, words=words, document=snap.docs[n.doc].info(), clause=snap.clause_info(clause)))
        if len(result) == MAX_COMPANIONS:
            break
    return result
