"""Is a fetched page an article? Decided from the page's own signals (extract()'s "signals")."""

from __future__ import annotations

from dedupe.text import ARTICLE_TYPES

# An excerpt on a community site can be short; a listing is mostly links.
MIN_WORDS_DECLARED = 60
MIN_WORDS_DATED = 100
MIN_WORDS_UNDECLARED = 300
MAX_LINK_DENSITY = 0.3


def classify(signals: dict) -> tuple[str, str]:
    """('article', reason) or ('listing' | 'other', reason) for a page's signals."""
    words = signals.get("word_count") or 0
    density = signals.get("link_density") or 0.0
    declared = (signals.get("og_type") or "").lower() == "article" or any(
        t.lower() in ARTICLE_TYPES for t in signals.get("jsonld_types") or ()
    )
    if density > MAX_LINK_DENSITY:
        return "listing", "mostly-links"
    if declared and words >= MIN_WORDS_DECLARED:
        return "article", "declared"
    if signals.get("has_time_element") and words >= MIN_WORDS_DATED:
        return "article", "dated-text"
    if words >= MIN_WORDS_UNDECLARED and (signals.get("paragraphs") or 0) >= 4:
        return "article", "long-text"
    if declared:
        return "other", "too-short"
    return "other", "no-article-signals"
