"""Edges: rules with examples that match, evidence every edge carries, measured quality, lint."""

from __future__ import annotations

import json

import pytest

import clausegraph
from clausegraph.ingest.extract.catalog import EXTERNAL_RULES
from clausegraph.ingest.extract.conditions import read_condition
from clausegraph.ingest.extract.definitions import DEFINITION_RULES, find_definitions
from clausegraph.ingest.extract.precedence import PRECEDENCE_RULES
from clausegraph.ingest.extract.references import find_structural_refs, parse_numbers

from conftest import SHARED, run_cli

EVAL = SHARED / "eval"


def test_every_rule_matches_its_own_example():
    """Rules are data: each one's corpus example is something it actually finds."""
    for rule in DEFINITION_RULES:
        assert rule.pattern.search(rule.example), rule.name
    for rule in EXTERNAL_RULES:
        assert rule.pattern.search(rule.example), rule.name
    for rule in PRECEDENCE_RULES:
        assert rule.pattern.search(rule.example), rule.name


@pytest.mark.parametrize("text,expected", [
    ("technologies we offer (the “Services”), except", [("Services", "inline")]),
    ("(each, a “Partner”) on such", [("Partner", "inline")]),
    ("(the “Customer” or “you”) and", [("Customer", "inline"), ("you", "inline")]),
    ("These deployment terms (these “**Terms**”) govern", [("Terms", "inline")]),
    ('on the Cloud Provider\'s infrastructure (the "P**artner Infrastructure**")', [("Partner Infrastructure", "inline")]),
    ("“Specific Access” refers to any Services where", [("Specific Access", "means")]),
    ("We refer to Input and Output collectively as “Your Data”.", [("Your Data", "collective")]),
    ("by clicking on “I agree” (or any similar button", []),
    ("THE SERVICES ARE PROVIDED “AS IS” AND WE", []),
])
def test_definition_forms(text, expected):
    assert [(m.term, m.kind.value) for m in find_definitions(text)] == expected


def test_section_lists_and_owners():
    (ref,) = find_structural_refs("compliance with Sections 2.1 (License) and 7.5 (Effects of Termination).")
    assert ref.numbers == ("2.1", "7.5")
    (ref,) = find_structural_refs("the audit set out in Section 9 (Audit) of this DPA")
    assert ref.numbers == ("9",) and ref.owner == "this DPA"
    assert parse_numbers("1 and 2") == ("1", "2")


def test_conditions_are_structured():
    assert read_condition("This DPA only applies if Customer is a business entity") == {"role": ["business"]}
    assert read_condition("any natural person residing in the European Union who is accessing or using the Services "
                          "for purposes which are outside his trade") == {"role": ["consumer"], "region": ["eu"], "area": ["EU"]}
    assert read_condition("when you use the Mistral AI Products on Your Infrastructure and through a Reseller") == {
        "channel": ["reseller"], "infrastructure": ["own"]}
    # "without a paid subscription" is free, not also paid: matches of one field never overlap
    assert read_condition("If you are using La Plateforme without a paid subscription") == {
        "service": ["la-plateforme"], "plan": ["free"]}
    assert read_condition("Unless you are located in the United States") == {"region": ["not-us"]}
    # any region: the resolver's values, and the countries (ISO 3166) and groups the words name
    assert read_condition("If you reside in the European Economic Area, United Kingdom, or Switzerland") == {
        "region": ["eu", "other"], "area": ["EEA", "UK"], "country": ["GB", "CH"]}
    assert read_condition("If you are a California resident") == {"region": ["us"], "country": ["US-CA"]}
    assert read_condition("This Agreement only applies to businesses and developers, not for consumer use") == {"role": ["business"]}
    assert read_condition("If you are a subscriber to Perplexity Pro", products=("Perplexity Pro",)) == {
        "plan": ["pro"], "product": ["perplexity-pro"]}
    # several values: the text applies to either; markdown emphasis does not hide a field
    assert read_condition("govern your use of La Plateforme, Le Chat, and the other websites") == {
        "service": ["la-plateforme", "le-chat"]}
    assert read_condition('Our cloud provider partners, on the Cloud Provider\'s infrastructure (the "P**artner '
                          'Infrastructure**"), or your infrastructure') == {
        "channel": ["cloud-partner"], "infrastructure": ["own", "partner"]}


