"""Is a fetched page an article? Decided from the page's own signals (extract()'s "signals"),
helped by the shape of the site's article URLs as its feeds and sitemaps list them."""

from __future__ import annotations

import re
from collections import Counter
from urllib.parse import urlsplit

from dedupe.text import ARTICLE_TYPES

SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+){2,}")

# An excerpt on a community site can be short; a listing is mostly links.
MIN_WORDS_DECLARED = 60
MIN_WORDS_DATED = 100
MIN_WORDS_UNDECLARED = 300
MAX_LINK_DENSITY = 0.3


def url_shape(url: str) -> str:
    """The shape of a URL's path: numbers become N and long hyphenated slugs S.

    /2026/11/05/solar-array-vote/ -> /N/N/N/S/ ; /news/vote-splits-farmers-1234.html -> /news/S.html
    """
    shaped = []
    for segment in urlsplit(url).path.split("/"):
        stem, dot, ext = segment.partition(".")
        if stem.isdigit():
            stem = "N"
        elif SLUG.fullmatch(stem.lower()):
            stem = "S"
        else:
            stem = re.sub(r"\d+", "N", stem)
        shaped.append(stem + dot + ext)
    return "/".join(shaped)


class ArticleShapes:
    """URL shapes a site's feeds and sitemaps list: a page of such a shape is likely an article."""

    MIN_SEEN = 2

    def __init__(self) -> None:
        self.seen: dict[str, Counter[str]] = {}

    def learn(self, site: str, url: str) -> None:
        self.seen.setdefault(site, Counter())[url_shape(url)] += 1

    def matches(self, site: str, url: str) -> bool:
        return self.seen.get(site, Counter())[url_shape(url)] >= self.MIN_SEEN


def classify(signals: dict, listed_shape: bool = False) -> tuple[str, str]:
    """('article', reason) or ('listing' | 'other', reason) for a page's signals.

    `listed_shape`: the URL has the shape of the articles the site's feeds and sitemaps list.
    """
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
    if listed_shape and words >= MIN_WORDS_DECLARED:
        return "article", "listed-url-shape"
    if declared:
        return "other", "too-short"
    return "other", "no-article-signals"
