"""URL hygiene: one canonical form per article URL, and the site (host) a URL belongs to."""

from __future__ import annotations

import contextlib
from urllib.parse import urlsplit

from courlan import normalize_url
from w3lib.url import canonicalize_url, url_query_cleaner

# Query parameters that only track the visitor; any parameter starting with one of these goes.
TRACKING_PREFIXES = ("utm_", "mc_", "pk_", "hsa_", "_hs", "oly_")
TRACKING_PARAMS = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "gbraid",
        "wbraid",
        "msclkid",
        "yclid",
        "igshid",
        "ref_src",
        "mkt_tok",
        "cmpid",
        "ncid",
        "spm",
        "share",
        "ref",
        "s_cid",
        "src",
        "_ga",
        "at_medium",
        "at_campaign",
        "sr_share",
        "CMP",
        "ito",
    }
)


def is_tracking_param(name: str) -> bool:
    lowered = name.lower()
    return lowered in TRACKING_PARAMS or lowered.startswith(TRACKING_PREFIXES)


def clean_url(url: str) -> str:
    """The URL without fragment and tracking parameters, with a normalised host and query order."""
    parts = urlsplit(url)
    keep = [
        pair.split("=", 1)[0]
        for pair in parts.query.split("&")
        if pair and not is_tracking_param(pair.split("=", 1)[0])
    ]
    cleaned = url_query_cleaner(url, parameterlist=keep, remove=False, keep_fragments=False)
    with contextlib.suppress(ValueError):  # courlan rejects some odd hosts; keep w3lib's form
        cleaned = normalize_url(cleaned, strict=False)
    return canonicalize_url(cleaned, keep_fragments=False)


def site_id(url: str) -> str:
    """The site a URL belongs to: its host, lowercased, without port and leading 'www.'."""
    host = (urlsplit(url).hostname or "").lower()
    return host[4:] if host.startswith("www.") else host
