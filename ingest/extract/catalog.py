"""What a document can name: the other documents of its corpus (by title, alias or group) and
the external sources the language of these documents cites.

| entry                      | matches                                                   | example from the corpus |
|----------------------------|-----------------------------------------------------------|-------------------------|
| document title             | the title's words, any spacing or hyphenation             | ``the Partner-Hosted Deployment Terms`` -> partner-hosted-deployment-terms |
| title without the brand    | the title less a leading brand word of the publisher      | ``our Data Processing Addendum`` -> "Perplexity Data Processing Addendum" |
| title turned round         | "Terms of Service - Enterprise" read as "Enterprise Terms of Service" | ``Our Enterprise Terms of Service govern`` |
| record name                | the name of the archive record the document is the first of | ``our Privacy Policy`` -> the record "Privacy Policy" (titled "Perplexity Privacy Notice") |
| self alias                 | a term a document defines for itself                      | ``(the “Data Processing Agreement” or the “DPA”)`` |
| alias by definition        | a defined term whose meaning names a document             | ``“Agreement” means the service agreement (including the Terms of Service ...)`` |
| group                      | the shared first words of several titles                  | ``any applicable Additional Terms`` -> every "Additional Terms for ..." |
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from clausegraph.ontology.iris import slugify
from clausegraph.ontology.models import Document

__all__ = ["DocName", "Catalog", "title_pattern", "EXTERNAL_RULES", "ExternalRule"]

_DET = r"(?:(?:our|the|these|this|any|all|such|applicable|relevant|its|your)\s+){0,3}"


def title_pattern(title: str, *, as_written: bool = False) -> str:
    """A regex for ``title`` that allows any spacing, hyphens or dashes between its words; ``as_written``: in the
    title's own case or in capitals only (a lower-case "any terms of service" is no name)."""
    words = [re.escape(w) for w in re.findall(r"[\w’']+", title)]
    if not as_written:
        return r"[\s\-–—]+".join(words)
    return "(?-i:" + r"[\s\-–—]+".join(words) + "|" + r"[\s\-–—]+".join(w.upper() for w in words) + ")"


@dataclass
class DocName:
    pattern: re.Pattern[str]
    doc_id: str | None  # a document
    group: str | None  # or a group of documents
    label: str  # how the catalog calls it


@dataclass
class Catalog:
    """Names of the documents in one publisher's corpus, longest first."""

    documents: dict[str, Document]
    names: list[DocName] = field(default_factory=list)

    @classmethod
    def build(cls, documents: list[Document]) -> Catalog:
        by_id = {d.id: d for d in documents}
        names: list[DocName] = []
        taken: set[str] = set()
        candidates: list[tuple[str, str]] = []  # (name, doc id), in order of trust
        for doc in documents:
            candidates.append((doc.title, doc.id))
        for doc in documents:
            for name in _other_names(doc):
                candidates.append((name, doc.id))
        owners: dict[str, set[str]] = {}
        for name, doc_id in candidates:
            owners.setdefault(name.lower(), set()).add(doc_id)
        for name, doc_id in candidates:
            if not title_pattern(name):  # a title without words names nothing (its pattern matched everywhere)
                continue
            key = name.lower()
            if key in taken or len(owners[key]) > 1 and name != by_id[doc_id].title:
                continue  # a name two documents could bear names neither
            taken.add(key)
            exact = name != by_id[doc_id].title  # a derived name counts only as written: "Terms of Service", not "terms of service"
            names.append(DocName(re.compile(r"\b" + title_pattern(name, as_written=exact) + r"\b", re.IGNORECASE), doc_id, None, name))
        # groups: a title prefix shared by two or more documents, such as "Additional Terms"
        prefixes: dict[str, list[str]] = {}
        for doc in documents:
            m = re.match(r"^(.+?)\s+for\s+", doc.title)
            if m:
                prefixes.setdefault(m.group(1).lower(), []).append(doc.id)
        for prefix, members in prefixes.items():
            if len(members) >= 2:
                names.append(DocName(re.compile(r"\b" + title_pattern(prefix) + r"\b(?!\s+for\s+(?-i:[A-Z]))", re.IGNORECASE),
                                     None, slugify(prefix), prefix.title()))
        catalog = cls(by_id, names)
        catalog._sort()
        return catalog

    def _sort(self) -> None:
        self.names.sort(key=lambda n: -len(n.label))

    def group_members(self, group: str) -> list[str]:
        return [d.id for d in self.documents.values() if slugify(d.title).startswith(group + "-for-")]


