"""Does a clause apply to this user? The scope statements of the clause, its parents and its document,
read against the context (ontology/context.py).

    fit(view, clause, ctx) -> Fit: applies "yes" | "depends" (on fields not given) | "no", with the
                              scope words that decide it, nearest first
    implied(ctx)           -> the context with the facts one stated value implies

Each ancestor of the clause (the clause, parent clauses, sections, the document) may carry scope
limbs ("(a) If you use our free Services", "This DPA only applies if Customer is a business
entity"). At one level, any limb that fits is enough; a limb that needs a field not given makes the
level "depends"; when none fits, the clause does not apply, and the words say why.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import re

from clausegraph.ontology.context import fits, normalise
from clausegraph.ontology.iris import slugify
from clausegraph.queries.governs.snapshot import Limb

__all__ = ["Fit", "fit", "heading_limb", "implied", "edge_fits", "IMPLIED"]

# What one stated fact implies about another, for deciding which texts apply (not shown as stated):
# someone who uses the vendor's own product buys directly; someone who buys through a cloud partner
# or a reseller, or runs the model on a partner's or their own infrastructure, uses none of the
# vendor's hosted products.
IMPLIED = (
    ("channel", ("cloud-partner", "reseller"), "service", "none"),
    ("infrastructure", ("partner", "own"), "service", "none"),
)


@dataclass
class Fit:
    """How a text's scope fits the context: fails (words), depends on fields, or matched fields."""

    fails: list[str] = field(default_factory=list)
    unknown: set[str] = field(default_factory=set)
    matched: set[str] = field(default_factory=set)
    limbs: list = field(default_factory=list)  # the scope limbs that decided a yes/depends, nearest first

    @property
    def words(self) -> list[str]:
        return [limb.words for limb in self.limbs]

    @property
    def applies(self) -> str:
        return "no" if self.fails else "depends" if self.unknown else "yes"


def implied(ctx: dict[str, str], services: set[str] | None = None) -> dict[str, str]:
    """``ctx`` in canonical values, with what they imply (a product of the vendor's: bought directly)."""
    out = {k: normalise(k, v) or v for k, v in ctx.items()}
    if services and out.get("service") in services and "channel" not in out:
        out["channel"] = "direct"
    for field_name, values, other, value in IMPLIED:
        if out.get(field_name) in values and other not in out:
            out[other] = value
    return out


_GENERIC_PRODUCT = re.compile(r"-(?:products?|services?|models?|offerings?)$")


def context_fields(fields: dict[str, list[str]], publisher: str = "") -> dict[str, list[str]]:
    """A scope's fields as the context schema reads them: the precise places ingest reads ("FR",
    "US-CA", "EEA", "UK") stand for the region where the words name them, and the publisher's
    products the words name ("perplexity-pro") are services; the publisher's own name and its
    products as a whole ("Mistral AI", "Mistral AI Products") restrict nothing."""
    out = {k: list(v) for k, v in fields.items() if k not in ("country", "area", "product")}
    precise = [v.lower() for v in fields.get("country", []) + fields.get("area", [])]
    if precise:
        out["region"] = precise + [v for v in out.get("region", []) if v == "not-us"]
    products = [v for v in fields.get("product", []) if v != publisher and not _GENERIC_PRODUCT.search(v)]
    if products:
        out["service"] = list(dict.fromkeys(out.get("service", []) + products))
    return out


def _limb_verdict(limb, ctx: dict[str, str], services: set[str], publisher: str = "") -> tuple[bool, set[str], set[str]]:
    fails, unknown, matched = False, set(), set()
    for name, allowed in context_fields(limb.fields, publisher).items():
        if name == "service" and services and set(services) <= set(allowed):
            continue  # "La Plateforme, Le Chat, and ..." names every product: no restriction
        if name == "plan" and {"free", "paid"} <= set(allowed):
            continue  # free and paid: every plan
        user = ctx.get(name)
        if user is None:
            unknown.add(name)
            continue
        if user == "none" and name == "service":
            fails = True  # buying through a partner: no vendor-hosted product applies
            continue
        ok = fits(name, user, allowed)
        if ok is False:
            fails = True
        elif ok is None:
            unknown.add(name)
        else:
            matched.add(name)
    return fails, unknown, matched