def test_every_edge_has_evidence_reachable_from_sparql(bundled_store):
    kg = clausegraph.open(bundled_store)
    counts = kg.query("""SELECT ?p (COUNT(*) AS ?n) WHERE { ?s ?p ?o .
        FILTER(?p IN (cg:defines, cg:references, cg:prevailsOver, cg:overrides, cg:constrains, cg:governsFor, cg:incorporates))
        FILTER NOT EXISTS { ?e rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o ; cg:words ?w ; cg:rule ?r ; cg:clause ?c } }
        GROUP BY ?p""").rows
    assert counts == []
    edges = kg.query("""SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o .
        FILTER(?p IN (cg:defines, cg:references, cg:prevailsOver, cg:overrides)) }""").rows[0][0].value
    assert int(edges) > 200
    # the words of the evidence are the source text at its offsets
    rows = kg.query("""SELECT ?w ?s ?e ?cs ?text WHERE { ?ev a cg:Evidence ; cg:words ?w ; cg:startOffset ?s ; cg:endOffset ?e ;
        cg:clause ?c . ?c cg:text ?text ; cg:startOffset ?cs }""").values()
    for r in rows:
        start = int(r["s"]) - int(r["cs"])
        assert r["text"][start: start + len(r["w"])] == r["w"] and int(r["e"]) - int(r["s"]) == len(r["w"])


def test_shacl_catches_an_edge_without_evidence(bundled_store, tmp_path):
    import pyoxigraph as ox

    from clausegraph.graph.validate import validate_store

    kg = clausegraph.open(bundled_store)
    store = ox.Store()
    store.bulk_load(kg.export("nquads"), format=ox.RdfFormat.N_QUADS)
    cg = "https://w3id.org/clausegraph/ontology#"
    evidence = next(iter(store.quads_for_pattern(None, ox.NamedNode(cg + "rule"), None)))
    for quad in list(store.quads_for_pattern(evidence.subject, None, None)):
        store.remove(quad)
    report = validate_store(store)
    assert not report.conforms
    assert any("no cg:Evidence" in v.message for v in report.violations)


@pytest.fixture(scope="module")
def eval_report(bundled_store):
    if not EVAL.is_dir():
        pytest.skip(f"labelled sets not found at {EVAL} (../shared is absent on this machine)")
    result = run_cli("eval", "extraction", "--gold", str(EVAL), "--json", store=bundled_store)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_quality_on_the_labelled_sets(eval_report):
    s = eval_report["scores"]
    assert s["definitions"]["recall"] >= 0.95 and s["definitions"]["precision"] >= 0.90
    assert s["references"]["recall"] >= 0.90 and s["references"]["precision"] >= 0.85
    assert s["precedence"]["recall"] >= 0.90


def test_eval_prints_a_table(bundled_store):
    if not EVAL.is_dir():
        pytest.skip(f"labelled sets not found at {EVAL}")
    result = run_cli("eval", "extraction", "--gold", str(EVAL), store=bundled_store)
    assert result.returncode == 0
    assert "definitions" in result.stdout and "per document" in result.stdout and "terms-of-service" in result.stdout


def test_lint_reports_the_oddities_of_the_corpus(bundled_store):
    result = run_cli("lint", "--json", store=bundled_store)
    assert result.returncode == 0, result.stderr
    findings = json.loads(result.stdout)
    by_code = {}
    for f in findings:
        by_code.setdefault(f["code"], []).append(f)
    # 'Your Offerings (as defined in Section 6)': Section 6 is Liability; the term is defined in 5.1
    assert {f["document"] for f in by_code["L002"]} >= {"partner-served-deployment-terms", "partner-hosted-deployment-terms"}
    assert any("Section 9 (Audit) of this DPA" in f["message"] for f in by_code["L003"])
    assert any("'Effective Date'" in f["message"] for f in by_code["L004"])
    assert any(f["document"] == "partner-hosted-deployment-terms" and "probably incomplete" in f["message"]
               for f in by_code["L006"])
    assert any("Data Processing Addendum" in f["message"] for f in by_code["L007"])
    assert all(f["clause"] is None or f["clause"].startswith("https://w3id.org/clausegraph/id/") for f in findings)


