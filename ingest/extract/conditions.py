"""Structured conditions: what the words of a scope or condition say about the user's context.

| field          | value         | words (case-insensitive)                                              |
|----------------|---------------|------------------------------------------------------------------------|
| role           | consumer      | consumer; natural person ... outside his trade; for personal use; individuals |
| role           | business      | business entity; on behalf of your business; businesses and developers; not for consumer use |
| region         | eu            | the European Union; European Economic Area; EEA; an EU member state     |
| region         | us            | the United States; a US state ("If you are a California resident")      |
| region         | not-us        | Unless you are located in the United States                             |
| region         | other         | a place outside the EU and the US: the United Kingdom, Switzerland, Australia, ... |
| country        | ISO 3166 code | France -> FR, United Kingdom -> GB, Switzerland -> CH, California -> US-CA |
| area           | EEA, EU, UK, Europe, ... | the group of countries the words name, as they name it      |
| service        | la-plateforme | La Plateforme; our APIs                                                  |
| service        | le-chat       | Le Chat                                                                  |
| product        | slug          | a product of the publisher named in the words: "Perplexity Pro" -> perplexity-pro, "Grok" -> grok |
| plan           | free          | without a paid subscription; free Services; unpaid subscription; free users |
| plan           | pro / team / enterprise / paid | Le Chat Pro; Pro plan; Team; Enterprise; paid subscription |
| channel        | reseller      | through a Reseller                                                       |
| channel        | cloud-partner | through a Partner; Cloud Provider; cloud provider partners               |
| channel        | app-store     | the Apple App Store; the Google Play Store                               |
| infrastructure | own           | Your Infrastructure                                                      |
| infrastructure | partner       | Partner Infrastructure; Partner's infrastructure                         |

The values of ``region`` are the resolver's; ``country`` and ``area`` say more where the words say
more: "If you reside in the EEA or Switzerland" is region ``eu`` and ``other``, country ``CH``, area
``EEA``. A field can take several values (the text applies to any of them). Within one field a match
never overlaps an earlier one, so "without a paid subscription" is free and not also paid. Markdown
emphasis (``**``) is ignored when reading the fields; the words themselves stay exact.
"""

from __future__ import annotations

import re

from clausegraph.ontology.iris import slugify

__all__ = ["CONDITION_RULES", "PLACES", "read_condition"]

_I = re.IGNORECASE
CONDITION_RULES: tuple[tuple[str, str, re.Pattern[str]], ...] = (
    ("role", "consumer", re.compile(r"(?<!not\sfor\s)(?<!non-)\bconsumers?\b|\bnatural\s+person\b[^.]*\boutside\s+(?:his|her|their)\s+trade|"
                                    r"\bfor\s+personal\s+use\b|\bpersonal,?\s+non-commercial\b|\bindividuals?\s+(?:users?|consumers?)\b|\bfor\s+individuals\b", _I)),
    ("role", "business", re.compile(r"\bbusiness\s+entit(?:y|ies)\b|\bon\s+behalf\s+of\s+(?:your|its|a|an)\s+(?:business|organi[sz]ation|company|employer)\b|"
                                    r"\bfor\s+business\s+purposes\b|\bbusinesses\b|\bdevelopers?\b|\benterprise\s+(?:\(business\)\s+)?(?:users?|customers?)\b|"
                                    r"\bbusiness\s+(?:users?|customers?)\b|\bnot\s+for\s+consumer\s+use\b|\bcommercial\s+(?:users?|customers?|use)\b|"
                                    r"\bAPI\s+customers?\b|\borgani[sz]ations?\b", _I)),
    ("region", "not-us", re.compile(r"\bunless\s+you\s+are\s+(?:located|based|resident)\s+in\s+the\s+United\s+States\b|"
                                    r"\boutside\s+(?:of\s+)?the\s+(?:United\s+States|U\.S\.|US)\b", _I)),
    ("service", "la-plateforme", re.compile(r"\bLa\s+Plateforme\b")),
    ("service", "le-chat", re.compile(r"\bLe\s+Chat\b")),
    ("plan", "free", re.compile(r"\bwithout\s+a\s+paid\s+subscription\b|\bfree\s+(?:Services|plan|tier|version|users?|trials?)\b|"
                                r"\bunpaid\s+subscription\b|\bfor\s+free\b", _I)),
    ("plan", "pro", re.compile(r"\bLe\s+Chat\s+Pro\b|\bPro\s+(?:user|plan|subscription|subscribers?)\b|\b[A-Z][\w-]+\s+Pro\b(?!\s+for\s+Enterprise)")),
    ("plan", "team", re.compile(r"\bLe\s+Chat\s+Team\b|\bTeam\s+(?:plan|subscription)\b")),
    ("plan", "enterprise", re.compile(r"\b(?:Le\s+Chat\s+)?Enterprise\b")),
    ("plan", "paid", re.compile(r"\b(?:under\s+a\s+|a\s+|with\s+a\s+)?paid\s+(?:subscription|Services|plan|accounts?)\b", _I)),
    ("channel", "reseller", re.compile(r"\bthrough\s+a\s+Reseller\b|\bResellers?\b|\bour\s+resellers\b", _I)),
    ("channel", "cloud-partner", re.compile(r"\bthrough\s+(?:a|our)\s+(?:Partner|Cloud\s+Provider)s?\b|\bcloud\s+provider\s+partners?\b", _I)),
    ("channel", "app-store", re.compile(r"\b(?:Apple\s+)?App\s+Store\b|\bGoogle\s+Play(?:\s+Store)?\b")),
    ("infrastructure", "own", re.compile(r"\bYour\s+Infrastructure\b", _I)),
    ("infrastructure", "partner", re.compile(r"\bPartner\s+Infrastructure\b|\bPartner[’']s\s+infrastructure\b|\bCloud\s+Provider[’']s\s+infrastructure\b", _I)),
)

