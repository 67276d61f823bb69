"""Legal matters: the SKOS scheme, the cue table, and cg:concerns in the graph."""

from __future__ import annotations

import pytest
import rdflib

from clausegraph.ontology.matters import (
    MATTER_SCHEME,
    broader_closure,
    find_matters,
    load_matters,
    matter_iri,
    scheme_turtle,
)

ROOT_ONTOLOGY = __import__("pathlib").Path(__file__).resolve().parents[1] / "ontology"


@pytest.mark.parametrize("matter", load_matters(), ids=lambda m: m.id)
def test_every_matter_finds_its_real_example(matter):
    hits = find_matters(matter.example)
    assert matter.id in hits, f"{matter.id}: its example ({matter.source}) is not read as concerning it"


@pytest.mark.parametrize("text,headings,concerns,not_concerns", [
    ("Mistral AI grants you a non-exclusive, worldwide license to use the Models.", (), {"ip-rights"}, {"restrictive-covenants"}),
    ("Customer retains all ownership rights in Customer Data.", (), {"output-ownership"}, {"retention"}),
    ("We will give the Administrator at least 15 days’ notice before any changes take effect.", (), set(), {"age"}),
    ("You must be at least 18 years old to use the Services.", (), {"age"}, set()),
    ("The amounts in this section apply to each claim.", ("Limitation of Liability",), {"liability-cap"}, set()),
    ("The amounts in this section apply to each claim.", (), set(), {"liability-cap"}),
    ("We may show you personalised ads; you can opt out in your ad settings.", (), set(), {"training-opt-out"}),
    ("You can opt out of letting us use your chats to train our models.", (), {"training-opt-out", "training"}, set()),
], ids=["non-exclusive-licence", "retains-ownership", "days-are-no-age", "age", "heading-names-the-cap",
        "no-heading-no-cap", "ads-opt-out-is-not-training", "training-opt-out"])
def test_cues_read_kinds_of_sentences(text, headings, concerns, not_concerns):
    hits = find_matters(text, headings)
    assert concerns <= set(hits), sorted(hits)
    assert not (not_concerns & set(hits)), sorted(hits)


def test_a_heading_counts_only_with_heading_or_strong_cues():
    # "Notice" is a weak word for changes to the terms, not a title of that matter
    assert "terms-changes" not in find_matters("Gemini in Maps", ("Notice",))
    hit = find_matters("Gemini in Maps", ("Changes to these Terms",))["terms-changes"]
    assert hit.cues[0].kind == "heading" and hit.cues[0].heading == 0 and hit.cues[0].words == "Changes to these Terms"


def test_a_lead_in_is_read_with_strong_cues_only():
    lead = "You may not use the Services in a way that violates applicable law, including:"
    assert "governing-law" not in find_matters("Facilitates self-harm.", lead_ins=(lead,))
    assert "acceptable-use" in find_matters("Facilitates self-harm.", lead_ins=(lead,))


def test_questions_are_read_with_their_own_cues_too():
    question = "What's the most I could get back from them if their model breaks our product?"
    assert "liability-cap" not in find_matters(question)
    assert "liability-cap" in find_matters(question, question=True)


def test_the_shipped_turtle_is_made_from_the_table():
    assert (ROOT_ONTOLOGY / "matters.ttl").read_text(encoding="utf-8") == scheme_turtle(), \
        "ontology/matters.ttl is stale: write scheme_turtle() to it"


def test_the_scheme_is_skos():
    g = rdflib.Graph().parse(data=scheme_turtle(), format="turtle")
    skos = rdflib.namespace.SKOS
    concepts = set(g.subjects(rdflib.RDF.type, skos.Concept))
    assert len(concepts) == len(load_matters())
    for c in concepts:
        assert (c, skos.inScheme, rdflib.URIRef(MATTER_SCHEME)) in g
        assert g.value(c, skos.prefLabel) and g.value(c, skos.definition) and g.value(c, skos.example)
        for broader in g.objects(c, skos.broader):
            assert broader in concepts
    assert broader_closure({"liability-cap"}) == {"liability-cap", "liability"}


def test_clauses_concern_matters_in_the_graph_with_evidence(kg):
    rows = kg.query("""
        SELECT ?text ?label ?words ?rule ?score WHERE {
          ?c cg:concerns ?m ; cg:text ?text ; cg:inDocument ?d . ?d dcterms:identifier "terms-of-service" .
          ?m skos:prefLabel ?label .
          ?e rdf:subject ?c ; rdf:predicate cg:concerns ; rdf:object ?m ; cg:words ?words ; cg:rule ?rule ; cg:score ?score .
          FILTER(CONTAINS(?text, "WILL NOT EXCEED"))
        }""").values()
    labels = {r["label"] for r in rows}
    assert "Limit of liability" in labels, labels
    assert all(float(r["score"]) >= 1 and r["rule"].startswith("matter-") for r in rows)


def test_heading_evidence_points_at_the_section_that_holds_the_words(kg):
    rows = kg.query("""
        SELECT DISTINCT ?words ?start ?end ?hs ?he WHERE {
          ?e rdf:predicate cg:concerns ; cg:rule "matter-heading" ; cg:clause ?s ; cg:words ?words ;
             cg:startOffset ?start ; cg:endOffset ?end .
          ?s a cg:Section ; cg:headingStartOffset ?hs ; cg:headingEndOffset ?he .
        } LIMIT 50""").python()
    assert rows, "no clause concerns a matter through the heading of its section"
    for r in rows:
        assert r["hs"] <= r["start"] < r["end"] <= r["he"]


def test_matter_iris_are_readable():
    assert matter_iri("liability-cap") == "https://w3id.org/clausegraph/id/matters/liability-cap"
