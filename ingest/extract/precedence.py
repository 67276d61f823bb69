"""Precedence: which text wins, yields, hands over, incorporates or applies, read sentence by sentence.

Each rule is a regex over one sentence (spaCy's sentencizer splits the clause; a lemma
check skips sentences with no cue word). A rule names the roles of its groups: the
winner and the loser are either this text (the clause, its section or its document) or
the words of a group, which the extractor resolves to documents, sections or external
sources with the reference rules.

| rule               | kind          | winner / loser                         | example from the corpus |
|--------------------|---------------|----------------------------------------|-------------------------|
| conflict-governs   | prevails-over | named after "govern/prevail" / the other party | ``If these Terms conflict with any Additional Terms, the Additional Terms will govern for the applicable Service`` |
| conflict-between   | prevails-over | named before "prevail" / the other party | ``In the event of any conflict between the terms of the DPA and this Agreement, the terms of the DPA shall prevail to the extent of such conflict`` |
| prevails-over      | prevails-over | subject / object                       | ``these terms shall take precedence over any other terms`` |
| order-of-precedence| prevails-over | earlier item / later item               | ``in the following order of precedence: (a) ..., (b) ...`` |
| supersedes         | prevails-over | subject / object                        | ``These Terms supersede any prior agreements`` |
| except-other-terms | prevails-over | the other terms / this document         | ``govern your use ... except where we expressly state that other terms apply`` |
| listed-order       | prevails-over (implied) | earlier / later item           | ``the following terms apply to your use of the Services: (a) ..., (b) ..., (c) ... and (d) ...`` |
| order-list-item    | prevails-over | earlier / later list item (any list shape) | ``16.2. ... will control in the following order:`` followed by the ranked texts as list items |
| except-for         | overrides     | what is excepted / this clause          | ``EXCEPT FOR THE WARRANTIES IN THIS SECTION 4 (WARRANTIES; DISCLAIMER), THE SERVICES ARE PROVIDED “AS IS”`` |
| except-warranties  | overrides     | the section the warranties' heading names / this clause | ``EXCEPT FOR THE EXPRESS LIMITED WARRANTIES SET FORTH IN THIS AGREEMENT, THE SERVICES ARE PROVIDED “AS-IS”`` (xAI, section 7.1 "Limited Warranties"; the Mistral and Vibe disclaimers cite their section by number) |
| notwithstanding    | overrides     | this clause / what it sets aside        | ``Notwithstanding anything to the contrary in the Agreement, ...`` |
| subject-to         | subject-to    | named / this clause                     | ``Subject to the Partner Terms, either party may terminate``; ``subject to Section 5 (Security) of the DPA`` |
| unless-otherwise   | subject-to    | named (or a written / separate agreement) / this clause | ``Unless otherwise stated in the Partner Terms, if you use our Services through a Partner``; ``Unless otherwise agreed in writing``; ``Unless otherwise agreed, neither party shall bear incidental ... damages`` (DeepSeek) |
| unless-named-otherwise | subject-to | named / this clause                  | ``will be considered Third-Party Services unless an Order Form expressly provides otherwise`` (xAI; the Mistral kind above with the text as subject) |
| own-terms          | subject-to    | the third parties' own terms / this clause | ``third-party software, products, or services that are subject to their own terms`` (xAI; Qwen, Microsoft, Google say the same) |
| no-override        | subject-to    | named / this document                   | ``These Additional Terms do not override any mandatory local laws`` |
| governed-by        | defers-to     | named / this clause                     | ``such processing shall be governed by our Data Processing Agreement`` |
| details-in         | defers-to     | named / this clause                     | ``Further details are available in our Privacy Policy`` (xAI; the refer-to kind of Perplexity's ``Please refer to the Agreement for more details``) |
| in-accordance      | defers-to     | named documents / this clause            | ``We use and store Your Data in accordance with the Additional Terms for the applicable Service and our Privacy Policy`` |
| in-accordance-named| defers-to     | the named document / this clause          | ``the organization’s administrator may access, monitor and control your account in accordance with xAI’s Enterprise Terms of Service``; ``This data is used in accordance with the Google Terms`` |
| explains           | defers-to     | named / this clause                     | ``our Privacy Policy explains how we collect and use personal information`` |
| execute            | defers-to     | named / this clause                     | ``you must ... (c) execute our Data Processing Agreement`` |
| law-governs        | defers-to     | the law / this document                 | ``the laws of France will govern all disputes arising out of or relating to these Terms`` |
| meaning-given-in   | defers-to     | named / this document                   | ``capitalized terms ... shall have the meaning given in the Agreement`` |
| incorporated-in    | incorporates  | named container / the named (or this) text | ``The Data Processing Addendum (DPA) is incorporated in the Agreement by reference`` |
| hereby-incorporated| incorporates  | this document / named                   | ``Module 4 (Processor-to-Controller) of the SCCs which is hereby incorporated`` |
| including          | incorporates  | named whole / named parts               | ``these Terms, including our Usage Policy and any applicable Additional Terms, constitute the entire agreement`` |
| scope-applies      | scope         | this document or section / the condition | ``This DPA only applies if Customer is a business entity``; ``These Additional Terms apply to any natural person residing in the European Union`` |
| scope-governs      | scope         | this document / what it governs          | ``These Terms of Service (these “Terms”) govern your use of La Plateforme, Le Chat ...`` |
| scope-use-subject  | scope         | this document / the use it covers        | ``Your use of La Plateforme is subject to our Terms of Service and these Additional Terms for La Plateforme`` |
| scope-if           | scope         | this clause / its condition               | ``If you are using La Plateforme without a paid subscription, we use Your Data to ...`` |
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field

from clausegraph.ontology.edges import PrecedenceKind

__all__ = ["PRECEDENCE_RULES", "PrecedenceRule", "RawPrecedence", "find_precedence", "CUE_LEMMAS", "PRECEDENCE_CUE", "ORDER_LEAD"]

# lemmas that mark a sentence worth reading for precedence (matched by a spaCy Matcher on LEMMA)
CUE_LEMMAS = (
    "govern prevail control precedence supersede override notwithstanding except subject unless accordance "
    "explain describe execute incorporate include apply conflict inconsistency meaning order outline detail refer see "
    "supplement amend effect exclude affect part serve applicable permission consent construe extent".split()
)
# the same cues on raw text: a clause without any of them needs no sentence analysis at all
PRECEDENCE_CUE = re.compile(
    r"\b(?:govern|prevail|control|precedence|supersed|replaces?\s+(?:any|all)|overrid|notwithstanding|except|other\s+than|"
    r"save\s+for|subject\s+to|unless\s+(?:otherwise|we|you|the|customer|[A-Z])|accordance|(?:explains?|describes?|details?)\s+how|sets?\s+out\s+how|you\s+must|"
    r"\bas\s+(?:further\s+|more\s+fully\s+)?(?:outlined|described|set\s+(?:out|forth)|detailed|explained|provided|specified)\s+in|"
    r"\brefer\s+to|please\s+(?:see|review|read)|not\s+(?:apply|be\s+applicable)|no\s+(?:legal\s+)?(?:force\s+or\s+)?effect|"
    r"expressly\s+excluded|supplement|amend|serves?\s+as|written\s+(?:consent|permission)|nothing\s+in|applicable\s+to|"
    r"\b(?:terms|agreement|policy)\s+(?:is|are)\s+(?:only\s+)?for\b|construed|"
    r"incorporat|appl(?:y|ies)\s+(?:to|if|when|where|only)|only\s+appl|following\s+(?:order|terms\s+apply)|conflict|"
    r"inconsisten|discrepanc|have\s+the\s+meaning|(?:if|when|where)\s+you\b|do(?:es)?\s+not\s+(?:override|limit|affect|exclude)|"
    r"agree|constitute|forms?\s+(?:an\s+integral\s+)?part|(?:is|are|can\s+be)\s+(?:available|found)\s+in\s+(?:our|the)\b|^to\s+the\s+extent\s+(?:that\s+)?(?!permitted|required|allowed|prohibited|possible))",
    re.IGNORECASE,
)

# Roles: "self-document", "self-section", "self-clause", or the name of a regex group to resolve.
SELF_DOC, SELF_SECTION, SELF_CLAUSE = "self-document", "self-section", "self-clause"


@dataclass(frozen=True)
class PrecedenceRule:
    name: str
    kind: PrecedenceKind
    pattern: re.Pattern[str]
    winner: str
    loser: str | None
    example: str
    explicit: bool = True
    condition: str | None = None  # group holding the condition words
    scope: str | None = None  # group holding what a scope statement covers
    excludes: tuple[str, ...] = ()  # less specific rules this one silences in the same sentence
    cue: re.Pattern[str] | None = None  # words a sentence must hold before the rule is tried (speed only)
    named: bool = True  # words that name no known text may stand for an external text (else the rule needs a known one)
    owner: str | None = None  # group naming whose own text the winner is: "third-party services ... subject to their own terms"
    by_heading: bool = False  # words that name no text may name a section of this document by its heading ("the limited warranties")


def _rx(p: str) -> re.Pattern[str]:
    return re.compile(p, re.IGNORECASE)


_NP = r"[^,;:.]{2,120}?"
_VERB_WIN = r"(?:(?:will|shall|should|must)\s+)?(?:govern|prevail|control|apply|take\s+precedence)s?\b"
_PARTY = r"[^;:.]{2,200}?"  # a party to a conflict may hold commas: "any other Anthropic or third-party terms, such as ..."

PRECEDENCE_RULES: tuple[PrecedenceRule, ...] = (
    PrecedenceRule("conflict-governs", PrecedenceKind.PREVAILS_OVER,
                   _rx(rf"(?P<cond>\bif\s+(?P<a>{_NP})\s+(?:conflicts?|is\s+inconsistent)\s+with\s+(?P<b>{_NP})),\s+(?P<w>{_NP})\s+{_VERB_WIN}(?P<cond2>\s+(?:for|to\s+the\s+extent)[^.;]*)?"),
                   "w", "a|b", "If these Terms conflict with any Additional Terms, the Additional Terms will govern for the applicable Service",
                   condition="cond"),
    PrecedenceRule("conflict-between", PrecedenceKind.PREVAILS_OVER,
                   _rx(rf"(?P<cond>\b(?:in\s+(?:the\s+)?(?:event|case)\s+of|if\s+there\s+is|to\s+the\s+extent\s+(?:of|there\s+is))\s+(?:any\s+|a\s+)?(?:conflicts?|inconsistenc(?:y|ies)|discrepanc(?:y|ies))(?:\s+or\s+(?:conflicts?|inconsistenc(?:y|ies)))?\s+between\s+(?P<a>{_PARTY})\s+and\s+(?P<b>{_PARTY})),\s+(?!the\s+following\b|in\s+which\b)(?P<w>{_NP})\s+{_VERB_WIN}(?P<cond2>\s+(?:to\s+the\s+extent|for|in\s+relation\s+to|with\s+respect\s+to|solely)[^.;]*)?"),
                   "w", "a|b", "In the event of any conflict between the terms of the DPA and this Agreement, the terms of the DPA shall prevail to the extent of such conflict",
                   condition="cond"),
    PrecedenceRule("conflict-unnamed", PrecedenceKind.PREVAILS_OVER,
                   _rx(rf"(?P<cond>\bin\s+(?:the\s+)?(?:event|case)\s+of\s+(?:any\s+|an\s+|a\s+)?(?:conflicts?|inconsistenc(?:y|ies))),\s+(?!in\s+which\b|the\s+following\b)(?P<w>{_NP})\s+{_VERB_WIN}(?P<cond2>\s+(?:to\s+the\s+extent|for|in\s+relation\s+to|with\s+respect\s+to)[^.;]*)?"),
                   "w", SELF_DOC, "In case of inconsistency, these Australia Online Safety Terms shall prevail with respect to Australian users",
                   condition="cond"),
    PrecedenceRule("prevails-over", PrecedenceKind.PREVAILS_OVER,
                   _rx(rf"(?P<w>{_NP})\s+(?:(?:will|shall)\s+(?:prevail|take\s+precedence|control|govern\s+and\s+control)|prevails|takes\s+precedence|"
                       rf"controls|governs\s+and\s+controls)\s+over\s+(?P<l>[^.;]{{2,120}})"),
                   "w", "l", "the applicable product-specific terms shall govern and control over this DPA",
                   cue=_rx(r"\b(?:prevails?|takes?\s+precedence|controls?)\s+over\b")),
    PrecedenceRule("supersedes", PrecedenceKind.PREVAILS_OVER,
                   _rx(r"(?<!not\s)(?<!n't\s)\b(?:supersedes?|replaces?)\s+(?P<l>(?:any|all)\s+(?:other|prior|previous|earlier)[^.;]{2,160})"),
                   SELF_DOC, "l", "These Terms supersede any prior agreements",
                   cue=_rx(r"\b(?:supersede|replace)s?\b")),
    PrecedenceRule("except-other-terms", PrecedenceKind.PREVAILS_OVER,
                   _rx(r"\bexcept\s+(?P<cond>where\s+(?:we\s+)?(?:expressly\s+)?(?:state|provide|say)\s+that\s+other\s+terms\s+apply)(?P<w>[^.;]{0,120})"),
                   "w", SELF_DOC, "except where we expressly state that other terms apply (we refer to those other terms as “Additional Terms”)",
                   condition="cond"),
    PrecedenceRule("except-for", PrecedenceKind.OVERRIDES,
                   _rx(r"\b(?:except\s+for|except\s+in\s+(?:the\s+)?case\s+of|other\s+than|save\s+for|excluding)\s+"
                       r"(?P<w>(?:[^;.]|(?<=\d)\.(?=\d)){0,160}?\b(?:section|sections|clause|exhibit)\s+\d+(?:[^;.]|(?<=\d)\.(?=\d)){0,160}?)"
                       r"(?=,\s*(?:to\s+the\s+(?:maximum|fullest)|in\s+no\s+event|\([ia1]\)|the\s+services|neither|each\s+party|either\s+party)|[;.](?!\d)|$)"),
                   "w", SELF_CLAUSE, "EXCEPT FOR THE WARRANTIES IN THIS SECTION 4 (WARRANTIES; DISCLAIMER), THE SERVICES ARE PROVIDED “AS IS”"),
    PrecedenceRule("except-warranties", PrecedenceKind.OVERRIDES,
                   _rx(r"\bexcept\s+for\s+(?P<w>(?:the|any)\s+(?:express\s+)?(?:limited\s+)?warranties)\s+(?:expressly\s+)?(?:set\s+(?:forth|out)|provided|stated|contained|made)\s+"
                       r"in\s+(?:this|these)\s+(?:agreement|terms)\b"),
                   "w", SELF_CLAUSE, "EXCEPT FOR THE EXPRESS LIMITED WARRANTIES SET FORTH IN THIS AGREEMENT, THE SERVICES ARE PROVIDED “AS-IS”",
                   named=False, by_heading=True, cue=_rx(r"\bexcept\s+for\b")),
    PrecedenceRule("except-as-permitted", PrecedenceKind.SUBJECT_TO,
                   _rx(r"\bexcept\s+as\s+(?:may\s+)?(?:be\s+)?(?:otherwise\s+)?(?:expressly\s+|explicitly\s+|specifically\s+)?(?:permitted|agreed|authori[sz]ed|allowed)"
                       r"\s+(?:in|by|under)\s+(?P<w>(?:[^;.]|\.(?=\S)){2,160}?)(?=,|[;.]|$)"),
                   "w", SELF_CLAUSE, "except as may be expressly permitted in an Order Form"),
    PrecedenceRule("except-as", PrecedenceKind.OVERRIDES,
                   _rx(r"\bexcept\s+as\s+(?:may\s+)?(?:be\s+)?(?:otherwise\s+)?(?:expressly\s+|explicitly\s+|specifically\s+)?(?:set\s+(?:forth|out)|provided|stated|"
                       r"specified|described|required)\s+(?:in|by|under)\s+(?!(?:the\s+)?(?:applicable\s+)?laws?\b)(?P<w>(?:[^;.]|\.(?=\S)){2,160}?)(?=,|[;.]|$)"),
                   "w", SELF_CLAUSE, "Except as expressly set forth in these Terms or in any country-specific billing and consumer information pages"),
    PrecedenceRule("not-apply", PrecedenceKind.OVERRIDES,
                   _rx(r"(?P<l>(?:^|(?<=[,;:]\s)|(?<=\bthat\s))(?!(?:then|so|and|or)\b)(?:[^,;:.]|\.(?=\d)){2,160}?)\s+(?:will|shall|does|do)\s+not\s+(?:apply|be\s+applicable)(?:\s+to\s+(?P<to>[^.;]{2,160}))?"),
                   SELF_CLAUSE, "l", "Perplexity’s obligations in Section 9.2 shall not apply to Customer", condition="to",
                   cue=_rx(r"\bnot\s+(?:apply|be\s+applicable)\b")),
    PrecedenceRule("excluded-from", PrecedenceKind.OVERRIDES,
                   _rx(r"(?P<l>(?:^|(?<=[,;:]\s)|(?<=\bthat\s))[^.;:,]{2,160}?)\s+(?:is|are)\s+(?:expressly\s+)?excluded\s+from\s+(?P<w>(?:these|this)\s+[^.;,]{2,40}?)(?=\s+and\b|[.;,]|$)"),
                   "w", "l", "Any statements or comments made between you and xAI employees are expressly excluded from these Terms and will not apply",
                   cue=_rx(r"\bexcluded\s+from\b"), excludes=("not-apply",)),
    PrecedenceRule("no-effect", PrecedenceKind.PREVAILS_OVER,
                   _rx(r"(?P<l>[^.;:]{2,160}?)\s+(?:shall|will)\s+(?:have\s+no|be\s+of\s+no)\s+(?:legal\s+)?(?:force\s+or\s+)?effect"),
                   SELF_DOC, "l", "pre-printed terms on any Customer purchase order shall have no legal effect on this Agreement",
                   cue=_rx(r"\bno\s+(?:legal\s+)?(?:force\s+or\s+)?effect\b")),
    PrecedenceRule("nothing-affects", PrecedenceKind.OVERRIDES,
                   _rx(r"\bnothing\s+in\s+(?:these|this)\s+[\w ]{1,30}?\s+(?:shall|will|is\s+intended\s+to|does|is\s+meant\s+to)\s+"
                       r"(?:affect|limit|exclude|restrict|prejudice)\s+(?P<w>(?:any|your)\s+[^.;]{2,120})"),
                   "w", SELF_DOC, "NOTHING IN THESE TERMS SHALL AFFECT ANY STATUTORY RIGHTS THAT YOU CANNOT CONTRACTUALLY AGREE TO ALTER",
                   excludes=("no-override",)),
    PrecedenceRule("notwithstanding", PrecedenceKind.OVERRIDES,
                   _rx(r"\bnotwithstanding\s+(?P<l>[^,;]{2,160})"),
                   SELF_CLAUSE, "l", "Notwithstanding anything to the contrary in the Agreement"),
    PrecedenceRule("no-override", PrecedenceKind.SUBJECT_TO,
                   _rx(r"\b(?:do|does|shall|will)\s+not\s+(?:override|limit|affect|exclude)\s+(?P<w>(?:any\s+)?(?:mandatory|statutory|non-waivable)[^.;]{0,80})"),
                   "w", SELF_DOC, "These Additional Terms do not override any mandatory local laws regarding your cancellation rights"),
    PrecedenceRule("unless-otherwise", PrecedenceKind.SUBJECT_TO,
                   _rx(r"(?P<cond>\bunless\s+otherwise\s+(?:expressly\s+)?(?P<how>agreed\s+in\s+writing|agreed|stated|provided|specified|set\s+(?:out|forth)|permitted)(?:\s+(?:in|by|between|under)\s+(?P<w>[^,.;]{2,100}))?)"),
                   "w", SELF_CLAUSE, "Unless otherwise stated in the Partner Terms, if you use our Services through a Partner", condition="cond"),
    PrecedenceRule("unless-consent", PrecedenceKind.SUBJECT_TO,
                   _rx(r"(?P<cond>\b(?:unless|except\s+with|or)\s+(?:(?:we|you|the\s+parties|customer|[A-Z]\w+)(?:\s+and\s+(?:we|you|[A-Z]\w+))?\s+"
                       r"(?:have\s+|has\s+)?(?:provided?|gives?|given|obtain(?:ed)?|execute[sd]?|agreed?|granted?|have|has)\s+)?(?:our|its|your|the|a|prior)?\s*(?P<w>(?:prior\s+)?(?:express\s+)?written\s+(?:consent|permission|approval|authori[sz]ation)"
                       r"|(?:a\s+)?[A-Z][\w ]{2,50}?Agreement(?:\s+or\s+Amendment)?\b))"),
                   "w", SELF_CLAUSE, "You agree not to create an Account if we have previously removed you, unless we provide written consent otherwise",
                   condition="cond", cue=_rx(r"\bwritten\s+(?:consent|permission|approval|authori[sz]ation)|\bunless\b[^.;]*\bexecuted\b")),
    PrecedenceRule("subject-to", PrecedenceKind.SUBJECT_TO,
                   _rx(r"(?<!use of )(?<!payment for any services )(?:\b(?:is|are|be|remains?|being)\s+(?:also\s+|expressly\s+|further\s+)?|^\W*|(?<=,\s)|(?<=,)|(?<=\()|(?<=\(\s))subject\s+to\s+"
                       r"(?P<w>(?!your\b|certain\b|our\s+prior\b|the\s+following\b|applicable\s+fees\b|rate\s+limits\b)"
                       r"(?:(?!\s+(?:while|whereas|which|and\s+which|and\s+(?:shall|will))\b)(?:[^,.;]|(?<=\d)\.(?=\d))){2,140})"),
                   "w", SELF_CLAUSE, "Subject to the Partner Terms, either party may terminate this Agreement"),
    PrecedenceRule("own-terms", PrecedenceKind.SUBJECT_TO,
                   _rx(r"(?P<owner>\bthird[-\s]party\s[^.;:()]{0,100}?),?\s+(?:that\s+|which\s+)?(?:is|are)\s+(?:also\s+)?subject\s+to\s+(?:their|its)\s+own\s+"
                       r"(?P<w>(?:[\w-]+\s+){0,2}?(?:terms|polic(?:y|ies)|licen[cs]es?|statements)(?:\s+and\s+(?:[\w-]+\s+){0,2}?(?:terms|polic(?:y|ies)|statements))?)\b"),
                   "w", SELF_CLAUSE, "Our Service may include or be integrated with third-party software, products, or services that are subject to their own terms",
                   owner="owner", excludes=("subject-to",), cue=_rx(r"\bown\s+(?:terms|polic|licen|statement)")),
    PrecedenceRule("unless-named-otherwise", PrecedenceKind.SUBJECT_TO,
                   _rx(r"(?P<cond>\bunless\s+(?P<w>(?:an?|the|any|your|our)\s+(?-i:[A-Z][\w-]*)(?:\s+(?-i:[A-Z][\w-]*)){0,4})\s+(?:expressly\s+|explicitly\s+|specifically\s+)?"
                       r"(?:provides?|states?|specif(?:y|ies)|says?)\s+otherwise)"),
                   "w", SELF_CLAUSE, "will be considered Third-Party Services unless an Order Form expressly provides otherwise",
                   condition="cond", cue=_rx(r"\botherwise\b")),
    PrecedenceRule("governed-by", PrecedenceKind.DEFERS_TO,
                   _rx(r"\b(?:is|are|shall\s+be|will\s+be)\s+governed\s+(?:in\s+part\s+|solely\s+|exclusively\s+)?by\s+(?P<w>(?:[^.;]|\.(?=\S)){2,120})"),
                   "w", SELF_CLAUSE, "Any use of your agent on Le Chat is governed by the Additional Terms for Le Chat",
                   cue=_rx(r"\bgoverned\s+by\b")),
    PrecedenceRule("as-described-in", PrecedenceKind.DEFERS_TO,
                   _rx(r"\bas\s+(?:further\s+|more\s+fully\s+)?(?:outlined|described|set\s+(?:out|forth)|detailed|explained|specified)\s+in\s+"
                       r"(?P<w>(?:our|the|its|any|applicable)\s+[^.;,()]{2,80}?)(?=\s+(?:and|or|which|as|for|at|when)\b|[.;,()]|$)"),
                   "w", SELF_CLAUSE, "we may contact you as outlined in our Privacy Policy"),
    PrecedenceRule("refer-to", PrecedenceKind.DEFERS_TO,
                   _rx(r"(?P<cond>\bfor\s+[^,.;]{2,100},\s+)?\b(?:please\s+)?(?:refer\s+to|see|review|read)\s+(?P<w>(?:our|the)\s+[^.;,()]{2,80}?)(?=\s+(?:for|at|which|located|available)\b|[.;,()]|$)"),
                   "w", SELF_DOC, "Please refer to the Agreement for more details on Perplexity’s security",
                   condition="cond", cue=_rx(r"\brefer\s+to\b|\bplease\s+(?:see|review|read)\b")),
    PrecedenceRule("details-in", PrecedenceKind.DEFERS_TO,
                   _rx(r"\b(?:further|more|additional)\s+(?:details|information)(?:\s+(?:about|on|regarding)\s+[^.;]{2,100}?)?\s+(?:is|are|can\s+be)\s+(?:available|found|provided|set\s+out)\s+in\s+"
                       r"(?P<w>(?:our|the)\s+[^.;,()]{2,80}?)(?=\s+(?:for|at|which|located|available)\b|[.;,()]|$)"),
                   "w", SELF_CLAUSE, "Further details are available in our [Privacy Policy](https://x.ai/legal/privacy-policy)",
                   named=False, cue=_rx(r"\b(?:details|information)\b[^.;]*\b(?:available|found|provided|set\s+out)\s+in\b")),
    PrecedenceRule("x-governs", PrecedenceKind.DEFERS_TO,
                   _rx(r"(?P<w>\b(?:the\s+)?(?:[A-Z][\w-]*\s+){1,6}(?:Act|Rules|Code|Law|Terms|Policy|Agreement)(?:\s*\([^)]{1,20}\))?)\s+governs?\s+(?P<cond>(?:the|all|any)\s+[^.;]{2,120})"),
                   "w", SELF_DOC, "the Federal Arbitration Act (“FAA”) governs the arbitrability of all disputes",
                   cue=_rx(r"\bgoverns?\s+(?:the|all|any)\b")),
    PrecedenceRule("construed-by", PrecedenceKind.DEFERS_TO,
                   _rx(r"\b(?:governed\s+by,?\s+and\s+)?construed\s+(?:and\s+enforced\s+)?in\s+accordance\s+with,?\s+(?P<w>(?:the\s+)?laws?\s+of\s+[^.;,]{2,60}?)(?=\s+(?:without|and|excluding|including)\b|[.;,()]|$)"),
                   "w", SELF_DOC, "these Terms shall be governed by, and construed in accordance with, the laws of the State of Texas",
                   cue=_rx(r"\bconstrued\b")),
    PrecedenceRule("in-accordance", PrecedenceKind.DEFERS_TO,
                   _rx(r"\b(?:use|store|process|processes|processed|retain|collect)\b[^.;]{0,60}?\bin\s+accordance\s+with\s+(?P<w>[^.;]{2,160})"),
                   "w", SELF_CLAUSE, "We use and store Your Data in accordance with the Additional Terms for the applicable Service and our Privacy Policy",
                   excludes=("in-accordance-named",)),
    PrecedenceRule("in-accordance-named", PrecedenceKind.DEFERS_TO,
                   _rx(r"\bin\s+accordance\s+with\s+(?P<w>(?:our|the|its|[\w-]*(?-i:[A-Z])[\w-]*[’']s)\s+(?:\[)?(?-i:[A-Z][\w-]*\s+){0,5}"
                       r"(?-i:Terms(?:\s+of\s+(?:Service|Use))?|Policy|Agreement|Addendum|Notice|Statement)\b)"),
                   "w", SELF_CLAUSE, "the organization’s administrator may access, monitor and control your account in accordance with xAI’s Enterprise Terms of Service",
                   named=False, cue=_rx(r"\bin\s+accordance\s+with\b")),
    PrecedenceRule("explains", PrecedenceKind.DEFERS_TO,
                   _rx(r"(?P<w>\b(?:our|the)\s+[A-Z][\w ]{2,60}?)\s+(?:explains|describes|sets\s+out|details)\s+(?P<cond>how\s+[^.;]{2,120})"),
                   "w", SELF_CLAUSE, "our Privacy Policy explains how we collect and use personal information", condition="cond", named=False),
    PrecedenceRule("execute", PrecedenceKind.DEFERS_TO,
                   _rx(r"(?P<cond>\bif\s+you\s+[^,]{2,160}?)\s+you\s+must\b[^.]{0,200}?\b(?:execute|sign|enter\s+into|accept)\s+(?P<w>(?:our|the)\s+[^.;,]{2,80})"),
                   "w", SELF_CLAUSE, "If you use the Services to process personal data on behalf of your business you must (a) provide legally adequate privacy "
                   "notices and obtain necessary consents for the processing of personal data by the Services, (b) process personal data in "
                   "accordance with applicable law, and (c) execute our Data Processing Agreement.",
                   condition="cond"),
    PrecedenceRule("law-governs", PrecedenceKind.DEFERS_TO,
                   _rx(r"(?P<cond>\b(?:unless|if)\s+you\s+are\s+located\s+in\s+[^,]{2,60},\s+)?(?P<w>(?:the\s+)?(?:laws?\s+of\s+[A-Z][\w ]{1,30}?|[A-Z][a-z]+\s+law))(?:,\s*[^,.;]{2,60},)?\s+(?:will|shall)\s+govern\b"),
                   "w", SELF_DOC, "Unless you are located in the United States, the laws of France will govern all disputes", condition="cond", named=True,
                   cue=_rx(r"\blaws?\b[^.;]*\bgovern\b")),
    PrecedenceRule("meaning-given-in", PrecedenceKind.DEFERS_TO,
                   _rx(r"\bcapitali[sz]ed\s+terms?\b[^.;]{0,80}?\bhave\s+the\s+meanings?\s+(?:given|set\s+(?:out|forth)|ascribed)(?:\s+to\s+them)?\s+in\s+(?P<w>[^.;]{2,80})"),
                   "w", SELF_DOC, "Capitalized terms not defined herein shall have the meaning given in the Agreement"),
    PrecedenceRule("incorporated-in", PrecedenceKind.INCORPORATES,
                   _rx(r"(?P<l>[^.;]{2,120}?)\s+(?:is|are)\s+(?:hereby\s+|deemed\s+to\s+be\s+)?incorporated\s+(?:by\s+reference\s+)?(?:in|into|to)\s+(?P<w>(?:the|this|these|our)\s+[^.;,]{2,60}?)(?:\s+by\s+reference|\s+and\b|[.;,])"),
                   "w", "l", "The Data Processing Addendum (DPA) is incorporated in the Agreement by reference",
                   cue=_rx(r"\bincorporated\s+(?:by\s+reference\s+)?(?:in|into|to)\b")),
    PrecedenceRule("hereby-incorporated", PrecedenceKind.INCORPORATES,
                   _rx(r"(?P<l>\b[^.;]{2,160}?)\s+which\s+(?:[^.;]{0,160}?\s+and\s+)?(?:is|are)\s+hereby\s+incorporated\b"),
                   SELF_DOC, "l", "conclude Module 4 (Processor-to-Controller) of the SCCs which is hereby incorporated and completed as follows",
                   cue=_rx(r"\bhereby\s+incorporated\b")),
    PrecedenceRule("incorporates-by-reference", PrecedenceKind.INCORPORATES,
                   _rx(r"(?P<w>\b(?:this|these)\s+[^.;,]{1,40}?)\s+incorporates?\s+(?:herein\s+)?(?:by\s+reference\s+)?(?P<l>[^.;]{2,120}?)(?:\s+by\s+reference|,|[.;]|$)"),
                   "w", "l", "This Agreement incorporates by reference Perplexity’s Data Processing Addendum",
                   cue=_rx(r"\bincorporates?\b")),
    PrecedenceRule("incorporated-herein", PrecedenceKind.INCORPORATES,
                   _rx(r"(?P<l>(?:[^.;]|\.(?=\S)){2,240}?),?\s+(?:and\s+)?which\s+(?:is|are)\s+(?:hereby\s+)?incorporated\s+(?:herein|into\s+(?:this|these)\b)"),
                   SELF_DOC, "l", "SpaceXAI’s Acceptable Use Policy (“AUP”), which is incorporated herein by this reference",
                   cue=_rx(r"\bincorporated\s+(?:herein|into\s+th)"), excludes=("hereby-incorporated",)),
    PrecedenceRule("forms-part-of", PrecedenceKind.INCORPORATES,
                   _rx(r"(?P<l>\b(?:this|these)\s+[^.;,]{2,80}?)\s+(?:forms?|constitutes?)\s+(?:an?\s+)?(?:integral\s+)?part\s+of\s+"
                       r"(?:and\s+(?:is|are)\s+incorporated\s+(?:in|into)\s+)?(?P<w>(?:[^.;]|\.(?=\s*[a-z,(“\"]|\w)){2,320}?)(?=,\s+governing|;|\.(?!\s*[a-z,(“\"]|\w)|$)"),
                   "w", "l", "This Data Processing Addendum (“DPA”) forms part of and is incorporated into any terms of service or other agreement",
                   cue=_rx(r"\bpart\s+of\b"), excludes=("incorporated-in",)),
    PrecedenceRule("serves-as", PrecedenceKind.INCORPORATES,
                   _rx(r"(?P<l>\b(?:this|these)\s+[^.;,]{2,80}?)\s+(?:serves?|acts?)\s+as\s+(?:an?\s+)?(?:[\w-]+\s+){0,3}(?:agreement|terms|supplement|addendum|schedule|annex)\s+"
                       r"(?:to|of)\s+(?P<w>(?:the|our|these)\s+[^.;,]{2,80})"),
                   "w", "l", "These Terms serve as a Specific Agreement to the DeepSeek Terms of Use",
                   cue=_rx(r"\bserves?\s+as\b")),
    PrecedenceRule("supplements", PrecedenceKind.INCORPORATES,
                   _rx(r"(?P<l>\b(?:this|these)\s+[^.;,]{2,80}?)\s+(?:supplements?|amends?)(?:\s+and\s+(?:forms?\s+part\s+of|(?:is|are)\s+incorporated\s+into))?\s+"
                       r"(?P<w>(?:the|our|any|your)\s+[^.;,]{2,120})"),
                   "w", "l", "These Supplemental Terms supplement the Microsoft Services Agreement",
                   cue=_rx(r"\b(?:supplements?|amends?)\s+(?:and\s+\w+\s+\w+\s+\w+\s+)?(?:the|our|any|your)\b")),
    PrecedenceRule("agree-including", PrecedenceKind.INCORPORATES,
                   _rx(r"\bagree(?:s|d)?\s+to\s+(?P<w>(?:these|this)\s+[A-Z]\w*)[^.;]{0,100}?,?\s+including\s+(?P<l>[^.;]{2,160})"),
                   "w", "l", "you acknowledge and agree to these Terms and any other applicable terms and policies, including our Acceptable Use Policy",
                   named=False, cue=_rx(r"\bagree")),
    PrecedenceRule("including", PrecedenceKind.INCORPORATES,
                   _rx(r"(?P<w>\b(?:these|this|the)\s+[A-Z]\w*(?:\s+of\s+Service)?)\s*(?:\(|,)\s*including\s+(?P<l>(?:all\s+|any\s+)?[^()]{2,120}?)(?:\)|,\s+(?:constitute|form|make\s+up))"),
                   "w", "l", "these Terms, including our Usage Policy and any applicable Additional Terms, constitute the entire agreement", named=False,
                   cue=_rx(r"\bincluding\b[^.;]*\b(?:agree|constitute|entire\s+agreement|form)|\b(?:agree|agreeing)\b[^.;]*\bincluding\b")),
    PrecedenceRule("scope-applies", PrecedenceKind.SCOPE,
                   _rx(r"^(?:[^.;]{0,60}?(?:,|\bthat)\s+)?(?P<w>(?:this|these)\s+(?:[A-Z][\w-]*\s*){1,5}(?:\s+\d+)?(?:\s*\([^)]{1,40}\))?)\s+(?:only\s+|specifically\s+)?"
                       r"(?:appl(?:y|ies)|(?:is|are)\s+(?:only\s+)?applicable)\s+(?P<scope>(?:only\s+)?(?:to|if|when|where)\s+[^.;]{2,200})"),
                   "w", None, "This DPA only applies if Customer is a business entity", scope="scope"),
    PrecedenceRule("scope-for", PrecedenceKind.SCOPE,
                   _rx(r"^\W*(?:note:\s*)?(?P<w>(?:these|this)\s+(?:[\w-]+\s+){0,3}(?:terms|agreement|policy|addendum))\s+(?:are|is)\s+(?:only\s+)?for\s+(?P<scope>[^.;]{2,200})"),
                   "w", None, "These terms are for enterprise (business) users of the SpaceXAI API and related SpaceXAI Services",
                   scope="scope"),
    PrecedenceRule("scope-extent", PrecedenceKind.SCOPE,
                   _rx(r"^(?P<scope>to\s+the\s+extent\s+(?:that\s+)?(?!of\s+(?:any\s+|an?\s+)?(?:conflicts?|inconsistenc|discrepanc))[^,;]{2,200}),\s+(?P<w>(?:this|these)\s+(?:[A-Z][\w-]*\s*){1,4})(?=\s+(?:sets?|appl|govern|shall|will|is|are))"),
                   "w", None, "To the extent that Perplexity processes any Personal Data in connection with Customer’s use of the Services, this DPA sets forth",
                   scope="scope", cue=_rx(r"^to\s+the\s+extent\b")),
    PrecedenceRule("scope-governs", PrecedenceKind.SCOPE,
                   _rx(r"^(?P<w>(?:these|this)\s+[^.;]{2,80}?)\s+(?:govern|governs)\s+(?P<scope>your\s+(?:use|access)[^.;]{2,300}?)(?:,\s+except\b|[.;]|$)"),
                   "w", None, "These Terms of Service (these “Terms”) govern your use of La Plateforme, Le Chat, and the other websites ...",
                   scope="scope"),
    PrecedenceRule("scope-use-subject", PrecedenceKind.SCOPE,
                   _rx(r"^(?P<scope>your\s+(?:use\s+of|payment\s+for)\s+[^.;]{2,80}?)\s+is\s+subject\s+to\s+(?P<cond>[^.;]{2,120}?)\s+and\s+(?P<w>these\s+[^.;]{2,80})"),
                   "w", None, "Your use of La Plateforme is subject to our Terms of Service and these Additional Terms for La Plateforme",
                   scope="scope", condition="cond", excludes=("subject-to",)),
    PrecedenceRule("scope-if", PrecedenceKind.SCOPE,
                   _rx(r"^(?:\([a-z]\)\s+|-\s+)?(?:[A-Z][\w ]{0,40}\.\s+)?(?P<scope>(?:if|when|where)\s+you\s+(?:are\s+|use\s+|have\s+|access\s+|purchase\s+)[^,.;]{2,160})"),
                   SELF_CLAUSE, None, "If you are using La Plateforme without a paid subscription, we use Your Data to ...", scope="scope"),
)

_LISTED = re.compile(
    r"the\s+following\s+terms\s+apply\s+to\s+your\s+use\s+of\s+[^:]{2,60}:\s*(?P<items>(?:\([a-z]\)\s*[^()]+?){2,})[.]?$",
    re.IGNORECASE,
)
_ORDER = re.compile(
    r"(?:\border\s+of\s+precedence\b|\b(?:control|prevail|govern|apply|take\s+precedence)\s+in\s+the\s+following\s+order)[^:(]{0,40}:?\s*(?P<items>.+)$",
    re.IGNORECASE,
)
# a lead-in whose list items are the ranked texts, in any list shape: "(a)", "1.", "-", "i."
ORDER_LEAD = re.compile(
    r"(?:\border\s+of\s+(?:precedence|priority)\b|\b(?:control|controls|prevail|govern|apply|take\s+precedence)\s+in\s+the\s+following\s+(?:order|descending\s+order)"
    r"|\bin\s+(?:the\s+following\s+)?(?:descending\s+)?order\s+of\s+(?:precedence|priority))[^:]{0,80}:\s*\**\s*$",
    re.IGNORECASE,
)
_ITEM = re.compile(r"\(([a-z]|[ivx]+|\d+)\)\s*(?P<text>[^()]+?(?:\([^()]*\)[^()]*?)?)(?=\s*(?:,|;)?\s*(?:and|or)?\s*\((?:[a-z]|[ivx]+|\d+)\)|[.;]?\s*$)")


_NOT_A_BREAK = re.compile(r"\b(?:Inc|Ltd|Co|Corp|LLC|L\.L\.C|e\.g|i\.e|U\.S|U\.K|No|Nos|Art|Sec|cf|vs|St|Mr|Ms|Dr)\.\s*$")
_LAST_SUBJECT = ("not-apply", "excluded-from")
_SUBJECT_BREAK = re.compile(r"\b(?:agree|agrees|acknowledge|acknowledges|understand|understands)\s+that\s+|\bthat\s+")


@dataclass
class RawPrecedence:
    kind: PrecedenceKind
    rule: str
    start: int  # the words, in the clause text
    end: int
    winner: str | tuple[int, int]  # a self role, or the span of words naming it
    loser: str | tuple[int, int] | None
    explicit: bool = True
    condition: tuple[int, int] | None = None
    scope: tuple[int, int] | None = None
    alternatives: list[tuple[int, int]] = field(default_factory=list)  # "a|b": the parties of a conflict
    named: bool = True  # from the rule: unresolved words may stand for an external text
    owner: tuple[int, int] | None = None  # whose own text the winner is ("their own terms" of these words)
    by_heading: bool = False  # from the rule: the winner may be a section of this document named by its heading


def _span(m: re.Match[str], group: str | None, offset: int) -> tuple[int, int] | None:
    if not group or group not in m.re.groupindex or m.group(group) is None:
        return None
    s, e = m.span(group)
    # trim spaces and a leading "the terms of"
    text = m.string[s:e]
    s += len(text) - len(text.lstrip())
    e -= len(text) - len(text.rstrip())
    return (s + offset, e + offset) if e > s else None


def _role(m: re.Match[str], role: str | None, offset: int):
    if role is None or role.startswith("self-"):
        return role
    if "|" in role:
        return role
    return _span(m, role, offset)


_MATCHERS: dict[int, object] = {}


def _cue_matcher(vocab):
    matcher = _MATCHERS.get(id(vocab))
    if matcher is None:
        from spacy.matcher import Matcher

        matcher = Matcher(vocab)
        matcher.add("cue", [[{"LEMMA": {"IN": list(CUE_LEMMAS)}}], [{"LOWER": {"IN": list(CUE_LEMMAS)}}]])
        _MATCHERS[id(vocab)] = matcher
    return matcher


def find_precedence(doc) -> list[RawPrecedence]:
    """Precedence statements in a spaCy Doc of one clause: only sentences with a cue lemma (or "if you") are read."""
    found: list[RawPrecedence] = []
    # sentence starts from the sentencizer's annotation, read as arrays (no Python object per token)
    whole = doc.user_data.get("cg_text") or doc.text  # Doc.text joins every token: read it once
    array = doc.to_array(["SENT_START", "IDX"])
    starts = [i for i, flag in enumerate(array[:, 0].tolist()) if flag == 1 or i == 0]
    chars = [int(array[i, 1]) for i in starts] + [len(whole)]
    # "Perplexity AI, Inc. (“Perplexity”)": a sentence does not end after an abbreviation or before a parenthesis
    keep = [0] + [k for k in range(1, len(starts)) if not _NOT_A_BREAK.search(whole[max(0, chars[k] - 12): chars[k]])
                  and not re.match(r"\s*[(a-z]", whole[chars[k]: chars[k] + 2])]
    starts = [starts[k] for k in keep]
    chars = [chars[k] for k in keep] + [len(whole)]
    cued = {bisect_right(starts, start) - 1 for _, start, _ in _cue_matcher(doc.vocab)(doc)}
    for k in range(len(starts)):
        offset = chars[k]
        text = whole[offset: chars[k + 1]].rstrip()
        if k in cued or re.search(r"\b(?:if|when|where)\s+you\b", text, re.IGNORECASE):
            matches = [(rule, m) for rule in PRECEDENCE_RULES if rule.cue is None or rule.cue.search(text)
                       for m in rule.pattern.finditer(text)]
            silenced = {name for rule, _ in matches for name in rule.excludes}
            for rule, m in matches:
                if rule.name in silenced:
                    continue
                if True:
                    raw = RawPrecedence(rule.kind, rule.name, m.start() + offset, m.end() + offset,
                                        _role(m, rule.winner, offset), _role(m, rule.loser, offset), rule.explicit,
                                        _span(m, rule.condition, offset) or _span(m, "cond2", offset),
                                        _span(m, rule.scope, offset), named=rule.named, owner=_span(m, rule.owner, offset), by_heading=rule.by_heading)
                    if rule.name in _LAST_SUBJECT and isinstance(raw.loser, tuple):
                        # the subject is the last clause before the verb: "You and the Company agree that [the Convention]"
                        ls, le = raw.loser
                        cut = max((mm.end() for mm in _SUBJECT_BREAK.finditer(whole, ls, le)), default=ls)
                        raw.loser = (cut, le) if cut < le else raw.loser
                    if rule.loser == "a|b":
                        raw.alternatives = [x for x in (_span(m, "a", offset), _span(m, "b", offset)) if x]
                    found.append(raw)
        for pattern, name in ((_LISTED, "listed-order"), (_ORDER, "order-of-precedence")):
            m = pattern.search(text)
            if m:
                items = [(offset + im.start("text"), offset + im.end("text"))
                         for im in _ITEM.finditer(m.group("items"), 0) if im.group("text").strip()]
                base = m.start("items")
                items = [(s + base, e + base) for s, e in items]
                for (ws, we), (ls, le) in zip(items, items[1:]):
                    found.append(RawPrecedence(PrecedenceKind.PREVAILS_OVER, name, m.start() + offset, m.end() + offset,
                                               (ws, we), (ls, le), explicit=(name == "order-of-precedence")))
    return found