# Places: (pattern, region, country code or None, area or None). The first match of a span wins;
# groups before their members' names, longer names first.
_US_STATES = {
    "Alabama": "AL", "Alaska": "AK", "Arizona": "AZ", "Arkansas": "AR", "California": "CA", "Colorado": "CO",
    "Connecticut": "CT", "Delaware": "DE", "Florida": "FL", "Georgia": "GA", "Hawaii": "HI", "Idaho": "ID",
    "Illinois": "IL", "Indiana": "IN", "Iowa": "IA", "Kansas": "KS", "Kentucky": "KY", "Louisiana": "LA", "Maine": "ME",
    "Maryland": "MD", "Massachusetts": "MA", "Michigan": "MI", "Minnesota": "MN", "Mississippi": "MS", "Missouri": "MO",
    "Montana": "MT", "Nebraska": "NE", "Nevada": "NV", "New Hampshire": "NH", "New Jersey": "NJ", "New Mexico": "NM",
    "New York": "NY", "North Carolina": "NC", "North Dakota": "ND", "Ohio": "OH", "Oklahoma": "OK", "Oregon": "OR",
    "Pennsylvania": "PA", "Rhode Island": "RI", "South Carolina": "SC", "South Dakota": "SD", "Tennessee": "TN",
    "Texas": "TX", "Utah": "UT", "Vermont": "VT", "Virginia": "VA", "Washington": "WA", "West Virginia": "WV",
    "Wisconsin": "WI", "Wyoming": "WY",
}
_EU = {
    "Austria": "AT", "Belgium": "BE", "Bulgaria": "BG", "Croatia": "HR", "Cyprus": "CY", "Czech Republic": "CZ",
    "Czechia": "CZ", "Denmark": "DK", "Estonia": "EE", "Finland": "FI", "France": "FR", "Germany": "DE", "Greece": "GR",
    "Hungary": "HU", "Ireland": "IE", "Italy": "IT", "Latvia": "LV", "Lithuania": "LT", "Luxembourg": "LU", "Malta": "MT",
    "Netherlands": "NL", "Poland": "PL", "Portugal": "PT", "Romania": "RO", "Slovakia": "SK", "Slovenia": "SI",
    "Spain": "ES", "Sweden": "SE",
}
_OTHER = {
    "United Kingdom": "GB", "Switzerland": "CH", "Norway": "NO", "Iceland": "IS", "Liechtenstein": "LI",
    "Australia": "AU", "Brazil": "BR", "Canada": "CA", "China": "CN", "India": "IN", "Japan": "JP", "South Korea": "KR",
    "Korea": "KR", "Singapore": "SG", "New Zealand": "NZ", "Mexico": "MX", "Turkey": "TR", "Türkiye": "TR",
    "Israel": "IL", "Hong Kong": "HK", "Taiwan": "TW", "Indonesia": "ID", "Vietnam": "VN", "South Africa": "ZA",
    "Argentina": "AR", "Chile": "CL", "Colombia": "CO", "Quebec": "CA-QC",
}
_EEA_ONLY = {"Norway", "Iceland", "Liechtenstein"}


