"""Site roles from the flows, for sites that sites.toml gives none.

A site's flows are the pieces others copied from it (out) and the pieces it copied from others
(in), as site_flows counts them. Its role is what they mostly are:

* origin: others copy it, it copies (almost) nothing: out is at least ORIGIN_SHARE of its flows;
* aggregator: it copies others and is seldom copied: out is at most AGGREGATOR_SHARE;
* republisher: both, in between (copies what origins publish, and is copied in turn).

A site with fewer than MIN_PIECES pieces in its flows has too little to tell, and no role.

`credited_origins` reads the same shares from what the pages themselves say, before any spread is
traced: which sites other sites' pages credit as their source (attribution link or name, a
canonical URL on another site), and which sites credit others. Tracing uses it where dates leave
a cluster's origin open.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from .spread import name_matches, site_keys, site_named
from .urls import site_id

ORIGIN = "origin"
REPUBLISHER = "republisher"
AGGREGATOR = "aggregator"

# What sites.toml says when it gives no role (crawler.sitelist's default), or an import leaves.
NO_ROLE = "other"

ORIGIN_SHARE = 0.75
AGGREGATOR_SHARE = 0.45
MIN_PIECES = 3
# A site other sites' pages credit more often than its own pages credit others is, on balance,
# where pieces start (a republisher of others' work may be one too: not ORIGIN_SHARE).
SOURCE_SHARE = 0.5


def infer_roles(flows: Iterable[tuple[str, str, int]]) -> dict[str, str]:
    """site -> role from (source_site, target_site, pieces) flows; flows within a site and
    sites with fewer than MIN_PIECES pieces in their flows are left out."""
    copied_from: Counter[str] = Counter()
    copies: Counter[str] = Counter()
    for source, target, pieces in flows:
        if source == target or not pieces:
            continue
        copied_from[source] += pieces
        copies[target] += pieces
    roles = {}
    for site in copied_from.keys() | copies.keys():
        total = copied_from[site] + copies[site]
        if total < MIN_PIECES:
            continue
        share = copied_from[site] / total
        if share >= ORIGIN_SHARE:
            roles[site] = ORIGIN
        elif share <= AGGREGATOR_SHARE:
            roles[site] = AGGREGATOR
        else:
            roles[site] = REPUBLISHER
    return roles


def credited_origins(
    credits: Iterable[tuple[str, str | None, str | None, str | None]], names: dict[str, str]
) -> set[str]:
    """Sites that pages of other sites credit as their source more often than their own pages
    credit others: credited at least MIN_PIECES times, and more than SOURCE_SHARE of the
    credits they take part in. credits: (site, attribution_url, attribution_name,
    canonical_url) per article; names: site -> its name, for credits that give a name only."""
    keyed = sorted((site, site_keys(site, name)) for site, name in names.items())
    keys = dict(keyed)
    # (name, crediting site) -> whom the name credits, as tracing reads it: another site it
    # names, else a source outside the sites unless it names the crediting site itself
    source: dict[tuple[str, str], str | None] = {}
    credited: Counter[str] = Counter()
    crediting: Counter[str] = Counter()
    for site, url, name, canonical in credits:
        named = {site_id(u) for u in (url, canonical) if u} - {"", site}
        if name and not named:
            if (name, site) not in source:
                found = site_named(name, keyed, site)
                if found is None and not name_matches(name, keys.get(site, set())):
                    found = f"name:{name}"
                source[name, site] = found
            if source[name, site]:
                named.add(source[name, site])
        if not named:
            continue
        crediting[site] += 1
        credited.update(s for s in named if s in names)
    return {
        site
        for site, count in credited.items()
        if count >= MIN_PIECES and count > SOURCE_SHARE * (count + crediting[site])
    }


def shown_role(given: str | None, inferred: str | None) -> tuple[str | None, bool]:
    """(role to show, whether it was inferred): sites.toml's role wins when it gives one."""
    if given and given != NO_ROLE:
        return given, False
    if inferred:
        return inferred, True
    return given, False
