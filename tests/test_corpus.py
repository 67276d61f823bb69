"""The bundled corpus comes out as a careful reader sees it, and nothing of it is lost."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from pathlib import Path

import pytest

from clausegraph.ingest import bundled_corpus
from clausegraph.ingest.coverage import coverage_problems, page_spans
from clausegraph.ontology.models import Clause, Section, iter_nodes

CORPUS = Path(bundled_corpus()[0]).parent

EXPECTED_DOCUMENTS = [
    ("terms-of-service", "Terms of Service", dt.date(2025, 2, 6)),
    ("additional-terms-for-consumers", "Additional Terms for consumers", dt.date(2025, 2, 6)),
    ("additional-terms-for-paid-services", "Additional Terms for Paid services", dt.date(2025, 2, 6)),
    ("additional-terms-for-la-plateforme", "Additional Terms for La Plateforme", dt.date(2025, 2, 6)),
    ("additional-terms-for-le-chat", "Additional Terms for Le Chat", dt.date(2025, 2, 6)),
    ("data-processing-agreement", "Data Processing Agreement", dt.date(2025, 2, 6)),
    ("privacy-policy", "Privacy Policy", dt.date(2025, 2, 6)),
    ("usage-policy", "Usage Policy", dt.date(2025, 2, 6)),
    ("partner-hosted-deployment-terms", "Partner Hosted - Deployment Terms", dt.date(2025, 2, 6)),
    ("partner-served-deployment-terms", "Partner Served - Deployment Terms", dt.date(2025, 5, 27)),
]

# The sections a careful reader sees, as "number|heading".
EXPECTED_SECTIONS = {
    "terms-of-service": ["1|Accessing the Services", "2|Using the Services", "3|Your User Data", "4|Warranties; Disclaimer",
                         "5|Indemnification", "6|Liability", "7|Term, Suspension, and Termination", "8|Privacy",
                         "9|Changes to these Terms or the Services", "10|General"],
    "additional-terms-for-consumers": ["1|Cancellation of paid Services", "1.1|Cancellation right", "1.2|Model cancellation form",
                                       "2|Updates", "2.1|Updates", "2.2|Updates necessary to maintain the compliance of the Services",
                                       "2.3|Updates not necessary to maintain the compliance of the Services", "3|Legal warranty",
                                       "3.1|Legal warranty"],
    "additional-terms-for-paid-services": [],
    "additional-terms-for-la-plateforme": ["1|Using our APIs", "1.1|General provisions", "1.2|Using our Fine-Tuning API",
                                           "2|Creating an agent", "3|Your Data"],
    "additional-terms-for-le-chat": ["1|Using Le Chat", "2|Your Data"],
    "usage-policy": ["|Scope", "|Our principles", "|Prohibited content and activities", "|Our enforcement", "|Report violations"],
}

EXPECTED_RUNIN = {
    "terms-of-service": ["Age requirements", "Mistral AI accounts", "Admin accounts", "Our Services", "Restrictions", "Your Data",
                         "Responsibility for Your Data", "How we use Your Data", "Similarity of Output", "Illegal content",
                         "Our Warranties", "Your Warranties", "Disclaimer", "By you", "By us", "Indemnification Procedure",
                         "Remedies", "Limitation of Liability", "Term", "Termination or suspension", "Requests to terminate",
                         "Effects of termination", "Privacy Policy", "Processing personal data", "Updates to these Terms",
                         "Notice", "Assignment", "Force Majeure", "Independent Contractors", "No Third-Party Rights", "Waivers",
                         "Entire Agreement; severability", "Governing law and venue", "Conflicts with Additional Terms",
                         "Support"],
    "additional-terms-for-paid-services": ["Payment", "Cancellation", "Termination", "Changes"],
    "additional-terms-for-le-chat": ["Permitted Use", "Restrictions", "Availability of Services on Le Chat",
                                     "Deactivation of Services", "Rate Limits", "Sharing Conversation Links", "Media Customers",
                                     "How we use Your Data", "Permission to use Your Data", "Output restrictions",
                                     "Third-Party Content", "Moderation"],
}


def test_ten_documents_with_ids_titles_and_dates(bundled_docs):
    got = [(d.id, d.title, d.effective) for d in bundled_docs.values()]
    assert got == EXPECTED_DOCUMENTS
    assert all(d.publisher.id == "mistral-ai" and d.publisher.name == "Mistral AI" for d in bundled_docs.values())


@pytest.mark.parametrize("doc_id", sorted(EXPECTED_SECTIONS))
def test_sections(bundled_docs, doc_id):
    sections = [f"{n.number or ''}|{n.heading or ''}" for n in iter_nodes(bundled_docs[doc_id].children) if isinstance(n, Section)]
    assert sections == EXPECTED_SECTIONS[doc_id]


@pytest.mark.parametrize("doc_id", sorted(EXPECTED_RUNIN))
def test_run_in_headings(bundled_docs, doc_id):
    headings = [n.heading for n in iter_nodes(bundled_docs[doc_id].children) if isinstance(n, Clause) and n.heading]
    assert headings == EXPECTED_RUNIN[doc_id]


def test_dpa_exhibits_reuse_numbers_with_distinct_ids(bundled_docs):
    dpa = bundled_docs["data-processing-agreement"]
    keys = {n.key: n for n in iter_nodes(dpa.children) if isinstance(n, Section)}
    assert keys["2.2"].heading == "Description of the Processing" and "1.2" not in keys
    assert keys["exhibit-1"].number == "Exhibit 1" and keys["exhibit-2"].number == "Exhibit 2"
    assert keys["exhibit-1/1.2"].number == "1.2" and keys["exhibit-1/2.3"].heading == "Authorized Recipients"
    assert keys["2.3"].heading == "Mistral AI as Controller"
    exhibit_children = [c.key for c in keys["exhibit-1"].children if isinstance(c, Section)]
    assert exhibit_children == ["exhibit-1/1", "exhibit-1/2", "exhibit-1/3"]


def test_list_items_are_children_of_the_paragraph_that_introduces_them(bundled_docs):
    tos = bundled_docs["terms-of-service"]
    restrictions = next(n for n in iter_nodes(tos.children) if isinstance(n, Clause) and n.heading == "Restrictions")
    # (b) and (c) run together on one line of the scraped page: they are still two items
    assert [c.label for c in restrictions.children] == [f"({c})" for c in "abcdefgh"]
    assert restrictions.children[1].text.endswith("infringe third party rights;")
    assert all(c.kind.value == "item" for c in restrictions.children)
    retention = next(n for n in iter_nodes(bundled_docs["data-processing-agreement"].children)
                     if isinstance(n, Clause) and n.key == "exhibit-1/1.2/retention-periods")
    assert [c.heading for c in retention.children] == ["Customer Data", "Account data", "Customer support data"]
    assert len(retention.children[0].children) == 2  # the two retention rules under "Customer Data:"


def test_every_key_is_unique(bundled_docs):
    for doc in bundled_docs.values():
        keys = [n.key for n in iter_nodes(doc.children)]
        assert len(keys) == len(set(keys)), doc.id


def test_round_trip_nothing_lost(bundled_pages):
    """Fragments, titles, dates, headings and clauses cover every non-whitespace character, in order."""
    for page in bundled_pages:
        text = (CORPUS / page.source.name).read_text(encoding="utf-8")
        assert coverage_problems(page, text) == [], page.source.name
        pieces = sorted((s, e) for s, e, _ in page_spans(page))
        rebuilt = "".join(text[s:e] for s, e in pieces)
        assert re.sub(r"\s+", "", rebuilt) == re.sub(r"\s+", "", text)


def test_partner_hosted_document_ends_where_the_page_ends(bundled_docs):
    doc = bundled_docs["partner-hosted-deployment-terms"]
    last = list(iter_nodes(doc.children))[-1]
    assert last.text.endswith("shall be governed by our Data Processing Agreement.")


def test_sources_file_matches_the_bundled_files():
    sources = (CORPUS / "SOURCES").read_text(encoding="utf-8")
    for path in bundled_corpus():
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        assert f"sha256: {digest}" in sources, path.name


def test_succession_is_editorial(bundled_store):
    import clausegraph

    kg = clausegraph.open(bundled_store)
    rows = kg.query("supersedes").values()
    assert rows == [{
        "newer": "partner-served-deployment-terms", "newerVersion": "2025-05-27",
        "older": "partner-hosted-deployment-terms", "olderVersion": "2025-02-06",
        "basis": "editorial", "statement": rows[0]["statement"],
    }]
    assert "Neither text says so" in rows[0]["statement"]