def _word(name: str) -> str:
    return r"\b" + r"\s+".join(re.escape(w) for w in name.split()) + r"\b"


PLACES: tuple[tuple[re.Pattern[str], str, str | None, str | None], ...] = (
    (re.compile(r"\b(?:European\s+Economic\s+Area|EEA)\b"), "eu", None, "EEA"),
    (re.compile(r"\b(?:European\s+Union|EU)\b(?!\s+(?:law|Commission|Regulation|Directive|SCCs?))"), "eu", None, "EU"),
    (re.compile(r"\bEuropean\s+Region\b|\bEurope\b"), "eu", None, "Europe"),
    (re.compile(r"\b(?:United\s+Kingdom|UK|U\.K\.|Great\s+Britain)\b(?!\s+(?:GDPR|Addendum|Information|Data))"), "other", "GB", "UK"),
    (re.compile(r"\b(?:United\s+States(?:\s+of\s+America)?|U\.S\.(?:A\.)?|USA)(?![\w.])"), "us", "US", None),
    (re.compile(r"\bLATAM\b|\bLatin\s+America\b"), "other", None, "LATAM"),
    (re.compile(r"\bAPAC\b|\bAsia[-\s]Pacific\b"), "other", None, "APAC"),
    *((re.compile(_word(n)), "us", f"US-{c}", None) for n, c in sorted(_US_STATES.items(), key=lambda kv: -len(kv[0]))),
    *((re.compile(_word(n)), "other" if n in _EEA_ONLY else "eu", c, None) for n, c in _EU.items() | {k: v for k, v in _OTHER.items() if k in _EEA_ONLY}.items()),
    *((re.compile(_word(n)), "other", c, None) for n, c in sorted(_OTHER.items(), key=lambda kv: -len(kv[0])) if n not in _EEA_ONLY),
)
# a place is a condition on the user only where the words speak of where the user is, lives or buys
_PLACE_CUE = re.compile(r"\b(?:resid\w*|located|based|live[sd]?|living|habitually|citizens?|users?|consumers?|customers?|individuals?|"
                        r"in\s+(?:the\s+)?$|outside|within|from|country|jurisdiction|member\s+states?|region|area)\b", _I)


def read_condition(words: str, *, products: tuple[str, ...] = ()) -> dict[str, list[str]]:
    """The context fields ``words`` state, each with every value it names (in table order).

    ``products``: the names of the publisher's products ("Grok", "Perplexity Pro"), longest first; a name the
    words hold is a ``product`` value (its slug).
    """
    plain = words.replace("**", "")
    out: dict[str, list[str]] = {}
    taken: dict[str, list[tuple[int, int]]] = {}

    def add(name: str, value: str, span: tuple[int, int]) -> None:
        spans = taken.setdefault(name, [])
        if any(span[0] < e and s < span[1] for s, e in spans):
            return
        spans.append(span)
        values = out.setdefault(name, [])
        if value not in values:
            values.append(value)

    for name, value, pattern in CONDITION_RULES:
        for m in pattern.finditer(plain):
            add(name, value, m.span())
    if "region" not in out or out["region"] != ["not-us"]:
        _read_places(plain, add)
    for product in products:
        for m in re.finditer(_word(product), plain):
            add("product", slugify(product), m.span())
    return out


def _read_places(plain: str, add) -> None:
    if not _PLACE_CUE.search(plain):
        return
    places: list[tuple[int, int, str, str | None, str | None]] = []
    for pattern, region, country, area in PLACES:
        for m in pattern.finditer(plain):
            if any(m.start() < e and s < m.end() for s, e, *_ in places):
                continue
            places.append((m.start(), m.end(), region, country, area))
    for s, e, region, country, area in sorted(places):
        if region == "us" and re.search(r"\bunless\s+you\s+are\s+(?:located|based|resident)\s+in\s+(?:the\s+)?$", plain[max(0, s - 50): s], _I):
            continue
        add("region", region, (s, e))
        if country:
            add("country", country, (s, e))
        if area:
            add("area", area, (s, e))
