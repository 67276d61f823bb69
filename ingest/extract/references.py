"""Cross-references: sections and exhibits, documents by name or alias, external sources.

| rule          | produces                          | example from the corpus                                  |
|---------------|-----------------------------------|----------------------------------------------------------|
| section       | section (or several), resolved in the owner document | ``Sections 2.1 (License) and 7.5 (Effects of Termination)``; ``Section 9 of this DPA`` |
| exhibit       | the exhibit section               | ``Exhibit 1 and 2 to this DPA``                          |
| statute-section | external: a section of a statute or code, not of these documents | ``California Civil Code Section 1542``; ``sections 512(g)(2) and (3) of the Digital Millennium Copyright Act`` |
| scc-clause    | external "SCCs Clause N" where the clause or its parent cites the SCCs | ``The governing law in Clause 17 is the law of France`` |
| document-name | document, group or alias          | ``our Usage Policy``; ``any applicable Additional Terms``; ``the Agreement`` |
| external-*    | external source (catalog.EXTERNAL_RULES) | ``Article 32 of the GDPR``; ``To the extent permitted by applicable law`` |
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from clausegraph.ingest.extract.catalog import EXTERNAL_RULES

__all__ = ["SECTION_REF", "SCC_CLAUSE", "RawRef", "find_structural_refs", "find_external_refs", "parse_numbers"]

# a section number as documents print it: "9", "11.2", "6.b" (item b of section 6), "A.1", "L.3.a", "IV"
_NUM = r"(?:\d+(?:\.\d+)*(?:\.[a-z](?![\w-]))?|[A-Z]\.\d+(?:\.\d+)*(?:\.[a-z](?![\w-]))?|[IVX]{1,5}(?![\w-]))"
SECTION_REF = re.compile(
    r"(?i:\b(?P<det>this|these|the)\s+)?\b(?P<kw>[Ss]ections?|SECTIONS?|[Ee]xhibits?|EXHIBITS?)\s+"
    r"(?P<list>(?:" + _NUM + r")(?:\s*\([^()]{1,80}\))?(?:\s*(?:,|and|or|&)\s*(?:" + _NUM + r")(?:\s*\([^()]{1,80}\))?)*)"
    r"(?:\s+(?:of|to|in|OF|TO|IN)\s+(?P<owner>(?i:this|the|these|our|such|that)\s+\[?[A-Z][\w-]*(?:\s+(?:of\s+|OF\s+)?[A-Z][\w-]*){0,4}))?"
)
SCC_CLAUSE = re.compile(r"\bClauses?\s+(\d{1,2}(?:\([a-z]\))?)")
_NUMBER = re.compile(r"(?<![\w.])(" + _NUM + r")")


@dataclass
class RawRef:
    kind: str  # section | exhibit | external
    start: int
    end: int
    rule: str
    numbers: tuple[str, ...] = ()
    owner: str | None = None  # words naming the document that holds the section: "this DPA"
    name: str | None = None  # external source name


def parse_numbers(listing: str) -> tuple[str, ...]:
    """'2.1 (License) and 7.5 (Effects of Termination)' -> ('2.1', '7.5')."""
    without_titles = re.sub(r"\([^()]*\)", " ", listing)
    return tuple(_NUMBER.findall(without_titles))


# a section of a statute: the code or act is named right before ("Civil Code Section 1542", "45 C.F.R. Section
# 160.103") or owns it ("Section 53 of the Data Protection Act")
STATUTE_BEFORE = re.compile(r"(?:\b(?:Code|Act|Regulations?|Rules?)|C\.F\.R\.|U\.S\.C\.)[ \t]*,?[ \t]*\(?[ \t]*$")
STATUTE_AFTER = re.compile(r"[^.;\n]{0,20}?\bof\s+(the\s+(?:(?:[A-Z][\w-]*|\([^)]{1,30}\))\s+){0,5}(?:Act|Code)\b|the\s+(?:DMCA|CCPA|CPRA|HIPAA|FAA)\b)")
STATUTE_OWNER = re.compile(r"(?i)\b(?:Act|Code|Regulations?|Directive|Statute|Convention|Constitution)\b|\b(?:DMCA|CCPA|GDPR|HIPAA|U\.S\.C)\b")


def find_structural_refs(text: str) -> list[RawRef]:
    refs = []
    for m in SECTION_REF.finditer(text):
        kind = "exhibit" if m.group("kw").lower().startswith("exhibit") else "section"
        owner = m.group("owner")
        before = text[max(0, m.start() - 60): m.start()]
        late = STATUTE_AFTER.match(text, m.end() - len(owner or "") - 4 if owner else m.end())
        if late and (not owner or late.group(1).startswith(owner[:10])):
            owner = late.group(1)  # "sections 512(g)(2) and (3) of the DMCA", "Section 10 of the Criminal Justice (Scotland) Act"
        if kind == "section" and (STATUTE_BEFORE.search(before) or (owner and STATUTE_OWNER.search(owner))):
            law = re.search(r"((?:[A-Z][\w.]*\s+){0,4}(?:Code|Act|Regulations?|Rules?|C\.F\.R\.|U\.S\.C\.))[ \t]*,?[ \t]*\(?[ \t]*$", before)
            start = m.start() - (len(before) - law.start(1)) if law else m.start()
            numbers = parse_numbers(m.group("list"))
            name = (f"{law.group(1)} " if law else "") + f"Section {numbers[0] if numbers else ''}" + (f" of {owner}" if owner else "")
            name = re.sub(r"(?i)\bof (?:the|this) ", "of the ", name)
            refs.append(RawRef("external", start, m.end(), "statute-section", name=" ".join(name.split())))
            continue
        refs.append(RawRef(kind, m.start(), m.end(), kind, parse_numbers(m.group("list")), owner=owner))
    return refs


def _canonical(rule, m: re.Match[str]) -> list[str]:
    if rule.name == "named-instrument":
        name = re.sub(r"^(?:the|The)\s+", "", m.group(0))
        return [" ".join(name.split())]
    groups = [m.group(0)] + [g for g in m.groups()]
    if rule.name == "scc-annex":
        return [f"SCCs Annex {a}" for a in m.groups() if a]
    if rule.name == "scc-module" and not m.group(2):
        return [f"SCCs Module {m.group(1)}"]
    if rule.name == "eu-regulation" and m.group(1) == "2016/679":
        return ["GDPR"]
    name = rule.canonical
    for i, g in enumerate(groups):
        name = name.replace("{" + str(i) + "}", g or "")
    if rule.name == "place-law" and m.group(1) == "French":
        name = "laws of France"
    if rule.name == "own-policy" and m.group("url"):
        name = f"{name} ({m.group('url')})"
    return [" ".join(name.split())]


_EXTERNAL_CUE = re.compile(r"Article|Module|Annex|Regulation|Decision|GDPR|SCC|Standard Contractual|Clause|\blaws?\b|https?://|[’']s\s|"
                           r"[Cc]ode|mandatory|clauses\s+annexed|\bAct\b|\bRules?\b|Directive", re.IGNORECASE)


def find_external_refs(text: str, *, cites_sccs: bool) -> list[RawRef]:
    """External sources in ``text``; an instrument inside a longer citation is not counted twice."""
    refs: list[RawRef] = []
    if not _EXTERNAL_CUE.search(text):
        return refs
    taken: list[tuple[int, int]] = []
    for rule in EXTERNAL_RULES:
        for m in rule.pattern.finditer(text):
            if not rule.inside and any(s < m.end() and m.start() < e for s, e in taken):
                continue
            for name in _canonical(rule, m):
                refs.append(RawRef("external", m.start(), m.end(), f"external-{rule.name}", name=name))
            taken.append((m.start(), m.end()))
    if cites_sccs:
        for m in SCC_CLAUSE.finditer(text):
            if not any(s <= m.start() < e for s, e in taken):
                refs.append(RawRef("external", m.start(), m.end(), "scc-clause", name=f"SCCs Clause {m.group(1)}"))
    return sorted(refs, key=lambda r: r.start)
