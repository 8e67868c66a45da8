"""Site roles from the flows, for sites that sites.toml gives none.

A site's flows are the pieces others copied from it (out) and the pieces it copied from others
(in), as site_flows counts them. Its role is what they mostly are:

* origin: others copy it, it copies (almost) nothing: out is at least ORIGIN_SHARE of its flows;
* aggregator: it copies others and is seldom copied: out is at most AGGREGATOR_SHARE;
* republisher: both, in between (copies what origins publish, and is copied in turn).

A site with fewer than MIN_PIECES pieces in its flows has too little to tell, and no role.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

ORIGIN = "origin"
REPUBLISHER = "republisher"
AGGREGATOR = "aggregator"

# What sites.toml says when it gives no role (crawler.sitelist's default), or an import leaves.
NO_ROLE = "other"

ORIGIN_SHARE = 0.75
AGGREGATOR_SHARE = 0.45
MIN_PIECES = 3


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


def shown_role(given: str | None, inferred: str | None) -> tuple[str | None, bool]:
    """(role to show, whether it was inferred): sites.toml's role wins when it gives one."""
    if given and given != NO_ROLE:
        return given, False
    if inferred:
        return inferred, True
    return given, False