# words that make a company's name, not a product, with the publisher's own name: "Google LLC", "Perplexity AI"
_COMPANY_WORDS = {"llc", "inc", "ltd", "limited", "corp", "corporation", "gmbh", "sa", "sas", "ai", "account", "accounts",
                  "services", "products", "company"}


def _products(view) -> set[str]:
    """The services of ``view_services`` that are products, not the company: a heading "When Google shares your
    information" or "Your Relationship with Google" names the publisher, which restricts nothing."""
    cached = view.__dict__.get("_products")
    if cached is None:
        brand = set(view.publisher.split("-")) | set(slugify(view.snap.publishers.get(view.publisher, "")).split("-"))
        cached = view.__dict__["_products"] = {svc for svc in view_services(view)
                                               if svc != "none" and not set(svc.split("-")) <= brand | _COMPANY_WORDS}
    return cached


def heading_limb(view, iri: str):
    """A section whose heading names some of the publisher's products, not all, is about those: "3.4.2 Input
    and Output provided on La Plateforme", "Le Chat", "Grok for Business" (headings of the kind seen in
    the privacy policies and terms of Mistral, Perplexity and xAI). The products are the ones the
    publisher's scope statements name (``view_services``), found as whole words of the heading's slug;
    the heading is the limb's words. None for a clause, or a heading that names none or all of them."""
    cache = view.__dict__.setdefault("_heading_limbs", {})
    if iri in cache:
        return cache[iri]
    n = view.snap.nodes.get(iri)
    found = None
    if n is not None and n.section and n.heading:
        products = _products(view)
        slug = f"-{slugify(n.heading)}-"
        named = sorted(p for p in products if f"-{p}-" in slug)
        if named and (len(products) == 1 or set(named) != products):  # "La Plateforme and Le Chat": every product
            found = Limb(n.heading, {"service": named}, n.heading, iri, "heading-service")
    cache[iri] = found
    return found


def fit(view, iri: str, ctx: dict[str, str]) -> Fit:
    """Scope of the clause, its parents and its document against the context."""
    snap = view.snap
    services = view_services(view)
    out = Fit()
    levels = []
    for a in snap.ancestors.get(iri, [iri]):
        # a limb that states nothing the context can be read against ("govern your use of the Mistral
        # AI Products") is no alternative to one that does
        read = [(limb, context_fields(limb.fields, view.publisher)) for limb in snap.limbs.get(a, {}).values()]
        limbs = [limb for limb, fields in read if fields]
        headed = heading_limb(view, a)
        if headed is not None and not any("service" in fields for _, fields in read):
            levels.append([headed])  # what the heading says holds besides what the section's words state
        # the limbs a text states are alternatives ("our resellers" or "our cloud partners"); what a
        # title says of the audience ("Commercial Terms") holds besides them: a level of its own
        stated = [limb for limb in limbs if limb.rule != "title-audience"]
        titled = [limb for limb in limbs if limb.rule == "title-audience"]
        levels += [group for group in (stated, titled) if group]
    for limbs in levels:
        results = [(*_limb_verdict(limb, ctx, services, view.publisher), limb) for limb in limbs]
        good = [r for r in results if not r[0] and not r[1]]
        maybe = [r for r in results if not r[0] and r[1]]
        if good:
            best = max(good, key=lambda r: len(r[2]))
            out.matched |= best[2]
            out.limbs.append(best[3])
        elif maybe:
            for r in maybe:
                out.unknown |= r[1]
                out.matched |= r[2]
            out.limbs.append(maybe[0][3])
        else:
            out.fails.append(" / ".join(dict.fromkeys(r[3].words for r in results)))
    return out


def edge_fits(e, ctx: dict[str, str], publisher: str = "") -> bool:
    """An edge holds for this user unless its condition names a value the user does not have."""
    for name, allowed in context_fields(e.fields, publisher).items():
        user = ctx.get(name)
        if user is not None and user != "none" and fits(name, user, allowed) is False:
            return False
    return True


def view_services(view) -> set[str]:
    """The products this publisher's scope statements name."""
    cached = getattr(view, "_services", None)
    if cached is None:
        cached = set()
        for subject, limbs in view.snap.limbs.items():
            n = view.snap.nodes.get(subject)
            doc = n.doc if n else subject
            if doc in view.live:
                for limb in limbs.values():
                    cached.update(context_fields(limb.fields, view.publisher).get("service", ()))
        view._services = cached
    return cached
