"""Why the store is Oxigraph: the same quads in pyoxigraph and in plain rdflib, side by side.

Loads the bundled corpus' N-Quads into each and times the load and three named queries.

    python bench/store.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import statistics
import time

import pyoxigraph as ox
import rdflib

import clausegraph
from clausegraph.queries.named import named_queries

QUERIES = [("documents", {}), ("outline", {"doc": "terms-of-service"}), ("search", {"q": "liability"})]


def _time(fn, repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    kg = clausegraph.open(":memory:")
    kg.ingest()
    data = kg.export("nquads")
    quads = data.count(b"\n")
    print(f"bundled corpus: {quads:,} quads; median of {args.repeat} runs")

    def load_ox():
        s = ox.Store()
        s.bulk_load(data, format=ox.RdfFormat.N_QUADS)
        return s

    def load_rdflib():
        d = rdflib.Dataset(default_union=True)
        d.parse(data=data.decode("utf-8"), format="nquads")
        return d

    t_ox, t_rdf = _time(load_ox, args.repeat), _time(load_rdflib, args.repeat)
    print(f"  load          oxigraph {t_ox * 1000:9.1f} ms   rdflib {t_rdf * 1000:9.1f} ms   rdflib/oxigraph {t_rdf / t_ox:6.1f} x")
    ox_store, rdf_store = load_ox(), load_rdflib()
    named = named_queries()
    for name, bindings in QUERIES:
        text = named[name].text
        ox_bind = {ox.Variable(k): ox.Literal(v) for k, v in bindings.items()}
        rdf_bind = {k: rdflib.Literal(v) for k, v in bindings.items()}
        t1 = _time(lambda: list(ox_store.query(text, use_default_graph_as_union=True, substitutions=ox_bind)), args.repeat)
        t2 = _time(lambda: list(rdf_store.query(text, initBindings=rdf_bind)), args.repeat)
        print(f"  query {name:8s} oxigraph {t1 * 1000:9.1f} ms   rdflib {t2 * 1000:9.1f} ms   rdflib/oxigraph {t2 / t1:6.1f} x")


if __name__ == "__main__":
    main()