_DOC_TYPE = re.compile(r"(?i)\b(?:terms(?:\s+of\s+(?:service|use))?|policy|agreement|addendum|notice|statement|conditions|guidelines)\s*$")
_COMMON_FIRST = {"terms", "data", "privacy", "acceptable", "commercial", "cookie", "cookies", "usage", "additional", "service",
                 "services", "the", "our", "general", "supplemental", "consumer", "business", "enterprise", "api", "developer"}


def _other_names(doc: Document) -> list[str]:
    """Names a document goes by besides its title: without the brand, turned round, its record's name."""
    out: list[str] = []
    title = doc.title.strip()
    words = title.split()
    brand = set(re.findall(r"[\w’']+", doc.publisher.name.lower()))
    if len(words) >= 3 and _DOC_TYPE.search(title):
        first = re.sub(r"[’']s$", "", words[0])
        if first.lower() in brand or (first.lower() not in _COMMON_FIRST and any(c.isupper() for c in first[1:])) \
                or first.lower() == doc.publisher.id.split("-")[0]:
            out.append(" ".join(words[1:]))
    m = re.match(r"^(?P<a>.+?)\s+[-–—]\s+(?P<b>\w+(?:\s+\w+)?)$", title)
    if m and _DOC_TYPE.search(m.group("a")):
        out.append(f"{m.group('b')} {m.group('a')}")
    if doc.record and doc.record == doc.id:
        record = doc.record.replace("-", " ")
        if record.lower() not in title.lower() and _DOC_TYPE.search(record):
            out.append(record.title().replace(" Of ", " of "))
    return out


@dataclass(frozen=True)
class ExternalRule:
    name: str
    pattern: re.Pattern[str]
    canonical: str  # the source's name; {1}, {2} are the pattern's groups
    example: str
    inside: bool = False  # may also be cited inside a longer citation another rule found


def _rx(p: str, flags: int = 0) -> re.Pattern[str]:
    return re.compile(p, flags)


