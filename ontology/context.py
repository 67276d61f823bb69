"""Who asks: the context schema every vendor's answers are read against.

The code knows no vendor. Generic values are the same for every publisher; what a vendor calls
them ("Claude Pro", "ChatGPT Enterprise", "EEA or Switzerland") is read from its own documents by
ingest (scope statements) and matched here. A publisher's products (``service``) are whatever its
documents name; the values below are what any vendor can be asked about.

| field          | values                                          | notes                                        |
|----------------|-------------------------------------------------|----------------------------------------------|
| role           | consumer, business                              | a developer or company is a business          |
| region         | eu, us, other, or an ISO 3166-1 alpha-2 code    | "fr" is in the EU and the EEA; "us-ca" a state |
| plan           | free, pro, team, enterprise, paid               | pro, team and enterprise are paid plans        |
| channel        | direct, cloud-partner, reseller, app-store      | how the service was bought                     |
| infrastructure | vendor, partner, own                            | where the model runs ("mistral" = vendor)      |
| service        | the publisher's products, as slugs              | from its documents: ``clausegraph context``    |

``fits(field, user value, values a text allows)`` answers True (the text is for this user), False
(it is not) or None (cannot tell: a "paid" user and a Pro-only text).
"""

from __future__ import annotations

import re

__all__ = ["FIELDS", "GENERIC", "REGION_GROUPS", "normalise", "fits", "region_tags", "describe_field",
           "PLAN_IMPLIES", "ALIASES"]

FIELDS = ("role", "region", "service", "plan", "channel", "infrastructure")

GENERIC: dict[str, tuple[str, ...]] = {
    "role": ("consumer", "business"),
    "region": ("eu", "us", "other"),
    "plan": ("free", "pro", "team", "enterprise", "paid"),
    "channel": ("direct", "cloud-partner", "reseller", "app-store"),
    "infrastructure": ("vendor", "partner", "own"),
    "service": (),
}

# values people type for the same thing
ALIASES: dict[str, dict[str, str]] = {
    "role": {"individual": "consumer", "personal": "consumer", "company": "business", "developer": "business",
             "enterprise": "business", "organisation": "business", "organization": "business"},
    "region": {"eea": "eu", "europe": "eu", "european-union": "eu", "usa": "us", "united-states": "us",
               "uk": "gb", "united-kingdom": "gb", "rest-of-world": "other", "row": "other", "world": "other"},
    "plan": {"plus": "pro", "premium": "pro", "business": "team", "max": "pro", "paying": "paid", "unpaid": "free"},
    "channel": {"cloud": "cloud-partner", "marketplace": "cloud-partner", "partner": "cloud-partner",
                "app-stores": "app-store", "appstore": "app-store", "google-play": "app-store", "apple": "app-store"},
    "infrastructure": {"mistral": "vendor", "provider": "vendor", "self-hosted": "own", "on-premises": "own"},
}

PLAN_IMPLIES = {"pro": "paid", "team": "paid", "enterprise": "paid"}

# ISO 3166-1 alpha-2 codes of the regions texts name
EU = frozenset("at be bg hr cy cz dk ee fi fr de gr hu ie it lv lt lu mt nl pl pt ro sk si es se".split())
EEA = EU | {"is", "li", "no"}
REGION_GROUPS: dict[str, frozenset[str]] = {
    "eu": EU,  # texts that say "EU" mostly mean the EEA too; "eea" below is exact
    "eea": EEA,
    "europe": EEA | {"ch", "gb"},  # "the European Region" (EEA, Switzerland, UK) as several vendors define it
    "uk": frozenset({"gb"}),
    "switzerland": frozenset({"ch"}),
}
_ISO = re.compile(r"^[a-z]{2}(?:-[a-z0-9]{1,3})?$")


def normalise(field: str, value: str | None) -> str | None:
    """The canonical spelling of ``value`` for ``field`` ("EEA" -> "eu", "UK" -> "gb", "Plus" -> "pro")."""
    if value is None:
        return None
    v = re.sub(r"[\s_]+", "-", str(value).strip().lower())
    if not v:
        return None
    return ALIASES.get(field, {}).get(v, v)


def region_tags(value: str) -> set[str]:
    """Everything a user region stands for: "fr" -> {fr, eu, eea, europe}; "us-ca" -> {us-ca, us};
    "gb" -> {gb, uk, europe, other}; "eu" -> {eu, eea, europe}; "other" -> {other}."""
    v = normalise("region", value) or ""
    tags = {v}
    if v in ("eu", "eea"):
        tags |= {"eu", "eea", "europe"}
    country = v.split("-")[0]
    if v.startswith("us"):
        tags |= {"us"}
    elif _ISO.match(v):
        tags.add(country)
        for group, members in REGION_GROUPS.items():
            if country in members:
                tags.add(group)
        if country not in EU:
            tags.add("other")
    return tags


def is_valid(field: str, value: str, services: tuple[str, ...] = ()) -> bool:
    v = normalise(field, value)
    if field == "region":
        return v in GENERIC["region"] or v in REGION_GROUPS or bool(_ISO.match(v or ""))
    if field == "service":
        return not services or v in services
    return v in GENERIC[field]


def describe_field(field: str, services: tuple[str, ...] = ()) -> str:
    if field == "region":
        return "eu, us, other, or an ISO 3166 country code (fr, de, gb, ch, us-ca, ...)"
    if field == "service":
        return ", ".join(services) if services else "(this publisher's documents name no products)"
    return ", ".join(GENERIC[field])


def fits(field: str, user: str, allowed: list[str]) -> bool | None:
    """Does a text whose scope allows ``allowed`` values of ``field`` apply to a user with ``user``?

    True: it does; False: it does not; None: cannot tell from what was given (a "paid" user and a
    text only for Pro users).
    """
    # a text's own values are taken as they are ("eea" in a scope means the EEA); a user's are normalised
    allowed = [str(a).strip().lower() for a in allowed] if field == "region" else [normalise(field, a) or a for a in allowed]
    user = normalise(field, user) or user
    if user in allowed:
        return True
    if field == "region":
        tags = region_tags(user)
        if any(a in tags for a in allowed):
            return True
        if "not-us" in allowed and "us" not in tags:
            return True
        if any(a in ("eu", "eea", "europe") for a in allowed) and user in ("other",):
            return None  # "other" may still be Switzerland or the UK for a text on the European Region
        return False
    if field == "plan":
        if PLAN_IMPLIES.get(user) in allowed:
            return True
        if user == "paid" and any(PLAN_IMPLIES.get(a) == "paid" for a in allowed):
            return None
        return False
    if field == "infrastructure" and user == "vendor" and any(a not in ("partner", "own") for a in allowed):
        return True  # a vendor-named infrastructure ("mistral") is the vendor's own
    return False