def test_precedence_statements_of_the_bundled_corpus(bundled_store):
    kg = clausegraph.open(bundled_store)
    rows = kg.query("precedence", doc="terms-of-service").values()
    conflicts = [r for r in rows if r["rule"] == "precedence-conflict-governs"]
    assert conflicts and conflicts[0]["winner"].endswith("/group/additional-terms")
    assert conflicts[0]["loser"].endswith("/terms-of-service/2025-02-06")
    dpa = kg.query("precedence", doc="data-processing-agreement").values()
    assert any(r["relation"] == "prevailsOver" and r["winner"].endswith("/data-processing-agreement/2025-02-06")
               and r["loser"].endswith("/terms-of-service/2025-02-06") for r in dpa)
    scope = kg.query("""SELECT ?role ?text WHERE { ?d cg:hasScope ?s . ?s cg:text ?text ; cg:role ?role .
        ?d dcterms:identifier "data-processing-agreement" }""").values()
    assert {"role": "business", "text": scope[0]["text"]} in scope


def test_real_world_documents_state_precedence_too(history_path):
    """The rules hold on other vendors' documents: the current version of each is read without error."""
    from clausegraph.ingest.archive import iter_archive
    from clausegraph.ingest.extract import extract_corpus
    from clausegraph.ontology.models import Page

    latest = {}
    for item in iter_archive(history_path):
        if isinstance(item, Page):
            doc = item.documents[0]
            latest[(doc.publisher.id, doc.id)] = doc
    results = extract_corpus(list(latest.values()))
    ranking = {e.document.publisher for e in results.values()
               for p in e.precedence if p.kind.value in ("prevails-over", "overrides")}
    assert len(ranking) >= 8
    assert sum(len(e.definitions) for e in results.values()) > 500


def _statements(*pages: str, publisher: str = "Acme") -> dict[str, list[tuple]]:
    """(kind, rule, winner, loser) of every statement of hand-built markdown pages, per document id."""
    from clausegraph.ingest import UNKNOWN_PUBLISHER, parse_text
    from clausegraph.ingest.extract import extract_corpus
    from clausegraph.ontology.models import Publisher, SourceFormat

    owner = Publisher(id=publisher.lower(), name=publisher) if publisher else UNKNOWN_PUBLISHER
    docs = [d for text in pages for d in parse_text(text, fmt=SourceFormat.MARKDOWN, publisher=owner).documents]

    def name(t):
        if t is None:
            return None
        if t.kind.value == "external":
            return f"external:{t.name}"
        return f"{t.kind.value}:{t.document.id if t.document else t.group}" + (f"/{t.number}" if t.number else "")

    return {e.document.id: [(p.kind.value, p.evidence.rule.removeprefix("precedence-"), name(p.winner), name(p.loser))
                            for p in e.precedence] for e in extract_corpus(docs).values()}


_TERMS = "Acme Commercial Terms\n=====================\n\nEffective: May 1, 2026\n\n"