# Named instruments are always citations; generic law only where the text yields to it.
EXTERNAL_RULES: tuple[ExternalRule, ...] = (
    ExternalRule("gdpr-article", _rx(r"\bArticles?\s+(\d+)(?:\(\d+\))?\s+of\s+(?:the\s+)?(?:GDPR|General Data Protection Regulation)\b"),
                 "Article {1} of the GDPR", "Article 32 of the GDPR"),
    ExternalRule("scc-annex", _rx(r"\bAnnex(?:es)?\s+([IVX]+)(?:\s*(?:,|and)\s*([IVX]+))?\s+(?:to|of)\s+(?:the\s+)?(?:Module\s+\d+\s+of\s+the\s+)?(?:SCCs?|Standard Contractual Clauses)\b"),
                 "SCCs Annex {1}", "Annex I and II to the Module 4 of the SCCs"),
    ExternalRule("scc-module", _rx(r"\bModule\s+(\d+)(?:\s*\(([^)]{1,40})\))?\s+of\s+the\s+(?:SCCs?|Standard Contractual Clauses)\b"),
                 "SCCs Module {1} ({2})", "Module 4 (Processor-to-Controller) of the SCCs"),
    ExternalRule("eu-regulation", _rx(r"\bRegulation\s+\(EU\)\s+(\d{4}/\d+)(?:\s+of\s+the\s+European\s+Parliament\s+and\s+of\s+the\s+Council(?:\s+of\s+\d{1,2}\s+\w+\s+\d{4})?)?"),
                 "Regulation (EU) {1}", "Regulation (EU) 2016/679 of the European Parliament and of the Council of 27 April 2016"),
    ExternalRule("scc-annexed", _rx(r"\bthe\s+clauses\s+annexed\s+to\s+the\s+EU\s+Commission\s+Implementing\s+Decision[^.;]{0,120}?standard\s+contractual\s+clauses"),
                 "SCCs", "the clauses annexed to the EU Commission Implementing Decision 2021/914 of June 4, 2021 on standard contractual clauses"),
    ExternalRule("implementing-decision", _rx(r"\b(?:EU\s+)?Commission\s+Implementing\s+Decision\s+(?:\(EU\)\s+)?(\d{4}/\d+)(?:\s+of\s+\w+\s+\d{1,2},?\s+\d{4})?"),
                 "EU Commission Implementing Decision {1}", "EU Commission Implementing Decision 2021/914 of June 4, 2021", inside=True),
    ExternalRule("scc-clause-of", _rx(r"\bClauses?\s+(\d{1,2})(?:\s*\([a-z]\))?\s+of\s+the\s+(?:EU\s+)?(?:SCCs?|Standard\s+Contractual\s+Clauses)\b"),
                 "SCCs Clause {1}", "Subject to Clause 12 of the EU SCCs"),
    ExternalRule("gdpr", _rx(r"\b(?:the\s+)?GDPR\b"), "GDPR", "the GDPR"),
    ExternalRule("sccs", _rx(r"\b(?:the\s+)?(?:SCCs|Standard Contractual Clauses)\b"), "SCCs", "pursuant to the SCCs"),
    ExternalRule("law-of-place", _rx(r"\b(?:the\s+)?laws?\s+of\s+(?:the\s+)?(France|Ireland|England(?: and Wales)?|Germany|the United States|California|Delaware|New York|Singapore|[A-Z][a-z]+)\b"),
                 "laws of {1}", "the laws of France"),
    ExternalRule("place-law", _rx(r"\b(California|Delaware|New York|French|Irish|English|German|EU|European Union)\s+law\b"),
                 "{1} law", "California law"),
    ExternalRule("law-as-limit", _rx(r"(?i)\b(?:(?:to\s+the\s+(?:maximum\s+|fullest\s+)?extent\s+)?(?:permitted|required|allowed|prohibited|possible|authori[sz]ed)\s+(?:by|under)|contrary\s+to|except\s+(?:as|where)\s+required\s+by)\s+(?:the\s+)?(?:(?:applicable|mandatory|local)\s+)?laws?\b"),
                 "applicable law", "To the extent permitted by applicable law"),
    ExternalRule("mandatory-law", _rx(r"(?i)\b(?:any\s+)?mandatory\s+(?:local\s+)?laws?\b"), "mandatory law",
                 "These Additional Terms do not override any mandatory local laws"),
    ExternalRule("consumer-code", _rx(r"\barticles?\s+(L\.?\s?\d+(?:-\d+)*)(?:\s+(?:and|to)\s+L\.?\s?\d+(?:-\d+)*)?\s+(?:du|of the)\s+(Code de la consommation|Consumer Code|French Consumer Code|Code civil|Civil Code)", re.IGNORECASE),
                 "{2} article {1}", "articles L. 224-25-12 du Code de la consommation"),
    ExternalRule("own-policy", _rx(r"\b(?P<org>[A-Z][\w]*(?:\s+[A-Z][\w]*){0,3})[’']s\s+(?P<what>(?:[a-z]+\s+(?:and\s+)?){0,3}(?:policies|policy|procedures|guidelines|documentation|trust\s+center|help\s+center))"
                                   r"(?:\s+(?:available\s+)?at\s+(?P<url>https?://[^\s)\]>,;]+[^\s)\]>,;.]))?"),
                 "{1} {2}", "in accordance with Mistral AI’s deletion policies and procedures"),
    ExternalRule("named-instrument", _rx(r"\b(?:the\s+)?(?:EU\s+|U\.S\.\s+|UK\s+)?(?:[A-Z][\w.’'-]*\s+){1,6}(?:Act|Regulations?|Rules|Rule|Directive|Code)(?:\s+(?:of\s+)?\d{4})?\b"
                                         r"(?<!Terms of Use)(?<!Code of Conduct)"),
                 "{0}", "the Federal Arbitration Act"),
    ExternalRule("url", _rx(r"https?://[^\s)\]>,;]+[^\s)\]>,;.]"), "{0}", "available at https://trust.mistral.ai/"),
)