@pytest.mark.parametrize("body,expected", [
    ("**16\\. General.**\n\n**16.1. Notices.** Notices go by email.\n\n**16.2. Order of Precedence.** If documents conflict, "
     "they will control in the following order:\n\n*   the Order Form;\n*   these Terms; and\n*   the Usage Policy.\n",
     [("prevails-over", "order-list-item", "external:Order Form", "document:acme-commercial-terms"),
      ("prevails-over", "order-list-item", "document:acme-commercial-terms", "external:Usage Policy")]),
    ("**9\\. Indemnity.** Acme will defend Customer.\n\n**10\\. Trials.** During a free trial Acme’s obligations in Section 9 "
     "shall not apply to Customer.\n",
     [("overrides", "not-apply", "clause:acme-commercial-terms", "section:acme-commercial-terms/9")]),
    ("**3\\. Liability.** The foregoing limitations shall not apply to obligations under Section 9.\n\n**9\\. Indemnity.** "
     "Acme will defend Customer.\n",
     [("overrides", "not-apply", "section:acme-commercial-terms/9", "clause:acme-commercial-terms")]),
    ("Customer will not train models on Output, except as may be expressly permitted in an Order Form.\n",
     [("subject-to", "except-as-permitted", "external:Order Form", "clause:acme-commercial-terms")]),
    ("You and Acme agree that the United Nations Convention on Contracts for the International Sale of Goods will not apply.\n",
     [("overrides", "not-apply", "clause:acme-commercial-terms",
       "external:United Nations Convention on Contracts for the International Sale of Goods")]),
    ("Our Service may include third-party software, products, or services that are subject to their own terms.\n",
     [("subject-to", "own-terms", "external:third-party software, products, or services terms", "clause:acme-commercial-terms")]),
    ("Engineering services will be considered Third-Party Services unless an Order Form expressly provides otherwise.\n",
     [("subject-to", "unless-named-otherwise", "external:Order Form", "clause:acme-commercial-terms")]),
    ("Unless otherwise agreed, neither party shall bear incidental damages.\n",
     [("subject-to", "unless-otherwise", "external:separate agreement", "clause:acme-commercial-terms")]),
    ("Unless otherwise agreed in writing by the Parties, confidentiality survives for 5 years.\n",
     [("subject-to", "unless-otherwise", "external:written agreement", "clause:acme-commercial-terms")]),
    ("NOTHING IN THESE TERMS SHALL AFFECT ANY STATUTORY RIGHTS THAT YOU CANNOT CONTRACTUALLY AGREE TO ALTER OR WAIVE.\n",
     [("overrides", "nothing-affects", "external:STATUTORY RIGHTS", "document:acme-commercial-terms")]),
    ("**7\\. Warranties.**\n\n**7.1. Limited Warranties.** Acme warrants that the Services perform.\n\n"
     "**7.2. Disclaimer.** EXCEPT FOR THE EXPRESS LIMITED WARRANTIES SET FORTH IN THIS AGREEMENT, THE SERVICES ARE PROVIDED AS-IS.\n",
     [("overrides", "except-warranties", "section:acme-commercial-terms/7.1", "clause:acme-commercial-terms")]),
], ids=["order-of-precedence-as-list-items", "will-not-apply", "foregoing-will-not-apply-to", "except-as-permitted",
        "convention-will-not-apply", "their-own-terms", "unless-an-order-form-provides-otherwise", "unless-otherwise-agreed",
        "unless-otherwise-agreed-in-writing", "statutory-rights", "except-for-the-warranties-by-heading"])
def test_precedence_statements_of_other_vendors_shapes(body, expected):
    (got,) = _statements(_TERMS + body).values()
    assert got == expected


def test_the_agreement_a_dpa_defines_is_the_document_that_calls_itself_so():
    terms = ("Acme API Terms\n==============\n\nEffective: May 1, 2026\n\nPlease read these Terms and Conditions (“Agreement”) "
             "before using the API.\n\n**6\\. Privacy.** This Agreement incorporates by reference Acme’s Data Processing Addendum.\n\n"
             "**7\\. Other.** Nothing else.\n")
    dpa = ("Acme Data Processing Addendum\n=============================\n\nEffective: May 1, 2026\n\nThis Data Processing Addendum "
           "(“DPA”) forms part of any terms of service or other agreement between Acme Inc. and a business customer that "
           "expressly references it (each such agreement, an “Agreement”). In the event of any conflict between this DPA and "
           "the Agreement, the DPA shall control.\n")
    got = _statements(terms, dpa)
    assert ("prevails-over", "conflict-between", "document:acme-data-processing-addendum", "document:acme-api-terms") \
        in got["acme-data-processing-addendum"]
    assert ("incorporates", "forms-part-of", "document:acme-api-terms", "document:acme-data-processing-addendum") \
        in got["acme-data-processing-addendum"]
